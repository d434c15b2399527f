//! The compliance sweep's seeded accounts and their ground truth.
//!
//! - [`spec`]: an account described once as data: the baseline, the named changes that make
//!   every check fail ([`spec::INSECURE`]), and presets that scale it up over three Regions
//!   ([`spec::Preset`]: `Small` for `make test`, `Large` for the benchmark).
//! - `create.rs`: [`seed`] creates what a spec describes in the emulator (patched or stock)
//!   and names every resource's ARN.
//! - [`expect`]: [`expected`] says, from the spec alone, what the sweep must report for every
//!   (check, resource): the ground truth the sweep's output is compared with, exactly (no
//!   finding missing, none extra). The NOT_APPLICABLE fill-ins for checks with nothing in scope
//!   in a shard are added by the comparison, which knows the catalogue.
//!
//! # Registering a check's expected results
//!
//! A new check adds, in `expect/<service>.rs` (a new file and one line in
//! `expect::SERVICES` for a new service), one block that says its verdict on every resource it
//! judges, from the spec's terms, never by running the check's code:
//!
//! ```text
//! // KMS-05: multi-Region keys.
//! for k in &e.spec.keys {
//!     e.on("KMS-05", e.arn(&k.name), k.region).pass_if(!k.multi_region);
//! }
//! ```
//!
//! - `e.on(check, resource, region)` then `.pass()`, `.fail()`, `.pass_if(ok)`, `.error()` or
//!   `.not_applicable()`; the resource and Region are written as the finding writes them
//!   (`e.root()` for the account, `"global"` for IAM and account-wide S3).
//! - What the emulator cannot show: `e.stock` is true on stock moto, where a fact the check
//!   needs and moto does not send is `.error()` (and the check's row goes into
//!   `functions/compliance-sweep/tests/stock_emulator.rs`'s gap list).
//! - A resource kind the spec does not have yet: add a field to [`spec::Spec`] (with its good
//!   value in `Spec::baseline`, a named [`spec::Change`] in `INSECURE` that breaks it, and
//!   generated good and bad ones in `spec::scale`), and create it in `create.rs`.

mod cis;
mod create;
pub mod expect;
pub mod spec;

pub use create::{DRILLS, Seeded, seed};
pub use expect::{Expected, Verdict, expected};
pub use spec::{INSECURE, Preset, Spec};
