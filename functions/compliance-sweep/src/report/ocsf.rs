//! Findings as OCSF Compliance Finding records (class 2003, OCSF 1.1), one JSON object per
//! finding, and read back ([`findings_from_ocsf`], or a line at a time: [`finding_from_ocsf`]). Vigil's own fields (seed phase, Security
//! Hub ids, evidence, API error) go under `unmapped.vigil`, where OCSF puts what its schema
//! does not name.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vigil::alert::Severity;

use crate::checks::catalogue;
use crate::checks::{Finding, ResourceType, Status, Subject};

pub(crate) const CLASS_UID: u32 = 2003;
pub(crate) const OCSF_VERSION: &str = "1.1.0";

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
/// NOT_APPLICABLE, which OCSF 1.1 has no value for. A MUTED finding keeps the compliance
/// status it had (the control still fails); its finding status says it is suppressed.
fn compliance_status(f: &Finding) -> (u8, &'static str) {
    match f.muted.as_ref().map_or(f.status, |m| m.status) {
        Status::Pass => (1, "Pass"),
        Status::Fail | Status::Muted => (3, "Fail"),
        Status::Error => (99, "Error"),
        Status::NotApplicable => (99, "Not Applicable"),
    }
}

/// A stable id for a (run, check, resource, Region) finding.
fn finding_uid(run_id: &str, f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in [run_id, f.check.as_str(), &f.resource, &f.region] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

pub(crate) fn record(f: &Finding, run_id: &str, account: &str, at: DateTime<Utc>) -> Value {
    let c = catalogue::get(f.check);
    let (status_id, status) = compliance_status(f);
    // OCSF finding status: New (1), or Suppressed (3) for a muted finding.
    let (finding_status_id, finding_status) = if f.muted.is_some() {
        (3, "Suppressed")
    } else {
        (1, "New")
    };
    let mut standards = Vec::new();
    let mut requirements = Vec::new();
    if !c.cis_v3.is_empty() {
        standards.push("CIS AWS Foundations Benchmark v3.0.0");
        requirements.extend(c.cis_v3.iter().map(|x| format!("CIS v3.0.0 {x}")));
    }
    if !c.cis_v4.is_empty() {
        standards.push("CIS AWS Foundations Benchmark v4.0.1");
        requirements.extend(c.cis_v4.iter().map(|x| format!("CIS v4.0.1 {x}")));
    }
    if !c.cis_v7.is_empty() {
        standards.push("CIS AWS Foundations Benchmark v7.0.0");
        requirements.extend(c.cis_v7.iter().map(|x| format!("CIS v7.0.0 {x}")));
    }
    if !c.security_hub.is_empty() {
        standards.push("AWS Foundational Security Best Practices");
        requirements.extend(c.security_hub.iter().map(|x| format!("Security Hub {x}")));
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
        "severity_id": severity_id(c.severity),
        "severity": title_case(c.severity),
        "status_id": finding_status_id,
        "status": finding_status,
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
            "title": c.title,
            "desc": f.detail,
            "types": [c.service],
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
        "remediation": {"desc": c.remediation},
        "unmapped": {"vigil": {
            "result": f.status,
            "seed_phase": c.phase,
            "security_hub": c.security_hub,
            "prowler": c.prowler,
            "evidence": f.evidence,
            "error": f.error,
            "muted": f.muted,
        }},
    })
}

/// Reads findings back from an OCSF findings file (regressions against the last run; tests).
/// A record this version cannot read (an unknown check id or resource type) is left out.
pub fn findings_from_ocsf(bytes: &[u8]) -> Vec<Finding> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(finding_from_ocsf)
        .collect()
}

/// One finding read back from one line of an OCSF findings file; `None` for a line this
/// version cannot read (not a record, an unknown check id or resource type).
pub fn finding_from_ocsf(line: &str) -> Option<Finding> {
    let r = serde_json::from_str::<Value>(line).ok()?;
    let status: Status = serde_json::from_value(r["unmapped"]["vigil"]["result"].clone()).ok()?;
    let check = catalogue::find(r["compliance"]["control"].as_str()?)?.id;
    let kind: ResourceType = serde_json::from_value(r["resources"][0]["type"].clone()).ok()?;
    let subject = Subject::new(kind, r["resources"][0]["uid"].as_str()?)
        .in_region(r["cloud"]["region"].as_str().unwrap_or_default());
    let detail = r["compliance"]["status_detail"]
        .as_str()
        .unwrap_or_default();
    let mut f = Finding::new(check, status, subject, detail);
    f.muted = serde_json::from_value(r["unmapped"]["vigil"]["muted"].clone()).ok();
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ids::KMS_01;

    #[test]
    fn record_is_a_class_2003_compliance_finding() {
        let key = |arn: &str| Subject::new(ResourceType::AwsKmsKey, arn).in_region("us-east-1");
        let f = KMS_01
            .on(&key("arn:aws:kms:us-east-1:1:key/k"))
            .fail("automatic rotation is off");
        let r = record(&f, "run-1", "111122223333", Utc::now());
        assert_eq!(r["class_uid"], 2003);
        assert_eq!(r["type_uid"], 200301);
        assert_eq!(r["compliance"]["status_id"], 3);
        assert_eq!(r["compliance"]["control"], "KMS-01");
        assert_eq!(r["compliance"]["requirements"][0], "CIS v3.0.0 3.6");
        assert_eq!(r["compliance"]["requirements"][2], "CIS v7.0.0 4.6");
        assert_eq!(
            r["unmapped"]["vigil"]["prowler"][0],
            "kms_cmk_rotation_enabled"
        );
        assert_eq!(r["severity_id"], 3);
        assert_eq!(r["resources"][0]["uid"], "arn:aws:kms:us-east-1:1:key/k");
        assert_eq!(r["unmapped"]["vigil"]["result"], "FAIL");
        assert!(
            r["remediation"]["desc"]
                .as_str()
                .unwrap()
                .contains("enable-key-rotation")
        );
        let e = KMS_01
            .on(&key("k"))
            .error(&crate::checks::fixtures::denied("kms:GetKeyRotationStatus"));
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
