//! Evaluation: pure functions from collected facts to findings, one function per catalogue
//! row, grouped by service. No I/O, no clock: `now` comes in with the thresholds.
//!
//! [`evaluate`] runs a shard's checks and then makes sure every check of that service said
//! something for the shard: a check with nothing in scope yields NOT_APPLICABLE rather than
//! silence.

pub mod cloudtrail;
pub mod cloudwatch;
pub mod guardduty;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod rds;
pub mod s3;
pub mod secrets;

use chrono::{DateTime, Utc};

use crate::catalogue;
use crate::config::Thresholds;
use crate::facts::ShardFacts;
use crate::model::{ApiError, Finding, Shard};

/// What every check may consult besides its facts.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub t: &'a Thresholds,
    pub account: &'a str,
}

impl Ctx<'_> {
    /// Whole days from `then` to now (0 for the future).
    pub fn days_since(&self, then: DateTime<Utc>) -> i64 {
        (self.now - then).num_days().max(0)
    }
}

/// Runs the checks of one shard.
pub fn evaluate(shard: &Shard, facts: &ShardFacts, ctx: &Ctx) -> Vec<Finding> {
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
    };
    for check in catalogue::of(shard.service) {
        if !out.iter().any(|f| f.check == check.id) {
            out.push(Finding::not_applicable(
                check.id,
                format!("arn:aws:::{}:{}", ctx.account, shard.region),
                "AwsAccount",
                &shard.region,
                format!("nothing in scope for this check in {}", shard.region),
            ));
        }
    }
    out
}

/// ERROR findings for each of `checks` when the listing they all depend on failed.
pub fn errors(
    checks: &[&str],
    resource: &str,
    rtype: &str,
    region: &str,
    error: &ApiError,
) -> Vec<Finding> {
    checks
        .iter()
        .map(|c| Finding::error(c, resource, rtype, region, error))
        .collect()
}

/// A check's title, for messages.
pub fn catalogue_title(id: &str) -> &'static str {
    catalogue::get(id).map_or("?", |c| c.title)
}

/// The account "resource" of account-level findings.
pub fn account_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
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

    pub fn statuses(findings: &[Finding], check: &str) -> Vec<(String, crate::model::Status)> {
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
    use crate::model::{GLOBAL, Service, Status};

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
