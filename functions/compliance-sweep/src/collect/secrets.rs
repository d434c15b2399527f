//! Secrets Manager per Region: ListSecrets (rotation settings, dates, key, tags in one
//! paginated call), ListSecretVersionIds per secret for stuck rotations, and the manager of
//! each named KMS key (shared per run).

use futures::StreamExt;

use super::{Collector, api, time};
use crate::facts::{Secret, SecretsFacts};
use crate::model::Service;

pub async fn collect(c: &Collector, region: &str) -> SecretsFacts {
    let client = c.region(region).secrets.clone();
    let listed = c
        .limited(
            Service::SecretsManager,
            region,
            client.list_secrets().into_paginator().send().try_collect(),
        )
        .await
        .map_err(|e| api("secretsmanager:ListSecrets", e));
    let secrets = match listed {
        Err(e) => Err(e),
        Ok(pages) => Ok(futures::stream::iter(
            pages
                .into_iter()
                .flat_map(|p| p.secret_list.unwrap_or_default()),
        )
        .map(|s| secret(c, &client, region, s))
        .buffered(c.width(Service::SecretsManager))
        .collect()
        .await),
    };
    SecretsFacts {
        region: region.to_owned(),
        secrets,
    }
}

async fn secret(
    c: &Collector,
    client: &aws_sdk_secretsmanager::Client,
    region: &str,
    s: aws_sdk_secretsmanager::types::SecretListEntry,
) -> Secret {
    let arn = s.arn.clone().unwrap_or_default();
    let versions = c
        .limited(
            Service::SecretsManager,
            region,
            client
                .list_secret_version_ids()
                .secret_id(&arn)
                .include_deprecated(false)
                .into_paginator()
                .send()
                .try_collect(),
        )
        .await
        .map_err(|e| api("secretsmanager:ListSecretVersionIds", e))
        .map(|pages| {
            pages
                .into_iter()
                .flat_map(|p| p.versions.unwrap_or_default())
                .filter_map(|v| {
                    v.version_id
                        .map(|id| (id, v.version_stages.unwrap_or_default()))
                })
                .collect()
        });
    let key_manager = match s.kms_key_id.as_deref() {
        Some(k) if !k.ends_with("alias/aws/secretsmanager") => Some(c.key_manager(region, k).await),
        _ => None,
    };
    let rules = s.rotation_rules.as_ref();
    Secret {
        arn,
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
        versions,
        key_manager,
    }
}
