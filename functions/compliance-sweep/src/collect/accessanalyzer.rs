//! IAM Access Analyzer per Region: ListAnalyzers (every page), then one ListFindingsV2 (status
//! ACTIVE, first page) per ACTIVE analyzer. Analyzers that are not ACTIVE analyse nothing, so
//! their findings are not asked for.

use futures::StreamExt;

use super::Collector;
use crate::aws::accessanalyzer;
use crate::facts::{AccessAnalyzerFacts, Analyzer, Service};

pub(super) async fn collect(c: &Collector, region: &str) -> AccessAnalyzerFacts {
    let client = c.region(region).access_analyzer.clone();
    let listed = c
        .limited(
            Service::AccessAnalyzer,
            region,
            accessanalyzer::analyzers(&client),
        )
        .await;
    let analyzers = match listed {
        Err(e) => Err(e),
        Ok(listed) => Ok(futures::stream::iter(listed)
            .map(|a| with_findings(c, region, &client, a))
            .buffered(c.width(Service::AccessAnalyzer))
            .collect::<Vec<Analyzer>>()
            .await),
    };
    AccessAnalyzerFacts {
        region: region.to_owned(),
        analyzers,
    }
}

/// `a` with its ACTIVE findings read, when it is ACTIVE.
async fn with_findings(
    c: &Collector,
    region: &str,
    client: &aws_sdk_accessanalyzer::Client,
    mut a: Analyzer,
) -> Analyzer {
    if a.status.as_deref() == Some("ACTIVE") {
        a.active_findings = Some(
            c.limited(
                Service::AccessAnalyzer,
                region,
                accessanalyzer::active_findings(client, &a.arn),
            )
            .await,
        );
    }
    a
}
