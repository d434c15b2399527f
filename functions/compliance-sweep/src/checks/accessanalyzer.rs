//! IAM Access Analyzer, per Region: an active external-access analyzer (AA-01) and no ACTIVE
//! findings on any active analyzer (AA-02).
//!
//! Where Vigil and Prowler 5.46.0 differ:
//! - AA-01 asks for an analyzer of type `ACCOUNT` or `ORGANIZATION`: the external-access
//!   analyzers, which are what CIS 1.20 / v7 2.18 and Security Hub IAM.28 ("IAM Access Analyzer
//!   external access analyzer should be enabled") require. Prowler passes any ACTIVE analyzer,
//!   so a Region whose only analyzer finds unused access (`ACCOUNT_UNUSED_ACCESS`) or internal
//!   access passes there although nothing watches for public or cross-account access.
//! - AA-01 is one verdict per Region (the Region is covered or it is not); Prowler reports each
//!   analyzer and fails a non-ACTIVE one even when an active one covers the Region. A Region
//!   with no active external-access analyzer fails here whatever else it has.
//! - AA-02 reads findings with ListFindingsV2, which serves every analyzer type; Prowler calls
//!   ListFindings, which AWS refuses for unused-access and internal-access analyzers, and
//!   reports those analyzers as having no findings.
//!
//! Only the first page of ACTIVE findings is read (`aws::accessanalyzer::FINDINGS_PAGE`): it
//! is enough to say "has active findings", and the detail says when there are more.

use super::ids::{AA_01, AA_02};
use super::{Ctx, Finding, ResourceType, Subject, errors};
use crate::facts::{AccessAnalyzerFacts, Analyzer, ApiError};

/// The analyzer types that look for external (public and cross-account) access.
const EXTERNAL: [&str; 2] = ["ACCOUNT", "ORGANIZATION"];

/// Analyzer `name` (`*`: the Region's analyzers) in `region`. ASFF has no analyzer type:
/// `Other`, the ARN says what it is.
fn analyzer(ctx: &Ctx, region: &str, name: &str) -> Subject {
    Subject::new(
        ResourceType::Other,
        format!(
            "arn:aws:access-analyzer:{region}:{}:analyzer/{name}",
            ctx.account
        ),
    )
    .in_region(region)
}

pub(crate) fn evaluate(f: &AccessAnalyzerFacts, ctx: &Ctx) -> Vec<Finding> {
    let region = analyzer(ctx, &f.region, "*");
    let analyzers = match &f.analyzers {
        Ok(a) => a,
        Err(e) => return errors(&[AA_01, AA_02], &region, e),
    };
    let mut out = vec![aa_01_enabled(analyzers, &region, &f.region)];
    out.extend(
        analyzers
            .iter()
            .filter_map(|a| aa_02_without_findings(a, &f.region)),
    );
    if !out.iter().any(|x| x.check == AA_02) {
        out.push(AA_02.on(&region).not_applicable(format!(
            "no active analyzer in {}: nothing reports findings (AA-01 says why)",
            f.region
        )));
    }
    out
}

/// One analyzer in a detail: `name (TYPE, STATUS)`.
fn describe(a: &Analyzer) -> String {
    format!(
        "{} ({}, {})",
        a.name,
        a.kind.as_deref().unwrap_or("type not given"),
        a.status.as_deref().unwrap_or("status not given")
    )
}

/// AA-01: an ACTIVE analyzer of type ACCOUNT or ORGANIZATION in the Region. Any other analyzer
/// (unused or internal access, not ACTIVE) does not count; an analyzer whose type or status
/// the answer left out makes it ERROR unless another one passes.
fn aa_01_enabled(analyzers: &[Analyzer], region: &Subject, name: &str) -> Finding {
    let verdict = AA_01.on(region);
    let external_active = |a: &&Analyzer| {
        a.status.as_deref() == Some("ACTIVE")
            && a.kind.as_deref().is_some_and(|k| EXTERNAL.contains(&k))
    };
    if let Some(a) = analyzers.iter().find(external_active) {
        return verdict.pass(format!(
            "external access analyzer {} is active in {name}",
            describe(a)
        ));
    }
    if let Some(a) = analyzers
        .iter()
        .find(|a| a.kind.is_none() || a.status.is_none())
    {
        return verdict.error(&ApiError::incomplete(
            "access-analyzer:ListAnalyzers",
            format!("the type or status of analyzer {}", a.name),
        ));
    }
    if analyzers.is_empty() {
        return verdict.fail(format!("no IAM Access Analyzer analyzer in {name}"));
    }
    verdict.fail(format!(
        "no active external access analyzer (type ACCOUNT or ORGANIZATION) in {name}; there is {}",
        analyzers
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// AA-02, on each ACTIVE analyzer: ListFindingsV2 with status ACTIVE returned none. An analyzer
/// whose status the answer left out is ERROR (it may be active); analyzers that are not
/// ACTIVE are not judged (`None`).
fn aa_02_without_findings(a: &Analyzer, region: &str) -> Option<Finding> {
    let verdict = AA_02.on(&Subject::new(ResourceType::Other, &a.arn).in_region(region));
    let found = match (a.status.as_deref(), &a.active_findings) {
        (None, _) => {
            return Some(verdict.error(&ApiError::incomplete(
                "access-analyzer:ListAnalyzers",
                format!("the status of analyzer {}", a.name),
            )));
        }
        (Some("ACTIVE"), None) => {
            return Some(verdict.error(&ApiError::not_collected(
                "access-analyzer:ListFindingsV2",
                format!("the findings of analyzer {} were not read", a.name),
            )));
        }
        (Some("ACTIVE"), Some(Err(e))) => return Some(verdict.error(e)),
        (Some("ACTIVE"), Some(Ok(found))) => found,
        (Some(_), _) => return None,
    };
    Some(if found.count == 0 {
        verdict.pass(format!("analyzer {} has no active findings", describe(a)))
    } else {
        verdict
            .fail(format!(
                "analyzer {} has {}{} active finding{}: access it reports that nobody archived or removed",
                describe(a),
                found.count,
                if found.more { " or more" } else { "" },
                if found.count == 1 && !found.more { "" } else { "s" }
            ))
            .with("active_findings", found.count)
            .with("more", found.more)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::{ActiveFindings, Fetched};

    const REGION: &str = "eu-west-1";

    fn arn(name: &str) -> String {
        format!("arn:aws:access-analyzer:{REGION}:111122223333:analyzer/{name}")
    }

    fn an(
        name: &str,
        kind: Option<&str>,
        status: Option<&str>,
        findings: Option<Fetched<ActiveFindings>>,
    ) -> Analyzer {
        Analyzer {
            arn: arn(name),
            name: name.into(),
            kind: kind.map(Into::into),
            status: status.map(Into::into),
            active_findings: findings,
        }
    }

    fn none() -> Option<Fetched<ActiveFindings>> {
        Some(Ok(ActiveFindings {
            count: 0,
            more: false,
        }))
    }

    fn run(analyzers: Fetched<Vec<Analyzer>>) -> Vec<Finding> {
        let t = Thresholds::default();
        evaluate(
            &AccessAnalyzerFacts {
                region: REGION.into(),
                analyzers,
            },
            &ctx(&t),
        )
    }

    #[test]
    fn an_active_account_analyzer_without_findings_passes_both() {
        let out = run(Ok(vec![an(
            "account",
            Some("ACCOUNT"),
            Some("ACTIVE"),
            none(),
        )]));
        assert_eq!(statuses(&out, "AA-01"), vec![(arn("*"), Pass)]);
        assert_eq!(statuses(&out, "AA-02"), vec![(arn("account"), Pass)]);
        assert_eq!(one(&out, "AA-01", &arn("*")).region, REGION);
        assert_eq!(
            one(&out, "AA-02", &arn("account")).resource_type,
            ResourceType::Other
        );
    }

    #[test]
    fn no_analyzer_fails_aa_01_and_leaves_aa_02_not_applicable() {
        let out = run(Ok(vec![]));
        assert_eq!(statuses(&out, "AA-01"), vec![(arn("*"), Fail)]);
        assert_eq!(statuses(&out, "AA-02"), vec![(arn("*"), NotApplicable)]);
    }

    /// Prowler passes any ACTIVE analyzer: a Region watched only for unused access passes
    /// there, although nothing looks for public or cross-account access (IAM.28 asks for an
    /// external access analyzer). Its active findings fail AA-02, which Prowler, reading them
    /// with ListFindings (refused for that type), reports as none.
    #[test]
    fn an_unused_access_analyzer_alone_fails_aa_01_and_its_findings_fail_aa_02() {
        let out = run(Ok(vec![an(
            "unused",
            Some("ACCOUNT_UNUSED_ACCESS"),
            Some("ACTIVE"),
            Some(Ok(ActiveFindings {
                count: 3,
                more: false,
            })),
        )]));
        let aa01 = one(&out, "AA-01", &arn("*"));
        assert_eq!(aa01.status, Fail);
        assert!(
            aa01.detail
                .contains("unused (ACCOUNT_UNUSED_ACCESS, ACTIVE)"),
            "{}",
            aa01.detail
        );
        let aa02 = one(&out, "AA-02", &arn("unused"));
        assert_eq!(aa02.status, Fail);
        assert!(aa02.detail.contains("3 active findings"), "{}", aa02.detail);
        assert_eq!(aa02.evidence["active_findings"], 3);
    }

    #[test]
    fn a_full_first_page_says_or_more() {
        let out = run(Ok(vec![an(
            "org",
            Some("ORGANIZATION"),
            Some("ACTIVE"),
            Some(Ok(ActiveFindings {
                count: 100,
                more: true,
            })),
        )]));
        assert_eq!(one(&out, "AA-01", &arn("*")).status, Pass);
        let aa02 = one(&out, "AA-02", &arn("org"));
        assert_eq!(aa02.status, Fail);
        assert!(aa02.detail.contains("100 or more"), "{}", aa02.detail);
    }

    /// Prowler fails the failed analyzer although the active one covers the Region; AA-01 is
    /// the Region's verdict. Analyzers that are not ACTIVE analyse nothing: AA-02 skips them.
    #[test]
    fn a_failed_analyzer_beside_an_active_one_does_not_fail_the_region() {
        let out = run(Ok(vec![
            an("old", Some("ACCOUNT"), Some("FAILED"), None),
            an("account", Some("ORGANIZATION"), Some("ACTIVE"), none()),
        ]));
        assert_eq!(statuses(&out, "AA-01"), vec![(arn("*"), Pass)]);
        assert_eq!(statuses(&out, "AA-02"), vec![(arn("account"), Pass)]);
        let only_failed = run(Ok(vec![an("old", Some("ACCOUNT"), Some("CREATING"), None)]));
        assert_eq!(one(&only_failed, "AA-01", &arn("*")).status, Fail);
        assert_eq!(
            statuses(&only_failed, "AA-02"),
            vec![(arn("*"), NotApplicable)]
        );
    }

    #[test]
    fn what_could_not_be_read_is_an_error() {
        let listing = run(Err(denied("access-analyzer:ListAnalyzers")));
        assert_eq!(statuses(&listing, "AA-01"), vec![(arn("*"), Error)]);
        assert_eq!(statuses(&listing, "AA-02"), vec![(arn("*"), Error)]);

        let findings = run(Ok(vec![an(
            "account",
            Some("ACCOUNT"),
            Some("ACTIVE"),
            Some(Err(denied("access-analyzer:ListFindingsV2"))),
        )]));
        assert_eq!(one(&findings, "AA-01", &arn("*")).status, Pass);
        assert_eq!(one(&findings, "AA-02", &arn("account")).status, Error);

        // A status left out: AA-01 cannot say the Region is uncovered, AA-02 cannot skip it.
        let unknown = run(Ok(vec![an("x", Some("ACCOUNT"), None, None)]));
        let aa01 = one(&unknown, "AA-01", &arn("*"));
        assert_eq!(aa01.status, Error);
        assert!(aa01.detail.contains("analyzer x"), "{}", aa01.detail);
        assert_eq!(one(&unknown, "AA-02", &arn("x")).status, Error);
    }
}
