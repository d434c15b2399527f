//! One invocation: route the event; for a check, collect facts, diagnose, repair what is
//! allowed, read back (a second round when a repair reveals more, e.g. a recreated detector
//! without its export), and report; for a drill, run it; and always within the Lambda
//! deadline.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use lambda_runtime::LambdaEvent;
use serde_json::Value;
use vigil::alert::Alert;
use vigil::arn;
use vigil::aws::within_budget;
use vigil::error::Cause;

use crate::actions::{self, drill, repair};
use crate::collect;
use crate::deps::Deps;
use crate::diagnose::{self, RegionDiagnosis, Settings};
use crate::error::Error;
use crate::event::{About, Routing, Trigger, route};
use crate::facts::Facts;
use crate::report::{self, Confirming, Outcome, Repairs, Verdict};

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
    let (name, described, result) = match Trigger::parse(payload) {
        Ok(trigger) => {
            let work = Box::pin(run(&trigger, deadline, deps));
            let result = within_budget(deadline, REPORT_MARGIN, MINIMUM_BUDGET, work)
                .await
                .map_err(|e| Error::Deadline(format!("the {}: {e}", trigger.describe())))
                .and_then(|r| r);
            (trigger.name().to_owned(), trigger.describe(), result)
        }
        Err(e) => (
            "Unreadable".to_owned(),
            "an unreadable event".to_owned(),
            Err(e),
        ),
    };
    let namespace = &deps.config.common.metrics_namespace;
    match result {
        Ok((mut outcome, alerts)) => {
            let delivery = deps.alerts.send_all(&alerts).await;
            outcome.alerts_sent += delivery.sent;
            report::emit_metrics(namespace, &name, &outcome, started.elapsed());
            tracing::info!(
                trigger = %outcome.trigger,
                regions = outcome.regions_checked,
                healthy = outcome.regions_healthy,
                ignored = ?outcome.ignored,
                alerts = outcome.alerts_sent,
                "done"
            );
            match delivery.failure {
                Some(e) => Err(Error::AlertNotSent(e)),
                None => Ok(outcome),
            }
        }
        Err(error) => {
            tracing::error!(cause = error.cause(), retryable = error.retryable(), %error, "check failed");
            report::emit_failure_metrics(namespace, &name, &error, started.elapsed());
            deps.alerts
                .send_or_log(&report::failure_alert(&described, &error))
                .await;
            Err(error)
        }
    }
}

async fn run(
    trigger: &Trigger,
    deadline: SystemTime,
    deps: &Deps,
) -> Result<(Outcome, Vec<Alert>), Error> {
    let mut outcome = Outcome::new(trigger.describe());
    let mut alerts = Vec::new();
    let (region, about) = match route(trigger)? {
        Routing::Ignore(reason) => {
            tracing::info!(%reason, "event ignored");
            outcome.ignored = Some(reason);
            return Ok((outcome, alerts));
        }
        Routing::Drill => {
            let progress = match drill::settle_pending(deps).await {
                // One drill at a time: the responder files receipts under the drill under way.
                Some(pending @ drill::Progress::Pending { .. }) => pending,
                Some(finished) => {
                    let (_, alert) = report::drill(&finished);
                    alerts.extend(alert);
                    drill::run(deps, deadline - REPORT_MARGIN).await?
                }
                None => drill::run(deps, deadline - REPORT_MARGIN).await?,
            };
            let (report, alert) = report::drill(&progress);
            outcome.drill = Some(report);
            alerts.extend(alert);
            return Ok((outcome, alerts));
        }
        Routing::Check { region, about } => (region, about),
    };
    let regions = collect::regions(deps, region.as_deref())
        .await
        .map_err(Error::Regions)?;
    let call = trigger.call_facts();
    let facts = Box::pin(collect::facts(deps, &regions, call.clone())).await;
    if let Some(reason) = unrelated(about.as_ref(), &facts, deps) {
        tracing::info!(%reason, "event ignored");
        outcome.ignored = Some(reason);
        return Ok((outcome, alerts));
    }
    let config = &deps.config;
    let mut awaiting = collect::awaiting(deps, &regions).await;
    let before = diagnose::diagnose(&facts, &Settings { config });
    let mut planned = repair::plan(&before, &facts, config);
    let mut executed = Box::pin(repair::execute(&planned, deps)).await;
    let mut seen = before.clone();
    let mut after = before;
    // Read back what changed; a repair can reveal more (a recreated detector has no export
    // yet), so a second round repairs that, and reads back once more.
    let mut changed = repair::changed_regions(&executed);
    for round in 0..2 {
        if changed.is_empty() {
            break;
        }
        let again = Box::pin(collect::facts(deps, &changed, call.clone())).await;
        let diagnosis = diagnose::diagnose(&again, &Settings { config });
        merge(&mut seen, &diagnosis);
        replace(&mut after, diagnosis.clone());
        if round == 1 {
            break;
        }
        let more: Vec<repair::Planned> = repair::plan(&diagnosis, &again, config)
            .into_iter()
            .filter(|p| !planned.iter().any(|q| q.repair == p.repair))
            .collect();
        let ran = Box::pin(repair::execute(&more, deps)).await;
        changed = repair::changed_regions(&ran);
        planned.extend(more);
        executed.extend(ran);
    }
    let window =
        chrono::Duration::from_std(config.confirm_window).unwrap_or(chrono::Duration::hours(1));
    let (regions_reports, changed_awaiting) = report::region_reports(
        &seen,
        Repairs {
            planned: &planned,
            executed: &executed,
        },
        &after,
        &mut awaiting,
        Confirming {
            now: chrono::Utc::now(),
            window,
        },
    );
    actions::save_awaiting(deps, &changed_awaiting).await;
    let described = trigger.describe();
    alerts.extend(
        regions_reports
            .iter()
            .filter_map(|r| report::region_alert(r, &described)),
    );
    outcome.regions_checked = regions_reports.len();
    outcome.regions_healthy = regions_reports
        .iter()
        .filter(|r| r.verdict == Verdict::Healthy)
        .count();
    outcome.regions = regions_reports;
    // The schedule also settles a drill still under way.
    if matches!(trigger, Trigger::Schedule)
        && let Some(progress) = drill::settle_pending(deps).await
    {
        let (report, alert) = report::drill(&progress);
        outcome.drill = Some(report);
        alerts.extend(alert);
    }
    Ok((outcome, alerts))
}

/// Why a bucket or key event does not concern any export in its Region, if it does not.
fn unrelated(about: Option<&About>, facts: &Facts, deps: &Deps) -> Option<String> {
    let export = deps.config.export.as_ref();
    let destinations = || {
        facts
            .regions
            .iter()
            .filter_map(|r| r.detector.as_ref().ok().and_then(Option::as_ref))
            .filter_map(|d| d.destinations.as_ref().ok())
            .flatten()
    };
    match about? {
        About::Bucket(bucket) => {
            let used = export.is_some_and(|e| e.bucket == *bucket)
                || destinations().any(|d| d.bucket().is_some_and(|(b, _)| b == *bucket));
            (!used).then(|| format!("bucket {bucket} is not a GuardDuty findings export bucket"))
        }
        About::Key(key) => {
            let used = export.is_some_and(|e| arn::same_key(&e.key_arn, key))
                || destinations()
                    .any(|d| d.key_arn.as_deref().is_some_and(|k| arn::same_key(k, key)));
            (!used).then(|| format!("KMS key {key} does not encrypt a GuardDuty findings export"))
        }
        _ => None,
    }
}

/// Adds the causes of `newer` that `seen` does not have yet, Region by Region.
fn merge(seen: &mut Vec<RegionDiagnosis>, newer: &[RegionDiagnosis]) {
    for n in newer {
        match seen.iter_mut().find(|s| s.region == n.region) {
            Some(s) => {
                for c in &n.causes {
                    if !s.causes.iter().any(|x| x.id() == c.id()) {
                        s.causes.push(c.clone());
                    }
                }
                if s.detector_id.is_none() {
                    s.detector_id.clone_from(&n.detector_id);
                }
            }
            None => seen.push(n.clone()),
        }
    }
}

/// Replaces the Regions of `newer` in `after`.
fn replace(after: &mut Vec<RegionDiagnosis>, newer: Vec<RegionDiagnosis>) {
    let mut by_region: BTreeMap<String, RegionDiagnosis> =
        after.drain(..).map(|d| (d.region.clone(), d)).collect();
    for n in newer {
        by_region.insert(n.region.clone(), n);
    }
    after.extend(by_region.into_values());
}
