//! `compliance-sweep`: proves every night, in every enabled Region, that the account's security
//! controls work (the rows of the reference table CHECKS.md, which is outside this repository,
//! plus least-privilege checks; see [`catalogue`]), and leaves a signed evidence bundle an
//! auditor can verify. The `vigil-sweep` CLI runs the same code locally.
//!
//! Layout:
//! - [`model`]: services, shards (Region × service), statuses, findings, API errors.
//! - [`catalogue`]: the checks as data (id, title, severity, seed phase, CIS v3/v4 and
//!   Security Hub ids, remediation); [`config`]: settings and thresholds.
//! - [`collect`]: the AWS adapters, one module per service, concurrent with a bound per service
//!   and Region, paginated, each answer fetched once per run and shared by every check that
//!   needs it; [`facts`]: what they return.
//! - [`checks`]: pure evaluation, one function per catalogue row, one module per service.
//! - [`sweep`]: collect and evaluate shards; merge parts of a split run.
//! - [`report`]: summary, per-framework matrix, OCSF records, the HTML page;
//!   [`bundle`]: the evidence files, sealing (hash chain, manifest, KMS signature), storage.
//! - [`event`], [`handler`]: the invocation (plan / sweep / merge), metrics and alerts;
//!   [`error`]: failures of a whole invocation by cause.
//!
//! An API call that fails never stops the sweep and never passes a check: the checks that
//! needed it report ERROR with the call and its error.

pub mod bundle;
pub mod catalogue;
pub mod checks;
pub mod collect;
pub mod config;
pub mod error;
pub mod event;
pub mod facts;
pub mod handler;
pub mod model;
pub mod report;
pub mod sweep;

pub use config::Config;
pub use error::Error;
pub use handler::{Deps, handle, handle_request};
