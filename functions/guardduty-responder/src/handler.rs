//! The invocation: read the finding, decide, act, and always report (an SNS alert per finding
//! and EMF metrics).

use vigil::error::Cause;
use std::time::{Duration, Instant, SystemTime};

use aws_config::SdkConfig;
use chrono::Utc;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use vigil::alert::Alerts;
use vigil::aws::within_budget;
use vigil::events::guardduty::FindingEvent;
use vigil::metrics::{MetricSet, Unit};

use crate::actions::ec2::Ec2;
use crate::actions::iam::Iam;
use crate::actions::rds::Secrets;
use crate::actions::s3::S3;
use crate::actions::{self, Ctx, Outcome, Status};
use crate::config::Config;
use crate::error::Error;
use crate::playbook;
use crate::report::{self, Report};

/// Time kept back from the Lambda deadline for the alert and the metrics.
const REPORT_MARGIN: Duration = Duration::from_secs(3);

/// What the handler works with, built once per cold start.
pub struct Deps {
    pub ec2: Ec2,
    pub iam: Iam,
    pub s3: S3,
    pub secrets: Secrets,
    pub alerts: Alerts,
    pub config: Config,
}

impl Deps {
    /// Clients from one SDK configuration. `s3_force_path_style` is for S3 endpoints that
    /// cannot take the bucket in the host name (an emulator).
    pub fn new(sdk: &SdkConfig, config: Config, s3_force_path_style: bool) -> Self {
        Deps {
            ec2: Ec2::new(vigil::client!(aws_sdk_ec2, sdk)),
            iam: Iam::new(vigil::client!(aws_sdk_iam, sdk)),
            s3: S3::new(
                vigil::client!(aws_sdk_s3, sdk, |b| b.force_path_style(s3_force_path_style))
            ),
            secrets: Secrets::new(vigil::client!(aws_sdk_secretsmanager, sdk)),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.alert_topic_arn.clone(),
            ),
            config,
        }
    }
}

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
    let result = respond(payload, deadline, deps).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let namespace = &deps.config.metrics_namespace;
    match &result {
        Ok(report) => {
            let count =
                |status| report.actions.iter().filter(|o| o.status == status).count() as f64;
            MetricSet::new(namespace)
                .dimension("Function", "guardduty-responder")
                .dimension("Family", report.family.as_str())
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
                .metric("Duration", elapsed_ms, Unit::Milliseconds)
                .property("findingId", report.finding_id.clone())
                .property("findingType", report.finding_type.clone())
                .property("band", report.band.to_string())
                .property("outcome", report.outcome)
                .emit();
            tracing::info!(
                finding = %report.finding_id,
                r#type = %report.finding_type,
                family = report.family.as_str(),
                outcome = report.outcome,
                "finding handled"
            );
        }
        Err(error) => {
            MetricSet::new(namespace)
                .dimension("Function", "guardduty-responder")
                .dimension("Family", "unknown")
                .metric("Errors", 1.0, Unit::Count)
                .metric("Duration", elapsed_ms, Unit::Milliseconds)
                .property("cause", error.cause())
                .property("retryable", error.retryable())
                .emit();
            tracing::error!(cause = error.cause(), retryable = error.retryable(), %error, "finding not handled");
        }
    }
    result
}

async fn respond(payload: Value, deadline: SystemTime, deps: &Deps) -> Result<Report, Error> {
    let event = FindingEvent::from_value(payload)?;
    let finding = &event.finding;
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
    let alert = report::alert(&report, finding);
    report.alert_message_id = deps
        .alerts
        .send(&alert)
        .await
        .map_err(|source| Error::Alert {
            finding: finding.id.clone(),
            source,
        })?;

    let retryable: Vec<&Outcome> = report
        .actions
        .iter()
        .filter(|o| o.status == Status::Failed && o.retryable)
        .collect();
    if !retryable.is_empty() {
        return Err(Error::ActionsFailed {
            finding: finding.id.clone(),
            count: retryable.len(),
            failures: retryable
                .iter()
                .map(|o| format!("{} {}: {}", o.action.as_str(), o.target, o.detail))
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    Ok(report)
}
