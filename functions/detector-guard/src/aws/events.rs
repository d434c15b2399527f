//! EventBridge: the default bus's rules, whether a rule's pattern matches an event
//! (`TestEventPattern`, so the answer is EventBridge's own, not a matcher of ours), and a
//! rule's targets. EventBridge has no paginators for these: the `NextToken` loops are here.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::RuleState;
use vigil::aws::AwsCallError;

#[derive(Debug, Clone)]
pub(crate) struct Events {
    client: Client,
}

/// A rule as `ListRules` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) name: String,
    /// ENABLED, or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
    pub(crate) enabled: bool,
    pub(crate) pattern: Option<String>,
}

impl Events {
    pub(crate) fn new(client: Client) -> Self {
        Events { client }
    }

    /// The rules of the default bus (where GuardDuty sends findings).
    pub(crate) async fn rules(&self) -> Result<Vec<Rule>, AwsCallError> {
        let mut rules = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_rules()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsCallError::new("events:ListRules", e))?;
            for r in out.rules.unwrap_or_default() {
                rules.push(Rule {
                    name: r.name.unwrap_or_default(),
                    enabled: matches!(
                        r.state,
                        Some(
                            RuleState::Enabled
                                | RuleState::EnabledWithAllCloudtrailManagementEvents
                        )
                    ),
                    pattern: r.event_pattern.filter(|p| !p.trim().is_empty()),
                });
            }
            token = out.next_token;
            if token.is_none() {
                return Ok(rules);
            }
        }
    }

    /// Whether `pattern` matches `event` (a full EventBridge event, as JSON text).
    pub(crate) async fn matches(&self, pattern: &str, event: &str) -> Result<bool, AwsCallError> {
        let out = self
            .client
            .test_event_pattern()
            .event_pattern(pattern)
            .event(event)
            .send()
            .await
            .map_err(|e| AwsCallError::new("events:TestEventPattern", e))?;
        Ok(out.result())
    }

    /// The ARNs a rule delivers to.
    pub(crate) async fn targets(&self, rule: &str) -> Result<Vec<String>, AwsCallError> {
        let mut arns = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_targets_by_rule()
                .rule(rule)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsCallError::new("events:ListTargetsByRule", e))?;
            arns.extend(out.targets.unwrap_or_default().into_iter().map(|t| t.arn));
            token = out.next_token;
            if token.is_none() {
                return Ok(arns);
            }
        }
    }
}
