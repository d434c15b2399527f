//! Who may assume a role: its trust policy (GetAccountAuthorizationDetails'
//! AssumeRolePolicyDocument). IAM-15: an AWS service trusted only on behalf of a named source
//! (confused deputy); IAM-16: another account trusted only with `sts:ExternalId`; IAM-17: no
//! `ReadOnlyAccess` for roles another account may assume.

use vigil::aws::AwsFailure;
use vigil::policy::analysis::PINNING_OPERATORS;
use vigil::policy::{Effect, PolicyDocument, Principal as Who, Statement};

use super::super::ids::{IAM_15, IAM_16, IAM_17};
use super::super::{Finding, ResourceType, Subject};
use crate::facts::{ApiError, Principal};

const ROLE: ResourceType = ResourceType::AwsIamRole;
const READ_ONLY_POLICY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/// Service principals AWS documents as acting only within the caller's own account: no
/// confused deputy to prevent.
const SAME_ACCOUNT_SERVICES: &[&str] = &["secretsmanager.amazonaws.com", "eks.amazonaws.com"];

/// The values `key` is pinned to by `s`'s conditions (empty: not pinned).
fn pinned(s: &Statement, key: &str) -> Vec<String> {
    PINNING_OPERATORS
        .iter()
        .flat_map(|op| s.condition_values(op, key))
        .collect()
}

fn is_account_id(v: &str) -> bool {
    v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit())
}

/// The account of an ARN (`arn:aws:service:region:ACCOUNT:...`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

/// Whether a statement trusting a service binds the request to a source: `aws:SourceAccount`
/// pinned to account ids, `aws:SourceArn` to ARNs that name their account, or
/// `aws:SourceOrgID` / `aws:SourceOrgPaths` without wildcards.
fn binds_source(s: &Statement) -> bool {
    let all = |values: Vec<String>, ok: &dyn Fn(&str) -> bool| {
        !values.is_empty() && values.iter().all(|v| ok(v))
    };
    all(pinned(s, "aws:SourceAccount"), &is_account_id)
        || all(pinned(s, "aws:SourceArn"), &|v| {
            arn_account(v).is_some_and(is_account_id)
        })
        || all(pinned(s, "aws:SourceOrgID"), &|v| {
            !v.is_empty() && !v.contains(['*', '?'])
        })
        || all(pinned(s, "aws:SourceOrgPaths"), &|v| {
            v.starts_with("o-") && !v.starts_with("o-*")
        })
}

/// Whether `s` lets its principals assume the role (`sts:AssumeRole`, by name or wildcard).
fn grants_assume_role(s: &Statement) -> bool {
    s.effect == Effect::Allow && s.allows_action("sts:AssumeRole")
}

/// The services a statement trusts that could act for another account.
fn services(s: &Statement) -> Vec<&str> {
    s.principal
        .as_ref()
        .map(|p| p.values("Service"))
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .filter(|svc| !SAME_ACCOUNT_SERVICES.contains(svc))
        .collect()
}

/// The principals of `s` outside `account`: `*`, other accounts' ids, roots and principals.
fn foreign(s: &Statement, account: &str) -> Vec<String> {
    match &s.principal {
        Some(Who::Anyone) => vec!["*".to_owned()],
        Some(p) => p
            .values("AWS")
            .iter()
            .filter(|v| {
                let owner = if is_account_id(v) {
                    Some(v.as_str())
                } else {
                    arn_account(v)
                };
                owner != Some(account)
            })
            .cloned()
            .collect(),
        None => Vec::new(),
    }
}

/// `sts:ExternalId` pinned to literal values, and for `*` also the caller's account or
/// organisation.
fn requires_external_id(s: &Statement) -> bool {
    let ids = pinned(s, "sts:ExternalId");
    let has_id = !ids.is_empty() && ids.iter().all(|v| !v.is_empty() && !v.contains('*'));
    has_id && (!matches!(s.principal, Some(Who::Anyone)) || s.restricts_caller())
}

/// A role's trust policy, read once for the three checks.
enum Trust {
    Read(PolicyDocument),
    Unknown(ApiError),
}

fn trust(role: &Principal) -> Trust {
    let Some(doc) = &role.trust else {
        return Trust::Unknown(ApiError::incomplete(
            "iam:GetAccountAuthorizationDetails",
            format!("the AssumeRolePolicyDocument of {}", role.arn),
        ));
    };
    match PolicyDocument::parse(doc) {
        Ok(d) => Trust::Read(d),
        Err(e) => Trust::Unknown(ApiError::new(
            "iam:GetAccountAuthorizationDetails",
            AwsFailure::Other,
            None,
            format!("the trust policy of {} cannot be read: {e}", role.arn),
        )),
    }
}

/// IAM-15..17 for every role but the service-linked ones (their trust is AWS's, not editable).
pub(super) fn evaluate(roles: &[&Principal], account: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for role in roles {
        let subject = Subject::new(ROLE, &role.arn);
        let read_only = role.attached.iter().any(|a| a == READ_ONLY_POLICY);
        let doc = match trust(role) {
            Trust::Read(d) => d,
            Trust::Unknown(e) => {
                out.push(IAM_15.on(&subject).error(&e));
                out.push(IAM_16.on(&subject).error(&e));
                out.push(if read_only {
                    IAM_17.on(&subject).error(&e)
                } else {
                    IAM_17
                        .on(&subject)
                        .pass("ReadOnlyAccess is not attached (whoever may assume the role)")
                });
                continue;
            }
        };
        let assume: Vec<(usize, &Statement)> = doc
            .statements
            .iter()
            .enumerate()
            .filter(|(_, s)| grants_assume_role(s))
            .collect();
        out.extend(iam_15_service_source(&subject, &assume));
        let cross: Vec<(usize, &Statement, Vec<String>)> = assume
            .iter()
            .map(|(i, s)| (*i, *s, foreign(s, account)))
            .filter(|(_, _, who)| !who.is_empty())
            .collect();
        out.extend(iam_16_external_id(&subject, &cross));
        out.push(iam_17_cross_account_read_only(&subject, read_only, &cross));
    }
    out
}

/// IAM-15: every statement trusting an AWS service binds the source account, ARN or
/// organisation. Roles trusting no service are not in scope.
fn iam_15_service_source(subject: &Subject, assume: &[(usize, &Statement)]) -> Option<Finding> {
    let trusted: Vec<(usize, &Statement, Vec<&str>)> = assume
        .iter()
        .map(|(i, s)| (*i, *s, services(s)))
        .filter(|(_, _, svc)| !svc.is_empty())
        .collect();
    if trusted.is_empty() {
        return None;
    }
    let open: Vec<String> = trusted
        .iter()
        .filter(|(_, s, _)| !binds_source(s))
        .map(|(i, _, svc)| format!("statement {i} trusts {}", svc.join(", ")))
        .collect();
    Some(IAM_15.on(subject).pass_if(
        open.is_empty(),
        if open.is_empty() {
            "every service it trusts is bound to a source account, ARN or organisation".to_owned()
        } else {
            format!(
                "{} without aws:SourceAccount, aws:SourceArn or aws:SourceOrgID: another \
                 account's resource can make the service assume it",
                open.join("; ")
            )
        },
    ))
}

/// IAM-16: every statement trusting another account requires `sts:ExternalId`. Roles only this
/// account may assume are not in scope.
fn iam_16_external_id(
    subject: &Subject,
    cross: &[(usize, &Statement, Vec<String>)],
) -> Option<Finding> {
    if cross.is_empty() {
        return None;
    }
    let open: Vec<String> = cross
        .iter()
        .filter(|(_, s, _)| !requires_external_id(s))
        .map(|(i, _, who)| format!("statement {i} trusts {}", who.join(", ")))
        .collect();
    Some(IAM_16.on(subject).pass_if(
        open.is_empty(),
        if open.is_empty() {
            "every other account it trusts must present an sts:ExternalId".to_owned()
        } else {
            format!("{} without an sts:ExternalId condition", open.join("; "))
        },
    ))
}

/// IAM-17: `ReadOnlyAccess` (read everything in the account) not on a role another account
/// may assume.
fn iam_17_cross_account_read_only(
    subject: &Subject,
    read_only: bool,
    cross: &[(usize, &Statement, Vec<String>)],
) -> Finding {
    let who: Vec<&str> = cross
        .iter()
        .flat_map(|(_, _, w)| w.iter().map(String::as_str))
        .collect();
    match (read_only, who.is_empty()) {
        (false, _) => IAM_17
            .on(subject)
            .pass("ReadOnlyAccess is not attached (whoever may assume the role)"),
        (true, true) => IAM_17
            .on(subject)
            .pass("ReadOnlyAccess is attached, but only this account may assume the role"),
        (true, false) => IAM_17.on(subject).fail(format!(
            "ReadOnlyAccess is attached and {} may assume the role: they can read every \
             resource's configuration in this account",
            who.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::Status;
    use super::super::super::fixtures::one;
    use super::*;

    const ACCOUNT: &str = "111122223333";

    fn role(name: &str, trust: Option<&str>) -> Principal {
        Principal {
            name: name.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            path: "/".into(),
            trust: trust.map(str::to_owned),
            ..Default::default()
        }
    }

    fn status(out: &[Finding], check: &str, name: &str) -> Status {
        one(out, check, &format!("arn:aws:iam::{ACCOUNT}:role/{name}")).status
    }

    #[test]
    fn service_trust_must_bind_its_source() {
        let lambda = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let pinned = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
        let by_arn = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:us-east-1:111122223333:rule/*"}}}}"#;
        // A wildcard account pins nothing; a Null test pins nothing.
        let wild = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:SourceAccount":"1111*"}}}]}"#;
        let null = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"Null":{"aws:SourceAccount":"false"}}}]}"#;
        // Secrets Manager acts only within its own account.
        let secrets = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let roles = [
            role("lambda", Some(lambda)),
            role("pinned", Some(pinned)),
            role("by-arn", Some(by_arn)),
            role("wild", Some(wild)),
            role("null", Some(null)),
            role("secrets", Some(secrets)),
            role("unknown", None),
        ];
        let out = evaluate(&roles.iter().collect::<Vec<_>>(), ACCOUNT);
        assert_eq!(status(&out, "IAM-15", "lambda"), Status::Fail);
        assert_eq!(status(&out, "IAM-15", "pinned"), Status::Pass);
        assert_eq!(status(&out, "IAM-15", "by-arn"), Status::Pass);
        assert_eq!(status(&out, "IAM-15", "wild"), Status::Fail);
        assert_eq!(status(&out, "IAM-15", "null"), Status::Fail);
        assert!(
            !out.iter()
                .any(|f| f.check == "IAM-15" && f.resource.ends_with("/secrets"))
        );
        assert_eq!(status(&out, "IAM-15", "unknown"), Status::Error);
        assert_eq!(status(&out, "IAM-16", "unknown"), Status::Error);
        // Without ReadOnlyAccess, IAM-17 needs no trust policy.
        assert_eq!(status(&out, "IAM-17", "unknown"), Status::Pass);
        // Only this account's service: IAM-16 out of scope.
        assert!(
            !out.iter()
                .any(|f| f.check == "IAM-16" && f.resource.ends_with("/lambda"))
        );
    }

    #[test]
    fn other_accounts_need_an_external_id_and_no_read_only_access() {
        let partner = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}"#;
        let with_id = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["999988887777"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"k7Yq-partner"}}}]}"#;
        let anyone_with_id = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"k7Yq"}}}]}"#;
        let own = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ops"},"Action":"sts:AssumeRole"}]}"#;
        let mut read_partner = role("read-partner", Some(with_id));
        read_partner.attached = vec![READ_ONLY_POLICY.into()];
        let mut read_own = role("read-own", Some(own));
        read_own.attached = vec![READ_ONLY_POLICY.into()];
        let mut read_unknown = role("read-unknown", None);
        read_unknown.attached = vec![READ_ONLY_POLICY.into()];
        let roles = [
            role("partner", Some(partner)),
            role("with-id", Some(with_id)),
            role("anyone-with-id", Some(anyone_with_id)),
            role("own", Some(own)),
            read_partner,
            read_own,
            read_unknown,
        ];
        let out = evaluate(&roles.iter().collect::<Vec<_>>(), ACCOUNT);
        assert_eq!(status(&out, "IAM-16", "partner"), Status::Fail);
        assert_eq!(status(&out, "IAM-16", "with-id"), Status::Pass);
        // Anyone with the id is not an account's secret: it needs the caller pinned too.
        assert_eq!(status(&out, "IAM-16", "anyone-with-id"), Status::Fail);
        assert!(
            !out.iter()
                .any(|f| f.check == "IAM-16" && f.resource.ends_with("/own"))
        );
        assert_eq!(status(&out, "IAM-17", "read-partner"), Status::Fail);
        assert_eq!(status(&out, "IAM-17", "read-own"), Status::Pass);
        assert_eq!(status(&out, "IAM-17", "read-unknown"), Status::Error);
        assert_eq!(status(&out, "IAM-17", "partner"), Status::Pass);
    }
}
