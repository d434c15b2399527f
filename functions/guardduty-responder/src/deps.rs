//! What the handler works with, built once per cold start: the AWS adapters, the alert
//! publisher and the settings.

use aws_config::SdkConfig;
use vigil::alert::Alerts;

use crate::aws::ec2::Ec2;
use crate::aws::iam::Iam;
use crate::aws::s3::S3;
use crate::aws::secrets::Secrets;
use crate::config::Config;

pub struct Deps {
    pub(crate) ec2: Ec2,
    pub(crate) iam: Iam,
    pub(crate) s3: S3,
    pub(crate) secrets: Secrets,
    pub(crate) alerts: Alerts,
    pub(crate) config: Config,
}

impl Deps {
    /// Clients from one SDK configuration, all in its Region.
    pub fn new(sdk: &SdkConfig, config: Config) -> Self {
        Deps {
            ec2: Ec2::new(vigil::client!(aws_sdk_ec2, sdk)),
            iam: Iam::new(vigil::client!(aws_sdk_iam, sdk)),
            s3: S3::new(vigil::client!(aws_sdk_s3, sdk, |b| b
                .force_path_style(vigil::aws::s3_path_style(sdk)))),
            secrets: Secrets::new(vigil::client!(aws_sdk_secretsmanager, sdk)),
            alerts: Alerts::new(
                vigil::client!(aws_sdk_sns, sdk),
                config.common.alert_topic_arn.clone(),
            ),
            config,
        }
    }
}
