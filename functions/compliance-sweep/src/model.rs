//! The words every part of the sweep shares: services (areas), shards, statuses, findings, and
//! a failed API call as a finding can carry it.

use std::fmt;

use serde::{Deserialize, Serialize};
use vigil::aws::{AwsCallError, AwsFailure};

/// A service the catalogue covers; also the report's "area".
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
}

impl Service {
    pub const ALL: [Service; 9] = [
        Service::Iam,
        Service::S3,
        Service::Kms,
        Service::SecretsManager,
        Service::GuardDuty,
        Service::CloudTrail,
        Service::CloudWatch,
        Service::Rds,
        Service::Lambda,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::S3 => "s3",
            Service::Kms => "kms",
            Service::SecretsManager => "secretsmanager",
            Service::GuardDuty => "guardduty",
            Service::CloudTrail => "cloudtrail",
            Service::CloudWatch => "cloudwatch",
            Service::Rds => "rds",
            Service::Lambda => "lambda",
        }
    }

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
        }
    }

    pub fn parse(s: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// IAM and S3 bucket listing are account-wide: one shard per run, not per region.
    pub fn is_global(self) -> bool {
        matches!(self, Service::Iam | Service::S3)
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The region name global shards carry.
pub const GLOBAL: &str = "global";

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

/// The outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be evaluated: carries the API error. Never counted as a pass.
    Error,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// One check's verdict on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: String,
    pub status: Status,
    /// ARN or other identifier of what was checked (the account or region for account-level
    /// checks).
    pub resource: String,
    pub resource_type: String,
    pub region: String,
    /// Why, in one sentence a person can act on.
    pub detail: String,
    /// The facts the verdict rests on (never a secret value).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub evidence: serde_json::Map<String, serde_json::Value>,
    /// For ERROR: the API call that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl Finding {
    pub fn new(
        check: &str,
        status: Status,
        resource: impl Into<String>,
        resource_type: &str,
        region: &str,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            check: check.to_owned(),
            status,
            resource: resource.into(),
            resource_type: resource_type.to_owned(),
            region: region.to_owned(),
            detail: detail.into(),
            evidence: serde_json::Map::new(),
            error: None,
        }
    }

    pub fn pass(
        check: &str,
        resource: impl Into<String>,
        rtype: &str,
        region: &str,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(check, Status::Pass, resource, rtype, region, detail)
    }

    pub fn fail(
        check: &str,
        resource: impl Into<String>,
        rtype: &str,
        region: &str,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(check, Status::Fail, resource, rtype, region, detail)
    }

    pub fn not_applicable(
        check: &str,
        resource: impl Into<String>,
        rtype: &str,
        region: &str,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(
            check,
            Status::NotApplicable,
            resource,
            rtype,
            region,
            detail,
        )
    }

    /// ERROR: the check could not be evaluated because `error` happened.
    pub fn error(
        check: &str,
        resource: impl Into<String>,
        rtype: &str,
        region: &str,
        error: &ApiError,
    ) -> Self {
        let mut f = Self::new(
            check,
            Status::Error,
            resource,
            rtype,
            region,
            format!("could not evaluate: {error}"),
        );
        f.error = Some(error.clone());
        f
    }

    /// PASS when `ok`, FAIL otherwise.
    pub fn verdict(
        check: &str,
        ok: bool,
        resource: impl Into<String>,
        rtype: &str,
        region: &str,
        detail: impl Into<String>,
    ) -> Self {
        let status = if ok { Status::Pass } else { Status::Fail };
        Self::new(check, status, resource, rtype, region, detail)
    }

    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }
}
