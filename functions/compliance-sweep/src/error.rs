//! Every way a sweep invocation can fail as a whole, by cause. (A single API call that fails
//! is not one of them: it becomes an ERROR finding and the sweep goes on.)

use vigil::aws::AwsCallError;
use vigil::error::Cause;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed request: {0}")]
    BadRequest(String),

    #[error("configuration: {0}")]
    Config(String),

    /// The mute list could not be read or is invalid: the sweep does not run half-muted.
    #[error("{0}; fix the mute list (or unset VIGIL_SWEEP_MUTE_LIST) - nothing was swept")]
    MuteList(String),

    #[error("AWS call failed: {0}")]
    Aws(#[from] AwsCallError),

    #[error("report: {0}")]
    Report(String),

    #[error("evidence storage: {0}")]
    Io(String),

    #[error(
        "{0}; the sweep needs more time than the invocation has left - split it into shards (Step Functions Map) or raise the timeout"
    )]
    Deadline(String),
}

impl Cause for Error {
    /// Whether running the same request again later, unchanged, can succeed.
    fn retryable(&self) -> bool {
        match self {
            Error::Aws(e) => e.failure.retryable(),
            Error::Deadline(_) | Error::Io(_) => true,
            _ => false,
        }
    }

    fn cause(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "BadRequest",
            Error::Config(_) => "Config",
            Error::MuteList(_) => "MuteList",
            Error::Aws(e) if e.failure == vigil::aws::AwsFailure::AccessDenied => "AwsAccessDenied",
            Error::Aws(_) => "Aws",
            Error::Report(_) => "Report",
            Error::Io(_) => "EvidenceStorage",
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
        let d: lambda_runtime::Diagnostic = Error::BadRequest("x".into()).into();
        assert_eq!(d.error_type, "Vigil.Fatal.BadRequest");
        let d: lambda_runtime::Diagnostic = Error::Deadline("collecting".into()).into();
        assert_eq!(d.error_type, "Vigil.Retryable.Deadline");
        assert!(d.error_message.contains("Step Functions"));
    }
}
