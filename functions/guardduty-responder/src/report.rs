//! What the responder says about a finding: the invocation's result and the SNS alert. Pure.

use serde::Serialize;
use vigil::alert::{Alert, Severity};
use vigil::events::guardduty::Finding;

use crate::actions::{Outcome, Status};
use crate::config::ResponseSettings;
use crate::playbook::{Decision, Family};

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
    pub mode: &'static str,
    pub dry_run: bool,
    /// Why nothing may be done at all (sample, archived, exempt), if so.
    pub held: Option<String>,
    /// `acted`, `already-done`, `would-act`, `alert-only` or `failed`.
    pub outcome: &'static str,
    pub actions: Vec<Outcome>,
    /// SNS message id of the alert; `None` when no topic is configured.
    pub alert_message_id: Option<String>,
}

/// What the finding is about, in a few words.
pub fn resource_label(finding: &Finding) -> String {
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

/// One word for the whole response, also a message attribute subscribers can filter on.
pub fn overall(outcomes: &[Outcome]) -> &'static str {
    let any = |status| outcomes.iter().any(|o| o.status == status);
    if any(Status::Failed) {
        "failed"
    } else if any(Status::Done) {
        "acted"
    } else if any(Status::AlreadyDone) {
        "already-done"
    } else if any(Status::WouldDo) {
        "would-act"
    } else {
        "alert-only"
    }
}

pub fn build(
    finding: &Finding,
    decision: &Decision,
    settings: &ResponseSettings,
    actions: Vec<Outcome>,
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
        mode: settings.mode.as_str(),
        dry_run: settings.dry_run,
        held: decision.held.clone(),
        outcome: overall(&actions),
        actions,
        alert_message_id: None,
    }
}

/// The alert for a handled finding.
pub fn alert(report: &Report, finding: &Finding) -> Alert {
    let verb = match report.outcome {
        "acted" => "contained",
        "already-done" => "already handled",
        "would-act" => "would act",
        "failed" => "response FAILED",
        _ => "alert only",
    };
    let mut alert = Alert::new(
        report.band,
        "guardduty-responder",
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
    .fact("family", report.family.as_str())
    .fact("times seen", report.count.to_string())
    .fact(
        "mode",
        if report.dry_run {
            format!("{} (dry run)", report.mode)
        } else {
            report.mode.to_owned()
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
                report.family.as_str()
            ),
        );
    }
    for outcome in &report.actions {
        alert = alert.fact(
            format!("{} {}", outcome.status.as_str(), outcome.action.as_str()),
            format!("{}: {}", outcome.target, outcome.detail),
        );
    }
    alert
        .attribute("family", report.family.as_str())
        .attribute("finding_type", &report.finding_type)
        .attribute("outcome", report.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::ActionKind;
    use vigil::events::guardduty::FindingEvent;

    fn finding() -> Finding {
        let text = include_str!("../../../events/guardduty-responder/ec2-compromised.json");
        FindingEvent::from_value(serde_json::from_str(text).unwrap())
            .unwrap()
            .finding
    }

    fn outcome(status: Status) -> Outcome {
        Outcome {
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
            "failed"
        );
        assert_eq!(
            overall(&[outcome(Status::AlreadyDone), outcome(Status::Done)]),
            "acted"
        );
        assert_eq!(overall(&[outcome(Status::AlreadyDone)]), "already-done");
        assert_eq!(overall(&[outcome(Status::Skipped)]), "alert-only");
        assert_eq!(overall(&[]), "alert-only");
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
}
