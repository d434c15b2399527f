//! `secret-rotation`: a Secrets Manager rotation function for PostgreSQL, MySQL and MariaDB
//! credentials (single user or alternating users, the admin may be an RDS-managed master
//! secret), Redis/Valkey ACL users and ElastiCache RBAC users; and `vigil-rotation`, the CLI
//! for a manual override (`status`, `rollback`).
//!
//! Layout (the shape every Vigil function shares; a layer this function does not need has no
//! file):
//! - `main.rs`: thin: logging, config, clients built once ([`Deps::new`]), the Lambda runtime.
//! - [`config`]: typed settings, built one way by `Config::from_lookup`, with
//!   `vigil::config::Common` (alert topic, metrics namespace).
//! - [`deps`]: the clients and settings lent to the handler and the steps.
//! - [`error`]: failures by cause, each saying whether a retry can help.
//! - [`event`]: the rotation event (with `RotationToken`) and its step.
//! - `aws`: thin typed adapters, SDK in and plain data or `AwsCallError` out: `aws::secrets`
//!   (Secrets Manager), `aws::rds` and `aws::elasticache`.
//! - [`facts`]: plain types describing what was read: the secret's JSON (`DbSecret`), its
//!   versions and staging labels, the database endpoint.
//! - [`collect`]: the I/O that fills the facts: a secret version read and parsed, an RDS
//!   identifier resolved to its endpoint.
//! - `steps`: the rotation core, named for what it decides. Its pure decisions are
//!   `steps::versions` (where the token stands among the versions) and `steps::credentials`
//!   (which user and which database the pending credential may name); `create`, `set`, `test`
//!   and `finish` carry each step out against the database and Secrets Manager, so rotation's
//!   changes live in its steps and there is no `actions/`. [`password`]: password rules and
//!   generation; [`engines`]: PostgreSQL, MySQL/MariaDB and Redis sessions behind one enum, and
//!   the one TLS configuration. [`manual`]: the manual override (status, rollback) the
//!   `vigil-rotation` CLI (`src/bin/vigil-rotation.rs`) runs.
//! - [`report`]: the answer, the log line, the alert text and the metrics.
//! - [`handler`]: routing and time budget only; reads no environment.
//! - `tests/rig/mod.rs`: the integration-test rig on `vigil_tests::harness`.
//!
//! Guarantees: AWSCURRENT always logs in (it only moves to a version proven to log in); no
//! password is logged, alerted or put in an error; TLS is verify-full unless a secret or the
//! deployment says otherwise, and never silently downgraded.

mod aws;
pub mod collect;
pub mod config;
pub mod deps;
pub mod engines;
pub mod error;
pub mod event;
pub mod facts;
pub mod handler;
pub mod manual;
pub mod password;
pub mod report;
mod steps;

pub use config::Config;
pub use deps::Deps;
pub use error::Error;
pub use handler::{handle, handle_event};
