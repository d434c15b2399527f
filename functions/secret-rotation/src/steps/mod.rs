//! The four rotation steps, one module each, and what every step checks first.
//!
//! Before any step: rotation must be enabled on the secret, and the event's token must be a
//! version of it. A token that is already AWSCURRENT means the work is done (a retry after
//! success) and succeeds without touching anything; otherwise the token must be AWSPENDING.
//! Single-user rotation moves AWSCURRENT in setSecret, right after the database accepted the
//! new password, so AWSCURRENT logs in at every step boundary; until finishSecret removes
//! AWSPENDING from that version, set, test and finish still do their work on it.
//! The one exception is testSecret for a token with no pending value, which Secrets Manager
//! sends when rotation is configured without rotating immediately: it checks that the current
//! credential logs in, proving the configuration.
//!
//! A token that is not pending while another version still holds AWSPENDING is the mark of
//! an earlier rotation that never finished: that is reported with the exact fix, and removed
//! when `VIGIL_CLEAN_STUCK_ROTATION` is on.

pub mod create;
pub mod finish;
pub mod set;
pub mod test;

use std::sync::OnceLock;

use secrecy::SecretString;
use serde::Serialize;

use crate::engines::{Login, Target};
use crate::error::Error;
use crate::event::{RotationEvent, Step};
use crate::handler::Deps;
use crate::rds::Endpoint;
use crate::secret::{DbSecret, Engine};
use crate::secrets::{CURRENT, PENDING, SecretMeta};

/// What a step did, returned to the caller as the invocation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub step: &'static str,
    pub secret: String,
    pub version: String,
    /// `done`, `already-done` (a retry found the work finished) or `no-op` (the version is
    /// already AWSCURRENT).
    pub result: &'static str,
    pub detail: String,
}

/// Facts a step learns that the handler reports in metrics and alerts.
#[derive(Debug, Default)]
pub struct Trace {
    pub engine: OnceLock<Engine>,
}

/// Where the event's token stands among the secret's versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionState {
    Current { also_pending: bool },
    Pending,
    NotAVersion,
    Other(Vec<String>),
}

pub fn version_state(meta: &SecretMeta, token: &str) -> VersionState {
    match meta.labels(token) {
        None => VersionState::NotAVersion,
        Some(labels) if labels.iter().any(|l| l == CURRENT) => VersionState::Current {
            also_pending: labels.iter().any(|l| l == PENDING),
        },
        Some(labels) if labels.iter().any(|l| l == PENDING) => VersionState::Pending,
        Some(labels) => VersionState::Other(labels.to_vec()),
    }
}

/// One step's view of the rotation.
pub struct Ctx<'a> {
    pub event: &'a RotationEvent,
    pub meta: SecretMeta,
    pub deps: &'a Deps,
    pub trace: &'a Trace,
}

impl Ctx<'_> {
    /// The secret's ARN, as DescribeSecret gave it (the event may carry a name).
    pub fn secret(&self) -> &str {
        &self.meta.arn
    }

    pub fn token(&self) -> &str {
        &self.event.client_request_token
    }

    pub fn outcome(&self, result: &'static str, detail: impl Into<String>) -> Outcome {
        Outcome {
            step: self.event.step.as_str(),
            secret: self.meta.arn.clone(),
            version: self.event.client_request_token.clone(),
            result,
            detail: detail.into(),
        }
    }

    /// The AWSCURRENT credential, parsed.
    pub async fn current(&self) -> Result<DbSecret, Error> {
        let text = self
            .deps
            .secrets
            .value(self.secret(), CURRENT, None)
            .await?
            .ok_or_else(|| Error::MalformedSecret {
                which: CURRENT.into(),
                problem: "the secret has no AWSCURRENT value".into(),
            })?;
        let secret = DbSecret::parse(secrecy::ExposeSecret::expose_secret(&text), CURRENT)?;
        let _ = self.trace.engine.set(secret.engine);
        Ok(secret)
    }

    /// The AWSPENDING value of this rotation's version, if createSecret stored one.
    pub async fn pending(&self) -> Result<Option<DbSecret>, Error> {
        let text = self
            .deps
            .secrets
            .value(self.secret(), PENDING, Some(self.token()))
            .await?;
        let pending = text
            .map(|t| DbSecret::parse(secrecy::ExposeSecret::expose_secret(&t), PENDING))
            .transpose()?;
        if let Some(secret) = &pending {
            let _ = self.trace.engine.set(secret.engine);
        }
        Ok(pending)
    }

    pub async fn pending_required(&self) -> Result<DbSecret, Error> {
        self.pending().await?.ok_or_else(|| Error::PendingMissing {
            secret: self.secret().to_owned(),
            token: self.token().to_owned(),
            step: self.event.step.as_str(),
        })
    }

    /// Connection settings for `secret`: its endpoint (resolved through RDS when it names an
    /// instance or cluster) and its TLS mode, or the deployment's default.
    pub async fn target(&self, secret: &DbSecret) -> Result<Target, Error> {
        let Endpoint { host, port } = self.deps.rds.resolve(secret, self.secret()).await?;
        Ok(Target {
            engine: secret.engine,
            host,
            port,
            dbname: secret.dbname.clone(),
            tls: secret.tls.unwrap_or(self.deps.config.tls_default),
            trusted_ca_pem: self.deps.trusted_ca_pem.clone(),
            timeout: self.deps.config.connect_timeout,
        })
    }
}

pub fn login<'a>(role: &'static str, username: &'a str, password: &'a SecretString) -> Login<'a> {
    Login {
        role,
        username,
        password,
    }
}

/// Runs the event's step after the checks every step shares.
pub async fn run(event: &RotationEvent, deps: &Deps, trace: &Trace) -> Result<Outcome, Error> {
    let meta = deps.secrets.describe(&event.secret_id).await?;
    if !meta.rotation_enabled {
        return Err(Error::RotationNotEnabled {
            secret: meta.arn.clone(),
        });
    }
    let state = version_state(&meta, &event.client_request_token);
    let ctx = Ctx {
        event,
        meta,
        deps,
        trace,
    };
    match (state, event.step) {
        // Single-user rotation promotes in setSecret (see `set`); until finishSecret takes
        // AWSPENDING off, the rotation is still under way on the current version.
        (VersionState::Current { also_pending: true }, Step::Set) => set::run(&ctx).await,
        (VersionState::Current { also_pending: true }, Step::Test) => test::run(&ctx).await,
        (VersionState::Current { also_pending: true }, Step::Finish) => {
            finish::drop_pending_label(&ctx).await?;
            Ok(ctx.outcome("done", "AWSPENDING removed from the current version"))
        }
        (VersionState::Current { .. }, _) => {
            Ok(ctx.outcome("no-op", "this version is already AWSCURRENT"))
        }
        (VersionState::Pending, Step::Create) => create::run(&ctx).await,
        (VersionState::Pending, Step::Set) => set::run(&ctx).await,
        (VersionState::Pending, Step::Test) => test::run(&ctx).await,
        (VersionState::Pending, Step::Finish) => finish::run(&ctx).await,
        (VersionState::NotAVersion | VersionState::Other(_), Step::Test) => {
            test::check_current(&ctx).await
        }
        (VersionState::NotAVersion | VersionState::Other(_), _)
            if stale_pending(&ctx.meta, &event.client_request_token).is_some() =>
        {
            let version = stale_pending(&ctx.meta, &event.client_request_token)
                .unwrap_or_default()
                .to_owned();
            let cleaned = deps.config.clean_stuck_rotation;
            if cleaned {
                tracing::warn!(secret = %ctx.meta.arn, %version, "removing AWSPENDING left by an unfinished rotation");
                deps.secrets
                    .move_label(&ctx.meta.arn, PENDING, None, Some(&version))
                    .await?;
            }
            Err(Error::StuckRotation {
                secret: ctx.meta.arn.clone(),
                version,
                cleaned,
            })
        }
        (VersionState::NotAVersion, _) => Err(Error::UnknownVersion {
            secret: ctx.meta.arn.clone(),
            token: event.client_request_token.clone(),
        }),
        (VersionState::Other(labels), _) => Err(Error::NotPending {
            secret: ctx.meta.arn.clone(),
            token: event.client_request_token.clone(),
            labels: if labels.is_empty() {
                "none".into()
            } else {
                labels.join(", ")
            },
        }),
    }
}

/// A version other than `token` that holds AWSPENDING without being AWSCURRENT: what an
/// earlier rotation that never finished leaves behind, and what makes Secrets Manager refuse
/// to start a new one.
pub fn stale_pending<'m>(meta: &'m SecretMeta, token: &str) -> Option<&'m str> {
    let pending = meta.version_with(PENDING)?;
    let is_current = meta
        .labels(pending)
        .is_some_and(|labels| labels.iter().any(|l| l == CURRENT));
    (pending != token && !is_current).then_some(pending)
}

/// The pending credential must point at the same database as the current one: a pending
/// value edited to point elsewhere would otherwise receive the current or admin password.
pub fn same_database(current: &DbSecret, other: &DbSecret, what: &str) -> Result<(), String> {
    let mismatch = |field: &str| {
        Err(format!(
            "{what} names a different {field} than AWSCURRENT; a credential is only ever sent to the database the current secret names"
        ))
    };
    if current.engine != other.engine {
        return mismatch("engine");
    }
    if current.host != other.host {
        return mismatch("host");
    }
    if current.port != other.port {
        return mismatch("port");
    }
    if current.db_instance_identifier != other.db_instance_identifier
        || current.db_cluster_identifier != other.db_cluster_identifier
    {
        return mismatch("RDS identifier");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn meta(pairs: &[(&str, &[&str])]) -> SecretMeta {
        SecretMeta {
            arn: "arn".into(),
            rotation_enabled: true,
            versions: pairs
                .iter()
                .map(|(v, ls)| (v.to_string(), ls.iter().map(|l| l.to_string()).collect()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn classifies_the_token() {
        let m = meta(&[
            ("cur", &["AWSCURRENT"]),
            ("pend", &["AWSPENDING"]),
            ("prev", &["AWSPREVIOUS"]),
            ("both", &["AWSCURRENT", "AWSPENDING"]),
        ]);
        assert_eq!(
            version_state(&m, "cur"),
            VersionState::Current {
                also_pending: false
            }
        );
        assert_eq!(
            version_state(&m, "both"),
            VersionState::Current { also_pending: true }
        );
        assert_eq!(version_state(&m, "pend"), VersionState::Pending);
        assert_eq!(version_state(&m, "nope"), VersionState::NotAVersion);
        assert_eq!(
            version_state(&m, "prev"),
            VersionState::Other(vec!["AWSPREVIOUS".into()])
        );
    }

    #[test]
    fn stale_pending_is_another_unfinished_version() {
        let stuck = meta(&[("cur", &["AWSCURRENT"]), ("old", &["AWSPENDING"])]);
        assert_eq!(stale_pending(&stuck, "new"), Some("old"));
        assert_eq!(stale_pending(&stuck, "old"), None);
        let done = meta(&[("cur", &["AWSCURRENT", "AWSPENDING"])]);
        assert_eq!(stale_pending(&done, "new"), None);
    }

    #[test]
    fn pending_must_name_the_same_database() {
        let base = r#""engine":"postgres","port":5432,"username":"u","password":"p""#;
        let current = DbSecret::parse(&format!(r#"{{{base},"host":"db"}}"#), "AWSCURRENT").unwrap();
        let same = DbSecret::parse(&format!(r#"{{{base},"host":"db"}}"#), "AWSPENDING").unwrap();
        let evil = DbSecret::parse(&format!(r#"{{{base},"host":"evil"}}"#), "AWSPENDING").unwrap();
        assert!(same_database(&current, &same, "AWSPENDING").is_ok());
        let err = same_database(&current, &evil, "AWSPENDING").unwrap_err();
        assert!(err.contains("different host"), "{err}");
    }
}
