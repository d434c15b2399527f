//! What the responder says about a finding or a release: the invocation's result, the SNS
//! alert and the EMF metrics; and, when the invocation fails, the failure alert and metrics.
//! Pure, apart from printing the metrics lines.
//!
//! An alert fits SNS by construction ([`fit`]): the subject is cut to 100 characters by
//! `vigil::alert`, every fact to [`MAX_FACT_CHARS`], the action lines to the first
//! [`MAX_ACTION_FACTS`] with counts of all, and the whole message below [`MAX_MESSAGE_BYTES`]
//! (SNS takes 256 KB with the attributes). The full report is the invocation's result and is
//! logged whole.

use std::time::Duration;

use serde::Serialize;
use vigil::alert::{Alert, Severity};
use vigil::error::Cause;
use vigil::events::guardduty::Finding;
use vigil::metrics::{MetricSet, Unit};

use crate::actions::drill::ReceiptOutcome;
use crate::actions::release::{UndoOutcome, UndoStatus};
use crate::actions::{ActionOutcome, Status};
use crate::config::{Mode, ResponseSettings};
use crate::error::Error;
use crate::playbook::{Decision, Family};

/// The longest fact value an alert carries.
pub const MAX_FACT_CHARS: usize = 2_000;
/// At most this many action (or undo) lines; the counts cover all of them.
pub const MAX_ACTION_FACTS: usize = 25;
/// An alert's message stays below this (SNS: 262,144 bytes with the message attributes).
pub const MAX_MESSAGE_BYTES: usize = 200_000;
/// At most this many guidance lines in an alert.
const MAX_GUIDANCE_FACTS: usize = 12;

const FUNCTION: &str = "guardduty-responder";

/// Who retries a failed invocation (EventBridge invokes the function asynchronously).
const RETRY: &str = "Lambda retries the asynchronous invocation (twice)";

/// One word for the whole response, also a message attribute subscribers can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Something failed (whatever else was done).
    Failed,
    /// Something changed now.
    Acted,
    /// Everything was already in the wanted state.
    AlreadyDone,
    /// Alert-only mode or a dry run: actions would have run.
    WouldAct,
    /// No action could or may run.
    AlertOnly,
}

serde_plain::derive_display_from_serialize!(Outcome);

/// The invocation's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub finding_id: String,
    pub finding_type: String,
    pub account_id: String,
    pub region: Option<String>,
    pub severity: f64,
    pub band: Severity,
    pub family: Family,
    pub count: u64,
    pub resource: String,
    pub mode: Mode,
    pub dry_run: bool,
    /// Why nothing may be done at all (sample, archived, exempt), if so.
    pub held: Option<String>,
    pub outcome: Outcome,
    pub actions: Vec<ActionOutcome>,
    /// What the family's playbook does, in words.
    pub playbook: String,
    /// What a person should do that the function cannot (kubectl, host commands).
    pub guidance: Vec<String>,
    /// The SSM parameter holding what a release would undo, when something was changed.
    pub record: Option<String>,
    /// Why the record could not be written, if so (release then needs a person).
    pub record_error: Option<String>,
    /// SNS message id of the alert; `None` when no topic is configured or publishing failed.
    pub alert_message_id: Option<String>,
    /// Why the alert could not be published, after retries; what was done is unchanged.
    pub alert_error: Option<String>,
    /// For a sample finding of detector-guard's drill under way: its receipt (filed after the
    /// alert). `None` for every other finding, and without a state store.
    pub drill_receipt: Option<ReceiptOutcome>,
}

/// What the finding is about, in a few words.
fn resource_label(finding: &Finding) -> String {
    let r = &finding.resource;
    if let Some(id) = finding.instance_id() {
        return format!("instance {id}");
    }
    if let Some(l) = &r.lambda_details
        && let Some(name) = l.function_name.as_deref().or(l.function_arn.as_deref())
    {
        return format!("function {name}");
    }
    if let Some(task) = r
        .ecs_cluster_details
        .as_ref()
        .and_then(|c| c.task_details.as_ref())
        .and_then(|t| t.arn.as_deref())
    {
        return format!("task {task}");
    }
    let objects: Vec<String> = r
        .s3_bucket_details
        .iter()
        .flat_map(|b| {
            let bucket = b.name.clone().unwrap_or_default();
            b.s3_object_details
                .iter()
                .filter_map(move |o| o.key.as_ref().map(|k| format!("s3://{bucket}/{k}")))
        })
        .collect();
    if !objects.is_empty() {
        return format!("object {}", objects.join(", "));
    }
    if let Some(c) = r
        .eks_cluster_details
        .as_ref()
        .and_then(|c| c.name.as_deref())
    {
        return format!("EKS cluster {c}");
    }
    if let Some(key) = &r.access_key_details {
        let who = key.user_name.as_deref().unwrap_or("unknown principal");
        let kind = key.user_type.as_deref().unwrap_or("principal");
        return match key.access_key_id.as_deref() {
            Some(id) => format!("{kind} {who} (key {id})"),
            None => format!("{kind} {who}"),
        };
    }
    let buckets: Vec<&str> = r
        .s3_bucket_details
        .iter()
        .filter_map(|b| b.name.as_deref())
        .collect();
    if !buckets.is_empty() {
        return format!("bucket {}", buckets.join(", "));
    }
    if let Some(id) = r.rds_db_instance_details.as_ref().and_then(|db| {
        db.db_instance_identifier
            .as_deref()
            .or(db.db_cluster_identifier.as_deref())
    }) {
        return format!("database {id}");
    }
    r.resource_type
        .clone()
        .unwrap_or_else(|| "unknown resource".into())
}

/// The whole response in one word: failures first, then what changed.
fn overall(outcomes: &[ActionOutcome]) -> Outcome {
    let any = |status| outcomes.iter().any(|o| o.status == status);
    if any(Status::Failed) {
        Outcome::Failed
    } else if any(Status::Done) {
        Outcome::Acted
    } else if any(Status::AlreadyDone) {
        Outcome::AlreadyDone
    } else if any(Status::WouldDo) {
        Outcome::WouldAct
    } else {
        Outcome::AlertOnly
    }
}

pub(crate) fn build(
    finding: &Finding,
    decision: &Decision,
    settings: &ResponseSettings,
    actions: Vec<ActionOutcome>,
) -> Report {
    Report {
        finding_id: finding.id.clone(),
        finding_type: finding.kind.clone(),
        account_id: finding.account_id.clone(),
        region: finding.region.clone(),
        severity: finding.severity,
        band: decision.band,
        family: decision.family,
        count: finding.service().count,
        resource: resource_label(finding),
        mode: settings.mode,
        dry_run: settings.dry_run,
        held: decision.held.clone(),
        outcome: overall(&actions),
        actions,
        playbook: decision.playbook.to_owned(),
        guidance: decision.guidance.clone(),
        record: None,
        record_error: None,
        alert_message_id: None,
        alert_error: None,
        drill_receipt: None,
    }
}

/// `done 3, skipped 1` for the statuses that occur.
fn counts<T: Copy + PartialEq + std::fmt::Display>(all: &[T]) -> String {
    let mut seen: Vec<(T, usize)> = Vec::new();
    for s in all {
        match seen.iter_mut().find(|(t, _)| t == s) {
            Some((_, n)) => *n += 1,
            None => seen.push((*s, 1)),
        }
    }
    if seen.is_empty() {
        return "none".into();
    }
    seen.iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` cut to `max` characters, saying how much was left out.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((at, _)) => format!(
            "{}... ({} more characters: the full text is in the function's log and result)",
            &text[..at],
            text.chars().count() - max
        ),
    }
}

/// The alert cut to fit SNS: every fact to [`MAX_FACT_CHARS`], then, while the message is
/// still too large, every fact to a tenth of that.
pub fn fit(mut alert: Alert) -> Alert {
    for limit in [MAX_FACT_CHARS, MAX_FACT_CHARS / 10, 80] {
        for (_, value) in &mut alert.facts {
            if value.chars().count() > limit {
                *value = cut(value, limit);
            }
        }
        if alert.body().len() <= MAX_MESSAGE_BYTES {
            return alert;
        }
    }
    while alert.body().len() > MAX_MESSAGE_BYTES && alert.facts.len() > 1 {
        alert.facts.pop();
    }
    alert
}

/// The alert for a handled finding.
pub(crate) fn alert(report: &Report, finding: &Finding) -> Alert {
    let verb = match report.outcome {
        Outcome::Acted => "contained",
        Outcome::AlreadyDone => "already handled",
        Outcome::WouldAct => "would act",
        Outcome::Failed => "response FAILED",
        Outcome::AlertOnly => "alert only",
    };
    let mut alert = Alert::new(
        report.band,
        FUNCTION,
        format!(
            "GuardDuty {} on {}: {verb}",
            report.finding_type, report.resource
        ),
    )
    .fact(
        "what happened",
        finding
            .title
            .clone()
            .unwrap_or_else(|| report.finding_type.clone()),
    )
    .fact("finding", &report.finding_id)
    .fact("type", &report.finding_type)
    .fact(
        "severity",
        format!("{:.1} ({})", report.severity, report.band),
    )
    .fact("account", &report.account_id)
    .fact("region", report.region.as_deref().unwrap_or("unknown"))
    .fact("resource", &report.resource)
    .fact("family", report.family.to_string())
    .fact("times seen", report.count.to_string())
    .fact(
        "mode",
        if report.dry_run {
            format!("{} (dry run)", report.mode)
        } else {
            report.mode.to_string()
        },
    );
    alert = alert.fact("playbook", &report.playbook);
    if let Some(held) = &report.held {
        alert = alert.fact("held", held);
    }
    if report.actions.is_empty() {
        alert = alert.fact(
            "actions",
            format!(
                "none: no playbook for {} findings; look at it in the GuardDuty console",
                report.family
            ),
        );
    }
    if !report.actions.is_empty() {
        let statuses: Vec<Status> = report.actions.iter().map(|o| o.status).collect();
        alert = alert.fact("action counts", counts(&statuses));
    }
    for outcome in report.actions.iter().take(MAX_ACTION_FACTS) {
        alert = alert.fact(
            format!("{} {}", outcome.status, outcome.action),
            format!("{}: {}", outcome.target, outcome.detail),
        );
    }
    if report.actions.len() > MAX_ACTION_FACTS {
        alert = alert.fact(
            "more actions",
            format!(
                "{} more not listed here: the full list is in the function's log and its result",
                report.actions.len() - MAX_ACTION_FACTS
            ),
        );
    }
    for (i, line) in report.guidance.iter().take(MAX_GUIDANCE_FACTS).enumerate() {
        alert = alert.fact(format!("do by hand {}", i + 1), line);
    }
    if let Some(record) = &report.record {
        alert = alert.fact(
            "release",
            format!("what was changed is recorded in {record}; send a release request for finding {} to undo it", report.finding_id),
        );
    }
    if let Some(error) = &report.record_error {
        alert = alert.fact("release record NOT written", error);
    }
    fit(alert
        .attribute("family", report.family.to_string())
        .attribute("finding_type", &report.finding_type)
        .attribute("outcome", report.outcome.to_string()))
}

/// A short alert sent when the full one could not be published (SNS refused it or failed):
/// the essentials only.
pub(crate) fn fallback_alert(report: &Report, error: &str) -> Alert {
    let statuses: Vec<Status> = report.actions.iter().map(|o| o.status).collect();
    Alert::new(
        report.band,
        FUNCTION,
        format!(
            "GuardDuty {} on {}: {}",
            report.finding_type, report.resource, report.outcome
        ),
    )
    .fact("finding", &report.finding_id)
    .fact("account", &report.account_id)
    .fact("action counts", counts(&statuses))
    .fact(
        "full alert",
        cut(
            &format!("not published ({error}); the full report is in the function's log"),
            500,
        ),
    )
    .attribute("family", report.family.to_string())
    .attribute("outcome", report.outcome.to_string())
}

/// The error that makes Lambda retry the invocation, when an action failed in a way a retry can
/// help (the alert has gone out first and lists every failure).
pub(crate) fn retry_needed(report: &Report) -> Option<Error> {
    let retryable: Vec<&ActionOutcome> = report
        .actions
        .iter()
        .filter(|o| o.status == Status::Failed && o.retryable)
        .collect();
    (!retryable.is_empty()).then(|| Error::ActionsFailed {
        finding: report.finding_id.clone(),
        count: retryable.len(),
        failures: retryable
            .iter()
            .map(|o| format!("{} {}: {}", o.action, o.target, o.detail))
            .collect::<Vec<_>>()
            .join("; "),
    })
}

/// The metrics of a handled finding, per family.
pub(crate) fn emit_metrics(namespace: &str, report: &Report, elapsed: Duration) {
    let count = |status| report.actions.iter().filter(|o| o.status == status).count() as f64;
    MetricSet::new(namespace)
        .dimension("Function", FUNCTION)
        .dimension("Family", report.family.to_string())
        .metric("Findings", 1.0, Unit::Count)
        .metric("ActionsDone", count(Status::Done), Unit::Count)
        .metric(
            "ActionsAlreadyDone",
            count(Status::AlreadyDone),
            Unit::Count,
        )
        .metric(
            "ActionsSkipped",
            count(Status::Skipped) + count(Status::WouldDo),
            Unit::Count,
        )
        .metric("ActionsFailed", count(Status::Failed), Unit::Count)
        .metric(
            "AlertsFailed",
            if report.alert_error.is_some() {
                1.0
            } else {
                0.0
            },
            Unit::Count,
        )
        .metric(
            "RecordsFailed",
            if report.record_error.is_some() {
                1.0
            } else {
                0.0
            },
            Unit::Count,
        )
        .metric("Duration", milliseconds(elapsed), Unit::Milliseconds)
        .property("findingId", report.finding_id.clone())
        .property("findingType", report.finding_type.clone())
        .property("band", report.band.to_string())
        .property("outcome", report.outcome.to_string())
        .emit();
}

/// The metrics of a failed invocation.
pub(crate) fn emit_failure_metrics(namespace: &str, error: &Error, elapsed: Duration) {
    MetricSet::new(namespace)
        .dimension("Function", FUNCTION)
        .dimension("Family", "unknown")
        .metric("Errors", 1.0, Unit::Count)
        .metric("Duration", milliseconds(elapsed), Unit::Milliseconds)
        .property("cause", error.cause())
        .property("retryable", error.retryable())
        .emit();
}

/// The whole release in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseOutcome {
    /// Everything recorded is undone (or was already).
    Released,
    /// Some undos were kept (a key not asked to be reactivated) or failed; they stay recorded.
    Partial,
    /// The finding was never acted on: no record.
    NeverActedOn,
    /// An earlier release undid everything already.
    AlreadyReleased,
    /// The finding's account could not be reached, or the record not read.
    Failed,
}

serde_plain::derive_display_from_serialize!(ReleaseOutcome);

/// The result of a release request.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseReport {
    pub finding_id: String,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub requested_by: Option<String>,
    pub reason: Option<String>,
    pub outcome: ReleaseOutcome,
    pub undone: Vec<UndoOutcome>,
    /// Why nothing could be done, when so.
    pub problem: Option<String>,
    /// Responder changes a release never undoes.
    pub not_undone: String,
    pub alert_message_id: Option<String>,
    pub alert_error: Option<String>,
}

/// What a release leaves, on purpose.
pub const NOT_UNDONE: &str = "snapshots (evidence), instance finding tags, a stopped ECS task (ECS starts a new one), a rotated secret, a bucket's public access block";

/// The whole release in one word.
pub(crate) fn release_outcome(undone: &[UndoOutcome]) -> ReleaseOutcome {
    if undone
        .iter()
        .any(|u| matches!(u.status, UndoStatus::Kept | UndoStatus::Failed))
    {
        ReleaseOutcome::Partial
    } else {
        ReleaseOutcome::Released
    }
}

/// The alert for a release.
pub(crate) fn release_alert(report: &ReleaseReport) -> Alert {
    let severity = match report.outcome {
        ReleaseOutcome::Failed | ReleaseOutcome::Partial => Severity::Medium,
        _ => Severity::Info,
    };
    let verb = match report.outcome {
        ReleaseOutcome::Released => "released",
        ReleaseOutcome::Partial => "partly released",
        ReleaseOutcome::NeverActedOn => "never acted on: nothing to release",
        ReleaseOutcome::AlreadyReleased => "already released",
        ReleaseOutcome::Failed => "release FAILED",
    };
    let mut alert = Alert::new(
        severity,
        FUNCTION,
        format!("GuardDuty finding {}: {verb}", report.finding_id),
    )
    .fact("finding", &report.finding_id)
    .fact("account", report.account_id.as_deref().unwrap_or("unknown"))
    .fact("region", report.region.as_deref().unwrap_or("unknown"))
    .fact(
        "requested by",
        report.requested_by.as_deref().unwrap_or("not said"),
    )
    .fact("reason", report.reason.as_deref().unwrap_or("not said"));
    if let Some(problem) = &report.problem {
        alert = alert.fact("problem", problem);
    }
    if !report.undone.is_empty() {
        let statuses: Vec<UndoStatus> = report.undone.iter().map(|u| u.status).collect();
        alert = alert.fact("undo counts", counts(&statuses));
    }
    for u in report.undone.iter().take(MAX_ACTION_FACTS) {
        alert = alert.fact(format!("{} {}", u.status, u.what), &u.detail);
    }
    if report.undone.len() > MAX_ACTION_FACTS {
        alert = alert.fact(
            "more undos",
            format!(
                "{} more: see the function's log",
                report.undone.len() - MAX_ACTION_FACTS
            ),
        );
    }
    fit(alert
        .fact("never undone", NOT_UNDONE)
        .attribute("outcome", report.outcome.to_string())
        .attribute("kind", "release"))
}

/// The metrics of a release.
pub(crate) fn emit_release_metrics(namespace: &str, report: &ReleaseReport, elapsed: Duration) {
    let count = |status| report.undone.iter().filter(|u| u.status == status).count() as f64;
    MetricSet::new(namespace)
        .dimension("Function", FUNCTION)
        .dimension("Family", "release")
        .metric("Releases", 1.0, Unit::Count)
        .metric("Undone", count(UndoStatus::Undone), Unit::Count)
        .metric("UndoFailed", count(UndoStatus::Failed), Unit::Count)
        .metric(
            "AlertsFailed",
            if report.alert_error.is_some() {
                1.0
            } else {
                0.0
            },
            Unit::Count,
        )
        .metric("Duration", milliseconds(elapsed), Unit::Milliseconds)
        .property("findingId", report.finding_id.clone())
        .property("outcome", report.outcome.to_string())
        .emit();
}

fn milliseconds(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}

/// The alert for a failed invocation: the finding was not (fully) answered. `finding` is the
/// finding when the event could be read.
pub(crate) fn failure_alert(error: &Error, finding: Option<&Finding>) -> Alert {
    let title = match finding {
        Some(f) => format!("GuardDuty {} not handled", f.kind),
        None => "a GuardDuty event could not be handled".to_owned(),
    };
    let alert = vigil::error::invocation_failed(FUNCTION, title, error, RETRY);
    match finding {
        Some(f) => alert
            .fact("finding", &f.id)
            .fact("type", &f.kind)
            .fact("account", &f.account_id)
            .fact("region", f.region.as_deref().unwrap_or("unknown"))
            .fact("resource", resource_label(f)),
        None => alert,
    }
}

#[cfg(test)]
mod fit_tests {
    use super::*;

    #[test]
    fn any_alert_fits_sns() {
        let mut alert = Alert::new(Severity::High, FUNCTION, "t".repeat(500));
        for i in 0..3_000 {
            alert = alert.fact(format!("fact {i}"), "x".repeat(5_000));
        }
        let fitted = fit(alert);
        assert!(fitted.body().len() <= MAX_MESSAGE_BYTES);
        assert!(fitted.subject().len() <= 100);
        let small = fit(Alert::new(Severity::Low, FUNCTION, "t").fact("a", "b"));
        assert_eq!(
            small.facts,
            [("a".to_string(), "b".to_string())],
            "a small alert is untouched"
        );
        assert!(cut(&"é".repeat(10), 3).starts_with("ééé..."));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ActionKind;
    use vigil::events::guardduty::FindingEvent;

    fn finding() -> Finding {
        let event = vigil_tests::events::load("guardduty-responder", "ec2-compromised", &[]);
        FindingEvent::from_value(event).unwrap().finding
    }

    fn outcome(status: Status) -> ActionOutcome {
        ActionOutcome {
            action: ActionKind::IsolateInstance,
            target: "i-1".into(),
            status,
            detail: "d".into(),
            retryable: false,
        }
    }

    #[test]
    fn overall_outcome_puts_failures_first() {
        assert_eq!(
            overall(&[outcome(Status::Done), outcome(Status::Failed)]),
            Outcome::Failed
        );
        assert_eq!(
            overall(&[outcome(Status::AlreadyDone), outcome(Status::Done)]),
            Outcome::Acted
        );
        assert_eq!(
            overall(&[outcome(Status::AlreadyDone)]),
            Outcome::AlreadyDone
        );
        assert_eq!(overall(&[outcome(Status::Skipped)]), Outcome::AlertOnly);
        assert_eq!(overall(&[]), Outcome::AlertOnly);
    }

    #[test]
    fn alert_names_everything_and_fits_sns() {
        let f = finding();
        let settings = ResponseSettings::default();
        let decision = crate::playbook::decide(&f, &settings, &crate::playbook::tests::scope());
        let report = build(&f, &decision, &settings, vec![outcome(Status::Done)]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["band"], "HIGH", "the band as GuardDuty names it");
        assert_eq!(json["family"], "ec2-compromised");
        let alert = alert(&report, &f);
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.subject().len() <= 100);
        assert!(
            alert
                .subject()
                .starts_with("[Vigil HIGH] GuardDuty Backdoor:EC2/")
        );
        let body = alert.body();
        for expected in [
            "a1c4e0d9f0a1b2c3d4e5f60718293a01",
            "8.0 (HIGH)",
            "instance i-0a1b2c3d4e5f60001",
            "done isolate-instance",
            "Command and Control",
        ] {
            assert!(body.contains(expected), "{expected} missing from\n{body}");
        }
        assert!(
            alert
                .attributes
                .contains(&("family".into(), "ec2-compromised".into()))
        );
        assert!(
            alert
                .attributes
                .contains(&("outcome".into(), "acted".into()))
        );
    }

    #[test]
    fn the_answer_the_alert_and_the_metrics_use_the_serde_names() {
        let f = finding();
        let settings = ResponseSettings::default();
        let decision = crate::playbook::decide(&f, &settings, &crate::playbook::tests::scope());
        let outcomes = vec![outcome(Status::AlreadyDone), outcome(Status::WouldDo)];
        let report = build(&f, &decision, &settings, outcomes);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["mode"], "alert-only");
        assert_eq!(json["outcome"], "already-done");
        assert_eq!(json["actions"][1]["status"], "would-do");
        assert_eq!(report.outcome.to_string(), "already-done");
        let body = alert(&report, &f).body();
        for expected in [
            "already-done isolate-instance",
            "would-do isolate-instance",
            "alert-only",
        ] {
            assert!(body.contains(expected), "{expected} missing from\n{body}");
        }
    }

    #[test]
    fn a_failed_invocation_alerts_with_who_retries_and_the_finding_when_known() {
        let f = finding();
        let late = Error::Deadline("the actions".into());
        let alert = failure_alert(&late, Some(&f));
        assert_eq!(
            alert.severity,
            Severity::Medium,
            "a retry follows by itself"
        );
        let body = alert.body();
        for expected in [
            "GuardDuty Backdoor:EC2/C&CActivity.B!DNS not handled",
            "yes: Lambda retries the asynchronous invocation (twice)",
            "a1c4e0d9f0a1b2c3d4e5f60718293a01",
            "instance i-0a1b2c3d4e5f60001",
        ] {
            assert!(body.contains(expected), "{expected} missing from\n{body}");
        }
        assert_eq!(alert.attributes, [("cause".into(), "Deadline".into())]);

        let unreadable = Error::Event(
            vigil::events::guardduty::FindingEvent::from_value(serde_json::json!(null))
                .unwrap_err(),
        );
        let alert = failure_alert(&unreadable, None);
        assert_eq!(
            alert.severity,
            Severity::High,
            "a retry cannot fix the event"
        );
        assert_eq!(alert.title, "a GuardDuty event could not be handled");
        assert!(
            alert.facts.iter().all(|(name, _)| name != "finding"),
            "{:?}",
            alert.facts
        );
    }
}
