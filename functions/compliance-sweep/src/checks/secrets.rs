//! Secrets Manager: rotation on and within policy, rotated on schedule, last rotation not
//! stuck, customer-managed keys for sensitive secrets, unused secrets, resource policies open
//! to everyone.

use vigil::policy::PolicyDocument;
use vigil::policy::analysis::wildcard_match;

use super::ids::{SM_01, SM_02, SM_03, SM_04, SM_05, SM_06};
use super::{Ctx, Finding, ResourceType, Subject, errors};
use crate::facts::{ApiError, Secret, SecretsFacts};

const SECRET: ResourceType = ResourceType::AwsSecretsManagerSecret;

fn secret(s: &Secret, region: &str) -> Subject {
    Subject::new(SECRET, &s.arn).in_region(region)
}

pub(crate) fn evaluate(f: &SecretsFacts, ctx: &Ctx) -> Vec<Finding> {
    let secrets = match &f.secrets {
        Ok(s) => s,
        Err(e) => {
            return errors(
                &[SM_01, SM_02, SM_03, SM_04, SM_05, SM_06],
                &Subject::new(
                    SECRET,
                    format!(
                        "arn:aws:secretsmanager:{}:{}:secret:*",
                        f.region, ctx.account
                    ),
                )
                .in_region(&f.region),
                e,
            );
        }
    };
    let mut out = Vec::new();
    for s in secrets {
        // Replicas are rotated (and judged) in their primary Region.
        if s.primary_region.as_deref().is_some_and(|p| p != f.region) {
            continue;
        }
        out.push(sm_01_rotation_enabled(s, &f.region, ctx));
        out.extend(sm_02_rotated_on_schedule(s, &f.region, ctx));
        out.push(sm_03_rotation_not_stuck(s, &f.region));
        out.extend(sm_04_customer_key(s, &f.region, ctx));
        out.push(sm_05_unused(s, &f.region, ctx));
        out.push(sm_06_public_policy(s, &f.region));
    }
    out
}

/// SM-06: no resource-policy statement lets everyone (`*`) in without a condition pinning the
/// caller's account or organisation (the reading KMS-03 gives key policies).
fn sm_06_public_policy(s: &Secret, region: &str) -> Finding {
    let verdict = SM_06.on(&secret(s, region));
    match &s.policy {
        None => verdict.error(&ApiError::not_collected(
            "secretsmanager:GetResourcePolicy",
            "the call was not made for this secret",
        )),
        Some(Err(e)) => verdict.error(e),
        Some(Ok(None)) => {
            verdict.pass("no resource policy: only IAM policies of this account apply")
        }
        Some(Ok(Some(text))) => match PolicyDocument::parse(text) {
            Err(e) => verdict.error(&ApiError::new(
                "secretsmanager:GetResourcePolicy",
                vigil::aws::AwsFailure::Other,
                None,
                format!("the resource policy cannot be read: {e}"),
            )),
            Ok(doc) => verdict.pass_unless_public(&doc, ": anyone may read the secret"),
        },
    }
}

/// The longest time between rotations, in days: AutomaticallyAfterDays, a `rate(N days|hours)`
/// schedule, or 31 for a `cron(...)` schedule that runs every month (its month and year fields
/// `*`). `None` when no interval can be told (no rules, another cron schedule): SM-02 then goes
/// by NextRotationDate.
fn interval_days(s: &Secret) -> Option<i64> {
    if let Some(d) = s.rotation_days {
        return Some(d);
    }
    let expr = s.schedule_expression.as_deref()?.trim();
    if let Some(cron) = expr.strip_prefix("cron(").and_then(|c| c.strip_suffix(')')) {
        // minutes hours day-of-month month day-of-week year
        let fields: Vec<&str> = cron.split_whitespace().collect();
        let every_month = fields.get(3) == Some(&"*") && fields.get(5).is_none_or(|y| *y == "*");
        return (fields.len() >= 5 && every_month).then_some(31);
    }
    let inner = expr.strip_prefix("rate(")?.strip_suffix(')')?;
    let mut parts = inner.split_whitespace();
    let n: i64 = parts.next()?.parse().ok()?;
    match parts.next()? {
        "day" | "days" => Some(n),
        "hour" | "hours" => Some((n + 23) / 24),
        _ => None,
    }
}

/// Why a secret with rotation on has no interval that can be judged.
fn unknown_interval(s: &Secret) -> ApiError {
    ApiError::incomplete(
        "secretsmanager:ListSecrets",
        match &s.schedule_expression {
            Some(e) => format!(
                "a rotation interval that can be told from RotationRules.ScheduleExpression {e:?} of {}",
                s.name
            ),
            None => format!(
                "RotationRules (AutomaticallyAfterDays or ScheduleExpression) of {}, whose rotation is on",
                s.name
            ),
        },
    )
}

/// SM-01: rotation enabled, interval within policy.
fn sm_01_rotation_enabled(s: &Secret, region: &str, ctx: &Ctx) -> Finding {
    let limit = ctx.t.secret_max_rotation_days;
    if !s.rotation_enabled {
        return SM_01
            .on(&secret(s, region))
            .fail("automatic rotation is off");
    }
    match interval_days(s) {
        Some(d) if d > limit => SM_01
            .on(&secret(s, region))
            .fail(format!("rotates every {d} days > {limit}")),
        Some(d) => SM_01
            .on(&secret(s, region))
            .pass(format!("rotates every {d} days")),
        None => SM_01.on(&secret(s, region)).error(&unknown_interval(s)),
    }
}

/// SM-02: last rotation (or creation) no older than the secret's own interval (+1 day grace
/// for the rotation window).
fn sm_02_rotated_on_schedule(s: &Secret, region: &str, ctx: &Ctx) -> Option<Finding> {
    if !s.rotation_enabled {
        return None;
    }
    let last = s.last_rotated.or(s.created);
    Some(match (interval_days(s), last) {
        (Some(d), Some(t)) => {
            let age = ctx.days_since(t);
            let what = if s.last_rotated.is_some() {
                "last rotated"
            } else {
                "never rotated, created"
            };
            SM_02.on(&secret(s, region)).pass_if(
                age <= d + 1,
                format!("{what} {age} day(s) ago, schedule every {d} days"),
            )
        }
        _ => match s.next_rotation {
            Some(next) => SM_02.on(&secret(s, region)).pass_if(
                next >= ctx.now,
                format!("next rotation date {}", next.format("%Y-%m-%d")),
            ),
            None => SM_02.on(&secret(s, region)).error(&ApiError::incomplete(
                "secretsmanager:ListSecrets",
                format!(
                    "NextRotationDate, or an interval and a LastRotatedDate or CreatedDate, of {}",
                    s.name
                ),
            )),
        },
    })
}

/// SM-03: a version labelled AWSPENDING but not AWSCURRENT means a rotation never finished.
fn sm_03_rotation_not_stuck(s: &Secret, region: &str) -> Finding {
    match &s.versions {
        Err(e) => SM_03.on(&secret(s, region)).error(e),
        Ok(versions) => {
            let stuck: Vec<&String> = versions
                .iter()
                .filter(|(_, labels)| {
                    labels.iter().any(|l| l == "AWSPENDING")
                        && !labels.iter().any(|l| l == "AWSCURRENT")
                })
                .map(|(v, _)| v)
                .collect();
            match stuck.first() {
                None => SM_03.on(&secret(s, region)).pass("no unfinished rotation"),
                Some(v) => SM_03.on(&secret(s, region)).fail(format!(
                    "version {v} is AWSPENDING but not AWSCURRENT: the last rotation did not finish"
                )),
            }
        }
    }
}

fn sensitive(s: &Secret, ctx: &Ctx) -> bool {
    s.tags.get("vigil:sensitive").is_some_and(|v| v == "true")
        || ctx
            .t
            .sensitive_secrets
            .iter()
            .any(|p| wildcard_match(p, &s.name))
}

/// SM-04: sensitive secrets are encrypted with a customer-managed key.
fn sm_04_customer_key(s: &Secret, region: &str, ctx: &Ctx) -> Option<Finding> {
    if !sensitive(s, ctx) {
        return None;
    }
    let aws_default = |why: &str| {
        SM_04
            .on(&secret(s, region))
            .fail(format!("encrypted with the AWS managed key ({why})"))
    };
    Some(match (s.kms_key_id.as_deref(), &s.key_manager) {
        (None, _) => aws_default("no KmsKeyId"),
        (Some(k), _) if k.ends_with("alias/aws/secretsmanager") => aws_default(k),
        (Some(k), Some(Ok(m))) => SM_04
            .on(&secret(s, region))
            .pass_if(m == "CUSTOMER", format!("key {k} is managed by {m}"))
            .with("kms_key", k),
        (Some(_), Some(Err(e))) => SM_04.on(&secret(s, region)).error(e),
        (Some(k), None) => SM_04.on(&secret(s, region)).error(&ApiError::not_collected(
            "kms:DescribeKey",
            format!("the key manager of {k} was not looked up"),
        )),
    })
}

/// SM-05: accessed within the threshold (day granularity); never accessed counts from creation.
fn sm_05_unused(s: &Secret, region: &str, ctx: &Ctx) -> Finding {
    let limit = ctx.t.secret_unused_days;
    match s.last_accessed.or(s.created) {
        None => SM_05.on(&secret(s, region)).error(&ApiError::incomplete(
            "secretsmanager:ListSecrets",
            format!("LastAccessedDate or CreatedDate of {}", s.name),
        )),
        Some(t) => {
            let days = ctx.days_since(t);
            let what = if s.last_accessed.is_some() {
                "last accessed"
            } else {
                "never accessed, created"
            };
            SM_05.on(&secret(s, region)).pass_if(
                days < limit,
                format!("{what} {days} day(s) ago (threshold {limit})"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use std::collections::BTreeMap;

    fn secret(name: &str) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{name}"),
            name: name.into(),
            rotation_enabled: true,
            rotation_days: Some(30),
            schedule_expression: None,
            last_rotated: Some(days_ago(10)),
            next_rotation: None,
            last_accessed: Some(days_ago(1)),
            created: Some(days_ago(300)),
            kms_key_id: Some("arn:aws:kms:us-east-1:111122223333:key/cmk".into()),
            primary_region: None,
            tags: BTreeMap::new(),
            versions: Ok(BTreeMap::from([("v1".into(), vec!["AWSCURRENT".into()])])),
            key_manager: Some(Ok("CUSTOMER".into())),
            policy: Some(Ok(None)),
        }
    }

    #[test]
    fn resource_policies_open_to_everyone_fail() {
        let t = Thresholds::default();
        let mut open = secret("open");
        open.policy = Some(Ok(Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#.into())));
        let mut org = secret("org");
        org.policy = Some(Ok(Some(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}]}"#.into())));
        let mut named = secret("named");
        named.policy = Some(Ok(Some(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#.into())));
        let mut denied_call = secret("denied");
        denied_call.policy = Some(Err(denied("secretsmanager:GetResourcePolicy")));
        let mut garbled = secret("garbled");
        garbled.policy = Some(Ok(Some("{".into())));
        let f = evaluate(
            &SecretsFacts {
                region: "us-east-1".into(),
                secrets: Ok(vec![secret("none"), open, org, named, denied_call, garbled]),
            },
            &ctx(&t),
        );
        let arn = |n: &str| format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{n}");
        assert_eq!(one(&f, "SM-06", &arn("none")).status, Pass);
        assert_eq!(one(&f, "SM-06", &arn("open")).status, Fail);
        assert_eq!(one(&f, "SM-06", &arn("org")).status, Pass);
        assert_eq!(one(&f, "SM-06", &arn("named")).status, Pass);
        assert_eq!(one(&f, "SM-06", &arn("denied")).status, Error);
        assert_eq!(one(&f, "SM-06", &arn("garbled")).status, Error);
    }

    #[test]
    fn secrets_checks_pass_and_fail() {
        let t = Thresholds::default();
        let good = secret("good");
        let mut bad = secret("bad");
        bad.rotation_enabled = false;
        bad.kms_key_id = None;
        bad.key_manager = None;
        bad.last_accessed = None;
        bad.versions = Ok(BTreeMap::from([
            ("v1".into(), vec!["AWSCURRENT".into()]),
            ("v2".into(), vec!["AWSPENDING".into()]),
        ]));
        let mut late = secret("late");
        late.rotation_days = Some(120);
        late.last_rotated = Some(days_ago(200));
        late.kms_key_id = Some("alias/aws/secretsmanager".into());
        let mut replica = secret("replica");
        replica.primary_region = Some("eu-west-1".into());
        let f = evaluate(
            &SecretsFacts {
                region: "us-east-1".into(),
                secrets: Ok(vec![good, bad, late, replica]),
            },
            &ctx(&t),
        );
        let arn = |n: &str| format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{n}");
        assert_eq!(one(&f, "SM-01", &arn("good")).status, Pass);
        assert_eq!(one(&f, "SM-01", &arn("bad")).status, Fail);
        assert_eq!(
            one(&f, "SM-01", &arn("late")).detail,
            "rotates every 120 days > 90"
        );
        assert_eq!(one(&f, "SM-02", &arn("good")).status, Pass);
        assert_eq!(one(&f, "SM-02", &arn("late")).status, Fail);
        assert_eq!(one(&f, "SM-03", &arn("good")).status, Pass);
        assert_eq!(one(&f, "SM-03", &arn("bad")).status, Fail);
        assert_eq!(one(&f, "SM-04", &arn("good")).status, Pass);
        assert_eq!(one(&f, "SM-04", &arn("bad")).status, Fail);
        assert_eq!(one(&f, "SM-04", &arn("late")).status, Fail);
        assert_eq!(one(&f, "SM-05", &arn("good")).status, Pass);
        assert_eq!(
            one(&f, "SM-05", &arn("bad")).status,
            Fail,
            "never accessed, created 300 days ago"
        );
        assert!(
            f.iter().all(|x| x.resource != arn("replica")),
            "replicas are judged in their primary Region"
        );
    }

    #[test]
    fn schedules_and_errors() {
        let mut s = secret("s");
        s.rotation_days = None;
        s.schedule_expression = Some("rate(10 days)".into());
        assert_eq!(interval_days(&s), Some(10));
        s.schedule_expression = Some("rate(4 hours)".into());
        assert_eq!(interval_days(&s), Some(1));
        s.schedule_expression = Some("cron(0 16 1,15 * ? *)".into());
        assert_eq!(
            interval_days(&s),
            Some(31),
            "every month: at most 31 days apart"
        );
        s.schedule_expression = Some("cron(0 16 1 1,7 ? *)".into());
        assert_eq!(interval_days(&s), None);
        let t = Thresholds::default();
        s.next_rotation = Some(days_ago(2));
        assert_eq!(
            sm_02_rotated_on_schedule(&s, "us-east-1", &ctx(&t))
                .unwrap()
                .status,
            Fail
        );
        s.versions = Err(denied("secretsmanager:ListSecrets"));
        assert_eq!(sm_03_rotation_not_stuck(&s, "us-east-1").status, Error);
        s.key_manager = Some(Err(denied("kms:DescribeKey")));
        assert_eq!(
            sm_04_customer_key(&s, "us-east-1", &ctx(&t))
                .unwrap()
                .status,
            Error
        );
        let t2 = Thresholds {
            sensitive_secrets: vec!["prod/*".into()],
            ..Thresholds::default()
        };
        assert!(
            sm_04_customer_key(&s, "us-east-1", &ctx(&t2)).is_none(),
            "not sensitive by name or tag"
        );
    }

    /// Rotation on without an interval that can be told, or a secret without the dates a
    /// check measures from, is ERROR naming what is missing (was PASS "rotates on schedule ?").
    #[test]
    fn unknown_schedules_and_dates_are_errors() {
        let t = Thresholds::default();
        let mut s = secret("s");
        s.rotation_days = None;
        s.schedule_expression = None;
        s.next_rotation = None;
        let sm01 = sm_01_rotation_enabled(&s, "us-east-1", &ctx(&t));
        assert_eq!(sm01.status, Error);
        assert!(sm01.detail.contains("RotationRules"), "{}", sm01.detail);
        let sm02 = sm_02_rotated_on_schedule(&s, "us-east-1", &ctx(&t)).unwrap();
        assert_eq!(sm02.status, Error);
        assert!(sm02.detail.contains("NextRotationDate"), "{}", sm02.detail);
        s.schedule_expression = Some("cron(0 16 1 1,7 ? *)".into());
        assert_eq!(
            sm_01_rotation_enabled(&s, "us-east-1", &ctx(&t)).status,
            Error
        );
        s.last_accessed = None;
        s.created = None;
        let sm05 = sm_05_unused(&s, "us-east-1", &ctx(&t));
        assert_eq!(sm05.status, Error);
        assert!(sm05.detail.contains("CreatedDate"), "{}", sm05.detail);
    }
}
