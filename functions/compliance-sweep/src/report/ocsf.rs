//! Findings as OCSF Compliance Finding records (class 2003, OCSF 1.1), one JSON object per
//! finding. Vigil's own fields (seed phase, Security Hub ids, evidence, API error) go under
//! `unmapped.vigil`, where OCSF puts what its schema does not name.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vigil::alert::Severity;

use crate::catalogue;
use crate::model::{Finding, Status};

pub const CLASS_UID: u32 = 2003;
pub const OCSF_VERSION: &str = "1.1.0";

fn severity_id(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

fn title_case(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// OCSF compliance status: Pass 1, Fail 3, and Other (99) with a caption for ERROR and
/// NOT_APPLICABLE, which OCSF 1.1 has no value for.
fn compliance_status(s: Status) -> (u8, &'static str) {
    match s {
        Status::Pass => (1, "Pass"),
        Status::Fail => (3, "Fail"),
        Status::Error => (99, "Error"),
        Status::NotApplicable => (99, "Not Applicable"),
    }
}

/// A stable id for a (run, check, resource, Region) finding.
pub fn finding_uid(run_id: &str, f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in [run_id, &f.check, &f.resource, &f.region] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

pub fn record(f: &Finding, run_id: &str, account: &str, at: DateTime<Utc>) -> Value {
    let check = catalogue::get(&f.check);
    let severity = check.map_or(Severity::Info, |c| c.severity);
    let (status_id, status) = compliance_status(f.status);
    let mut standards = Vec::new();
    let mut requirements = Vec::new();
    if let Some(c) = check {
        if !c.cis_v3.is_empty() {
            standards.push("CIS AWS Foundations Benchmark v3.0.0");
            requirements.extend(c.cis_v3.iter().map(|x| format!("CIS v3.0.0 {x}")));
        }
        if !c.cis_v4.is_empty() {
            standards.push("CIS AWS Foundations Benchmark v4.0.1");
            requirements.extend(c.cis_v4.iter().map(|x| format!("CIS v4.0.1 {x}")));
        }
        if !c.security_hub.is_empty() {
            standards.push("AWS Foundational Security Best Practices");
            requirements.extend(c.security_hub.iter().map(|x| format!("Security Hub {x}")));
        }
    }
    let uid = finding_uid(run_id, f);
    json!({
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + 1,
        "type_name": "Compliance Finding: Create",
        "time": at.timestamp_millis(),
        "severity_id": severity_id(severity),
        "severity": title_case(severity),
        "status_id": 1,
        "status": "New",
        "message": f.detail,
        "metadata": {
            "version": OCSF_VERSION,
            "uid": uid,
            "log_name": run_id,
            "product": {"name": "Vigil compliance-sweep", "vendor_name": "Vigil", "version": env!("CARGO_PKG_VERSION")},
        },
        "cloud": {"provider": "AWS", "account": {"uid": account, "type": "AWS Account"}, "region": f.region},
        "finding_info": {
            "uid": uid,
            "title": check.map_or(f.check.as_str(), |c| c.title),
            "desc": f.detail,
            "types": [check.map_or("unknown", |c| c.service.as_str())],
        },
        "compliance": {
            "control": f.check,
            "requirements": requirements,
            "standards": standards,
            "status": status,
            "status_id": status_id,
            "status_detail": f.detail,
        },
        "resources": [{"uid": f.resource, "type": f.resource_type, "region": f.region, "cloud_partition": "aws"}],
        "remediation": {"desc": check.map_or("", |c| c.remediation)},
        "unmapped": {"vigil": {
            "result": f.status,
            "seed_phase": check.map(|c| c.phase),
            "security_hub": check.map(|c| c.security_hub),
            "evidence": f.evidence,
            "error": f.error,
        }},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_is_a_class_2003_compliance_finding() {
        let f = Finding::fail(
            "KMS-01",
            "arn:aws:kms:us-east-1:1:key/k",
            "AwsKmsKey",
            "us-east-1",
            "automatic rotation is off",
        );
        let r = record(&f, "run-1", "111122223333", Utc::now());
        assert_eq!(r["class_uid"], 2003);
        assert_eq!(r["type_uid"], 200301);
        assert_eq!(r["compliance"]["status_id"], 3);
        assert_eq!(r["compliance"]["control"], "KMS-01");
        assert_eq!(r["compliance"]["requirements"][0], "CIS v3.0.0 3.6");
        assert_eq!(r["severity_id"], 3);
        assert_eq!(r["resources"][0]["uid"], "arn:aws:kms:us-east-1:1:key/k");
        assert_eq!(r["unmapped"]["vigil"]["result"], "FAIL");
        assert!(
            r["remediation"]["desc"]
                .as_str()
                .unwrap()
                .contains("enable-key-rotation")
        );
        let e = Finding::error(
            "KMS-01",
            "k",
            "AwsKmsKey",
            "us-east-1",
            &crate::checks::fixtures::denied("kms:GetKeyRotationStatus"),
        );
        let r = record(&e, "run-1", "1", Utc::now());
        assert_eq!(
            (
                r["compliance"]["status_id"].clone(),
                r["compliance"]["status"].clone()
            ),
            (json!(99), json!("Error"))
        );
        assert_eq!(
            r["unmapped"]["vigil"]["error"]["operation"],
            "kms:GetKeyRotationStatus"
        );
    }
}
