//! Deployment settings, read once at cold start from the environment.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL_ACCOUNT_ID` | required | this account (template: `AWS::AccountId`); only its trails, buckets and keys are repaired |
//! | `VIGIL_STACK_NAME` | none | keys tagged `vigil:owner=<this>` count as owned by the stack |
//! | `VIGIL_TRAIL_OWNED_KEY_ARNS` | none | comma-separated KMS key ARNs Vigil may enable or rescue from deletion |
//! | `VIGIL_TRAIL_REPAIR_START_LOGGING` | true | StartLogging on a stopped trail of this account |
//! | `VIGIL_TRAIL_REPAIR_BUCKET_POLICY` | true | add missing CloudTrail statements to a bucket policy of this account |
//! | `VIGIL_TRAIL_REPAIR_KMS_KEY` | true | CancelKeyDeletion / EnableKey on an owned key |
//! | `VIGIL_TRAIL_STALE_AFTER_MINUTES` | 180 | no delivery for this long while logging is a problem |
//! | `VIGIL_TRAIL_CONCURRENCY` | 8 | AWS calls in flight at once per kind of fact (trails, buckets, keys, log groups) |
//! | `VIGIL_TRAIL_CONFIRM_MINUTES` | 90 | how long a status error left from before a repair waits for CloudTrail's next delivery (log files about every 5 minutes, digests hourly) without a second alert |
//! | `VIGIL_STATE_PREFIX` | none | Parameter Store path of state kept between invocations (`vigil::state`): the repairs awaiting confirmation; without it, an event that comes back before CloudTrail's next delivery can alert a second time |
//!
//! and the settings every function reads (`vigil::config::Common`: `VIGIL_ALERT_TOPIC_ARN`,
//! `VIGIL_METRICS_NAMESPACE`). S3 path-style addressing follows the endpoint
//! (`vigil::aws::s3_path_style`), so it is no setting here.

use std::time::Duration;

use vigil::config::{Common, Env};

/// The tag that marks a KMS key as owned by a Vigil stack: `vigil:owner=<stack name>`.
pub(crate) const OWNER_TAG: &str = "vigil:owner";

const DEFAULT_STALE_MINUTES: u64 = 180;
const DEFAULT_CONCURRENCY: usize = 8;
const DEFAULT_CONFIRM_MINUTES: u64 = 90;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub(crate) account_id: String,
    pub(crate) stack_name: Option<String>,
    pub(crate) owned_key_arns: Vec<String>,
    pub(crate) repair: RepairSwitches,
    pub(crate) stale_after: Duration,
    /// At least 1 (`from_lookup` allows 1 to 64).
    pub(crate) concurrency: usize,
    /// How long a repaired cause CloudTrail still reports is awaited without a second alert.
    pub(crate) confirm_window: Duration,
    pub(crate) state_prefix: Option<String>,
    pub(crate) common: Common,
}

/// Which safe repairs are on. Each can be turned off on its own; off means "diagnose and
/// alert only".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RepairSwitches {
    pub(crate) start_logging: bool,
    pub(crate) bucket_policy: bool,
    pub(crate) kms_key: bool,
}

impl Config {
    /// Reads the settings through `get` (the process environment in `main`, a map in tests).
    /// Any invalid value is an error naming the variable and what it accepts.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let env = Env::new(get);
        let account_id = env.get("VIGIL_ACCOUNT_ID").ok_or(
            "VIGIL_ACCOUNT_ID is not set; set it to this account's 12-digit id (the template passes AWS::AccountId)",
        )?;
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "VIGIL_ACCOUNT_ID={account_id:?} is not a 12-digit AWS account id"
            ));
        }
        let owned_key_arns = env.list("VIGIL_TRAIL_OWNED_KEY_ARNS").unwrap_or_default();
        if let Some(arn) = owned_key_arns.iter().find(|arn| {
            !(arn.starts_with("arn:") && arn.contains(":kms:") && arn.contains(":key/"))
        }) {
            return Err(format!(
                "VIGIL_TRAIL_OWNED_KEY_ARNS: {arn:?} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)"
            ));
        }
        let repair = RepairSwitches {
            start_logging: env.flag("VIGIL_TRAIL_REPAIR_START_LOGGING", true)?,
            bucket_policy: env.flag("VIGIL_TRAIL_REPAIR_BUCKET_POLICY", true)?,
            kms_key: env.flag("VIGIL_TRAIL_REPAIR_KMS_KEY", true)?,
        };
        let stale_minutes = env
            .number(
                "VIGIL_TRAIL_STALE_AFTER_MINUTES",
                DEFAULT_STALE_MINUTES,
                15,
                10_080,
            )
            .map_err(|e| format!("{e} (minutes; CloudTrail delivers about every 5 minutes)"))?;
        let concurrency = env.number("VIGIL_TRAIL_CONCURRENCY", DEFAULT_CONCURRENCY, 1, 64)?;
        let confirm_minutes = env
            .number(
                "VIGIL_TRAIL_CONFIRM_MINUTES",
                DEFAULT_CONFIRM_MINUTES,
                10,
                1440,
            )
            .map_err(|e| format!("{e} (minutes; CloudTrail delivers digests hourly)"))?;
        let state_prefix = vigil::state::prefix_from_env(&env)?;
        Ok(Config {
            account_id,
            stack_name: env.get("VIGIL_STACK_NAME"),
            owned_key_arns,
            repair,
            stale_after: Duration::from_secs(stale_minutes * 60),
            concurrency,
            confirm_window: Duration::from_secs(confirm_minutes * 60),
            state_prefix,
            common: Common::from_env(&env),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil::config::lookup_in;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_lookup(lookup_in(pairs))
    }

    #[test]
    fn defaults_repair_safely_and_need_only_the_account() {
        let c = from(&[("VIGIL_ACCOUNT_ID", "123456789012")]).unwrap();
        assert_eq!(
            c,
            Config {
                account_id: "123456789012".into(),
                stack_name: None,
                owned_key_arns: Vec::new(),
                repair: RepairSwitches {
                    start_logging: true,
                    bucket_policy: true,
                    kms_key: true,
                },
                stale_after: Duration::from_secs(180 * 60),
                concurrency: 8,
                confirm_window: Duration::from_secs(90 * 60),
                state_prefix: None,
                common: Common::default(),
            }
        );
        assert!(c.repair.start_logging && c.repair.bucket_policy && c.repair.kms_key);
        assert!(c.owned_key_arns.is_empty());
        assert_eq!(c.stale_after, Duration::from_secs(3 * 3600));
    }

    #[test]
    fn switches_and_lists_are_read() {
        let c = from(&[
            ("VIGIL_ACCOUNT_ID", "123456789012"),
            ("VIGIL_TRAIL_REPAIR_BUCKET_POLICY", "false"),
            (
                "VIGIL_TRAIL_OWNED_KEY_ARNS",
                "arn:aws:kms:us-east-1:123456789012:key/a, arn:aws:kms:eu-west-1:123456789012:key/b",
            ),
            ("VIGIL_STACK_NAME", "vigil"),
            ("VIGIL_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:vigil"),
            ("VIGIL_STATE_PREFIX", "/vigil/state"),
            ("VIGIL_TRAIL_CONFIRM_MINUTES", "30"),
        ])
        .unwrap();
        assert!(!c.repair.bucket_policy);
        assert!(c.repair.start_logging);
        assert_eq!(c.owned_key_arns.len(), 2);
        assert_eq!(c.stack_name.as_deref(), Some("vigil"));
        assert!(c.common.alert_topic_arn.is_some());
        assert_eq!(c.state_prefix.as_deref(), Some("/vigil/state"));
        assert_eq!(c.confirm_window, Duration::from_secs(30 * 60));
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (pairs, name) in [
            (vec![], "VIGIL_ACCOUNT_ID"),
            (vec![("VIGIL_ACCOUNT_ID", "12345")], "VIGIL_ACCOUNT_ID"),
            (
                vec![
                    ("VIGIL_ACCOUNT_ID", "123456789012"),
                    ("VIGIL_TRAIL_REPAIR_KMS_KEY", "maybe"),
                ],
                "VIGIL_TRAIL_REPAIR_KMS_KEY",
            ),
            (
                vec![
                    ("VIGIL_ACCOUNT_ID", "123456789012"),
                    ("VIGIL_TRAIL_OWNED_KEY_ARNS", "alias/mine"),
                ],
                "VIGIL_TRAIL_OWNED_KEY_ARNS",
            ),
            (
                vec![
                    ("VIGIL_ACCOUNT_ID", "123456789012"),
                    ("VIGIL_TRAIL_STALE_AFTER_MINUTES", "1"),
                ],
                "VIGIL_TRAIL_STALE_AFTER_MINUTES",
            ),
            (
                vec![
                    ("VIGIL_ACCOUNT_ID", "123456789012"),
                    ("VIGIL_TRAIL_CONCURRENCY", "0"),
                ],
                "VIGIL_TRAIL_CONCURRENCY",
            ),
            (
                vec![
                    ("VIGIL_ACCOUNT_ID", "123456789012"),
                    ("VIGIL_TRAIL_CONFIRM_MINUTES", "5"),
                ],
                "VIGIL_TRAIL_CONFIRM_MINUTES",
            ),
            (
                vec![
                    ("VIGIL_ACCOUNT_ID", "123456789012"),
                    ("VIGIL_STATE_PREFIX", "state"),
                ],
                "VIGIL_STATE_PREFIX",
            ),
        ] {
            let err = from(&pairs).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
    }
}
