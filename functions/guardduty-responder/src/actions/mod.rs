//! Carrying out a decision: one module per service, each action checking the resource's
//! current state before it changes anything, so a replayed finding changes nothing already done
//! and says so.
//!
//! "Already handled" lives in the resources themselves, not in a store of its own: the
//! instance's groups, tags and termination flag, snapshots tagged with the finding id, the
//! network ACL's entries (and a tag per entry for its age), the key's status, the inline
//! policy's text, the bucket's public access block, the secret's rotation state.
//!
//! Actions are independent: they run concurrently, one failing does not stop the others, and
//! each has its own outcome.
//!
//! Each module holds what its actions decide (pure functions over the plain data the
//! [`aws`](crate::aws) adapters return, unit-tested here) and the order in which they call the
//! adapters; and how each change is undone on release ([`release`]), from the [`record`] an
//! action leaves of what it changed.
//!
//! Every action acts in the finding's account and Region, through the clients the handler
//! picked for them ([`Ctx::aws`]): the function's own, or the member role's. The one thing done
//! for a sample finding is [`drill`]: its receipt for detector-guard's drill under way, in the
//! function's own state store.

pub mod drill;
pub(crate) mod ec2;
pub(crate) mod ecs;
pub mod iam;
pub(crate) mod lambda;
pub(crate) mod network;
pub(crate) mod rds;
pub mod record;
pub mod release;
pub(crate) mod s3;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil::aws::AwsCallError;
use vigil::events::guardduty::Finding;

use self::record::{Record, Undo};
use crate::aws::ec2::Instance;
use crate::aws::ssm::Records;
use crate::aws::{Clients, Unreachable};
use crate::config::{ActionKind, ResponseSettings};
use crate::playbook::{Action, Decision, Planned, Verdict};

/// What became of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Changed something now.
    Done,
    /// The resource was already in the wanted state; nothing changed.
    AlreadyDone,
    /// Would have been done; alert-only mode or a dry run.
    WouldDo,
    /// Not done, on purpose (safeguard, gate, not applicable).
    Skipped,
    /// Tried and failed.
    Failed,
}

serde_plain::derive_display_from_serialize!(Status);

/// One action's outcome, as reported in the result and the alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionOutcome {
    pub action: ActionKind,
    pub target: String,
    pub status: Status,
    pub detail: String,
    /// For failures: whether running the same finding again can succeed.
    pub retryable: bool,
}

/// Why an action failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ActionError {
    #[error(transparent)]
    Aws(#[from] AwsCallError),
    /// The resource is not in a state the action can work with (e.g. the instance is gone).
    #[error("{0}")]
    Refused(String),
}

impl ActionError {
    fn retryable(&self) -> bool {
        match self {
            ActionError::Aws(e) => e.failure.retryable(),
            ActionError::Refused(_) => false,
        }
    }
}

/// What an action that ran reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Done(String),
    AlreadyDone(String),
    Skipped(String),
}

/// What actions share during one finding: the clients of its account and Region, the
/// finding, the settings, the time of the response, each instance (described once however
/// many actions need it), and what each change left to undo.
pub(crate) struct Ctx<'a> {
    pub aws: Arc<Clients>,
    pub finding: &'a Finding,
    pub settings: &'a ResponseSettings,
    pub now: DateTime<Utc>,
    instances: tokio::sync::Mutex<HashMap<String, Option<Arc<Instance>>>>,
    undo: Mutex<Vec<Undo>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        aws: Arc<Clients>,
        finding: &'a Finding,
        settings: &'a ResponseSettings,
        now: DateTime<Utc>,
    ) -> Self {
        Ctx {
            aws,
            finding,
            settings,
            now,
            instances: tokio::sync::Mutex::new(HashMap::new()),
            undo: Mutex::new(Vec::new()),
        }
    }

    /// The instance as it is now, or a refusal when it no longer exists.
    pub(crate) async fn instance(&self, id: &str) -> Result<Arc<Instance>, ActionError> {
        let mut known = self.instances.lock().await;
        let found = match known.get(id) {
            Some(found) => found.clone(),
            None => {
                let found = self.aws.ec2.describe_instance(id).await?.map(Arc::new);
                known.insert(id.to_owned(), found.clone());
                found
            }
        };
        found.ok_or_else(|| {
            ActionError::Refused(format!(
                "instance {id} does not exist (any more) in this account and region"
            ))
        })
    }

    /// Notes how to undo a change just made (or found made by an earlier response).
    pub(crate) fn remember(&self, undo: Undo) {
        let mut all = self.undo.lock().unwrap_or_else(|e| e.into_inner());
        if !all.contains(&undo) {
            all.push(undo);
        }
    }

    /// What the response left to undo, in the order it was done.
    pub(crate) fn undo(&self) -> Vec<Undo> {
        self.undo.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// When the activity GuardDuty reported was last seen: what "already done" is measured
    /// against for revocations and rotations.
    pub(crate) fn activity_time(&self) -> Option<DateTime<Utc>> {
        let s = self.finding.service();
        s.event_last_seen
            .or(self.finding.updated_at)
            .or(self.finding.created_at)
    }
}

/// The outcomes when nothing may run: each planned action as it was decided.
pub(crate) fn report_only(decision: &Decision) -> Vec<ActionOutcome> {
    decision.planned.iter().map(decided).collect()
}

/// The outcomes when the finding's account cannot be reached: nothing is done, each action
/// that would have run says why.
pub(crate) fn unreachable(decision: &Decision, why: &Unreachable) -> Vec<ActionOutcome> {
    decision
        .planned
        .iter()
        .map(|p| match p.verdict {
            Verdict::Run => ActionOutcome {
                action: p.kind,
                target: p.target.clone(),
                status: Status::Skipped,
                detail: format!("{why}: not acted on"),
                retryable: false,
            },
            _ => decided(p),
        })
        .collect()
}

fn decided(planned: &Planned) -> ActionOutcome {
    ActionOutcome {
        action: planned.kind,
        target: planned.target.clone(),
        status: if planned.verdict == Verdict::WouldRun {
            Status::WouldDo
        } else {
            Status::Skipped
        },
        detail: planned.reason.clone(),
        retryable: false,
    }
}

/// Adds the response's changes to the finding's record (read first, so a replay that found
/// everything done adds nothing and writes nothing).
pub(crate) async fn keep_record(records: &Records, fresh: Record) -> Result<(), AwsCallError> {
    let existing = records
        .get(&fresh.finding_id)
        .await?
        .and_then(|text| serde_json::from_str::<Record>(&text).ok());
    if let Some(merged) = Record::merged(existing, fresh) {
        write_record(records, &merged).await?;
    }
    Ok(())
}

/// Writes the record as it is.
pub(crate) async fn write_record(records: &Records, record: &Record) -> Result<(), AwsCallError> {
    let text = serde_json::to_string(record).unwrap_or_default();
    records.put(&record.finding_id, &text).await
}

/// Carries out every planned action that may run; reports the others as they were decided.
pub(crate) async fn run(decision: &Decision, ctx: &Ctx<'_>) -> Vec<ActionOutcome> {
    let work = decision.planned.iter().map(|planned| run_one(planned, ctx));
    futures::future::join_all(work).await
}

async fn run_one(planned: &Planned, ctx: &Ctx<'_>) -> ActionOutcome {
    let outcome = |status, detail: String, retryable| ActionOutcome {
        action: planned.kind,
        target: planned.target.clone(),
        status,
        detail,
        retryable,
    };
    let action = match (&planned.verdict, &planned.action) {
        (Verdict::Run, Some(action)) => action,
        (Verdict::WouldRun, _) => return outcome(Status::WouldDo, planned.reason.clone(), false),
        _ => return outcome(Status::Skipped, planned.reason.clone(), false),
    };
    let result = match action {
        Action::IsolateInstance { instance_id } => ec2::isolate(ctx, instance_id).await,
        Action::SnapshotVolumes { instance_id } => ec2::snapshot_volumes(ctx, instance_id).await,
        Action::TerminationProtection { instance_id } => {
            ec2::protect_from_termination(ctx, instance_id).await
        }
        Action::TagInstance { instance_id } => ec2::tag_instance(ctx, instance_id).await,
        Action::BlockRemoteIps { instance_id, ips } => {
            network::block_remote_ips(ctx, instance_id, ips).await
        }
        Action::DeactivateAccessKey {
            user_name,
            access_key_id,
        } => iam::deactivate_key(ctx, user_name, access_key_id).await,
        Action::DenyUser { user_name } => iam::deny_user(ctx, user_name).await,
        Action::RevokeSessions { principal, name } => {
            iam::revoke_sessions(ctx, *principal, name).await
        }
        Action::BlockPublicAccess { bucket } => s3::block_public_access(ctx, bucket).await,
        Action::StopTask { cluster, task } => ecs::stop_task(ctx, cluster, task).await,
        Action::TagService { cluster, service } => ecs::tag_service(ctx, cluster, service).await,
        Action::StopInvocations { function, version } => {
            lambda::stop_invocations(ctx, function, version.as_deref()).await
        }
        Action::QuarantineObject {
            bucket,
            key,
            version_id,
        } => s3::quarantine_object(ctx, bucket, key, version_id.as_deref()).await,
        Action::RotateSecret {
            db_instance_identifier,
            db_cluster_identifier,
        } => {
            rds::rotate_secrets(
                ctx,
                db_instance_identifier.as_deref(),
                db_cluster_identifier.as_deref(),
            )
            .await
        }
    };
    match result {
        Ok(Step::Done(detail)) => outcome(Status::Done, detail, false),
        Ok(Step::AlreadyDone(detail)) => outcome(Status::AlreadyDone, detail, false),
        Ok(Step::Skipped(detail)) => outcome(Status::Skipped, detail, false),
        Err(error) => {
            tracing::error!(action = %planned.kind, target = %planned.target, %error, "action failed");
            outcome(Status::Failed, error.to_string(), error.retryable())
        }
    }
}
