//! Extended Threat Detection: an attack sequence names the credentials and resources it
//! involves (`service.detection.sequence`). Each is contained through its own family's
//! action, under that action's gate; the finding's one alert covers them all.
//!
//! - `EC2_INSTANCE` resources, and the instances that group resources list
//!   (`ec2InstanceUids` of Auto Scaling groups, launch templates, ...) → the EC2 containment.
//! - `ACCESS_KEY` resources and actors with a credential → the credential actions.
//! - `S3_BUCKET` resources whose effective permission is `PUBLIC` → block public access.
//! - `ECS_TASK` resources → stop the task.
//! - EKS clusters, workloads and containers → the kubectl commands (no credentials for them).
//!
//! A resource in another account or Region than the finding's is not acted on (its own
//! finding, delivered in its account, is). The same action is planned once however often the
//! sequence names its target.

use serde_json::Value;
use vigil::events::guardduty::{AccessKeyDetails, Finding, SequenceResource};

use super::Action;
use super::candidates::{Candidate, candidate, cluster_name, ec2_containment, iam_for, impossible};
use crate::config::ActionKind;

/// The instance id in an instance uid (`i-…` or `arn:…:instance/i-…`).
fn instance_id(uid: &str) -> Option<&str> {
    let id = uid.rsplit('/').next().unwrap_or(uid);
    id.starts_with("i-").then_some(id)
}

/// Every instance id listed under `ec2InstanceUids` anywhere in a resource's data.
fn listed_instances(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "ec2InstanceUids" {
                    for uid in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        if let Some(id) = instance_id(uid) {
                            out.push(id.to_owned());
                        }
                    }
                } else {
                    listed_instances(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| listed_instances(v, out)),
        _ => {}
    }
}

/// Whether the resource lives where the finding is (its account and Region, when it says).
fn elsewhere(finding: &Finding, r: &SequenceResource) -> Option<String> {
    if let Some(account) = r.account_id.as_deref().filter(|a| *a != finding.account_id) {
        return Some(format!("account {account}"));
    }
    let region = finding.region.as_deref();
    match r.region.as_deref() {
        Some(other) if region.is_some_and(|f| f != other) && other != "global" => {
            Some(format!("Region {other}"))
        }
        _ => None,
    }
}

/// The candidates for every credential and resource of the sequence, each planned once.
pub(super) fn candidates(finding: &Finding) -> Vec<Candidate> {
    let Some(sequence) = finding.sequence() else {
        return vec![impossible(
            ActionKind::IsolateInstance,
            "the sequence",
            "the attack sequence lists no resources (service.detection.sequence is missing): alert only",
        )];
    };
    let mut out: Vec<Candidate> = Vec::new();
    for r in &sequence.resources {
        let kind = r.resource_type.as_deref().unwrap_or("");
        let uid = r.uid.clone().unwrap_or_default();
        if let Some(place) = elsewhere(finding, r) {
            out.push(impossible(
                ActionKind::IsolateInstance,
                &format!("{kind} {uid}"),
                format!("in {place}, not the finding's: not acted on from here"),
            ));
            continue;
        }
        let why = format!("named by attack sequence {}", finding.kind);
        match kind {
            "EC2_INSTANCE" => match instance_id(&uid) {
                Some(id) => out.extend(ec2_containment(id, &why)),
                None => out.push(impossible(
                    ActionKind::IsolateInstance,
                    &uid,
                    "not an instance id",
                )),
            },
            "ACCESS_KEY" => {
                let data = r.data.as_ref().and_then(|d| d.access_key.as_ref());
                let key = AccessKeyDetails {
                    access_key_id: Some(uid.rsplit('/').next().unwrap_or(&uid).to_owned()),
                    principal_id: data.and_then(|d| d.principal_id.clone()),
                    user_type: data.and_then(|d| d.user_type.clone()),
                    user_name: data.and_then(|d| d.user_name.clone()),
                };
                out.extend(iam_for(&key));
            }
            "S3_BUCKET" => {
                let bucket = r
                    .name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| uid.trim_start_matches("arn:aws:s3:::").to_owned());
                let permission = r
                    .data
                    .as_ref()
                    .and_then(|d| d.s3_bucket.as_ref())
                    .and_then(|b| b.effective_permission.clone())
                    .unwrap_or_else(|| "unknown".into());
                if permission.eq_ignore_ascii_case("PUBLIC") {
                    out.push(candidate(
                        Action::BlockPublicAccess { bucket },
                        format!("{why}, and public: block public access"),
                    ));
                } else {
                    out.push(impossible(
                        ActionKind::BlockPublicAccess,
                        &format!("bucket {bucket}"),
                        format!("effective permission {permission}, not PUBLIC: nothing to block (the credentials that reached it are contained)"),
                    ));
                }
            }
            "ECS_TASK" => match uid
                .split_once(":task/")
                .and_then(|(_, rest)| rest.split_once('/'))
            {
                Some((cluster, _)) => out.push(candidate(
                    Action::StopTask {
                        cluster: cluster_name(cluster).to_owned(),
                        task: uid.clone(),
                    },
                    format!("{why}: record it, then stop it"),
                )),
                None => out.push(impossible(
                    ActionKind::StopTask,
                    &uid,
                    "the task ARN names no cluster",
                )),
            },
            // Groups list the sequence's instances among them; clusters list their nodes,
            // which are not known to be compromised.
            "AUTOSCALING_AUTO_SCALING_GROUP"
            | "EC2_LAUNCH_TEMPLATE"
            | "IAM_INSTANCE_PROFILE"
            | "EC2_VPC"
            | "EC2_IMAGE"
            | "CLOUDFORMATION_STACK" => {
                let mut ids = Vec::new();
                if let Some(data) = &r.data {
                    let mut all = serde_json::Map::new();
                    for (k, v) in &data.other {
                        all.insert(k.clone(), v.clone());
                    }
                    listed_instances(&Value::Object(all), &mut ids);
                }
                for id in ids {
                    out.extend(ec2_containment(&id, &format!("{why} (in {kind} {uid})")));
                }
            }
            _ => {}
        }
    }
    for actor in &sequence.actors {
        let Some(user) = &actor.user else { continue };
        let Some(key_id) = user.credential_uid.clone().filter(|k| !k.is_empty()) else {
            continue;
        };
        if let Some(account) = user
            .account
            .as_ref()
            .and_then(|a| a.uid.as_deref())
            .filter(|a| *a != finding.account_id)
        {
            out.push(impossible(
                ActionKind::RevokeSessions,
                &format!("credential {key_id}"),
                format!("used in account {account}, not the finding's: not acted on from here"),
            ));
            continue;
        }
        let key = AccessKeyDetails {
            access_key_id: Some(key_id),
            principal_id: user.uid.clone(),
            user_type: user.kind.clone(),
            user_name: user.name.clone(),
        };
        out.extend(iam_for(&key));
    }
    let mut unique: Vec<Candidate> = Vec::new();
    for c in out {
        let seen = unique.iter().any(|u| match (&u.action, &c.action) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => a == b && u.target == c.target,
            _ => false,
        });
        if !seen {
            unique.push(c);
        }
    }
    if unique.is_empty() {
        unique.push(impossible(
            ActionKind::IsolateInstance,
            "the sequence",
            "the attack sequence names no instance, credential, public bucket or task the responder can contain: alert only",
        ));
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instances_are_read_from_ids_arns_and_group_resources() {
        assert_eq!(instance_id("i-0abc"), Some("i-0abc"));
        assert_eq!(
            instance_id("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"),
            Some("i-0abc")
        );
        assert_eq!(instance_id("sg-1"), None);
        let mut ids = Vec::new();
        listed_instances(
            &json!({"autoscalingAutoScalingGroup": {"ec2InstanceUids": ["i-1", "arn:aws:ec2:r:a:instance/i-2", "x"]}}),
            &mut ids,
        );
        assert_eq!(ids, ["i-1", "i-2"]);
    }
}
