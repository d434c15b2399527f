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
        ApiError {
            operation: op.to_owned(),
            failure: "access denied".into(),
            code: Some("AccessDenied".into()),
            message: "not authorized".into(),
        }
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
