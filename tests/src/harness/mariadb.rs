//! A throwaway MariaDB server with TLS on.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};

use super::tls::{self, ServerIdentity, TestCa};

const INSTALL_DB: &str = "/usr/bin/mariadb-install-db";
const MARIADBD: &str = "/usr/sbin/mariadbd";
const ADMIN_USER: &str = "vigil_admin";
const LOG_FILE: &str = "mariadb.log";

/// The MariaDB server.
#[derive(Debug, Clone)]
pub struct MariaDb {
    /// `127.0.0.1`
    pub host: String,
    pub port: u16,
    /// `vigil_admin`@`%`, with all privileges on `*.*` and the grant option.
    pub admin_user: String,
    pub admin_password: String,
    /// `app`, created at start.
    pub database: String,
    log: PathBuf,
    ca_pem: String,
}

/// An installed data directory, not yet running.
pub(crate) struct Cluster {
    data: PathBuf,
    socket: PathBuf,
    pid_file: PathBuf,
    tmp: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    port: u16,
    log: PathBuf,
}

impl MariaDb {
    pub(crate) fn new(
        host: String,
        port: u16,
        admin_user: String,
        admin_password: String,
        database: String,
        log: PathBuf,
        ca_pem: String,
    ) -> MariaDb {
        MariaDb {
            host,
            port,
            admin_user,
            admin_password,
            database,
            log,
            ca_pem,
        }
    }

    /// The server's error log (its stderr).
    pub fn log_path(&self) -> PathBuf {
        self.log.clone()
    }

    /// Options to log in as `user` to the `app` database over TLS, verifying the server's
    /// certificate and host name against the harness CA (`VERIFY_IDENTITY`).
    pub fn connect_options(&self, user: &str, password: &str) -> MySqlConnectOptions {
        MySqlConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(user)
            .password(password)
            .database(&self.database)
            .ssl_mode(MySqlSslMode::VerifyIdentity)
            .ssl_ca_from_pem(self.ca_pem.as_bytes().to_vec())
            // Test passwords travel in these statements; keep them out of captured logs.
            .disable_statement_logging()
    }

    /// [`MariaDb::connect_options`] for the admin.
    pub fn admin_options(&self) -> MySqlConnectOptions {
        self.connect_options(&self.admin_user, &self.admin_password)
    }

    /// An admin connection to `app` over TLS with the server's identity verified.
    ///
    /// # Panics
    ///
    /// If the login fails.
    pub async fn admin_connect(&self) -> MySqlConnection {
        self.admin_options()
            .connect()
            .await
            .unwrap_or_else(|e| panic!("MariaDB admin login to {}:{}: {e}", self.host, self.port))
    }

    /// Waits for the server to accept root on its socket, then creates the admin and `app`, and
    /// checks that the admin can log in over TLS.
    pub(crate) async fn bootstrap(&self, child: &mut Child, cluster: &Cluster) {
        // mariadb-install-db's root has no password; only the socket is used to reach it.
        let root = MySqlConnectOptions::new()
            .socket(&cluster.socket)
            .username("root")
            .ssl_mode(MySqlSslMode::Disabled)
            .disable_statement_logging();
        let mut connection = super::wait_ready("mariadbd", child, &cluster.log, || {
            let root = root.clone();
            async move { root.connect().await.map_err(|e| e.to_string()) }
        })
        .await;

        // install-db also made password-less root@127.0.0.1, root@::1 and root@<hostname>;
        // drop them so a TCP login needs a password, leaving root@localhost for the socket.
        let extra_roots: Vec<String> = sqlx::query_scalar(
            "SELECT CONVERT(Host USING utf8mb4) FROM mysql.global_priv \
             WHERE User = 'root' AND Host <> 'localhost'",
        )
        .fetch_all(&mut connection)
        .await
        .unwrap_or_else(|e| panic!("MariaDB: list root accounts: {e}"));
        let mut statements: Vec<String> = extra_roots
            .iter()
            .map(|host| format!("DROP USER 'root'@'{host}'"))
            .collect();
        // The password is alphanumeric: no quoting to get wrong.
        statements.extend([
            format!(
                "CREATE USER '{}'@'%' IDENTIFIED BY '{}'",
                self.admin_user, self.admin_password
            ),
            format!(
                "GRANT ALL PRIVILEGES ON *.* TO '{}'@'%' WITH GRANT OPTION",
                self.admin_user
            ),
            format!("CREATE DATABASE {}", self.database),
        ]);
        for statement in statements {
            connection
                .execute(sqlx::raw_sql(AssertSqlSafe(statement.clone())))
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "MariaDB bootstrap: {}: {e}",
                        statement.replace(&self.admin_password, "***")
                    )
                });
        }
        let _ = connection.close().await;
        let _ = self.admin_connect().await.close().await;
    }
}

/// Checks that the MariaDB server binaries are installed.
pub(crate) fn find_binaries() {
    for binary in [INSTALL_DB, MARIADBD] {
        if !Path::new(binary).is_file() {
            panic!("{binary} not found: install the Debian package `mariadb-server`");
        }
    }
}

/// Creates the system tables with mariadb-install-db.
pub(crate) fn init(dir: &Path, identity: &ServerIdentity) -> Cluster {
    let data = dir.join("mariadb");
    let cert = dir.join("mariadb-server.crt");
    let key = dir.join("mariadb-server.key");
    tls::write_public(&cert, &identity.cert_pem);
    // The server runs as the harness's own user, which owns the key already.
    tls::write_private(&key, &identity.key_pem, None);
    let tmp = dir.join("mariadb-tmp");
    fs::create_dir(&tmp).unwrap_or_else(|e| panic!("create {}: {e}", tmp.display()));

    let mut install = Command::new(INSTALL_DB);
    install
        .current_dir(dir)
        // --no-defaults must come first: no /etc/mysql option file may leak in.
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args([
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ])
        .args(run_as_root());
    super::run(install, "mariadb-install-db");

    Cluster {
        socket: dir.join("mariadb.sock"),
        pid_file: dir.join("mariadb.pid"),
        data,
        tmp,
        cert,
        key,
        port: super::free_port(),
        log: dir.join(LOG_FILE),
    }
}

/// Starts the server; it is ready once [`MariaDb::bootstrap`] returns.
pub(crate) fn spawn(cluster: &Cluster, ca: &TestCa) -> (Child, MariaDb) {
    let mut mariadbd = Command::new(MARIADBD);
    mariadbd
        .current_dir(&cluster.data)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", cluster.data.display()))
        .arg(format!("--socket={}", cluster.socket.display()))
        .arg(format!("--pid-file={}", cluster.pid_file.display()))
        .arg(format!("--tmpdir={}", cluster.tmp.display()))
        .arg(format!("--port={}", cluster.port))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--ssl-ca={}", ca.ca_file.display()))
        .arg(format!("--ssl-cert={}", cluster.cert.display()))
        .arg(format!("--ssl-key={}", cluster.key.display()))
        .args([
            // A TCP client's host is then its IP, so `vigil_admin`@`%` is the account that
            // matches 127.0.0.1, never a 'localhost' one found by reverse lookup.
            "--skip-name-resolve",
            "--skip-log-bin",
            "--performance-schema=OFF",
            "--innodb-buffer-pool-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
            "--key-buffer-size=1M",
            "--max-connections=100",
        ])
        .args(run_as_root());
    let child = super::spawn_server(mariadbd, &cluster.log);
    let server = MariaDb::new(
        "127.0.0.1".to_string(),
        cluster.port,
        ADMIN_USER.to_string(),
        super::random_password(),
        super::DATABASE.to_string(),
        cluster.log.clone(),
        ca.ca_pem.clone(),
    );
    (child, server)
}

/// mariadbd refuses to run as root unless told to; as anyone else it runs as itself.
fn run_as_root() -> Option<&'static str> {
    // SAFETY: geteuid cannot fail.
    (unsafe { libc::geteuid() } == 0).then_some("--user=root")
}
