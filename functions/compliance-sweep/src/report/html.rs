//! `report.html`: one self-contained page (inline CSS, bar charts as plain HTML, a small script
//! for the filter; nothing loaded from the network), rendered with minijinja from the template
//! beside this file. Values are HTML-escaped by the engine.

use minijinja::{AutoEscape, Environment, context};
use serde_json::{Value, json};

use super::{Counts, Regression};
use crate::checks::Status;
use crate::checks::catalogue;
use crate::facts::Service;
use crate::sweep::Outcome;

const TEMPLATE: &str = include_str!("report.html.j2");

/// The page of `outcome`, from the matrix ([`super::matrix`]) and per-area counts
/// ([`super::areas`]) the bundle computed once for its other files.
pub(crate) fn render(
    outcome: &Outcome,
    regressions: &[Regression],
    matrix: &Value,
    areas: &[(Service, Counts)],
) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| format!("report template: {e}"))?;
    let area_rows: Vec<Value> = areas
        .iter()
        .filter(|(_, c)| *c != Counts::default())
        .map(|(s, c)| {
            let total = (c.pass + c.fail + c.error + c.not_applicable).max(1) as f64;
            let part = |status: Status, n: usize| json!({"status": status, "count": n, "width": ((n as f64) * 1000.0 / total).round() / 10.0});
            json!({
                "id": s,
                "title": s.title(),
                "counts": c,
                "parts": [part(Status::Pass, c.pass), part(Status::Fail, c.fail), part(Status::Error, c.error), part(Status::NotApplicable, c.not_applicable), part(Status::Muted, c.muted)],
            })
        })
        .collect();
    let frameworks: Vec<Value> = [
        ("Seed phases", "seed-phases"),
        ("CIS AWS Foundations v3.0.0", "cis-aws-foundations-v3.0.0"),
        ("CIS AWS Foundations v4.0.1", "cis-aws-foundations-v4.0.1"),
        ("CIS AWS Foundations v7.0.0", "cis-aws-foundations-v7.0.0"),
    ]
    .into_iter()
    .map(|(name, key)| {
        let controls = matrix[key].clone();
        let failing = controls
            .as_array()
            .map_or(0, |a| a.iter().filter(|c| c["status"] == "FAIL").count());
        json!({"name": name, "controls": controls, "failing": failing})
    })
    .collect();
    let findings: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| {
            let c = catalogue::get(f.check);
            json!({
                "status": f.status,
                "check": f.check,
                "title": c.title,
                "severity": c.severity.to_string(),
                "area": c.service,
                "resource": f.resource,
                "region": f.region,
                "detail": f.detail,
                "remediation": c.remediation,
                "muted": f.muted,
            })
        })
        .collect();
    let regions: std::collections::BTreeSet<&str> =
        outcome.shards.iter().map(|s| s.region.as_str()).collect();
    env.get_template("report.html")
        .and_then(|t| {
            t.render(context! {
                account => outcome.account,
                run_id => outcome.run_id,
                started_at => outcome.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                finished_at => outcome.finished_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                regions => regions,
                api_calls => outcome.api_calls(),
                totals => Counts::of(&outcome.findings),
                regressions => regressions,
                credential_report_generated_at => outcome.credential_report_generated_at.map(|t| t.to_rfc3339()),
                areas => area_rows,
                frameworks => frameworks,
                findings => findings,
            })
        })
        .map_err(|e| format!("render report.html: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ids::{KMS_01, KMS_04};
    use crate::checks::{ResourceType, Subject};
    use crate::facts::Shard;
    use chrono::Utc;

    #[test]
    fn page_is_self_contained_escaped_and_lists_failures_with_remediation() {
        let key = |arn: &str| Subject::new(ResourceType::AwsKmsKey, arn).in_region("us-east-1");
        let outcome = Outcome {
            run_id: "r1".into(),
            account: "111122223333".into(),
            started_at: Utc::now(),
            finished_at: Utc::now(),
            shards: vec![Shard::new("us-east-1", Service::Kms)],
            findings: vec![
                KMS_01
                    .on(&key("arn:aws:kms:us-east-1:1:key/<script>"))
                    .fail("automatic rotation is off"),
                KMS_04.on(&key("arn:aws:kms:us-east-1:1:key/a")).pass("ok"),
            ],
            calls_by_operation: [("kms:ListKeys".to_owned(), 7)].into(),
            credential_report_generated_at: None,
            mute_list: None,
        };
        let html = render(
            &outcome,
            &[],
            &crate::report::matrix(&outcome.findings),
            &crate::report::areas(&outcome.findings),
        )
        .unwrap();
        assert!(html.contains("&lt;script&gt;"), "resource text is escaped");
        assert_eq!(
            html.matches("<script>").count(),
            1,
            "only the page's own script"
        );
        assert!(html.contains("Fix: aws kms enable-key-rotation"));
        assert!(html.contains(r#"id="total-fail">1<"#));
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing loaded from the network"
        );
    }
}
