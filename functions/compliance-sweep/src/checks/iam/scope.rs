//! How far the resources of a grant reach, judged per customer-managed policy (attached or not:
//! an unattached one is one attachment away) and per inline policy, as [`super::grants`] does.
//! IAM-23: aws-marketplace:Subscribe on every resource; IAM-24: sts:AssumeRole on a wildcard
//! resource; IAM-25: Bedrock AgentCore workload access tokens for every workload identity;
//! IAM-26: iam:PassRole of every role to Bedrock AgentCore.
//!
//! Resource patterns are read as IAM reads them (`*` any run of characters, colons included;
//! `?` one character; case-sensitive), and what a pattern reaches is decided from its shape
//! against the ARN formats, not by trying example names: "every role" is a pattern that matches
//! `arn:PARTITION:iam::ACCOUNT:role/` followed by any name and path.
//!
//! Where Prowler 5.46.0 is weaker: its four checks read only customer-managed policies that
//! are attached, skip `NotAction` (IAM-24 never sees it; IAM-25/26 report MANUAL), and count a
//! `Deny` only when it is on `*`. IAM-24 compares the action text exactly (`sts:Assume*` and
//! `STS:AssumeRole` pass there) and fails a policy whose wildcard statement is taken back by an
//! unconditional `Deny`. IAM-25 accepts `workload-identity-directory/*`, which hands out tokens
//! for every agent's identity. IAM-26 decides "every role" by two example names (so
//! `role/*a*` counts as every role) and clears a PassRole without `iam:PassedToService` when
//! the same document grants no AgentCore action, although the principal may hold that action
//! through another policy.

use vigil::aws::AwsFailure;
use vigil::policy::analysis::{wildcard_match, wildcard_match_cased};
use vigil::policy::{Effect, PolicyDocument, Statement};

use super::super::ids::{IAM_23, IAM_24, IAM_25, IAM_26};
use super::super::{Finding, ResourceType, Subject};
use super::grants::denies_always;
use crate::facts::{ApiError, AuthorizationDetails};

const SUBSCRIBE: &str = "aws-marketplace:Subscribe";
const ASSUME_ROLE: &str = "sts:AssumeRole";
const PASS_ROLE: &str = "iam:PassRole";

/// The operations that hand the caller a workload access token.
const TOKEN_ACTIONS: [&str; 3] = [
    "bedrock-agentcore:GetWorkloadAccessToken",
    "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
    "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
];

/// The AgentCore resource path every workload identity sits under (AgentCore has one directory,
/// `default`).
const IDENTITY_DIRECTORY: &str = "workload-identity-directory";
const IDENTITIES: &str = "workload-identity-directory/default/workload-identity/";

/// Service principals of the AgentCore family an `iam:PassedToService` value may name.
const AGENTCORE_PRINCIPALS: [&str; 2] = [
    "bedrock-agentcore.amazonaws.com",
    "runtime-identity.bedrock-agentcore.amazonaws.com",
];

/// Operators under which `iam:PassedToService` pins the service. The key is in the context of
/// every PassRole request, so `…IfExists` and `ForAllValues:` pin it as well.
const PASSED_TO_OPERATORS: [&str; 8] = [
    "StringEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringLikeIfExists",
    "ForAnyValue:StringEquals",
    "ForAnyValue:StringLike",
    "ForAllValues:StringEquals",
];

/// The positions of `pattern` (IAM `*` and `?`, case-sensitive) that can be reached after
/// matching `text`: empty when no string beginning with `text` matches.
fn positions_after(pattern: &[char], text: &str) -> Vec<usize> {
    let n = pattern.len();
    let close = |set: &mut Vec<bool>| {
        for i in 0..n {
            if set[i] && pattern[i] == '*' {
                set[i + 1] = true;
            }
        }
    };
    let mut set = vec![false; n + 1];
    set[0] = true;
    close(&mut set);
    for c in text.chars() {
        let mut next = vec![false; n + 1];
        for i in (0..n).filter(|&i| set[i]) {
            match pattern[i] {
                '*' => next[i] = true,
                '?' => next[i + 1] = true,
                p if p == c => next[i + 1] = true,
                _ => {}
            }
        }
        close(&mut next);
        set = next;
    }
    (0..=n).filter(|&i| set[i]).collect()
}

/// Whether some string beginning with `prefix` matches `pattern`.
fn may_start_with(pattern: &str, prefix: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    !positions_after(&p, prefix).is_empty()
}

/// Whether `pattern` matches `prefix` followed by any non-empty text: once `prefix` is read,
/// what is left of the pattern is wildcards only (at least one `*`, at most one `?`).
fn covers_everything_after(pattern: &str, prefix: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    positions_after(&p, prefix).into_iter().any(|i| {
        let rest = &p[i..];
        rest.iter().all(|c| matches!(c, '*' | '?'))
            && rest.contains(&'*')
            && rest.iter().filter(|c| **c == '?').count() <= 1
    })
}

/// The statements (by position) that allow `action` on a resource `reaches` says is too wide,
/// with those resources; none when an unconditional `Deny` on `*` takes the action back. A
/// `NotResource` statement reaches everything but what it names: it is judged as `*`.
fn too_wide(
    doc: &PolicyDocument,
    action: &str,
    reaches: &dyn Fn(&Statement, &str) -> bool,
) -> Vec<String> {
    if doc.statements.iter().any(|s| denies_always(s, action)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, s) in doc.statements.iter().enumerate() {
        if s.effect != Effect::Allow || !s.allows_action(action) {
            continue;
        }
        let wide: Vec<String> = if !s.not_resource.is_empty() {
            if reaches(s, "*") {
                vec![format!("NotResource {}", s.not_resource.join(", "))]
            } else {
                Vec::new()
            }
        } else {
            s.resource
                .iter()
                .filter(|r| reaches(s, r.as_str()))
                .cloned()
                .collect()
        };
        if !wide.is_empty() {
            let sid = s.sid.clone().unwrap_or_else(|| format!("#{i}"));
            out.push(format!("statement {sid} on {}", wide.join(", ")));
        }
    }
    out
}

/// IAM-23: aws-marketplace:Subscribe (by name, `aws-marketplace:*`, `*` or NotAction) on `*`
/// or everything but a NotResource list, conditions or not (Prowler's rule; a condition does
/// not narrow which products).
pub(crate) fn marketplace_on_any(doc: &PolicyDocument) -> Vec<String> {
    too_wide(doc, SUBSCRIBE, &|_, r| r == "*")
}

/// IAM-24: sts:AssumeRole on any resource with a wildcard: `*`, `arn:aws:iam::*:role/*`,
/// `arn:aws:iam::ACCOUNT:role/app-*` (Prowler fails every `*` in the resource too).
pub(crate) fn assume_role_on_wildcard(doc: &PolicyDocument) -> Vec<String> {
    too_wide(doc, ASSUME_ROLE, &|_, r| r.contains(['*', '?']))
}

/// Whether an AgentCore resource pattern reaches workload identities beyond named ones: it can
/// name a workload identity and is either not confined to the workload-identity directory (it
/// reaches gateways, runtimes ... as well, as `*` or `…:*prod-*` do) or matches every workload
/// identity's name.
pub(crate) fn reaches_every_workload_identity(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let fields: Vec<&str> = resource.splitn(6, ':').collect();
    let arn_ok = wildcard_match_cased(fields[0], "arn");
    if fields.len() < 6 {
        // A `*` in the last field spells out spans every field after it (IAM wildcards match
        // the colon); without one the pattern is too short to be an ARN.
        return fields.last().is_some_and(|f| f.contains('*'))
            && arn_ok
            && (fields.len() < 3 || wildcard_match_cased(fields[2], "bedrock-agentcore"));
    }
    if !arn_ok || !wildcard_match_cased(fields[2], "bedrock-agentcore") {
        return false;
    }
    let path = fields[5];
    may_start_with(path, IDENTITY_DIRECTORY)
        && (!path.starts_with(&format!("{IDENTITY_DIRECTORY}/"))
            || covers_everything_after(path, IDENTITIES))
}

/// IAM-25: a workload access token operation on resources reaching every workload identity.
pub(crate) fn tokens_for_every_identity(doc: &PolicyDocument) -> Vec<String> {
    let mut out = Vec::new();
    for action in TOKEN_ACTIONS {
        for found in too_wide(doc, action, &|_, r| reaches_every_workload_identity(r)) {
            let name = action.rsplit(':').next().unwrap_or(action);
            out.push(format!("{name}: {found}"));
        }
    }
    out
}

/// Whether a resource pattern matches every role of `account` (any name, any path).
pub(crate) fn names_every_role(resource: &str, partition: &str, account: &str) -> bool {
    covers_everything_after(resource, &format!("arn:{partition}:iam::{account}:role/"))
}

/// The `iam:PassedToService` values a statement pins (empty: not pinned).
fn passed_to(s: &Statement) -> Vec<String> {
    PASSED_TO_OPERATORS
        .iter()
        .flat_map(|op| s.condition_values(op, "iam:PassedToService"))
        .collect()
}

/// IAM-26: iam:PassRole on every role of the account, not pinned by `iam:PassedToService` to
/// services other than AgentCore. Without a pin the role can be handed to AgentCore whenever
/// the principal may create an AgentCore resource, through this policy or any other.
pub(crate) fn passes_every_role_to_agentcore(
    doc: &PolicyDocument,
    partition: &str,
    account: &str,
) -> Vec<String> {
    too_wide(doc, PASS_ROLE, &|s, r| {
        let pinned = passed_to(s);
        let to_agentcore = pinned.is_empty()
            || pinned
                .iter()
                .any(|v| AGENTCORE_PRINCIPALS.iter().any(|p| wildcard_match(v, p)));
        to_agentcore && names_every_role(r, partition, account)
    })
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        "iam:GetAccountAuthorizationDetails",
        AwsFailure::Other,
        None,
        format!("the document of {what} cannot be read: {e}"),
    )
}

/// IAM-23..26 for one policy document; `arn` is the policy's (or its principal's) ARN, which
/// gives the partition and account.
fn judge(subject: &Subject, resource: &str, arn: &str, doc: Option<&str>) -> [Finding; 4] {
    let parsed = match doc {
        None => Err(ApiError::incomplete(
            "iam:GetAccountAuthorizationDetails",
            format!("the default version's document of {resource}"),
        )),
        Some(text) => PolicyDocument::parse(text).map_err(|e| unreadable(resource, e)),
    };
    let d = match parsed {
        Err(e) => {
            return [
                IAM_23.on(subject).error(&e),
                IAM_24.on(subject).error(&e),
                IAM_25.on(subject).error(&e),
                IAM_26.on(subject).error(&e),
            ];
        }
        Ok(d) => d,
    };
    let mut parts = arn.split(':');
    let partition = parts.nth(1).unwrap_or("aws");
    let account = parts.nth(2).unwrap_or_default();
    let verdict = |found: Vec<String>, bad: &str, good: &str| {
        if found.is_empty() {
            (true, good.to_owned())
        } else {
            (false, format!("{bad}: {}", found.join("; ")))
        }
    };
    let (ok23, why23) = verdict(
        marketplace_on_any(&d),
        "allows aws-marketplace:Subscribe on every resource (any Marketplace product, \
         Bedrock foundation models included)",
        "does not allow aws-marketplace:Subscribe on every resource",
    );
    let (ok24, why24) = verdict(
        assume_role_on_wildcard(&d),
        "allows sts:AssumeRole on a wildcard resource",
        "allows sts:AssumeRole only on named roles, if at all",
    );
    let (ok25, why25) = verdict(
        tokens_for_every_identity(&d),
        "allows AgentCore workload access tokens for every workload identity",
        "does not allow AgentCore workload access tokens beyond named workload identities",
    );
    let (ok26, why26) = verdict(
        passes_every_role_to_agentcore(&d, partition, account),
        "allows iam:PassRole of every role without iam:PassedToService excluding Bedrock \
         AgentCore",
        "does not let every role be passed to Bedrock AgentCore",
    );
    [
        IAM_23.on(subject).pass_if(ok23, why23),
        IAM_24.on(subject).pass_if(ok24, why24),
        IAM_25.on(subject).pass_if(ok25, why25),
        IAM_26.on(subject).pass_if(ok26, why26),
    ]
}

/// IAM-23..26 on every customer-managed policy and every inline policy.
pub(super) fn policies(auth: &AuthorizationDetails) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in auth
        .policies
        .iter()
        .filter(|p| !p.arn.starts_with("arn:aws:iam::aws:"))
    {
        let subject = Subject::new(ResourceType::AwsIamPolicy, &p.arn);
        out.extend(
            judge(&subject, &p.arn, &p.arn, p.document.as_deref())
                .map(|f| f.with("attached", p.attachment_count > 0)),
        );
    }
    for (list, rtype) in [
        (&auth.users, ResourceType::AwsIamUser),
        (&auth.groups, ResourceType::AwsIamGroup),
        (&auth.roles, ResourceType::AwsIamRole),
    ] {
        for principal in list {
            for (name, doc) in &principal.inline {
                let resource = format!("{}/inline-policy/{name}", principal.arn);
                let subject = Subject::new(rtype, &resource);
                out.extend(judge(&subject, &resource, &principal.arn, Some(doc)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::super::Status;
    use super::super::super::fixtures::one;
    use super::*;
    use crate::facts::{ManagedPolicy, Principal};

    fn parse(doc: &str) -> PolicyDocument {
        PolicyDocument::parse(doc).unwrap()
    }

    fn allow(action: &str, resource: &str) -> PolicyDocument {
        parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
        ))
    }

    #[test]
    fn patterns_are_read_by_their_shape() {
        assert!(may_start_with("*prod-*", "workload-identity-directory"));
        assert!(may_start_with("w?rkload*", "workload-identity-directory"));
        assert!(!may_start_with("runtime/*", "workload-identity-directory"));
        assert!(!may_start_with("workload", "workload-identity-directory"));
        assert!(covers_everything_after("role/*", "role/"));
        assert!(covers_everything_after("*", "role/"));
        assert!(covers_everything_after("ro*", "role/"));
        assert!(covers_everything_after("role/?*", "role/"));
        assert!(!covers_everything_after("role/*a*", "role/"));
        assert!(!covers_everything_after("role/app-*", "role/"));
        assert!(!covers_everything_after("role/", "role/"));
        assert!(!covers_everything_after("Role/*", "role/"));
    }

    #[test]
    fn marketplace_subscribe_on_every_resource() {
        for (doc, wide) in [
            (allow("aws-marketplace:Subscribe", "*"), true),
            (allow("aws-marketplace:*", "*"), true),
            (allow("*", "*"), true),
            (
                parse(r#"{"Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}"#),
                true,
            ),
            // A condition does not narrow the products.
            (
                parse(
                    r#"{"Statement":{"Effect":"Allow","Action":"aws-marketplace:Subscribe","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#,
                ),
                true,
            ),
            (
                allow(
                    "aws-marketplace:Subscribe",
                    "arn:aws:aws-marketplace::111122223333:product/prod-abc",
                ),
                false,
            ),
            (allow("aws-marketplace:ViewSubscriptions", "*"), false),
            // Taken back by an unconditional Deny on every resource.
            (
                parse(
                    r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"aws-marketplace:*","Resource":"*"}]}"#,
                ),
                false,
            ),
        ] {
            assert_eq!(!marketplace_on_any(&doc).is_empty(), wide, "{doc:?}");
        }
    }

    /// Prowler 5.46.0 compares the action text exactly and reads only Action: each of the
    /// first four passes there. It also fails the last, whose grant a Deny takes back.
    #[test]
    fn assume_role_on_a_wildcard_where_prowler_passes_or_fails_wrongly() {
        for (doc, wide) in [
            (allow("sts:Assume*", "*"), true),
            (allow("STS:AssumeRole", "arn:aws:iam::*:role/*"), true),
            (
                parse(r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#),
                true,
            ),
            (
                parse(
                    r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","NotResource":"arn:aws:iam::111122223333:role/admin"}}"#,
                ),
                true,
            ),
            (
                allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/app-*"),
                true,
            ),
            (
                allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/app"),
                false,
            ),
            (allow("sts:GetCallerIdentity", "*"), false),
            (
                parse(
                    r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},{"Effect":"Deny","Action":"sts:*","Resource":"*"}]}"#,
                ),
                false,
            ),
            // A Deny of everything but one role does not take the grant back everywhere.
            (
                parse(
                    r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"},{"Effect":"Deny","Action":"sts:*","NotResource":"arn:aws:iam::111122223333:role/app"}]}"#,
                ),
                true,
            ),
        ] {
            assert_eq!(!assume_role_on_wildcard(&doc).is_empty(), wide, "{doc:?}");
        }
    }

    #[test]
    fn workload_access_tokens_for_every_identity() {
        let dir = "arn:aws:bedrock-agentcore:us-east-1:111122223333:workload-identity-directory";
        for (resource, wide) in [
            ("*", true),
            ("arn:aws:bedrock-agentcore:*", true),
            ("arn:aws:bedrock-agentcore:us-west-2:*", true),
            ("arn:aws:bedrock-agentcore:us-east-1:111122223333:*", true),
            // Reaches runtimes and gateways named prod-… as well as identities.
            (
                "arn:aws:bedrock-agentcore:us-east-1:111122223333:*prod-*",
                true,
            ),
            // Prowler 5.46.0 accepts these two: every agent's identity, by wildcard.
            (&format!("{dir}/*"), true),
            (&format!("{dir}/default/workload-identity/*"), true),
            (&format!("{dir}/default"), false),
            (
                &format!("{dir}/default/workload-identity/support-agent"),
                false,
            ),
            (
                &format!("{dir}/default/workload-identity/support-agent-*"),
                false,
            ),
            (
                "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/*",
                false,
            ),
            ("arn:aws:s3:::*", false),
            ("arn:aws:bedrock-agentcore:us-east-1", false),
        ] {
            assert_eq!(
                reaches_every_workload_identity(resource),
                wide,
                "{resource}"
            );
        }
        let doc = allow("bedrock-agentcore:GetWorkloadAccessToken*", "*");
        assert_eq!(tokens_for_every_identity(&doc).len(), 3);
        // Prowler leaves `*` to the administrator checks and NotAction to a manual review.
        assert!(!tokens_for_every_identity(&allow("*", "*")).is_empty());
        let not_action =
            parse(r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#);
        assert!(!tokens_for_every_identity(&not_action).is_empty());
        let denied = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"bedrock-agentcore:*","Resource":"*"},{"Effect":"Deny","Action":"bedrock-agentcore:GetWorkloadAccessToken*","Resource":"*"}]}"#,
        );
        assert!(tokens_for_every_identity(&denied).is_empty());
    }

    #[test]
    fn pass_role_of_every_role_to_agentcore() {
        let every = |doc: &PolicyDocument| {
            !passes_every_role_to_agentcore(doc, "aws", "111122223333").is_empty()
        };
        for r in [
            "*",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::*",
        ] {
            assert!(every(&allow("iam:PassRole", r)), "{r}");
        }
        for r in [
            "arn:aws:iam::111122223333:role/agentcore-*",
            "arn:aws:iam::111122223333:role/service-role/*",
            // Prowler 5.46.0 reads this as every role (two example names contain an `a`).
            "arn:aws:iam::111122223333:role/*a*",
            "arn:aws:iam::444455556666:role/*",
        ] {
            assert!(!every(&allow("iam:PassRole", r)), "{r}");
        }
        let pinned = |service: &str, op: &str| {
            parse(&format!(
                r#"{{"Statement":{{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{{"{op}":{{"iam:PassedToService":"{service}"}}}}}}}}"#
            ))
        };
        assert!(every(&pinned(
            "bedrock-agentcore.amazonaws.com",
            "StringEquals"
        )));
        assert!(every(&pinned("bedrock-*", "StringLike")));
        assert!(!every(&pinned("lambda.amazonaws.com", "StringEquals")));
        // The key is in every PassRole request: IfExists pins it as well (Prowler fails it).
        assert!(!every(&pinned(
            "lambda.amazonaws.com",
            "StringEqualsIfExists"
        )));
        // Unpinned, without an AgentCore action in the same document (Prowler passes it).
        assert!(every(&allow("iam:PassRole", "*")));
        assert!(every(&parse(
            r#"{"Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}"#
        )));
    }

    #[test]
    fn every_policy_is_judged_and_a_missing_document_is_an_error() {
        let mut role = Principal {
            name: "r".into(),
            arn: "arn:aws:iam::111122223333:role/r".into(),
            ..Default::default()
        };
        role.inline = vec![(
            "assume".into(),
            r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/*"}}"#.into(),
        )];
        let auth = AuthorizationDetails {
            roles: vec![role],
            policies: vec![
                ManagedPolicy {
                    arn: "arn:aws:iam::111122223333:policy/market".into(),
                    document: Some(
                        r#"{"Statement":{"Effect":"Allow","Action":"aws-marketplace:Subscribe","Resource":"*"}}"#.into(),
                    ),
                    attachment_count: 0,
                },
                ManagedPolicy {
                    arn: "arn:aws:iam::111122223333:policy/lost".into(),
                    document: None,
                    attachment_count: 1,
                },
                ManagedPolicy {
                    arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
                    document: Some(
                        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#.into(),
                    ),
                    attachment_count: 1,
                },
            ],
            ..Default::default()
        };
        let out = policies(&auth);
        assert_eq!(out.len(), 12, "AWS managed policies are AWS's");
        let market = "arn:aws:iam::111122223333:policy/market";
        assert_eq!(one(&out, "IAM-23", market).status, Status::Fail);
        assert_eq!(one(&out, "IAM-24", market).status, Status::Pass);
        assert_eq!(one(&out, "IAM-25", market).status, Status::Pass);
        assert_eq!(one(&out, "IAM-26", market).status, Status::Pass);
        let inline = "arn:aws:iam::111122223333:role/r/inline-policy/assume";
        assert_eq!(one(&out, "IAM-24", inline).status, Status::Fail);
        assert_eq!(one(&out, "IAM-23", inline).status, Status::Pass);
        let lost = "arn:aws:iam::111122223333:policy/lost";
        for check in ["IAM-23", "IAM-24", "IAM-25", "IAM-26"] {
            assert_eq!(one(&out, check, lost).status, Status::Error, "{check}");
        }
    }
}
