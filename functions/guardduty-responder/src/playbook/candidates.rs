//! What each family calls for, before the safeguards: the actions that fit the finding, each
//! with why it fits, or why it cannot be built from what the finding says.
//! - EC2 compromised → isolate, snapshot, protect, tag.
//! - EC2 attacked → deny the remote addresses in the subnet's network ACL.
//! - IAM credentials → deactivate an `AKIA` key and deny the user everything; revoke the
//!   sessions of an assumed role or of `ASIA` credentials. The root user: alert only.
//! - S3 exposure (a bucket whose effective permission is `PUBLIC`) → block public access.
//! - RDS login (a successful one) → rotate the database's secrets now.
//! - ECS task → stop it (after recording what it runs) and tag its service.
//! - EKS → isolate the node instance, only when the finding is about the node.
//! - Lambda function → reserved concurrency 0 (after recording it), revoke its role's sessions.
//! - Malicious S3 object → that version unreadable but to the quarantine readers.
//! - Attack sequence → `super::sequence` (called by `decide`), with the helpers here.
//! - Container, Backup malware, Custom Detection Rules, anything else → nothing (alert).

use std::net::IpAddr;

use ipnet::IpNet;
use vigil::arn::Arn;
use vigil::events::guardduty::{AccessKeyDetails, Finding};

use super::{Action, Family, PrincipalKind, first_few};
use crate::config::{ActionKind, ResponseSettings};

/// A candidate before the safeguards: the action (or why it cannot be built) and why it fits.
pub(super) struct Candidate {
    pub(super) kind: ActionKind,
    pub(super) target: String,
    pub(super) action: Result<Action, String>,
    pub(super) why: String,
}

pub(super) fn candidate(action: Action, why: impl Into<String>) -> Candidate {
    Candidate {
        kind: action.kind(),
        target: action.target(),
        action: Ok(action),
        why: why.into(),
    }
}

pub(super) fn impossible(kind: ActionKind, target: &str, problem: impl Into<String>) -> Candidate {
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
            match finding.instance_id() {
                Some(id) => ec2_containment(id, &why),
                None => [
                    ActionKind::IsolateInstance,
                    ActionKind::SnapshotVolumes,
                    ActionKind::TerminationProtection,
                    ActionKind::TagInstance,
                ]
                .map(|k| impossible(k, "unknown instance", "the finding names no instance id"))
                .into(),
            }
        }
        Family::Ec2Attacked => vec![block_remote_ips(finding, settings)],
        Family::IamCredentials => match finding.resource.access_key_details.as_ref() {
            Some(key) => iam_for(key),
            None => vec![impossible(
                ActionKind::DenyUser,
                "unknown principal",
                "the finding has no accessKeyDetails",
            )],
        },
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
        Family::EcsTask => ecs_candidates(finding),
        Family::EksCluster => eks_node(finding),
        Family::LambdaFunction => lambda_candidates(finding),
        Family::S3Malware => object_candidates(finding),
        // Attack sequences are expanded by `sequence`, which builds on the helpers here.
        Family::AttackSequence
        | Family::Container
        | Family::BackupMalware
        | Family::CustomDetection
        | Family::Other => Vec::new(),
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
    let all: Vec<IpAddr> = finding
        .remote_ips()
        .iter()
        .map(IpAddr::to_canonical)
        .collect();
    let (allowed, blocked): (Vec<IpAddr>, Vec<IpAddr>) = all
        .into_iter()
        .partition(|ip| settings.allow_list.iter().any(|net| allowed_by(net, ip)));
    let listed = |ips: &[IpAddr]| first_few(ips);
    if blocked.is_empty() {
        let problem = if allowed.is_empty() {
            "the finding names no remote address".to_owned()
        } else {
            format!("{} allow-listed: never blocked", listed(&allowed))
        };
        return impossible(ActionKind::BlockRemoteIps, &id, problem);
    }
    let room = settings.nacl_rule_range.size();
    if blocked.len() > room {
        return impossible(
            ActionKind::BlockRemoteIps,
            &id,
            format!(
                "{} remote addresses, more than the {room} rule numbers reserved for the responder (naclRuleRange): a network ACL cannot hold them and blocking a few would stop nothing, so none is written; block them upstream (AWS Network Firewall, WAF) or widen naclRuleRange",
                blocked.len()
            ),
        );
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

/// The credential actions for the principal an access key belongs to.
pub(super) fn iam_for(key: &AccessKeyDetails) -> Vec<Candidate> {
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

/// The EC2 containment of a compromised instance: isolate, snapshot, protect, tag.
pub(super) fn ec2_containment(id: &str, why: &str) -> Vec<Candidate> {
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

/// The cluster's name from an ECS cluster ARN (`…:cluster/<name>`), or the text as it is.
pub(super) fn cluster_name(cluster: &str) -> &str {
    cluster
        .rsplit_once("cluster/")
        .map_or(cluster, |(_, name)| name)
}

/// ECS: stop the task named in the finding and tag its service (`group` `service:<name>`).
fn ecs_candidates(finding: &Finding) -> Vec<Candidate> {
    let details = finding.resource.ecs_cluster_details.as_ref();
    let cluster = details
        .and_then(|d| d.arn.clone().or_else(|| d.name.clone()))
        .filter(|c| !c.is_empty());
    let task_details = details.and_then(|d| d.task_details.as_ref());
    let task = task_details
        .and_then(|t| t.arn.clone())
        .filter(|t| !t.is_empty());
    let Some(cluster) = cluster else {
        return vec![impossible(
            ActionKind::StopTask,
            "unknown cluster",
            "the finding names no ECS cluster",
        )];
    };
    let Some(task) = task else {
        return vec![impossible(
            ActionKind::StopTask,
            &format!("cluster {}", cluster_name(&cluster)),
            "the finding names no task (resource.ecsClusterDetails.taskDetails.arn): find the tasks running the image with ecs:ListTasks and stop them by hand",
        )];
    };
    let mut out = vec![candidate(
        Action::StopTask {
            cluster: cluster.clone(),
            task,
        },
        "a compromised task: record its task definition, image digests and network interfaces, then stop it (AWS: stop the vulnerable task)",
    )];
    let group = task_details
        .and_then(|t| t.group.clone())
        .unwrap_or_default();
    match group.strip_prefix("service:") {
        Some(service) if !service.is_empty() => out.push(candidate(
            Action::TagService {
                cluster,
                service: service.to_owned(),
            },
            "the service will start a replacement from the same task definition: mark it with the finding until the image is fixed",
        )),
        _ => out.push(impossible(
            ActionKind::TagService,
            &format!("cluster {}", cluster_name(&cluster)),
            format!(
                "the task belongs to no service (group {}): nothing to tag",
                if group.is_empty() { "unknown" } else { &group }
            ),
        )),
    }
    out
}

/// EKS: the responder has no Kubernetes credentials; it isolates the node instance only when
/// the finding is about the node (AWS's criteria: the resource is the instance, the user is
/// the node's own `system:node:*` identity, or a container ran privileged).
fn eks_node(finding: &Finding) -> Vec<Candidate> {
    let r = &finding.resource;
    let k8s = r.kubernetes_details.as_ref();
    let node_user = k8s
        .and_then(|k| k.kubernetes_user_details.as_ref())
        .and_then(|u| u.username.as_deref())
        .filter(|u| u.starts_with("system:node:"));
    let privileged = k8s
        .and_then(|k| k.kubernetes_workload_details.as_ref())
        .is_some_and(|w| {
            w.containers.iter().any(|c| {
                c.security_context
                    .as_ref()
                    .and_then(|s| s.privileged)
                    .unwrap_or(false)
            })
        });
    let on_instance = r.resource_type.as_deref() == Some("Instance");
    let reason = if on_instance {
        "the finding is about the node instance".to_owned()
    } else if let Some(user) = node_user {
        format!("the activity used the node's own identity ({user})")
    } else if privileged {
        "a privileged container ran on the node: the host may be compromised".to_owned()
    } else {
        return Vec::new();
    };
    match finding.instance_id() {
        Some(id) => vec![
            candidate(
                Action::IsolateInstance {
                    instance_id: id.to_owned(),
                },
                format!("{reason}: isolate the node (every pod on it loses its network)"),
            ),
            candidate(
                Action::TagInstance {
                    instance_id: id.to_owned(),
                },
                format!("{reason}: mark the node with the finding"),
            ),
        ],
        None => vec![impossible(
            ActionKind::IsolateInstance,
            "unknown node",
            format!(
                "{reason}, but the finding names no instance id: cordon and isolate the node by hand (see the commands)"
            ),
        )],
    }
}

/// The role name of an IAM role ARN (`…:role/path/name` → `name`).
pub(super) fn role_name(arn: &str) -> Option<String> {
    let arn = Arn::parse(arn)?;
    if arn.service != "iam" {
        return None;
    }
    let path = arn.resource.strip_prefix("role/")?;
    path.rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// Lambda: stop new invocations and revoke the execution role's sessions.
fn lambda_candidates(finding: &Finding) -> Vec<Candidate> {
    let Some(details) = finding.resource.lambda_details.as_ref() else {
        return vec![impossible(
            ActionKind::StopInvocations,
            "unknown function",
            "the finding has no lambdaDetails",
        )];
    };
    let function = details
        .function_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| details.function_arn.clone().filter(|a| !a.is_empty()));
    let Some(function) = function else {
        return vec![impossible(
            ActionKind::StopInvocations,
            "unknown function",
            "the finding names no function",
        )];
    };
    let mut out = vec![candidate(
        Action::StopInvocations {
            function,
            version: details.function_version.clone().filter(|v| !v.is_empty()),
        },
        "the function talks to a malicious host: record its version, code and configuration, then reserved concurrency 0 so nothing invokes it (reversible)",
    )];
    match details.role.as_deref().and_then(role_name) {
        Some(name) => out.push(candidate(
            Action::RevokeSessions {
                principal: PrincipalKind::Role,
                name,
            },
            "the execution role's credentials may be in the attacker's hands: revoke its sessions issued before now",
        )),
        None => out.push(impossible(
            ActionKind::RevokeSessions,
            "unknown execution role",
            "the finding names no execution role (lambdaDetails.role)",
        )),
    }
    out
}

/// Malware Protection for S3: every scanned object the finding names.
fn object_candidates(finding: &Finding) -> Vec<Candidate> {
    let mut out = Vec::new();
    for bucket in &finding.resource.s3_bucket_details {
        let Some(name) = bucket.name.clone().filter(|n| !n.is_empty()) else {
            continue;
        };
        for object in &bucket.s3_object_details {
            match object.key.clone().filter(|k| !k.is_empty()) {
                Some(key) => out.push(candidate(
                    Action::QuarantineObject {
                        bucket: name.clone(),
                        key,
                        version_id: object.version_id.clone().filter(|v| !v.is_empty()),
                    },
                    "malware in the object: nobody but the quarantine readers may read this version; kept for forensics, never deleted",
                )),
                None => out.push(impossible(
                    ActionKind::QuarantineObject,
                    &format!("bucket {name}"),
                    "an object of the finding has no key",
                )),
            }
        }
    }
    if out.is_empty() {
        out.push(impossible(
            ActionKind::QuarantineObject,
            "unknown object",
            "the finding names no bucket and object (resource.s3BucketDetails[].s3ObjectDetails[])",
        ));
    }
    out
}

/// Whether `ip` falls in `net`, both in canonical form: an IPv4-mapped IPv6 network
/// (`::ffff:203.0.113.0/120`) is the IPv4 network it maps.
fn allowed_by(net: &IpNet, ip: &IpAddr) -> bool {
    let ip = ip.to_canonical();
    match net {
        IpNet::V6(v6) => match v6.network().to_ipv4_mapped() {
            Some(v4) if v6.prefix_len() >= 96 => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
                .is_ok_and(|n| IpNet::V4(n).contains(&ip)),
            _ => net.contains(&ip),
        },
        IpNet::V4(_) => net.contains(&ip),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_compare_addresses_in_canonical_form() {
        let v4: IpNet = "203.0.113.0/24".parse().unwrap();
        let mapped: IpNet = "::ffff:203.0.113.0/120".parse().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for net in [&v4, &mapped] {
            assert!(allowed_by(net, &ip("::ffff:203.0.113.7")), "{net}");
            assert!(allowed_by(net, &ip("203.0.113.7")), "{net}");
            assert!(!allowed_by(net, &ip("198.51.100.7")), "{net}");
        }
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(allowed_by(&v6, &ip("2001:db8::7")));
    }

    #[test]
    fn role_names_come_from_role_arns() {
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/service-role/fn-role").as_deref(),
            Some("fn-role")
        );
        assert_eq!(role_name("arn:aws:iam::123456789012:user/x"), None);
        assert_eq!(role_name("not an arn"), None);
    }
}
