//! STS: who the function is, and the member role's credentials in another account.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};
use vigil::aws::AwsCallError;

/// How long an assumed session lasts; a finding is answered in seconds.
const SESSION_SECONDS: i32 = 900;
/// A session with less time left than this is assumed again.
const REFRESH_BEFORE: Duration = Duration::from_secs(120);

/// The STS calls the responder makes.
#[derive(Debug, Clone)]
pub(crate) struct Sts {
    client: aws_sdk_sts::Client,
}

impl Sts {
    pub(crate) fn new(client: aws_sdk_sts::Client) -> Self {
        Sts { client }
    }

    /// The account and ARN the function's own credentials belong to.
    pub(crate) async fn caller_identity(&self) -> Result<(String, String), AwsCallError> {
        let output = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| AwsCallError::new("sts:GetCallerIdentity", e))?;
        Ok((
            output.account.unwrap_or_default(),
            output.arn.unwrap_or_default(),
        ))
    }

    pub(crate) async fn assume_role(
        &self,
        role_arn: &str,
        session_name: &str,
        external_id: &str,
    ) -> Result<Credentials, AwsCallError> {
        let output = self
            .client
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .external_id(external_id)
            .duration_seconds(SESSION_SECONDS)
            .send()
            .await
            .map_err(|e| AwsCallError::new("sts:AssumeRole", e))?;
        let c = output.credentials.ok_or_else(|| AwsCallError {
            operation: "sts:AssumeRole",
            failure: vigil::aws::AwsFailure::Other,
            code: None,
            message: "the answer carried no credentials".into(),
        })?;
        let expiry = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(c.expiration.secs()).unwrap_or(0));
        Ok(Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            Some(expiry),
            "vigil-member-role",
        ))
    }
}

/// The member role's current session in one account and Region: the credentials provider of
/// that account's clients, switched to a new session for each finding.
#[derive(Debug, Clone, Default)]
pub(crate) struct Session(Arc<RwLock<Option<(String, Credentials)>>>);

impl Session {
    /// Whether the session is named `name` and has time left.
    pub(crate) fn is_fresh(&self, name: &str) -> bool {
        let current = self.0.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().is_some_and(|(n, c)| {
            n == name
                && c.expiry()
                    .is_none_or(|at| at > SystemTime::now() + REFRESH_BEFORE)
        })
    }

    pub(crate) fn set(&self, name: &str, credentials: Credentials) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some((name.to_owned(), credentials));
    }
}

impl ProvideCredentials for Session {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let current = self
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|(_, c)| c.clone());
        future::ProvideCredentials::ready(
            current.ok_or_else(|| CredentialsError::not_loaded("no member-role session yet")),
        )
    }
}

/// The role an STS caller ARN acts as: `arn:…:sts::<account>:assumed-role/<role>/<session>`
/// → `<role>`; `None` for users and anything else.
pub(crate) fn assumed_role_name(caller_arn: &str) -> Option<&str> {
    let (_, rest) = caller_arn.split_once(":assumed-role/")?;
    rest.split('/').next().filter(|name| !name.is_empty())
}

/// A session name that names the finding: `vigil-<finding id>`, cut to STS's 64 characters
/// of `[\w+=,.@-]`.
pub(crate) fn session_name(prefix: &str, finding_id: &str) -> String {
    let clean: String = format!("{prefix}-{finding_id}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_of_an_assumed_role_session() {
        assert_eq!(
            assumed_role_name("arn:aws:sts::123456789012:assumed-role/vigil-Responder-AB/fn"),
            Some("vigil-Responder-AB")
        );
        assert_eq!(
            assumed_role_name("arn:aws:iam::123456789012:user/alice"),
            None
        );
    }

    #[test]
    fn session_names_name_the_finding_within_stss_limits() {
        assert_eq!(
            session_name("vigil", "a1c4e0d9f0a1b2c3d4e5f60718293a01"),
            "vigil-a1c4e0d9f0a1b2c3d4e5f60718293a01"
        );
        let long = session_name("vigil-release", &"x/".repeat(60));
        assert_eq!(long.len(), 64);
        assert!(!long.contains('/'));
    }

    #[test]
    fn a_session_is_fresh_only_for_its_finding_and_with_time_left() {
        let session = Session::default();
        assert!(!session.is_fresh("vigil-f1"));
        let later = SystemTime::now() + Duration::from_secs(600);
        session.set(
            "vigil-f1",
            Credentials::new("a", "b", None, Some(later), "t"),
        );
        assert!(session.is_fresh("vigil-f1"));
        assert!(
            !session.is_fresh("vigil-f2"),
            "another finding, another session"
        );
        let soon = SystemTime::now() + Duration::from_secs(30);
        session.set(
            "vigil-f1",
            Credentials::new("a", "b", None, Some(soon), "t"),
        );
        assert!(!session.is_fresh("vigil-f1"), "about to expire");
    }
}
