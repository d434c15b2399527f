//! KMS: an export key's state, policy and tags; adding a statement to its policy; EnableKey and
//! CancelKeyDeletion.

use aws_sdk_kms::Client;
use aws_sdk_kms::types::KeyState as SdkKeyState;
use vigil::aws::AwsCallError;

use crate::facts::{KeyInfo, KeyState};

/// KMS keys have exactly one policy, named `default`.
const POLICY_NAME: &str = "default";

#[derive(Debug, Clone)]
pub(crate) struct Kms {
    client: Client,
}

impl Kms {
    pub(crate) fn new(client: Client) -> Self {
        Kms { client }
    }

    /// The key's ARN, account and state; `None` when no such key exists.
    pub(crate) async fn key(&self, key: &str) -> Result<Option<KeyInfo>, AwsCallError> {
        let meta = match self.client.describe_key().key_id(key).send().await {
            Ok(out) => out.key_metadata,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_not_found_exception()) =>
            {
                None
            }
            Err(e) => return Err(AwsCallError::new("kms:DescribeKey", e)),
        };
        Ok(meta.map(|m| {
            let arn = m.arn.unwrap_or_else(|| key.to_owned());
            KeyInfo {
                account: m
                    .aws_account_id
                    .or_else(|| vigil::arn::account(&arn).map(str::to_owned))
                    .unwrap_or_default(),
                state: match m.key_state {
                    Some(SdkKeyState::Enabled) => KeyState::Enabled,
                    Some(SdkKeyState::Disabled) => KeyState::Disabled,
                    Some(SdkKeyState::PendingDeletion) => KeyState::PendingDeletion,
                    Some(SdkKeyState::Unavailable) => KeyState::Unavailable,
                    _ => KeyState::Other,
                },
                arn,
            }
        }))
    }

    pub(crate) async fn policy(&self, key_arn: &str) -> Result<String, AwsCallError> {
        let out = self
            .client
            .get_key_policy()
            .key_id(key_arn)
            .policy_name(POLICY_NAME)
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:GetKeyPolicy", e))?;
        Ok(out.policy.unwrap_or_default())
    }

    /// Writes the key policy. KMS's lockout safety check stays on: a policy that would lock
    /// this caller out is refused.
    pub(crate) async fn put_policy(&self, key_arn: &str, policy: &str) -> Result<(), AwsCallError> {
        self.client
            .put_key_policy()
            .key_id(key_arn)
            .policy_name(POLICY_NAME)
            .policy(policy)
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:PutKeyPolicy", e))?;
        Ok(())
    }

    pub(crate) async fn tags(&self, key_arn: &str) -> Result<Vec<(String, String)>, AwsCallError> {
        let mut stream = self
            .client
            .list_resource_tags()
            .key_id(key_arn)
            .into_paginator()
            .items()
            .send();
        let mut tags = Vec::new();
        while let Some(tag) = stream.next().await {
            let tag = tag.map_err(|e| AwsCallError::new("kms:ListResourceTags", e))?;
            tags.push((tag.tag_key, tag.tag_value));
        }
        Ok(tags)
    }

    pub(crate) async fn cancel_deletion(&self, key_arn: &str) -> Result<(), AwsCallError> {
        self.client
            .cancel_key_deletion()
            .key_id(key_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:CancelKeyDeletion", e))?;
        Ok(())
    }

    pub(crate) async fn enable(&self, key_arn: &str) -> Result<(), AwsCallError> {
        self.client
            .enable_key()
            .key_id(key_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:EnableKey", e))?;
        Ok(())
    }
}
