//! RDS: after a suspicious successful login, rotate the database's credentials now.
//!
//! The secrets of a database are found by tag first: the tags RDS puts on the secrets it
//! manages (`aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn`) or Vigil's own
//! (`vigil:db-instance` / `vigil:db-cluster`). Only when no tag names the database are the
//! values of the secrets with rotation turned on read, for their `dbInstanceIdentifier`,
//! `dbClusterIdentifier` or `host`; those values stay in a `SecretString` and only the three
//! fields are looked at. `RotateSecret` starts the rotation, which the secret's rotation
//! function (Vigil's secret-rotation) carries out.
//!
//! "Already done" for a secret: a rotation is under way (a version holds AWSPENDING without
//! AWSCURRENT), or the last rotation was at or after the last login GuardDuty saw.

use chrono::SecondsFormat;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use vigil::arn::Arn;

use super::{ActionError, Ctx, Step};
use crate::aws::secrets::SecretInfo;

/// Whether `arn` is the RDS ARN of the `kind` (`db`, `cluster`) named `name`.
fn names(arn: &str, kind: &str, name: &str) -> bool {
    Arn::parse(arn).is_some_and(|a| a.resource.split_once(':') == Some((kind, name)))
}

/// The database the finding names.
#[derive(Debug, Clone, Copy)]
struct Database<'a> {
    instance: Option<&'a str>,
    cluster: Option<&'a str>,
}

impl Database<'_> {
    /// Whether the secret's tags name this database.
    fn tagged_on(&self, tags: &[(String, String)]) -> bool {
        tags.iter().any(|(k, v)| match k.as_str() {
            "aws:rds:primaryDBInstanceArn" => self.instance.is_some_and(|i| names(v, "db", i)),
            "aws:rds:primaryDBClusterArn" => self.cluster.is_some_and(|c| names(v, "cluster", c)),
            "vigil:db-instance" => self.instance == Some(v.as_str()),
            "vigil:db-cluster" => self.cluster == Some(v.as_str()),
            _ => false,
        })
    }

    /// Whether a secret value (JSON) names this database by identifier or endpoint host.
    fn named_in(&self, value: &SecretString) -> bool {
        let Ok(json) = serde_json::from_str::<Value>(value.expose_secret()) else {
            return false;
        };
        let field = |name: &str| json.get(name).and_then(Value::as_str);
        let host_label = field("host").and_then(|h| h.split('.').next());
        let named = |id: Option<&str>, key: &str| {
            id.is_some_and(|id| field(key) == Some(id) || host_label == Some(id))
        };
        named(self.instance, "dbInstanceIdentifier") || named(self.cluster, "dbClusterIdentifier")
    }
}

pub(crate) async fn rotate_secrets(
    ctx: &Ctx<'_>,
    instance: Option<&str>,
    cluster: Option<&str>,
) -> Result<Step, ActionError> {
    let db = Database { instance, cluster };
    let secrets = &ctx.aws.secrets;
    let all = secrets.list().await?;
    let mut found: Vec<&SecretInfo> = all.iter().filter(|s| db.tagged_on(&s.tags)).collect();
    if found.is_empty() {
        for secret in all.iter().filter(|s| s.rotation_enabled) {
            if let Some(value) = secrets.current_value(&secret.arn).await?
                && db.named_in(&value)
            {
                found.push(secret);
            }
        }
    }
    let name = instance.or(cluster).unwrap_or("the database");
    if found.is_empty() {
        return Err(ActionError::Refused(format!(
            "no secret names database {name} (tags aws:rds:primaryDBInstanceArn, vigil:db-instance, or dbInstanceIdentifier / host in a secret with rotation on); rotate its credentials by hand"
        )));
    }
    let seen = ctx.activity_time();
    let mut started = Vec::new();
    let mut already = Vec::new();
    let mut refused = Vec::new();
    for secret in found {
        if !secret.rotation_enabled {
            refused.push(format!(
                "{} has no rotation configured (set the secret-rotation function on it)",
                secret.name
            ));
            continue;
        }
        if let Some(version) = &secret.pending_version {
            already.push(format!(
                "{}: a rotation is under way (version {version})",
                secret.name
            ));
            continue;
        }
        if let (Some(last), Some(seen)) = (secret.last_rotated, seen)
            && last >= seen
        {
            already.push(format!(
                "{}: rotated at {}, after the login GuardDuty saw",
                secret.name,
                last.to_rfc3339_opts(SecondsFormat::Secs, true)
            ));
            continue;
        }
        match secrets.rotate(&secret.arn).await {
            Ok(version) => started.push(format!("{} (new version {version})", secret.name)),
            Err(e) if e.failure.retryable() => return Err(ActionError::Aws(e)),
            Err(e) => refused.push(format!("{}: {e}", secret.name)),
        }
    }
    if !refused.is_empty() {
        let mut message = format!("could not rotate: {}", refused.join("; "));
        if !started.is_empty() {
            message.push_str(&format!("; rotation started for {}", started.join(", ")));
        }
        return Err(ActionError::Refused(message));
    }
    if started.is_empty() {
        return Ok(Step::AlreadyDone(already.join("; ")));
    }
    let mut detail = format!(
        "rotation started for {} (the secret's rotation function sets the new password)",
        started.join(", ")
    );
    if !already.is_empty() {
        detail.push_str(&format!("; {}", already.join("; ")));
    }
    Ok(Step::Done(detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn tags_name_the_database() {
        let db = Database {
            instance: Some("orders-db"),
            cluster: None,
        };
        assert!(db.tagged_on(&tags(&[(
            "aws:rds:primaryDBInstanceArn",
            "arn:aws:rds:us-east-1:123456789012:db:orders-db"
        )])));
        assert!(db.tagged_on(&tags(&[("vigil:db-instance", "orders-db")])));
        assert!(!db.tagged_on(&tags(&[(
            "aws:rds:primaryDBInstanceArn",
            "arn:aws:rds:us-east-1:123456789012:db:orders-db-replica"
        )])));
        assert!(!db.tagged_on(&tags(&[("team", "orders-db")])));
    }

    #[test]
    fn values_name_the_database_by_identifier_or_host() {
        let db = Database {
            instance: Some("orders-db"),
            cluster: Some("orders"),
        };
        let value = |s: &str| SecretString::from(s.to_owned());
        assert!(db.named_in(&value(r#"{"dbInstanceIdentifier": "orders-db"}"#)));
        assert!(db.named_in(&value(
            r#"{"host": "orders-db.abc123.us-east-1.rds.amazonaws.com"}"#
        )));
        assert!(db.named_in(&value(
            r#"{"host": "orders.cluster-abc123.us-east-1.rds.amazonaws.com"}"#
        )));
        assert!(!db.named_in(&value(r#"{"host": "billing-db.abc.rds.amazonaws.com"}"#)));
        assert!(!db.named_in(&value("not json")));
    }
}
