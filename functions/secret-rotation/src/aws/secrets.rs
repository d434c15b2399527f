//! Secrets Manager adapter: the four calls rotation makes, each reduced to plain data.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_sdk_secretsmanager::operation::put_secret_value::PutSecretValueError;
use secrecy::{ExposeSecret, SecretString};
use vigil::aws::AwsCallError;

use crate::facts::{PENDING, SecretMeta, SecretValue};

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
            owning_service: out.owning_service,
            tags: out
                .tags
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
                .collect(),
            versions: out
                .version_ids_to_stages
                .unwrap_or_default()
                .into_iter()
                .collect(),
        })
    }

    /// The value of `stage` and/or `version`; `None` when that version has no value yet (as
    /// the AWSPENDING version has before createSecret) or does not hold `stage`.
    ///
    /// The stage is always named when there is one: moto keeps answering the old value for a
    /// bare request after AWSCURRENT moved, and naming it is what AWS documents anyway. A
    /// missing value is told apart before `AwsCallError::new`, which logs every failure it
    /// captures: an expected "no value yet" is not one. (moto answers a version that does not
    /// hold the stage with InvalidRequestException, AWS with ResourceNotFoundException.)
    pub(crate) async fn value(
        &self,
        secret_id: &str,
        stage: Option<&str>,
        version: Option<&str>,
    ) -> Result<Option<SecretValue>, AwsCallError> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .set_version_stage(stage.map(str::to_owned))
            .set_version_id(version.map(str::to_owned))
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.secret_string.map(|text| SecretValue {
                arn: out.arn.unwrap_or_else(|| secret_id.to_owned()),
                version: out.version_id.unwrap_or_default(),
                text: SecretString::from(text),
            })),
            Err(e) => match e.as_service_error() {
                Some(GetSecretValueError::ResourceNotFoundException(_)) => Ok(None),
                Some(GetSecretValueError::InvalidRequestException(r))
                    if version.is_some()
                        && r.message().is_some_and(|m| m.contains("not associated")) =>
                {
                    Ok(None)
                }
                _ => Err(AwsCallError::new("secretsmanager:GetSecretValue", e)),
            },
        }
    }

    /// Stores the pending credential under the rotation's token, labelled AWSPENDING. `false`
    /// when that version holds a value already (a retried createSecret): a version's value
    /// never changes, so Secrets Manager refuses another one and the first one stays.
    pub(crate) async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &SecretString,
        rotation_token: Option<&str>,
    ) -> Result<bool, AwsCallError> {
        let result = self
            .client
            .put_secret_value()
            .secret_id(secret_id)
            .client_request_token(token)
            .secret_string(value.expose_secret())
            .version_stages(PENDING)
            .set_rotation_token(rotation_token.map(str::to_owned))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutSecretValueError::ResourceExistsException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(AwsCallError::new("secretsmanager:PutSecretValue", e)),
        }
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
