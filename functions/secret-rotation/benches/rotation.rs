//! `make bench` for secret-rotation, on the release build:
//! - cold start: process spawn to the first response through the Lambda Runtime API;
//! - a full four-step rotation (RotateSecret, then createSecret → finishSecret through the
//!   Runtime API), 20+ times for PostgreSQL and for MariaDB: p50 and p95;
//! - the function process's peak RSS.
//!
//! The Runtime API is a minimal in-process server (two routes: `next` and `response`/`error`)
//! so what is timed is the function, not a development tool around it. Figures are printed,
//! never asserted: machines here are shared and noisy.

use std::collections::VecDeque;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use vigil_tests::harness::harness;
#[path = "../tests/rig/mod.rs"]
mod rig;

use rig::{Db, Rig, create_user, unique};

const ROTATIONS: usize = 20;

/// Where the function's answer to one invocation goes: `Ok` for a response, `Err` for an error.
type Reply = oneshot::Sender<Result<Value, Value>>;

/// A queue of invocations the function pulls through `GET .../invocation/next`.
#[derive(Default)]
struct RuntimeApi {
    queue: Mutex<VecDeque<(String, Value, Reply)>>,
    ready: Notify,
}

impl RuntimeApi {
    async fn invoke(&self, event: Value) -> Result<Value, Value> {
        let (tx, rx) = oneshot::channel();
        let id = format!("req-{:016x}", rand::random::<u64>());
        self.queue.lock().unwrap().push_back((id, event, tx));
        self.ready.notify_one();
        rx.await.expect("function answered")
    }
}

type Pending = Arc<Mutex<Vec<(String, Reply)>>>;

async fn serve(listener: TcpListener, api: Arc<RuntimeApi>) {
    let pending: Pending = Arc::default();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(connection(stream, api.clone(), pending.clone()));
    }
}

/// One keep-alive connection from the runtime client: requests with Content-Length bodies.
async fn connection(stream: TcpStream, api: Arc<RuntimeApi>, pending: Pending) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).await.unwrap_or(0);
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await.unwrap_or_default();
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_owned();
        let response = if path.ends_with("/invocation/next") {
            let (id, event, tx) = loop {
                let next = api.queue.lock().unwrap().pop_front();
                match next {
                    Some(item) => break item,
                    None => api.ready.notified().await,
                }
            };
            pending.lock().unwrap().push((id.clone(), tx));
            let deadline =
                SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(60);
            let body = event.to_string();
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: {}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:secret-rotation\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n{body}",
                deadline.as_millis(),
                body.len()
            )
        } else {
            let id = path.split('/').nth(4).unwrap_or("").to_owned();
            let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let sender = {
                let mut pending = pending.lock().unwrap();
                pending
                    .iter()
                    .position(|(p, _)| *p == id)
                    .map(|i| pending.remove(i).1)
            };
            if let Some(tx) = sender {
                let _ = tx.send(if path.ends_with("/error") {
                    Err(value)
                } else {
                    Ok(value)
                });
            }
            "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".to_owned()
        };
        // A stopped function process leaves its `next` request behind; each cold-start run
        // has a Runtime API of its own, so no later invocation is handed to it.
        if write.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn runtime_api() -> (u16, Arc<RuntimeApi>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let api = Arc::new(RuntimeApi::default());
    tokio::spawn(serve(listener, api.clone()));
    (port, api)
}

fn spawn_function(port: u16, account_env: &[(&'static str, String)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secret-rotation"));
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "secret-rotation")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in account_env {
        command.env(k, v);
    }
    command
        .spawn()
        .expect("start the release secret-rotation binary")
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let h = harness();
    // The function sees moto's default account (it sends no account header).
    let rig = Rig::in_default_account().await;
    let mut env: Vec<(&'static str, String)> = h
        .env_vars()
        .into_iter()
        .filter(|(k, _)| k.starts_with("AWS_") || *k == "VIGIL_DB_CA_FILE")
        .collect();
    env.push(("VIGIL_ALERT_TOPIC_ARN", rig.topic_arn.clone()));

    println!("secret-rotation benchmark (release build, local emulator, TLS databases)");
    // Cold start: spawn, then the first invocation answered. A configuration test on a
    // secret with no rotation is the cheapest real answer: one DescribeSecret.
    let probe = rig
        .create_secret(
            &unique("bench/probe"),
            &json!({"engine": "postgres", "host": "h", "username": "u", "password": "p"}),
        )
        .await;
    let mut cold = Vec::new();
    for _ in 0..10 {
        // A Runtime API of its own per run: a stopped process's open `next` request must not
        // take the following run's invocation.
        let (port, api) = runtime_api().await;
        let started = Instant::now();
        let mut child = spawn_function(port, &env);
        let answer = api
            .invoke(json!({"Step": "createSecret", "SecretId": probe, "ClientRequestToken": "t"}))
            .await;
        cold.push(started.elapsed());
        assert!(
            answer.is_err(),
            "rotation is not enabled on the probe secret"
        );
        let _ = child.kill();
        let _ = child.wait();
    }
    cold.sort();
    println!(
        "cold start (spawn to first response, 10 runs): p50 {}  p95 {}",
        ms(percentile(&cold, 50.0)),
        ms(percentile(&cold, 95.0))
    );

    let (port, api) = runtime_api().await;
    let mut child = spawn_function(port, &env);
    for db in [Db::Postgres, Db::MariaDb] {
        let user = unique("bench");
        let initial = "Bench-initial-1";
        create_user(&rig, db, &user, initial).await;
        let arn = rig
            .create_secret(&unique("bench/db"), &rig.secret_json(db, &user, initial))
            .await;
        let mut times = Vec::with_capacity(ROTATIONS);
        for _ in 0..ROTATIONS {
            let started = Instant::now();
            let token = rig.start_rotation(&arn).await;
            for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
                let answer = api
                    .invoke(json!({"Step": step, "SecretId": arn, "ClientRequestToken": token}))
                    .await;
                if let Err(e) = answer {
                    panic!("{db:?} {step} failed: {e}");
                }
            }
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "full rotation, {:<8} ({ROTATIONS} rotations): p50 {}  p95 {}  max {}",
            db.engine(),
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 95.0)),
            ms(*times.last().unwrap())
        );
    }
    match peak_rss_kib(child.id()) {
        Some(kib) => println!(
            "peak RSS of the function process: {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("peak RSS: /proc not readable"),
    }
    let _ = child.kill();
    let _ = child.wait();
    h.shutdown();
}
