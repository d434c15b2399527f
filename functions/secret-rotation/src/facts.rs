//! What rotation reads, as plain types: the database secret's JSON ([`DbSecret`]), what
//! DescribeSecret says about its versions ([`SecretMeta`]) and where the database answers
//! ([`Endpoint`]). No I/O here: `collect` and the `aws` adapters fill these.
//!
//! The secret is read the way AWS's rotation functions store it, leniently, and written back
//! with every field it did not understand preserved. Fields: `engine` (postgres, mysql,
//! mariadb and their aurora-/RDS spellings; redis or valkey), `host`, `port` (number or numeric
//! string), `username`, `password`, `dbname`, optional `masterarn` (SQL: alternating users;
//! Redis: the user that runs `ACL SETUSER`), `dbInstanceIdentifier` / `dbClusterIdentifier`
//! (endpoint looked up in RDS), `user_arn` (an ElastiCache RBAC user, changed through the
//! ElastiCache API; `engine` and `host` are then optional), `tls` (disable, require,
//! verify-full) and per-secret password rules `passwordLength` / `excludeCharacters`. Error
//! messages name the field and what is wrong with it, never its value.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Error;

/// The staging label of the version applications read.
pub(crate) const CURRENT: &str = "AWSCURRENT";
/// The staging label of the version a rotation is preparing.
pub(crate) const PENDING: &str = "AWSPENDING";
/// The staging label of the version AWSCURRENT last moved away from.
pub(crate) const PREVIOUS: &str = "AWSPREVIOUS";

/// What `DescribeSecret` says that rotation needs: whether it is on, and which version holds
/// which staging labels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SecretMeta {
    pub(crate) arn: String,
    pub(crate) rotation_enabled: bool,
    /// `rds` for a master secret RDS manages.
    pub(crate) owning_service: Option<String>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) versions: BTreeMap<String, Vec<String>>,
}

impl SecretMeta {
    pub(crate) fn labels(&self, version: &str) -> Option<&[String]> {
        self.versions.get(version).map(Vec::as_slice)
    }

    /// The value of tag `key`, compared without case as AWS's own rotation functions do.
    pub(crate) fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The version holding `label`, if any (labels are unique within a secret).
    pub(crate) fn version_with(&self, label: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, labels)| labels.iter().any(|l| l == label))
            .map(|(v, _)| v.as_str())
    }
}

#[cfg(test)]
impl SecretMeta {
    /// Rotation enabled, with `versions` and their labels: for the pure decisions' tests.
    pub(crate) fn with_versions(versions: &[(&str, &[&str])]) -> SecretMeta {
        SecretMeta {
            arn: "arn".into(),
            rotation_enabled: true,
            owning_service: None,
            tags: Vec::new(),
            versions: versions
                .iter()
                .map(|(v, labels)| {
                    (
                        (*v).to_owned(),
                        labels.iter().map(|l| (*l).to_owned()).collect(),
                    )
                })
                .collect(),
        }
    }
}

/// One version's value, as GetSecretValue returned it.
#[derive(Debug, Clone)]
pub(crate) struct SecretValue {
    pub(crate) arn: String,
    pub(crate) version: String,
    pub(crate) text: SecretString,
}

/// A version read and parsed: its secret's ARN, its version id and its credential.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub(crate) arn: String,
    pub(crate) id: String,
    pub(crate) secret: DbSecret,
}

/// A resolved network endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

/// Which database server family a secret is for. Its serde name is the one metrics, alerts
/// and messages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Engine {
    Postgres,
    MySql,
    MariaDb,
    /// Redis or Valkey ACL users on a server Vigil logs in to.
    Redis,
    /// ElastiCache RBAC users (Redis or Valkey), changed through the ElastiCache API.
    ElastiCache,
}

impl Engine {
    /// Reads the secret's `engine`, accepting the RDS and Aurora spellings.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "aurora-postgresql" => Some(Engine::Postgres),
            "mysql" | "aurora-mysql" | "aurora" => Some(Engine::MySql),
            "mariadb" => Some(Engine::MariaDb),
            "redis" | "valkey" => Some(Engine::Redis),
            _ => None,
        }
    }

    /// SQL databases: users with one password each, rotated single-user or alternating.
    pub(crate) fn is_sql(self) -> bool {
        matches!(self, Engine::Postgres | Engine::MySql | Engine::MariaDb)
    }

    pub(crate) fn default_port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::MySql | Engine::MariaDb => 3306,
            Engine::Redis | Engine::ElastiCache => 6379,
        }
    }

    /// Longest user name the server accepts, in bytes (PostgreSQL's NAMEDATALEN - 1; MySQL's
    /// 32-character limit, which MariaDB also honours for portability with replicas).
    pub(crate) fn max_username_len(self) -> usize {
        match self {
            Engine::Postgres => 63,
            Engine::MySql | Engine::MariaDb => 32,
            Engine::Redis | Engine::ElastiCache => 128,
        }
    }

    /// Password length bounds: RDS accepts 8–128 characters for PostgreSQL and 8–41 for
    /// MySQL/MariaDB master users; staying inside them keeps a rotated secret valid everywhere.
    /// ElastiCache takes 16–128; self-managed Redis gets the same bounds.
    pub(crate) fn password_len_range(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Engine::Postgres => 8..=128,
            Engine::MySql | Engine::MariaDb => 8..=41,
            Engine::Redis | Engine::ElastiCache => 16..=128,
        }
    }
}

serde_plain::derive_display_from_serialize!(Engine);

/// How the rotation function protects its database connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum TlsMode {
    /// Plain text. Only when asked for by name; never reached by falling back.
    Disable,
    /// Encrypted, server certificate not verified.
    Require,
    /// Encrypted, certificate chain and host name verified (the default).
    VerifyFull,
}

impl TlsMode {
    /// Reads a TLS mode from a secret or the deployment, accepting common spellings.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "disable" | "disabled" | "off" => Some(TlsMode::Disable),
            "require" | "required" => Some(TlsMode::Require),
            "verify-full" | "verify_full" | "verify-identity" => Some(TlsMode::VerifyFull),
            _ => None,
        }
    }
}

serde_plain::derive_display_from_serialize!(TlsMode);

/// A database credential secret.
#[derive(Debug, Clone)]
pub struct DbSecret {
    pub(crate) engine: Engine,
    pub(crate) host: Option<String>,
    pub(crate) port: u16,
    pub(crate) username: String,
    pub(crate) password: SecretString,
    pub(crate) dbname: Option<String>,
    pub(crate) masterarn: Option<String>,
    pub(crate) db_instance_identifier: Option<String>,
    pub(crate) db_cluster_identifier: Option<String>,
    /// An ElastiCache user's ARN (`arn:aws:elasticache:…:user:<id>`).
    pub(crate) user_arn: Option<String>,
    pub(crate) tls: Option<TlsMode>,
    pub(crate) password_length: Option<u32>,
    pub(crate) exclude_characters: Option<String>,
    /// The secret's full JSON object, so fields Vigil does not use survive a rotation.
    raw: Map<String, Value>,
}

const KNOWN_ENGINES: &str =
    "postgres, mysql, mariadb (also postgresql, aurora-postgresql, aurora-mysql), redis, valkey";

impl DbSecret {
    /// Parses the secret's `SecretString`. `which` names the version in error messages
    /// (e.g. "AWSCURRENT").
    pub fn parse(text: &str, which: &str) -> Result<Self, Error> {
        let bad = |problem: String| Error::MalformedSecret {
            which: which.to_owned(),
            problem,
        };
        let value: Value = serde_json::from_str(text).map_err(|e| {
            // serde_json's message carries a position only, never the text itself.
            bad(format!(
                "it is not JSON ({e}); store the credential as a JSON object"
            ))
        })?;
        let Value::Object(raw) = value else {
            return Err(bad("it is JSON but not an object; expected {\"engine\": ..., \"host\": ..., \"username\": ..., \"password\": ...}".into()));
        };

        let user_arn = string_field(&raw, "user_arn")
            .map_err(&bad)?
            .filter(|a| !a.is_empty());
        let engine = match (string_field(&raw, "engine").map_err(&bad)?, &user_arn) {
            (None, Some(_)) => Engine::ElastiCache,
            (None, None) => {
                return Err(bad(format!(
                    "field `engine` is missing; set it to one of {KNOWN_ENGINES}"
                )));
            }
            (Some(name), _) => match (Engine::parse(&name), &user_arn) {
                (Some(Engine::Redis), Some(_)) => Engine::ElastiCache,
                (Some(engine), _) => engine,
                (None, _) => {
                    return Err(bad(format!(
                        "engine {name:?} is not supported; use one of {KNOWN_ENGINES}"
                    )));
                }
            },
        };
        let username = string_field(&raw, "username")
            .map_err(&bad)?
            .filter(|u| !u.is_empty())
            .ok_or_else(|| bad("field `username` is missing or empty".into()))?;
        if username.contains('\0') {
            return Err(bad("field `username` contains a NUL character".into()));
        }
        let password = match raw.get("password") {
            Some(Value::String(p)) if !p.is_empty() => SecretString::from(p.clone()),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(bad("field `password` is missing or empty".into()));
            }
            Some(other) => {
                return Err(bad(format!(
                    "field `password` must be a string, not {}",
                    type_name(other)
                )));
            }
        };
        let host = string_field(&raw, "host")
            .map_err(&bad)?
            .filter(|h| !h.is_empty());
        let db_instance_identifier = string_field(&raw, "dbInstanceIdentifier").map_err(&bad)?;
        let db_cluster_identifier = string_field(&raw, "dbClusterIdentifier").map_err(&bad)?;
        if host.is_none()
            && db_instance_identifier.is_none()
            && db_cluster_identifier.is_none()
            && engine != Engine::ElastiCache
        {
            return Err(bad(
                "no `host`, `dbInstanceIdentifier` or `dbClusterIdentifier`; one is needed to reach the database".into(),
            ));
        }
        let port = match raw.get("port") {
            None | Some(Value::Null) => engine.default_port(),
            Some(v) => number_like(v)
                .and_then(|n| u16::try_from(n).ok())
                .filter(|p| *p != 0)
                .ok_or_else(|| {
                    bad(format!(
                        "field `port` must be a port number (1-65535) as a number or string, not {}",
                        describe(v)
                    ))
                })?,
        };
        let tls = match string_field(&raw, "tls").map_err(&bad)? {
            None => None,
            Some(name) => Some(TlsMode::parse(&name).ok_or_else(|| {
                bad(format!(
                    "field `tls` is {name:?}; use disable, require or verify-full"
                ))
            })?),
        };
        let password_length = match raw.get("passwordLength") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                number_like(v)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        bad(format!(
                            "field `passwordLength` must be a whole number, not {}",
                            describe(v)
                        ))
                    })?,
            ),
        };

        Ok(DbSecret {
            engine,
            host,
            port,
            username,
            password,
            dbname: string_field(&raw, "dbname")
                .map_err(&bad)?
                .filter(|d| !d.is_empty()),
            masterarn: string_field(&raw, "masterarn")
                .map_err(&bad)?
                .filter(|m| !m.is_empty()),
            db_instance_identifier,
            db_cluster_identifier,
            user_arn,
            tls,
            password_length,
            exclude_characters: string_field(&raw, "excludeCharacters").map_err(&bad)?,
            raw,
        })
    }

    /// Alternating users: a SQL secret that names an admin secret managing a `_clone` user.
    /// (A Redis secret's `masterarn` names the user that changes ACLs; it alternates nothing.)
    pub(crate) fn is_alternating(&self) -> bool {
        self.masterarn.is_some() && self.engine.is_sql()
    }

    /// An admin secret RDS manages for an instance or cluster: its value holds only
    /// `username` and `password`, and where it works comes from the database it belongs to.
    pub(crate) fn is_managed_value(text: &str) -> bool {
        serde_json::from_str::<Map<String, Value>>(text).is_ok_and(|map| {
            let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
            keys.sort_unstable();
            keys == ["password", "username"]
        })
    }

    /// The admin credential of an RDS-managed secret, placed at the database RDS reports.
    pub(crate) fn managed(
        text: &str,
        which: &str,
        engine: Engine,
        host: String,
        port: u16,
    ) -> Result<Self, Error> {
        let mut raw: Map<String, Value> =
            serde_json::from_str(text).map_err(|e| Error::MalformedSecret {
                which: which.to_owned(),
                problem: format!("it is not JSON ({e})"),
            })?;
        raw.insert("engine".into(), Value::String(engine.to_string()));
        raw.insert("host".into(), Value::String(host));
        raw.insert("port".into(), Value::from(port));
        DbSecret::parse(&Value::Object(raw).to_string(), which)
    }

    /// A copy with another user name and password; every other field is kept.
    pub(crate) fn with_credential(&self, username: String, password: SecretString) -> Self {
        DbSecret {
            username,
            password,
            ..self.clone()
        }
    }

    /// The JSON to store in Secrets Manager: the original object with `username` and
    /// `password` replaced.
    pub(crate) fn to_secret_string(&self) -> SecretString {
        let mut raw = self.raw.clone();
        raw.insert("username".into(), Value::String(self.username.clone()));
        raw.insert(
            "password".into(),
            Value::String(self.password.expose_secret().to_owned()),
        );
        SecretString::from(Value::Object(raw).to_string())
    }
}

fn string_field(raw: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match raw.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "field `{name}` must be a string, not {}",
            type_name(other)
        )),
    }
}

fn number_like(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Describes a non-secret field's value for an error message.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        other => type_name(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DbSecret, Error> {
        DbSecret::parse(text, "AWSCURRENT")
    }

    #[test]
    fn reads_aws_shaped_secret_with_string_port() {
        let s = parse(r#"{"engine":"aurora-postgresql","host":"db.example","port":"6543","username":"app","password":"pw","dbname":"app","extra":{"k":1}}"#).unwrap();
        assert_eq!(s.engine, Engine::Postgres);
        assert_eq!(s.port, 6543);
        assert_eq!(s.dbname.as_deref(), Some("app"));
        assert!(!s.is_alternating());
    }

    #[test]
    fn default_port_follows_engine() {
        let s = parse(r#"{"engine":"mariadb","host":"h","username":"u","password":"p"}"#).unwrap();
        assert_eq!(s.port, 3306);
    }

    #[test]
    fn rewrite_keeps_unknown_fields_and_replaces_credential() {
        let s = parse(
            r#"{"engine":"mysql","host":"h","username":"u","password":"old","custom":[1,2]}"#,
        )
        .unwrap();
        let next = s.with_credential("u_clone".into(), SecretString::from("new".to_string()));
        let json: Value = serde_json::from_str(next.to_secret_string().expose_secret()).unwrap();
        assert_eq!(json["username"], "u_clone");
        assert_eq!(json["password"], "new");
        assert_eq!(json["custom"], serde_json::json!([1, 2]));
        assert_eq!(json["engine"], "mysql");
    }

    #[test]
    fn errors_name_the_field_and_never_the_password() {
        let cases = [
            (
                r#"{"host":"h","username":"u","password":"hunter2"}"#,
                "`engine` is missing",
            ),
            (
                r#"{"engine":"oracle","host":"h","username":"u","password":"hunter2"}"#,
                "\"oracle\" is not supported",
            ),
            (
                r#"{"engine":"postgres","host":"h","password":"hunter2"}"#,
                "`username` is missing",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u"}"#,
                "`password` is missing",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u","password":42}"#,
                "`password` must be a string",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u","password":"hunter2","port":true}"#,
                "`port` must be a port number",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u","password":"hunter2","port":"70000"}"#,
                "`port` must be a port number",
            ),
            (
                r#"{"engine":"postgres","username":"u","password":"hunter2"}"#,
                "no `host`",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":["u"],"password":"hunter2"}"#,
                "`username` must be a string",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u","password":"hunter2","tls":"maybe"}"#,
                "`tls` is \"maybe\"",
            ),
            (r#"["engine"]"#, "not an object"),
            (r#"{"engine":"postgres", "password":"hunter2""#, "not JSON"),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
            assert!(!err.contains("hunter2"), "{text}: {err}");
            assert!(err.contains("AWSCURRENT"), "{err}");
        }
    }

    #[test]
    fn rds_identifiers_stand_in_for_host() {
        let s = parse(
            r#"{"engine":"postgres","dbClusterIdentifier":"c1","username":"u","password":"p"}"#,
        )
        .unwrap();
        assert!(s.host.is_none());
        assert_eq!(s.db_cluster_identifier.as_deref(), Some("c1"));
    }

    #[test]
    fn finds_versions_by_label() {
        let meta = SecretMeta {
            arn: "a".into(),
            rotation_enabled: true,
            owning_service: None,
            tags: vec![("aws:rds:primaryDBInstanceArn".into(), "arn:db".into())],
            versions: BTreeMap::from([
                ("v1".to_owned(), vec![CURRENT.to_owned()]),
                ("v2".to_owned(), vec![PENDING.to_owned()]),
            ]),
        };
        assert_eq!(meta.version_with(CURRENT), Some("v1"));
        assert_eq!(meta.version_with(PENDING), Some("v2"));
        assert_eq!(meta.version_with(PREVIOUS), None);
        assert_eq!(meta.labels("v2"), Some(&[PENDING.to_owned()][..]));
        assert_eq!(meta.tag("aws:rds:primarydbinstancearn"), Some("arn:db"));
    }

    #[test]
    fn engine_and_tls_names_are_their_serde_names() {
        assert_eq!(Engine::MariaDb.to_string(), "mariadb");
        assert_eq!(Engine::Postgres.to_string(), "postgres");
        assert_eq!(TlsMode::VerifyFull.to_string(), "verify-full");
        for mode in [TlsMode::Disable, TlsMode::Require, TlsMode::VerifyFull] {
            assert_eq!(TlsMode::parse(&mode.to_string()), Some(mode));
        }
    }
}
