//! Adding missing required statements to a resource policy (bucket or key policy) without
//! removing or changing any statement already there.
//!
//! Callers decide *what* is missing (that is service-specific); this module only adds: the
//! existing statements keep their original JSON and their order, `Version` and `Id` stay as
//! read, and the new statements go at the end. A policy is never replaced wholesale.

use serde_json::Value;

use super::{PolicyDocument, PolicyError, Statement};

/// The policy language version a new document is written in.
pub const POLICY_VERSION: &str = "2012-10-17";

/// A policy with statements added, and which were added.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub document: PolicyDocument,
    /// The statements that were appended (after any Sid renaming), in order.
    pub added: Vec<Statement>,
    /// Statements that were asked for but already present word for word (apart from Sid).
    pub already_present: Vec<Statement>,
}

/// Appends `statements` to `existing`, or to a new document when there is no policy yet.
///
/// A statement whose JSON (ignoring `Sid`) equals one already in the policy is not added
/// twice. A statement whose `Sid` is already taken gets a numeric suffix (`2`, `3`, ...; digits
/// only, since some policy types allow only alphanumeric Sids): S3 and KMS reject policies with
/// duplicate Sids. Statements that are not valid statements
/// are an error, and nothing is merged.
pub fn add_statements(
    existing: Option<&PolicyDocument>,
    statements: &[Value],
) -> Result<Merged, PolicyError> {
    let mut document = existing.cloned().unwrap_or_else(|| PolicyDocument {
        version: Some(POLICY_VERSION.to_owned()),
        id: None,
        statements: Vec::new(),
    });
    let mut added = Vec::new();
    let mut already_present = Vec::new();
    for (i, raw) in statements.iter().enumerate() {
        let statement = Statement::from_value(raw)
            .map_err(|e| PolicyError(format!("statement to add {i}: {}", e.0)))?;
        if let Some(same) = document
            .statements
            .iter()
            .find(|s| without_sid(&s.raw) == without_sid(raw))
        {
            already_present.push(same.clone());
            continue;
        }
        let statement = match &statement.sid {
            Some(sid) if sid_taken(&document, sid) => {
                let fresh = (2..)
                    .map(|n| format!("{sid}{n}"))
                    .find(|candidate| !sid_taken(&document, candidate))
                    .expect("an unused suffix exists");
                let mut raw = raw.clone();
                raw["Sid"] = Value::String(fresh);
                Statement::from_value(&raw)?
            }
            _ => statement,
        };
        document.statements.push(statement.clone());
        added.push(statement);
    }
    Ok(Merged {
        document,
        added,
        already_present,
    })
}

/// Whether `after` holds every statement of `before`, unchanged and in the same order, as its
/// first statements, with `Version` and `Id` unchanged. A guard to run before writing a merged
/// policy back.
pub fn keeps_every_statement(before: &PolicyDocument, after: &PolicyDocument) -> bool {
    before.version == after.version
        && before.id == after.id
        && after.statements.len() >= before.statements.len()
        && before
            .statements
            .iter()
            .zip(&after.statements)
            .all(|(b, a)| b.raw == a.raw)
}

/// What adding the statements a service needs to a resource policy came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The policy was written: what was added, and how many statements were kept.
    Added(String),
    /// Every statement was already there; nothing was written.
    AlreadyThere(String),
    /// Nothing was written (or the write failed): why.
    Failed(String),
}

/// The decision before a write: the policy to write and what it adds, or the [`Change`] that
/// settles it without a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addition {
    Write { policy: String, done: String },
    Settled(Change),
}

/// Decides how to add `statements` to `current` (the policy text read just now; `None`: the
/// resource has none) of `what` (`bucket logs`, `key arn:...`): only the statements still
/// missing are added, and nothing is written when the current text is not a valid document or
/// the merged policy would not keep every existing statement as it was. Pure.
pub fn addition(current: Option<&str>, statements: &[Value], what: &str) -> Addition {
    let before = match current.map(PolicyDocument::parse).transpose() {
        Ok(doc) => doc,
        Err(e) => {
            return Addition::Settled(Change::Failed(format!(
                "the current policy of {what} is not a valid document ({e}); nothing written"
            )));
        }
    };
    let merged = match add_statements(before.as_ref(), statements) {
        Ok(merged) => merged,
        Err(e) => return Addition::Settled(Change::Failed(e.to_string())),
    };
    if merged.added.is_empty() {
        return Addition::Settled(Change::AlreadyThere(
            "the statements were already there; nothing written".into(),
        ));
    }
    if let Some(before) = &before
        && !keeps_every_statement(before, &merged.document)
    {
        return Addition::Settled(Change::Failed(
            "the merged policy would change an existing statement; nothing written".into(),
        ));
    }
    Addition::Write {
        policy: merged.document.to_value().to_string(),
        done: format!(
            "added {} to the policy of {what} ({} existing statement(s) kept)",
            merged
                .added
                .iter()
                .map(|s| s.sid.clone().unwrap_or_else(|| "a statement".into()))
                .collect::<Vec<_>>()
                .join(", "),
            before.map_or(0, |b| b.statements.len())
        ),
    }
}

/// Adds the statements still missing to `current` (see [`addition`]) and writes the result
/// with `put`. Neither S3 nor KMS has a conditional write: a change made between the caller's
/// read and this write would be lost; the window is one round trip, and the next check sees
/// the result.
pub async fn add_and_write<F, Fut, E>(
    current: Option<&str>,
    statements: &[Value],
    what: &str,
    put: F,
) -> Change
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    match addition(current, statements, what) {
        Addition::Settled(change) => change,
        Addition::Write { policy, done } => match put(policy).await {
            Ok(()) => Change::Added(done),
            Err(e) => Change::Failed(e.to_string()),
        },
    }
}

fn sid_taken(document: &PolicyDocument, sid: &str) -> bool {
    document
        .statements
        .iter()
        .any(|s| s.sid.as_deref() == Some(sid))
}

fn without_sid(value: &Value) -> Value {
    let mut value = value.clone();
    if let Some(object) = value.as_object_mut() {
        object.remove("Sid");
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write_statement() -> Value {
        json!({
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::logs/AWSLogs/111122223333/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}
        })
    }

    #[test]
    fn new_policy_when_there_is_none() {
        let merged = add_statements(None, &[write_statement()]).unwrap();
        assert_eq!(merged.document.version.as_deref(), Some(POLICY_VERSION));
        assert_eq!(merged.added.len(), 1);
        assert_eq!(
            merged.document.to_value()["Statement"][0],
            write_statement()
        );
    }

    #[test]
    fn existing_statements_and_header_are_kept_as_written() {
        let original = json!({
            "Version": "2012-10-17",
            "Id": "keep-me",
            "Statement": [
                {"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/reader"]},
                 "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::logs/*", "Unknown": {"kept": true}}
            ]
        });
        let before = PolicyDocument::from_value(&original).unwrap();
        let merged = add_statements(Some(&before), &[write_statement()]).unwrap();
        assert!(keeps_every_statement(&before, &merged.document));
        let written = merged.document.to_value();
        assert_eq!(written["Id"], "keep-me");
        assert_eq!(written["Statement"][0], original["Statement"][0]);
        assert_eq!(written["Statement"][1], original["Statement"][1]);
        assert_eq!(written["Statement"][2], write_statement());
        assert_eq!(written["Statement"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn duplicate_sids_are_renamed_and_identical_statements_not_repeated() {
        let mut taken = write_statement();
        taken["Resource"] = json!("arn:aws:s3:::logs/other/AWSLogs/111122223333/*");
        let before = PolicyDocument::from_value(&json!({"Statement": [taken.clone()]})).unwrap();
        let merged = add_statements(Some(&before), &[write_statement()]).unwrap();
        assert_eq!(merged.added[0].sid.as_deref(), Some("AWSCloudTrailWrite2"));
        assert_eq!(
            merged.added[0].resource,
            write_statement()["Resource"]
                .as_str()
                .map(|s| vec![s.to_owned()])
                .unwrap()
        );

        let again = add_statements(Some(&merged.document), &[write_statement()]).unwrap();
        assert!(again.added.is_empty());
        assert_eq!(again.already_present.len(), 1);
        assert_eq!(again.document, merged.document);
    }

    #[test]
    fn invalid_statement_to_add_is_an_error() {
        let err = add_statements(None, &[json!({"Action": "s3:PutObject"})]).unwrap_err();
        assert!(err.to_string().contains("statement to add 0"), "{err}");
    }

    #[test]
    fn an_addition_writes_only_what_is_missing_and_refuses_bad_documents() {
        let tls = json!({"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*",
            "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
        let current = json!({"Version": "2012-10-17", "Statement": [tls]}).to_string();
        let Addition::Write { policy, done } =
            addition(Some(&current), &[write_statement()], "bucket logs")
        else {
            panic!("a missing statement is written");
        };
        assert_eq!(
            done,
            "added AWSCloudTrailWrite to the policy of bucket logs (1 existing statement(s) kept)"
        );
        let written: Value = serde_json::from_str(&policy).unwrap();
        assert_eq!(written["Statement"][0], tls);
        assert_eq!(written["Statement"][1], write_statement());

        assert_eq!(
            addition(Some(&policy), &[write_statement()], "bucket logs"),
            Addition::Settled(Change::AlreadyThere(
                "the statements were already there; nothing written".into()
            ))
        );
        let Addition::Settled(Change::Failed(why)) =
            addition(Some("not json"), &[write_statement()], "key k")
        else {
            panic!("an unreadable policy is never overwritten");
        };
        assert!(
            why.starts_with("the current policy of key k is not a valid document"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn a_failed_write_is_reported_and_nothing_is_written_when_all_is_there() {
        let failed = add_and_write(None, &[write_statement()], "bucket logs", |_| async {
            Err::<(), _>("AccessDenied")
        })
        .await;
        assert_eq!(failed, Change::Failed("AccessDenied".into()));
        let current = json!({"Statement": [write_statement()]}).to_string();
        let unchanged = add_and_write(
            Some(&current),
            &[write_statement()],
            "bucket logs",
            |_| async { panic!("nothing to write") as Result<(), String> },
        )
        .await;
        assert!(matches!(unchanged, Change::AlreadyThere(_)));
    }

    #[test]
    fn guard_notices_a_changed_or_dropped_statement() {
        let before =
            PolicyDocument::from_value(&json!({"Statement": [write_statement()]})).unwrap();
        let mut changed = before.clone();
        changed.statements[0].raw["Action"] = json!("s3:*");
        assert!(!keeps_every_statement(&before, &changed));
        let dropped = PolicyDocument {
            statements: Vec::new(),
            ..before.clone()
        };
        assert!(!keeps_every_statement(&before, &dropped));
    }
}
