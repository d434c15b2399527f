//! `detector-guard`: keeps GuardDuty on and proves it works.
//!
//! It runs the runbook for "GuardDuty detector disabled - no threat findings generated" itself,
//! in every enabled Region: is there a detector and is it enabled, are the required protection
//! plans on (the foundational sources only, unless more are configured: the same setting as
//! the baseline detector and the sweep's GD-02), is the findings export there, publishing, and
//! can GuardDuty write to its bucket and encrypt with its key, does a suppression rule archive
//! findings before anyone sees them, is this account still a member of its administrator. It
//! repairs what is safe and owned, reads back, and alerts with the diagnosis. Its drills ask
//! GuardDuty for sample findings and prove, end to end, that each reaches the responder and
//! that the responder's alert goes out, leaving a signed record the compliance sweep checks.
//!
//! Layout (the shape every Vigil function shares; a layer this function does not need has no
//! file):
//! - `main.rs`: thin: logging, config, clients built once ([`Deps::new`]), the Lambda runtime.
//! - [`config`]: typed settings, built one way by `Config::from_lookup`, with
//!   `vigil::config::Common` (alert topic, metrics namespace).
//! - [`deps`]: the clients and settings lent to the handler, the collector and the actions.
//! - [`error`]: failures by cause, each saying whether a retry can help.
//! - `event`: the three events (schedule; `{"action": "drill"}`; "AWS API Call via CloudTrail"
//!   for calls that switch GuardDuty off or blind it), which Region and what each is about;
//!   irrelevant calls are ignored up front. The API-call model is `vigil::events::cloudtrail`.
//! - `aws`: thin typed adapters, one per service (`guardduty`, `s3`, `events`, `account`),
//!   SDK in and plain data or `AwsCallError` out, with the key and bucket-policy adapters it
//!   shares with cloudtrail-delivery (`vigil::aws::kms_key`, `vigil::aws::s3_policy`);
//!   `aws::RegionClients` is one Region's set, kept in a `vigil::aws::PerRegion`.
//! - `facts`: plain types describing what was read, each fact kept as the error that
//!   prevented it when it could not be read.
//! - `collect`: the I/O that fills the facts, a bounded number of Regions at once; the repairs
//!   awaiting confirmation (`vigil::state`); a drill's routing rules and receipts.
//! - [`diagnose`]: the pure decision, facts → causes, each with evidence, severity, possible
//!   repairs and the steps for a person (`diagnose::runbook`); `diagnose::drill` decides
//!   whether findings are routed to the responder and how a drill ended.
//! - `actions`: where the function changes things: `repair` (which repairs may run, pure;
//!   running them in a safe order), `drill` (samples, receipts, the signed record) and the
//!   state it keeps between invocations.
//! - [`report`]: the answer, one alert per Region with problems, the drill's alert, the
//!   failure alert, the EMF metrics.
//! - `handler.rs`: routing and time budget only; reads no environment.
//! - `tests/rig/mod.rs`: the integration-test rig on `vigil_tests::harness`.
//!
//! Never: delete a suppression rule, replace a policy wholesale or change an existing
//! statement, recreate a deleted bucket name, touch a bucket or key the stack does not own
//! (tagged `vigil:owner=<stack>` or listed), or act on the drill's sample findings (the
//! responder does not either). A cause it has just repaired and GuardDuty has not yet reported
//! fixed is awaited, not alerted a second time. When an invocation fails, one failure alert
//! says so and the error goes back to Lambda.

mod actions;
mod aws;
mod collect;
pub mod config;
pub mod deps;
pub mod diagnose;
pub mod error;
mod event;
mod facts;
mod handler;
pub mod report;

pub use config::Config;
pub use deps::Deps;
pub use error::Error;
pub use event::read as read_event;
pub use handler::{handle, handle_event};
