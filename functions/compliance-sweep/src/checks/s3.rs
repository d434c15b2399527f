//! S3: account and bucket Block Public Access, TLS-only bucket policies, default encryption
//! with a customer-managed key. Also the bucket judgements CloudTrail and GuardDuty checks
//! share (public, retention).

use vigil::policy::PolicyDocument;
use vigil::policy::analysis::denies_insecure_transport;

use super::{Ctx, account_arn, errors};
use crate::facts::{Bucket, Fetched, LifecycleRule, ObjectLock, PublicAccessBlock, S3Facts};
use crate::model::{ApiError, Finding, GLOBAL};

const BUCKET: &str = "AwsS3Bucket";

pub fn evaluate(f: &S3Facts, ctx: &Ctx) -> Vec<Finding> {
    let mut out = vec![s3_01_account_block(&f.account_public_access_block, ctx)];
    match &f.buckets {
        Err(e) => out.extend(errors(
            &["S3-02", "S3-03", "S3-04"],
            "arn:aws:s3:::*",
            BUCKET,
            GLOBAL,
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

pub fn bucket_arn(name: &str) -> String {
    format!("arn:aws:s3:::{name}")
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
pub fn s3_01_account_block(pab: &Fetched<Option<PublicAccessBlock>>, ctx: &Ctx) -> Finding {
    let account = account_arn(ctx.account);
    match pab {
        Err(e) => Finding::error("S3-01", account, "AwsAccount", GLOBAL, e),
        Ok(None) => Finding::fail(
            "S3-01",
            account,
            "AwsAccount",
            GLOBAL,
            "no account-level Block Public Access configuration",
        ),
        Ok(Some(p)) => {
            Finding::verdict("S3-01", p.all(), account, "AwsAccount", GLOBAL, describe(p))
        }
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
pub fn s3_02_bucket_block(b: &Bucket, account: &Fetched<Option<PublicAccessBlock>>) -> Finding {
    let arn = bucket_arn(&b.name);
    if let Ok(Some(a)) = account
        && a.all()
    {
        return Finding::pass(
            "S3-02",
            arn,
            BUCKET,
            &b.region,
            "covered by the account-level Block Public Access",
        );
    }
    match get(&b.public_access_block, "s3:GetPublicAccessBlock") {
        Err(e) => Finding::error("S3-02", arn, BUCKET, &b.region, &e),
        Ok(None) => Finding::fail(
            "S3-02",
            arn,
            BUCKET,
            &b.region,
            "no bucket-level Block Public Access and the account does not cover it",
        ),
        Ok(Some(p)) => Finding::verdict("S3-02", p.all(), arn, BUCKET, &b.region, describe(p)),
    }
}

/// S3-03: a Deny without TLS on the bucket and its objects.
pub fn s3_03_tls_only(b: &Bucket) -> Finding {
    let arn = bucket_arn(&b.name);
    match get(&b.policy, "s3:GetBucketPolicy") {
        Err(e) => Finding::error("S3-03", arn, BUCKET, &b.region, &e),
        Ok(None) => Finding::fail(
            "S3-03",
            arn,
            BUCKET,
            &b.region,
            "no bucket policy, so requests without TLS are not denied",
        ),
        Ok(Some(text)) => match PolicyDocument::parse(text) {
            Err(e) => Finding::fail(
                "S3-03",
                arn,
                BUCKET,
                &b.region,
                format!("bucket policy cannot be read ({e})"),
            ),
            Ok(doc) => {
                let ok = denies_insecure_transport(&doc, &arn);
                Finding::verdict(
                    "S3-03",
                    ok,
                    arn,
                    BUCKET,
                    &b.region,
                    if ok {
                        "policy denies requests without TLS"
                    } else {
                        "policy has no Deny for aws:SecureTransport=false on the bucket and bucket/*"
                    },
                )
            }
        },
    }
}

/// S3-04: default encryption with a customer-managed KMS key (SSE-S3 fails when required).
pub fn s3_04_encryption(b: &Bucket, ctx: &Ctx) -> Finding {
    let arn = bucket_arn(&b.name);
    let enc = match get(&b.encryption, "s3:GetBucketEncryption") {
        Err(e) => return Finding::error("S3-04", arn, BUCKET, &b.region, &e),
        Ok(e) => e,
    };
    let kms = enc.algorithm == "aws:kms" || enc.algorithm == "aws:kms:dsse";
    if !kms {
        return Finding::verdict(
            "S3-04",
            !ctx.t.s3_require_cmk,
            arn,
            BUCKET,
            &b.region,
            format!(
                "default encryption {} (not a customer-managed KMS key)",
                enc.algorithm
            ),
        );
    }
    match (&enc.kms_key, &enc.key_manager) {
        (None, _) => Finding::fail(
            "S3-04",
            arn,
            BUCKET,
            &b.region,
            "SSE-KMS with the AWS managed key aws/s3",
        ),
        (Some(k), _) if k.ends_with("alias/aws/s3") => Finding::fail(
            "S3-04",
            arn,
            BUCKET,
            &b.region,
            "SSE-KMS with the AWS managed key aws/s3",
        ),
        (Some(k), Some(Ok(m))) => Finding::verdict(
            "S3-04",
            m == "CUSTOMER",
            arn,
            BUCKET,
            &b.region,
            format!("{} with key {k} managed by {m}", enc.algorithm),
        ),
        (Some(_), Some(Err(e))) => Finding::error("S3-04", arn, BUCKET, &b.region, e),
        (Some(k), None) => Finding::error(
            "S3-04",
            arn,
            BUCKET,
            &b.region,
            &ApiError::not_collected(
                "kms:DescribeKey",
                format!("the manager of {k} was not looked up"),
            ),
        ),
    }
}

/// Whether a bucket is public through ACLs or policy, given its and the account's settings.
/// `Ok(None)` = not public; `Ok(Some(why))` = public.
pub fn public_exposure(
    b: &Bucket,
    account: Option<&Fetched<Option<PublicAccessBlock>>>,
) -> Result<Option<String>, ApiError> {
    let account_all = matches!(account, Some(Ok(Some(a))) if a.all());
    let bucket_all = matches!(&b.public_access_block, Some(Ok(Some(p))) if p.all());
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
pub fn shortest_expiration(rules: &[LifecycleRule]) -> Option<i32> {
    rules
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|r| r.expiration_days)
        .min()
}

/// Whether objects are kept at least `days`: no enabled expiration sooner, or Object Lock
/// default retention at least that long.
pub fn keeps_for(b: &Bucket, days: i32) -> Result<(bool, String), ApiError> {
    let rules = get(&b.lifecycle, "s3:GetBucketLifecycleConfiguration")?;
    let lock: Option<&ObjectLock> = match &b.object_lock {
        Some(Ok(l)) => Some(l),
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
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::Encryption;
    use crate::model::Status::*;

    const ALL: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

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
            },
            LifecycleRule {
                enabled: false,
                expiration_days: Some(1),
            },
        ]));
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
}
