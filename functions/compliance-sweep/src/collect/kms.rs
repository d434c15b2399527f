//! KMS per Region: ListKeys, then DescribeKey per key (one answer per key and run, which the
//! key-manager lookups of other services share); for customer-managed keys the rotation status
//! (where rotation applies) and the default key policy.

use futures::StreamExt;

use super::{Collector, api, time};
use crate::checks::kms::rotation_applies;
use crate::facts::{KeyMeta, KmsFacts, KmsKey, RotationStatus};
use crate::model::{Fetched, Service};

pub async fn collect(c: &Collector, region: &str) -> KmsFacts {
    let client = c.region(region).kms.clone();
    let listed = c
        .limited(
            Service::Kms,
            region,
            client
                .list_keys()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await
        .map_err(|e| api("kms:ListKeys", e));
    let keys = match listed {
        Err(e) => Err(e),
        Ok(list) => Ok(
            futures::stream::iter(list.into_iter().filter_map(|k| k.key_id))
                .map(|id| key(c, &client, region, id))
                .buffered(c.width(Service::Kms))
                .collect()
                .await,
        ),
    };
    KmsFacts {
        region: region.to_owned(),
        keys,
    }
}

/// Where a key named by id, key ARN or alias (name or ARN) is asked, and the memo key of its
/// DescribeKey: `REGION/KEY-ID` for an id or key ARN, `REGION/alias/NAME` for an alias.
fn spelled(region: &str, key: &str) -> (String, String) {
    // arn:PARTITION:kms:REGION:ACCOUNT:key/ID or arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME
    let parts: Vec<&str> = key.splitn(6, ':').collect();
    if let [_, _, "kms", region, _, resource] = parts[..] {
        let resource = resource.strip_prefix("key/").unwrap_or(resource);
        return (region.to_owned(), format!("{region}/{resource}"));
    }
    (region.to_owned(), format!("{region}/{key}"))
}

/// DescribeKey once per key and run, however the key is named (id, key ARN: one answer; an
/// alias's answer is also kept under the key id it names). The KMS shard and the key-manager
/// lookups of S3 and Secrets Manager read the same answers.
pub async fn describe(c: &Collector, region: &str, key: &str) -> Fetched<KeyMeta> {
    let (region, memo_key) = spelled(region, key);
    c.shared
        .keys
        .get_or(&memo_key, || async {
            let client = c.region(&region).kms.clone();
            let out = c
                .limited(
                    Service::Kms,
                    &region,
                    client.describe_key().key_id(key).send(),
                )
                .await
                .map_err(|e| api("kms:DescribeKey", e))?;
            let m = out.key_metadata.unwrap_or_else(|| {
                aws_sdk_kms::types::KeyMetadata::builder()
                    .key_id(key)
                    .build()
                    .expect("key id set")
            });
            let meta = KeyMeta {
                arn: m.arn.clone().unwrap_or_else(|| key.to_owned()),
                manager: m
                    .key_manager
                    .as_ref()
                    .map_or("UNKNOWN", |x| x.as_str())
                    .to_owned(),
                state: m
                    .key_state
                    .as_ref()
                    .map_or("UNKNOWN", |x| x.as_str())
                    .to_owned(),
                spec: m
                    .key_spec
                    .as_ref()
                    .map_or("UNKNOWN", |x| x.as_str())
                    .to_owned(),
                usage: m
                    .key_usage
                    .as_ref()
                    .map_or("UNKNOWN", |x| x.as_str())
                    .to_owned(),
                origin: m
                    .origin
                    .as_ref()
                    .map_or("UNKNOWN", |x| x.as_str())
                    .to_owned(),
                custom_key_store: m.custom_key_store_id.is_some(),
                deletion_date: m.deletion_date.as_ref().and_then(time),
            };
            if memo_key.contains("/alias/") && m.key_id != key {
                c.shared
                    .keys
                    .seed(&format!("{region}/{}", m.key_id), Ok(meta.clone()));
            }
            Ok(meta)
        })
        .await
}

async fn key(c: &Collector, client: &aws_sdk_kms::Client, region: &str, id: String) -> KmsKey {
    let meta = describe(c, region, &id).await;
    let (rotation, policy) = match &meta {
        Ok(m) if m.manager == "CUSTOMER" => {
            let rotation = if rotation_applies(m) {
                Some(
                    c.limited(
                        Service::Kms,
                        region,
                        client.get_key_rotation_status().key_id(&id).send(),
                    )
                    .await
                    .map_err(|e| api("kms:GetKeyRotationStatus", e))
                    .map(|o| RotationStatus {
                        enabled: o.key_rotation_enabled,
                        period_days: o.rotation_period_in_days,
                        next_rotation: o.next_rotation_date.as_ref().and_then(time),
                    }),
                )
            } else {
                None
            };
            let policy = if m.state == "PendingDeletion" || m.state == "PendingReplicaDeletion" {
                None
            } else {
                Some(
                    c.limited(
                        Service::Kms,
                        region,
                        client
                            .get_key_policy()
                            .key_id(&id)
                            .policy_name("default")
                            .send(),
                    )
                    .await
                    .map_err(|e| api("kms:GetKeyPolicy", e))
                    .map(|o| o.policy.unwrap_or_default()),
                )
            };
            (rotation, policy)
        }
        _ => (None, None),
    };
    KmsKey {
        id,
        meta,
        rotation,
        policy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_id_and_its_arn_share_one_answer_and_an_alias_its_own() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let arn = format!("arn:aws:kms:eu-west-1:111122223333:key/{id}");
        assert_eq!(
            spelled("us-east-1", id),
            ("us-east-1".into(), format!("us-east-1/{id}"))
        );
        assert_eq!(
            spelled("us-east-1", &arn),
            ("eu-west-1".into(), format!("eu-west-1/{id}"))
        );
        assert_eq!(
            spelled("eu-west-1", "alias/app"),
            spelled("us-east-1", "arn:aws:kms:eu-west-1:111122223333:alias/app")
        );
    }
}
