//! A throwaway PostgreSQL cluster: scram-sha-256 passwords, TLS on, every statement logged.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Executor};

use super::tls::{self, ServerIdentity, TestCa};

const ADMIN_USER: &str = "vigil_admin";
const LOG_FILE: &str = "postgres.log";

/// `hostssl` and plain `host` both accept scram-sha-256 logins over TCP, so a test can show
/// that the client, not the server, refuses to downgrade; `local` trust serves bootstrap only.
const PG_HBA: &str = "\
# TYPE   DATABASE  USER  ADDRESS       METHOD
local    all       all                 trust
hostssl  all       all   127.0.0.1/32  scram-sha-256
host     all       all   127.0.0.1/32  scram-sha-256
";

/// The PostgreSQL server.
#[derive(Debug, Clone)]
pub struct Postgres {
    /// `127.0.0.1`
    pub host: String,
    pub port: u16,
    /// A superuser, `vigil_admin`.
    pub admin_user: String,
    pub admin_password: String,
    /// `app`, created at start.
    pub database: String,
    log: PathBuf,
    ca_pem: String,
}

/// Where the server binaries are and which user runs them.
#[derive(Clone)]
pub(crate) struct Binaries {
    bin_dir: PathBuf,
    /// uid and gid to run as: initdb and postgres refuse to run as root.
    run_as: Option<(u32, u32)>,
}

/// An initialised data directory, not yet running.
pub(crate) struct Cluster {
    binaries: Binaries,
    root: PathBuf,
    data: PathBuf,
    port: u16,
    password: String,
    log: PathBuf,
}

impl Postgres {
    pub(crate) fn new(
        host: String,
        port: u16,
        admin_user: String,
        admin_password: String,
        database: String,
        log: PathBuf,
        ca_pem: String,
    ) -> Postgres {
        Postgres {
            host,
            port,
            admin_user,
            admin_password,
            database,
            log,
            ca_pem,
        }
    }

    /// The server's log (stderr): connections and, with `log_statement=all`, every statement.
    pub fn log_path(&self) -> PathBuf {
        self.log.clone()
    }

    /// Options to log in as `user` to the `app` database over TLS, verifying the server's
    /// certificate and host name against the harness CA (`verify-full`).
    pub fn connect_options(&self, user: &str, password: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(self.port)
            .username(user)
            .password(password)
            .database(&self.database)
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert_from_pem(self.ca_pem.as_bytes().to_vec())
            // Test passwords travel in these statements; keep them out of captured logs.
            .disable_statement_logging()
    }

    /// [`Postgres::connect_options`] for the superuser.
    pub fn admin_options(&self) -> PgConnectOptions {
        self.connect_options(&self.admin_user, &self.admin_password)
    }

    /// A superuser connection to `app` over verify-full TLS.
    ///
    /// # Panics
    ///
    /// If the login fails.
    pub async fn admin_connect(&self) -> PgConnection {
        self.admin_options().connect().await.unwrap_or_else(|e| {
            panic!("PostgreSQL admin login to {}:{}: {e}", self.host, self.port)
        })
    }

    /// Waits for the server to accept the superuser over TLS, then creates `app`.
    pub(crate) async fn bootstrap(&self, child: &mut Child, cluster: &Cluster) {
        let options = self.admin_options().database("postgres");
        let mut connection = super::wait_ready("postgres", child, &cluster.log, || {
            let options = options.clone();
            async move { options.connect().await.map_err(|e| e.to_string()) }
        })
        .await;
        connection
            .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {}",
                self.database
            ))))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL: create database {}: {e}", self.database));
        let _ = connection.close().await;
    }
}

/// Finds the newest `/usr/lib/postgresql/<version>/bin` (or `$VIGIL_PG_BIN`).
pub(crate) fn find_binaries() -> Binaries {
    let bin_dir = std::env::var_os("VIGIL_PG_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| {
                    let version = entry.file_name().to_str()?.parse().ok()?;
                    Some((version, entry.path().join("bin")))
                })
                .collect();
            versions.sort();
            versions.pop().map(|(_, bin)| bin)
        });
    let bin_dir = bin_dir
        .filter(|bin| bin.join("initdb").is_file() && bin.join("postgres").is_file())
        .unwrap_or_else(|| {
            panic!(
                "PostgreSQL server binaries (initdb, postgres) not found under \
                 /usr/lib/postgresql/<version>/bin: install the Debian package `postgresql` \
                 (or set VIGIL_PG_BIN)"
            )
        });
    // SAFETY: geteuid cannot fail.
    let run_as = if unsafe { libc::geteuid() } == 0 {
        Some(super::system_user("postgres").unwrap_or_else(|| {
            panic!(
                "running as root, but there is no `postgres` system user to run PostgreSQL as: \
                 install the Debian package `postgresql`"
            )
        }))
    } else {
        None
    };
    Binaries { bin_dir, run_as }
}

/// Runs initdb with the superuser's password and installs the certificate and `pg_hba.conf`.
pub(crate) fn init(binaries: &Binaries, dir: &Path, identity: &ServerIdentity) -> Cluster {
    let root = dir.join("postgres");
    fs::create_dir(&root).unwrap_or_else(|e| panic!("create {}: {e}", root.display()));
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", root.display()));
    if let Some((uid, gid)) = binaries.run_as {
        std::os::unix::fs::chown(&root, Some(uid), Some(gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", root.display()));
    }
    tls::write_public(&root.join("server.crt"), &identity.cert_pem);
    tls::write_private(&root.join("server.key"), &identity.key_pem, binaries.run_as);

    let password = super::random_password();
    let password_file = root.join("password");
    tls::write_private(&password_file, &password, binaries.run_as);
    let data = root.join("data");
    let mut initdb = command(binaries, "initdb", &root);
    initdb
        .arg("--pgdata")
        .arg(&data)
        .arg(format!("--username={ADMIN_USER}"))
        .arg("--pwfile")
        .arg(&password_file)
        .args([
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            // A throwaway cluster need not survive a power cut.
            "--no-sync",
            "--no-instructions",
        ]);
    super::run(initdb, "initdb");
    let _ = fs::remove_file(&password_file);
    // Rewriting the file keeps initdb's owner and mode.
    let hba = data.join("pg_hba.conf");
    fs::write(&hba, PG_HBA).unwrap_or_else(|e| panic!("write {}: {e}", hba.display()));

    Cluster {
        binaries: binaries.clone(),
        root,
        data,
        port: super::free_port(),
        password,
        log: dir.join(LOG_FILE),
    }
}

/// Starts the server on the cluster; it is ready once [`Postgres::bootstrap`] returns.
pub(crate) fn spawn(cluster: &Cluster, ca: &TestCa) -> (Child, Postgres) {
    let mut postgres = command(&cluster.binaries, "postgres", &cluster.root);
    postgres.arg("-D").arg(&cluster.data);
    let root = cluster.root.display();
    let settings = [
        "listen_addresses=127.0.0.1".to_string(),
        format!("port={}", cluster.port),
        format!("unix_socket_directories={root}"),
        "password_encryption=scram-sha-256".to_string(),
        "ssl=on".to_string(),
        format!("ssl_cert_file={root}/server.crt"),
        format!("ssl_key_file={root}/server.key"),
        format!("ssl_ca_file={}", ca.ca_file.display()),
        "logging_collector=off".to_string(),
        "log_destination=stderr".to_string(),
        "log_statement=all".to_string(),
        "log_connections=on".to_string(),
        "log_line_prefix=%m [%p] %q%u@%d ".to_string(),
        "fsync=off".to_string(),
        "synchronous_commit=off".to_string(),
        "full_page_writes=off".to_string(),
        "shared_buffers=16MB".to_string(),
        "max_connections=100".to_string(),
    ];
    for setting in settings {
        postgres.arg("-c").arg(setting);
    }
    let child = super::spawn_server(postgres, &cluster.log);
    let server = Postgres::new(
        "127.0.0.1".to_string(),
        cluster.port,
        ADMIN_USER.to_string(),
        cluster.password.clone(),
        super::DATABASE.to_string(),
        cluster.log.clone(),
        ca.ca_pem.clone(),
    );
    (child, server)
}

fn command(binaries: &Binaries, program: &str, cwd: &Path) -> Command {
    let mut command = Command::new(binaries.bin_dir.join(program));
    // A cwd the server user can enter, or initdb warns about root's.
    command.current_dir(cwd).env("LC_ALL", "C");
    if let Some((uid, gid)) = binaries.run_as {
        command.uid(uid).gid(gid);
    }
    command
}
