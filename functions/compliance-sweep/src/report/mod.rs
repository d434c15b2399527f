//! What a run tells people and auditors: the invocation's answer ([`answer`]), the alerts
//! ([`alerts`]) and the metrics ([`metrics`]); and in the evidence bundle the summary (counts
//! per status, area, severity and check; regressions against the previous run), the
//! per-framework matrix (seed phases, CIS v3.0.0, v4.0.1, v7.0.0), the OCSF findings ([`ocsf`])
//! and the HTML page ([`html`]).

pub(crate) mod alerts;
pub mod answer;
pub mod asff;
pub(crate) mod changes;
pub(crate) mod html;
pub(crate) mod metrics;
pub mod ocsf;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use crate::checks::catalogue::{self, CATALOGUE, Phase};
use crate::checks::{CheckId, Finding, Status};
use crate::config::Thresholds;
use crate::facts::Service;
use crate::sweep::Outcome;

/// The function's name in alerts and metrics.
pub(crate) const FUNCTION: &str = "compliance-sweep";

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub not_applicable: usize,
    /// FAIL or ERROR findings the mute list accepts.
    pub muted: usize,
}

impl Counts {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Error => self.error += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Muted => self.muted += 1,
        }
    }

    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut c = Counts::default();
        findings.into_iter().for_each(|f| c.add(f.status));
        c
    }

    /// FAIL beats ERROR beats PASS beats MUTED; nothing evaluated is NOT_APPLICABLE.
    pub fn status(&self) -> Status {
        if self.fail > 0 {
            Status::Fail
        } else if self.error > 0 {
            Status::Error
        } else if self.pass > 0 {
            Status::Pass
        } else if self.muted > 0 {
            Status::Muted
        } else {
            Status::NotApplicable
        }
    }
}

/// A check that passed on a resource last run and fails now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub(crate) struct Regression {
    pub check: CheckId,
    pub resource: String,
    pub region: String,
    pub detail: String,
}

/// What sealing a run left behind (see `actions::seal_and_store`).
#[derive(Debug)]
pub(crate) struct SealedRun {
    /// Where the bundle went (a directory or an `s3://` prefix).
    pub location: String,
    pub manifest_sha256: String,
    /// Checks that passed on a resource in the previous run and fail now.
    pub regressions: Vec<Regression>,
    /// Everything that changed since the previous run.
    pub changes: changes::Changes,
    /// What to send to Security Hub, when the export is on.
    pub security_hub: Option<asff::Plan>,
}

/// Finds regressions: same (check, resource, Region), PASS before, FAIL now.
pub(crate) fn regressions(previous: &[Finding], current: &[Finding]) -> Vec<Regression> {
    let passed: BTreeSet<(CheckId, &str, &str)> = previous
        .iter()
        .filter(|f| f.status == Status::Pass)
        .map(Finding::key)
        .collect();
    current
        .iter()
        .filter(|f| f.status == Status::Fail && passed.contains(&f.key()))
        .map(|f| Regression {
            check: f.check,
            resource: f.resource.clone(),
            region: f.region.clone(),
            detail: f.detail.clone(),
        })
        .collect()
}

/// The summary document (`summary.json`); `areas` are the per-area counts ([`areas`]).
pub(crate) fn summary(
    outcome: &Outcome,
    regressions: &[Regression],
    changes: &changes::Changes,
    retention: &Value,
    thresholds: &Thresholds,
    areas: &[(Service, Counts)],
) -> Value {
    let by_area: BTreeMap<String, Counts> = areas
        .iter()
        .filter(|(_, c)| *c != Counts::default())
        .map(|(s, c)| (s.to_string(), *c))
        .collect();
    let mut by_check: BTreeMap<CheckId, Counts> = BTreeMap::new();
    let mut failing_by_severity: BTreeMap<String, usize> = BTreeMap::new();
    for f in &outcome.findings {
        let check = catalogue::get(f.check);
        by_check.entry(check.id).or_default().add(f.status);
        if f.status == Status::Fail {
            *failing_by_severity
                .entry(check.severity.to_string())
                .or_default() += 1;
        }
    }
    let regions: BTreeSet<&str> = outcome.shards.iter().map(|s| s.region.as_str()).collect();
    json!({
        "run_id": outcome.run_id,
        "account": outcome.account,
        "started_at": outcome.started_at.to_rfc3339(),
        "finished_at": outcome.finished_at.to_rfc3339(),
        "regions": regions,
        "shards": outcome.shards.iter().map(|s| s.key()).collect::<Vec<_>>(),
        "totals": Counts::of(&outcome.findings),
        "by_area": by_area,
        "failing_by_severity": failing_by_severity,
        "checks": CATALOGUE.iter().map(|c| json!({
            "id": c.id, "title": c.title, "severity": c.severity, "area": c.service,
            "counts": by_check.get(&c.id).copied().unwrap_or_default(),
            "status": by_check.get(&c.id).copied().unwrap_or_default().status(),
        })).collect::<Vec<_>>(),
        "regressions": regressions,
        "changes": {
            "previous_run": changes.previous_run,
            "counts": changes.counts(),
            "new_fail": changes.new_fail,
            "fixed": changes.fixed,
            "still_failing": changes.still_failing,
            "new_error": changes.new_error,
            "muted": changes.muted,
        },
        "evidence_retention": retention,
        "api_calls": outcome.api_calls(),
        "calls_by_operation": outcome.calls_by_operation,
        "credential_report_generated_at": outcome.credential_report_generated_at.map(|t| t.to_rfc3339()),
        "mute_list": outcome.mute_list,
        "thresholds": thresholds,
    })
}

/// Controls of one framework: control id → check ids.
fn framework(controls: impl Iterator<Item = (String, CheckId)>) -> BTreeMap<String, Vec<CheckId>> {
    let mut out: BTreeMap<String, Vec<CheckId>> = BTreeMap::new();
    for (control, check) in controls {
        out.entry(control).or_default().push(check);
    }
    out
}

/// The per-framework matrix (`matrix.json`): each control with its checks, counts and status.
pub(crate) fn matrix(findings: &[Finding]) -> Value {
    let mut per_check: BTreeMap<CheckId, Counts> = BTreeMap::new();
    for f in findings {
        per_check.entry(f.check).or_default().add(f.status);
    }
    let render = |fw: BTreeMap<String, Vec<CheckId>>| -> Value {
        let controls: Vec<Value> = fw
            .into_iter()
            .map(|(control, checks)| {
                let mut c = Counts::default();
                for id in &checks {
                    let k = per_check.get(id).copied().unwrap_or_default();
                    c.pass += k.pass;
                    c.fail += k.fail;
                    c.error += k.error;
                    c.not_applicable += k.not_applicable;
                    c.muted += k.muted;
                }
                json!({"control": control, "checks": checks, "counts": c, "status": c.status()})
            })
            .collect();
        Value::Array(controls)
    };
    let phases = framework(Phase::ALL.iter().flat_map(|p| {
        CATALOGUE
            .iter()
            .filter(move |c| c.phase == *p)
            .map(move |c| (p.title().to_owned(), c.id))
    }));
    let v3 = framework(
        CATALOGUE
            .iter()
            .flat_map(|c| c.cis_v3.iter().map(move |x| (x.to_string(), c.id))),
    );
    let v4 = framework(
        CATALOGUE
            .iter()
            .flat_map(|c| c.cis_v4.iter().map(move |x| (x.to_string(), c.id))),
    );
    let v7 = framework(
        CATALOGUE
            .iter()
            .flat_map(|c| c.cis_v7.iter().map(move |x| (x.to_string(), c.id))),
    );
    json!({
        "seed-phases": render(phases),
        "cis-aws-foundations-v3.0.0": render(v3),
        "cis-aws-foundations-v4.0.1": render(v4),
        "cis-aws-foundations-v7.0.0": render(v7),
    })
}

/// Per-area counts in the fixed area order, for tables and charts.
pub fn areas(findings: &[Finding]) -> Vec<(Service, Counts)> {
    Service::ALL
        .iter()
        .map(|s| {
            (
                *s,
                Counts::of(
                    findings
                        .iter()
                        .filter(|f| catalogue::get(f.check).service == *s),
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{ResourceType, Subject};

    /// A finding on a key in us-east-1 (also for [`super::changes`]' tests).
    pub(super) fn f(check: &str, status: Status, resource: &str) -> Finding {
        let check = catalogue::find(check).unwrap().id;
        let subject = Subject::new(ResourceType::AwsKmsKey, resource).in_region("us-east-1");
        Finding::new(check, status, subject, "d")
    }

    #[test]
    fn regressions_are_pass_then_fail_on_the_same_resource() {
        let before = vec![
            f("KMS-01", Status::Pass, "k1"),
            f("KMS-01", Status::Fail, "k2"),
            f("S3-03", Status::Pass, "b"),
        ];
        let now = vec![
            f("KMS-01", Status::Fail, "k1"),
            f("KMS-01", Status::Fail, "k2"),
            f("S3-03", Status::Error, "b"),
            f("SM-01", Status::Fail, "s"),
        ];
        let r = regressions(&before, &now);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].check.as_str(), r[0].resource.as_str()),
            ("KMS-01", "k1")
        );
    }

    #[test]
    fn matrix_status_fail_beats_error_beats_pass() {
        let m = matrix(&[
            f("IAM-05", Status::Pass, "a"),
            f("IAM-01", Status::Error, "a"),
            f("KMS-01", Status::Fail, "k"),
        ]);
        let v3 = m["cis-aws-foundations-v3.0.0"].as_array().unwrap();
        let control = |id: &str| v3.iter().find(|c| c["control"] == id).unwrap()["status"].clone();
        assert_eq!(control("1.8"), "PASS");
        assert_eq!(control("1.4"), "ERROR");
        assert_eq!(control("3.6"), "FAIL");
        assert_eq!(control("1.5"), "NOT_APPLICABLE");
        let v7 = m["cis-aws-foundations-v7.0.0"].as_array().unwrap();
        let control7 = |id: &str| v7.iter().find(|c| c["control"] == id).unwrap()["status"].clone();
        assert_eq!(control7("2.8"), "PASS", "IAM-05 is CIS v7.0 2.8");
        assert_eq!(control7("4.6"), "FAIL", "KMS-01 is CIS v7.0 4.6");
        let phases = m["seed-phases"].as_array().unwrap();
        assert_eq!(phases.len(), 4);
    }
}
