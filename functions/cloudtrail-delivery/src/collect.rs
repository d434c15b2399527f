//! The I/O that fills the facts: the trail inventory, then for the trails an event concerns
//! their status, bucket, key and log group, each asked of its own Region through the adapters
//! in `crate::aws`, `concurrency` calls of one kind in flight at once; and each trail's repairs
//! awaiting confirmation (`vigil::state`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::Utc;
use futures::{StreamExt, stream};
use vigil::arn;
use vigil::aws::{AwsCallError, AwsFailure};
use vigil::state::Awaiting;

use crate::aws::s3::Located;
use crate::deps::Deps;
use crate::facts::{
    BucketFacts, BucketLocation, Facts, KeyFacts, LogGroupFacts, TrailFacts, TrailSettings,
};

/// Every trail of the account: `ListTrails` (all home Regions), then `DescribeTrails` once per
/// home Region for their settings. Calls: 1 + number of home Regions.
pub(crate) async fn inventory(deps: &Deps) -> Result<Vec<TrailSettings>, AwsCallError> {
    let listed = deps.regions.home().cloudtrail.list_trails().await?;
    let regions: BTreeSet<&str> = listed.iter().map(|t| t.home_region.as_str()).collect();
    let described = stream::iter(regions)
        .map(|region| async move { deps.regions.get(region).cloudtrail.describe_trails().await })
        .buffer_unordered(deps.config.concurrency)
        .collect::<Vec<_>>()
        .await;
    let mut by_arn = BTreeMap::new();
    for result in described {
        for trail in result? {
            by_arn.entry(trail.arn.clone()).or_insert(trail);
        }
    }
    let mut trails = Vec::with_capacity(listed.len());
    for listed in &listed {
        match by_arn.remove(&listed.arn) {
            Some(settings) => trails.push(settings),
            // Deleted between the two calls: it has nothing left to deliver.
            None => {
                tracing::info!(trail = %listed.arn, "trail listed but no longer described; skipped")
            }
        }
    }
    Ok(trails)
}

/// Collects the facts for `trails`: per trail its status (and selectors), then each distinct
/// bucket, key and log group once, `concurrency` calls at a time per kind.
pub(crate) async fn facts(deps: &Deps, trails: &[TrailSettings]) -> Facts {
    let limit = deps.config.concurrency;
    let account_id = deps.config.account_id.as_str();
    let trail_facts = stream::iter(trails)
        .map(|settings| async move {
            let clients = deps.regions.get(&settings.home_region);
            let status = clients.cloudtrail.status(&settings.arn).await;
            let selectors = if settings.custom_event_selectors {
                Some(clients.cloudtrail.event_selectors(&settings.arn).await)
            } else {
                None
            };
            TrailFacts {
                settings: settings.clone(),
                status,
                selectors,
            }
        })
        .buffered(limit)
        .collect::<Vec<_>>();

    let mut seen = HashSet::new();
    let buckets: Vec<(&str, &str)> = trails
        .iter()
        .filter(|t| !t.bucket.is_empty() && seen.insert(t.bucket.as_str()))
        .map(|t| (t.bucket.as_str(), t.home_region.as_str()))
        .collect();
    let bucket_facts = stream::iter(buckets)
        .map(|(bucket, region)| bucket_facts(deps, bucket, region, account_id))
        .buffer_unordered(limit)
        .collect::<Vec<_>>();

    let mut seen = HashSet::new();
    let keys: Vec<(&str, &str)> = trails
        .iter()
        .filter_map(|t| t.kms_key_id.as_deref().map(|k| (k, t.home_region.as_str())))
        .filter(|(k, _)| seen.insert(*k))
        .collect();
    let key_facts = stream::iter(keys)
        .map(|(key, region)| key_facts(deps, key, region, account_id))
        .buffer_unordered(limit)
        .collect::<Vec<_>>();

    let mut seen = HashSet::new();
    let groups: Vec<(&str, &str)> = trails
        .iter()
        .filter_map(|t| {
            t.log_group_arn
                .as_deref()
                .map(|g| (g, t.home_region.as_str()))
        })
        .filter(|(g, _)| seen.insert(*g))
        .collect();
    let group_facts = stream::iter(groups)
        .map(|(group, region)| log_group_facts(deps, group, region))
        .buffer_unordered(limit)
        .collect::<Vec<_>>();

    let organization = async {
        if trails.iter().any(|t| t.organization) {
            Some(deps.organizations.organization_id().await)
        } else {
            None
        }
    };

    let (trails, buckets, keys, groups, organization_id) = tokio::join!(
        trail_facts,
        bucket_facts,
        key_facts,
        group_facts,
        organization
    );
    Facts {
        account_id: account_id.to_owned(),
        organization_id,
        trails,
        buckets: buckets.into_iter().map(|b| (b.name.clone(), b)).collect(),
        keys: keys.into_iter().map(|k| (k.id.clone(), k)).collect(),
        log_groups: groups.into_iter().map(|g| (g.arn.clone(), g)).collect(),
        collected_at: Utc::now(),
    }
}

async fn bucket_facts(
    deps: &Deps,
    bucket: &str,
    trail_region: &str,
    account_id: &str,
) -> BucketFacts {
    let location = locate_bucket(deps, bucket, trail_region, account_id).await;
    let policy = match &location {
        Ok(BucketLocation::Owned { region }) => Some(
            deps.regions
                .get(region)
                .bucket_policies
                .get(bucket, account_id)
                .await,
        ),
        _ => None,
    };
    BucketFacts {
        name: bucket.to_owned(),
        location,
        policy,
    }
}

/// Where `bucket` is and who owns it. Asked first in the trail's home Region (where buckets
/// usually are); S3 answers a request to the wrong Region with the right one, which is then
/// asked.
async fn locate_bucket(
    deps: &Deps,
    bucket: &str,
    first_region: &str,
    account_id: &str,
) -> Result<BucketLocation, AwsCallError> {
    let clients = |region: &str| deps.regions.get(region);
    match clients(first_region).s3.locate(bucket, account_id).await? {
        Located::Here(location) => Ok(location),
        Located::Elsewhere(region) => match clients(&region).s3.locate(bucket, account_id).await? {
            Located::Here(location) => Ok(location),
            Located::Elsewhere(again) => Err(AwsCallError {
                operation: "s3:HeadBucket",
                failure: AwsFailure::Other,
                code: Some("PermanentRedirect".into()),
                message: format!(
                    "bucket {bucket} was said to be in {region}, which points on to {again}"
                ),
            }),
        },
    }
}

async fn key_facts(deps: &Deps, key: &str, trail_region: &str, account_id: &str) -> KeyFacts {
    let region = arn::region(key).unwrap_or(trail_region).to_owned();
    let clients = deps.regions.get(&region);
    let kms = &clients.kms;
    let info = kms.describe(key).await;
    let (policy, tags) = match &info {
        Ok(Some(info)) if info.account == account_id => {
            let (policy, tags) = tokio::join!(kms.policy(&info.arn), kms.tags(&info.arn));
            (Some(policy), Some(tags))
        }
        _ => (None, None),
    };
    KeyFacts {
        id: key.to_owned(),
        region,
        key: info,
        policy,
        tags,
    }
}

async fn log_group_facts(deps: &Deps, group_arn: &str, trail_region: &str) -> LogGroupFacts {
    let region = arn::region(group_arn).unwrap_or(trail_region).to_owned();
    let name = arn::log_group_name(group_arn)
        .unwrap_or(group_arn)
        .to_owned();
    let exists = deps.regions.get(&region).logs.log_group_exists(&name).await;
    LogGroupFacts {
        arn: group_arn.to_owned(),
        name,
        region,
        exists,
    }
}

/// The state key of a trail's repairs awaiting confirmation:
/// `cloudtrail-delivery/awaiting/<account>/<home Region>/<trail name>`.
pub(crate) fn awaiting_key(trail_arn: &str) -> String {
    let place = arn::Arn::parse(trail_arn)
        .and_then(|a| {
            let name = a.resource.strip_prefix("trail/")?;
            Some(format!("{}/{}/{name}", a.account, a.region))
        })
        .unwrap_or_else(|| trail_arn.to_owned());
    format!("cloudtrail-delivery/awaiting/{place}")
}

/// The repairs awaiting confirmation of each trail, by ARN (none without a state store; a
/// record that cannot be read counts as none: at most one alert more, never one less).
pub(crate) async fn awaiting(deps: &Deps, trails: &[TrailSettings]) -> BTreeMap<String, Awaiting> {
    let Some(store) = &deps.state else {
        return BTreeMap::new();
    };
    let now = Utc::now();
    stream::iter(trails)
        .map(|t| async move {
            let record = store.awaiting(&awaiting_key(&t.arn), now).await;
            (t.arn.clone(), record)
        })
        .buffer_unordered(deps.config.concurrency)
        .collect()
        .await
}
