//! Facts → causes. Pure: no I/O, no clock (the time is an input), unit-tested on plain data.
//!
//! Each `Cause` says what is wrong, with its evidence and severity, what Vigil could repair
//! (`Repair`; whether it may is decided in `crate::repair`) and what a person must do
//! otherwise, in exact steps. Delivery errors from `GetTrailStatus` are classified and tied to
//! the cause that explains them (an `AccessDenied` to the missing bucket-policy statement, a
//! KMS error to the disabled key...); an error nothing explains is a cause of its own.
//!
//! By what each decides:
//! - this module: the types, the trail's own state (logging, event selectors), and a fact
//!   that could not be read;
//! - `bucket`, `key`, `log_group`: the trail's destinations;
//! - `status`: the errors `GetTrailStatus` reports, and which cause explains each;
//! - `account`: account-wide causes (no multi-region trail, a trail that is gone);
//! - `bucket_policy`, `key_policy`: what CloudTrail needs in each policy; `grant`: does a
//!   policy grant it, and if not, why not; `access`: does a statement apply to a request
//!   CloudTrail makes?
//! - `runbook`: the text of each cause (summary and steps for a person).

mod access;
mod account;
mod bucket;
mod bucket_policy;
mod grant;
mod key;
mod key_policy;
mod log_group;
mod runbook;
mod status;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use vigil::alert::Severity;
use vigil::aws::AwsCallError;

use crate::facts::{Facts, TrailFacts};
use runbook::Text;

pub(crate) use account::{account_causes, trail_missing};

/// What kind of problem a cause is. Its serde name is the one the answer, the alerts, the
/// metrics and the tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CauseKind {
    LoggingStopped,
    TrailMissing,
    NoMultiRegionTrail,
    ManagementEventsExcluded,
    BucketMissing,
    BucketNotOwned,
    BucketPolicyUnreadable,
    BucketPolicyDenies,
    BucketPolicyAclCheck,
    BucketPolicyWrite,
    BucketPolicyOrgWrite,
    /// The write grant exists but lacks `s3:x-amz-acl = bucket-owner-full-control`.
    BucketPolicyWeak,
    /// A statement may block CloudTrail, depending on a condition Vigil cannot evaluate.
    BucketPolicyUncertain,
    KeyMissing,
    KeyDisabled,
    KeyPendingDeletion,
    KeyUnusable,
    KeyPolicyLacksGrant,
    LogGroupMissing,
    CloudWatchLogsDeliveryFailing,
    DeliveryFailing,
    DigestDeliveryFailing,
    NotificationFailing,
    DeliveryStale,
    FactUnavailable,
}

serde_plain::derive_display_from_serialize!(CauseKind);

/// An error `GetTrailStatus` reported, by field.
// Named exactly as the fields, `Latest` prefix included.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signal {
    LatestDeliveryError(String),
    LatestDigestDeliveryError(String),
    LatestCloudWatchLogsDeliveryError(String),
    LatestNotificationError(String),
}

/// A change Vigil can make to fix a cause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Repair {
    StartLogging {
        trail_arn: String,
        region: String,
    },
    AddBucketStatements {
        bucket: String,
        region: String,
        statements: Vec<Value>,
    },
    CancelKeyDeletion {
        key_arn: String,
        region: String,
    },
    EnableKey {
        key_arn: String,
        region: String,
    },
}

impl Repair {
    /// What the repair does, for people.
    pub(crate) fn describe(&self) -> String {
        match self {
            Repair::StartLogging { trail_arn, .. } => format!("StartLogging on {trail_arn}"),
            Repair::AddBucketStatements {
                bucket, statements, ..
            } => format!(
                "add {} statement(s) ({}) to the policy of bucket {bucket}, keeping every existing statement",
                statements.len(),
                statements
                    .iter()
                    .filter_map(|s| s["Sid"].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Repair::CancelKeyDeletion { key_arn, .. } => format!("CancelKeyDeletion on {key_arn}"),
            Repair::EnableKey { key_arn, .. } => format!("EnableKey on {key_arn}"),
        }
    }
}

/// One cause of missing audit logs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cause {
    pub(crate) kind: CauseKind,
    /// The resource it is about (trail ARN, bucket, key ARN, log group).
    pub(crate) subject: String,
    pub(crate) severity: Severity,
    pub(crate) summary: String,
    pub(crate) evidence: Vec<String>,
    /// What Vigil could do about it, in order.
    pub(crate) repairs: Vec<Repair>,
    /// What a person does when it is not repaired, in order, as exact as possible.
    pub(crate) steps: Vec<String>,
    /// The status errors this cause accounts for.
    pub(crate) explains: Vec<Signal>,
}

impl Cause {
    /// A cause with its text from [`runbook`].
    fn new(kind: CauseKind, subject: impl Into<String>, severity: Severity, text: Text) -> Self {
        Cause {
            kind,
            subject: subject.into(),
            severity,
            summary: text.summary,
            evidence: Vec::new(),
            repairs: Vec::new(),
            steps: text.steps,
            explains: Vec::new(),
        }
    }

    fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    fn repair(mut self, repair: Repair) -> Self {
        self.repairs.push(repair);
        self
    }

    fn with_signal(mut self, signal: Signal) -> Self {
        self.explains.push(signal);
        self
    }
}

/// One trail's diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrailDiagnosis {
    pub(crate) trail_arn: String,
    pub(crate) trail_name: String,
    pub(crate) home_region: String,
    pub(crate) causes: Vec<Cause>,
}

/// Inputs that are not AWS facts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) now: DateTime<Utc>,
    /// No delivery for longer than this while logging is a cause.
    pub(crate) stale_after: chrono::Duration,
}

/// What a status error string means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorClass {
    AccessDenied,
    NoSuchBucket,
    KmsDisabled,
    KmsInvalidState,
    KmsNotFound,
    KmsAccessDenied,
    Kms,
    Other,
}

/// Classifies a `LatestDeliveryError`-style string (`AccessDenied`, `NoSuchBucket`,
/// `KMS.DisabledException`, `KMS.KMSInvalidStateException`, `KMS.NotFoundException`,
/// `InsufficientEncryptionPolicyException`, ...).
fn classify(error: &str) -> ErrorClass {
    let e = error.to_ascii_lowercase();
    let kms = e.contains("kms") || e.contains("encryption");
    if e.contains("nosuchbucket") {
        ErrorClass::NoSuchBucket
    } else if kms && e.contains("disabled") {
        ErrorClass::KmsDisabled
    } else if kms && (e.contains("invalidstate") || e.contains("pendingdeletion")) {
        ErrorClass::KmsInvalidState
    } else if kms && e.contains("notfound") {
        ErrorClass::KmsNotFound
    } else if kms && (e.contains("accessdenied") || e.contains("insufficientencryptionpolicy")) {
        ErrorClass::KmsAccessDenied
    } else if kms {
        ErrorClass::Kms
    } else if e.contains("accessdenied") {
        ErrorClass::AccessDenied
    } else {
        ErrorClass::Other
    }
}

/// Diagnoses every trail in `facts`.
pub(crate) fn diagnose(facts: &Facts, settings: &Settings) -> Vec<TrailDiagnosis> {
    facts
        .trails
        .iter()
        .map(|t| diagnose_trail(t, facts, settings))
        .collect()
}

/// Diagnoses one trail.
fn diagnose_trail(trail: &TrailFacts, facts: &Facts, settings: &Settings) -> TrailDiagnosis {
    let s = &trail.settings;
    let mut causes = Vec::new();
    let status = match &trail.status {
        Ok(status) => Some(status),
        Err(e) => {
            causes.push(unavailable(&s.arn, "the trail's status", e));
            None
        }
    };
    if let Some(status) = status
        && !status.is_logging
    {
        let mut cause = Cause::new(
            CauseKind::LoggingStopped,
            &s.arn,
            Severity::High,
            runbook::logging_stopped(s),
        )
        .evidence("GetTrailStatus: IsLogging = false");
        if let Some(at) = status.stop_logging_time {
            cause = cause.evidence(format!("stopped at {}", at.to_rfc3339()));
        }
        causes.push(cause.repair(Repair::StartLogging {
            trail_arn: s.arn.clone(),
            region: s.home_region.clone(),
        }));
    }
    match &trail.selectors {
        Some(Ok(selectors)) if !selectors.management_events => causes.push(
            Cause::new(
                CauseKind::ManagementEventsExcluded,
                &s.arn,
                Severity::High,
                runbook::management_events_excluded(s),
            )
            .evidence(format!("GetEventSelectors: {}", selectors.summary)),
        ),
        Some(Err(e)) => causes.push(unavailable(&s.arn, "the trail's event selectors", e)),
        _ => {}
    }
    bucket::causes(s, facts, &mut causes);
    key::causes(s, facts, &mut causes);
    log_group::causes(s, facts, &mut causes);
    if let Some(status) = status {
        status::causes(s, status, facts, settings, &mut causes);
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.severity));
    TrailDiagnosis {
        trail_arn: s.arn.clone(),
        trail_name: s.name.clone(),
        home_region: s.home_region.clone(),
        causes,
    }
}

/// A fact about `subject` (`what`) could not be read: the diagnosis cannot say whether it stops
/// delivery, and says so.
fn unavailable(subject: &str, what: &str, error: &AwsCallError) -> Cause {
    Cause::new(
        CauseKind::FactUnavailable,
        subject,
        Severity::Medium,
        runbook::fact_unavailable(what, error),
    )
    .evidence(error.to_string())
}

#[cfg(test)]
mod tests;
