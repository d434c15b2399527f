//! S3: account and bucket Block Public Access, TLS-only bucket policies, default encryption
//! with a customer-managed key, not public through the policy or the ACL, versioning, server
//! access logging. Also the bucket judgements CloudTrail and GuardDuty checks
//! share (public, retention).

use vigil::policy::analysis::{PINNING_OPERATORS, denies_insecure_transport, public_statements};
use vigil::policy::{Effect, PolicyDocument, Principal, Statement};

use vigil::s3::PublicAccessBlock;

use super::ids::{S3_01, S3_02, S3_03, S3_04, S3_05, S3_06, S3_07, S3_08, S3_09};
use super::{Ctx, Finding, ResourceType, Subject, account, errors};
use crate::facts::{ApiError, Bucket, Fetched, LifecycleRule, ObjectLock, S3Facts};

pub(crate) fn evaluate(f: &S3Facts, ctx: &Ctx) -> Vec<Finding> {
    let mut out = vec![s3_01_account_block(&f.account_public_access_block, ctx)];
    match &f.buckets {
        Err(e) => out.extend(errors(
            &[S3_02, S3_03, S3_04, S3_05, S3_06, S3_07, S3_08, S3_09],
            &Subject::new(ResourceType::AwsS3Bucket, "arn:aws:s3:::*"),
            e,
        )),
        Ok(buckets) => {
            for b in buckets {
                out.push(s3_02_bucket_block(b, &f.account_public_access_block));
                out.push(s3_03_tls_only(b));
                out.push(s3_04_encryption(b, ctx));
                out.push(s3_05_not_public(b, &f.account_public_access_block));
                out.push(s3_06_versioning(b));
                out.push(s3_07_access_logging(b));
                out.push(s3_08_tls_12(b));
                out.push(s3_09_cross_account(
                    b,
                    &f.account_public_access_block,
                    ctx.account,
                ));
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

/// Whether the account's or the bucket's Block Public Access turns `setting` on: `Ok(true)`
/// as soon as one of them does, an error when neither does and one could not be read.
fn blocked_by(
    b: &Bucket,
    account: &Fetched<Option<PublicAccessBlock>>,
    setting: fn(&PublicAccessBlock) -> bool,
) -> Result<bool, ApiError> {
    let on = |p: &Fetched<Option<PublicAccessBlock>>| matches!(p, Ok(Some(p)) if setting(p));
    let bucket = get(&b.public_access_block, "s3:GetPublicAccessBlock").cloned();
    if on(account) || on(&bucket) {
        return Ok(true);
    }
    account.clone()?;
    bucket?;
    Ok(false)
}

/// S3-05: nobody outside the account reaches the bucket through its ACL (a grant to AllUsers
/// or AuthenticatedUsers, unless IgnorePublicAcls is on for the account or the bucket) or its
/// policy (an Allow to `*` without a condition pinning the caller, unless RestrictPublicBuckets
/// is on). Prowler 5.46.0 skips a bucket only when IgnorePublicAcls and RestrictPublicBuckets
/// are both on, so it fails a bucket whose public ACL S3 ignores; Vigil judges each path by
/// the setting that closes it.
fn s3_05_not_public(b: &Bucket, account: &Fetched<Option<PublicAccessBlock>>) -> Finding {
    let verdict = S3_05.on(&bucket(&b.name, &b.region));
    let mut public = Vec::new();
    let mut unknown = None;
    match blocked_by(b, account, |p| p.ignore_public_acls) {
        Ok(true) => {}
        ignored => match get(&b.public_grants, "s3:GetBucketAcl") {
            Ok(grants) if grants.is_empty() => {}
            Ok(grants) => match ignored {
                Ok(_) => public.push(format!("its ACL grants {}", grants.join(", "))),
                Err(e) => unknown = Some(e),
            },
            Err(e) => unknown = Some(e),
        },
    }
    match blocked_by(b, account, |p| p.restrict_public_buckets) {
        Ok(true) => {}
        restricted => match get(&b.policy, "s3:GetBucketPolicy") {
            Ok(None) => {}
            Ok(Some(text)) => match PolicyDocument::parse(text) {
                Err(e) => {
                    unknown = Some(ApiError::incomplete(
                        "s3:GetBucketPolicy",
                        format!("a readable bucket policy ({e})"),
                    ))
                }
                Ok(doc) => {
                    let open: Vec<String> = public_statements(&doc)
                        .iter()
                        .map(|(i, st)| st.sid.clone().unwrap_or_else(|| format!("#{i}")))
                        .collect();
                    if !open.is_empty() {
                        match restricted {
                            Ok(_) => public.push(format!(
                                "its policy lets anyone in (statement {})",
                                open.join(", ")
                            )),
                            Err(e) => unknown = Some(e),
                        }
                    }
                }
            },
            Err(e) => unknown = Some(e),
        },
    }
    if !public.is_empty() {
        return verdict.fail(public.join("; "));
    }
    match unknown {
        Some(e) => verdict.error(&e),
        None => verdict.pass("no public ACL grant or policy statement reaches it"),
    }
}

/// S3-06: versioning enabled (objects overwritten or deleted can be recovered).
fn s3_06_versioning(b: &Bucket) -> Finding {
    let verdict = S3_06.on(&bucket(&b.name, &b.region));
    match get(&b.versioning, "s3:GetBucketVersioning") {
        Err(e) => verdict.error(&e),
        Ok(v) => match v.status.as_deref() {
            Some("Enabled") => verdict.pass("versioning enabled"),
            Some(other) => verdict.fail(format!("versioning {other}")),
            None => verdict.fail("versioning never enabled"),
        },
    }
}

/// S3-07: server access logging enabled.
fn s3_07_access_logging(b: &Bucket) -> Finding {
    let verdict = S3_07.on(&bucket(&b.name, &b.region));
    match get(&b.logging_target, "s3:GetBucketLogging") {
        Err(e) => verdict.error(&e),
        Ok(Some(target)) => verdict.pass(format!("server access logs go to {target}")),
        Ok(None) => verdict.fail("no server access logging"),
    }
}

/// The oldest TLS version S3-08 accepts.
const MIN_TLS: f64 = 1.2;

/// Whether the policy denies anyone every S3 request on the bucket and its objects made with a
/// TLS version below `min` (`NumericLessThan s3:TlsVersion` at `min` or higher).
fn denies_tls_below(doc: &PolicyDocument, bucket_arn: &str, min: f64) -> bool {
    use vigil::policy::analysis::{wildcard_match, wildcard_match_cased};
    use vigil::policy::{Effect, Principal};
    let objects = format!("{bucket_arn}/*");
    let covers = |st: &vigil::policy::Statement, arn: &str| {
        st.resource.iter().any(|r| wildcard_match_cased(r, arn))
    };
    doc.statements.iter().any(|st| {
        st.effect == Effect::Deny
            && matches!(st.principal, Some(Principal::Anyone))
            && st
                .action
                .iter()
                .any(|a| wildcard_match(a, "s3:GetObject") && wildcard_match(a, "s3:PutObject"))
            && covers(st, bucket_arn)
            && covers(st, &objects)
            && st
                .condition_values("NumericLessThan", "s3:TlsVersion")
                .iter()
                .filter_map(|v| v.parse::<f64>().ok())
                .any(|v| v >= min)
    })
}

/// S3-08 (★): the bucket policy refuses requests over TLS older than 1.2, not only requests
/// without TLS (the seeds' "TLS 1.2 or newer enforced").
fn s3_08_tls_12(b: &Bucket) -> Finding {
    let verdict = S3_08.on(&bucket(&b.name, &b.region));
    match get(&b.policy, "s3:GetBucketPolicy") {
        Err(e) => verdict.error(&e),
        Ok(None) => verdict.fail("no bucket policy, so TLS 1.0 and 1.1 are accepted"),
        Ok(Some(text)) => match PolicyDocument::parse(text) {
            Err(e) => verdict.error(&ApiError::incomplete(
                "s3:GetBucketPolicy",
                format!("a readable bucket policy ({e})"),
            )),
            Ok(doc) => {
                let ok = denies_tls_below(&doc, &bucket_arn(&b.name), MIN_TLS);
                verdict.pass_if(
                    ok,
                    if ok {
                        "policy denies requests over TLS older than 1.2"
                    } else {
                        "policy has no Deny for s3:TlsVersion below 1.2 on the bucket and bucket/*"
                    },
                )
            }
        },
    }
}

/// Whether `v` (an account id, or an ARN naming one) belongs to `account`.
fn of_account(v: &str, account: &str) -> bool {
    v == account || v.split(':').nth(4) == Some(account)
}

/// Whether a statement's conditions pin the caller to `account`: `aws:PrincipalAccount` /
/// `aws:SourceAccount` to it, or `aws:PrincipalArn` / `aws:SourceArn` to its ARNs.
fn pinned_to(s: &Statement, account: &str) -> bool {
    [
        "aws:PrincipalAccount",
        "aws:SourceAccount",
        "aws:PrincipalArn",
        "aws:SourceArn",
    ]
    .iter()
    .any(|key| {
        let values: Vec<String> = PINNING_OPERATORS
            .iter()
            .flat_map(|op| s.condition_values(op, key))
            .collect();
        !values.is_empty() && values.iter().all(|v| of_account(v, account))
    })
}

/// S3-09: no `Allow` statement of the bucket policy lets in a principal of another account: an
/// AWS principal (account id or ARN) outside this account, `NotPrincipal`, or `*` not pinned
/// to this account by a condition. An organisation or VPC condition still lets other accounts
/// in (Prowler 5.46.0 fails those too); RestrictPublicBuckets (account or bucket) closes the
/// statements S3 deems public, which Prowler does not see. Service and canonical-user
/// principals are not judged here (S3-05 and the confused-deputy checks).
fn s3_09_cross_account(
    b: &Bucket,
    account_pab: &Fetched<Option<PublicAccessBlock>>,
    account: &str,
) -> Finding {
    let verdict = S3_09.on(&bucket(&b.name, &b.region));
    let doc = match get(&b.policy, "s3:GetBucketPolicy") {
        Err(e) => return verdict.error(&e),
        Ok(None) => return verdict.pass("no bucket policy"),
        Ok(Some(text)) => match PolicyDocument::parse(text) {
            Err(e) => {
                return verdict.error(&ApiError::incomplete(
                    "s3:GetBucketPolicy",
                    format!("a readable bucket policy ({e})"),
                ));
            }
            Ok(doc) => doc,
        },
    };
    let mut other = Vec::new();
    let mut public = Vec::new();
    for (i, s) in doc.statements.iter().enumerate() {
        if s.effect != Effect::Allow {
            continue;
        }
        let sid = s.sid.clone().unwrap_or_else(|| format!("#{i}"));
        let open = match (&s.not_principal, &s.principal) {
            (Some(_), _) => true,
            (None, Some(Principal::Anyone)) => true,
            (None, Some(p)) => {
                let aws = p.values("AWS");
                other.extend(
                    aws.iter()
                        .filter(|v| *v != "*" && !of_account(v, account))
                        .map(|v| format!("statement {sid}: {v}")),
                );
                aws.iter().any(|v| v == "*")
            }
            (None, None) => false,
        };
        if open && !pinned_to(s, account) {
            if s.not_principal.is_none() && !s.restricts_caller() {
                public.push(sid);
            } else if s.not_principal.is_some() {
                other.push(format!(
                    "statement {sid}: NotPrincipal, so every principal but those it names"
                ));
            } else {
                other.push(format!(
                    "statement {sid}: every principal its conditions (organisation, VPC ...) \
                     let through, other accounts' included"
                ));
            }
        }
    }
    if !public.is_empty() {
        match blocked_by(b, account_pab, |p| p.restrict_public_buckets) {
            Ok(true) => {}
            Ok(false) => other.push(format!(
                "statement(s) {} let anyone in, every other account included",
                public.join(", ")
            )),
            Err(e) if other.is_empty() => return verdict.error(&e),
            Err(_) => {}
        }
    }
    verdict.pass_if(
        other.is_empty(),
        if other.is_empty() {
            "the bucket policy lets in no principal of another account".to_owned()
        } else {
            format!(
                "the bucket policy lets other accounts in: {}",
                other.join("; ")
            )
        },
    )
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

    fn posture(name: &str) -> Bucket {
        Bucket {
            public_grants: Some(Ok(vec![])),
            versioning: Some(Ok(crate::facts::Versioning {
                status: Some("Enabled".into()),
                mfa_delete: None,
            })),
            logging_target: Some(Ok(Some("logs".into()))),
            ..bucket(name)
        }
    }

    const PUBLIC_READ: &str = r#"{"Statement":[{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;

    #[test]
    fn public_through_acl_or_policy_unless_the_matching_setting_closes_it() {
        let none: Fetched<Option<PublicAccessBlock>> = Ok(None);
        let status = |b: &Bucket, account: &Fetched<Option<PublicAccessBlock>>| {
            let f = s3_05_not_public(b, account);
            (f.status, f.detail)
        };
        let mut b = posture("b");
        b.public_access_block = Some(Ok(None));
        assert_eq!(status(&b, &none).0, Pass);
        b.public_grants = Some(Ok(vec!["AllUsers READ".into()]));
        assert_eq!(
            status(&b, &none),
            (Fail, "its ACL grants AllUsers READ".into())
        );
        b.public_grants = Some(Ok(vec![]));
        b.policy = Some(Ok(Some(PUBLIC_READ.into())));
        let (s, detail) = status(&b, &none);
        assert_eq!(s, Fail);
        assert!(detail.contains("statement Anyone"), "{detail}");
        // RestrictPublicBuckets on the bucket closes the policy path.
        b.public_access_block = Some(Ok(Some(PublicAccessBlock {
            restrict_public_buckets: true,
            ..PublicAccessBlock::default()
        })));
        assert_eq!(status(&b, &none).0, Pass);
        // Prowler fails this one: the ACL is public but the account ignores public ACLs (and
        // does not restrict public buckets), so S3 never applies the grant.
        let ignore_acls: Fetched<Option<PublicAccessBlock>> = Ok(Some(PublicAccessBlock {
            ignore_public_acls: true,
            ..PublicAccessBlock::default()
        }));
        let mut acl_only = posture("acl");
        acl_only.public_access_block = Some(Ok(None));
        acl_only.public_grants = None; // not asked: ignored
        assert_eq!(status(&acl_only, &ignore_acls).0, Pass);
        // Unknowns: the bucket's settings unreadable and a public grant is ERROR, not PASS.
        let mut unknown = posture("u");
        unknown.public_access_block = Some(Err(denied("s3:GetPublicAccessBlock")));
        unknown.public_grants = Some(Ok(vec!["AuthenticatedUsers WRITE".into()]));
        assert_eq!(status(&unknown, &none).0, Error);
        let mut no_acl = posture("n");
        no_acl.public_access_block = Some(Ok(None));
        no_acl.public_grants = Some(Err(denied("s3:GetBucketAcl")));
        assert_eq!(status(&no_acl, &none).0, Error);
    }

    #[test]
    fn versioning_and_access_logging() {
        let good = posture("g");
        assert_eq!(s3_06_versioning(&good).status, Pass);
        assert_eq!(s3_07_access_logging(&good).status, Pass);
        let mut bad = posture("b");
        bad.versioning = Some(Ok(crate::facts::Versioning {
            status: Some("Suspended".into()),
            mfa_delete: None,
        }));
        bad.logging_target = Some(Ok(None));
        assert_eq!(s3_06_versioning(&bad).detail, "versioning Suspended");
        assert_eq!(s3_07_access_logging(&bad).status, Fail);
        bad.versioning = Some(Ok(Default::default()));
        assert_eq!(s3_06_versioning(&bad).status, Fail);
        bad.versioning = Some(Err(denied("s3:GetBucketVersioning")));
        bad.logging_target = None;
        assert_eq!(s3_06_versioning(&bad).status, Error);
        assert_eq!(s3_07_access_logging(&bad).status, Error);
    }

    #[test]
    fn tls_12_needs_a_deny_below_1_2_on_bucket_and_objects() {
        let policy = |condition: &str, resources: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":{resources},"Condition":{{"NumericLessThan":{{"s3:TlsVersion":{condition}}}}}}}]}}"#
            )
        };
        let both = r#"["arn:aws:s3:::t","arn:aws:s3:::t/*"]"#;
        let with = |text: Option<String>| {
            let mut b = posture("t");
            b.policy = Some(Ok(text));
            s3_08_tls_12(&b).status
        };
        assert_eq!(with(Some(policy("1.2", both))), Pass);
        assert_eq!(with(Some(policy("\"1.3\"", both))), Pass);
        assert_eq!(with(Some(policy("1.1", both))), Fail, "1.1 still allowed");
        assert_eq!(
            with(Some(policy("1.2", r#""arn:aws:s3:::t/*""#))),
            Fail,
            "the bucket itself not covered"
        );
        // The SecureTransport deny alone (S3-03) does not refuse TLS 1.0.
        assert_eq!(with(bucket("t").policy.unwrap().unwrap()), Fail);
        assert_eq!(with(None), Fail);
        let mut denied_b = posture("t");
        denied_b.policy = Some(Err(denied("s3:GetBucketPolicy")));
        assert_eq!(s3_08_tls_12(&denied_b).status, Error);
    }

    #[test]
    fn cross_account_principals_in_the_bucket_policy() {
        let judge = |statement: &str, block: Option<PublicAccessBlock>| {
            let mut b = bucket("shared");
            b.public_access_block = Some(Ok(block));
            b.policy = Some(Ok(Some(format!(r#"{{"Statement":[{statement}]}}"#))));
            s3_09_cross_account(&b, &Ok(None), "111122223333").status
        };
        let read = r#""Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*""#;
        let open = PublicAccessBlock {
            restrict_public_buckets: false,
            ..ALL
        };
        for (principal, condition, status) in [
            (r#"{"AWS":"arn:aws:iam::999988887777:root"}"#, "", Fail),
            (
                r#"{"AWS":["arn:aws:iam::111122223333:role/app","999988887777"]}"#,
                "",
                Fail,
            ),
            (r#"{"AWS":"arn:aws:iam::111122223333:role/app"}"#, "", Pass),
            (r#"{"AWS":"111122223333"}"#, "", Pass),
            (r#"{"Service":"logging.s3.amazonaws.com"}"#, "", Pass),
            (r#""*""#, "", Fail),
            // Pinned to this account: in; to the organisation or a VPC endpoint: other
            // accounts of the organisation, or behind the endpoint, get in.
            (
                r#""*""#,
                r#","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
                Pass,
            ),
            (
                r#""*""#,
                r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
                Fail,
            ),
            (
                r#""*""#,
                r#","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c"}}"#,
                Fail,
            ),
        ] {
            let statement =
                format!(r#"{{"Effect":"Allow","Principal":{principal},{read}{condition}}}"#);
            assert_eq!(judge(&statement, Some(open)), status, "{statement}");
        }
        // Other accounts denied, not allowed: nothing to fail.
        let deny = format!(
            r#"{{"Effect":"Deny","Principal":{{"AWS":"arn:aws:iam::999988887777:root"}},{read}}}"#
        );
        assert_eq!(judge(&deny, Some(open)), Pass);
        let not_principal = format!(
            r#"{{"Effect":"Allow","NotPrincipal":{{"AWS":"arn:aws:iam::111122223333:root"}},{read}}}"#
        );
        assert_eq!(judge(&not_principal, Some(ALL)), Fail);
        // RestrictPublicBuckets keeps every other account out of a public policy (Prowler
        // 5.46.0 fails it), but not out of a named account's grant.
        let anyone = format!(r#"{{"Effect":"Allow","Principal":"*",{read}}}"#);
        assert_eq!(judge(&anyone, Some(ALL)), Pass);
        let named = format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"999988887777"}},{read}}}"#);
        assert_eq!(judge(&named, Some(ALL)), Fail);

        // No policy passes; an unreadable policy or setting is an error.
        let mut b = bucket("shared");
        b.policy = Some(Ok(None));
        assert_eq!(
            s3_09_cross_account(&b, &Ok(None), "111122223333").status,
            Pass
        );
        b.policy = Some(Ok(Some("not json".into())));
        assert_eq!(
            s3_09_cross_account(&b, &Ok(None), "111122223333").status,
            Error
        );
        b.policy = Some(Err(denied("s3:GetBucketPolicy")));
        assert_eq!(
            s3_09_cross_account(&b, &Ok(None), "111122223333").status,
            Error
        );
        b.policy = Some(Ok(Some(format!(r#"{{"Statement":[{anyone}]}}"#))));
        b.public_access_block = Some(Err(denied("s3:GetPublicAccessBlock")));
        assert_eq!(
            s3_09_cross_account(&b, &Ok(None), "111122223333").status,
            Error
        );
    }
}
