//! KMS: the keys of a Region, each key's metadata, rotation status and default policy.

use super::{api, time};
use crate::facts::{Fetched, KeyMeta, RotationStatus};

/// The key ids of the Region.
pub(crate) async fn list_keys(client: &aws_sdk_kms::Client) -> Fetched<Vec<String>> {
    let keys = client
        .list_keys()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("kms:ListKeys", e))?;
    Ok(keys.into_iter().filter_map(|k| k.key_id).collect())
}

/// DescribeKey of a key named by id, ARN or alias: the key id it names, and its metadata.
pub(crate) async fn describe_key(
    client: &aws_sdk_kms::Client,
    key: &str,
) -> Fetched<(String, KeyMeta)> {
    let out = client
        .describe_key()
        .key_id(key)
        .send()
        .await
        .map_err(|e| api("kms:DescribeKey", e))?;
    // No metadata in the answer: a key known only by the name it was asked for.
    let m = out.key_metadata.unwrap_or_else(|| {
        aws_sdk_kms::types::KeyMetadata::builder()
            .key_id(key)
            .build()
            .expect("key id set")
    });
    let unknown = |v: Option<&str>| v.unwrap_or("UNKNOWN").to_owned();
    let meta = KeyMeta {
        arn: m.arn.clone().unwrap_or_else(|| key.to_owned()),
        manager: unknown(m.key_manager.as_ref().map(|x| x.as_str())),
        state: unknown(m.key_state.as_ref().map(|x| x.as_str())),
        spec: unknown(m.key_spec.as_ref().map(|x| x.as_str())),
        usage: unknown(m.key_usage.as_ref().map(|x| x.as_str())),
        origin: unknown(m.origin.as_ref().map(|x| x.as_str())),
        custom_key_store: m.custom_key_store_id.is_some(),
        deletion_date: m.deletion_date.as_ref().and_then(time),
    };
    Ok((m.key_id, meta))
}

pub(crate) async fn rotation_status(
    client: &aws_sdk_kms::Client,
    key_id: &str,
) -> Fetched<RotationStatus> {
    let o = client
        .get_key_rotation_status()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| api("kms:GetKeyRotationStatus", e))?;
    Ok(RotationStatus {
        enabled: o.key_rotation_enabled,
        period_days: o.rotation_period_in_days,
        next_rotation: o.next_rotation_date.as_ref().and_then(time),
    })
}

/// The key's `default` policy document.
pub(crate) async fn key_policy(client: &aws_sdk_kms::Client, key_id: &str) -> Fetched<String> {
    let o = client
        .get_key_policy()
        .key_id(key_id)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| api("kms:GetKeyPolicy", e))?;
    Ok(o.policy.unwrap_or_default())
}
