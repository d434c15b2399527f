//! EventBridge: the default bus's rules (ListRules), whether a pattern matches an event
//! (TestEventPattern: EventBridge's own answer, not a matcher of ours, as detector-guard's
//! drill asks it) and a rule's targets (ListTargetsByRule). EventBridge has no paginators for
//! these: the `NextToken` loops are here.

use aws_sdk_eventbridge::types::RuleState;

use super::api;
use crate::facts::{EventRule, Fetched};

/// The rules of the default event bus, where GuardDuty sends findings (no targets yet).
pub(crate) async fn rules(client: &aws_sdk_eventbridge::Client) -> Fetched<Vec<EventRule>> {
    let mut rules = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_rules()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| api("events:ListRules", e))?;
        for r in out.rules.unwrap_or_default() {
            rules.push(EventRule {
                name: r.name.unwrap_or_default(),
                enabled: matches!(
                    r.state,
                    Some(RuleState::Enabled | RuleState::EnabledWithAllCloudtrailManagementEvents)
                ),
                pattern: r.event_pattern.filter(|p| !p.trim().is_empty()),
                matches: None,
                targets: None,
            });
        }
        token = out.next_token;
        if token.is_none() {
            return Ok(rules);
        }
    }
}

/// Whether `pattern` matches `event` (a whole EventBridge event, as JSON text).
pub(crate) async fn matches(
    client: &aws_sdk_eventbridge::Client,
    pattern: &str,
    event: &str,
) -> Fetched<bool> {
    client
        .test_event_pattern()
        .event_pattern(pattern)
        .event(event)
        .send()
        .await
        .map(|o| o.result())
        .map_err(|e| api("events:TestEventPattern", e))
}

/// The ARNs the rule `rule` of the default bus delivers to.
pub(crate) async fn targets(
    client: &aws_sdk_eventbridge::Client,
    rule: &str,
) -> Fetched<Vec<String>> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_targets_by_rule()
            .rule(rule)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| api("events:ListTargetsByRule", e))?;
        arns.extend(out.targets.unwrap_or_default().into_iter().map(|t| t.arn));
        token = out.next_token;
        if token.is_none() {
            return Ok(arns);
        }
    }
}
