//! The diagnosis over plain facts: one trail, its bucket, key and log group, varied one
//! problem at a time.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use vigil::alert::Severity;
use vigil::aws::{AwsCallError, AwsFailure};

use super::*;
use crate::facts::{
    BucketFacts, BucketLocation, KeyFacts, KeyState, LogGroupFacts, Selectors, TrailSettings,
    TrailStatus,
};

const ACCOUNT: &str = "111122223333";
const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events";
const BUCKET: &str = "trail-logs-111122223333";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const GROUP: &str = "arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/management-events:*";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 15, 10, 30, 0).unwrap()
}

fn settings() -> Settings {
    Settings {
        now: now(),
        stale_after: Duration::hours(3),
    }
}

fn trail() -> TrailSettings {
    TrailSettings::sample(TRAIL, BUCKET)
}

fn good_policy(t: &TrailSettings) -> String {
    let statements: Vec<Value> = bucket_policy::requirements(t, None)
        .into_iter()
        .map(|r| r.statement)
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn healthy_status() -> TrailStatus {
    TrailStatus {
        is_logging: true,
        latest_delivery_time: Some(now() - Duration::minutes(4)),
        start_logging_time: Some(now() - Duration::days(30)),
        ..TrailStatus::default()
    }
}

/// The fixture: a real GetTrailStatus answer with an AccessDenied delivery error.
fn access_denied_status() -> TrailStatus {
    let raw: Value = serde_json::from_str(include_str!(
        "../../tests/fixtures/gettrailstatus-accessdenied.json"
    ))
    .unwrap();
    let time = |name: &str| {
        raw[name]
            .as_f64()
            .and_then(|t| DateTime::from_timestamp(t.trunc() as i64, (t.fract() * 1e9) as u32))
    };
    let text = |name: &str| {
        raw[name]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    TrailStatus {
        is_logging: raw["IsLogging"].as_bool().unwrap(),
        latest_delivery_error: text("LatestDeliveryError"),
        latest_delivery_time: time("LatestDeliveryTime"),
        latest_digest_delivery_error: text("LatestDigestDeliveryError"),
        latest_cloudwatch_logs_delivery_error: text("LatestCloudWatchLogsDeliveryError"),
        latest_notification_error: text("LatestNotificationError"),
        start_logging_time: time("StartLoggingTime"),
        stop_logging_time: time("StopLoggingTime"),
    }
}

fn facts(t: TrailSettings, status: TrailStatus, policy: Option<&str>) -> Facts {
    let mut buckets = BTreeMap::new();
    buckets.insert(
        t.bucket.clone(),
        BucketFacts {
            name: t.bucket.clone(),
            location: Ok(BucketLocation::Owned {
                region: "us-east-1".into(),
            }),
            policy: Some(Ok(policy.map(str::to_owned))),
        },
    );
    Facts {
        account_id: ACCOUNT.into(),
        organization_id: None,
        trails: vec![TrailFacts {
            settings: t,
            status: Ok(status),
            selectors: None,
        }],
        buckets,
        keys: BTreeMap::new(),
        log_groups: BTreeMap::new(),
        collected_at: now(),
    }
}

fn healthy() -> Facts {
    let t = trail();
    let policy = good_policy(&t);
    facts(t, healthy_status(), Some(&policy))
}

fn run(f: &Facts) -> TrailDiagnosis {
    diagnose(f, &settings()).remove(0)
}

fn kinds(d: &TrailDiagnosis) -> Vec<CauseKind> {
    d.causes.iter().map(|c| c.kind).collect()
}

fn with_key(f: &mut Facts, state: KeyState, policy: Option<Value>) {
    f.trails[0].settings.kms_key_id = Some(KEY.into());
    let t = f.trails[0].settings.clone();
    let policy = policy.unwrap_or_else(|| {
        let mut statements = vec![json!({
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"
        })];
        statements.extend(key_policy::required_statements(&t));
        json!({"Version": "2012-10-17", "Statement": statements})
    });
    let mut key = KeyFacts::sample(KEY, state);
    if let Ok(Some(info)) = &mut key.key {
        info.deletion_date =
            (state == KeyState::PendingDeletion).then(|| now() + Duration::days(7));
    }
    key.policy = Some(Ok(policy.to_string()));
    f.keys.insert(KEY.into(), key);
}

#[test]
fn a_healthy_trail_has_no_causes() {
    assert_eq!(run(&healthy()).causes, vec![]);
}

#[test]
fn stopped_trail_proposes_start_logging() {
    let mut f = healthy();
    let status = f.trails[0].status.as_mut().unwrap();
    status.is_logging = false;
    status.stop_logging_time = Some(now() - Duration::minutes(10));
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::LoggingStopped]);
    let cause = &d.causes[0];
    assert_eq!(cause.severity, Severity::High);
    assert_eq!(
        cause.repairs,
        vec![Repair::StartLogging {
            trail_arn: TRAIL.into(),
            region: "us-east-1".into()
        }]
    );
    assert!(cause.steps[0].contains("aws cloudtrail start-logging --name"));
    assert!(
        cause
            .evidence
            .iter()
            .any(|e| e.contains("stopped at 2024-03-15T10:20"))
    );
}

#[test]
fn access_denied_without_policy_names_both_missing_statements() {
    let d = run(&facts(trail(), access_denied_status(), None));
    assert_eq!(
        kinds(&d),
        vec![
            CauseKind::BucketPolicyAclCheck,
            CauseKind::BucketPolicyWrite
        ]
    );
    for cause in &d.causes {
        assert!(
            cause
                .explains
                .contains(&Signal::LatestDeliveryError("AccessDenied".into()))
        );
        assert!(
            cause
                .explains
                .contains(&Signal::LatestDigestDeliveryError("AccessDenied".into()))
        );
        assert!(
            cause
                .evidence
                .iter()
                .any(|e| e.contains("last successful delivery: 2024-03-15T08:22:31"))
        );
        assert!(
            matches!(&cause.repairs[..], [Repair::AddBucketStatements { bucket, .. }] if bucket == BUCKET)
        );
    }
}

#[test]
fn wrong_prefix_is_the_write_statement_and_the_acl_check_is_fine() {
    let mut t = trail();
    let policy = good_policy(&t);
    t.prefix = Some("audit".into());
    let d = run(&facts(t, access_denied_status(), Some(&policy)));
    assert_eq!(kinds(&d), vec![CauseKind::BucketPolicyWrite]);
    let cause = &d.causes[0];
    assert!(
        cause.summary.contains("wrong resource or prefix"),
        "{}",
        cause.summary
    );
    assert!(cause.evidence.iter().any(|e| e.contains(
        "does not cover arn:aws:s3:::trail-logs-111122223333/audit/AWSLogs/111122223333/*"
    )));
    let Repair::AddBucketStatements { statements, .. } = &cause.repairs[0] else {
        panic!()
    };
    assert_eq!(
        statements[0]["Resource"],
        "arn:aws:s3:::trail-logs-111122223333/audit/AWSLogs/111122223333/*"
    );
}

#[test]
fn statement_for_another_trail_and_missing_acl_condition() {
    let t = trail();
    let mut doc: Value = serde_json::from_str(&good_policy(&t)).unwrap();
    doc["Statement"][0]["Condition"]["StringEquals"]["aws:SourceArn"] =
        json!("arn:aws:cloudtrail:us-east-1:111122223333:trail/other");
    doc["Statement"][1]["Condition"] = json!({"StringEquals": {"aws:SourceArn": TRAIL}});
    let d = run(&facts(t, healthy_status(), Some(&doc.to_string())));
    assert_eq!(
        kinds(&d),
        vec![CauseKind::BucketPolicyAclCheck, CauseKind::BucketPolicyWeak]
    );
    assert!(
        d.causes[0]
            .summary
            .contains("aws:SourceArn names another trail")
    );
    assert_eq!(d.causes[1].severity, Severity::Medium);
    assert!(d.causes[1].explains.is_empty());
}

#[test]
fn deny_statement_is_reported_and_not_repaired() {
    let t = trail();
    let mut doc: Value = serde_json::from_str(&good_policy(&t)).unwrap();
    doc["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "OnlyOurOrg", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{BUCKET}"), format!("arn:aws:s3:::{BUCKET}/*")],
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    }));
    let d = run(&facts(t, access_denied_status(), Some(&doc.to_string())));
    assert_eq!(
        kinds(&d),
        vec![CauseKind::BucketPolicyDenies, CauseKind::BucketPolicyDenies]
    );
    assert!(d.causes.iter().all(|c| c.repairs.is_empty()));
    assert!(d.causes[0].steps[0].contains("aws:PrincipalIsAWSService"));
}

#[test]
fn unparseable_policy_is_not_merged_into() {
    let d = run(&facts(
        trail(),
        healthy_status(),
        Some("{\"Statement\": 5}"),
    ));
    assert_eq!(kinds(&d), vec![CauseKind::BucketPolicyUnreadable]);
    assert!(d.causes[0].repairs.is_empty());
}

#[test]
fn deleted_bucket_is_never_recreated() {
    let mut f = facts(trail(), access_denied_status(), None);
    let status = f.trails[0].status.as_mut().unwrap();
    status.latest_delivery_error = Some("NoSuchBucket".into());
    status.latest_digest_delivery_error = Some("NoSuchBucket".into());
    f.buckets.get_mut(BUCKET).unwrap().location = Ok(BucketLocation::Missing);
    f.buckets.get_mut(BUCKET).unwrap().policy = None;
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::BucketMissing]);
    let cause = &d.causes[0];
    assert_eq!(cause.severity, Severity::Critical);
    assert!(cause.repairs.is_empty());
    assert!(
        cause
            .explains
            .contains(&Signal::LatestDeliveryError("NoSuchBucket".into()))
    );
    assert!(cause.steps.iter().any(|s| s.contains("never recreates")));
    assert!(
        cause
            .steps
            .iter()
            .any(|s| s.contains("update-trail") && s.contains("NEW-BUCKET"))
    );
}

#[test]
fn bucket_of_another_account_is_a_cause_only_when_delivery_fails() {
    let mut f = healthy();
    f.buckets.get_mut(BUCKET).unwrap().location = Ok(BucketLocation::NotOwned);
    f.buckets.get_mut(BUCKET).unwrap().policy = None;
    assert_eq!(run(&f).causes, vec![]);
    f.trails[0].status = Ok(access_denied_status());
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::BucketNotOwned]);
    assert!(d.causes[0].repairs.is_empty());
}

#[test]
fn kms_errors_are_tied_to_the_key_state() {
    for (state, error, kind, repairs) in [
        (
            KeyState::Disabled,
            "KMS.DisabledException",
            CauseKind::KeyDisabled,
            1,
        ),
        (
            KeyState::PendingDeletion,
            "KMS.KMSInvalidStateException",
            CauseKind::KeyPendingDeletion,
            2,
        ),
    ] {
        let mut f = healthy();
        with_key(&mut f, state, None);
        f.trails[0].status.as_mut().unwrap().latest_delivery_error = Some(error.into());
        let d = run(&f);
        assert_eq!(kinds(&d), vec![kind], "{error}");
        assert_eq!(d.causes[0].repairs.len(), repairs);
        assert!(
            d.causes[0]
                .explains
                .contains(&Signal::LatestDeliveryError(error.into()))
        );
    }
    let mut f = healthy();
    with_key(&mut f, KeyState::PendingDeletion, None);
    let d = run(&f);
    assert_eq!(d.causes[0].severity, Severity::Critical);
    assert_eq!(
        d.causes[0].repairs,
        vec![
            Repair::CancelKeyDeletion {
                key_arn: KEY.into(),
                region: "us-east-1".into(),
            },
            Repair::EnableKey {
                key_arn: KEY.into(),
                region: "us-east-1".into(),
            }
        ]
    );
}

#[test]
fn missing_key_and_key_policy_without_cloudtrail() {
    let mut f = healthy();
    with_key(&mut f, KeyState::Enabled, None);
    f.keys.get_mut(KEY).unwrap().key = Ok(None);
    f.trails[0].status.as_mut().unwrap().latest_delivery_error =
        Some("KMS.NotFoundException".into());
    assert_eq!(kinds(&run(&f)), vec![CauseKind::KeyMissing]);

    let mut f = healthy();
    let default_policy = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}]});
    with_key(&mut f, KeyState::Enabled, Some(default_policy));
    f.trails[0].status.as_mut().unwrap().latest_delivery_error =
        Some("InsufficientEncryptionPolicyException".into());
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::KeyPolicyLacksGrant]);
    assert!(
        d.causes[0].repairs.is_empty(),
        "key policies are never edited"
    );
    assert!(
        d.causes[0]
            .steps
            .iter()
            .any(|s| s.contains("kms:GenerateDataKey*"))
    );
}

#[test]
fn unexplained_access_denied_is_its_own_cause() {
    let t = trail();
    let policy = good_policy(&t);
    let d = run(&facts(t, access_denied_status(), Some(&policy)));
    assert_eq!(
        kinds(&d),
        vec![CauseKind::DeliveryFailing, CauseKind::DigestDeliveryFailing]
    );
    assert!(d.causes[0].steps[0].contains("resource control policy"));
}

#[test]
fn stale_delivery_while_logging() {
    let mut f = healthy();
    f.trails[0].status.as_mut().unwrap().latest_delivery_time = Some(now() - Duration::hours(5));
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::DeliveryStale]);
    assert!(d.causes[0].summary.contains("300 minutes"));
}

#[test]
fn cloudwatch_logs_failure_with_and_without_its_log_group() {
    let mut f = healthy();
    f.trails[0].settings.log_group_arn = Some(GROUP.into());
    f.trails[0]
        .status
        .as_mut()
        .unwrap()
        .latest_cloudwatch_logs_delivery_error = Some("ResourceNotFoundException".into());
    f.log_groups.insert(
        GROUP.into(),
        LogGroupFacts {
            arn: GROUP.into(),
            name: "CloudTrail/management-events".into(),
            region: "us-east-1".into(),
            exists: Ok(false),
        },
    );
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::LogGroupMissing]);
    assert_eq!(d.causes[0].explains.len(), 1);
    assert_eq!(d.causes[0].severity, Severity::Medium);

    f.log_groups.get_mut(GROUP).unwrap().exists = Ok(true);
    assert_eq!(
        kinds(&run(&f)),
        vec![CauseKind::CloudWatchLogsDeliveryFailing]
    );
}

#[test]
fn selectors_without_management_events() {
    let mut f = healthy();
    f.trails[0].selectors = Some(Ok(Selectors {
        management_events: false,
        summary: "1 basic selector(s), IncludeManagementEvents: false".into(),
    }));
    assert_eq!(kinds(&run(&f)), vec![CauseKind::ManagementEventsExcluded]);
}

#[test]
fn facts_that_could_not_be_read_are_reported() {
    let mut f = healthy();
    f.buckets.get_mut(BUCKET).unwrap().policy = Some(Err(AwsCallError {
        operation: "s3:GetBucketPolicy",
        failure: AwsFailure::AccessDenied,
        code: Some("AccessDenied".into()),
        message: "Access Denied".into(),
    }));
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::FactUnavailable]);
    assert!(d.causes[0].steps[0].contains("s3:GetBucketPolicy"));
}

#[test]
fn organization_trail_needs_the_org_write_statement() {
    let mut f = healthy();
    f.trails[0].settings.organization = true;
    f.organization_id = Some(Ok(Some("o-abc123".into())));
    let d = run(&f);
    assert_eq!(kinds(&d), vec![CauseKind::BucketPolicyOrgWrite]);
    let Repair::AddBucketStatements { statements, .. } = &d.causes[0].repairs[0] else {
        panic!()
    };
    assert_eq!(
        statements[0]["Resource"],
        format!("arn:aws:s3:::{BUCKET}/AWSLogs/o-abc123/*")
    );
}

#[test]
fn account_without_a_multi_region_trail() {
    let mut single = trail();
    single.multi_region = false;
    let causes = account_causes(std::slice::from_ref(&single), ACCOUNT, "us-east-1");
    assert_eq!(causes[0].kind, CauseKind::NoMultiRegionTrail);
    assert!(causes[0].evidence[0].contains("management-events (us-east-1)"));
    assert!(account_causes(&[trail()], ACCOUNT, "us-east-1").is_empty());
    assert!(account_causes(&[], ACCOUNT, "us-east-1")[0].evidence[0].contains("no trails at all"));
}

#[test]
fn delivery_error_strings_are_classified() {
    for (error, class) in [
        ("AccessDenied", ErrorClass::AccessDenied),
        ("NoSuchBucket", ErrorClass::NoSuchBucket),
        ("KMS.DisabledException", ErrorClass::KmsDisabled),
        ("KMS.KMSInvalidStateException", ErrorClass::KmsInvalidState),
        ("KMS.NotFoundException", ErrorClass::KmsNotFound),
        ("KMS.AccessDeniedException", ErrorClass::KmsAccessDenied),
        (
            "InsufficientEncryptionPolicyException",
            ErrorClass::KmsAccessDenied,
        ),
        ("InternalError", ErrorClass::Other),
    ] {
        assert_eq!(classify(error), class, "{error}");
    }
}
