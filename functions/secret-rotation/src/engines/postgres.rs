//! PostgreSQL: passwords go to the server as SCRAM-SHA-256 verifiers built on the client with
//! `postgres-protocol`, so `log_statement = all` records a verifier, never the password.

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use super::{Login, Target, bounded, classify};
use crate::error::DbError;
use crate::facts::TlsMode;

pub(crate) struct PgSession {
    conn: PgConnection,
    login: String,
    timeout: std::time::Duration,
}

impl PgSession {
    pub(crate) async fn open(target: &Target, login: Login<'_>) -> Result<Self, DbError> {
        let describe = login.describe();
        let mut options = PgConnectOptions::new_without_pgpass()
            .host(&target.host)
            .port(target.port)
            .username(login.username)
            .password(login.password.expose_secret())
            .database(target.dbname.as_deref().unwrap_or("postgres"))
            .application_name("vigil-secret-rotation")
            .ssl_mode(match target.tls {
                TlsMode::Disable => PgSslMode::Disable,
                TlsMode::Require => PgSslMode::Require,
                TlsMode::VerifyFull => PgSslMode::VerifyFull,
            })
            .disable_statement_logging();
        if target.tls == TlsMode::VerifyFull {
            options = options.ssl_root_cert_from_pem(target.trusted_ca_pem.to_vec());
        }
        let conn = bounded(target.timeout, &describe, async {
            PgConnection::connect_with(&options)
                .await
                .map_err(|e| classify(e, &describe, &[login.password.expose_secret()]))
        })
        .await?;
        Ok(PgSession {
            conn,
            login: describe,
            timeout: target.timeout,
        })
    }

    pub(crate) async fn check(&mut self) -> Result<String, DbError> {
        let login = self.login.clone();
        bounded(self.timeout, &login, async {
            sqlx::query_scalar::<_, String>("SELECT session_user::text")
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| classify(e, &login, &[]))
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
        let exists = bounded(self.timeout, &login, async {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
            )
            .bind(clone)
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| classify(e, &login, &[]))
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
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut self.conn)
                .await
                .map(|_| ())
                .map_err(|e| classify(e, &login, &[new.expose_secret()]))
        })
        .await
    }

    pub(crate) async fn close(self) {
        let _ = self.conn.close().await;
    }
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
