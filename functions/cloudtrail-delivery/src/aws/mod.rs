//! The AWS adapters: one module per service, each call reduced to plain data from
//! [`crate::facts`] or an [`vigil::aws::AwsCallError`]. Keys and bucket policies go through
//! the adapters detector-guard shares (`vigil::aws::kms_key`, `vigil::aws::s3_policy`).
//!
//! Trails, buckets, keys and log groups live in many Regions, and each is asked about in its
//! own Region (a trail in its home Region, by full ARN): [`RegionClients`] is one Region's set,
//! kept in a `vigil::aws::PerRegion` (see `crate::deps`).

pub(crate) mod cloudtrail;
pub(crate) mod logs;
pub(crate) mod organizations;
pub(crate) mod s3;

use aws_config::SdkConfig;
use vigil::aws::kms_key::KmsKeys;
use vigil::aws::s3_policy::BucketPolicies;

/// The clients for one Region.
#[derive(Debug, Clone)]
pub(crate) struct RegionClients {
    pub(crate) cloudtrail: cloudtrail::CloudTrail,
    pub(crate) s3: s3::S3,
    pub(crate) bucket_policies: BucketPolicies,
    pub(crate) kms: KmsKeys,
    pub(crate) logs: logs::Logs,
}

impl RegionClients {
    /// The clients for `sdk`'s Region.
    pub(crate) fn new(sdk: &SdkConfig) -> Self {
        let s3_client = vigil::client!(aws_sdk_s3, sdk, |b| b
            .force_path_style(vigil::aws::s3_path_style(sdk)));
        RegionClients {
            cloudtrail: cloudtrail::CloudTrail::new(vigil::client!(aws_sdk_cloudtrail, sdk)),
            bucket_policies: BucketPolicies::new(s3_client.clone()),
            s3: s3::S3::new(s3_client),
            kms: KmsKeys::new(vigil::client!(aws_sdk_kms, sdk)),
            logs: logs::Logs::new(vigil::client!(aws_sdk_cloudwatchlogs, sdk)),
        }
    }
}
