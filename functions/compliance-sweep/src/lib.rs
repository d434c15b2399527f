//! `compliance-sweep`: proves every night, in every enabled Region, that the account's security
//! controls work (the rows of the reference table CHECKS.md, which is outside this repository,
//! plus least-privilege checks; see [`checks::catalogue`]), and leaves a signed evidence bundle
//! an auditor can verify. The `vigil-sweep` CLI runs the same code locally.
//!
//! Layout (the shape every Vigil function shares; a layer this function does not need has no
//! file):
//! - `main.rs`: thin: logging, config, clients built once ([`Deps::new`]), the Lambda runtime.
//! - [`config`]: typed settings and check thresholds, built one way by `Config::from_lookup`,
//!   with `vigil::config::Common` (alert topic, metrics namespace).
//! - `deps.rs`: the clients and settings lent to the handler ([`Deps`]), and the test seams.
//! - [`error`]: failures of a whole invocation by cause, each saying whether a retry can help.
//! - `event.rs`: the request (plan / sweep / merge), read leniently.
//! - [`aws`]: thin typed adapters, one per service: SDK in, plain data or an API error out,
//!   paginated; and the run's client set (per Region on `vigil::aws::PerRegion`, counting
//!   every call).
//! - [`facts`]: plain types describing what was read, by shard (one service in one Region).
//! - [`collect`]: the I/O that fills the facts: the run's memo (each shared answer fetched
//!   once), the per-(service, Region) concurrency bounds, the dispatch of shards to the
//!   adapters.
//! - [`checks`]: the pure decision: the catalogue as data, check ids as typed constants, one
//!   function per catalogue row, one module per service.
//! - [`mute`]: the mute list (pure): read and validated whole, applied to each shard's FAIL
//!   and ERROR findings (MUTED, with the entry's reason), expired entries reported.
//! - `sweep.rs`: one run: collect and evaluate the shards; merge the parts of a split run.
//! - [`actions`]: where the function changes things: the evidence bundle built, sealed (hash
//!   chain, manifest, KMS signature) and stored.
//! - [`report`]: the answer, the alert text and the metrics; the summary, the per-framework
//!   matrix, the OCSF records and the HTML page of the bundle.
//! - [`handler`]: routing and time budget only; reads no environment.
//! - `tests/rig/mod.rs`: the integration-test rig on `vigil_tests::harness`.
//!
//! An API call that fails never stops the sweep and never passes a check: the checks that
//! needed it report ERROR with the call and its error. When an invocation fails as a whole, one
//! alert says so and the error goes back to Lambda.

pub mod actions;
pub mod aws;
pub mod checks;
pub mod collect;
pub mod config;
mod deps;
pub mod error;
mod event;
pub mod facts;
pub mod handler;
pub mod mute;
pub mod report;
mod sweep;

pub use config::Config;
pub use deps::Deps;
pub use error::Error;
pub use event::read as read_event;
pub use handler::{handle, handle_request};
