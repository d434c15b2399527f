//! Secrets Manager: ListSecrets (rotation settings, dates, key, tags in one paginated call)
//! and each secret's versions with their staging labels.

use std::collections::BTreeMap;

use super::{api, time};
use crate::facts::{Fetched, Secret, Time};

/// A secret as ListSecrets gives it.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    pub rotation_days: Option<i64>,
    pub schedule_expression: Option<String>,
    pub last_rotated: Option<Time>,
    pub next_rotation: Option<Time>,
    pub last_accessed: Option<Time>,
    pub created: Option<Time>,
    pub kms_key_id: Option<String>,
    pub primary_region: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl Listed {
    /// The secret's facts, with what the other calls found.
    pub(crate) fn into_secret(
        self,
        versions: Fetched<BTreeMap<String, Vec<String>>>,
        key_manager: Option<Fetched<String>>,
    ) -> Secret {
        Secret {
            arn: self.arn,
            name: self.name,
            rotation_enabled: self.rotation_enabled,
            rotation_days: self.rotation_days,
            schedule_expression: self.schedule_expression,
            last_rotated: self.last_rotated,
            next_rotation: self.next_rotation,
            last_accessed: self.last_accessed,
            created: self.created,
            kms_key_id: self.kms_key_id,
            primary_region: self.primary_region,
            tags: self.tags,
            versions,
            key_manager,
        }
    }
}

pub(crate) async fn list_secrets(client: &aws_sdk_secretsmanager::Client) -> Fetched<Vec<Listed>> {
    let pages = client
        .list_secrets()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("secretsmanager:ListSecrets", e))?;
    Ok(pages
        .into_iter()
        .flat_map(|p| p.secret_list.unwrap_or_default())
        .map(|s| {
            let rules = s.rotation_rules.as_ref();
            Listed {
                arn: s.arn.clone().unwrap_or_default(),
                name: s.name.clone().unwrap_or_default(),
                rotation_enabled: s.rotation_enabled.unwrap_or(false),
                rotation_days: rules.and_then(|r| r.automatically_after_days),
                schedule_expression: rules.and_then(|r| r.schedule_expression.clone()),
                last_rotated: s.last_rotated_date.as_ref().and_then(time),
                next_rotation: s.next_rotation_date.as_ref().and_then(time),
                last_accessed: s.last_accessed_date.as_ref().and_then(time),
                created: s.created_date.as_ref().and_then(time),
                kms_key_id: s.kms_key_id.clone(),
                primary_region: s.primary_region.clone(),
                tags: s
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
                    .collect(),
            }
        })
        .collect())
}

/// Version id → staging labels (deprecated versions left out).
pub(crate) async fn version_stages(
    client: &aws_sdk_secretsmanager::Client,
    secret: &str,
) -> Fetched<BTreeMap<String, Vec<String>>> {
    let pages = client
        .list_secret_version_ids()
        .secret_id(secret)
        .include_deprecated(false)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("secretsmanager:ListSecretVersionIds", e))?;
    Ok(pages
        .into_iter()
        .flat_map(|p| p.versions.unwrap_or_default())
        .filter_map(|v| {
            v.version_id
                .map(|id| (id, v.version_stages.unwrap_or_default()))
        })
        .collect())
}
