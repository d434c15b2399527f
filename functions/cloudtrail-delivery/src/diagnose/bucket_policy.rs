//! The bucket-policy statements CloudTrail needs, as AWS documents them, and whether a policy
//! has them.
//!
//! - ACL check: `s3:GetBucketAcl` on the bucket, for `cloudtrail.amazonaws.com`, with
//!   `aws:SourceArn` = the trail.
//! - Write: `s3:PutObject` on `bucket/[prefix/]AWSLogs/<account>/*`, with `s3:x-amz-acl` =
//!   `bucket-owner-full-control` and `aws:SourceArn` = the trail.
//! - Organization trails also write under `bucket/[prefix/]AWSLogs/<organization id>/*`.
//!
//! CloudTrail's requests are modelled with the condition keys they carry, so a statement for
//! another trail, a wrong prefix or a Deny that catches service principals is found and named.

use serde_json::{Value, json};
use vigil::policy::PolicyDocument;

use super::CauseKind;
use super::access::{ABSENT_FOR_SERVICE_PRINCIPALS, ServiceRequest};
use super::grant::{self, Finding, Hardening};
use crate::facts::TrailSettings;

pub(crate) const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";
pub(crate) const OWNER_FULL_CONTROL: &str = "bucket-owner-full-control";

/// One statement CloudTrail needs in the bucket policy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Required {
    pub(crate) kind: CauseKind,
    /// What it is for, in words.
    pub(crate) purpose: &'static str,
    /// The statement Vigil adds when it is missing.
    pub(crate) statement: Value,
    /// What the statement must cover, for evidence (`arn:aws:s3:::b/AWSLogs/1/*`).
    pub(crate) resource: String,
    action: &'static str,
    /// Sample objects CloudTrail writes (or the bucket, for the ACL check).
    samples: Vec<String>,
}

/// The statements `trail` needs in its bucket's policy. `organization_id` is required for an
/// organization trail's extra write statement (without it that statement is not checked).
pub(crate) fn requirements(trail: &TrailSettings, organization_id: Option<&str>) -> Vec<Required> {
    let p = trail.partition();
    let bucket = &trail.bucket;
    let base = match &trail.prefix {
        Some(prefix) => format!("arn:{p}:s3:::{bucket}/{}/AWSLogs", prefix.trim_matches('/')),
        None => format!("arn:{p}:s3:::{bucket}/AWSLogs"),
    };
    let account = trail.account();
    let region = &trail.home_region;
    let suffix = sid_suffix(&trail.name);
    let sample = |owner: &str, folder: &str| {
        format!(
            "{base}/{owner}/{folder}/{region}/2024/01/01/{account}_{folder}_{region}_20240101T0000Z_sample.json.gz"
        )
    };
    let write_samples = |owner: &str| {
        let mut s = vec![sample(owner, "CloudTrail")];
        if trail.log_file_validation {
            s.push(sample(owner, "CloudTrail-Digest"));
        }
        s
    };
    let write = |sid: String, resource: &str| {
        json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "s3:PutObject",
            "Resource": resource,
            "Condition": {"StringEquals": {"s3:x-amz-acl": OWNER_FULL_CONTROL, "aws:SourceArn": trail.arn}}
        })
    };
    let bucket_arn = format!("arn:{p}:s3:::{bucket}");
    let account_resource = format!("{base}/{account}/*");
    let mut out = vec![
        Required {
            kind: CauseKind::BucketPolicyAclCheck,
            purpose: "lets CloudTrail check the bucket ACL before writing (s3:GetBucketAcl)",
            statement: json!({
                "Sid": format!("AWSCloudTrailAclCheck{suffix}"),
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": {"StringEquals": {"aws:SourceArn": trail.arn}}
            }),
            resource: bucket_arn.clone(),
            action: "s3:GetBucketAcl",
            samples: vec![bucket_arn.clone()],
        },
        Required {
            kind: CauseKind::BucketPolicyWrite,
            purpose: "lets CloudTrail write log files (s3:PutObject with bucket-owner-full-control)",
            statement: write(format!("AWSCloudTrailWrite{suffix}"), &account_resource),
            resource: account_resource.clone(),
            action: "s3:PutObject",
            samples: write_samples(account),
        },
    ];
    if trail.organization
        && let Some(org) = organization_id
    {
        let org_resource = format!("{base}/{org}/*");
        out.push(Required {
            kind: CauseKind::BucketPolicyOrgWrite,
            purpose: "lets CloudTrail write the organization's member-account log files",
            statement: write(
                format!("AWSCloudTrailOrganizationWrite{suffix}"),
                &org_resource,
            ),
            resource: org_resource,
            action: "s3:PutObject",
            samples: write_samples(&format!("{org}/{account}"))
                .into_iter()
                .collect(),
        });
    }
    out
}

/// Checks one requirement against the policy (`None`: the bucket has no policy).
pub(crate) fn check(
    document: Option<&PolicyDocument>,
    required: &Required,
    trail: &TrailSettings,
) -> Finding {
    let Some(document) = document else {
        return Finding::NotGranted { closest: None };
    };
    let encryption = trail.kms_key_id.as_deref();
    let absent_without_sse_kms: Vec<&str> = ABSENT_FOR_SERVICE_PRINCIPALS
        .iter()
        .chain(&SSE_KMS_KEYS)
        .copied()
        .collect();
    let requests: Vec<ServiceRequest<'_>> = required
        .samples
        .iter()
        .map(|resource| {
            let mut request = ServiceRequest::on_behalf_of(
                CLOUDTRAIL,
                required.action,
                resource,
                &trail.arn,
                trail.account(),
            );
            if required.action == "s3:PutObject" {
                request
                    .present
                    .push(("s3:x-amz-acl", OWNER_FULL_CONTROL.to_owned()));
                match encryption {
                    Some(key) => {
                        request
                            .present
                            .push((SSE_KMS_KEYS[0], "aws:kms".to_owned()));
                        request.present.push((SSE_KMS_KEYS[1], key.to_owned()));
                    }
                    None => request.absent = &absent_without_sse_kms,
                }
            }
            request
        })
        .collect();
    let hardening = (required.action == "s3:PutObject").then_some(Hardening {
        key: "s3:x-amz-acl",
        operators: &["StringEquals", "StringLike"],
    });
    grant::check(
        document,
        &requests,
        &required.resource,
        &trail.arn,
        hardening,
    )
}

/// The SSE-KMS headers of a write: sent only when the trail has a KMS key. Without one
/// CloudTrail sends neither (the bucket's default applies), so a Deny demanding them catches
/// CloudTrail.
const SSE_KMS_KEYS: [&str; 2] = [
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
];

/// A Sid suffix from the trail name: letters and digits only (Sids elsewhere allow no more).
pub(crate) fn sid_suffix(trail_name: &str) -> String {
    let clean: String = trail_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if clean.is_empty() {
        "Trail".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::grant::Problem;

    const ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";

    fn trail() -> TrailSettings {
        TrailSettings {
            prefix: Some("audit".into()),
            ..TrailSettings::sample(ARN, "logs")
        }
    }

    fn policy(statements: Value) -> PolicyDocument {
        PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": statements}))
            .unwrap()
    }

    fn check_all(doc: Option<&PolicyDocument>, t: &TrailSettings) -> Vec<(CauseKind, Finding)> {
        requirements(t, Some("o-abc123"))
            .iter()
            .map(|r| (r.kind, check(doc, r, t)))
            .collect()
    }

    #[test]
    fn the_statements_vigil_adds_satisfy_the_check() {
        let mut t = trail();
        t.organization = true;
        let required = requirements(&t, Some("o-abc123"));
        assert_eq!(required.len(), 3);
        assert_eq!(
            required[1].statement["Resource"],
            "arn:aws:s3:::logs/audit/AWSLogs/111122223333/*"
        );
        assert_eq!(
            required[2].statement["Resource"],
            "arn:aws:s3:::logs/audit/AWSLogs/o-abc123/*"
        );
        let doc = policy(Value::Array(
            required.iter().map(|r| r.statement.clone()).collect(),
        ));
        for (kind, finding) in check_all(Some(&doc), &t) {
            assert_eq!(finding, Finding::Satisfied, "{kind:?}");
        }
    }

    #[test]
    fn no_policy_misses_everything() {
        for (_, finding) in check_all(None, &trail()) {
            assert_eq!(finding, Finding::NotGranted { closest: None });
        }
    }

    #[test]
    fn wrong_prefix_is_named() {
        let t = trail();
        let mut stmts: Vec<Value> = requirements(&t, None)
            .iter()
            .map(|r| r.statement.clone())
            .collect();
        stmts[1]["Resource"] = json!("arn:aws:s3:::logs/AWSLogs/111122223333/*");
        let doc = policy(Value::Array(stmts));
        let write = &requirements(&t, None)[1];
        match check(Some(&doc), write, &t) {
            Finding::NotGranted {
                closest: Some((label, problems)),
            } => {
                assert_eq!(label, "\"AWSCloudTrailWritemain\"");
                assert!(
                    matches!(&problems[..], [Problem::ResourceNotCovered { .. }]),
                    "{problems:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_acl_condition_and_other_trail_are_named() {
        let t = trail();
        let required = requirements(&t, None);
        let mut no_acl = required[1].statement.clone();
        no_acl["Condition"] = json!({"StringEquals": {"aws:SourceArn": ARN}});
        let doc = policy(json!([required[0].statement.clone(), no_acl]));
        assert!(matches!(
            check(Some(&doc), &required[1], &t),
            Finding::MissingHardening { .. }
        ));

        let mut other = required[1].statement.clone();
        other["Condition"]["StringEquals"]["aws:SourceArn"] =
            json!("arn:aws:cloudtrail:us-east-1:111122223333:trail/other");
        let doc = policy(json!([required[0].statement.clone(), other]));
        match check(Some(&doc), &required[1], &t) {
            Finding::NotGranted {
                closest: Some((_, problems)),
            } => {
                assert!(
                    matches!(&problems[..], [Problem::SourceArnOtherTrail { .. }]),
                    "{problems:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn digest_files_must_be_covered_when_validation_is_on() {
        let t = trail();
        let required = requirements(&t, None);
        let mut logs_only = required[1].statement.clone();
        logs_only["Resource"] = json!("arn:aws:s3:::logs/audit/AWSLogs/111122223333/CloudTrail/*");
        let doc = policy(json!([required[0].statement.clone(), logs_only]));
        assert!(matches!(
            check(Some(&doc), &required[1], &t),
            Finding::NotGranted { .. }
        ));
        let mut no_validation = t.clone();
        no_validation.log_file_validation = false;
        let required = requirements(&no_validation, None);
        assert_eq!(
            check(Some(&doc), &required[1], &no_validation),
            Finding::Satisfied
        );
    }

    #[test]
    fn denies_that_catch_cloudtrail_win() {
        let t = trail();
        let required = requirements(&t, None);
        let deny_unencrypted = json!({
            "Sid": "RequireKms", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::logs/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
        });
        let doc = policy(json!([
            required[0].statement.clone(),
            required[1].statement.clone(),
            deny_unencrypted
        ]));
        assert_eq!(
            check(Some(&doc), &required[1], &t),
            Finding::Denied {
                statement: "\"RequireKms\"".into()
            }
        );
        // With a KMS key on the trail CloudTrail sends the header, and the Deny does not apply.
        let mut with_key = t.clone();
        with_key.kms_key_id = Some("arn:aws:kms:us-east-1:111122223333:key/k".into());
        assert_eq!(
            check(Some(&doc), &required[1], &with_key),
            Finding::Satisfied
        );
    }

    #[test]
    fn sids_are_alphanumeric() {
        assert_eq!(sid_suffix("management-events_2"), "managementevents2");
        assert_eq!(sid_suffix("--"), "Trail");
    }
}
