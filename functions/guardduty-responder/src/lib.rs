//! `guardduty-responder`: answers GuardDuty findings delivered by EventBridge. It decides what
//! a finding calls for, does it safely, and says what it did.
//!
//! Layout (the one every Vigil function follows; a layer it does not need has no file):
//! - `main.rs`: thin: logging, config, clients built once, `lambda_runtime::run`.
//! - [`config`]: typed settings: the response settings from SSM Parameter Store, the common
//!   ones from the environment; and the action vocabulary ([`config::ActionKind`]) the gates
//!   are keyed by.
//! - `deps.rs`: the clients and settings lent to the handler ([`Deps`]).
//! - [`aws`]: thin typed adapters, one per service (`ec2`, `iam`, `s3`, `secrets`): SDK in,
//!   plain data or `AwsCallError` out.
//! - [`playbook`]: the pure decision: finding → family → the actions that fit, and for each
//!   the reason it runs or is skipped (safeguards, gates, mode).
//! - [`actions`]: where the function changes things, one module per kind of action (`ec2`,
//!   `network`, `iam`, `s3`, `rds`): what each decides from the live state (pure, unit-tested)
//!   and the adapter calls that carry it out, checking the current state first.
//! - [`report`]: the answer, the alert text and the metrics, for a handled finding and for a
//!   failed invocation.
//! - `handler.rs`: routing and time budget only.
//! - [`error`]: failures, each saying whether a retry can help.
//!
//! No `facts.rs` or `collect.rs`: each action reads the state it needs just before it acts.
//! The finding model itself (lenient serde) is `vigil::events::guardduty`; the integration
//! tests' rig is `tests/rig/mod.rs`.
//!
//! Guarantees: sample and archived findings, exempt resources, protected principals and the
//! root user are never acted on; `alert-only` mode and dry runs change nothing; replaying a
//! finding changes nothing already done; one action failing does not stop the others. When an
//! invocation fails, one failure alert says so, and the error goes back to Lambda, which
//! retries the asynchronous invocation.

pub mod actions;
pub mod aws;
pub mod config;
mod deps;
pub mod error;
pub mod event;
mod handler;
pub mod playbook;
pub mod report;

pub use config::Config;
pub use deps::Deps;
pub use error::Error;
pub use handler::{Answer, handle, handle_event, handle_release};
