//! What the responder says about a finding: the invocation's result, the SNS alert and the
//! EMF metrics; and, when the invocation fails, the failure alert and metrics. Pure, apart from
//! printing the metrics lines.

use std::time::Duration;

use serde::Serialize;
use vigil::alert::{Alert, Severity};
use vigil::error::Cause;
use vigil::events::guardduty::Finding;
use vigil::metrics::{MetricSet, Unit};

use crate::actions::{ActionOutcome, Status};
use crate::config::{Mode, ResponseSettings};
use crate::error::Error;
use crate::playbook::{Decision, Family};

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
    /// SNS message id of the alert; `None` when no topic is configured.
    pub alert_message_id: Option<String>,
}

/// What the finding is about, in a few words.
fn resource_label(finding: &Finding) -> String {
    let r = &finding.resource;
    if let Some(id) = finding.instance_id() {
        return format!("instance {id}");
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
        count: finding.service.count,
        resource: resource_label(finding),
        mode: settings.mode,
        dry_run: settings.dry_run,
        held: decision.held.clone(),
        outcome: overall(&actions),
        actions,
        alert_message_id: None,
    }
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
    for outcome in &report.actions {
        alert = alert.fact(
            format!("{} {}", outcome.status, outcome.action),
            format!("{}: {}", outcome.target, outcome.detail),
        );
    }
    alert
        .attribute("family", report.family.to_string())
        .attribute("finding_type", &report.finding_type)
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
        let decision = crate::playbook::decide(&f, &settings);
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
        let decision = crate::playbook::decide(&f, &settings);
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
