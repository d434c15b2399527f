//! The rotation core: the four steps, one module each, what every step checks first, and the
//! decisions they make without I/O ([`versions`], [`credentials`]).
//!
//! Before any step: rotation must be enabled on the secret, and the event's token must be a
//! version of it. A token that is already AWSCURRENT means the work is done (a retry after
//! success) and succeeds without touching anything; otherwise the token must be AWSPENDING.
//! setSecret and testSecret start by reading the token's AWSPENDING value, which only a
//! version holding AWSPENDING has: when it is there, that read is the check, and
//! DescribeSecret is only called to explain why it is not. Each version is read at most once
//! per invocation.
//!
//! How a credential changes depends on its [`Scheme`]:
//! - single user: setSecret logs in as the current credential (the pending one only when the
//!   current one is refused, as after a retry; the previous one last), changes the password,
//!   proves the new one with a fresh login and at once moves AWSCURRENT, so AWSCURRENT logs in
//!   at every step boundary; until finishSecret removes AWSPENDING from that version, set, test
//!   and finish still do their work on it;
//! - alternating users: setSecret, as the admin named by `masterarn` (an RDS-managed master
//!   secret works), sets the other user's password; testSecret proves it; finishSecret moves
//!   AWSCURRENT;
//! - Redis/Valkey ACL users and ElastiCache users hold two passwords for a while: setSecret
//!   adds the new one, testSecret proves it, finishSecret moves AWSCURRENT and then removes the
//!   old one.
//!
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
use std::time::{Duration, Instant};

pub(crate) use credentials::Scheme;
pub(crate) use test::log_in_as;

use crate::aws::elasticache::CacheUser;
use crate::collect;
use crate::deps::Deps;
use crate::engines::{Login, Role, Session, Target};
use crate::error::{DbError, Error};
use crate::event::{RotationEvent, Step};
use crate::facts::{CURRENT, DbSecret, Endpoint, Engine, PENDING, PREVIOUS, Version};
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
    /// The secret's ARN, as Secrets Manager answered it (the event may carry a name).
    arn: String,
    deps: &'a Deps,
    trace: &'a Trace,
}

impl Ctx<'_> {
    fn secret(&self) -> &str {
        &self.arn
    }

    fn token(&self) -> &str {
        &self.event.client_request_token
    }

    fn outcome(&self, result: StepResult, detail: impl Into<String>) -> Outcome {
        Outcome {
            step: self.event.step,
            secret: self.arn.clone(),
            version: self.event.client_request_token.clone(),
            result,
            detail: detail.into(),
            engine: None,
        }
    }

    fn noted(&self, version: Version) -> Version {
        let _ = self.trace.engine.set(version.secret.engine);
        version
    }

    /// The AWSCURRENT version, parsed.
    async fn current(&self) -> Result<Version, Error> {
        let version = collect::secret(self.deps, self.secret(), Some(CURRENT), None, CURRENT)
            .await?
            .ok_or_else(|| Error::MalformedSecret {
                which: CURRENT.into(),
                problem: "the secret has no AWSCURRENT value".into(),
            })?;
        Ok(self.noted(version))
    }

    /// The AWSPENDING value of this rotation's version.
    async fn pending(&self) -> Result<Version, Error> {
        let version = collect::secret(
            self.deps,
            self.secret(),
            Some(PENDING),
            Some(self.token()),
            PENDING,
        )
        .await?
        .ok_or_else(|| Error::PendingMissing {
            secret: self.secret().to_owned(),
            token: self.token().to_owned(),
            step: self.event.step.to_string(),
        })?;
        Ok(self.noted(version))
    }

    /// The AWSPREVIOUS version, if there is one with a value that parses.
    async fn previous(&self) -> Result<Option<Version>, Error> {
        match collect::secret(self.deps, self.secret(), Some(PREVIOUS), None, PREVIOUS).await {
            Ok(previous) => Ok(previous),
            // A previous value that cannot be read is no reason to fail: it is only a fallback.
            Err(Error::MalformedSecret { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn target(&self, secret: &DbSecret) -> Result<Target, Error> {
        target(self.deps, secret, self.secret()).await
    }

    /// The admin credential `masterarn` names, refused unless it is for `target`'s server:
    /// the admin password is only ever sent to its own database.
    async fn admin(&self, master_arn: &str, target: &Target) -> Result<DbSecret, Error> {
        let admin = collect::admin(self.deps, master_arn).await?;
        let elsewhere = admin.host.as_ref().is_some_and(|host| *host != target.host)
            || (admin.host.is_some() && admin.port != target.port);
        if elsewhere {
            return Err(Error::Unsafe {
                secret: self.secret().to_owned(),
                reason: format!(
                    "the admin secret {master_arn} is for another server than this secret; the admin password is only sent to its own database"
                ),
            });
        }
        Ok(admin)
    }

    /// Moves AWSCURRENT to this rotation's version from `from`.
    async fn promote(&self, from: &str) -> Result<(), Error> {
        self.deps
            .secrets
            .move_label(self.secret(), CURRENT, Some(self.token()), Some(from))
            .await?;
        Ok(())
    }

    /// Waits until the ElastiCache user `id` is `active` (a change is applied), within the
    /// connect timeout.
    async fn cache_user_active(&self, id: &str) -> Result<CacheUser, Error> {
        let until = Instant::now() + self.deps.config.connect_timeout;
        loop {
            let user = self.deps.elasticache.user(id).await?;
            if user.status == "active" {
                return Ok(user);
            }
            if Instant::now() >= until {
                return Err(Error::Busy {
                    what: format!("ElastiCache user {id}"),
                    problem: format!("its status is {:?}, not active", user.status),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Connection settings for `secret` (of secret `arn`): its endpoint (resolved through RDS when
/// it names an instance or cluster) and its TLS mode, or the deployment's default.
pub(crate) async fn target(deps: &Deps, secret: &DbSecret, arn: &str) -> Result<Target, Error> {
    let Endpoint { host, port } = collect::endpoint(deps, secret, arn).await?;
    Ok(Target {
        engine: secret.engine,
        host,
        port,
        dbname: secret.dbname.clone(),
        tls: secret.tls.unwrap_or(deps.config.tls_default),
        trust: deps.trust.clone(),
        timeout: deps.config.connect_timeout,
    })
}

/// `secret`'s credential, used as `role`.
fn login(role: Role, secret: &DbSecret) -> Login<'_> {
    Login {
        role,
        username: &secret.username,
        password: &secret.password,
    }
}

/// Logs in with `secret`'s credential and logs out: the proof that a credential works.
async fn log_in(target: &Target, role: Role, secret: &DbSecret) -> Result<(), DbError> {
    Session::open(target, login(role, secret))
        .await?
        .close()
        .await;
    Ok(())
}

/// Runs the event's step after the checks every step shares.
pub(crate) async fn run(
    event: &RotationEvent,
    deps: &Deps,
    trace: &Trace,
) -> Result<Outcome, Error> {
    if matches!(event.step, Step::Set | Step::Test) {
        let token = event.client_request_token.as_str();
        let pending =
            collect::secret(deps, &event.secret_id, Some(PENDING), Some(token), PENDING).await?;
        if let Some(pending) = pending {
            let ctx = Ctx {
                event,
                arn: pending.arn.clone(),
                deps,
                trace,
            };
            let pending = ctx.noted(pending);
            return match event.step {
                Step::Set => set::run(&ctx, pending).await,
                _ => test::run(&ctx, pending).await,
            };
        }
    }
    let meta = deps.secrets.describe(&event.secret_id).await?;
    if !meta.rotation_enabled {
        return Err(Error::RotationNotEnabled {
            secret: meta.arn.clone(),
        });
    }
    let state = version_state(&meta, &event.client_request_token);
    let ctx = Ctx {
        event,
        arn: meta.arn.clone(),
        deps,
        trace,
    };
    match (state, event.step) {
        (VersionState::Current { also_pending: true }, Step::Finish) => {
            finish::run_promoted(&ctx).await
        }
        (VersionState::Current { .. }, _) => {
            Ok(ctx.outcome(StepResult::NoOp, "this version is already AWSCURRENT"))
        }
        (VersionState::Pending, Step::Create) => create::run(&ctx).await,
        (VersionState::Pending, Step::Finish) => finish::run(&ctx, &meta).await,
        // Set and Test found no pending value above.
        (VersionState::Pending, Step::Set) => Err(Error::PendingMissing {
            secret: ctx.arn.clone(),
            token: event.client_request_token.clone(),
            step: event.step.to_string(),
        }),
        (_, Step::Test) => test::check_current(&ctx).await,
        (VersionState::NotAVersion | VersionState::Other(_), _)
            if stale_pending(&meta, &event.client_request_token).is_some() =>
        {
            let version = stale_pending(&meta, &event.client_request_token)
                .unwrap_or_default()
                .to_owned();
            let cleaned = deps.config.clean_stuck_rotation;
            if cleaned {
                tracing::warn!(secret = %meta.arn, %version, "removing AWSPENDING left by an unfinished rotation");
                deps.secrets
                    .move_label(&meta.arn, PENDING, None, Some(&version))
                    .await?;
            }
            Err(Error::StuckRotation {
                secret: meta.arn.clone(),
                version,
                cleaned,
            })
        }
        (VersionState::NotAVersion, _) => Err(Error::UnknownVersion {
            secret: meta.arn.clone(),
            token: event.client_request_token.clone(),
        }),
        (VersionState::Other(labels), _) => Err(Error::NotPending {
            secret: meta.arn.clone(),
            token: event.client_request_token.clone(),
            labels: if labels.is_empty() {
                "none".into()
            } else {
                labels.join(", ")
            },
        }),
    }
}
