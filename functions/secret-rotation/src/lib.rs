//! `secret-rotation`: a Secrets Manager rotation function for PostgreSQL, MySQL and MariaDB
//! credentials, single user or alternating users.
//!
//! Layout:
//! - [`event`]: the rotation event (with `RotationToken`); [`handler`]: one invocation, its
//!   dependencies, metrics and failure alert.
//! - [`steps`]: checks every step shares, then `create`, `set`, `test`, `finish`.
//! - [`secret`]: the secret's JSON; [`password`]: password rules and alternate user names.
//! - [`engines`]: PostgreSQL and MySQL/MariaDB sessions behind one enum, and TLS roots.
//! - [`secrets`], [`rds`]: the AWS adapters. [`config`]: deployment settings.
//! - [`error`]: failures by cause, each saying whether a retry can help.
//!
//! Guarantees: AWSCURRENT always logs in (it only moves to a version proven to log in); no
//! password is logged, alerted or put in an error; TLS is verify-full unless a secret or the
//! deployment says otherwise, and never silently downgraded.

pub mod config;
pub mod engines;
pub mod error;
pub mod event;
pub mod handler;
pub mod password;
pub mod rds;
pub mod secret;
pub mod secrets;
pub mod steps;

pub use config::Config;
pub use error::Error;
pub use handler::{Deps, handle, handle_event};
