//! `make bench` for secret-rotation, on the release build:
//! - cold start: process spawn to the first response through the Lambda Runtime API;
//! - full four-step rotations through the Runtime API, interleaved across the cases, per
//!   rotation: wall time p50 and p95 (RotateSecret, which only Secrets Manager runs, is timed
//!   apart), Secrets Manager calls, database connections, failed logins, TLS handshakes and
//!   HelloRetryRequests;
//! - the function process's peak RSS;
//! - the event parser fuzzed with a million generated inputs (inputs, read, rejected, panics).
//!
//! Timings come from rotations that talk to the database directly. The counts come from a
//! second, shorter pass whose secrets point at counting proxies in front of the databases
//! (`rotation/proxy.rs`), and failed logins from the servers themselves (PostgreSQL's
//! `log_connections` log, MariaDB's `Access_denied_errors`, Redis's `acl_access_denied_auth`). Every AWS call of the function
//! goes through a counting proxy in front of the emulator.
//!
//! Comparison: with `VIGIL_BENCH_COMPARE_WITH=<shell command>`, that command is started once
//! and fed the same kind of PostgreSQL single-user rotation as one more case: one event JSON
//! per line on its stdin, one answer line per event on its stdout (a line starting with
//! `error` is a failure). It gets `AWS_ENDPOINT_URL` and `SECRETS_MANAGER_ENDPOINT` (the
//! counting proxy), the emulator's credentials and Region. Its secret has the fields AWS's
//! rotation templates read (no `tls`).
//!
//! Figures are printed, never asserted: machines here are shared and noisy.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::{Connection, Row};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use vigil_tests::harness::harness;
#[path = "rotation/proxy.rs"]
mod proxy;
#[path = "../tests/rig/mod.rs"]
mod rig;
#[path = "rotation/runtime.rs"]
mod runtime;

use proxy::{AwsCounts, DbCounts};
use rig::{Db, Rig, create_user, unique};
use runtime::{RuntimeApi, runtime_api, spawn_function};

/// Timed rotations per case.
const ROTATIONS: usize = 20;
/// Counted rotations per case (through the proxies).
const COUNTED: usize = 3;
/// Names the comparison command (see the module doc).
const COMPARE_VAR: &str = "VIGIL_BENCH_COMPARE_WITH";
const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

/// A rotation function under test.
enum Function {
    /// This crate's release binary, through the Runtime API.
    Vigil(std::sync::Arc<RuntimeApi>),
    /// The comparison command.
    Other {
        /// Killed when dropped.
        _child: Box<tokio::process::Child>,
        stdin: tokio::process::ChildStdin,
        stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    },
}

impl Function {
    async fn invoke(&mut self, event: Value) -> Result<(), String> {
        match self {
            Function::Vigil(api) => api.invoke(event).await.map(drop).map_err(|e| e.to_string()),
            Function::Other { stdin, stdout, .. } => {
                let line = format!("{event}\n");
                stdin
                    .write_all(line.as_bytes())
                    .await
                    .map_err(|e| e.to_string())?;
                match stdout.next_line().await {
                    Ok(Some(answer)) if !answer.starts_with("error") => Ok(()),
                    Ok(answer) => Err(format!("{answer:?}")),
                    Err(e) => Err(e.to_string()),
                }
            }
        }
    }
}

/// Which server a case rotates on.
#[derive(Debug, Clone, Copy)]
enum Server {
    Sql(Db),
    Redis,
}

/// One row of the table: who rotates what, over which secrets.
struct Case {
    label: String,
    server: Server,
    /// Index into the functions.
    function: usize,
    /// Talks to the database directly: timed.
    timed: String,
    /// Talks to the database through a counting proxy: counted.
    counted: String,
    proxy: proxy::SharedDbCounts,
    times: Vec<Duration>,
    rotate_secret: Vec<Duration>,
    counts: Counts,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    aws: usize,
    db: DbCounts,
    failed_logins: usize,
}

/// Server-side failed-login counters.
struct FailedLogins {
    pg_log: std::path::PathBuf,
    mariadb: sqlx::MySqlConnection,
}

impl FailedLogins {
    async fn read(&mut self, server: Server) -> usize {
        match server {
            Server::Redis => harness()
                .redis
                .admin(&["INFO", "stats"])
                .lines()
                .find_map(|l| l.strip_prefix("acl_access_denied_auth:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
            Server::Sql(Db::Postgres) => std::fs::read_to_string(&self.pg_log)
                .unwrap_or_default()
                .matches("password authentication failed for user")
                .count(),
            Server::Sql(Db::MariaDb) => {
                let row = sqlx::query("SHOW GLOBAL STATUS LIKE 'Access_denied_errors'")
                    .fetch_one(&mut self.mariadb)
                    .await
                    .expect("MariaDB status");
                let value: String = row.get(1);
                value.parse().unwrap_or(0)
            }
        }
    }
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

fn total(counts: &AwsCounts) -> usize {
    counts.lock().unwrap().values().sum()
}

/// One rotation of `arn`: RotateSecret (timed apart), then the four steps.
async fn rotate(rig: &Rig, function: &mut Function, arn: &str) -> (Duration, Duration) {
    let started = Instant::now();
    let token = rig.start_rotation(arn).await;
    let rotate_secret = started.elapsed();
    let started = Instant::now();
    for step in STEPS {
        let event = json!({"Step": step, "SecretId": arn, "ClientRequestToken": token});
        if let Err(e) = function.invoke(event).await {
            panic!("{arn} {step} failed: {e}");
        }
    }
    (started.elapsed(), rotate_secret)
}

async fn cold_start(rig: &Rig, env: &[(&'static str, String)]) {
    // A configuration test on a secret with no rotation is the cheapest real answer: one
    // DescribeSecret.
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
        let mut child = spawn_function(port, env);
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
}

/// A user on `db` and its secret twice: pointing at the server, and at a counting proxy.
async fn case(
    rig: &Rig,
    label: &str,
    server: Server,
    function: usize,
    extra: &[(&str, Value)],
) -> Case {
    let server_port = match server {
        Server::Sql(Db::Postgres) => rig.h.postgres.port,
        Server::Sql(Db::MariaDb) => rig.h.mariadb.port,
        Server::Redis => rig.h.redis.port,
    };
    let (proxy_port, proxy) = proxy::database(server_port).await;
    // Each secret has a user of its own: a rotation changes its user's password.
    let timed = user_secret(rig, server, extra, None).await;
    let counted = user_secret(rig, server, extra, Some(proxy_port)).await;
    Case {
        label: label.to_owned(),
        server,
        function,
        timed,
        counted,
        proxy,
        times: Vec::new(),
        rotate_secret: Vec::new(),
        counts: Counts::default(),
    }
}

/// A new user on `server` and its secret (with `extra` fields, and `port` when given).
async fn user_secret(
    rig: &Rig,
    server: Server,
    extra: &[(&str, Value)],
    port: Option<u16>,
) -> String {
    let user = unique("bench");
    let initial = "Bench-initial-Passw0rd-1";
    let mut secret = match server {
        Server::Sql(db) => {
            create_user(rig, db, &user, initial).await;
            rig.secret_json(db, &user, initial)
        }
        Server::Redis => {
            rig.redis_user(&user, initial, &["~*", "+@all"]);
            let mut secret = rig.redis_secret_json(&user, initial);
            // The admin secret names the same server (proxy included): Vigil sends the admin
            // password to no other.
            let h = &rig.h.redis;
            let mut admin = rig.redis_secret_json(&h.admin_user, &h.admin_password);
            if let Some(port) = port {
                admin["port"] = json!(port);
            }
            let admin = rig
                .create_secret(&unique("vigil/admin/redis"), &admin)
                .await;
            secret["masterarn"] = json!(admin);
            secret
        }
    };
    for (field, value) in extra {
        secret[*field] = value.clone();
    }
    if let Some(port) = port {
        secret["port"] = json!(port);
    }
    rig.create_secret(&unique("bench/db"), &secret).await
}

fn spawn_comparison(command: &str, aws_endpoint: &str) -> Function {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("AWS_ENDPOINT_URL", aws_endpoint)
        .env("SECRETS_MANAGER_ENDPOINT", aws_endpoint)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the comparison command");
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    Function::Other {
        _child: Box::new(child),
        stdin,
        stdout,
    }
}

#[tokio::main]
async fn main() {
    let h = harness();
    // The function sees moto's default account (it sends no account header).
    let rig = Rig::in_default_account().await;
    let moto = h.moto.endpoint.trim_start_matches("http://").to_owned();
    let (aws_port, aws_counts) = proxy::aws(moto).await;
    let aws_endpoint = format!("http://127.0.0.1:{aws_port}");
    let mut env: Vec<(&'static str, String)> = h
        .env_vars()
        .into_iter()
        .filter(|(k, _)| k.starts_with("AWS_") || *k == "VIGIL_DB_CA_FILE")
        .map(|(k, v)| match k {
            "AWS_ENDPOINT_URL" => (k, aws_endpoint.clone()),
            _ => (k, v),
        })
        .collect();
    env.push(("VIGIL_ALERT_TOPIC_ARN", rig.topic_arn.clone()));

    println!("secret-rotation benchmark (release build, local emulator, TLS databases)");
    cold_start(&rig, &env).await;

    let (port, api) = runtime_api().await;
    let mut child = spawn_function(port, &env);
    let mut functions = vec![Function::Vigil(api)];
    let pg = Server::Sql(Db::Postgres);
    let mut cases = vec![
        case(&rig, "vigil postgres verify-full", pg, 0, &[]).await,
        case(
            &rig,
            "vigil postgres tls disable",
            pg,
            0,
            &[("tls", json!("disable"))],
        )
        .await,
        case(
            &rig,
            "vigil mariadb verify-full",
            Server::Sql(Db::MariaDb),
            0,
            &[],
        )
        .await,
        case(&rig, "vigil redis verify-full", Server::Redis, 0, &[]).await,
    ];
    if let Ok(command) = std::env::var(COMPARE_VAR) {
        functions.push(spawn_comparison(&command, &aws_endpoint));
        cases.push(case(&rig, "comparison postgres", pg, 1, &[]).await);
    }

    // Warm-up: one rotation per case, not recorded.
    for case in &cases {
        rotate(&rig, &mut functions[case.function], &case.timed).await;
    }
    for _ in 0..ROTATIONS {
        for case in cases.iter_mut() {
            let (time, rotate_secret) =
                rotate(&rig, &mut functions[case.function], &case.timed).await;
            case.times.push(time);
            case.rotate_secret.push(rotate_secret);
        }
    }

    let mut failed = FailedLogins {
        pg_log: h.postgres.log_path(),
        mariadb: h.mariadb.admin_connect().await,
    };
    for case in cases.iter_mut() {
        let aws_before = total(&aws_counts);
        let failed_before = failed.read(case.server).await;
        let proxy_before = *case.proxy.lock().unwrap();
        for _ in 0..COUNTED {
            rotate(&rig, &mut functions[case.function], &case.counted).await;
        }
        // The proxy counts a connection's handshakes when it closes.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let proxy_after = *case.proxy.lock().unwrap();
        case.counts = Counts {
            aws: total(&aws_counts) - aws_before,
            db: DbCounts {
                connections: proxy_after.connections - proxy_before.connections,
                handshakes: proxy_after.handshakes - proxy_before.handshakes,
                hello_retries: proxy_after.hello_retries - proxy_before.hello_retries,
            },
            failed_logins: failed.read(case.server).await - failed_before,
        };
    }
    let _ = failed.mariadb.close().await;

    println!(
        "\nper rotation ({ROTATIONS} timed rotations per case, interleaved; counts from {COUNTED} more):"
    );
    println!(
        "{:<28} {:>10} {:>10} {:>9} {:>6} {:>8} {:>7} {:>5}  RotateSecret p50",
        "case", "p50", "p95", "SM calls", "conns", "failed", "TLS hs", "HRR"
    );
    let per = |n: usize| format!("{:.1}", n as f64 / COUNTED as f64);
    for case in cases.iter_mut() {
        case.times.sort();
        case.rotate_secret.sort();
        println!(
            "{:<28} {:>10} {:>10} {:>9} {:>6} {:>8} {:>7} {:>5}  {}",
            case.label,
            ms(percentile(&case.times, 50.0)),
            ms(percentile(&case.times, 95.0)),
            per(case.counts.aws),
            per(case.counts.db.connections),
            per(case.counts.failed_logins),
            per(case.counts.db.handshakes),
            per(case.counts.db.hello_retries),
            ms(percentile(&case.rotate_secret, 50.0)),
        );
    }
    println!("\nAWS calls of every function in the whole run, by operation:");
    for (operation, n) in aws_counts.lock().unwrap().iter() {
        println!("  {operation:<45} {n}");
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
    drop(functions);
    h.shutdown();
    fuzz();
}

/// Generated inputs for the event parser (`make bench`: a million).
const FUZZ_INPUTS: usize = 1_000_000;

/// The event parser over [`FUZZ_INPUTS`] inputs generated from `events/secret-rotation/`
/// (`vigil_tests::fuzz`: truncated, mutated, wrong types, huge strings, deep nesting,
/// unicode): inputs tried, read, rejected and panics (there must be none), printed.
fn fuzz() {
    let tally = vigil_tests::fuzz::run(
        &vigil_tests::fuzz::events("secret-rotation"),
        FUZZ_INPUTS,
        11,
        secret_rotation::event::RotationEvent::from_json,
    );
    println!("fuzz, the event parser: {tally}");
    if let Some(input) = &tally.first_panic {
        println!("  the first input that panicked: {input}");
    }
}
