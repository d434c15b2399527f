//! Every way a rotation can fail, sorted by cause, each with what to check.
//!
//! The Lambda error type says whether a retry can help (`Vigil.Retryable.*` or
//! `Vigil.Fatal.*`): Secrets Manager retries failed steps, and an operator reading the error
//! should know whether waiting is enough. No message here ever contains a password: database
//! error text is scrubbed of the credentials in play before it is stored.

use vigil::aws::AwsCallError;
use vigil::error::Cause;

/// What went wrong talking to a database; its serde name is the one messages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DbErrorKind {
    /// The server refused the user name / password.
    Authentication,
    /// Could not reach the server (DNS, refused, reset, unreachable).
    Network,
    /// TLS could not be set up or the server certificate did not verify.
    Tls,
    /// Logged in, but the user may not do what rotation needs.
    Permission,
    /// The server did not answer in time.
    Timeout,
    /// The server lacks what rotation needs (a Redis server without ACL users).
    Unsupported,
    /// Any other server-side error.
    Query,
}

impl DbErrorKind {
    fn advice(self) -> &'static str {
        match self {
            DbErrorKind::Authentication => {
                "check that the secret's username and password are the ones the database has; if the database was changed by hand, put the working password in the AWSCURRENT version"
            }
            DbErrorKind::Network => {
                "check host and port, that the database is running, and that the function's subnets and security groups can reach it"
            }
            DbErrorKind::Tls => {
                "the server certificate must chain to the RDS CA bundle or to VIGIL_DB_CA_FILE and name the host in the secret; Vigil never falls back to plain text (set tls to require or disable in the secret only if you accept that)"
            }
            DbErrorKind::Permission => {
                "the login lacks a privilege rotation needs: a single user must be able to change its own password; the admin secret (masterarn) must be able to create users/roles and grant what the original user holds"
            }
            DbErrorKind::Timeout => {
                "the server did not answer within the connect timeout (VIGIL_CONNECT_TIMEOUT_SECS); check network reachability and server load"
            }
            DbErrorKind::Unsupported => {
                "the server lacks a feature rotation needs: Redis and Valkey users need ACL support (Redis 6.0 or later, any Valkey); the database and the secret were not changed"
            }
            DbErrorKind::Query => "see the server's message",
        }
    }
}

serde_plain::derive_display_from_serialize!(DbErrorKind);

/// A database failure: its cause, whose credential, and the server's (scrubbed) message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("database {kind} failure as {login}: {message}; {}", .kind.advice())]
pub struct DbError {
    pub kind: DbErrorKind,
    /// Which credential was in use, e.g. `pending user "app_clone"`.
    pub(crate) login: String,
    pub(crate) message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed rotation event: {0}")]
    MalformedEvent(String),

    #[error("secret version {which} is malformed: {problem}")]
    MalformedSecret { which: String, problem: String },

    #[error(
        "rotation is not enabled for secret {secret}; configure rotation on the secret (rotate-secret with this function) before invoking it"
    )]
    RotationNotEnabled { secret: String },

    #[error(
        "ClientRequestToken {token} is not a version of secret {secret}; the event must come from Secrets Manager's rotation of this secret"
    )]
    UnknownVersion { secret: String, token: String },

    #[error(
        "version {token} of secret {secret} is not AWSPENDING (its labels: {labels}); only the pending version of a rotation can be worked on"
    )]
    NotPending {
        secret: String,
        token: String,
        labels: String,
    },

    #[error("{}", stuck_message(.secret, .version, *.cleaned))]
    StuckRotation {
        secret: String,
        version: String,
        cleaned: bool,
    },

    #[error(
        "secret {secret} has no AWSPENDING value for version {token}; createSecret must run before {step}"
    )]
    PendingMissing {
        secret: String,
        token: String,
        /// The step's name, as text: `event` uses this module, so this one cannot use `event`.
        step: String,
    },

    #[error("refusing to rotate secret {secret}: {reason}")]
    Unsafe { secret: String, reason: String },

    #[error("password rules for secret {secret}: {problem}")]
    PasswordRules { secret: String, problem: String },

    #[error("database endpoint for secret {secret}: {problem}")]
    Endpoint { secret: String, problem: String },

    #[error("admin secret {arn} (the secret's masterarn): {problem}")]
    AdminSecret { arn: String, problem: String },

    #[error("{what} is busy: {problem}; the step will be retried")]
    Busy { what: String, problem: String },

    #[error("cannot roll back secret {secret}: {reason}")]
    Rollback { secret: String, reason: String },

    #[error(transparent)]
    Database(#[from] DbError),

    #[error("AWS call failed: {0}")]
    Aws(#[from] AwsCallError),

    #[error("{0}; the Lambda deadline is too close to start it safely, the step will be retried")]
    Deadline(String),
}

fn stuck_message(secret: &str, version: &str, cleaned: bool) -> String {
    if cleaned {
        format!(
            "secret {secret} had AWSPENDING on version {version}, left by an earlier rotation that never finished; Vigil removed that label (VIGIL_CLEAN_STUCK_ROTATION=true): start the rotation again"
        )
    } else {
        format!(
            "secret {secret} has AWSPENDING on version {version}, left by an earlier rotation that never finished; set VIGIL_CLEAN_STUCK_ROTATION=true to let Vigil remove that label, or run: aws secretsmanager update-secret-version-stage --secret-id {secret} --version-stage AWSPENDING --remove-from-version-id {version}"
        )
    }
}

impl Cause for Error {
    /// Whether running the same step again later, unchanged, can succeed.
    fn retryable(&self) -> bool {
        match self {
            Error::Aws(e) => e.failure.retryable(),
            Error::Database(e) => matches!(e.kind, DbErrorKind::Network | DbErrorKind::Timeout),
            Error::Deadline(_) | Error::Busy { .. } => true,
            Error::StuckRotation { cleaned, .. } => *cleaned,
            _ => false,
        }
    }

    /// A short name for the cause, used in metrics and the Lambda error type.
    fn cause(&self) -> &'static str {
        match self {
            Error::MalformedEvent(_) => "MalformedEvent",
            Error::MalformedSecret { .. } => "MalformedSecret",
            Error::RotationNotEnabled { .. } => "RotationNotEnabled",
            Error::UnknownVersion { .. } => "UnknownVersion",
            Error::NotPending { .. } => "NotPending",
            Error::StuckRotation { .. } => "StuckRotation",
            Error::PendingMissing { .. } => "PendingMissing",
            Error::Unsafe { .. } => "Unsafe",
            Error::PasswordRules { .. } => "PasswordRules",
            Error::Endpoint { .. } => "Endpoint",
            Error::AdminSecret { .. } => "AdminSecret",
            Error::Busy { .. } => "Busy",
            Error::Rollback { .. } => "Rollback",
            Error::Database(e) => match e.kind {
                DbErrorKind::Authentication => "DatabaseAuthentication",
                DbErrorKind::Network => "DatabaseNetwork",
                DbErrorKind::Tls => "DatabaseTls",
                DbErrorKind::Permission => "DatabasePermission",
                DbErrorKind::Timeout => "DatabaseTimeout",
                DbErrorKind::Unsupported => "DatabaseUnsupported",
                DbErrorKind::Query => "DatabaseQuery",
            },
            Error::Aws(e) => match e.failure {
                vigil::aws::AwsFailure::Throttled => "AwsThrottled",
                vigil::aws::AwsFailure::AccessDenied => "AwsAccessDenied",
                _ => "Aws",
            },
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
        let network = Error::Database(DbError {
            kind: DbErrorKind::Network,
            login: "current user \"app\"".into(),
            message: "connection refused".into(),
        });
        let d: lambda_runtime::Diagnostic = network.into();
        assert_eq!(d.error_type, "Vigil.Retryable.DatabaseNetwork");
        assert!(d.error_message.contains("security groups"));

        let auth = Error::Database(DbError {
            kind: DbErrorKind::Authentication,
            login: "current user \"app\"".into(),
            message: "password authentication failed".into(),
        });
        let d: lambda_runtime::Diagnostic = auth.into();
        assert_eq!(d.error_type, "Vigil.Fatal.DatabaseAuthentication");
    }
}
