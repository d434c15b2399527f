//! IAM: access key status, and users' and roles' inline policies.

use aws_sdk_iam::Client;
use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::types::StatusType;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::AwsCallError;

/// The IAM calls the responder makes.
#[derive(Debug, Clone)]
pub(crate) struct Iam {
    client: Client,
}

impl Iam {
    pub(crate) fn new(client: Client) -> Self {
        Iam { client }
    }

    /// The key's status (`Active` / `Inactive`); `None` when the user has no such key.
    pub(crate) async fn key_status(
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

    pub(crate) async fn deactivate_key(
        &self,
        user: &str,
        key_id: &str,
    ) -> Result<(), AwsCallError> {
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

    pub(crate) async fn activate_key(&self, user: &str, key_id: &str) -> Result<(), AwsCallError> {
        self.client
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(StatusType::Active)
            .send()
            .await
            .map_err(|e| AwsCallError::new("iam:UpdateAccessKey", e))?;
        Ok(())
    }

    pub(crate) async fn delete_user_policy(
        &self,
        user: &str,
        policy: &str,
    ) -> Result<(), AwsCallError> {
        match self
            .client
            .delete_user_policy()
            .user_name(user)
            .policy_name(policy)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("NoSuchEntity") => Ok(()),
            Err(e) => Err(AwsCallError::new("iam:DeleteUserPolicy", e)),
        }
    }

    pub(crate) async fn delete_role_policy(
        &self,
        role: &str,
        policy: &str,
    ) -> Result<(), AwsCallError> {
        match self
            .client
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("NoSuchEntity") => Ok(()),
            Err(e) => Err(AwsCallError::new("iam:DeleteRolePolicy", e)),
        }
    }

    /// The user's inline policy, decoded; `None` when there is no such policy.
    pub(crate) async fn user_policy(
        &self,
        user: &str,
        policy: &str,
    ) -> Result<Option<String>, AwsCallError> {
        let result = self
            .client
            .get_user_policy()
            .user_name(user)
            .policy_name(policy)
            .send()
            .await;
        document_or_none("iam:GetUserPolicy", result.map(|o| o.policy_document))
    }

    /// The role's inline policy, decoded; `None` when there is no such policy.
    pub(crate) async fn role_policy(
        &self,
        role: &str,
        policy: &str,
    ) -> Result<Option<String>, AwsCallError> {
        let result = self
            .client
            .get_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await;
        document_or_none("iam:GetRolePolicy", result.map(|o| o.policy_document))
    }

    pub(crate) async fn put_user_policy(
        &self,
        user: &str,
        policy: &str,
        document: &str,
    ) -> Result<(), AwsCallError> {
        self.client
            .put_user_policy()
            .user_name(user)
            .policy_name(policy)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| AwsCallError::new("iam:PutUserPolicy", e))?;
        Ok(())
    }

    pub(crate) async fn put_role_policy(
        &self,
        role: &str,
        policy: &str,
        document: &str,
    ) -> Result<(), AwsCallError> {
        self.client
            .put_role_policy()
            .role_name(role)
            .policy_name(policy)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| AwsCallError::new("iam:PutRolePolicy", e))?;
        Ok(())
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
