//! KMS: the keys of a Region, each key's metadata, rotation status and default policy.

use super::{api, time};
use crate::facts::{ApiError, Fetched, KeyMeta, RotationStatus};

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
    let m = out
        .key_metadata
        .ok_or_else(|| ApiError::incomplete("kms:DescribeKey", "KeyMetadata"))?;
    read_metadata(key, m)
}

/// A key's metadata as the checks read it (see [`describe_key`]).
fn read_metadata(key: &str, m: aws_sdk_kms::types::KeyMetadata) -> Fetched<(String, KeyMeta)> {
    // KeyManager and KeyState have no default: without them nothing about the key can be
    // judged (not even whether it is in scope).
    let required = |v: Option<&str>, field: &str| {
        v.map(str::to_owned).ok_or_else(|| {
            ApiError::incomplete("kms:DescribeKey", format!("KeyMetadata.{field} of {key}"))
        })
    };
    let manager = required(m.key_manager.as_ref().map(|x| x.as_str()), "KeyManager")?;
    let state = required(m.key_state.as_ref().map(|x| x.as_str()), "KeyState")?;
    // These three have the defaults AWS documents for CreateKey; a key whose answer leaves
    // one out is read with it, and its findings say so.
    let mut assumed = Vec::new();
    let mut defaulted = |v: Option<&str>, field: &str, default: &str| match v {
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => {
            assumed.push(format!(
                "{field} {default} (DescribeKey did not say; AWS's default)"
            ));
            default.to_owned()
        }
    };
    let spec = defaulted(
        m.key_spec.as_ref().map(|x| x.as_str()),
        "KeySpec",
        "SYMMETRIC_DEFAULT",
    );
    let usage = defaulted(
        m.key_usage.as_ref().map(|x| x.as_str()),
        "KeyUsage",
        "ENCRYPT_DECRYPT",
    );
    let origin = defaulted(m.origin.as_ref().map(|x| x.as_str()), "Origin", "AWS_KMS");
    let meta = KeyMeta {
        arn: m.arn.clone().unwrap_or_else(|| key.to_owned()),
        manager,
        state,
        spec,
        usage,
        origin,
        custom_key_store: m.custom_key_store_id.is_some(),
        deletion_date: m.deletion_date.as_ref().and_then(time),
        multi_region: m.multi_region,
        assumed,
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::types::{KeyManagerType, KeyMetadata, KeyState, KeyUsageType};

    fn metadata() -> aws_sdk_kms::types::builders::KeyMetadataBuilder {
        KeyMetadata::builder()
            .key_id("k")
            .arn("arn:aws:kms:us-east-1:111122223333:key/k")
    }

    /// Stock moto leaves KeyUsage out when CreateKey did not name it: read as AWS's default
    /// (ENCRYPT_DECRYPT), said in `assumed`, so the key stays in scope for rotation (it used
    /// to become "UNKNOWN" and drop out of KMS-01/02 as NOT_APPLICABLE).
    #[test]
    fn absent_fields_with_a_default_are_read_as_it_and_said() {
        let m = metadata()
            .key_manager(KeyManagerType::Customer)
            .key_state(KeyState::Enabled)
            .build()
            .unwrap();
        let (id, meta) = read_metadata("k", m).unwrap();
        assert_eq!(id, "k");
        assert_eq!(
            (
                meta.usage.as_str(),
                meta.spec.as_str(),
                meta.origin.as_str()
            ),
            ("ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "AWS_KMS")
        );
        assert_eq!(meta.assumed.len(), 3);
        assert!(
            meta.assumed[1].starts_with("KeyUsage ENCRYPT_DECRYPT"),
            "{:?}",
            meta.assumed
        );
        assert!(crate::checks::kms::rotation_applies(&meta));
        let told = metadata()
            .key_manager(KeyManagerType::Customer)
            .key_state(KeyState::Enabled)
            .key_usage(KeyUsageType::SignVerify)
            .build()
            .unwrap();
        let (_, meta) = read_metadata("k", told).unwrap();
        assert_eq!(meta.usage, "SIGN_VERIFY");
        assert!(!crate::checks::kms::rotation_applies(&meta));
    }

    #[test]
    fn absent_fields_without_a_default_are_errors_naming_them() {
        let no_manager = metadata().key_state(KeyState::Enabled).build().unwrap();
        let e = read_metadata("k", no_manager).unwrap_err();
        assert!(e.message.contains("KeyManager"), "{e}");
        let no_state = metadata()
            .key_manager(KeyManagerType::Customer)
            .build()
            .unwrap();
        let e = read_metadata("k", no_state).unwrap_err();
        assert!(e.message.contains("KeyState"), "{e}");
    }
}
