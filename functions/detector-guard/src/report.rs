//! The invocation's answer, its alerts and its metrics. Pure except for the `emit_*`
//! functions, which print EMF lines.
//!
//! One alert per Region with a problem: the causes with their evidence, what Vigil repaired
//! and whether reading back confirmed it, and what a person must still do, step by step. A
//! cause Vigil repaired and GuardDuty has not yet reported fixed is *awaiting confirmation*
//! (`vigil::state::Awaiting`): reported in the answer, alerted only with the repair itself, and
//! alerted again only if it outlasts the wait. A failed drill is an alert of its own, naming
//! the link of the chain that broke. A check that could not run sends the failure alert every
//! function sends (`vigil::error::invocation_failed`).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil::alert::{Alert, Severity};
use vigil::error::Cause as _;
use vigil::metrics::{MetricSet, Unit};
use vigil::state::drill::{Leg, Outcome as DrillOutcome};
use vigil::state::{Awaiting, Confirmation};

use crate::actions::drill::Progress;
use crate::actions::repair::{Decision, Executed, Planned, RunResult};
use crate::diagnose::{Cause, CauseKind, RegionDiagnosis};
use crate::error::Error;

const SOURCE: &str = "detector-guard";

/// Who tries again after a check that failed for a reason that can pass.
const RETRY: &str =
    "the next scheduled check, or Lambda's retry of the asynchronous invocation, tries again";

/// What became of one proposed repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepairStatus {
    Done,
    Unchanged,
    Failed,
    Skipped,
}

serde_plain::derive_display_from_serialize!(RepairStatus);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairReport {
    pub action: String,
    pub status: RepairStatus,
    pub detail: String,
}

/// Where a cause stands after the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseStatus {
    /// Still there; a person must act (or a repair failed or was not allowed).
    Open,
    /// Gone when read back.
    Resolved,
    /// Repaired; GuardDuty has not reported it fixed yet, and the wait is not over.
    Awaiting,
    /// Repaired, but still reported after the wait: the repair did not take.
    Overdue,
}

serde_plain::derive_display_from_serialize!(CauseStatus);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseReport {
    pub kind: CauseKind,
    pub subject: String,
    pub severity: Severity,
    pub summary: String,
    pub evidence: Vec<String>,
    pub repairs: Vec<RepairReport>,
    pub status: CauseStatus,
    /// What a person must do (empty once resolved).
    pub steps: Vec<String>,
}

/// A Region's state after the check, in one word; also the alert's `verdict` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Healthy,
    /// Every cause was repaired and reading back found it gone.
    RepairedVerified,
    /// What is left was repaired and waits for GuardDuty to confirm.
    AwaitingConfirmation,
    /// A repair ran but its cause is still there.
    RepairedNotVerified,
    /// Causes remain that Vigil may not or cannot repair.
    NeedsAPerson,
}

serde_plain::derive_display_from_serialize!(Verdict);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionReport {
    pub region: String,
    pub detector_id: Option<String>,
    pub verdict: Verdict,
    pub causes: Vec<CauseReport>,
    /// Whether a repair changed something in this Region in this invocation.
    pub repaired: bool,
}

/// Where a drill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrillStatus {
    Pending,
    Passed,
    Failed,
}

serde_plain::derive_display_from_serialize!(DrillStatus);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillReport {
    pub id: String,
    pub status: DrillStatus,
    pub broken_link: Option<String>,
    pub detail: String,
    pub types: Vec<String>,
    pub legs: Vec<Leg>,
    /// Where the signed record was written.
    pub record: Option<String>,
    pub record_error: Option<String>,
}

/// The invocation result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub trigger: String,
    /// Set when the event was recognised as irrelevant: why.
    pub ignored: Option<String>,
    pub regions_checked: usize,
    pub regions_healthy: usize,
    pub regions: Vec<RegionReport>,
    pub drill: Option<DrillReport>,
    pub alerts_sent: usize,
}

impl Outcome {
    pub(crate) fn new(trigger: String) -> Self {
        Outcome {
            trigger,
            ignored: None,
            regions_checked: 0,
            regions_healthy: 0,
            regions: Vec::new(),
            drill: None,
            alerts_sent: 0,
        }
    }
}

/// What the repairs of one invocation did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Repairs<'a> {
    pub(crate) planned: &'a [Planned],
    pub(crate) executed: &'a [Executed],
}

/// How long a repaired cause waits for confirmation, and the time now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Confirming {
    pub(crate) now: DateTime<Utc>,
    pub(crate) window: chrono::Duration,
}

fn result_for<'a>(executed: &'a [Executed], planned: &Planned) -> Option<&'a RunResult> {
    executed
        .iter()
        .find(|e| e.repair == planned.repair)
        .map(|e| &e.result)
}

fn repair_report(p: &Planned, executed: &[Executed]) -> RepairReport {
    let (status, detail) = match (&p.decision, result_for(executed, p)) {
        (Decision::Skip(why), _) => (RepairStatus::Skipped, why.clone()),
        (Decision::Go, Some(RunResult::Done(d))) => (RepairStatus::Done, d.clone()),
        (Decision::Go, Some(RunResult::Unchanged(d))) => (RepairStatus::Unchanged, d.clone()),
        (Decision::Go, Some(RunResult::Failed(e))) => (RepairStatus::Failed, e.clone()),
        (Decision::Go, None) => (RepairStatus::Failed, "not run".into()),
    };
    RepairReport {
        action: p.repair.describe(),
        status,
        detail,
    }
}

fn cause_report(cause: &Cause, repairs: Vec<RepairReport>, status: CauseStatus) -> CauseReport {
    CauseReport {
        kind: cause.kind,
        subject: cause.subject.clone(),
        severity: cause.severity,
        summary: cause.summary.clone(),
        evidence: cause.evidence.clone(),
        repairs,
        status,
        steps: if status == CauseStatus::Resolved {
            Vec::new()
        } else {
            cause.steps.clone()
        },
    }
}

/// Puts the diagnoses (`seen`: every cause found before or between repairs), the repairs and
/// the final read-back (`after`; a Region not read back is as `seen` says) together, and
/// updates each Region's repairs awaiting confirmation. Returns the reports and the awaiting
/// records that changed.
pub(crate) fn region_reports(
    seen: &[RegionDiagnosis],
    repairs: Repairs<'_>,
    after: &[RegionDiagnosis],
    awaiting: &mut BTreeMap<String, Awaiting>,
    confirming: Confirming,
) -> (Vec<RegionReport>, BTreeMap<String, Awaiting>) {
    let mut changed = BTreeMap::new();
    let mut reports = Vec::new();
    for diagnosis in seen {
        let last = after
            .iter()
            .find(|a| a.region == diagnosis.region)
            .unwrap_or(diagnosis);
        let present = |id: &str| last.causes.iter().any(|c| c.id() == id);
        let region_repairs: Vec<&Planned> = repairs
            .planned
            .iter()
            .filter(|p| p.repair.region() == diagnosis.region)
            .collect();
        let repaired = region_repairs
            .iter()
            .any(|p| matches!(result_for(repairs.executed, p), Some(RunResult::Done(_))));
        let record = awaiting.entry(diagnosis.region.clone()).or_default();
        let before = record.clone();
        let mut causes = Vec::new();
        let mut all: Vec<&Cause> = diagnosis.causes.iter().collect();
        all.extend(
            last.causes
                .iter()
                .filter(|c| !diagnosis.causes.iter().any(|d| d.id() == c.id())),
        );
        for cause in all {
            let id = cause.id();
            let reports: Vec<RepairReport> = region_repairs
                .iter()
                .filter(|p| p.cause_id == id)
                .map(|p| repair_report(p, repairs.executed))
                .collect();
            let mut cause = cause.clone();
            let status = if !present(&id) {
                CauseStatus::Resolved
            } else {
                match record.status(&id, confirming.now) {
                    Confirmation::Awaiting(entry) => {
                        cause.evidence.push(format!(
                            "Vigil repaired it at {} ({}); GuardDuty has not reported it fixed yet; no new alert until {}",
                            entry.repaired_at.to_rfc3339(),
                            entry.repair,
                            entry.until.to_rfc3339()
                        ));
                        CauseStatus::Awaiting
                    }
                    Confirmation::Overdue(entry) => {
                        cause.evidence.push(format!(
                            "Vigil repaired it at {} ({}), and GuardDuty still reports it after the wait: the repair did not take",
                            entry.repaired_at.to_rfc3339(),
                            entry.repair
                        ));
                        CauseStatus::Overdue
                    }
                    Confirmation::NotAwaited if cause.lagging && repaired => {
                        let what: Vec<String> = region_repairs
                            .iter()
                            .filter(|p| {
                                matches!(result_for(repairs.executed, p), Some(RunResult::Done(_)))
                            })
                            .map(|p| p.repair.describe())
                            .collect();
                        record.expect(&id, what.join("; "), confirming.now, confirming.window);
                        cause.evidence.push(format!(
                            "GuardDuty reports its attempts before the repair; it retries by itself. Awaiting confirmation until {}",
                            (confirming.now + confirming.window).to_rfc3339()
                        ));
                        CauseStatus::Awaiting
                    }
                    Confirmation::NotAwaited => CauseStatus::Open,
                }
            };
            causes.push(cause_report(&cause, reports, status));
        }
        record.settle(present, confirming.now);
        if *record != before {
            changed.insert(diagnosis.region.clone(), record.clone());
        }
        let open = causes
            .iter()
            .filter(|c| matches!(c.status, CauseStatus::Open | CauseStatus::Overdue))
            .count();
        let verdict = if causes.is_empty() {
            Verdict::Healthy
        } else if causes.iter().all(|c| c.status == CauseStatus::Resolved) {
            Verdict::RepairedVerified
        } else if open == 0 {
            Verdict::AwaitingConfirmation
        } else if causes.iter().any(|c| {
            c.status != CauseStatus::Resolved
                && c.repairs.iter().any(|r| r.status == RepairStatus::Done)
        }) {
            Verdict::RepairedNotVerified
        } else {
            Verdict::NeedsAPerson
        };
        reports.push(RegionReport {
            region: diagnosis.region.clone(),
            detector_id: last.detector_id.clone().or(diagnosis.detector_id.clone()),
            verdict,
            causes,
            repaired,
        });
    }
    (reports, changed)
}

/// The alert for a Region, if it needs one: not when healthy, and not when all that is left
/// is awaiting confirmation of an earlier repair.
pub(crate) fn region_alert(report: &RegionReport, trigger: &str) -> Option<Alert> {
    match report.verdict {
        Verdict::Healthy => return None,
        Verdict::AwaitingConfirmation if !report.repaired => return None,
        _ => {}
    }
    let severity = match report.verdict {
        Verdict::RepairedVerified | Verdict::AwaitingConfirmation => Severity::Medium,
        _ => report
            .causes
            .iter()
            .filter(|c| matches!(c.status, CauseStatus::Open | CauseStatus::Overdue))
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::Medium),
    };
    let problems = report.causes.len();
    let mut alert = Alert::new(
        severity,
        SOURCE,
        format!(
            "GuardDuty {}: {problems} problem{} - {}",
            report.region,
            if problems == 1 { "" } else { "s" },
            report.verdict
        ),
    )
    .fact("region", &report.region)
    .fact("detector", report.detector_id.as_deref().unwrap_or("none"))
    .fact("checked because", trigger)
    .fact("verdict", report.verdict.to_string())
    .attribute("region", &report.region)
    .attribute("verdict", report.verdict.to_string());
    for (i, cause) in report.causes.iter().enumerate() {
        let name = format!("cause {}", i + 1);
        alert = alert.fact(
            &name,
            format!("[{}] {} ({})", cause.severity, cause.summary, cause.status),
        );
        for line in &cause.evidence {
            alert = alert.fact(format!("{name} evidence"), line);
        }
        for r in &cause.repairs {
            alert = alert.fact(
                format!("{name} repair"),
                format!("{} - {}: {}", r.action, r.status, r.detail),
            );
        }
        for (j, step) in cause.steps.iter().enumerate() {
            alert = alert.fact(format!("{name} you must, step {}", j + 1), step);
        }
    }
    Some(alert)
}

/// The answer for a drill, and its alert when it failed (or its record could not be written).
pub(crate) fn drill(progress: &Progress) -> (DrillReport, Option<Alert>) {
    match progress {
        Progress::Pending { active, legs } => (
            DrillReport {
                id: active.id.clone(),
                status: DrillStatus::Pending,
                broken_link: None,
                detail: format!(
                    "samples requested at {}; {} of {} received; settled by the next check or at {}",
                    active.sent_at.to_rfc3339(),
                    legs.iter().filter(|l| l.received_at.is_some()).count(),
                    legs.len(),
                    active.deadline.to_rfc3339()
                ),
                types: active.types.clone(),
                legs: legs.clone(),
                record: None,
                record_error: None,
            },
            None,
        ),
        Progress::Finished { summary, record } => {
            let status = match summary.outcome {
                DrillOutcome::Passed => DrillStatus::Passed,
                DrillOutcome::Failed => DrillStatus::Failed,
            };
            let report = DrillReport {
                id: summary.id.clone(),
                status,
                broken_link: summary.broken_link.clone(),
                detail: summary.detail.clone(),
                types: summary.types.clone(),
                legs: summary.legs.clone(),
                record: record.as_ref().ok().cloned(),
                record_error: record.as_ref().err().cloned(),
            };
            let alert = match (status, record) {
                (DrillStatus::Failed, _) => {
                    let link = summary.broken_link.as_deref().unwrap_or("unknown");
                    let mut alert = Alert::new(
                        Severity::High,
                        SOURCE,
                        format!("GuardDuty drill failed at {link}: threat detection is not proven"),
                    )
                    .fact("drill", &summary.id)
                    .fact("region", &summary.region)
                    .fact("broken link", link)
                    .fact("what happened", &summary.detail)
                    .attribute("drill", &summary.id)
                    .attribute("broken_link", link);
                    for leg in &summary.legs {
                        alert = alert.fact(
                            format!("sample {}", leg.finding_type),
                            match (&leg.received_at, &leg.alert) {
                                (None, _) => "not received by the responder".to_owned(),
                                (Some(at), alert) => format!(
                                    "received at {} ({:.1} s), alert {}",
                                    at.to_rfc3339(),
                                    leg.latency_seconds.unwrap_or_default(),
                                    alert
                                        .as_ref()
                                        .map(|a| serde_json::to_string(a).unwrap_or_default())
                                        .unwrap_or_default()
                                ),
                            },
                        );
                    }
                    Some(match record {
                        Ok(location) => alert.fact("record", location),
                        Err(e) => alert.fact("record", format!("not written: {e}")),
                    })
                }
                (_, Err(e)) => Some(
                    Alert::new(
                        Severity::Medium,
                        SOURCE,
                        "GuardDuty drill passed but left no signed record",
                    )
                    .fact("drill", &summary.id)
                    .fact("record", e)
                    .fact(
                        "meanwhile",
                        "the compliance sweep's drill check fails until a record is written",
                    ),
                ),
                _ => None,
            };
            (report, alert)
        }
    }
}

/// The alert when the check itself could not run: until one runs, GuardDuty is not watched.
pub(crate) fn failure_alert(trigger: &str, error: &Error) -> Alert {
    vigil::error::invocation_failed(
        SOURCE,
        format!("GuardDuty check failed: {}", error.cause()),
        error,
        RETRY,
    )
    .fact("checked because", trigger)
    .fact(
        "meanwhile",
        "GuardDuty is not being watched until a check runs",
    )
}

fn milliseconds(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}

/// EMF metrics for the invocation.
pub(crate) fn emit_metrics(namespace: &str, trigger: &str, outcome: &Outcome, elapsed: Duration) {
    let causes: Vec<&CauseReport> = outcome.regions.iter().flat_map(|r| &r.causes).collect();
    let repairs = |status| {
        causes
            .iter()
            .flat_map(|c| &c.repairs)
            .filter(|r| r.status == status)
            .count() as f64
    };
    let mut set = MetricSet::new(namespace)
        .dimension("Function", SOURCE)
        .dimension("Trigger", trigger)
        .metric(
            "RegionsChecked",
            outcome.regions_checked as f64,
            Unit::Count,
        )
        .metric(
            "RegionsHealthy",
            outcome.regions_healthy as f64,
            Unit::Count,
        )
        .metric(
            "Causes",
            causes
                .iter()
                .filter(|c| c.status != CauseStatus::Resolved)
                .count() as f64,
            Unit::Count,
        )
        .metric("RepairsDone", repairs(RepairStatus::Done), Unit::Count)
        .metric("RepairsFailed", repairs(RepairStatus::Failed), Unit::Count)
        .metric("Alerts", outcome.alerts_sent as f64, Unit::Count)
        .metric("Duration", milliseconds(elapsed), Unit::Milliseconds);
    if let Some(d) = &outcome.drill {
        set = set
            .metric(
                "DrillPassed",
                f64::from(u8::from(d.status == DrillStatus::Passed)),
                Unit::Count,
            )
            .metric(
                "DrillFailed",
                f64::from(u8::from(d.status == DrillStatus::Failed)),
                Unit::Count,
            )
            .property("drill", d.id.clone())
            .property("drillStatus", d.status.to_string());
        if let Some(slowest) = d
            .legs
            .iter()
            .filter_map(|l| l.latency_seconds)
            .reduce(f64::max)
        {
            set = set.metric("DrillLatency", slowest * 1000.0, Unit::Milliseconds);
        }
    }
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for c in causes.iter().filter(|c| c.status != CauseStatus::Resolved) {
        *kinds.entry(c.kind.to_string()).or_default() += 1;
    }
    set.property("causes", serde_json::to_value(kinds).unwrap_or_default())
        .emit();
}

/// EMF metrics for an invocation that failed.
pub(crate) fn emit_failure_metrics(
    namespace: &str,
    trigger: &str,
    error: &Error,
    elapsed: Duration,
) {
    MetricSet::new(namespace)
        .dimension("Function", SOURCE)
        .dimension("Trigger", trigger)
        .metric("Failed", 1.0, Unit::Count)
        .metric("Duration", milliseconds(elapsed), Unit::Milliseconds)
        .property("cause", error.cause())
        .property("retryable", error.retryable())
        .emit();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Repair;

    fn at(m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + chrono::Duration::minutes(m)
    }

    fn cause(kind: CauseKind, lagging: bool) -> Cause {
        Cause {
            kind,
            subject: "s".into(),
            severity: Severity::High,
            summary: format!("{kind} summary"),
            evidence: vec![],
            repairs: vec![],
            steps: vec!["do it".into()],
            lagging,
        }
    }

    fn region(causes: Vec<Cause>) -> RegionDiagnosis {
        RegionDiagnosis {
            region: "us-east-1".into(),
            detector_id: Some("d".into()),
            causes,
        }
    }

    fn merge_repair() -> Planned {
        Planned {
            cause_id: "ExportBucketPolicyLacksStatement/s".into(),
            repair: Repair::AddBucketStatements {
                region: "us-east-1".into(),
                bucket: "b".into(),
                statements: vec![],
            },
            decision: Decision::Go,
        }
    }

    fn confirming(m: i64) -> Confirming {
        Confirming {
            now: at(m),
            window: chrono::Duration::minutes(60),
        }
    }

    /// The defect this guards against: after a policy repair, the event the repair itself
    /// caused comes back while GuardDuty still reports the old failure. One alert, not two.
    #[test]
    fn a_repaired_cause_guardduty_still_reports_is_awaited_not_alerted_twice() {
        let lagging = cause(CauseKind::ExportNotPublishing, true);
        let lacks = cause(CauseKind::ExportBucketPolicyLacksStatement, false);
        let before = vec![region(vec![lagging.clone(), lacks])];
        let after = vec![region(vec![lagging.clone()])];
        let planned = vec![merge_repair()];
        let executed = vec![Executed {
            repair: planned[0].repair.clone(),
            result: RunResult::Done("added".into()),
        }];
        let mut awaiting = BTreeMap::new();
        let (reports, changed) = region_reports(
            &before,
            Repairs {
                planned: &planned,
                executed: &executed,
            },
            &after,
            &mut awaiting,
            confirming(0),
        );
        assert_eq!(reports[0].verdict, Verdict::AwaitingConfirmation);
        assert_eq!(reports[0].causes[0].status, CauseStatus::Awaiting);
        assert_eq!(reports[0].causes[1].status, CauseStatus::Resolved);
        assert!(
            region_alert(&reports[0], "t").is_some(),
            "the repair itself is told once"
        );
        assert_eq!(changed.len(), 1);

        // The echo: nothing to repair any more, GuardDuty still reports the failure.
        let echo = vec![region(vec![lagging.clone()])];
        let unchanged = vec![Executed {
            repair: planned[0].repair.clone(),
            result: RunResult::Unchanged("already there".into()),
        }];
        let (reports, changed) = region_reports(
            &echo,
            Repairs {
                planned: &[],
                executed: &unchanged,
            },
            &echo,
            &mut awaiting,
            confirming(5),
        );
        assert_eq!(reports[0].verdict, Verdict::AwaitingConfirmation);
        assert!(region_alert(&reports[0], "t").is_none(), "no second alert");
        assert!(changed.is_empty());

        // Still reported after the wait: the repair did not take, and that is an alert.
        let (reports, _) = region_reports(
            &echo,
            Repairs {
                planned: &[],
                executed: &[],
            },
            &echo,
            &mut awaiting,
            confirming(61),
        );
        assert_eq!(reports[0].causes[0].status, CauseStatus::Overdue);
        let alert = region_alert(&reports[0], "t").unwrap();
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.body().contains("the repair did not take"));
        assert!(
            awaiting["us-east-1"].entries.is_empty(),
            "reported once, then forgotten"
        );
    }

    #[test]
    fn confirmed_causes_are_forgotten_and_open_ones_need_a_person() {
        let lagging = cause(CauseKind::ExportNotPublishing, true);
        let mut awaiting = BTreeMap::new();
        awaiting
            .entry("us-east-1".to_owned())
            .or_insert_with(Awaiting::default)
            .expect(
                &lagging.id(),
                "merge".into(),
                at(0),
                chrono::Duration::minutes(60),
            );
        let healthy = vec![region(vec![])];
        let (reports, changed) = region_reports(
            &healthy,
            Repairs {
                planned: &[],
                executed: &[],
            },
            &healthy,
            &mut awaiting,
            confirming(10),
        );
        assert_eq!(reports[0].verdict, Verdict::Healthy);
        assert!(changed["us-east-1"].entries.is_empty());

        let open = vec![region(vec![cause(CauseKind::SuppressionRule, false)])];
        let (reports, _) = region_reports(
            &open,
            Repairs {
                planned: &[],
                executed: &[],
            },
            &open,
            &mut awaiting,
            confirming(11),
        );
        assert_eq!(reports[0].verdict, Verdict::NeedsAPerson);
        let alert = region_alert(&reports[0], "CreateFilter by mallory").unwrap();
        assert!(
            alert
                .subject()
                .starts_with("[Vigil HIGH] GuardDuty us-east-1: 1 problem - needs-a-person")
        );
        assert!(alert.body().contains("you must, step 1: do it"));
    }
}
