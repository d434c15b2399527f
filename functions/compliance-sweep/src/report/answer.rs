//! The invocation's answer, by request: a plan for a Step Functions Map state, a stored part of
//! a split run, or a sealed run.

use serde::Serialize;

use super::asff::Exported;
use super::{Counts, SealedRun};
use crate::checks::Finding;
use crate::facts::Shard;
use crate::mute::MuteReport;
use crate::sweep::Outcome;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Plan(Plan),
    Part(Part),
    Sealed(Sealed),
}

/// `plan`: a run id and one Map iteration per shard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub run_id: String,
    /// The requests the Map iterations send back, one per shard.
    pub items: Vec<PlanItem>,
    /// The part names, for the `merge` request.
    pub parts: Vec<String>,
}

/// One Map iteration's request: sweep one shard as a named part of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItem {
    pub action: &'static str,
    pub run_id: String,
    pub shards: Vec<String>,
    pub part: String,
}

/// A part of a split run, stored for the merge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub run_id: String,
    pub part: String,
    pub location: String,
    pub totals: Counts,
}

/// A whole run (or merged parts), sealed and stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sealed {
    pub run_id: String,
    pub location: String,
    pub manifest_sha256: String,
    pub signed: bool,
    pub totals: Counts,
    /// How many checks passed on a resource last run and fail now.
    pub regressions: usize,
    /// HTTP attempts made to AWS.
    pub api_calls: u64,
    /// The mute list applied (MUTED findings are in `totals.muted`) and its expired entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mute_list: Option<MuteReport>,
    /// Milliseconds spent comparing with the previous run, building, hashing, signing and
    /// storing the bundle.
    pub seal_ms: u128,
    /// What the Security Hub export did, when it is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<Box<Exported>>,
}

pub(crate) fn plan(run_id: String, shards: &[Shard]) -> Answer {
    let parts: Vec<String> = shards.iter().map(Shard::key).collect();
    Answer::Plan(Plan {
        items: parts
            .iter()
            .map(|part| PlanItem {
                action: "sweep",
                run_id: run_id.clone(),
                shards: vec![part.clone()],
                part: part.clone(),
            })
            .collect(),
        run_id,
        parts,
    })
}

pub(crate) fn part(run_id: String, part: String, location: String, findings: &[Finding]) -> Answer {
    Answer::Part(Part {
        run_id,
        part,
        location,
        totals: Counts::of(findings),
    })
}

pub(crate) fn sealed(outcome: &Outcome, sealed: &SealedRun, signed: bool) -> Sealed {
    Sealed {
        run_id: outcome.run_id.clone(),
        location: sealed.location.clone(),
        manifest_sha256: sealed.manifest_sha256.clone(),
        signed,
        totals: Counts::of(&outcome.findings),
        regressions: sealed.regressions.len(),
        api_calls: outcome.api_calls(),
        mute_list: outcome.mute_list.clone(),
        seal_ms: 0,
        security_hub: None,
    }
}
