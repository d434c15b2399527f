//! A throwaway Redis server with TLS only (no plain-text port) and ACL users: the built-in
//! `default` user is switched off, so every client logs in as a named user.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use super::tls::{self, ServerIdentity, TestCa};

const REDIS_SERVER: &str = "redis-server";
const REDIS_CLI: &str = "redis-cli";
const ADMIN_USER: &str = "vigil_admin";
const LOG_FILE: &str = "redis.log";

/// The Redis server.
#[derive(Debug, Clone)]
pub struct Redis {
    /// `127.0.0.1`
    pub host: String,
    /// The TLS port (there is no plain-text one).
    pub port: u16,
    /// `vigil_admin`, allowed every command (`ACL SETUSER` included).
    pub admin_user: String,
    pub admin_password: String,
    log: PathBuf,
    ca_file: PathBuf,
}

impl Redis {
    pub(crate) fn new(
        host: String,
        port: u16,
        admin_user: String,
        admin_password: String,
        log: PathBuf,
        ca_file: PathBuf,
    ) -> Redis {
        Redis {
            host,
            port,
            admin_user,
            admin_password,
            log,
            ca_file,
        }
    }

    /// The server's log.
    pub fn log_path(&self) -> PathBuf {
        self.log.clone()
    }

    /// `redis-cli` over verified TLS as `user`, with `args` as the command. The password goes
    /// through the environment (`REDISCLI_AUTH`), not the command line.
    pub fn cli(&self, user: &str, password: &str, args: &[&str]) -> Command {
        let mut command = Command::new(REDIS_CLI);
        command
            .args(["--tls", "--cacert"])
            .arg(&self.ca_file)
            .args([
                "-h",
                &self.host,
                "-p",
                &self.port.to_string(),
                "--user",
                user,
            ])
            .env("REDISCLI_AUTH", password)
            .args(["--no-auth-warning"])
            .args(args);
        command
    }

    /// Runs `args` as the admin and returns what redis-cli printed.
    ///
    /// # Panics
    ///
    /// If redis-cli cannot run or the server answers with an error.
    pub fn admin(&self, args: &[&str]) -> String {
        let output = self
            .cli(&self.admin_user, &self.admin_password, args)
            .output()
            .unwrap_or_else(|e| panic!("run {REDIS_CLI}: {e}"));
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success() && !text.starts_with("ERR") && !text.contains("(error)"),
            "redis-cli {args:?}: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }

    async fn ping(&self) -> Result<(), String> {
        let output = tokio::process::Command::from(self.cli(
            &self.admin_user,
            &self.admin_password,
            &["PING"],
        ))
        .output()
        .await
        .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&output.stdout);
        if text.trim() == "PONG" {
            Ok(())
        } else {
            Err(format!("{text}{}", String::from_utf8_lossy(&output.stderr)))
        }
    }

    /// Waits until the admin can log in over TLS.
    pub(crate) async fn bootstrap(&self, child: &mut Child) {
        super::wait_ready("redis-server", child, &self.log, || self.ping()).await;
    }
}

/// Checks that `redis-server` and `redis-cli` are installed.
pub(crate) fn find_binaries() {
    for program in [REDIS_SERVER, REDIS_CLI] {
        let found = Command::new(program).arg("--version").output().is_ok();
        assert!(
            found,
            "{program} not found: install the Debian package `redis-server` (make db-servers does)"
        );
    }
}

/// Starts the server in `dir` with the harness certificate; ready once
/// [`Redis::bootstrap`] returns.
pub(crate) fn spawn(dir: &Path, identity: &ServerIdentity, ca: &TestCa) -> (Child, Redis) {
    let root = dir.join("redis");
    fs::create_dir(&root).unwrap_or_else(|e| panic!("create {}: {e}", root.display()));
    tls::write_public(&root.join("server.crt"), &identity.cert_pem);
    tls::write_private(&root.join("server.key"), &identity.key_pem, None);
    let port = super::free_port();
    let password = super::random_password();
    let mut server = Command::new(REDIS_SERVER);
    server
        .current_dir(&root)
        .args(["--port", "0", "--bind", "127.0.0.1"])
        .args(["--tls-port", &port.to_string()])
        .arg("--tls-cert-file")
        .arg(root.join("server.crt"))
        .arg("--tls-key-file")
        .arg(root.join("server.key"))
        .arg("--tls-ca-cert-file")
        .arg(&ca.ca_file)
        .args(["--tls-auth-clients", "no"])
        .arg("--dir")
        .arg(&root)
        .args(["--save", "", "--appendonly", "no"])
        .args(["--user", "default", "off", "resetpass"])
        .args([
            "--user",
            ADMIN_USER,
            "on",
            &format!(">{password}"),
            "~*",
            "&*",
            "+@all",
        ]);
    let log = dir.join(LOG_FILE);
    let child = super::spawn_server(server, &log);
    let redis = Redis::new(
        "127.0.0.1".to_string(),
        port,
        ADMIN_USER.to_string(),
        password,
        log,
        ca.ca_file.clone(),
    );
    (child, redis)
}
