//! Wildcard and privilege analysis of policy documents.
//!
//! Identity policies: which statements grant administrator-equivalent access (`Action: "*"`,
//! or an `Allow` with `NotAction` on every resource that still leaves IAM writes open), pass or
//! assume any role, or allow sensitive actions on every resource. Resource policies: which
//! statements let anyone in without a condition that pins the caller to an account or
//! organisation, and whether a bucket policy refuses requests without TLS.
//!
//! Matching follows IAM: action names compare case-insensitively, `*` matches any run of
//! characters and `?` one character; `NotAction` allows everything it does not match;
//! `NotResource` in an `Allow` is treated as covering every resource but those named, so as
//! broad as `*` for these questions. Conditions are never evaluated; statements carry them
//! so a finding can show them.

use wildmatch::WildMatch;

use super::{Effect, PolicyDocument, Principal, Statement};

/// IAM-style wildcard match (`*` any run, `?` one character), case-insensitive: for action
/// names.
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    WildMatch::new_case_insensitive(pattern).matches(value)
}

/// [`wildcard_match`], case-sensitive: for resource ARNs and `StringLike` / `ArnLike`
/// condition values, which IAM compares exactly.
pub fn wildcard_match_cased(pattern: &str, value: &str) -> bool {
    WildMatch::new(pattern).matches(value)
}

impl Statement {
    /// Whether this statement, if its conditions hold, allows `action` (e.g. `iam:PassRole`).
    pub fn allows_action(&self, action: &str) -> bool {
        if self.effect != Effect::Allow {
            return false;
        }
        if !self.not_action.is_empty() {
            return !self.not_action.iter().any(|p| wildcard_match(p, action));
        }
        self.action.iter().any(|p| wildcard_match(p, action))
    }

    /// Whether the statement applies to every resource (`*`, or an `Allow` with `NotResource`).
    pub fn on_any_resource(&self) -> bool {
        self.resource.iter().any(|r| r == "*") || !self.not_resource.is_empty()
    }

    /// Whether an `Action` entry is a bare wildcard (`*` or `*:*`).
    pub fn allows_every_action(&self) -> bool {
        self.effect == Effect::Allow && self.action.iter().any(|a| a == "*" || a == "*:*")
    }
}

/// Why an identity-policy statement is broader than least privilege allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concern {
    /// `Allow` `*` on `*`: the AWS-documented "full administrative privileges" shape.
    FullAdmin,
    /// `Allow` with `NotAction` on every resource that still allows IAM policy writes: the
    /// principal can grant itself anything.
    AdminViaNotAction { not_action: Vec<String> },
    /// All IAM actions (`iam:*`) on every resource: also administrator-equivalent.
    IamWildcard,
    /// `iam:PassRole` on every resource.
    PassRoleOnAny,
    /// `sts:AssumeRole` on every resource.
    AssumeRoleOnAny,
    /// A sensitive action (e.g. `kms:Decrypt`) on every resource.
    SensitiveOnAny { action: String },
}

impl Concern {
    /// Whether the concern is administrator-equivalent.
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Concern::FullAdmin | Concern::AdminViaNotAction { .. } | Concern::IamWildcard
        )
    }
}

impl std::fmt::Display for Concern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Concern::FullAdmin => f.write_str("allows * on *"),
            Concern::AdminViaNotAction { not_action } => write!(
                f,
                "allows every action except [{}] on *, including IAM policy writes",
                not_action.join(", ")
            ),
            Concern::IamWildcard => f.write_str("allows iam:* on *"),
            Concern::PassRoleOnAny => f.write_str("allows iam:PassRole on *"),
            Concern::AssumeRoleOnAny => f.write_str("allows sts:AssumeRole on *"),
            Concern::SensitiveOnAny { action } => write!(f, "allows {action} on *"),
        }
    }
}

/// Actions that must never be allowed on every resource.
pub const SENSITIVE_ACTIONS: &[&str] = &["kms:Decrypt", "secretsmanager:GetSecretValue"];

/// IAM writes that let a principal grant itself more: if a `NotAction` statement leaves any of
/// these allowed on `*`, it is administrator-equivalent.
const ESCALATION_ACTIONS: &[&str] = &[
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
];

/// A statement's concerns, with its position in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged<'a> {
    pub index: usize,
    pub statement: &'a Statement,
    pub concern: Concern,
}

/// Every least-privilege concern in an identity policy, statement by statement. One statement
/// can raise several (e.g. `*` on `*` also passes any role); an administrator-equivalent
/// statement is reported once as such and not again for each action it covers.
pub fn identity_concerns(doc: &PolicyDocument) -> Vec<Flagged<'_>> {
    let mut out = Vec::new();
    for (index, s) in doc.statements.iter().enumerate() {
        if s.effect != Effect::Allow || !s.on_any_resource() {
            continue;
        }
        let mut push = |concern| {
            out.push(Flagged {
                index,
                statement: s,
                concern,
            })
        };
        if s.allows_every_action() {
            push(Concern::FullAdmin);
            continue;
        }
        if !s.not_action.is_empty() && ESCALATION_ACTIONS.iter().any(|a| s.allows_action(a)) {
            push(Concern::AdminViaNotAction {
                not_action: s.not_action.clone(),
            });
            continue;
        }
        if s.action.iter().any(|a| a.eq_ignore_ascii_case("iam:*")) {
            push(Concern::IamWildcard);
            continue;
        }
        if s.allows_action("iam:PassRole") {
            push(Concern::PassRoleOnAny);
        }
        if s.allows_action("sts:AssumeRole") {
            push(Concern::AssumeRoleOnAny);
        }
        for action in SENSITIVE_ACTIONS {
            if s.allows_action(action) {
                push(Concern::SensitiveOnAny {
                    action: (*action).to_owned(),
                });
            }
        }
    }
    out
}

/// Condition keys that pin a public principal to known callers (account, organisation or
/// source). A `"*"` principal with one of these under a positive operator is not public.
pub const RESTRICTING_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "kms:CallerAccount",
];

/// Condition operators that pin a key to the values listed: not negations, not `Null`, and not
/// `ForAllValues:*`, which holds when the key is absent from the request (an anonymous caller
/// has no `aws:PrincipalOrgID`), so it pins nothing.
pub const PINNING_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "ForAnyValue:StringEquals",
    "ForAnyValue:StringLike",
];

impl Statement {
    /// Whether a condition pins the caller with one of [`RESTRICTING_KEYS`] to values that are
    /// not themselves wildcards.
    pub fn restricts_caller(&self) -> bool {
        PINNING_OPERATORS.iter().any(|op| {
            RESTRICTING_KEYS.iter().any(|key| {
                let values = self.condition_values(op, key);
                !values.is_empty() && values.iter().all(|v| v != "*")
            })
        })
    }

    /// `Allow` to anyone (`"*"` / `{"AWS": "*"}`) with no condition that restricts the caller.
    pub fn is_public_allow(&self) -> bool {
        self.effect == Effect::Allow
            && matches!(self.principal, Some(Principal::Anyone))
            && !self.restricts_caller()
    }
}

/// Statements of a resource policy that let anyone in unconditionally.
pub fn public_statements(doc: &PolicyDocument) -> Vec<(usize, &Statement)> {
    doc.statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_public_allow())
        .collect()
}

/// Whether a bucket policy denies requests made without TLS on the bucket and its objects:
/// a `Deny` to `"*"` covering `s3:*` (or every action) on `arn:…:bucket` and `arn:…:bucket/*`
/// when `aws:SecureTransport` is `false`, or when `s3:TlsVersion` is below a minimum.
pub fn denies_insecure_transport(doc: &PolicyDocument, bucket_arn: &str) -> bool {
    let objects = format!("{bucket_arn}/*");
    // Resource ARNs compare case-sensitively, as IAM compares them.
    let covers = |s: &Statement, arn: &str| s.resource.iter().any(|r| wildcard_match_cased(r, arn));
    doc.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && matches!(s.principal, Some(Principal::Anyone))
            && (s
                .action
                .iter()
                .any(|a| wildcard_match(a, "s3:GetObject") && wildcard_match(a, "s3:PutObject")))
            && covers(s, bucket_arn)
            && covers(s, &objects)
            && (s
                .condition_values("Bool", "aws:SecureTransport")
                .iter()
                .any(|v| v.eq_ignore_ascii_case("false"))
                || !s
                    .condition_values("NumericLessThan", "s3:TlsVersion")
                    .is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: serde_json::Value) -> PolicyDocument {
        PolicyDocument::from_value(&v).unwrap()
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("*", "iam:PassRole"));
        assert!(wildcard_match("iam:*", "IAM:PassRole"));
        assert!(wildcard_match("iam:Pass*", "iam:passrole"));
        assert!(wildcard_match("s3:Get?bject", "s3:GetObject"));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject"));
        assert!(wildcard_match("arn:aws:s3:::b*", "arn:aws:s3:::bucket/x"));
        assert!(!wildcard_match("a*b", "acbd"));
        assert!(wildcard_match("a*b*", "acbd"));
    }

    #[test]
    fn full_admin_with_string_or_array_forms() {
        for v in [
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
            json!({"Statement": [{"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}]}),
        ] {
            let d = doc(v);
            let c = identity_concerns(&d);
            assert_eq!(c.len(), 1);
            assert_eq!(c[0].concern, Concern::FullAdmin);
        }
    }

    #[test]
    fn not_action_that_leaves_iam_open_is_admin() {
        let d = doc(
            json!({"Statement": [{"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "*"}]}),
        );
        let c = identity_concerns(&d);
        assert!(
            matches!(&c[0].concern, Concern::AdminViaNotAction { not_action } if not_action == &vec!["s3:*".to_string()])
        );
        assert!(c[0].concern.is_admin());
    }

    #[test]
    fn power_user_shape_is_not_admin_but_still_flagged_for_sensitive_actions() {
        // PowerUserAccess: everything except IAM, Organizations and Account.
        let d = doc(
            json!({"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}]}),
        );
        let c: Vec<Concern> = identity_concerns(&d)
            .into_iter()
            .map(|f| f.concern)
            .collect();
        assert!(!c.iter().any(Concern::is_admin), "{c:?}");
        assert!(c.contains(&Concern::AssumeRoleOnAny));
        assert!(c.contains(&Concern::SensitiveOnAny {
            action: "kms:Decrypt".into()
        }));
        assert!(!c.contains(&Concern::PassRoleOnAny));
    }

    #[test]
    fn pass_role_assume_role_and_sensitive_actions_on_any_resource() {
        let d = doc(json!({"Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["kms:Decrypt", "secretsmanager:Get*"], "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "x"}}},
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:1:key/k"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"}
        ]}));
        let c: Vec<(usize, Concern)> = identity_concerns(&d)
            .into_iter()
            .map(|f| (f.index, f.concern))
            .collect();
        assert_eq!(
            c,
            vec![
                (0, Concern::PassRoleOnAny),
                (1, Concern::AssumeRoleOnAny),
                (
                    2,
                    Concern::SensitiveOnAny {
                        action: "kms:Decrypt".into()
                    }
                ),
                (
                    2,
                    Concern::SensitiveOnAny {
                        action: "secretsmanager:GetSecretValue".into()
                    }
                ),
                (3, Concern::IamWildcard),
            ]
        );
    }

    #[test]
    fn public_principal_needs_a_restricting_condition() {
        let d = doc(json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}},
            {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalOrgID": "*"}}},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}
        ]}));
        let public: Vec<usize> = public_statements(&d).into_iter().map(|(i, _)| i).collect();
        assert_eq!(
            public,
            vec![0, 2, 4],
            "ForAllValues holds for a caller without the key"
        );
    }

    #[test]
    fn tls_only_bucket_policy() {
        let arn = "arn:aws:s3:::logs";
        let good = doc(
            json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [arn, "arn:aws:s3:::logs/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
        );
        assert!(denies_insecure_transport(&good, arn));
        let objects_only = doc(
            json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::logs/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
        );
        assert!(!denies_insecure_transport(&objects_only, arn));
        let allow = doc(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Resource": [arn, "arn:aws:s3:::logs/*"], "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}),
        );
        assert!(!denies_insecure_transport(&allow, arn));
        let tls_version = doc(
            json!({"Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
            "Resource": ["arn:aws:s3:::logs*"], "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}]}),
        );
        assert!(denies_insecure_transport(&tls_version, arn));
        // Unquoted JSON booleans and numbers are condition values too.
        let unquoted = doc(
            json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [arn, "arn:aws:s3:::logs/*"], "Condition": {"Bool": {"aws:SecureTransport": false}}}]}),
        );
        assert!(denies_insecure_transport(&unquoted, arn));
        // Another bucket's ARN in other case protects nothing here.
        let other_case = doc(
            json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::LOGS", "arn:aws:s3:::LOGS/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
        );
        assert!(!denies_insecure_transport(&other_case, arn));
    }

    #[test]
    fn wildcards_on_resources_are_case_sensitive() {
        assert!(wildcard_match("S3:Get*", "s3:GetObject"));
        assert!(wildcard_match_cased(
            "arn:aws:s3:::logs/*",
            "arn:aws:s3:::logs/AWSLogs/1"
        ));
        assert!(!wildcard_match_cased(
            "arn:aws:s3:::Logs/*",
            "arn:aws:s3:::logs/x"
        ));
        assert!(wildcard_match_cased(
            "arn:aws:s3:::l?gs",
            "arn:aws:s3:::logs"
        ));
    }
}
