//! Which repairs may run ([`plan`], pure), running them ([`execute`]), checking afterwards
//! that the causes they were for are gone ([`verified`], pure), and keeping what a repair
//! awaits between invocations ([`save_awaiting`]).
//!
//! Safe by construction: StartLogging only on this account's trails; bucket-policy merges only
//! into buckets this account owns (S3 checks that too, through `ExpectedBucketOwner`), adding
//! statements and never removing or changing one; EnableKey / CancelKeyDeletion only on keys
//! of this account that are tagged `vigil:owner=<stack>` or listed in the configuration. Each
//! kind can be switched off. A deleted bucket name is never recreated: no repair exists for it.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, stream};
use serde_json::Value;
use vigil::arn;
use vigil::aws::AwsCallError;
use vigil::policy::merge::Change;
use vigil::state::Awaiting;

use crate::collect::awaiting_key;
use crate::config::{Config, OWNER_TAG};
use crate::deps::Deps;
use crate::diagnose::{CauseKind, Repair, Signal, TrailDiagnosis};
use crate::facts::{BucketLocation, Facts};

/// Whether a proposed repair may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Go,
    Skip(String),
}

/// A repair proposed for one cause of one trail, and the decision on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned {
    pub(crate) trail_arn: String,
    pub(crate) cause: (CauseKind, String),
    pub(crate) repair: Repair,
    pub(crate) decision: Decision,
}

/// Decides, for every repair the diagnosis proposes, whether it may run.
pub(crate) fn plan(diagnoses: &[TrailDiagnosis], facts: &Facts, config: &Config) -> Vec<Planned> {
    let mut out = Vec::new();
    for diagnosis in diagnoses {
        for cause in &diagnosis.causes {
            for repair in &cause.repairs {
                out.push(Planned {
                    trail_arn: diagnosis.trail_arn.clone(),
                    cause: (cause.kind, cause.subject.clone()),
                    decision: decide(repair, &diagnosis.trail_arn, facts, config),
                    repair: repair.clone(),
                });
            }
        }
    }
    out
}

fn decide(repair: &Repair, trail_arn: &str, facts: &Facts, config: &Config) -> Decision {
    let ours = |owner: Option<&str>| owner == Some(config.account_id.as_str());
    match repair {
        Repair::StartLogging { .. } => {
            if !config.repair.start_logging {
                Decision::Skip(
                    "StartLogging repairs are off (VIGIL_TRAIL_REPAIR_START_LOGGING=false)".into(),
                )
            } else if !ours(arn::account(trail_arn)) {
                Decision::Skip(format!(
                    "the trail belongs to account {} (an organization trail): only that account can start it",
                    arn::account(trail_arn).unwrap_or("unknown")
                ))
            } else {
                Decision::Go
            }
        }
        Repair::AddBucketStatements { bucket, .. } => {
            let owned = matches!(
                facts.buckets.get(bucket).map(|b| &b.location),
                Some(Ok(BucketLocation::Owned { .. }))
            );
            if !config.repair.bucket_policy {
                Decision::Skip(
                    "bucket-policy repairs are off (VIGIL_TRAIL_REPAIR_BUCKET_POLICY=false)".into(),
                )
            } else if !owned {
                Decision::Skip(format!("bucket {bucket} is not owned by this account"))
            } else {
                Decision::Go
            }
        }
        Repair::CancelKeyDeletion { key_arn, .. } | Repair::EnableKey { key_arn, .. } => {
            if !config.repair.kms_key {
                return Decision::Skip(
                    "KMS key repairs are off (VIGIL_TRAIL_REPAIR_KMS_KEY=false)".into(),
                );
            }
            if !ours(arn::account(key_arn)) {
                return Decision::Skip(format!("key {key_arn} belongs to another account"));
            }
            let listed = config.owned_key_arns.iter().any(|k| k == key_arn);
            let tagged = config.stack_name.as_deref().is_some_and(|stack| {
                facts
                    .keys
                    .values()
                    .filter(|k| matches!(&k.key, Ok(Some(info)) if info.arn == *key_arn))
                    .any(|k| {
                        matches!(&k.tags, Some(Ok(tags)) if tags.iter().any(|(t, v)| t == OWNER_TAG && v == stack))
                    })
            });
            if listed || tagged {
                Decision::Go
            } else {
                Decision::Skip(format!(
                    "key {key_arn} is not owned by this stack: it is not tagged {OWNER_TAG}={} and not listed in VIGIL_TRAIL_OWNED_KEY_ARNS",
                    config.stack_name.as_deref().unwrap_or("<stack name>")
                ))
            }
        }
    }
}

/// What happened when a repair ran.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunResult {
    Done(String),
    Failed(String),
}

/// One action as run (repairs proposed by several causes or trails run once).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Executed {
    pub(crate) repair: Repair,
    pub(crate) result: RunResult,
}

/// Runs every repair decided `Go`, each distinct action once: policy merges one per bucket
/// (all missing statements in one write), key actions in order per key (CancelKeyDeletion
/// leaves a key disabled, so EnableKey must follow it).
pub(crate) async fn execute(planned: &[Planned], deps: &Deps) -> Vec<Executed> {
    let account_id = deps.config.account_id.as_str();
    let mut starts = BTreeSet::new();
    let mut merges: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    let mut keys: BTreeMap<(String, String), (bool, bool)> = BTreeMap::new();
    for p in planned.iter().filter(|p| p.decision == Decision::Go) {
        match &p.repair {
            Repair::StartLogging { trail_arn, region } => {
                starts.insert((trail_arn.clone(), region.clone()));
            }
            Repair::AddBucketStatements {
                bucket,
                region,
                statements,
            } => {
                let list = merges.entry((bucket.clone(), region.clone())).or_default();
                for s in statements {
                    if !list.contains(s) {
                        list.push(s.clone());
                    }
                }
            }
            Repair::CancelKeyDeletion { key_arn, region } => {
                keys.entry((key_arn.clone(), region.clone())).or_default().0 = true
            }
            Repair::EnableKey { key_arn, region } => {
                keys.entry((key_arn.clone(), region.clone())).or_default().1 = true
            }
        }
    }
    let limit = deps.config.concurrency;
    let starts = stream::iter(starts)
        .map(|(trail_arn, region)| async move {
            let result = deps
                .regions
                .get(&region)
                .cloudtrail
                .start_logging(&trail_arn)
                .await;
            Executed {
                result: outcome(result.map(|()| "logging started".to_owned())),
                repair: Repair::StartLogging { trail_arn, region },
            }
        })
        .buffer_unordered(limit)
        .collect::<Vec<_>>();
    let merges = stream::iter(merges)
        .map(|((bucket, region), statements)| async move {
            let result = deps
                .regions
                .get(&region)
                .bucket_policies
                .add_statements(&bucket, account_id, &statements)
                .await;
            Executed {
                result: result.into(),
                repair: Repair::AddBucketStatements {
                    bucket,
                    region,
                    statements,
                },
            }
        })
        .buffer_unordered(limit)
        .collect::<Vec<_>>();
    let keys = stream::iter(keys)
        .map(|((key_arn, region), (cancel, enable))| async move {
            let clients = deps.regions.get(&region);
            let kms = &clients.kms;
            let mut done = Vec::new();
            if cancel {
                let result = kms.cancel_deletion(&key_arn).await;
                let failed = result.is_err();
                done.push(Executed {
                    result: outcome(
                        result.map(|()| "deletion cancelled (the key is now disabled)".to_owned()),
                    ),
                    repair: Repair::CancelKeyDeletion {
                        key_arn: key_arn.clone(),
                        region: region.clone(),
                    },
                });
                if failed {
                    if enable {
                        done.push(Executed {
                            result: RunResult::Failed(
                                "not attempted: CancelKeyDeletion failed".into(),
                            ),
                            repair: Repair::EnableKey { key_arn, region },
                        });
                    }
                    return done;
                }
            }
            if enable {
                let result = kms.enable(&key_arn).await;
                done.push(Executed {
                    result: outcome(result.map(|()| "key enabled".to_owned())),
                    repair: Repair::EnableKey { key_arn, region },
                });
            }
            done
        })
        .buffer_unordered(limit)
        .collect::<Vec<_>>();
    let (starts, merges, keys) = tokio::join!(starts, merges, keys);
    starts
        .into_iter()
        .chain(merges)
        .chain(keys.into_iter().flatten())
        .collect()
}

fn outcome(result: Result<String, AwsCallError>) -> RunResult {
    match result {
        Ok(detail) => RunResult::Done(detail),
        Err(e) => RunResult::Failed(e.to_string()),
    }
}

impl From<Change> for RunResult {
    /// "Already there" counts as done: the statements the cause needed are in the policy.
    fn from(change: Change) -> Self {
        match change {
            Change::Added(detail) | Change::AlreadyThere(detail) => RunResult::Done(detail),
            Change::Failed(error) => RunResult::Failed(error),
        }
    }
}

/// Writes each trail's repairs awaiting confirmation that changed in this invocation (nothing
/// without a state store; a failed write is logged: at most one alert more).
pub(crate) async fn save_awaiting(deps: &Deps, changed: &BTreeMap<String, Awaiting>) {
    if let Some(store) = &deps.state {
        store.save_awaiting(changed, awaiting_key).await;
    }
}

/// The result of a repair as it applies to one planned repair: the action that ran for it.
pub(crate) fn result_for<'a>(executed: &'a [Executed], planned: &Planned) -> Option<&'a RunResult> {
    executed
        .iter()
        .find(|e| same_action(&e.repair, &planned.repair))
        .map(|e| &e.result)
}

/// The trails a repair was done for: the only ones the re-check needs to look at again. A
/// trail whose repairs were skipped, failed or not run reports its first diagnosis as it is
/// (`report::trail_reports` reads no re-check for it).
pub(crate) fn repaired_trails<'a>(
    planned: &'a [Planned],
    executed: &[Executed],
) -> BTreeSet<&'a str> {
    planned
        .iter()
        .filter(|p| matches!(result_for(executed, p), Some(RunResult::Done(_))))
        .map(|p| p.trail_arn.as_str())
        .collect()
}

fn same_action(ran: &Repair, wanted: &Repair) -> bool {
    match (ran, wanted) {
        (
            Repair::AddBucketStatements {
                bucket: a,
                statements: ran,
                ..
            },
            Repair::AddBucketStatements {
                bucket: b,
                statements: wanted,
                ..
            },
        ) => a == b && wanted.iter().all(|s| ran.contains(s)),
        _ => ran == wanted,
    }
}

/// Whether a repaired cause is gone after the repair: its (kind, subject) no longer appears in
/// the trail's new diagnosis.
pub(crate) fn verified(after: &TrailDiagnosis, cause: &(CauseKind, String)) -> bool {
    !after
        .causes
        .iter()
        .any(|c| c.kind == cause.0 && c.subject == cause.1)
}

/// Status errors that only report the attempt before the repair: CloudTrail rewrites them at
/// its next delivery (about every 5 minutes). A cause left after the repair that consists only
/// of such signals is expected to clear, not a new problem.
pub(crate) fn residual(after_cause_signals: &[Signal], fixed_signals: &[Signal]) -> bool {
    !after_cause_signals.is_empty()
        && after_cause_signals
            .iter()
            .all(|s| fixed_signals.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Cause;
    use crate::facts::{BucketFacts, KeyFacts, KeyState};
    use vigil::alert::Severity;

    const ACCOUNT: &str = "111122223333";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";

    fn facts(bucket: BucketLocation, key_tags: Vec<(String, String)>) -> Facts {
        Facts {
            account_id: ACCOUNT.into(),
            organization_id: None,
            trails: Vec::new(),
            buckets: [(
                "logs".to_owned(),
                BucketFacts {
                    name: "logs".into(),
                    location: Ok(bucket),
                    policy: None,
                },
            )]
            .into(),
            keys: [(
                KEY.to_owned(),
                KeyFacts {
                    tags: Some(Ok(key_tags)),
                    ..KeyFacts::sample(KEY, KeyState::Disabled)
                },
            )]
            .into(),
            log_groups: BTreeMap::new(),
            collected_at: chrono::Utc::now(),
        }
    }

    fn diagnosis(trail_account: &str, repairs: Vec<Repair>) -> Vec<TrailDiagnosis> {
        vec![TrailDiagnosis {
            trail_arn: format!("arn:aws:cloudtrail:us-east-1:{trail_account}:trail/t"),
            trail_name: "t".into(),
            home_region: "us-east-1".into(),
            causes: vec![Cause {
                kind: CauseKind::KeyDisabled,
                subject: KEY.into(),
                severity: Severity::High,
                summary: String::new(),
                evidence: vec![],
                repairs,
                steps: vec![],
                explains: vec![],
            }],
        }]
    }

    fn all_repairs() -> Vec<Repair> {
        vec![
            Repair::StartLogging {
                trail_arn: format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/t"),
                region: "us-east-1".into(),
            },
            Repair::AddBucketStatements {
                bucket: "logs".into(),
                region: "us-east-1".into(),
                statements: vec![],
            },
            Repair::EnableKey {
                key_arn: KEY.into(),
                region: "us-east-1".into(),
            },
        ]
    }

    /// The settings with `pairs` set besides the account, read as `main` reads them.
    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut all = vec![("VIGIL_ACCOUNT_ID", ACCOUNT)];
        all.extend_from_slice(pairs);
        Config::from_lookup(vigil::config::lookup_in(&all)).unwrap()
    }

    fn decisions(planned: &[Planned]) -> Vec<bool> {
        planned.iter().map(|p| p.decision == Decision::Go).collect()
    }

    #[test]
    fn owned_resources_are_repaired_by_default() {
        let config = config(&[("VIGIL_STACK_NAME", "vigil")]);
        let f = facts(
            BucketLocation::Owned {
                region: "us-east-1".into(),
            },
            vec![(OWNER_TAG.into(), "vigil".into())],
        );
        let planned = plan(&diagnosis(ACCOUNT, all_repairs()), &f, &config);
        assert_eq!(decisions(&planned), vec![true, true, true]);
    }

    #[test]
    fn untagged_keys_foreign_buckets_and_org_trails_are_left_alone() {
        let config_tagged = config(&[("VIGIL_STACK_NAME", "vigil")]);
        let f = facts(
            BucketLocation::NotOwned,
            vec![(OWNER_TAG.into(), "another-stack".into())],
        );
        let planned = plan(
            &diagnosis("999999999999", all_repairs()),
            &f,
            &config_tagged,
        );
        assert_eq!(decisions(&planned), vec![false, false, false]);
        let reasons: Vec<String> = planned
            .iter()
            .map(|p| match &p.decision {
                Decision::Skip(r) => r.clone(),
                Decision::Go => String::new(),
            })
            .collect();
        assert!(reasons[0].contains("organization trail"), "{}", reasons[0]);
        assert!(
            reasons[1].contains("not owned by this account"),
            "{}",
            reasons[1]
        );
        assert!(reasons[2].contains("vigil:owner=vigil"), "{}", reasons[2]);

        // A key named in the configuration counts as owned, tag or not.
        let listed = config(&[
            ("VIGIL_STACK_NAME", "vigil"),
            ("VIGIL_TRAIL_OWNED_KEY_ARNS", KEY),
        ]);
        let planned = plan(&diagnosis(ACCOUNT, all_repairs()), &f, &listed);
        assert_eq!(decisions(&planned), vec![true, false, true]);
    }

    #[test]
    fn each_switch_turns_its_repair_off() {
        let config = config(&[
            ("VIGIL_TRAIL_OWNED_KEY_ARNS", KEY),
            ("VIGIL_TRAIL_REPAIR_START_LOGGING", "false"),
            ("VIGIL_TRAIL_REPAIR_BUCKET_POLICY", "false"),
            ("VIGIL_TRAIL_REPAIR_KMS_KEY", "false"),
        ]);
        let f = facts(
            BucketLocation::Owned {
                region: "us-east-1".into(),
            },
            vec![],
        );
        let planned = plan(&diagnosis(ACCOUNT, all_repairs()), &f, &config);
        assert_eq!(decisions(&planned), vec![false, false, false]);
        assert!(
            planned
                .iter()
                .all(|p| matches!(&p.decision, Decision::Skip(r) if r.contains("=false")))
        );
    }

    #[test]
    fn leftover_status_errors_are_residual_only_when_all_were_fixed() {
        let denied = Signal::LatestDeliveryError("AccessDenied".into());
        let digest = Signal::LatestDigestDeliveryError("AccessDenied".into());
        assert!(residual(
            std::slice::from_ref(&denied),
            &[denied.clone(), digest.clone()]
        ));
        assert!(!residual(&[denied.clone(), digest], &[denied]));
        assert!(!residual(&[], &[]));
    }
}
