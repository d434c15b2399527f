//! IAM: deactivate a leaked access key, deny a user everything, revoke a principal's sessions.
//!
//! Session revocation is the inline policy AWS's console writes for "Revoke active sessions"
//! (`AWSRevokeOlderSessions`): deny everything to credentials issued before a cutoff
//! (`aws:TokenIssueTime`). It is "already done" when an existing revocation's cutoff is at or
//! after the last activity GuardDuty saw: every session used in that activity is covered.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use vigil::aws::{AwsCallError, AwsFailure};
use vigil::policy::{Effect, PolicyDocument};

use super::record::Undo;
use super::{ActionError, Ctx, Step};
use crate::aws::Clients;
use crate::aws::iam::Iam;
use crate::playbook::PrincipalKind;

/// Inline policy denying a user everything.
const DENY_ALL_POLICY: &str = "vigil-guardduty-deny-all";
/// Inline policy revoking sessions issued before its cutoff.
const REVOKE_POLICY: &str = "vigil-guardduty-revoke-older-sessions";

/// The principal's inline policy `policy`, decoded; `None` when there is none.
async fn inline_policy(
    iam: &Iam,
    kind: PrincipalKind,
    name: &str,
    policy: &str,
) -> Result<Option<String>, AwsCallError> {
    match kind {
        PrincipalKind::User => iam.user_policy(name, policy).await,
        PrincipalKind::Role => iam.role_policy(name, policy).await,
    }
}

async fn put_inline_policy(
    iam: &Iam,
    kind: PrincipalKind,
    name: &str,
    policy: &str,
    document: &str,
) -> Result<(), AwsCallError> {
    match kind {
        PrincipalKind::User => iam.put_user_policy(name, policy, document).await,
        PrincipalKind::Role => iam.put_role_policy(name, policy, document).await,
    }
}

fn deny_all_document() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "VigilGuardDutyDenyAll",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*"
        }]
    })
    .to_string()
}

/// The `AWSRevokeOlderSessions` document with `cutoff`.
fn revoke_document(cutoff: DateTime<Utc>) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "VigilRevokeOlderSessions",
            "Effect": "Deny",
            "Action": ["*"],
            "Resource": ["*"],
            "Condition": {
                "DateLessThan": {
                    "aws:TokenIssueTime": cutoff.to_rfc3339_opts(SecondsFormat::Secs, true)
                }
            }
        }]
    })
    .to_string()
}

/// Whether `document` denies every action on every resource unconditionally.
pub fn denies_everything(document: &str) -> bool {
    PolicyDocument::parse(document).is_ok_and(|doc| {
        doc.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && s.action.iter().any(|a| a == "*")
                && s.resource.iter().any(|r| r == "*")
                && s.condition.is_empty()
        })
    })
}

/// The latest `aws:TokenIssueTime` cutoff of a deny-all statement in `document`.
pub fn revocation_cutoff(document: &str) -> Option<DateTime<Utc>> {
    let doc = PolicyDocument::parse(document).ok()?;
    doc.statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Deny
                && s.action.iter().any(|a| a == "*")
                && s.resource.iter().any(|r| r == "*")
        })
        .flat_map(|s| s.condition_values("DateLessThan", "aws:TokenIssueTime"))
        .filter_map(|v| DateTime::parse_from_rfc3339(&v).ok())
        .map(|t| t.with_timezone(&Utc))
        .max()
}

pub(crate) async fn deactivate_key(
    ctx: &Ctx<'_>,
    user: &str,
    key_id: &str,
) -> Result<Step, ActionError> {
    match ctx.aws.iam.key_status(user, key_id).await?.as_deref() {
        None => Ok(Step::AlreadyDone(format!(
            "user {user} has no key {key_id} (any more): nothing can use it"
        ))),
        Some("Inactive") => Ok(Step::AlreadyDone(format!("{key_id} is already inactive"))),
        Some(_) => {
            ctx.aws.iam.deactivate_key(user, key_id).await?;
            ctx.remember(Undo::ReactivateKey {
                user_name: user.to_owned(),
                access_key_id: key_id.to_owned(),
            });
            Ok(Step::Done(format!(
                "{key_id} deactivated (not deleted: reactivate it once it is rotated out, or delete it)"
            )))
        }
    }
}

pub(crate) async fn deny_user(ctx: &Ctx<'_>, user: &str) -> Result<Step, ActionError> {
    let iam = &ctx.aws.iam;
    let existing = iam.user_policy(user, DENY_ALL_POLICY).await?;
    let undo = Undo::RemoveUserPolicy {
        user_name: user.to_owned(),
        policy: DENY_ALL_POLICY.to_owned(),
    };
    if existing.as_deref().is_some_and(denies_everything) {
        ctx.remember(undo);
        return Ok(Step::AlreadyDone(format!(
            "user {user} already has the inline deny-all policy {DENY_ALL_POLICY}"
        )));
    }
    iam.put_user_policy(user, DENY_ALL_POLICY, &deny_all_document())
        .await
        .map_err(|e| refuse_missing(e, PrincipalKind::User, user))?;
    ctx.remember(undo);
    Ok(Step::Done(format!(
        "inline policy {DENY_ALL_POLICY} denies user {user} every action; remove it once the user is cleared"
    )))
}

pub(crate) async fn revoke_sessions(
    ctx: &Ctx<'_>,
    kind: PrincipalKind,
    name: &str,
) -> Result<Step, ActionError> {
    let iam = &ctx.aws.iam;
    let existing = inline_policy(iam, kind, name, REVOKE_POLICY).await?;
    let cutoff = existing.as_deref().and_then(revocation_cutoff);
    let undo = match kind {
        PrincipalKind::User => Undo::RemoveUserPolicy {
            user_name: name.to_owned(),
            policy: REVOKE_POLICY.to_owned(),
        },
        PrincipalKind::Role => Undo::RemoveRolePolicy {
            role_name: name.to_owned(),
            policy: REVOKE_POLICY.to_owned(),
        },
    };
    if let Some(cutoff) = cutoff {
        let covered = ctx.activity_time().is_none_or(|seen| cutoff >= seen);
        if covered {
            ctx.remember(undo);
            return Ok(Step::AlreadyDone(format!(
                "{kind} {name}: sessions issued before {} are already revoked, which covers the activity GuardDuty saw",
                cutoff.to_rfc3339_opts(SecondsFormat::Secs, true)
            )));
        }
    }
    put_inline_policy(iam, kind, name, REVOKE_POLICY, &revoke_document(ctx.now))
        .await
        .map_err(|e| refuse_missing(e, kind, name))?;
    ctx.remember(undo);
    Ok(Step::Done(format!(
        "{kind} {name}: every session issued before {} is revoked (inline policy {REVOKE_POLICY})",
        ctx.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    )))
}

/// Release: deletes the responder's inline policy from the user or role, and reads back that
/// it is gone.
pub(crate) async fn remove_policy(
    aws: &Clients,
    kind: PrincipalKind,
    name: &str,
    policy: &str,
) -> Result<Step, ActionError> {
    let iam = &aws.iam;
    if inline_policy(iam, kind, name, policy).await?.is_none() {
        return Ok(Step::AlreadyDone(format!(
            "{kind} {name} has no policy {policy}"
        )));
    }
    match kind {
        PrincipalKind::User => iam.delete_user_policy(name, policy).await?,
        PrincipalKind::Role => iam.delete_role_policy(name, policy).await?,
    }
    if inline_policy(iam, kind, name, policy).await?.is_some() {
        return Err(ActionError::Refused(format!(
            "read back, {kind} {name} still has policy {policy}"
        )));
    }
    Ok(Step::Done(format!(
        "policy {policy} removed from {kind} {name} (read back: gone)"
    )))
}

/// Release (asked for explicitly): reactivates the key the response deactivated.
pub(crate) async fn reactivate_key(
    aws: &Clients,
    user: &str,
    key_id: &str,
) -> Result<Step, ActionError> {
    match aws.iam.key_status(user, key_id).await?.as_deref() {
        None => Err(ActionError::Refused(format!(
            "user {user} has no key {key_id} any more"
        ))),
        Some("Active") => Ok(Step::AlreadyDone(format!("{key_id} is already active"))),
        Some(_) => {
            aws.iam.activate_key(user, key_id).await?;
            match aws.iam.key_status(user, key_id).await?.as_deref() {
                Some("Active") => Ok(Step::Done(format!("{key_id} active again (read back)"))),
                other => Err(ActionError::Refused(format!(
                    "read back, {key_id} is {}",
                    other.unwrap_or("gone")
                ))),
            }
        }
    }
}

/// A principal that no longer exists cannot be contained; say so instead of a bare NotFound.
fn refuse_missing(e: AwsCallError, kind: PrincipalKind, name: &str) -> ActionError {
    if e.failure == AwsFailure::NotFound {
        ActionError::Refused(format!("{kind} {name} does not exist in this account"))
    } else {
        ActionError::Aws(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_recognised_after_a_round_trip() {
        assert!(denies_everything(&deny_all_document()));
        assert!(
            !denies_everything(&revoke_document(Utc::now())),
            "conditional"
        );
        let cutoff = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(revocation_cutoff(&revoke_document(cutoff)), Some(cutoff));
        assert_eq!(revocation_cutoff(&deny_all_document()), None);
    }

    /// `document`'s one statement, checked to deny every action on every resource, as read by
    /// the shared policy model (independently of this module's own readers: a drift in both the
    /// writers and the readers cannot pass).
    fn deny_everything(document: &str) -> vigil::policy::Statement {
        let doc = PolicyDocument::parse(document).unwrap();
        assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
        assert_eq!(doc.statements.len(), 1);
        let s = doc.statements.into_iter().next().unwrap();
        assert_eq!(s.effect, Effect::Deny);
        assert_eq!(s.action, vec!["*".to_string()]);
        assert_eq!(s.resource, vec!["*".to_string()]);
        assert!(s.not_action.is_empty() && s.not_resource.is_empty());
        assert!(s.principal.is_none() && s.not_principal.is_none());
        s
    }

    #[test]
    fn documents_deny_every_action_on_every_resource() {
        let s = deny_everything(&deny_all_document());
        assert!(s.condition.is_empty(), "unconditional");

        let cutoff = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let s = deny_everything(&revoke_document(cutoff));
        assert_eq!(
            serde_json::Value::Object(s.condition.clone()),
            json!({"DateLessThan": {"aws:TokenIssueTime": "2024-06-01T12:00:00Z"}})
        );
    }

    #[test]
    fn url_encoded_documents_are_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        assert!(denies_everything(&vigil::policy::decode_document(encoded)));
        assert_eq!(
            vigil::policy::decode_document("{\"a\": \"100%\"}"),
            "{\"a\": \"100%\"}"
        );
    }
}
