//! Secrets Manager: ListSecrets (rotation settings, dates, key, tags and each version's
//! staging labels, in one paginated call) and each secret's resource policy.

use super::{api, time};
use crate::facts::{ApiError, Fetched, Secret};

/// The secrets as ListSecrets gives them, with their versions' staging labels
/// (SecretVersionsToStages; an error naming the field when the answer leaves it out: SM-03
/// is then ERROR) and without the manager of their key (`None` here), which collection asks
/// for next.
pub(crate) async fn list_secrets(client: &aws_sdk_secretsmanager::Client) -> Fetched<Vec<Secret>> {
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
            Secret {
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
                versions: s
                    .secret_versions_to_stages
                    .clone()
                    .map(|v| v.into_iter().collect())
                    .ok_or_else(|| {
                        ApiError::incomplete("secretsmanager:ListSecrets", "SecretVersionsToStages")
                    }),
                key_manager: None,
                policy: None,
            }
        })
        .collect())
}

/// GetResourcePolicy: the secret's resource policy, `None` when it has none.
pub(crate) async fn resource_policy(
    client: &aws_sdk_secretsmanager::Client,
    secret: &str,
) -> Fetched<Option<String>> {
    let o = client
        .get_resource_policy()
        .secret_id(secret)
        .send()
        .await
        .map_err(|e| api("secretsmanager:GetResourcePolicy", e))?;
    Ok(o.resource_policy)
}
