//! A drill's decisions, pure: does an enabled EventBridge rule route high-severity GuardDuty
//! findings to the responder, and how did a drill end (every sample received and alerted, or
//! where the chain broke)?

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil::state::drill::{Active, AlertResult, Leg, Outcome, Receipt};

use crate::facts::RouteFacts;

/// A link of the chain a drill proves, in order. Its serde name is the one the record, the
/// alert and the metrics use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Link {
    /// An enabled detector in the drill's Region.
    Detector,
    /// An enabled rule that sends High findings to the responder.
    Routing,
    /// GuardDuty accepting the request for samples.
    SampleFindings,
    /// Each sample reaching the responder in time.
    Delivery,
    /// The responder's alert reaching the topic.
    Alert,
}

serde_plain::derive_display_from_serialize!(Link);

/// The default severity of the drill's finding types (GuardDuty's finding-type pages); a
/// type not listed is probed as High's lower bound.
pub(crate) fn severity_of(finding_type: &str) -> f64 {
    match finding_type {
        "Backdoor:EC2/C&CActivity.B!DNS"
        | "CryptoCurrency:EC2/BitcoinTool.B!DNS"
        | "UnauthorizedAccess:EC2/TorClient"
        | "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"
        | "Exfiltration:S3/MaliciousIPCaller"
        | "Impact:S3/MaliciousIPCaller"
        | "Discovery:S3/MaliciousIPCaller" => 8.0,
        _ => 7.0,
    }
}

/// Whether the findings can reach the responder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `rule → target`, for the record.
    Found(String),
    Broken(String),
}

/// The first enabled rule that matches every probe (each drill type at its severity, and
/// severity 7) and delivers to `target` (any target when none is configured).
pub(crate) fn route(facts: &RouteFacts, target: Option<&str>) -> Route {
    let rules = match &facts.rules {
        Ok(rules) => rules,
        Err(e) => return Route::Broken(format!("the EventBridge rules could not be read: {e}")),
    };
    let matching: Vec<_> = rules
        .iter()
        .filter(|r| {
            r.enabled
                && r.matches
                    .as_ref()
                    .is_ok_and(|m| !m.is_empty() && m.iter().all(|x| *x))
        })
        .collect();
    for rule in &matching {
        if let Some(Ok(targets)) = &rule.targets {
            let hit = match target {
                Some(t) => targets.iter().find(|a| *a == t),
                None => targets.first(),
            };
            if let Some(hit) = hit {
                return Route::Found(format!("{} -> {hit}", rule.name));
            }
        }
    }
    if matching.is_empty() {
        let errors: Vec<String> = rules
            .iter()
            .filter_map(|r| r.matches.as_ref().err().map(|e| format!("{}: {e}", r.name)))
            .collect();
        let mut detail = "no enabled rule on the default event bus matches a High GuardDuty finding (each drill type at its severity, and severity 7)".to_owned();
        if !errors.is_empty() {
            detail.push_str(&format!(
                "; some rules could not be tested: {}",
                errors.join("; ")
            ));
        }
        return Route::Broken(detail);
    }
    Route::Broken(format!(
        "rule(s) {} match High GuardDuty findings but deliver to {}, not to {}",
        matching
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        matching
            .iter()
            .map(|r| match &r.targets {
                Some(Ok(t)) if !t.is_empty() => t.join(", "),
                Some(Err(e)) => format!("(targets unreadable: {e})"),
                _ => "no target".to_owned(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        target.unwrap_or("any target")
    ))
}

/// How a drill ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) outcome: Outcome,
    pub(crate) broken: Option<Link>,
    pub(crate) detail: String,
    pub(crate) legs: Vec<Leg>,
}

/// Each type's journey so far.
pub(crate) fn legs(active: &Active, receipts: &[Option<Receipt>]) -> Vec<Leg> {
    active
        .types
        .iter()
        .zip(receipts)
        .map(|(kind, receipt)| Leg {
            finding_type: kind.clone(),
            received_at: receipt.as_ref().map(|r| r.received_at),
            latency_seconds: receipt
                .as_ref()
                .map(|r| (r.received_at - active.sent_at).as_seconds_f64().max(0.0)),
            finding_id: receipt.as_ref().map(|r| r.finding_id.clone()),
            alert: receipt.as_ref().map(|r| r.alert.clone()),
        })
        .collect()
}

/// The drill's end, once every sample is in or the deadline has passed; `None` while it is
/// still under way.
pub(crate) fn settle(
    active: &Active,
    receipts: &[Option<Receipt>],
    now: DateTime<Utc>,
) -> Option<Verdict> {
    let legs = legs(active, receipts);
    let missing: Vec<&str> = legs
        .iter()
        .filter(|l| l.received_at.is_none())
        .map(|l| l.finding_type.as_str())
        .collect();
    if !missing.is_empty() {
        if now <= active.deadline {
            return None;
        }
        return Some(Verdict {
            outcome: Outcome::Failed,
            broken: Some(Link::Delivery),
            detail: format!(
                "{} of {} sample finding(s) did not reach the responder within {} s: {} (GuardDuty -> EventBridge -> {} -> responder)",
                missing.len(),
                legs.len(),
                (active.deadline - active.sent_at).num_seconds(),
                missing.join(", "),
                active.route
            ),
            legs,
        });
    }
    let failed: Vec<String> = legs
        .iter()
        .filter_map(|l| match &l.alert {
            Some(AlertResult::Failed { error }) => {
                Some(format!("{}: alert failed ({error})", l.finding_type))
            }
            Some(AlertResult::NoTopic) => Some(format!(
                "{}: no alert topic configured, alerts went only to the log",
                l.finding_type
            )),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        return Some(Verdict {
            outcome: Outcome::Failed,
            broken: Some(Link::Alert),
            detail: format!(
                "the responder received every sample, but its alert did not reach a person: {}",
                failed.join("; ")
            ),
            legs,
        });
    }
    let slowest = legs
        .iter()
        .filter_map(|l| l.latency_seconds)
        .fold(0.0_f64, f64::max);
    Some(Verdict {
        outcome: Outcome::Passed,
        broken: None,
        detail: format!(
            "every sample finding ({}) reached the responder through {} and its alert went out; slowest {slowest:.1} s",
            legs.len(),
            active.route
        ),
        legs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::RuleFacts;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn active() -> Active {
        Active {
            id: "d1".into(),
            types: vec!["A:EC2/x".into(), "B:S3/y".into()],
            region: "us-east-1".into(),
            sent_at: at(0),
            deadline: at(600),
            detector_id: "det".into(),
            route: "r -> responder".into(),
            settled: false,
        }
    }

    fn receipt(kind: &str, alert: AlertResult) -> Option<Receipt> {
        Some(Receipt {
            drill_id: "d1".into(),
            finding_id: format!("f-{kind}"),
            finding_type: kind.into(),
            finding_updated_at: None,
            received_at: at(30),
            alert,
        })
    }

    fn sent() -> AlertResult {
        AlertResult::Sent {
            message_id: "m".into(),
        }
    }

    #[test]
    fn a_drill_passes_waits_or_names_the_broken_link() {
        let a = active();
        let all = vec![receipt("A:EC2/x", sent()), receipt("B:S3/y", sent())];
        let v = settle(&a, &all, at(40)).unwrap();
        assert_eq!(v.outcome, Outcome::Passed);
        assert_eq!(v.legs[0].latency_seconds, Some(30.0));

        let half = vec![receipt("A:EC2/x", sent()), None];
        assert_eq!(settle(&a, &half, at(100)), None, "still under way");
        let late = settle(&a, &half, at(601)).unwrap();
        assert_eq!(late.broken, Some(Link::Delivery));
        assert!(late.detail.contains("B:S3/y"), "{}", late.detail);

        let unheard = vec![
            receipt("A:EC2/x", sent()),
            receipt(
                "B:S3/y",
                AlertResult::Failed {
                    error: "sns:Publish not found".into(),
                },
            ),
        ];
        let v = settle(&a, &unheard, at(40)).unwrap();
        assert_eq!(v.broken, Some(Link::Alert));
        assert!(v.detail.contains("sns:Publish not found"));
        assert_eq!(Link::SampleFindings.to_string(), "sample-findings");
    }

    #[test]
    fn a_rule_must_match_every_probe_and_deliver_to_the_responder() {
        let rule = |name: &str, enabled: bool, matches: Vec<bool>, targets: Vec<&str>| RuleFacts {
            name: name.into(),
            enabled,
            matches: Ok(matches),
            targets: Some(Ok(targets.into_iter().map(str::to_owned).collect())),
        };
        let facts = |rules| RouteFacts { rules: Ok(rules) };
        let responder = Some("arn:responder");
        assert_eq!(
            route(
                &facts(vec![rule(
                    "r",
                    true,
                    vec![true, true],
                    vec!["arn:responder"]
                )]),
                responder
            ),
            Route::Found("r -> arn:responder".into())
        );
        assert!(matches!(
            route(&facts(vec![rule("r", true, vec![true, false], vec!["arn:responder"])]), responder),
            Route::Broken(d) if d.contains("no enabled rule")
        ));
        assert!(matches!(
            route(&facts(vec![rule("r", true, vec![true, true], vec!["arn:other"])]), responder),
            Route::Broken(d) if d.contains("arn:other")
        ));
        assert!(matches!(
            route(
                &facts(vec![rule("r", true, vec![true, true], vec!["arn:other"])]),
                None
            ),
            Route::Found(_)
        ));
        assert!(matches!(route(&facts(vec![]), responder), Route::Broken(_)));
    }
}
