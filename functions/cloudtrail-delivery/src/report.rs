//! The invocation's answer, its alerts and its metrics, built from the diagnoses before and
//! after repair. Pure except for the `emit_*` functions, which print EMF lines.
//!
//! One alert per trail with a problem (plus one for account-wide problems): the causes with
//! their evidence, what Vigil repaired and whether the re-check confirmed it, and what a person
//! must still do, step by step. A cause Vigil repaired that CloudTrail still reports (its
//! status keeps the error of the attempt before the repair until its next delivery) is
//! *awaiting confirmation* (`vigil::state::Awaiting`, kept per trail between invocations):
//! reported in the answer, alerted only with the repair itself, and alerted again only if it
//! outlasts the wait. A check that could not run sends the failure alert every function sends
//! (`vigil::error::invocation_failed`).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil::alert::{Alert, Severity};
use vigil::error::Cause as _;
use vigil::metrics::{MetricSet, Unit};
use vigil::state::{Awaiting, Confirmation};

use crate::diagnose::{Cause, CauseKind, Signal, TrailDiagnosis};
use crate::error::Error;
use crate::event::Trigger;
use crate::repair::{self, Decision, Executed, Planned, RunResult};

const SOURCE: &str = "cloudtrail-delivery";

/// Who tries again after a check that failed for a reason that can pass.
const RETRY: &str =
    "the next scheduled poll, or Lambda's retry of the asynchronous invocation, tries again";

/// What became of one proposed repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RepairStatus {
    Done,
    Failed,
    Skipped,
}

serde_plain::derive_display_from_serialize!(RepairStatus);

/// What happened to one proposed repair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairReport {
    pub action: String,
    pub status: RepairStatus,
    pub detail: String,
    /// For a repair that ran: whether the re-check found its cause gone.
    pub verified: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseReport {
    pub kind: CauseKind,
    pub subject: String,
    pub severity: Severity,
    pub summary: String,
    pub evidence: Vec<String>,
    pub repairs: Vec<RepairReport>,
    /// Repaired and confirmed gone.
    pub resolved: bool,
    /// Repaired by an earlier check; CloudTrail still reports the error of its attempt before
    /// the repair, and the wait for its next delivery is not over: not alerted again.
    pub awaiting: bool,
    /// What a person must do (empty when resolved).
    pub steps: Vec<String>,
}

/// A trail's state after the check, in one word; its serde name is the one the answer, the
/// alert and its `verdict` attribute use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Healthy,
    /// Every cause was repaired and the re-check found it gone.
    RepairedVerified,
    /// What is left was repaired (now or by an earlier check) and waits for CloudTrail's next
    /// delivery to confirm it.
    AwaitingConfirmation,
    /// Something was repaired but the re-check still finds a repaired cause.
    RepairedNotVerified,
    /// Causes remain that Vigil may not or cannot repair.
    NeedsAPerson,
}

serde_plain::derive_display_from_serialize!(Verdict);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrailReport {
    pub trail_arn: String,
    pub trail_name: String,
    pub home_region: String,
    pub verdict: Verdict,
    pub causes: Vec<CauseReport>,
    /// Problems the re-check after repair still finds (empty when nothing was repaired: then
    /// `causes` is the current state).
    pub remaining: Vec<CauseReport>,
    /// Status errors left from before a repair, which CloudTrail clears at its next delivery.
    pub awaiting_next_delivery: Vec<String>,
    /// Whether a repair changed something for this trail in this invocation.
    pub repaired: bool,
}

/// The invocation result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub trigger: String,
    pub target: String,
    /// Set when the event was recognised as irrelevant: why.
    pub ignored: Option<String>,
    pub trails_checked: usize,
    pub trails_healthy: usize,
    pub account: Vec<CauseReport>,
    pub trails: Vec<TrailReport>,
    pub alerts_sent: usize,
}

impl Outcome {
    pub(crate) fn ignored(trigger: &Trigger, target: String, reason: String) -> Self {
        Outcome {
            trigger: trigger.describe(),
            target,
            ignored: Some(reason),
            trails_checked: 0,
            trails_healthy: 0,
            account: Vec::new(),
            trails: Vec::new(),
            alerts_sent: 0,
        }
    }
}

/// The answer and the alerts of a check that ran: one alert per trail with a problem, and one
/// for the account-wide causes. `alerts_sent` is counted as they are published.
pub(crate) fn checked(
    trigger: &Trigger,
    target: String,
    account_id: &str,
    account: &[Cause],
    trails: Vec<TrailReport>,
) -> (Outcome, Vec<Alert>) {
    let account: Vec<CauseReport> = account
        .iter()
        .map(|c| cause_report(c, Vec::new(), false))
        .collect();
    let described = trigger.describe();
    let mut alerts: Vec<Alert> = trails
        .iter()
        .filter_map(|t| trail_alert(t, &described))
        .collect();
    alerts.extend(account_alert(&account, account_id, &described));
    let outcome = Outcome {
        trigger: described,
        target,
        ignored: None,
        trails_checked: trails.len(),
        trails_healthy: trails
            .iter()
            .filter(|t| t.verdict == Verdict::Healthy)
            .count(),
        account,
        trails,
        alerts_sent: 0,
    };
    (outcome, alerts)
}

/// How long a repaired cause waits for confirmation, the time now, and whether what is
/// awaited is kept for the next invocation (a state store is configured).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Confirming {
    pub(crate) now: DateTime<Utc>,
    pub(crate) window: chrono::Duration,
    pub(crate) kept: bool,
}

/// The name a cause is awaited under in a trail's record: its kind, subject and the status
/// errors it stands for. Only a cause that is the same in all three is the one repaired.
fn awaiting_id(cause: &Cause) -> String {
    format!(
        "{} {}: {}",
        cause.kind,
        cause.subject,
        signals(&cause.explains)
    )
}

/// Puts the diagnoses, the repair decisions and results, and the re-check together, and
/// updates each trail's repairs awaiting confirmation (`awaiting`, by trail ARN). Returns the
/// reports and the records that changed.
pub(crate) fn trail_reports(
    before: &[TrailDiagnosis],
    planned: &[Planned],
    executed: &[Executed],
    after: &[TrailDiagnosis],
    awaiting: &mut BTreeMap<String, Awaiting>,
    confirming: Confirming,
) -> (Vec<TrailReport>, BTreeMap<String, Awaiting>) {
    let repaired = repair::repaired_trails(planned, executed);
    let mut changed = BTreeMap::new();
    let reports = before
        .iter()
        .map(|diagnosis| {
            let recheck = after.iter().find(|a| a.trail_arn == diagnosis.trail_arn);
            let repaired_any = repaired.contains(diagnosis.trail_arn.as_str());
            let record = awaiting.entry(diagnosis.trail_arn.clone()).or_default();
            let recorded = record.clone();
            let mut causes = Vec::new();
            let mut fixed_signals: Vec<Signal> = Vec::new();
            for cause in &diagnosis.causes {
                let key = (cause.kind, cause.subject.clone());
                let gone = recheck.is_some_and(|r| repair::verified(r, &key));
                let mine: Vec<&Planned> = planned
                    .iter()
                    .filter(|p| p.trail_arn == diagnosis.trail_arn && p.cause == key)
                    .collect();
                let repairs: Vec<RepairReport> = mine
                    .iter()
                    .map(|p| match (&p.decision, repair::result_for(executed, p)) {
                        (Decision::Skip(reason), _) => RepairReport {
                            action: p.repair.describe(),
                            status: RepairStatus::Skipped,
                            detail: reason.clone(),
                            verified: None,
                        },
                        (Decision::Go, Some(RunResult::Done(detail))) => RepairReport {
                            action: p.repair.describe(),
                            status: RepairStatus::Done,
                            detail: detail.clone(),
                            verified: Some(gone),
                        },
                        (Decision::Go, Some(RunResult::Failed(error))) => RepairReport {
                            action: p.repair.describe(),
                            status: RepairStatus::Failed,
                            detail: error.clone(),
                            verified: None,
                        },
                        (Decision::Go, None) => RepairReport {
                            action: p.repair.describe(),
                            status: RepairStatus::Failed,
                            detail: "not run".into(),
                            verified: None,
                        },
                    })
                    .collect();
                let resolved = !repairs.is_empty() && repairs.iter().all(|r| r.status == RepairStatus::Done) && gone;
                if resolved {
                    fixed_signals.extend(cause.explains.iter().cloned());
                }
                causes.push(cause_report(cause, repairs, resolved));
            }
            let what_was_done = || {
                planned
                    .iter()
                    .filter(|p| {
                        p.trail_arn == diagnosis.trail_arn
                            && matches!(repair::result_for(executed, p), Some(RunResult::Done(_)))
                    })
                    .map(|p| p.repair.describe())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            // What is there now: the re-check after a repair, else the first diagnosis.
            let rechecked = recheck.filter(|_| repaired_any);
            let current = rechecked.unwrap_or(diagnosis);
            let mut remaining = Vec::new();
            let mut notes = Vec::new();
            for cause in &current.causes {
                let id = awaiting_id(cause);
                let first = causes
                    .iter_mut()
                    .zip(&diagnosis.causes)
                    .find(|(_, c)| awaiting_id(c) == id)
                    .map(|(report, _)| report);
                if rechecked.is_some() && repair::residual(&cause.explains, &fixed_signals) {
                    record.expect(&id, what_was_done(), confirming.now, confirming.window);
                    let mut note = format!(
                        "{}: reported from CloudTrail's attempt before the repair; it clears at the next delivery (about 5 minutes) and the next check confirms it",
                        signals(&cause.explains)
                    );
                    if confirming.kept {
                        note.push_str(&format!(
                            "; no new alert for it until {}",
                            (confirming.now + confirming.window).to_rfc3339()
                        ));
                    }
                    notes.push(note);
                    continue;
                }
                match record.status(&id, confirming.now) {
                    Confirmation::Awaiting(entry) => {
                        let line = format!(
                            "Vigil repaired it at {} ({}); CloudTrail still reports its attempt before the repair; no new alert until {}",
                            entry.repaired_at.to_rfc3339(),
                            entry.repair,
                            entry.until.to_rfc3339()
                        );
                        notes.push(format!("{}: {line}", signals(&cause.explains)));
                        if let Some(report) = first.filter(|r| !r.resolved) {
                            report.awaiting = true;
                            report.evidence.push(line);
                        }
                    }
                    Confirmation::Overdue(entry) => {
                        let line = format!(
                            "Vigil repaired it at {} ({}), and CloudTrail still reports it after the wait: the repair did not take",
                            entry.repaired_at.to_rfc3339(),
                            entry.repair
                        );
                        if rechecked.is_some() {
                            let mut report = cause_report(cause, Vec::new(), false);
                            report.evidence.push(line);
                            remaining.push(report);
                        } else if let Some(report) = first {
                            report.evidence.push(line);
                        }
                    }
                    Confirmation::NotAwaited => {
                        if rechecked.is_some() {
                            remaining.push(cause_report(cause, Vec::new(), false));
                        }
                    }
                }
            }
            let present: Vec<String> = current.causes.iter().map(awaiting_id).collect();
            record.settle(|id| present.iter().any(|p| p == id), confirming.now);
            if *record != recorded {
                changed.insert(diagnosis.trail_arn.clone(), record.clone());
            }
            let verdict = if diagnosis.causes.is_empty() {
                Verdict::Healthy
            } else if causes.iter().all(|c| c.resolved) && remaining.is_empty() {
                Verdict::RepairedVerified
            } else if causes.iter().all(|c| c.resolved || c.awaiting) && remaining.is_empty() {
                Verdict::AwaitingConfirmation
            } else if causes
                .iter()
                .flat_map(|c| &c.repairs)
                .any(|r| r.status == RepairStatus::Done && r.verified == Some(false))
            {
                Verdict::RepairedNotVerified
            } else {
                Verdict::NeedsAPerson
            };
            TrailReport {
                trail_arn: diagnosis.trail_arn.clone(),
                trail_name: diagnosis.trail_name.clone(),
                home_region: diagnosis.home_region.clone(),
                verdict,
                causes,
                remaining,
                awaiting_next_delivery: notes,
                repaired: repaired_any,
            }
        })
        .collect();
    (reports, changed)
}

fn signals(signals: &[Signal]) -> String {
    signals
        .iter()
        .map(|s| match s {
            Signal::LatestDeliveryError(e) => format!("LatestDeliveryError {e}"),
            Signal::LatestDigestDeliveryError(e) => format!("LatestDigestDeliveryError {e}"),
            Signal::LatestCloudWatchLogsDeliveryError(e) => {
                format!("LatestCloudWatchLogsDeliveryError {e}")
            }
            Signal::LatestNotificationError(e) => format!("LatestNotificationError {e}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn cause_report(cause: &Cause, repairs: Vec<RepairReport>, resolved: bool) -> CauseReport {
    CauseReport {
        kind: cause.kind,
        subject: cause.subject.clone(),
        severity: cause.severity,
        summary: cause.summary.clone(),
        evidence: cause.evidence.clone(),
        repairs,
        resolved,
        awaiting: false,
        steps: if resolved {
            Vec::new()
        } else {
            cause.steps.clone()
        },
    }
}

/// The alert for a trail with problems: `None` for a healthy one, and none when all that is
/// left awaits confirmation of an earlier check's repair (that check alerted).
fn trail_alert(report: &TrailReport, trigger: &str) -> Option<Alert> {
    match report.verdict {
        Verdict::Healthy => return None,
        Verdict::AwaitingConfirmation if !report.repaired => return None,
        _ => {}
    }
    let open: Vec<&CauseReport> = report
        .causes
        .iter()
        .filter(|c| !c.resolved && !c.awaiting)
        .chain(&report.remaining)
        .collect();
    let severity = if matches!(
        report.verdict,
        Verdict::RepairedVerified | Verdict::AwaitingConfirmation
    ) {
        // Fixed, but someone should know that audit logging broke.
        Severity::Medium
    } else {
        open.iter()
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::Medium)
    };
    let problems = report.causes.len();
    let mut alert = Alert::new(
        severity,
        SOURCE,
        format!(
            "CloudTrail {}: {problems} problem{} - {}",
            report.trail_name,
            if problems == 1 { "" } else { "s" },
            report.verdict
        ),
    )
    .fact("trail", &report.trail_arn)
    .fact("home region", &report.home_region)
    .fact("checked because", trigger)
    .fact("verdict", report.verdict.to_string())
    .attribute("trail", &report.trail_arn)
    .attribute("verdict", report.verdict.to_string());
    for (i, cause) in report.causes.iter().enumerate() {
        alert = add_cause(alert, &format!("cause {}", i + 1), cause);
    }
    for (i, cause) in report.remaining.iter().enumerate() {
        alert = add_cause(alert, &format!("still wrong {}", i + 1), cause);
    }
    for note in &report.awaiting_next_delivery {
        alert = alert.fact("note", note);
    }
    Some(alert)
}

/// The alert for account-wide problems (no multi-region trail, a deleted trail).
fn account_alert(causes: &[CauseReport], account_id: &str, trigger: &str) -> Option<Alert> {
    let worst = causes.iter().map(|c| c.severity).max()?;
    let title = match causes {
        [one] => format!("CloudTrail: {}", one.summary),
        _ => format!(
            "CloudTrail: {} account-wide problems in {account_id}",
            causes.len()
        ),
    };
    let mut alert = Alert::new(worst, SOURCE, title)
        .fact("account", account_id)
        .fact("checked because", trigger)
        .attribute("verdict", Verdict::NeedsAPerson.to_string());
    for (i, cause) in causes.iter().enumerate() {
        alert = add_cause(alert, &format!("cause {}", i + 1), cause);
    }
    Some(alert)
}

fn add_cause(mut alert: Alert, name: &str, cause: &CauseReport) -> Alert {
    alert = alert.fact(name, format!("[{}] {}", cause.severity, cause.summary));
    for line in &cause.evidence {
        alert = alert.fact(format!("{name} evidence"), line);
    }
    for repair in &cause.repairs {
        let verified = match repair.verified {
            Some(true) => ", verified by re-check",
            Some(false) => ", NOT verified: the re-check still finds the problem",
            None => "",
        };
        alert = alert.fact(
            format!("{name} repair"),
            format!(
                "{} - {}: {}{verified}",
                repair.action, repair.status, repair.detail
            ),
        );
    }
    for (i, step) in cause.steps.iter().enumerate() {
        alert = alert.fact(format!("{name} you must, step {}", i + 1), step);
    }
    alert
}

/// The alert when the check itself could not run: until one runs, delivery is not watched.
pub(crate) fn failure_alert(trigger: &str, error: &Error) -> Alert {
    vigil::error::invocation_failed(
        SOURCE,
        format!("CloudTrail delivery check failed: {}", error.cause()),
        error,
        RETRY,
    )
    .fact("checked because", trigger)
    .fact(
        "meanwhile",
        "CloudTrail delivery is not being watched until a check runs",
    )
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
        .metric(
            "Duration",
            elapsed.as_secs_f64() * 1000.0,
            Unit::Milliseconds,
        )
        .property("cause", error.cause())
        .property("retryable", error.retryable())
        .emit();
}

/// EMF metrics for the invocation: totals by trigger, and one count per cause kind found.
pub(crate) fn emit_metrics(namespace: &str, trigger: &str, outcome: &Outcome, elapsed: Duration) {
    let causes: usize =
        outcome.trails.iter().map(|t| t.causes.len()).sum::<usize>() + outcome.account.len();
    let repairs: Vec<&RepairReport> = outcome
        .trails
        .iter()
        .flat_map(|t| &t.causes)
        .flat_map(|c| &c.repairs)
        .collect();
    let count = |f: &dyn Fn(&RepairReport) -> bool| repairs.iter().filter(|r| f(r)).count() as f64;
    MetricSet::new(namespace)
        .dimension("Function", SOURCE)
        .dimension("Trigger", trigger)
        .metric("TrailsChecked", outcome.trails_checked as f64, Unit::Count)
        .metric("TrailsHealthy", outcome.trails_healthy as f64, Unit::Count)
        .metric(
            "TrailsAwaitingConfirmation",
            outcome
                .trails
                .iter()
                .filter(|t| t.verdict == Verdict::AwaitingConfirmation)
                .count() as f64,
            Unit::Count,
        )
        .metric("CausesFound", causes as f64, Unit::Count)
        .metric(
            "RepairsDone",
            count(&|r| r.status == RepairStatus::Done),
            Unit::Count,
        )
        .metric(
            "RepairsVerified",
            count(&|r| r.verified == Some(true)),
            Unit::Count,
        )
        .metric(
            "RepairsFailed",
            count(&|r| r.status == RepairStatus::Failed),
            Unit::Count,
        )
        .metric("AlertsSent", outcome.alerts_sent as f64, Unit::Count)
        .metric(
            "Duration",
            elapsed.as_secs_f64() * 1000.0,
            Unit::Milliseconds,
        )
        .property("ignored", outcome.ignored.is_some())
        .emit();
    let mut by_kind: BTreeMap<CauseKind, usize> = BTreeMap::new();
    for cause in outcome
        .trails
        .iter()
        .flat_map(|t| &t.causes)
        .chain(&outcome.account)
    {
        *by_kind.entry(cause.kind).or_default() += 1;
    }
    for (kind, n) in by_kind {
        MetricSet::new(namespace)
            .dimension("Function", SOURCE)
            .dimension("Cause", kind.to_string())
            .metric("CauseFound", n as f64, Unit::Count)
            .emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Cause, Repair};

    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";

    fn cause(kind: CauseKind, repairs: Vec<Repair>, explains: Vec<Signal>) -> Cause {
        Cause {
            kind,
            subject: "logs".into(),
            severity: Severity::High,
            summary: format!("{kind:?}"),
            evidence: vec!["seen".into()],
            repairs,
            steps: vec!["do this".into()],
            explains,
        }
    }

    fn diagnosis(causes: Vec<Cause>) -> TrailDiagnosis {
        TrailDiagnosis {
            trail_arn: TRAIL.into(),
            trail_name: "main".into(),
            home_region: "us-east-1".into(),
            causes,
        }
    }

    fn add() -> Repair {
        Repair::AddBucketStatements {
            bucket: "logs".into(),
            region: "us-east-1".into(),
            statements: vec![serde_json::json!({"Sid": "AWSCloudTrailWritemain"})],
        }
    }

    fn at(minute: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()
            + chrono::Duration::minutes(minute)
    }

    fn confirming(minute: i64) -> Confirming {
        Confirming {
            now: at(minute),
            window: chrono::Duration::minutes(90),
            kept: true,
        }
    }

    /// The reports of one invocation with nothing awaited.
    fn reports(
        before: &[TrailDiagnosis],
        planned: &[Planned],
        executed: &[Executed],
        after: &[TrailDiagnosis],
    ) -> Vec<TrailReport> {
        trail_reports(
            before,
            planned,
            executed,
            after,
            &mut BTreeMap::new(),
            confirming(0),
        )
        .0
    }

    fn planned(decision: Decision) -> Vec<Planned> {
        vec![Planned {
            trail_arn: TRAIL.into(),
            cause: (CauseKind::BucketPolicyWrite, "logs".into()),
            repair: add(),
            decision,
        }]
    }

    #[test]
    fn repaired_and_verified_leaves_only_a_note_about_the_old_error() {
        let denied = Signal::LatestDeliveryError("AccessDenied".into());
        let before = vec![diagnosis(vec![cause(
            CauseKind::BucketPolicyWrite,
            vec![add()],
            vec![denied.clone()],
        )])];
        let executed = vec![Executed {
            repair: add(),
            result: RunResult::Done("added".into()),
        }];
        // CloudTrail still reports the error of its last attempt right after the repair.
        let after = vec![diagnosis(vec![cause(
            CauseKind::DeliveryFailing,
            vec![],
            vec![denied],
        )])];
        let reports = reports(&before, &planned(Decision::Go), &executed, &after);
        let r = &reports[0];
        assert_eq!(r.verdict, Verdict::RepairedVerified);
        assert!(r.causes[0].resolved);
        assert!(r.causes[0].steps.is_empty());
        assert_eq!(r.causes[0].repairs[0].verified, Some(true));
        assert!(r.remaining.is_empty());
        assert_eq!(r.awaiting_next_delivery.len(), 1);

        let alert = trail_alert(r, "StopLogging by alice").unwrap();
        assert_eq!(alert.severity, Severity::Medium);
        assert!(alert.subject().contains("repaired-verified"));
        let body = alert.body();
        assert!(body.contains("verified by re-check"), "{body}");
        assert!(body.contains("clears at the next delivery"), "{body}");
    }

    /// The trail right after its bucket-policy repair: CloudTrail still reports the
    /// AccessDenied of its attempt before it.
    fn left_over_denial() -> Vec<TrailDiagnosis> {
        let denied = Signal::LatestDeliveryError("AccessDenied".into());
        vec![diagnosis(vec![Cause {
            subject: TRAIL.into(),
            ..cause(CauseKind::DeliveryFailing, vec![], vec![denied])
        }])]
    }

    /// A record that awaits the left-over denial, repaired at minute 0 for 90 minutes.
    fn awaiting_the_denial() -> BTreeMap<String, Awaiting> {
        let mut record = Awaiting::default();
        record.expect(
            &awaiting_id(&left_over_denial()[0].causes[0]),
            "add 2 statement(s)".into(),
            at(0),
            chrono::Duration::minutes(90),
        );
        [(TRAIL.to_owned(), record)].into()
    }

    #[test]
    fn the_event_a_repair_caused_is_reported_but_not_alerted_until_the_wait_is_over() {
        let denied = Signal::LatestDeliveryError("AccessDenied".into());
        let before = vec![diagnosis(vec![cause(
            CauseKind::BucketPolicyWrite,
            vec![add()],
            vec![denied],
        )])];
        let executed = vec![Executed {
            repair: add(),
            result: RunResult::Done("added".into()),
        }];
        let mut awaiting = BTreeMap::new();
        let (first, changed) = trail_reports(
            &before,
            &planned(Decision::Go),
            &executed,
            &left_over_denial(),
            &mut awaiting,
            confirming(0),
        );
        assert_eq!(first[0].verdict, Verdict::RepairedVerified);
        assert!(first[0].awaiting_next_delivery[0].contains("no new alert for it until"));
        assert_eq!(changed[TRAIL].entries.len(), 1, "{changed:#?}");

        // The PutBucketPolicy event of the repair comes back; the status still says AccessDenied.
        let (again, changed) = trail_reports(
            &left_over_denial(),
            &[],
            &[],
            &[],
            &mut awaiting,
            confirming(10),
        );
        let r = &again[0];
        assert_eq!(r.verdict, Verdict::AwaitingConfirmation, "{r:#?}");
        assert!(r.causes[0].awaiting && !r.causes[0].resolved);
        assert!(
            r.causes[0]
                .evidence
                .iter()
                .any(|e| e.contains("no new alert until"))
        );
        assert!(trail_alert(r, "PutBucketPolicy by vigil").is_none());
        assert!(changed.is_empty(), "nothing changed: {changed:#?}");

        // CloudTrail delivers: the cause is gone, and so is what was awaited.
        let (healthy, changed) = trail_reports(
            &[diagnosis(vec![])],
            &[],
            &[],
            &[],
            &mut awaiting,
            confirming(20),
        );
        assert_eq!(healthy[0].verdict, Verdict::Healthy);
        assert!(changed[TRAIL].entries.is_empty());
    }

    #[test]
    fn a_cause_that_outlasts_the_wait_alerts_once_as_a_repair_that_did_not_take() {
        let mut awaiting = awaiting_the_denial();
        let (late, changed) = trail_reports(
            &left_over_denial(),
            &[],
            &[],
            &[],
            &mut awaiting,
            confirming(91),
        );
        let r = &late[0];
        assert_eq!(r.verdict, Verdict::NeedsAPerson);
        assert!(!r.causes[0].awaiting);
        let alert = trail_alert(r, "scheduled health check").unwrap();
        assert_eq!(alert.severity, Severity::High);
        assert!(
            alert.body().contains("the repair did not take"),
            "{}",
            alert.body()
        );
        // Reported once as overdue; from now on it is an ordinary cause.
        assert!(changed[TRAIL].entries.is_empty());
    }

    #[test]
    fn another_cause_on_the_same_status_error_is_not_awaited() {
        let mut awaiting = awaiting_the_denial();
        // Someone has since added a Deny: the same AccessDenied, a different cause.
        let denied = Signal::LatestDeliveryError("AccessDenied".into());
        let deny = vec![diagnosis(vec![cause(
            CauseKind::BucketPolicyDenies,
            vec![],
            vec![denied],
        )])];
        let (now, _) = trail_reports(&deny, &[], &[], &[], &mut awaiting, confirming(5));
        assert_eq!(now[0].verdict, Verdict::NeedsAPerson);
        assert!(trail_alert(&now[0], "PutBucketPolicy by mallory").is_some());
    }

    #[test]
    fn repair_that_did_not_take_is_not_verified() {
        let before = vec![diagnosis(vec![cause(
            CauseKind::BucketPolicyWrite,
            vec![add()],
            vec![],
        )])];
        let executed = vec![Executed {
            repair: add(),
            result: RunResult::Done("added".into()),
        }];
        let reports = reports(&before, &planned(Decision::Go), &executed, &before);
        assert_eq!(reports[0].verdict, Verdict::RepairedNotVerified);
        assert_eq!(reports[0].causes[0].repairs[0].verified, Some(false));
        assert_eq!(reports[0].remaining.len(), 1);
    }

    #[test]
    fn skipped_repairs_leave_the_steps_for_a_person() {
        let before = vec![diagnosis(vec![cause(
            CauseKind::BucketPolicyWrite,
            vec![add()],
            vec![],
        )])];
        let reports = reports(
            &before,
            &planned(Decision::Skip("off".into())),
            &[],
            &before,
        );
        let r = &reports[0];
        assert_eq!(r.verdict, Verdict::NeedsAPerson);
        assert_eq!(r.causes[0].repairs[0].status, RepairStatus::Skipped);
        let alert = trail_alert(r, "scheduled health check").unwrap();
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.body().contains("cause 1 you must, step 1: do this"));
    }

    #[test]
    fn a_check_that_cannot_run_says_whether_waiting_helps() {
        use vigil::aws::{AwsCallError, AwsFailure};
        let denied = Error::Inventory(AwsCallError {
            operation: "cloudtrail:ListTrails",
            failure: AwsFailure::AccessDenied,
            code: Some("AccessDeniedException".into()),
            message: "not authorized".into(),
        });
        let alert = failure_alert("scheduled health check", &denied);
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.body().contains("not being watched"));
        let late = failure_alert("x", &Error::Deadline("1 ms left".into()));
        assert_eq!(late.severity, Severity::Medium);
        // The one failure policy: no retry can help a malformed event, so a person must act.
        let malformed = failure_alert("x", &Error::MalformedEvent("no detail-type".into()));
        assert_eq!(malformed.severity, Severity::High);
    }

    #[test]
    fn healthy_trails_raise_no_alert() {
        let reports = reports(&[diagnosis(vec![])], &[], &[], &[diagnosis(vec![])]);
        assert_eq!(reports[0].verdict, Verdict::Healthy);
        assert!(trail_alert(&reports[0], "x").is_none());
        assert!(account_alert(&[], "111122223333", "x").is_none());
    }
}
