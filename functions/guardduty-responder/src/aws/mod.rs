//! Thin typed adapters over the AWS calls the responder makes, one module per service: SDK in,
//! plain data or [`vigil::aws::AwsCallError`] out. They decide nothing; the actions do.
//!
//! The responder acts in its own account and Region, so each adapter wraps one client built at
//! cold start (no per-Region cache).

pub mod ec2;
pub(crate) mod iam;
pub(crate) mod s3;
pub(crate) mod secrets;

/// A resource tag as the responder keeps it: `(key, value)`, a missing part empty.
fn tag_pair(key: Option<&str>, value: Option<&str>) -> (String, String) {
    (
        key.unwrap_or_default().to_owned(),
        value.unwrap_or_default().to_owned(),
    )
}
