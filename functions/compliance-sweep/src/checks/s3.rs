//! S3: account and bucket Block Public Access, TLS-only bucket policies, default encryption
//! with a customer-managed key. Also the bucket judgements CloudTrail and GuardDuty checks
//! share (public, retention).

use vigil::policy::PolicyDocument;
use vigil::policy::analysis::denies_insecure_transport;

use vigil::s3::PublicAccessBlock;

use super::ids::{S3_01, S3_02, S3_03, S3_04};
use super::{Ctx, Finding, ResourceType, Subject, account, errors};
use crate::facts::{ApiError, Bucket, Fetched, LifecycleRule, ObjectLock, S3Facts};

pub(crate) fn evaluate(f: &S3Facts, ctx: &Ctx) -> Vec<Finding> {
    let mut out = vec![s3_01_account_block(&f.account_public_access_block, ctx)];
    match &f.buckets {
        Err(e) => out.extend(errors(
            &[S3_02, S3_03, S3_04],
            &Subject::new(ResourceType::AwsS3Bucket, "arn:aws:s3:::*"),
            e,
        )),
        Ok(buckets) => {
            for b in buckets {
                out.push(s3_02_bucket_block(b, &f.account_public_access_block));
                out.push(s3_03_tls_only(b));
                out.push(s3_04_encryption(b, ctx));
            }
        }
    }
    out
}

fn bucket_arn(name: &str) -> String {
    format!("arn:aws:s3:::{name}")
}

/// Bucket `name`, judged in `region`.
pub(super) fn bucket(name: &str, region: &str) -> Subject {
    Subject::new(ResourceType::AwsS3Bucket, bucket_arn(name)).in_region(region)
}

fn unasked(op: &str) -> ApiError {
    ApiError::not_collected(op, "not collected for this bucket")
}

fn get<'a, T>(field: &'a Option<Fetched<T>>, op: &str) -> Result<&'a T, ApiError> {
    match field {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(e.clone()),
        None => Err(unasked(op)),
    }
}

/// S3-01: all four account-level settings.
fn s3_01_account_block(pab: &Fetched<Option<PublicAccessBlock>>, ctx: &Ctx) -> Finding {
    let verdict = S3_01.on(&account(ctx.account));
    match pab {
        Err(e) => verdict.error(e),
        Ok(None) => verdict.fail("no account-level Block Public Access configuration"),
        Ok(Some(p)) => verdict.pass_if(p.all_on(), describe(p)),
    }
}

fn describe(p: &PublicAccessBlock) -> String {
    let off: Vec<&str> = [
        (p.block_public_acls, "BlockPublicAcls"),
        (p.ignore_public_acls, "IgnorePublicAcls"),
        (p.block_public_policy, "BlockPublicPolicy"),
        (p.restrict_public_buckets, "RestrictPublicBuckets"),
    ]
    .into_iter()
    .filter(|(on, _)| !on)
    .map(|(_, n)| n)
    .collect();
    if off.is_empty() {
        "all four Block Public Access settings on".into()
    } else {
        format!("off: {}", off.join(", "))
    }
}

/// S3-02: the bucket's own settings, or the account's, turn all four on.
fn s3_02_bucket_block(b: &Bucket, account: &Fetched<Option<PublicAccessBlock>>) -> Finding {
    let verdict = S3_02.on(&bucket(&b.name, &b.region));
    if let Ok(Some(a)) = account
        && a.all_on()
    {
        return verdict.pass("covered by the account-level Block Public Access");
    }
    match get(&b.public_access_block, "s3:GetPublicAccessBlock") {
        Err(e) => verdict.error(&e),
        Ok(None) => {
            verdict.fail("no bucket-level Block Public Access and the account does not cover it")
        }
        Ok(Some(p)) => verdict.pass_if(p.all_on(), describe(p)),
    }
}

/// S3-03: a Deny without TLS on the bucket and its objects.
fn s3_03_tls_only(b: &Bucket) -> Finding {
    let arn = bucket_arn(&b.name);
    let verdict = S3_03.on(&bucket(&b.name, &b.region));
    match get(&b.policy, "s3:GetBucketPolicy") {
        Err(e) => verdict.error(&e),
        Ok(None) => verdict.fail("no bucket policy, so requests without TLS are not denied"),
        Ok(Some(text)) => match PolicyDocument::parse(text) {
            Err(e) => verdict.fail(format!("bucket policy cannot be read ({e})")),
            Ok(doc) => {
                let ok = denies_insecure_transport(&doc, &arn);
                verdict.pass_if(ok, if ok {
                        "policy denies requests without TLS"
                    } else {
                        "policy has no Deny for aws:SecureTransport=false on the bucket and bucket/*"
                    })
            }
        },
    }
}

/// S3-04: default encryption with a customer-managed KMS key (SSE-S3 fails when required).
pub(crate) fn s3_04_encryption(b: &Bucket, ctx: &Ctx) -> Finding {
    let verdict = S3_04.on(&bucket(&b.name, &b.region));
    let enc = match get(&b.encryption, "s3:GetBucketEncryption") {
        Err(e) => {
            return verdict.error(&e);
        }
        Ok(e) => e,
    };
    let kms = enc.algorithm == "aws:kms" || enc.algorithm == "aws:kms:dsse";
    if !kms {
        return verdict.pass_if(
            !ctx.t.s3_require_cmk,
            format!(
                "default encryption {} (not a customer-managed KMS key)",
                enc.algorithm
            ),
        );
    }
    match (&enc.kms_key, &enc.key_manager) {
        (None, _) => verdict.fail("SSE-KMS with the AWS managed key aws/s3"),
        (Some(k), _) if k.ends_with("alias/aws/s3") => {
            verdict.fail("SSE-KMS with the AWS managed key aws/s3")
        }
        (Some(k), Some(Ok(m))) => verdict.pass_if(
            m == "CUSTOMER",
            format!("{} with key {k} managed by {m}", enc.algorithm),
        ),
        (Some(_), Some(Err(e))) => verdict.error(e),
        (Some(k), None) => verdict.error(&ApiError::not_collected(
            "kms:DescribeKey",
            format!("the manager of {k} was not looked up"),
        )),
    }
}

/// Whether a bucket is public through ACLs or policy, given its and the account's settings.
/// `Ok(None)` = not public; `Ok(Some(why))` = public.
pub(crate) fn public_exposure(
    b: &Bucket,
    account: Option<&Fetched<Option<PublicAccessBlock>>>,
) -> Result<Option<String>, ApiError> {
    let account_all = matches!(account, Some(Ok(Some(a))) if a.all_on());
    let bucket_all = matches!(&b.public_access_block, Some(Ok(Some(p))) if p.all_on());
    if account_all || bucket_all {
        return Ok(None);
    }
    if *get(&b.policy_is_public, "s3:GetBucketPolicyStatus")? {
        return Ok(Some("its bucket policy makes it public".into()));
    }
    if *get(&b.acl_public, "s3:GetBucketAcl")? {
        return Ok(Some("its ACL grants AllUsers or AuthenticatedUsers".into()));
    }
    Ok(None)
}

/// The shortest lifecycle expiration of enabled rules (`None` = nothing expires).
pub(crate) fn shortest_expiration(rules: &[LifecycleRule]) -> Option<i32> {
    rules
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|r| r.expiration_days)
        .min()
}

/// Whether objects are kept at least `days`: no enabled expiration sooner, or Object Lock
/// default retention at least that long.
pub(crate) fn keeps_for(b: &Bucket, days: i32) -> Result<(bool, String), ApiError> {
    let rules = get(&b.lifecycle, "s3:GetBucketLifecycleConfiguration")?;
    let expires_early = shortest_expiration(rules).is_some_and(|d| d < days)
        || rules
            .iter()
            .any(|r| r.enabled && r.expiration_date.is_some());
    // Object Lock matters only when the lifecycle would delete too early; then it must be known.
    let lock: Option<&ObjectLock> = match &b.object_lock {
        Some(Ok(l)) => Some(l),
        Some(Err(e)) if expires_early => return Err(e.clone()),
        None if expires_early => return Err(unasked("s3:GetObjectLockConfiguration")),
        _ => None,
    };
    if let Some(l) = lock
        && l.enabled
        && l.retention_days.is_some_and(|d| d >= days)
    {
        return Ok((
            true,
            format!(
                "Object Lock {} retention {} days",
                l.mode.as_deref().unwrap_or("?"),
                l.retention_days.unwrap_or_default()
            ),
        ));
    }
    if let Some(date) = rules
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|r| r.expiration_date)
        .min()
    {
        return Ok((
            false,
            format!(
                "a lifecycle rule deletes every object it covers on {}, however new",
                date.format("%Y-%m-%d")
            ),
        ));
    }
    Ok(match shortest_expiration(rules) {
        None => (true, "no lifecycle rule expires objects".into()),
        Some(d) if d >= days => (true, format!("lifecycle expires objects after {d} days")),
        Some(d) => (
            false,
            format!("lifecycle expires objects after {d} days < {days}"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::Encryption;

    const ALL: PublicAccessBlock = PublicAccessBlock::ALL_ON;

    fn bucket(name: &str) -> Bucket {
        Bucket {
            name: name.into(),
            region: "us-east-1".into(),
            public_access_block: Some(Ok(Some(ALL))),
            policy: Some(Ok(Some(format!(
                r#"{{"Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{name}","arn:aws:s3:::{name}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
            )))),
            encryption: Some(Ok(Encryption {
                algorithm: "aws:kms".into(),
                kms_key: Some("arn:aws:kms:us-east-1:111122223333:key/k".into()),
                key_manager: Some(Ok("CUSTOMER".into())),
            })),
            ..Default::default()
        }
    }

    #[test]
    fn s3_checks_pass_and_fail() {
        let t = Thresholds::default();
        let good = bucket("good");
        let mut bad = bucket("bad");
        bad.public_access_block = Some(Ok(Some(PublicAccessBlock {
            block_public_policy: false,
            ..ALL
        })));
        bad.policy = Some(Ok(None));
        bad.encryption = Some(Ok(Encryption {
            algorithm: "AES256".into(),
            kms_key: None,
            key_manager: None,
        }));
        let mut managed = bucket("managed");
        managed.encryption = Some(Ok(Encryption {
            algorithm: "aws:kms".into(),
            kms_key: None,
            key_manager: None,
        }));
        let mut denied_b = bucket("denied");
        denied_b.policy = Some(Err(denied("s3:GetBucketPolicy")));
        let facts = S3Facts {
            account_public_access_block: Ok(None),
            buckets: Ok(vec![good, bad, managed, denied_b]),
        };
        let f = evaluate(&facts, &ctx(&t));
        assert_eq!(
            one(&f, "S3-01", "arn:aws:iam::111122223333:root").status,
            Fail
        );
        assert_eq!(one(&f, "S3-02", "arn:aws:s3:::good").status, Pass);
        assert_eq!(
            one(&f, "S3-02", "arn:aws:s3:::bad").detail,
            "off: BlockPublicPolicy"
        );
        assert_eq!(one(&f, "S3-03", "arn:aws:s3:::good").status, Pass);
        assert_eq!(one(&f, "S3-03", "arn:aws:s3:::bad").status, Fail);
        assert_eq!(one(&f, "S3-03", "arn:aws:s3:::denied").status, Error);
        assert_eq!(one(&f, "S3-04", "arn:aws:s3:::good").status, Pass);
        assert_eq!(one(&f, "S3-04", "arn:aws:s3:::bad").status, Fail);
        assert_eq!(one(&f, "S3-04", "arn:aws:s3:::managed").status, Fail);

        let covered = S3Facts {
            account_public_access_block: Ok(Some(ALL)),
            buckets: Ok(vec![bucket("x")]),
        };
        let f = evaluate(&covered, &ctx(&t));
        assert_eq!(
            one(&f, "S3-01", "arn:aws:iam::111122223333:root").status,
            Pass
        );
        let lax = Thresholds {
            s3_require_cmk: false,
            ..Thresholds::default()
        };
        let mut sse_s3 = bucket("sse");
        sse_s3.encryption = Some(Ok(Encryption {
            algorithm: "AES256".into(),
            kms_key: None,
            key_manager: None,
        }));
        assert_eq!(s3_04_encryption(&sse_s3, &ctx(&lax)).status, Pass);
    }

    #[test]
    fn retention_and_exposure() {
        let mut b = bucket("logs");
        b.lifecycle = Some(Ok(vec![
            LifecycleRule {
                enabled: true,
                expiration_days: Some(30),
                expiration_date: None,
            },
            LifecycleRule {
                enabled: false,
                expiration_days: Some(1),
                expiration_date: None,
            },
        ]));
        b.object_lock = Some(Ok(ObjectLock::default()));
        assert!(!keeps_for(&b, 90).unwrap().0);
        assert!(keeps_for(&b, 30).unwrap().0);
        b.object_lock = Some(Ok(ObjectLock {
            enabled: true,
            mode: Some("GOVERNANCE".into()),
            retention_days: Some(365),
        }));
        assert!(keeps_for(&b, 90).unwrap().0);
        b.public_access_block = Some(Ok(None));
        b.policy_is_public = Some(Ok(true));
        b.acl_public = Some(Ok(false));
        assert!(public_exposure(&b, None).unwrap().is_some());
        assert!(public_exposure(&b, Some(&Ok(Some(ALL)))).unwrap().is_none());
        b.policy_is_public = Some(Err(denied("s3:GetBucketPolicyStatus")));
        assert!(public_exposure(&b, None).is_err());
    }

    /// A lifecycle that would delete too early with an Object Lock that could not be read is
    /// unknown (ERROR), not kept; an expiration on a fixed date deletes new objects too.
    #[test]
    fn retention_unknowns_are_errors_and_fixed_dates_fail() {
        let mut b = bucket("logs");
        b.lifecycle = Some(Ok(vec![LifecycleRule {
            enabled: true,
            expiration_days: Some(30),
            expiration_date: None,
        }]));
        b.object_lock = Some(Err(denied("s3:GetObjectLockConfiguration")));
        let e = keeps_for(&b, 90).unwrap_err();
        assert_eq!(e.operation, "s3:GetObjectLockConfiguration");
        assert!(keeps_for(&b, 30).unwrap().0, "the lock is not needed then");
        b.lifecycle = Some(Ok(vec![LifecycleRule {
            enabled: true,
            expiration_days: None,
            expiration_date: Some(days_ago(-400)),
        }]));
        b.object_lock = Some(Ok(ObjectLock::default()));
        let (kept, why) = keeps_for(&b, 90).unwrap();
        assert!(!kept && why.contains("however new"), "{why}");
    }
}
