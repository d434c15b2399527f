//! `cloudtrail-delivery`: finds out why CloudTrail audit logs are not arriving, repairs what
//! is safe to repair, checks again, and alerts with the diagnosis.
//!
//! It runs the runbook for "CloudTrail log delivery failure - missing audit logs" itself: is
//! the trail logging, does its bucket exist and let CloudTrail write (which bucket-policy
//! statement is missing or wrong), is its KMS key usable and does its policy let CloudTrail
//! encrypt, does its CloudWatch Logs log group exist, what errors does `GetTrailStatus`
//! report, has anything been delivered lately, and is there a multi-region trail at all.
//!
//! Layout:
//! - [`trigger`]: the two events (schedule; "AWS API Call via CloudTrail" for calls that can
//!   stop delivery) and which trails each concerns; irrelevant calls are ignored up front.
//! - [`facts`]: what is true, as plain data, collected concurrently through [`aws`] (one
//!   adapter per service, per-region clients; trails queried by ARN in their home region).
//! - [`diagnose`]: facts → causes, each with evidence, severity, possible repairs and exact
//!   steps for a person. Pure.
//! - [`repair`]: which repairs may run (pure), running them, and the re-check.
//! - [`report`]: the result, one SNS alert per trail with problems, EMF metrics.
//! - [`handler`]: one invocation and its dependencies; [`config`]: deployment settings;
//!   [`error`]: failures by cause, each saying whether a retry can help; ARNs are parsed with `vigil::arn`.
//!
//! Never: replace a policy wholesale or change an existing statement, recreate a deleted
//! bucket name, touch a key this stack does not own, or act on another account's resources.

pub mod aws;
pub mod config;
pub mod diagnose;
pub mod error;
pub mod facts;
pub mod handler;
pub mod repair;
pub mod report;
pub mod trigger;

pub use config::Config;
pub use error::Error;
pub use handler::{Deps, handle, handle_event};
