//! What is true about GuardDuty in the account, as plain data: per Region the detector, its
//! protection plans, findings export, suppression rules and administrator/member
//! relationships; the export buckets and keys; what the triggering API call said; and, for a
//! drill, the EventBridge rules and the responder's receipts. Filled by `crate::collect`
//! through the adapters in `crate::aws`; read by `crate::diagnose`. No I/O here.
//!
//! A fact that could not be collected is kept as the error that prevented it ([`Observed`]),
//! so the diagnosis reports it instead of assuming anything.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil::aws::AwsCallError;

/// A fact, or the AWS error that kept it from being read.
pub(crate) type Observed<T> = Result<T, AwsCallError>;

/// `ENABLED` / `DISABLED`, as GuardDuty spells a detector's and a feature's status.
pub(crate) const ENABLED: &str = "ENABLED";

/// A detector's settings, from `GetDetector`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DetectorSettings {
    pub(crate) enabled: bool,
    /// `FIFTEEN_MINUTES`, `ONE_HOUR`, `SIX_HOURS`.
    pub(crate) frequency: Option<String>,
    /// Feature name → status, foundational sources included when GuardDuty lists them.
    pub(crate) features: BTreeMap<String, String>,
}

/// A findings export, from `DescribePublishingDestination`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Destination {
    pub(crate) id: String,
    /// `PUBLISHING`, `PENDING_VERIFICATION`, `UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY`,
    /// `STOPPED`.
    pub(crate) status: String,
    /// When exporting started failing, if it is failing.
    pub(crate) failing_since: Option<DateTime<Utc>>,
    pub(crate) destination_arn: Option<String>,
    pub(crate) key_arn: Option<String>,
}

impl Destination {
    /// The bucket and folder the destination ARN names (`arn:aws:s3:::bucket/folder/`).
    pub(crate) fn bucket(&self) -> Option<(String, Option<String>)> {
        let arn = vigil::arn::Arn::parse(self.destination_arn.as_deref()?)?;
        if arn.service != "s3" {
            return None;
        }
        let (bucket, prefix) = match arn.resource.split_once('/') {
            Some((b, p)) => (
                b,
                Some(p.trim_matches('/').to_owned()).filter(|p| !p.is_empty()),
            ),
            None => (arn.resource, None),
        };
        Some((bucket.to_owned(), prefix))
    }
}

/// One condition of a suppression rule's finding criteria, both API spellings merged
/// (`eq`/`equals`, `gte`/`greaterThanOrEqual`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Criterion {
    pub(crate) equals: Vec<String>,
    pub(crate) not_equals: Vec<String>,
    pub(crate) greater_than: Option<i64>,
    pub(crate) greater_than_or_equal: Option<i64>,
    pub(crate) less_than: Option<i64>,
    pub(crate) less_than_or_equal: Option<i64>,
    pub(crate) matches: Vec<String>,
    pub(crate) not_matches: Vec<String>,
}

/// A saved filter, from `GetFilter`; with action ARCHIVE it is a suppression rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub(crate) name: String,
    /// `ARCHIVE` or `NOOP` (GuardDuty's default when none was given).
    pub(crate) action: String,
    pub(crate) rank: Option<i32>,
    pub(crate) description: Option<String>,
    /// Field → condition.
    pub(crate) criteria: BTreeMap<String, Criterion>,
}

/// A member account as the administrator sees it (`ListMembers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub(crate) account_id: String,
    pub(crate) relationship_status: String,
}

/// This account's administrator as a member sees it (`GetAdministratorAccount`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Administrator {
    pub(crate) account_id: String,
    pub(crate) relationship_status: String,
}

/// One Region's detector and what hangs off it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DetectorFacts {
    pub(crate) id: String,
    pub(crate) settings: Observed<DetectorSettings>,
    pub(crate) destinations: Observed<Vec<Destination>>,
    pub(crate) filters: Observed<Vec<Filter>>,
    pub(crate) members: Observed<Vec<Member>>,
    /// Read only when an administrator is expected; `Ok(None)`: none.
    pub(crate) administrator: Option<Observed<Option<Administrator>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RegionFacts {
    pub(crate) region: String,
    /// `Ok(None)`: no detector in the Region.
    pub(crate) detector: Observed<Option<DetectorFacts>>,
}

/// Where a bucket is and whether this account owns it (`HeadBucket` with
/// `ExpectedBucketOwner`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BucketLocation {
    Owned {
        region: String,
    },
    Missing,
    /// Another account owns it (or this role may not see it).
    NotOwned,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BucketFacts {
    pub(crate) name: String,
    pub(crate) location: Observed<BucketLocation>,
    /// Read only for owned buckets; `Ok(None)`: no policy.
    pub(crate) policy: Option<Observed<Option<String>>>,
    /// Read only for owned buckets.
    pub(crate) tags: Option<Observed<Vec<(String, String)>>>,
}

/// A key's state and what `DescribeKey` says about it: the shared KMS adapter's types.
pub(crate) use vigil::aws::kms_key::{KeyInfo, KeyState};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyFacts {
    /// As the destination names it.
    pub(crate) id: String,
    pub(crate) region: String,
    /// `Ok(None)`: the key does not exist.
    pub(crate) key: Observed<Option<KeyInfo>>,
    /// Read only for keys of this account.
    pub(crate) policy: Option<Observed<String>>,
    pub(crate) tags: Option<Observed<Vec<(String, String)>>>,
}

/// What the API call that triggered the check said, for the causes it names (who created a
/// suppression rule, which trusted IP list was activated, which members were removed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CallFacts {
    pub(crate) event_name: String,
    pub(crate) actor: String,
    pub(crate) time: Option<String>,
    pub(crate) region: Option<String>,
    /// CreateFilter / UpdateFilter.
    pub(crate) filter_name: Option<String>,
    /// CreateIPSet / UpdateIPSet: the list's name or id, and whether it was activated.
    pub(crate) ip_set: Option<(String, bool)>,
    /// DeleteMembers / DisassociateMembers / StopMonitoringMembers.
    pub(crate) member_ids: Vec<String>,
}

/// Everything the diagnosis reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Facts {
    pub(crate) account_id: String,
    pub(crate) partition: String,
    pub(crate) regions: Vec<RegionFacts>,
    pub(crate) buckets: BTreeMap<String, BucketFacts>,
    pub(crate) keys: BTreeMap<String, KeyFacts>,
    pub(crate) call: Option<CallFacts>,
    pub(crate) collected_at: DateTime<Utc>,
}

/// An EventBridge rule on the default bus, with what the drill asked about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleFacts {
    pub(crate) name: String,
    pub(crate) enabled: bool,
    /// Per probe event (a sample finding of each drill type, and one at severity 7): whether
    /// the rule's pattern matches it (`TestEventPattern`).
    pub(crate) matches: Observed<Vec<bool>>,
    /// Target ARNs (`ListTargetsByRule`), read for rules that match every probe.
    pub(crate) targets: Option<Observed<Vec<String>>>,
}

/// The routing facts of a drill: the default bus's rules with an event pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RouteFacts {
    pub(crate) rules: Observed<Vec<RuleFacts>>,
}
