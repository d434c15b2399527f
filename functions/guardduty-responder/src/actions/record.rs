//! The record of a response: what the responder changed for a finding and how each change is
//! undone, kept as one SSM parameter per finding (`<record prefix>/<finding id>`, in the
//! function's own account and Region whatever account the finding was about). Release reads
//! it; nothing else does.
//!
//! Changes whose earlier state would be lost once made (an interface's security groups, a
//! function's reserved concurrency) are also written on the resource itself before the change
//! (instance tags `vigil:sg:<interface>`, function tag `vigil:previous-concurrency`), so that a
//! response cut off before its record is written still leaves what release needs, and the
//! replay that follows writes the record from those tags.

use serde::{Deserialize, Serialize};

/// How one change is undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "undo", rename_all = "kebab-case")]
pub enum Undo {
    /// Put each interface back into its original groups (and drop the instance's record tags).
    RestoreGroups {
        instance_id: String,
        /// (interface, its original group ids)
        interfaces: Vec<(String, Vec<String>)>,
    },
    /// Remove inbound deny entries, each only while it still denies that address.
    RemoveAclEntries {
        acl_id: String,
        /// (rule number, CIDR)
        entries: Vec<(i32, String)>,
    },
    /// Reactivate a key the responder deactivated (only when a release asks for it).
    ReactivateKey {
        user_name: String,
        access_key_id: String,
    },
    /// Delete an inline policy the responder put on a user.
    RemoveUserPolicy { user_name: String, policy: String },
    /// Delete an inline policy the responder put on a role.
    RemoveRolePolicy { role_name: String, policy: String },
    /// Termination protection back off (it was off before the response).
    UnprotectInstance { instance_id: String },
    /// The function's reserved concurrency back to what it was (`None`: no reservation).
    RestoreConcurrency {
        function: String,
        previous: Option<i32>,
    },
    /// The object version readable again: the bucket-policy statement removed, and the
    /// responder's object tag when it added one.
    RestoreObjectAccess {
        bucket: String,
        key: String,
        version_id: Option<String>,
        statement_sid: String,
        /// The tag key the responder added to the object version, if it added one.
        object_tag: Option<String>,
    },
    /// Remove the responder's tags from an ECS service.
    UntagService {
        service_arn: String,
        keys: Vec<String>,
    },
}

impl Undo {
    /// What it undoes, for people.
    pub fn describe(&self) -> String {
        match self {
            Undo::RestoreGroups {
                instance_id,
                interfaces,
            } => format!(
                "original security groups back on {} interface(s) of {instance_id}",
                interfaces.len()
            ),
            Undo::RemoveAclEntries { acl_id, entries } => {
                format!("{} deny entr(ies) removed from {acl_id}", entries.len())
            }
            Undo::ReactivateKey {
                user_name,
                access_key_id,
            } => format!("key {access_key_id} of user {user_name} reactivated"),
            Undo::RemoveUserPolicy { user_name, policy } => {
                format!("policy {policy} removed from user {user_name}")
            }
            Undo::RemoveRolePolicy { role_name, policy } => {
                format!("policy {policy} removed from role {role_name}")
            }
            Undo::UnprotectInstance { instance_id } => {
                format!("termination protection of {instance_id} off again")
            }
            Undo::RestoreConcurrency { function, previous } => match previous {
                Some(n) => format!("reserved concurrency of {function} back to {n}"),
                None => format!("reserved concurrency of {function} removed"),
            },
            Undo::RestoreObjectAccess {
                bucket,
                key,
                version_id,
                ..
            } => format!(
                "s3://{bucket}/{key}{} readable again",
                version_id
                    .as_deref()
                    .map(|v| format!(" (version {v})"))
                    .unwrap_or_default()
            ),
            Undo::UntagService { service_arn, .. } => format!("tags removed from {service_arn}"),
        }
    }
}

/// What the responder changed for one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub finding_id: String,
    pub finding_type: String,
    pub account_id: String,
    pub region: String,
    pub partition: String,
    /// When the first change was made (RFC 3339).
    pub acted_at: String,
    /// Left to undo, in the order the changes were made.
    pub undo: Vec<Undo>,
    /// When a release undid everything (RFC 3339), if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<String>,
}

impl Record {
    /// `existing` with `new` changes added (each once); `None` when nothing is new.
    pub(crate) fn merged(existing: Option<Record>, fresh: Record) -> Option<Record> {
        let Some(mut record) = existing else {
            return (!fresh.undo.is_empty()).then_some(fresh);
        };
        let before = record.undo.len();
        for undo in fresh.undo {
            if !record.undo.contains(&undo) {
                record.undo.push(undo);
            }
        }
        let reopened = record.released_at.is_some() && record.undo.len() > before;
        if reopened {
            record.released_at = None;
        }
        (record.undo.len() > before).then_some(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(undo: Vec<Undo>) -> Record {
        Record {
            finding_id: "f1".into(),
            finding_type: "Backdoor:EC2/X".into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
            acted_at: "2026-01-01T00:00:00Z".into(),
            undo,
            released_at: None,
        }
    }

    #[test]
    fn a_record_round_trips_with_the_serde_names() {
        let r = record(vec![Undo::RestoreConcurrency {
            function: "f".into(),
            previous: None,
        }]);
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"undo\":\"restore-concurrency\""), "{text}");
        assert!(text.contains("\"findingId\":\"f1\""), "{text}");
        assert_eq!(serde_json::from_str::<Record>(&text).unwrap(), r);
    }

    #[test]
    fn merging_adds_only_what_is_new() {
        let a = Undo::UnprotectInstance {
            instance_id: "i-1".into(),
        };
        let b = Undo::RemoveUserPolicy {
            user_name: "u".into(),
            policy: "p".into(),
        };
        assert_eq!(Record::merged(None, record(vec![])), None);
        assert_eq!(
            Record::merged(None, record(vec![a.clone()])).unwrap().undo,
            std::slice::from_ref(&a)
        );
        assert_eq!(
            Record::merged(Some(record(vec![a.clone()])), record(vec![a.clone()])),
            None,
            "a replay changes no record"
        );
        let merged = Record::merged(
            Some(record(vec![a.clone()])),
            record(vec![b.clone(), a.clone()]),
        )
        .unwrap();
        assert_eq!(merged.undo, [a, b]);
    }
}
