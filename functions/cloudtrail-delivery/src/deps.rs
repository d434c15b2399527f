//! What the handler, the collector and the repairs work with, built once per cold start: the
//! per-Region AWS adapters, Organizations, the state store, the alert topic and the settings.

use aws_config::SdkConfig;
use vigil::alert::Alerts;
use vigil::aws::PerRegion;
use vigil::state::Store;

use crate::aws::RegionClients;
use crate::aws::organizations::Organizations;
use crate::config::Config;

/// Built once per cold start and lent to every invocation.
pub struct Deps {
    /// `sdk`'s Region is the home Region, where account-wide calls go (`ListTrails`).
    pub(crate) regions: PerRegion<RegionClients>,
    pub(crate) organizations: Organizations,
    /// The repairs awaiting confirmation; `None` without `VIGIL_STATE_PREFIX`.
    pub(crate) state: Option<Store>,
    pub(crate) alerts: Alerts,
    pub(crate) config: Config,
}

impl Deps {
    pub fn new(sdk: &SdkConfig, config: Config) -> Self {
        Deps {
            regions: PerRegion::new(sdk, RegionClients::new),
            organizations: Organizations::new(vigil::client!(aws_sdk_organizations, sdk)),
            state: config
                .state_prefix
                .as_ref()
                .map(|prefix| Store::new(vigil::client!(aws_sdk_ssm, sdk), prefix.clone())),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.common.alert_topic_arn.clone(),
            ),
            config,
        }
    }
}
