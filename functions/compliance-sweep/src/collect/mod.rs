//! Collection: the AWS calls, reduced to the plain data in [`crate::facts`].
//!
//! - One [`Collector`] per run holds the SDK configuration, clients per Region (made on first
//!   use), a semaphore per (service, Region) that bounds concurrent calls (IAM, a single global
//!   endpoint, is serialised), the per-run memo that makes every shared answer (trails, trail
//!   status, the bucket listing and each call per bucket, DescribeKey per key, topic
//!   subscribers) fetched once however many shards need it, and a counter of every HTTP
//!   attempt for the report and the benchmark.
//! - Every listing is paginated; per-resource calls fan out with the same bound.
//! - A failed call becomes an [`ApiError`] in the facts, so the checks that needed it report
//!   ERROR; collection itself never stops at an API error.
//! - Retries with jittered backoff come from the SDK configuration (adaptive mode, see
//!   `vigil::aws::load_sdk_config`).
//!
//! [`Seams`] replace the few listings the local emulator cannot serve (see its docs).

pub mod cloudtrail;
pub mod guardduty;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod rds;
pub mod s3;
pub mod secrets;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::{OnceCell, Semaphore};
use vigil::aws::AwsCallError;

use crate::facts::{self, ShardFacts};
use crate::model::{ApiError, Fetched, Service, Shard};

/// Turns an SDK error into the error findings carry (logged once, with its context).
pub fn api<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    AwsCallError::new(operation, err).into()
}

/// Counts HTTP attempts per operation (`service:Operation`); the total is their sum.
#[derive(Debug, Default)]
pub struct CallCounter {
    by_operation: Mutex<BTreeMap<String, u64>>,
}

impl CallCounter {
    pub fn by_operation(&self) -> BTreeMap<String, u64> {
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

/// S3 Control puts the account id in the host name (`ACCOUNT.s3-control.REGION.amazonaws.com`).
/// With an endpoint override that is a loopback address (the local emulator) that host does
/// not resolve: drop the prefix there. Real endpoints are never touched.
#[derive(Debug, Clone)]
struct LoopbackS3Control;

impl Intercept for LoopbackS3Control {
    fn name(&self) -> &'static str {
        "VigilLoopbackS3Control"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = ctx.request_mut();
        let uri = request.uri().to_owned();
        if let Some((scheme, rest)) = uri.split_once("://")
            && let Some((first, host_rest)) = rest.split_once('.')
            && first.chars().all(|c| c.is_ascii_digit())
            && (host_rest.starts_with("127.") || host_rest.starts_with("localhost"))
        {
            request.set_uri(format!("{scheme}://{host_rest}"))?;
        }
        Ok(())
    }
}

/// An S3 Control client that also reaches the local emulator (see [`LoopbackS3Control`]),
/// for seeding an account in tests and benchmarks. Without the operation recorder: what a
/// test sets up is not what the function calls.
pub fn s3control_client(sdk: &SdkConfig) -> aws_sdk_s3control::Client {
    aws_sdk_s3control::Client::from_conf(
        aws_sdk_s3control::config::Builder::from(sdk)
            .interceptor(LoopbackS3Control)
            .build(),
    )
}

/// Listings replaced by data, for what the local emulator cannot serve. Production leaves
/// every field `None` and makes the real calls.
#[derive(Debug, Default)]
pub struct Seams {
    /// Lambda functions per Region with their environment variables, instead of
    /// `lambda:ListFunctions`: tests state a function's variables directly instead of building
    /// a deployment package for each function the emulator would have to hold.
    pub lambda_functions: Option<BTreeMap<String, Vec<lambda::Listing>>>,
    /// Publishing destinations per detector id, instead of GuardDuty's
    /// `ListPublishingDestinations` / `DescribePublishingDestination`, which moto lacks.
    pub guardduty_destinations: Option<BTreeMap<String, Vec<facts::PublishingDestination>>>,
}

/// Clients for one Region.
#[derive(Debug, Clone)]
pub struct Regional {
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
}

/// A value fetched once per run, shared by whoever asks for the same key.
#[derive(Debug)]
pub struct Memo<V> {
    cells: Mutex<HashMap<String, Arc<OnceCell<V>>>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Memo<V> {
    fn cell(&self, key: &str) -> Arc<OnceCell<V>> {
        self.cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone()
    }

    /// The value of `key`, fetched by the first caller; the others wait for it.
    pub async fn get_or<F: Future<Output = V>>(&self, key: &str, fetch: impl FnOnce() -> F) -> V {
        self.cell(key).get_or_init(fetch).await.clone()
    }

    /// The value of `key` only if someone has asked for it already (waiting while it is being
    /// fetched); `None`, without fetching, otherwise. `fetch` runs only if the first caller was
    /// dropped before it finished.
    pub async fn asked<F: Future<Output = V>>(
        &self,
        key: &str,
        fetch: impl FnOnce() -> F,
    ) -> Option<V> {
        let cell = self
            .cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()?;
        Some(cell.get_or_init(fetch).await.clone())
    }

    /// Stores a value learnt from another answer, unless `key` has one or is being fetched.
    pub fn seed(&self, key: &str, value: V) {
        let _ = self.cell(key).set(value);
    }
}

/// Answers shared across shards of one run.
#[derive(Debug, Default)]
pub struct Shared {
    pub trails: Memo<Fetched<Vec<facts::Trail>>>,
    pub trail_details: Memo<(Fetched<facts::TrailStatus>, Fetched<facts::EventSelectors>)>,
    /// ListBuckets, each bucket's Region and every per-bucket call, per bucket and call.
    pub buckets: s3::Answers,
    /// DescribeKey, per Region and key id (see [`kms::describe`]).
    pub keys: Memo<Fetched<facts::KeyMeta>>,
    pub account_block: Memo<Fetched<Option<facts::PublicAccessBlock>>>,
    pub subscribers: Memo<Fetched<usize>>,
}

pub struct Collector {
    sdk: SdkConfig,
    pub account: String,
    /// Where IAM, S3 Control and the global calls go.
    pub home_region: String,
    concurrency: usize,
    regional: Mutex<HashMap<String, Arc<Regional>>>,
    limits: Mutex<HashMap<(Service, String), Arc<Semaphore>>>,
    pub calls: Arc<CallCounter>,
    pub shared: Shared,
    pub seams: Seams,
    /// Per-run random salt for hashing suspicious Lambda variable values.
    pub salt: [u8; 16],
    pub iam: aws_sdk_iam::Client,
    pub s3control: aws_sdk_s3control::Client,
    pub account_client: aws_sdk_account::Client,
}

impl Collector {
    pub fn new(sdk: &SdkConfig, account: &str, concurrency: usize, seams: Seams) -> Self {
        let calls = Arc::new(CallCounter::default());
        let home_region = sdk
            .region()
            .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string());
        let counting = Counting(calls.clone());
        let iam = vigil::client!(aws_sdk_iam, sdk, |b| b.interceptor(counting.clone()));
        let s3control = vigil::client!(aws_sdk_s3control, sdk, |b| b
            .interceptor(counting.clone())
            .interceptor(LoopbackS3Control));
        let account_client = vigil::client!(aws_sdk_account, sdk, |b| b.interceptor(counting));
        Collector {
            sdk: sdk.clone(),
            account: account.to_owned(),
            home_region,
            concurrency: concurrency.max(1),
            regional: Mutex::new(HashMap::new()),
            limits: Mutex::new(HashMap::new()),
            calls,
            shared: Shared::default(),
            seams,
            salt: rand::random(),
            iam,
            s3control,
            account_client,
        }
    }

    /// The clients of `region`, made on first use.
    pub fn region(&self, region: &str) -> Arc<Regional> {
        let mut map = self.regional.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(region.to_owned())
            .or_insert_with(|| {
                let sdk = self
                    .sdk
                    .to_builder()
                    .region(aws_config::Region::new(region.to_owned()))
                    .build();
                let c = Counting(self.calls.clone());
                macro_rules! client {
                    ($krate:ident) => {
                        vigil::client!($krate, &sdk, |b| b.interceptor(c.clone()))
                    };
                }
                Arc::new(Regional {
                    kms: client!(aws_sdk_kms),
                    secrets: client!(aws_sdk_secretsmanager),
                    guardduty: client!(aws_sdk_guardduty),
                    cloudtrail: client!(aws_sdk_cloudtrail),
                    logs: client!(aws_sdk_cloudwatchlogs),
                    cloudwatch: client!(aws_sdk_cloudwatch),
                    sns: client!(aws_sdk_sns),
                    rds: client!(aws_sdk_rds),
                    // Path-style only against an endpoint override (the emulator); AWS
                    // itself gets virtual-hosted-style requests.
                    s3: vigil::client!(aws_sdk_s3, &sdk, |b| b
                        .interceptor(c.clone())
                        .force_path_style(sdk.endpoint_url().is_some())),
                    lambda: client!(aws_sdk_lambda),
                })
            })
            .clone()
    }

    /// How many calls of one service may run at once in one Region.
    pub fn width(&self, service: Service) -> usize {
        if service == Service::Iam {
            1
        } else {
            self.concurrency
        }
    }

    /// Runs `call` once a slot of (service, region) is free.
    pub async fn limited<T>(
        &self,
        service: Service,
        region: &str,
        call: impl Future<Output = T>,
    ) -> T {
        let sem = self
            .limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((service, region.to_owned()))
            .or_insert_with(|| Arc::new(Semaphore::new(self.width(service))))
            .clone();
        let _permit = sem
            .acquire_owned()
            .await
            .expect("semaphores are never closed");
        call.await
    }

    /// The enabled Regions: `account:ListRegions` with status ENABLED or ENABLED_BY_DEFAULT.
    pub async fn enabled_regions(&self) -> Result<Vec<String>, ApiError> {
        use aws_sdk_account::types::RegionOptStatus;
        let regions = self
            .account_client
            .list_regions()
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| api("account:ListRegions", e))?;
        let mut names: Vec<String> = regions
            .into_iter()
            .filter(|r| {
                matches!(
                    r.region_opt_status(),
                    Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault)
                )
            })
            .filter_map(|r| r.region_name)
            .collect();
        names.sort();
        Ok(names)
    }

    /// Collects one shard's facts.
    pub async fn collect(&self, shard: &Shard) -> ShardFacts {
        let r = shard.region.as_str();
        match shard.service {
            Service::Iam => ShardFacts::Iam(Box::new(iam::collect(self).await)),
            Service::S3 => ShardFacts::S3(s3::collect(self).await),
            Service::Kms => ShardFacts::Kms(kms::collect(self, r).await),
            Service::SecretsManager => ShardFacts::SecretsManager(secrets::collect(self, r).await),
            Service::GuardDuty => ShardFacts::GuardDuty(guardduty::collect(self, r).await),
            Service::CloudTrail => {
                ShardFacts::CloudTrail(cloudtrail::collect_trails(self, r).await)
            }
            Service::CloudWatch => {
                ShardFacts::CloudWatch(cloudtrail::collect_monitoring(self, r).await)
            }
            Service::Rds => ShardFacts::Rds(rds::collect(self, r).await),
            Service::Lambda => ShardFacts::Lambda(lambda::collect(self, r).await),
        }
    }

    /// The manager (`AWS`/`CUSTOMER`) of a key named by id, ARN or alias: from the one
    /// DescribeKey per key of the run, which the KMS shard reads too.
    pub async fn key_manager(&self, region: &str, key: &str) -> Fetched<String> {
        kms::describe(self, region, key).await.map(|m| m.manager)
    }
}

/// `aws_smithy_types::DateTime` → chrono.
pub fn time(t: &aws_smithy_types::DateTime) -> Option<facts::Time> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memo_fetches_once_and_only_what_was_asked() {
        let memo: Memo<u32> = Memo::default();
        assert_eq!(memo.asked("k", || async { 1 }).await, None, "never asked");
        assert_eq!(memo.get_or("k", || async { 2 }).await, 2);
        assert_eq!(memo.get_or("k", || async { 3 }).await, 2);
        assert_eq!(memo.asked("k", || async { 4 }).await, Some(2));
        memo.seed("k", 5);
        memo.seed("s", 6);
        assert_eq!(
            memo.get_or("k", || async { 7 }).await,
            2,
            "a seed never overwrites"
        );
        assert_eq!(memo.get_or("s", || async { 8 }).await, 6);
    }
}
