//! Deployment settings, read once at cold start from the environment: the ones every function
//! reads (`vigil::config::Common`: `VIGIL_ALERT_TOPIC_ARN`, `VIGIL_METRICS_NAMESPACE`) and these.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL_PASSWORD_LENGTH` | 32 | length of generated passwords |
//! | `VIGIL_EXCLUDE_CHARACTERS` | `/@"'\` | characters never used in passwords |
//! | `VIGIL_DB_TLS_MODE` | verify-full | disable, require or verify-full, when the secret has no `tls` |
//! | `VIGIL_DB_CA_FILE` | none | PEM file of extra CAs trusted besides the built-in RDS bundle (nothing else is trusted) |
//! | `VIGIL_CONNECT_TIMEOUT_SECS` | 5 | database connect and query timeout |
//! | `VIGIL_CLEAN_STUCK_ROTATION` | false | remove AWSPENDING left by an unfinished earlier rotation |

use std::time::Duration;

use vigil::config::{Common, Env};

use crate::facts::TlsMode;
use crate::password::PasswordRules;

/// The function's settings; built only by [`Config::from_lookup`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Where alerts go and the metrics namespace, as every function reads them.
    pub(crate) common: Common,
    pub password_rules: PasswordRules,
    pub(crate) tls_default: TlsMode,
    /// Extra trusted CA certificates (PEM), added to the built-in RDS bundle.
    pub extra_ca_pem: Option<Vec<u8>>,
    pub connect_timeout: Duration,
    pub clean_stuck_rotation: bool,
}

impl Config {
    /// Reads the settings through `get` (the process environment in `main`, a map in tests).
    /// Any invalid value is an error naming the variable, so a bad deployment fails at start
    /// instead of half-way through a rotation.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let env = Env::new(get);
        let default_rules = PasswordRules::default();
        let password_length = match env.get("VIGIL_PASSWORD_LENGTH") {
            None => default_rules.length,
            Some(v) => v
                .parse()
                .map_err(|_| format!("VIGIL_PASSWORD_LENGTH={v:?} is not a whole number"))?,
        };
        let exclude_characters = env
            .untrimmed("VIGIL_EXCLUDE_CHARACTERS")
            .unwrap_or(default_rules.exclude_characters);
        let tls_default = match env.get("VIGIL_DB_TLS_MODE") {
            None => TlsMode::VerifyFull,
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
                crate::engines::tls::Tls::new(Some(&pem))
                    .map_err(|e| format!("VIGIL_DB_CA_FILE={path:?}: {e}"))?;
                Some(pem)
            }
        };
        let connect_timeout = Duration::from_secs(
            env.number("VIGIL_CONNECT_TIMEOUT_SECS", 5, 1, 300)
                .map_err(|e| format!("{e} (seconds)"))?,
        );
        let clean_stuck_rotation = env.flag("VIGIL_CLEAN_STUCK_ROTATION", false)?;
        Ok(Config {
            common: Common::from_env(&env),
            password_rules: PasswordRules {
                length: password_length,
                exclude_characters,
            },
            tls_default,
            extra_ca_pem,
            connect_timeout,
            clean_stuck_rotation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_lookup(vigil::config::lookup_in(pairs))
    }

    #[test]
    fn empty_environment_gives_safe_defaults() {
        let c = from(&[]).unwrap();
        assert_eq!(c.tls_default, TlsMode::VerifyFull);
        assert_eq!(c.password_rules.length, 32);
        assert!(!c.clean_stuck_rotation);
        assert!(c.common.alert_topic_arn.is_none());
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
