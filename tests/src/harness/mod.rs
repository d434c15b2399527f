//! The services integration tests run against: a moto server standing in for AWS, and throwaway
//! PostgreSQL and MariaDB clusters and a Redis server with TLS on, all on free loopback ports
//! under one temp dir.
//!
//! [`harness()`] starts them once per test process and shares them between tests; tests stay
//! isolated by using a fresh AWS account id ([`Moto::new_account`]) and their own roles and
//! databases. `vigil-harness up --env-file PATH` starts the same services for a whole `make test`
//! run and writes where they are to PATH; a test process started with `VIGIL_HARNESS_ENV=PATH`
//! connects to those instead of starting its own.

mod counting;
mod mariadb;
mod moto;
mod postgres;
mod redis;
mod tls;

use std::collections::HashMap;
use std::fs::{self, File};
use std::future::Future;
use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};
use std::{panic, thread};

use rand::Rng;
use rand::distr::Alphanumeric;

pub use counting::counted;
pub use mariadb::MariaDb;
pub use moto::venv_python;
pub use moto::{EMULATOR_VAR, Moto};
pub use postgres::Postgres;
pub use redis::Redis;
pub use tls::TestCa;

/// Names the env file written by `vigil-harness up`; when set, [`harness()`] connects to the
/// services it describes instead of starting new ones.
pub const ENV_FILE_VAR: &str = "VIGIL_HARNESS_ENV";

/// How long one server may take to answer after it was spawned.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The running services and what tests need to reach them.
#[derive(Debug)]
pub struct Harness {
    pub moto: Moto,
    pub postgres: Postgres,
    pub mariadb: MariaDb,
    pub redis: Redis,
    pub ca: TestCa,
    dir: PathBuf,
    /// Empty when the services belong to another process (`VIGIL_HARNESS_ENV`).
    children: Mutex<Vec<Server>>,
}

/// A server process this harness started, and the signal that stops it cleanly.
#[derive(Debug)]
struct Server {
    name: &'static str,
    child: Child,
    stop_signal: libc::c_int,
}

/// The harness for this test process, started on first use (a few seconds) and shared by all
/// tests in it. Blocking; safe to call from inside `#[tokio::test]`.
///
/// # Panics
///
/// If the services cannot be started or the `VIGIL_HARNESS_ENV` file cannot be read; every
/// later call panics with the same message.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Result<Harness, String>> = OnceLock::new();
    let started = HARNESS.get_or_init(|| match std::env::var_os(ENV_FILE_VAR) {
        Some(path) => Harness::from_env_file(Path::new(&path)),
        None => Harness::try_start(),
    });
    match started {
        Ok(harness) => harness,
        Err(message) => panic!("{message}"),
    }
}

impl Harness {
    /// Starts every service in a fresh temp dir. Once per process: [`harness()`] or the
    /// `vigil-harness` binary call it.
    ///
    /// # Panics
    ///
    /// If a server binary is missing or a server does not become ready within 30 s; the message
    /// says what to install or shows the end of the server's log.
    pub fn start() -> Harness {
        Self::try_start().unwrap_or_else(|message| panic!("{message}"))
    }

    fn try_start() -> Result<Harness, String> {
        static STARTED: AtomicBool = AtomicBool::new(false);
        if STARTED.swap(true, Ordering::SeqCst) {
            return Err("the harness is started once per process; use harness()".into());
        }
        // The child processes die with the thread that spawned them (PR_SET_PDEATHSIG), so they
        // are spawned from a thread that lives as long as the process, never from a test's.
        let (sender, receiver) = mpsc::channel();
        thread::Builder::new()
            .name("vigil-harness".into())
            .spawn(move || {
                let started = panic::catch_unwind(start_services).map_err(panic_message);
                let ok = started.is_ok();
                let _ = sender.send(started);
                // On failure this thread ends here, and the kernel kills what it had spawned.
                if ok {
                    loop {
                        thread::park();
                    }
                }
            })
            .map_err(|e| format!("spawn the harness thread: {e}"))?;
        receiver
            .recv()
            .map_err(|_| "the harness thread ended without a result".to_string())?
    }

    /// Reads an env file written by [`Harness::write_env_file`].
    fn from_env_file(path: &Path) -> Result<Harness, String> {
        let text = fs::read_to_string(path).map_err(|e| {
            format!(
                "{ENV_FILE_VAR}={}: cannot read it ({e}); start the services with `vigil-harness up --env-file {}`",
                path.display(),
                path.display()
            )
        })?;
        let vars = parse_env(&text);
        let get = |key: &str| {
            vars.get(key)
                .cloned()
                .ok_or_else(|| format!("{}: {key} is missing", path.display()))
        };
        let port = |key: &str| {
            get(key)?
                .parse::<u16>()
                .map_err(|e| format!("{}: {key}: {e}", path.display()))
        };
        let database = |key: &str| get(key).unwrap_or_else(|_| DATABASE.to_string());
        let ca_file = PathBuf::from(get("VIGIL_DB_CA_FILE")?);
        let ca_pem =
            fs::read_to_string(&ca_file).map_err(|e| format!("read {}: {e}", ca_file.display()))?;
        let ca = TestCa {
            ca_pem,
            ca_file,
            untrusted_ca_file: get("VIGIL_UNTRUSTED_CA_FILE")?.into(),
        };
        Ok(Harness {
            moto: Moto::new(get("AWS_ENDPOINT_URL")?),
            postgres: Postgres::new(
                get("VIGIL_PG_HOST")?,
                port("VIGIL_PG_PORT")?,
                get("VIGIL_PG_ADMIN_USER")?,
                get("VIGIL_PG_ADMIN_PASSWORD")?,
                database("VIGIL_PG_DATABASE"),
                get("VIGIL_PG_LOG")?.into(),
                ca.ca_pem.clone(),
            ),
            mariadb: MariaDb::new(
                get("VIGIL_MARIADB_HOST")?,
                port("VIGIL_MARIADB_PORT")?,
                get("VIGIL_MARIADB_ADMIN_USER")?,
                get("VIGIL_MARIADB_ADMIN_PASSWORD")?,
                database("VIGIL_MARIADB_DATABASE"),
                get("VIGIL_MARIADB_LOG")
                    .map(PathBuf::from)
                    .unwrap_or_default(),
                ca.ca_pem.clone(),
            ),
            redis: Redis::new(
                get("VIGIL_REDIS_HOST")?,
                port("VIGIL_REDIS_PORT")?,
                get("VIGIL_REDIS_ADMIN_USER")?,
                get("VIGIL_REDIS_ADMIN_PASSWORD")?,
                get("VIGIL_REDIS_LOG")?.into(),
                ca.ca_file.clone(),
            ),
            ca,
            dir: get("VIGIL_HARNESS_DIR")?.into(),
            children: Mutex::new(Vec::new()),
        })
    }

    /// The temp dir holding the clusters, logs and CA files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What a process needs to reach the services, as written to the env file.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        let path = |p: &Path| p.display().to_string();
        vec![
            ("AWS_ENDPOINT_URL", self.moto.endpoint.clone()),
            ("AWS_REGION", moto::REGION.to_string()),
            ("AWS_ACCESS_KEY_ID", moto::ACCESS_KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", moto::SECRET_ACCESS_KEY.to_string()),
            ("VIGIL_PG_HOST", self.postgres.host.clone()),
            ("VIGIL_PG_PORT", self.postgres.port.to_string()),
            ("VIGIL_PG_ADMIN_USER", self.postgres.admin_user.clone()),
            (
                "VIGIL_PG_ADMIN_PASSWORD",
                self.postgres.admin_password.clone(),
            ),
            ("VIGIL_PG_DATABASE", self.postgres.database.clone()),
            ("VIGIL_PG_LOG", path(&self.postgres.log_path())),
            ("VIGIL_MARIADB_HOST", self.mariadb.host.clone()),
            ("VIGIL_MARIADB_PORT", self.mariadb.port.to_string()),
            ("VIGIL_MARIADB_ADMIN_USER", self.mariadb.admin_user.clone()),
            (
                "VIGIL_MARIADB_ADMIN_PASSWORD",
                self.mariadb.admin_password.clone(),
            ),
            ("VIGIL_MARIADB_DATABASE", self.mariadb.database.clone()),
            ("VIGIL_MARIADB_LOG", path(&self.mariadb.log_path())),
            ("VIGIL_REDIS_HOST", self.redis.host.clone()),
            ("VIGIL_REDIS_PORT", self.redis.port.to_string()),
            ("VIGIL_REDIS_ADMIN_USER", self.redis.admin_user.clone()),
            (
                "VIGIL_REDIS_ADMIN_PASSWORD",
                self.redis.admin_password.clone(),
            ),
            ("VIGIL_REDIS_LOG", path(&self.redis.log_path())),
            ("VIGIL_DB_CA_FILE", path(&self.ca.ca_file)),
            ("VIGIL_UNTRUSTED_CA_FILE", path(&self.ca.untrusted_ca_file)),
            ("VIGIL_HARNESS_DIR", path(&self.dir)),
        ]
    }

    /// Writes [`Harness::env_vars`] as `KEY=VALUE` lines (no quoting is needed: values are
    /// URLs, numbers, paths under the temp dir and alphanumeric passwords). The file appears
    /// complete or not at all.
    pub fn write_env_file(&self, path: &Path) -> io::Result<()> {
        let mut text = String::new();
        for (key, value) in self.env_vars() {
            text.push_str(&format!("{key}={value}\n"));
        }
        let partial = path.with_extension("partial");
        let mut file = File::create(&partial)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&partial, path)
    }

    /// Stops the servers this harness started (a clean shutdown signal, then SIGKILL after 5 s)
    /// and removes its temp dir. Does nothing for services owned by another process.
    pub fn shutdown(&self) {
        let mut servers = self.children.lock().unwrap_or_else(|e| e.into_inner());
        if servers.is_empty() {
            return;
        }
        for server in servers.iter() {
            // SAFETY: kill(2) on the pid of a child we have not reaped yet.
            unsafe { libc::kill(server.child.id() as libc::pid_t, server.stop_signal) };
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for server in servers.iter_mut() {
            while matches!(server.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(50));
            }
            if matches!(server.child.try_wait(), Ok(None)) {
                eprintln!("vigil-harness: {} did not stop; killing it", server.name);
                let _ = server.child.kill();
                let _ = server.child.wait();
            }
        }
        servers.clear();
        remove_dir(&self.dir);
    }
}

/// The database both clusters create at start.
const DATABASE: &str = "app";

/// Runs on the harness thread: everything spawned here lives until that thread ends.
fn start_services() -> Harness {
    let postgres_bin = postgres::find_binaries();
    mariadb::find_binaries();
    redis::find_binaries();
    let moto_bin = moto::venv_python();
    let dir = create_dir();
    let (ca, identity) = tls::generate(&dir);

    // Python takes the longest to start; let it import while the clusters are created.
    let (moto, moto_child) = moto::spawn(&moto_bin, &dir);
    let (pg_cluster, mariadb_cluster) = thread::scope(|scope| {
        let pg = scope.spawn(|| postgres::init(&postgres_bin, &dir, &identity));
        let mariadb = scope.spawn(|| mariadb::init(&dir, &identity));
        (join(pg), join(mariadb))
    });
    let (pg_child, pg) = postgres::spawn(&pg_cluster, &ca);
    let (mariadb_child, mariadb) = mariadb::spawn(&mariadb_cluster, &ca);
    let (redis_child, redis) = redis::spawn(&dir, &identity, &ca);

    let mut servers = vec![
        Server {
            name: "moto_server",
            child: moto_child,
            stop_signal: libc::SIGTERM,
        },
        // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for clients to leave.
        Server {
            name: "postgres",
            child: pg_child,
            stop_signal: libc::SIGINT,
        },
        Server {
            name: "mariadbd",
            child: mariadb_child,
            stop_signal: libc::SIGTERM,
        },
        Server {
            name: "redis-server",
            child: redis_child,
            stop_signal: libc::SIGTERM,
        },
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build the harness's tokio runtime");
    let [moto_server, pg_server, mariadb_server, redis_server] = &mut servers[..] else {
        unreachable!("four servers were pushed")
    };
    runtime.block_on(async {
        tokio::join!(
            moto.wait_ready(&mut moto_server.child),
            pg.bootstrap(&mut pg_server.child, &pg_cluster),
            mariadb.bootstrap(&mut mariadb_server.child, &mariadb_cluster),
            redis.bootstrap(&mut redis_server.child),
        )
    });

    Harness {
        moto,
        postgres: pg,
        mariadb,
        redis,
        ca,
        dir,
        children: Mutex::new(servers),
    }
}

/// Creates `vigil-harness-<pid>` in the system temp dir, first removing those left behind by
/// processes that no longer run (a test process's servers die with it, but its dir stays).
fn create_dir() -> PathBuf {
    let tmp = std::env::temp_dir();
    let own_pid = std::process::id();
    for entry in fs::read_dir(&tmp).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("vigil-harness-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == own_pid || !process_alive(pid) {
            remove_dir(&entry.path());
        }
    }
    let dir = tmp.join(format!("vigil-harness-{own_pid}"));
    fs::create_dir(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    exists || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn remove_dir(dir: &Path) {
    // Server processes may still be closing files for a moment after they were killed.
    for _ in 0..20 {
        match fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
    if let Err(e) = fs::remove_dir_all(dir) {
        eprintln!("vigil-harness: could not remove {}: {e}", dir.display());
    }
}

/// Spawns a long-lived server with stdout and stderr appended to `log`, and arranges for the
/// kernel to SIGKILL it when the spawning thread ends, so no server outlives the harness.
fn spawn_server(mut command: Command, log: &Path) -> Child {
    let out = File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
    let err = out
        .try_clone()
        .unwrap_or_else(|e| panic!("dup {}: {e}", log.display()));
    command.stdin(Stdio::null()).stdout(out).stderr(err);
    let parent = libc::pid_t::try_from(std::process::id()).expect("pid fits pid_t");
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe calls.
    // std runs it after switching uid/gid, which matters: a credential change clears the
    // parent-death signal.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The harness may have died between fork and prctl; then nobody would kill us.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        })
    };
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"))
}

/// Runs a setup command to completion, panicking with its output if it fails.
fn run(mut command: Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: spawn {:?}: {e}", command.get_program()));
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Retries `attempt` until it succeeds, the server exits or 30 s pass; on failure the panic
/// message ends with the last lines of the server's log.
async fn wait_ready<T, F, Fut>(name: &str, child: &mut Child, log: &Path, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{name} exited ({status}) before it was ready. Last lines of {}:\n{}",
                log.display(),
                log_tail(log)
            );
        }
        let error = match attempt().await {
            Ok(value) => return value,
            Err(error) => error,
        };
        if started.elapsed() > READY_TIMEOUT {
            panic!(
                "{name} was not ready after {READY_TIMEOUT:?} (last error: {error}). Last lines of {}:\n{}",
                log.display(),
                log_tail(log)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_else(|e| format!("(cannot read: {e})"));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("bind a loopback port")
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// The uid and gid of a system user.
fn system_user(name: &str) -> Option<(u32, u32)> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam returns null or a pointer to a static record, copied from at once. It is
    // not thread-safe; only the harness thread calls it, and only once.
    unsafe {
        let entry = libc::getpwnam(name.as_ptr());
        (!entry.is_null()).then(|| ((*entry).pw_uid, (*entry).pw_gid))
    }
}

fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect()
}

fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|payload| panic::resume_unwind(payload))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("vigil-harness: could not start the test services: {message}")
}

#[cfg(test)]
mod tests;
