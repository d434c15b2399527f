//! Collection: the I/O that fills the facts, calling the [`crate::aws`] adapters.
//!
//! - One [`Collector`] per run holds the run's clients ([`crate::aws::Clients`], which count
//!   every HTTP attempt), a semaphore per (service, Region) that bounds concurrent calls (IAM,
//!   a single global endpoint, is serialised), and the run's memo ([`Shared`]) that makes every
//!   shared answer (trails, trail status, the bucket listing and each call per bucket,
//!   DescribeKey per key, topic subscribers) fetched once however many shards need it.
//! - [`Collector::collect`] dispatches a shard to its service's module here, which asks the
//!   adapters; per-resource calls fan out within the same bound.
//! - A failed call becomes an `ApiError` in the facts, so the checks that needed it report
//!   ERROR; collection itself never stops at an API error.
//! - Retries with jittered backoff come from the SDK configuration (adaptive mode, see
//!   `vigil::aws::load_sdk_config`).
//!
//! [`Seams`] are test seams: listings the local emulator cannot serve, given as data.

mod accessanalyzer;
mod cloudtrail;
mod guardduty;
mod iam;
mod kms;
mod lambda;
mod rds;
mod s3;
mod seams;
mod secrets;
mod ssm;

pub use seams::Seams;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use tokio::sync::{OnceCell, Semaphore};

use crate::aws::{self, Clients, Regional};
use crate::config::MuteListLocation;
use crate::error::Error;
use crate::facts::{self, ApiError, Fetched, Service, Shard, ShardFacts};

/// A value fetched once per run, shared by whoever asks for the same key.
#[derive(Debug)]
pub(crate) struct Memo<V> {
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
    async fn get_or<F: Future<Output = V>>(&self, key: &str, fetch: impl FnOnce() -> F) -> V {
        self.cell(key).get_or_init(fetch).await.clone()
    }

    /// The value of `key` only if someone has asked for it already (waiting while it is being
    /// fetched); `None`, without fetching, otherwise. `fetch` runs only if the first caller was
    /// dropped before it finished.
    async fn asked<F: Future<Output = V>>(
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
    fn seed(&self, key: &str, value: V) {
        let _ = self.cell(key).set(value);
    }
}

/// Answers shared across shards of one run.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    trails: Memo<Fetched<Vec<facts::Trail>>>,
    trail_details: Memo<(Fetched<facts::TrailStatus>, Fetched<facts::EventSelectors>)>,
    /// ListBuckets, each bucket's Region and every per-bucket call, per bucket and call.
    buckets: s3::Answers,
    /// DescribeKey, per Region and key id (see [`kms::describe`]).
    keys: Memo<Fetched<facts::KeyMeta>>,
    account_block: Memo<Fetched<Option<vigil::s3::PublicAccessBlock>>>,
    subscribers: Memo<Fetched<usize>>,
}

pub(crate) struct Collector {
    pub account: String,
    /// Where IAM, S3 Control and the global calls go.
    home_region: String,
    concurrency: usize,
    clients: Clients,
    limits: Mutex<HashMap<(Service, String), Arc<Semaphore>>>,
    shared: Shared,
    seams: Seams,
    /// Per-run random salt for hashing suspicious Lambda variable values.
    salt: [u8; 16],
    /// GD-05: where detector-guard records its drills and the key that signs them.
    drills: guardduty::DrillSource,
}

impl Collector {
    pub(crate) fn new(sdk: &SdkConfig, account: &str, concurrency: usize, seams: Seams) -> Self {
        let clients = Clients::new(sdk);
        Collector {
            account: account.to_owned(),
            home_region: clients.regional.home_region().to_owned(),
            concurrency: concurrency.max(1),
            clients,
            limits: Mutex::new(HashMap::new()),
            shared: Shared::default(),
            seams,
            salt: rand::random(),
            drills: guardduty::DrillSource::default(),
        }
    }

    /// Reads the drill records (GD-05) from the evidence `bucket` (`None`: not configured),
    /// verifying them with `signer` (the evidence key).
    pub(crate) fn with_drills(
        mut self,
        bucket: Option<String>,
        signer: Option<vigil::evidence::kms::Signer>,
    ) -> Self {
        self.drills = guardduty::DrillSource { bucket, signer };
        self
    }

    /// The clients of `region`, made on first use.
    fn region(&self, region: &str) -> Arc<Regional> {
        self.clients.regional.get(region)
    }

    /// How many calls of one service may run at once in one Region.
    fn width(&self, service: Service) -> usize {
        if service == Service::Iam {
            1
        } else {
            self.concurrency
        }
    }

    /// Runs `call` once a slot of (service, region) is free.
    async fn limited<T>(&self, service: Service, region: &str, call: impl Future<Output = T>) -> T {
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

    /// HTTP attempts made so far, per operation.
    pub(crate) fn calls_by_operation(&self) -> std::collections::BTreeMap<String, u64> {
        self.clients.calls.by_operation()
    }

    /// The enabled Regions: `account:ListRegions` with status ENABLED or ENABLED_BY_DEFAULT.
    pub(crate) async fn enabled_regions(&self) -> Result<Vec<String>, ApiError> {
        aws::account::enabled_regions(&self.clients.account).await
    }

    /// Collects one shard's facts.
    pub(crate) async fn collect(&self, shard: &Shard) -> ShardFacts {
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
            Service::Ssm => ShardFacts::Ssm(ssm::collect(self, r).await),
            Service::AccessAnalyzer => {
                ShardFacts::AccessAnalyzer(accessanalyzer::collect(self, r).await)
            }
        }
    }

    /// The text of the mute list document at `location` (SSM in the home Region, or S3 in
    /// the bucket's Region).
    pub(crate) async fn mute_document(&self, location: &MuteListLocation) -> Result<String, Error> {
        let missing = || Error::MuteList(format!("mute list {location}: not found"));
        match location {
            MuteListLocation::Ssm(name) => aws::ssm::parameter(&self.clients.ssm, name)
                .await?
                .ok_or_else(missing),
            MuteListLocation::S3 { bucket, key } => {
                let home = self.region(&self.home_region).s3.clone();
                let region = aws::s3::bucket_region(&home, bucket)
                    .await
                    .map_err(|e| Error::MuteList(format!("mute list {location}: {e}")))?;
                let bytes = aws::s3::get_object(&self.region(&region).s3, bucket, key)
                    .await?
                    .ok_or_else(missing)?;
                String::from_utf8(bytes)
                    .map_err(|_| Error::MuteList(format!("mute list {location}: not UTF-8 text")))
            }
        }
    }

    /// The manager (`AWS`/`CUSTOMER`) of a key named by id, ARN or alias: from the one
    /// DescribeKey per key of the run, which the KMS shard reads too.
    async fn key_manager(&self, region: &str, key: &str) -> Fetched<String> {
        kms::describe(self, region, key).await.map(|m| m.manager)
    }
}

/// The account the caller's credentials belong to: the account swept.
pub(crate) async fn caller_account(sts: &aws_sdk_sts::Client) -> Result<String, Error> {
    Ok(aws::sts::caller_account(sts).await?)
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
