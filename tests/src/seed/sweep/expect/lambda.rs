//! Lambda: each function in its Region.

use super::super::spec::{DEPRECATED_RUNTIME, LayerOwner};
use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    let stock = e.stock;
    for f in &spec.functions {
        // LAM-01: no secret in the environment.
        let arn = e.arn(&f.name);
        e.on("LAM-01", &arn, f.region).pass_if(!f.leaks);
        // LAM-02: python3.8 is past its deprecation date.
        e.on("LAM-02", &arn, f.region)
            .pass_if(f.runtime != DEPRECATED_RUNTIME);
        // LAM-03: variables, if any, under a customer key.
        e.on("LAM-03", &arn, f.region)
            .pass_if(f.env.is_empty() || f.encrypted_with.is_some());
        // LAM-04: no public statement, no URL without authentication.
        e.on("LAM-04", &arn, f.region)
            .pass_if(!f.public_policy && f.url_auth != Some("NONE"));
        // LAM-05: a URL's CORS names its origins; no URL, no finding.
        if f.url_auth.is_some() {
            e.on("LAM-05", &arn, f.region).pass_if(!f.url_cors_any);
        }
        // LAM-06: attached to a VPC.
        e.on("LAM-06", &arn, f.region).pass_if(f.vpc);
        // LAM-07: a dead-letter queue. Stock moto drops DeadLetterConfig: the function looks as
        // AWS answers for one without (no field), so FAIL there.
        e.on("LAM-07", &arn, f.region)
            .pass_if(f.dead_letter && !stock);
        // LAM-08: no layer of another account (stock moto cannot attach one: no layer there).
        e.on("LAM-08", &arn, f.region)
            .pass_if(f.layer != Some(LayerOwner::Partner) || stock);
        // LAM-09: a trail recording the function's Region records its invocations (every
        // seeded trail is logging).
        let recorded = spec
            .trails
            .iter()
            .any(|t| (t.multi_region || t.region == f.region) && t.invocations.of(&f.name));
        e.on("LAM-09", &arn, f.region).pass_if(recorded);
    }
}
