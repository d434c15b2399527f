//! What the handler and the steps work with, built once per cold start: the AWS adapters, the
//! alert topic, the settings and the TLS configuration every database connection shares.

use aws_config::SdkConfig;
use vigil::alert::Alerts;

use crate::aws::elasticache::ElastiCache;
use crate::aws::rds::Rds;
use crate::aws::secrets::Secrets;
use crate::config::Config;
use crate::engines::tls::Tls;

/// Built once per cold start and lent to every invocation.
pub struct Deps {
    pub(crate) secrets: Secrets,
    pub(crate) rds: Rds,
    pub(crate) elasticache: ElastiCache,
    pub(crate) alerts: Alerts,
    pub(crate) config: Config,
    /// The RDS bundle plus `VIGIL_DB_CA_FILE`, and the rustls configurations built on them.
    pub(crate) trust: Tls,
}

impl Deps {
    /// # Panics
    ///
    /// When the trusted certificates cannot be used, which `Config::from_lookup` has checked.
    pub fn new(sdk: &SdkConfig, config: Config) -> Self {
        Deps {
            secrets: Secrets::new(vigil::client!(aws_sdk_secretsmanager, sdk)),
            rds: Rds::new(vigil::client!(aws_sdk_rds, sdk)),
            elasticache: ElastiCache::new(vigil::client!(aws_sdk_elasticache, sdk)),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.common.alert_topic_arn.clone(),
            ),
            trust: Tls::new(config.extra_ca_pem.as_deref())
                .expect("trusted certificates are checked by Config::from_lookup"),
            config,
        }
    }
}
