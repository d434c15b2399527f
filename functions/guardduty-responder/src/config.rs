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
//!   "naclRuleRange": {"first": 90, "last": 99},
//!   "quarantineReaders": ["arn:aws:iam::*:role/SecurityForensics"] // may still read a quarantined S3 object
//! }
//! ```
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL_GUARDDUTY_CONFIG_PARAMETER` | none (defaults) | SSM parameter holding the JSON above |
//! | `VIGIL_ALERT_TOPIC_ARN` | none (alerts only logged) | SNS topic for the alert sent per finding |
//! | `VIGIL_METRICS_NAMESPACE` | Vigil | CloudWatch namespace of the EMF metrics |
//! | `VIGIL_GUARDDUTY_MEMBER_ROLE` | none (other accounts: alert only) | role name the responder assumes in a finding's account when it is not its own |
//! | `VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID` | none (required with the role) | external id the member role's trust policy requires |
//! | `VIGIL_OWN_PRINCIPALS` | none | comma-separated ARNs (wildcards allowed) of the stack's own roles and users: never acted on, whatever `protectedPrincipals` says |
//! | `VIGIL_GUARDDUTY_RECORD_PREFIX` | `/vigil/guardduty-responder/responses` | SSM path under which each response's record (what release undoes) is kept |
//! | `VIGIL_STATE_PREFIX` | none (no drill receipts) | Parameter Store path of the state shared with detector-guard (`vigil::state`): the drill under way is read there and a receipt filed for each of its sample findings |
//!
//! Infrastructure settings (accounts, own principals, records) come from the environment,
//! because the template grants the permissions that go with them; how findings are answered
//! comes from Parameter Store, which operators tune without a deployment.
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
    StopTask,
    TagService,
    StopInvocations,
    QuarantineObject,
}

serde_plain::derive_display_from_serialize!(ActionKind);

impl ActionKind {
    pub(crate) const ALL: [ActionKind; 14] = [
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
        ActionKind::StopTask,
        ActionKind::TagService,
        ActionKind::StopInvocations,
        ActionKind::QuarantineObject,
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
    pub stop_task: f64,
    pub tag_service: f64,
    pub stop_invocations: f64,
    pub quarantine_object: f64,
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
            stop_task: 7.0,
            tag_service: 4.0,
            stop_invocations: 7.0,
            // Blocks reads of one object version that holds malware; nothing else changes.
            quarantine_object: 4.0,
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
            ActionKind::StopTask => self.stop_task,
            ActionKind::TagService => self.tag_service,
            ActionKind::StopInvocations => self.stop_invocations,
            ActionKind::QuarantineObject => self.quarantine_object,
        }
    }

    fn all(&self) -> [(ActionKind, f64); 14] {
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
    /// IAM principal ARNs (wildcards allowed) that may still read an S3 object quarantined for
    /// malware; nobody else can.
    pub quarantine_readers: Vec<String>,
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
            quarantine_readers: Vec::new(),
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
        if let Some(r) = self
            .quarantine_readers
            .iter()
            .find(|r| !r.starts_with("arn:"))
        {
            return Err(format!(
                "quarantineReaders has {r:?}; use IAM principal ARNs (wildcards allowed)"
            ));
        }
        Ok(())
    }
}

impl RuleRange {
    /// How many rule numbers the range holds.
    pub(crate) fn size(self) -> usize {
        usize::try_from(self.last - self.first + 1).unwrap_or(0)
    }
}

/// The role the responder assumes in a finding's account when that is not its own (GuardDuty
/// administrator accounts receive every member's findings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRole {
    /// The role's name, the same in every member account.
    pub name: String,
    /// The external id the role's trust policy requires.
    pub external_id: String,
}

impl MemberRole {
    /// From the two variables: neither (no member role), or both, well formed.
    fn from_parts(
        name: Option<String>,
        external_id: Option<String>,
    ) -> Result<Option<Self>, String> {
        let valid = |s: &str, extra: &str, max: usize| {
            (2..=max).contains(&s.len())
                && s.chars().all(|c| {
                    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c)
                })
        };
        match (name, external_id) {
            (None, None) => Ok(None),
            (Some(name), Some(external_id)) => {
                if !valid(&name, "", 64) {
                    return Err(format!(
                        "VIGIL_GUARDDUTY_MEMBER_ROLE {name:?} is not an IAM role name (2-64 of letters, digits, _+=,.@-)"
                    ));
                }
                if !valid(&external_id, ":/", 1224) {
                    return Err(
                        "VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID must be 2-1224 of letters, digits, _+=,.@:/-".into(),
                    );
                }
                Ok(Some(MemberRole { name, external_id }))
            }
            (Some(_), None) => Err(
                "VIGIL_GUARDDUTY_MEMBER_ROLE is set without VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID; the member role is assumed only with an external id".into(),
            ),
            (None, Some(_)) => Err(
                "VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID is set without VIGIL_GUARDDUTY_MEMBER_ROLE".into(),
            ),
        }
    }
}

/// Where the record of each response is kept, by default.
pub const DEFAULT_RECORD_PREFIX: &str = "/vigil/guardduty-responder/responses";

/// Everything the function is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    pub response: ResponseSettings,
    /// The role to assume in other accounts; `None`: findings of other accounts are only
    /// alerted about.
    pub member_role: Option<MemberRole>,
    /// ARN patterns of the stack's own roles and users: never acted on.
    pub own_principals: Vec<String>,
    /// SSM path of the response records.
    pub record_prefix: String,
    /// Parameter Store path of the state shared with detector-guard; `None`: no drill receipts.
    pub state_prefix: Option<String>,
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
        let invalid = |problem: String| ConfigError::Invalid {
            parameter: "environment".into(),
            problem,
        };
        let member_role = MemberRole::from_parts(
            env.get("VIGIL_GUARDDUTY_MEMBER_ROLE"),
            env.get("VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID"),
        )
        .map_err(invalid)?;
        let own_principals = env.list("VIGIL_OWN_PRINCIPALS").unwrap_or_default();
        if let Some(p) = own_principals.iter().find(|p| !p.starts_with("arn:")) {
            return Err(invalid(format!(
                "VIGIL_OWN_PRINCIPALS has {p:?}; use IAM role or user ARNs (wildcards allowed)"
            )));
        }
        let record_prefix = env
            .get("VIGIL_GUARDDUTY_RECORD_PREFIX")
            .unwrap_or_else(|| DEFAULT_RECORD_PREFIX.to_owned());
        if !record_prefix.starts_with('/') || record_prefix.ends_with('/') {
            return Err(invalid(format!(
                "VIGIL_GUARDDUTY_RECORD_PREFIX {record_prefix:?}; use an SSM path such as {DEFAULT_RECORD_PREFIX}"
            )));
        }
        let state_prefix = vigil::state::prefix_from_env(&env).map_err(invalid)?;
        let response = ResponseSettings::load(sdk, parameter.as_deref()).await?;
        Ok(Config {
            common,
            response,
            member_role,
            own_principals,
            record_prefix,
            state_prefix,
        })
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
        assert_eq!(config.member_role, None, "other accounts: alert only");
        assert!(config.own_principals.is_empty());
        assert_eq!(config.record_prefix, DEFAULT_RECORD_PREFIX);
        assert_eq!(config.state_prefix, None, "no drill receipts");
    }

    #[tokio::test]
    async fn the_member_role_comes_with_its_external_id_or_not_at_all() {
        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let config = Config::load(
            &sdk,
            vigil::config::lookup_in(&[
                ("VIGIL_GUARDDUTY_MEMBER_ROLE", "vigil-guardduty-member"),
                ("VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID", "vigil-7f3a"),
                (
                    "VIGIL_OWN_PRINCIPALS",
                    "arn:aws:iam::123456789012:role/vigil-*, arn:aws:iam::123456789012:role/x",
                ),
                ("VIGIL_STATE_PREFIX", "/vigil/state/"),
            ]),
        )
        .await
        .unwrap();
        assert_eq!(
            config.member_role,
            Some(MemberRole {
                name: "vigil-guardduty-member".into(),
                external_id: "vigil-7f3a".into()
            })
        );
        assert_eq!(config.own_principals.len(), 2);
        assert_eq!(config.state_prefix.as_deref(), Some("/vigil/state"));
        for (pairs, expected) in [
            (
                vec![
                    ("VIGIL_GUARDDUTY_MEMBER_ROLE", "r"),
                    ("VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID", "x1"),
                ],
                "MEMBER_ROLE \"r\" is not an IAM role name",
            ),
            (
                vec![("VIGIL_GUARDDUTY_MEMBER_ROLE", "role")],
                "without VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID",
            ),
            (
                vec![("VIGIL_GUARDDUTY_MEMBER_EXTERNAL_ID", "x1")],
                "without VIGIL_GUARDDUTY_MEMBER_ROLE",
            ),
            (
                vec![("VIGIL_OWN_PRINCIPALS", "vigil-*")],
                "VIGIL_OWN_PRINCIPALS",
            ),
            (
                vec![("VIGIL_GUARDDUTY_RECORD_PREFIX", "records")],
                "VIGIL_GUARDDUTY_RECORD_PREFIX",
            ),
            (vec![("VIGIL_STATE_PREFIX", "state")], "VIGIL_STATE_PREFIX"),
        ] {
            let err = Config::load(&sdk, vigil::config::lookup_in(&pairs))
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }
}
