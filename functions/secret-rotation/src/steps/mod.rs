//! The rotation core: the four steps, one module each, what every step checks first, and the
//! decisions they make without I/O ([`versions`], [`credentials`]).
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

mod create;
mod credentials;
mod finish;
mod set;
mod test;
mod versions;

use std::sync::OnceLock;

use crate::collect;
use crate::deps::Deps;
use crate::engines::{Login, Role, Session, Target};
use crate::error::{DbError, Error};
use crate::event::{RotationEvent, Step};
use crate::facts::{CURRENT, DbSecret, Endpoint, Engine, PENDING, SecretMeta};
use crate::report::{Outcome, StepResult};

use versions::{VersionState, stale_pending, version_state};

/// Facts a step learns that the report names in metrics and alerts.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub(crate) engine: OnceLock<Engine>,
}

/// One step's view of the rotation.
struct Ctx<'a> {
    event: &'a RotationEvent,
    meta: SecretMeta,
    deps: &'a Deps,
    trace: &'a Trace,
}

impl Ctx<'_> {
    /// The secret's ARN, as DescribeSecret gave it (the event may carry a name).
    fn secret(&self) -> &str {
        &self.meta.arn
    }

    fn token(&self) -> &str {
        &self.event.client_request_token
    }

    fn outcome(&self, result: StepResult, detail: impl Into<String>) -> Outcome {
        Outcome {
            step: self.event.step,
            secret: self.meta.arn.clone(),
            version: self.event.client_request_token.clone(),
            result,
            detail: detail.into(),
        }
    }

    /// The AWSCURRENT credential, parsed.
    async fn current(&self) -> Result<DbSecret, Error> {
        let secret = collect::secret(self.deps, self.secret(), CURRENT, None, CURRENT)
            .await?
            .ok_or_else(|| Error::MalformedSecret {
                which: CURRENT.into(),
                problem: "the secret has no AWSCURRENT value".into(),
            })?;
        let _ = self.trace.engine.set(secret.engine);
        Ok(secret)
    }

    /// The AWSPENDING value of this rotation's version, if createSecret stored one.
    async fn pending(&self) -> Result<Option<DbSecret>, Error> {
        let pending = collect::secret(
            self.deps,
            self.secret(),
            PENDING,
            Some(self.token()),
            PENDING,
        )
        .await?;
        if let Some(secret) = &pending {
            let _ = self.trace.engine.set(secret.engine);
        }
        Ok(pending)
    }

    async fn pending_required(&self) -> Result<DbSecret, Error> {
        self.pending().await?.ok_or_else(|| Error::PendingMissing {
            secret: self.secret().to_owned(),
            token: self.token().to_owned(),
            step: self.event.step.to_string(),
        })
    }

    /// Connection settings for `secret`: its endpoint (resolved through RDS when it names an
    /// instance or cluster) and its TLS mode, or the deployment's default.
    async fn target(&self, secret: &DbSecret) -> Result<Target, Error> {
        let Endpoint { host, port } = collect::endpoint(self.deps, secret, self.secret()).await?;
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

/// `secret`'s credential, used as `role`.
fn login(role: Role, secret: &DbSecret) -> Login<'_> {
    Login {
        role,
        username: &secret.username,
        password: &secret.password,
    }
}

/// Logs in with `secret`'s credential, runs a query and logs out: the proof that a credential
/// works. Returns who the server says the session belongs to.
async fn log_in(target: &Target, role: Role, secret: &DbSecret) -> Result<String, DbError> {
    let mut session = Session::open(target, login(role, secret)).await?;
    let user = session.check().await?;
    session.close().await;
    Ok(user)
}

/// Runs the event's step after the checks every step shares.
pub(crate) async fn run(
    event: &RotationEvent,
    deps: &Deps,
    trace: &Trace,
) -> Result<Outcome, Error> {
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
            Ok(ctx.outcome(
                StepResult::Done,
                "AWSPENDING removed from the current version",
            ))
        }
        (VersionState::Current { .. }, _) => {
            Ok(ctx.outcome(StepResult::NoOp, "this version is already AWSCURRENT"))
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
