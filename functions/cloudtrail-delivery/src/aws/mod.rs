//! The AWS adapters: one module per service, each call reduced to plain data from
//! [`crate::facts`] or an [`vigil::aws::AwsCallError`].
//!
//! Trails, buckets, keys and log groups live in many regions, and each is asked about in its
//! own region (a trail in its home region, by full ARN). [`Aws`] builds one set of clients per
//! region on first use from the cold-start `SdkConfig`, sharing its HTTP client and
//! credentials, and keeps them for the life of the execution environment.

pub mod cloudtrail;
pub mod kms;
pub mod logs;
pub mod organizations;
pub mod s3;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::{Region, SdkConfig};
use tokio::sync::OnceCell;
use vigil::aws::AwsCallError;

use crate::facts::BucketLocation;

/// The clients for one region.
#[derive(Debug, Clone)]
pub struct RegionClients {
    pub cloudtrail: cloudtrail::CloudTrail,
    pub s3: s3::S3,
    pub kms: kms::Kms,
    pub logs: logs::Logs,
}

/// Per-region clients, built once each.
#[derive(Debug)]
pub struct Aws {
    sdk: SdkConfig,
    home_region: String,
    s3_force_path_style: bool,
    concurrency: usize,
    regions: Mutex<HashMap<String, Arc<RegionClients>>>,
    organizations: organizations::Organizations,
    /// The organization id once read; an error is not kept, so the next call asks again.
    organization_id: OnceCell<Option<String>>,
}

impl Aws {
    /// `sdk`'s region is where account-wide calls go (`ListTrails`, Organizations).
    pub fn new(sdk: &SdkConfig, s3_force_path_style: bool, concurrency: usize) -> Self {
        Aws {
            sdk: sdk.clone(),
            home_region: sdk
                .region()
                .map_or_else(|| "us-east-1".to_owned(), |r| r.as_ref().to_owned()),
            s3_force_path_style,
            concurrency: concurrency.max(1),
            regions: Mutex::new(HashMap::new()),
            organizations: organizations::Organizations::new(vigil::client!(
                aws_sdk_organizations,
                sdk
            )),
            organization_id: OnceCell::new(),
        }
    }

    /// The function's own region.
    pub fn home_region(&self) -> &str {
        &self.home_region
    }

    /// How many calls of one kind may be in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub fn home(&self) -> Arc<RegionClients> {
        self.region(&self.home_region)
    }

    /// The organization id (`None`: the account is in no organization), asked of
    /// Organizations once per execution environment; a failed call is not cached.
    pub async fn organization_id(&self) -> Result<Option<String>, AwsCallError> {
        self.organization_id
            .get_or_try_init(|| self.organizations.organization_id())
            .await
            .cloned()
    }

    /// The clients for `region`, built on first use.
    pub fn region(&self, region: &str) -> Arc<RegionClients> {
        let mut regions = self.regions.lock().unwrap_or_else(|e| e.into_inner());
        regions
            .entry(region.to_owned())
            .or_insert_with(|| Arc::new(self.build(region)))
            .clone()
    }

    fn build(&self, region: &str) -> RegionClients {
        let region = Region::new(region.to_owned());
        RegionClients {
            cloudtrail: cloudtrail::CloudTrail::new(vigil::client!(
                aws_sdk_cloudtrail,
                &self.sdk,
                |b| b.region(region.clone())
            )),
            s3: s3::S3::new(vigil::client!(aws_sdk_s3, &self.sdk, |b| b
                .region(region.clone())
                .force_path_style(self.s3_force_path_style))),
            kms: kms::Kms::new(vigil::client!(aws_sdk_kms, &self.sdk, |b| b.region(region.clone()))),
            logs: logs::Logs::new(
                vigil::client!(aws_sdk_cloudwatchlogs, &self.sdk, |b| b.region(region))
            ),
        }
    }

    /// Where `bucket` is and who owns it. Asked first in the trail's home region (where
    /// buckets usually are); S3 answers a request to the wrong region with the right one,
    /// which is then asked.
    pub async fn locate_bucket(
        &self,
        bucket: &str,
        first_region: &str,
        account_id: &str,
    ) -> Result<BucketLocation, AwsCallError> {
        match self
            .region(first_region)
            .s3
            .locate(bucket, account_id)
            .await?
        {
            s3::Located::Here(location) => Ok(location),
            s3::Located::Elsewhere(region) => {
                match self.region(&region).s3.locate(bucket, account_id).await? {
                    s3::Located::Here(location) => Ok(location),
                    s3::Located::Elsewhere(again) => Err(AwsCallError {
                        operation: "s3:HeadBucket",
                        failure: vigil::aws::AwsFailure::Other,
                        code: Some("PermanentRedirect".into()),
                        message: format!(
                            "bucket {bucket} was said to be in {region}, which points on to {again}"
                        ),
                    }),
                }
            }
        }
    }
}
