//! Why an invocation failed, by cause, each saying whether a retry can help.
//!
//! Problems found in the account are not errors: they are the diagnosis, reported in the
//! result and the alert. An error means the function could not do its job: the event was not
//! one it takes, the trail inventory could not be read, the deadline came too close, or the
//! diagnosis could not be told to anyone.

use vigil::aws::AwsCallError;
use vigil::error::Cause;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed event: {0}")]
    MalformedEvent(String),

    #[error("cannot list the account's trails: {0}")]
    Inventory(AwsCallError),

    #[error("{0}; the Lambda deadline is too close to finish the check, it will be retried")]
    Deadline(String),

    #[error(
        "the diagnosis could not be published to SNS ({0}); it is in this function's log. Check VIGIL_ALERT_TOPIC_ARN and the role's sns:Publish permission"
    )]
    AlertNotSent(AwsCallError),
}

impl Cause for Error {
    /// Whether running the same event again later, unchanged, can succeed.
    fn retryable(&self) -> bool {
        match self {
            Error::MalformedEvent(_) => false,
            Error::Inventory(e) | Error::AlertNotSent(e) => e.failure.retryable(),
            Error::Deadline(_) => true,
        }
    }

    /// A short name for the cause, used in metrics and the Lambda error type.
    fn cause(&self) -> &'static str {
        match self {
            Error::MalformedEvent(_) => "MalformedEvent",
            Error::Inventory(e) if e.failure == vigil::aws::AwsFailure::AccessDenied => {
                "InventoryAccessDenied"
            }
            Error::Inventory(_) => "Inventory",
            Error::Deadline(_) => "Deadline",
            Error::AlertNotSent(_) => "AlertNotSent",
        }
    }
}

vigil::diagnostic_from!(Error);

#[cfg(test)]
mod tests {
    use super::*;
    use vigil::aws::AwsFailure;

    #[test]
    fn lambda_error_type_says_whether_retry_helps() {
        let d: lambda_runtime::Diagnostic = Error::MalformedEvent("x".into()).into();
        assert_eq!(d.error_type, "Vigil.Fatal.MalformedEvent");
        let throttled = AwsCallError {
            operation: "cloudtrail:ListTrails",
            failure: AwsFailure::Throttled,
            code: Some("ThrottlingException".into()),
            message: "slow down".into(),
        };
        let d: lambda_runtime::Diagnostic = Error::Inventory(throttled).into();
        assert_eq!(d.error_type, "Vigil.Retryable.Inventory");
        assert!(d.error_message.contains("cloudtrail:ListTrails"));
    }
}
