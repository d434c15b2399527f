//! The playbook: what a finding calls for. Pure: a finding and the settings in, a decision out
//! (every action considered, each with the reason it was chosen or skipped).
//!
//! [`family`] sorts the finding by its type; [`candidates`] lists the actions its family calls
//! for; [`decide`] applies the safeguards to each.
//!
//! Safeguards apply to every action: sample and archived findings and exempt resources are
//! never acted on; IAM actions never touch protected principals; an action runs only when the
//! severity reaches its gate; `alert-only` mode and dry runs report what would be done.

mod candidates;
mod family;

use std::net::IpAddr;

use serde::Serialize;
use vigil::alert::Severity;
use vigil::events::guardduty::{Finding, Tag};
use vigil::policy::analysis::wildcard_match;

use crate::config::{ActionKind, Mode, ResponseSettings};

use self::candidates::candidates;
pub use self::family::Family;
use self::family::classify;

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
}

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
        }
    }

    /// What the action acts on, for people.
    pub(crate) fn target(&self) -> String {
        match self {
            Action::IsolateInstance { instance_id }
            | Action::SnapshotVolumes { instance_id }
            | Action::TerminationProtection { instance_id }
            | Action::TagInstance { instance_id } => instance_id.clone(),
            Action::BlockRemoteIps { instance_id, ips } => {
                let ips: Vec<String> = ips.iter().map(ToString::to_string).collect();
                format!("{} (subnets of {instance_id})", ips.join(", "))
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
        }
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
    /// Why no action may run at all (sample, archived, exempt), if so.
    pub held: Option<String>,
    pub planned: Vec<Planned>,
}

/// Decides what to do about `finding`.
pub fn decide(finding: &Finding, settings: &ResponseSettings) -> Decision {
    let family = classify(finding);
    let band = finding.band();
    let held = held(finding, settings);
    let mut planned = Vec::new();
    for c in candidates(finding, family, settings) {
        let (verdict, reason, action) = match c.action {
            Err(problem) => (Verdict::Skip, problem, None),
            Ok(action) => {
                let gate = settings.gates.for_action(c.kind);
                if let Some(why) = &held {
                    (Verdict::Skip, why.clone(), Some(action))
                } else if let Some(why) = protected(&action, finding, settings) {
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
    }
}

/// Safeguards that hold every action of the finding.
fn held(finding: &Finding, settings: &ResponseSettings) -> Option<String> {
    if finding.is_sample() {
        return Some("sample finding (additionalInfo.sample): never acted on".into());
    }
    if finding.is_archived() {
        return Some("archived finding: never acted on".into());
    }
    let exempt = &settings.exempt_tag;
    let has_exempt = |tags: &[Tag]| tags.iter().any(|t| exempt.matches(&t.key, &t.value));
    let r = &finding.resource;
    let tagged = r
        .instance_details
        .as_ref()
        .is_some_and(|i| has_exempt(&i.tags))
        || r.s3_bucket_details.iter().any(|b| has_exempt(&b.tags))
        || r.rds_db_instance_details
            .as_ref()
            .is_some_and(|d| has_exempt(&d.tags));
    tagged.then(|| {
        format!(
            "the resource is tagged {}={}: exempt, alert only",
            exempt.key, exempt.value
        )
    })
}

/// Why an IAM action must not touch this principal, if so.
fn protected(action: &Action, finding: &Finding, settings: &ResponseSettings) -> Option<String> {
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
    settings
        .protected_principals
        .iter()
        .find(|p| wildcard_match(p, name) || wildcard_match(p, &arn))
        .map(|p| format!("{kind} {name} is a protected principal ({p}): never touched, alert only"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use vigil::events::guardduty::FindingEvent;

    /// A case from events/guardduty-responder/, with JSON pointer edits applied.
    pub(crate) fn finding(case: &str, edits: &[(&str, Value)]) -> Finding {
        let event = vigil_tests::events::edited("guardduty-responder", case, edits);
        FindingEvent::from_value(event).unwrap().finding
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
        let d = decide(&finding("ec2-compromised", &[]), &contain());
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
        let d = decide(&f, &contain());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(
            d.planned[0]
                .reason
                .contains("below the isolate-instance gate of 7.0")
        );
        assert_eq!(d.planned[1].verdict, Verdict::Run, "snapshot gate is 4.0");
        let low = decide(&finding("below-gate", &[]), &contain());
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
            let d = decide(&finding(case, &[]), &contain());
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
        let d = decide(&f, &ResponseSettings::default());
        assert!(d.planned.iter().all(|p| p.verdict == Verdict::WouldRun));
        assert!(d.planned[0].reason.contains("alert-only mode"));
        let dry = ResponseSettings {
            dry_run: true,
            ..contain()
        };
        let d = decide(&f, &dry);
        assert!(d.planned.iter().all(|p| p.verdict == Verdict::WouldRun));
        assert!(d.planned[0].reason.contains("dry run"));
    }

    #[test]
    fn attacked_instance_blocks_only_what_is_not_allow_listed() {
        let f = finding("ec2-bruteforce-target", &[]);
        let d = decide(&f, &contain());
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
        );
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("allow-listed"), "{d:?}");

        let probe = decide(&finding("ec2-portprobe", &[]), &contain());
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
        let d = decide(&f, &contain());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("does nothing"));
    }

    #[test]
    fn iam_response_depends_on_the_credential() {
        let d = decide(&finding("iam-akia", &[]), &contain());
        assert_eq!(
            verdicts(&d),
            vec![
                (ActionKind::DeactivateAccessKey, Verdict::Run),
                (ActionKind::DenyUser, Verdict::Run)
            ]
        );
        let d = decide(&finding("iam-asia-assumed-role", &[]), &contain());
        assert_eq!(
            d.planned[0].action,
            Some(Action::RevokeSessions {
                principal: PrincipalKind::Role,
                name: "ci-deployer".into()
            })
        );
        let d = decide(&finding("iam-root", &[]), &contain());
        assert_eq!(verdicts(&d), vec![(ActionKind::DenyUser, Verdict::Skip)]);
        assert!(d.planned[0].reason.contains("root user"));
    }

    #[test]
    fn protected_principals_are_never_touched() {
        let settings = ResponseSettings {
            protected_principals: vec!["arn:aws:iam::*:role/ci-*".into()],
            ..contain()
        };
        let d = decide(&finding("iam-asia-assumed-role", &[]), &settings);
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("protected principal"));
    }

    #[test]
    fn s3_and_rds() {
        let d = decide(&finding("s3-public", &[]), &contain());
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
        );
        assert_eq!(d.planned[0].verdict, Verdict::Skip);

        let d = decide(&finding("rds-anomalous-login", &[]), &contain());
        assert_eq!(verdicts(&d), vec![(ActionKind::RotateSecret, Verdict::Run)]);
        let failed = finding(
            "rds-anomalous-login",
            &[(
                "/detail/type",
                json!("CredentialAccess:RDS/AnomalousBehavior.FailedLogin"),
            )],
        );
        let d = decide(&failed, &contain());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("no login succeeded"));
    }
}
