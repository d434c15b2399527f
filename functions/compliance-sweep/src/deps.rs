//! What the handler works with, built once per cold start: the SDK configuration the run's
//! collector makes its clients from, STS, the evidence signer and store, alerts, the settings;
//! and the test seams.

use std::path::PathBuf;

use aws_config::SdkConfig;
use chrono::Utc;
use vigil::alert::Alerts;
use vigil::evidence::kms::Signer;

use crate::actions::store::Store;
use crate::collect::Seams;
use crate::config::Config;
use crate::error::Error;

pub struct Deps {
    pub sdk: SdkConfig,
    pub sts: aws_sdk_sts::Client,
    pub signer: Option<Signer>,
    pub alerts: Alerts,
    pub store: Store,
    /// Security Hub in the function's Region, when the export is on.
    pub security_hub: Option<aws_sdk_securityhub::Client>,
    pub config: Config,
    /// Test seam: listings the emulator cannot serve (see [`Seams`]); production's are empty.
    pub seams: Box<dyn Fn() -> Seams + Send + Sync>,
    /// EMF lines on stdout (the function); the CLI prints its own table instead.
    pub emit_metrics: bool,
    /// Test seam: the time thresholds are measured against (tests look at the account
    /// "later").
    pub now: fn() -> chrono::DateTime<Utc>,
}

impl Deps {
    /// The function's dependencies: evidence goes to the bucket the configuration names.
    pub fn new(sdk: &SdkConfig, config: Config) -> Result<Deps, Error> {
        let store = Store::bucket(sdk, &config)?;
        Ok(Deps::with_store(sdk, config, store))
    }

    /// Evidence kept in `dir` instead of a bucket (the CLI without `--bucket`, tests).
    pub fn local(sdk: &SdkConfig, config: Config, dir: PathBuf) -> Deps {
        Deps::with_store(sdk, config, Store::Local(dir))
    }

    pub fn with_store(sdk: &SdkConfig, config: Config, store: Store) -> Deps {
        Deps {
            sdk: sdk.clone(),
            sts: vigil::client!(aws_sdk_sts, sdk),
            signer: config
                .evidence_key_id
                .as_ref()
                .map(|k| Signer::new(vigil::client!(aws_sdk_kms, sdk), k.clone())),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.common.alert_topic_arn.clone(),
            ),
            store,
            security_hub: config
                .security_hub
                .then(|| vigil::client!(aws_sdk_securityhub, sdk)),
            config,
            seams: Box::new(Seams::default),
            emit_metrics: true,
            now: Utc::now,
        }
    }
}
