//! IAM: deactivate a leaked access key, deny a user everything, revoke a principal's sessions.
//!
//! Session revocation is the inline policy AWS's console writes for "Revoke active sessions"
//! (`AWSRevokeOlderSessions`): deny everything to credentials issued before a cutoff
//! (`aws:TokenIssueTime`). It is "already done" when an existing revocation's cutoff is at or
//! after the last activity GuardDuty saw: every session used in that activity is covered.

use aws_sdk_iam::Client;
use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::types::StatusType;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use vigil::aws::{AwsCallError, AwsFailure};
use vigil::policy::{Effect, PolicyDocument};

use super::{ActionError, Ctx, Step};
use crate::playbook::PrincipalKind;

/// Inline policy denying a user everything.
pub const DENY_ALL_POLICY: &str = "vigil-guardduty-deny-all";
/// Inline policy revoking sessions issued before its cutoff.
pub const REVOKE_POLICY: &str = "vigil-guardduty-revoke-older-sessions";

/// The IAM calls the responder makes.
#[derive(Debug, Clone)]
pub struct Iam {
    client: Client,
}

impl Iam {
    pub fn new(client: Client) -> Self {
        Iam { client }
    }

    /// The key's status (`Active` / `Inactive`); `None` when the user has no such key.
    pub async fn key_status(
        &self,
        user: &str,
        key_id: &str,
    ) -> Result<Option<String>, AwsCallError> {
        let keys: Vec<_> = match self
            .client
            .list_access_keys()
            .user_name(user)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
        {
            Ok(keys) => keys,
            Err(e) if e.code() == Some("NoSuchEntity") => return Ok(None),
            Err(e) => return Err(AwsCallError::new("iam:ListAccessKeys", e)),
        };
        Ok(keys
            .iter()
            .find(|k| k.access_key_id() == Some(key_id))
            .map(|k| {
                k.status()
                    .map(|s| s.as_str())
                    .unwrap_or("Active")
                    .to_owned()
            }))
    }

    pub async fn deactivate_key(&self, user: &str, key_id: &str) -> Result<(), AwsCallError> {
        self.client
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(StatusType::Inactive)
            .send()
            .await
            .map_err(|e| AwsCallError::new("iam:UpdateAccessKey", e))?;
        Ok(())
    }

    /// An inline policy's document, decoded; `None` when there is no such policy.
    pub async fn inline_policy(
        &self,
        kind: PrincipalKind,
        principal: &str,
        policy: &str,
    ) -> Result<Option<String>, AwsCallError> {
        match kind {
            PrincipalKind::User => document_or_none(
                "iam:GetUserPolicy",
                self.client
                    .get_user_policy()
                    .user_name(principal)
                    .policy_name(policy)
                    .send()
                    .await
                    .map(|o| o.policy_document),
            ),
            PrincipalKind::Role => document_or_none(
                "iam:GetRolePolicy",
                self.client
                    .get_role_policy()
                    .role_name(principal)
                    .policy_name(policy)
                    .send()
                    .await
                    .map(|o| o.policy_document),
            ),
        }
    }

    pub async fn put_inline_policy(
        &self,
        kind: PrincipalKind,
        principal: &str,
        policy: &str,
        document: &str,
    ) -> Result<(), AwsCallError> {
        match kind {
            PrincipalKind::User => self
                .client
                .put_user_policy()
                .user_name(principal)
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| AwsCallError::new("iam:PutUserPolicy", e)),
            PrincipalKind::Role => self
                .client
                .put_role_policy()
                .role_name(principal)
                .policy_name(policy)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| AwsCallError::new("iam:PutRolePolicy", e)),
        }
    }
}

/// A policy document as IAM returns it, decoded. NoSuchEntity is the normal "no policy yet"
/// answer, recognised by its code before anything is logged; only other failures become an
/// [`AwsCallError`] (which logs them).
fn document_or_none<E>(
    operation: &'static str,
    result: Result<String, SdkError<E>>,
) -> Result<Option<String>, AwsCallError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(document) => Ok(Some(vigil::policy::decode_document(&document))),
        Err(e) if e.code() == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(AwsCallError::new(operation, e)),
    }
}

pub fn deny_all_document() -> String {
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
pub fn revoke_document(cutoff: DateTime<Utc>) -> String {
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

pub async fn deactivate_key(ctx: &Ctx<'_>, user: &str, key_id: &str) -> Result<Step, ActionError> {
    match ctx.deps.iam.key_status(user, key_id).await?.as_deref() {
        None => Ok(Step::AlreadyDone(format!(
            "user {user} has no key {key_id} (any more): nothing can use it"
        ))),
        Some("Inactive") => Ok(Step::AlreadyDone(format!("{key_id} is already inactive"))),
        Some(_) => {
            ctx.deps.iam.deactivate_key(user, key_id).await?;
            Ok(Step::Done(format!(
                "{key_id} deactivated (not deleted: reactivate it once it is rotated out, or delete it)"
            )))
        }
    }
}

pub async fn deny_user(ctx: &Ctx<'_>, user: &str) -> Result<Step, ActionError> {
    let iam = &ctx.deps.iam;
    let existing = iam
        .inline_policy(PrincipalKind::User, user, DENY_ALL_POLICY)
        .await?;
    if existing.as_deref().is_some_and(denies_everything) {
        return Ok(Step::AlreadyDone(format!(
            "user {user} already has the inline deny-all policy {DENY_ALL_POLICY}"
        )));
    }
    iam.put_inline_policy(
        PrincipalKind::User,
        user,
        DENY_ALL_POLICY,
        &deny_all_document(),
    )
    .await
    .map_err(|e| refuse_missing(e, "user", user))?;
    Ok(Step::Done(format!(
        "inline policy {DENY_ALL_POLICY} denies user {user} every action; remove it once the user is cleared"
    )))
}

pub async fn revoke_sessions(
    ctx: &Ctx<'_>,
    kind: PrincipalKind,
    name: &str,
) -> Result<Step, ActionError> {
    let label = match kind {
        PrincipalKind::User => "user",
        PrincipalKind::Role => "role",
    };
    let iam = &ctx.deps.iam;
    let existing = iam.inline_policy(kind, name, REVOKE_POLICY).await?;
    let cutoff = existing.as_deref().and_then(revocation_cutoff);
    if let Some(cutoff) = cutoff {
        let covered = ctx.activity_time().is_none_or(|seen| cutoff >= seen);
        if covered {
            return Ok(Step::AlreadyDone(format!(
                "{label} {name}: sessions issued before {} are already revoked, which covers the activity GuardDuty saw",
                cutoff.to_rfc3339_opts(SecondsFormat::Secs, true)
            )));
        }
    }
    iam.put_inline_policy(kind, name, REVOKE_POLICY, &revoke_document(ctx.now))
        .await
        .map_err(|e| refuse_missing(e, label, name))?;
    Ok(Step::Done(format!(
        "{label} {name}: every session issued before {} is revoked (inline policy {REVOKE_POLICY})",
        ctx.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    )))
}

/// A principal that no longer exists cannot be contained; say so instead of a bare NotFound.
fn refuse_missing(e: AwsCallError, label: &str, name: &str) -> ActionError {
    if e.failure == AwsFailure::NotFound {
        ActionError::Refused(format!("{label} {name} does not exist in this account"))
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
