//! SSM Parameter Store: each String and StringList parameter in its Region (SecureString
//! parameters are not judged).

use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    for p in &spec.parameters {
        // SSM-01: no secret in a String or StringList parameter.
        if p.kind != "SecureString" {
            e.on("SSM-01", e.arn(&p.name), p.region).pass_if(!p.secret);
        }
    }
}
