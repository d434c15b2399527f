//! IAM Access Analyzer per Region: its analyzers (ListAnalyzers, every page) and, per analyzer,
//! whether it has ACTIVE findings (ListFindingsV2 filtered on status ACTIVE, first page only:
//! "has active findings" needs no more, and an analyzer can hold thousands).
//!
//! ListFindingsV2 rather than ListFindings: the first serves every analyzer type; ListFindings
//! answers only external-access analyzers (AWS refuses it for unused-access and internal-access
//! ones with a ValidationException, which Prowler 5.46.0 logs and then reports as "no findings").

use aws_sdk_accessanalyzer::types::Criterion;

use super::api;
use crate::facts::{ActiveFindings, Analyzer, Fetched};

/// How many ACTIVE findings the one ListFindingsV2 call asks for.
pub(crate) const FINDINGS_PAGE: i32 = 100;

/// A value the SDK filled in for a field the answer left out reads as empty: `None` then.
fn given(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// ListAnalyzers, every page.
pub(crate) async fn analyzers(client: &aws_sdk_accessanalyzer::Client) -> Fetched<Vec<Analyzer>> {
    let listed = client
        .list_analyzers()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("access-analyzer:ListAnalyzers", e))?;
    Ok(listed
        .into_iter()
        .map(|a| Analyzer {
            kind: given(a.r#type.as_str()),
            status: given(a.status.as_str()),
            arn: a.arn,
            name: a.name,
            active_findings: None,
        })
        .collect())
}

/// The first page of the analyzer's ACTIVE findings (ListFindingsV2, status = ACTIVE).
pub(crate) async fn active_findings(
    client: &aws_sdk_accessanalyzer::Client,
    analyzer_arn: &str,
) -> Fetched<ActiveFindings> {
    let out = client
        .list_findings_v2()
        .analyzer_arn(analyzer_arn)
        .filter("status", Criterion::builder().eq("ACTIVE").build())
        .max_results(FINDINGS_PAGE)
        .send()
        .await
        .map_err(|e| api("access-analyzer:ListFindingsV2", e))?;
    Ok(ActiveFindings {
        count: out.findings.len(),
        more: out.next_token.is_some_and(|t| !t.is_empty()),
    })
}
