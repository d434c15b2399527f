//! Resources seeded in the emulator by more than one of the tests, the benches and the demo,
//! written once.

pub mod ec2;
pub mod sweep;
