//! Release: undoing what the responder did for a finding, from its [`Record`]. Each undo reads
//! the resource back to check it took; one that cannot be done stays in the record for the
//! next release. A deactivated access key is reactivated only when the release asks for it.
//! What cannot be undone is said so: snapshots stay as evidence, a stopped task stays
//! stopped, a rotated secret stays rotated, a bucket's public access block stays on.

use serde::Serialize;

use super::record::{Record, Undo};
use super::{ActionError, Step, ec2, ecs, iam, lambda, network, s3};
use crate::aws::Clients;
use crate::playbook::PrincipalKind;

/// What became of one undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UndoStatus {
    /// Undone now, and read back.
    Undone,
    /// It was already as before the response.
    AlreadyUndone,
    /// Not done on purpose (a key is reactivated only when asked).
    Kept,
    Failed,
}

serde_plain::derive_display_from_serialize!(UndoStatus);

/// One undo's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoOutcome {
    pub undo: Undo,
    pub what: String,
    pub status: UndoStatus,
    pub detail: String,
}

/// Carries out every undo of `record`; the outcomes in the record's order.
pub(crate) async fn run(aws: &Clients, record: &Record, reactivate_keys: bool) -> Vec<UndoOutcome> {
    let mut out = Vec::new();
    for undo in &record.undo {
        let result = match undo {
            Undo::RestoreGroups {
                instance_id,
                interfaces,
            } => ec2::restore_groups(aws, instance_id, interfaces).await,
            Undo::RemoveAclEntries { acl_id, entries } => {
                network::remove_entries(aws, acl_id, entries).await
            }
            Undo::ReactivateKey {
                user_name,
                access_key_id,
            } => {
                if reactivate_keys {
                    iam::reactivate_key(aws, user_name, access_key_id).await
                } else {
                    out.push(UndoOutcome {
                        undo: undo.clone(),
                        what: undo.describe(),
                        status: UndoStatus::Kept,
                        detail: format!(
                            "{access_key_id} stays inactive: a release reactivates a key only when asked (\"reactivateAccessKeys\": true); rotating it is safer"
                        ),
                    });
                    continue;
                }
            }
            Undo::RemoveUserPolicy { user_name, policy } => {
                iam::remove_policy(aws, PrincipalKind::User, user_name, policy).await
            }
            Undo::RemoveRolePolicy { role_name, policy } => {
                iam::remove_policy(aws, PrincipalKind::Role, role_name, policy).await
            }
            Undo::UnprotectInstance { instance_id } => ec2::unprotect(aws, instance_id).await,
            Undo::RestoreConcurrency { function, previous } => {
                lambda::restore_concurrency(aws, function, *previous).await
            }
            Undo::RestoreObjectAccess {
                bucket,
                key,
                version_id,
                statement_sid,
                object_tag,
            } => {
                s3::restore_object_access(
                    aws,
                    bucket,
                    key,
                    version_id.as_deref(),
                    statement_sid,
                    object_tag.as_deref(),
                )
                .await
            }
            Undo::UntagService { service_arn, keys } => {
                ecs::untag_service(aws, service_arn, keys).await
            }
        };
        let (status, detail) = match result {
            Ok(Step::Done(d)) => (UndoStatus::Undone, d),
            Ok(Step::AlreadyDone(d) | Step::Skipped(d)) => (UndoStatus::AlreadyUndone, d),
            Err(e @ (ActionError::Aws(_) | ActionError::Refused(_))) => {
                tracing::error!(undo = %undo.describe(), error = %e, "undo failed");
                (UndoStatus::Failed, e.to_string())
            }
        };
        out.push(UndoOutcome {
            undo: undo.clone(),
            what: undo.describe(),
            status,
            detail,
        });
    }
    out
}

/// The undos still to do after a release: the kept and the failed ones.
pub(crate) fn left(outcomes: &[UndoOutcome]) -> Vec<Undo> {
    outcomes
        .iter()
        .filter(|o| matches!(o.status, UndoStatus::Kept | UndoStatus::Failed))
        .map(|o| o.undo.clone())
        .collect()
}
