//! The pure decision: collected facts in, findings out. No I/O, no clock: `now` comes in with
//! the thresholds.
//!
//! - [`catalogue`]: the checks as data (id, title, severity, seed phase, the Prowler checks
//!   each covers, CIS v3.0/v4.0.1/v7.0 and Security Hub ids, remediation); [`ids`]: their ids
//!   as typed constants; [`prowler`]: Prowler 5.46.0's checks in the ten services, the
//!   yardstick of the catalogue's coverage.
//! - [`finding`]: what a check concludes, built as `CHECK_ID.on(&subject).pass_if(ok, detail)`.
//! - one module per service, one function per catalogue row.
//!
//! [`evaluate`] runs a shard's checks and then makes sure every check of that service said
//! something for the shard: a check with nothing in scope yields NOT_APPLICABLE rather than
//! silence.

pub(crate) mod accessanalyzer;
pub mod catalogue;
pub(crate) mod cloudtrail;
pub mod cloudwatch;
pub mod finding;
pub(crate) mod guardduty;
pub(crate) mod iam;
pub mod ids;
pub(crate) mod kms;
pub(crate) mod lambda;
pub mod prowler;
pub(crate) mod rds;
pub(crate) mod s3;
pub(crate) mod secret_like;
pub(crate) mod secrets;
pub(crate) mod ssm;

use chrono::{DateTime, Utc};

pub use finding::{Finding, ResourceType, Status, Subject};
pub use ids::CheckId;

use crate::config::Thresholds;
use crate::facts::{ApiError, Shard, ShardFacts};

/// What every check may consult besides its facts.
#[derive(Debug, Clone)]
pub(crate) struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub t: &'a Thresholds,
    pub account: &'a str,
}

impl Ctx<'_> {
    /// Whole days from `then` to now (0 for the future).
    pub(crate) fn days_since(&self, then: DateTime<Utc>) -> i64 {
        (self.now - then).num_days().max(0)
    }
}

/// Runs the checks of one shard.
pub(crate) fn evaluate(shard: &Shard, facts: &ShardFacts, ctx: &Ctx) -> Vec<Finding> {
    let mut out = match facts {
        ShardFacts::Iam(f) => iam::evaluate(f, ctx),
        ShardFacts::S3(f) => s3::evaluate(f, ctx),
        ShardFacts::Kms(f) => kms::evaluate(f, ctx),
        ShardFacts::SecretsManager(f) => secrets::evaluate(f, ctx),
        ShardFacts::GuardDuty(f) => guardduty::evaluate(f, ctx),
        ShardFacts::CloudTrail(f) => cloudtrail::evaluate(f, ctx),
        ShardFacts::CloudWatch(f) => cloudwatch::evaluate(f, ctx),
        ShardFacts::Rds(f) => rds::evaluate(f, ctx),
        ShardFacts::Lambda(f) => lambda::evaluate(f, ctx),
        ShardFacts::Ssm(f) => ssm::evaluate(f, ctx),
        ShardFacts::AccessAnalyzer(f) => accessanalyzer::evaluate(f, ctx),
    };
    let region = Subject::new(
        ResourceType::AwsAccount,
        format!("arn:aws:::{}:{}", ctx.account, shard.region),
    )
    .in_region(&shard.region);
    for check in catalogue::of(shard.service) {
        if !out.iter().any(|f| f.check == check.id) {
            out.push(check.id.on(&region).not_applicable(format!(
                "nothing in scope for this check in {}",
                shard.region
            )));
        }
    }
    out
}

/// ERROR findings for each of `checks` when the listing they all depend on failed.
pub(crate) fn errors(checks: &[CheckId], subject: &Subject, error: &ApiError) -> Vec<Finding> {
    checks.iter().map(|c| c.on(subject).error(error)).collect()
}

/// The account, as the subject of account-level findings.
pub(crate) fn account(account: &str) -> Subject {
    Subject::new(
        ResourceType::AwsAccount,
        format!("arn:aws:iam::{account}:root"),
    )
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use chrono::TimeZone;

    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    pub fn days_ago(n: i64) -> DateTime<Utc> {
        now() - chrono::Duration::days(n)
    }

    pub fn ctx(t: &Thresholds) -> Ctx<'_> {
        Ctx {
            now: now(),
            t,
            account: "111122223333",
        }
    }

    pub fn denied(op: &str) -> ApiError {
        ApiError::new(
            op,
            vigil::aws::AwsFailure::AccessDenied,
            Some("AccessDenied"),
            "not authorized",
        )
    }

    /// The one finding of `check` for `resource` (panics if there is not exactly one).
    pub fn one<'a>(findings: &'a [Finding], check: &str, resource: &str) -> &'a Finding {
        let matching: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.check == check && f.resource == resource)
            .collect();
        assert_eq!(matching.len(), 1, "{check} {resource}: {findings:#?}");
        matching[0]
    }

    pub fn statuses(findings: &[Finding], check: &str) -> Vec<(String, Status)> {
        findings
            .iter()
            .filter(|f| f.check == check)
            .map(|f| (f.resource.clone(), f.status))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::fixtures::{ctx, denied};
    use super::*;
    use crate::facts::*;

    /// A catalogue row that no function evaluates would get only the NOT_APPLICABLE fill-in of
    /// [`evaluate`], silently. With every call of every service failing, each row must instead
    /// report ERROR from its own service's evaluation.
    #[test]
    fn every_catalogue_row_is_evaluated_by_its_service() {
        let t = Thresholds::default();
        let ctx = ctx(&t);
        let region = || "us-east-1".to_owned();
        fn failed<T>() -> Fetched<T> {
            Err(denied("test:Call"))
        }
        let all_failing = [
            (
                Service::Iam,
                ShardFacts::Iam(Box::new(IamFacts {
                    summary: failed(),
                    credential_report: failed(),
                    virtual_mfa: failed(),
                    password_policy: failed(),
                    authorization: failed(),
                    server_certificates: failed(),
                })),
            ),
            (
                Service::S3,
                ShardFacts::S3(S3Facts {
                    account_public_access_block: failed(),
                    buckets: failed(),
                }),
            ),
            (
                Service::Kms,
                ShardFacts::Kms(KmsFacts {
                    region: region(),
                    keys: failed(),
                }),
            ),
            (
                Service::SecretsManager,
                ShardFacts::SecretsManager(SecretsFacts {
                    region: region(),
                    secrets: failed(),
                }),
            ),
            (
                Service::GuardDuty,
                ShardFacts::GuardDuty(GuardDutyFacts {
                    region: region(),
                    detectors: failed(),
                    drill: Some(failed()),
                    routing: Some(failed()),
                }),
            ),
            (
                Service::CloudTrail,
                ShardFacts::CloudTrail(CloudTrailFacts {
                    region: region(),
                    trails: failed(),
                    buckets: BTreeMap::new(),
                    account_public_access_block: Some(failed()),
                    log_retention: BTreeMap::new(),
                }),
            ),
            (
                Service::CloudWatch,
                ShardFacts::CloudWatch(CloudWatchFacts {
                    region: region(),
                    trails: failed(),
                    monitoring: vec![],
                    alarms: failed(),
                    log_groups: failed(),
                }),
            ),
            (
                Service::Rds,
                ShardFacts::Rds(RdsFacts {
                    region: region(),
                    instances: failed(),
                    clusters: failed(),
                }),
            ),
            (
                Service::Lambda,
                ShardFacts::Lambda(LambdaFacts {
                    region: region(),
                    functions: failed(),
                    trails: failed(),
                }),
            ),
            (
                Service::Ssm,
                ShardFacts::Ssm(SsmFacts {
                    region: region(),
                    parameters: failed(),
                }),
            ),
            (
                Service::AccessAnalyzer,
                ShardFacts::AccessAnalyzer(AccessAnalyzerFacts {
                    region: region(),
                    analyzers: failed(),
                }),
            ),
        ];
        assert_eq!(
            all_failing.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            Service::ALL,
            "one case per service"
        );
        for (service, facts) in &all_failing {
            let shard = Shard::new(
                if service.is_global() {
                    GLOBAL.to_owned()
                } else {
                    region()
                },
                *service,
            );
            let out = evaluate(&shard, facts, &ctx);
            for check in catalogue::of(*service) {
                assert!(
                    out.iter()
                        .any(|f| f.check == check.id && f.status == Status::Error),
                    "{}: no function of checks::{service} reports it (or its failed listing is \
                     missing from that module's errors(&[...]) list): {out:#?}",
                    check.id
                );
            }
        }
    }
}
