//! KMS: a trail key's state, policy and tags; EnableKey and CancelKeyDeletion.

use aws_sdk_kms::Client;
use aws_sdk_kms::types::KeyState as SdkKeyState;
use chrono::{DateTime, Utc};
use vigil::aws::AwsCallError;

use crate::facts::{KeyInfo, KeyState};
use vigil::arn;

#[derive(Debug, Clone)]
pub(crate) struct Kms {
    client: Client,
}

impl Kms {
    pub(crate) fn new(client: Client) -> Self {
        Kms { client }
    }

    /// The key's metadata; `None` when it does not exist (deleted, or never did).
    pub(crate) async fn describe(&self, key: &str) -> Result<Option<KeyInfo>, AwsCallError> {
        let out = match self.client.describe_key().key_id(key).send().await {
            Ok(out) => out,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_not_found_exception()) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(AwsCallError::new("kms:DescribeKey", err)),
        };
        let Some(meta) = out.key_metadata else {
            return Ok(None);
        };
        let arn = meta.arn.clone().unwrap_or_else(|| key.to_owned());
        let account = meta
            .aws_account_id
            .clone()
            .or_else(|| arn::account(&arn).map(str::to_owned))
            .unwrap_or_default();
        Ok(Some(KeyInfo {
            state: match meta.key_state {
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
            deletion_date: meta
                .deletion_date
                .and_then(|d| DateTime::<Utc>::from_timestamp(d.secs(), d.subsec_nanos())),
            arn,
            account,
        }))
    }

    /// The key policy (KMS keys have exactly one, named `default`).
    pub(crate) async fn policy(&self, key_arn: &str) -> Result<String, AwsCallError> {
        let out = self
            .client
            .get_key_policy()
            .key_id(key_arn)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:GetKeyPolicy", e))?;
        Ok(out.policy.unwrap_or_default())
    }

    /// The key's tags (paginated).
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
