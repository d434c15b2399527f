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
        e.on("S3-03", &arn, b.region).pass_if(matches!(
            b.policy,
            Some(BucketPolicy::TlsOnly | BucketPolicy::Tls12Only)
        ));
        // S3-04: SSE-KMS with a customer key (SSE-S3 otherwise).
        e.on("S3-04", &arn, b.region)
            .pass_if(b.encrypted_with.is_some());
        // S3-05: a public ACL or policy, unless Block Public Access (all four, account or
        // bucket) closes it.
        let closed = spec.account_block || b.block;
        let public_policy = b.policy == Some(BucketPolicy::PublicRead);
        e.on("S3-05", &arn, b.region)
            .pass_if(closed || !(b.public_acl || public_policy));
        // S3-06: versioning.
        // Stock moto's GetBucketVersioning answer cannot be read (the patches fix it).
        if e.stock {
            e.on("S3-06", &arn, b.region).error();
        } else {
            e.on("S3-06", &arn, b.region).pass_if(b.versioned);
        }
        // S3-07: server access logs.
        e.on("S3-07", &arn, b.region).pass_if(b.logs_to.is_some());
        // S3-08 (★): a Deny below TLS 1.2 as well.
        e.on("S3-08", &arn, b.region)
            .pass_if(b.policy == Some(BucketPolicy::Tls12Only));
        // S3-09: another account named in the policy, or anyone unless RestrictPublicBuckets
        // (all four settings, account or bucket) keeps other accounts out.
        let other_account =
            b.policy == Some(BucketPolicy::PartnerRead) || (public_policy && !closed);
        e.on("S3-09", &arn, b.region).pass_if(!other_account);
    }
}
