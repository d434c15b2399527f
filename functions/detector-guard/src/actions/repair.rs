//! Which repairs may run ([`plan`], pure), and running them ([`execute`]) in a safe order:
//! the detector first, then key states, then policies, then the export (GuardDuty checks the
//! bucket and key policies when an export is created).
//!
//! Safe by construction: detector and export repairs only in this account; policy merges only
//! into buckets this account owns (S3 checks that too, through `ExpectedBucketOwner`) and
//! keys of this account, each tagged `vigil:owner=<stack>` or listed in the configuration,
//! adding statements and never removing or changing one; EnableKey / CancelKeyDeletion only on
//! such keys. Each kind can be switched off. A deleted bucket name is never recreated and a
//! suppression rule never deleted: no repair exists for either.

use vigil::aws::AwsCallError;
use vigil::policy::merge::Change;

use crate::aws::guardduty::ExportProperties;
use crate::config::{Config, OWNER_TAG, Plan};
use crate::deps::Deps;
use crate::diagnose::{RegionDiagnosis, Repair};
use crate::facts::{BucketLocation, Facts};

/// Whether a proposed repair may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Go,
    Skip(String),
}

/// A repair proposed for one cause, and the decision on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned {
    pub(crate) cause_id: String,
    pub(crate) repair: Repair,
    pub(crate) decision: Decision,
}

/// What happened when a repair ran.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunResult {
    /// It changed something.
    Done(String),
    /// Nothing needed changing any more (e.g. the statements were already there).
    Unchanged(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Executed {
    pub(crate) repair: Repair,
    pub(crate) result: RunResult,
}

/// Decides, for every repair the diagnosis proposes, whether it may run.
pub(crate) fn plan(diagnoses: &[RegionDiagnosis], facts: &Facts, config: &Config) -> Vec<Planned> {
    diagnoses
        .iter()
        .flat_map(|d| &d.causes)
        .flat_map(|cause| {
            cause.repairs.iter().map(|repair| Planned {
                cause_id: cause.id(),
                decision: decide(repair, facts, config),
                repair: repair.clone(),
            })
        })
        .collect()
}

fn tagged(tags: Option<&Result<Vec<(String, String)>, AwsCallError>>, stack: Option<&str>) -> bool {
    match (tags, stack) {
        (Some(Ok(tags)), Some(stack)) => tags.iter().any(|(k, v)| k == OWNER_TAG && v == stack),
        _ => false,
    }
}

fn not_owned(what: &str, config: &Config, list: &str) -> Decision {
    Decision::Skip(format!(
        "{what} is not owned by this stack: it is not tagged {OWNER_TAG}={} and not listed in {list}",
        config.stack_name.as_deref().unwrap_or("<stack name>")
    ))
}

fn key_owned(key_arn: &str, facts: &Facts, config: &Config) -> Decision {
    if vigil::arn::account(key_arn) != Some(config.account_id.as_str()) {
        return Decision::Skip(format!("key {key_arn} belongs to another account"));
    }
    let listed = config
        .owned_key_arns
        .iter()
        .any(|k| vigil::arn::same_key(k, key_arn));
    let tags = facts
        .keys
        .values()
        .find(|k| matches!(&k.key, Ok(Some(info)) if info.arn == key_arn))
        .and_then(|k| k.tags.as_ref());
    if listed || tagged(tags, config.stack_name.as_deref()) {
        Decision::Go
    } else {
        not_owned(
            &format!("key {key_arn}"),
            config,
            "VIGIL_GUARD_OWNED_KEY_ARNS",
        )
    }
}

fn decide(repair: &Repair, facts: &Facts, config: &Config) -> Decision {
    let switch = |on: bool, name: &str| {
        (!on).then(|| Decision::Skip(format!("this repair is off ({name}=false)")))
    };
    match repair {
        Repair::CreateDetector { .. }
        | Repair::EnableDetector { .. }
        | Repair::EnablePlans { .. }
        | Repair::SetFrequency { .. } => {
            switch(config.repair.detector, "VIGIL_GUARD_REPAIR_DETECTOR").unwrap_or(Decision::Go)
        }
        Repair::CreateExport { .. } | Repair::RestoreExport { .. } => {
            switch(config.repair.export, "VIGIL_GUARD_REPAIR_EXPORT").unwrap_or(Decision::Go)
        }
        Repair::AddBucketStatements { bucket, .. } => {
            if let Some(off) = switch(config.repair.policies, "VIGIL_GUARD_REPAIR_POLICIES") {
                return off;
            }
            let b = facts.buckets.get(bucket);
            if !matches!(
                b.map(|b| &b.location),
                Some(Ok(BucketLocation::Owned { .. }))
            ) {
                return Decision::Skip(format!("bucket {bucket} is not owned by this account"));
            }
            let listed = config.owned_buckets.iter().any(|o| o == bucket);
            if listed
                || tagged(
                    b.and_then(|b| b.tags.as_ref()),
                    config.stack_name.as_deref(),
                )
            {
                Decision::Go
            } else {
                not_owned(
                    &format!("bucket {bucket}"),
                    config,
                    "VIGIL_GUARD_OWNED_BUCKETS",
                )
            }
        }
        Repair::AddKeyStatement { key_arn, .. } => {
            switch(config.repair.policies, "VIGIL_GUARD_REPAIR_POLICIES")
                .unwrap_or_else(|| key_owned(key_arn, facts, config))
        }
        Repair::CancelKeyDeletion { key_arn, .. } | Repair::EnableKey { key_arn, .. } => {
            switch(config.repair.keys, "VIGIL_GUARD_REPAIR_KEYS")
                .unwrap_or_else(|| key_owned(key_arn, facts, config))
        }
    }
}

/// The order repairs run in: the detector, key states, policies, the export.
fn phase(repair: &Repair) -> u8 {
    match repair {
        Repair::CreateDetector { .. } | Repair::EnableDetector { .. } => 0,
        Repair::EnablePlans { .. } | Repair::SetFrequency { .. } => 1,
        Repair::CancelKeyDeletion { .. } => 2,
        Repair::EnableKey { .. } => 3,
        Repair::AddBucketStatements { .. } | Repair::AddKeyStatement { .. } => 4,
        Repair::CreateExport { .. } | Repair::RestoreExport { .. } => 5,
    }
}

/// Runs every repair decided `Go`, each distinct one once, in [`phase`] order. A key whose
/// CancelKeyDeletion failed is not enabled.
pub(crate) async fn execute(planned: &[Planned], deps: &Deps) -> Vec<Executed> {
    let mut todo: Vec<&Repair> = Vec::new();
    for p in planned.iter().filter(|p| p.decision == Decision::Go) {
        if !todo.contains(&&p.repair) {
            todo.push(&p.repair);
        }
    }
    todo.sort_by_key(|r| phase(r));
    let mut done: Vec<Executed> = Vec::new();
    for repair in todo {
        let cancel_failed = matches!(repair, Repair::EnableKey { key_arn, .. } if done.iter().any(|e| matches!(&e.repair, Repair::CancelKeyDeletion { key_arn: k, .. } if k == key_arn) && matches!(e.result, RunResult::Failed(_))));
        let result = if cancel_failed {
            RunResult::Failed("not attempted: CancelKeyDeletion failed".into())
        } else {
            run(repair, deps).await
        };
        tracing::info!(repair = %repair.describe(), ?result, "repair");
        done.push(Executed {
            repair: repair.clone(),
            result,
        });
    }
    done
}

fn outcome(result: Result<String, AwsCallError>) -> RunResult {
    match result {
        Ok(detail) => RunResult::Done(detail),
        Err(e) => RunResult::Failed(e.to_string()),
    }
}

async fn run(repair: &Repair, deps: &Deps) -> RunResult {
    let clients = deps.regions.get(repair.region());
    let gd = &clients.guardduty;
    let account = deps.config.account_id.as_str();
    match repair {
        Repair::CreateDetector {
            plans, frequency, ..
        } => outcome(
            gd.create_detector(plans, *frequency)
                .await
                .map(|id| format!("detector {id} created, enabled, every plan named")),
        ),
        Repair::EnableDetector { detector_id, .. } => outcome(
            gd.update_detector(detector_id, Some(true), &[], None)
                .await
                .map(|()| "detector enabled".into()),
        ),
        Repair::EnablePlans {
            detector_id, plans, ..
        } => {
            let on: Vec<(Plan, bool)> = plans.iter().map(|p| (*p, true)).collect();
            outcome(
                gd.update_detector(detector_id, None, &on, None)
                    .await
                    .map(|()| "plans enabled".into()),
            )
        }
        Repair::SetFrequency {
            detector_id,
            frequency,
            ..
        } => outcome(
            gd.update_detector(detector_id, None, &[], Some(*frequency))
                .await
                .map(|()| format!("publishing frequency set to {frequency}")),
        ),
        Repair::CreateExport {
            detector_id,
            destination_arn,
            key_arn,
            ..
        } => outcome(
            gd.create_destination(
                detector_id,
                &ExportProperties {
                    destination_arn,
                    key_arn,
                    bucket_owner: account,
                },
            )
            .await
            .map(|id| format!("export {id} created")),
        ),
        Repair::RestoreExport {
            detector_id,
            destination_id,
            destination_arn,
            key_arn,
            ..
        } => outcome(
            gd.update_destination(
                detector_id,
                destination_id,
                &ExportProperties {
                    destination_arn,
                    key_arn,
                    bucket_owner: account,
                },
            )
            .await
            .map(|()| format!("export {destination_id} points at {destination_arn} again")),
        ),
        Repair::AddBucketStatements {
            bucket, statements, ..
        } => clients
            .bucket_policies
            .add_statements(bucket, account, statements)
            .await
            .into(),
        Repair::AddKeyStatement {
            key_arn, statement, ..
        } => clients
            .kms
            .add_policy_statements(key_arn, std::slice::from_ref(statement))
            .await
            .into(),
        Repair::CancelKeyDeletion { key_arn, .. } => outcome(
            clients
                .kms
                .cancel_deletion(key_arn)
                .await
                .map(|()| "deletion cancelled (the key is now disabled)".into()),
        ),
        Repair::EnableKey { key_arn, .. } => outcome(
            clients
                .kms
                .enable(key_arn)
                .await
                .map(|()| "key enabled".into()),
        ),
    }
}

impl From<Change> for RunResult {
    fn from(change: Change) -> Self {
        match change {
            Change::Added(detail) => RunResult::Done(detail),
            Change::AlreadyThere(detail) => RunResult::Unchanged(detail),
            Change::Failed(error) => RunResult::Failed(error),
        }
    }
}

/// The Regions where a repair changed something: the only ones to read back.
pub(crate) fn changed_regions(executed: &[Executed]) -> Vec<String> {
    let mut regions: Vec<String> = executed
        .iter()
        .filter(|e| matches!(e.result, RunResult::Done(_)))
        .map(|e| e.repair.region().to_owned())
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Cause, CauseKind};
    use crate::facts::{BucketFacts, KeyFacts, KeyInfo, KeyState};
    use vigil::alert::Severity;

    const ACCOUNT: &str = "111122223333";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut all = vec![("VIGIL_ACCOUNT_ID", ACCOUNT), ("VIGIL_STACK_NAME", "vigil")];
        all.extend_from_slice(pairs);
        Config::from_lookup(vigil::config::lookup_in(&all)).unwrap()
    }

    fn facts(bucket_tags: Vec<(String, String)>, key_tags: Vec<(String, String)>) -> Facts {
        Facts {
            account_id: ACCOUNT.into(),
            partition: "aws".into(),
            regions: vec![],
            buckets: [(
                "b".to_owned(),
                BucketFacts {
                    name: "b".into(),
                    location: Ok(BucketLocation::Owned {
                        region: "us-east-1".into(),
                    }),
                    policy: None,
                    tags: Some(Ok(bucket_tags)),
                },
            )]
            .into(),
            keys: [(
                KEY.to_owned(),
                KeyFacts {
                    id: KEY.into(),
                    region: "us-east-1".into(),
                    key: Ok(Some(KeyInfo {
                        arn: KEY.into(),
                        account: ACCOUNT.into(),
                        state: KeyState::Disabled,
                        deletion_date: None,
                    })),
                    policy: None,
                    tags: Some(Ok(key_tags)),
                },
            )]
            .into(),
            call: None,
            collected_at: chrono::Utc::now(),
        }
    }

    fn diagnosis() -> Vec<RegionDiagnosis> {
        let region = "us-east-1".to_owned();
        let repairs = vec![
            Repair::EnableDetector {
                region: region.clone(),
                detector_id: "d".into(),
            },
            Repair::AddBucketStatements {
                region: region.clone(),
                bucket: "b".into(),
                statements: vec![],
            },
            Repair::EnableKey {
                region: region.clone(),
                key_arn: KEY.into(),
            },
        ];
        vec![RegionDiagnosis {
            region,
            detector_id: Some("d".into()),
            causes: vec![Cause {
                kind: CauseKind::DetectorDisabled,
                subject: "d".into(),
                severity: Severity::High,
                summary: String::new(),
                evidence: vec![],
                repairs,
                steps: vec![],
                lagging: false,
            }],
        }]
    }

    fn go(planned: &[Planned]) -> Vec<bool> {
        planned.iter().map(|p| p.decision == Decision::Go).collect()
    }

    fn owner() -> Vec<(String, String)> {
        vec![(OWNER_TAG.into(), "vigil".into())]
    }

    #[test]
    fn only_what_the_stack_owns_is_repaired() {
        let c = config(&[]);
        assert_eq!(
            go(&plan(&diagnosis(), &facts(owner(), owner()), &c)),
            vec![true, true, true]
        );
        let planned = plan(&diagnosis(), &facts(vec![], vec![]), &c);
        assert_eq!(go(&planned), vec![true, false, false]);
        assert!(
            matches!(&planned[1].decision, Decision::Skip(r) if r.contains("vigil:owner=vigil"))
        );
        let listed = config(&[
            ("VIGIL_GUARD_OWNED_BUCKETS", "b"),
            ("VIGIL_GUARD_OWNED_KEY_ARNS", KEY),
        ]);
        assert_eq!(
            go(&plan(&diagnosis(), &facts(vec![], vec![]), &listed)),
            vec![true, true, true]
        );
    }

    #[test]
    fn each_switch_turns_its_repair_off() {
        let c = config(&[
            ("VIGIL_GUARD_REPAIR_DETECTOR", "false"),
            ("VIGIL_GUARD_REPAIR_POLICIES", "false"),
            ("VIGIL_GUARD_REPAIR_KEYS", "false"),
        ]);
        let planned = plan(&diagnosis(), &facts(owner(), owner()), &c);
        assert_eq!(go(&planned), vec![false, false, false]);
        assert!(
            planned
                .iter()
                .all(|p| matches!(&p.decision, Decision::Skip(r) if r.contains("=false")))
        );
    }

    #[test]
    fn repairs_run_detector_first_and_exports_last() {
        let export = Repair::CreateExport {
            region: "r".into(),
            detector_id: "d".into(),
            destination_arn: "a".into(),
            key_arn: KEY.into(),
        };
        let statements = Repair::AddBucketStatements {
            region: "r".into(),
            bucket: "b".into(),
            statements: vec![],
        };
        let create = Repair::CreateDetector {
            region: "r".into(),
            plans: vec![],
            frequency: crate::config::Frequency::FifteenMinutes,
        };
        let mut order = [&export, &statements, &create];
        order.sort_by_key(|r| phase(r));
        assert_eq!(order, [&create, &statements, &export]);
    }
}
