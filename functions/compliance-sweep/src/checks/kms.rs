//! KMS: rotation of customer-managed symmetric keys, rotation period, key policies open to
//! everyone, keys pending deletion. AWS-managed keys are out of scope (AWS rotates them).

use vigil::policy::PolicyDocument;
use vigil::policy::analysis::public_statements;

use super::ids::{KMS_01, KMS_02, KMS_03, KMS_04};
use super::{Ctx, Finding, ResourceType, Subject, errors};
use crate::facts::{ApiError, KeyMeta, KmsFacts, KmsKey};

const ALL: [super::CheckId; 4] = [KMS_01, KMS_02, KMS_03, KMS_04];

fn key_subject(key: &str, region: &str) -> Subject {
    Subject::new(ResourceType::AwsKmsKey, key).in_region(region)
}

pub(crate) fn evaluate(f: &KmsFacts, ctx: &Ctx) -> Vec<Finding> {
    let keys = match &f.keys {
        Ok(k) => k,
        Err(e) => {
            let all = format!("arn:aws:kms:{}:{}:*", f.region, ctx.account);
            return errors(&ALL, &key_subject(&all, &f.region), e);
        }
    };
    let mut out = Vec::new();
    for key in keys {
        let meta = match &key.meta {
            Ok(m) => m,
            Err(e) => {
                out.extend(errors(&ALL, &key_subject(&key.id, &f.region), e));
                continue;
            }
        };
        if meta.manager != "CUSTOMER" {
            continue;
        }
        let judged = [
            kms_01_rotation(key, meta, &f.region),
            kms_02_rotation_period(key, meta, &f.region, ctx),
            kms_03_public_policy(key, meta, &f.region),
            Some(kms_04_pending_deletion(meta, &f.region)),
        ];
        out.extend(judged.into_iter().flatten().map(|x| with_assumed(x, meta)));
    }
    out
}

/// A finding on a key whose DescribeKey answer left out a field read as AWS's default says so.
fn with_assumed(f: Finding, meta: &KeyMeta) -> Finding {
    if meta.assumed.is_empty() {
        f
    } else {
        f.with("assumed", meta.assumed.clone())
    }
}

/// Whether rotation applies: enabled symmetric AWS_KMS keys outside custom key stores.
pub(crate) fn rotation_applies(meta: &KeyMeta) -> bool {
    meta.state == "Enabled"
        && meta.spec == "SYMMETRIC_DEFAULT"
        && meta.origin == "AWS_KMS"
        && !meta.custom_key_store
        && meta.usage == "ENCRYPT_DECRYPT"
}

/// Whether the key is waiting to be deleted (its policy is then not read or judged).
pub(crate) fn pending_deletion(meta: &KeyMeta) -> bool {
    meta.state == "PendingDeletion" || meta.state == "PendingReplicaDeletion"
}

fn not_collected(op: &str) -> ApiError {
    ApiError::not_collected(op, "the call was not made for this key")
}

/// KMS-01: GetKeyRotationStatus.KeyRotationEnabled.
fn kms_01_rotation(key: &KmsKey, meta: &KeyMeta, region: &str) -> Option<Finding> {
    if !rotation_applies(meta) {
        return None;
    }
    let verdict = KMS_01.on(&key_subject(&meta.arn, region));
    Some(match &key.rotation {
        Some(Ok(r)) => verdict.pass_if(
            r.enabled,
            if r.enabled {
                "automatic rotation is on"
            } else {
                "automatic rotation is off"
            },
        ),
        Some(Err(e)) => verdict.error(e),
        None => verdict.error(&not_collected("kms:GetKeyRotationStatus")),
    })
}

/// KMS-02: rotation period within policy; next rotation date not in the past.
fn kms_02_rotation_period(
    key: &KmsKey,
    meta: &KeyMeta,
    region: &str,
    ctx: &Ctx,
) -> Option<Finding> {
    if !rotation_applies(meta) {
        return None;
    }
    let verdict = KMS_02.on(&key_subject(&meta.arn, region));
    let r = match &key.rotation {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Some(verdict.error(e)),
        None => return Some(verdict.error(&not_collected("kms:GetKeyRotationStatus"))),
    };
    if !r.enabled {
        return Some(verdict.fail("rotation is off, so there is no rotation period"));
    }
    // With rotation on, AWS always sends both; without either there is nothing to judge.
    let (Some(period), Some(next)) = (r.period_days, r.next_rotation) else {
        let absent: Vec<&str> = [
            r.period_days.is_none().then_some("RotationPeriodInDays"),
            r.next_rotation.is_none().then_some("NextRotationDate"),
        ]
        .into_iter()
        .flatten()
        .collect();
        return Some(verdict.error(&ApiError::incomplete(
            "kms:GetKeyRotationStatus",
            format!("{} while rotation is on", absent.join(" or ")),
        )));
    };
    let limit = ctx.t.kms_max_rotation_days;
    let mut gaps = Vec::new();
    if period > limit {
        gaps.push(format!("rotation period {period} days > {limit}"));
    }
    if next < ctx.now {
        gaps.push(format!(
            "next rotation {} is overdue",
            next.format("%Y-%m-%d")
        ));
    }
    Some(
        verdict
            .pass_if(
                gaps.is_empty(),
                if gaps.is_empty() {
                    format!("rotates every {period} days, next rotation not overdue")
                } else {
                    gaps.join("; ")
                },
            )
            .with("rotation_period_days", r.period_days)
            .with("next_rotation", r.next_rotation.map(|t| t.to_rfc3339())),
    )
}

/// KMS-03: no Allow to `*` without a condition pinning the caller.
fn kms_03_public_policy(key: &KmsKey, meta: &KeyMeta, region: &str) -> Option<Finding> {
    if pending_deletion(meta) {
        return None;
    }
    let verdict = KMS_03.on(&key_subject(&meta.arn, region));
    Some(match &key.policy {
        Some(Ok(text)) => match PolicyDocument::parse(text) {
            Err(e) => verdict.fail(format!("key policy cannot be read ({e})")),
            Ok(doc) => {
                let public: Vec<usize> = public_statements(&doc)
                    .into_iter()
                    .map(|(i, _)| i)
                    .collect();
                verdict.pass_if(
                    public.is_empty(),
                    if public.is_empty() {
                        "no statement lets everyone in".to_owned()
                    } else {
                        format!(
                            "statement(s) {public:?} allow Principal * with no condition restricting the caller"
                        )
                    },
                )
            }
        },
        Some(Err(e)) => verdict.error(e),
        None => verdict.error(&not_collected("kms:GetKeyPolicy")),
    })
}

/// KMS-04: KeyState PendingDeletion / PendingReplicaDeletion, with the deletion date.
fn kms_04_pending_deletion(meta: &KeyMeta, region: &str) -> Finding {
    let pending = pending_deletion(meta);
    KMS_04
        .on(&key_subject(&meta.arn, region))
        .pass_if(
            !pending,
            if pending {
                format!(
                    "key is {} (deletion date {})",
                    meta.state,
                    meta.deletion_date
                        .map_or_else(|| "unknown".into(), |d| d.format("%Y-%m-%d").to_string())
                )
            } else {
                format!("key state {}", meta.state)
            },
        )
        .with("deletion_date", meta.deletion_date.map(|d| d.to_rfc3339()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::RotationStatus;

    fn meta(id: &str) -> KeyMeta {
        KeyMeta {
            arn: format!("arn:aws:kms:us-east-1:111122223333:key/{id}"),
            manager: "CUSTOMER".into(),
            state: "Enabled".into(),
            spec: "SYMMETRIC_DEFAULT".into(),
            usage: "ENCRYPT_DECRYPT".into(),
            origin: "AWS_KMS".into(),
            custom_key_store: false,
            deletion_date: None,
            assumed: vec![],
        }
    }

    const OWN: &str = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
    const OPEN: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}"#;

    fn key(id: &str, m: KeyMeta, rotation: Option<RotationStatus>, policy: &str) -> KmsKey {
        KmsKey {
            id: id.into(),
            meta: Ok(m),
            rotation: rotation.map(Ok),
            policy: Some(Ok(policy.into())),
        }
    }

    #[test]
    fn kms_checks_pass_and_fail() {
        let t = Thresholds::default();
        let good = key(
            "good",
            meta("good"),
            Some(RotationStatus {
                enabled: true,
                period_days: Some(365),
                next_rotation: Some(days_ago(-30)),
            }),
            OWN,
        );
        let off = key(
            "off",
            meta("off"),
            Some(RotationStatus {
                enabled: false,
                period_days: None,
                next_rotation: None,
            }),
            OPEN,
        );
        let slow = key(
            "slow",
            meta("slow"),
            Some(RotationStatus {
                enabled: true,
                period_days: Some(730),
                next_rotation: Some(days_ago(3)),
            }),
            OWN,
        );
        let mut pending_meta = meta("pending");
        pending_meta.state = "PendingDeletion".into();
        pending_meta.deletion_date = Some(days_ago(-7));
        let pending = key("pending", pending_meta, None, OWN);
        let mut aws_meta = meta("aws");
        aws_meta.manager = "AWS".into();
        let aws = key("aws", aws_meta, None, OPEN);
        let f = evaluate(
            &KmsFacts {
                region: "us-east-1".into(),
                keys: Ok(vec![good, off, slow, pending, aws]),
            },
            &ctx(&t),
        );
        let arn = |id: &str| format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        assert_eq!(one(&f, "KMS-01", &arn("good")).status, Pass);
        assert_eq!(one(&f, "KMS-01", &arn("off")).status, Fail);
        assert_eq!(one(&f, "KMS-02", &arn("good")).status, Pass);
        let slow_f = one(&f, "KMS-02", &arn("slow"));
        assert_eq!(slow_f.status, Fail);
        assert!(
            slow_f.detail.contains("rotation period 730 days > 365")
                && slow_f.detail.contains("overdue"),
            "{}",
            slow_f.detail
        );
        assert_eq!(one(&f, "KMS-03", &arn("good")).status, Pass);
        assert_eq!(one(&f, "KMS-03", &arn("off")).status, Fail);
        assert_eq!(one(&f, "KMS-04", &arn("good")).status, Pass);
        assert_eq!(one(&f, "KMS-04", &arn("pending")).status, Fail);
        assert!(
            statuses(&f, "KMS-01")
                .iter()
                .all(|(r, _)| r != &arn("pending")),
            "rotation does not apply to a key pending deletion"
        );
        assert!(
            f.iter().all(|x| x.resource != arn("aws")),
            "AWS managed keys are out of scope"
        );
    }

    /// Rotation on but no period or next date in the answer (stock moto sends neither): ERROR
    /// naming them, never PASS or FAIL on a guess; defaults assumed are in the evidence.
    #[test]
    fn rotation_facts_left_out_are_errors() {
        let t = Thresholds::default();
        let mut m = meta("k");
        m.assumed =
            vec!["KeyUsage ENCRYPT_DECRYPT (DescribeKey did not say; AWS's default)".into()];
        let k = key(
            "k",
            m,
            Some(RotationStatus {
                enabled: true,
                period_days: None,
                next_rotation: None,
            }),
            OWN,
        );
        let f = evaluate(
            &KmsFacts {
                region: "us-east-1".into(),
                keys: Ok(vec![k]),
            },
            &ctx(&t),
        );
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k";
        assert_eq!(one(&f, "KMS-01", arn).status, Pass);
        let kms02 = one(&f, "KMS-02", arn);
        assert_eq!(kms02.status, Error);
        assert!(
            kms02
                .detail
                .contains("RotationPeriodInDays or NextRotationDate"),
            "{}",
            kms02.detail
        );
        assert!(f.iter().all(|x| x.evidence.contains_key("assumed")));
    }

    #[test]
    fn denied_calls_are_errors() {
        let t = Thresholds::default();
        let mut k = key("k", meta("k"), None, OWN);
        k.rotation = Some(Err(denied("kms:GetKeyRotationStatus")));
        k.policy = Some(Err(denied("kms:GetKeyPolicy")));
        let f = evaluate(
            &KmsFacts {
                region: "us-east-1".into(),
                keys: Ok(vec![k]),
            },
            &ctx(&t),
        );
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k";
        for id in ["KMS-01", "KMS-02", "KMS-03"] {
            assert_eq!(one(&f, id, arn).status, Error, "{id}");
        }
        let listing = evaluate(
            &KmsFacts {
                region: "us-east-1".into(),
                keys: Err(denied("kms:ListKeys")),
            },
            &ctx(&t),
        );
        assert_eq!(listing.len(), 4);
        assert!(listing.iter().all(|x| x.status == Error));
    }
}
