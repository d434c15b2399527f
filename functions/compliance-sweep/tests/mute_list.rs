//! The mute list over real HTTP: read from SSM Parameter Store or S3, a matching FAIL stays in
//! the evidence as MUTED with its reason, an expired entry mutes nothing and the run says so
//! (answer, summary, alert), and an invalid document stops the sweep before anything is
//! swept, naming the entry.

mod rig;

use compliance_sweep::actions::bundle::FINDINGS;
use compliance_sweep::checks::Status;
use compliance_sweep::handler::handle_request;
use compliance_sweep::report::ocsf::findings_from_ocsf;
use serde_json::{Value, json};
use vigil_tests::harness::harness;

fn document(account: &rig::Account) -> String {
    json!({"version": 1, "entries": [
        {"check": "S3-02", "resource": account.a("open-bucket"), "region": "us-east-1",
         "reason": "test fixture bucket, reviewed in SEC-1", "owner": "web-team", "expires": "2999-12-31"},
        {"check": "KMS-01", "resource": "arn:aws:kms:*", "reason": "rotation waived last year",
         "owner": "crypto-team", "expires": "2020-01-31"}
    ]})
    .to_string()
}

async fn put_parameter(account: &rig::Account, name: &str, value: &str) {
    aws_sdk_ssm::Client::new(&account.sdk)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

fn ocsf_record<'a>(records: &'a [Value], check: &str, resource: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["compliance"]["control"] == check && r["resources"][0]["uid"] == resource)
        .unwrap_or_else(|| panic!("no OCSF record of {check} on {resource}"))
}

#[tokio::test]
async fn muted_findings_stay_in_the_evidence_and_expired_entries_are_reported() {
    let account = rig::insecure().await;
    put_parameter(&account, "/vigil/sweep/mute-list", &document(&account)).await;
    let dir = tempfile::tempdir().unwrap();
    let deps = account.deps(
        dir.path(),
        &[
            ("VIGIL_SWEEP_SERVICES", "s3,kms"),
            ("VIGIL_SWEEP_MUTE_LIST", "ssm:/vigil/sweep/mute-list"),
        ],
    );
    let answer = rig::request(&deps, json!({"action": "sweep"})).await;
    assert_eq!(answer["totals"]["muted"], 1, "{answer}");
    assert_eq!(
        answer["mute_list"]["location"],
        "ssm:/vigil/sweep/mute-list"
    );
    assert_eq!(answer["mute_list"]["entries"], 2);
    assert_eq!(answer["mute_list"]["expired"][0]["entry"], 2);
    assert_eq!(answer["mute_list"]["expired"][0]["owner"], "crypto-team");

    let bundle = std::path::PathBuf::from(answer["location"].as_str().unwrap());
    let ocsf = std::fs::read(bundle.join(FINDINGS)).unwrap();
    let findings = findings_from_ocsf(&ocsf);
    let open = findings
        .iter()
        .find(|f| f.check == "S3-02" && f.resource == account.a("open-bucket"))
        .unwrap();
    assert_eq!(open.status, Status::Muted);
    let muting = open.muted.as_ref().unwrap();
    assert_eq!(muting.status, Status::Fail);
    assert_eq!(muting.reason, "test fixture bucket, reviewed in SEC-1");
    assert_eq!((muting.entry, muting.owner.as_str()), (1, "web-team"));
    let records: Vec<Value> = String::from_utf8_lossy(&ocsf)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let record = ocsf_record(&records, "S3-02", account.a("open-bucket"));
    assert_eq!(record["status"], "Suppressed");
    assert_eq!(
        record["compliance"]["status"], "Fail",
        "the control still fails"
    );
    assert_eq!(record["unmapped"]["vigil"]["result"], "MUTED");
    // The expired entry mutes nothing.
    let norotate = findings
        .iter()
        .find(|f| f.check == "KMS-01" && f.resource == account.a("norotate-key"))
        .unwrap();
    assert_eq!(norotate.status, Status::Fail);

    let summary: Value =
        serde_json::from_slice(&std::fs::read(bundle.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["totals"]["muted"], 1);
    assert_eq!(summary["mute_list"]["expired"][0]["check"], "KMS-01");

    let alerts = harness().moto.published_sns_messages(&account.id);
    let expired: Vec<&Value> = alerts
        .iter()
        .filter(|m| m["MessageAttributes"]["kind"]["Value"] == "mute-expired")
        .collect();
    assert_eq!(expired.len(), 1, "{alerts:#?}");
    let message = expired[0]["Message"].as_str().unwrap();
    assert!(
        message.contains("entry 2 (KMS-01)") && message.contains("crypto-team"),
        "{message}"
    );
}

#[tokio::test]
async fn the_mute_list_can_live_in_s3() {
    let account = rig::insecure().await;
    let s3 = rig::s3(&account.sdk);
    s3.create_bucket()
        .bucket(format!("config-{}", account.id))
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(format!("config-{}", account.id))
        .key("sweep/mute.json")
        .body(document(&account).into_bytes().into())
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let location = format!("s3://config-{}/sweep/mute.json", account.id);
    let deps = account.deps(
        dir.path(),
        &[
            ("VIGIL_SWEEP_SERVICES", "s3"),
            ("VIGIL_SWEEP_MUTE_LIST", &location),
        ],
    );
    let answer = rig::request(&deps, json!({"action": "sweep"})).await;
    assert_eq!(answer["totals"]["muted"], 1, "{answer}");
    assert_eq!(answer["mute_list"]["location"], location);
}

#[tokio::test]
async fn an_invalid_or_missing_mute_list_stops_the_sweep_naming_the_problem() {
    let account = rig::insecure().await;
    let bad = json!({"version": 1, "entries": [
        {"check": "S3-02", "resource": "*", "reason": "r", "owner": "o", "expires": "2999-01-01"},
        {"check": "S3-2", "resource": "*", "reason": "typo", "owner": "o", "expires": "2999-01-01"}
    ]});
    put_parameter(&account, "/vigil/bad-mute-list", &bad.to_string()).await;
    for (location, says) in [
        (
            "ssm:/vigil/bad-mute-list",
            "entry 2 (S3-2 *): unknown check \"S3-2\"",
        ),
        (
            "ssm:/vigil/no-such-list",
            "mute list ssm:/vigil/no-such-list: not found",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let deps = account.deps(dir.path(), &[("VIGIL_SWEEP_MUTE_LIST", location)]);
        let e = handle_request(&json!({"action": "sweep"}), None, &deps, &|_, _| {})
            .await
            .unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
        assert!(e.to_string().contains("nothing was swept"), "{e}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no bundle: the sweep did not run half-muted"
        );
    }
}
