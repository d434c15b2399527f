//! Secrets Manager adapter: the five calls rotation makes, each reduced to plain data.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use secrecy::{ExposeSecret, SecretString};
use vigil::aws::AwsCallError;

use crate::error::Error;
use crate::password::PasswordRules;

pub const CURRENT: &str = "AWSCURRENT";
pub const PENDING: &str = "AWSPENDING";
pub const PREVIOUS: &str = "AWSPREVIOUS";

/// What `DescribeSecret` says that rotation needs: whether it is on, and which version holds
/// which staging labels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretMeta {
    pub arn: String,
    pub rotation_enabled: bool,
    pub versions: BTreeMap<String, Vec<String>>,
}

impl SecretMeta {
    pub fn labels(&self, version: &str) -> Option<&[String]> {
        self.versions.get(version).map(Vec::as_slice)
    }

    /// The version holding `label`, if any (labels are unique within a secret).
    pub fn version_with(&self, label: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, labels)| labels.iter().any(|l| l == label))
            .map(|(v, _)| v.as_str())
    }
}

/// The Secrets Manager calls rotation makes.
#[derive(Debug, Clone)]
pub struct Secrets {
    client: Client,
}

impl Secrets {
    pub fn new(client: Client) -> Self {
        Secrets { client }
    }

    pub async fn describe(&self, secret_id: &str) -> Result<SecretMeta, Error> {
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
    /// AWSCURRENT moved, and naming it is what AWS documents anyway.
    pub async fn value(
        &self,
        secret_id: &str,
        stage: &str,
        version: Option<&str>,
    ) -> Result<Option<SecretString>, Error> {
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
            Err(e) => Err(AwsCallError::new("secretsmanager:GetSecretValue", e).into()),
        }
    }

    /// Stores the pending credential under the rotation's token, labelled AWSPENDING.
    pub async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &SecretString,
        rotation_token: Option<&str>,
    ) -> Result<(), Error> {
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

    pub async fn random_password(&self, rules: &PasswordRules) -> Result<SecretString, Error> {
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
            return Err(Error::Aws(AwsCallError {
                operation: "secretsmanager:GetRandomPassword",
                failure: vigil::aws::AwsFailure::Transient,
                code: None,
                message: "returned no password".into(),
            }));
        }
        Ok(SecretString::from(password))
    }

    /// Moves `label` to `to` and/or removes it from `from` (`UpdateSecretVersionStage`).
    pub async fn move_label(
        &self,
        secret_id: &str,
        label: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_versions_by_label() {
        let meta = SecretMeta {
            arn: "a".into(),
            rotation_enabled: true,
            versions: BTreeMap::from([
                ("v1".to_owned(), vec![CURRENT.to_owned()]),
                ("v2".to_owned(), vec![PENDING.to_owned()]),
            ]),
        };
        assert_eq!(meta.version_with(CURRENT), Some("v1"));
        assert_eq!(meta.version_with(PENDING), Some("v2"));
        assert_eq!(meta.version_with(PREVIOUS), None);
        assert_eq!(meta.labels("v2"), Some(&[PENDING.to_owned()][..]));
    }
}
