//! The sweep over the small preset account (the insecure account scaled over three Regions,
//! good and bad resources of every kind) reports exactly its ground truth: every (check,
//! resource) the seeder says, with that verdict, and nothing else. `make test` runs it on the
//! patched emulator and again on stock moto; the benchmark does the same on the large preset.

mod rig;

use compliance_sweep::config::Thresholds;
use compliance_sweep::handler::answer_request;
use rig::{Preset, REGIONS};
use serde_json::json;
use vigil_tests::seed::sweep::spec::GUARDDUTY_FEATURES;

#[tokio::test]
async fn the_sweep_reports_exactly_the_ground_truth() {
    assert!(
        Thresholds::default().guardduty_features.is_empty(),
        "GD-02's default follows the seeds: no protection plan"
    );
    let account = rig::preset(Preset::Small).await;
    let dir = tempfile::tempdir().unwrap();
    let regions = REGIONS.join(",");
    let deps = account.deps(dir.path(), &[("VIGIL_SWEEP_REGIONS", &regions)]);
    assert_eq!(
        deps.config.thresholds.guardduty_features,
        GUARDDUTY_FEATURES.map(String::from).to_vec(),
        "the rig requires the plans the seeder enables (the ground truth's GD-02)"
    );
    let findings = answer_request(&json!({"action": "sweep"}), None, &deps, &|_, _| {})
        .await
        .expect("sweep")
        .findings;
    let regions: Vec<String> = REGIONS.map(String::from).to_vec();
    let comparison = rig::truth::compare(&account, &regions, &findings);
    assert!(comparison.exact(), "{comparison}");
    assert!(comparison.expected > 300, "{comparison}");
}
