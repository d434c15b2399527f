//! Secrets Manager: each secret in its Region.

use super::super::spec::Rotation;
use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    for s in &spec.secrets {
        let arn = e.arn(&s.name);
        let rotating = s.rotation != Rotation::Off;
        // SM-01: rotation on, every 30 days.
        e.on("SM-01", &arn, s.region).pass_if(rotating);
        // SM-02: rotated (or created) within its schedule.
        if rotating {
            e.on("SM-02", &arn, s.region).pass();
        }
        // SM-03: no unfinished rotation (stock moto finishes every rotation at once).
        let stuck = s.rotation == Rotation::Stuck && !e.stock;
        e.on("SM-03", &arn, s.region).pass_if(!stuck);
        // SM-04: every secret is sensitive by default: a customer key.
        e.on("SM-04", &arn, s.region)
            .pass_if(s.encrypted_with.is_some());
        // SM-05: new, so not unused.
        e.on("SM-05", &arn, s.region).pass();
        // SM-06: no resource policy open to everyone.
        e.on("SM-06", &arn, s.region).pass_if(!s.public);
    }
}
