//! Why an invocation failed, by cause, each saying whether a retry can help.
//!
//! Problems found in the account are not errors: they are the diagnosis, reported in the answer
//! and the alert; a drill that finds the chain broken is a drill result, not an error. An error
//! means the function could not do its job: the event was not one it takes, the Region list
//! could not be read, a drill could not be run as configured, the deadline came too close, or
//! nobody could be told.

use vigil::aws::AwsCallError;
use vigil::error::Cause;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed event: {0}")]
    MalformedEvent(String),

    #[error("cannot list the account's Regions: {0}")]
    Regions(AwsCallError),

    #[error("a drill cannot run: {0}")]
    DrillNotConfigured(String),

    #[error("{0}; the Lambda deadline is too close to finish, the next run tries again")]
    Deadline(String),

    #[error(
        "the diagnosis could not be published to SNS ({0}); it is in this function's log. Check VIGIL_ALERT_TOPIC_ARN and the role's sns:Publish permission"
    )]
    AlertNotSent(AwsCallError),
}

impl Cause for Error {
    fn retryable(&self) -> bool {
        match self {
            Error::MalformedEvent(_) | Error::DrillNotConfigured(_) => false,
            Error::Regions(e) | Error::AlertNotSent(e) => e.failure.retryable(),
            Error::Deadline(_) => true,
        }
    }

    fn cause(&self) -> &'static str {
        match self {
            Error::MalformedEvent(_) => "MalformedEvent",
            Error::Regions(_) => "Regions",
            Error::DrillNotConfigured(_) => "DrillNotConfigured",
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
            operation: "account:ListRegions",
            failure: AwsFailure::Throttled,
            code: Some("ThrottlingException".into()),
            message: "slow down".into(),
        };
        let d: lambda_runtime::Diagnostic = Error::Regions(throttled).into();
        assert_eq!(d.error_type, "Vigil.Retryable.Regions");
        assert!(d.error_message.contains("account:ListRegions"));
    }
}
