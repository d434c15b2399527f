//! Deployment settings and check thresholds, read once at start from the environment (the
//! function) or the environment plus `--set NAME=VALUE` flags (the CLI), and built one way:
//! [`Config::from_lookup`] reads each variable, then builds the struct once. The alert topic and
//! the metrics namespace are `vigil::config::Common`.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL_EVIDENCE_BUCKET` | none (CLI: local directory only) | bucket for evidence bundles |
//! | `VIGIL_EVIDENCE_PREFIX` | `compliance-sweep/` | key prefix inside the bucket |
//! | `VIGIL_EVIDENCE_KEY_ID` | none (bundle left unsigned) | asymmetric KMS key (RSA, SIGN_VERIFY) |
//! | `VIGIL_ALERT_TOPIC_ARN` | none (alerts only logged) | SNS topic for regressions and errors |
//! | `VIGIL_METRICS_NAMESPACE` | `Vigil` | CloudWatch namespace of the EMF metrics |
//! | `VIGIL_SWEEP_REGIONS` | enabled Regions (account:ListRegions) | comma-separated Regions |
//! | `VIGIL_SWEEP_SERVICES` | all | comma-separated: iam,s3,kms,secretsmanager,guardduty,cloudtrail,cloudwatch,rds,lambda,ssm,accessanalyzer |
//! | `VIGIL_SWEEP_CONCURRENCY` | 4 | concurrent calls per service and Region (IAM: always 1) |
//! | `VIGIL_SWEEP_ACCESS_KEY_MAX_AGE_DAYS` | 90 | IAM-10 |
//! | `VIGIL_SWEEP_CREDENTIAL_UNUSED_DAYS` | 45 | IAM-08 |
//! | `VIGIL_SWEEP_ROOT_UNUSED_DAYS` | 90 | IAM-04: root must not have been used within this many days |
//! | `VIGIL_SWEEP_ROLE_UNUSED_DAYS` | 90 | LP-04 |
//! | `VIGIL_SWEEP_PASSWORD_MIN_LENGTH` | 14 | IAM-05 |
//! | `VIGIL_SWEEP_PASSWORD_REUSE` | 24 | IAM-05 |
//! | `VIGIL_SWEEP_PASSWORD_MAX_AGE_DAYS` | 90 | IAM-05 |
//! | `VIGIL_SWEEP_ADMIN_ALLOW_LIST` | none | IAM-14/LP-01: break-glass principal names allowed admin |
//! | `VIGIL_SWEEP_KMS_MAX_ROTATION_DAYS` | 365 | KMS-02 |
//! | `VIGIL_SWEEP_KEY_BREAK_GLASS` | `arn:aws:iam::{account}:root` | KMS-07: principal ARNs of which at least one must keep its key-policy grant (`{account}`: the swept account) |
//! | `VIGIL_SWEEP_SECRET_MAX_ROTATION_DAYS` | 90 | SM-01 |
//! | `VIGIL_SWEEP_SECRET_UNUSED_DAYS` | 90 | SM-05 |
//! | `VIGIL_SWEEP_SENSITIVE_SECRETS` | `*` | SM-04: secret-name patterns that need a CMK (tag `vigil:sensitive=true` also counts) |
//! | `VIGIL_SWEEP_GUARDDUTY_FEATURES` | none (the foundational sources only, as the seeds ask; empty means none) | GD-02: protection plans that must be on, e.g. S3_DATA_EVENTS,RUNTIME_MONITORING (template parameter GuardDutyRequiredPlans) |
//! | `VIGIL_SWEEP_FINDINGS_RETENTION_DAYS` | 365 | GD-04 |
//! | `VIGIL_SWEEP_DRILL_MAX_AGE_DAYS` | 7 | GD-05: the latest passed drill finished at most this many days ago |
//! | `VIGIL_SWEEP_LOG_RETENTION_DAYS` | 90 | CT-07 |
//! | `VIGIL_SWEEP_LOG_GROUP_RETENTION_DAYS` | 365 | CW-17: every log group (Prowler's default) |
//! | `VIGIL_SWEEP_CLOUDWATCH_DELIVERY_HOURS` | 24 | CT-06 |
//! | `VIGIL_SWEEP_RDS_BACKUP_DAYS` | 7 | RDS-05 |
//! | `VIGIL_SWEEP_RDS_CERTIFICATE_MIN_DAYS` | 92 | RDS-17: a server certificate's days of validity left |
//! | `VIGIL_SWEEP_S3_REQUIRE_CMK` | true | S3-04: SSE-S3 fails when true |
//! | `VIGIL_SWEEP_MUTE_LIST` | none (nothing muted) | the mute list: `ssm:PARAMETER-NAME` or `s3://BUCKET/KEY` (see `mute`) |
//! | `VIGIL_SWEEP_SECURITY_HUB` | false | send the findings to Security Hub (ASFF) in the function's Region after each sealed run |

use vigil::config::{Common, Env};

use crate::facts::Service;

/// What the checks compare against. Defaults are the catalogue's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Thresholds {
    pub access_key_max_age_days: i64,
    pub credential_unused_days: i64,
    pub root_unused_days: i64,
    pub role_unused_days: i64,
    pub password_min_length: i32,
    pub password_reuse: i32,
    pub password_max_age_days: i32,
    pub admin_allow_list: Vec<String>,
    pub kms_max_rotation_days: i32,
    /// KMS-07: the emergency-access principals (`{account}` stands for the swept account).
    pub key_break_glass: Vec<String>,
    pub secret_max_rotation_days: i64,
    pub secret_unused_days: i64,
    pub sensitive_secrets: Vec<String>,
    pub guardduty_features: Vec<String>,
    pub findings_retention_days: i32,
    /// GD-05: the latest drill passed within this many days.
    pub drill_max_age_days: i64,
    pub log_retention_days: i32,
    /// CW-17: every log group's minimum retention.
    pub log_group_retention_days: i32,
    pub cloudwatch_delivery_hours: i64,
    pub rds_backup_days: i32,
    /// RDS-17: a server certificate must stay valid at least this many days.
    pub rds_certificate_min_days: i64,
    pub s3_require_cmk: bool,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            access_key_max_age_days: 90,
            credential_unused_days: 45,
            root_unused_days: 90,
            role_unused_days: 90,
            password_min_length: 14,
            password_reuse: 24,
            password_max_age_days: 90,
            admin_allow_list: Vec::new(),
            kms_max_rotation_days: 365,
            // The account root: KMS's default key policy grants it, so IAM can always recover.
            key_break_glass: vec!["arn:aws:iam::{account}:root".into()],
            secret_max_rotation_days: 90,
            secret_unused_days: 90,
            sensitive_secrets: vec!["*".into()],
            // The seeds limit GuardDuty to its foundational sources (VPC Flow Logs,
            // CloudTrail, DNS); protection plans cost extra and are opt-in.
            guardduty_features: Vec::new(),
            findings_retention_days: 365,
            drill_max_age_days: 7,
            log_retention_days: 90,
            log_group_retention_days: 365,
            cloudwatch_delivery_hours: 24,
            rds_backup_days: 7,
            // Three months, rounded up: Prowler fails a certificate with under 3 months left.
            rds_certificate_min_days: 92,
            s3_require_cmk: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub evidence_bucket: Option<String>,
    pub evidence_prefix: String,
    pub evidence_key_id: Option<String>,
    /// Where alerts go, the metrics namespace.
    pub common: Common,
    /// `None`: the enabled Regions of the account.
    pub regions: Option<Vec<String>>,
    pub services: Vec<Service>,
    pub concurrency: usize,
    pub thresholds: Thresholds,
    /// Where the mute list is read, once per invocation (`None`: nothing is muted).
    pub mute_list: Option<MuteListLocation>,
    /// Send the findings to Security Hub after each sealed run.
    pub security_hub: bool,
}

/// Where the mute list document is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MuteListLocation {
    /// An SSM Parameter Store parameter (String or SecureString).
    Ssm(String),
    /// An S3 object.
    S3 { bucket: String, key: String },
}

impl std::fmt::Display for MuteListLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MuteListLocation::Ssm(name) => write!(f, "ssm:{name}"),
            MuteListLocation::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

impl MuteListLocation {
    /// `ssm:NAME` or `s3://BUCKET/KEY`.
    fn parse(v: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "VIGIL_SWEEP_MUTE_LIST: {v:?} is neither ssm:PARAMETER-NAME nor s3://BUCKET/KEY"
            )
        };
        if let Some(name) = v.strip_prefix("ssm:") {
            return (!name.is_empty())
                .then(|| MuteListLocation::Ssm(name.to_owned()))
                .ok_or_else(bad);
        }
        let (bucket, key) = v
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
            .ok_or_else(bad)?;
        if bucket.is_empty() || key.is_empty() {
            return Err(bad());
        }
        Ok(MuteListLocation::S3 {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }
}

const DEFAULT_PREFIX: &str = "compliance-sweep/";
const DEFAULT_CONCURRENCY: usize = 4;

impl Config {
    /// Reads the settings through `get`. Any invalid value is an error naming the variable
    /// and what it accepts.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let env = Env::new(get);
        let services = match env.list("VIGIL_SWEEP_SERVICES") {
            None => Service::ALL.to_vec(),
            Some(v) => v
                .iter()
                .map(|s| {
                    Service::parse(s).ok_or_else(|| {
                        format!(
                            "VIGIL_SWEEP_SERVICES: unknown service {s:?}; use any of {}",
                            Service::names(",")
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let regions = env.list("VIGIL_SWEEP_REGIONS");
        if let Some(regions) = &regions
            && let Some(bad) = regions.iter().find(|r| {
                !r.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
        {
            return Err(format!(
                "VIGIL_SWEEP_REGIONS: {bad:?} is not a Region name (e.g. us-east-1)"
            ));
        }
        let concurrency = env.number("VIGIL_SWEEP_CONCURRENCY", DEFAULT_CONCURRENCY, 1, 64)?;
        let thresholds = thresholds(&env)?;
        let mute_list = env
            .get("VIGIL_SWEEP_MUTE_LIST")
            .filter(|v| !v.trim().is_empty())
            .map(|v| MuteListLocation::parse(v.trim()))
            .transpose()?;
        Ok(Config {
            evidence_bucket: env.get("VIGIL_EVIDENCE_BUCKET"),
            evidence_prefix: env
                .get("VIGIL_EVIDENCE_PREFIX")
                .unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
            evidence_key_id: env.get("VIGIL_EVIDENCE_KEY_ID"),
            common: Common::from_env(&env),
            regions,
            services,
            concurrency,
            thresholds,
            mute_list,
            security_hub: env.flag("VIGIL_SWEEP_SECURITY_HUB", false)?,
        })
    }
}

/// The `VIGIL_SWEEP_*` thresholds, each defaulting to the catalogue's ([`Thresholds::default`]).
fn thresholds<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Thresholds, String> {
    let t = Thresholds::default();
    Ok(Thresholds {
        access_key_max_age_days: env.number(
            "VIGIL_SWEEP_ACCESS_KEY_MAX_AGE_DAYS",
            t.access_key_max_age_days,
            0,
            3650,
        )?,
        credential_unused_days: env.number(
            "VIGIL_SWEEP_CREDENTIAL_UNUSED_DAYS",
            t.credential_unused_days,
            0,
            3650,
        )?,
        root_unused_days: env.number(
            "VIGIL_SWEEP_ROOT_UNUSED_DAYS",
            t.root_unused_days,
            0,
            3650,
        )?,
        role_unused_days: env.number(
            "VIGIL_SWEEP_ROLE_UNUSED_DAYS",
            t.role_unused_days,
            0,
            3650,
        )?,
        password_min_length: env.number(
            "VIGIL_SWEEP_PASSWORD_MIN_LENGTH",
            t.password_min_length,
            6,
            128,
        )?,
        password_reuse: env.number("VIGIL_SWEEP_PASSWORD_REUSE", t.password_reuse, 0, 24)?,
        password_max_age_days: env.number(
            "VIGIL_SWEEP_PASSWORD_MAX_AGE_DAYS",
            t.password_max_age_days,
            1,
            1095,
        )?,
        admin_allow_list: env.list("VIGIL_SWEEP_ADMIN_ALLOW_LIST").unwrap_or_default(),
        key_break_glass: env
            .list("VIGIL_SWEEP_KEY_BREAK_GLASS")
            .filter(|l| !l.is_empty())
            .unwrap_or(t.key_break_glass.clone()),
        kms_max_rotation_days: env.number(
            "VIGIL_SWEEP_KMS_MAX_ROTATION_DAYS",
            t.kms_max_rotation_days,
            90,
            2560,
        )?,
        secret_max_rotation_days: env.number(
            "VIGIL_SWEEP_SECRET_MAX_ROTATION_DAYS",
            t.secret_max_rotation_days,
            1,
            1000,
        )?,
        secret_unused_days: env.number(
            "VIGIL_SWEEP_SECRET_UNUSED_DAYS",
            t.secret_unused_days,
            1,
            3650,
        )?,
        sensitive_secrets: env
            .list("VIGIL_SWEEP_SENSITIVE_SECRETS")
            .unwrap_or(t.sensitive_secrets),
        guardduty_features: env
            .list("VIGIL_SWEEP_GUARDDUTY_FEATURES")
            .unwrap_or(t.guardduty_features),
        findings_retention_days: env.number(
            "VIGIL_SWEEP_FINDINGS_RETENTION_DAYS",
            t.findings_retention_days,
            1,
            36500,
        )?,
        drill_max_age_days: env.number(
            "VIGIL_SWEEP_DRILL_MAX_AGE_DAYS",
            t.drill_max_age_days,
            1,
            366,
        )?,
        log_retention_days: env.number(
            "VIGIL_SWEEP_LOG_RETENTION_DAYS",
            t.log_retention_days,
            1,
            3653,
        )?,
        log_group_retention_days: env.number(
            "VIGIL_SWEEP_LOG_GROUP_RETENTION_DAYS",
            t.log_group_retention_days,
            1,
            3653,
        )?,
        cloudwatch_delivery_hours: env.number(
            "VIGIL_SWEEP_CLOUDWATCH_DELIVERY_HOURS",
            t.cloudwatch_delivery_hours,
            1,
            720,
        )?,
        rds_backup_days: env.number("VIGIL_SWEEP_RDS_BACKUP_DAYS", t.rds_backup_days, 1, 35)?,
        rds_certificate_min_days: env.number(
            "VIGIL_SWEEP_RDS_CERTIFICATE_MIN_DAYS",
            t.rds_certificate_min_days,
            0,
            3650,
        )?,
        s3_require_cmk: env.flag("VIGIL_SWEEP_S3_REQUIRE_CMK", t.s3_require_cmk)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_lookup(vigil::config::lookup_in(pairs))
    }

    #[test]
    fn defaults_are_the_catalogue_thresholds() {
        let c = from(&[]).unwrap();
        assert_eq!(c.thresholds.access_key_max_age_days, 90);
        assert_eq!(c.thresholds.credential_unused_days, 45);
        assert_eq!(c.thresholds.log_retention_days, 90);
        assert_eq!(c.thresholds.drill_max_age_days, 7);
        assert_eq!(
            from(&[("VIGIL_SWEEP_DRILL_MAX_AGE_DAYS", "30")])
                .unwrap()
                .thresholds
                .drill_max_age_days,
            30
        );
        assert!(from(&[("VIGIL_SWEEP_DRILL_MAX_AGE_DAYS", "0")]).is_err());
        assert!(
            c.thresholds.guardduty_features.is_empty(),
            "GD-02 requires no plan unless told"
        );
        assert_eq!(c.services.len(), 11);
        assert!(c.regions.is_none());
        assert_eq!(c.common, Common::default());
        assert_eq!(c.mute_list, None);
    }

    #[test]
    fn the_mute_list_is_in_ssm_or_s3() {
        let at = |v: &str| from(&[("VIGIL_SWEEP_MUTE_LIST", v)]).unwrap().mute_list;
        assert_eq!(
            at("ssm:/vigil/sweep/mute-list"),
            Some(MuteListLocation::Ssm("/vigil/sweep/mute-list".into()))
        );
        let s3 = at("s3://config-bucket/sweep/mute.json").unwrap();
        assert_eq!(s3.to_string(), "s3://config-bucket/sweep/mute.json");
        assert_eq!(at(""), None, "the template's empty default: no mute list");
    }

    #[test]
    fn guardduty_plans_are_opt_in() {
        let plans = |v: &str| {
            from(&[("VIGIL_SWEEP_GUARDDUTY_FEATURES", v)])
                .unwrap()
                .thresholds
                .guardduty_features
        };
        assert!(
            plans("").is_empty(),
            "the template's empty GuardDutyRequiredPlans: no plan required"
        );
        assert_eq!(
            plans("S3_DATA_EVENTS, RUNTIME_MONITORING"),
            vec!["S3_DATA_EVENTS", "RUNTIME_MONITORING"]
        );
    }

    #[test]
    fn values_are_read_and_bad_ones_named() {
        let c = from(&[
            ("VIGIL_SWEEP_REGIONS", "us-east-1, eu-west-1"),
            ("VIGIL_SWEEP_SERVICES", "iam,kms"),
            ("VIGIL_SWEEP_ACCESS_KEY_MAX_AGE_DAYS", "30"),
        ])
        .unwrap();
        assert_eq!(c.regions.unwrap(), vec!["us-east-1", "eu-west-1"]);
        assert_eq!(c.services, vec![Service::Iam, Service::Kms]);
        assert_eq!(c.thresholds.access_key_max_age_days, 30);
        for (k, v) in [
            ("VIGIL_SWEEP_SERVICES", "iam,ec3"),
            ("VIGIL_SWEEP_CONCURRENCY", "0"),
            ("VIGIL_SWEEP_REGIONS", "US East"),
            ("VIGIL_SWEEP_S3_REQUIRE_CMK", "maybe"),
            ("VIGIL_SWEEP_KMS_MAX_ROTATION_DAYS", "10"),
            ("VIGIL_SWEEP_MUTE_LIST", "arn:aws:ssm:x"),
            ("VIGIL_SWEEP_MUTE_LIST", "s3://bucket-only"),
        ] {
            let e = from(&[(k, v)]).unwrap_err();
            assert!(e.contains(k), "{e}");
        }
    }
}
