//! `cloudtrail-delivery`: finds out why CloudTrail audit logs are not arriving, repairs what
//! is safe to repair, checks again, and alerts with the diagnosis.
//!
//! It runs the runbook for "CloudTrail log delivery failure - missing audit logs" itself: is
//! the trail logging, does its bucket exist and let CloudTrail write (which bucket-policy
//! statement is missing or wrong), is its KMS key usable and does its policy let CloudTrail
//! encrypt, does its CloudWatch Logs log group exist, what errors does `GetTrailStatus`
//! report, has anything been delivered lately, and is there a multi-region trail at all.
//!
//! Layout (the shape every Vigil function shares; a layer this function does not need has no
//! file):
//! - `main.rs`: thin: logging, config, clients built once ([`Deps::new`]), the Lambda runtime.
//! - `config`: typed settings ([`Config`]), built one way by `Config::from_lookup`, with
//!   `vigil::config::Common` (alert topic, metrics namespace).
//! - `deps`: the clients and settings lent to the handler, the collector and the repairs
//!   ([`Deps`]).
//! - `error`: failures by cause ([`Error`]), each saying whether a retry can help.
//! - `event`: the two events (schedule; "AWS API Call via CloudTrail" for calls that can stop
//!   delivery), which resource each is about and which trails it concerns; irrelevant calls
//!   are ignored up front. The API-call model itself is `vigil::events::cloudtrail`.
//! - `aws`: thin typed adapters, one per service (`cloudtrail`, `s3`, `logs`,
//!   `organizations`), SDK in and plain data or `AwsCallError` out, with the key and
//!   bucket-policy adapters it shares with detector-guard (`vigil::aws::kms_key`,
//!   `vigil::aws::s3_policy`); `aws::RegionClients` is one Region's set, kept in a
//!   `vigil::aws::PerRegion`.
//! - `facts`: plain types describing what was read (trail settings and status, bucket, key,
//!   log group), each fact kept as the error that prevented it when it could not be read.
//! - `collect`: the I/O that fills the facts, concurrently, each resource asked of its own
//!   Region (a trail in its home Region, by ARN); each trail's repairs awaiting confirmation
//!   (`vigil::state`).
//! - [`diagnose`]: the pure decision, facts → causes, each with evidence, severity, possible
//!   repairs; `diagnose::runbook` holds each cause's summary and steps for a person.
//! - `repair`: where the function changes things: which repairs may run (pure), running
//!   them, which causes the re-check found gone, and saving what is awaited.
//! - [`report`]: the answer, one alert per trail with problems, the failure alert, the EMF
//!   metrics.
//! - `handler.rs`: routing and time budget only; reads no environment.
//! - `tests/rig/mod.rs`: the integration-test rig on `vigil_tests::harness`.
//!
//! Never: replace a policy wholesale or change an existing statement, recreate a deleted
//! bucket name, touch a key this stack does not own, or act on another account's resources.
//! A cause it has just repaired that CloudTrail still reports (its status keeps the error of
//! the attempt before the repair until the next delivery) is awaited, not alerted a second
//! time.
//! When an invocation fails, one failure alert says so and the error goes back to Lambda: the
//! next scheduled poll, or Lambda's retry of the asynchronous invocation, tries again.

mod aws;
mod collect;
mod config;
mod deps;
pub mod diagnose;
mod error;
mod event;
mod facts;
mod handler;
mod repair;
pub mod report;

pub use config::Config;
pub use deps::Deps;
pub use error::Error;
pub use event::read as read_event;
pub use handler::{handle, handle_event};
