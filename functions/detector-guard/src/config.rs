//! Deployment settings, read once at cold start from the environment.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL_ACCOUNT_ID` | required | this account (template: `AWS::AccountId`); only its buckets and keys are repaired |
//! | `VIGIL_STACK_NAME` | none | buckets and keys tagged `vigil:owner=<this>` count as owned by the stack |
//! | `VIGIL_GUARD_REGIONS` | every enabled Region | comma-separated Regions to keep GuardDuty on in |
//! | `VIGIL_GUARDDUTY_REQUIRED_PLANS` | none: foundational sources only | protection plans that must be ENABLED (template parameter `GuardDutyRequiredPlans`, shared with the baseline detector and the sweep's GD-02) |
//! | `VIGIL_GUARDDUTY_FINDING_FREQUENCY` | `FIFTEEN_MINUTES` | the detector's finding publishing frequency |
//! | `VIGIL_GUARDDUTY_EXPORT_BUCKET` | none | the findings export bucket a missing or changed export is restored to (with the key) |
//! | `VIGIL_GUARDDUTY_EXPORT_PREFIX` | none | folder in that bucket |
//! | `VIGIL_GUARDDUTY_EXPORT_KEY_ARN` | none | the KMS key exported findings are encrypted with; its Region is the export's |
//! | `VIGIL_GUARD_OWNED_BUCKETS` | none | buckets whose policy the guard may add statements to, besides tagged ones |
//! | `VIGIL_GUARD_OWNED_KEY_ARNS` | none | keys the guard may enable, rescue or add a statement to, besides tagged ones |
//! | `VIGIL_GUARDDUTY_ADMINISTRATOR_ACCOUNT` | none | the GuardDuty administrator this account must stay a member of |
//! | `VIGIL_GUARD_REPAIR_DETECTOR` | true | create or enable the detector, restore plans and frequency |
//! | `VIGIL_GUARD_REPAIR_EXPORT` | true | recreate or restore the findings export |
//! | `VIGIL_GUARD_REPAIR_POLICIES` | true | add the statements GuardDuty needs to an owned bucket or key policy |
//! | `VIGIL_GUARD_REPAIR_KEYS` | true | CancelKeyDeletion / EnableKey on an owned export key |
//! | `VIGIL_GUARD_CONFIRM_MINUTES` | 60 | how long a repaired cause GuardDuty still reports waits for confirmation without a second alert |
//! | `VIGIL_GUARD_CONCURRENCY` | 4 | Regions checked at once |
//! | `VIGIL_STATE_PREFIX` | none | Parameter Store path of state kept between invocations (`vigil::state`); needed for drills |
//! | `VIGIL_DRILL_FINDING_TYPES` | one High EC2, IAM and S3 type | sample finding types a drill asks for |
//! | `VIGIL_DRILL_TARGET_ARN` | none: any target | the target (the responder function) the routing rule must deliver to |
//! | `VIGIL_DRILL_DEADLINE_SECONDS` | 1800 | after this, a sample not received breaks the drill |
//! | `VIGIL_DRILL_WAIT_SECONDS` | 240 | how long the drill invocation itself waits for receipts; the schedule settles the rest |
//! | `VIGIL_EVIDENCE_BUCKET` | none | where drills leave their signed record |
//! | `VIGIL_EVIDENCE_KEY_ID` | none | the asymmetric KMS key that signs it |
//! | `VIGIL_DRILL_EVIDENCE_PREFIX` | `detector-guard/drills/` | key prefix of drill records |
//!
//! and the settings every function reads (`vigil::config::Common`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use vigil::arn::Arn;
use vigil::config::{Common, Env};

/// The tag that marks a bucket or key as owned by a Vigil stack: `vigil:owner=<stack name>`.
pub(crate) const OWNER_TAG: &str = "vigil:owner";

/// The drill's default sample types: one High EC2, one IAM and one S3 finding type.
pub(crate) const DEFAULT_DRILL_TYPES: [&str; 3] = [
    "Backdoor:EC2/C&CActivity.B!DNS",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "Exfiltration:S3/MaliciousIPCaller",
];

/// A GuardDuty protection plan that can be switched on and off (the API's `DetectorFeature`).
/// The foundational sources (CloudTrail management events, VPC Flow Logs, DNS logs) are not
/// here: they are always on while the detector is, and cannot be turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Plan {
    S3DataEvents,
    EksAuditLogs,
    EbsMalwareProtection,
    RdsLoginEvents,
    LambdaNetworkLogs,
    RuntimeMonitoring,
    AiProtection,
    AiAnalyst,
}

serde_plain::derive_display_from_serialize!(Plan);
serde_plain::derive_fromstr_from_deserialize!(Plan);

impl Plan {
    /// Every plan CreateDetector is told about. Unnamed plans default to ENABLED there, so a
    /// detector the guard creates names each one. `EKS_RUNTIME_MONITORING` is left out: naming
    /// it next to `RUNTIME_MONITORING` is an error, and runtime monitoring covers EKS.
    pub(crate) const ALL: [Plan; 8] = [
        Plan::S3DataEvents,
        Plan::EksAuditLogs,
        Plan::EbsMalwareProtection,
        Plan::RdsLoginEvents,
        Plan::LambdaNetworkLogs,
        Plan::RuntimeMonitoring,
        Plan::AiProtection,
        Plan::AiAnalyst,
    ];
}

/// How often GuardDuty publishes updates to existing findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Frequency {
    FifteenMinutes,
    OneHour,
    SixHours,
}

serde_plain::derive_display_from_serialize!(Frequency);
serde_plain::derive_fromstr_from_deserialize!(Frequency);

/// Where findings are exported when the guard has to recreate or restore the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportTarget {
    pub(crate) bucket: String,
    pub(crate) prefix: Option<String>,
    pub(crate) key_arn: String,
    /// The key's Region: an export's bucket, key and detector are in one Region.
    pub(crate) region: String,
}

/// Which safe repairs are on; off means "diagnose and alert only".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RepairSwitches {
    pub(crate) detector: bool,
    pub(crate) export: bool,
    pub(crate) policies: bool,
    pub(crate) keys: bool,
}

/// Where a drill leaves its signed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EvidenceTarget {
    pub(crate) bucket: String,
    pub(crate) prefix: String,
    pub(crate) key_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DrillSettings {
    pub(crate) types: Vec<String>,
    pub(crate) target_arn: Option<String>,
    pub(crate) deadline: Duration,
    pub(crate) wait: Duration,
    pub(crate) evidence: Option<EvidenceTarget>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub(crate) account_id: String,
    pub(crate) stack_name: Option<String>,
    /// `None`: every enabled Region of the account.
    pub(crate) regions: Option<Vec<String>>,
    pub(crate) required_plans: Vec<Plan>,
    pub(crate) frequency: Frequency,
    pub(crate) export: Option<ExportTarget>,
    pub(crate) owned_buckets: Vec<String>,
    pub(crate) owned_key_arns: Vec<String>,
    pub(crate) administrator: Option<String>,
    pub(crate) repair: RepairSwitches,
    pub(crate) confirm_window: Duration,
    /// At least 1.
    pub(crate) concurrency: usize,
    pub(crate) state_prefix: Option<String>,
    pub(crate) drill: DrillSettings,
    pub(crate) common: Common,
}

fn check_account(value: &str, name: &str) -> Result<String, String> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(format!("{name}={value:?} is not a 12-digit AWS account id"))
    }
}

impl Config {
    /// Reads the settings through `get` (the process environment in `main`, a map in tests).
    /// Any invalid value is an error naming the variable and what it accepts.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let env = Env::new(get);
        let account = env.get("VIGIL_ACCOUNT_ID").ok_or(
            "VIGIL_ACCOUNT_ID is not set; set it to this account's 12-digit id (the template passes AWS::AccountId)",
        )?;
        let account_id = check_account(&account, "VIGIL_ACCOUNT_ID")?;
        let required_plans = env
            .list("VIGIL_GUARDDUTY_REQUIRED_PLANS")
            .unwrap_or_default()
            .iter()
            .map(|p| {
                p.parse::<Plan>().map_err(|_| {
                    format!(
                        "VIGIL_GUARDDUTY_REQUIRED_PLANS: {p:?} is not a protection plan; use any of {}",
                        Plan::ALL.map(|p| p.to_string()).join(", ")
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let frequency = match env.get("VIGIL_GUARDDUTY_FINDING_FREQUENCY") {
            None => Frequency::FifteenMinutes,
            Some(f) => f.parse().map_err(|_| {
                format!(
                    "VIGIL_GUARDDUTY_FINDING_FREQUENCY={f:?}; use FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS"
                )
            })?,
        };
        let export = match (
            env.get("VIGIL_GUARDDUTY_EXPORT_BUCKET"),
            env.get("VIGIL_GUARDDUTY_EXPORT_KEY_ARN"),
        ) {
            (None, None) => None,
            (Some(bucket), Some(key_arn)) => {
                let region = Arn::parse(&key_arn)
                    .filter(|a| a.service == "kms" && a.resource.starts_with("key/"))
                    .map(|a| a.region.to_owned())
                    .ok_or_else(|| {
                        format!(
                            "VIGIL_GUARDDUTY_EXPORT_KEY_ARN={key_arn:?} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)"
                        )
                    })?;
                Some(ExportTarget {
                    bucket,
                    prefix: env
                        .get("VIGIL_GUARDDUTY_EXPORT_PREFIX")
                        .map(|p| p.trim_matches('/').to_owned())
                        .filter(|p| !p.is_empty()),
                    key_arn,
                    region,
                })
            }
            _ => {
                return Err("set both VIGIL_GUARDDUTY_EXPORT_BUCKET and VIGIL_GUARDDUTY_EXPORT_KEY_ARN, or neither: GuardDuty exports only with a KMS key".into());
            }
        };
        let owned_key_arns = env.list("VIGIL_GUARD_OWNED_KEY_ARNS").unwrap_or_default();
        if let Some(arn) = owned_key_arns
            .iter()
            .find(|a| Arn::parse(a).is_none_or(|a| a.service != "kms"))
        {
            return Err(format!(
                "VIGIL_GUARD_OWNED_KEY_ARNS: {arn:?} is not a KMS key ARN"
            ));
        }
        let administrator = env
            .get("VIGIL_GUARDDUTY_ADMINISTRATOR_ACCOUNT")
            .map(|a| check_account(&a, "VIGIL_GUARDDUTY_ADMINISTRATOR_ACCOUNT"))
            .transpose()?;
        let repair = RepairSwitches {
            detector: env.flag("VIGIL_GUARD_REPAIR_DETECTOR", true)?,
            export: env.flag("VIGIL_GUARD_REPAIR_EXPORT", true)?,
            policies: env.flag("VIGIL_GUARD_REPAIR_POLICIES", true)?,
            keys: env.flag("VIGIL_GUARD_REPAIR_KEYS", true)?,
        };
        let confirm_minutes = env.number("VIGIL_GUARD_CONFIRM_MINUTES", 60u64, 1, 1440)?;
        let concurrency = env.number("VIGIL_GUARD_CONCURRENCY", 4usize, 1, 32)?;
        let state_prefix = vigil::state::prefix_from_env(&env)?;
        let types = env
            .list("VIGIL_DRILL_FINDING_TYPES")
            .unwrap_or_else(|| DEFAULT_DRILL_TYPES.map(str::to_owned).to_vec());
        for (family, marker) in [("EC2", ":EC2/"), ("IAM", ":IAMUser/"), ("S3", ":S3/")] {
            if !types.iter().any(|t| t.contains(marker)) {
                return Err(format!(
                    "VIGIL_DRILL_FINDING_TYPES names no {family} finding type; a drill proves one High EC2, IAM and S3 type each"
                ));
            }
        }
        let evidence = match (
            env.get("VIGIL_EVIDENCE_BUCKET"),
            env.get("VIGIL_EVIDENCE_KEY_ID"),
        ) {
            (Some(bucket), Some(key_id)) => Some(EvidenceTarget {
                bucket,
                prefix: env
                    .get("VIGIL_DRILL_EVIDENCE_PREFIX")
                    .map(|p| format!("{}/", p.trim_end_matches('/')))
                    .unwrap_or_else(|| vigil::state::drill::DEFAULT_PREFIX.into()),
                key_id,
            }),
            (None, None) => None,
            _ => {
                return Err("set both VIGIL_EVIDENCE_BUCKET and VIGIL_EVIDENCE_KEY_ID, or neither: a drill record is signed".into());
            }
        };
        let drill = DrillSettings {
            types,
            target_arn: env.get("VIGIL_DRILL_TARGET_ARN"),
            deadline: Duration::from_secs(env.number(
                "VIGIL_DRILL_DEADLINE_SECONDS",
                1800u64,
                1,
                86_400,
            )?),
            wait: Duration::from_secs(env.number("VIGIL_DRILL_WAIT_SECONDS", 240u64, 0, 840)?),
            evidence,
        };
        Ok(Config {
            account_id,
            stack_name: env.get("VIGIL_STACK_NAME"),
            regions: env.list("VIGIL_GUARD_REGIONS").filter(|r| !r.is_empty()),
            required_plans,
            frequency,
            export,
            owned_buckets: env.list("VIGIL_GUARD_OWNED_BUCKETS").unwrap_or_default(),
            owned_key_arns,
            administrator,
            repair,
            confirm_window: Duration::from_secs(confirm_minutes * 60),
            concurrency,
            state_prefix,
            drill,
            common: Common::from_env(&env),
        })
    }

    /// The detector ARN GuardDuty names as `aws:SourceArn` when it writes an export.
    pub(crate) fn detector_arn(&self, partition: &str, region: &str, detector_id: &str) -> String {
        format!(
            "arn:{partition}:guardduty:{region}:{}:detector/{detector_id}",
            self.account_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil::config::lookup_in;

    const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/k1";

    fn from(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let mut all = vec![("VIGIL_ACCOUNT_ID", "123456789012")];
        all.extend_from_slice(pairs);
        Config::from_lookup(lookup_in(&all))
    }

    #[test]
    fn defaults_follow_the_seeds_and_repair_safely() {
        let c = from(&[]).unwrap();
        assert!(
            c.required_plans.is_empty(),
            "foundational sources only, as the seeds say"
        );
        assert_eq!(c.frequency, Frequency::FifteenMinutes);
        assert_eq!(c.regions, None, "every enabled Region");
        assert_eq!(c.export, None);
        assert!(c.repair.detector && c.repair.export && c.repair.policies && c.repair.keys);
        assert_eq!(c.confirm_window, Duration::from_secs(3600));
        assert_eq!(c.drill.types.len(), 3);
        assert_eq!(c.drill.deadline, Duration::from_secs(1800));
        assert_eq!(c.state_prefix, None);
        assert_eq!(c.common, Common::default());
    }

    #[test]
    fn plans_export_and_drill_settings_are_read() {
        let c = from(&[
            (
                "VIGIL_GUARDDUTY_REQUIRED_PLANS",
                "S3_DATA_EVENTS, RDS_LOGIN_EVENTS",
            ),
            ("VIGIL_GUARDDUTY_EXPORT_BUCKET", "findings"),
            ("VIGIL_GUARDDUTY_EXPORT_PREFIX", "/gd/"),
            ("VIGIL_GUARDDUTY_EXPORT_KEY_ARN", KEY),
            ("VIGIL_GUARD_REGIONS", "eu-west-1,us-east-1"),
            ("VIGIL_STATE_PREFIX", "/vigil/state"),
            ("VIGIL_EVIDENCE_BUCKET", "evidence"),
            ("VIGIL_EVIDENCE_KEY_ID", "alias/signing"),
            ("VIGIL_DRILL_EVIDENCE_PREFIX", "drills"),
        ])
        .unwrap();
        assert_eq!(
            c.required_plans,
            vec![Plan::S3DataEvents, Plan::RdsLoginEvents]
        );
        let export = c.export.unwrap();
        assert_eq!(export.region, "eu-west-1");
        assert_eq!(export.prefix.as_deref(), Some("gd"));
        assert_eq!(c.regions.unwrap().len(), 2);
        assert_eq!(c.state_prefix.as_deref(), Some("/vigil/state"));
        assert_eq!(c.drill.evidence.unwrap().prefix, "drills/");
        assert_eq!(Plan::RuntimeMonitoring.to_string(), "RUNTIME_MONITORING");
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (pairs, name) in [
            (
                vec![("VIGIL_GUARDDUTY_REQUIRED_PLANS", "FLOW_LOGS")],
                "VIGIL_GUARDDUTY_REQUIRED_PLANS",
            ),
            (
                vec![("VIGIL_GUARDDUTY_FINDING_FREQUENCY", "DAILY")],
                "VIGIL_GUARDDUTY_FINDING_FREQUENCY",
            ),
            (
                vec![("VIGIL_GUARDDUTY_EXPORT_BUCKET", "b")],
                "VIGIL_GUARDDUTY_EXPORT_KEY_ARN",
            ),
            (
                vec![
                    ("VIGIL_GUARDDUTY_EXPORT_BUCKET", "b"),
                    ("VIGIL_GUARDDUTY_EXPORT_KEY_ARN", "alias/x"),
                ],
                "VIGIL_GUARDDUTY_EXPORT_KEY_ARN",
            ),
            (
                vec![("VIGIL_GUARD_OWNED_KEY_ARNS", "k1")],
                "VIGIL_GUARD_OWNED_KEY_ARNS",
            ),
            (
                vec![("VIGIL_GUARDDUTY_ADMINISTRATOR_ACCOUNT", "1")],
                "VIGIL_GUARDDUTY_ADMINISTRATOR_ACCOUNT",
            ),
            (
                vec![("VIGIL_GUARD_REPAIR_EXPORT", "maybe")],
                "VIGIL_GUARD_REPAIR_EXPORT",
            ),
            (
                vec![("VIGIL_GUARD_CONCURRENCY", "0")],
                "VIGIL_GUARD_CONCURRENCY",
            ),
            (vec![("VIGIL_STATE_PREFIX", "state")], "VIGIL_STATE_PREFIX"),
            (
                vec![(
                    "VIGIL_DRILL_FINDING_TYPES",
                    "Exfiltration:S3/MaliciousIPCaller",
                )],
                "VIGIL_DRILL_FINDING_TYPES",
            ),
            (
                vec![("VIGIL_EVIDENCE_BUCKET", "e")],
                "VIGIL_EVIDENCE_KEY_ID",
            ),
        ] {
            let err = from(&pairs).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
        let err = Config::from_lookup(lookup_in(&[])).unwrap_err();
        assert!(err.contains("VIGIL_ACCOUNT_ID"));
    }
}
