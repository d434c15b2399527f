//! The trail's bucket: does it exist, is it this account's, and does its policy let
//! CloudTrail check the ACL and write (each required statement checked on its own)?

use serde_json::Value;
use vigil::alert::Severity;
use vigil::policy::PolicyDocument;

use super::bucket_policy::{self, Required};
use super::grant::Finding;
use super::runbook::{self, Gap};
use super::{Cause, CauseKind, Repair, unavailable};
use crate::facts::{BucketLocation, Facts, TrailSettings};

pub(super) fn causes(s: &TrailSettings, facts: &Facts, causes: &mut Vec<Cause>) {
    let Some(bucket) = facts.buckets.get(&s.bucket) else {
        return;
    };
    let location = match &bucket.location {
        Ok(location) => location,
        Err(e) => {
            causes.push(unavailable(
                &s.bucket,
                "whether the trail's bucket exists",
                e,
            ));
            return;
        }
    };
    let organization_id = match &facts.organization_id {
        Some(Ok(id)) => id.as_deref(),
        Some(Err(e)) if s.organization => {
            causes.push(unavailable(
                &s.arn,
                "the organization id (for the organization write statement)",
                e,
            ));
            None
        }
        _ => None,
    };
    let required = bucket_policy::requirements(s, organization_id);
    match location {
        BucketLocation::Missing => {
            let mut replacement = s.clone();
            replacement.bucket = "NEW-BUCKET".into();
            let statements = statements(&replacement, organization_id);
            causes.push(
                Cause::new(
                    CauseKind::BucketMissing,
                    &s.bucket,
                    Severity::Critical,
                    runbook::bucket_missing(s, statements),
                )
                .evidence(format!("HeadBucket {}: 404 Not Found", s.bucket)),
            );
        }
        // A log-archive bucket in another account is a normal setup: it is a cause only when
        // delivery fails (see the `status` module).
        BucketLocation::NotOwned => {}
        BucketLocation::Owned { region } => {
            let Some(policy) = &bucket.policy else { return };
            let text = match policy {
                Ok(text) => text,
                Err(e) => {
                    causes.push(unavailable(&s.bucket, "the bucket policy", e));
                    return;
                }
            };
            let document = match text.as_deref().map(PolicyDocument::parse).transpose() {
                Ok(document) => document,
                Err(e) => {
                    causes.push(
                        Cause::new(
                            CauseKind::BucketPolicyUnreadable,
                            &s.bucket,
                            Severity::High,
                            runbook::bucket_policy_unreadable(&s.bucket),
                        )
                        .evidence(e.to_string()),
                    );
                    return;
                }
            };
            for req in &required {
                if let Some(cause) = policy_cause(s, region, document.as_ref(), req) {
                    causes.push(cause);
                }
            }
        }
    }
}

/// The bucket is another account's (or hidden from this role) and CloudTrail's delivery
/// failed: the status errors decide this, see the `status` module.
pub(super) fn not_owned(s: &TrailSettings, facts: &Facts) -> Cause {
    let organization_id = match &facts.organization_id {
        Some(Ok(id)) => id.as_deref(),
        _ => None,
    };
    Cause::new(
        CauseKind::BucketNotOwned,
        &s.bucket,
        Severity::High,
        runbook::bucket_not_owned(s, statements(s, organization_id)),
    )
    .evidence(format!(
        "HeadBucket {} with ExpectedBucketOwner {}: 403",
        s.bucket, facts.account_id
    ))
}

/// The statements CloudTrail needs in the policy of `s`'s bucket.
fn statements(s: &TrailSettings, organization_id: Option<&str>) -> Vec<Value> {
    bucket_policy::requirements(s, organization_id)
        .into_iter()
        .map(|r| r.statement)
        .collect()
}

fn policy_cause(
    s: &TrailSettings,
    region: &str,
    document: Option<&PolicyDocument>,
    req: &Required,
) -> Option<Cause> {
    let bucket = &s.bucket;
    let repair = Repair::AddBucketStatements {
        bucket: bucket.clone(),
        region: region.to_owned(),
        statements: vec![req.statement.clone()],
    };
    let cause = match bucket_policy::check(document, req, s) {
        Finding::Satisfied => return None,
        Finding::NotGranted { closest } => {
            let gap = match &closest {
                None if document.is_none() => Gap::NoPolicy,
                None => Gap::Missing,
                Some((_, problems)) => Gap::Wrong(problems),
            };
            let mut cause = Cause::new(
                req.kind,
                bucket,
                Severity::High,
                runbook::bucket_statement_missing(req.kind, bucket, gap, &req.statement),
            )
            .evidence(format!(
                "needed: a statement that {} on {}",
                req.purpose, req.resource
            ));
            match &closest {
                None if document.is_none() => {
                    cause = cause.evidence(format!("GetBucketPolicy {bucket}: NoSuchBucketPolicy"));
                }
                None => {
                    cause = cause.evidence(format!(
                        "no statement allows {} to do this",
                        bucket_policy::CLOUDTRAIL
                    ));
                }
                Some((label, problems)) => {
                    for problem in problems {
                        cause = cause.evidence(format!("statement {label}: {problem}"));
                    }
                }
            }
            cause.repair(repair)
        }
        Finding::MissingHardening { statement } => Cause::new(
            CauseKind::BucketPolicyWeak,
            bucket,
            Severity::Medium,
            runbook::bucket_policy_weak(bucket, &req.statement),
        )
        .evidence(format!(
            "statement {statement} lets CloudTrail write without requiring bucket-owner-full-control, so objects need not be owned by the bucket owner"
        ))
        .evidence(runbook::WEAK_GRANT_REPAIR)
        .repair(repair),
        Finding::Denied { statement } => Cause::new(
            CauseKind::BucketPolicyDenies,
            bucket,
            Severity::High,
            runbook::bucket_policy_denies(bucket, &statement, req.purpose),
        )
        .evidence(format!(
            "statement {statement} applies to cloudtrail.amazonaws.com's request on {}",
            req.resource
        )),
        Finding::Uncertain {
            statement,
            problems,
        } => {
            let mut cause = Cause::new(
                CauseKind::BucketPolicyUncertain,
                bucket,
                Severity::Medium,
                runbook::bucket_policy_uncertain(bucket, &statement, req.purpose),
            );
            for problem in problems {
                cause = cause.evidence(format!("statement {statement}: {problem}"));
            }
            cause
        }
    };
    Some(cause)
}
