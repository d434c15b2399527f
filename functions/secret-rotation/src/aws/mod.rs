//! Thin typed adapters over the AWS SDK: SDK in, plain data or `vigil::aws::AwsCallError` out.
//! Rotation works in the secret's own Region, so there is no per-Region client cache.

pub(crate) mod elasticache;
pub(crate) mod rds;
pub(crate) mod secrets;
