//! S3 facts that more than one function reads.

use serde::{Deserialize, Serialize};

/// A bucket's or the account's public access block: four switches, public only when one is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four on: neither ACLs nor bucket policies can make the bucket public.
    pub const ALL_ON: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    pub fn all_on(&self) -> bool {
        *self == Self::ALL_ON
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_switch_off_is_not_all_on() {
        assert!(PublicAccessBlock::ALL_ON.all_on());
        let open = PublicAccessBlock {
            restrict_public_buckets: false,
            ..PublicAccessBlock::ALL_ON
        };
        assert!(!open.all_on());
        assert!(!PublicAccessBlock::default().all_on());
    }
}
