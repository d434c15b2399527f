//! A drill, end to end: check that a rule routes High findings to the responder, ask GuardDuty
//! for sample findings, wait for the responder's receipts (its proof that each sample reached
//! it and that its alert went out), and leave a signed record in the evidence bucket.
//!
//! The drill under way is kept in the state store (`vigil::state::drill`), because the
//! responder must know the drill id when a sample arrives and because GuardDuty may take
//! longer than one invocation: the drill invocation waits `VIGIL_DRILL_WAIT_SECONDS`, and the
//! scheduled check settles a drill still under way ([`settle_pending`]).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use rand::Rng;
use vigil::evidence::{Files, MANIFEST, SIGNATURE, build_manifest};
use vigil::state::drill::{ACTIVE_KEY, Active, LATEST, Leg, Outcome, Pointer, RECORD, Summary};

use crate::collect;
use crate::deps::Deps;
use crate::diagnose::drill::{self, Link, Route, Verdict};
use crate::error::Error;

/// How often the drill invocation looks for receipts while it waits.
const POLL: Duration = Duration::from_secs(5);

/// Where a drill stands after an invocation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Progress {
    /// Samples sent; not every receipt is in and the deadline has not passed.
    Pending { active: Active, legs: Vec<Leg> },
    /// Settled: the record, and where it was written (or why it could not be).
    Finished {
        summary: Summary,
        record: Result<String, String>,
    },
}

fn new_id(now: DateTime<Utc>) -> String {
    format!(
        "drill-{}-{:04x}",
        now.format("%Y%m%dT%H%M%SZ"),
        rand::rng().random::<u16>()
    )
}

/// Runs a drill from the start: routing check, samples, waiting for receipts until
/// `wait_until` (or `VIGIL_DRILL_WAIT_SECONDS`, whichever comes first).
pub(crate) async fn run(deps: &Deps, wait_until: SystemTime) -> Result<Progress, Error> {
    let Some(store) = &deps.state else {
        return Err(Error::DrillNotConfigured(
            "VIGIL_STATE_PREFIX is not set: the responder's receipts are kept there".into(),
        ));
    };
    let config = &deps.config;
    let region = deps.regions.home_region().to_owned();
    let now = Utc::now();
    let id = new_id(now);
    let types = config.drill.types.clone();
    let failed =
        |broken: Link, detail: String, detector_id: Option<String>, route: Option<String>| {
            Verdict {
                outcome: Outcome::Failed,
                broken: Some(broken),
                detail,
                legs: drill::legs(
                    &Active {
                        id: id.clone(),
                        types: types.clone(),
                        region: region.clone(),
                        sent_at: now,
                        deadline: now,
                        detector_id: detector_id.clone().unwrap_or_default(),
                        route: route.clone().unwrap_or_default(),
                        settled: true,
                    },
                    &vec![None; types.len()],
                ),
            }
            .into_summary(&id, config, &region, detector_id, &types, None, route)
        };

    let gd = &deps.regions.get(&region).guardduty;
    let detector = match gd.list_detectors().await {
        Err(e) => Err(format!("ListDetectors failed: {e}")),
        Ok(ids) => match ids.into_iter().next() {
            None => Err(format!("no GuardDuty detector in {region}")),
            Some(detector) => match gd.get_detector(&detector).await {
                Ok(s) if s.enabled => Ok(detector),
                Ok(_) => Err(format!("detector {detector} in {region} is suspended")),
                Err(e) => Err(format!("GetDetector failed: {e}")),
            },
        },
    };
    let detector_id = match detector {
        Ok(d) => d,
        Err(detail) => return Ok(finish(deps, failed(Link::Detector, detail, None, None)).await),
    };

    let probes = collect::probe_events(
        &config.account_id,
        &region,
        &types
            .iter()
            .map(|t| (t.clone(), drill::severity_of(t)))
            .collect::<Vec<_>>(),
    );
    let routing = collect::route(deps, &region, &probes).await;
    let route = match drill::route(&routing, config.drill.target_arn.as_deref()) {
        Route::Found(route) => route,
        Route::Broken(detail) => {
            return Ok(finish(deps, failed(Link::Routing, detail, Some(detector_id), None)).await);
        }
    };

    let deadline = now
        + chrono::Duration::from_std(config.drill.deadline).unwrap_or(chrono::Duration::hours(1));
    let active = Active {
        id: id.clone(),
        types: types.clone(),
        region: region.clone(),
        sent_at: now,
        deadline,
        detector_id: detector_id.clone(),
        route: route.clone(),
        settled: false,
    };
    // Written before the samples are asked for: the responder looks it up when one arrives.
    if let Err(e) = store
        .put(
            ACTIVE_KEY,
            &active,
            now,
            (deadline - now) + chrono::Duration::days(1),
        )
        .await
    {
        return Err(Error::DrillNotConfigured(format!(
            "the drill could not be recorded in the state store ({e}); check the role's ssm:PutParameter on {}",
            store.parameter_name(ACTIVE_KEY)
        )));
    }
    if let Err(e) = gd.create_sample_findings(&detector_id, &types).await {
        let summary = failed(
            Link::SampleFindings,
            format!("GuardDuty refused the request for samples: {e}"),
            Some(detector_id),
            Some(route),
        );
        return Ok(finish_active(deps, &active, summary).await);
    }
    tracing::info!(drill = %id, types = ?types, %route, "sample findings requested");
    wait(deps, active, wait_until).await
}

/// Looks for receipts every few seconds until the drill settles or the wait is over.
async fn wait(deps: &Deps, active: Active, wait_until: SystemTime) -> Result<Progress, Error> {
    let until = std::cmp::min(wait_until, SystemTime::now() + deps.config.drill.wait);
    loop {
        let receipts = collect::receipts(deps, &active).await;
        if let Some(verdict) = drill::settle(&active, &receipts, Utc::now()) {
            let summary = verdict.into_summary(
                &active.id,
                &deps.config,
                &active.region,
                Some(active.detector_id.clone()),
                &active.types,
                Some(active.sent_at),
                Some(active.route.clone()),
            );
            return Ok(finish_active(deps, &active, summary).await);
        }
        if SystemTime::now() + POLL > until {
            let legs = drill::legs(&active, &receipts);
            return Ok(Progress::Pending { active, legs });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Settles the drill under way, if there is one: finished when every receipt is in or its
/// deadline has passed, else still pending. `None` when no drill is under way.
pub(crate) async fn settle_pending(deps: &Deps) -> Option<Progress> {
    let store = deps.state.as_ref()?;
    let active = match store.get::<Active>(ACTIVE_KEY, Utc::now()).await {
        Ok(Some(a)) if !a.settled => a,
        Ok(_) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "the drill under way could not be read");
            return None;
        }
    };
    wait(deps, active, SystemTime::now()).await.ok()
}

impl Verdict {
    #[allow(clippy::too_many_arguments)]
    fn into_summary(
        self,
        id: &str,
        config: &crate::config::Config,
        region: &str,
        detector_id: Option<String>,
        types: &[String],
        sent_at: Option<DateTime<Utc>>,
        route: Option<String>,
    ) -> Summary {
        Summary {
            id: id.to_owned(),
            account: config.account_id.clone(),
            region: region.to_owned(),
            detector_id,
            types: types.to_vec(),
            sent_at,
            finished_at: Utc::now(),
            outcome: self.outcome,
            broken_link: self.broken.map(|l| l.to_string()),
            detail: self.detail,
            route,
            legs: self.legs,
        }
    }
}

/// Marks the drill settled (no more receipts are taken), then records it.
async fn finish_active(deps: &Deps, active: &Active, summary: Summary) -> Progress {
    if let Some(store) = &deps.state {
        let settled = Active {
            settled: true,
            ..active.clone()
        };
        let now = Utc::now();
        if let Err(e) = store
            .put(ACTIVE_KEY, &settled, now, chrono::Duration::days(1))
            .await
        {
            tracing::warn!(error = %e, "the drill could not be marked settled; a later check settles it again");
        }
    }
    finish(deps, summary).await
}

/// Writes the drill's signed record: `<prefix><id>/drill.json` with its manifest and KMS
/// signature (`vigil::evidence`), then `<prefix>latest.json` pointing at it.
async fn finish(deps: &Deps, summary: Summary) -> Progress {
    let record = write_record(deps, &summary).await;
    if let Err(e) = &record {
        tracing::error!(error = %e, drill = %summary.id, "the drill record could not be written");
    }
    Progress::Finished { summary, record }
}

async fn write_record(deps: &Deps, summary: &Summary) -> Result<String, String> {
    let (Some(target), Some(signer)) = (&deps.config.drill.evidence, &deps.signer) else {
        return Err("no evidence bucket configured (VIGIL_EVIDENCE_BUCKET, VIGIL_EVIDENCE_KEY_ID): the drill left no signed record".into());
    };
    let mut files = Files::new();
    files.insert(
        RECORD.to_owned(),
        serde_json::to_vec_pretty(summary).map_err(|e| e.to_string())?,
    );
    let (manifest, digest) = build_manifest(
        &summary.id,
        &summary.account,
        &summary.finished_at.to_rfc3339(),
        None,
        &files,
        &[],
    )?;
    let signature = signer.sign(&digest).await.map_err(|e| e.to_string())?;
    files.insert(MANIFEST.to_owned(), manifest);
    files.insert(
        SIGNATURE.to_owned(),
        serde_json::to_vec_pretty(&signature).map_err(|e| e.to_string())?,
    );
    let s3 = &deps.regions.home().s3;
    let location = format!("{}{}/", target.prefix, summary.id);
    for (name, bytes) in files {
        s3.put_object(&target.bucket, &format!("{location}{name}"), bytes)
            .await
            .map_err(|e| e.to_string())?;
    }
    let pointer = Pointer {
        drill_id: summary.id.clone(),
        location: location.clone(),
        outcome: summary.outcome,
        finished_at: summary.finished_at,
    };
    s3.put_object(
        &target.bucket,
        &format!("{}{LATEST}", target.prefix),
        serde_json::to_vec_pretty(&pointer).map_err(|e| e.to_string())?,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(format!("s3://{}/{location}", target.bucket))
}
