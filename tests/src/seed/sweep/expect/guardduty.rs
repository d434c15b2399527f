//! GuardDuty: a detector per Region, its features and findings export; once per account, the
//! latest drill.

use super::super::spec::{GUARDDUTY_FEATURES, REGION, REGIONS};
use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    // GD-05, in the home Region (the sweep's): a signed record of a drill that passed within
    // 7 days. The rig names the drill bucket as the evidence bucket.
    let account = format!("arn:aws:iam::{}:root", spec.id);
    e.on("GD-05", account, REGION).pass_if(
        spec.drill
            .latest
            .is_some_and(|d| d.passed && d.days_ago <= 7),
    );
    for region in REGIONS {
        let Some(d) = spec.detectors.iter().find(|d| d.region == region) else {
            // GD-01: no detector in the Region (GD-02..04 have nothing in scope).
            let all = format!("arn:aws:guardduty:{region}:{}:detector/*", spec.id);
            e.on("GD-01", all, region).fail();
            continue;
        };
        let arn = e.arn(&d.name);
        // GD-06, on every detector: an enabled rule matching severity 7 with a target. On stock
        // moto TestEventPattern answers without a Result: ERROR where a rule was tested.
        let rules: Vec<_> = spec
            .alert_rules
            .iter()
            .filter(|r| r.region == region)
            .collect();
        if e.stock && !rules.is_empty() {
            e.on("GD-06", &arn, region).error();
        } else {
            e.on("GD-06", &arn, region).pass_if(
                rules
                    .iter()
                    .any(|r| r.enabled && r.target && r.min_severity <= 7),
            );
        }
        // GD-01: enabled.
        e.on("GD-01", &arn, region).pass_if(d.enabled);
        // GD-02: every required feature. The patched emulator enables the plans CreateDetector
        // does not name, except RUNTIME_MONITORING, as the API documents; stock moto lists
        // only those named.
        let named = |f: &str| d.features.iter().any(|x| x == f);
        let features_on = if e.stock {
            GUARDDUTY_FEATURES.iter().all(|f| named(f))
        } else {
            named("RUNTIME_MONITORING")
        };
        e.on("GD-02", &arn, region).pass_if(features_on);
        // GD-07: AI Protection as named at creation; not named, the patched emulator enables
        // it (an optional plan) and stock moto does not report it (ERROR).
        match d.ai_protection {
            Some(on) => e.on("GD-07", &arn, region).pass_if(on),
            None if e.stock => e.on("GD-07", &arn, region).error(),
            None => e.on("GD-07", &arn, region).pass(),
        }
        // GD-03 and GD-04: stock moto has no publishing-destination API.
        if e.stock {
            e.on("GD-03", &arn, region).error();
            e.on("GD-04", &arn, region).error();
            continue;
        }
        match &d.export {
            None => e.on("GD-03", &arn, region).fail(),
            Some(x) => {
                e.on("GD-03", &arn, region)
                    .pass_if(x.status == "PUBLISHING" && x.encrypted_with.is_some());
                // GD-04: the export bucket keeps findings a year.
                let bucket = spec
                    .buckets
                    .iter()
                    .find(|b| b.name == x.bucket)
                    .expect("export bucket");
                let keeps = bucket.expire_after_days.is_none_or(|days| days >= 365);
                e.on("GD-04", e.arn(&bucket.name), region).pass_if(keeps);
            }
        }
    }
}
