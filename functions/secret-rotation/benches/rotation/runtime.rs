//! A minimal Lambda Runtime API (two routes: `next` and `response`/`error`), so what the
//! benchmark times is the function, not a development tool around it.

use std::collections::VecDeque;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};

/// Where the function's answer to one invocation goes: `Ok` for a response, `Err` for an error.
type Reply = oneshot::Sender<Result<Value, Value>>;

/// A queue of invocations the function pulls through `GET .../invocation/next`.
#[derive(Default)]
pub struct RuntimeApi {
    queue: Mutex<VecDeque<(String, Value, Reply)>>,
    ready: Notify,
}

impl RuntimeApi {
    pub async fn invoke(&self, event: Value) -> Result<Value, Value> {
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

pub async fn runtime_api() -> (u16, Arc<RuntimeApi>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let api = Arc::new(RuntimeApi::default());
    tokio::spawn(serve(listener, api.clone()));
    (port, api)
}

pub fn spawn_function(port: u16, account_env: &[(&'static str, String)]) -> Child {
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
