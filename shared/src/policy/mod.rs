//! IAM policy documents (identity, bucket and key policies), read the way IAM reads them.
//!
//! IAM is loose: `Statement` may be one object or an array; `Action`, `NotAction`,
//! `Resource`, `NotResource` and each principal list may be a string or an array; `Principal`
//! may be `"*"`. [`PolicyDocument::parse`] accepts all of that, keeps `Condition` blocks as
//! they are, and keeps each statement's original JSON so code that changes a policy (e.g.
//! adding a missing statement) never rewrites the statements it did not touch.
//!
//! Submodules add what callers need on top of this model; they own no parsing of their own.

pub mod analysis;
pub mod merge;

use serde_json::{Map, Value};

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a resource-policy statement applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"` or `{"AWS": "*"}`: anyone.
    Anyone,
    /// `{"AWS": [...], "Service": [...], "Federated": [...], "CanonicalUser": [...]}`.
    Named(Vec<(String, Vec<String>)>),
}

impl Principal {
    /// The values listed under `kind` (`AWS`, `Service`, ...).
    pub fn values(&self, kind: &str) -> &[String] {
        match self {
            Principal::Anyone => &[],
            Principal::Named(entries) => entries
                .iter()
                .find(|(k, _)| k == kind)
                .map_or(&[], |(_, v)| v.as_slice()),
        }
    }
}

/// One statement, parsed, with its original JSON kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub not_principal: Option<Principal>,
    pub action: Vec<String>,
    pub not_action: Vec<String>,
    pub resource: Vec<String>,
    pub not_resource: Vec<String>,
    /// `{operator: {key: value-or-values}}`, as written.
    pub condition: Map<String, Value>,
    pub raw: Value,
}

impl Statement {
    /// The condition values for `operator` / `key` (key compared case-insensitively, as IAM
    /// does for condition keys), flattened as [`condition_strings`].
    pub fn condition_values(&self, operator: &str, key: &str) -> Vec<String> {
        self.condition
            .get(operator)
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|keys| keys.iter())
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .flat_map(|(_, v)| condition_strings(v))
            .collect()
    }
}

/// A whole policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy document: {0}")]
pub struct PolicyError(pub String);

impl PolicyDocument {
    /// Parses a document from its JSON text. IAM returns identity policies URL-encoded; pass
    /// them decoded.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| PolicyError(format!("not JSON: {e}")))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let object = value
            .as_object()
            .ok_or_else(|| PolicyError("not a JSON object".into()))?;
        let statements = match object.get("Statement") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(single @ Value::Object(_)) => vec![single.clone()],
            Some(_) => {
                return Err(PolicyError(
                    "Statement must be an object or an array of objects".into(),
                ));
            }
        };
        Ok(PolicyDocument {
            version: object
                .get("Version")
                .and_then(Value::as_str)
                .map(str::to_owned),
            id: object.get("Id").and_then(Value::as_str).map(str::to_owned),
            statements: statements
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    parse_statement(s).map_err(|e| PolicyError(format!("statement {i}: {e}")))
                })
                .collect::<Result<_, _>>()?,
        })
    }

    /// The document as JSON: `Version` and `Id` as read, statements in their original JSON.
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        if let Some(v) = &self.version {
            object.insert("Version".into(), Value::String(v.clone()));
        }
        if let Some(id) = &self.id {
            object.insert("Id".into(), Value::String(id.clone()));
        }
        object.insert(
            "Statement".into(),
            Value::Array(self.statements.iter().map(|s| s.raw.clone()).collect()),
        );
        Value::Object(object)
    }
}

impl Statement {
    /// Parses one statement from JSON (also used to build statements to add).
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        parse_statement(value).map_err(PolicyError)
    }
}

fn parse_statement(value: &Value) -> Result<Statement, String> {
    let object = value.as_object().ok_or("a statement must be an object")?;
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(format!("Effect {other:?} is neither Allow nor Deny")),
        None => return Err("Effect is missing".into()),
    };
    let list = |name: &str| -> Result<Vec<String>, String> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(v @ (Value::String(_) | Value::Array(_))) => {
                let out = strings(v);
                if let Value::Array(items) = v
                    && out.len() != items.len()
                {
                    return Err(format!("{name} must hold only strings"));
                }
                Ok(out)
            }
            Some(_) => Err(format!("{name} must be a string or an array of strings")),
        }
    };
    Ok(Statement {
        sid: object.get("Sid").and_then(Value::as_str).map(str::to_owned),
        effect,
        principal: object.get("Principal").map(parse_principal).transpose()?,
        not_principal: object
            .get("NotPrincipal")
            .map(parse_principal)
            .transpose()?,
        action: list("Action")?,
        not_action: list("NotAction")?,
        resource: list("Resource")?,
        not_resource: list("NotResource")?,
        condition: match object.get("Condition") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(c)) => c.clone(),
            Some(_) => return Err("Condition must be an object".into()),
        },
        raw: value.clone(),
    })
}

fn parse_principal(value: &Value) -> Result<Principal, String> {
    match value {
        Value::String(s) if s == "*" => Ok(Principal::Anyone),
        Value::Object(map) => {
            if map
                .get("AWS")
                .is_some_and(|v| strings(v).iter().any(|s| s == "*"))
            {
                return Ok(Principal::Anyone);
            }
            Ok(Principal::Named(
                map.iter().map(|(k, v)| (k.clone(), strings(v))).collect(),
            ))
        }
        _ => Err("Principal must be \"*\" or an object".into()),
    }
}

/// A policy document as IAM returns it: identity policies (GetUserPolicy, the authorization
/// details) come URL-encoded, resource policies as plain JSON. Plain JSON is kept as is (a
/// `%` inside it is not an escape).
pub fn decode_document(document: &str) -> String {
    if document.trim_start().starts_with('{') {
        return document.to_owned();
    }
    percent_encoding::percent_decode_str(document)
        .decode_utf8_lossy()
        .into_owned()
}

/// Condition values as strings, one value or an array: IAM compares `true` and `"true"`, `5`
/// and `"5"` alike, so unquoted booleans and numbers count (`"aws:SecureTransport": false`).
pub fn condition_strings(value: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// A string, or the strings of an array; anything else gives nothing.
pub fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_single_statement_and_string_fields() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":"*"}}"#,
        )
        .unwrap();
        assert_eq!(doc.statements.len(), 1);
        let s = &doc.statements[0];
        assert_eq!(s.action, vec!["s3:GetObject"]);
        assert_eq!(s.resource, vec!["*"]);
        assert_eq!(s.principal, Some(Principal::Anyone));
    }

    #[test]
    fn keeps_conditions_and_principal_lists() {
        let doc = PolicyDocument::from_value(&json!({
            "Statement": [{
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["s3:PutObject"],
                "Resource": "arn:aws:s3:::b/AWSLogs/1/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "AWS:SourceArn": ["a", "b"]}}
            }]
        }))
        .unwrap();
        let s = &doc.statements[0];
        assert_eq!(
            s.principal.as_ref().unwrap().values("Service"),
            ["cloudtrail.amazonaws.com"]
        );
        assert_eq!(
            s.condition_values("StringEquals", "aws:SourceArn"),
            vec!["a", "b"]
        );
        assert_eq!(
            s.condition_values("StringEquals", "s3:x-amz-acl"),
            vec!["bucket-owner-full-control"]
        );
    }

    #[test]
    fn round_trip_keeps_statements_as_written() {
        let original = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["a", "b"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Custom": 1}
        ]});
        let doc = PolicyDocument::from_value(&original).unwrap();
        assert_eq!(doc.to_value(), original);
    }

    #[test]
    fn rejects_what_iam_rejects() {
        for bad in [
            r#"[]"#,
            r#"{"Statement": 3}"#,
            r#"{"Statement": [{"Action": "s3:*"}]}"#,
            r#"{"Statement": [{"Effect": "Maybe"}]}"#,
            r#"{"Statement": [{"Effect": "Allow", "Action": 5}]}"#,
            r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:*", 5]}]}"#,
        ] {
            assert!(PolicyDocument::parse(bad).is_err(), "{bad}");
        }
    }
}
