//! `make demo`: the whole of Vigil as a story told in the terminal, against the local emulator
//! and real database servers.
//!
//! [`Demo::start`] starts the harness (moto + TLS PostgreSQL and MariaDB), then
//! `cargo lambda watch` serving every function binary of the workspace with the emulator's
//! environment (plus `events/demo.env` and each `events/<function>/demo.env`). Chapters seed
//! the emulator through the SDK, invoke functions with the files in `events/` exactly as
//! `cargo lambda invoke --data-file` does, and say what happened in plain words. Passwords are
//! never printed: a credential is shown as a short SHA-256 fingerprint, enough to see that it
//! changed.
//!
//! A chapter is `pub async fn run(demo: &Demo) -> Result<(), String>` in its own module,
//! registered in [`run_chapters`]. A chapter starts with `demo.warm_up("<binary>")`: cargo
//! lambda builds and starts a function on its first invocation, and a build that outlasts the
//! invocation's deadline would make the first real event fail for want of time.

pub mod cloudtrail;
pub mod detector;
pub mod guardduty;
pub mod rotation;
pub mod sweep;

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use serde_json::Value;

use crate::harness::{Harness, Moto, harness};

/// moto's default account: what functions under `cargo lambda watch` see (they send no
/// account header).
pub const ACCOUNT: &str = "123456789012";

pub struct Demo {
    pub h: &'static Harness,
    pub sdk: SdkConfig,
    pub root: PathBuf,
    pub topic_arn: String,
    port: u16,
    watch: Child,
}

/// Runs every chapter in order; the first failure stops the story. Returns the local copy of
/// the sweep's evidence bundle (with its report.html).
pub async fn run_chapters(demo: &Demo) -> Result<PathBuf, String> {
    rotation::run(demo).await?;
    cloudtrail::run(demo).await?;
    guardduty::run(demo).await?;
    let bundle = sweep::run(demo).await?;
    detector::run(demo).await?;
    Ok(bundle)
}

impl Demo {
    pub async fn start() -> Result<Demo, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        heading("Starting the local account");
        let started = Instant::now();
        let h = harness();
        say(&format!(
            "AWS emulator at {}, PostgreSQL on port {}, MariaDB on port {} (both TLS, CA made at start-up) - {:.1} s",
            h.moto.endpoint,
            h.postgres.port,
            h.mariadb.port,
            started.elapsed().as_secs_f64()
        ));
        let sdk = h.moto.sdk_config(ACCOUNT).await;
        let topic_arn = Moto::alert_topic(&sdk).await;

        let env_file = h.dir().join("functions.env");
        let mut env = String::new();
        for (key, value) in h.env_vars() {
            env.push_str(&format!("{key}={value}\n"));
        }
        env.push_str(&format!("VIGIL_ALERT_TOPIC_ARN={topic_arn}\n"));
        if let Ok(extra) = std::fs::read_to_string(root.join("events/demo.env")) {
            env.push_str(&extra);
        }
        // A function's own demo settings live beside its sample events
        // (`events/<function>/demo.env`); cargo lambda watch gives every function all of them.
        let mut own: Vec<PathBuf> = std::fs::read_dir(root.join("events"))
            .map_err(|e| format!("read events/: {e}"))?
            .filter_map(|entry| Some(entry.ok()?.path().join("demo.env")))
            .filter(|path| path.is_file())
            .collect();
        own.sort();
        for path in own {
            let extra = std::fs::read_to_string(&path)
                .map_err(|e| format!("read {}: {e}", path.display()))?;
            env.push_str(&extra);
        }
        std::fs::write(&env_file, env).map_err(|e| format!("write {}: {e}", env_file.display()))?;

        let port = free_port();
        let log = h.dir().join("cargo-lambda-watch.log");
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let watch = Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "--ignore-changes",
                "-P",
                &port.to_string(),
                "--env-file",
            ])
            .arg(&env_file)
            .current_dir(&root)
            // Its own target directory: builds under `cargo lambda watch` were seen to
            // overwrite the artefacts of `cargo test` (same file names, other flags), so each
            // demo made the next test run rebuild the SDK, and the other way round.
            .env("CARGO_TARGET_DIR", root.join("target/demo"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| {
                format!(
                    "start `cargo lambda watch` (is cargo-lambda installed? run `make venv`): {e}"
                )
            })?;
        let demo = Demo {
            h,
            sdk,
            root,
            topic_arn,
            port,
            watch,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "cargo lambda watch did not listen on port {port} within 120 s; see {}",
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        say(&format!(
            "cargo lambda watch serves the functions on port {port} (log: {})",
            log.display()
        ));
        Ok(demo)
    }

    /// `cargo lambda invoke <binary> --data-file <event_file>`: the function's JSON answer,
    /// or its error message.
    pub fn invoke(&self, binary: &str, event_file: &str) -> Result<Value, String> {
        let output = Command::new("cargo")
            .args([
                "lambda",
                "invoke",
                "-P",
                &self.port.to_string(),
                binary,
                "--data-file",
            ])
            .arg(self.root.join(event_file))
            .args(["--output-format", "json"])
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run cargo lambda invoke: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.success() {
            serde_json::from_str(stdout.trim()).map_err(|e| {
                format!("{binary} answered something that is not JSON ({e}): {stdout}")
            })
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            Err(format!("{}{}", stdout.trim(), stderr.trim()))
        }
    }

    /// Builds and starts `binary` under cargo lambda with an empty event, which every Vigil
    /// function answers at once with a clear error.
    pub fn warm_up(&self, binary: &str) -> Result<(), String> {
        let started = Instant::now();
        let output = Command::new("cargo")
            .args([
                "lambda",
                "invoke",
                "-P",
                &self.port.to_string(),
                binary,
                "--data-ascii",
                "{}",
            ])
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run cargo lambda invoke: {e}"))?;
        let answer = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        if !answer.contains("Malformed") && !answer.contains("malformed") {
            return Err(format!("{binary} did not start: {answer}"));
        }
        say(&format!(
            "{binary} built and started under cargo lambda ({:.1} s); an empty event is refused as malformed",
            started.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// Where to look afterwards.
    pub fn log_dir(&self) -> &Path {
        self.h.dir()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.watch.kill();
        let _ = self.watch.wait();
    }
}

pub fn heading(title: &str) {
    println!(
        "\n== {title} {}",
        "=".repeat(70usize.saturating_sub(title.len()))
    );
}

pub fn say(text: &str) {
    println!("   {text}");
}

pub fn good(text: &str) {
    println!(" + {text}");
}

pub fn bad(text: &str) {
    println!(" - {text}");
}

/// A short fingerprint of a credential: shows that it changed without showing it.
pub fn fingerprint(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    Sha256::digest(secret.as_bytes())
        .iter()
        .take(4)
        .fold(String::from("sha256:"), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub fn flush() {
    let _ = std::io::stdout().flush();
}
