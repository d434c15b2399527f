//! Typed settings from one JSON parameter in SSM Parameter Store, with safe defaults.
//!
//! Non-sensitive settings that operators change without redeploying live in one parameter
//! holding a JSON object. A function names the parameter in its environment and reads it once
//! at cold start: no parameter named means the built-in defaults; a named parameter that is
//! missing, unreadable, not JSON, has an unknown key or an invalid value is an error naming the
//! parameter and the problem, so a bad change stops the function at start instead of leaving
//! a response half applied. Fields left out of the JSON take their defaults (the settings type
//! uses `#[serde(default)]`; `#[serde(deny_unknown_fields)]` catches misspelt keys).
//!
//! [`Env`] reads the deployment settings every function takes from its environment, with the
//! same rules everywhere; [`Common`] holds the ones every function reads (where alerts go, the
//! metrics namespace).

use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use serde::de::DeserializeOwned;

use crate::aws::AwsCallError;

/// Environment variables read through a lookup (the process environment in `main`, a map in
/// tests). A blank value counts as unset and values are trimmed; an invalid value is an error
/// that names the variable and what it accepts, so a bad deployment fails at start.
pub struct Env<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn new(lookup: F) -> Self {
        Env { lookup }
    }

    /// The trimmed value, `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value as given, for values where spaces count (a set of characters); `None` when
    /// unset or blank.
    pub fn untrimmed(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`, in any case.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, String> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(format!("{name}={value:?}; use true or false")),
        }
    }

    /// A whole number within `min..=max`.
    pub fn number<T>(&self, name: &str, default: T, min: T, max: T) -> Result<T, String>
    where
        T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<T>() {
                Ok(n) if n >= min && n <= max => Ok(n),
                _ => Err(format!(
                    "{name}={v:?}; use a whole number from {min} to {max}"
                )),
            },
        }
    }

    /// A comma-separated list, empty items left out.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        self.get(name).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }
}

/// A lookup over fixed pairs, for tests of a function's `Config::from_lookup`.
pub fn lookup_in(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// The settings every function reads from its environment.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `VIGIL_ALERT_TOPIC_ARN` | none: alerts only logged | SNS topic for alerts |
/// | `VIGIL_METRICS_NAMESPACE` | `Vigil` | CloudWatch namespace of the EMF metrics |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    pub alert_topic_arn: Option<String>,
    pub metrics_namespace: String,
}

impl Common {
    pub const DEFAULT_NAMESPACE: &str = "Vigil";

    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Self {
        Common {
            alert_topic_arn: env.get("VIGIL_ALERT_TOPIC_ARN"),
            metrics_namespace: env
                .get("VIGIL_METRICS_NAMESPACE")
                .unwrap_or_else(|| Self::DEFAULT_NAMESPACE.to_owned()),
        }
    }
}

impl Default for Common {
    fn default() -> Self {
        Common {
            alert_topic_arn: None,
            metrics_namespace: Self::DEFAULT_NAMESPACE.to_owned(),
        }
    }
}

/// A settings type: JSON with defaults for what is left out, and a check of the whole.
pub trait Settings: DeserializeOwned + Default {
    /// Checks what serde cannot (ranges, combinations). The message names the field.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Why the settings could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "configuration parameter {parameter} could not be read ({source}); check that it exists and that the function's role may call ssm:GetParameter on it"
    )]
    Fetch {
        parameter: String,
        source: AwsCallError,
    },
    #[error(
        "configuration parameter {parameter} does not exist; create it with a JSON object ({{}} keeps every default) or stop naming it"
    )]
    Missing { parameter: String },
    #[error("configuration parameter {parameter} is invalid: {problem}")]
    Invalid { parameter: String, problem: String },
}

impl ConfigError {
    /// Whether reading again later, unchanged, can succeed.
    pub fn retryable(&self) -> bool {
        matches!(self, ConfigError::Fetch { source, .. } if source.failure.retryable())
    }
}

/// Parses and validates settings from the parameter's JSON text.
pub fn parse<T: Settings>(parameter: &str, text: &str) -> Result<T, ConfigError> {
    let invalid = |problem: String| ConfigError::Invalid {
        parameter: parameter.to_owned(),
        problem,
    };
    let settings: T = if text.trim().is_empty() {
        T::default()
    } else {
        serde_json::from_str(text).map_err(|e| invalid(format!("{e}")))?
    };
    settings.validate().map_err(invalid)?;
    Ok(settings)
}

/// Reads the settings from `parameter` (String or SecureString), or the defaults when no
/// parameter is named.
pub async fn load<T: Settings>(
    client: &aws_sdk_ssm::Client,
    parameter: Option<&str>,
) -> Result<T, ConfigError> {
    let Some(parameter) = parameter.map(str::trim).filter(|p| !p.is_empty()) else {
        let settings = T::default();
        settings
            .validate()
            .map_err(|problem| ConfigError::Invalid {
                parameter: "(built-in defaults)".into(),
                problem,
            })?;
        return Ok(settings);
    };
    let output = client
        .get_parameter()
        .name(parameter)
        .with_decryption(true)
        .send()
        .await;
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            if matches!(
                e.as_service_error(),
                Some(GetParameterError::ParameterNotFound(_))
            ) {
                return Err(ConfigError::Missing {
                    parameter: parameter.to_owned(),
                });
            }
            return Err(ConfigError::Fetch {
                parameter: parameter.to_owned(),
                source: AwsCallError::new("ssm:GetParameter", e),
            });
        }
    };
    let text = output.parameter.and_then(|p| p.value).unwrap_or_default();
    parse(parameter, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(default, deny_unknown_fields, rename_all = "camelCase")]
    struct Example {
        mode: Option<String>,
        limit: u32,
    }

    impl Settings for Example {
        fn validate(&self) -> Result<(), String> {
            if self.limit > 10 {
                return Err(format!("limit is {}; use 0 to 10", self.limit));
            }
            Ok(())
        }
    }

    #[test]
    fn environment_values_are_trimmed_checked_and_named() {
        let env = Env::new(|name: &str| match name {
            "BLANK" => Some("  ".into()),
            "ON" => Some(" On ".into()),
            "BAD_FLAG" => Some("maybe".into()),
            "N" => Some("12".into()),
            "LIST" => Some("a, ,b ".into()),
            _ => None,
        });
        assert_eq!(env.get("BLANK"), None);
        assert_eq!(env.untrimmed("BLANK"), None);
        assert_eq!(env.untrimmed("ON").as_deref(), Some(" On "));
        assert_eq!(env.flag("ON", false), Ok(true));
        assert_eq!(env.flag("UNSET", true), Ok(true));
        assert!(env.flag("BAD_FLAG", true).unwrap_err().contains("BAD_FLAG"));
        assert_eq!(env.number("N", 1u32, 1, 64), Ok(12));
        assert_eq!(env.number("UNSET", 7u32, 1, 64), Ok(7));
        let err = env.number("N", 1u32, 1, 10).unwrap_err();
        assert!(err.contains("N=\"12\"") && err.contains("1 to 10"), "{err}");
        assert_eq!(env.list("LIST"), Some(vec!["a".to_owned(), "b".to_owned()]));
    }

    #[test]
    fn common_settings_have_one_default_everywhere() {
        let none = Env::new(lookup_in(&[]));
        assert_eq!(Common::from_env(&none), Common::default());
        assert_eq!(Common::default().metrics_namespace, "Vigil");
        let set = Env::new(lookup_in(&[
            (
                "VIGIL_ALERT_TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:t",
            ),
            ("VIGIL_METRICS_NAMESPACE", " Team/Vigil "),
        ]));
        let common = Common::from_env(&set);
        assert_eq!(
            common.alert_topic_arn.as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:t")
        );
        assert_eq!(common.metrics_namespace, "Team/Vigil");
    }

    #[test]
    fn empty_text_and_empty_object_give_the_defaults() {
        assert_eq!(parse::<Example>("/p", "").unwrap(), Example::default());
        assert_eq!(parse::<Example>("/p", "{}").unwrap(), Example::default());
        let e: Example = parse("/p", r#"{"limit": 3}"#).unwrap();
        assert_eq!(e.limit, 3);
    }

    #[test]
    fn errors_name_the_parameter_and_the_problem() {
        for (text, expected) in [
            (r#"{"limt": 3}"#, "unknown field `limt`"),
            (r#"{"limit": 30}"#, "limit is 30"),
            ("not json", "expected"),
            (r#"{"limit": "3"}"#, "invalid type"),
        ] {
            let err = parse::<Example>("/vigil/x", text).unwrap_err();
            let message = err.to_string();
            assert!(message.contains("/vigil/x"), "{message}");
            assert!(
                message.contains(expected),
                "{message} should mention {expected}"
            );
            assert!(!err.retryable());
        }
    }
}
