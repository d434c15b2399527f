//! Redis and Valkey ACL users (Redis ≥ 6.0, Valkey). A user may hold several passwords at once,
//! so rotation needs no clone user and leaves no window where the current password fails:
//! the new password is added, proven, and only then the old one removed. Passwords reach the
//! server only as SHA-256 hashes (`ACL SETUSER u #<sha256>` / `!<sha256>`), never in clear
//! text, except in the `AUTH` that proves one. `ACL SETUSER` changes only the rules it is
//! given, so a user's other rules (commands, keys, channels, selectors) stay exactly as they
//! were.
//!
//! Why the `redis` crate over our own socket: the crate is maintained and speaks RESP and
//! AUTH, but its own TLS loads the system's native roots and fails when one cannot be read,
//! and it leaves `TCP_NODELAY` off. So the TCP stream is ours (`TCP_NODELAY` on), wrapped in
//! the process's one rustls configuration (exact roots, P-256 first), and handed to
//! `MultiplexedConnection::new_with_config`, which runs AUTH on it.

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ErrorKind, RedisConnectionInfo, RedisError, Value};
use rustls::pki_types::ServerName;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::{Login, Target, bounded, scrubbed};
use crate::error::{DbError, DbErrorKind};
use crate::facts::TlsMode;

/// A byte stream the connection runs over: plain TCP or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

pub(crate) struct RedisSession {
    conn: MultiplexedConnection,
    username: String,
    driver: JoinHandle<()>,
    login: String,
    timeout: std::time::Duration,
}

/// What `ACL GETUSER` says about a user that rotation needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AclUser {
    pub(crate) flags: Vec<String>,
    /// SHA-256 of each password, lower-case hex.
    pub(crate) passwords: Vec<String>,
}

impl RedisSession {
    pub(crate) async fn open(target: &Target, login: Login<'_>) -> Result<Self, DbError> {
        let describe = login.describe();
        let password = login.password.expose_secret();
        let fail = |e: RedisError| classify(&e, &describe, &[password]);
        let io_fail = |e: std::io::Error| {
            let kind = super::io_kind(&e);
            scrubbed(kind, &describe, super::error_chain(&e), &[])
        };
        let (conn, driver) = bounded(target.timeout, &describe, async {
            let tcp = TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(io_fail)?;
            tcp.set_nodelay(true).map_err(io_fail)?;
            let stream: Box<dyn Stream> = match target.tls {
                TlsMode::Disable => Box::new(tcp),
                TlsMode::Require | TlsMode::VerifyFull => {
                    let name = ServerName::try_from(target.host.clone()).map_err(|e| {
                        scrubbed(
                            DbErrorKind::Tls,
                            &describe,
                            format!("{:?} is not a valid TLS server name: {e}", target.host),
                            &[],
                        )
                    })?;
                    let connector = tokio_rustls::TlsConnector::from(target.tls_config().clone());
                    Box::new(connector.connect(name, tcp).await.map_err(io_fail)?)
                }
            };
            let info = RedisConnectionInfo::default()
                .set_username(login.username)
                .set_password(password)
                .set_skip_set_lib_name();
            let config = AsyncConnectionConfig::new().set_response_timeout(Some(target.timeout));
            let (conn, driver) = MultiplexedConnection::new_with_config(&info, stream, config)
                .await
                .map_err(fail)?;
            Ok((conn, tokio::spawn(driver)))
        })
        .await?;
        Ok(RedisSession {
            conn,
            username: login.username.to_owned(),
            driver,
            login: describe,
            timeout: target.timeout,
        })
    }

    /// `ACL WHOAMI`: who the server says is logged in. A user whose rules forbid that command
    /// (NOPERM) did log in: AUTH succeeded for it by name.
    pub(crate) async fn check(&mut self) -> Result<String, DbError> {
        match self.command(redis::cmd("ACL").arg("WHOAMI"), &[]).await {
            Err(e) if e.kind == DbErrorKind::Permission => Ok(self.username.clone()),
            other => other,
        }
    }

    /// The user's flags and password hashes; `None` when there is no such user.
    pub(crate) async fn user(&mut self, username: &str) -> Result<Option<AclUser>, DbError> {
        let value: Value = self
            .command(redis::cmd("ACL").arg("GETUSER").arg(username), &[])
            .await?;
        Ok(parse_user(&value))
    }

    /// Adds `password` to `username` by its hash; adding one it already has is a no-op.
    pub(crate) async fn add_password(
        &mut self,
        username: &str,
        password: &SecretString,
    ) -> Result<(), DbError> {
        let rule = format!("#{}", password_hash(password));
        let _: Value = self
            .command(
                redis::cmd("ACL").arg("SETUSER").arg(username).arg(rule),
                &[password.expose_secret()],
            )
            .await?;
        Ok(())
    }

    /// Removes `password` from `username` by its hash; one it does not have is already gone.
    pub(crate) async fn remove_password(
        &mut self,
        username: &str,
        password: &SecretString,
    ) -> Result<(), DbError> {
        let rule = format!("!{}", password_hash(password));
        let result: Result<Value, DbError> = self
            .command(
                redis::cmd("ACL").arg("SETUSER").arg(username).arg(rule),
                &[password.expose_secret()],
            )
            .await;
        match result {
            Err(e) if e.message.contains("does not exist") => Ok(()),
            other => other.map(drop),
        }
    }

    async fn command<T: redis::FromRedisValue>(
        &mut self,
        command: &mut redis::Cmd,
        scrub: &[&str],
    ) -> Result<T, DbError> {
        let login = self.login.clone();
        bounded(self.timeout, &login, async {
            command
                .query_async(&mut self.conn)
                .await
                .map_err(|e| classify(&e, &login, scrub))
        })
        .await
    }

    pub(crate) async fn close(self) {
        drop(self.conn);
        self.driver.abort();
    }
}

/// The lower-case hex SHA-256 of a password: the form `ACL SETUSER` takes after `#` and `!`.
pub(crate) fn password_hash(password: &SecretString) -> String {
    hex::encode(Sha256::digest(password.expose_secret().as_bytes()))
}

/// Reads `flags` and `passwords` from an `ACL GETUSER` answer (a flat array in RESP2, a map in
/// RESP3); the other fields differ between versions and are not needed.
fn parse_user(value: &Value) -> Option<AclUser> {
    let pairs: Vec<(&Value, &Value)> = match value {
        Value::Nil => return None,
        Value::Array(items) => items
            .chunks(2)
            .filter_map(|c| Some((c.first()?, c.get(1)?)))
            .collect(),
        Value::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        _ => return None,
    };
    let text = |v: &Value| match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        _ => String::new(),
    };
    let list = |v: &Value| match v {
        Value::Array(items) | Value::Set(items) => items.iter().map(text).collect(),
        _ => Vec::new(),
    };
    let mut user = AclUser {
        flags: Vec::new(),
        passwords: Vec::new(),
    };
    for (key, value) in pairs {
        match text(key).as_str() {
            "flags" => user.flags = list(value),
            "passwords" => user.passwords = list(value),
            _ => {}
        }
    }
    Some(user)
}

/// Sorts a client error by cause and removes every secret string from its text.
fn classify(err: &RedisError, login: &str, scrub: &[&str]) -> DbError {
    let code = err.code().unwrap_or_default();
    let text = err.to_string();
    let kind = if err.kind() == ErrorKind::AuthenticationFailed || code == "WRONGPASS" {
        DbErrorKind::Authentication
    } else if code == "NOPERM" {
        DbErrorKind::Permission
    } else if err.is_timeout() {
        DbErrorKind::Timeout
    } else if err.is_io_error() {
        super::io_kind(err)
    } else if text.contains("unknown command") {
        DbErrorKind::Unsupported
    } else {
        DbErrorKind::Query
    };
    scrubbed(kind, login, text, scrub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_is_lowercase_sha256_hex() {
        // echo -n password | sha256sum
        assert_eq!(
            password_hash(&SecretString::from("password".to_string())),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        );
    }

    #[test]
    fn getuser_answers_in_both_protocols_are_read() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let resp2 = Value::Array(vec![
            bulk("flags"),
            Value::Array(vec![bulk("on")]),
            bulk("passwords"),
            Value::Array(vec![bulk("ab"), bulk("cd")]),
            bulk("commands"),
            bulk("+@all"),
        ]);
        let user = parse_user(&resp2).unwrap();
        assert_eq!(user.flags, ["on"]);
        assert_eq!(user.passwords, ["ab", "cd"]);
        let resp3 = Value::Map(vec![(bulk("flags"), Value::Set(vec![bulk("off")]))]);
        assert_eq!(parse_user(&resp3).unwrap().flags, ["off"]);
        assert_eq!(parse_user(&Value::Nil), None);
    }
}
