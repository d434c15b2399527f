//! What collection gathers, as plain data: the only input of the checks.
//!
//! The unit of work is a [`Shard`]: one [`Service`] in one Region (or [`GLOBAL`] for the
//! account-wide services). Every value that came from an API call is a [`Fetched`]: either the
//! data or the [`ApiError`], so a check that needed it reports ERROR (never PASS). Timestamps
//! are UTC. Nothing here holds a secret value: Lambda environment variables are reduced to
//! detector hits before they get here (see `checks::lambda::scan`).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil::aws::{AwsCallError, AwsFailure};
use vigil::s3::PublicAccessBlock;

pub type Time = DateTime<Utc>;

// ---- Shards ------------------------------------------------------------------------------------

/// A service the catalogue covers; also the report's "area". Its serde name (`secretsmanager`)
/// is the one every output uses: shard keys, settings, metrics, reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Iam,
    S3,
    Kms,
    SecretsManager,
    GuardDuty,
    CloudTrail,
    CloudWatch,
    Rds,
    Lambda,
    /// SSM Parameter Store.
    Ssm,
    /// IAM Access Analyzer (per Region).
    AccessAnalyzer,
}

serde_plain::derive_display_from_serialize!(Service);

impl Service {
    pub const ALL: [Service; 11] = [
        Service::Iam,
        Service::S3,
        Service::Kms,
        Service::SecretsManager,
        Service::GuardDuty,
        Service::CloudTrail,
        Service::CloudWatch,
        Service::Rds,
        Service::Lambda,
        Service::Ssm,
        Service::AccessAnalyzer,
    ];

    /// The name people read in tables and the report page.
    pub fn title(self) -> &'static str {
        match self {
            Service::Iam => "IAM",
            Service::S3 => "S3",
            Service::Kms => "KMS",
            Service::SecretsManager => "Secrets Manager",
            Service::GuardDuty => "GuardDuty",
            Service::CloudTrail => "CloudTrail",
            Service::CloudWatch => "CloudWatch",
            Service::Rds => "RDS",
            Service::Lambda => "Lambda",
            Service::Ssm => "SSM Parameter Store",
            Service::AccessAnalyzer => "IAM Access Analyzer",
        }
    }

    /// The service named `s` (its serde name, in any case, spaces around ignored).
    pub fn parse(s: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|v| v.to_string().eq_ignore_ascii_case(s.trim()))
    }

    /// Every service name, joined by `separator` (for messages naming what is accepted).
    pub(crate) fn names(separator: &str) -> String {
        Service::ALL.map(|s| s.to_string()).join(separator)
    }

    /// IAM and S3 bucket listing are account-wide: one shard per run, not per region.
    pub fn is_global(self) -> bool {
        matches!(self, Service::Iam | Service::S3)
    }
}

/// The region name global shards carry.
pub(crate) const GLOBAL: &str = "global";

/// The unit of work: one service in one region (or [`GLOBAL`] for account-wide services).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    pub region: String,
    pub service: Service,
}

impl Shard {
    pub fn new(region: impl Into<String>, service: Service) -> Self {
        Shard {
            region: region.into(),
            service,
        }
    }

    /// Every shard for `services` over `regions`: global services once, the rest per region.
    pub fn plan(regions: &[String], services: &[Service]) -> Vec<Shard> {
        let mut shards = Vec::new();
        for service in services {
            if service.is_global() {
                shards.push(Shard::new(GLOBAL, *service));
            } else {
                shards.extend(regions.iter().map(|r| Shard::new(r.clone(), *service)));
            }
        }
        shards
    }

    /// `service@region`, used in file names and logs.
    pub fn key(&self) -> String {
        format!("{}@{}", self.service, self.region)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

// ---- API errors --------------------------------------------------------------------------------

/// A failed API call, as findings and evidence carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub operation: String,
    /// The cause in words (`access denied`, `not found`, `throttled`, ...).
    pub failure: String,
    pub code: Option<String>,
    pub message: String,
}

impl ApiError {
    /// An error the sweep states itself (not an SDK error): `failure` in the words
    /// [`AwsFailure`] displays, as [`AwsCallError`] gives them.
    pub fn new(
        operation: &str,
        failure: AwsFailure,
        code: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            operation: operation.to_owned(),
            failure: failure.to_string(),
            code: code.map(str::to_owned),
            message: message.into(),
        }
    }

    /// The call a check needed was not made (or its answer not looked up) for this resource:
    /// `what` says so, as the message.
    pub fn not_collected(operation: &str, what: impl Into<String>) -> Self {
        ApiError::new(operation, AwsFailure::Other, None, what)
    }

    /// The call answered, but without `what`, a fact AWS always sends and that has no
    /// documented default: the checks that need it report ERROR naming it.
    pub fn incomplete(operation: &str, what: impl fmt::Display) -> Self {
        ApiError::new(
            operation,
            AwsFailure::Other,
            None,
            format!("the answer did not include {what}"),
        )
    }
}

impl From<AwsCallError> for ApiError {
    fn from(e: AwsCallError) -> Self {
        ApiError::new(e.operation, e.failure, e.code.as_deref(), e.message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.operation, self.failure)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What an API call gave: its data, or the error that makes dependent checks ERROR.
pub type Fetched<T> = Result<T, ApiError>;

// ---- IAM ---------------------------------------------------------------------------------------

/// One row of the IAM credential report. Dates are `None` for `N/A`, `no_information`,
/// `not_supported`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct CredentialRow {
    pub user: String,
    pub arn: String,
    pub user_creation_time: Option<Time>,
    /// `None` for the root row (`not_supported`).
    pub password_enabled: Option<bool>,
    pub password_last_used: Option<Time>,
    pub mfa_active: bool,
    pub keys: [AccessKeyState; 2],
    /// Columns of this row whose value could not be read (neither a date or boolean nor one
    /// of the report's documented placeholders): the checks of this user report ERROR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccessKeyState {
    pub active: bool,
    pub last_rotated: Option<Time>,
    pub last_used: Option<Time>,
}

impl CredentialRow {
    pub(crate) fn is_root(&self) -> bool {
        self.user == "<root_account>"
    }

    pub(crate) fn active_keys(&self) -> impl Iterator<Item = (usize, &AccessKeyState)> {
        self.keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.active)
            .map(|(i, k)| (i + 1, k))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CredentialReport {
    /// `GetCredentialReport.GeneratedTime`: findings from the report can be up to 4 h older
    /// than the run.
    pub generated_at: Option<Time>,
    pub rows: Vec<CredentialRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PasswordPolicy {
    pub minimum_length: i32,
    pub reuse_prevention: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub max_age_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct VirtualMfa {
    pub serial: String,
    pub user_arn: Option<String>,
}

/// A principal (user, group or role) with its own policies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Principal {
    pub name: String,
    pub arn: String,
    /// Managed policy ARNs attached directly.
    pub attached: Vec<String>,
    /// Inline policies: (name, decoded JSON document).
    pub inline: Vec<(String, String)>,
    /// Users only: group names.
    pub groups: Vec<String>,
    /// Roles only.
    pub created: Option<Time>,
    pub last_used: Option<Time>,
    /// Roles only: `/aws-service-role/` roles belong to AWS services.
    pub path: String,
    /// Roles only: the trust policy (AssumeRolePolicyDocument), URL-decoded; `None` when the
    /// answer left it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
    /// Users and roles: their tags (for mute-list tag conditions).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ManagedPolicy {
    pub arn: String,
    /// The default version's document, URL-decoded.
    pub document: Option<String>,
    pub attachment_count: i32,
}

/// `GetAccountAuthorizationDetails`, all pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AuthorizationDetails {
    pub users: Vec<Principal>,
    pub groups: Vec<Principal>,
    pub roles: Vec<Principal>,
    pub policies: Vec<ManagedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IamFacts {
    pub summary: Fetched<BTreeMap<String, i32>>,
    pub credential_report: Fetched<CredentialReport>,
    pub virtual_mfa: Fetched<Vec<VirtualMfa>>,
    /// `None` when the account has no password policy (NoSuchEntity).
    pub password_policy: Fetched<Option<PasswordPolicy>>,
    pub authorization: Fetched<AuthorizationDetails>,
    /// ListServerCertificates, all pages (IAM-31).
    pub server_certificates: Fetched<Vec<ServerCertificate>>,
}

/// A server certificate stored in IAM, as ListServerCertificates lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ServerCertificate {
    pub arn: String,
    pub name: String,
    /// `Expiration` (the certificate's notAfter); `None` when the answer left it out.
    pub expiration: Option<Time>,
}

// ---- KMS ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KeyMeta {
    pub arn: String,
    pub manager: String,
    pub state: String,
    pub spec: String,
    pub usage: String,
    pub origin: String,
    pub custom_key_store: bool,
    pub deletion_date: Option<Time>,
    /// `MultiRegion`; `None` when DescribeKey left it out (no documented default).
    #[serde(default)]
    pub multi_region: Option<bool>,
    /// Fields DescribeKey did not send, read as the value AWS documents as their default
    /// (`KeyUsage ENCRYPT_DECRYPT`, ...): shown in the key's findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RotationStatus {
    pub enabled: bool,
    pub period_days: Option<i32>,
    pub next_rotation: Option<Time>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KmsKey {
    pub id: String,
    pub meta: Fetched<KeyMeta>,
    /// Only fetched for customer-managed keys: `None` otherwise, or where it does not apply
    /// (asymmetric, imported, custom key store, not enabled).
    pub rotation: Option<Fetched<RotationStatus>>,
    pub policy: Option<Fetched<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KmsFacts {
    pub region: String,
    pub keys: Fetched<Vec<KmsKey>>,
}

// ---- Secrets Manager ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Secret {
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    pub rotation_days: Option<i64>,
    pub schedule_expression: Option<String>,
    pub last_rotated: Option<Time>,
    pub next_rotation: Option<Time>,
    pub last_accessed: Option<Time>,
    pub created: Option<Time>,
    pub kms_key_id: Option<String>,
    pub primary_region: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Version id → staging labels (ListSecrets' SecretVersionsToStages).
    pub versions: Fetched<BTreeMap<String, Vec<String>>>,
    /// The key manager (`AWS` / `CUSTOMER`) of `kms_key_id`, when one is named; `None` for the
    /// default AWS managed key.
    pub key_manager: Option<Fetched<String>>,
    /// GetResourcePolicy: `None` inside when the secret has no resource policy; `None` outside
    /// when not read (replicas: judged in their primary Region).
    #[serde(default)]
    pub policy: Option<Fetched<Option<String>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SecretsFacts {
    pub region: String,
    pub secrets: Fetched<Vec<Secret>>,
}

// ---- S3 ----------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encryption {
    pub algorithm: String,
    pub kms_key: Option<String>,
    /// Manager of `kms_key` (`AWS` or `CUSTOMER`), when a key is named.
    pub key_manager: Option<Fetched<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleRule {
    pub enabled: bool,
    pub expiration_days: Option<i32>,
    /// Expiration on a fixed date: every object the rule covers is deleted then, however new.
    #[serde(default)]
    pub expiration_date: Option<Time>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectLock {
    pub enabled: bool,
    pub mode: Option<String>,
    pub retention_days: Option<i32>,
}

/// GetBucketVersioning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Versioning {
    /// `Enabled`, `Suspended`; `None`: versioning was never enabled.
    pub status: Option<String>,
    /// `Enabled`, `Disabled`; `None`: never configured.
    pub mfa_delete: Option<String>,
}

/// What the checks need of one bucket. Only the calls some check needs are made: a field is
/// `None` when nothing asked for it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    pub region: String,
    /// `None` inside `Some`: no bucket-level configuration.
    pub public_access_block: Option<Fetched<Option<PublicAccessBlock>>>,
    /// `None` inside: no bucket policy.
    pub policy: Option<Fetched<Option<String>>>,
    pub policy_is_public: Option<Fetched<bool>>,
    pub acl_public: Option<Fetched<bool>>,
    /// The ACL's grants to AllUsers / AuthenticatedUsers (`AllUsers READ`); `None` when not
    /// asked, which S3-05 does only if neither the account nor the bucket ignores public ACLs.
    #[serde(default)]
    pub public_grants: Option<Fetched<Vec<String>>>,
    #[serde(default)]
    pub versioning: Option<Fetched<Versioning>>,
    pub encryption: Option<Fetched<Encryption>>,
    pub logging_target: Option<Fetched<Option<String>>>,
    pub lifecycle: Option<Fetched<Vec<LifecycleRule>>>,
    pub object_lock: Option<Fetched<ObjectLock>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct S3Facts {
    /// `None` inside: no account-level configuration.
    pub account_public_access_block: Fetched<Option<PublicAccessBlock>>,
    pub buckets: Fetched<Vec<Bucket>>,
}

// ---- GuardDuty ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishingDestination {
    pub id: String,
    pub status: String,
    pub destination_arn: Option<String>,
    pub kms_key_arn: Option<String>,
    pub failure_since: Option<Time>,
    /// The destination bucket's lifecycle and Object Lock (GD-04).
    pub bucket: Option<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Detector {
    pub id: String,
    pub status: Fetched<String>,
    /// Feature name → status, from `Features` (and legacy `DataSources`).
    pub features: BTreeMap<String, String>,
    pub destinations: Fetched<Vec<PublishingDestination>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GuardDutyFacts {
    pub region: String,
    pub detectors: Fetched<Vec<Detector>>,
    /// GD-05: the latest drill's signed record, read once per account (home Region only;
    /// `None` in the other Regions).
    #[serde(default)]
    pub drill: Option<Fetched<DrillEvidence>>,
    /// GD-06: how the default event bus routes a High finding; `None` when not read (no
    /// detector in the Region).
    #[serde(default)]
    pub routing: Option<Fetched<Routing>>,
}

/// A rule of the default event bus (ListRules), with EventBridge's answer for the probe events
/// and, for an enabled rule that matches them all, its targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventRule {
    pub name: String,
    /// ENABLED, or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
    pub enabled: bool,
    /// `None`: a scheduled rule.
    pub pattern: Option<String>,
    /// TestEventPattern for each probe event (a High finding at each end of High), in order;
    /// `None` for a rule without a pattern.
    pub matches: Option<Fetched<Vec<bool>>>,
    /// ListTargetsByRule: read for enabled rules that match every probe.
    pub targets: Option<Fetched<Vec<String>>>,
}

/// GD-06's facts: the default bus's rules, and whether TestEventPattern's answers can be
/// trusted (a pattern naming only the probe's source must match it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Routing {
    pub rules: Vec<EventRule>,
    /// `Err` when TestEventPattern said a pattern that only names the probe's source does not
    /// match it (an answer without its Result), or failed; `Ok` also when nothing was tested.
    pub control: Fetched<()>,
}

/// The latest GuardDuty drill, as detector-guard recorded it in the evidence bucket
/// (`detector-guard/drills/latest.json` and the signed bundle it points at).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum DrillEvidence {
    /// `VIGIL_EVIDENCE_BUCKET` is not set: the sweep does not know where drills are recorded.
    NoBucket,
    /// No pointer at `key`: no drill has recorded anything.
    NoDrill { key: String },
    /// The bundle the pointer names, read and verified.
    Recorded {
        /// `s3://bucket/prefix/` of the bundle.
        location: String,
        pointer: vigil::state::drill::Pointer,
        /// The signed record (`None` when `drill.json` is missing or unreadable); boxed, the
        /// largest fact by far.
        record: Option<Box<vigil::state::drill::Summary>>,
        /// What the verification found altered (hashes, signature); empty when intact.
        tampered: Vec<String>,
    },
}

// ---- CloudTrail and CloudWatch -----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TrailStatus {
    pub is_logging: bool,
    pub latest_cloudwatch_delivery: Option<Time>,
    pub latest_digest_delivery: Option<Time>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventSelectors {
    /// Basic selectors: management events included with ReadWriteType All.
    pub management_read_write: bool,
    /// S3 object-level events of every bucket: writes (CT-08), reads (CT-09).
    #[serde(default)]
    pub s3_object_writes: bool,
    #[serde(default)]
    pub s3_object_reads: bool,
    /// LAM-09: the selectors that record Lambda `Invoke` data events, each as the conditions
    /// it puts on the function's ARN (a function is recorded when it meets every condition of
    /// one of them; an empty list: every function). Selectors that leave `Invoke` out (a
    /// readOnly, eventName or other filter excluding it) are not here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lambda_invokes: Vec<Vec<ValueMatch>>,
}

/// One condition on a value, as an advanced field selector states it: the value is accepted
/// when it matches one of the including operators (if any is given) and none of the excluding
/// ones. A basic data-resource list of function ARNs is `equals`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ValueMatch {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

impl ValueMatch {
    /// Whether `value` passes the condition.
    pub(crate) fn accepts(&self, value: &str) -> bool {
        let including =
            !(self.equals.is_empty() && self.starts_with.is_empty() && self.ends_with.is_empty());
        let included = !including
            || self.equals.iter().any(|v| v == value)
            || self
                .starts_with
                .iter()
                .any(|v| value.starts_with(v.as_str()))
            || self.ends_with.iter().any(|v| value.ends_with(v.as_str()));
        included
            && !self.not_equals.iter().any(|v| v == value)
            && !self
                .not_starts_with
                .iter()
                .any(|v| value.starts_with(v.as_str()))
            && !self
                .not_ends_with
                .iter()
                .any(|v| value.ends_with(v.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Trail {
    pub arn: String,
    pub name: String,
    pub home_region: String,
    pub multi_region: bool,
    pub log_file_validation: bool,
    pub kms_key_id: Option<String>,
    pub bucket: Option<String>,
    pub log_group_arn: Option<String>,
    /// `HasInsightSelectors` (CT-10); `None` when DescribeTrails left it out.
    #[serde(default)]
    pub has_insight_selectors: Option<bool>,
    pub status: Fetched<TrailStatus>,
    pub selectors: Fetched<EventSelectors>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CloudTrailFacts {
    pub region: String,
    /// Trails visible in the region (shadow trails included), each fetched once per run.
    pub trails: Fetched<Vec<Trail>>,
    /// Per trail homed here: its bucket (public access, logging, lifecycle).
    pub buckets: BTreeMap<String, Bucket>,
    pub account_public_access_block: Option<Fetched<Option<PublicAccessBlock>>>,
    /// Log group name → retention in days (`None` = never expire).
    pub log_retention: BTreeMap<String, Fetched<Option<i32>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MetricFilter {
    pub name: String,
    pub pattern: String,
    /// (namespace, metric name)
    pub metrics: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Alarm {
    pub name: String,
    pub arn: String,
    pub namespace: Option<String>,
    pub metric: Option<String>,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
}

/// The monitored trail's log group, what watches it, and who is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Monitoring {
    pub log_group_arn: String,
    pub filters: Fetched<Vec<MetricFilter>>,
    /// Topic ARN → number of confirmed subscriptions.
    pub subscribers: BTreeMap<String, Fetched<usize>>,
}

/// A CloudWatch Logs group of the Region (DescribeLogGroups).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LogGroup {
    pub arn: String,
    /// `retentionInDays`; `None`: never expire.
    pub retention_days: Option<i32>,
    /// `kmsKeyId`; `None`: CloudWatch Logs' own encryption.
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CloudWatchFacts {
    pub region: String,
    pub trails: Fetched<Vec<Trail>>,
    /// For each multi-Region trail homed here with a log group.
    pub monitoring: Vec<Monitoring>,
    pub alarms: Fetched<Vec<Alarm>>,
    /// Every log group of the Region (CW-17, CW-18).
    pub log_groups: Fetched<Vec<LogGroup>>,
}

// ---- RDS ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Database {
    pub arn: String,
    pub is_cluster: bool,
    /// Instances in an Aurora/Multi-AZ cluster: the cluster's id.
    pub cluster: Option<String>,
    pub engine: String,
    pub engine_version: String,
    pub encrypted: bool,
    /// `None`: DescribeDBInstances did not say (instances only; clusters are not judged on it).
    pub public: Option<bool>,
    pub iam_auth: bool,
    pub backup_retention_days: i32,
    pub deletion_protection: bool,
    /// The TLS parameter's value from the (cluster) parameter group; `None` inside when not
    /// set there (engine default applies). `None` outside when not read: the engine has no
    /// TLS parameter, or RDS-03 is not judged on this database (`checks::rds::tls_judged_here`).
    pub tls_parameter: Option<Fetched<Option<String>>>,
    /// RDS-12: the TLS version parameters (`checks::rds::tls_version_parameters`) the same
    /// group sets, by name (a name absent: the engine default applies). `None` when not read,
    /// as for `tls_parameter`.
    #[serde(default)]
    pub tls_versions: Option<Fetched<BTreeMap<String, String>>>,
    /// Its tags (TagList; for mute-list tag conditions).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// `MasterUsername`; `None` when the answer left it out.
    #[serde(default)]
    pub master_username: Option<String>,
    /// `MultiAZ`; `None` when the answer left it out.
    #[serde(default)]
    pub multi_az: Option<bool>,
    /// `AutoMinorVersionUpgrade`; `None` when the answer left it out (Aurora clusters).
    #[serde(default)]
    pub auto_minor_upgrade: Option<bool>,
    /// `CopyTagsToSnapshot`; `None` when the answer left it out.
    #[serde(default)]
    pub copy_tags_to_snapshot: Option<bool>,
    /// `EnabledCloudwatchLogsExports` (absent: none).
    #[serde(default)]
    pub log_exports: Vec<String>,
    /// Instances: `MonitoringInterval` (0: Enhanced Monitoring off); `None` when the answer
    /// left it out.
    #[serde(default)]
    pub monitoring_interval: Option<i32>,
    /// The port it listens on (instances: `Endpoint.Port`, else a non-zero `DbInstancePort`;
    /// clusters: `Port`); `None` when the answer gave neither.
    #[serde(default)]
    pub port: Option<i32>,
    /// Instances: `DBSubnetGroup.VpcId`; `None` when the answer has no DB subnet group (an
    /// instance outside any VPC).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// `EngineLifecycleSupport`; `None` when the answer left it out.
    #[serde(default)]
    pub lifecycle_support: Option<String>,
    /// Instances: `CertificateDetails` (the server certificate's CA and expiry); `None` when
    /// the answer left it out.
    #[serde(default)]
    pub certificate: Option<Certificate>,
    /// Clusters: `BacktrackWindow` in seconds (absent: 0, AWS's documented default).
    #[serde(default)]
    pub backtrack_seconds: i64,
}

/// A DB instance's server certificate (`CertificateDetails`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Certificate {
    pub ca: Option<String>,
    /// `ValidTill`; `None` when the answer left it out.
    pub valid_till: Option<Time>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RdsFacts {
    pub region: String,
    pub instances: Fetched<Vec<Database>>,
    pub clusters: Fetched<Vec<Database>>,
}

// ---- Lambda ------------------------------------------------------------------------------------

/// A Lambda function, with its environment reduced to what the detectors found: never the
/// values themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Function {
    pub arn: String,
    pub variable_names: Vec<String>,
    pub hits: Vec<SecretHit>,
    /// `Environment.Error`: the variables could not be decrypted for the caller.
    pub environment_error: Option<String>,
    /// `Runtime`; `None` for a container image.
    #[serde(default)]
    pub runtime: Option<String>,
    /// `KMSKeyArn` of the environment; `None`: Lambda's AWS managed key.
    #[serde(default)]
    pub kms_key_arn: Option<String>,
    /// GetPolicy (`None` inside: no resource policy).
    pub policy: Fetched<Option<String>>,
    /// GetFunctionUrlConfig (`None` inside: no function URL).
    pub url: Fetched<Option<FunctionUrl>>,
    /// `VpcConfig.VpcId` when not empty (LAM-06); `None`: not attached to a VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// `VpcConfig.SubnetIds` count: subnets without a `VpcId` are an incomplete answer.
    #[serde(default)]
    pub vpc_subnets: usize,
    /// `DeadLetterConfig.TargetArn` (LAM-07); `None`: no dead-letter queue.
    #[serde(default)]
    pub dead_letter_target: Option<String>,
    /// `Layers[].Arn` (LAM-08), layer version ARNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
}

/// A function URL: how callers authenticate, and which browser origins its CORS allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FunctionUrl {
    pub auth_type: String,
    /// `Cors.AllowOrigins`; empty when the URL has no CORS configuration (no origin allowed).
    pub cors_origins: Vec<String>,
}

/// A variable that looks like it holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SecretHit {
    pub variable: String,
    pub rule: String,
    /// SHA-256 of a per-run random salt followed by the value: equal values within one run
    /// have equal hashes; the value cannot be recovered.
    pub salted_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LambdaFacts {
    pub region: String,
    pub functions: Fetched<Vec<Function>>,
    /// The trails the Region sees (LAM-09: which of them record the functions' invocations);
    /// the CloudTrail shard's answer, shared through the run's memo. Not read (empty) when the
    /// Region has no function.
    pub trails: Fetched<Vec<Trail>>,
}

// ---- SSM Parameter Store ---------------------------------------------------------------------

/// A `String` or `StringList` parameter, its value reduced to the secret rule it fired (see
/// `checks::ssm::scan`): never the value itself. SecureString parameters are not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Parameter {
    pub arn: String,
    pub name: String,
    /// `String` or `StringList`; `None` when DescribeParameters did not say (then `hit` is
    /// that error: the value was not read).
    pub kind: Option<String>,
    /// The rule the name or value fired (`None`: looks like no secret); the error when the
    /// value could not be read (GetParameters failed or listed it as invalid).
    pub hit: Fetched<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SsmFacts {
    pub region: String,
    /// The Region's `String` and `StringList` parameters.
    pub parameters: Fetched<Vec<Parameter>>,
}

// ---- IAM Access Analyzer ---------------------------------------------------------------------

/// An analyzer as ListAnalyzers lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Analyzer {
    pub arn: String,
    pub name: String,
    /// `type` (`ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, ...); `None` when the answer
    /// left it out.
    pub kind: Option<String>,
    /// `status` (`ACTIVE`, `CREATING`, `DISABLED`, `FAILED`); `None` when left out.
    pub status: Option<String>,
    /// Its ACTIVE findings (ListFindingsV2, first page only): read for ACTIVE analyzers only,
    /// `None` for the others.
    pub active_findings: Option<Fetched<ActiveFindings>>,
}

/// What the first page of ListFindingsV2 with status ACTIVE said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ActiveFindings {
    /// Findings on the page.
    pub count: usize,
    /// The answer had a next page: there are more than `count`.
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccessAnalyzerFacts {
    pub region: String,
    /// The Region's analyzers (ListAnalyzers, every page).
    pub analyzers: Fetched<Vec<Analyzer>>,
}

/// The facts of one shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "service", rename_all = "lowercase")]
pub(crate) enum ShardFacts {
    /// Boxed: the IAM facts are by far the largest.
    Iam(Box<IamFacts>),
    S3(S3Facts),
    Kms(KmsFacts),
    SecretsManager(SecretsFacts),
    GuardDuty(GuardDutyFacts),
    CloudTrail(CloudTrailFacts),
    CloudWatch(CloudWatchFacts),
    Rds(RdsFacts),
    Lambda(LambdaFacts),
    Ssm(SsmFacts),
    AccessAnalyzer(AccessAnalyzerFacts),
}
