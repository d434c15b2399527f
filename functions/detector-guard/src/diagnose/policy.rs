//! What GuardDuty needs from the export bucket's and key's policies, and whether a policy gives
//! it: the statements AWS documents for a findings export, and an evaluation of a policy's
//! statements against the requests GuardDuty makes (principal, action, resource and the
//! condition keys such a request carries).
//!
//! Conditions are evaluated for the operators and keys a GuardDuty export request carries
//! (`StringEquals`/`Like`, `ArnEquals`/`Like`, their negations, `Bool`, `Null`, `...IfExists`);
//! anything else is [`Applies::Unknown`]: an Allow that depends on it is not counted as a
//! grant (the documented statement is added next to it), a Deny that depends on it is reported
//! as one that may block, never silently passed.

use serde_json::{Value, json};
use vigil::policy::analysis::{wildcard_match, wildcard_match_cased};
use vigil::policy::{Effect, PolicyDocument, Principal, Statement};

/// GuardDuty's service principal.
pub(crate) const SERVICE: &str = "guardduty.amazonaws.com";

/// A request GuardDuty makes when it exports a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Request {
    pub(super) action: &'static str,
    pub(super) resource: String,
    /// Condition keys and their values in the request.
    pub(super) context: Vec<(&'static str, String)>,
}

/// Whether a statement applies to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applies {
    Yes,
    No,
    /// It depends on a condition Vigil cannot evaluate.
    Unknown,
}

/// The export as GuardDuty sees it: who writes, where, with which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Export<'a> {
    pub(super) partition: &'a str,
    pub(super) account: &'a str,
    pub(super) region: &'a str,
    pub(super) detector_arn: String,
    pub(super) bucket: &'a str,
    pub(super) prefix: Option<&'a str>,
    pub(super) key_arn: &'a str,
}

impl Export<'_> {
    fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }

    /// Where GuardDuty writes: `<prefix>/AWSLogs/<account>/GuardDuty/<region>/...`.
    fn objects(&self) -> String {
        match self.prefix {
            Some(p) => format!("{}/{p}/*", self.bucket_arn()),
            None => format!("{}/*", self.bucket_arn()),
        }
    }

    fn base_context(&self) -> Vec<(&'static str, String)> {
        vec![
            ("aws:SourceAccount", self.account.to_owned()),
            ("aws:SourceArn", self.detector_arn.clone()),
            ("aws:SecureTransport", "true".into()),
            ("aws:PrincipalIsAWSService", "true".into()),
            ("aws:PrincipalServiceName", SERVICE.into()),
        ]
    }

    /// The requests the bucket policy must allow, with what each is for.
    pub(super) fn bucket_requests(&self) -> Vec<(&'static str, Request)> {
        let object = format!(
            "{}/{}AWSLogs/{}/GuardDuty/{}/finding.jsonl.gz",
            self.bucket_arn(),
            self.prefix.map(|p| format!("{p}/")).unwrap_or_default(),
            self.account,
            self.region
        );
        let mut put_context = self.base_context();
        put_context.push(("s3:x-amz-server-side-encryption", "aws:kms".into()));
        put_context.push((
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            self.key_arn.to_owned(),
        ));
        vec![
            (
                "locate the bucket",
                Request {
                    action: "s3:GetBucketLocation",
                    resource: self.bucket_arn(),
                    context: self.base_context(),
                },
            ),
            (
                "write findings",
                Request {
                    action: "s3:PutObject",
                    resource: object.clone(),
                    context: put_context,
                },
            ),
        ]
    }

    /// A request only a Deny matters for: GuardDuty's exports fail if `PutObjectAcl` is denied.
    pub(super) fn acl_request(&self) -> Request {
        let (_, write) = self.bucket_requests().remove(1);
        Request {
            action: "s3:PutObjectAcl",
            ..write
        }
    }

    pub(super) fn key_request(&self) -> Request {
        Request {
            action: "kms:GenerateDataKey",
            resource: self.key_arn.to_owned(),
            context: self.base_context(),
        }
    }

    /// The two statements AWS documents for the bucket (GetBucketLocation, PutObject), in
    /// bucket-request order.
    pub(super) fn bucket_statements(&self) -> [Value; 2] {
        let condition = json!({"StringEquals": {
            "aws:SourceAccount": self.account, "aws:SourceArn": self.detector_arn}});
        [
            json!({"Sid": "AllowGuardDutyGetBucketLocation", "Effect": "Allow",
                "Principal": {"Service": SERVICE}, "Action": "s3:GetBucketLocation",
                "Resource": self.bucket_arn(), "Condition": condition}),
            json!({"Sid": "AllowGuardDutyPutObject", "Effect": "Allow",
                "Principal": {"Service": SERVICE}, "Action": "s3:PutObject",
                "Resource": self.objects(), "Condition": condition}),
        ]
    }

    /// The statement AWS documents for the key (in a key policy, `*` is the key itself).
    pub(super) fn key_statement(&self) -> Value {
        json!({"Sid": "AllowGuardDutyKey", "Effect": "Allow",
            "Principal": {"Service": SERVICE}, "Action": "kms:GenerateDataKey",
            "Resource": "*", "Condition": {"StringEquals": {
                "aws:SourceAccount": self.account, "aws:SourceArn": self.detector_arn}}})
    }
}

/// Whether some Allow statement certainly applies to `request`.
pub(super) fn granted(doc: &PolicyDocument, request: &Request) -> bool {
    doc.statements
        .iter()
        .any(|s| s.effect == Effect::Allow && applies(s, request) == Applies::Yes)
}

/// The Deny statements that apply (or may apply) to `request`, labelled for people.
pub(super) fn denials(doc: &PolicyDocument, request: &Request) -> Vec<(String, Applies)> {
    doc.statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Deny)
        .map(|(i, s)| (label(s, i), applies(s, request)))
        .filter(|(_, a)| *a != Applies::No)
        .collect()
}

/// `Sid` when the statement has one, else its position.
fn label(s: &Statement, i: usize) -> String {
    s.sid
        .clone()
        .unwrap_or_else(|| format!("#{} (no Sid)", i + 1))
}

fn names_guardduty(values: &[String]) -> bool {
    values
        .iter()
        .any(|v| v == SERVICE || (v.starts_with("guardduty.") && v.ends_with(".amazonaws.com")))
}

pub(super) fn applies(s: &Statement, request: &Request) -> Applies {
    let principal = match (&s.principal, &s.not_principal) {
        (Some(Principal::Anyone), _) => true,
        (Some(p @ Principal::Named(_)), _) => names_guardduty(p.values("Service")),
        (None, Some(Principal::Anyone)) => false,
        (None, Some(p @ Principal::Named(_))) => !names_guardduty(p.values("Service")),
        // An identity-policy statement: not one that speaks to a service principal.
        (None, None) => false,
    };
    let action = if s.not_action.is_empty() {
        s.action.iter().any(|a| wildcard_match(a, request.action))
    } else {
        !s.not_action
            .iter()
            .any(|a| wildcard_match(a, request.action))
    };
    let resource = if s.not_resource.is_empty() {
        s.resource.is_empty()
            || s.resource
                .iter()
                .any(|r| wildcard_match_cased(r, &request.resource))
    } else {
        !s.not_resource
            .iter()
            .any(|r| wildcard_match_cased(r, &request.resource))
    };
    if !(principal && action && resource) {
        return Applies::No;
    }
    let mut verdict = Applies::Yes;
    for (operator, keys) in &s.condition {
        let Some(keys) = keys.as_object() else {
            return Applies::Unknown;
        };
        for (key, values) in keys {
            match condition(
                operator,
                key,
                &vigil::policy::condition_strings(values),
                request,
            ) {
                Applies::No => return Applies::No,
                Applies::Unknown => verdict = Applies::Unknown,
                Applies::Yes => {}
            }
        }
    }
    verdict
}

fn condition(operator: &str, key: &str, values: &[String], request: &Request) -> Applies {
    if operator.starts_with("ForAnyValue:") || operator.starts_with("ForAllValues:") {
        return Applies::Unknown;
    }
    let (operator, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    const KNOWN: [&str; 15] = [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "ArnEquals",
        "ArnNotEquals",
        "ArnLike",
        "ArnNotLike",
        "Bool",
        "Null",
        // Never in a GuardDuty export request's context, but named so the key check below
        // answers for them instead of Unknown.
        "IpAddress",
        "NotIpAddress",
        "NumericEquals",
    ];
    if !KNOWN.contains(&operator) {
        return Applies::Unknown;
    }
    let actual = request
        .context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str());
    let yes = |b: bool| if b { Applies::Yes } else { Applies::No };
    if operator == "Null" {
        let wants_absent = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return yes(wants_absent == actual.is_none());
    }
    let negated = operator.contains("Not");
    let Some(actual) = actual else {
        // A key the request lacks: IfExists and negated operators hold, the others do not.
        return yes(if_exists || negated);
    };
    let equal = |v: &String| match operator {
        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => v.eq_ignore_ascii_case(actual),
        _ => v == actual,
    };
    let like = |v: &String| wildcard_match_cased(v, actual);
    let hit = match operator {
        "StringEquals"
        | "StringNotEquals"
        | "StringEqualsIgnoreCase"
        | "StringNotEqualsIgnoreCase"
        | "ArnEquals"
        | "ArnNotEquals" => values.iter().any(equal),
        "StringLike" | "StringNotLike" | "ArnLike" | "ArnNotLike" => values.iter().any(like),
        "Bool" => values.iter().any(|v| v.eq_ignore_ascii_case(actual)),
        _ => return Applies::Unknown,
    };
    yes(hit != negated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export() -> Export<'static> {
        Export {
            partition: "aws",
            account: "111122223333",
            region: "us-east-1",
            detector_arn: "arn:aws:guardduty:us-east-1:111122223333:detector/d1".into(),
            bucket: "findings",
            prefix: None,
            key_arn: "arn:aws:kms:us-east-1:111122223333:key/k1",
        }
    }

    fn doc(statements: Value) -> PolicyDocument {
        PolicyDocument::from_value(&json!({"Version": "2012-10-17", "Statement": statements}))
            .unwrap()
    }

    #[test]
    fn the_documented_statements_grant_what_guardduty_asks() {
        let e = export();
        let policy = doc(Value::Array(e.bucket_statements().to_vec()));
        for (_, request) in e.bucket_requests() {
            assert!(granted(&policy, &request), "{}", request.action);
        }
        let key = doc(json!([e.key_statement()]));
        assert!(granted(&key, &e.key_request()));
        // Another detector's statements do not.
        let mut other = export();
        other.detector_arn = "arn:aws:guardduty:us-east-1:111122223333:detector/old".into();
        let (_, write) = other.bucket_requests().remove(1);
        assert!(!granted(&policy, &write));
    }

    #[test]
    fn the_documented_denies_pass_the_right_key_and_stop_a_wrong_one() {
        let e = export();
        let denies = json!([
            {"Sid": "DenyUnencrypted", "Effect": "Deny", "Principal": {"Service": SERVICE},
             "Action": "s3:PutObject", "Resource": "arn:aws:s3:::findings/*",
             "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
            {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": {"Service": SERVICE},
             "Action": "s3:PutObject", "Resource": "arn:aws:s3:::findings/*",
             "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:111122223333:key/other"}}},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::findings", "arn:aws:s3:::findings/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "DenyAcls", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObjectAcl",
             "Resource": "arn:aws:s3:::findings/*"},
            {"Sid": "Odd", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::findings/*",
             "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}
        ]);
        let policy = doc(denies);
        let (_, write) = e.bucket_requests().remove(1);
        let found = denials(&policy, &write);
        assert_eq!(
            found,
            vec![
                ("DenyOtherKeys".to_owned(), Applies::Yes),
                ("Odd".to_owned(), Applies::Unknown)
            ]
        );
        assert_eq!(
            denials(&policy, &e.acl_request()),
            vec![("DenyAcls".to_owned(), Applies::Yes)]
        );
    }

    #[test]
    fn conditions_follow_iam() {
        let e = export();
        let (_, write) = e.bucket_requests().remove(1);
        let s = |c: Value| {
            Statement::from_value(
                &json!({"Effect": "Allow", "Principal": {"Service": SERVICE},
                "Action": "s3:Put*", "Resource": "*", "Condition": c}),
            )
            .unwrap()
        };
        for (c, expected) in [
            (
                json!({"StringLike": {"aws:SourceArn": "arn:aws:guardduty:*:111122223333:detector/*"}}),
                Applies::Yes,
            ),
            (
                json!({"ArnEquals": {"aws:SourceArn": "arn:aws:guardduty:us-east-1:111122223333:detector/other"}}),
                Applies::No,
            ),
            (
                json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}),
                Applies::Yes,
            ),
            (
                json!({"StringEquals": {"aws:SourceVpce": "vpce-1"}}),
                Applies::No,
            ),
            (json!({"Null": {"aws:SourceArn": "false"}}), Applies::Yes),
            (
                json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}}),
                Applies::Unknown,
            ),
        ] {
            assert_eq!(applies(&s(c.clone()), &write), expected, "{c}");
        }
        let identity =
            Statement::from_value(&json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
                .unwrap();
        assert_eq!(applies(&identity, &write), Applies::No);
    }
}
