//! detector-guard against the emulator: each trigger event, each diagnosis and repair, what it
//! never touches, and replays that change nothing.

mod rig;

use detector_guard::diagnose::CauseKind;
use detector_guard::report::{CauseStatus, Outcome, RepairStatus, Verdict};
use rig::{REGION, Rig};
use serde_json::json;

fn region(outcome: &Outcome) -> &detector_guard::report::RegionReport {
    outcome
        .regions
        .iter()
        .find(|r| r.region == REGION)
        .expect("the Region was checked")
}

fn kinds(outcome: &Outcome) -> Vec<CauseKind> {
    region(outcome).causes.iter().map(|c| c.kind).collect()
}

#[tokio::test]
async fn a_healthy_account_is_checked_quietly() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    let outcome = rig.check(&deps, "schedule").await;
    assert_eq!(region(&outcome).verdict, Verdict::Healthy, "{outcome:#?}");
    assert_eq!(outcome.regions_healthy, 1);
    assert!(rig.alerts().is_empty());
}

#[tokio::test]
async fn a_suspended_detector_is_enabled_read_back_and_told_once() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    let id = rig.seeded_ref().detector_id.clone();
    rig.gd()
        .update_detector()
        .detector_id(&id)
        .enable(false)
        .send()
        .await
        .unwrap();
    let outcome = rig.check(&deps, "update-detector-disabled").await;
    let r = region(&outcome);
    assert_eq!(r.verdict, Verdict::RepairedVerified, "{r:#?}");
    assert_eq!(r.causes[0].kind, CauseKind::DetectorDisabled);
    assert_eq!(r.causes[0].repairs[0].status, RepairStatus::Done);
    let detector = rig.detector().await.unwrap();
    assert_eq!(detector.status().unwrap().as_str(), "ENABLED");
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0]
            .0
            .starts_with("[Vigil MEDIUM] GuardDuty us-east-1: 1 problem - repaired-verified"),
        "{}",
        alerts[0].0
    );
    assert!(
        alerts[0].1.contains("UpdateDetector by arn:aws:iam::"),
        "{}",
        alerts[0].1
    );

    // The replay (the event of the guard's own repair, or EventBridge delivering twice)
    // changes nothing and tells nobody.
    let again = rig.check(&deps, "update-detector-disabled").await;
    assert_eq!(region(&again).verdict, Verdict::Healthy);
    assert_eq!(rig.alerts().len(), 1);
}

#[tokio::test]
async fn a_deleted_detector_is_recreated_with_every_plan_named_and_its_export_restored() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    let old = rig.seeded_ref().detector_id.clone();
    rig.gd()
        .delete_detector()
        .detector_id(&old)
        .send()
        .await
        .unwrap();
    let outcome = rig.check(&deps, "delete-detector").await;
    let r = region(&outcome);
    assert_eq!(r.verdict, Verdict::RepairedVerified, "{r:#?}");
    assert!(kinds(&outcome).contains(&CauseKind::DetectorMissing));
    assert!(
        kinds(&outcome).contains(&CauseKind::ExportMissing),
        "the second round: {:?}",
        kinds(&outcome)
    );

    let detector = rig.detector().await.expect("a detector again");
    assert_eq!(detector.status().unwrap().as_str(), "ENABLED");
    // The emulator, like AWS, turns on every plan a CreateDetector leaves out: these are
    // DISABLED only because the guard named them.
    for plan in [
        "S3_DATA_EVENTS",
        "EKS_AUDIT_LOGS",
        "EBS_MALWARE_PROTECTION",
        "RDS_LOGIN_EVENTS",
        "LAMBDA_NETWORK_LOGS",
        "RUNTIME_MONITORING",
        "AI_PROTECTION",
    ] {
        assert_eq!(
            Rig::feature(&detector, plan).as_deref(),
            Some("DISABLED"),
            "{plan}"
        );
    }
    let new = rig.detector_id().await.unwrap();
    let destinations = rig
        .gd()
        .list_publishing_destinations()
        .detector_id(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(destinations.destinations().len(), 1, "the export is back");
    // The new detector's statements were added next to the old ones, nothing removed.
    let policy = rig.bucket_policy(&rig.seeded_ref().bucket).await;
    let text = policy.to_string();
    assert!(text.contains(&format!("detector/{new}")) && text.contains(&format!("detector/{old}")));
    assert!(text.contains("DenyInsecureTransport"));
    let key_policy = rig.key_policy(&rig.seeded_ref().key_arn).await.to_string();
    assert!(
        key_policy.contains(&format!("detector/{new}")),
        "{key_policy}"
    );
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].1.contains("deleted by arn:aws:iam::"));
}

#[tokio::test]
async fn required_plans_and_frequency_are_restored_without_touching_other_plans() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[(
        "VIGIL_GUARDDUTY_REQUIRED_PLANS",
        "S3_DATA_EVENTS,RDS_LOGIN_EVENTS",
    )]);
    let id = rig.seeded_ref().detector_id.clone();
    rig.gd()
        .update_detector()
        .detector_id(&id)
        .finding_publishing_frequency(
            aws_sdk_guardduty::types::FindingPublishingFrequency::SixHours,
        )
        .send()
        .await
        .unwrap();
    let outcome = rig.check(&deps, "update-detector-features-off").await;
    assert_eq!(
        kinds(&outcome),
        vec![CauseKind::PlansDisabled, CauseKind::FrequencyChanged]
    );
    assert_eq!(region(&outcome).verdict, Verdict::RepairedVerified);
    let detector = rig.detector().await.unwrap();
    assert_eq!(
        Rig::feature(&detector, "S3_DATA_EVENTS").as_deref(),
        Some("ENABLED")
    );
    assert_eq!(
        Rig::feature(&detector, "RDS_LOGIN_EVENTS").as_deref(),
        Some("ENABLED")
    );
    assert_eq!(
        Rig::feature(&detector, "RUNTIME_MONITORING").as_deref(),
        Some("DISABLED"),
        "untouched"
    );
    assert_eq!(
        detector.finding_publishing_frequency().unwrap().as_str(),
        "FIFTEEN_MINUTES"
    );
    let again = rig.check(&deps, "update-detector-frequency").await;
    assert_eq!(region(&again).verdict, Verdict::Healthy);
}

/// The defect fixed with `vigil::state`: after the guard's own bucket-policy repair, the
/// PutBucketPolicy event it caused comes back while GuardDuty still reports the failed export.
/// One alert for the repair; none for the echo; one if GuardDuty never confirms.
#[tokio::test]
async fn a_policy_repair_is_alerted_once_while_guardduty_catches_up() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    let s = rig.seeded_ref().clone();
    rig.put_bucket_policy(&s.bucket, vec![rig.tls_only(&s.bucket)])
        .await;
    rig.set_destination_status(
        "UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY",
        1_710_490_951_000,
    );

    let first = rig.check(&deps, "put-bucket-policy").await;
    let r = region(&first);
    assert_eq!(r.verdict, Verdict::AwaitingConfirmation, "{r:#?}");
    let by_kind = |o: &Outcome, k| {
        region(o)
            .causes
            .iter()
            .find(|c| c.kind == k)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_kind(&first, CauseKind::ExportBucketPolicyLacksStatement).status,
        CauseStatus::Resolved
    );
    assert_eq!(
        by_kind(&first, CauseKind::ExportNotPublishing).status,
        CauseStatus::Awaiting
    );
    let policy = rig.bucket_policy(&s.bucket).await.to_string();
    assert!(policy.contains("AllowGuardDutyPutObject") && policy.contains("DenyInsecureTransport"));
    assert_eq!(rig.alerts().len(), 1);

    // The echo of the guard's own PutBucketPolicy, and the next scheduled check.
    let echo = rig.check(&deps, "put-bucket-policy").await;
    assert_eq!(region(&echo).verdict, Verdict::AwaitingConfirmation);
    rig.check(&deps, "schedule").await;
    assert_eq!(
        rig.alerts().len(),
        1,
        "no second alert while GuardDuty catches up"
    );

    // GuardDuty confirms: healthy, and the state is forgotten.
    rig.set_destination_status("PUBLISHING", 0);
    let confirmed = rig.check(&deps, "schedule").await;
    assert_eq!(region(&confirmed).verdict, Verdict::Healthy);
    assert_eq!(rig.alerts().len(), 1);

    // A repair GuardDuty never confirms is alerted once the wait is over.
    let quick = rig.deps(&[("VIGIL_GUARD_CONFIRM_MINUTES", "1")]);
    rig.put_bucket_policy(&s.bucket, vec![rig.tls_only(&s.bucket)])
        .await;
    rig.set_destination_status(
        "UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY",
        1_710_490_951_000,
    );
    rig.check(&quick, "put-bucket-policy").await;
    assert_eq!(rig.alerts().len(), 2);
    let store = rig.store();
    let mut awaiting: vigil::state::Awaiting = store
        .get("detector-guard/awaiting/us-east-1", chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    for entry in awaiting.entries.values_mut() {
        entry.until = chrono::Utc::now() - chrono::Duration::seconds(1);
    }
    store
        .put(
            "detector-guard/awaiting/us-east-1",
            &awaiting,
            chrono::Utc::now(),
            chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    let overdue = rig.check(&quick, "schedule").await;
    assert_eq!(
        by_kind(&overdue, CauseKind::ExportNotPublishing).status,
        CauseStatus::Overdue
    );
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 3);
    assert!(alerts[2].0.starts_with("[Vigil HIGH]"), "{}", alerts[2].0);
    assert!(alerts[2].1.contains("the repair did not take"));
}

#[tokio::test]
async fn the_export_key_is_rescued_and_its_policy_merged() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    let s = rig.seeded_ref().clone();
    rig.kms()
        .schedule_key_deletion()
        .key_id(&s.key_arn)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let outcome = rig.check(&deps, "disable-key").await;
    assert!(
        kinds(&outcome).contains(&CauseKind::ExportKeyPendingDeletion),
        "{:?}",
        kinds(&outcome)
    );
    assert_eq!(
        region(&outcome).verdict,
        Verdict::RepairedVerified,
        "{outcome:#?}"
    );
    let state = rig
        .kms()
        .describe_key()
        .key_id(&s.key_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        state.key_metadata.unwrap().key_state.unwrap().as_str(),
        "Enabled"
    );

    rig.kms()
        .put_key_policy()
        .key_id(&s.key_arn)
        .policy_name("default")
        .policy(rig.key_policy_with(None).to_string())
        .send()
        .await
        .unwrap();
    let outcome = rig.check(&deps, "put-key-policy").await;
    assert_eq!(kinds(&outcome), vec![CauseKind::ExportKeyPolicyLacksGrant]);
    assert_eq!(region(&outcome).verdict, Verdict::RepairedVerified);
    let policy = rig.key_policy(&s.key_arn).await;
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(
        statements[0]["Sid"], "AccountAdministration",
        "kept first, as written"
    );
    assert_eq!(statements.len(), 2);
}

#[tokio::test]
async fn a_deleted_or_redirected_export_comes_back_to_the_configured_bucket() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    let s = rig.seeded_ref().clone();
    rig.gd()
        .update_publishing_destination()
        .detector_id(&s.detector_id)
        .destination_id(&s.destination_id)
        .destination_properties(
            aws_sdk_guardduty::types::DestinationProperties::builder()
                .destination_arn("arn:aws:s3:::attacker-owned-bucket")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let outcome = rig.check(&deps, "update-publishing-destination").await;
    assert!(
        kinds(&outcome).contains(&CauseKind::ExportChanged),
        "{:?}",
        kinds(&outcome)
    );
    let back = rig
        .gd()
        .describe_publishing_destination()
        .detector_id(&s.detector_id)
        .destination_id(&s.destination_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        back.destination_properties().unwrap().destination_arn(),
        Some(format!("arn:aws:s3:::{}", s.bucket).as_str())
    );

    rig.gd()
        .delete_publishing_destination()
        .detector_id(&s.detector_id)
        .destination_id(&s.destination_id)
        .send()
        .await
        .unwrap();
    let outcome = rig.check(&deps, "delete-publishing-destination").await;
    assert_eq!(kinds(&outcome), vec![CauseKind::ExportMissing]);
    assert_eq!(region(&outcome).verdict, Verdict::RepairedVerified);
    let listed = rig
        .gd()
        .list_publishing_destinations()
        .detector_id(&s.detector_id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.destinations().len(), 1);
}

#[tokio::test]
async fn buckets_and_keys_the_stack_does_not_own_are_never_touched() {
    let mut rig = Rig::new().await;
    rig.seed().await;
    let s = rig.seeded_ref().clone();
    rig.s3()
        .delete_bucket_tagging()
        .bucket(&s.bucket)
        .send()
        .await
        .unwrap();
    rig.put_bucket_policy(&s.bucket, vec![rig.tls_only(&s.bucket)])
        .await;
    let deps = rig.deps(&[]);
    let outcome = rig.check(&deps, "put-bucket-policy").await;
    let r = region(&outcome);
    assert_eq!(r.verdict, Verdict::NeedsAPerson);
    let cause = r
        .causes
        .iter()
        .find(|c| c.kind == CauseKind::ExportBucketPolicyLacksStatement)
        .unwrap();
    assert_eq!(cause.repairs[0].status, RepairStatus::Skipped);
    assert!(
        cause.repairs[0].detail.contains("vigil:owner=vigil-test"),
        "{}",
        cause.repairs[0].detail
    );
    assert!(
        cause
            .steps
            .iter()
            .any(|s| s.contains("AllowGuardDutyPutObject"))
    );
    let policy = rig.bucket_policy(&s.bucket).await;
    assert_eq!(
        policy["Statement"].as_array().unwrap().len(),
        1,
        "untouched"
    );
    // Listed in the settings, it is the stack's.
    let listed = rig.deps(&[("VIGIL_GUARD_OWNED_BUCKETS", s.bucket.as_str())]);
    let outcome = rig.check(&listed, "put-bucket-policy").await;
    assert_eq!(region(&outcome).verdict, Verdict::RepairedVerified);
}

#[tokio::test]
async fn a_suppression_rule_is_reported_with_who_made_it_and_never_deleted() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    let id = rig.seeded_ref().detector_id.clone();
    rig.archive_high_findings(&id).await;
    let outcome = rig.check(&deps, "create-filter-archive").await;
    let r = region(&outcome);
    assert_eq!(kinds(&outcome), vec![CauseKind::SuppressionRule]);
    assert_eq!(r.verdict, Verdict::NeedsAPerson);
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].0.starts_with("[Vigil HIGH]"));
    let body = &alerts[0].1;
    for expected in [
        "hide-high-findings",
        "made by: CreateFilter by arn:aws:iam::",
        "user/mallory",
        &format!(
            "aws guardduty update-filter --detector-id {id} --filter-name hide-high-findings --action NOOP --region us-east-1"
        ),
        &format!("aws guardduty delete-filter --detector-id {id} --filter-name hide-high-findings"),
    ] {
        assert!(body.contains(expected), "{expected} missing from\n{body}");
    }
    let names = rig
        .gd()
        .list_filters()
        .detector_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        names.filter_names(),
        ["hide-high-findings"],
        "never deleted"
    );
    // Found by the schedule, the creator is not known: the step says how to look it up.
    let polled = rig.check(&deps, "schedule").await;
    let cause = &region(&polled).causes[0];
    assert!(
        cause
            .steps
            .iter()
            .any(|s| s.contains("AttributeValue=CreateFilter"))
    );
}

#[tokio::test]
async fn relationships_and_trusted_lists_are_reported_only() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[("VIGIL_GUARDDUTY_ADMINISTRATOR_ACCOUNT", "999988887777")]);
    let id = rig.seeded_ref().detector_id.clone();
    rig.set_relationships(
        &id,
        json!({"administrator": null,
        "members": [{"accountId": "210987654321", "relationshipStatus": "Disabled"}]}),
    );
    let outcome = rig.check(&deps, "disassociate-from-administrator").await;
    assert_eq!(
        kinds(&outcome),
        vec![
            CauseKind::AdministratorDetached,
            CauseKind::MembersNotMonitored
        ]
    );
    assert!(region(&outcome).causes.iter().all(|c| c.repairs.is_empty()));

    rig.set_relationships(&id, json!({"administrator": {"accountId": "999988887777", "relationshipStatus": "Enabled"}, "members": []}));
    let removed = rig.check(&deps, "delete-members").await;
    assert_eq!(kinds(&removed), vec![CauseKind::MembersRemoved]);
    let stopped = rig.check(&deps, "stop-monitoring-members").await;
    assert_eq!(region(&stopped).verdict, Verdict::Healthy);
    let trusted = rig.check(&deps, "create-ip-set").await;
    assert_eq!(kinds(&trusted), vec![CauseKind::TrustedIpSet]);
    assert_eq!(rig.alerts().len(), 3);
}

#[tokio::test]
async fn unrelated_failed_and_foreign_events_are_ignored_up_front() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[]);
    for case in ["unrelated-call", "failed-delete-detector"] {
        let outcome = rig.check(&deps, case).await;
        assert!(outcome.ignored.is_some(), "{case}");
        assert!(outcome.regions.is_empty());
    }
    let mut other_bucket = rig.event("put-bucket-policy");
    other_bucket["detail"]["requestParameters"]["bucketName"] = json!("someone-elses-logs");
    let outcome = rig.run(&deps, other_bucket).await.unwrap();
    assert!(
        outcome
            .ignored
            .unwrap()
            .contains("not a GuardDuty findings export bucket")
    );
    let err = rig
        .run(&deps, rig.event("invalid-foreign-event"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GuardDuty Finding"));
    assert!(rig.alerts().len() == 1, "the failed invocation alerts once");
}

#[tokio::test]
async fn every_enabled_region_is_checked_when_none_are_listed() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[
        ("VIGIL_GUARD_REGIONS", ""),
        ("VIGIL_GUARD_REPAIR_DETECTOR", "false"),
    ]);
    let outcome = rig.check(&deps, "schedule").await;
    assert!(outcome.regions_checked > 10, "{}", outcome.regions_checked);
    assert_eq!(region(&outcome).verdict, Verdict::Healthy);
    let other = outcome
        .regions
        .iter()
        .find(|r| r.region == "eu-west-1")
        .unwrap();
    assert_eq!(other.causes[0].kind, CauseKind::DetectorMissing);
    assert_eq!(other.causes[0].repairs[0].status, RepairStatus::Skipped);
}
