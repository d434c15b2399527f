//! AWS SDK configuration, per-Region clients, time budgets and error classification; and the
//! adapters more than one function repairs through: [`kms_key`] (key state, tags, policy) and
//! `s3_policy` (bucket policies, feature `s3`).

pub mod kms_key;
#[cfg(feature = "s3")]
pub mod s3_policy;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Loads the SDK configuration from the environment once per cold start.
///
/// `AWS_ENDPOINT_URL` (honoured by aws-config itself) points every client at the local
/// emulator in tests and the demo. Retries use the adaptive mode with jittered backoff, so a
/// throttled call slows down instead of failing at once; each attempt has its own timeout so a
/// hung connection cannot eat the whole Lambda deadline.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(4))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await
}

/// The Region of `sdk`, where a function's account-wide calls go; `us-east-1` when none is
/// configured (the Lambda runtime always sets `AWS_REGION`).
pub fn home_region(sdk: &SdkConfig) -> String {
    sdk.region()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.as_ref().to_owned())
}

/// Whether S3 clients address buckets by path (`endpoint/bucket/key`) instead of by host name
/// (`bucket.endpoint/key`): only when every call goes to an endpoint override
/// (`AWS_ENDPOINT_URL`, the local emulator), whose host cannot take a bucket name in front of
/// it. AWS itself always gets virtual-hosted-style requests. The one place this is decided.
pub fn s3_path_style(sdk: &SdkConfig) -> bool {
    sdk.endpoint_url().is_some()
}

/// One set of clients per Region, built on first use from the cold-start [`SdkConfig`] (its
/// HTTP client and credentials shared) and kept for the life of the execution environment.
///
/// Trails, buckets, keys and detectors live in many Regions, and each is asked about in its own
/// Region. `T` is a function's own struct of clients; `build` makes one from a configuration
/// whose Region is set.
pub struct PerRegion<T> {
    sdk: SdkConfig,
    home: String,
    build: Box<dyn Fn(&SdkConfig) -> T + Send + Sync>,
    clients: Mutex<HashMap<String, Arc<T>>>,
}

impl<T> PerRegion<T> {
    pub fn new(sdk: &SdkConfig, build: impl Fn(&SdkConfig) -> T + Send + Sync + 'static) -> Self {
        PerRegion {
            sdk: sdk.clone(),
            home: home_region(sdk),
            build: Box::new(build),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The function's own Region (see [`home_region`]).
    pub fn home_region(&self) -> &str {
        &self.home
    }

    /// The clients of the function's own Region.
    pub fn home(&self) -> Arc<T> {
        self.get(&self.home)
    }

    /// The clients of `region`, built on first use.
    pub fn get(&self, region: &str) -> Arc<T> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                let sdk = self
                    .sdk
                    .to_builder()
                    .region(aws_config::Region::new(region.to_owned()))
                    .build();
                Arc::new((self.build)(&sdk))
            })
            .clone()
    }
}

impl<T> std::fmt::Debug for PerRegion<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let regions: Vec<String> = self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        f.debug_struct("PerRegion")
            .field("home", &self.home)
            .field("regions", &regions)
            .finish_non_exhaustive()
    }
}

/// Time left before `deadline`, less a safety margin for reporting the outcome.
///
/// Work that would start after the budget is gone is refused up front, so the function fails
/// with a clear error instead of being killed mid-step by the Lambda timeout.
pub fn remaining_budget(deadline: SystemTime, now: SystemTime, margin: Duration) -> Duration {
    deadline
        .duration_since(now)
        .unwrap_or_default()
        .saturating_sub(margin)
}

/// Why work guarded by [`within_budget`] did not finish; its message says the times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutOfTime {
    /// Less than the minimum was left: the work was not started.
    #[error(
        "not started: {} ms left before the deadline, {} ms needed at least",
        left.as_millis(),
        needed.as_millis()
    )]
    NotStarted { left: Duration, needed: Duration },
    /// The work outlasted the time it was given and was dropped there.
    #[error("did not finish in the {} ms left", budget.as_millis())]
    Exceeded { budget: Duration },
}

/// Runs `work` within the time left before `deadline` less `margin`, refusing to start it
/// with less than `minimum` left: work that cannot finish is better not begun than cut off
/// half done. The caller turns [`OutOfTime`] into its own deadline error.
pub async fn within_budget<T>(
    deadline: SystemTime,
    margin: Duration,
    minimum: Duration,
    work: impl std::future::Future<Output = T>,
) -> Result<T, OutOfTime> {
    let budget = remaining_budget(deadline, SystemTime::now(), margin);
    if budget < minimum {
        return Err(OutOfTime::NotStarted {
            left: budget,
            needed: minimum,
        });
    }
    tokio::time::timeout(budget, work)
        .await
        .map_err(|_| OutOfTime::Exceeded { budget })
}

/// The invocation deadline from `Lambda-Runtime-Deadline-Ms` (`Context::deadline`). AWS
/// sends epoch milliseconds; `cargo lambda watch` sends the timeout itself (e.g. 600000),
/// which read as an epoch time lies in 1970 and would leave no time at all. A value before
/// 2001 can only be such a duration, so it is read relative to `now`.
pub fn invocation_deadline(raw_ms: u64, now: SystemTime) -> SystemTime {
    const YEAR_2001_MS: u64 = 978_307_200_000;
    if raw_ms < YEAR_2001_MS {
        now + Duration::from_millis(raw_ms)
    } else {
        SystemTime::UNIX_EPOCH + Duration::from_millis(raw_ms)
    }
}

/// Why an AWS call failed, in terms of what the caller should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AwsFailure {
    /// Throttled or rate-limited, after the SDK's own retries: try again later.
    Throttled,
    /// The role lacks a permission or the key/resource policy refuses it: fix IAM.
    AccessDenied,
    /// The named resource does not exist.
    NotFound,
    /// The request was rejected as invalid for the resource's current state.
    InvalidRequest,
    /// Network, timeout or 5xx: a retry can help.
    Transient,
    /// Anything else.
    Other,
}

impl AwsFailure {
    /// Whether repeating the same call later can succeed without a person acting first.
    pub fn retryable(self) -> bool {
        matches!(self, AwsFailure::Throttled | AwsFailure::Transient)
    }

    /// Classifies an error code as AWS services spell them.
    pub fn from_code(code: Option<&str>) -> Self {
        match code.unwrap_or_default() {
            "ThrottlingException"
            | "Throttling"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "SlowDown"
            | "LimitExceededException"
            | "ProvisionedThroughputExceededException" => AwsFailure::Throttled,
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "KMSAccessDeniedException"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "ExpiredTokenException" => AwsFailure::AccessDenied,
            "ResourceNotFoundException"
            | "NotFoundException"
            | "NotFound"
            | "NoSuchEntity"
            | "NoSuchBucket"
            | "DBInstanceNotFound"
            | "DBInstanceNotFoundFault"
            | "DBClusterNotFoundFault"
            | "ParameterNotFound" => AwsFailure::NotFound,
            "InvalidRequestException"
            | "InvalidParameterException"
            | "InvalidParameterValue"
            | "ValidationException"
            | "ValidationError" => AwsFailure::InvalidRequest,
            "InternalServiceError"
            | "InternalFailure"
            | "InternalError"
            | "ServiceUnavailable"
            | "ServiceUnavailableException" => AwsFailure::Transient,
            _ => AwsFailure::Other,
        }
    }

    /// Classifies an SDK error: transport failures and timeouts are transient, service errors
    /// go by their code.
    pub fn of<E>(err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata,
    {
        match err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => AwsFailure::Transient,
            SdkError::ResponseError(_) => AwsFailure::Transient,
            SdkError::ServiceError(service) => {
                let by_code = AwsFailure::from_code(service.err().code());
                let status = service.raw().status().as_u16();
                if by_code == AwsFailure::Other && status >= 500 {
                    AwsFailure::Transient
                } else {
                    by_code
                }
            }
            _ => AwsFailure::Other,
        }
    }
}

impl std::fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AwsFailure::Throttled => "throttled",
            AwsFailure::AccessDenied => "access denied",
            AwsFailure::NotFound => "not found",
            AwsFailure::InvalidRequest => "invalid request",
            AwsFailure::Transient => "transient failure",
            AwsFailure::Other => "failed",
        })
    }
}

/// A failed AWS call reduced to what errors and alerts may carry: the operation, the cause and
/// the service's message (which never contains request payloads such as secret values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsCallError {
    pub operation: &'static str,
    pub failure: AwsFailure,
    pub code: Option<String>,
    pub message: String,
}

impl AwsCallError {
    /// Captures an SDK error, logging its full context chain once here.
    pub fn new<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let failure = AwsFailure::of(&err);
        let code = err.code().map(str::to_owned);
        let status = err.raw_response().map(|r| r.status().as_u16());
        let message = match (err.message(), &code, status) {
            (Some(m), _, _) => m.to_owned(),
            // An answer with neither an AWS error code nor a message (a HEAD request's empty
            // body, an HTML page from an endpoint or proxy that is not AWS) would otherwise
            // carry the raw response.
            (None, None, Some(status)) => {
                format!("HTTP {status} with no AWS error code or message")
            }
            (None, _, _) => aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
        };
        tracing::warn!(
            operation,
            %failure,
            error = %aws_smithy_types::error::display::DisplayErrorContext(&err),
            "AWS call failed"
        );
        AwsCallError {
            operation,
            failure,
            code,
            message,
        }
    }
}

impl std::fmt::Display for AwsCallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.operation, self.failure)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for AwsCallError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_is_refused_or_cut_off_when_time_runs_out() {
        let soon = SystemTime::now() + Duration::from_millis(200);
        let refused = within_budget(soon, Duration::ZERO, Duration::from_secs(5), async { 1 });
        let refused = refused.await.unwrap_err();
        assert!(matches!(refused, OutOfTime::NotStarted { .. }));
        assert!(
            refused.to_string().ends_with("5000 ms needed at least"),
            "{refused}"
        );
        let slow = within_budget(soon, Duration::ZERO, Duration::ZERO, async {
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        assert!(matches!(slow.await, Err(OutOfTime::Exceeded { .. })));
        let later = SystemTime::now() + Duration::from_secs(30);
        let done = within_budget(later, Duration::ZERO, Duration::ZERO, async { 7 });
        assert_eq!(done.await, Ok(7));
    }

    #[test]
    fn clients_are_built_once_per_region_with_that_region() {
        let sdk = SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .behavior_version(BehaviorVersion::latest())
            .build();
        let built = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = built.clone();
        let clients = PerRegion::new(&sdk, move |sdk| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            sdk.region().map(|r| r.to_string())
        });
        assert_eq!(clients.home_region(), "eu-west-1");
        assert_eq!(clients.home().as_deref(), Some("eu-west-1"));
        assert_eq!(clients.get("ap-south-1").as_deref(), Some("ap-south-1"));
        assert_eq!(clients.get("ap-south-1").as_deref(), Some("ap-south-1"));
        assert_eq!(built.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert!(
            !s3_path_style(&sdk),
            "AWS itself gets virtual-hosted-style requests"
        );
        let emulator = sdk
            .to_builder()
            .endpoint_url("http://127.0.0.1:5000")
            .build();
        assert!(s3_path_style(&emulator));
    }

    #[test]
    fn budget_subtracts_margin_and_never_underflows() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let deadline = now + Duration::from_secs(30);
        assert_eq!(
            remaining_budget(deadline, now, Duration::from_secs(5)),
            Duration::from_secs(25)
        );
        assert_eq!(
            remaining_budget(now, deadline, Duration::from_secs(5)),
            Duration::ZERO
        );
    }

    #[test]
    fn deadline_is_epoch_ms_or_a_duration_from_local_tools() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let aws = 1_795_000_030_000;
        assert_eq!(
            invocation_deadline(aws, now),
            SystemTime::UNIX_EPOCH + Duration::from_millis(aws)
        );
        assert_eq!(
            invocation_deadline(600_000, now),
            now + Duration::from_secs(600)
        );
    }

    #[test]
    fn codes_map_to_what_the_caller_should_do() {
        assert_eq!(
            AwsFailure::from_code(Some("ThrottlingException")),
            AwsFailure::Throttled
        );
        assert!(AwsFailure::from_code(Some("ThrottlingException")).retryable());
        assert_eq!(
            AwsFailure::from_code(Some("AccessDeniedException")),
            AwsFailure::AccessDenied
        );
        assert!(!AwsFailure::AccessDenied.retryable());
        assert_eq!(
            AwsFailure::from_code(Some("ResourceNotFoundException")),
            AwsFailure::NotFound
        );
        assert_eq!(AwsFailure::from_code(None), AwsFailure::Other);
    }
}
