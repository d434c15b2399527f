//! KMS per Region: ListKeys, then DescribeKey per key (one answer per key and run, which the
//! key-manager lookups of other services share); for customer-managed keys the rotation status
//! (where rotation applies) and the default key policy.

use futures::StreamExt;

use super::Collector;
use crate::aws::kms;
use crate::checks::kms::{pending_deletion, rotation_applies};
use crate::facts::{Fetched, KeyMeta, KmsFacts, KmsKey, Service};

pub(super) async fn collect(c: &Collector, region: &str) -> KmsFacts {
    let client = c.region(region).kms.clone();
    let listed = c
        .limited(Service::Kms, region, kms::list_keys(&client))
        .await;
    let keys = match listed {
        Err(e) => Err(e),
        Ok(ids) => Ok(futures::stream::iter(ids)
            .map(|id| key(c, &client, region, id))
            .buffered(c.width(Service::Kms))
            .collect()
            .await),
    };
    KmsFacts {
        region: region.to_owned(),
        keys,
    }
}

/// Where a key named by id, key ARN or alias (name or ARN) is asked, and the memo key of its
/// DescribeKey: `REGION/KEY-ID` for an id or key ARN, `REGION/alias/NAME` for an alias.
fn spelled(region: &str, key: &str) -> (String, String) {
    match vigil::arn::Arn::parse(key) {
        Some(arn) if arn.service == "kms" => {
            let resource = arn.resource.strip_prefix("key/").unwrap_or(arn.resource);
            (arn.region.to_owned(), format!("{}/{resource}", arn.region))
        }
        _ => (region.to_owned(), format!("{region}/{key}")),
    }
}

/// DescribeKey once per key and run, however the key is named (id, key ARN: one answer; an
/// alias's answer is also kept under the key id it names). The KMS shard and the key-manager
/// lookups of S3 and Secrets Manager read the same answers.
pub(super) async fn describe(c: &Collector, region: &str, key: &str) -> Fetched<KeyMeta> {
    let (region, memo_key) = spelled(region, key);
    c.shared
        .keys
        .get_or(&memo_key, || async {
            let client = c.region(&region).kms.clone();
            let (key_id, meta) = c
                .limited(Service::Kms, &region, kms::describe_key(&client, key))
                .await?;
            if memo_key.contains("/alias/") && key_id != key {
                c.shared
                    .keys
                    .seed(&format!("{region}/{key_id}"), Ok(meta.clone()));
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
                    c.limited(Service::Kms, region, kms::rotation_status(client, &id))
                        .await,
                )
            } else {
                None
            };
            let policy = if pending_deletion(m) {
                None
            } else {
                Some(
                    c.limited(Service::Kms, region, kms::key_policy(client, &id))
                        .await,
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
