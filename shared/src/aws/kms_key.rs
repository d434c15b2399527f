//! KMS keys as the functions that repair them see them: a key's state, policy and tags;
//! EnableKey, CancelKeyDeletion; and adding the statements a service needs to a key policy
//! (never replacing it: `crate::policy::merge`).
//!
//! A thin adapter: SDK in, plain data or [`AwsCallError`] out; it decides nothing. Which keys
//! may be changed is each function's decision.

use aws_sdk_kms::Client;
use aws_sdk_kms::types::KeyState as SdkKeyState;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::aws::AwsCallError;
use crate::policy::merge::{Change, add_and_write};

/// KMS keys have exactly one policy, named `default`.
const POLICY_NAME: &str = "default";

/// A KMS key's state, as `DescribeKey` reports it; its serde name is KMS's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyState {
    Enabled,
    Disabled,
    PendingDeletion,
    PendingReplicaDeletion,
    PendingImport,
    Unavailable,
    Creating,
    Updating,
    Other,
}

serde_plain::derive_display_from_serialize!(KeyState);

/// What `DescribeKey` says about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub arn: String,
    pub account: String,
    pub state: KeyState,
    /// When a key pending deletion will be deleted.
    pub deletion_date: Option<DateTime<Utc>>,
}

/// The KMS calls of one Region.
#[derive(Debug, Clone)]
pub struct KmsKeys {
    client: Client,
}

impl KmsKeys {
    pub fn new(client: Client) -> Self {
        KmsKeys { client }
    }

    /// The key's ARN, account, state and deletion date; `None` when no such key exists
    /// (deleted, or never did).
    pub async fn describe(&self, key: &str) -> Result<Option<KeyInfo>, AwsCallError> {
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
                    .or_else(|| crate::arn::account(&arn).map(str::to_owned))
                    .unwrap_or_default(),
                state: match m.key_state {
                    Some(SdkKeyState::Enabled) => KeyState::Enabled,
                    Some(SdkKeyState::Disabled) => KeyState::Disabled,
                    Some(SdkKeyState::PendingDeletion) => KeyState::PendingDeletion,
                    Some(SdkKeyState::PendingReplicaDeletion) => KeyState::PendingReplicaDeletion,
                    Some(SdkKeyState::PendingImport) => KeyState::PendingImport,
                    Some(SdkKeyState::Unavailable) => KeyState::Unavailable,
                    Some(SdkKeyState::Creating) => KeyState::Creating,
                    Some(SdkKeyState::Updating) => KeyState::Updating,
                    _ => KeyState::Other,
                },
                deletion_date: m
                    .deletion_date
                    .and_then(|d| DateTime::<Utc>::from_timestamp(d.secs(), d.subsec_nanos())),
                arn,
            }
        }))
    }

    /// The key policy text.
    pub async fn policy(&self, key_arn: &str) -> Result<String, AwsCallError> {
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
    pub async fn put_policy(&self, key_arn: &str, policy: &str) -> Result<(), AwsCallError> {
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

    /// Reads the key policy again (it may have changed since it was last read), adds the
    /// statements still missing, keeping every existing one as it is, and writes it.
    pub async fn add_policy_statements(&self, key_arn: &str, statements: &[Value]) -> Change {
        let current = match self.policy(key_arn).await {
            Ok(policy) => policy,
            Err(e) => return Change::Failed(e.to_string()),
        };
        add_and_write(
            Some(&current),
            statements,
            &format!("key {key_arn}"),
            |text| async move { self.put_policy(key_arn, &text).await },
        )
        .await
    }

    /// The key's tags (paginated).
    pub async fn tags(&self, key_arn: &str) -> Result<Vec<(String, String)>, AwsCallError> {
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

    /// CancelKeyDeletion: the key is left disabled, so EnableKey must follow.
    pub async fn cancel_deletion(&self, key_arn: &str) -> Result<(), AwsCallError> {
        self.client
            .cancel_key_deletion()
            .key_id(key_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:CancelKeyDeletion", e))?;
        Ok(())
    }

    pub async fn enable(&self, key_arn: &str) -> Result<(), AwsCallError> {
        self.client
            .enable_key()
            .key_id(key_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:EnableKey", e))?;
        Ok(())
    }
}
