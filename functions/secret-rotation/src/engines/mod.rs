//! Database engines: one module each, dispatched by [`Session`].
//!
//! Every statement that carries an identifier quotes it; nothing from a secret is spliced
//! into SQL unquoted. Passwords reach PostgreSQL only as SCRAM-SHA-256 verifiers computed
//! here, MariaDB only as `mysql_native_password` hashes and Redis only as SHA-256 hashes, so
//! the clear text never lands in a server log. Every connection sets `TCP_NODELAY` and uses
//! the process's one TLS configuration ([`tls`]). Errors are classified by cause and scrubbed
//! of every credential in play.

pub mod mysql;
mod postgres;
pub(crate) mod redis;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;

use crate::error::{DbError, DbErrorKind};
use crate::facts::{Engine, TlsMode};
use tls::Tls;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) engine: Engine,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) dbname: Option<String>,
    pub(crate) tls: TlsMode,
    /// The process's TLS configurations and trusted roots.
    pub(crate) trust: Tls,
    /// Bound on connecting and on each statement.
    pub(crate) timeout: Duration,
}

impl Target {
    /// The rustls configuration for this target's mode (`disable` never asks).
    pub(crate) fn tls_config(&self) -> &Arc<rustls::ClientConfig> {
        match self.tls {
            TlsMode::VerifyFull => &self.trust.verify_full,
            TlsMode::Require | TlsMode::Disable => &self.trust.require,
        }
    }
}

/// Which credential a login uses; its serde name is the one error messages and answers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    Current,
    Previous,
    Pending,
    Admin,
}

serde_plain::derive_display_from_serialize!(Role);

/// A credential to log in with, and which one it is (for error messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Login<'a> {
    pub(crate) role: Role,
    pub(crate) username: &'a str,
    pub(crate) password: &'a SecretString,
}

impl Login<'_> {
    fn describe(&self) -> String {
        format!("{} user {:?}", self.role, self.username)
    }
}

/// An open connection to one of the supported engines.
pub(crate) enum Session {
    Postgres(postgres::PgSession),
    MySql(mysql::MySqlSession),
    Redis(redis::RedisSession),
}

impl Session {
    /// Logs in with `login`, over TLS unless the target says `disable`.
    pub(crate) async fn open(target: &Target, login: Login<'_>) -> Result<Session, DbError> {
        match target.engine {
            Engine::Postgres => Ok(Session::Postgres(
                postgres::PgSession::open(target, login).await?,
            )),
            Engine::MySql | Engine::MariaDb => Ok(Session::MySql(
                mysql::MySqlSession::open(target, login).await?,
            )),
            Engine::Redis | Engine::ElastiCache => Ok(Session::Redis(
                redis::RedisSession::open(target, login).await?,
            )),
        }
    }

    /// Runs a query as the logged-in user and returns who the server says that is.
    pub(crate) async fn check(&mut self) -> Result<String, DbError> {
        match self {
            Session::Postgres(s) => s.check().await,
            Session::MySql(s) => s.check().await,
            Session::Redis(s) => s.check().await,
        }
    }

    /// Single user: the logged-in user changes its own password.
    pub(crate) async fn set_own_password(
        &mut self,
        username: &str,
        new: &SecretString,
    ) -> Result<(), DbError> {
        match self {
            Session::Postgres(s) => s.set_password(username, new).await,
            Session::MySql(s) => s.set_own_password(new).await,
            Session::Redis(_) => Err(self.not_sql()),
        }
    }

    /// Admin: set another user's password (every `user@host` account on MySQL/MariaDB).
    pub(crate) async fn set_user_password(
        &mut self,
        username: &str,
        new: &SecretString,
    ) -> Result<(), DbError> {
        match self {
            Session::Postgres(s) => s.set_password(username, new).await,
            Session::MySql(s) => s.set_user_password(username, new).await,
            Session::Redis(_) => Err(self.not_sql()),
        }
    }

    /// Admin: create `clone` (or update it) with `original`'s privileges and `new` password.
    pub(crate) async fn upsert_clone(
        &mut self,
        original: &str,
        clone: &str,
        new: &SecretString,
    ) -> Result<(), DbError> {
        match self {
            Session::Postgres(s) => s.upsert_clone(original, clone, new).await,
            Session::MySql(s) => s.upsert_clone(original, clone, new).await,
            Session::Redis(_) => Err(self.not_sql()),
        }
    }

    /// The ACL commands of a Redis session; `None` for SQL databases.
    pub(crate) fn redis(&mut self) -> Option<&mut redis::RedisSession> {
        match self {
            Session::Redis(s) => Some(s),
            _ => None,
        }
    }

    fn not_sql(&self) -> DbError {
        DbError {
            kind: DbErrorKind::Unsupported,
            login: String::new(),
            message: "Redis users are rotated with ACL passwords, not SQL".into(),
        }
    }

    pub(crate) async fn close(self) {
        match self {
            Session::Postgres(s) => s.close().await,
            Session::MySql(s) => s.close().await,
            Session::Redis(s) => s.close().await,
        }
    }
}

/// Runs `fut` within `timeout`, turning the elapsed case into a [`DbErrorKind::Timeout`].
pub(crate) async fn bounded<T>(
    timeout: Duration,
    login: &str,
    fut: impl Future<Output = Result<T, DbError>>,
) -> Result<T, DbError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(result) => result,
        Err(_) => Err(DbError {
            kind: DbErrorKind::Timeout,
            login: login.to_owned(),
            message: format!("no answer within {} s", timeout.as_secs()),
        }),
    }
}

/// A [`DbError`] whose message has every secret string (4 characters or more) replaced.
pub(crate) fn scrubbed(kind: DbErrorKind, login: &str, message: String, scrub: &[&str]) -> DbError {
    let mut message = message;
    for secret in scrub.iter().filter(|s| s.len() >= 4) {
        message = message.replace(secret, "***");
    }
    DbError {
        kind,
        login: login.to_owned(),
        message,
    }
}

/// An error and its sources, outermost first: drivers wrap the useful part (a certificate
/// problem, a refused connection) a level or two down.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}

/// The cause of an error that is not the server's answer: TLS when rustls or a certificate is
/// behind it (rustls reports through `io::Error` of kind `InvalidData`), a timeout, or else
/// the network.
pub(crate) fn io_kind(err: &(dyn std::error::Error + 'static)) -> DbErrorKind {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return DbErrorKind::Tls;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::InvalidData {
                return DbErrorKind::Tls;
            }
            if io.kind() == std::io::ErrorKind::TimedOut {
                return DbErrorKind::Timeout;
            }
        }
        source = e.source();
    }
    let text = error_chain(err).to_ascii_lowercase();
    if text.contains("certificate") || text.contains("tls") {
        DbErrorKind::Tls
    } else if text.contains("timed out") || text.contains("timeout") {
        DbErrorKind::Timeout
    } else {
        DbErrorKind::Network
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_secrets_from_driver_messages() {
        let db = scrubbed(
            DbErrorKind::Query,
            "pending user \"u\"",
            "near 'IDENTIFIED BY 'hunter2-secret''".into(),
            &["hunter2-secret"],
        );
        assert!(!db.message.contains("hunter2-secret"), "{}", db.message);
        assert!(db.message.contains("***"));
    }

    #[test]
    fn io_errors_are_network_unless_about_certificates() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(io_kind(&refused), DbErrorKind::Network);
        let bad_cert = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "invalid peer certificate: UnknownIssuer",
        );
        assert_eq!(io_kind(&bad_cert), DbErrorKind::Tls);
        let wrapped = std::io::Error::other(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert_eq!(io_kind(&wrapped), DbErrorKind::Tls);
    }
}
