//! Facts → causes. Pure: no I/O, no clock (the time is an input), unit-tested on plain data.
//!
//! Each [`Cause`] says what is wrong, with its evidence and severity, what Vigil could repair
//! ([`Repair`]; whether it may is decided in [`crate::repair`]) and what a person must do
//! otherwise, in exact steps. Delivery errors from `GetTrailStatus` are classified and tied to
//! the cause that explains them (an `AccessDenied` to the missing bucket-policy statement, a
//! KMS error to the disabled key...); an error nothing explains is a cause of its own.
//!
//! - [`access`]: does a policy statement apply to a request CloudTrail makes?
//! - [`grant`]: does a policy grant it, and if not, why not?
//! - [`bucket_policy`], [`key_policy`]: what CloudTrail needs in each.

pub mod access;
pub mod bucket_policy;
pub mod grant;
pub mod key_policy;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use vigil::alert::Severity;
use vigil::aws::AwsCallError;
use vigil::events::cloudtrail::ApiCall;
use vigil::policy::PolicyDocument;

use crate::facts::{BucketLocation, Facts, KeyState, TrailFacts, TrailSettings, TrailStatus};
use grant::{Finding, Problem};

/// What kind of problem a cause is; stable names for metrics and tests.
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

impl CauseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::LoggingStopped => "LoggingStopped",
            CauseKind::TrailMissing => "TrailMissing",
            CauseKind::NoMultiRegionTrail => "NoMultiRegionTrail",
            CauseKind::ManagementEventsExcluded => "ManagementEventsExcluded",
            CauseKind::BucketMissing => "BucketMissing",
            CauseKind::BucketNotOwned => "BucketNotOwned",
            CauseKind::BucketPolicyUnreadable => "BucketPolicyUnreadable",
            CauseKind::BucketPolicyDenies => "BucketPolicyDenies",
            CauseKind::BucketPolicyAclCheck => "BucketPolicyAclCheck",
            CauseKind::BucketPolicyWrite => "BucketPolicyWrite",
            CauseKind::BucketPolicyOrgWrite => "BucketPolicyOrgWrite",
            CauseKind::BucketPolicyWeak => "BucketPolicyWeak",
            CauseKind::BucketPolicyUncertain => "BucketPolicyUncertain",
            CauseKind::KeyMissing => "KeyMissing",
            CauseKind::KeyDisabled => "KeyDisabled",
            CauseKind::KeyPendingDeletion => "KeyPendingDeletion",
            CauseKind::KeyUnusable => "KeyUnusable",
            CauseKind::KeyPolicyLacksGrant => "KeyPolicyLacksGrant",
            CauseKind::LogGroupMissing => "LogGroupMissing",
            CauseKind::CloudWatchLogsDeliveryFailing => "CloudWatchLogsDeliveryFailing",
            CauseKind::DeliveryFailing => "DeliveryFailing",
            CauseKind::DigestDeliveryFailing => "DigestDeliveryFailing",
            CauseKind::NotificationFailing => "NotificationFailing",
            CauseKind::DeliveryStale => "DeliveryStale",
            CauseKind::FactUnavailable => "FactUnavailable",
        }
    }
}

/// An error `GetTrailStatus` reported, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    LatestDeliveryError(String),
    LatestDigestDeliveryError(String),
    LatestCloudWatchLogsDeliveryError(String),
    LatestNotificationError(String),
}

/// A change Vigil can make to fix a cause.
#[derive(Debug, Clone, PartialEq)]
pub enum Repair {
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
    pub fn describe(&self) -> String {
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
pub struct Cause {
    pub kind: CauseKind,
    /// The resource it is about (trail ARN, bucket, key ARN, log group).
    pub subject: String,
    pub severity: Severity,
    pub summary: String,
    pub evidence: Vec<String>,
    /// What Vigil could do about it, in order.
    pub repairs: Vec<Repair>,
    /// What a person does when it is not repaired, in order, as exact as possible.
    pub steps: Vec<String>,
    /// The status errors this cause accounts for.
    pub explains: Vec<Signal>,
}

impl Cause {
    fn new(
        kind: CauseKind,
        subject: impl Into<String>,
        severity: Severity,
        summary: impl Into<String>,
    ) -> Self {
        Cause {
            kind,
            subject: subject.into(),
            severity,
            summary: summary.into(),
            evidence: Vec::new(),
            repairs: Vec::new(),
            steps: Vec::new(),
            explains: Vec::new(),
        }
    }

    fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    fn step(mut self, line: impl Into<String>) -> Self {
        self.steps.push(line.into());
        self
    }

    fn repair(mut self, repair: Repair) -> Self {
        self.repairs.push(repair);
        self
    }
}

/// One trail's diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailDiagnosis {
    pub trail_arn: String,
    pub trail_name: String,
    pub home_region: String,
    pub causes: Vec<Cause>,
}

/// Inputs that are not AWS facts.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub now: DateTime<Utc>,
    /// No delivery for longer than this while logging is a cause.
    pub stale_after: chrono::Duration,
}

/// What a status error string means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
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
pub fn classify(error: &str) -> ErrorClass {
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

/// The cause kinds that can account for an error of `class`.
fn explained_by(class: ErrorClass) -> &'static [CauseKind] {
    use CauseKind::*;
    match class {
        ErrorClass::AccessDenied => &[
            BucketPolicyAclCheck,
            BucketPolicyWrite,
            BucketPolicyOrgWrite,
            BucketPolicyDenies,
            BucketPolicyUncertain,
            BucketPolicyUnreadable,
            BucketNotOwned,
            KeyPolicyLacksGrant,
            KeyDisabled,
            KeyPendingDeletion,
        ],
        ErrorClass::NoSuchBucket => &[BucketMissing],
        ErrorClass::KmsDisabled
        | ErrorClass::KmsInvalidState
        | ErrorClass::KmsNotFound
        | ErrorClass::KmsAccessDenied
        | ErrorClass::Kms => &[
            KeyDisabled,
            KeyPendingDeletion,
            KeyMissing,
            KeyUnusable,
            KeyPolicyLacksGrant,
        ],
        ErrorClass::Other => &[],
    }
}

/// Diagnoses every trail in `facts`.
pub fn diagnose(facts: &Facts, settings: &Settings) -> Vec<TrailDiagnosis> {
    facts
        .trails
        .iter()
        .map(|t| diagnose_trail(t, facts, settings))
        .collect()
}

/// Diagnoses one trail.
pub fn diagnose_trail(trail: &TrailFacts, facts: &Facts, settings: &Settings) -> TrailDiagnosis {
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
            format!("trail {} is not logging: no events are recorded", s.name),
        )
        .evidence("GetTrailStatus: IsLogging = false");
        if let Some(at) = status.stop_logging_time {
            cause = cause.evidence(format!("stopped at {}", at.to_rfc3339()));
        }
        causes.push(
            cause
                .repair(Repair::StartLogging {
                    trail_arn: s.arn.clone(),
                    region: s.home_region.clone(),
                })
                .step(format!(
                    "aws cloudtrail start-logging --name {} --region {}",
                    s.arn, s.home_region
                ))
                .step(format!(
                    "find who stopped it: aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=StopLogging --region {}",
                    s.home_region
                )),
        );
    }
    match &trail.selectors {
        Some(Ok(selectors)) if !selectors.management_events => causes.push(
            Cause::new(
                CauseKind::ManagementEventsExcluded,
                &s.arn,
                Severity::High,
                format!("trail {} records no management events (API calls that change resources)", s.name),
            )
            .evidence(format!("GetEventSelectors: {}", selectors.summary))
            .step(format!(
                "aws cloudtrail put-event-selectors --trail-name {} --region {} --event-selectors '[{{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}}]' (this replaces the trail's selectors: list its data-event selectors there too)",
                s.arn, s.home_region
            )),
        ),
        Some(Err(e)) => causes.push(unavailable(&s.arn, "the trail's event selectors", e)),
        _ => {}
    }
    bucket_causes(s, facts, &mut causes);
    key_causes(s, facts, &mut causes);
    log_group_causes(s, facts, &mut causes);
    if let Some(status) = status {
        status_causes(s, status, facts, settings, &mut causes);
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.severity));
    TrailDiagnosis {
        trail_arn: s.arn.clone(),
        trail_name: s.name.clone(),
        home_region: s.home_region.clone(),
        causes,
    }
}

fn bucket_causes(s: &TrailSettings, facts: &Facts, causes: &mut Vec<Cause>) {
    let Some(bucket) = facts.buckets.get(&s.bucket) else {
        return;
    };
    let location = match &bucket.location {
        Ok(location) => location,
        Err(e) => {
            causes.push(unavailable(
                &s.bucket,
                "whether the trail's bucket exists",
                e,
            ));
            return;
        }
    };
    let organization_id = match &facts.organization_id {
        Some(Ok(id)) => id.as_deref(),
        Some(Err(e)) if s.organization => {
            causes.push(unavailable(
                &s.arn,
                "the organization id (for the organization write statement)",
                e,
            ));
            None
        }
        _ => None,
    };
    let required = bucket_policy::requirements(s, organization_id);
    match location {
        BucketLocation::Missing => {
            let mut replacement = s.clone();
            replacement.bucket = "NEW-BUCKET".into();
            let statements: Vec<Value> = bucket_policy::requirements(&replacement, organization_id)
                .into_iter()
                .map(|r| r.statement)
                .collect();
            causes.push(
                Cause::new(
                    CauseKind::BucketMissing,
                    &s.bucket,
                    Severity::Critical,
                    format!("the trail's bucket {} does not exist: log files cannot be delivered", s.bucket),
                )
                .evidence(format!("HeadBucket {}: 404 Not Found", s.bucket))
                .step(format!(
                    "Vigil never recreates a deleted bucket name ({}): another account may own it by now",
                    s.bucket
                ))
                .step(format!(
                    "create a bucket under a name you control: aws s3api create-bucket --bucket NEW-BUCKET --region {} (outside us-east-1 add --create-bucket-configuration LocationConstraint={})",
                    s.home_region, s.home_region
                ))
                .step(format!(
                    "give it this bucket policy: {}",
                    grant::pretty(&serde_json::json!({"Version": "2012-10-17", "Statement": statements}))
                ))
                .step(format!(
                    "aws cloudtrail update-trail --name {} --s3-bucket-name NEW-BUCKET --region {}",
                    s.arn, s.home_region
                )),
            );
        }
        // A log-archive bucket in another account is a normal setup: it is a cause only when
        // delivery fails (see status_causes).
        BucketLocation::NotOwned => {}
        BucketLocation::Owned { region } => {
            let Some(policy) = &bucket.policy else { return };
            let text = match policy {
                Ok(text) => text,
                Err(e) => {
                    causes.push(unavailable(&s.bucket, "the bucket policy", e));
                    return;
                }
            };
            let document = match text.as_deref().map(PolicyDocument::parse).transpose() {
                Ok(document) => document,
                Err(e) => {
                    causes.push(
                        Cause::new(
                            CauseKind::BucketPolicyUnreadable,
                            &s.bucket,
                            Severity::High,
                            format!("the policy of bucket {} is not a valid policy document; Vigil does not merge into it", s.bucket),
                        )
                        .evidence(e.to_string())
                        .step(format!(
                            "aws s3api get-bucket-policy --bucket {} --query Policy --output text, fix the document, then aws s3api put-bucket-policy --bucket {} --policy file://policy.json",
                            s.bucket, s.bucket
                        )),
                    );
                    return;
                }
            };
            for req in &required {
                if let Some(cause) = policy_cause(s, region, document.as_ref(), req) {
                    causes.push(cause);
                }
            }
        }
    }
}

fn policy_cause(
    s: &TrailSettings,
    region: &str,
    document: Option<&PolicyDocument>,
    req: &bucket_policy::Required,
) -> Option<Cause> {
    let bucket = &s.bucket;
    let add_steps = |cause: Cause| {
        cause
            .step(format!(
                "aws s3api get-bucket-policy --bucket {bucket} --query Policy --output text > policy.json"
            ))
            .step(format!(
                "add this statement to the Statement list, keeping every other statement: {}",
                grant::pretty(&req.statement)
            ))
            .step(format!(
                "aws s3api put-bucket-policy --bucket {bucket} --policy file://policy.json"
            ))
    };
    let repair = Repair::AddBucketStatements {
        bucket: bucket.clone(),
        region: region.to_owned(),
        statements: vec![req.statement.clone()],
    };
    let finding = bucket_policy::check(document, req, s);
    let cause = match finding {
        Finding::Satisfied => return None,
        Finding::NotGranted { closest } => {
            let what = match req.kind {
                CauseKind::BucketPolicyAclCheck => "the ACL-check statement",
                CauseKind::BucketPolicyOrgWrite => "the organization write statement",
                _ => "the write statement",
            };
            let summary = match &closest {
                None if document.is_none() => format!("bucket {bucket} has no policy: {what} is missing"),
                None => format!("the policy of bucket {bucket} lacks {what}"),
                Some((_, problems)) => format!(
                    "the policy of bucket {bucket} has {what} wrong: {}",
                    problems.iter().map(short).collect::<Vec<_>>().join(", ")
                ),
            };
            let mut cause = Cause::new(req.kind, bucket, Severity::High, summary)
                .evidence(format!("needed: a statement that {} on {}", req.purpose, req.resource));
            match closest {
                None if document.is_none() => {
                    cause = cause.evidence(format!("GetBucketPolicy {bucket}: NoSuchBucketPolicy"));
                }
                None => {
                    cause = cause.evidence(format!(
                        "no statement allows {} to do this",
                        bucket_policy::CLOUDTRAIL
                    ));
                }
                Some((label, problems)) => {
                    for problem in problems {
                        cause = cause.evidence(format!("statement {label}: {problem}"));
                    }
                }
            }
            add_steps(cause).repair(repair)
        }
        Finding::MissingHardening { statement } => add_steps(
            Cause::new(
                CauseKind::BucketPolicyWeak,
                bucket,
                Severity::Medium,
                format!(
                    "the write grant in bucket {bucket}'s policy lacks the s3:x-amz-acl = bucket-owner-full-control condition"
                ),
            )
            .evidence(format!(
                "statement {statement} lets CloudTrail write without requiring bucket-owner-full-control, so objects need not be owned by the bucket owner"
            ))
            .evidence("Vigil adds the documented statement next to it; it never changes an existing one"),
        )
        .repair(repair),
        Finding::Denied { statement } => Cause::new(
            CauseKind::BucketPolicyDenies,
            bucket,
            Severity::High,
            format!("statement {statement} in bucket {bucket}'s policy denies CloudTrail ({})", req.purpose),
        )
        .evidence(format!("statement {statement} applies to cloudtrail.amazonaws.com's request on {}", req.resource))
        .step(format!(
            "Vigil never changes existing statements: edit statement {statement} so it does not apply to AWS services, e.g. add to its Condition \"Bool\": {{\"aws:PrincipalIsAWSService\": \"false\"}}"
        ))
        .step(format!(
            "aws s3api put-bucket-policy --bucket {bucket} --policy file://policy.json"
        )),
        Finding::Uncertain { statement, problems } => {
            let mut cause = Cause::new(
                CauseKind::BucketPolicyUncertain,
                bucket,
                Severity::Medium,
                format!("statement {statement} in bucket {bucket}'s policy may block CloudTrail ({})", req.purpose),
            );
            for problem in problems {
                cause = cause.evidence(format!("statement {statement}: {problem}"));
            }
            cause.step(format!(
                "check whether statement {statement} applies to cloudtrail.amazonaws.com; if it does, exempt AWS services from it (\"Bool\": {{\"aws:PrincipalIsAWSService\": \"false\"}})"
            ))
        }
    };
    Some(cause)
}

fn short(problem: &Problem) -> String {
    match problem {
        Problem::ResourceNotCovered { .. } => "wrong resource or prefix".into(),
        Problem::SourceArnOtherTrail { .. } => "aws:SourceArn names another trail".into(),
        Problem::ConditionNotMet { condition } => format!("condition {condition} fails"),
        Problem::ConditionUnknown { condition } => {
            format!("condition {condition} cannot be evaluated")
        }
    }
}

fn key_causes(s: &TrailSettings, facts: &Facts, causes: &mut Vec<Cause>) {
    let Some(key_id) = &s.kms_key_id else { return };
    let Some(key) = facts.keys.get(key_id) else {
        return;
    };
    let region = key.region.as_str();
    let info = match &key.key {
        Ok(Some(info)) => info,
        Ok(None) => {
            causes.push(
                Cause::new(
                    CauseKind::KeyMissing,
                    key_id,
                    Severity::Critical,
                    format!("the trail's KMS key {key_id} does not exist: CloudTrail cannot encrypt log files"),
                )
                .evidence(format!("DescribeKey {key_id}: NotFoundException"))
                .step(format!(
                    "create a key whose policy holds these statements: {}",
                    grant::pretty(&Value::Array(key_policy::required_statements(s)))
                ))
                .step(format!(
                    "aws cloudtrail update-trail --name {} --kms-key-id NEW-KEY-ARN --region {}",
                    s.arn, s.home_region
                )),
            );
            return;
        }
        Err(e) => {
            causes.push(unavailable(key_id, "the trail's KMS key", e));
            return;
        }
    };
    let arn = &info.arn;
    match info.state {
        KeyState::Enabled => {}
        KeyState::Disabled => causes.push(
            Cause::new(
                CauseKind::KeyDisabled,
                arn,
                Severity::High,
                format!("the trail's KMS key {arn} is disabled: CloudTrail cannot encrypt log files"),
            )
            .evidence("DescribeKey: KeyState = Disabled")
            .repair(Repair::EnableKey {
                key_arn: arn.clone(),
                region: region.to_owned(),
            })
            .step(format!("aws kms enable-key --key-id {arn} --region {region}")),
        ),
        KeyState::PendingDeletion => {
            let when = info
                .deletion_date
                .map_or_else(|| "a date KMS did not report".to_owned(), |d| d.to_rfc3339());
            causes.push(
                Cause::new(
                    CauseKind::KeyPendingDeletion,
                    arn,
                    Severity::Critical,
                    format!("the trail's KMS key {arn} is scheduled for deletion: no logs are encrypted now, and every log file it encrypted becomes unreadable on {when}"),
                )
                .evidence(format!("DescribeKey: KeyState = PendingDeletion, DeletionDate = {when}"))
                .repair(Repair::CancelKeyDeletion {
                    key_arn: arn.clone(),
                    region: region.to_owned(),
                })
                .repair(Repair::EnableKey {
                    key_arn: arn.clone(),
                    region: region.to_owned(),
                })
                .step(format!("aws kms cancel-key-deletion --key-id {arn} --region {region}"))
                .step(format!("aws kms enable-key --key-id {arn} --region {region}")),
            );
        }
        other => causes.push(
            Cause::new(
                CauseKind::KeyUnusable,
                arn,
                Severity::High,
                format!("the trail's KMS key {arn} is {}: CloudTrail cannot use it", other.as_str()),
            )
            .evidence(format!("DescribeKey: KeyState = {}", other.as_str()))
            .step(format!(
                "make the key usable (aws kms describe-key --key-id {arn} --region {region}) or give the trail another key: aws cloudtrail update-trail --name {} --kms-key-id NEW-KEY-ARN --region {}",
                s.arn, s.home_region
            )),
        ),
    }
    match &key.policy {
        Some(Ok(text)) => {
            let finding = match PolicyDocument::parse(text) {
                Ok(doc) => key_policy::check(&doc, s, arn),
                Err(e) => {
                    causes.push(unreadable_key_policy(arn, region, s, &e.to_string()));
                    return;
                }
            };
            let mut cause = Cause::new(
                CauseKind::KeyPolicyLacksGrant,
                arn,
                Severity::High,
                format!(
                    "the policy of KMS key {arn} does not let CloudTrail encrypt this trail's logs"
                ),
            );
            match finding {
                Finding::Satisfied | Finding::MissingHardening { .. } => return,
                Finding::Denied { statement } => {
                    cause = cause.evidence(format!(
                        "statement {statement} denies cloudtrail.amazonaws.com kms:GenerateDataKey"
                    ));
                }
                Finding::NotGranted { closest: None } => {
                    cause = cause.evidence(
                        "no statement allows cloudtrail.amazonaws.com kms:GenerateDataKey*",
                    );
                }
                Finding::NotGranted {
                    closest: Some((label, problems)),
                }
                | Finding::Uncertain {
                    statement: label,
                    problems,
                } => {
                    for problem in problems {
                        cause = cause.evidence(format!("statement {label}: {problem}"));
                    }
                }
            }
            causes.push(key_policy_steps(cause, arn, region, s));
        }
        Some(Err(e)) => causes.push(unavailable(arn, "the KMS key policy", e)),
        None => {}
    }
}

fn unreadable_key_policy(arn: &str, region: &str, s: &TrailSettings, error: &str) -> Cause {
    key_policy_steps(
        Cause::new(
            CauseKind::KeyPolicyLacksGrant,
            arn,
            Severity::High,
            format!("the policy of KMS key {arn} cannot be read as a policy document"),
        )
        .evidence(error.to_owned()),
        arn,
        region,
        s,
    )
}

fn key_policy_steps(cause: Cause, arn: &str, region: &str, s: &TrailSettings) -> Cause {
    cause
        .evidence("Vigil never edits key policies: a wrong one can lock everyone out of the key")
        .step(format!(
            "aws kms get-key-policy --key-id {arn} --policy-name default --region {region} --query Policy --output text > key-policy.json"
        ))
        .step(format!(
            "add these statements, keeping every other statement: {}",
            grant::pretty(&Value::Array(key_policy::required_statements(s)))
        ))
        .step(format!(
            "aws kms put-key-policy --key-id {arn} --policy-name default --policy file://key-policy.json --region {region}"
        ))
}

fn log_group_causes(s: &TrailSettings, facts: &Facts, causes: &mut Vec<Cause>) {
    let Some(group_arn) = &s.log_group_arn else {
        return;
    };
    let Some(group) = facts.log_groups.get(group_arn) else {
        return;
    };
    match &group.exists {
        Ok(true) => {}
        Ok(false) => causes.push(
            Cause::new(
                CauseKind::LogGroupMissing,
                group_arn,
                Severity::Medium,
                format!("the trail's CloudWatch Logs log group {} does not exist: events no longer reach CloudWatch Logs (and its alarms)", group.name),
            )
            .evidence(format!("DescribeLogGroups {}: not found in {}", group.name, group.region))
            .step(format!(
                "aws logs create-log-group --log-group-name {} --region {} (then check the trail's role can write to it)",
                group.name, group.region
            ))
            .step(format!(
                "or stop sending to CloudWatch Logs: aws cloudtrail update-trail --name {} --cloud-watch-logs-log-group-arn '' --cloud-watch-logs-role-arn '' --region {}",
                s.arn, s.home_region
            )),
        ),
        Err(e) => causes.push(unavailable(group_arn, "whether the trail's log group exists", e)),
    }
}

fn status_causes(
    s: &TrailSettings,
    status: &TrailStatus,
    facts: &Facts,
    settings: &Settings,
    causes: &mut Vec<Cause>,
) {
    let last_delivery = status
        .latest_delivery_time
        .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
    if let Some(error) = &status.latest_delivery_error {
        let signal = Signal::LatestDeliveryError(error.clone());
        let line = format!(
            "GetTrailStatus: LatestDeliveryError = {error} (last successful delivery: {last_delivery})"
        );
        let class = classify(error);
        let not_owned = matches!(
            facts.buckets.get(&s.bucket).map(|b| &b.location),
            Some(Ok(BucketLocation::NotOwned))
        );
        if matches!(class, ErrorClass::AccessDenied | ErrorClass::NoSuchBucket) && not_owned {
            causes.push(not_owned_cause(s, facts).evidence(line).with_signal(signal));
        } else if !link(
            causes,
            explained_by(class),
            Some(Severity::High),
            &signal,
            &line,
        ) {
            causes.push(unexplained_delivery(s, error, &line, facts).with_signal(signal));
        }
    } else if status.is_logging {
        let since = status.latest_delivery_time.or(status.start_logging_time);
        let stale = since.is_some_and(|t| settings.now - t > settings.stale_after);
        if stale {
            let minutes = since.map_or(0, |t| (settings.now - t).num_minutes());
            causes.push(
                Cause::new(
                    CauseKind::DeliveryStale,
                    &s.arn,
                    Severity::Medium,
                    format!("trail {} is logging but has delivered nothing for {minutes} minutes", s.name),
                )
                .evidence(format!("GetTrailStatus: LatestDeliveryTime = {last_delivery}, no LatestDeliveryError"))
                .step(format!(
                    "aws cloudtrail get-trail-status --name {} --region {} ; and look for new objects under s3://{}/{}AWSLogs/",
                    s.arn,
                    s.home_region,
                    s.bucket,
                    s.prefix.as_deref().map(|p| format!("{}/", p.trim_matches('/'))).unwrap_or_default()
                )),
            );
        }
    }
    if let Some(error) = &status.latest_digest_delivery_error {
        let signal = Signal::LatestDigestDeliveryError(error.clone());
        let line = format!("GetTrailStatus: LatestDigestDeliveryError = {error}");
        let kinds = explained_by(classify(error));
        if !link(causes, kinds, Some(Severity::High), &signal, &line) {
            causes.push(
                Cause::new(
                    CauseKind::DigestDeliveryFailing,
                    &s.arn,
                    Severity::Medium,
                    format!("trail {} cannot deliver digest files ({error}): log file integrity cannot be validated", s.name),
                )
                .evidence(line)
                .step(format!(
                    "the digest files go to s3://{}/.../AWSLogs/{}/CloudTrail-Digest/: check that the write statement covers them",
                    s.bucket,
                    s.account()
                ))
                .with_signal(signal),
            );
        }
    }
    if let Some(error) = &status.latest_cloudwatch_logs_delivery_error {
        let signal = Signal::LatestCloudWatchLogsDeliveryError(error.clone());
        let line = format!("GetTrailStatus: LatestCloudWatchLogsDeliveryError = {error}");
        // A missing log group stays the Medium problem it is: CloudWatch Logs is a copy.
        if !link(causes, &[CauseKind::LogGroupMissing], None, &signal, &line) {
            let role = s.log_role_arn.as_deref().unwrap_or("(none set)");
            causes.push(
                Cause::new(
                    CauseKind::CloudWatchLogsDeliveryFailing,
                    &s.arn,
                    Severity::Medium,
                    format!("trail {} cannot deliver to CloudWatch Logs ({error})", s.name),
                )
                .evidence(line)
                .step(format!(
                    "role {role} must trust cloudtrail.amazonaws.com: aws iam get-role --role-name {} --query Role.AssumeRolePolicyDocument",
                    role.rsplit('/').next().unwrap_or(role)
                ))
                .step(format!(
                    "and allow logs:CreateLogStream and logs:PutLogEvents on {}",
                    s.log_group_arn.as_deref().unwrap_or("the log group")
                ))
                .with_signal(signal),
            );
        }
    }
    if let Some(error) = &status.latest_notification_error {
        let topic = s.sns_topic_arn.as_deref().unwrap_or("(none set)");
        causes.push(
            Cause::new(
                CauseKind::NotificationFailing,
                &s.arn,
                Severity::Low,
                format!("trail {} cannot notify SNS topic {topic} of new log files ({error})", s.name),
            )
            .evidence(format!("GetTrailStatus: LatestNotificationError = {error}"))
            .step(format!(
                "the topic policy of {topic} must allow cloudtrail.amazonaws.com sns:Publish: aws sns get-topic-attributes --topic-arn {topic}"
            ))
            .with_signal(Signal::LatestNotificationError(error.clone())),
        );
    }
}

impl Cause {
    fn with_signal(mut self, signal: Signal) -> Self {
        self.explains.push(signal);
        self
    }
}

/// Ties `signal` to the causes of `kinds` (which explain it), raising each to at least
/// `floor`; false when there is no such cause.
fn link(
    causes: &mut [Cause],
    kinds: &[CauseKind],
    floor: Option<Severity>,
    signal: &Signal,
    line: &str,
) -> bool {
    let mut linked = false;
    for cause in causes.iter_mut().filter(|c| kinds.contains(&c.kind)) {
        cause.explains.push(signal.clone());
        cause.evidence.push(line.to_owned());
        if let Some(floor) = floor {
            cause.severity = cause.severity.max(floor);
        }
        linked = true;
    }
    linked
}

fn not_owned_cause(s: &TrailSettings, facts: &Facts) -> Cause {
    let organization_id = match &facts.organization_id {
        Some(Ok(id)) => id.as_deref(),
        _ => None,
    };
    let statements: Vec<Value> = bucket_policy::requirements(s, organization_id)
        .into_iter()
        .map(|r| r.statement)
        .collect();
    Cause::new(
        CauseKind::BucketNotOwned,
        &s.bucket,
        Severity::High,
        format!(
            "bucket {} belongs to another account (or this role cannot see it), and CloudTrail cannot deliver to it; Vigil cannot read or repair its policy",
            s.bucket
        ),
    )
    .evidence(format!(
        "HeadBucket {} with ExpectedBucketOwner {}: 403",
        s.bucket, facts.account_id
    ))
    .step(format!(
        "in the account that owns bucket {}, make sure its policy holds these statements (and nothing denies them): {}",
        s.bucket,
        grant::pretty(&Value::Array(statements))
    ))
    .step(format!(
        "if bucket {} should be in this account, it was deleted and its name taken by someone else: point the trail at a bucket you own (aws cloudtrail update-trail --name {} --s3-bucket-name NEW-BUCKET --region {})",
        s.bucket, s.arn, s.home_region
    ))
}

fn unexplained_delivery(s: &TrailSettings, error: &str, line: &str, facts: &Facts) -> Cause {
    let cause = Cause::new(
        CauseKind::DeliveryFailing,
        &s.arn,
        Severity::High,
        format!(
            "trail {} cannot deliver log files to bucket {} ({error})",
            s.name, s.bucket
        ),
    )
    .evidence(line.to_owned());
    match classify(error) {
        ErrorClass::AccessDenied => cause
            .evidence(format!("the policy of bucket {} grants what CloudTrail needs", s.bucket))
            .step("look for what else refuses CloudTrail: a resource control policy or SCP in AWS Organizations, the bucket's Object Ownership and ACL settings, or the bucket's default-encryption KMS key policy")
            .step(format!(
                "aws s3api get-bucket-ownership-controls --bucket {} ; aws s3api get-bucket-encryption --bucket {}",
                s.bucket, s.bucket
            )),
        ErrorClass::NoSuchBucket => {
            let exists = matches!(
                facts.buckets.get(&s.bucket).map(|b| &b.location),
                Some(Ok(BucketLocation::Owned { .. }))
            );
            cause
                .evidence(if exists {
                    format!("bucket {} exists in this account now", s.bucket)
                } else {
                    format!("bucket {} could not be located", s.bucket)
                })
                .step("if the bucket was just recreated by this account, CloudTrail resumes at its next delivery (about 5 minutes); otherwise point the trail at a bucket you own")
        }
        _ => cause.step(format!(
            "aws cloudtrail get-trail-status --name {} --region {} shows the error; see the CloudTrail troubleshooting guide for it",
            s.arn, s.home_region
        )),
    }
}

fn unavailable(subject: &str, what: &str, error: &AwsCallError) -> Cause {
    let fix = match error.failure {
        vigil::aws::AwsFailure::AccessDenied => format!(
            "grant the function's role {} (template.yaml, CloudTrailDeliveryRole), or allow it in the resource's policy",
            error.operation
        ),
        f if f.retryable() => "temporary; the next check tries again".to_owned(),
        _ => format!(
            "check the resource and the function's permissions for {}",
            error.operation
        ),
    };
    Cause::new(
        CauseKind::FactUnavailable,
        subject,
        Severity::Medium,
        format!("Vigil could not read {what}, so it cannot tell whether it stops delivery"),
    )
    .evidence(error.to_string())
    .step(fix)
}

/// Account-wide causes over the full trail inventory: is there a multi-region trail?
pub fn account_causes(inventory: &[TrailSettings], account_id: &str, region: &str) -> Vec<Cause> {
    if inventory.iter().any(|t| t.multi_region) {
        return Vec::new();
    }
    let names: Vec<String> = inventory
        .iter()
        .map(|t| format!("{} ({})", t.name, t.home_region))
        .collect();
    vec![
        Cause::new(
            CauseKind::NoMultiRegionTrail,
            format!("account {account_id}"),
            Severity::High,
            "no multi-region trail: API activity in other regions is not recorded",
        )
        .evidence(if names.is_empty() {
            "ListTrails: no trails at all".to_owned()
        } else {
            format!("ListTrails: only single-region trails: {}", names.join(", "))
        })
        .step(format!(
            "aws cloudtrail create-trail --name management-events --s3-bucket-name BUCKET --is-multi-region-trail --enable-log-file-validation --region {region} (BUCKET needs the CloudTrail bucket-policy statements)"
        ))
        .step(format!(
            "aws cloudtrail start-logging --name management-events --region {region}"
        )),
    ]
}

/// A trail named by an event that no longer exists.
pub fn trail_missing(name: &str, call: &ApiCall) -> Cause {
    let region = call.aws_region.as_deref().unwrap_or("REGION");
    let mut cause = Cause::new(
        CauseKind::TrailMissing,
        name,
        Severity::High,
        format!("trail {name} no longer exists: its events are no longer recorded"),
    )
    .evidence(format!(
        "{} by {} at {}",
        call.event_name,
        call.actor(),
        call.event_time.as_deref().unwrap_or("an unknown time")
    ))
    .evidence(format!("ListTrails: no trail {name}"));
    if call.event_name == "DeleteTrail" {
        cause = cause.step(format!(
            "if the deletion was not intended, recreate the trail: aws cloudtrail create-trail --name {} --s3-bucket-name BUCKET --is-multi-region-trail --enable-log-file-validation --region {region}, then aws cloudtrail start-logging --name {} --region {region}",
            name.rsplit('/').next().unwrap_or(name),
            name.rsplit('/').next().unwrap_or(name)
        ));
    }
    cause
}

#[cfg(test)]
mod tests;
