//! KMS: rotation of customer-managed symmetric keys, rotation period, key policies open to
//! everyone, keys pending deletion, disabled keys, multi-Region keys, and the emergency-access
//! grant key policies must keep. AWS-managed keys are out of scope (AWS manages them).

use vigil::policy::analysis::wildcard_match;
use vigil::policy::{Effect, PolicyDocument, Principal, Statement};

use super::ids::{KMS_01, KMS_02, KMS_03, KMS_04, KMS_05, KMS_06, KMS_07};
use super::{Ctx, Finding, ResourceType, Subject, errors};
use crate::facts::{ApiError, KeyMeta, KmsFacts, KmsKey};

const ALL: [super::CheckId; 7] = [KMS_01, KMS_02, KMS_03, KMS_04, KMS_05, KMS_06, KMS_07];

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
            kms_05_disabled(meta, &f.region),
            kms_06_multi_region(meta, &f.region),
            kms_07_break_glass(key, meta, &f.region, ctx),
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
            Ok(doc) => verdict.pass_unless_public(&doc, ""),
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

/// KMS-05: the key is enabled. A key pending deletion is KMS-04's; other states (Disabled,
/// PendingImport, Unavailable, Creating, Updating) leave data under it unreadable.
fn kms_05_disabled(meta: &KeyMeta, region: &str) -> Option<Finding> {
    if pending_deletion(meta) {
        return None;
    }
    let enabled = meta.state == "Enabled";
    Some(KMS_05.on(&key_subject(&meta.arn, region)).pass_if(
        enabled,
        if enabled {
            "key is enabled".to_owned()
        } else {
            format!(
                "key state {}: data encrypted under it cannot be decrypted; enable it or \
                 schedule its deletion",
                meta.state
            )
        },
    ))
}

/// KMS-06: a single-Region key (DescribeKey MultiRegion false), for enabled keys.
fn kms_06_multi_region(meta: &KeyMeta, region: &str) -> Option<Finding> {
    if meta.state != "Enabled" {
        return None;
    }
    let verdict = KMS_06.on(&key_subject(&meta.arn, region));
    Some(match meta.multi_region {
        None => verdict.error(&ApiError::incomplete(
            "kms:DescribeKey",
            format!("MultiRegion of {}", meta.arn),
        )),
        Some(multi) => verdict.pass_if(
            !multi,
            if multi {
                "multi-Region key: its replicas in other Regions decrypt the same data, under \
                 their own key policies"
            } else {
                "single-Region key"
            },
        ),
    })
}

/// Whether `s` applies to the principal `arn` (the account root also by its bare id).
fn names_principal(s: &Statement, arn: &str, account: &str) -> bool {
    let root = format!("arn:aws:iam::{account}:root");
    match &s.principal {
        Some(Principal::Anyone) | None => false,
        Some(p) => p
            .values("AWS")
            .iter()
            .any(|v| v == arn || (arn == root && v == account)),
    }
}

/// Whether `s` covers `action` (Action, or left out of NotAction), whatever its effect.
fn covers(s: &Statement, action: &str) -> bool {
    if s.not_action.is_empty() {
        s.action.iter().any(|p| wildcard_match(p, action))
    } else {
        !s.not_action.iter().any(|p| wildcard_match(p, action))
    }
}

/// The configured emergency principals that the policy lets administer the key
/// (`kms:PutKeyPolicy`, from which every other permission can be restored) and no
/// unconditional Deny takes back.
fn break_glass_grants(doc: &PolicyDocument, principals: &[String], account: &str) -> Vec<String> {
    principals
        .iter()
        .filter(|arn| {
            let granted = doc.statements.iter().any(|s| {
                s.effect == Effect::Allow
                    && names_principal(s, arn, account)
                    && covers(s, "kms:PutKeyPolicy")
            });
            let denied = doc.statements.iter().any(|s| {
                s.effect == Effect::Deny
                    && s.condition.is_empty()
                    && (matches!(s.principal, Some(Principal::Anyone))
                        || names_principal(s, arn, account))
                    && covers(s, "kms:PutKeyPolicy")
            });
            granted && !denied
        })
        .cloned()
        .collect()
}

/// KMS-07 (★): the key policy keeps an emergency-access grant: at least one of the configured
/// break-glass principals (`VIGIL_SWEEP_KEY_BREAK_GLASS`, by default the account root, which
/// KMS's default key policy names) may administer the key. Without one, a key whose admins are
/// lost cannot be recovered, and AWS Support cannot restore access.
fn kms_07_break_glass(key: &KmsKey, meta: &KeyMeta, region: &str, ctx: &Ctx) -> Option<Finding> {
    if pending_deletion(meta) {
        return None;
    }
    let principals: Vec<String> = ctx
        .t
        .key_break_glass
        .iter()
        .map(|p| p.replace("{account}", ctx.account))
        .collect();
    let verdict = KMS_07.on(&key_subject(&meta.arn, region));
    Some(match &key.policy {
        Some(Ok(text)) => match PolicyDocument::parse(text) {
            Err(e) => verdict.error(&ApiError::new(
                "kms:GetKeyPolicy",
                vigil::aws::AwsFailure::Other,
                None,
                format!("the key policy cannot be read: {e}"),
            )),
            Ok(doc) => {
                let kept = break_glass_grants(&doc, &principals, ctx.account);
                verdict
                    .pass_if(
                        !kept.is_empty(),
                        if kept.is_empty() {
                            format!(
                                "no emergency-access principal may administer the key \
                                 (kms:PutKeyPolicy), nor one of: {}",
                                principals.join(", ")
                            )
                        } else {
                            format!("emergency access kept for {}", kept.join(", "))
                        },
                    )
                    .with("break_glass", principals)
            }
        },
        Some(Err(e)) => verdict.error(e),
        None => verdict.error(&not_collected("kms:GetKeyPolicy")),
    })
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
            multi_region: Some(false),
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
        assert_eq!(listing.len(), 7);
        assert!(listing.iter().all(|x| x.status == Error));
    }

    #[test]
    fn disabled_and_multi_region_keys_fail() {
        let t = Thresholds::default();
        let mut disabled = meta("disabled");
        disabled.state = "Disabled".into();
        let mut multi = meta("multi");
        multi.multi_region = Some(true);
        let mut unsaid = meta("unsaid");
        unsaid.multi_region = None;
        let mut pending = meta("pending");
        pending.state = "PendingDeletion".into();
        let f = evaluate(
            &KmsFacts {
                region: "us-east-1".into(),
                keys: Ok(vec![
                    key("good", meta("good"), None, OWN),
                    key("disabled", disabled, None, OWN),
                    key("multi", multi, None, OWN),
                    key("unsaid", unsaid, None, OWN),
                    key("pending", pending, None, OWN),
                ]),
            },
            &ctx(&t),
        );
        let arn = |id: &str| format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        assert_eq!(one(&f, "KMS-05", &arn("good")).status, Pass);
        assert_eq!(one(&f, "KMS-05", &arn("disabled")).status, Fail);
        assert_eq!(one(&f, "KMS-06", &arn("good")).status, Pass);
        assert_eq!(one(&f, "KMS-06", &arn("multi")).status, Fail);
        // MultiRegion left out: no documented default, so ERROR, never a PASS.
        assert_eq!(one(&f, "KMS-06", &arn("unsaid")).status, Error);
        // A key pending deletion is KMS-04's; a disabled key is not judged on its Regions.
        for id in ["KMS-05", "KMS-06", "KMS-07"] {
            assert!(
                statuses(&f, id).iter().all(|(r, _)| r != &arn("pending")),
                "{id}"
            );
        }
        assert!(
            statuses(&f, "KMS-06")
                .iter()
                .all(|(r, _)| r != &arn("disabled"))
        );
    }

    #[test]
    fn key_policies_keep_an_emergency_grant() {
        let mut t = Thresholds::default();
        let by_id = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}]}"#;
        let role_only = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:*","Resource":"*"}]}"#;
        let use_only = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*"}]}"#;
        let denied_back = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"kms:PutKeyPolicy","Resource":"*"}]}"#;
        let keys = || {
            vec![
                key("own", meta("own"), None, OWN),
                key("by-id", meta("by-id"), None, by_id),
                key("role-only", meta("role-only"), None, role_only),
                // Everyone is not an emergency principal: KMS-03 fails that key.
                key("open", meta("open"), None, OPEN),
                key("use-only", meta("use-only"), None, use_only),
                key("denied-back", meta("denied-back"), None, denied_back),
                key("garbled", meta("garbled"), None, "{"),
            ]
        };
        let run = |t: &Thresholds| {
            evaluate(
                &KmsFacts {
                    region: "us-east-1".into(),
                    keys: Ok(keys()),
                },
                &ctx(t),
            )
        };
        let arn = |id: &str| format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        let f = run(&t);
        assert_eq!(one(&f, "KMS-07", &arn("own")).status, Pass);
        assert_eq!(one(&f, "KMS-07", &arn("by-id")).status, Pass);
        assert_eq!(one(&f, "KMS-07", &arn("role-only")).status, Fail);
        assert_eq!(one(&f, "KMS-07", &arn("open")).status, Fail);
        assert_eq!(one(&f, "KMS-07", &arn("use-only")).status, Fail);
        assert_eq!(one(&f, "KMS-07", &arn("denied-back")).status, Fail);
        assert_eq!(one(&f, "KMS-07", &arn("garbled")).status, Error);
        // Which principals count is configurable: a break-glass role instead of the root.
        t.key_break_glass = vec!["arn:aws:iam::{account}:role/app".into()];
        let f = run(&t);
        assert_eq!(one(&f, "KMS-07", &arn("role-only")).status, Pass);
        assert_eq!(one(&f, "KMS-07", &arn("own")).status, Fail);
    }
}
