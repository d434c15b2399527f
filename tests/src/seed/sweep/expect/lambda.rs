//! Lambda: each function in its Region.

use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    for f in &spec.functions {
        // LAM-01: no secret in the environment.
        let arn = e.arn(&f.name);
        e.on("LAM-01", arn, f.region).pass_if(!f.leaks);
    }
}
