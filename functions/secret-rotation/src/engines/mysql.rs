//! MySQL and MariaDB. The server's own `VERSION()` decides the flavour, whatever the secret's
//! `engine` says (RDS MariaDB secrets often say `mysql`).
//!
//! MariaDB gets passwords as `mysql_native_password` hashes (`'*' + SHA1(SHA1(pw))`), so the
//! clear text never reaches it. MySQL 8's default plugin, `caching_sha2_password`, has no
//! client-computable form that every version accepts, so MySQL gets the password as a string
//! literal over TLS, escaped for the session's `sql_mode`; MySQL rewrites such statements in
//! its general and slow logs. Accounts are named `user`@`host` with backtick quoting, which
//! no `sql_mode` changes. Alternating users copy the original's exact accounts (every host,
//! not only `%`) and grants, options such as `WITH GRANT OPTION` included.

use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};

use super::{Login, Target, bounded, classify};
use crate::error::{DbError, DbErrorKind};
use crate::facts::TlsMode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    MySql,
    MariaDb,
}

pub(crate) struct MySqlSession {
    conn: MySqlConnection,
    flavor: Flavor,
    no_backslash_escapes: bool,
    login: String,
    timeout: std::time::Duration,
}

impl MySqlSession {
    pub(crate) async fn open(target: &Target, login: Login<'_>) -> Result<Self, DbError> {
        let describe = login.describe();
        let mut options = MySqlConnectOptions::new()
            .host(&target.host)
            .port(target.port)
            .username(login.username)
            .password(login.password.expose_secret())
            .ssl_mode(match target.tls {
                TlsMode::Disable => MySqlSslMode::Disabled,
                TlsMode::Require => MySqlSslMode::Required,
                TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
            })
            .disable_statement_logging();
        if let Some(db) = &target.dbname {
            options = options.database(db);
        }
        if target.tls == TlsMode::VerifyFull {
            options = options.ssl_ca_from_pem(target.trusted_ca_pem.to_vec());
        }
        let (conn, version, sql_mode) = bounded(target.timeout, &describe, async {
            let scrub = [login.password.expose_secret()];
            let mut conn = MySqlConnection::connect_with(&options)
                .await
                .map_err(|e| classify(e, &describe, &scrub))?;
            let row = sqlx::query("SELECT VERSION(), @@SESSION.sql_mode")
                .fetch_one(&mut conn)
                .await
                .map_err(|e| classify(e, &describe, &scrub))?;
            let version: String = row.try_get(0).map_err(|e| classify(e, &describe, &scrub))?;
            let sql_mode: String = row.try_get(1).map_err(|e| classify(e, &describe, &scrub))?;
            Ok((conn, version, sql_mode))
        })
        .await?;
        Ok(MySqlSession {
            conn,
            flavor: if version.contains("MariaDB") {
                Flavor::MariaDb
            } else {
                Flavor::MySql
            },
            no_backslash_escapes: sql_mode.contains("NO_BACKSLASH_ESCAPES"),
            login: describe,
            timeout: target.timeout,
        })
    }

    pub(crate) async fn check(&mut self) -> Result<String, DbError> {
        let login = self.login.clone();
        bounded(self.timeout, &login, async {
            sqlx::query_scalar::<_, String>("SELECT CURRENT_USER()")
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| classify(e, &login, &[]))
        })
        .await
    }

    pub(crate) async fn set_own_password(&mut self, new: &SecretString) -> Result<(), DbError> {
        let sql = match self.flavor {
            Flavor::MariaDb => format!("SET PASSWORD = '{}'", native_hash(new)),
            Flavor::MySql => format!(
                "ALTER USER CURRENT_USER() IDENTIFIED BY {}",
                self.literal(new.expose_secret())
            ),
        };
        self.execute(sql, new).await
    }

    pub(crate) async fn set_user_password(
        &mut self,
        user: &str,
        new: &SecretString,
    ) -> Result<(), DbError> {
        let hosts = self.hosts_of(user).await?;
        if hosts.is_empty() {
            return Err(self.missing_user(user));
        }
        for host in hosts {
            let sql = self.set_password_sql(&account(user, &host), new);
            self.execute(sql, new).await?;
        }
        Ok(())
    }

    pub(crate) async fn upsert_clone(
        &mut self,
        original: &str,
        clone: &str,
        new: &SecretString,
    ) -> Result<(), DbError> {
        let hosts = self.hosts_of(original).await?;
        if hosts.is_empty() {
            return Err(self.missing_user(original));
        }
        let existing = self.hosts_of(clone).await?;
        for host in hosts {
            let clone_account = account(clone, &host);
            let sql = if existing.contains(&host) {
                self.set_password_sql(&clone_account, new)
            } else {
                match self.flavor {
                    Flavor::MariaDb => format!(
                        "CREATE USER {clone_account} IDENTIFIED BY PASSWORD '{}'",
                        native_hash(new)
                    ),
                    Flavor::MySql => format!(
                        "CREATE USER {clone_account} IDENTIFIED BY {}",
                        self.literal(new.expose_secret())
                    ),
                }
            };
            self.execute(sql, new).await?;
            let original_account = account(original, &host);
            for grant in self.grants_of(&original_account).await? {
                let statement = regrant(&grant, &original_account, &clone_account)
                    .ok_or_else(|| DbError {
                        kind: DbErrorKind::Query,
                        login: self.login.clone(),
                        message: format!(
                            "cannot copy a grant of {original_account}: SHOW GRANTS returned a statement in an unexpected form"
                        ),
                    })?;
                self.execute(statement, new).await?;
            }
        }
        Ok(())
    }

    async fn hosts_of(&mut self, user: &str) -> Result<Vec<String>, DbError> {
        let login = self.login.clone();
        bounded(self.timeout, &login, async {
            sqlx::query_scalar::<_, String>(
                "SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ? ORDER BY Host",
            )
            .bind(user)
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| classify(e, &login, &[]))
        })
        .await
    }

    async fn grants_of(&mut self, account: &str) -> Result<Vec<String>, DbError> {
        let login = self.login.clone();
        let sql = format!("SHOW GRANTS FOR {account}");
        bounded(self.timeout, &login, async {
            let rows = sqlx::raw_sql(AssertSqlSafe(sql))
                .fetch_all(&mut self.conn)
                .await
                .map_err(|e| classify(e, &login, &[]))?;
            rows.iter()
                .map(|row| row.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| classify(e, &login, &[]))
        })
        .await
    }

    fn set_password_sql(&self, account: &str, new: &SecretString) -> String {
        match self.flavor {
            Flavor::MariaDb => format!("SET PASSWORD FOR {account} = '{}'", native_hash(new)),
            Flavor::MySql => format!(
                "ALTER USER {account} IDENTIFIED BY {}",
                self.literal(new.expose_secret())
            ),
        }
    }

    /// A string literal for this session's `sql_mode`.
    fn literal(&self, value: &str) -> String {
        if self.no_backslash_escapes {
            format!("'{}'", value.replace('\'', "''"))
        } else {
            format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
        }
    }

    fn missing_user(&self, user: &str) -> DbError {
        DbError {
            kind: DbErrorKind::Query,
            login: self.login.clone(),
            message: format!("user {user:?} does not exist on any host"),
        }
    }

    async fn execute(&mut self, sql: String, new: &SecretString) -> Result<(), DbError> {
        let login = self.login.clone();
        let secret = new.expose_secret();
        let escaped = self.literal(secret);
        bounded(self.timeout, &login, async {
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut self.conn)
                .await
                .map(|_| ())
                .map_err(|e| classify(e, &login, &[secret, escaped.trim_matches('\'')]))
        })
        .await
    }

    pub(crate) async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// `` `user`@`host` `` with backticks doubled. Backtick quoting means the same under every
/// `sql_mode`, unlike quotes, whose backslash handling depends on it.
pub fn account(user: &str, host: &str) -> String {
    format!("{}@{}", backtick(user), backtick(host))
}

fn backtick(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The `mysql_native_password` hash: `*` and the upper-case hex of SHA1(SHA1(password)).
/// Written here because the MySQL driver crates expose only the login scramble, not the stored
/// form; the algorithm is two SHA-1 calls.
pub(crate) fn native_hash(password: &SecretString) -> String {
    let inner = Sha1::digest(password.expose_secret().as_bytes());
    let outer = Sha1::digest(inner);
    format!("*{}", hex::encode_upper(outer))
}

/// Rewrites one `SHOW GRANTS` line of `original` into the same grant for `clone`: the grantee
/// replaced, any `IDENTIFIED ...` clause (which would copy the original's password) removed,
/// `REQUIRE` and `WITH ...` options kept. `None` when the line does not name `original` where
/// a grant names its grantee.
pub(crate) fn regrant(grant: &str, original: &str, clone: &str) -> Option<String> {
    if let Some(prefix) = grant.strip_suffix(&format!(" FOR {original}"))
        && prefix.starts_with("SET DEFAULT ROLE")
    {
        return Some(format!("{prefix} FOR {clone}"));
    }
    let marker = format!(" TO {original}");
    let at = grant.rfind(&marker)?;
    let (head, rest) = (&grant[..at], &grant[at + marker.len()..]);
    let tail = match rest.strip_prefix(" IDENTIFIED") {
        None => rest,
        Some(after) => {
            let cut = [" REQUIRE ", " WITH "]
                .iter()
                .filter_map(|k| after.find(k))
                .min()
                .unwrap_or(after.len());
            &after[cut..]
        }
    };
    if !tail.is_empty() && !tail.starts_with(' ') {
        return None;
    }
    Some(format!("{head} TO {clone}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_hash_matches_mysql_password_function() {
        // SELECT PASSWORD('password') on MariaDB / MySQL 5.7.
        let pw = SecretString::from("password".to_string());
        assert_eq!(
            native_hash(&pw),
            "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
        );
    }

    #[test]
    fn accounts_are_backtick_quoted() {
        assert_eq!(account("a`b", "10.0.%"), "`a``b`@`10.0.%`");
        assert_eq!(
            account("x'; DROP USER root; --", "%"),
            "`x'; DROP USER root; --`@`%`"
        );
    }

    #[test]
    fn regrant_moves_grantee_and_drops_password() {
        let o = account("app", "%");
        let c = account("app_clone", "%");
        assert_eq!(
            regrant(
                &format!("GRANT USAGE ON *.* TO {o} IDENTIFIED BY PASSWORD '*ABC'"),
                &o,
                &c
            )
            .unwrap(),
            format!("GRANT USAGE ON *.* TO {c}")
        );
        assert_eq!(
            regrant(
                &format!("GRANT SELECT, INSERT ON `app`.* TO {o} WITH GRANT OPTION"),
                &o,
                &c
            )
            .unwrap(),
            format!("GRANT SELECT, INSERT ON `app`.* TO {c} WITH GRANT OPTION")
        );
        assert_eq!(
            regrant(&format!("GRANT USAGE ON *.* TO {o} IDENTIFIED BY PASSWORD '*ABC' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5"), &o, &c).unwrap(),
            format!("GRANT USAGE ON *.* TO {c} REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5")
        );
        assert_eq!(
            regrant(&format!("SET DEFAULT ROLE `r` FOR {o}"), &o, &c).unwrap(),
            format!("SET DEFAULT ROLE `r` FOR {c}")
        );
        assert!(regrant("GRANT SELECT ON *.* TO `other`@`%`", &o, &c).is_none());
        assert!(regrant(&format!("GRANT SELECT ON *.* TO {o}x"), &o, &c).is_none());
    }
}
