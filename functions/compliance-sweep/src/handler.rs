//! One invocation: plan, sweep (whole or a part), or merge, within the time the invocation
//! has. Routing and time budget only: collection, the checks, the evidence and the report are
//! their own layers. A failed invocation sends one alert and still returns its error.

use std::time::{Duration, SystemTime};

use chrono::Utc;
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use vigil::alert::Alert;
use vigil::aws::within_budget;

use crate::actions;
use crate::checks::Finding;
use crate::collect::{self, Collector};
use crate::deps::Deps;
use crate::error::Error;
use crate::event::Request;
use crate::facts::Shard;
use crate::mute::{self, MuteList};
use crate::report::{self, answer, answer::Answer, asff};
use crate::sweep::{self, Outcome};

/// Time kept back from the deadline for sealing, storing and alerting.
const SEAL_MARGIN: Duration = Duration::from_secs(30);

/// The Lambda entry point.
pub async fn handle(event: LambdaEvent<Value>, deps: &Deps) -> Result<Answer, Error> {
    let deadline = vigil::aws::invocation_deadline(event.context.deadline, SystemTime::now());
    let result = handle_request(&event.payload, Some(deadline), deps, &|_, _| {}).await;
    if let Err(error) = &result {
        send(
            deps,
            &[report::alerts::invocation_failed(error, &event.payload)],
        )
        .await;
    }
    result
}

fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        Utc::now().format("%Y%m%dT%H%M%SZ"),
        rand::random::<u32>() & 0xff_ffff
    )
}

/// Runs one request. `deadline` bounds the sweep (the CLI has none); `progress` is told each
/// finished shard.
pub async fn handle_request(
    payload: &Value,
    deadline: Option<SystemTime>,
    deps: &Deps,
    progress: &(dyn Fn(&Shard, usize) + Sync),
) -> Result<Answer, Error> {
    answer_request(payload, deadline, deps, progress)
        .await
        .map(|a| a.answer)
}

/// An invocation's answer, with the findings behind it.
#[derive(Debug)]
pub struct Answered {
    pub answer: Answer,
    /// The findings of the run, or of the part swept; none for a plan.
    pub findings: Vec<Finding>,
}

/// [`handle_request`], also handing back the findings (the CLI prints and judges them without
/// reading back the bundle it just wrote).
pub async fn answer_request(
    payload: &Value,
    deadline: Option<SystemTime>,
    deps: &Deps,
    progress: &(dyn Fn(&Shard, usize) + Sync),
) -> Result<Answered, Error> {
    let request = Request::from_json(payload)?;
    let account = collect::caller_account(&deps.sts).await?;
    let collector = Collector::new(&deps.sdk, &account, deps.config.concurrency, (deps.seams)())
        .with_drills(deps.config.evidence_bucket.clone(), deps.signer.clone());
    match request {
        Request::Plan => {
            let shards = plan(&collector, deps).await?;
            Ok(Answered {
                answer: answer::plan(new_run_id(), &shards),
                findings: Vec::new(),
            })
        }
        Request::Sweep {
            shards,
            run_id,
            part,
        } => {
            let shards = match shards {
                Some(s) => s,
                None => plan(&collector, deps).await?,
            };
            let run_id = run_id.unwrap_or_else(new_run_id);
            let mute = mute_list(&collector, deps).await?;
            let work = sweep::run(
                &collector,
                &run_id,
                &shards,
                &deps.config.thresholds,
                mute.as_ref(),
                (deps.now)(),
                progress,
            );
            let outcome = match deadline {
                None => work.await,
                Some(deadline) => within_budget(deadline, SEAL_MARGIN, Duration::ZERO, work)
                    .await
                    .map_err(|e| Error::Deadline(format!("{} shard(s): {e}", shards.len())))?,
            };
            match part {
                Some(part) => {
                    let location = deps.store.write_part(&run_id, &part, &outcome).await?;
                    Ok(Answered {
                        answer: answer::part(run_id, part, location, &outcome.findings),
                        findings: outcome.findings,
                    })
                }
                None => finish(outcome, deps).await,
            }
        }
        Request::Merge { run_id, parts } => {
            let outcome = sweep::merge(deps.store.read_parts(&run_id, &parts).await?)
                .ok_or_else(|| Error::BadRequest("merge got no parts".into()))?;
            finish(outcome, deps).await
        }
    }
}

/// The configured mute list, read and validated whole before anything is swept: a list that
/// cannot be read or is invalid fails the invocation (never a half-muted run).
async fn mute_list(collector: &Collector, deps: &Deps) -> Result<Option<MuteList>, Error> {
    let Some(location) = &deps.config.mute_list else {
        return Ok(None);
    };
    let text = collector.mute_document(location).await?;
    mute::parse(&location.to_string(), &text)
        .map(Some)
        .map_err(Error::MuteList)
}

/// The shards of the configured services over the configured or enabled Regions.
async fn plan(collector: &Collector, deps: &Deps) -> Result<Vec<Shard>, Error> {
    let regions = match &deps.config.regions {
        Some(r) => r.clone(),
        None => collector.enabled_regions().await.map_err(|e| {
            Error::Config(format!("could not list the enabled Regions ({e}); set VIGIL_SWEEP_REGIONS or allow account:ListRegions"))
        })?,
    };
    Ok(Shard::plan(&regions, &deps.config.services))
}

/// Seals and stores the bundle, emits metrics, sends alerts; answers with the run's summary.
async fn finish(outcome: Outcome, deps: &Deps) -> Result<Answered, Error> {
    let sealing = std::time::Instant::now();
    let stored = actions::seal_and_store(
        &outcome,
        &deps.store,
        deps.signer.as_ref(),
        &deps.config.thresholds,
        deps.security_hub.is_some(),
    )
    .await?;
    let seal_ms = sealing.elapsed().as_millis();
    let security_hub = match (&deps.security_hub, &stored.security_hub) {
        (Some(client), Some(plan)) => {
            let region = deps
                .sdk
                .region()
                .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
            let target = asff::Target::new(&outcome.account, &region);
            let exporting = std::time::Instant::now();
            let mut exported = actions::security_hub::export(
                client,
                &target,
                plan,
                &outcome.run_id,
                &outcome.findings,
                outcome.finished_at,
            )
            .await;
            exported.took_ms = exporting.elapsed().as_millis();
            tracing::info!(
                imported = exported.imported,
                archived = exported.archived,
                workflow_updated = exported.workflow_updated,
                failed = exported.failed_count,
                calls = exported.calls,
                "findings sent to Security Hub"
            );
            Some(Box::new(exported))
        }
        _ => None,
    };
    if deps.emit_metrics {
        report::metrics::emit(&outcome, &deps.config.common.metrics_namespace);
    }
    send(
        deps,
        &report::alerts::of_run(
            &outcome,
            &stored.regressions,
            &stored.changes,
            &stored.location,
        ),
    )
    .await;
    if let Some(alert) = security_hub
        .as_ref()
        .and_then(|e| report::alerts::security_hub(e, &outcome.run_id))
    {
        send(deps, &[alert]).await;
    }
    let mut sealed = answer::sealed(&outcome, &stored, deps.signer.is_some());
    sealed.security_hub = security_hub;
    sealed.seal_ms = seal_ms;
    tracing::info!(run_id = %sealed.run_id, location = %sealed.location, pass = sealed.totals.pass, fail = sealed.totals.fail, error = sealed.totals.error, api_calls = sealed.api_calls, "sweep sealed");
    Ok(Answered {
        answer: Answer::Sealed(sealed),
        findings: outcome.findings,
    })
}

/// Publishes `alerts`; one that cannot be published is logged, and is in this log.
async fn send(deps: &Deps, alerts: &[Alert]) {
    for a in alerts {
        if let Err(e) = deps.alerts.send(a).await {
            tracing::error!(error = %e, "could not publish the alert; it is in this log");
        }
    }
}
