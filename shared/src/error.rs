//! What every function's error type shares: whether a retry can help, a short cause name, the
//! Lambda error it becomes, and the alert a failed invocation sends.
//!
//! Each function keeps one `thiserror` enum (variants by cause) and implements [`Cause`] for
//! it; [`diagnostic_from!`](crate::diagnostic_from) then gives the `From<Error> for
//! Diagnostic` the Lambda runtime needs, the same way in every crate.

use crate::alert::{Alert, Severity};

pub use lambda_runtime::Diagnostic;

/// An invocation's failure, classified.
pub trait Cause: std::fmt::Display {
    /// Whether invoking again with the same event, unchanged, can succeed.
    fn retryable(&self) -> bool;

    /// A short name for the cause (`MalformedEvent`, `AwsAccessDenied`, …), used in metrics,
    /// alerts and the Lambda error type.
    fn cause(&self) -> &'static str;

    /// The error the handler returns to the Lambda runtime: the type says whether a retry can
    /// help (`Vigil.Retryable.<Cause>` / `Vigil.Fatal.<Cause>`), so EventBridge retries, alarms
    /// and people can tell the two apart without reading the message.
    fn diagnostic(&self) -> Diagnostic {
        let class = if self.retryable() {
            "Retryable"
        } else {
            "Fatal"
        };
        Diagnostic {
            error_type: format!("Vigil.{class}.{}", self.cause()),
            error_message: self.to_string(),
        }
    }
}

/// `impl From<$error> for lambda_runtime::Diagnostic` through [`Cause::diagnostic`].
#[macro_export]
macro_rules! diagnostic_from {
    ($error:ty) => {
        impl From<$error> for $crate::error::Diagnostic {
            fn from(error: $error) -> Self {
                $crate::error::Cause::diagnostic(&error)
            }
        }
    };
}

/// The alert every function sends when an invocation fails (README, "When an invocation
/// fails"): a control did not run, and Lambda's own retries and error metrics tell nobody why.
/// High when a person must act first, Medium when a retry follows by itself. `retry` says who
/// retries (Secrets Manager, EventBridge, the next schedule); the caller adds its own facts
/// (the secret, the finding, the trail) after these.
pub fn invocation_failed(
    function: &str,
    title: impl Into<String>,
    error: &dyn Cause,
    retry: &str,
) -> Alert {
    let retryable = error.retryable();
    let severity = if retryable {
        Severity::Medium
    } else {
        Severity::High
    };
    Alert::new(severity, function, title)
        .fact("cause", error.cause())
        .fact(
            "retry can help",
            if retryable {
                format!("yes: {retry}; act if this repeats")
            } else {
                "no: fix the cause in the error below first".to_owned()
            },
        )
        .fact("error", error.to_string())
        .attribute("cause", error.cause())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Example {
        #[error("slow")]
        Slow,
        #[error("bad event: {0}")]
        Bad(String),
    }

    impl Cause for Example {
        fn retryable(&self) -> bool {
            matches!(self, Example::Slow)
        }
        fn cause(&self) -> &'static str {
            match self {
                Example::Slow => "Deadline",
                Example::Bad(_) => "MalformedEvent",
            }
        }
    }

    crate::diagnostic_from!(Example);

    #[test]
    fn lambda_error_type_says_whether_retry_helps() {
        let d: Diagnostic = Example::Slow.into();
        assert_eq!(d.error_type, "Vigil.Retryable.Deadline");
        let d: Diagnostic = Example::Bad("no step".into()).into();
        assert_eq!(d.error_type, "Vigil.Fatal.MalformedEvent");
        assert_eq!(d.error_message, "bad event: no step");
    }

    #[test]
    fn failure_alert_says_who_retries_or_that_a_person_must_act() {
        let alert = invocation_failed("f", "step failed", &Example::Slow, "Lambda retries it");
        assert_eq!(alert.severity, Severity::Medium);
        assert!(
            alert
                .body()
                .contains("yes: Lambda retries it; act if this repeats")
        );
        let alert = invocation_failed("f", "step failed", &Example::Bad("x".into()), "-");
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.body().contains("no: fix the cause"));
        assert!(alert.body().contains("error         : bad event: x"));
        assert_eq!(
            alert.attributes,
            [("cause".into(), "MalformedEvent".into())]
        );
    }
}
