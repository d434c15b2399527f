//! Drill receipts: whether a sample finding is one that detector-guard's drill under way asked
//! for, and the receipt that proves it reached the responder and what became of its alert.
//! Pure; the state it reads and writes is `vigil::state::drill`, filed by
//! [`actions::drill`](crate::actions::drill).
//!
//! A drill cannot tag its samples (`CreateSampleFindings` takes no tag and returns no id), so
//! a sample belongs to the drill under way when the drill asked for its type and is not yet
//! settled. Receipts are only ever taken for sample findings: a real finding of a drilled type
//! is answered as usual and proves nothing about the drill.

use chrono::{DateTime, Duration, Utc};
use vigil::events::guardduty::Finding;
use vigil::state::drill::{Active, AlertResult, Receipt, receipt_key};

/// How long a receipt is kept after the drill's deadline: the scheduled check that settles
/// the drill may come late.
const KEPT_AFTER_DEADLINE: Duration = Duration::days(1);

/// What became of the finding's alert, from the report's two fields: published (the SNS
/// message id), failed (the error, whatever else was published after it), or only logged
/// because no topic is configured.
pub(crate) fn alert_result(message_id: Option<&str>, error: Option<&str>) -> AlertResult {
    match (message_id, error) {
        (_, Some(error)) => AlertResult::Failed {
            error: error.to_owned(),
        },
        (Some(id), None) => AlertResult::Sent {
            message_id: id.to_owned(),
        },
        (None, None) => AlertResult::NoTopic,
    }
}

/// The receipt to file for `finding`, and its key, when it is a sample of a type the drill
/// under way (`active`) asked for; `None` otherwise (not a sample, no drill, a type not asked
/// for, a settled drill).
pub(crate) fn receipt(
    finding: &Finding,
    active: Option<&Active>,
    alert: AlertResult,
    now: DateTime<Utc>,
) -> Option<(String, Receipt)> {
    if !finding.is_sample() {
        return None;
    }
    let drill = active.filter(|a| a.expects(&finding.kind))?;
    Some((
        receipt_key(&drill.id, &finding.kind),
        Receipt {
            drill_id: drill.id.clone(),
            finding_id: finding.id.clone(),
            finding_type: finding.kind.clone(),
            finding_updated_at: finding.updated_at,
            received_at: now,
            alert,
        },
    ))
}

/// How long a receipt is kept: until a day after the drill's deadline (at least a day).
pub(crate) fn receipt_ttl(active: &Active, now: DateTime<Utc>) -> Duration {
    (active.deadline - now).max(Duration::zero()) + KEPT_AFTER_DEADLINE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::tests::finding;
    use serde_json::{Value, json};

    const TYPE: &str = "Recon:IAMUser/MaliciousIPCaller.Custom";

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    fn drill(types: &[&str], settled: bool) -> Active {
        Active {
            id: "drill-1".into(),
            types: types.iter().map(|t| t.to_string()).collect(),
            region: "us-east-1".into(),
            sent_at: at(0),
            deadline: at(30),
            detector_id: "det".into(),
            route: "rule r -> responder".into(),
            settled,
        }
    }

    fn sample(edits: &[(&str, Value)]) -> Finding {
        finding("sample-iam-maliciousipcaller", edits)
    }

    fn sent() -> AlertResult {
        AlertResult::Sent {
            message_id: "m-1".into(),
        }
    }

    #[test]
    fn a_sample_of_a_type_the_drill_asked_for_gets_a_receipt() {
        let f = sample(&[]);
        assert!(f.is_sample());
        let (key, receipt) = receipt(&f, Some(&drill(&[TYPE], false)), sent(), at(2)).unwrap();
        assert_eq!(key, receipt_key("drill-1", TYPE));
        assert_eq!(receipt.drill_id, "drill-1");
        assert_eq!(receipt.finding_id, f.id);
        assert_eq!(receipt.finding_type, TYPE);
        assert_eq!(receipt.finding_updated_at, f.updated_at);
        assert_eq!(receipt.received_at, at(2));
        assert_eq!(receipt.alert, sent());
    }

    #[test]
    fn no_receipt_without_a_drill_that_expects_this_sample() {
        let f = sample(&[]);
        assert_eq!(receipt(&f, None, sent(), at(2)), None, "no drill under way");
        assert_eq!(
            receipt(
                &f,
                Some(&drill(&["Backdoor:EC2/C&CActivity.B!DNS"], false)),
                sent(),
                at(2)
            ),
            None,
            "a type the drill did not ask for"
        );
        assert_eq!(
            receipt(&f, Some(&drill(&[TYPE], true)), sent(), at(2)),
            None,
            "a settled drill takes no more receipts"
        );
        for not_sample in [json!(false), json!("maybe"), Value::Null] {
            let real = sample(&[("/detail/service/additionalInfo/sample", not_sample.clone())]);
            assert!(!real.is_sample(), "{not_sample}");
            assert_eq!(
                receipt(&real, Some(&drill(&[TYPE], false)), sent(), at(2)),
                None,
                "only a sample finding proves a drill ({not_sample})"
            );
        }
    }

    #[test]
    fn the_alert_result_comes_from_the_report() {
        assert_eq!(alert_result(Some("m-1"), None), sent());
        assert_eq!(alert_result(None, None), AlertResult::NoTopic);
        assert_eq!(
            alert_result(Some("fallback"), Some("sns:Publish: too long")),
            AlertResult::Failed {
                error: "sns:Publish: too long".into()
            },
            "the finding's own alert failed, whatever came after"
        );
    }

    #[test]
    fn a_receipt_outlasts_the_drill_deadline_by_a_day() {
        let d = drill(&[TYPE], false);
        assert_eq!(
            receipt_ttl(&d, at(10)),
            Duration::minutes(20) + Duration::days(1)
        );
        assert_eq!(receipt_ttl(&d, at(90)), Duration::days(1));
    }
}
