//! What a policy document grants, judged per customer-managed policy (attached or not: an
//! unattached one is one attachment away) and per inline policy. IAM-18: not every CloudTrail
//! action on every resource (IAM-21: nor every KMS action); IAM-19: no combination of actions known to let a principal raise
//! its own privileges. IAM-20: the members of administrator groups have MFA.
//!
//! Actions are matched against each statement's patterns, as IAM matches them, so no list of
//! every AWS action is needed. Prowler 5.46.0's privilege-escalation checks expand every
//! combination through its action database first: `codestar:CreateProject` is no longer in it
//! (CodeStar was retired), the expansion raises, and the check swallows the error and reports
//! PASS for every policy, `Allow * on *` included. It also subtracts every `Deny` whatever its
//! resource or condition, so `Deny iam:* on one role` hides `Allow iam:* on *`. Here a `Deny`
//! cancels an action only when it applies to every resource without a condition.

use vigil::aws::AwsFailure;
use vigil::policy::analysis::wildcard_match;
use vigil::policy::{Effect, PolicyDocument, Statement};

use super::super::ids::{IAM_18, IAM_19, IAM_20, IAM_21};
use super::super::{Finding, ResourceType, Subject};
use super::{ADMIN_POLICY, Policies, effective_documents};
use crate::facts::{ApiError, AuthorizationDetails, CredentialReport, Principal};

/// Combinations of actions that let a principal escalate, each sufficient on its own: named
/// for the technique (Rhino Security Labs, Bishop Fox, DataDog pathfinding.cloud). The
/// `iam:PassRole` ones hand an existing, more privileged role to code the principal controls.
pub(crate) const ESCALATIONS: &[(&str, &[&str])] = &[
    ("new policy version", &["iam:CreatePolicyVersion"]),
    ("default policy version", &["iam:SetDefaultPolicyVersion"]),
    ("access key for another user", &["iam:CreateAccessKey"]),
    (
        "console password for another user",
        &["iam:CreateLoginProfile"],
    ),
    (
        "another user's console password",
        &["iam:UpdateLoginProfile"],
    ),
    ("attach a policy to a user", &["iam:AttachUserPolicy"]),
    ("attach a policy to a group", &["iam:AttachGroupPolicy"]),
    ("attach a policy to a role", &["iam:AttachRolePolicy"]),
    ("inline policy on a user", &["iam:PutUserPolicy"]),
    ("inline policy on a group", &["iam:PutGroupPolicy"]),
    ("inline policy on a role", &["iam:PutRolePolicy"]),
    ("join a group", &["iam:AddUserToGroup"]),
    ("rewrite a role's trust", &["iam:UpdateAssumeRolePolicy"]),
    (
        "drop a user's permissions boundary",
        &["iam:DeleteUserPermissionsBoundary"],
    ),
    (
        "drop a role's permissions boundary",
        &["iam:DeleteRolePermissionsBoundary"],
    ),
    (
        "role to a new EC2 instance",
        &["iam:PassRole", "ec2:RunInstances"],
    ),
    (
        "role to a new Spot instance",
        &["iam:PassRole", "ec2:RequestSpotInstances"],
    ),
    (
        "role to a new Lambda function, invoked",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
    ),
    (
        "role to a new Lambda function, triggered",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
    ),
    (
        "role to a new Lambda function, opened",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:AddPermission",
        ],
    ),
    (
        "code of an existing Lambda function",
        &["lambda:UpdateFunctionCode"],
    ),
    (
        "role to a Glue development endpoint",
        &["iam:PassRole", "glue:CreateDevEndpoint"],
    ),
    (
        "an existing Glue development endpoint",
        &["glue:UpdateDevEndpoint"],
    ),
    (
        "role to a Glue job",
        &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
    ),
    (
        "role to a CloudFormation stack",
        &["iam:PassRole", "cloudformation:CreateStack"],
    ),
    (
        "an existing CloudFormation stack",
        &["cloudformation:UpdateStack"],
    ),
    (
        "CloudFormation change set",
        &[
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet",
        ],
    ),
    (
        "role to a Data Pipeline",
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ],
    ),
    (
        "role to a CodeBuild project",
        &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
    ),
    (
        "role to an ECS task",
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    ),
    (
        "role to an ECS service",
        &[
            "iam:PassRole",
            "ecs:RegisterTaskDefinition",
            "ecs:CreateService",
        ],
    ),
    (
        "role to a SageMaker notebook",
        &["iam:PassRole", "sagemaker:CreateNotebookInstance"],
    ),
    (
        "role to a SageMaker training job",
        &["iam:PassRole", "sagemaker:CreateTrainingJob"],
    ),
    (
        "role to a SageMaker processing job",
        &["iam:PassRole", "sagemaker:CreateProcessingJob"],
    ),
    (
        "role to an App Runner service",
        &["iam:PassRole", "apprunner:CreateService"],
    ),
    ("commands on an instance with a role", &["ssm:SendCommand"]),
    ("session on an instance with a role", &["ssm:StartSession"]),
];

/// Credential actions that are self-service, not escalation, when every resource is the
/// caller's own user (`${aws:username}`).
const SELF_SERVICE: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
];

/// Whether `s` names `action` in its Action (or leaves it out of its NotAction), whatever its
/// effect.
fn names(s: &Statement, action: &str) -> bool {
    if !s.not_action.is_empty() {
        !s.not_action.iter().any(|p| wildcard_match(p, action))
    } else {
        s.action.iter().any(|p| wildcard_match(p, action))
    }
}

/// A `Deny` that holds for every request: Resource `*` (a `NotResource` Deny spares what it
/// names), no condition.
pub(super) fn denies_always(s: &Statement, action: &str) -> bool {
    s.effect == Effect::Deny
        && s.condition.is_empty()
        && s.resource.iter().any(|r| r == "*")
        && names(s, action)
}

/// Whether the document allows `action` on some resource and no unconditional `Deny` on every
/// resource takes it back.
fn allows(doc: &PolicyDocument, action: &str) -> bool {
    let granted = doc.statements.iter().any(|s| {
        s.allows_action(action)
            && !(SELF_SERVICE.contains(&action)
                && !s.resource.is_empty()
                && s.resource.iter().all(|r| r.contains("${aws:username}")))
    });
    granted && !doc.statements.iter().any(|s| denies_always(s, action))
}

/// The escalations `doc` allows, by name.
pub(crate) fn escalations(doc: &PolicyDocument) -> Vec<&'static str> {
    ESCALATIONS
        .iter()
        .filter(|(_, actions)| actions.iter().all(|a| allows(doc, a)))
        .map(|(name, _)| *name)
        .collect()
}

/// Whether `doc` allows every action of `service` on every resource: an `Allow` on every
/// resource whose Action covers `service:*` (or whose NotAction leaves the service out), not cut
/// back by an unconditional `Deny` of any of its actions. `probe` is one of the service's
/// actions, so a pattern such as `cloud*:*` counts and `cloudtrail:Get*` does not.
pub(crate) fn full_service(doc: &PolicyDocument, service: &str, probe: &str) -> bool {
    let all_actions = format!("{service}:*");
    let service_named = |p: &str| {
        let named = p.split(':').next().unwrap_or(p);
        wildcard_match(named, service)
    };
    let all = doc.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.on_any_resource()
            && if s.not_action.is_empty() {
                s.action
                    .iter()
                    .any(|p| wildcard_match(p, &all_actions) && wildcard_match(p, probe))
            } else {
                !s.not_action.iter().any(|p| service_named(p))
            }
    });
    let cut = doc.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && s.condition.is_empty()
            && s.resource.iter().any(|r| r == "*")
            && if s.not_action.is_empty() {
                s.action.iter().any(|p| service_named(p))
            } else {
                !s.not_action.iter().any(|p| wildcard_match(p, &all_actions))
            }
    });
    all && !cut
}

/// IAM-18: every CloudTrail action on every resource.
pub(crate) fn full_cloudtrail(doc: &PolicyDocument) -> bool {
    full_service(doc, "cloudtrail", "cloudtrail:StopLogging")
}

/// IAM-21: every KMS action on every resource.
pub(crate) fn full_kms(doc: &PolicyDocument) -> bool {
    full_service(doc, "kms", "kms:ScheduleKeyDeletion")
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        "iam:GetAccountAuthorizationDetails",
        AwsFailure::Other,
        None,
        format!("the document of {what} cannot be read: {e}"),
    )
}

/// IAM-18, IAM-19 and IAM-21 for one policy document.
fn judge(subject: &Subject, resource: &str, doc: Option<&str>) -> [Finding; 3] {
    let parsed = match doc {
        None => Err(ApiError::incomplete(
            "iam:GetAccountAuthorizationDetails",
            format!("the default version's document of {resource}"),
        )),
        Some(text) => PolicyDocument::parse(text).map_err(|e| unreadable(resource, e)),
    };
    match parsed {
        Err(e) => [
            IAM_18.on(subject).error(&e),
            IAM_19.on(subject).error(&e),
            IAM_21.on(subject).error(&e),
        ],
        Ok(d) => {
            let trail = full_cloudtrail(&d);
            let kms = full_kms(&d);
            let found = escalations(&d);
            [
                IAM_18.on(subject).pass_if(
                    !trail,
                    if trail {
                        "allows every CloudTrail action on every resource (cloudtrail:*): \
                         whoever holds it can stop, delete or redirect the audit trail"
                    } else {
                        "does not allow every CloudTrail action on every resource"
                    },
                ),
                IAM_19.on(subject).pass_if(
                    found.is_empty(),
                    if found.is_empty() {
                        "allows no known privilege-escalation combination".to_owned()
                    } else {
                        format!("allows privilege escalation: {}", found.join("; "))
                    },
                ),
                IAM_21.on(subject).pass_if(
                    !kms,
                    if kms {
                        "allows every KMS action on every key (kms:*): whoever holds it can \
                         decrypt with, re-grant, disable or schedule the deletion of any key"
                    } else {
                        "does not allow every KMS action on every resource"
                    },
                ),
            ]
        }
    }
}

/// IAM-18, IAM-19 and IAM-21 on every customer-managed policy and every inline policy.
pub(super) fn policies(auth: &AuthorizationDetails) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in auth
        .policies
        .iter()
        .filter(|p| !p.arn.starts_with("arn:aws:iam::aws:"))
    {
        let subject = Subject::new(ResourceType::AwsIamPolicy, &p.arn);
        out.extend(
            judge(&subject, &p.arn, p.document.as_deref())
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
                out.extend(judge(&subject, &resource, Some(doc)));
            }
        }
    }
    out
}

/// Whether a group's own policies make its members administrators: AdministratorAccess, or an
/// administrator-equivalent statement (LP-01's reading). `Err`: some of them cannot be read.
fn administers(group: &Principal, policies: &Policies) -> Result<bool, Vec<String>> {
    if group.attached.iter().any(|a| a == ADMIN_POLICY) {
        return Ok(true);
    }
    let as_member = Principal {
        groups: vec![group.name.clone()],
        ..Default::default()
    };
    let (documents, mut unknown) = effective_documents(&as_member, policies);
    for (source, doc) in documents {
        match &*policies.analysis(doc) {
            Ok(concerns) if concerns.iter().any(|c| c.concern.is_admin()) => return Ok(true),
            Ok(_) => {}
            Err(e) => unknown.push(format!("{source}: {e}")),
        }
    }
    if unknown.is_empty() {
        Ok(false)
    } else {
        Err(unknown)
    }
}

/// IAM-20: every member of a group that makes its members administrators has MFA on
/// (credential report `mfa_active`), whatever credentials the member uses. Groups that do not
/// administer are not in scope.
pub(super) fn iam_20_admin_groups_mfa(
    auth: &AuthorizationDetails,
    policies: &Policies,
    report: Result<&CredentialReport, &ApiError>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for group in &auth.groups {
        let subject = Subject::new(ResourceType::AwsIamGroup, &group.arn);
        let members: Vec<&Principal> = auth
            .users
            .iter()
            .filter(|u| u.groups.contains(&group.name))
            .collect();
        let admin = administers(group, policies);
        if admin == Ok(false) {
            continue;
        }
        let without_mfa = match report {
            Err(e) if !members.is_empty() => Err(e.clone()),
            Err(_) => Ok(Vec::new()),
            Ok(r) => {
                let mut missing = Vec::new();
                let mut unknown = Vec::new();
                for m in &members {
                    match r
                        .rows
                        .iter()
                        .find(|row| row.arn == m.arn || row.user == m.name)
                    {
                        Some(row) if !row.mfa_active => missing.push(m.name.clone()),
                        Some(_) => {}
                        None => unknown.push(m.name.clone()),
                    }
                }
                if unknown.is_empty() || !missing.is_empty() {
                    Ok(missing)
                } else {
                    Err(ApiError::incomplete(
                        "iam:GetCredentialReport",
                        format!(
                            "the rows of {} (members of {})",
                            unknown.join(", "),
                            group.name
                        ),
                    ))
                }
            }
        };
        let verdict = IAM_20.on(&subject);
        out.push(match (admin, without_mfa) {
            (_, Err(e)) => verdict.error(&e),
            (Ok(_), Ok(missing)) if missing.is_empty() => verdict.pass(if members.is_empty() {
                "administrator group without members".to_owned()
            } else {
                format!(
                    "every member of this administrator group ({}) has MFA",
                    members.len()
                )
            }),
            (Ok(_), Ok(missing)) => verdict.fail(format!(
                "administrator group with member(s) without MFA: {}",
                missing.join(", ")
            )),
            // Whether the group administers is unknown; with every member on MFA the answer
            // does not matter.
            (Err(unknown), Ok(missing)) if missing.is_empty() => verdict.pass(format!(
                "every member has MFA (some of the group's policies could not be read: {})",
                unknown.join("; ")
            )),
            (Err(unknown), Ok(missing)) => verdict.error(&ApiError::new(
                "iam:GetAccountAuthorizationDetails",
                AwsFailure::Other,
                None,
                format!(
                    "member(s) without MFA ({}) in a group whose policies could not all be \
                     read: {}",
                    missing.join(", "),
                    unknown.join("; ")
                ),
            )),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::super::Status;
    use super::super::super::fixtures::{denied, one};
    use super::*;
    use crate::facts::{CredentialRow, ManagedPolicy};

    fn parse(doc: &str) -> PolicyDocument {
        PolicyDocument::parse(doc).unwrap()
    }

    /// The cases Prowler 5.46.0 gets wrong: with its pinned action database every one of these
    /// is PASS there (the expansion of `codestar:CreateProject` raises and the check reports
    /// nothing), and a `Deny` on one resource would hide the rest even if it did not.
    #[test]
    fn escalation_is_found_where_prowler_passes() {
        let star = parse(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
        assert!(!escalations(&star).is_empty());
        let versions = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"}]}"#,
        );
        assert_eq!(escalations(&versions), vec!["new policy version"]);
        // A Deny on one role leaves every other role open.
        let scoped_deny = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
               {"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::111122223333:role/breakglass"}]}"#,
        );
        assert!(escalations(&scoped_deny).contains(&"attach a policy to a role"));
        // So does a Deny that holds only without MFA.
        let mfa_deny = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"},
               {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        );
        assert_eq!(escalations(&mfa_deny), vec!["attach a policy to a role"]);
        // Case does not hide an action; NotAction grants what it leaves out.
        let cased = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":["IAM:passrole","Lambda:CreateFunction","lambda:invokefunction"],"Resource":"*"}]}"#,
        );
        assert_eq!(
            escalations(&cased),
            vec!["role to a new Lambda function, invoked"]
        );
        let all_but_s3 =
            parse(r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#);
        assert!(escalations(&all_but_s3).contains(&"inline policy on a user"));
    }

    #[test]
    fn what_is_not_escalation_passes() {
        // PassRole alone hands a role to nothing; an unconditional Deny on * takes an action
        // back; keys for one's own user are self-service.
        for doc in [
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:DeleteAccessKey"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#,
        ] {
            assert!(escalations(&parse(doc)).is_empty(), "{doc}");
        }
    }

    #[test]
    fn full_cloudtrail_access() {
        for (doc, full) in [
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"CloudTrail:*","NotResource":"arn:aws:s3:::x"}]}"#,
                true,
            ),
            // One trail only, reads only, or the dangerous actions denied: not full access.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":["cloudtrail:Get*","cloudtrail:Describe*"],"Resource":"*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*"},{"Effect":"Deny","Action":"cloudtrail:StopLogging","Resource":"*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","NotAction":"cloudtrail:StopLogging","Resource":"*"}]}"#,
                false,
            ),
        ] {
            assert_eq!(full_cloudtrail(&parse(doc)), full, "{doc}");
        }
    }

    #[test]
    fn full_kms_access() {
        for (doc, full) in [
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"km*:*","Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#,
                true,
            ),
            // Decrypt on every key is LP-03's concern, not every KMS action.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/k"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","NotAction":"kms:*","Resource":"*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*"}]}"#,
                false,
            ),
        ] {
            assert_eq!(full_kms(&parse(doc)), full, "{doc}");
        }
    }

    fn principal(name: &str, kind: &str) -> Principal {
        Principal {
            name: name.into(),
            arn: format!("arn:aws:iam::111122223333:{kind}/{name}"),
            path: "/".into(),
            ..Default::default()
        }
    }

    fn row(user: &str, mfa: bool) -> CredentialRow {
        CredentialRow {
            user: user.into(),
            arn: format!("arn:aws:iam::111122223333:user/{user}"),
            password_enabled: Some(false),
            mfa_active: mfa,
            ..Default::default()
        }
    }

    #[test]
    fn policies_are_judged_one_by_one() {
        let mut role = principal("r", "role");
        role.inline = vec![(
            "ct".into(),
            r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*"}]}"#.into(),
        )];
        let auth = AuthorizationDetails {
            roles: vec![role],
            policies: vec![
                ManagedPolicy {
                    arn: "arn:aws:iam::111122223333:policy/versions".into(),
                    document: Some(r#"{"Statement":[{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"}]}"#.into()),
                    attachment_count: 0,
                },
                ManagedPolicy {
                    arn: "arn:aws:iam::111122223333:policy/lost".into(),
                    document: None,
                    attachment_count: 1,
                },
                ManagedPolicy {
                    arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
                    document: Some(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into()),
                    attachment_count: 1,
                },
            ],
            ..Default::default()
        };
        let out = policies(&auth);
        let versions = "arn:aws:iam::111122223333:policy/versions";
        assert_eq!(one(&out, "IAM-19", versions).status, Status::Fail);
        assert_eq!(one(&out, "IAM-18", versions).status, Status::Pass);
        let inline = "arn:aws:iam::111122223333:role/r/inline-policy/ct";
        assert_eq!(one(&out, "IAM-18", inline).status, Status::Fail);
        assert_eq!(one(&out, "IAM-19", inline).status, Status::Pass);
        assert_eq!(one(&out, "IAM-21", inline).status, Status::Pass);
        assert_eq!(one(&out, "IAM-21", versions).status, Status::Pass);
        let lost = "arn:aws:iam::111122223333:policy/lost";
        assert_eq!(one(&out, "IAM-18", lost).status, Status::Error);
        assert_eq!(one(&out, "IAM-19", lost).status, Status::Error);
        assert_eq!(one(&out, "IAM-21", lost).status, Status::Error);
        assert!(
            out.iter().all(|f| !f.resource.contains(":aws:policy/")),
            "AWS managed policies are AWS's"
        );
    }

    #[test]
    fn administrator_groups_need_mfa_on_every_member() {
        let star = "arn:aws:iam::111122223333:policy/star";
        let mut admins = principal("admins", "group");
        admins.attached = vec![ADMIN_POLICY.into()];
        let mut custom = principal("custom-admins", "group");
        custom.attached = vec![star.into()];
        let mut empty = principal("empty-admins", "group");
        empty.attached = vec![ADMIN_POLICY.into()];
        let readers = principal("readers", "group");
        let mut lost = principal("lost", "group");
        lost.attached = vec!["arn:aws:iam::111122223333:policy/gone".into()];
        let mut keyed = principal("keyed", "user");
        keyed.groups = vec!["admins".into(), "lost".into()];
        let mut mfa = principal("mfa", "user");
        mfa.groups = vec!["custom-admins".into(), "readers".into()];
        let mut unlisted = principal("unlisted", "user");
        unlisted.groups = vec!["custom-admins".into()];
        let auth = AuthorizationDetails {
            users: vec![keyed, mfa],
            groups: vec![admins, custom, empty, readers, lost],
            policies: vec![ManagedPolicy {
                arn: star.into(),
                document: Some(
                    r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into(),
                ),
                attachment_count: 1,
            }],
            ..Default::default()
        };
        let report = CredentialReport {
            generated_at: None,
            // The member without MFA has only access keys: IAM-06 (console users) misses them.
            rows: vec![row("keyed", false), row("mfa", true)],
        };
        let policies = Policies::new(&auth);
        let out = iam_20_admin_groups_mfa(&auth, &policies, Ok(&report));
        let group = |g: &str| format!("arn:aws:iam::111122223333:group/{g}");
        assert_eq!(one(&out, "IAM-20", &group("admins")).status, Status::Fail);
        assert_eq!(
            one(&out, "IAM-20", &group("custom-admins")).status,
            Status::Pass
        );
        assert_eq!(
            one(&out, "IAM-20", &group("empty-admins")).status,
            Status::Pass
        );
        assert!(
            out.iter().all(|f| f.resource != group("readers")),
            "not an admin group"
        );
        // Whether "lost" administers is unknown, and its member has no MFA.
        assert_eq!(one(&out, "IAM-20", &group("lost")).status, Status::Error);

        let mut auth = auth;
        auth.users.push(unlisted);
        let policies = Policies::new(&auth);
        let out = iam_20_admin_groups_mfa(&auth, &policies, Ok(&report));
        assert_eq!(
            one(&out, "IAM-20", &group("custom-admins")).status,
            Status::Error,
            "a member the report does not list"
        );
        let e = denied("iam:GetCredentialReport");
        let out = iam_20_admin_groups_mfa(&auth, &policies, Err(&e));
        assert_eq!(one(&out, "IAM-20", &group("admins")).status, Status::Error);
        assert_eq!(
            one(&out, "IAM-20", &group("empty-admins")).status,
            Status::Pass
        );
    }
}
