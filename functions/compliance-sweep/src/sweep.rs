//! One sweep: collect each shard (concurrently, bounded per service and Region by the
//! collector), evaluate it, and gather the findings in catalogue order; and the merge of a run
//! split over several invocations. Used by the handler (and through it by the CLI).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::checks::catalogue::CATALOGUE;
use crate::checks::{self, CheckId, Ctx, Finding};
use crate::collect::Collector;
use crate::config::Thresholds;
use crate::facts::{Shard, ShardFacts};
use crate::mute::{self, MuteList, MuteReport};

/// What one run (or one part of a run) produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Outcome {
    pub run_id: String,
    pub account: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub shards: Vec<Shard>,
    pub findings: Vec<Finding>,
    /// HTTP attempts made to AWS per operation (their sum is [`Outcome::api_calls`]).
    pub calls_by_operation: BTreeMap<String, u64>,
    /// When the IAM credential report used was generated (it can be up to 4 h old).
    pub credential_report_generated_at: Option<DateTime<Utc>>,
    /// The mute list the run applied, and its expired entries.
    #[serde(default)]
    pub mute_list: Option<MuteReport>,
}

impl Outcome {
    /// HTTP attempts made to AWS in total.
    pub(crate) fn api_calls(&self) -> u64 {
        self.calls_by_operation.values().sum()
    }
}

/// Collects and evaluates `shards`, muting what `mute` accepts; `on_done` is told each finished
/// shard (progress bar).
pub(crate) async fn run(
    collector: &Collector,
    run_id: &str,
    shards: &[Shard],
    thresholds: &Thresholds,
    mute: Option<&MuteList>,
    now: DateTime<Utc>,
    on_done: &(dyn Fn(&Shard, usize) + Sync),
) -> Outcome {
    let started_at = Utc::now();
    let ctx = Ctx {
        now,
        t: thresholds,
        account: &collector.account,
    };
    // Each shard is evaluated as soon as it is collected and its facts dropped: the facts of
    // every shard are never held at once (the IAM details of a large account alone are tens
    // of MiB).
    let mut collected = futures::stream::iter(shards.iter().cloned())
        .map(|shard| async move {
            let facts = collector.collect(&shard).await;
            (shard, facts)
        })
        .buffer_unordered(8);
    let mut findings = Vec::new();
    let mut generated = None;
    while let Some((shard, facts)) = collected.next().await {
        if let ShardFacts::Iam(iam) = &facts
            && let Ok(report) = &iam.credential_report
        {
            generated = report.generated_at;
        }
        let mut found = checks::evaluate(&shard, &facts, &ctx);
        if let Some(list) = mute {
            list.apply(&mut found, &mute::tags(&facts), now.date_naive());
        }
        drop(facts);
        on_done(&shard, found.len());
        findings.extend(found);
    }
    sort(&mut findings);
    Outcome {
        run_id: run_id.to_owned(),
        account: collector.account.clone(),
        started_at,
        finished_at: Utc::now(),
        shards: shards.to_vec(),
        findings,
        calls_by_operation: collector.calls_by_operation(),
        credential_report_generated_at: generated,
        mute_list: mute.map(|m| m.report(now.date_naive())),
    }
}

/// Catalogue order, then Region, then resource: the same run always writes the same file.
/// Sorts positions, then moves each finding to its place: a stable sort of the findings
/// themselves would take a scratch copy of them all (MiB on a large account).
fn sort(findings: &mut [Finding]) {
    let order: BTreeMap<CheckId, usize> = CATALOGUE
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let key = |i: usize| {
        let f = &findings[i];
        (order.get(&f.check), &f.region, &f.resource, &f.detail)
    };
    let mut from: Vec<usize> = (0..findings.len()).collect();
    from.sort_by(|&a, &b| key(a).cmp(&key(b)));
    // Place i takes the finding now at from[i]: follow each cycle of the permutation with
    // swaps, marking a place done by pointing it at itself.
    for start in 0..from.len() {
        let mut at = start;
        loop {
            let next = from[at];
            from[at] = at;
            if next == start || next == at {
                break;
            }
            findings.swap(at, next);
            at = next;
        }
    }
}

/// Joins the parts of a run split over several invocations (Step Functions Map).
pub(crate) fn merge(parts: Vec<Outcome>) -> Option<Outcome> {
    let mut iter = parts.into_iter();
    let mut all = iter.next()?;
    for p in iter {
        all.started_at = all.started_at.min(p.started_at);
        all.finished_at = all.finished_at.max(p.finished_at);
        all.shards.extend(p.shards);
        all.findings.extend(p.findings);
        for (op, n) in p.calls_by_operation {
            *all.calls_by_operation.entry(op).or_default() += n;
        }
        all.credential_report_generated_at = all
            .credential_report_generated_at
            .or(p.credential_report_generated_at);
        all.mute_list = all.mute_list.or(p.mute_list);
    }
    all.shards.sort();
    sort(&mut all.findings);
    Some(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ids::{KMS_01, KMS_04};
    use crate::checks::{ResourceType, Subject};

    #[test]
    fn sort_puts_findings_in_catalogue_region_resource_order_as_a_stable_sort_does() {
        let key = |r: usize| {
            Subject::new(ResourceType::AwsKmsKey, format!("k{}", r % 7))
                .in_region(["us-east-1", "eu-west-1"][r % 2])
        };
        // A scrambled order with ties (same check, Region, resource and detail, told apart
        // by their evidence only).
        let findings: Vec<Finding> = (0..200)
            .map(|i| {
                let r = (i * 37) % 23;
                let check = if r % 3 == 0 { KMS_04 } else { KMS_01 };
                check.on(&key(r)).pass("same detail").with("i", i)
            })
            .collect();
        let order: BTreeMap<CheckId, usize> = CATALOGUE
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let mut expected = findings.clone();
        expected.sort_by(|a, b| {
            (order.get(&a.check), &a.region, &a.resource, &a.detail).cmp(&(
                order.get(&b.check),
                &b.region,
                &b.resource,
                &b.detail,
            ))
        });
        let mut sorted = findings;
        sort(&mut sorted);
        assert_eq!(sorted, expected);
        assert_ne!(sorted[0].evidence, sorted[199].evidence);
    }
}
