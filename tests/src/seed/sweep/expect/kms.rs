//! KMS: each customer-managed key in its Region.

use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    for k in &spec.keys {
        let arn = e.arn(&k.name);
        let pending = k.scheduled_for_deletion;
        // Rotation applies to enabled symmetric keys (not the RSA signing key).
        if !k.signing && !pending && !k.disabled {
            // KMS-01: rotation on.
            e.on("KMS-01", &arn, k.region)
                .pass_if(k.rotation_days.is_some());
            // KMS-02: period ≤ 365 days; stock moto sends no period or next date.
            match k.rotation_days {
                None => e.on("KMS-02", &arn, k.region).fail(),
                Some(_) if e.stock => e.on("KMS-02", &arn, k.region).error(),
                Some(days) => e.on("KMS-02", &arn, k.region).pass_if(days <= 365),
            }
        }
        // KMS-03: the policy of a key pending deletion is not judged.
        if !pending {
            e.on("KMS-03", &arn, k.region).pass_if(!k.open);
        }
        // KMS-04: not pending deletion.
        e.on("KMS-04", &arn, k.region).pass_if(!pending);
        if !pending {
            // KMS-05: enabled.
            e.on("KMS-05", &arn, k.region).pass_if(!k.disabled);
            // KMS-06: single-Region, judged on enabled keys.
            if !k.disabled {
                e.on("KMS-06", &arn, k.region).pass_if(!k.multi_region);
            }
            // KMS-07: the account root may administer the key (not through Principal *).
            e.on("KMS-07", &arn, k.region)
                .pass_if(k.emergency_access && !k.open);
        }
    }
}
