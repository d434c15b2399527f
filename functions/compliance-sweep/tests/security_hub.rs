//! The Security Hub export over real HTTP, against the emulator's Security Hub (moto's, with
//! tests/emulator/patches/securityhub.py: ASFF's required attributes checked on import as AWS
//! checks them, BatchUpdateFindings, and rejections on request). One resource's finding is one
//! Security Hub finding across nights; a fixed one is PASSED and RESOLVED, a muted one
//! SUPPRESSED with its reason; a rejected finding is sent again, and one still rejected is
//! named; a refused export loses no evidence.

mod rig;

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{ComplianceStatus, RecordState, WorkflowStatus};
use compliance_sweep::checks::{Finding, Status};
use compliance_sweep::handler::answer_request;
use serde_json::{Value, json};
use vigil_tests::harness::harness;

const MUTE_LIST: &str = "/vigil/sweep/mute-list";

async fn sweep(deps: &compliance_sweep::Deps) -> (Value, Vec<Finding>) {
    let answered = answer_request(&json!({"action": "sweep"}), None, deps, &|_, _| {})
        .await
        .expect("the sweep runs");
    (
        serde_json::to_value(&answered.answer).unwrap(),
        answered.findings,
    )
}

fn hub(account: &rig::Account) -> aws_sdk_securityhub::Client {
    aws_sdk_securityhub::Client::new(&account.sdk)
}

/// Every finding in the account's Security Hub, by id.
async fn hub_findings(
    account: &rig::Account,
) -> BTreeMap<String, aws_sdk_securityhub::types::AwsSecurityFinding> {
    let mut out = BTreeMap::new();
    let mut pages = hub(account)
        .get_findings()
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for f in page
            .expect("GetFindings answers")
            .findings
            .unwrap_or_default()
        {
            let id = f.id.clone().expect("every finding has an id");
            assert!(out.insert(id.clone(), f).is_none(), "{id} twice");
        }
    }
    out
}

fn id(findings: &[Finding], check: &str, resource: &str) -> String {
    let f = findings
        .iter()
        .find(|f| f.check == check && f.resource == resource)
        .unwrap_or_else(|| panic!("no {check} finding on {resource}"));
    compliance_sweep::report::asff::finding_id(f)
}

fn open(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Error | Status::Muted))
        .count()
}

async fn account_with_mute_list() -> rig::Account {
    let account = rig::insecure().await;
    let document = json!({"version": 1, "entries": [
        {"check": "S3-02", "resource": account.a("open-bucket"), "region": "us-east-1",
         "reason": "test fixture bucket, reviewed in SEC-1", "owner": "web-team", "expires": "2999-12-31"}
    ]});
    aws_sdk_ssm::Client::new(&account.sdk)
        .put_parameter()
        .name(MUTE_LIST)
        .value(document.to_string())
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    hub(&account).enable_security_hub().send().await.unwrap();
    account
}

#[tokio::test]
async fn one_finding_per_resource_follows_it_night_after_night() {
    let account = account_with_mute_list().await;
    let dir = tempfile::tempdir().unwrap();
    let deps = account.deps(
        dir.path(),
        &[
            ("VIGIL_SWEEP_SERVICES", "kms,s3"),
            ("VIGIL_SWEEP_MUTE_LIST", &format!("ssm:{MUTE_LIST}")),
            ("VIGIL_SWEEP_SECURITY_HUB", "true"),
        ],
    );

    let (first, findings) = sweep(&deps).await;
    let exported = &first["security_hub"];
    assert_eq!(exported["failed_count"], 0, "{exported}");
    assert_eq!(exported["imported"], open(&findings), "{exported}");
    assert_eq!(
        exported["product_arn"],
        format!(
            "arn:aws:securityhub:us-east-1:{}:product/{}/default",
            account.id, account.id
        )
    );
    let hub1 = hub_findings(&account).await;
    assert_eq!(
        hub1.len(),
        open(&findings),
        "FAIL, ERROR and MUTED findings only: no pass is sent on the first night"
    );
    let norotate = id(&findings, "KMS-01", account.a("norotate-key"));
    let good = id(&findings, "KMS-01", account.a("good-key"));
    let muted = id(&findings, "S3-02", account.a("open-bucket"));
    assert!(!hub1.contains_key(&good), "good-key passes: not sent");
    let f = &hub1[&norotate];
    assert_eq!(
        f.compliance.as_ref().unwrap().status,
        Some(ComplianceStatus::Failed)
    );
    assert_eq!(f.aws_account_id.as_deref(), Some(account.id.as_str()));
    assert_eq!(
        f.resources()[0].id.as_deref(),
        Some(account.a("norotate-key"))
    );
    assert_eq!(f.resources()[0].r#type.as_deref(), Some("AwsKmsKey"));
    assert!(
        f.compliance
            .as_ref()
            .unwrap()
            .related_requirements()
            .iter()
            .any(|r| r.starts_with("CIS AWS Foundations Benchmark v")),
        "{f:?}"
    );
    let m = &hub1[&muted];
    assert_eq!(
        m.workflow.as_ref().and_then(|w| w.status.clone()),
        Some(WorkflowStatus::Suppressed)
    );
    assert!(
        m.note
            .as_ref()
            .and_then(|n| n.text.as_deref())
            .unwrap()
            .contains("test fixture bucket, reviewed in SEC-1"),
        "{m:?}"
    );
    assert_eq!(
        m.compliance.as_ref().unwrap().status,
        Some(ComplianceStatus::Failed),
        "a muted finding still fails its control"
    );

    // One key fixed, one broken.
    let kms = aws_sdk_kms::Client::new(&account.sdk);
    kms.enable_key_rotation()
        .key_id(account.a("norotate-key"))
        .send()
        .await
        .unwrap();
    kms.disable_key_rotation()
        .key_id(account.a("good-key"))
        .send()
        .await
        .unwrap();
    let (second, findings2) = sweep(&deps).await;
    assert_eq!(second["security_hub"]["failed_count"], 0, "{second}");
    let hub2 = hub_findings(&account).await;
    let fixed = &hub2[&norotate];
    assert_eq!(
        fixed.compliance.as_ref().unwrap().status,
        Some(ComplianceStatus::Passed)
    );
    assert_eq!(
        fixed.workflow.as_ref().and_then(|w| w.status.clone()),
        Some(WorkflowStatus::Resolved)
    );
    let broken = &hub2[&good];
    assert_eq!(
        broken.compliance.as_ref().unwrap().status,
        Some(ComplianceStatus::Failed)
    );
    assert_eq!(broken.record_state, Some(RecordState::Active));
    let new_ids: Vec<&String> = hub2.keys().filter(|k| !hub1.contains_key(*k)).collect();
    assert!(
        new_ids.contains(&&good),
        "the broken key's finding is new: {new_ids:?}"
    );
    assert_eq!(
        hub2.len(),
        hub1.len() + new_ids.len(),
        "updated in place, never duplicated"
    );
    let open_now: Vec<String> = findings2
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Error | Status::Muted))
        .map(compliance_sweep::report::asff::finding_id)
        .collect();
    for id in &open_now {
        let f = hub2
            .get(id)
            .unwrap_or_else(|| panic!("{id} is open and not in Security Hub"));
        assert_ne!(
            f.compliance.as_ref().unwrap().status,
            Some(ComplianceStatus::Passed),
            "{id}"
        );
    }
    let closed: Vec<&String> = hub2.keys().filter(|k| !open_now.contains(k)).collect();
    assert!(closed.contains(&&norotate), "{closed:?}");
    for id in closed {
        let f = &hub2[id];
        let resolved = f.compliance.as_ref().unwrap().status == Some(ComplianceStatus::Passed)
            && f.workflow.as_ref().and_then(|w| w.status.clone()) == Some(WorkflowStatus::Resolved);
        let archived = f.record_state == Some(RecordState::Archived);
        assert!(
            resolved || archived,
            "{id} is neither open, resolved nor archived: {f:?}"
        );
    }
}

#[tokio::test]
async fn a_rejected_finding_is_sent_again_and_one_still_rejected_is_named() {
    let account = account_with_mute_list().await;
    let dir = tempfile::tempdir().unwrap();
    let overrides = [
        ("VIGIL_SWEEP_SERVICES", "kms"),
        ("VIGIL_SWEEP_SECURITY_HUB", "true"),
    ];
    let deps = account.deps(dir.path(), &overrides);
    // The ids are stable: learn them from a run without the export.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = account.deps(plain_dir.path(), &[("VIGIL_SWEEP_SERVICES", "kms")]);
    let (_, findings) = sweep(&plain).await;
    let once = id(&findings, "KMS-01", account.a("norotate-key"));
    let always = id(&findings, "KMS-02", account.a("slow-key"));
    let moto = &harness().moto;
    moto.reject_security_hub_findings(std::slice::from_ref(&once), 1, "InternalException");
    moto.reject_security_hub_findings(std::slice::from_ref(&always), 9, "InvalidInput");

    let (answer, findings) = sweep(&deps).await;
    let exported = &answer["security_hub"];
    assert_eq!(
        exported["retried"], 3,
        "once: 1; always: 2 retries: {exported}"
    );
    assert_eq!(exported["failed_count"], 1, "{exported}");
    assert_eq!(exported["failed"][0]["id"], always.as_str());
    assert_eq!(exported["failed"][0]["code"], "InvalidInput");
    assert_eq!(exported["imported"], open(&findings) - 1, "{exported}");
    let in_hub = hub_findings(&account).await;
    assert!(in_hub.contains_key(&once), "taken on the second attempt");
    assert!(!in_hub.contains_key(&always));
    let alert = moto
        .published_sns_messages(&account.id)
        .into_iter()
        .find(|m| m["MessageAttributes"]["kind"]["Value"] == "security-hub")
        .expect("one alert names what did not reach Security Hub");
    assert!(
        alert["Message"].as_str().unwrap().contains(&always),
        "{alert}"
    );
}

#[tokio::test]
async fn a_refused_export_names_why_and_loses_no_evidence() {
    let account = account_with_mute_list().await;
    let dir = tempfile::tempdir().unwrap();
    let deps = account.deps(
        dir.path(),
        &[
            ("VIGIL_SWEEP_SERVICES", "kms"),
            ("VIGIL_SWEEP_SECURITY_HUB", "true"),
        ],
    );
    let moto = &harness().moto;
    moto.deny(&account.id, &["securityhub:BatchImportFindings"]);
    let (answer, findings) = sweep(&deps).await;
    moto.deny(&account.id, &[]);
    let exported = &answer["security_hub"];
    assert_eq!(exported["imported"], 0, "{exported}");
    assert_eq!(
        exported["calls"], 1,
        "stopped after the first refusal: {exported}"
    );
    assert_eq!(exported["failed_count"], open(&findings), "{exported}");
    let error = exported["error"].as_str().unwrap();
    assert!(
        error.contains("securityhub:BatchImportFindings access denied"),
        "{error}"
    );
    assert!(
        error.contains("SweepSecurityHubExport"),
        "says how to turn it off: {error}"
    );
    assert!(
        answer["location"].as_str().is_some_and(|l| !l.is_empty()),
        "the bundle was stored before the export: {answer}"
    );
    assert!(hub_findings(&account).await.is_empty());
}

/// The emulator's import checks what AWS checks, so the tests above prove Vigil's findings
/// carry every required ASFF attribute: a finding without one is rejected.
#[tokio::test]
async fn the_emulator_rejects_a_finding_without_a_required_attribute() {
    let account = rig::account(rig::Spec::baseline).await;
    let target = compliance_sweep::report::asff::Target::new(&account.id, "us-east-1");
    let finding = |title: Option<&str>| {
        aws_sdk_securityhub::types::AwsSecurityFinding::builder()
            .schema_version("2018-10-08")
            .id("probe")
            .product_arn(target.product_arn())
            .generator_id("probe")
            .aws_account_id(&account.id)
            .types("Software and Configuration Checks")
            .created_at("2026-12-03T00:00:00.000Z")
            .updated_at("2026-12-03T00:00:00.000Z")
            .severity(
                aws_sdk_securityhub::types::Severity::builder()
                    .label(aws_sdk_securityhub::types::SeverityLabel::Low)
                    .build(),
            )
            .set_title(title.map(str::to_owned))
            .description("probe")
            .resources(
                aws_sdk_securityhub::types::Resource::builder()
                    .r#type("Other")
                    .id("probe")
                    .build(),
            )
            .build()
    };
    let answer = |f| async {
        hub(&account)
            .batch_import_findings()
            .findings(f)
            .send()
            .await
            .unwrap()
    };
    let without = answer(finding(None)).await;
    assert_eq!(without.failed_count, Some(1));
    assert!(
        without.failed_findings()[0]
            .error_message()
            .unwrap()
            .contains("Title"),
        "{without:?}"
    );
    assert_eq!(answer(finding(Some("t"))).await.failed_count, Some(0));
}
