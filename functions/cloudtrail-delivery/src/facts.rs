//! What is true about the account's trails, as plain data: trail settings and status, the
//! bucket, key and log group each trail delivers to. Filled by `crate::collect` through the
//! adapters in `crate::aws`; read by `crate::diagnose`, which does no I/O. No I/O here.
//!
//! A fact that could not be collected is kept as the error that prevented it
//! ([`Observed`]), so the diagnosis reports it instead of assuming anything.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vigil::arn;
use vigil::aws::AwsCallError;

/// A fact, or the AWS error that kept it from being read.
pub(crate) type Observed<T> = Result<T, AwsCallError>;

/// A trail as `ListTrails` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrailRef {
    pub(crate) arn: String,
    pub(crate) home_region: String,
}

/// A trail's settings, from `DescribeTrails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrailSettings {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) home_region: String,
    pub(crate) bucket: String,
    pub(crate) prefix: Option<String>,
    pub(crate) multi_region: bool,
    pub(crate) organization: bool,
    pub(crate) kms_key_id: Option<String>,
    pub(crate) log_group_arn: Option<String>,
    pub(crate) log_role_arn: Option<String>,
    pub(crate) sns_topic_arn: Option<String>,
    pub(crate) custom_event_selectors: bool,
    pub(crate) log_file_validation: bool,
}

impl TrailSettings {
    /// The account that owns the trail (an organization trail's is the management account).
    pub(crate) fn account(&self) -> &str {
        arn::account(&self.arn).unwrap_or_default()
    }

    pub(crate) fn partition(&self) -> &str {
        arn::partition(&self.arn)
    }
}

/// `GetTrailStatus`: the fields the diagnosis reads (not the deprecated ones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TrailStatus {
    pub(crate) is_logging: bool,
    pub(crate) latest_delivery_error: Option<String>,
    pub(crate) latest_delivery_time: Option<DateTime<Utc>>,
    pub(crate) latest_digest_delivery_error: Option<String>,
    pub(crate) latest_cloudwatch_logs_delivery_error: Option<String>,
    pub(crate) latest_notification_error: Option<String>,
    pub(crate) start_logging_time: Option<DateTime<Utc>>,
    pub(crate) stop_logging_time: Option<DateTime<Utc>>,
}

/// What a trail's event selectors let through, as far as delivery is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selectors {
    pub(crate) management_events: bool,
    /// The selectors in short, for evidence.
    pub(crate) summary: String,
}

/// Where a bucket is and whether this account owns it (`HeadBucket` with
/// `ExpectedBucketOwner`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BucketLocation {
    Owned {
        region: String,
    },
    Missing,
    /// It exists, but another account owns it (or this role may not see it).
    NotOwned,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BucketFacts {
    pub(crate) name: String,
    pub(crate) location: Observed<BucketLocation>,
    /// Read only for buckets this account owns; `Ok(None)` is "no bucket policy".
    pub(crate) policy: Option<Observed<Option<String>>>,
}

/// A key's state and what `DescribeKey` says about it: the shared KMS adapter's types.
pub(crate) use vigil::aws::kms_key::{KeyInfo, KeyState};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyFacts {
    /// As the trail names it (normally the key ARN).
    pub(crate) id: String,
    /// The region the key is in (and was asked about): the ARN's, else the trail's home region.
    pub(crate) region: String,
    /// `Ok(None)`: the key does not exist.
    pub(crate) key: Observed<Option<KeyInfo>>,
    /// Read only for keys of this account.
    pub(crate) policy: Option<Observed<String>>,
    pub(crate) tags: Option<Observed<Vec<(String, String)>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogGroupFacts {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) region: String,
    pub(crate) exists: Observed<bool>,
}

/// One trail's own facts; its bucket, key and log group are in [`Facts`] by name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrailFacts {
    pub(crate) settings: TrailSettings,
    pub(crate) status: Observed<TrailStatus>,
    /// Read when the trail has custom event selectors.
    pub(crate) selectors: Option<Observed<Selectors>>,
}

/// Everything the diagnosis reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Facts {
    pub(crate) account_id: String,
    /// Looked up only when an organization trail is among the trails.
    pub(crate) organization_id: Option<Observed<Option<String>>>,
    pub(crate) trails: Vec<TrailFacts>,
    pub(crate) buckets: BTreeMap<String, BucketFacts>,
    pub(crate) keys: BTreeMap<String, KeyFacts>,
    pub(crate) log_groups: BTreeMap<String, LogGroupFacts>,
    pub(crate) collected_at: DateTime<Utc>,
}

/// Plain facts the unit tests start from and vary one field at a time.
#[cfg(test)]
mod samples {
    use super::*;

    impl TrailSettings {
        /// A multi-region trail `arn` (its name and home Region read from the ARN) writing to
        /// `bucket`, with log file validation and nothing else set.
        pub(crate) fn sample(arn: &str, bucket: &str) -> Self {
            let parsed = arn::Arn::parse(arn).expect("a trail ARN");
            TrailSettings {
                arn: arn.into(),
                name: parsed.resource.trim_start_matches("trail/").into(),
                home_region: parsed.region.into(),
                bucket: bucket.into(),
                prefix: None,
                multi_region: true,
                organization: false,
                kms_key_id: None,
                log_group_arn: None,
                log_role_arn: None,
                sns_topic_arn: None,
                custom_event_selectors: false,
                log_file_validation: true,
            }
        }
    }

    impl KeyFacts {
        /// The key `arn` in `state`, named by its ARN, of the account and Region in the ARN;
        /// its tags read (none), its policy not.
        pub(crate) fn sample(arn: &str, state: KeyState) -> Self {
            let parsed = arn::Arn::parse(arn).expect("a key ARN");
            KeyFacts {
                id: arn.into(),
                region: parsed.region.into(),
                key: Ok(Some(KeyInfo {
                    arn: arn.into(),
                    account: parsed.account.into(),
                    state,
                    deletion_date: None,
                })),
                policy: None,
                tags: Some(Ok(Vec::new())),
            }
        }
    }
}
