//! PostgreSQL through tokio-postgres: passwords go to the server as SCRAM-SHA-256 verifiers
//! built on the client with `postgres-protocol`, so `log_statement = all` records a verifier,
//! never the password.
//!
//! Why tokio-postgres (and not sqlx, used before): sqlx 0.9.0 dropped `TCP_NODELAY` (its fix is
//! merged upstream but unreleased) and offers no way to set it or to pass a socket, so every
//! login stalled on Nagle's algorithm waiting for the server's delayed ACK; it also builds a
//! new rustls configuration per connection and always adds the public web roots to the CA
//! file. tokio-postgres sets `TCP_NODELAY` on its sockets, and with tokio-postgres-rustls it
//! takes the process's one rustls configuration (exact roots, P-256 first). It speaks SCRAM
//! with channel binding and uses the same `postgres-protocol` crate as the verifiers.

use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{Login, Target, bounded, scrubbed};
use crate::error::{DbError, DbErrorKind};
use crate::facts::TlsMode;

pub(crate) struct PgSession {
    client: Client,
    connection: JoinHandle<()>,
    login: String,
    timeout: std::time::Duration,
}

impl PgSession {
    pub(crate) async fn open(target: &Target, login: Login<'_>) -> Result<Self, DbError> {
        let describe = login.describe();
        let password = login.password.expose_secret();
        let mut config = Config::new();
        config
            .host(&target.host)
            .port(target.port)
            .user(login.username)
            .password(password)
            .dbname(target.dbname.as_deref().unwrap_or("postgres"))
            .application_name("vigil-secret-rotation")
            .connect_timeout(target.timeout)
            .ssl_mode(match target.tls {
                TlsMode::Disable => SslMode::Disable,
                TlsMode::Require | TlsMode::VerifyFull => SslMode::Require,
            });
        let fail = |e: tokio_postgres::Error| classify(&e, &describe, &[password]);
        let (client, connection) = bounded(target.timeout, &describe, async {
            match target.tls {
                TlsMode::Disable => {
                    let (client, connection) = config.connect(NoTls).await.map_err(fail)?;
                    Ok((client, spawn(connection)))
                }
                TlsMode::Require | TlsMode::VerifyFull => {
                    let tls = MakeRustlsConnect::new(target.tls_config().as_ref().clone());
                    let (client, connection) = config.connect(tls).await.map_err(fail)?;
                    Ok((client, spawn(connection)))
                }
            }
        })
        .await?;
        Ok(PgSession {
            client,
            connection,
            login: describe,
            timeout: target.timeout,
        })
    }

    pub(crate) async fn check(&mut self) -> Result<String, DbError> {
        let login = self.login.clone();
        bounded(self.timeout, &login, async {
            let row = self
                .client
                .query_one("SELECT session_user::text", &[])
                .await
                .map_err(|e| classify(&e, &login, &[]))?;
            Ok(row.get(0))
        })
        .await
    }

    /// `ALTER ROLE ... PASSWORD '<verifier>'`: for the logged-in user itself, or any role when
    /// logged in as admin.
    pub(crate) async fn set_password(
        &mut self,
        role: &str,
        new: &SecretString,
    ) -> Result<(), DbError> {
        let sql = format!(
            "ALTER ROLE {} PASSWORD {}",
            quote_ident(role),
            quote_literal(&verifier(new))
        );
        self.execute(sql, new).await
    }

    /// Alternating users: `clone` logs in with its own password, is a member of `original`,
    /// and starts every session as `original` (`SET role`), so objects it creates belong to
    /// the original role and survive the next switch.
    pub(crate) async fn upsert_clone(
        &mut self,
        original: &str,
        clone: &str,
        new: &SecretString,
    ) -> Result<(), DbError> {
        let login = self.login.clone();
        let exists: bool = bounded(self.timeout, &login, async {
            let row = self
                .client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
                    &[&clone],
                )
                .await
                .map_err(|e| classify(&e, &login, &[]))?;
            Ok(row.get(0))
        })
        .await?;
        let (clone_q, original_q) = (quote_ident(clone), quote_ident(original));
        let password = quote_literal(&verifier(new));
        let create_or_alter = if exists {
            format!("ALTER ROLE {clone_q} WITH LOGIN PASSWORD {password};")
        } else {
            format!("CREATE ROLE {clone_q} WITH LOGIN PASSWORD {password};")
        };
        // One simple-protocol batch runs as one implicit transaction: either the clone exists
        // with membership and default role, or nothing changed.
        let sql = format!(
            "{create_or_alter} GRANT {original_q} TO {clone_q}; ALTER ROLE {clone_q} SET role = {};",
            quote_literal(original)
        );
        self.execute(sql, new).await
    }

    async fn execute(&mut self, sql: String, new: &SecretString) -> Result<(), DbError> {
        let login = self.login.clone();
        bounded(self.timeout, &login, async {
            self.client
                .batch_execute(&sql)
                .await
                .map_err(|e| classify(&e, &login, &[new.expose_secret()]))
        })
        .await
    }

    /// Logs out (Terminate) and waits, briefly, for the connection to end.
    pub(crate) async fn close(self) {
        drop(self.client);
        let _ = tokio::time::timeout(self.timeout, self.connection).await;
    }
}

/// Drives the connection (tokio-postgres hands its socket to a future of its own).
fn spawn<F>(connection: F) -> JoinHandle<()>
where
    F: Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended with an error");
        }
    })
}

/// Sorts a driver error by cause and removes every secret string from its text.
fn classify(err: &tokio_postgres::Error, login: &str, scrub: &[&str]) -> DbError {
    let kind = match err.code() {
        Some(code) if *code == SqlState::INVALID_PASSWORD => DbErrorKind::Authentication,
        Some(code) if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            DbErrorKind::Authentication
        }
        Some(code) if *code == SqlState::INSUFFICIENT_PRIVILEGE => DbErrorKind::Permission,
        Some(_) => DbErrorKind::Query,
        None => super::io_kind(err),
    };
    let message = match err.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => super::error_chain(err),
    };
    scrubbed(kind, login, message, scrub)
}

/// A SCRAM-SHA-256 verifier with a fresh random salt (RFC 5802 / 7677, the form PostgreSQL
/// stores in `pg_authid`).
fn verifier(password: &SecretString) -> String {
    postgres_protocol::password::scram_sha_256(password.expose_secret().as_bytes())
}

/// `"name"` with embedded quotes doubled: PostgreSQL's identifier quoting.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A string literal that is safe whatever `standard_conforming_strings` says: quotes doubled,
/// and with backslashes present an `E''` literal with them doubled (what libpq's
/// `PQescapeLiteral` does).
pub(crate) fn quote_literal(value: &str) -> String {
    let quoted = value.replace('\'', "''");
    if quoted.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident(r#"a"b; DROP"#), r#""a""b; DROP""#);
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(r"a\'b"), r"E'a\\''b'");
    }

    #[test]
    fn verifier_is_scram_and_hides_the_password() {
        let password = SecretString::from("correct horse battery staple".to_string());
        let v = verifier(&password);
        assert!(v.starts_with("SCRAM-SHA-256$4096:"), "{v}");
        assert!(!v.contains("correct horse"));
        assert_ne!(v, verifier(&password), "salt must be fresh each time");
    }
}
