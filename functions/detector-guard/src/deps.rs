//! What the handler, the collector and the actions work with, built once per cold start: the
//! per-Region AWS adapters, the Region list, the state store, the evidence signer, the alert
//! topic and the settings.

use aws_config::SdkConfig;
use vigil::alert::Alerts;
use vigil::aws::PerRegion;
use vigil::evidence::kms::Signer;
use vigil::state::Store;

use crate::aws::RegionClients;
use crate::aws::account::Account;
use crate::config::Config;

/// Built once per cold start and lent to every invocation.
pub struct Deps {
    /// `sdk`'s Region is the home Region: drills run there, account-wide calls go there.
    pub(crate) regions: PerRegion<RegionClients>,
    pub(crate) account: Account,
    /// `None` without `VIGIL_STATE_PREFIX`.
    pub(crate) state: Option<Store>,
    /// `None` without the evidence settings.
    pub(crate) signer: Option<Signer>,
    pub(crate) alerts: Alerts,
    pub(crate) config: Config,
}

impl Deps {
    pub fn new(sdk: &SdkConfig, config: Config) -> Self {
        Deps {
            regions: PerRegion::new(sdk, RegionClients::new),
            account: Account::new(vigil::client!(aws_sdk_account, sdk)),
            state: config
                .state_prefix
                .as_ref()
                .map(|prefix| Store::new(vigil::client!(aws_sdk_ssm, sdk), prefix.clone())),
            signer: config
                .drill
                .evidence
                .as_ref()
                .map(|e| Signer::new(vigil::client!(aws_sdk_kms, sdk), e.key_id.clone())),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.common.alert_topic_arn.clone(),
            ),
            config,
        }
    }
}
