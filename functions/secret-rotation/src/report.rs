//! What an invocation reports: the answer ([`Outcome`]), its log line, the EMF metrics and,
//! on failure, the alert. Built here from plain data; the handler publishes and emits them.

use std::time::Duration;

use serde::Serialize;
use vigil::alert::Alert;
use vigil::error::Cause;
use vigil::metrics::{MetricSet, Unit};

use crate::error::Error;
use crate::event::Step;
use crate::facts::Engine;

const FUNCTION: &str = "secret-rotation";

/// Stands in for the step and the secret when the event could not be read, and for the
/// engine when no secret was.
const UNKNOWN: &str = "unknown";

/// How a step ended; its serde name is the one the answer, logs and metrics use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepResult {
    /// The step did its work.
    Done,
    /// A retry found the work finished.
    AlreadyDone,
    /// The version is already AWSCURRENT.
    NoOp,
}

serde_plain::derive_display_from_serialize!(StepResult);

/// What a step did, returned to the caller as the invocation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub step: Step,
    pub secret: String,
    pub version: String,
    pub result: StepResult,
    pub detail: String,
    /// The engine of the secret, once a version was read (the metrics' `Engine` dimension).
    pub engine: Option<String>,
}

/// One invocation as its report names it: the step, the secret as the event named it, and
/// the engine once a secret was read.
pub(crate) struct Invocation {
    pub(crate) step: Option<Step>,
    pub(crate) secret: Option<String>,
    pub(crate) engine: Option<Engine>,
}

impl Invocation {
    fn step(&self) -> String {
        self.step
            .map_or_else(|| UNKNOWN.to_owned(), |s| s.to_string())
    }

    fn engine(&self) -> String {
        self.engine
            .map_or_else(|| UNKNOWN.to_owned(), |e| e.to_string())
    }

    /// The invocation's one log line.
    pub(crate) fn log(&self, result: &Result<Outcome, Error>) {
        let step = self.step();
        match result {
            Ok(outcome) => {
                tracing::info!(step, result = %outcome.result, detail = %outcome.detail, "step finished");
            }
            Err(error) => {
                tracing::error!(step, cause = error.cause(), retryable = error.retryable(), %error, "step failed");
            }
        }
    }

    /// The EMF record: success or failure by function, engine and step, and the duration.
    pub(crate) fn metrics(
        &self,
        namespace: &str,
        result: &Result<Outcome, Error>,
        elapsed: Duration,
    ) -> MetricSet {
        let metrics = MetricSet::new(namespace)
            .dimension("Function", FUNCTION)
            .dimension("Engine", self.engine())
            .dimension("Step", self.step())
            .metric(
                "Succeeded",
                f64::from(u8::from(result.is_ok())),
                Unit::Count,
            )
            .metric("Failed", f64::from(u8::from(result.is_err())), Unit::Count)
            .metric(
                "Duration",
                elapsed.as_secs_f64() * 1000.0,
                Unit::Milliseconds,
            );
        match result {
            Ok(outcome) => metrics.property("result", outcome.result.to_string()),
            Err(error) => metrics
                .property("cause", error.cause())
                .property("retryable", error.retryable()),
        }
    }

    /// The alert for a failed step: the shared invocation-failure alert, then the secret, the
    /// step, the engine and what the failure means for the credential.
    pub(crate) fn failure_alert(&self, error: &Error) -> Alert {
        let step = self.step();
        let secret = self.secret.as_deref().unwrap_or(UNKNOWN);
        let name = vigil::arn::Arn::parse(secret).map_or(secret, |arn| {
            arn.resource.strip_prefix("secret:").unwrap_or(arn.resource)
        });
        let mut alert = vigil::error::invocation_failed(
            FUNCTION,
            format!("Rotation {step} failed for {name}"),
            error,
            "Secrets Manager retries the rotation",
        )
        .fact("secret", secret)
        .fact("step", step)
        .fact("engine", self.engine());
        if !error.retryable() {
            alert = alert.fact(
                "after the fix",
                format!("rotate again: aws secretsmanager rotate-secret --secret-id {secret}"),
            );
        }
        alert.fact(
            "credential state",
            "AWSCURRENT is unchanged until finishSecret succeeds, so applications keep working",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    use vigil::alert::Severity;

    use crate::error::{DbError, DbErrorKind};

    fn invocation() -> Invocation {
        Invocation {
            step: Some(Step::Set),
            secret: Some(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/orders-AbCdEf".into(),
            ),
            engine: Some(Engine::MariaDb),
        }
    }

    fn auth_failure() -> Error {
        Error::Database(DbError {
            kind: DbErrorKind::Authentication,
            login: "current user \"app\"".into(),
            message: "access denied".into(),
        })
    }

    fn fact<'a>(alert: &'a Alert, name: &str) -> Option<&'a str> {
        alert
            .facts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn failure_alert_names_the_secret_step_engine_and_credential_state() {
        let alert = invocation().failure_alert(&auth_failure());
        assert_eq!(alert.severity, Severity::High);
        assert_eq!(
            alert.title,
            "Rotation setSecret failed for db/orders-AbCdEf"
        );
        assert_eq!(fact(&alert, "step"), Some("setSecret"));
        assert_eq!(fact(&alert, "engine"), Some("mariadb"));
        assert_eq!(fact(&alert, "cause"), Some("DatabaseAuthentication"));
        assert!(fact(&alert, "after the fix").is_some_and(|f| f.contains("rotate-secret")));
        assert!(fact(&alert, "credential state").is_some());
    }

    #[test]
    fn metrics_use_the_serde_names_and_unknown_before_the_event_is_read() {
        let ok = Ok(Outcome {
            step: Step::Set,
            secret: "s".into(),
            version: "v".into(),
            result: StepResult::AlreadyDone,
            detail: String::new(),
            engine: None,
        });
        let doc = invocation()
            .metrics("Vigil", &ok, Duration::from_millis(5))
            .to_json(UNIX_EPOCH);
        assert_eq!(doc["Step"], "setSecret");
        assert_eq!(doc["Engine"], "mariadb");
        assert_eq!(doc["result"], "already-done");

        let unread = Invocation {
            step: None,
            secret: None,
            engine: None,
        };
        let doc = unread
            .metrics("Vigil", &Err(auth_failure()), Duration::ZERO)
            .to_json(UNIX_EPOCH);
        assert_eq!(doc["Step"], "unknown");
        assert_eq!(doc["Engine"], "unknown");
        assert_eq!(doc["cause"], "DatabaseAuthentication");
        assert_eq!(doc["retryable"], false);
    }
}
