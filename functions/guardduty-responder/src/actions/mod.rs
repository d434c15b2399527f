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
//! adapters.

pub(crate) mod ec2;
pub mod iam;
pub(crate) mod network;
pub(crate) mod rds;
pub(crate) mod s3;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::OnceCell;
use vigil::aws::AwsCallError;
use vigil::events::guardduty::Finding;

use crate::aws::ec2::Instance;
use crate::config::{ActionKind, ResponseSettings};
use crate::deps::Deps;
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

/// What actions share during one finding: the clients, the finding, the settings, the time of
/// the response, and the instance (described once however many actions need it).
pub(crate) struct Ctx<'a> {
    pub deps: &'a Deps,
    pub finding: &'a Finding,
    pub settings: &'a ResponseSettings,
    pub now: DateTime<Utc>,
    instance: OnceCell<Option<Instance>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        deps: &'a Deps,
        finding: &'a Finding,
        settings: &'a ResponseSettings,
        now: DateTime<Utc>,
    ) -> Self {
        Ctx {
            deps,
            finding,
            settings,
            now,
            instance: OnceCell::new(),
        }
    }

    /// The instance as it is now, or a refusal when it no longer exists.
    pub(crate) async fn instance(&self, id: &str) -> Result<&Instance, ActionError> {
        let found = self
            .instance
            .get_or_try_init(|| self.deps.ec2.describe_instance(id))
            .await?;
        found.as_ref().ok_or_else(|| {
            ActionError::Refused(format!(
                "instance {id} does not exist (any more) in this account and region"
            ))
        })
    }

    /// When the activity GuardDuty reported was last seen: what "already done" is measured
    /// against for revocations and rotations.
    pub(crate) fn activity_time(&self) -> Option<DateTime<Utc>> {
        let s = &self.finding.service;
        s.event_last_seen
            .or(self.finding.updated_at)
            .or(self.finding.created_at)
    }
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
