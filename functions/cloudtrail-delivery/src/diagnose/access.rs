//! Does a resource-policy statement apply to a request CloudTrail makes?
//!
//! CloudTrail writes to S3 and asks KMS for data keys as the service principal
//! `cloudtrail.amazonaws.com`, and AWS knows exactly which condition keys such a request
//! carries (`aws:SourceArn`, `aws:SourceAccount`, `s3:x-amz-acl`, the KMS encryption
//! context...) and which it never carries (`aws:PrincipalArn`, `aws:PrincipalOrgID`, ...: those
//! describe IAM principals). A statement is evaluated against that request the way IAM does:
//! principal, action and resource with `*` / `?` wildcards, then every condition. A condition
//! on a key or with an operator this module does not model is *unknown*, never guessed: a
//! statement that might apply is reported as such, not counted as granting or denying.

use vigil::policy::analysis::{wildcard_match, wildcard_match_cased};
use vigil::policy::{Principal, Statement, condition_strings};

/// A request made by an AWS service principal.
#[derive(Debug, Clone)]
pub(crate) struct ServiceRequest<'a> {
    pub(crate) service: &'a str,
    pub(crate) action: &'a str,
    pub(crate) resource: &'a str,
    /// Condition keys the request carries, with their values (keys compared case-insensitively).
    pub(crate) present: Vec<(&'a str, String)>,
    /// Keys the request is known not to carry.
    pub(crate) absent: &'a [&'a str],
}

impl<'a> ServiceRequest<'a> {
    /// A request `service` makes on behalf of `source_arn` (a resource of `source_account`),
    /// carrying the keys every such request carries (`aws:SourceArn`, `aws:SourceAccount`,
    /// `aws:SecureTransport`, `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName`) and
    /// none of [`ABSENT_FOR_SERVICE_PRINCIPALS`]. The caller adds the action's own keys.
    pub(crate) fn on_behalf_of(
        service: &'a str,
        action: &'a str,
        resource: &'a str,
        source_arn: &str,
        source_account: &str,
    ) -> Self {
        ServiceRequest {
            service,
            action,
            resource,
            present: vec![
                ("aws:SourceArn", source_arn.to_owned()),
                ("aws:SourceAccount", source_account.to_owned()),
                ("aws:SecureTransport", "true".to_owned()),
                ("aws:PrincipalIsAWSService", "true".to_owned()),
                ("aws:PrincipalServiceName", service.to_owned()),
            ],
            absent: ABSENT_FOR_SERVICE_PRINCIPALS,
        }
    }
}

/// Keys that describe an IAM principal or a network path; a service principal's request has
/// none of them.
pub(crate) const ABSENT_FOR_SERVICE_PRINCIPALS: &[&str] = &[
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpcSourceIp",
    "aws:SourceIdentity",
    "aws:TokenIssueTime",
    "aws:FederatedProvider",
];

/// Three-valued: a statement applies, does not, or cannot be decided from what is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applies {
    Yes,
    No,
    Unknown,
}

/// The result of one condition test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConditionTest {
    pub(crate) operator: String,
    pub(crate) key: String,
    pub(crate) values: Vec<String>,
    pub(crate) outcome: Applies,
}

/// How a statement matched a request, part by part, so a diagnosis can say what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Match {
    pub(crate) principal: bool,
    pub(crate) action: bool,
    pub(crate) resource: bool,
    pub(crate) conditions: Vec<ConditionTest>,
}

impl Match {
    pub(crate) fn applies(&self) -> Applies {
        if !(self.principal && self.action && self.resource) {
            return Applies::No;
        }
        let mut result = Applies::Yes;
        for test in &self.conditions {
            match test.outcome {
                Applies::No => return Applies::No,
                Applies::Unknown => result = Applies::Unknown,
                Applies::Yes => {}
            }
        }
        result
    }

    /// The conditions that fail or cannot be decided.
    pub(crate) fn unmet(&self) -> impl Iterator<Item = &ConditionTest> {
        self.conditions.iter().filter(|t| t.outcome != Applies::Yes)
    }

    /// Whether a condition on `key` with one of `operators` was present and met.
    pub(crate) fn met_condition(&self, key: &str, operators: &[&str]) -> bool {
        self.conditions.iter().any(|t| {
            t.key.eq_ignore_ascii_case(key)
                && t.outcome == Applies::Yes
                && operators
                    .iter()
                    .any(|op| base_operator(&t.operator).0 == *op)
        })
    }
}

/// Evaluates `statement` against `request`.
pub(crate) fn evaluate(statement: &Statement, request: &ServiceRequest<'_>) -> Match {
    let principal = match (&statement.principal, &statement.not_principal) {
        (Some(p), _) => principal_names(p, request.service),
        (None, Some(np)) => !principal_names(np, request.service),
        (None, None) => false,
    };
    let action = if !statement.action.is_empty() {
        any_match(&statement.action, request.action, false)
    } else {
        !statement.not_action.is_empty() && !any_match(&statement.not_action, request.action, false)
    };
    let resource = if !statement.resource.is_empty() {
        any_match(&statement.resource, request.resource, true)
    } else {
        !statement.not_resource.is_empty()
            && !any_match(&statement.not_resource, request.resource, true)
    };
    let mut conditions = Vec::new();
    for (operator, keys) in &statement.condition {
        let Some(keys) = keys.as_object() else {
            conditions.push(ConditionTest {
                operator: operator.clone(),
                key: String::new(),
                values: Vec::new(),
                outcome: Applies::Unknown,
            });
            continue;
        };
        for (key, values) in keys {
            let values = condition_strings(values);
            let outcome = test_condition(operator, key, &values, request);
            conditions.push(ConditionTest {
                operator: operator.clone(),
                key: key.clone(),
                values,
                outcome,
            });
        }
    }
    Match {
        principal,
        action,
        resource,
        conditions,
    }
}

fn principal_names(principal: &Principal, service: &str) -> bool {
    match principal {
        Principal::Anyone => true,
        Principal::Named(_) => principal.values("Service").iter().any(|s| s == service),
    }
}

fn any_match(patterns: &[String], value: &str, case_sensitive: bool) -> bool {
    let matches = if case_sensitive {
        wildcard_match_cased
    } else {
        wildcard_match
    };
    patterns.iter().any(|p| matches(p, value))
}

/// `ForAnyValue:StringLikeIfExists` → (`StringLike`, if_exists = true). The set qualifiers
/// are dropped: every key CloudTrail's requests carry is single-valued, where they mean the
/// same as the plain operator.
fn base_operator(operator: &str) -> (&str, bool) {
    let op = operator
        .strip_prefix("ForAnyValue:")
        .or_else(|| operator.strip_prefix("ForAllValues:"))
        .unwrap_or(operator);
    match op.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (op, false),
    }
}

fn test_condition(
    operator: &str,
    key: &str,
    values: &[String],
    request: &ServiceRequest<'_>,
) -> Applies {
    let (op, if_exists) = base_operator(operator);
    let actual = request
        .present
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str());
    let known_absent = request.absent.iter().any(|k| k.eq_ignore_ascii_case(key));
    if op == "Null" {
        // "Null": "true" means the key must be absent.
        return match (actual.is_some(), known_absent) {
            (false, false) => Applies::Unknown,
            (present, _) => {
                let wants_absent = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
                bool_applies(wants_absent != present)
            }
        };
    }
    let negated = op.contains("Not");
    let Some(actual) = actual else {
        if !known_absent {
            return Applies::Unknown;
        }
        // IAM: a missing key fails every positive operator and satisfies every negated one;
        // ...IfExists makes a missing key satisfy the condition.
        return bool_applies(if_exists || negated);
    };
    let matches = |expected: &str| -> Option<bool> {
        Some(match op {
            "StringEquals" | "StringNotEquals" => expected == actual,
            "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => {
                expected.eq_ignore_ascii_case(actual)
            }
            "StringLike" | "StringNotLike" | "ArnEquals" | "ArnLike" | "ArnNotEquals"
            | "ArnNotLike" => wildcard_match_cased(expected, actual),
            "Bool" => expected.eq_ignore_ascii_case(actual),
            _ => return None,
        })
    };
    let mut any = false;
    for expected in values {
        match matches(expected) {
            None => return Applies::Unknown,
            Some(true) => any = true,
            Some(false) => {}
        }
    }
    bool_applies(any != negated)
}

fn bool_applies(b: bool) -> Applies {
    if b { Applies::Yes } else { Applies::No }
}

/// A short description of a condition test for evidence: `StringEquals aws:SourceArn = [..]`.
pub(crate) fn describe(test: &ConditionTest) -> String {
    format!(
        "{} {} = {}",
        test.operator,
        test.key,
        serde_json::to_string(&test.values).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";

    fn put_object() -> ServiceRequest<'static> {
        ServiceRequest {
            service: "cloudtrail.amazonaws.com",
            action: "s3:PutObject",
            resource: "arn:aws:s3:::logs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/x.json.gz",
            present: vec![
                ("aws:SourceArn", TRAIL.to_owned()),
                ("aws:SourceAccount", "111122223333".to_owned()),
                ("s3:x-amz-acl", "bucket-owner-full-control".to_owned()),
                ("aws:SecureTransport", "true".to_owned()),
                ("aws:PrincipalIsAWSService", "true".to_owned()),
            ],
            absent: ABSENT_FOR_SERVICE_PRINCIPALS,
        }
    }

    fn statement(value: Value) -> Statement {
        Statement::from_value(&value).unwrap()
    }

    #[test]
    fn the_documented_write_statement_applies() {
        let s = statement(json!({
            "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/AWSLogs/111122223333/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}}
        }));
        let m = evaluate(&s, &put_object());
        assert_eq!(m.applies(), Applies::Yes);
        assert!(m.met_condition("s3:x-amz-acl", &["StringEquals", "StringLike"]));
    }

    #[test]
    fn wrong_prefix_other_trail_and_wildcards() {
        let wrong_prefix = statement(json!({
            "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/old-prefix/AWSLogs/111122223333/*"
        }));
        let m = evaluate(&wrong_prefix, &put_object());
        assert!(!m.resource);
        assert_eq!(m.applies(), Applies::No);

        let other_trail = statement(json!({
            "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:Put*", "Resource": "arn:aws:s3:::logs/*",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/other"}}
        }));
        let m = evaluate(&other_trail, &put_object());
        assert!(m.action && m.resource);
        assert_eq!(m.unmet().next().unwrap().key, "aws:SourceArn");
        assert_eq!(m.applies(), Applies::No);

        let any_trail = statement(json!({
            "Effect": "Allow", "Principal": "*", "Action": "S3:*", "Resource": "arn:aws:s3:::logs/*",
            "Condition": {"StringLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/*"}}
        }));
        assert_eq!(evaluate(&any_trail, &put_object()).applies(), Applies::Yes);
    }

    #[test]
    fn org_id_deny_catches_service_principals_unless_exempted() {
        let deny = statement(json!({
            "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}
        }));
        assert_eq!(evaluate(&deny, &put_object()).applies(), Applies::Yes);
        let exempted = statement(json!({
            "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}, "Bool": {"aws:PrincipalIsAWSService": "false"}}
        }));
        assert_eq!(evaluate(&exempted, &put_object()).applies(), Applies::No);
        let tls_only = statement(json!({
            "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*",
            "Condition": {"Bool": {"aws:SecureTransport": false}}
        }));
        assert_eq!(evaluate(&tls_only, &put_object()).applies(), Applies::No);
    }

    #[test]
    fn unknown_keys_and_operators_are_not_guessed() {
        let by_ip = statement(json!({
            "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
        }));
        assert_eq!(evaluate(&by_ip, &put_object()).applies(), Applies::Unknown);
        let if_exists = statement(json!({
            "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}, "Null": {"aws:SourceArn": "false"}}
        }));
        assert_eq!(evaluate(&if_exists, &put_object()).applies(), Applies::Yes);
    }

    #[test]
    fn not_principal_not_action_and_other_principals() {
        let s = statement(json!({
            "Effect": "Deny", "NotPrincipal": {"Service": "cloudtrail.amazonaws.com"},
            "NotAction": "s3:GetObject", "Resource": "*"
        }));
        let m = evaluate(&s, &put_object());
        assert!(!m.principal);
        assert!(m.action);
        let role_only = statement(json!({
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:*", "Resource": "*"
        }));
        assert_eq!(evaluate(&role_only, &put_object()).applies(), Applies::No);
    }
}
