//! `report.html`: one self-contained page (inline CSS, bar charts as plain HTML, a small script
//! for the filter; nothing loaded from the network), rendered with minijinja from the template
//! beside this file. Values are HTML-escaped by the engine.
//!
//! The page stays small and quick to open at any account size: counts, what changed and the
//! failures come first as HTML; passing results (most of a large account's findings) are one
//! compact JSON array, turned into table rows by the page's script only when the filter asks
//! for them, and each check's title and remediation are written once, not per row.

use minijinja::{AutoEscape, Environment, context};
use serde_json::{Value, json};

use super::changes::Changes;
use super::{Counts, Regression};
use crate::checks::Status;
use crate::checks::catalogue;
use crate::checks::finding::Muting;
use crate::facts::{GLOBAL, Service};
use crate::sweep::Outcome;

const TEMPLATE: &str = include_str!("report.html.j2");
/// One row of the findings table.
const ROW: &str = include_str!("report-row.html.j2");
/// Where the rows go in [`TEMPLATE`].
const ROWS: &str = "{#- rows: report-row.html.j2, once per finding (report/html.rs) -#}";
/// Where the passing results go in [`TEMPLATE`] (written as JSON by [`render`] itself).
const PASSES: &str = "{{ passes | safe }}";

/// Writes the page of `outcome` to `out`, from the matrix ([`super::matrix`]) and per-area
/// counts ([`super::areas`]) the bundle computed once for its other files.
pub(crate) fn render<W: std::io::Write>(
    out: &mut W,
    outcome: &Outcome,
    regressions: &[Regression],
    changes: &Changes,
    matrix: &Value,
    areas: &[(Service, Counts)],
) -> Result<(), String> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    let (head, tail) = TEMPLATE
        .split_once(ROWS)
        .ok_or("report template: no findings rows marker")?;
    let (tail, end) = tail
        .split_once(PASSES)
        .ok_or("report template: no passing results marker")?;
    for (name, text) in [("head", head), ("row", ROW), ("tail", tail), ("end", end)] {
        env.add_template(name, text)
            .map_err(|e| format!("report template {name}: {e}"))?;
    }
    let area_rows: Vec<Value> = areas
        .iter()
        .filter(|(_, c)| *c != Counts::default())
        .map(|(s, c)| {
            let total = (c.pass + c.fail + c.error + c.not_applicable + c.muted).max(1) as f64;
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
    // "global" is where account-wide services (IAM, S3's account settings) are swept, not a
    // Region: the header says them apart.
    let regions: std::collections::BTreeSet<&str> = outcome
        .shards
        .iter()
        .map(|s| s.region.as_str())
        .filter(|r| *r != GLOBAL)
        .collect();
    let account_wide = outcome.shards.iter().any(|s| s.region == GLOBAL);
    let page = context! {
        account => outcome.account,
        run_id => outcome.run_id,
        started_at => outcome.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        finished_at => outcome.finished_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        regions => regions,
        account_wide => account_wide,
        api_calls => outcome.api_calls(),
        totals => Counts::of(&outcome.findings),
        regressions => regressions,
        changes => changes,
        change_counts => changes.counts(),
        credential_report_generated_at => outcome.credential_report_generated_at.map(|t| t.to_rfc3339()),
        areas => area_rows,
        frameworks => frameworks,
    };
    // The page is written straight to `out`, the findings table a row at a time: no copy of
    // every finding is built for the template, and the page is never held whole.
    let render = |name: &str, ctx: minijinja::Value, out: &mut W| {
        env.get_template(name)
            .and_then(|t| t.render_captured_to(ctx, out).map(drop))
            .map_err(|e| format!("render {name}: {e}"))
    };
    render("head", page.clone(), out)?;
    let mut passes: Vec<[&str; 4]> = Vec::new();
    for f in &outcome.findings {
        if f.status == Status::Pass {
            passes.push([f.check.as_str(), &f.resource, &f.region, &f.detail]);
            continue;
        }
        let c = catalogue::get(f.check);
        let row = Row {
            status: f.status,
            check: f.check.as_str(),
            title: c.title,
            severity: c.severity.to_string(),
            area: c.service,
            resource: &f.resource,
            region: &f.region,
            detail: &f.detail,
            remediation: c.remediation,
            muted: f.muted.as_ref(),
        };
        render("row", context! { f => row }, out)?;
    }
    let checks: std::collections::BTreeMap<&str, [String; 3]> = outcome
        .findings
        .iter()
        .filter(|f| f.status == Status::Pass)
        .map(|f| {
            let c = catalogue::get(f.check);
            (
                f.check.as_str(),
                [
                    c.title.to_owned(),
                    c.severity.to_string(),
                    c.service.to_string(),
                ],
            )
        })
        .collect();
    render("tail", page, out)?;
    script_json(
        out,
        &Passes {
            checks,
            rows: passes,
        },
    )
    .map_err(|e| format!("render passes: {e}"))?;
    render("end", context! {}, out)
}

/// The passing results, as the page's script reads them.
#[derive(serde::Serialize)]
struct Passes<'a> {
    checks: std::collections::BTreeMap<&'a str, [String; 3]>,
    rows: Vec<[&'a str; 4]>,
}

/// Writes `v` as JSON to put inside a `<script type="application/json">`: `<` escaped, so no
/// text can close the element (JSON allows `\u003c` wherever `<` can be, which is only inside
/// strings). Serialised straight to `out`: no copy of every passing result is made.
fn script_json(out: &mut impl std::io::Write, v: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(LtEscaped(out), v).map_err(std::io::Error::other)
}

/// Passes bytes on to the writer inside, each `<` as `\u003c`.
struct LtEscaped<W>(W);

impl<W: std::io::Write> std::io::Write for LtEscaped<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for (i, part) in buf.split(|b| *b == b'<').enumerate() {
            if i > 0 {
                self.0.write_all(b"\\u003c")?;
            }
            self.0.write_all(part)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// One finding as the row template reads it (borrowed from the finding and its row).
#[derive(serde::Serialize)]
struct Row<'a> {
    status: Status,
    check: &'a str,
    title: &'a str,
    severity: String,
    area: Service,
    resource: &'a str,
    region: &'a str,
    detail: &'a str,
    remediation: &'a str,
    muted: Option<&'a Muting>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ids::{KMS_01, KMS_04};
    use crate::checks::{Finding, ResourceType, Subject};
    use crate::facts::Shard;
    use chrono::Utc;

    /// The page of `o` with no previous run.
    fn rendered(o: &Outcome) -> String {
        let mut out = Vec::new();
        render(
            &mut out,
            o,
            &[],
            &Changes::default(),
            &crate::report::matrix(&o.findings),
            &crate::report::areas(&o.findings),
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn page_is_self_contained_escaped_and_lists_failures_with_remediation() {
        let key = |arn: &str| Subject::new(ResourceType::AwsKmsKey, arn).in_region("us-east-1");
        let outcome = Outcome {
            run_id: "r1".into(),
            account: "111122223333".into(),
            started_at: Utc::now(),
            finished_at: Utc::now(),
            shards: vec![
                Shard::new("us-east-1", Service::Kms),
                Shard::new(GLOBAL, Service::S3),
            ],
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
        let html = rendered(&outcome);
        assert!(html.contains("&lt;script&gt;"), "resource text is escaped");
        assert!(
            html.contains("Regions: us-east-1 (and account-wide services) ·"),
            "global is not listed as a Region"
        );
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

    #[test]
    fn passes_are_data_drawn_on_demand_and_cost_little_per_finding() {
        let key = |arn: String| Subject::new(ResourceType::AwsKmsKey, arn).in_region("us-east-1");
        let findings: Vec<Finding> = (0..2000)
            .map(|i| {
                KMS_04
                    .on(&key(format!("arn:aws:kms:us-east-1:1:key/k{i}</script>")))
                    .pass("the key is enabled")
            })
            .chain([KMS_01
                .on(&key("arn:aws:kms:us-east-1:1:key/bad".into()))
                .fail("automatic rotation is off")])
            .collect();
        let outcome = Outcome {
            run_id: "r1".into(),
            account: "111122223333".into(),
            started_at: Utc::now(),
            finished_at: Utc::now(),
            shards: vec![Shard::new("us-east-1", Service::Kms)],
            findings,
            calls_by_operation: Default::default(),
            credential_report_generated_at: None,
            mute_list: None,
        };
        let empty = Outcome {
            findings: outcome.findings[2000..].to_vec(),
            ..outcome.clone()
        };
        let page = rendered;
        let html = page(&outcome);
        assert!(
            !html.contains(r#"<tr data-status="PASS""#),
            "no pass rows in HTML"
        );
        assert_eq!(html.matches(r#"<tr data-status="FAIL""#).count(), 1);
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "a resource cannot close the data element"
        );
        assert!(html.contains(r"k0\u003c/script>"));
        let per_pass = (html.len() - page(&empty).len()) / 2000;
        assert!(per_pass < 120, "{per_pass} bytes per passing finding");
    }
}
