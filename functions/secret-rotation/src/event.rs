//! The Secrets Manager rotation event.
//!
//! `aws_lambda_events::secretsmanager::SecretsManagerSecretRotationEvent` has no
//! `RotationToken`, which must be passed on to `PutSecretValue` when Secrets Manager sends it,
//! so the event is modelled here. Step names are strict: an unknown step is an error that names
//! the four valid ones, never a silent no-op.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One of the four rotation steps, in the order Secrets Manager calls them. Its serde name is
/// the name in the event, and the one logs, answers, alerts and metrics use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    #[serde(rename = "createSecret")]
    Create,
    #[serde(rename = "setSecret")]
    Set,
    #[serde(rename = "testSecret")]
    Test,
    #[serde(rename = "finishSecret")]
    Finish,
}

serde_plain::derive_display_from_serialize!(Step);

impl Step {
    pub const ALL: [Step; 4] = [Step::Create, Step::Set, Step::Test, Step::Finish];

    fn parse(name: &str) -> Result<Self, Error> {
        serde_plain::from_str(name).map_err(|_| {
            let valid: Vec<String> = Step::ALL.iter().map(Step::to_string).collect();
            Error::MalformedEvent(format!(
                "unknown Step {name:?}; expected one of {}",
                valid.join(", ")
            ))
        })
    }
}

/// A rotation request: which step, for which secret, for which new version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationEvent {
    pub step: Step,
    pub secret_id: String,
    pub client_request_token: String,
    /// Present when Secrets Manager sends one; must be echoed to `PutSecretValue`.
    pub rotation_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Wire {
    step: Option<String>,
    secret_id: Option<String>,
    client_request_token: Option<String>,
    rotation_token: Option<String>,
}

impl RotationEvent {
    /// Parses the event JSON, saying exactly which field is missing or wrong.
    pub fn from_json(value: serde_json::Value) -> Result<Self, Error> {
        let wire: Wire = serde_json::from_value(value).map_err(|e| {
            Error::MalformedEvent(format!(
                "not a Secrets Manager rotation event ({e}); expected Step, SecretId and ClientRequestToken strings"
            ))
        })?;
        let required = |field: Option<String>, name: &str| {
            field.filter(|s| !s.is_empty()).ok_or_else(|| {
                Error::MalformedEvent(format!(
                    "{name} is missing or empty; a rotation event carries Step, SecretId and ClientRequestToken"
                ))
            })
        };
        let step = Step::parse(&required(wire.step, "Step")?)?;
        Ok(RotationEvent {
            step,
            secret_id: required(wire.secret_id, "SecretId")?,
            client_request_token: required(wire.client_request_token, "ClientRequestToken")?,
            rotation_token: wire.rotation_token.filter(|s| !s.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vigil::error::Cause;

    #[test]
    fn parses_all_fields_including_rotation_token() {
        let event = RotationEvent::from_json(json!({
            "Step": "setSecret",
            "SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
            "ClientRequestToken": "tok",
            "RotationToken": "rt"
        }))
        .unwrap();
        assert_eq!(event.step, Step::Set);
        assert_eq!(event.rotation_token.as_deref(), Some("rt"));
    }

    #[test]
    fn step_names_are_the_event_names() {
        let names: Vec<String> = Step::ALL.iter().map(Step::to_string).collect();
        assert_eq!(
            names,
            ["createSecret", "setSecret", "testSecret", "finishSecret"]
        );
        assert_eq!(Step::parse("testSecret").unwrap(), Step::Test);
    }

    #[test]
    fn unknown_step_names_the_valid_ones() {
        let err = RotationEvent::from_json(json!({
            "Step": "deleteSecret", "SecretId": "s", "ClientRequestToken": "t"
        }))
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("deleteSecret"), "{text}");
        assert!(text.contains("finishSecret"), "{text}");
        assert!(!err.retryable());
    }

    #[test]
    fn missing_token_and_wrong_types_are_clear_errors() {
        let err =
            RotationEvent::from_json(json!({"Step": "createSecret", "SecretId": "s"})).unwrap_err();
        assert!(err.to_string().contains("ClientRequestToken"));
        let err = RotationEvent::from_json(json!({"Step": 3, "SecretId": "s"})).unwrap_err();
        assert!(
            err.to_string()
                .contains("not a Secrets Manager rotation event")
        );
        let err = RotationEvent::from_json(json!("just a string")).unwrap_err();
        assert!(matches!(err, Error::MalformedEvent(_)));
    }
}
