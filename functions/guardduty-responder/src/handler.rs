//! The invocation: read the finding, decide, act within the time left, and always report (an
//! SNS alert per finding, or a failure alert, and EMF metrics).

use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use vigil::aws::within_budget;
use vigil::error::Cause;
use vigil::events::guardduty::{Finding, FindingEvent};

use crate::actions::{self, Ctx};
use crate::deps::Deps;
use crate::error::Error;
use crate::playbook;
use crate::report::{self, Report};

/// Time kept back from the Lambda deadline for the alert and the metrics.
const REPORT_MARGIN: Duration = Duration::from_secs(3);

/// The Lambda entry point.
pub async fn handle(event: LambdaEvent<Value>, deps: &Deps) -> Result<Report, Error> {
    let deadline = vigil::aws::invocation_deadline(event.context.deadline, SystemTime::now());
    handle_event(event.payload, deadline, deps).await
}

/// Handles one event with the given deadline.
pub async fn handle_event(
    payload: Value,
    deadline: SystemTime,
    deps: &Deps,
) -> Result<Report, Error> {
    let started = Instant::now();
    let (finding, result) = match FindingEvent::from_value(payload) {
        Ok(event) => {
            let result = respond(&event.finding, deadline, deps).await;
            (Some(event.finding), result)
        }
        Err(error) => (None, Err(Error::from(error))),
    };
    let elapsed = started.elapsed();
    let namespace = &deps.config.common.metrics_namespace;
    match &result {
        Ok(report) => {
            report::emit_metrics(namespace, report, elapsed);
            tracing::info!(
                finding = %report.finding_id,
                r#type = %report.finding_type,
                family = %report.family,
                outcome = %report.outcome,
                "finding handled"
            );
        }
        Err(error) => {
            report::emit_failure_metrics(namespace, error, elapsed);
            tracing::error!(cause = error.cause(), retryable = error.retryable(), %error, "finding not handled");
            let alert = report::failure_alert(error, finding.as_ref());
            if let Err(e) = deps.alerts.send(&alert).await {
                tracing::error!(error = %e, "could not publish the failure alert; it is in this log");
            }
        }
    }
    result
}

async fn respond(finding: &Finding, deadline: SystemTime, deps: &Deps) -> Result<Report, Error> {
    let settings = &deps.config.response;
    let decision = playbook::decide(finding, settings);
    let ctx = Ctx::new(deps, finding, settings, Utc::now());

    // No minimum: actions that are all skipped need no time at all, and each action's state
    // check makes a replay after a cut-off safe.
    let work = actions::run(&decision, &ctx);
    let outcomes = within_budget(deadline, REPORT_MARGIN, Duration::ZERO, work)
        .await
        .map_err(|e| Error::Deadline(format!("the actions for finding {}: {e}", finding.id)))?;
    let mut report = report::build(finding, &decision, settings, outcomes);
    report.alert_message_id = deps
        .alerts
        .send(&report::alert(&report, finding))
        .await
        .map_err(|source| Error::Alert {
            finding: finding.id.clone(),
            source,
        })?;
    match report::retry_needed(&report) {
        Some(error) => Err(error),
        None => Ok(report),
    }
}
