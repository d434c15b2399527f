//! KMS per Region: ListKeys, then DescribeKey per key; for customer-managed keys the rotation
//! status (where rotation applies) and the default key policy.

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

async fn key(c: &Collector, client: &aws_sdk_kms::Client, region: &str, id: String) -> KmsKey {
    let meta: Fetched<KeyMeta> = c
        .limited(
            Service::Kms,
            region,
            client.describe_key().key_id(&id).send(),
        )
        .await
        .map_err(|e| api("kms:DescribeKey", e))
        .map(|o| {
            let m = o.key_metadata.unwrap_or_else(|| {
                aws_sdk_kms::types::KeyMetadata::builder()
                    .key_id(&id)
                    .build()
                    .expect("key id set")
            });
            KeyMeta {
                arn: m.arn.clone().unwrap_or_else(|| id.clone()),
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
                multi_region_primary: m.multi_region.unwrap_or(false),
            }
        });
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
