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

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::SecretListEntry;
use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use vigil::aws::AwsCallError;

use super::{ActionError, Ctx, Step, tag_pair};

/// What the responder needs to know of a secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretInfo {
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    pub last_rotated: Option<DateTime<Utc>>,
    /// A version holding AWSPENDING but not AWSCURRENT: a rotation is under way.
    pub pending_version: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// The database the finding names.
#[derive(Debug, Clone, Copy)]
pub struct Database<'a> {
    pub instance: Option<&'a str>,
    pub cluster: Option<&'a str>,
}

impl Database<'_> {
    /// Whether the secret's tags name this database.
    pub fn tagged_on(&self, tags: &[(String, String)]) -> bool {
        tags.iter().any(|(k, v)| match k.as_str() {
            "aws:rds:primaryDBInstanceArn" => self
                .instance
                .is_some_and(|i| v.ends_with(&format!(":db:{i}"))),
            "aws:rds:primaryDBClusterArn" => self
                .cluster
                .is_some_and(|c| v.ends_with(&format!(":cluster:{c}"))),
            "vigil:db-instance" => self.instance == Some(v.as_str()),
            "vigil:db-cluster" => self.cluster == Some(v.as_str()),
            _ => false,
        })
    }

    /// Whether a secret value (JSON) names this database by identifier or endpoint host.
    pub fn named_in(&self, value: &SecretString) -> bool {
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

/// The Secrets Manager calls the responder makes.
#[derive(Debug, Clone)]
pub struct Secrets {
    client: Client,
}

fn info(entry: &SecretListEntry) -> SecretInfo {
    let pending_version = entry.secret_versions_to_stages().and_then(|versions| {
        versions
            .iter()
            .find(|(_, stages)| {
                stages.iter().any(|s| s == "AWSPENDING")
                    && !stages.iter().any(|s| s == "AWSCURRENT")
            })
            .map(|(version, _)| version.clone())
    });
    SecretInfo {
        arn: entry.arn().unwrap_or_default().to_owned(),
        name: entry.name().unwrap_or_default().to_owned(),
        rotation_enabled: entry.rotation_enabled().unwrap_or(false),
        last_rotated: entry
            .last_rotated_date()
            .and_then(|d| DateTime::from_timestamp(d.secs(), d.subsec_nanos())),
        pending_version,
        tags: entry
            .tags()
            .iter()
            .map(|t| tag_pair(t.key(), t.value()))
            .collect(),
    }
}

impl Secrets {
    pub fn new(client: Client) -> Self {
        Secrets { client }
    }

    pub async fn list(&self) -> Result<Vec<SecretInfo>, AwsCallError> {
        // ListSecrets' paginator has no `items()` (the list is not marked as the page's
        // items in the service model): flatten the pages here.
        let pages: Vec<_> = self
            .client
            .list_secrets()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsCallError::new("secretsmanager:ListSecrets", e))?;
        Ok(pages
            .iter()
            .flat_map(|page| page.secret_list())
            .map(info)
            .collect())
    }

    /// The AWSCURRENT value; `None` when the secret holds no string.
    pub async fn current_value(&self, arn: &str) -> Result<Option<SecretString>, AwsCallError> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(arn)
            .version_stage("AWSCURRENT")
            .send()
            .await
            .map_err(|e| AwsCallError::new("secretsmanager:GetSecretValue", e))?;
        Ok(output.secret_string.map(SecretString::from))
    }

    /// Starts a rotation now; the new version id.
    pub async fn rotate(&self, arn: &str) -> Result<String, AwsCallError> {
        let output = self
            .client
            .rotate_secret()
            .secret_id(arn)
            .rotate_immediately(true)
            .send()
            .await
            .map_err(|e| AwsCallError::new("secretsmanager:RotateSecret", e))?;
        Ok(output.version_id.unwrap_or_default())
    }
}

pub async fn rotate_secrets(
    ctx: &Ctx<'_>,
    instance: Option<&str>,
    cluster: Option<&str>,
) -> Result<Step, ActionError> {
    let db = Database { instance, cluster };
    let secrets = &ctx.deps.secrets;
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
