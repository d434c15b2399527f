//! The alerts a run sends: one for regressions, one for checks that could not be evaluated,
//! nothing when neither happened; and the alert of a failed invocation.

use std::collections::BTreeMap;

use serde_json::Value;
use vigil::alert::{Alert, Severity};

use super::changes::Changes;
use super::{FUNCTION, Regression};
use crate::checks::Status;
use crate::error::Error;
use crate::sweep::Outcome;

/// Who retries a failed invocation.
const RETRY: &str =
    "the next nightly run, or Lambda's retry of the asynchronous invocation, tries again";

/// How many regressions or failing operations an alert lists; the rest are in summary.json.
const LISTED: usize = 20;

/// How many of the worst new FAILs and ERRORs the digest in an alert names.
const WORST: usize = 5;

/// One alert for regressions, one for ERRORs; none when neither happened.
pub(crate) fn of_run(
    outcome: &Outcome,
    regressions: &[Regression],
    changes: &Changes,
    location: &str,
) -> Vec<Alert> {
    let mut alerts = Vec::new();
    // Each alert carries the digest of what changed: counts and the worst new items, never
    // the whole report (that is summary.json and report.html).
    let digest = |mut a: Alert| {
        if let Some(previous) = &changes.previous_run {
            a = a.fact(
                format!("since run {previous}"),
                changes.counts().to_string(),
            );
            for c in changes.new_fail.iter().take(WORST) {
                a = a.fact(
                    format!("new FAIL {} {} {}", c.severity, c.check, c.region),
                    c.resource.clone(),
                );
            }
            for c in changes.new_error.iter().take(WORST) {
                a = a.fact(
                    format!("new ERROR {} {}", c.check, c.region),
                    c.resource.clone(),
                );
            }
        }
        a
    };
    if !regressions.is_empty() {
        let mut a = Alert::new(
            Severity::High,
            FUNCTION,
            format!(
                "{} compliance regression(s) in account {}",
                regressions.len(),
                outcome.account
            ),
        )
        .fact("run", outcome.run_id.clone())
        .fact("evidence", location)
        .attribute("kind", "regression");
        for r in regressions.iter().take(LISTED) {
            a = a.fact(
                format!("{} {}", r.check, r.region),
                format!("{}: {}", r.resource, r.detail),
            );
        }
        if regressions.len() > LISTED {
            a = a.fact(
                "more",
                format!("{} more in summary.json", regressions.len() - LISTED),
            );
        }
        alerts.push(digest(a));
    }
    if let Some(m) = outcome.mute_list.as_ref().filter(|m| !m.expired.is_empty()) {
        let mut a = Alert::new(
            Severity::Medium,
            FUNCTION,
            format!(
                "{} mute-list entr{} expired in account {}: their findings count again",
                m.expired.len(),
                if m.expired.len() == 1 { "y" } else { "ies" },
                outcome.account
            ),
        )
        .fact("mute list", m.location.clone())
        .fact("run", outcome.run_id.clone())
        .attribute("kind", "mute-expired");
        for e in m.expired.iter().take(LISTED) {
            a = a.fact(
                format!("entry {} ({})", e.entry, e.check),
                format!(
                    "{} - owner {}, expired after {}: {}",
                    e.resource, e.owner, e.expires, e.reason
                ),
            );
        }
        alerts.push(a);
    }
    let errors: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    if !errors.is_empty() {
        let mut by_op: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for f in &errors {
            let (op, msg) = f
                .error
                .as_ref()
                .map_or(("unknown".to_owned(), f.detail.clone()), |e| {
                    (e.operation.clone(), e.to_string())
                });
            let entry = by_op.entry(op).or_insert((0, msg));
            entry.0 += 1;
        }
        let mut a = Alert::new(
            Severity::Medium,
            FUNCTION,
            format!(
                "{} check(s) could not be evaluated in account {}",
                errors.len(),
                outcome.account
            ),
        )
        .fact("run", outcome.run_id.clone())
        .fact("evidence", location)
        .fact(
            "what to do",
            "an ERROR is never a pass: grant the sweep role the missing permission or fix the call named below",
        )
        .attribute("kind", "error");
        for (op, (n, msg)) in by_op.iter().take(LISTED) {
            a = a.fact(op.clone(), format!("{n} finding(s); {msg}"));
        }
        alerts.push(digest(a));
    }
    alerts
}

/// The alert of an invocation that failed as a whole: no evidence was sealed for `request`.
pub(crate) fn invocation_failed(error: &Error, request: &Value) -> Alert {
    let action = request
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("sweep (schedule)");
    let mut alert = vigil::error::invocation_failed(
        FUNCTION,
        "compliance sweep did not complete",
        error,
        RETRY,
    )
    .fact("request", action);
    if let Some(run_id) = request.get("run_id").and_then(Value::as_str) {
        alert = alert.fact("run", run_id);
    }
    alert.fact(
        "evidence",
        "none sealed by this invocation; the last sealed run stays the latest",
    )
}

/// One alert when Security Hub did not take every finding: how many, why, and the first of
/// them by id (the evidence bundle holds them all; the next run sends them again).
pub(crate) fn security_hub(exported: &super::asff::Exported, run_id: &str) -> Option<Alert> {
    if exported.failed_count == 0 {
        return None;
    }
    let mut a = Alert::new(
        Severity::Medium,
        FUNCTION,
        format!(
            "{} finding(s) of run {run_id} did not reach Security Hub",
            exported.failed_count
        ),
    )
    .fact("product", exported.product_arn.clone())
    .fact(
        "sent",
        format!(
            "{} imported ({} archived), {} workflow updates, {} call(s)",
            exported.imported, exported.archived, exported.workflow_updated, exported.calls
        ),
    )
    .fact(
        "what to do",
        exported.error.clone().unwrap_or_else(|| {
            "Security Hub rejected these after retries; the next run sends them again, and the evidence bundle holds every finding".to_owned()
        }),
    )
    .attribute("kind", "security-hub");
    for r in exported.failed.iter().take(LISTED) {
        a = a.fact(r.id.clone(), format!("{} {}", r.code, r.message));
    }
    if exported.failed_count > LISTED {
        a = a.fact(
            "more",
            format!(
                "{} more in this invocation's log",
                exported.failed_count - LISTED
            ),
        );
    }
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failure_alert_says_who_retries_and_what_was_asked() {
        let alert = invocation_failed(
            &Error::Deadline("3 shard(s)".into()),
            &json!({"action": "merge", "run_id": "r1"}),
        );
        assert_eq!(alert.severity, Severity::Medium);
        let body = alert.body();
        assert!(body.contains(RETRY), "{body}");
        assert!(body.contains("merge") && body.contains("r1"), "{body}");
        let alert = invocation_failed(&Error::BadRequest("no action".into()), &json!({}));
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.body().contains("sweep (schedule)"));
    }
}
