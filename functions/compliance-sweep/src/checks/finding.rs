//! What a check concludes: a [`Finding`] of one check on one [`Subject`], with its [`Status`].
//!
//! A finding is built in one way, which names each part: the check id (typed), then the
//! subject (a typed resource kind, the resource, its Region), then the verdict with its detail:
//!
//! ```text
//! let key = Subject::new(ResourceType::KmsKey, &meta.arn).in_region(region);
//! KMS_01.on(&key).pass_if(enabled, "automatic rotation is on")
//! ```

use serde::{Deserialize, Serialize};
use vigil::policy::PolicyDocument;
use vigil::policy::analysis::public_statements;

use super::ids::CheckId;
use crate::facts::{ApiError, GLOBAL};

/// The outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be evaluated: carries the API error. Never counted as a pass.
    Error,
    NotApplicable,
    /// A FAIL or ERROR the mute list accepts for now: the finding keeps its original status,
    /// the entry's reason, owner and expiry in [`Finding::muted`].
    Muted,
}

serde_plain::derive_display_from_serialize!(Status);

/// The kind of resource a finding is about, named as Security Hub (ASFF) names resource types:
/// the variants are those names, so they all start with `Aws`.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceType {
    AwsAccount,
    AwsIamUser,
    AwsIamGroup,
    AwsIamRole,
    AwsIamPolicy,
    AwsKmsKey,
    AwsSecretsManagerSecret,
    AwsGuardDutyDetector,
    AwsCloudTrailTrail,
    AwsLogsLogGroup,
    AwsCloudWatchAlarm,
    AwsRdsDbInstance,
    AwsRdsDbCluster,
    AwsS3Bucket,
    AwsLambdaFunction,
    /// A resource ASFF has no type for: an SSM parameter (SSM-01). `Other` is the name ASFF
    /// itself gives such resources ("if the resource does not match any of the provided types,
    /// set Type to Other"), so the findings stay valid ASFF without a mapping; the finding's
    /// ARN (`arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`) says what the resource is.
    Other,
}

serde_plain::derive_display_from_serialize!(ResourceType);

/// What a finding is about: a resource of a kind, in a Region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    kind: ResourceType,
    resource: String,
    region: String,
}

impl Subject {
    /// `resource` (an ARN, or the account or Region for account-level checks) of `kind`;
    /// account-wide ([`GLOBAL`]) until [`Subject::in_region`] names its Region.
    pub fn new(kind: ResourceType, resource: impl Into<String>) -> Self {
        Subject {
            kind,
            resource: resource.into(),
            region: GLOBAL.to_owned(),
        }
    }

    pub fn in_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }
}

impl CheckId {
    /// This check's verdict on `subject`, given by one of [`Verdict`]'s methods.
    pub fn on(self, subject: &Subject) -> Verdict {
        Verdict {
            check: self,
            subject: subject.clone(),
        }
    }
}

/// A check about to conclude on a subject.
#[must_use = "a verdict is made into a finding by pass, fail, pass_if, error or not_applicable"]
pub struct Verdict {
    check: CheckId,
    subject: Subject,
}

impl Verdict {
    pub fn pass(self, detail: impl Into<String>) -> Finding {
        Finding::new(self.check, Status::Pass, self.subject, detail)
    }

    pub fn fail(self, detail: impl Into<String>) -> Finding {
        Finding::new(self.check, Status::Fail, self.subject, detail)
    }

    /// PASS when `ok`, FAIL otherwise.
    pub fn pass_if(self, ok: bool, detail: impl Into<String>) -> Finding {
        let status = if ok { Status::Pass } else { Status::Fail };
        Finding::new(self.check, status, self.subject, detail)
    }

    /// PASS when no statement of the resource policy `doc` lets everyone in (Principal `*`
    /// with no condition pinning the caller: [`public_statements`]), FAIL naming them, the
    /// detail ending with `consequence` (`""` or `": what anyone may then do"`).
    pub fn pass_unless_public(self, doc: &PolicyDocument, consequence: &str) -> Finding {
        let public: Vec<usize> = public_statements(doc).into_iter().map(|(i, _)| i).collect();
        if public.is_empty() {
            self.pass("no statement lets everyone in")
        } else {
            self.fail(format!(
                "statement(s) {public:?} allow Principal * with no condition restricting the caller{consequence}"
            ))
        }
    }

    pub fn not_applicable(self, detail: impl Into<String>) -> Finding {
        Finding::new(self.check, Status::NotApplicable, self.subject, detail)
    }

    /// ERROR: the check could not be evaluated because `error` happened.
    pub fn error(self, error: &ApiError) -> Finding {
        let mut f = Finding::new(
            self.check,
            Status::Error,
            self.subject,
            format!("could not evaluate: {error}"),
        );
        f.error = Some(error.clone());
        f
    }
}

/// One check's verdict on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: CheckId,
    pub status: Status,
    /// ARN or other identifier of what was checked (the account or region for account-level
    /// checks).
    pub resource: String,
    pub resource_type: ResourceType,
    pub region: String,
    /// Why, in one sentence a person can act on.
    pub detail: String,
    /// The facts the verdict rests on (never a secret value).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub evidence: serde_json::Map<String, serde_json::Value>,
    /// For ERROR: the API call that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// For MUTED: the status it had and the mute-list entry that accepts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<Muting>,
}

/// Why a finding is MUTED: the mute-list entry (numbered from 1 in its document) and the status
/// it had before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Muting {
    pub status: Status,
    pub entry: usize,
    pub reason: String,
    pub owner: String,
    /// The last day the entry mutes (`YYYY-MM-DD`).
    pub expires: String,
}

impl Finding {
    /// A finding as stored (OCSF records read back); checks conclude through [`CheckId::on`].
    pub(crate) fn new(
        check: CheckId,
        status: Status,
        subject: Subject,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            check,
            status,
            resource: subject.resource,
            resource_type: subject.kind,
            region: subject.region,
            detail: detail.into(),
            evidence: serde_json::Map::new(),
            error: None,
            muted: None,
        }
    }

    /// What names this finding across runs: its check, Region and resource (comparing runs,
    /// regressions, the Security Hub plan).
    pub fn key(&self) -> (CheckId, &str, &str) {
        (self.check, &self.region, &self.resource)
    }

    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }
}
