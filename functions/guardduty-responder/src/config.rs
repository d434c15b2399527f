//! Settings: how the responder answers findings (from SSM Parameter Store) and where it reports
//! (from the environment).
//!
//! The response settings are one JSON object in the parameter named by
//! `VIGIL_GUARDDUTY_CONFIG_PARAMETER`; every key is optional and the built-in defaults are the
//! safe ones (alert only, nothing changed):
//!
//! ```json
//! {
//!   "mode": "contain",                       // or "alert-only" (default)
//!   "dryRun": false,                         // report what would be done, change nothing
//!   "gates": {"isolate-instance": 7.0, ...}, // minimum severity per action
//!   "allowList": ["203.0.113.0/24"],         // never blocked in a network ACL
//!   "protectedPrincipals": ["break-glass-*", "arn:aws:iam::*:role/OrgAdmin"],
//!   "exemptTag": {"key": "vigil:exempt", "value": "true"},
//!   "quarantineGroupName": "vigil-quarantine",
//!   "naclRuleRange": {"first": 90, "last": 99}
//! }
//! ```
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL_GUARDDUTY_CONFIG_PARAMETER` | none (defaults) | SSM parameter holding the JSON above |
//! | `VIGIL_ALERT_TOPIC_ARN` | none (alerts only logged) | SNS topic for the alert sent per finding |
//! | `VIGIL_METRICS_NAMESPACE` | Vigil | CloudWatch namespace of the EMF metrics |
//!
//! [`ActionKind`], the responder's action vocabulary, is defined here because the `gates`
//! setting is keyed by it: the playbook, the actions and the report read it from here, and the
//! settings never depend on the playbook.

use aws_config::SdkConfig;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use vigil::config::{Common, ConfigError, Env, Settings};

/// Whether the responder changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Alert with what would be done; change nothing.
    #[default]
    AlertOnly,
    /// Carry out the playbook's actions that pass their gates.
    Contain,
}

serde_plain::derive_display_from_serialize!(Mode);

/// Every action the responder can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    IsolateInstance,
    SnapshotVolumes,
    TerminationProtection,
    TagInstance,
    BlockRemoteIps,
    DeactivateAccessKey,
    DenyUser,
    RevokeSessions,
    BlockPublicAccess,
    RotateSecret,
}

serde_plain::derive_display_from_serialize!(ActionKind);

impl ActionKind {
    pub(crate) const ALL: [ActionKind; 10] = [
        ActionKind::IsolateInstance,
        ActionKind::SnapshotVolumes,
        ActionKind::TerminationProtection,
        ActionKind::TagInstance,
        ActionKind::BlockRemoteIps,
        ActionKind::DeactivateAccessKey,
        ActionKind::DenyUser,
        ActionKind::RevokeSessions,
        ActionKind::BlockPublicAccess,
        ActionKind::RotateSecret,
    ];
}

/// Minimum finding severity (0–10) for each action. Disruptive actions default to High (7.0);
/// ones that only preserve evidence or block an outside address default to Medium (4.0).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Gates {
    pub isolate_instance: f64,
    pub snapshot_volumes: f64,
    pub termination_protection: f64,
    pub tag_instance: f64,
    pub block_remote_ips: f64,
    pub deactivate_access_key: f64,
    pub deny_user: f64,
    pub revoke_sessions: f64,
    pub block_public_access: f64,
    pub rotate_secret: f64,
}

impl Default for Gates {
    fn default() -> Self {
        Gates {
            isolate_instance: 7.0,
            snapshot_volumes: 4.0,
            termination_protection: 4.0,
            tag_instance: 4.0,
            block_remote_ips: 4.0,
            deactivate_access_key: 7.0,
            deny_user: 7.0,
            revoke_sessions: 7.0,
            block_public_access: 4.0,
            rotate_secret: 4.0,
        }
    }
}

impl Gates {
    pub(crate) fn for_action(&self, kind: ActionKind) -> f64 {
        match kind {
            ActionKind::IsolateInstance => self.isolate_instance,
            ActionKind::SnapshotVolumes => self.snapshot_volumes,
            ActionKind::TerminationProtection => self.termination_protection,
            ActionKind::TagInstance => self.tag_instance,
            ActionKind::BlockRemoteIps => self.block_remote_ips,
            ActionKind::DeactivateAccessKey => self.deactivate_access_key,
            ActionKind::DenyUser => self.deny_user,
            ActionKind::RevokeSessions => self.revoke_sessions,
            ActionKind::BlockPublicAccess => self.block_public_access,
            ActionKind::RotateSecret => self.rotate_secret,
        }
    }

    fn all(&self) -> [(ActionKind, f64); 10] {
        ActionKind::ALL.map(|kind| (kind, self.for_action(kind)))
    }
}

/// A resource carrying this tag is never acted on, only alerted about.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptTag {
    pub key: String,
    pub value: String,
}

impl ExemptTag {
    /// Whether a tag `key`=`value` is this exempt tag: the key exactly, the value in any case.
    pub(crate) fn matches(&self, key: &str, value: &str) -> bool {
        key == self.key && value.eq_ignore_ascii_case(&self.value)
    }
}

impl Default for ExemptTag {
    fn default() -> Self {
        ExemptTag {
            key: "vigil:exempt".into(),
            value: "true".into(),
        }
    }
}

/// Network ACL rule numbers reserved for the responder's deny entries. They must come before
/// the ACL's allow rules (AWS evaluates the lowest number first; the default allow is 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRange {
    pub first: i32,
    pub last: i32,
}

impl Default for RuleRange {
    fn default() -> Self {
        RuleRange {
            first: 90,
            last: 99,
        }
    }
}

impl RuleRange {
    pub(crate) fn contains(self, rule: i32) -> bool {
        (self.first..=self.last).contains(&rule)
    }
}

/// How findings are answered: the JSON in the SSM parameter.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ResponseSettings {
    pub mode: Mode,
    pub dry_run: bool,
    pub gates: Gates,
    pub allow_list: Vec<IpNet>,
    /// IAM user or role names, or ARNs; `*` and `?` wildcards. Never touched: alert only.
    pub protected_principals: Vec<String>,
    pub exempt_tag: ExemptTag,
    pub quarantine_group_name: String,
    pub nacl_rule_range: RuleRange,
}

impl Default for ResponseSettings {
    fn default() -> Self {
        ResponseSettings {
            mode: Mode::AlertOnly,
            dry_run: false,
            gates: Gates::default(),
            allow_list: Vec::new(),
            protected_principals: Vec::new(),
            exempt_tag: ExemptTag::default(),
            quarantine_group_name: "vigil-quarantine".into(),
            nacl_rule_range: RuleRange::default(),
        }
    }
}

impl ResponseSettings {
    /// Reads the settings from `parameter` in Parameter Store (the defaults when `None`), once
    /// per cold start.
    pub async fn load(sdk: &SdkConfig, parameter: Option<&str>) -> Result<Self, ConfigError> {
        vigil::config::load(&vigil::client!(aws_sdk_ssm, sdk), parameter).await
    }
}

impl Settings for ResponseSettings {
    fn validate(&self) -> Result<(), String> {
        for (kind, gate) in self.gates.all() {
            if !(0.0..=10.0).contains(&gate) {
                return Err(format!(
                    "gates.{kind} is {gate}; use a severity from 0 to 10"
                ));
            }
        }
        let RuleRange { first, last } = self.nacl_rule_range;
        if !(1..=32766).contains(&first) || !(1..=32766).contains(&last) || first > last {
            return Err(format!(
                "naclRuleRange is {first}..{last}; use 1 <= first <= last <= 32766, below the ACL's allow rules"
            ));
        }
        let name = &self.quarantine_group_name;
        if name.trim().is_empty()
            || name.len() > 240
            || name.to_ascii_lowercase().starts_with("sg-")
        {
            return Err(format!(
                "quarantineGroupName {name:?}; use a non-empty name of at most 240 characters not starting with sg-"
            ));
        }
        if self.exempt_tag.key.trim().is_empty() {
            return Err("exemptTag.key is empty".into());
        }
        if let Some(p) = self
            .protected_principals
            .iter()
            .find(|p| p.trim().is_empty())
        {
            return Err(format!("protectedPrincipals has an empty entry {p:?}"));
        }
        Ok(())
    }
}

/// Everything the function is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    pub response: ResponseSettings,
}

impl Config {
    /// Reads the environment through `get` (the process environment in `main`), then the
    /// response settings from the parameter it names, once per cold start: a bad parameter
    /// stops the function before any finding is half answered.
    pub async fn load(
        sdk: &SdkConfig,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let env = Env::new(get);
        let common = Common::from_env(&env);
        let parameter = env.get("VIGIL_GUARDDUTY_CONFIG_PARAMETER");
        let response = ResponseSettings::load(sdk, parameter.as_deref()).await?;
        Ok(Config { common, response })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil::config::parse;

    #[test]
    fn defaults_change_nothing() {
        let s: ResponseSettings = parse("/p", "{}").unwrap();
        assert_eq!(s, ResponseSettings::default());
        assert_eq!(s.mode, Mode::AlertOnly);
        assert_eq!(s.gates.isolate_instance, 7.0);
        assert_eq!(s.exempt_tag.key, "vigil:exempt");
    }

    #[test]
    fn a_full_document_is_read() {
        let s: ResponseSettings = parse(
            "/p",
            r#"{"mode": "contain", "dryRun": true, "gates": {"isolate-instance": 5},
                "allowList": ["203.0.113.0/24", "2001:db8::1/128"],
                "protectedPrincipals": ["break-glass-*"],
                "exemptTag": {"key": "k", "value": "v"},
                "quarantineGroupName": "q", "naclRuleRange": {"first": 10, "last": 19}}"#,
        )
        .unwrap();
        assert_eq!(s.mode, Mode::Contain);
        assert!(s.dry_run);
        assert_eq!(s.gates.isolate_instance, 5.0);
        assert_eq!(s.gates.deny_user, 7.0, "unnamed gates keep their default");
        assert_eq!(s.allow_list.len(), 2);
        assert_eq!(
            s.nacl_rule_range,
            RuleRange {
                first: 10,
                last: 19
            }
        );
    }

    #[test]
    fn invalid_settings_say_what_to_fix() {
        for (text, expected) in [
            (r#"{"mode": "nuke"}"#, "unknown variant `nuke`"),
            (
                r#"{"gates": {"isolate-instance": 11}}"#,
                "gates.isolate-instance",
            ),
            (r#"{"gates": {"isolate": 5}}"#, "unknown field `isolate`"),
            (r#"{"allowList": ["10.0.0.300/8"]}"#, "invalid IP address"),
            (
                r#"{"naclRuleRange": {"first": 50, "last": 40}}"#,
                "naclRuleRange",
            ),
            (r#"{"quarantineGroupName": "sg-x"}"#, "quarantineGroupName"),
            (
                r#"{"exemptTag": {"key": "", "value": "x"}}"#,
                "exemptTag.key",
            ),
            (r#"{"dryrun": true}"#, "unknown field `dryrun`"),
        ] {
            let err = parse::<ResponseSettings>("/vigil/gd", text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
            assert!(err.contains("/vigil/gd"), "{err}");
        }
    }

    #[test]
    fn exempt_tag_matches_the_key_exactly_and_the_value_in_any_case() {
        let tag = ExemptTag::default();
        assert!(tag.matches("vigil:exempt", "true"));
        assert!(tag.matches("vigil:exempt", "TRUE"));
        assert!(!tag.matches("Vigil:Exempt", "true"));
        assert!(!tag.matches("vigil:exempt", "false"));
        assert!(!tag.matches("team", "true"));
    }

    #[tokio::test]
    async fn without_a_parameter_the_environment_and_the_defaults_are_used() {
        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let config = Config::load(&sdk, vigil::config::lookup_in(&[]))
            .await
            .unwrap();
        assert_eq!(config.response, ResponseSettings::default());
        assert_eq!(config.common.metrics_namespace, "Vigil");
        assert_eq!(config.common.alert_topic_arn, None);
    }
}
