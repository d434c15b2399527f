//! What the handler and the steps work with, built once per cold start: the AWS adapters, the
//! alert topic, the settings and the trusted certificate authorities.

use std::sync::Arc;

use aws_config::SdkConfig;
use vigil::alert::Alerts;

use crate::aws::rds::Rds;
use crate::aws::secrets::Secrets;
use crate::config::Config;
use crate::engines::tls::trusted_roots;

/// Built once per cold start and lent to every invocation.
pub struct Deps {
    pub(crate) secrets: Secrets,
    pub(crate) rds: Rds,
    pub(crate) alerts: Alerts,
    pub(crate) config: Config,
    /// RDS bundle plus `VIGIL_DB_CA_FILE`, assembled once.
    pub(crate) trusted_ca_pem: Arc<Vec<u8>>,
}

impl Deps {
    pub fn new(sdk: &SdkConfig, config: Config) -> Self {
        Deps {
            secrets: Secrets::new(vigil::client!(aws_sdk_secretsmanager, sdk)),
            rds: Rds::new(vigil::client!(aws_sdk_rds, sdk)),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.common.alert_topic_arn.clone(),
            ),
            trusted_ca_pem: Arc::new(trusted_roots(config.extra_ca_pem.as_deref())),
            config,
        }
    }
}
