//! S3: the account's Block Public Access and each bucket (judged in its Region).

use super::super::spec::BucketPolicy;
use super::{Expect, GLOBAL};

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    // S3-01: all four account settings.
    let root = e.root();
    e.on("S3-01", root, GLOBAL).pass_if(spec.account_block);
    for b in &spec.buckets {
        let arn = e.arn(&b.name);
        // S3-02: the bucket's own settings or the account's.
        e.on("S3-02", &arn, b.region)
            .pass_if(spec.account_block || b.block);
        // S3-03: a Deny without TLS on the bucket and its objects.
        e.on("S3-03", &arn, b.region)
            .pass_if(b.policy == Some(BucketPolicy::TlsOnly));
        // S3-04: SSE-KMS with a customer key (SSE-S3 otherwise).
        e.on("S3-04", &arn, b.region)
            .pass_if(b.encrypted_with.is_some());
    }
}
