//! One invocation: plan, sweep (whole or a part), or merge; then seal and store the evidence,
//! emit metrics per area, and alert only on regressions and errors.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use chrono::Utc;
use lambda_runtime::LambdaEvent;
use serde_json::{Value, json};
use vigil::alert::{Alert, Alerts, Severity};
use vigil::aws::within_budget;
use vigil::evidence::kms::Signer;
use vigil::metrics::{MetricSet, Unit};

use crate::bundle::{self, Store};
use crate::collect::{Collector, Seams};
use crate::config::Config;
use crate::error::Error;
use crate::event::Request;
use crate::model::{Finding, Shard, Status};
use crate::report::{self, Counts, Regression};
use crate::sweep::{self, Outcome};

/// Time kept back from the deadline for sealing, storing and alerting.
const SEAL_MARGIN: Duration = Duration::from_secs(30);

/// What the handler works with, built once per cold start.
pub struct Deps {
    pub sdk: SdkConfig,
    pub sts: aws_sdk_sts::Client,
    pub signer: Option<Signer>,
    pub alerts: Alerts,
    pub store: Store,
    pub config: Config,
    /// Filled only by tests, for what the emulator cannot serve (see [`Seams`]).
    pub seams: Box<dyn Fn() -> Seams + Send + Sync>,
    /// EMF lines on stdout (the function); the CLI prints its own table instead.
    pub emit_metrics: bool,
    /// The time thresholds are measured against (tests look at the account "later").
    pub now: fn() -> chrono::DateTime<Utc>,
}

impl Deps {
    pub fn new(sdk: &SdkConfig, config: Config, store: Store) -> Self {
        Deps {
            sdk: sdk.clone(),
            sts: vigil::client!(aws_sdk_sts, sdk),
            signer: config
                .evidence_key_id
                .as_ref()
                .map(|k| Signer::new(vigil::client!(aws_sdk_kms, sdk), k.clone())),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.alert_topic_arn.clone(),
            ),
            store,
            config,
            seams: Box::new(Seams::default),
            emit_metrics: true,
            now: Utc::now,
        }
    }

    /// The evidence bucket named by the configuration.
    pub fn bucket_store(sdk: &SdkConfig, config: &Config) -> Result<Store, Error> {
        let bucket = config.evidence_bucket.clone().ok_or_else(|| {
            Error::Config("VIGIL_EVIDENCE_BUCKET is not set; name the evidence bucket".into())
        })?;
        let client = vigil::client!(aws_sdk_s3, sdk, |b| b
            .force_path_style(sdk.endpoint_url().is_some()));
        Ok(Store::S3 {
            client,
            bucket,
            prefix: config.evidence_prefix.clone(),
            kms_key: None,
        })
    }
}

/// The Lambda entry point.
pub async fn handle(event: LambdaEvent<Value>, deps: &Deps) -> Result<Value, Error> {
    let deadline = vigil::aws::invocation_deadline(event.context.deadline, SystemTime::now());
    handle_request(&event.payload, Some(deadline), deps, &|_, _| {}).await
}

pub fn new_run_id() -> String {
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
) -> Result<Value, Error> {
    answer_request(payload, deadline, deps, progress)
        .await
        .map(|a| a.answer)
}

/// An invocation's answer, with the findings behind it.
#[derive(Debug)]
pub struct Answered {
    pub answer: Value,
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
    let account = deps
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::Aws(vigil::aws::AwsCallError::new("sts:GetCallerIdentity", e)))?
        .account
        .unwrap_or_default();
    let collector = Collector::new(&deps.sdk, &account, deps.config.concurrency, (deps.seams)());
    match request {
        Request::Plan => {
            let shards = plan(&collector, deps).await?;
            let run_id = new_run_id();
            let items: Vec<Value> = shards.iter().map(|s| json!({"action": "sweep", "run_id": run_id, "shards": [s.key()], "part": s.key()})).collect();
            Ok(Answered {
                answer: json!({"run_id": run_id, "items": items, "parts": shards.iter().map(Shard::key).collect::<Vec<_>>()}),
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
            let work = sweep::run(
                &collector,
                &run_id,
                &shards,
                &deps.config.thresholds,
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
                        answer: json!({"run_id": run_id, "part": part, "location": location, "totals": Counts::of(&outcome.findings)}),
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
    let previous = deps.store.latest().await?;
    let previous_findings = match &previous {
        Some(p) => deps.store.findings_of(&p.run_id).await?,
        None => Vec::new(),
    };
    let regressions = report::regressions(&previous_findings, &outcome.findings);
    let mut files = bundle::files(&outcome, &regressions, &deps.config.thresholds)?;
    let digest = bundle::seal(
        &mut files,
        &outcome,
        previous.as_ref(),
        deps.signer.as_ref(),
    )
    .await?;
    let location = deps
        .store
        .write_bundle(&outcome.run_id, &files, &digest)
        .await?;
    let totals = Counts::of(&outcome.findings);
    if deps.emit_metrics {
        emit_metrics(&outcome, &deps.config.metrics_namespace);
    }
    alert(&outcome, &regressions, &location, deps).await;
    tracing::info!(run_id = %outcome.run_id, %location, pass = totals.pass, fail = totals.fail, error = totals.error, api_calls = outcome.api_calls(), "sweep sealed");
    let answer = json!({
        "run_id": outcome.run_id,
        "location": location,
        "manifest_sha256": digest,
        "signed": deps.signer.is_some(),
        "totals": totals,
        "regressions": regressions.len(),
        "api_calls": outcome.api_calls(),
    });
    Ok(Answered {
        answer,
        findings: outcome.findings,
    })
}

fn emit_metrics(outcome: &Outcome, namespace: &str) {
    for (area, c) in report::areas(&outcome.findings) {
        MetricSet::new(namespace)
            .dimension("Function", "compliance-sweep")
            .dimension("Area", area.as_str())
            .metric("Pass", c.pass as f64, Unit::Count)
            .metric("Fail", c.fail as f64, Unit::Count)
            .metric("Error", c.error as f64, Unit::Count)
            .property("run_id", outcome.run_id.clone())
            .emit();
    }
}

/// One alert for regressions, one for ERRORs; nothing when neither happened.
async fn alert(outcome: &Outcome, regressions: &[Regression], location: &str, deps: &Deps) {
    let mut alerts = Vec::new();
    if !regressions.is_empty() {
        let mut a = Alert::new(
            Severity::High,
            "compliance-sweep",
            format!(
                "{} compliance regression(s) in account {}",
                regressions.len(),
                outcome.account
            ),
        )
        .fact("run", outcome.run_id.clone())
        .fact("evidence", location)
        .attribute("kind", "regression");
        for r in regressions.iter().take(20) {
            a = a.fact(
                format!("{} {}", r.check, r.region),
                format!("{}: {}", r.resource, r.detail),
            );
        }
        if regressions.len() > 20 {
            a = a.fact(
                "more",
                format!("{} more in summary.json", regressions.len() - 20),
            );
        }
        alerts.push(a);
    }
    let errors: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    if !errors.is_empty() {
        let mut by_op: std::collections::BTreeMap<String, (usize, String)> = Default::default();
        for f in &errors {
            let (op, msg) = f
                .error
                .as_ref()
                .map_or(("unknown".to_owned(), f.detail.clone()), |e| {
                    (e.operation.clone(), e.to_string())
                });
            let entry = by_op.entry(op).or_insert((0, msg));
            entry.0 += 1;
        }
        let mut a = Alert::new(Severity::Medium, "compliance-sweep", format!("{} check(s) could not be evaluated in account {}", errors.len(), outcome.account))
            .fact("run", outcome.run_id.clone())
            .fact("evidence", location)
            .fact("what to do", "an ERROR is never a pass: grant the sweep role the missing permission or fix the call named below")
            .attribute("kind", "error");
        for (op, (n, msg)) in by_op.iter().take(20) {
            a = a.fact(op.clone(), format!("{n} finding(s); {msg}"));
        }
        alerts.push(a);
    }
    for a in &alerts {
        if let Err(e) = deps.alerts.send(a).await {
            tracing::error!(error = %e, "could not publish the alert; it is in this log");
        }
    }
}
