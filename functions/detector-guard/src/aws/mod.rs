//! The AWS adapters: one module per service, each call reduced to plain data from
//! [`crate::facts`] or an [`vigil::aws::AwsCallError`]. They decide nothing. Keys and bucket
//! policies go through the adapters cloudtrail-delivery shares (`vigil::aws::kms_key`,
//! `vigil::aws::s3_policy`).
//!
//! Detectors, export buckets and keys live in every Region, and each is asked about in its own
//! Region: [`RegionClients`] is one Region's set, kept in a `vigil::aws::PerRegion` (see
//! `crate::deps`). Account-wide calls (the Region list) use the home Region's client.

pub(crate) mod account;
pub(crate) mod events;
pub(crate) mod guardduty;
pub(crate) mod s3;

use aws_config::SdkConfig;
use vigil::aws::kms_key::KmsKeys;
use vigil::aws::s3_policy::BucketPolicies;

/// The clients for one Region.
#[derive(Debug, Clone)]
pub(crate) struct RegionClients {
    pub(crate) guardduty: guardduty::GuardDuty,
    pub(crate) s3: s3::S3,
    pub(crate) bucket_policies: BucketPolicies,
    pub(crate) kms: KmsKeys,
    pub(crate) events: events::Events,
}

impl RegionClients {
    /// The clients for `sdk`'s Region.
    pub(crate) fn new(sdk: &SdkConfig) -> Self {
        let s3_client = vigil::client!(aws_sdk_s3, sdk, |b| b
            .force_path_style(vigil::aws::s3_path_style(sdk)));
        RegionClients {
            guardduty: guardduty::GuardDuty::new(vigil::client!(aws_sdk_guardduty, sdk)),
            bucket_policies: BucketPolicies::new(s3_client.clone()),
            s3: s3::S3::new(s3_client),
            kms: KmsKeys::new(vigil::client!(aws_sdk_kms, sdk)),
            events: events::Events::new(vigil::client!(aws_sdk_eventbridge, sdk)),
        }
    }
}
