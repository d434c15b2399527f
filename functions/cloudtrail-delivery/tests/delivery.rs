//! cloudtrail-delivery against the emulator over real HTTP: trails, buckets, policies, keys and
//! log groups are real emulator resources; the handler runs as Lambda would run it.
//!
//! Emulator gaps worked around (see tests/emulator/patches/):
//! - GetTrailStatus never reports delivery errors in moto: tests set them through the
//!   extension endpoint (`Rig::set_status`), as CloudTrail's last delivery attempt would.
//! - ListTrails lists every region's trails, and ExpectedBucketOwner is enforced, as in AWS.
//! - EnableKey refuses a key pending deletion, as in AWS (so the repair order is tested).
//!
//! The repairs awaiting confirmation live in the emulator's Parameter Store, as in AWS; the
//! expiry test moves a record's wait into the past instead of waiting for it.

mod rig;

use chrono::Utc;
use cloudtrail_delivery::Error;
use cloudtrail_delivery::diagnose::CauseKind;
use cloudtrail_delivery::report::{RepairStatus, Verdict};
use rig::{EXAMPLE_KEY_ID, Rig, kinds};
use serde_json::{Value, json};
use vigil::arn::key_id;
use vigil::state::Awaiting;

#[tokio::test]
async fn stopped_trail_is_started_verified_and_reported() {
    let rig = Rig::new().await;
    let (arn, _) = rig
        .healthy_trail("management-events", "us-east-1", true)
        .await;
    rig.stop_logging(&arn).await;

    let outcome = rig
        .invoke(rig.event("stop-logging.json", &[]))
        .await
        .unwrap();

    assert_eq!(kinds(&outcome, &arn), vec![CauseKind::LoggingStopped]);
    let trail = &outcome.trails[0];
    assert_eq!(trail.verdict, Verdict::RepairedVerified, "{trail:#?}");
    assert_eq!(trail.causes[0].repairs[0].status, RepairStatus::Done);
    assert_eq!(trail.causes[0].repairs[0].verified, Some(true));
    assert!(rig.is_logging(&arn, "us-east-1").await);

    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let subject = alerts[0]["Subject"].as_str().unwrap();
    assert!(
        subject.contains("CloudTrail management-events") && subject.contains("repaired-verified"),
        "{subject}"
    );
    let body = alerts[0]["Message"].as_str().unwrap();
    assert!(body.contains("StopLogging by arn:aws:iam::"), "{body}");
    assert!(body.contains("user/alice from 198.51.100.7"), "{body}");
    assert_eq!(
        alerts[0]["MessageAttributes"]["verdict"]["Value"],
        "repaired-verified"
    );
}

#[tokio::test]
async fn missing_bucket_policy_is_created_then_the_next_check_is_healthy() {
    let rig = Rig::new().await;
    let bucket = rig.bucket_name("trail-logs");
    rig.create_bucket(&bucket, "us-east-1").await;
    let arn = rig
        .create_trail("main", "us-east-1", &bucket, |t| {
            t.is_multi_region_trail(true)
        })
        .await;
    rig.set_status(&arn, Rig::access_denied_status());

    let outcome = rig.schedule().await;

    assert_eq!(
        kinds(&outcome, &arn),
        vec![
            CauseKind::BucketPolicyAclCheck,
            CauseKind::BucketPolicyWrite
        ]
    );
    let trail = &outcome.trails[0];
    assert_eq!(trail.verdict, Verdict::RepairedVerified, "{trail:#?}");
    assert!(
        trail.causes[1]
            .evidence
            .iter()
            .any(|e| e.contains("LatestDeliveryError = AccessDenied"))
    );
    // CloudTrail keeps reporting its last failed attempt until it delivers again.
    assert!(!trail.awaiting_next_delivery.is_empty(), "{trail:#?}");

    let policy = rig.policy(&bucket).await.expect("a policy was created");
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0]["Action"], "s3:GetBucketAcl");
    assert_eq!(
        statements[1]["Resource"],
        format!("arn:aws:s3:::{bucket}/AWSLogs/{}/*", rig.account)
    );
    assert_eq!(
        statements[1]["Condition"]["StringEquals"]["s3:x-amz-acl"],
        "bucket-owner-full-control"
    );
    assert_eq!(
        statements[1]["Condition"]["StringEquals"]["aws:SourceArn"],
        arn
    );

    // The next delivery succeeds: the next scheduled check finds nothing and says nothing.
    rig.set_status(&arn, Rig::delivered_status());
    let again = rig.schedule().await;
    assert_eq!(again.trails_healthy, 1, "{again:#?}");
    assert_eq!(again.alerts_sent, 0);
    assert_eq!(rig.alerts().len(), 1);
}

#[tokio::test]
async fn broken_policy_is_merged_keeping_unrelated_statements_as_they_were() {
    let rig = Rig::new().await;
    let bucket = rig.bucket_name("audit-logs");
    rig.create_bucket(&bucket, "us-east-1").await;
    let arn = rig.trail_arn("main", "us-east-1");
    let other_trail = rig.trail_arn("old-trail", "us-east-1");
    let mut good = rig.good_statements(&bucket, &arn, None);
    // ACL check written for another trail; write statement under a prefix the trail does not use.
    good[0]["Condition"]["StringEquals"]["aws:SourceArn"] = json!(other_trail);
    good[1]["Resource"] = json!(format!(
        "arn:aws:s3:::{bucket}/old-prefix/AWSLogs/{}/*",
        rig.account
    ));
    let unrelated = [
        json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
               "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
               "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        json!({"Effect": "Allow", "Principal": {"AWS": [format!("arn:aws:iam::{}:role/auditor", rig.account)]},
               "Action": ["s3:GetObject", "s3:ListBucket"],
               "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]}),
    ];
    let original = json!({"Version": "2012-10-17", "Id": "audit-bucket-policy",
                          "Statement": [unrelated[0].clone(), good[0].clone(), unrelated[1].clone(), good[1].clone()]});
    rig.put_policy(&bucket, &original).await;
    rig.create_trail("main", "us-east-1", &bucket, |t| {
        t.is_multi_region_trail(true)
    })
    .await;
    rig.set_status(&arn, json!({"LatestDeliveryError": "AccessDenied"}));

    let outcome = rig
        .invoke(rig.event(
            "put-bucket-policy.json",
            &[("vigil-trail-logs-", "audit-logs-")],
        ))
        .await
        .unwrap();

    let trail = &outcome.trails[0];
    assert_eq!(
        kinds(&outcome, &arn),
        vec![
            CauseKind::BucketPolicyAclCheck,
            CauseKind::BucketPolicyWrite
        ]
    );
    assert!(
        trail.causes[0]
            .summary
            .contains("aws:SourceArn names another trail"),
        "{}",
        trail.causes[0].summary
    );
    assert!(
        trail.causes[1].summary.contains("wrong resource or prefix"),
        "{}",
        trail.causes[1].summary
    );
    assert_eq!(trail.verdict, Verdict::RepairedVerified, "{trail:#?}");

    let merged = rig.policy(&bucket).await.unwrap();
    assert_eq!(merged["Version"], original["Version"]);
    assert_eq!(merged["Id"], original["Id"]);
    let statements = merged["Statement"].as_array().unwrap();
    let before = original["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), before.len() + 2);
    // Every statement that was there is there unchanged, in the same order.
    assert_eq!(&statements[..before.len()], &before[..]);
    let added: Vec<&str> = statements[before.len()..]
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(
        added,
        vec!["AWSCloudTrailAclCheckmain", "AWSCloudTrailWritemain"]
    );
}

#[tokio::test]
async fn deleted_bucket_is_reported_and_never_recreated() {
    let rig = Rig::new().await;
    let (arn, bucket) = rig.healthy_trail("main", "us-east-1", true).await;
    rig.s3("us-east-1")
        .delete_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    rig.set_status(
        &arn,
        json!({"LatestDeliveryError": "NoSuchBucket", "LatestDigestDeliveryError": "NoSuchBucket"}),
    );

    let outcome = rig
        .invoke(rig.event("delete-bucket.json", &[("vigil-trail-logs-", "main-logs-")]))
        .await
        .unwrap();

    assert_eq!(kinds(&outcome, &arn), vec![CauseKind::BucketMissing]);
    let trail = &outcome.trails[0];
    assert_eq!(trail.verdict, Verdict::NeedsAPerson);
    assert!(trail.causes[0].repairs.is_empty());
    assert!(
        rig.s3("us-east-1")
            .head_bucket()
            .bucket(&bucket)
            .send()
            .await
            .is_err(),
        "bucket was recreated"
    );

    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0]["Subject"]
            .as_str()
            .unwrap()
            .starts_with("[Vigil CRITICAL]")
    );
    let body = alerts[0]["Message"].as_str().unwrap();
    assert!(
        body.contains("never recreates a deleted bucket name"),
        "{body}"
    );
    assert!(body.contains("--s3-bucket-name NEW-BUCKET"), "{body}");
}

#[tokio::test]
async fn disabled_key_owned_by_the_stack_is_enabled() {
    let rig = Rig::new().await;
    let key = rig.create_key("us-east-1", true, true).await;
    let (arn, bucket) = rig.healthy_trail("main", "us-east-1", true).await;
    rig.encrypt_trail(&arn, &bucket, &key).await;
    rig.kms("us-east-1")
        .disable_key()
        .key_id(key_id(&key))
        .send()
        .await
        .unwrap();
    rig.set_status(
        &arn,
        json!({"LatestDeliveryError": "KMS.DisabledException"}),
    );

    let outcome = rig
        .invoke(rig.event("disable-key.json", &[(EXAMPLE_KEY_ID, key_id(&key))]))
        .await
        .unwrap();

    assert_eq!(kinds(&outcome, &arn), vec![CauseKind::KeyDisabled]);
    assert_eq!(
        outcome.trails[0].verdict,
        Verdict::RepairedVerified,
        "{outcome:#?}"
    );
    assert_eq!(rig.key_state(&key).await, "Enabled");
}

#[tokio::test]
async fn key_pending_deletion_listed_in_config_is_rescued_in_the_right_order() {
    let account = vigil_tests::harness::Moto::new_account();
    let key = Rig::in_account(account.clone(), &[])
        .await
        .create_key("us-east-1", false, true)
        .await;
    let rig = Rig::in_account(account, &[("VIGIL_TRAIL_OWNED_KEY_ARNS", &key)]).await;
    let bucket = rig.bucket_name("logs");
    rig.create_bucket(&bucket, "us-east-1").await;
    let arn = rig.trail_arn("main", "us-east-1");
    rig.put_policy(
        &bucket,
        &json!({"Statement": rig.good_statements(&bucket, &arn, None)}),
    )
    .await;
    rig.create_trail("main", "us-east-1", &bucket, |t| {
        t.is_multi_region_trail(true).kms_key_id(&key)
    })
    .await;
    rig.kms("us-east-1")
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    rig.set_status(
        &arn,
        json!({"LatestDeliveryError": "KMS.KMSInvalidStateException"}),
    );

    let outcome = rig
        .invoke(rig.event(
            "schedule-key-deletion.json",
            &[(EXAMPLE_KEY_ID, key_id(&key))],
        ))
        .await
        .unwrap();

    assert_eq!(kinds(&outcome, &arn), vec![CauseKind::KeyPendingDeletion]);
    let repairs: Vec<(&str, RepairStatus)> = outcome.trails[0].causes[0]
        .repairs
        .iter()
        .map(|r| (r.action.as_str(), r.status))
        .collect();
    assert!(
        repairs[0].0.starts_with("CancelKeyDeletion") && repairs[0].1 == RepairStatus::Done,
        "{repairs:?}"
    );
    assert!(
        repairs[1].0.starts_with("EnableKey") && repairs[1].1 == RepairStatus::Done,
        "{repairs:?}"
    );
    assert_eq!(
        outcome.trails[0].verdict,
        Verdict::RepairedVerified,
        "{outcome:#?}"
    );
    assert_eq!(rig.key_state(&key).await, "Enabled");
}

#[tokio::test]
async fn key_the_stack_does_not_own_is_left_alone() {
    let rig = Rig::new().await;
    let key = rig.create_key("us-east-1", false, true).await;
    let (arn, bucket) = rig.healthy_trail("main", "us-east-1", true).await;
    rig.encrypt_trail(&arn, &bucket, &key).await;
    rig.kms("us-east-1")
        .disable_key()
        .key_id(&key)
        .send()
        .await
        .unwrap();

    let outcome = rig.schedule().await;

    let cause = &outcome.trails[0].causes[0];
    assert_eq!(cause.kind, CauseKind::KeyDisabled);
    assert_eq!(cause.repairs[0].status, RepairStatus::Skipped);
    assert!(
        cause.repairs[0].detail.contains("vigil:owner=vigil-test"),
        "{}",
        cause.repairs[0].detail
    );
    assert!(cause.steps[0].contains("aws kms enable-key"));
    assert_eq!(outcome.trails[0].verdict, Verdict::NeedsAPerson);
    assert_eq!(rig.key_state(&key).await, "Disabled");
}

/// Every delivery-error string, through the emulator extension, against the facts that explain
/// it; repairs off so each case shows the diagnosis alone.
#[tokio::test]
async fn each_delivery_error_is_tied_to_its_cause() {
    struct Case {
        error: &'static str,
        setup: &'static str,
        expected: Vec<CauseKind>,
    }
    let cases = [
        Case {
            error: "AccessDenied",
            setup: "no-policy",
            expected: vec![
                CauseKind::BucketPolicyAclCheck,
                CauseKind::BucketPolicyWrite,
            ],
        },
        Case {
            error: "AccessDenied",
            setup: "good",
            expected: vec![CauseKind::DeliveryFailing],
        },
        Case {
            error: "NoSuchBucket",
            setup: "deleted-bucket",
            expected: vec![CauseKind::BucketMissing],
        },
        Case {
            error: "KMS.DisabledException",
            setup: "disabled-key",
            expected: vec![CauseKind::KeyDisabled],
        },
        Case {
            error: "KMS.KMSInvalidStateException",
            setup: "pending-key",
            expected: vec![CauseKind::KeyPendingDeletion],
        },
        Case {
            error: "KMS.NotFoundException",
            setup: "missing-key",
            expected: vec![CauseKind::KeyMissing],
        },
        Case {
            error: "InsufficientEncryptionPolicyException",
            setup: "key-without-grant",
            expected: vec![CauseKind::KeyPolicyLacksGrant],
        },
    ];
    for case in cases {
        let rig = Rig::with_env(&[
            ("VIGIL_TRAIL_REPAIR_START_LOGGING", "false"),
            ("VIGIL_TRAIL_REPAIR_BUCKET_POLICY", "false"),
            ("VIGIL_TRAIL_REPAIR_KMS_KEY", "false"),
        ])
        .await;
        let (arn, bucket) = rig.healthy_trail("main", "us-east-1", true).await;
        let key = match case.setup {
            "disabled-key" | "pending-key" => Some(rig.create_key("us-east-1", true, true).await),
            "key-without-grant" => Some(rig.create_key("us-east-1", true, false).await),
            "missing-key" => Some(format!(
                "arn:aws:kms:us-east-1:{}:key/00000000-0000-0000-0000-000000000000",
                rig.account
            )),
            _ => None,
        };
        if let Some(key) = &key {
            rig.encrypt_trail(&arn, &bucket, key).await;
        }
        match case.setup {
            "no-policy" => {
                rig.s3("us-east-1")
                    .delete_bucket_policy()
                    .bucket(&bucket)
                    .send()
                    .await
                    .unwrap();
            }
            "deleted-bucket" => {
                rig.s3("us-east-1")
                    .delete_bucket()
                    .bucket(&bucket)
                    .send()
                    .await
                    .unwrap();
            }
            "disabled-key" => {
                rig.kms("us-east-1")
                    .disable_key()
                    .key_id(key.as_deref().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
            "pending-key" => {
                rig.kms("us-east-1")
                    .schedule_key_deletion()
                    .key_id(key.as_deref().unwrap())
                    .pending_window_in_days(30)
                    .send()
                    .await
                    .unwrap();
            }
            _ => {}
        }
        rig.set_status(&arn, json!({"LatestDeliveryError": case.error}));

        let outcome = rig.schedule().await;

        assert_eq!(
            kinds(&outcome, &arn),
            case.expected,
            "{} with {}",
            case.error,
            case.setup
        );
        let cause = &outcome.trails[0].causes[0];
        assert!(
            cause
                .evidence
                .iter()
                .any(|e| e.contains(&format!("LatestDeliveryError = {}", case.error))),
            "{}: {cause:#?}",
            case.error
        );
        assert_eq!(rig.alerts().len(), 1, "{}", case.error);
    }
}

#[tokio::test]
async fn cloudwatch_logs_delivery_fails_after_its_log_group_is_deleted() {
    let rig = Rig::new().await;
    let (arn, bucket) = rig
        .healthy_trail("management-events", "us-east-1", true)
        .await;
    let logs = rig.logs("us-east-1");
    logs.create_log_group()
        .log_group_name("CloudTrail/management-events")
        .send()
        .await
        .unwrap();
    let group_arn = format!(
        "arn:aws:logs:us-east-1:{}:log-group:CloudTrail/management-events:*",
        rig.account
    );
    rig.cloudtrail("us-east-1")
        .update_trail()
        .name(&arn)
        .s3_bucket_name(&bucket)
        .cloud_watch_logs_log_group_arn(&group_arn)
        .cloud_watch_logs_role_arn(format!(
            "arn:aws:iam::{}:role/CloudTrailToLogs",
            rig.account
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(rig.schedule().await.trails_healthy, 1);

    logs.delete_log_group()
        .log_group_name("CloudTrail/management-events")
        .send()
        .await
        .unwrap();
    rig.set_status(
        &arn,
        json!({"LatestCloudWatchLogsDeliveryError": "ResourceNotFoundException"}),
    );
    let outcome = rig
        .invoke(rig.event("delete-log-group.json", &[]))
        .await
        .unwrap();

    assert_eq!(kinds(&outcome, &arn), vec![CauseKind::LogGroupMissing]);
    let cause = &outcome.trails[0].causes[0];
    assert!(
        cause
            .evidence
            .iter()
            .any(|e| e.contains("LatestCloudWatchLogsDeliveryError = ResourceNotFoundException"))
    );
    assert!(
        cause.steps[0]
            .contains("aws logs create-log-group --log-group-name CloudTrail/management-events")
    );
}

#[tokio::test]
async fn trails_are_checked_in_their_home_regions() {
    let rig = Rig::new().await;
    let (main, _) = rig
        .healthy_trail("management-events", "us-east-1", true)
        .await;
    let (eu, eu_bucket) = rig.healthy_trail("eu-data", "eu-west-1", false).await;
    let (ap, _) = rig.healthy_trail("ap-data", "ap-southeast-2", false).await;
    rig.stop_logging(&eu).await;
    rig.s3("eu-west-1")
        .delete_bucket_policy()
        .bucket(&eu_bucket)
        .send()
        .await
        .unwrap();

    let outcome = rig.schedule().await;

    assert_eq!(outcome.trails_checked, 3, "{outcome:#?}");
    assert!(kinds(&outcome, &main).is_empty());
    assert!(kinds(&outcome, &ap).is_empty());
    assert_eq!(
        kinds(&outcome, &eu),
        vec![
            CauseKind::LoggingStopped,
            CauseKind::BucketPolicyAclCheck,
            CauseKind::BucketPolicyWrite
        ]
    );
    let report = outcome.trails.iter().find(|t| t.trail_arn == eu).unwrap();
    assert_eq!(report.home_region, "eu-west-1");
    assert_eq!(report.verdict, Verdict::RepairedVerified, "{report:#?}");
    assert!(rig.is_logging(&eu, "eu-west-1").await);
    assert!(rig.policy(&eu_bucket).await.is_some());
    assert!(outcome.account.is_empty(), "a multi-region trail exists");
}

#[tokio::test]
async fn deleting_the_only_multi_region_trail_raises_account_alerts() {
    let rig = Rig::new().await;
    let (_, _) = rig.healthy_trail("regional", "us-east-1", false).await;
    let (arn, _) = rig
        .healthy_trail("management-events", "us-east-1", true)
        .await;
    rig.cloudtrail("us-east-1")
        .delete_trail()
        .name("management-events")
        .send()
        .await
        .unwrap();

    let outcome = rig
        .invoke(rig.event("delete-trail.json", &[]))
        .await
        .unwrap();

    let account: Vec<CauseKind> = outcome.account.iter().map(|c| c.kind).collect();
    assert_eq!(
        account,
        vec![CauseKind::NoMultiRegionTrail, CauseKind::TrailMissing],
        "{outcome:#?}"
    );
    assert!(
        outcome.trails.is_empty(),
        "{arn} is gone; nothing else was named"
    );
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    let body = alerts[0]["Message"].as_str().unwrap();
    assert!(body.contains("DeleteTrail by arn:aws:iam::"), "{body}");
    assert!(body.contains("--is-multi-region-trail"), "{body}");
}

#[tokio::test]
async fn event_selectors_without_management_events_are_found() {
    let rig = Rig::new().await;
    let (arn, _) = rig
        .healthy_trail("management-events", "us-east-1", true)
        .await;
    rig.cloudtrail("us-east-1")
        .put_event_selectors()
        .trail_name(&arn)
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(false)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let outcome = rig
        .invoke(rig.event("put-event-selectors.json", &[]))
        .await
        .unwrap();

    assert_eq!(
        kinds(&outcome, &arn),
        vec![CauseKind::ManagementEventsExcluded]
    );
    assert_eq!(outcome.trails[0].verdict, Verdict::NeedsAPerson);
}

#[tokio::test]
async fn organization_trail_gets_the_organization_write_statement() {
    let rig = Rig::new().await;
    let org = aws_sdk_organizations::Client::new(&rig.sdk)
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap()
        .organization
        .unwrap()
        .id
        .unwrap();
    let bucket = rig.bucket_name("org-logs");
    rig.create_bucket(&bucket, "us-east-1").await;
    let arn = rig.trail_arn("org-trail", "us-east-1");
    rig.put_policy(
        &bucket,
        &json!({"Statement": rig.good_statements(&bucket, &arn, None)}),
    )
    .await;
    rig.create_trail("org-trail", "us-east-1", &bucket, |t| {
        t.is_multi_region_trail(true).is_organization_trail(true)
    })
    .await;

    let outcome = rig.schedule().await;

    assert_eq!(kinds(&outcome, &arn), vec![CauseKind::BucketPolicyOrgWrite]);
    assert_eq!(
        outcome.trails[0].verdict,
        Verdict::RepairedVerified,
        "{outcome:#?}"
    );
    let policy = rig.policy(&bucket).await.unwrap();
    let last = policy["Statement"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["Resource"],
        format!("arn:aws:s3:::{bucket}/AWSLogs/{org}/*")
    );
}

#[tokio::test]
async fn bucket_of_another_account_is_never_changed() {
    let owner = Rig::new().await;
    let bucket = owner.bucket_name("central-logs");
    owner.create_bucket(&bucket, "us-east-1").await;
    let owner_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "OwnerOnly", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{}:root", owner.account)},
         "Action": "s3:*", "Resource": format!("arn:aws:s3:::{bucket}/*")}]});
    owner.put_policy(&bucket, &owner_policy).await;

    let rig = Rig::new().await;
    let arn = rig
        .create_trail("main", "us-east-1", &bucket, |t| {
            t.is_multi_region_trail(true)
        })
        .await;
    rig.set_status(&arn, json!({"LatestDeliveryError": "AccessDenied"}));

    let outcome = rig.schedule().await;

    assert_eq!(kinds(&outcome, &arn), vec![CauseKind::BucketNotOwned]);
    assert!(outcome.trails[0].causes[0].repairs.is_empty());
    assert_eq!(owner.policy(&bucket).await.unwrap(), owner_policy);
}

#[tokio::test]
async fn events_about_other_resources_are_ignored() {
    let rig = Rig::new().await;
    let (arn, bucket) = rig
        .healthy_trail("management-events", "us-east-1", true)
        .await;
    let other = rig.bucket_name("website-assets");
    rig.create_bucket(&other, "us-east-1").await;
    // Another account's key being disabled is not this trail's key either, even when its key
    // id is the same as that of the trail's key.
    let key = rig.create_key("us-east-1", true, true).await;
    rig.encrypt_trail(&arn, &bucket, &key).await;
    let policy_before = rig.policy(&bucket).await;
    let other_account = vigil_tests::harness::Moto::new_account();
    assert_ne!(other_account, rig.account);
    let foreign = format!("arn:aws:kms:us-east-1:{other_account}:key/{}", key_id(&key));
    let example_key = format!("arn:aws:kms:us-east-1:{}:key/{EXAMPLE_KEY_ID}", rig.account);
    let foreign_disable = rig.event(
        "disable-key.json",
        &[
            (example_key.as_str(), foreign.as_str()),
            (&format!("\"{EXAMPLE_KEY_ID}\""), &format!("\"{foreign}\"")),
        ],
    );
    assert_eq!(
        foreign_disable["detail"]["requestParameters"]["keyId"],
        foreign
    );

    for (file, event, says) in [
        (
            "unrelated-bucket-policy.json",
            rig.event("unrelated-bucket-policy.json", &[]),
            "is not used by any",
        ),
        (
            "unrelated-call.json",
            rig.event("unrelated-call.json", &[]),
            "cannot stop CloudTrail log delivery",
        ),
        (
            "failed-stop-logging.json",
            rig.event("failed-stop-logging.json", &[]),
            "changed nothing",
        ),
        (
            "disable-key.json (another account's key)",
            foreign_disable,
            "is not used by any",
        ),
    ] {
        let outcome = rig.invoke(event).await.unwrap();
        let reason = outcome
            .ignored
            .as_deref()
            .unwrap_or_else(|| panic!("{file}: {outcome:#?}"));
        assert!(reason.contains(says), "{file}: {reason}");
        assert_eq!(outcome.trails_checked, 0);
    }

    assert!(rig.alerts().is_empty());
    assert!(rig.is_logging(&arn, "us-east-1").await);
    assert_eq!(rig.policy(&bucket).await, policy_before);
}

#[tokio::test]
async fn malformed_events_are_clear_errors() {
    let rig = Rig::new().await;
    for (file, says) in [
        (
            "invalid-foreign-event.json",
            "detail-type \"GuardDuty Finding\" is not one this function takes",
        ),
        (
            "invalid-malformed.json",
            "detail is missing or not an object",
        ),
        (
            "invalid-missing-trail-name.json",
            "StopLogging event has no requestParameters.name",
        ),
    ] {
        let err = rig.invoke(rig.event(file, &[])).await.unwrap_err();
        assert!(matches!(err, Error::MalformedEvent(_)), "{file}: {err:?}");
        assert!(err.to_string().contains(says), "{file}: {err}");
        let diagnostic: lambda_runtime::Diagnostic = err.into();
        assert_eq!(diagnostic.error_type, "Vigil.Fatal.MalformedEvent");
    }
    // Each refusal is also told to a person, as every failed invocation is: no retry can help,
    // so the severity is high (a rule or a caller sends wrong events).
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 3, "{alerts:#?}");
    for alert in alerts {
        assert_eq!(
            alert["Subject"],
            "[Vigil HIGH] CloudTrail delivery check failed: MalformedEvent"
        );
        assert!(
            alert["Message"]
                .as_str()
                .unwrap()
                .contains("retry can help")
        );
    }
}

/// A trail whose bucket has no policy, with CloudTrail reporting AccessDenied; the scheduled
/// check adds the statements, and CloudTrail keeps reporting the AccessDenied of its attempt
/// before the repair until it delivers again. Returns the trail ARN and the alert it sent.
async fn repaired_bucket_policy(rig: &Rig) -> (String, Value) {
    // The bucket and trail the sample events name.
    let bucket = rig.bucket_name("vigil-trail-logs");
    rig.create_bucket(&bucket, "us-east-1").await;
    let arn = rig
        .create_trail("management-events", "us-east-1", &bucket, |t| {
            t.is_multi_region_trail(true)
        })
        .await;
    rig.set_status(&arn, Rig::access_denied_status());
    let repaired = rig.schedule().await;
    assert_eq!(repaired.trails[0].verdict, Verdict::RepairedVerified);
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    (arn, alerts[0].clone())
}

async fn awaited(rig: &Rig, arn: &str) -> Awaiting {
    rig.store()
        .get::<Awaiting>(&awaiting_key(&rig.account, arn), Utc::now())
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The state key the function keeps a trail's repairs awaiting confirmation under.
fn awaiting_key(account: &str, arn: &str) -> String {
    let name = arn.rsplit('/').next().unwrap();
    format!("cloudtrail-delivery/awaiting/{account}/us-east-1/{name}")
}

#[tokio::test]
async fn the_event_of_its_own_repair_is_not_a_second_alert_while_cloudtrail_catches_up() {
    let rig = Rig::new().await;
    let (arn, first) = repaired_bucket_policy(&rig).await;
    assert_eq!(
        first["MessageAttributes"]["verdict"]["Value"],
        "repaired-verified"
    );
    let record = awaited(&rig, &arn).await;
    assert_eq!(record.entries.len(), 2, "delivery and digest: {record:#?}");

    // The PutBucketPolicy event the repair caused comes back; GetTrailStatus still shows the
    // AccessDenied of CloudTrail's attempt before the repair.
    let outcome = rig
        .invoke(rig.event("put-bucket-policy-by-vigil.json", &[]))
        .await
        .unwrap();
    let trail = &outcome.trails[0];
    assert_eq!(trail.verdict, Verdict::AwaitingConfirmation, "{trail:#?}");
    assert_eq!(
        kinds(&outcome, &arn),
        vec![CauseKind::DeliveryFailing, CauseKind::DigestDeliveryFailing]
    );
    assert!(trail.causes.iter().all(|c| c.awaiting && !c.resolved));
    assert_eq!(outcome.alerts_sent, 0);
    assert_eq!(
        rig.alerts().len(),
        1,
        "no second alert: {:#?}",
        rig.alerts()
    );

    // CloudTrail delivers: the next check is healthy and forgets what it awaited.
    rig.set_status(&arn, Rig::delivered_status());
    let healthy = rig.schedule().await;
    assert_eq!(healthy.trails_healthy, 1, "{healthy:#?}");
    assert_eq!(rig.alerts().len(), 1);
    assert!(awaited(&rig, &arn).await.entries.is_empty());
}

#[tokio::test]
async fn a_status_error_that_outlasts_the_wait_alerts_once_that_the_repair_did_not_take() {
    let rig = Rig::new().await;
    let (arn, _) = repaired_bucket_policy(&rig).await;
    // The wait is over (as if VIGIL_TRAIL_CONFIRM_MINUTES had passed) and CloudTrail still
    // reports AccessDenied.
    let mut record = awaited(&rig, &arn).await;
    let past = Utc::now() - chrono::Duration::minutes(1);
    for entry in record.entries.values_mut() {
        entry.repaired_at = past - chrono::Duration::minutes(90);
        entry.until = past;
    }
    rig.store()
        .put(
            &awaiting_key(&rig.account, &arn),
            &record,
            Utc::now(),
            chrono::Duration::hours(1),
        )
        .await
        .unwrap();

    let overdue = rig
        .invoke(rig.event("put-bucket-policy-by-vigil.json", &[]))
        .await
        .unwrap();
    assert_eq!(overdue.trails[0].verdict, Verdict::NeedsAPerson);
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    assert!(alerts[1]["Subject"].as_str().unwrap().contains("HIGH"));
    let body = alerts[1]["Message"].as_str().unwrap();
    assert!(body.contains("the repair did not take"), "{body}");

    // Reported once as overdue: from now on it is an ordinary open cause.
    assert!(awaited(&rig, &arn).await.entries.is_empty());
    rig.schedule().await;
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 3);
    assert!(
        !alerts[2]["Message"]
            .as_str()
            .unwrap()
            .contains("did not take")
    );
}
