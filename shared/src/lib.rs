//! `vigil`: what two or more Vigil functions share.
//!
//! - [`aws`]: the SDK configuration every function loads once at cold start, clients per
//!   Region, the S3 addressing decision, the time budget taken from the Lambda deadline, a
//!   classification of SDK errors by cause, and the KMS key and S3 bucket-policy adapters the
//!   repairing functions share.
//! - [`error`]: what every function's error enum shares: retryable or not, its cause name, the
//!   Lambda error type, and the alert a failed invocation sends.
//! - [`arn`]: ARNs split into their parts.
//! - [`s3`]: S3 facts more than one function reads (the public access block).
//! - [`alert`]: one alert type and its delivery to SNS (subject limits, filterable attributes).
//! - [`metrics`]: CloudWatch Embedded Metric Format lines written to stdout.
//! - [`policy`]: IAM policy documents read leniently (string-or-array everywhere), and the
//!   one way missing statements are added to a resource policy.
//! - [`runbook`]: a cause's summary and the steps a person takes, put together one way.
//! - [`events`]: lenient models of the events the functions receive.
//! - [`config`]: typed settings from the environment (with the ones every function reads) and
//!   from one JSON parameter in SSM Parameter Store, validated before anything acts on them.
//! - [`record`]: the AWS operations a function calls, recorded when a test asks (every client
//!   is built with [`client!`], which installs the recorder).
//! - [`evidence`]: records in a SHA-256 hash chain, a manifest chained across runs, a
//!   KMS-signed digest, and verification that names what was altered.
//! - [`state`]: small JSON records that survive between invocations (SSM Parameter Store, with
//!   an expiry): repairs awaiting confirmation, the drill under way and its receipts.
//!
//! Functions build their clients from [`aws::load_sdk_config`] in `main`, pass them to their
//! handlers by reference, and never read the environment inside a handler.

pub mod alert;
pub mod arn;
pub mod aws;
pub mod config;
pub mod error;
pub mod events;
pub mod evidence;
pub mod metrics;
pub mod policy;
pub mod record;
pub mod runbook;
pub mod s3;
pub mod state;
