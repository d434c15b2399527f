//! Thin typed adapters over the AWS calls the responder makes, one module per service: SDK in,
//! plain data or [`vigil::aws::AwsCallError`] out. They decide nothing; the actions do.
//!
//! A finding is answered in its own account and Region: [`Clients`] is one set of clients for
//! one (account, Region); [`Accounts`] hands them out, built once per execution environment:
//! with the function's own credentials for its own account (per Region, on
//! [`vigil::aws::PerRegion`]), and for another account with the credentials of the member
//! role assumed there ([`sts`]), re-assumed for each finding so that the session names it.

pub mod ec2;
pub(crate) mod ecs;
pub(crate) mod iam;
pub(crate) mod lambda;
pub(crate) mod s3;
pub(crate) mod secrets;
pub(crate) mod ssm;
pub(crate) mod sts;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_config::identity::IdentityCache;
use aws_credential_types::provider::SharedCredentialsProvider;
use vigil::aws::PerRegion;

use self::ec2::Ec2;
use self::ecs::Ecs;
use self::iam::Iam;
use self::lambda::Lambda;
use self::s3::S3;
use self::secrets::Secrets;
use self::sts::{Session, Sts};
use crate::config::MemberRole;

/// A resource tag as the responder keeps it: `(key, value)`, a missing part empty.
fn tag_pair(key: Option<&str>, value: Option<&str>) -> (String, String) {
    (
        key.unwrap_or_default().to_owned(),
        value.unwrap_or_default().to_owned(),
    )
}

/// The clients of one account and Region.
#[derive(Debug)]
pub(crate) struct Clients {
    pub ec2: Ec2,
    pub iam: Iam,
    pub s3: S3,
    pub secrets: Secrets,
    pub ecs: Ecs,
    pub lambda: Lambda,
}

impl Clients {
    fn new(sdk: &SdkConfig) -> Self {
        Clients {
            ec2: Ec2::new(vigil::client!(aws_sdk_ec2, sdk)),
            iam: Iam::new(vigil::client!(aws_sdk_iam, sdk)),
            s3: S3::new(vigil::client!(aws_sdk_s3, sdk, |b| b
                .force_path_style(vigil::aws::s3_path_style(sdk)))),
            secrets: Secrets::new(vigil::client!(aws_sdk_secretsmanager, sdk)),
            ecs: Ecs::new(vigil::client!(aws_sdk_ecs, sdk)),
            lambda: Lambda::new(vigil::client!(aws_sdk_lambda, sdk)),
        }
    }
}

/// Why a finding's account cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unreachable {
    #[error(
        "no member-account role is configured (VIGIL_GUARDDUTY_MEMBER_ROLE), so the responder cannot act in account {0}"
    )]
    NoMemberRole(String),
    #[error("could not assume {role}: {reason}")]
    AssumeFailed { role: String, reason: String },
}

/// A member account's clients in one Region, and the session they act in.
type Member = (Arc<Clients>, Session);

/// Clients for every (account, Region) the function answers findings in.
pub(crate) struct Accounts {
    sdk: SdkConfig,
    own: PerRegion<Clients>,
    sts: Sts,
    member_role: Option<MemberRole>,
    members: Mutex<HashMap<(String, String), Member>>,
}

impl Accounts {
    pub(crate) fn new(sdk: &SdkConfig, sts: Sts, member_role: Option<MemberRole>) -> Self {
        Accounts {
            sdk: sdk.clone(),
            own: PerRegion::new(sdk, Clients::new),
            sts,
            member_role,
            members: Mutex::new(HashMap::new()),
        }
    }

    /// The clients of the function's own account in `region`.
    pub(crate) fn own(&self, region: &str) -> Arc<Clients> {
        self.own.get(region)
    }

    pub(crate) fn home_region(&self) -> &str {
        self.own.home_region()
    }

    /// The clients of `account` (not the function's own) in `region`, acting as the member
    /// role in a session named `session_name`: assumed now unless the cached session already
    /// has that name and time left.
    pub(crate) async fn member(
        &self,
        partition: &str,
        account: &str,
        region: &str,
        session_name: &str,
    ) -> Result<Arc<Clients>, Unreachable> {
        let role = self
            .member_role
            .as_ref()
            .ok_or_else(|| Unreachable::NoMemberRole(account.to_owned()))?;
        let role_arn = format!("arn:{partition}:iam::{account}:role/{}", role.name);
        let (clients, session) = {
            let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
            members
                .entry((account.to_owned(), region.to_owned()))
                .or_insert_with(|| {
                    let session = Session::default();
                    let sdk = self
                        .sdk
                        .to_builder()
                        .region(aws_config::Region::new(region.to_owned()))
                        .credentials_provider(SharedCredentialsProvider::new(session.clone()))
                        // The session changes with each finding: the provider is asked every
                        // time, never a cached identity.
                        .identity_cache(IdentityCache::no_cache())
                        .build();
                    (Arc::new(Clients::new(&sdk)), session)
                })
                .clone()
        };
        if !session.is_fresh(session_name) {
            let credentials = self
                .sts
                .assume_role(&role_arn, session_name, &role.external_id)
                .await
                .map_err(|e| Unreachable::AssumeFailed {
                    role: role_arn.clone(),
                    reason: e.to_string(),
                })?;
            session.set(session_name, credentials);
        }
        Ok(clients)
    }
}
