//! Deployment settings, read once at cold start from the environment.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL_ALERT_TOPIC_ARN` | none (alerts only logged) | SNS topic for failure alerts |
//! | `VIGIL_PASSWORD_LENGTH` | 32 | length of generated passwords |
//! | `VIGIL_EXCLUDE_CHARACTERS` | `/@"'\` | characters never used in passwords |
//! | `VIGIL_DB_TLS_MODE` | verify-full | disable, require or verify-full, when the secret has no `tls` |
//! | `VIGIL_DB_CA_FILE` | none | PEM file of extra CAs trusted besides the built-in RDS bundle |
//! | `VIGIL_CONNECT_TIMEOUT_SECS` | 5 | database connect and query timeout |
//! | `VIGIL_CLEAN_STUCK_ROTATION` | false | remove AWSPENDING left by an unfinished earlier rotation |
//! | `VIGIL_METRICS_NAMESPACE` | Vigil | CloudWatch namespace of the EMF metrics |

use std::time::Duration;

use crate::password::PasswordRules;
use crate::secret::TlsMode;

#[derive(Debug, Clone)]
pub struct Config {
    pub password_rules: PasswordRules,
    pub tls_default: TlsMode,
    /// Extra trusted CA certificates (PEM), added to the built-in RDS bundle.
    pub extra_ca_pem: Option<Vec<u8>>,
    pub connect_timeout: Duration,
    pub clean_stuck_rotation: bool,
    pub alert_topic_arn: Option<String>,
    pub metrics_namespace: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            password_rules: PasswordRules::default(),
            tls_default: TlsMode::VerifyFull,
            extra_ca_pem: None,
            connect_timeout: Duration::from_secs(5),
            clean_stuck_rotation: false,
            alert_topic_arn: None,
            metrics_namespace: "Vigil".to_owned(),
        }
    }
}

impl Config {
    /// Reads the settings through `get` (the process environment in `main`, a map in tests).
    /// Any invalid value is an error naming the variable, so a bad deployment fails at start
    /// instead of half-way through a rotation.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let defaults = Config::default();
        let env = vigil::config::Env::new(get);
        let password_length = match env.get("VIGIL_PASSWORD_LENGTH") {
            None => defaults.password_rules.length,
            Some(v) => v
                .parse()
                .map_err(|_| format!("VIGIL_PASSWORD_LENGTH={v:?} is not a whole number"))?,
        };
        let tls_default = match env.get("VIGIL_DB_TLS_MODE") {
            None => defaults.tls_default,
            Some(v) => TlsMode::parse(&v).ok_or_else(|| {
                format!("VIGIL_DB_TLS_MODE={v:?}; use disable, require or verify-full")
            })?,
        };
        let extra_ca_pem = match env.get("VIGIL_DB_CA_FILE") {
            None => None,
            Some(path) => {
                let pem = std::fs::read(&path)
                    .map_err(|e| format!("VIGIL_DB_CA_FILE={path:?} cannot be read: {e}"))?;
                if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                    return Err(format!(
                        "VIGIL_DB_CA_FILE={path:?} holds no PEM certificate"
                    ));
                }
                Some(pem)
            }
        };
        let connect_timeout = Duration::from_secs(
            env.number(
                "VIGIL_CONNECT_TIMEOUT_SECS",
                defaults.connect_timeout.as_secs(),
                1,
                300,
            )
            .map_err(|e| format!("{e} (seconds)"))?,
        );
        let clean_stuck_rotation = env.flag("VIGIL_CLEAN_STUCK_ROTATION", false)?;
        Ok(Config {
            password_rules: PasswordRules {
                length: password_length,
                exclude_characters: env
                    .untrimmed("VIGIL_EXCLUDE_CHARACTERS")
                    .unwrap_or(defaults.password_rules.exclude_characters),
            },
            tls_default,
            extra_ca_pem,
            connect_timeout,
            clean_stuck_rotation,
            alert_topic_arn: env.get("VIGIL_ALERT_TOPIC_ARN"),
            metrics_namespace: env
                .get("VIGIL_METRICS_NAMESPACE")
                .unwrap_or(defaults.metrics_namespace),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn empty_environment_gives_safe_defaults() {
        let c = from(&[]).unwrap();
        assert_eq!(c.tls_default, TlsMode::VerifyFull);
        assert_eq!(c.password_rules.length, 32);
        assert!(!c.clean_stuck_rotation);
        assert!(c.alert_topic_arn.is_none());
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (pairs, name) in [
            (vec![("VIGIL_DB_TLS_MODE", "prefer")], "VIGIL_DB_TLS_MODE"),
            (
                vec![("VIGIL_PASSWORD_LENGTH", "long")],
                "VIGIL_PASSWORD_LENGTH",
            ),
            (
                vec![("VIGIL_CONNECT_TIMEOUT_SECS", "0")],
                "VIGIL_CONNECT_TIMEOUT_SECS",
            ),
            (
                vec![("VIGIL_CLEAN_STUCK_ROTATION", "maybe")],
                "VIGIL_CLEAN_STUCK_ROTATION",
            ),
            (
                vec![("VIGIL_DB_CA_FILE", "/nonexistent/ca.pem")],
                "VIGIL_DB_CA_FILE",
            ),
        ] {
            let err = from(&pairs).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
    }
}
