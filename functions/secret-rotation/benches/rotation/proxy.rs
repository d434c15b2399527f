//! Loopback proxies that count what passes through them, so the benchmark can report what a
//! rotation costs whatever the function under test is written in:
//! - [`aws`]: HTTP/1.1 in front of the emulator, counting requests by operation
//!   (`X-Amz-Target` for JSON services, `Action=` for query services);
//! - [`database`]: TCP in front of a database server, counting connections, TLS handshakes and
//!   HelloRetryRequests (a ServerHello whose random is the RFC 8446 HRR constant), read from
//!   the bytes the server sends in the clear before the handshake is encrypted.
//!
//! Both set `TCP_NODELAY` on their own sockets and forward each read at once, so they add a
//! loopback hop but no stall of their own.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// AWS requests by `service:Operation`.
pub type AwsCounts = Arc<Mutex<BTreeMap<String, usize>>>;

/// Starts an HTTP proxy to `upstream` (`127.0.0.1:PORT`); returns its port and its counts.
pub async fn aws(upstream: String) -> (u16, AwsCounts) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counts = AwsCounts::default();
    let shared = counts.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            let counts = shared.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                });
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 16384];
                loop {
                    let n = match client_read.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    buffer.extend_from_slice(&chunk[..n]);
                    while let Some((length, operation)) = complete_request(&buffer) {
                        *counts.lock().unwrap().entry(operation).or_default() += 1;
                        buffer.drain(..length);
                    }
                    if server_write.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, counts)
}

/// The length of the first complete request in `buffer` and its operation.
fn complete_request(buffer: &[u8]) -> Option<(usize, String)> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buffer[..head_end]);
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if buffer.len() < head_end + length {
        return None;
    }
    let operation = match header("x-amz-target") {
        Some(target) => target.replace('.', ":"),
        None => {
            let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]);
            let action = body
                .split('&')
                .find_map(|pair| pair.strip_prefix("Action="))
                .unwrap_or("?")
                .to_owned();
            let service = header("authorization")
                .and_then(|auth| auth.split('/').nth(3).map(str::to_owned))
                .unwrap_or_else(|| "?".into());
            format!("{service}:{action}")
        }
    };
    Some((head_end + length, operation))
}

/// What a database proxy saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct DbCounts {
    pub connections: usize,
    pub handshakes: usize,
    pub hello_retries: usize,
}

pub type SharedDbCounts = Arc<Mutex<DbCounts>>;

/// The random of a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest").
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Only the start of what a server sends is in the clear; this much holds every ServerHello.
const SNIFFED: usize = 64 * 1024;

/// Starts a TCP proxy to `upstream_port` on loopback; returns its port and its counts.
pub async fn database(upstream_port: u16) -> (u16, SharedDbCounts) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counts = SharedDbCounts::default();
    let shared = counts.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            shared.lock().unwrap().connections += 1;
            let counts = shared.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)).await else {
                    return;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                    let _ = server_write.shutdown().await;
                });
                let mut seen = Vec::new();
                let mut chunk = [0u8; 16384];
                loop {
                    let n = match server_read.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if seen.len() < SNIFFED {
                        seen.extend_from_slice(&chunk[..n]);
                    }
                    if client_write.write_all(&chunk[..n]).await.is_err() {
                        break;
                    }
                }
                let (hellos, retries) = server_hellos(&seen);
                let mut counts = counts.lock().unwrap();
                counts.handshakes += hellos - retries;
                counts.hello_retries += retries;
            });
        }
    });
    (port, counts)
}

/// ServerHello records (TLS 1.2/1.3 record and message headers) in `bytes`, and how many of
/// them are HelloRetryRequests.
fn server_hellos(bytes: &[u8]) -> (usize, usize) {
    let (mut hellos, mut retries) = (0, 0);
    for at in 0..bytes.len().saturating_sub(43) {
        let record = &bytes[at..];
        if record[0] == 0x16 && record[1] == 0x03 && record[2] == 0x03 && record[5] == 0x02 {
            hellos += 1;
            if record[11..43] == HRR_RANDOM {
                retries += 1;
            }
        }
    }
    (hellos, retries)
}
