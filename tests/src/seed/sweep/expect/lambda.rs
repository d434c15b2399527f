//! Lambda: each function in its Region.

use super::super::spec::DEPRECATED_RUNTIME;
use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
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
    }
}
