//! Database engines: one module each, dispatched by [`Session`].
//!
//! Every statement that carries an identifier quotes it; nothing from a secret is spliced
//! into SQL unquoted. Passwords reach PostgreSQL only as SCRAM-SHA-256 verifiers computed
//! here and MariaDB only as `mysql_native_password` hashes, so the clear text never lands in a
//! server log. Errors are classified by cause and scrubbed of every credential in play.

pub mod mysql;
mod postgres;
pub(crate) mod tls;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;

use crate::error::{DbError, DbErrorKind};
use crate::facts::{Engine, TlsMode};

/// Where and how to connect.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) engine: Engine,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) dbname: Option<String>,
    pub(crate) tls: TlsMode,
    /// Trusted CA certificates (PEM) for verify-full.
    pub(crate) trusted_ca_pem: Arc<Vec<u8>>,
    /// Bound on connecting and on each statement.
    pub(crate) timeout: Duration,
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
        }
    }

    /// Runs a query as the logged-in user and returns who the server says that is.
    pub(crate) async fn check(&mut self) -> Result<String, DbError> {
        match self {
            Session::Postgres(s) => s.check().await,
            Session::MySql(s) => s.check().await,
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
        }
    }

    pub(crate) async fn close(self) {
        match self {
            Session::Postgres(s) => s.close().await,
            Session::MySql(s) => s.close().await,
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

/// Sorts a driver error by cause and removes every secret string from its text.
pub(crate) fn classify(err: sqlx::Error, login: &str, scrub: &[&str]) -> DbError {
    let kind = match &err {
        sqlx::Error::Database(db) => {
            let mysql_number = db
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .map(|e| e.number());
            match (db.code().as_deref(), mysql_number) {
                (_, Some(1045)) | (Some("28P01" | "28000"), None) => DbErrorKind::Authentication,
                (_, Some(1044 | 1142 | 1143 | 1227 | 1410 | 1396)) | (Some("42501"), None) => {
                    DbErrorKind::Permission
                }
                _ => DbErrorKind::Query,
            }
        }
        sqlx::Error::Tls(_) => DbErrorKind::Tls,
        sqlx::Error::Io(io) if is_tls_io(io) => DbErrorKind::Tls,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => DbErrorKind::Network,
        _ => DbErrorKind::Query,
    };
    let mut message = err.to_string();
    for secret in scrub.iter().filter(|s| s.len() >= 4) {
        message = message.replace(secret, "***");
    }
    DbError {
        kind,
        login: login.to_owned(),
        message,
    }
}

/// rustls reports certificate failures through `io::Error` of kind `InvalidData`.
fn is_tls_io(io: &std::io::Error) -> bool {
    io.kind() == std::io::ErrorKind::InvalidData
        || io.to_string().to_ascii_lowercase().contains("certificate")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_secrets_from_driver_messages() {
        let err = sqlx::Error::Protocol("near 'IDENTIFIED BY 'hunter2-secret''".into());
        let db = classify(err, "pending user \"u\"", &["hunter2-secret"]);
        assert!(!db.message.contains("hunter2-secret"), "{}", db.message);
        assert!(db.message.contains("***"));
    }

    #[test]
    fn io_errors_are_network_unless_about_certificates() {
        let refused = sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ));
        assert_eq!(classify(refused, "x", &[]).kind, DbErrorKind::Network);
        let bad_cert = sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "invalid peer certificate: UnknownIssuer",
        ));
        assert_eq!(classify(bad_cert, "x", &[]).kind, DbErrorKind::Tls);
    }
}
