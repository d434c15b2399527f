//! finishSecret: promote the pending version to AWSCURRENT and take AWSPENDING off it.
//!
//! Single-user rotations were promoted in setSecret already; finishSecret then only removes
//! AWSPENDING. Alternating users: testSecret proved the pending credential in this rotation,
//! so AWSCURRENT moves without another login. Redis/Valkey and ElastiCache users: AWSCURRENT
//! moves first, then the old password is removed from the user (no application reads it any
//! more), and AWSPENDING comes off last, so a retry after a failure in between still finds the
//! rotation unfinished and removes the old password then. Idempotent: when the version is
//! already current, only the old password and a leftover AWSPENDING label are removed.

use secrecy::ExposeSecret;

use crate::error::Error;
use crate::facts::{CURRENT, DbSecret, PENDING, SecretMeta};
use crate::report::{Outcome, StepResult};

use super::set::{cache_user_id, redis_admin};
use super::{Ctx, Scheme};

/// The token is AWSPENDING only: alternating users, Redis and ElastiCache users.
pub(super) async fn run(ctx: &Ctx<'_>, meta: &SecretMeta) -> Result<Outcome, Error> {
    let current = ctx.current().await?;
    let scheme = Scheme::of(&current.secret);
    if scheme == Scheme::SingleUser {
        // setSecret moves AWSCURRENT as soon as the password changed: a single-user version
        // that is still only pending never reached the database.
        return Err(Error::Unsafe {
            secret: ctx.secret().to_owned(),
            reason: "setSecret has not changed the password for this version yet, so AWSCURRENT stays where it is; run setSecret and testSecret first".into(),
        });
    }
    let from = meta.version_with(CURRENT).unwrap_or(&current.id).to_owned();
    ctx.promote(&from).await?;
    match scheme {
        Scheme::RedisAcl => remove_redis_password(ctx, &current.secret).await?,
        Scheme::ElastiCacheUser => {
            let pending = ctx.pending().await?.secret;
            keep_only_cache_password(ctx, &pending).await?;
        }
        Scheme::SingleUser | Scheme::AlternatingUsers => {}
    }
    drop_pending_label(ctx).await?;
    tracing::info!(secret = ctx.secret(), version = ctx.token(), %scheme, "rotation finished");
    Ok(ctx.outcome(
        StepResult::Done,
        format!("AWSCURRENT moved to this version from {from}"),
    ))
}

/// The token is AWSCURRENT and still AWSPENDING: a single-user rotation promoted in
/// setSecret, or a retry after AWSCURRENT moved.
pub(super) async fn run_promoted(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let current = ctx.current().await?;
    match Scheme::of(&current.secret) {
        Scheme::RedisAcl => {
            if let Some(previous) = ctx.previous().await?
                && previous.secret.password.expose_secret()
                    != current.secret.password.expose_secret()
            {
                remove_redis_password(ctx, &previous.secret).await?;
            }
        }
        Scheme::ElastiCacheUser => keep_only_cache_password(ctx, &current.secret).await?,
        Scheme::SingleUser | Scheme::AlternatingUsers => {}
    }
    drop_pending_label(ctx).await?;
    Ok(ctx.outcome(
        StepResult::Done,
        "AWSPENDING removed from the current version",
    ))
}

/// Removes `old`'s password from its Redis user (through `old`'s admin, who is also the new
/// version's: a rotation changes only the password).
async fn remove_redis_password(ctx: &Ctx<'_>, old: &DbSecret) -> Result<(), Error> {
    let target = ctx.target(old).await?;
    let mut session = redis_admin(ctx, old, &target).await?;
    let acl = session
        .redis()
        .expect("a Redis target opens a Redis session");
    let removed = acl.remove_password(&old.username, &old.password).await;
    session.close().await;
    Ok(removed?)
}

/// Leaves the ElastiCache user with `new`'s password only.
async fn keep_only_cache_password(ctx: &Ctx<'_>, new: &DbSecret) -> Result<(), Error> {
    let id = cache_user_id(ctx, new)?;
    ctx.cache_user_active(&id).await?;
    ctx.deps
        .elasticache
        .set_passwords(&id, &[&new.password])
        .await?;
    Ok(())
}

/// Removes AWSPENDING from this rotation's version, so the next rotation can start.
async fn drop_pending_label(ctx: &Ctx<'_>) -> Result<(), Error> {
    ctx.deps
        .secrets
        .move_label(ctx.secret(), PENDING, None, Some(ctx.token()))
        .await?;
    Ok(())
}
