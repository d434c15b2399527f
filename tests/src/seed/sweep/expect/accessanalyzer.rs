//! IAM Access Analyzer, per Region swept: AA-01 on the Region's analyzers (`analyzer/*`), AA-02
//! on each analyzer (all seeded analyzers are ACTIVE). Stock moto has no Access Analyzer:
//! ListAnalyzers fails, both checks are ERROR on the Region.

use super::super::spec::REGIONS;
use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    for region in REGIONS {
        let all = e.arn(&format!("analyzers@{region}"));
        if e.stock {
            e.on("AA-01", &all, region).error();
            e.on("AA-02", &all, region).error();
            continue;
        }
        let here: Vec<_> = spec
            .analyzers
            .iter()
            .filter(|a| a.region == region)
            .collect();
        // AA-01: an external access analyzer (ACCOUNT or ORGANIZATION) is active.
        e.on("AA-01", &all, region)
            .pass_if(here.iter().any(|a| a.external()));
        // AA-02: each active analyzer has no ACTIVE finding (archived ones do not count);
        // without an analyzer nothing reports findings.
        if here.is_empty() {
            e.on("AA-02", &all, region).not_applicable();
        }
        for a in here {
            e.on("AA-02", e.arn(&a.name), region)
                .pass_if(a.active_findings() == 0);
        }
    }
}
