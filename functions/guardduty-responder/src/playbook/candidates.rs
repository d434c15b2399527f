//! What each family calls for, before the safeguards: the actions that fit the finding, each
//! with why it fits, or why it cannot be built from what the finding says.
//! - EC2 compromised → isolate, snapshot, protect, tag.
//! - EC2 attacked → deny the remote addresses in the subnet's network ACL.
//! - IAM credentials → deactivate an `AKIA` key and deny the user everything; revoke the
//!   sessions of an assumed role or of `ASIA` credentials. The root user: alert only.
//! - S3 exposure (a bucket whose effective permission is `PUBLIC`) → block public access.
//! - RDS login (a successful one) → rotate the database's secrets now.

use std::net::IpAddr;

use vigil::arn::Arn;
use vigil::events::guardduty::Finding;

use super::{Action, Family, PrincipalKind};
use crate::config::{ActionKind, ResponseSettings};

/// A candidate before the safeguards: the action (or why it cannot be built) and why it fits.
pub(super) struct Candidate {
    pub(super) kind: ActionKind,
    pub(super) target: String,
    pub(super) action: Result<Action, String>,
    pub(super) why: String,
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

/// The actions that fit `finding` of `family`, before the safeguards.
pub(super) fn candidates(
    finding: &Finding,
    family: Family,
    settings: &ResponseSettings,
) -> Vec<Candidate> {
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
                        .and_then(Arn::parse)
                        .filter(|a| a.partition == "aws" && a.service == "s3")
                        .map(|a| a.resource.to_owned())
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
