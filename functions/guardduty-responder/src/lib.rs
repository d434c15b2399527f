//! `guardduty-responder`: answers GuardDuty findings delivered by EventBridge. It decides what
//! a finding calls for, does it safely, and says what it did.
//!
//! Layout:
//! - [`playbook`]: finding → decision (pure): the family from the finding type, the actions
//!   that fit, and for each the reason it runs or is skipped (safeguards, gates, mode).
//! - [`actions`]: carrying a decision out, one module per service (`ec2`, `network`, `iam`,
//!   `s3`, `rds`), each an adapter of thin AWS calls plus actions that check the current state
//!   before changing it.
//! - [`report`]: the invocation's result and the SNS alert (pure).
//! - [`handler`]: one invocation, its dependencies and metrics. [`config`]: settings from SSM
//!   Parameter Store and the environment. [`error`]: failures, each saying whether a retry
//!   can help.
//!
//! The finding model itself (lenient serde) is `vigil::events::guardduty`.
//!
//! Guarantees: sample and archived findings, exempt resources, protected principals and the
//! root user are never acted on; `alert-only` mode and dry runs change nothing; replaying a
//! finding changes nothing already done; one action failing does not stop the others.

pub mod actions;
pub mod config;
pub mod error;
pub mod handler;
pub mod playbook;
pub mod report;

pub use config::Config;
pub use error::Error;
pub use handler::{Deps, handle, handle_event};
