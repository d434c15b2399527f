//! What a person reads about each cause: its one-line summary and the exact steps that fix it,
//! one function per cause kind (the bucket-policy statements share one). Text only: which
//! cause applies, its severity, its evidence and its repairs are decided in the other
//! `diagnose` modules, which take the text from here.

use serde_json::Value;
use vigil::aws::{AwsCallError, AwsFailure};

use vigil::runbook::pretty;

use super::grant::Problem;
use super::{CauseKind, ErrorClass};
use crate::facts::{KeyState, LogGroupFacts, TrailSettings};

/// A cause's summary and the steps for a person, in order (put together as every function
/// does).
pub(super) use vigil::runbook::Text;

/// Evidence line of every key-policy cause: why Vigil only proposes the change.
pub(super) const KEY_POLICY_NEVER_EDITED: &str =
    "Vigil never edits key policies: a wrong one can lock everyone out of the key";

/// Evidence line of [`CauseKind::BucketPolicyWeak`]: what the repair does and does not do.
pub(super) const WEAK_GRANT_REPAIR: &str =
    "Vigil adds the documented statement next to it; it never changes an existing one";

pub(super) fn logging_stopped(s: &TrailSettings) -> Text {
    Text::new(format!("trail {} is not logging: no events are recorded", s.name))
        .step(format!(
            "aws cloudtrail start-logging --name {} --region {}",
            s.arn, s.home_region
        ))
        .step(format!(
            "find who stopped it: aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=StopLogging --region {}",
            s.home_region
        ))
}

/// The trail an event named no longer exists; `region` is where the call was made, `deleted`
/// when the call was its DeleteTrail (then recreating it is the step).
pub(super) fn trail_missing(name: &str, region: &str, deleted: bool) -> Text {
    let text = Text::new(format!(
        "trail {name} no longer exists: its events are no longer recorded"
    ));
    if !deleted {
        return text;
    }
    let short = name.rsplit('/').next().unwrap_or(name);
    text.step(format!(
        "if the deletion was not intended, recreate the trail: aws cloudtrail create-trail --name {short} --s3-bucket-name BUCKET --is-multi-region-trail --enable-log-file-validation --region {region}, then aws cloudtrail start-logging --name {short} --region {region}"
    ))
}

pub(super) fn no_multi_region_trail(region: &str) -> Text {
    Text::new("no multi-region trail: API activity in other regions is not recorded")
        .step(format!(
            "aws cloudtrail create-trail --name management-events --s3-bucket-name BUCKET --is-multi-region-trail --enable-log-file-validation --region {region} (BUCKET needs the CloudTrail bucket-policy statements)"
        ))
        .step(format!(
            "aws cloudtrail start-logging --name management-events --region {region}"
        ))
}

pub(super) fn management_events_excluded(s: &TrailSettings) -> Text {
    Text::new(format!(
        "trail {} records no management events (API calls that change resources)",
        s.name
    ))
    .step(format!(
        "aws cloudtrail put-event-selectors --trail-name {} --region {} --event-selectors '[{{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}}]' (this replaces the trail's selectors: list its data-event selectors there too)",
        s.arn, s.home_region
    ))
}

/// `statements`: the bucket policy a replacement bucket named NEW-BUCKET needs.
pub(super) fn bucket_missing(s: &TrailSettings, statements: Vec<Value>) -> Text {
    Text::new(format!(
        "the trail's bucket {} does not exist: log files cannot be delivered",
        s.bucket
    ))
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
        pretty(&serde_json::json!({"Version": "2012-10-17", "Statement": statements}))
    ))
    .step(format!(
        "aws cloudtrail update-trail --name {} --s3-bucket-name NEW-BUCKET --region {}",
        s.arn, s.home_region
    ))
}

/// `statements`: what the owner's bucket policy must hold.
pub(super) fn bucket_not_owned(s: &TrailSettings, statements: Vec<Value>) -> Text {
    Text::new(format!(
        "bucket {} belongs to another account (or this role cannot see it), and CloudTrail cannot deliver to it; Vigil cannot read or repair its policy",
        s.bucket
    ))
    .step(format!(
        "in the account that owns bucket {}, make sure its policy holds these statements (and nothing denies them): {}",
        s.bucket,
        pretty(&Value::Array(statements))
    ))
    .step(format!(
        "if bucket {} should be in this account, it was deleted and its name taken by someone else: point the trail at a bucket you own (aws cloudtrail update-trail --name {} --s3-bucket-name NEW-BUCKET --region {})",
        s.bucket, s.arn, s.home_region
    ))
}

pub(super) fn bucket_policy_unreadable(bucket: &str) -> Text {
    Text::new(format!(
        "the policy of bucket {bucket} is not a valid policy document; Vigil does not merge into it"
    ))
    .step(format!(
        "aws s3api get-bucket-policy --bucket {bucket} --query Policy --output text, fix the document, then aws s3api put-bucket-policy --bucket {bucket} --policy file://policy.json"
    ))
}

/// What is wrong with a required statement that no statement grants.
pub(super) enum Gap<'a> {
    /// The bucket has no policy at all.
    NoPolicy,
    /// No statement comes close.
    Missing,
    /// The closest statement, and what keeps it from granting.
    Wrong(&'a [Problem]),
}

/// A required statement (ACL check, write, organization write: `kind`) is not granted.
pub(super) fn bucket_statement_missing(
    kind: CauseKind,
    bucket: &str,
    gap: Gap<'_>,
    statement: &Value,
) -> Text {
    let what = match kind {
        CauseKind::BucketPolicyAclCheck => "the ACL-check statement",
        CauseKind::BucketPolicyOrgWrite => "the organization write statement",
        _ => "the write statement",
    };
    let summary = match gap {
        Gap::NoPolicy => format!("bucket {bucket} has no policy: {what} is missing"),
        Gap::Missing => format!("the policy of bucket {bucket} lacks {what}"),
        Gap::Wrong(problems) => format!(
            "the policy of bucket {bucket} has {what} wrong: {}",
            problems.iter().map(short).collect::<Vec<_>>().join(", ")
        ),
    };
    Text::new(summary).steps(add_statement(bucket, statement))
}

pub(super) fn bucket_policy_weak(bucket: &str, statement: &Value) -> Text {
    Text::new(format!(
        "the write grant in bucket {bucket}'s policy lacks the s3:x-amz-acl = bucket-owner-full-control condition"
    ))
    .steps(add_statement(bucket, statement))
}

/// `statement` (a label) denies CloudTrail's request for `purpose`.
pub(super) fn bucket_policy_denies(bucket: &str, statement: &str, purpose: &str) -> Text {
    Text::new(format!(
        "statement {statement} in bucket {bucket}'s policy denies CloudTrail ({purpose})"
    ))
    .step(format!(
        "Vigil never changes existing statements: edit statement {statement} so it does not apply to AWS services, e.g. add to its Condition \"Bool\": {{\"aws:PrincipalIsAWSService\": \"false\"}}"
    ))
    .step(format!(
        "aws s3api put-bucket-policy --bucket {bucket} --policy file://policy.json"
    ))
}

pub(super) fn bucket_policy_uncertain(bucket: &str, statement: &str, purpose: &str) -> Text {
    Text::new(format!(
        "statement {statement} in bucket {bucket}'s policy may block CloudTrail ({purpose})"
    ))
    .step(format!(
        "check whether statement {statement} applies to cloudtrail.amazonaws.com; if it does, exempt AWS services from it (\"Bool\": {{\"aws:PrincipalIsAWSService\": \"false\"}})"
    ))
}

/// Adding `statement` by hand, keeping the rest of the policy.
fn add_statement(bucket: &str, statement: &Value) -> [String; 3] {
    [
        format!(
            "aws s3api get-bucket-policy --bucket {bucket} --query Policy --output text > policy.json"
        ),
        format!(
            "add this statement to the Statement list, keeping every other statement: {}",
            pretty(statement)
        ),
        format!("aws s3api put-bucket-policy --bucket {bucket} --policy file://policy.json"),
    ]
}

/// A policy problem in a few words, for a summary.
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

/// `statements`: what the new key's policy must hold.
pub(super) fn key_missing(key_id: &str, s: &TrailSettings, statements: Vec<Value>) -> Text {
    Text::new(format!(
        "the trail's KMS key {key_id} does not exist: CloudTrail cannot encrypt log files"
    ))
    .step(format!(
        "create a key whose policy holds these statements: {}",
        pretty(&Value::Array(statements))
    ))
    .step(format!(
        "aws cloudtrail update-trail --name {} --kms-key-id NEW-KEY-ARN --region {}",
        s.arn, s.home_region
    ))
}

pub(super) fn key_disabled(arn: &str, region: &str) -> Text {
    Text::new(format!(
        "the trail's KMS key {arn} is disabled: CloudTrail cannot encrypt log files"
    ))
    .step(format!(
        "aws kms enable-key --key-id {arn} --region {region}"
    ))
}

/// `when`: the deletion date as KMS reported it.
pub(super) fn key_pending_deletion(arn: &str, region: &str, when: &str) -> Text {
    Text::new(format!(
        "the trail's KMS key {arn} is scheduled for deletion: no logs are encrypted now, and every log file it encrypted becomes unreadable on {when}"
    ))
    .step(format!(
        "aws kms cancel-key-deletion --key-id {arn} --region {region}"
    ))
    .step(format!("aws kms enable-key --key-id {arn} --region {region}"))
}

pub(super) fn key_unusable(arn: &str, region: &str, state: KeyState, s: &TrailSettings) -> Text {
    Text::new(format!(
        "the trail's KMS key {arn} is {state}: CloudTrail cannot use it"
    ))
    .step(format!(
        "make the key usable (aws kms describe-key --key-id {arn} --region {region}) or give the trail another key: aws cloudtrail update-trail --name {} --kms-key-id NEW-KEY-ARN --region {}",
        s.arn, s.home_region
    ))
}

/// The key policy does not let CloudTrail encrypt (`readable`), or cannot be read as a policy
/// document at all; `statements` are what it must hold.
pub(super) fn key_policy_lacks_grant(
    arn: &str,
    region: &str,
    readable: bool,
    statements: Vec<Value>,
) -> Text {
    let summary = if readable {
        format!("the policy of KMS key {arn} does not let CloudTrail encrypt this trail's logs")
    } else {
        format!("the policy of KMS key {arn} cannot be read as a policy document")
    };
    Text::new(summary)
        .step(format!(
            "aws kms get-key-policy --key-id {arn} --policy-name default --region {region} --query Policy --output text > key-policy.json"
        ))
        .step(format!(
            "add these statements, keeping every other statement: {}",
            pretty(&Value::Array(statements))
        ))
        .step(format!(
            "aws kms put-key-policy --key-id {arn} --policy-name default --policy file://key-policy.json --region {region}"
        ))
}

pub(super) fn log_group_missing(group: &LogGroupFacts, s: &TrailSettings) -> Text {
    Text::new(format!(
        "the trail's CloudWatch Logs log group {} does not exist: events no longer reach CloudWatch Logs (and its alarms)",
        group.name
    ))
    .step(format!(
        "aws logs create-log-group --log-group-name {} --region {} (then check the trail's role can write to it)",
        group.name, group.region
    ))
    .step(format!(
        "or stop sending to CloudWatch Logs: aws cloudtrail update-trail --name {} --cloud-watch-logs-log-group-arn '' --cloud-watch-logs-role-arn '' --region {}",
        s.arn, s.home_region
    ))
}

/// CloudTrail's `error` that no other cause explains, by its class.
pub(super) fn delivery_failing(s: &TrailSettings, error: &str, class: ErrorClass) -> Text {
    let text = Text::new(format!(
        "trail {} cannot deliver log files to bucket {} ({error})",
        s.name, s.bucket
    ));
    match class {
        ErrorClass::AccessDenied => text
            .step("look for what else refuses CloudTrail: a resource control policy or SCP in AWS Organizations, the bucket's Object Ownership and ACL settings, or the bucket's default-encryption KMS key policy")
            .step(format!(
                "aws s3api get-bucket-ownership-controls --bucket {} ; aws s3api get-bucket-encryption --bucket {}",
                s.bucket, s.bucket
            )),
        ErrorClass::NoSuchBucket => text.step("if the bucket was just recreated by this account, CloudTrail resumes at its next delivery (about 5 minutes); otherwise point the trail at a bucket you own"),
        _ => text.step(format!(
            "aws cloudtrail get-trail-status --name {} --region {} shows the error; see the CloudTrail troubleshooting guide for it",
            s.arn, s.home_region
        )),
    }
}

pub(super) fn digest_delivery_failing(s: &TrailSettings, error: &str) -> Text {
    Text::new(format!(
        "trail {} cannot deliver digest files ({error}): log file integrity cannot be validated",
        s.name
    ))
    .step(format!(
        "the digest files go to s3://{}/.../AWSLogs/{}/CloudTrail-Digest/: check that the write statement covers them",
        s.bucket,
        s.account()
    ))
}

pub(super) fn cloudwatch_logs_delivery_failing(s: &TrailSettings, error: &str) -> Text {
    let role = s.log_role_arn.as_deref().unwrap_or("(none set)");
    Text::new(format!(
        "trail {} cannot deliver to CloudWatch Logs ({error})",
        s.name
    ))
    .step(format!(
        "role {role} must trust cloudtrail.amazonaws.com: aws iam get-role --role-name {} --query Role.AssumeRolePolicyDocument",
        role.rsplit('/').next().unwrap_or(role)
    ))
    .step(format!(
        "and allow logs:CreateLogStream and logs:PutLogEvents on {}",
        s.log_group_arn.as_deref().unwrap_or("the log group")
    ))
}

pub(super) fn notification_failing(s: &TrailSettings, error: &str) -> Text {
    let topic = s.sns_topic_arn.as_deref().unwrap_or("(none set)");
    Text::new(format!(
        "trail {} cannot notify SNS topic {topic} of new log files ({error})",
        s.name
    ))
    .step(format!(
        "the topic policy of {topic} must allow cloudtrail.amazonaws.com sns:Publish: aws sns get-topic-attributes --topic-arn {topic}"
    ))
}

/// `minutes` since the last delivery (or since logging started).
pub(super) fn delivery_stale(s: &TrailSettings, minutes: i64) -> Text {
    Text::new(format!(
        "trail {} is logging but has delivered nothing for {minutes} minutes",
        s.name
    ))
    .step(format!(
        "aws cloudtrail get-trail-status --name {} --region {} ; and look for new objects under s3://{}/{}AWSLogs/",
        s.arn,
        s.home_region,
        s.bucket,
        s.prefix
            .as_deref()
            .map(|p| format!("{}/", p.trim_matches('/')))
            .unwrap_or_default()
    ))
}

/// Vigil could not read `what`; the step depends on why.
pub(super) fn fact_unavailable(what: &str, error: &AwsCallError) -> Text {
    let fix = match error.failure {
        AwsFailure::AccessDenied => format!(
            "grant the function's role {} (template.yaml, CloudTrailDeliveryRole), or allow it in the resource's policy",
            error.operation
        ),
        f if f.retryable() => "temporary; the next check tries again".to_owned(),
        _ => format!(
            "check the resource and the function's permissions for {}",
            error.operation
        ),
    };
    Text::new(format!(
        "Vigil could not read {what}, so it cannot tell whether it stops delivery"
    ))
    .step(fix)
}
