//! Secrets Manager: the account's secrets, a secret's current value, starting a rotation.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::SecretListEntry;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use vigil::aws::AwsCallError;

use super::tag_pair;

/// What the responder needs to know of a secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SecretInfo {
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    pub last_rotated: Option<DateTime<Utc>>,
    /// A version holding AWSPENDING but not AWSCURRENT: a rotation is under way.
    pub pending_version: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// The Secrets Manager calls the responder makes.
#[derive(Debug, Clone)]
pub(crate) struct Secrets {
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
    pub(crate) fn new(client: Client) -> Self {
        Secrets { client }
    }

    pub(crate) async fn list(&self) -> Result<Vec<SecretInfo>, AwsCallError> {
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
    pub(crate) async fn current_value(
        &self,
        arn: &str,
    ) -> Result<Option<SecretString>, AwsCallError> {
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
    pub(crate) async fn rotate(&self, arn: &str) -> Result<String, AwsCallError> {
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
