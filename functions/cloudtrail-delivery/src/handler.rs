//! One invocation: route the event, collect facts (and what earlier repairs await), diagnose,
//! repair what is allowed, check again, and report (see `report`: the answer, one alert per trail with a problem, EMF
//! metrics, or the failure alert), all within the Lambda deadline.

use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use vigil::alert::Alert;
use vigil::aws::within_budget;
use vigil::error::Cause;

use crate::collect;
use crate::deps::Deps;
use crate::diagnose::{self, Settings};
use crate::error::Error;
use crate::event::{Routing, Target, Trigger, route, select};
use crate::facts::TrailSettings;
use crate::repair;
use crate::report::{self, Confirming, Outcome};

/// Time kept back from the Lambda deadline for reporting.
const REPORT_MARGIN: Duration = Duration::from_secs(3);
/// Less than this left and a check is not started: it could not finish.
const MINIMUM_BUDGET: Duration = Duration::from_secs(5);

/// The Lambda entry point.
pub async fn handle(event: LambdaEvent<Value>, deps: &Deps) -> Result<Outcome, Error> {
    let deadline = vigil::aws::invocation_deadline(event.context.deadline, SystemTime::now());
    handle_event(event.payload, deadline, deps).await
}

/// Runs one event with the given deadline.
pub async fn handle_event(
    payload: Value,
    deadline: SystemTime,
    deps: &Deps,
) -> Result<Outcome, Error> {
    let started = Instant::now();
    let (trigger_name, described, result) = match Trigger::parse(payload) {
        Ok(trigger) => (
            trigger.name().to_owned(),
            trigger.describe(),
            check_within_budget(&trigger, deadline, deps).await,
        ),
        Err(error) => (
            "Unreadable".to_owned(),
            "an unreadable event".to_owned(),
            Err(error),
        ),
    };
    let namespace = &deps.config.common.metrics_namespace;
    match result {
        Ok((mut outcome, alerts)) => {
            let delivery = deps.alerts.send_all(&alerts).await;
            outcome.alerts_sent += delivery.sent;
            report::emit_metrics(namespace, &trigger_name, &outcome, started.elapsed());
            tracing::info!(
                trigger = %outcome.trigger,
                trails_checked = outcome.trails_checked,
                trails_healthy = outcome.trails_healthy,
                ignored = ?outcome.ignored,
                alerts = outcome.alerts_sent,
                "check finished"
            );
            match delivery.failure {
                Some(e) => Err(Error::AlertNotSent(e)),
                None => Ok(outcome),
            }
        }
        Err(error) => {
            tracing::error!(cause = error.cause(), retryable = error.retryable(), %error, "check failed");
            report::emit_failure_metrics(namespace, &trigger_name, &error, started.elapsed());
            // Until this is fixed, audit-log delivery is not being watched: say so.
            deps.alerts
                .send_or_log(&report::failure_alert(&described, &error))
                .await;
            Err(error)
        }
    }
}

async fn check_within_budget(
    trigger: &Trigger,
    deadline: SystemTime,
    deps: &Deps,
) -> Result<(Outcome, Vec<Alert>), Error> {
    // Boxed: the whole check is one deeply nested future, and without a box in the chain the
    // release build exceeds rustc's query depth when laying out `main`'s future.
    let work = Box::pin(check(trigger, deps));
    within_budget(deadline, REPORT_MARGIN, MINIMUM_BUDGET, work)
        .await
        .map_err(|e| Error::Deadline(format!("the check: {e}")))?
}

async fn check(trigger: &Trigger, deps: &Deps) -> Result<(Outcome, Vec<Alert>), Error> {
    let target = match route(trigger)? {
        Routing::Ignore(reason) => {
            tracing::info!(%reason, "event ignored");
            return Ok((
                Outcome::ignored(trigger, "nothing".into(), reason),
                Vec::new(),
            ));
        }
        Routing::Check(target) => target,
    };
    let config = &deps.config;
    let inventory = collect::inventory(deps).await.map_err(Error::Inventory)?;
    let selected: Vec<TrailSettings> = select(&target, &inventory).into_iter().cloned().collect();

    let mut account = Vec::new();
    if trigger.concerns_account(&target) {
        account.extend(diagnose::account_causes(
            &inventory,
            &config.account_id,
            deps.regions.home_region(),
        ));
    }
    if let (Target::Trail { name, .. }, Some(call)) = (&target, trigger.call())
        && selected.is_empty()
    {
        account.push(diagnose::trail_missing(name, call));
    }
    if selected.is_empty() && account.is_empty() {
        let reason = format!(
            "{target} is not used by any of the account's {} trail(s)",
            inventory.len()
        );
        tracing::info!(%reason, "event ignored");
        return Ok((
            Outcome::ignored(trigger, target.to_string(), reason),
            Vec::new(),
        ));
    }

    // `Config::from_lookup` allows at most a week; only a duration beyond chrono's range
    // (about 292 million years) could fail, and means "never stale".
    let stale_after =
        chrono::Duration::from_std(config.stale_after).unwrap_or(chrono::Duration::MAX);
    let settings = |now| Settings { now, stale_after };
    let facts = Box::pin(collect::facts(deps, &selected)).await;
    let mut awaiting = collect::awaiting(deps, &selected).await;
    let before = diagnose::diagnose(&facts, &settings(facts.collected_at));
    let planned = repair::plan(&before, &facts, config);
    let executed = Box::pin(repair::execute(&planned, deps)).await;
    // Only trails a repair was done for are checked again: for the others the report reads
    // the first diagnosis (see report::trail_reports).
    let repaired = repair::repaired_trails(&planned, &executed);
    let recheck: Vec<TrailSettings> = selected
        .iter()
        .filter(|t| repaired.contains(t.arn.as_str()))
        .cloned()
        .collect();
    let after = if recheck.is_empty() {
        Vec::new()
    } else {
        let again = Box::pin(collect::facts(deps, &recheck)).await;
        diagnose::diagnose(&again, &settings(Utc::now()))
    };
    let (trails, changed) = report::trail_reports(
        &before,
        &planned,
        &executed,
        &after,
        &mut awaiting,
        Confirming {
            now: Utc::now(),
            // `Config::from_lookup` allows at most a day.
            window: chrono::Duration::from_std(config.confirm_window)
                .unwrap_or(chrono::Duration::hours(1)),
            kept: deps.state.is_some(),
        },
    );
    repair::save_awaiting(deps, &changed).await;
    Ok(report::checked(
        trigger,
        target.to_string(),
        &config.account_id,
        &account,
        trails,
    ))
}
