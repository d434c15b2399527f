//! Secrets Manager adapter: the five calls rotation makes, each reduced to plain data.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use secrecy::{ExposeSecret, SecretString};
use vigil::aws::{AwsCallError, AwsFailure};

use crate::facts::{PENDING, SecretMeta};
use crate::password::PasswordRules;

/// The Secrets Manager calls rotation makes.
#[derive(Debug, Clone)]
pub(crate) struct Secrets {
    client: Client,
}

impl Secrets {
    pub(crate) fn new(client: Client) -> Self {
        Secrets { client }
    }

    pub(crate) async fn describe(&self, secret_id: &str) -> Result<SecretMeta, AwsCallError> {
        let out = self
            .client
            .describe_secret()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| AwsCallError::new("secretsmanager:DescribeSecret", e))?;
        Ok(SecretMeta {
            arn: out.arn.unwrap_or_else(|| secret_id.to_owned()),
            rotation_enabled: out.rotation_enabled.unwrap_or(false),
            versions: out
                .version_ids_to_stages
                .unwrap_or_default()
                .into_iter()
                .collect(),
        })
    }

    /// The value of `stage` (optionally pinned to `version`); `None` when that version has no
    /// value yet, as the AWSPENDING version has before createSecret.
    ///
    /// The stage is always named: moto keeps answering the old value for a bare request after
    /// AWSCURRENT moved, and naming it is what AWS documents anyway. The missing value is told
    /// apart before `AwsCallError::new`, which logs every failure it captures: an expected
    /// "no value yet" is not one.
    pub(crate) async fn value(
        &self,
        secret_id: &str,
        stage: &str,
        version: Option<&str>,
    ) -> Result<Option<SecretString>, AwsCallError> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .version_stage(stage)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.secret_string.map(SecretString::from)),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(GetSecretValueError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(AwsCallError::new("secretsmanager:GetSecretValue", e)),
        }
    }

    /// Stores the pending credential under the rotation's token, labelled AWSPENDING.
    pub(crate) async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &SecretString,
        rotation_token: Option<&str>,
    ) -> Result<(), AwsCallError> {
        self.client
            .put_secret_value()
            .secret_id(secret_id)
            .client_request_token(token)
            .secret_string(value.expose_secret())
            .version_stages(PENDING)
            .set_rotation_token(rotation_token.map(str::to_owned))
            .send()
            .await
            .map_err(|e| AwsCallError::new("secretsmanager:PutSecretValue", e))?;
        Ok(())
    }

    pub(crate) async fn random_password(
        &self,
        rules: &PasswordRules,
    ) -> Result<SecretString, AwsCallError> {
        let out = self
            .client
            .get_random_password()
            .password_length(i64::from(rules.length))
            .exclude_characters(&rules.exclude_characters)
            .require_each_included_type(true)
            .send()
            .await
            .map_err(|e| AwsCallError::new("secretsmanager:GetRandomPassword", e))?;
        let password = out.random_password.unwrap_or_default();
        if password.is_empty() {
            return Err(AwsCallError {
                operation: "secretsmanager:GetRandomPassword",
                failure: AwsFailure::Transient,
                code: None,
                message: "returned no password".into(),
            });
        }
        Ok(SecretString::from(password))
    }

    /// Moves `label` to `to` and/or removes it from `from` (`UpdateSecretVersionStage`).
    pub(crate) async fn move_label(
        &self,
        secret_id: &str,
        label: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), AwsCallError> {
        self.client
            .update_secret_version_stage()
            .secret_id(secret_id)
            .version_stage(label)
            .set_move_to_version_id(to.map(str::to_owned))
            .set_remove_from_version_id(from.map(str::to_owned))
            .send()
            .await
            .map_err(|e| AwsCallError::new("secretsmanager:UpdateSecretVersionStage", e))?;
        Ok(())
    }
}
