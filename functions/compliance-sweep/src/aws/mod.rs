//! Thin typed adapters over the AWS calls the sweep makes, one module per service: SDK in,
//! plain data (the types of [`crate::facts`]) or an [`ApiError`] out, every listing
//! paginated. They decide nothing and bound nothing: the collector runs them within its
//! per-(service, Region) bounds and shares their answers across shards.
//!
//! [`Clients`] is one run's client set: per Region through [`vigil::aws::PerRegion`], IAM,
//! S3 Control and Account once; every client counts its HTTP attempts ([`CallCounter`]) for
//! the report and the benchmark, and records its operations for the least-privilege test
//! (`vigil::client!`).

/// The four Block Public Access settings, as S3 and S3 Control both spell them in their own
/// types (absent = off).
macro_rules! public_access_block {
    ($p:expr) => {{
        let p = $p;
        vigil::s3::PublicAccessBlock {
            block_public_acls: p.block_public_acls.unwrap_or(false),
            ignore_public_acls: p.ignore_public_acls.unwrap_or(false),
            block_public_policy: p.block_public_policy.unwrap_or(false),
            restrict_public_buckets: p.restrict_public_buckets.unwrap_or(false),
        }
    }};
}

pub(crate) mod accessanalyzer;
pub(crate) mod account;
pub(crate) mod cloudtrail;
pub(crate) mod cloudwatch;
pub(crate) mod events;
pub(crate) mod guardduty;
pub(crate) mod iam;
pub(crate) mod kms;
pub mod lambda;
pub(crate) mod logs;
pub(crate) mod rds;
pub(crate) mod s3;
pub mod s3control;
pub(crate) mod secrets;
pub mod securityhub;
pub(crate) mod sns;
pub(crate) mod ssm;
pub(crate) mod sts;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::{AwsCallError, PerRegion};

use crate::facts::{ApiError, Fetched, Time};

/// Turns an SDK error into the error findings carry (logged once, with its context).
pub(crate) fn api<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    AwsCallError::new(operation, err).into()
}

/// The answer of one call as `read` makes it. When the service answers with the error code of
/// `absent` (the resource has no such configuration), the value that stands for that; any
/// other error is the finding's error.
pub(crate) fn answer<O, E, T>(
    operation: &'static str,
    result: Result<O, SdkError<E, HttpResponse>>,
    absent: Option<(&str, T)>,
    read: impl FnOnce(O) -> T,
) -> Fetched<T>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(o) => Ok(read(o)),
        Err(e) => match absent {
            Some((code, value)) if e.code() == Some(code) => Ok(value),
            _ => Err(api(operation, e)),
        },
    }
}

/// `aws_smithy_types::DateTime` → chrono.
pub(crate) fn time(t: &aws_smithy_types::DateTime) -> Option<Time> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Counts HTTP attempts per operation (`service:Operation`); the total is their sum.
#[derive(Debug, Default)]
pub(crate) struct CallCounter {
    by_operation: Mutex<BTreeMap<String, u64>>,
}

impl CallCounter {
    pub(crate) fn by_operation(&self) -> BTreeMap<String, u64> {
        self.by_operation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[derive(Debug, Clone)]
struct Counting(Arc<CallCounter>);

impl Intercept for Counting {
    fn name(&self) -> &'static str {
        "VigilCallCounter"
    }

    fn read_before_attempt(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = vigil::record::operation(cfg).unwrap_or_else(|| "unknown".to_owned());
        *self
            .0
            .by_operation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(op)
            .or_default() += 1;
        Ok(())
    }
}

/// The clients of one Region.
#[derive(Debug, Clone)]
pub(crate) struct Regional {
    pub kms: aws_sdk_kms::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub guardduty: aws_sdk_guardduty::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sns: aws_sdk_sns::Client,
    pub rds: aws_sdk_rds::Client,
    pub s3: aws_sdk_s3::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub access_analyzer: aws_sdk_accessanalyzer::Client,
}

/// One run's clients, all counting into [`Clients::calls`]: made per run, so the count is the
/// run's.
#[derive(Debug)]
pub(crate) struct Clients {
    pub regional: PerRegion<Regional>,
    /// IAM, S3 Control, Account and SSM (the mute list) are called in the home Region only.
    pub iam: aws_sdk_iam::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub s3control: aws_sdk_s3control::Client,
    pub account: aws_sdk_account::Client,
    pub calls: Arc<CallCounter>,
}

impl Clients {
    pub(crate) fn new(sdk: &SdkConfig) -> Self {
        let calls = Arc::new(CallCounter::default());
        let counting = Counting(calls.clone());
        let regional = {
            let c = counting.clone();
            PerRegion::new(sdk, move |sdk| {
                macro_rules! client {
                    ($krate:ident) => {
                        vigil::client!($krate, sdk, |b| b.interceptor(c.clone()))
                    };
                }
                Regional {
                    kms: client!(aws_sdk_kms),
                    secrets: client!(aws_sdk_secretsmanager),
                    guardduty: client!(aws_sdk_guardduty),
                    cloudtrail: client!(aws_sdk_cloudtrail),
                    logs: client!(aws_sdk_cloudwatchlogs),
                    cloudwatch: client!(aws_sdk_cloudwatch),
                    sns: client!(aws_sdk_sns),
                    rds: client!(aws_sdk_rds),
                    s3: vigil::client!(aws_sdk_s3, sdk, |b| b
                        .interceptor(c.clone())
                        .force_path_style(vigil::aws::s3_path_style(sdk))),
                    lambda: client!(aws_sdk_lambda),
                    ssm: client!(aws_sdk_ssm),
                    events: client!(aws_sdk_eventbridge),
                    access_analyzer: client!(aws_sdk_accessanalyzer),
                }
            })
        };
        Clients {
            regional,
            iam: vigil::client!(aws_sdk_iam, sdk, |b| b.interceptor(counting.clone())),
            ssm: vigil::client!(aws_sdk_ssm, sdk, |b| b.interceptor(counting.clone())),
            s3control: vigil::client!(aws_sdk_s3control, sdk, |b| b
                .interceptor(counting.clone())
                .interceptor(s3control::LoopbackS3Control)),
            account: vigil::client!(aws_sdk_account, sdk, |b| b.interceptor(counting)),
            calls,
        }
    }
}
