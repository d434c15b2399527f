//! Every way an invocation can fail, each saying whether a retry can help.
//!
//! The Lambda error type is `Vigil.Retryable.<cause>` or `Vigil.Fatal.<cause>`: EventBridge
//! invokes the function asynchronously and Lambda retries a failed invocation, which only
//! helps for throttling, timeouts and transient AWS failures. A finding whose actions failed
//! for good (access denied, resource gone) is not an invocation failure: its result and its
//! alert list the failure.

use vigil::aws::AwsCallError;
use vigil::config::ConfigError;
use vigil::error::Cause;
use vigil::events::guardduty::FindingEventError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Event(#[from] FindingEventError),

    #[error(transparent)]
    Config(#[from] ConfigError),

    #[error(
        "{count} action(s) failed for finding {finding} and a retry can help ({failures}); the invocation fails so Lambda retries it, and actions already done are reported as already done then"
    )]
    ActionsFailed {
        finding: String,
        count: usize,
        failures: String,
    },

    #[error(
        "the function could not tell which account it runs in (sts:GetCallerIdentity): {0}; nothing was done"
    )]
    Identity(AwsCallError),

    #[error("malformed release request: {0}")]
    BadRelease(String),

    #[error("the response record of finding {finding} could not be read: {source}")]
    Record {
        finding: String,
        source: AwsCallError,
    },

    #[error("{0}; the Lambda deadline is too close, the finding will be handled again")]
    Deadline(String),
}

impl Cause for Error {
    /// Whether invoking again with the same event, unchanged, can succeed.
    fn retryable(&self) -> bool {
        match self {
            Error::Event(_) => false,
            Error::Config(e) => e.retryable(),
            Error::ActionsFailed { .. } | Error::Deadline(_) => true,
            Error::Identity(e) | Error::Record { source: e, .. } => e.failure.retryable(),
            Error::BadRelease(_) => false,
        }
    }

    /// A short name for the cause, for metrics and the Lambda error type.
    fn cause(&self) -> &'static str {
        match self {
            Error::Event(FindingEventError::Foreign { .. }) => "ForeignEvent",
            Error::Event(FindingEventError::Malformed(_)) => "MalformedEvent",
            Error::Config(_) => "Config",
            Error::ActionsFailed { .. } => "ActionsFailed",
            Error::Identity(_) => "Identity",
            Error::BadRelease(_) => "MalformedRelease",
            Error::Record { .. } => "RecordUnreadable",
            Error::Deadline(_) => "Deadline",
        }
    }
}

vigil::diagnostic_from!(Error);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_error_type_says_whether_retry_helps() {
        let foreign = Error::Event(FindingEventError::Foreign {
            event_source: "aws.events".into(),
            detail_type: "Scheduled Event".into(),
        });
        let d: lambda_runtime::Diagnostic = foreign.into();
        assert_eq!(d.error_type, "Vigil.Fatal.ForeignEvent");
        assert!(d.error_message.contains("EventBridge rule"));
        let failed = Error::ActionsFailed {
            finding: "f".into(),
            count: 1,
            failures: "x".into(),
        };
        let d: lambda_runtime::Diagnostic = failed.into();
        assert_eq!(d.error_type, "Vigil.Retryable.ActionsFailed");
    }
}
