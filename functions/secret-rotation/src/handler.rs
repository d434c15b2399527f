//! The invocation: parse the event, run the step within the time budget, and always report
//! it (see `report`: log line, EMF metrics, and an alert on failure).

use std::time::{Duration, Instant, SystemTime};

use lambda_runtime::LambdaEvent;
use serde_json::Value;
use vigil::aws::within_budget;

use crate::deps::Deps;
use crate::error::Error;
use crate::event::RotationEvent;
use crate::report::{Invocation, Outcome};
use crate::steps::{self, Trace};

/// Time kept back from the Lambda deadline for reporting the outcome.
const REPORT_MARGIN: Duration = Duration::from_secs(2);

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
            let engine = || trace.engine.get().map(ToString::to_string);
            let result = run_within_budget(&event, deadline, deps, &trace)
                .await
                .map(|outcome| Outcome {
                    engine: engine(),
                    ..outcome
                });
            (Some(event.step), Some(event.secret_id), result)
        }
        Err(e) => (None, None, Err(e)),
    };
    let elapsed = started.elapsed();
    let invocation = Invocation {
        step,
        secret,
        engine: trace.engine.get().copied(),
    };
    invocation.log(&result);
    if let Err(error) = &result
        && let Err(e) = deps.alerts.send(&invocation.failure_alert(error)).await
    {
        tracing::error!(error = %e, "could not publish the failure alert; it is in this log");
    }
    invocation
        .metrics(&deps.config.common.metrics_namespace, &result, elapsed)
        .emit();
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
