//! The invocation: parse the event, run the step, and always report it (EMF metrics; an SNS
//! alert on failure).

use vigil::error::Cause;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::SdkConfig;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use vigil::alert::{Alert, Alerts, Severity};
use vigil::aws::within_budget;
use vigil::metrics::{MetricSet, Unit};

use crate::config::Config;
use crate::engines::tls::trusted_roots;
use crate::error::Error;
use crate::event::RotationEvent;
use crate::rds::Rds;
use crate::secrets::Secrets;
use crate::steps::{self, Outcome, Trace};

/// Time kept back from the Lambda deadline for reporting the outcome.
const REPORT_MARGIN: Duration = Duration::from_secs(2);

/// What the handler works with, built once per cold start.
pub struct Deps {
    pub secrets: Secrets,
    pub rds: Rds,
    pub alerts: Alerts,
    pub config: Config,
    /// RDS bundle plus `VIGIL_DB_CA_FILE`, assembled once.
    pub trusted_ca_pem: Arc<Vec<u8>>,
}

impl Deps {
    pub fn new(sdk: &SdkConfig, config: Config) -> Self {
        Deps {
            secrets: Secrets::new(vigil::client!(aws_sdk_secretsmanager, sdk)),
            rds: Rds::new(vigil::client!(aws_sdk_rds, sdk)),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.alert_topic_arn.clone(),
            ),
            trusted_ca_pem: Arc::new(trusted_roots(config.extra_ca_pem.as_deref())),
            config,
        }
    }
}

/// The Lambda entry point.
pub async fn handle(event: LambdaEvent<Value>, deps: &Deps) -> Result<Outcome, Error> {
    let deadline = vigil::aws::invocation_deadline(event.context.deadline, SystemTime::now());
    handle_event(event.payload, deadline, deps).await
}

/// Runs one rotation event with the given deadline.
pub async fn handle_event(
    payload: Value,
    deadline: SystemTime,
    deps: &Deps,
) -> Result<Outcome, Error> {
    let started = Instant::now();
    let trace = Trace::default();
    let (step, secret, result) = match RotationEvent::from_json(payload) {
        Ok(event) => {
            let result = run_within_budget(&event, deadline, deps, &trace).await;
            (event.step.as_str(), event.secret_id, result)
        }
        Err(e) => ("unknown", "unknown".to_owned(), Err(e)),
    };
    let engine = trace.engine.get().map_or("unknown", |e| e.as_str());
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;

    let mut metrics = MetricSet::new(&deps.config.metrics_namespace)
        .dimension("Function", "secret-rotation")
        .dimension("Engine", engine)
        .dimension("Step", step)
        .metric(
            "Succeeded",
            f64::from(u8::from(result.is_ok())),
            Unit::Count,
        )
        .metric("Failed", f64::from(u8::from(result.is_err())), Unit::Count)
        .metric("Duration", elapsed_ms, Unit::Milliseconds);
    match &result {
        Ok(outcome) => {
            metrics = metrics.property("result", outcome.result);
            tracing::info!(step, result = outcome.result, detail = %outcome.detail, "step finished");
        }
        Err(error) => {
            metrics = metrics
                .property("cause", error.cause())
                .property("retryable", error.retryable());
            tracing::error!(step, cause = error.cause(), retryable = error.retryable(), %error, "step failed");
            let alert = failure_alert(&secret, step, engine, error);
            if let Err(e) = deps.alerts.send(&alert).await {
                tracing::error!(error = %e, "could not publish the failure alert; it is in this log");
            }
        }
    }
    metrics.emit();
    result
}

async fn run_within_budget(
    event: &RotationEvent,
    deadline: SystemTime,
    deps: &Deps,
    trace: &Trace,
) -> Result<Outcome, Error> {
    // A step needs a few AWS calls and up to three logins; starting one that cannot finish
    // would leave it half done for the retry to sort out.
    let needed = deps.config.connect_timeout * 3;
    let work = steps::run(event, deps, trace);
    within_budget(deadline, REPORT_MARGIN, needed, work)
        .await
        .map_err(|e| Error::Deadline(format!("{}: {e}", event.step)))?
}

fn failure_alert(secret: &str, step: &str, engine: &str, error: &Error) -> Alert {
    let severity = if error.retryable() {
        Severity::Medium
    } else {
        Severity::High
    };
    let name = secret.rsplit(':').next().unwrap_or(secret);
    Alert::new(
        severity,
        "secret-rotation",
        format!("Rotation {step} failed for {name}"),
    )
    .fact("secret", secret)
    .fact("step", step)
    .fact("engine", engine)
    .fact("cause", error.cause())
    .fact(
        "retry can help",
        if error.retryable() {
            "yes: Secrets Manager retries the rotation; act if this repeats"
        } else {
            "no: fix the cause below, then rotate again (aws secretsmanager rotate-secret)"
        },
    )
    .fact("error", error.to_string())
    .fact(
        "credential state",
        "AWSCURRENT is unchanged until finishSecret succeeds, so applications keep working",
    )
    .attribute("cause", error.cause())
}
