//! What the handler works with, built once per cold start: the clients of every account and
//! Region it answers findings in, the response records, the alert publisher, the state shared
//! with detector-guard, the settings, and who the function is (read once, on the first invocation).

use std::sync::Arc;

use aws_config::SdkConfig;
use tokio::sync::OnceCell;
use vigil::alert::Alerts;
use vigil::aws::AwsCallError;
use vigil::state::Store;

use crate::aws::ssm::Records;
use crate::aws::sts::{Sts, assumed_role_name, session_name};
use crate::aws::{Accounts, Clients, Unreachable};
use crate::config::Config;
use crate::playbook::Scope;

/// Who the function is: its account, and its role when it runs as one (as on Lambda).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub account: String,
    pub role: Option<String>,
}

pub struct Deps {
    pub(crate) accounts: Accounts,
    pub(crate) records: Records,
    pub(crate) alerts: Alerts,
    /// The state shared with detector-guard (drill receipts); `None` without
    /// `VIGIL_STATE_PREFIX`.
    pub(crate) state: Option<Store>,
    pub(crate) config: Config,
    sts: Sts,
    identity: OnceCell<Identity>,
}

impl Deps {
    /// Clients from one SDK configuration: its credentials for its own account, the member
    /// role's for others.
    pub fn new(sdk: &SdkConfig, config: Config) -> Self {
        let sts = Sts::new(vigil::client!(aws_sdk_sts, sdk));
        Deps {
            accounts: Accounts::new(sdk, sts.clone(), config.member_role.clone()),
            records: Records::new(
                vigil::client!(aws_sdk_ssm, sdk),
                config.record_prefix.clone(),
            ),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.common.alert_topic_arn.clone(),
            ),
            state: config
                .state_prefix
                .as_ref()
                .map(|prefix| Store::new(vigil::client!(aws_sdk_ssm, sdk), prefix.clone())),
            config,
            sts,
            identity: OnceCell::new(),
        }
    }

    /// Who the function is, from STS GetCallerIdentity once per execution environment.
    pub(crate) async fn identity(&self) -> Result<&Identity, AwsCallError> {
        self.identity
            .get_or_try_init(|| async {
                let (account, arn) = self.sts.caller_identity().await?;
                Ok(Identity {
                    account,
                    role: assumed_role_name(&arn).map(str::to_owned),
                })
            })
            .await
    }

    /// What the account safeguards compare against.
    pub(crate) fn scope(&self, identity: &Identity) -> Scope {
        Scope {
            own_account: identity.account.clone(),
            own_role: identity.role.clone(),
            member_role: self.config.member_role.as_ref().map(|r| r.name.clone()),
            own_principals: self.config.own_principals.clone(),
        }
    }

    /// The clients for `account` in `region` (the home Region when the finding names none):
    /// the function's own, or the member role's in a session named `<prefix>-<finding id>`.
    pub(crate) async fn clients(
        &self,
        identity: &Identity,
        partition: &str,
        account: &str,
        region: Option<&str>,
        session: (&str, &str),
    ) -> Result<Arc<Clients>, Unreachable> {
        let region = region.unwrap_or_else(|| self.accounts.home_region());
        if account == identity.account {
            return Ok(self.accounts.own(region));
        }
        let name = session_name(session.0, session.1);
        self.accounts
            .member(partition, account, region, &name)
            .await
    }
}
