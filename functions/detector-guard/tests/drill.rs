//! Drills against the emulator: the happy path end to end (samples through EventBridge to the
//! responder's handler through a queue standing in for its Lambda target, its receipts, a signed
//! record the sweep can verify), and each broken link.

mod rig;

use std::collections::BTreeMap;
use std::time::Duration;

use detector_guard::report::DrillStatus;
use rig::Rig;
use serde_json::json;
use vigil::evidence::kms::Signer;
use vigil::state::drill::Pointer;

async fn object(rig: &Rig, bucket: &str, key: &str) -> Vec<u8> {
    rig.s3()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{key}: {e:?}"))
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes()
        .to_vec()
}

#[tokio::test]
async fn a_drill_proves_the_chain_and_leaves_a_signed_record() {
    let rig = Rig::seeded().await;
    let (queue, target) = rig.routing(None).await;
    let (bucket, key) = rig.evidence().await;
    let deps = rig.deps(&[
        ("VIGIL_DRILL_TARGET_ARN", target.as_str()),
        ("VIGIL_DRILL_WAIT_SECONDS", "0"),
        ("VIGIL_EVIDENCE_BUCKET", bucket.as_str()),
        ("VIGIL_EVIDENCE_KEY_ID", key.as_str()),
    ]);
    let started = rig.check(&deps, "drill").await;
    let drill = started.drill.unwrap();
    assert_eq!(drill.status, DrillStatus::Pending, "{drill:#?}");
    assert_eq!(drill.types.len(), 3);
    assert_eq!(
        rig.relay(&queue, true).await,
        3,
        "each sample reached the responder's queue"
    );

    let settled = rig.check(&deps, "schedule").await;
    let drill = settled.drill.unwrap();
    assert_eq!(drill.status, DrillStatus::Passed, "{drill:#?}");
    assert!(
        drill
            .legs
            .iter()
            .all(|l| l.latency_seconds.is_some() && l.finding_id.is_some())
    );
    let location = drill.record.unwrap();
    assert!(location.starts_with(&format!("s3://{bucket}/detector-guard/drills/drill-")));

    // The record is signed with the evidence key and verifies.
    let pointer: Pointer =
        serde_json::from_slice(&object(&rig, &bucket, "detector-guard/drills/latest.json").await)
            .unwrap();
    assert_eq!(pointer.drill_id, drill.id);
    let mut files = BTreeMap::new();
    for name in ["drill.json", "manifest.json", "manifest.sig.json"] {
        files.insert(
            name.to_owned(),
            object(&rig, &bucket, &format!("{}{name}", pointer.location)).await,
        );
    }
    let signer = Signer::new(rig.kms(), key);
    let (manifest, problems) = signer.verify_bundle(&files).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(manifest.unwrap().run_id, drill.id);
    let record: serde_json::Value = serde_json::from_slice(&files["drill.json"]).unwrap();
    assert_eq!(record["outcome"], "passed");
    // Only the sample findings' alerts: a passed drill raises none of its own.
    assert_eq!(rig.alerts().len(), 3);
    // Settled once: the next check has no drill to settle.
    assert!(rig.check(&deps, "schedule").await.drill.is_none());
}

#[tokio::test]
async fn no_routing_rule_fails_the_drill_at_routing_before_any_sample() {
    let rig = Rig::seeded().await;
    let deps = rig.deps(&[("VIGIL_DRILL_WAIT_SECONDS", "0")]);
    let outcome = rig.check(&deps, "drill").await;
    let drill = outcome.drill.unwrap();
    assert_eq!(drill.status, DrillStatus::Failed);
    assert_eq!(drill.broken_link.as_deref(), Some("routing"));
    assert!(
        drill
            .record_error
            .unwrap()
            .contains("VIGIL_EVIDENCE_BUCKET")
    );
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0]
            .0
            .starts_with("[Vigil HIGH] GuardDuty drill failed at routing"),
        "{}",
        alerts[0].0
    );

    // A rule that only takes Critical findings does not route the High ones either.
    let (_, target) = rig
        .routing(Some(
            json!({"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 9]}]}}),
        ))
        .await;
    let deps = rig.deps(&[
        ("VIGIL_DRILL_WAIT_SECONDS", "0"),
        ("VIGIL_DRILL_TARGET_ARN", target.as_str()),
    ]);
    let drill = rig.check(&deps, "drill").await.drill.unwrap();
    assert_eq!(drill.broken_link.as_deref(), Some("routing"));
}

#[tokio::test]
async fn a_responder_that_receives_nothing_fails_the_drill_at_delivery() {
    let rig = Rig::seeded().await;
    let (_queue, target) = rig.routing(None).await;
    let deps = rig.deps(&[
        ("VIGIL_DRILL_TARGET_ARN", target.as_str()),
        ("VIGIL_DRILL_WAIT_SECONDS", "0"),
        ("VIGIL_DRILL_DEADLINE_SECONDS", "1"),
    ]);
    assert_eq!(
        rig.check(&deps, "drill").await.drill.unwrap().status,
        DrillStatus::Pending
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let drill = rig.check(&deps, "schedule").await.drill.unwrap();
    assert_eq!(drill.status, DrillStatus::Failed);
    assert_eq!(drill.broken_link.as_deref(), Some("delivery"));
    assert!(drill.detail.contains("3 of 3"), "{}", drill.detail);
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].1.contains("not received by the responder"));
}

#[tokio::test]
async fn a_responder_whose_alert_fails_fails_the_drill_at_the_alert() {
    let rig = Rig::seeded().await;
    let (queue, target) = rig.routing(None).await;
    let deps = rig.deps(&[
        ("VIGIL_DRILL_TARGET_ARN", target.as_str()),
        ("VIGIL_DRILL_WAIT_SECONDS", "0"),
    ]);
    rig.check(&deps, "drill").await;
    rig.relay(&queue, false).await;
    let drill = rig.check(&deps, "schedule").await.drill.unwrap();
    assert_eq!(drill.status, DrillStatus::Failed);
    assert_eq!(drill.broken_link.as_deref(), Some("alert"));
    assert!(
        drill.detail.contains("alert failed") && drill.detail.contains("sns:Publish"),
        "{}",
        drill.detail
    );
}

#[tokio::test]
async fn a_suppression_rule_that_archives_high_findings_breaks_the_drill() {
    let rig = Rig::seeded().await;
    let (queue, target) = rig.routing(None).await;
    let id = rig.seeded_ref().detector_id.clone();
    rig.archive_high_findings(&id).await;
    let deps = rig.deps(&[
        ("VIGIL_DRILL_TARGET_ARN", target.as_str()),
        ("VIGIL_DRILL_WAIT_SECONDS", "0"),
        ("VIGIL_DRILL_DEADLINE_SECONDS", "1"),
    ]);
    rig.check(&deps, "drill").await;
    assert_eq!(
        rig.relay(&queue, true).await,
        0,
        "archived before EventBridge"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let outcome = rig.check(&deps, "schedule").await;
    assert_eq!(
        outcome.drill.unwrap().broken_link.as_deref(),
        Some("delivery")
    );
}
