//! ElastiCache adapter: an RBAC user's state and its password set.

use aws_sdk_elasticache::Client;
use aws_sdk_elasticache::types::{AuthenticationMode, InputAuthenticationType};
use secrecy::{ExposeSecret, SecretString};
use vigil::aws::{AwsCallError, AwsFailure};

/// What DescribeUsers says about a user that rotation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheUser {
    pub(crate) user_name: String,
    /// `active`, `modifying` or `deleting`.
    pub(crate) status: String,
    /// `password`, `no-password` or `iam`.
    pub(crate) authentication: String,
    pub(crate) password_count: u32,
}

/// The ElastiCache calls rotation makes.
#[derive(Debug, Clone)]
pub(crate) struct ElastiCache {
    client: Client,
}

impl ElastiCache {
    pub(crate) fn new(client: Client) -> Self {
        ElastiCache { client }
    }

    pub(crate) async fn user(&self, user_id: &str) -> Result<CacheUser, AwsCallError> {
        let out = self
            .client
            .describe_users()
            .user_id(user_id)
            .send()
            .await
            .map_err(|e| AwsCallError::new("elasticache:DescribeUsers", e))?;
        let Some(user) = out.users.unwrap_or_default().into_iter().next() else {
            return Err(AwsCallError {
                operation: "elasticache:DescribeUsers",
                failure: AwsFailure::NotFound,
                code: None,
                message: format!("no user {user_id}"),
            });
        };
        let authentication = user.authentication;
        Ok(CacheUser {
            user_name: user.user_name.unwrap_or_default(),
            status: user.status.unwrap_or_default(),
            authentication: authentication
                .as_ref()
                .and_then(|a| a.r#type.as_ref())
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            password_count: authentication
                .and_then(|a| a.password_count)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
        })
    }

    /// Replaces the user's passwords with `passwords` (ElastiCache keeps up to two).
    pub(crate) async fn set_passwords(
        &self,
        user_id: &str,
        passwords: &[&SecretString],
    ) -> Result<(), AwsCallError> {
        let mode = AuthenticationMode::builder()
            .r#type(InputAuthenticationType::Password)
            .set_passwords(Some(
                passwords
                    .iter()
                    .map(|p| p.expose_secret().to_owned())
                    .collect(),
            ))
            .build();
        self.client
            .modify_user()
            .user_id(user_id)
            .authentication_mode(mode)
            .send()
            .await
            .map_err(|e| AwsCallError::new("elasticache:ModifyUser", e))?;
        Ok(())
    }
}
