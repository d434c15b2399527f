//! The invocation: read the event (a finding or a release request), decide, act in the
//! finding's account within the time left, keep the record, and always report (an SNS alert
//! per finding or release, or a failure alert, and EMF metrics); for a sample finding of a
//! drill, file its receipt after the alert.

use std::time::{Duration, Instant, SystemTime};

use chrono::{SecondsFormat, Utc};
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde_json::Value;
use vigil::alert::{Alert, Alerts};
use vigil::aws::{AwsCallError, within_budget};
use vigil::error::Cause;
use vigil::events::guardduty::{Finding, FindingEvent};

use crate::actions::drill::ReceiptOutcome;
use crate::actions::record::Record;
use crate::actions::{self, Ctx, release};
use crate::deps::Deps;
use crate::error::Error;
use crate::event::{ReleaseRequest, is_release};
use crate::playbook::{self, Verdict};
use crate::report::{self, ReleaseOutcome, ReleaseReport, Report};

/// Time kept back from the Lambda deadline for the record, the alert and the metrics.
const REPORT_MARGIN: Duration = Duration::from_secs(3);
/// Publishing attempts for an alert, and the pause before the second (doubled each time).
const ALERT_ATTEMPTS: u32 = 3;
const ALERT_BACKOFF: Duration = Duration::from_millis(200);

/// What the function answers.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Finding(Box<Report>),
    Release(Box<ReleaseReport>),
}

/// The Lambda entry point: a release request by its source, else a GuardDuty finding.
pub async fn handle(event: LambdaEvent<Value>, deps: &Deps) -> Result<Answer, Error> {
    let deadline = vigil::aws::invocation_deadline(event.context.deadline, SystemTime::now());
    if is_release(&event.payload) {
        return handle_release(event.payload, deadline, deps)
            .await
            .map(|r| Answer::Release(Box::new(r)));
    }
    handle_event(event.payload, deadline, deps)
        .await
        .map(|r| Answer::Finding(Box::new(r)))
}

/// Publishes the alert, retrying a failure that a retry can help; the alert is in the log
/// whatever happens.
async fn deliver(alerts: &Alerts, alert: &Alert) -> Result<Option<String>, AwsCallError> {
    let mut pause = ALERT_BACKOFF;
    let mut attempt = 1;
    loop {
        match alerts.send(alert).await {
            Ok(id) => return Ok(id),
            Err(e) if e.failure.retryable() && attempt < ALERT_ATTEMPTS => {
                tracing::warn!(attempt, error = %e, "alert not published; trying again");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The failure path shared by findings and releases: metrics, log, one failure alert.
async fn failed(deps: &Deps, error: &Error, finding: Option<&Finding>, elapsed: Duration) {
    report::emit_failure_metrics(&deps.config.common.metrics_namespace, error, elapsed);
    tracing::error!(cause = error.cause(), retryable = error.retryable(), %error, "event not handled");
    let alert = report::failure_alert(error, finding);
    if let Err(e) = deliver(&deps.alerts, &alert).await {
        tracing::error!(error = %e, "could not publish the failure alert; it is in this log");
    }
}

/// Handles one finding event with the given deadline.
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
    match &result {
        Ok(report) => {
            report::emit_metrics(&deps.config.common.metrics_namespace, report, elapsed);
            tracing::info!(
                finding = %report.finding_id,
                r#type = %report.finding_type,
                family = %report.family,
                outcome = %report.outcome,
                report = %serde_json::to_string(report).unwrap_or_default(),
                "finding handled"
            );
        }
        Err(error) => failed(deps, error, finding.as_ref(), elapsed).await,
    }
    result
}

async fn respond(finding: &Finding, deadline: SystemTime, deps: &Deps) -> Result<Report, Error> {
    let settings = &deps.config.response;
    let identity = deps.identity().await.map_err(Error::Identity)?;
    let decision = playbook::decide(finding, settings, &deps.scope(identity));
    let partition = finding.partition.as_deref().unwrap_or("aws");
    let region = finding.region.as_deref();
    let acts = decision.planned.iter().any(|p| p.verdict == Verdict::Run);

    let (outcomes, undo) = if !acts {
        (actions::report_only(&decision), Vec::new())
    } else {
        match deps
            .clients(
                identity,
                partition,
                &finding.account_id,
                region,
                ("vigil", &finding.id),
            )
            .await
        {
            Err(unreachable) => (actions::unreachable(&decision, &unreachable), Vec::new()),
            Ok(clients) => {
                let ctx = Ctx::new(clients, finding, settings, Utc::now());
                // No minimum: actions that are all skipped need no time at all, and each
                // action's state check makes a replay after a cut-off safe.
                let work = actions::run(&decision, &ctx);
                let outcomes = within_budget(deadline, REPORT_MARGIN, Duration::ZERO, work)
                    .await
                    .map_err(|e| {
                        Error::Deadline(format!("the actions for finding {}: {e}", finding.id))
                    })?;
                (outcomes, ctx.undo())
            }
        }
    };
    let mut report = report::build(finding, &decision, settings, outcomes);
    if !undo.is_empty() {
        let fresh = Record {
            finding_id: finding.id.clone(),
            finding_type: finding.kind.clone(),
            account_id: finding.account_id.clone(),
            region: region
                .unwrap_or_else(|| deps.accounts.home_region())
                .to_owned(),
            partition: partition.to_owned(),
            acted_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            undo,
            released_at: None,
        };
        match actions::keep_record(&deps.records, fresh).await {
            Ok(()) => report.record = Some(deps.records.name(&finding.id)),
            Err(e) => report.record_error = Some(e.to_string()),
        }
    }
    let alert = report::alert(&report, finding);
    match deliver(&deps.alerts, &alert).await {
        Ok(id) => report.alert_message_id = id,
        Err(e) => {
            // What was done stands: the result says so and the alert failure is reported
            // (metric AlertsFailed, this log, and a short alert if SNS takes one).
            tracing::error!(error = %e, report = %serde_json::to_string(&report).unwrap_or_default(), "the alert could not be published; the full report is here");
            report.alert_error = Some(e.to_string());
            if let Err(e) = deliver(
                &deps.alerts,
                &report::fallback_alert(&report, &e.to_string()),
            )
            .await
            {
                tracing::error!(error = %e, "the short alert could not be published either");
            }
        }
    }
    report.drill_receipt = drill_receipt(finding, &report, deps).await;
    match report::retry_needed(&report) {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// The receipt for a sample finding of detector-guard's drill under way, filed once its alert
/// went out or failed. A receipt that cannot be filed is logged and reported, never a retry:
/// the alert is out, and the drill says the chain broke here.
async fn drill_receipt(finding: &Finding, report: &Report, deps: &Deps) -> Option<ReceiptOutcome> {
    if !finding.is_sample() {
        return None;
    }
    let Some(store) = &deps.state else {
        tracing::debug!("no VIGIL_STATE_PREFIX: a sample finding is not checked against a drill");
        return None;
    };
    let alert = playbook::drill::alert_result(
        report.alert_message_id.as_deref(),
        report.alert_error.as_deref(),
    );
    let outcome = actions::drill::file_receipt(store, finding, alert, Utc::now()).await;
    if let Some(ReceiptOutcome::Failed { error }) = &outcome {
        tracing::error!(finding = %finding.id, r#type = %finding.kind, %error, "drill receipt not filed; the drill will report this sample as not received");
    }
    outcome
}

/// Handles one release request with the given deadline.
pub async fn handle_release(
    payload: Value,
    deadline: SystemTime,
    deps: &Deps,
) -> Result<ReleaseReport, Error> {
    let started = Instant::now();
    let result = match ReleaseRequest::from_value(&payload) {
        Ok(request) => {
            let work = release_finding(&request, deps);
            within_budget(deadline, REPORT_MARGIN, Duration::ZERO, work)
                .await
                .map_err(|e| Error::Deadline(format!("the release of {}: {e}", request.finding_id)))
                .and_then(|r| r)
        }
        Err(error) => Err(error),
    };
    let elapsed = started.elapsed();
    match &result {
        Ok(report) => {
            report::emit_release_metrics(&deps.config.common.metrics_namespace, report, elapsed);
            tracing::info!(
                finding = %report.finding_id,
                outcome = %report.outcome,
                report = %serde_json::to_string(report).unwrap_or_default(),
                "release handled"
            );
        }
        Err(error) => failed(deps, error, None, elapsed).await,
    }
    result
}

async fn release_finding(request: &ReleaseRequest, deps: &Deps) -> Result<ReleaseReport, Error> {
    let id = &request.finding_id;
    let mut report = ReleaseReport {
        finding_id: id.clone(),
        account_id: None,
        region: None,
        requested_by: request.requested_by.clone(),
        reason: request.reason.clone(),
        outcome: ReleaseOutcome::NeverActedOn,
        undone: Vec::new(),
        problem: None,
        not_undone: report::NOT_UNDONE.to_owned(),
        alert_message_id: None,
        alert_error: None,
    };
    let identity = deps.identity().await.map_err(Error::Identity)?;
    let text = deps.records.get(id).await.map_err(|source| Error::Record {
        finding: id.clone(),
        source,
    })?;
    match text.map(|t| serde_json::from_str::<Record>(&t)) {
        None => {
            report.problem = Some(format!(
                "no record of a response to finding {id} ({}): the responder never changed anything for it",
                deps.records.name(id)
            ));
        }
        Some(Err(e)) => {
            report.outcome = ReleaseOutcome::Failed;
            report.problem = Some(format!(
                "the record {} cannot be read: {e}",
                deps.records.name(id)
            ));
        }
        Some(Ok(mut record)) => {
            report.account_id = Some(record.account_id.clone());
            report.region = Some(record.region.clone());
            if record.undo.is_empty() {
                report.outcome = ReleaseOutcome::AlreadyReleased;
                report.problem = record
                    .released_at
                    .as_ref()
                    .map(|at| format!("everything was undone at {at}"));
            } else {
                match deps
                    .clients(
                        identity,
                        &record.partition,
                        &record.account_id,
                        Some(&record.region),
                        ("vigil-release", id),
                    )
                    .await
                {
                    Err(e) => {
                        report.outcome = ReleaseOutcome::Failed;
                        report.problem = Some(e.to_string());
                    }
                    Ok(clients) => {
                        report.undone =
                            release::run(&clients, &record, request.reactivate_access_keys).await;
                        report.outcome = report::release_outcome(&report.undone);
                        record.undo = release::left(&report.undone);
                        if record.undo.is_empty() {
                            record.released_at =
                                Some(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
                        }
                        if let Err(e) = actions::write_record(&deps.records, &record).await {
                            report.problem = Some(format!(
                                "undone, but the record could not be updated ({e}): a second release will find everything already undone"
                            ));
                        }
                    }
                }
            }
        }
    }
    match deliver(&deps.alerts, &report::release_alert(&report)).await {
        Ok(id) => report.alert_message_id = id,
        Err(e) => {
            tracing::error!(error = %e, "the release alert could not be published; the report is in this log");
            report.alert_error = Some(e.to_string());
        }
    }
    Ok(report)
}
