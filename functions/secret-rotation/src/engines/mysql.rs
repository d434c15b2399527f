//! MySQL and MariaDB through mysql_async. The server's handshake decides the flavour, whatever
//! the secret's `engine` says (RDS MariaDB secrets often say `mysql`): MariaDB reports a major
//! version of 10 or more, MySQL 5, 8 or 9.
//!
//! MariaDB gets passwords as `mysql_native_password` hashes (`'*' + SHA1(SHA1(pw))`), so the
//! clear text never reaches it. MySQL 8's default plugin, `caching_sha2_password`, has no
//! client-computable form that every version accepts, so MySQL gets the password as a string
//! literal over TLS, escaped for the session's `sql_mode`; MySQL rewrites such statements in
//! its general and slow logs. Accounts are named `user`@`host` with backtick quoting, which
//! no `sql_mode` changes. Alternating users copy the original's exact accounts (every host,
//! not only `%`) and grants, options such as `WITH GRANT OPTION` included.
//!
//! Why mysql_async (and not sqlx, used before): sqlx 0.9.0 never sets `TCP_NODELAY` and has no
//! hook to set it, so each TLS login stalled twice on Nagle's algorithm; its TLS always adds
//! the public web roots. mysql_async sets `TCP_NODELAY` by default, can switch its built-in
//! roots off (trust is exactly the RDS bundle plus `VIGIL_DB_CA_FILE`), and with
//! `prefer_socket(false)` and the two settings below given, it opens one TCP connection and
//! runs no query of its own at login.

use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, SslOpts};

use super::{Login, Target, bounded, scrubbed};
use crate::error::{DbError, DbErrorKind};
use crate::facts::TlsMode;

/// What mysql_async would otherwise ask the server for with `SELECT @@max_allowed_packet,
/// @@wait_timeout` after every login: rotation's statements are small and its sessions short.
const MAX_ALLOWED_PACKET: usize = 4 * 1024 * 1024;
const WAIT_TIMEOUT_SECS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    MySql,
    MariaDb,
}

pub(crate) struct MySqlSession {
    conn: Conn,
    flavor: Flavor,
    no_backslash_escapes: bool,
    login: String,
    timeout: std::time::Duration,
}

impl MySqlSession {
    pub(crate) async fn open(target: &Target, login: Login<'_>) -> Result<Self, DbError> {
        let describe = login.describe();
        let password = login.password.expose_secret();
        let ssl = match target.tls {
            TlsMode::Disable => None,
            TlsMode::Require => Some(
                SslOpts::default()
                    .with_disable_built_in_roots(true)
                    .with_danger_accept_invalid_certs(true),
            ),
            TlsMode::VerifyFull => Some(
                SslOpts::default()
                    .with_disable_built_in_roots(true)
                    .with_root_certs(vec![target.trust.roots_pem.to_vec().into()]),
            ),
        };
        let options = OptsBuilder::default()
            .ip_or_hostname(target.host.clone())
            .tcp_port(target.port)
            .user(Some(login.username))
            .pass(Some(password))
            .db_name(target.dbname.clone())
            .prefer_socket(false)
            .tcp_nodelay(true)
            .max_allowed_packet(Some(MAX_ALLOWED_PACKET))
            .wait_timeout(Some(WAIT_TIMEOUT_SECS))
            .stmt_cache_size(0)
            .ssl_opts(ssl);
        let mut conn = bounded(target.timeout, &describe, async {
            Conn::new(options)
                .await
                .map_err(|e| classify(&e, &describe, &[password]))
        })
        .await?;
        let flavor = if conn.server_version().0 >= 10 {
            Flavor::MariaDb
        } else {
            Flavor::MySql
        };
        // Only MySQL gets a literal, whose escaping depends on sql_mode.
        let no_backslash_escapes = match flavor {
            Flavor::MariaDb => false,
            Flavor::MySql => {
                bounded(target.timeout, &describe, async {
                    let mode: Option<String> = conn
                        .query_first("SELECT @@SESSION.sql_mode")
                        .await
                        .map_err(|e| classify(&e, &describe, &[]))?;
                    Ok(mode.unwrap_or_default().contains("NO_BACKSLASH_ESCAPES"))
                })
                .await?
            }
        };
        Ok(MySqlSession {
            conn,
            flavor,
            no_backslash_escapes,
            login: describe,
            timeout: target.timeout,
        })
    }

    pub(crate) async fn check(&mut self) -> Result<String, DbError> {
        let login = self.login.clone();
        bounded(self.timeout, &login, async {
            let user: Option<String> = self
                .conn
                .query_first("SELECT CURRENT_USER()")
                .await
                .map_err(|e| classify(&e, &login, &[]))?;
            Ok(user.unwrap_or_default())
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
            self.conn
                .exec(
                    "SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ? ORDER BY Host",
                    (user,),
                )
                .await
                .map_err(|e| classify(&e, &login, &[]))
        })
        .await
    }

    async fn grants_of(&mut self, account: &str) -> Result<Vec<String>, DbError> {
        let login = self.login.clone();
        let sql = format!("SHOW GRANTS FOR {account}");
        bounded(self.timeout, &login, async {
            self.conn
                .query(sql)
                .await
                .map_err(|e| classify(&e, &login, &[]))
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
            self.conn
                .query_drop(sql)
                .await
                .map_err(|e| classify(&e, &login, &[secret, escaped.trim_matches('\'')]))
        })
        .await
    }

    pub(crate) async fn close(self) {
        let _ = tokio::time::timeout(self.timeout, self.conn.disconnect()).await;
    }
}

/// Sorts a driver error by cause and removes every secret string from its text.
fn classify(err: &mysql_async::Error, login: &str, scrub: &[&str]) -> DbError {
    let kind = match err {
        mysql_async::Error::Server(server) => match server.code {
            1045 => DbErrorKind::Authentication,
            1044 | 1142 | 1143 | 1227 | 1410 | 1396 => DbErrorKind::Permission,
            _ => DbErrorKind::Query,
        },
        mysql_async::Error::Io(_) => super::io_kind(err),
        mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed) => {
            DbErrorKind::Network
        }
        _ => DbErrorKind::Query,
    };
    scrubbed(kind, login, super::error_chain(err), scrub)
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
