//! What is true about the account's trails, as plain data: trail settings and status, the
//! bucket, key and log group each trail delivers to. Collected by [`collect`] through the
//! adapters in [`crate::aws`]; read by [`crate::diagnose`], which does no I/O.
//!
//! A fact that could not be collected is kept as the error that prevented it
//! ([`Observed`]), so the diagnosis reports it instead of assuming anything.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use futures::{StreamExt, stream};
use vigil::aws::AwsCallError;

use vigil::arn;
use crate::aws::Aws;

/// A fact, or the AWS error that kept it from being read.
pub type Observed<T> = Result<T, AwsCallError>;

/// A trail as `ListTrails` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRef {
    pub arn: String,
    pub home_region: String,
}

/// A trail's settings, from `DescribeTrails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailSettings {
    pub arn: String,
    pub name: String,
    pub home_region: String,
    pub bucket: String,
    pub prefix: Option<String>,
    pub multi_region: bool,
    pub organization: bool,
    pub kms_key_id: Option<String>,
    pub log_group_arn: Option<String>,
    pub log_role_arn: Option<String>,
    pub sns_topic_arn: Option<String>,
    pub custom_event_selectors: bool,
    pub log_file_validation: bool,
}

impl TrailSettings {
    /// The account that owns the trail (an organization trail's is the management account).
    pub fn account(&self) -> &str {
        arn::account(&self.arn).unwrap_or_default()
    }

    pub fn partition(&self) -> &str {
        arn::partition(&self.arn)
    }
}

/// `GetTrailStatus`: the fields the diagnosis reads (not the deprecated ones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailStatus {
    pub is_logging: bool,
    pub latest_delivery_error: Option<String>,
    pub latest_delivery_time: Option<DateTime<Utc>>,
    pub latest_digest_delivery_error: Option<String>,
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
    pub latest_notification_error: Option<String>,
    pub start_logging_time: Option<DateTime<Utc>>,
    pub stop_logging_time: Option<DateTime<Utc>>,
}

/// What a trail's event selectors let through, as far as delivery is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selectors {
    pub management_events: bool,
    /// The selectors in short, for evidence.
    pub summary: String,
}

/// Where a bucket is and whether this account owns it (`HeadBucket` with
/// `ExpectedBucketOwner`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketLocation {
    Owned {
        region: String,
    },
    Missing,
    /// It exists, but another account owns it (or this role may not see it).
    NotOwned,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BucketFacts {
    pub name: String,
    pub location: Observed<BucketLocation>,
    /// Read only for buckets this account owns; `Ok(None)` is "no bucket policy".
    pub policy: Option<Observed<Option<String>>>,
}

/// A KMS key's state, as `DescribeKey` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    Enabled,
    Disabled,
    PendingDeletion,
    PendingReplicaDeletion,
    PendingImport,
    Unavailable,
    Creating,
    Updating,
    Other,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
            KeyState::PendingReplicaDeletion => "PendingReplicaDeletion",
            KeyState::PendingImport => "PendingImport",
            KeyState::Unavailable => "Unavailable",
            KeyState::Creating => "Creating",
            KeyState::Updating => "Updating",
            KeyState::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub arn: String,
    pub account: String,
    pub state: KeyState,
    pub deletion_date: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyFacts {
    /// As the trail names it (normally the key ARN).
    pub id: String,
    /// The region the key is in (and was asked about): the ARN's, else the trail's home region.
    pub region: String,
    /// `Ok(None)`: the key does not exist.
    pub key: Observed<Option<KeyInfo>>,
    /// Read only for keys of this account.
    pub policy: Option<Observed<String>>,
    pub tags: Option<Observed<Vec<(String, String)>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogGroupFacts {
    pub arn: String,
    pub name: String,
    pub region: String,
    pub exists: Observed<bool>,
}

/// One trail's own facts; its bucket, key and log group are in [`Facts`] by name.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailFacts {
    pub settings: TrailSettings,
    pub status: Observed<TrailStatus>,
    /// Read when the trail has custom event selectors.
    pub selectors: Option<Observed<Selectors>>,
}

/// Everything the diagnosis reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub account_id: String,
    /// Looked up only when an organization trail is among the trails.
    pub organization_id: Option<Observed<Option<String>>>,
    pub trails: Vec<TrailFacts>,
    pub buckets: BTreeMap<String, BucketFacts>,
    pub keys: BTreeMap<String, KeyFacts>,
    pub log_groups: BTreeMap<String, LogGroupFacts>,
    pub collected_at: DateTime<Utc>,
}

/// Every trail of the account: `ListTrails` (all home regions), then `DescribeTrails` once per
/// home region for their settings. Calls: 1 + number of home regions.
pub async fn inventory(aws: &Aws) -> Result<Vec<TrailSettings>, AwsCallError> {
    let listed = aws.home().cloudtrail.list_trails().await?;
    let regions: BTreeSet<&str> = listed.iter().map(|t| t.home_region.as_str()).collect();
    let described = stream::iter(regions)
        .map(|region| async move { aws.region(region).cloudtrail.describe_trails().await })
        .buffer_unordered(aws.concurrency())
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
pub async fn collect(aws: &Aws, trails: &[TrailSettings], account_id: &str) -> Facts {
    let limit = aws.concurrency();
    let trail_facts = stream::iter(trails)
        .map(|settings| async move {
            let clients = aws.region(&settings.home_region);
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
        .map(|(bucket, region)| bucket_facts(aws, bucket, region, account_id))
        .buffer_unordered(limit)
        .collect::<Vec<_>>();

    let mut seen = HashSet::new();
    let keys: Vec<(&str, &str)> = trails
        .iter()
        .filter_map(|t| t.kms_key_id.as_deref().map(|k| (k, t.home_region.as_str())))
        .filter(|(k, _)| seen.insert(*k))
        .collect();
    let key_facts = stream::iter(keys)
        .map(|(key, region)| key_facts(aws, key, region, account_id))
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
        .map(|(group, region)| log_group_facts(aws, group, region))
        .buffer_unordered(limit)
        .collect::<Vec<_>>();

    let organization = async {
        if trails.iter().any(|t| t.organization) {
            Some(aws.organization_id().await)
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
    aws: &Aws,
    bucket: &str,
    trail_region: &str,
    account_id: &str,
) -> BucketFacts {
    let location = aws.locate_bucket(bucket, trail_region, account_id).await;
    let policy = match &location {
        Ok(BucketLocation::Owned { region }) => {
            Some(aws.region(region).s3.policy(bucket, account_id).await)
        }
        _ => None,
    };
    BucketFacts {
        name: bucket.to_owned(),
        location,
        policy,
    }
}

async fn key_facts(aws: &Aws, key: &str, trail_region: &str, account_id: &str) -> KeyFacts {
    let region = arn::region(key).unwrap_or(trail_region).to_owned();
    let kms = &aws.region(&region).kms;
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

async fn log_group_facts(aws: &Aws, group_arn: &str, trail_region: &str) -> LogGroupFacts {
    let region = arn::region(group_arn).unwrap_or(trail_region).to_owned();
    let name = arn::log_group_name(group_arn)
        .unwrap_or(group_arn)
        .to_owned();
    let exists = aws.region(&region).logs.log_group_exists(&name).await;
    LogGroupFacts {
        arn: group_arn.to_owned(),
        name,
        region,
        exists,
    }
}
