//! The playbook: what a finding calls for. Pure: a finding and the settings in, a decision out
//! (every action considered, each with the reason it was chosen or skipped).
//!
//! Families are recognised from the finding type's parts by prefix, not from a list of types:
//! - EC2 compromised: `Backdoor`, `Trojan`, `CryptoCurrency` or `Impact` on `EC2`, or brute
//!   force where the instance is the ACTOR → isolate, snapshot, protect, tag.
//! - EC2 attacked: brute force on the instance as TARGET, port probes, inbound connections from
//!   a malicious address → deny the remote addresses in the subnet's network ACL.
//! - IAM credentials (`AccessKey` resource) → deactivate an `AKIA` key and deny the user
//!   everything; revoke the sessions of an assumed role or of `ASIA` credentials. Root and
//!   protected principals: alert only.
//! - S3 exposure (a bucket whose effective permission is `PUBLIC`) → block public access.
//! - RDS login (`RDS` login findings) → rotate the database's secrets now.
//!
//! Safeguards apply to every action: sample and archived findings and exempt resources are
//! never acted on; an action runs only when the severity reaches its gate; `alert-only` mode and
//! dry runs report what would be done.

use std::net::IpAddr;

use serde::Serialize;
use vigil::alert::Severity;
use vigil::events::guardduty::{Finding, ResourceRole, Tag};
use vigil::policy::analysis::wildcard_match;

use crate::config::{Mode, ResponseSettings};

/// The kind of finding, as far as the response goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Ec2Compromised,
    Ec2Attacked,
    IamCredentials,
    S3Exposure,
    RdsLogin,
    Other,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ec2Compromised => "ec2-compromised",
            Family::Ec2Attacked => "ec2-attacked",
            Family::IamCredentials => "iam-credentials",
            Family::S3Exposure => "s3-exposure",
            Family::RdsLogin => "rds-login",
            Family::Other => "other",
        }
    }
}

/// Threat purposes that mean an instance itself is running something hostile.
const COMPROMISED_PURPOSES: [&str; 4] = ["Backdoor", "Trojan", "CryptoCurrency", "Impact"];

/// Which family a finding belongs to.
pub fn classify(finding: &Finding) -> Family {
    let t = finding.finding_type();
    let resource_type = finding.resource.resource_type.as_deref().unwrap_or("");
    if resource_type == "AccessKey" || t.resource_type.starts_with("IAMUser") {
        return Family::IamCredentials;
    }
    if resource_type == "S3Bucket" || t.resource_type.starts_with("S3") {
        return Family::S3Exposure;
    }
    if resource_type.starts_with("RDS") || t.resource_type.starts_with("RDS") {
        let name = format!("{}.{}", t.threat_family, t.mechanism);
        return if name.contains("Login") || name.contains("BruteForce") {
            Family::RdsLogin
        } else {
            Family::Other
        };
    }
    if resource_type == "Instance" || t.resource_type.starts_with("EC2") {
        let role = finding.service.resource_role.as_ref();
        if t.threat_family.ends_with("BruteForce") {
            return if role == Some(&ResourceRole::Actor) {
                Family::Ec2Compromised
            } else {
                Family::Ec2Attacked
            };
        }
        if COMPROMISED_PURPOSES.contains(&t.threat_purpose) {
            return Family::Ec2Compromised;
        }
        if t.threat_family.starts_with("PortProbe") {
            return Family::Ec2Attacked;
        }
        if finding.action_type() == Some("NETWORK_CONNECTION")
            && finding.connection_direction().as_deref() == Some("INBOUND")
            && role != Some(&ResourceRole::Actor)
        {
            return Family::Ec2Attacked;
        }
    }
    Family::Other
}

/// Every action the responder can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    IsolateInstance,
    SnapshotVolumes,
    TerminationProtection,
    TagInstance,
    BlockRemoteIps,
    DeactivateAccessKey,
    DenyUser,
    RevokeSessions,
    BlockPublicAccess,
    RotateSecret,
}

impl ActionKind {
    pub const ALL: [ActionKind; 10] = [
        ActionKind::IsolateInstance,
        ActionKind::SnapshotVolumes,
        ActionKind::TerminationProtection,
        ActionKind::TagInstance,
        ActionKind::BlockRemoteIps,
        ActionKind::DeactivateAccessKey,
        ActionKind::DenyUser,
        ActionKind::RevokeSessions,
        ActionKind::BlockPublicAccess,
        ActionKind::RotateSecret,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::IsolateInstance => "isolate-instance",
            ActionKind::SnapshotVolumes => "snapshot-volumes",
            ActionKind::TerminationProtection => "termination-protection",
            ActionKind::TagInstance => "tag-instance",
            ActionKind::BlockRemoteIps => "block-remote-ips",
            ActionKind::DeactivateAccessKey => "deactivate-access-key",
            ActionKind::DenyUser => "deny-user",
            ActionKind::RevokeSessions => "revoke-sessions",
            ActionKind::BlockPublicAccess => "block-public-access",
            ActionKind::RotateSecret => "rotate-secret",
        }
    }
}

/// Whose sessions are revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    User,
    Role,
}

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
    pub fn kind(&self) -> ActionKind {
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
    pub fn target(&self) -> String {
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
            Action::RevokeSessions { principal, name } => match principal {
                PrincipalKind::User => format!("user {name}"),
                PrincipalKind::Role => format!("role {name}"),
            },
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

/// A candidate before the safeguards: the action (or why it cannot be built) and why it fits.
struct Candidate {
    kind: ActionKind,
    target: String,
    action: Result<Action, String>,
    why: String,
}

fn candidate(action: Action, why: impl Into<String>) -> Candidate {
    Candidate {
        kind: action.kind(),
        target: action.target(),
        action: Ok(action),
        why: why.into(),
    }
}

fn impossible(kind: ActionKind, target: &str, problem: impl Into<String>) -> Candidate {
    Candidate {
        kind,
        target: target.to_owned(),
        action: Err(problem.into()),
        why: String::new(),
    }
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
                            finding.severity,
                            c.kind.as_str()
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
            ("user", user_name)
        }
        Action::RevokeSessions { principal, name } => match principal {
            PrincipalKind::User => ("user", name),
            PrincipalKind::Role => ("role", name),
        },
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

fn candidates(finding: &Finding, family: Family, settings: &ResponseSettings) -> Vec<Candidate> {
    let t = finding.finding_type();
    match family {
        Family::Ec2Compromised => {
            let why = format!(
                "{} on the instance: contain it and keep evidence",
                if t.threat_family.ends_with("BruteForce") {
                    "brute force from the instance (ACTOR)".to_owned()
                } else {
                    format!("{} activity", t.threat_purpose)
                }
            );
            let Some(id) = finding.instance_id() else {
                return [
                    ActionKind::IsolateInstance,
                    ActionKind::SnapshotVolumes,
                    ActionKind::TerminationProtection,
                    ActionKind::TagInstance,
                ]
                .map(|k| impossible(k, "unknown instance", "the finding names no instance id"))
                .into();
            };
            let id = id.to_owned();
            vec![
                candidate(
                    Action::IsolateInstance {
                        instance_id: id.clone(),
                    },
                    format!("{why}: every network interface to the quarantine group"),
                ),
                candidate(
                    Action::SnapshotVolumes {
                        instance_id: id.clone(),
                    },
                    format!("{why}: snapshot every attached volume"),
                ),
                candidate(
                    Action::TerminationProtection {
                        instance_id: id.clone(),
                    },
                    format!("{why}: keep the instance from being terminated"),
                ),
                candidate(
                    Action::TagInstance { instance_id: id },
                    format!("{why}: mark the instance with the finding"),
                ),
            ]
        }
        Family::Ec2Attacked => vec![block_remote_ips(finding, settings)],
        Family::IamCredentials => iam_candidates(finding),
        Family::S3Exposure => {
            let mut out = Vec::new();
            for bucket in &finding.resource.s3_bucket_details {
                let name = bucket.name.clone().filter(|n| !n.is_empty()).or_else(|| {
                    bucket
                        .arn
                        .as_deref()
                        .and_then(|a| a.strip_prefix("arn:aws:s3:::"))
                        .map(str::to_owned)
                });
                let Some(name) = name else {
                    out.push(impossible(
                        ActionKind::BlockPublicAccess,
                        "unknown bucket",
                        "the finding names no bucket",
                    ));
                    continue;
                };
                let permission = bucket
                    .public_access
                    .as_ref()
                    .and_then(|p| p.effective_permission.as_deref())
                    .unwrap_or("unknown");
                if permission.eq_ignore_ascii_case("PUBLIC") {
                    out.push(candidate(
                        Action::BlockPublicAccess { bucket: name },
                        "the bucket's effective permission is PUBLIC: block public access",
                    ));
                } else {
                    out.push(impossible(
                        ActionKind::BlockPublicAccess,
                        &format!("bucket {name}"),
                        format!(
                            "the bucket's effective permission is {permission}, not PUBLIC: nothing to block"
                        ),
                    ));
                }
            }
            if out.is_empty() {
                out.push(impossible(
                    ActionKind::BlockPublicAccess,
                    "unknown bucket",
                    "the finding names no bucket",
                ));
            }
            out
        }
        Family::RdsLogin => {
            let details = finding.resource.rds_db_instance_details.as_ref();
            let instance = details
                .and_then(|d| d.db_instance_identifier.clone())
                .filter(|s| !s.is_empty());
            let cluster = details
                .and_then(|d| d.db_cluster_identifier.clone())
                .filter(|s| !s.is_empty());
            let action = Action::RotateSecret {
                db_instance_identifier: instance.clone(),
                db_cluster_identifier: cluster.clone(),
            };
            if instance.is_none() && cluster.is_none() {
                return vec![impossible(
                    ActionKind::RotateSecret,
                    &action.target(),
                    "the finding names no database instance or cluster",
                )];
            }
            if !t.mechanism.starts_with("Successful") {
                return vec![impossible(
                    ActionKind::RotateSecret,
                    &action.target(),
                    format!(
                        "{}: no login succeeded, so no credential is known to be exposed",
                        finding.kind
                    ),
                )];
            }
            vec![candidate(
                action,
                "a suspicious login succeeded: rotate the database credential now",
            )]
        }
        Family::Other => Vec::new(),
    }
}

fn block_remote_ips(finding: &Finding, settings: &ResponseSettings) -> Candidate {
    let Some(id) = finding.instance_id().map(str::to_owned) else {
        return impossible(
            ActionKind::BlockRemoteIps,
            "unknown instance",
            "the finding names no instance id",
        );
    };
    if finding.action_type() == Some("AWS_API_CALL") {
        return impossible(
            ActionKind::BlockRemoteIps,
            &id,
            "the activity is AWS API calls: a network ACL does not stand between the caller and AWS, so blocking it there does nothing",
        );
    }
    let all = finding.remote_ips();
    let (allowed, blocked): (Vec<IpAddr>, Vec<IpAddr>) = all
        .into_iter()
        .partition(|ip| settings.allow_list.iter().any(|net| net.contains(ip)));
    let listed = |ips: &[IpAddr]| {
        ips.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if blocked.is_empty() {
        let problem = if allowed.is_empty() {
            "the finding names no remote address".to_owned()
        } else {
            format!("{} allow-listed: never blocked", listed(&allowed))
        };
        return impossible(ActionKind::BlockRemoteIps, &id, problem);
    }
    let mut why = "the instance is attacked from outside: deny the remote addresses in its subnets' network ACLs".to_owned();
    if !allowed.is_empty() {
        why.push_str(&format!(" ({} left alone: allow-listed)", listed(&allowed)));
    }
    candidate(
        Action::BlockRemoteIps {
            instance_id: id,
            ips: blocked,
        },
        why,
    )
}

fn iam_candidates(finding: &Finding) -> Vec<Candidate> {
    let Some(key) = finding.resource.access_key_details.as_ref() else {
        return vec![impossible(
            ActionKind::DenyUser,
            "unknown principal",
            "the finding has no accessKeyDetails",
        )];
    };
    let user_type = key.user_type.as_deref().unwrap_or("");
    let name = key
        .user_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_default();
    let key_id = key.access_key_id.clone().unwrap_or_default();
    if user_type.eq_ignore_ascii_case("Root") {
        return vec![impossible(
            ActionKind::DenyUser,
            "root user",
            "the root user is never touched automatically: alert only (sign in as root, rotate its credentials, check MFA)",
        )];
    }
    if name.is_empty() {
        return vec![impossible(
            ActionKind::DenyUser,
            "unknown principal",
            "the finding names no user or role",
        )];
    }
    match user_type {
        "IAMUser" => {
            let mut out = Vec::new();
            if key_id.starts_with("AKIA") {
                out.push(candidate(
                    Action::DeactivateAccessKey {
                        user_name: name.clone(),
                        access_key_id: key_id,
                    },
                    "a long-term access key was used suspiciously: deactivate it",
                ));
            } else if key_id.starts_with("ASIA") {
                out.push(candidate(
                    Action::RevokeSessions {
                        principal: PrincipalKind::User,
                        name: name.clone(),
                    },
                    "temporary credentials of the user were used suspiciously: revoke sessions issued before now",
                ));
            } else {
                out.push(impossible(
                    ActionKind::DeactivateAccessKey,
                    &format!("user {name}"),
                    format!("access key id {key_id:?} is neither AKIA nor ASIA"),
                ));
            }
            out.push(candidate(
                Action::DenyUser { user_name: name },
                "the user's credentials are in suspicious use: deny the user everything until someone looks",
            ));
            out
        }
        "AssumedRole" => vec![candidate(
            Action::RevokeSessions {
                principal: PrincipalKind::Role,
                name,
            },
            "credentials of an assumed role were used suspiciously: revoke the role's sessions issued before now",
        )],
        other => vec![impossible(
            ActionKind::RevokeSessions,
            &name,
            format!("no automatic response for user type {other:?}: alert only"),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Mode, ResponseSettings};
    use serde_json::{Value, json};
    use vigil::events::guardduty::FindingEvent;

    /// A case from events/guardduty-responder/, with JSON pointer edits applied.
    fn load(case: &str, edits: &[(&str, Value)]) -> Finding {
        let path = format!(
            "{}/../../events/guardduty-responder/{case}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut value: Value = serde_json::from_str(&text).unwrap();
        for (pointer, new) in edits {
            *value
                .pointer_mut(pointer)
                .unwrap_or_else(|| panic!("{case}: no {pointer}")) = new.clone();
        }
        FindingEvent::from_value(value).unwrap().finding
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
    fn families_follow_the_type_and_the_role() {
        for (case, family) in [
            ("ec2-compromised", Family::Ec2Compromised),
            ("ec2-bruteforce-actor", Family::Ec2Compromised),
            ("ec2-bruteforce-target", Family::Ec2Attacked),
            ("ec2-portprobe", Family::Ec2Attacked),
            ("iam-akia", Family::IamCredentials),
            ("iam-asia-assumed-role", Family::IamCredentials),
            ("iam-root", Family::IamCredentials),
            ("s3-public", Family::S3Exposure),
            ("rds-anomalous-login", Family::RdsLogin),
            ("sample-ec2-ssh-bruteforce", Family::Ec2Attacked),
        ] {
            assert_eq!(classify(&load(case, &[])), family, "{case}");
        }
        let unknown = load(
            "ec2-compromised",
            &[("/detail/type", json!("Recon:EC2/Portscan"))],
        );
        assert_eq!(classify(&unknown), Family::Other);
        let new_trojan = load(
            "ec2-compromised",
            &[("/detail/type", json!("Trojan:EC2/SomethingNew.X!DNS"))],
        );
        assert_eq!(
            classify(&new_trojan),
            Family::Ec2Compromised,
            "prefix match"
        );
    }

    #[test]
    fn compromised_instance_gets_the_full_containment() {
        let d = decide(&load("ec2-compromised", &[]), &contain());
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
        let f = load("ec2-compromised", &[("/detail/severity", json!(5.0))]);
        let d = decide(&f, &contain());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(
            d.planned[0]
                .reason
                .contains("below the isolate-instance gate of 7.0")
        );
        assert_eq!(d.planned[1].verdict, Verdict::Run, "snapshot gate is 4.0");
        let low = decide(&load("below-gate", &[]), &contain());
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
            let d = decide(&load(case, &[]), &contain());
            assert!(d.held.is_some(), "{case}");
            assert!(
                d.planned.iter().all(|p| p.verdict == Verdict::Skip),
                "{case}: {d:?}"
            );
        }
    }

    #[test]
    fn alert_only_and_dry_run_report_what_would_be_done() {
        let f = load("ec2-compromised", &[]);
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
        let f = load("ec2-bruteforce-target", &[]);
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
            &load("allow-listed-ip", &[]),
            &ResponseSettings {
                allow_list: vec!["192.0.2.0/24".parse().unwrap()],
                ..contain()
            },
        );
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("allow-listed"), "{d:?}");

        let probe = decide(&load("ec2-portprobe", &[]), &contain());
        let Some(Action::BlockRemoteIps { ips, .. }) = &probe.planned[0].action else {
            panic!("{probe:?}")
        };
        assert_eq!(ips.len(), 2, "every probing address");
    }

    #[test]
    fn api_call_findings_never_reach_a_network_acl() {
        let f = load(
            "ec2-bruteforce-target",
            &[("/detail/service/action/actionType", json!("AWS_API_CALL"))],
        );
        let d = decide(&f, &contain());
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("does nothing"));
    }

    #[test]
    fn iam_response_depends_on_the_credential() {
        let d = decide(&load("iam-akia", &[]), &contain());
        assert_eq!(
            verdicts(&d),
            vec![
                (ActionKind::DeactivateAccessKey, Verdict::Run),
                (ActionKind::DenyUser, Verdict::Run)
            ]
        );
        let d = decide(&load("iam-asia-assumed-role", &[]), &contain());
        assert_eq!(
            d.planned[0].action,
            Some(Action::RevokeSessions {
                principal: PrincipalKind::Role,
                name: "ci-deployer".into()
            })
        );
        let d = decide(&load("iam-root", &[]), &contain());
        assert_eq!(verdicts(&d), vec![(ActionKind::DenyUser, Verdict::Skip)]);
        assert!(d.planned[0].reason.contains("root user"));
    }

    #[test]
    fn protected_principals_are_never_touched() {
        let settings = ResponseSettings {
            protected_principals: vec!["arn:aws:iam::*:role/ci-*".into()],
            ..contain()
        };
        let d = decide(&load("iam-asia-assumed-role", &[]), &settings);
        assert_eq!(d.planned[0].verdict, Verdict::Skip);
        assert!(d.planned[0].reason.contains("protected principal"));
    }

    #[test]
    fn s3_and_rds() {
        let d = decide(&load("s3-public", &[]), &contain());
        assert_eq!(
            verdicts(&d),
            vec![(ActionKind::BlockPublicAccess, Verdict::Run)]
        );
        let d = decide(
            &load(
                "s3-public",
                &[(
                    "/detail/resource/s3BucketDetails/0/publicAccess/effectivePermission",
                    json!("NOT_PUBLIC"),
                )],
            ),
            &contain(),
        );
        assert_eq!(d.planned[0].verdict, Verdict::Skip);

        let d = decide(&load("rds-anomalous-login", &[]), &contain());
        assert_eq!(verdicts(&d), vec![(ActionKind::RotateSecret, Verdict::Run)]);
        let failed = load(
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
