//! The playbook: what a finding calls for. Pure: a finding, the settings and the [`Scope`]
//! (whose account the function is in, who it is) in, a decision out (every action considered,
//! each with the reason it was chosen or skipped, and guidance for what only a person can do).
//!
//! [`family`] sorts the finding by its type (the table of every documented prefix is
//! `families.md`); [`candidates`] lists the actions its family calls for ([`sequence`] for
//! attack sequences, [`guidance`] for the commands a person runs); [`decide`] applies the
//! safeguards to each. [`drill`] says whether a sample finding is one detector-guard's drill
//! under way asked for, and the receipt that proves it arrived.
//!
//! Safeguards apply to every action: sample and archived findings, findings whose sample or
//! archived state, account or resource cannot be read, findings about another account when
//! no member role is configured, and exempt resources are never acted on; IAM actions never
//! touch the stack's own principals (whatever the settings say), the member role, or
//! protected principals; an action runs only when the severity reaches its gate; `alert-only`
//! mode and dry runs report what would be done.

mod candidates;
pub(crate) mod drill;
mod family;
mod guidance;
mod sequence;

use std::net::IpAddr;

use serde::Serialize;
use vigil::alert::Severity;
use vigil::events::guardduty::{Finding, Flag, Tag};
use vigil::policy::analysis::wildcard_match;

use crate::config::{ActionKind, Mode, ResponseSettings};

use self::candidates::candidates;
pub use self::family::Family;
use self::family::classify;

/// Who the function is and where it may act: what the account safeguards compare against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    /// The account the function's own credentials belong to.
    pub own_account: String,
    /// The role the function runs as, when it runs as a role.
    pub own_role: Option<String>,
    /// The member role assumed in other accounts, if one is configured.
    pub member_role: Option<String>,
    /// ARN patterns of the stack's own roles and users.
    pub own_principals: Vec<String>,
}

/// Whose sessions are revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    User,
    Role,
}

serde_plain::derive_display_from_serialize!(PrincipalKind);

/// An action with what it acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    IsolateInstance {
        instance_id: String,
    },
    SnapshotVolumes {
        instance_id: String,
    },
    TerminationProtection {
        instance_id: String,
    },
    TagInstance {
        instance_id: String,
    },
    BlockRemoteIps {
        instance_id: String,
        ips: Vec<IpAddr>,
    },
    DeactivateAccessKey {
        user_name: String,
        access_key_id: String,
    },
    DenyUser {
        user_name: String,
    },
    RevokeSessions {
        principal: PrincipalKind,
        name: String,
    },
    BlockPublicAccess {
        bucket: String,
    },
    RotateSecret {
        db_instance_identifier: Option<String>,
        db_cluster_identifier: Option<String>,
    },
    /// Stop an ECS task, after recording what it runs.
    StopTask {
        cluster: String,
        task: String,
    },
    /// Mark an ECS service with the finding.
    TagService {
        cluster: String,
        service: String,
    },
    /// Reserved concurrency 0 for a Lambda function, after recording it.
    StopInvocations {
        function: String,
        version: Option<String>,
    },
    /// Make one object version unreadable but to the quarantine readers.
    QuarantineObject {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
}

/// At most this many addresses are named in a target; the count says how many there are.
const TARGET_ADDRESSES: usize = 5;

impl Action {
    pub(crate) fn kind(&self) -> ActionKind {
        match self {
            Action::IsolateInstance { .. } => ActionKind::IsolateInstance,
            Action::SnapshotVolumes { .. } => ActionKind::SnapshotVolumes,
            Action::TerminationProtection { .. } => ActionKind::TerminationProtection,
            Action::TagInstance { .. } => ActionKind::TagInstance,
            Action::BlockRemoteIps { .. } => ActionKind::BlockRemoteIps,
            Action::DeactivateAccessKey { .. } => ActionKind::DeactivateAccessKey,
            Action::DenyUser { .. } => ActionKind::DenyUser,
            Action::RevokeSessions { .. } => ActionKind::RevokeSessions,
            Action::BlockPublicAccess { .. } => ActionKind::BlockPublicAccess,
            Action::RotateSecret { .. } => ActionKind::RotateSecret,
            Action::StopTask { .. } => ActionKind::StopTask,
            Action::TagService { .. } => ActionKind::TagService,
            Action::StopInvocations { .. } => ActionKind::StopInvocations,
            Action::QuarantineObject { .. } => ActionKind::QuarantineObject,
        }
    }

    /// What the action acts on, for people (a long list of addresses is cut to its first few
    /// and a count).
    pub(crate) fn target(&self) -> String {
        match self {
            Action::IsolateInstance { instance_id }
            | Action::SnapshotVolumes { instance_id }
            | Action::TerminationProtection { instance_id }
            | Action::TagInstance { instance_id } => instance_id.clone(),
            Action::BlockRemoteIps { instance_id, ips } => {
                format!("{} (subnets of {instance_id})", first_few(ips))
            }
            Action::DeactivateAccessKey {
                user_name,
                access_key_id,
            } => format!("{access_key_id} of user {user_name}"),
            Action::DenyUser { user_name } => format!("user {user_name}"),
            Action::RevokeSessions { principal, name } => format!("{principal} {name}"),
            Action::BlockPublicAccess { bucket } => format!("bucket {bucket}"),
            Action::RotateSecret {
                db_instance_identifier,
                db_cluster_identifier,
            } => match (db_instance_identifier, db_cluster_identifier) {
                (Some(i), _) => format!("secrets of database {i}"),
                (None, Some(c)) => format!("secrets of cluster {c}"),
                (None, None) => "secrets of an unnamed database".into(),
            },
            Action::StopTask { cluster, task } => format!("task {task} of cluster {cluster}"),
            Action::TagService { cluster, service } => {
                format!("service {service} of cluster {cluster}")
            }
            Action::StopInvocations { function, version } => match version {
                Some(v) => format!("function {function} (version {v})"),
                None => format!("function {function}"),
            },
            Action::QuarantineObject {
                bucket,
                key,
                version_id,
            } => match version_id {
                Some(v) => format!("s3://{bucket}/{key} (version {v})"),
                None => format!("s3://{bucket}/{key}"),
            },
        }
    }
}

/// `a, b, c` or, for a long list, `6000 addresses: a, b, c, d, e, ...`.
pub(crate) fn first_few(ips: &[IpAddr]) -> String {
    let named: Vec<String> = ips
        .iter()
        .take(TARGET_ADDRESSES)
        .map(ToString::to_string)
        .collect();
    if ips.len() > TARGET_ADDRESSES {
        format!("{} addresses: {}, ...", ips.len(), named.join(", "))
    } else {
        named.join(", ")
    }
}

/// Whether an action runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Run,
    /// It would run, but the mode or a dry run says report only.
    WouldRun,
    Skip,
}

/// One action considered for the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub kind: ActionKind,
    pub target: String,
    /// Absent when the finding lacks what the action needs (then the verdict is Skip).
    pub action: Option<Action>,
    pub verdict: Verdict,
    pub reason: String,
}

/// What the playbook decided for one finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub family: Family,
    pub band: Severity,
    /// Why no action may run at all (sample, archived, unreadable, other account, exempt), if
    /// so.
    pub held: Option<String>,
    pub planned: Vec<Planned>,
    /// What a person should do that the function cannot (kubectl commands, host commands).
    pub guidance: Vec<String>,
    /// What the family's playbook does, in words.
    pub playbook: &'static str,
}

/// Decides what to do about `finding`.
pub fn decide(finding: &Finding, settings: &ResponseSettings, scope: &Scope) -> Decision {
    let family = classify(finding);
    let band = finding.band();
    let held = held(finding, settings, scope);
    let mut planned = Vec::new();
    let considered = match family {
        Family::AttackSequence => sequence::candidates(finding),
        _ => candidates(finding, family, settings),
    };
    for c in considered {
        let (verdict, reason, action) = match c.action {
            Err(problem) => (Verdict::Skip, problem, None),
            Ok(action) => {
                let gate = settings.gates.for_action(c.kind);
                if let Some(why) = &held {
                    (Verdict::Skip, why.clone(), Some(action))
                } else if let Some(why) = protected(&action, finding, settings, scope) {
                    (Verdict::Skip, why, Some(action))
                } else if finding.severity < gate {
                    (
                        Verdict::Skip,
                        format!(
                            "severity {:.1} is below the {} gate of {gate:.1}: alert only",
                            finding.severity, c.kind
                        ),
                        Some(action),
                    )
                } else if settings.mode == Mode::AlertOnly {
                    (
                        Verdict::WouldRun,
                        format!("{}; alert-only mode: not done", c.why),
                        Some(action),
                    )
                } else if settings.dry_run {
                    (
                        Verdict::WouldRun,
                        format!("{}; dry run: not done", c.why),
                        Some(action),
                    )
                } else {
                    (Verdict::Run, c.why, Some(action))
                }
            }
        };
        planned.push(Planned {
            kind: c.kind,
            target: c.target,
            action,
            verdict,
            reason,
        });
    }
    Decision {
        family,
        band,
        held,
        planned,
        guidance: guidance::for_finding(finding, family),
        playbook: family::playbook_text(finding, family),
    }
}

/// Whether `id` reads as an AWS account id (12 digits).
pub(crate) fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Safeguards that hold every action of the finding.
fn held(finding: &Finding, settings: &ResponseSettings, scope: &Scope) -> Option<String> {
    match finding.sample() {
        Flag::Yes => return Some("sample finding (additionalInfo.sample): never acted on".into()),
        Flag::Unreadable(why) => {
            return Some(format!(
                "whether this is a sample finding cannot be read ({why}): not acted on"
            ));
        }
        Flag::No => {}
    }
    match finding.archived() {
        Flag::Yes => return Some("archived finding: never acted on".into()),
        Flag::Unreadable(why) => {
            return Some(format!(
                "whether this finding is archived cannot be read ({why}): not acted on"
            ));
        }
        Flag::No => {}
    }
    let account = &finding.account_id;
    if !is_account_id(account) {
        return Some(format!(
            "detail.accountId {account:?} is not an AWS account id: whose resources these are cannot be read, so nothing is done"
        ));
    }
    if *account != scope.own_account && scope.member_role.is_none() {
        return Some(format!(
            "the finding is about account {account}, not this function's account {}; with no member-account role configured (VIGIL_GUARDDUTY_MEMBER_ROLE) nothing is done there, and this account's same-named resources are not the ones GuardDuty saw: alert only",
            scope.own_account
        ));
    }
    let r = &finding.resource;
    if r.resource_type
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        return Some(
            "resource.resourceType is missing: what the finding is about cannot be read, so nothing is done".into(),
        );
    }
    let exempt = &settings.exempt_tag;
    let has_exempt = |tags: &[Tag]| tags.iter().any(|t| exempt.matches(&t.key, &t.value));
    let tagged = r
        .instance_details
        .as_ref()
        .is_some_and(|i| has_exempt(&i.tags))
        || r.s3_bucket_details.iter().any(|b| has_exempt(&b.tags))
        || r.rds_db_instance_details
            .as_ref()
            .is_some_and(|d| has_exempt(&d.tags))
        || r.lambda_details
            .as_ref()
            .is_some_and(|l| has_exempt(&l.tags))
        || r.ecs_cluster_details.as_ref().is_some_and(|c| {
            has_exempt(&c.tags) || c.task_details.as_ref().is_some_and(|t| has_exempt(&t.tags))
        })
        || r.eks_cluster_details
            .as_ref()
            .is_some_and(|c| has_exempt(&c.tags));
    tagged.then(|| {
        format!(
            "the resource is tagged {}={}: exempt, alert only",
            exempt.key, exempt.value
        )
    })
}

/// Why an IAM action must not touch this principal, if so: the stack's own principals and
/// the member role first (whatever the settings say), then the protected principals.
fn protected(
    action: &Action,
    finding: &Finding,
    settings: &ResponseSettings,
    scope: &Scope,
) -> Option<String> {
    let (kind, name) = match action {
        Action::DeactivateAccessKey { user_name, .. } | Action::DenyUser { user_name } => {
            (PrincipalKind::User, user_name)
        }
        Action::RevokeSessions { principal, name } => (*principal, name),
        _ => return None,
    };
    let arn = format!(
        "arn:{}:iam::{}:{kind}/{name}",
        finding.partition.as_deref().unwrap_or("aws"),
        finding.account_id
    );
    let own_account = finding.account_id == scope.own_account;
    if kind == PrincipalKind::Role && own_account && scope.own_role.as_deref() == Some(name) {
        return Some(format!(
            "role {name} is the role this function runs as: never acted on, alert only"
        ));
    }
    if kind == PrincipalKind::Role && scope.member_role.as_deref() == Some(name) {
        return Some(format!(
            "role {name} is the member role the responder acts through: never acted on, alert only"
        ));
    }
    if let Some(p) = scope
        .own_principals
        .iter()
        .find(|p| wildcard_match(p, &arn))
    {
        return Some(format!(
            "{kind} {name} belongs to Vigil's own stack ({p}): never acted on, whatever protectedPrincipals says; alert only"
        ));
    }
    settings
        .protected_principals
        .iter()
        .find(|p| wildcard_match(p, name) || wildcard_match(p, &arn))
        .map(|p| format!("{kind} {name} is a protected principal ({p}): never touched, alert only"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::{Value, json};
    use vigil::events::guardduty::FindingEvent;

    /// A case from events/guardduty-responder/, with JSON pointer edits applied.
    pub(crate) fn finding(case: &str, edits: &[(&str, Value)]) -> Finding {
        let event = vigil_tests::events::edited("guardduty-responder", case, edits);
        FindingEvent::from_value(event).unwrap().finding
    }

    /// The function in the events' account, with no member role.
    pub(crate) fn scope() -> Scope {
        Scope {
            own_account: "123456789012".into(),
            ..Scope::default()
        }
    }

    fn contain() -> ResponseSettings {
        ResponseSettings {
            mode: Mode::Contain,
            ..ResponseSettings::default()
        }
    }

    fn verdicts(d: &Decision) -> Vec<(ActionKind, Verdict)> {
        d.planned
            .iter()
            .map(|p| (p.kind, p.verdict.clone()))
            .collect()
    }

    #[test]
    fn compromised_instance_gets_the_full_containment() {
        let d = decide(&finding("ec2-compromised", &[]), &contain(), &scope());
        assert_eq!(d.family, Family::Ec2Compromised);
        assert_eq!(d.held, None);
        assert_eq!(
            verdicts(&d),
            vec![
                (ActionKind::IsolateInstance, Verdict::Run),
                (ActionKind::SnapshotVolumes, Verdict::Run),
                (ActionKind::TerminationProtection, Verdict::Run),
                (ActionKind::TagInstance, Verdict::Run),
            ]
        );
        assert!(d.planned[0].reason.contains("quarantine"));
    }

    #[test]
    fn gates_are_per_action() {
        let f = finding("ec2-compromised", &[("/detail/severity", json!(5.0))]);
        let d = decide(&f, &contain(), &scope());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(
            d.planned[0]
                .reason
                .contains("below the isolate-instance gate of 7.0")
        );
        assert_eq!(d.planned[1].verdict, Verdict::Run, "snapshot gate is 4.0");
        let low = decide(&finding("below-gate", &[]), &contain(), &scope());
        assert!(low.planned.iter().all(|p| p.verdict == Verdict::Skip));
    }

    #[test]
    fn safeguards_hold_everything() {
        for case in [
            "sample-ec2-ssh-bruteforce",
            "sample-iam-maliciousipcaller",
            "archived",
            "exempt-tag",
        ] {
            let d = decide(&finding(case, &[]), &contain(), &scope());
            assert!(d.held.is_some(), "{case}");
            assert!(
                d.planned.iter().all(|p| p.verdict == Verdict::Skip),
                "{case}: {d:?}"
            );
        }
    }

    #[test]
    fn alert_only_and_dry_run_report_what_would_be_done() {
        let f = finding("ec2-compromised", &[]);
        let d = decide(&f, &ResponseSettings::default(), &scope());
        assert!(d.planned.iter().all(|p| p.verdict == Verdict::WouldRun));
        assert!(d.planned[0].reason.contains("alert-only mode"));
        let dry = ResponseSettings {
            dry_run: true,
            ..contain()
        };
        let d = decide(&f, &dry, &scope());
        assert!(d.planned.iter().all(|p| p.verdict == Verdict::WouldRun));
        assert!(d.planned[0].reason.contains("dry run"));
    }

    #[test]
    fn attacked_instance_blocks_only_what_is_not_allow_listed() {
        let f = finding("ec2-bruteforce-target", &[]);
        let d = decide(&f, &contain(), &scope());
        assert_eq!(
            verdicts(&d),
            vec![(ActionKind::BlockRemoteIps, Verdict::Run)]
        );
        let Some(Action::BlockRemoteIps { ips, .. }) = &d.planned[0].action else {
            panic!("{d:?}")
        };
        assert_eq!(ips, &vec!["198.51.100.23".parse::<IpAddr>().unwrap()]);

        let d = decide(
            &finding("allow-listed-ip", &[]),
            &ResponseSettings {
                allow_list: vec!["192.0.2.0/24".parse().unwrap()],
                ..contain()
            },
            &scope(),
        );
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("allow-listed"), "{d:?}");

        let probe = decide(&finding("ec2-portprobe", &[]), &contain(), &scope());
        let Some(Action::BlockRemoteIps { ips, .. }) = &probe.planned[0].action else {
            panic!("{probe:?}")
        };
        assert_eq!(ips.len(), 2, "every probing address");
    }

    #[test]
    fn api_call_findings_never_reach_a_network_acl() {
        let f = finding(
            "ec2-bruteforce-target",
            &[("/detail/service/action/actionType", json!("AWS_API_CALL"))],
        );
        let d = decide(&f, &contain(), &scope());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("does nothing"));
    }

    #[test]
    fn iam_response_depends_on_the_credential() {
        let d = decide(&finding("iam-akia", &[]), &contain(), &scope());
        assert_eq!(
            verdicts(&d),
            vec![
                (ActionKind::DeactivateAccessKey, Verdict::Run),
                (ActionKind::DenyUser, Verdict::Run)
            ]
        );
        let d = decide(&finding("iam-asia-assumed-role", &[]), &contain(), &scope());
        assert_eq!(
            d.planned[0].action,
            Some(Action::RevokeSessions {
                principal: PrincipalKind::Role,
                name: "ci-deployer".into()
            })
        );
        let d = decide(&finding("iam-root", &[]), &contain(), &scope());
        assert_eq!(verdicts(&d), vec![(ActionKind::DenyUser, Verdict::Skip)]);
        assert!(d.planned[0].reason.contains("root user"));
    }

    #[test]
    fn protected_principals_are_never_touched() {
        let settings = ResponseSettings {
            protected_principals: vec!["arn:aws:iam::*:role/ci-*".into()],
            ..contain()
        };
        let d = decide(&finding("iam-asia-assumed-role", &[]), &settings, &scope());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("protected principal"));
    }

    #[test]
    fn s3_and_rds() {
        let d = decide(&finding("s3-public", &[]), &contain(), &scope());
        assert_eq!(
            verdicts(&d),
            vec![(ActionKind::BlockPublicAccess, Verdict::Run)]
        );
        let d = decide(
            &finding(
                "s3-public",
                &[(
                    "/detail/resource/s3BucketDetails/0/publicAccess/effectivePermission",
                    json!("NOT_PUBLIC"),
                )],
            ),
            &contain(),
            &scope(),
        );
        assert_eq!(d.planned[0].verdict, Verdict::Skip);

        let d = decide(&finding("rds-anomalous-login", &[]), &contain(), &scope());
        assert_eq!(verdicts(&d), vec![(ActionKind::RotateSecret, Verdict::Run)]);
        let failed = finding(
            "rds-anomalous-login",
            &[(
                "/detail/type",
                json!("CredentialAccess:RDS/AnomalousBehavior.FailedLogin"),
            )],
        );
        let d = decide(&failed, &contain(), &scope());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("no login succeeded"));
    }
}
