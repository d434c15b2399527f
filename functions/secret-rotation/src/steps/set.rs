//! setSecret: make the database accept the pending credential, with no failed login in a
//! normal rotation.
//!
//! Single user: log in as the current credential and change the password; only when the
//! current one is refused, try the pending one (a retry after the password already changed)
//! and then the previous one. Then prove the new password with a fresh login (a session keeps
//! working after its password changed, so only a new login proves it) and at once move
//! AWSCURRENT to the new version: a user has only one password, so the old AWSCURRENT stopped
//! working the moment it changed, and leaving the label behind until finishSecret would lock
//! applications out between two invocations. Three connections per rotation in all, with
//! testSecret's.
//! Alternating users: log in with the admin secret named by `masterarn` and set the other
//! user's password, creating the `_clone` user with the original's privileges the first time;
//! testSecret proves it before finishSecret moves AWSCURRENT.
//! Redis/Valkey: add the new password's hash to the user (as `masterarn`'s user, or as the
//! user itself); ElastiCache: ModifyUser with the current and the new password. The current
//! password keeps working.
//!
//! The database is only ever contacted at the host the AWSCURRENT secret names.

use crate::engines::{Role, Session, Target};
use crate::error::{DbErrorKind, Error};
use crate::facts::{DbSecret, Version};
use crate::report::{Outcome, StepResult};

use super::credentials::{original_username, pending_user_allowed, same_database};
use super::{Ctx, Scheme, log_in, login};

pub(super) async fn run(ctx: &Ctx<'_>, pending: Version) -> Result<Outcome, Error> {
    let current = ctx.current().await?;
    let pending = pending.secret;
    if current.id == ctx.token() {
        // Already promoted (by an earlier setSecret of a single-user rotation, or by a
        // finishSecret that did not get to remove AWSPENDING): only prove it still logs in.
        if Scheme::of(&pending) != Scheme::ElastiCacheUser {
            let target = ctx.target(&pending).await?;
            log_in(&target, Role::Pending, &pending).await?;
        }
        return Ok(ctx.outcome(
            StepResult::AlreadyDone,
            "this version is AWSCURRENT and logs in",
        ));
    }
    let unsafe_error = |reason: String| Error::Unsafe {
        secret: ctx.secret().to_owned(),
        reason,
    };
    same_database(&current.secret, &pending, "the AWSPENDING value").map_err(unsafe_error)?;
    pending_user_allowed(&current.secret, &pending).map_err(unsafe_error)?;

    match Scheme::of(&current.secret) {
        Scheme::SingleUser => set_as_self(ctx, &current, &pending).await,
        Scheme::AlternatingUsers => {
            let target = ctx.target(&pending).await?;
            let detail = set_as_admin(ctx, &current.secret, &pending, &target).await?;
            Ok(ctx.outcome(StepResult::Done, detail))
        }
        Scheme::RedisAcl => add_redis_password(ctx, &current.secret, &pending).await,
        Scheme::ElastiCacheUser => add_cache_password(ctx, &current.secret, &pending).await,
    }
}

async fn set_as_self(
    ctx: &Ctx<'_>,
    current: &Version,
    pending: &DbSecret,
) -> Result<Outcome, Error> {
    let target = ctx.target(pending).await?;
    let refused = match Session::open(&target, login(Role::Current, &current.secret)).await {
        Ok(session) => {
            change_own_password(session, pending).await?;
            None
        }
        Err(e) if e.kind == DbErrorKind::Authentication => Some(e),
        Err(e) => return Err(e.into()),
    };
    let detail = match refused {
        None => "logged in with the current credential",
        Some(current_refused) => {
            // The current password no longer works: a retry after this step changed it already,
            // or a change by hand.
            match log_in(&target, Role::Pending, pending).await {
                Ok(()) => {
                    ctx.promote(&current.id).await?;
                    return Ok(ctx.outcome(
                        StepResult::AlreadyDone,
                        "the pending credential already logs in; AWSCURRENT moved to this version",
                    ));
                }
                Err(e) if e.kind == DbErrorKind::Authentication => {}
                Err(e) => return Err(e.into()),
            }
            let previous = ctx.previous().await?.filter(|p| {
                p.secret.username == current.secret.username
                    && same_database(&current.secret, &p.secret, "AWSPREVIOUS").is_ok()
            });
            let Some(previous) = previous else {
                return Err(current_refused.into());
            };
            let session = Session::open(&target, login(Role::Previous, &previous.secret)).await?;
            change_own_password(session, pending).await?;
            "logged in with the previous credential"
        }
    };
    // Proof before AWSCURRENT moves: the database now accepts the pending credential.
    log_in(&target, Role::Pending, pending).await?;
    ctx.promote(&current.id).await?;
    Ok(ctx.outcome(
        StepResult::Done,
        format!(
            "password of user {:?} changed, {detail}; AWSCURRENT moved to this version",
            pending.username
        ),
    ))
}

async fn change_own_password(mut session: Session, pending: &DbSecret) -> Result<(), Error> {
    let changed = session
        .set_own_password(&pending.username, &pending.password)
        .await;
    session.close().await;
    Ok(changed?)
}

async fn set_as_admin(
    ctx: &Ctx<'_>,
    current: &DbSecret,
    pending: &DbSecret,
    target: &Target,
) -> Result<String, Error> {
    let master_arn = current.masterarn.as_deref().unwrap_or_default();
    let admin = ctx.admin(master_arn, target).await?;
    let mut session = Session::open(target, login(Role::Admin, &admin)).await?;
    let original = original_username(&pending.username);
    let changed = if pending.username == original {
        session
            .set_user_password(original, &pending.password)
            .await
            .map(|()| format!("password of user {original:?} changed by the admin user"))
    } else {
        session
            .upsert_clone(original, &pending.username, &pending.password)
            .await
            .map(|()| {
                format!(
                    "user {:?} created or updated with the privileges of {original:?}",
                    pending.username
                )
            })
    };
    session.close().await;
    Ok(changed?)
}

/// Redis/Valkey: the user gets the new password's hash besides the current one.
async fn add_redis_password(
    ctx: &Ctx<'_>,
    current: &DbSecret,
    pending: &DbSecret,
) -> Result<Outcome, Error> {
    let target = ctx.target(pending).await?;
    let mut session = redis_admin(ctx, current, &target).await?;
    let added = async {
        let acl = session
            .redis()
            .expect("a Redis target opens a Redis session");
        let user = acl.user(&pending.username).await?;
        user_can_rotate(ctx, &pending.username, user.as_ref())?;
        acl.add_password(&pending.username, &pending.password)
            .await?;
        Ok::<_, Error>(())
    }
    .await;
    session.close().await;
    added?;
    Ok(ctx.outcome(
        StepResult::Done,
        format!(
            "new password added to user {:?} by its SHA-256 hash; the current one works until finishSecret",
            pending.username
        ),
    ))
}

/// A session that may run `ACL SETUSER`: `masterarn`'s user, or the user itself.
pub(super) async fn redis_admin(
    ctx: &Ctx<'_>,
    current: &DbSecret,
    target: &Target,
) -> Result<Session, Error> {
    match &current.masterarn {
        Some(master_arn) => {
            let admin = ctx.admin(master_arn, target).await?;
            Ok(Session::open(target, login(Role::Admin, &admin)).await?)
        }
        None => Ok(Session::open(target, login(Role::Current, current)).await?),
    }
}

/// Refuses users rotation would change beyond their passwords, or cannot help.
fn user_can_rotate(
    ctx: &Ctx<'_>,
    username: &str,
    user: Option<&crate::engines::redis::AclUser>,
) -> Result<(), Error> {
    let refuse = |reason: String| Error::Unsafe {
        secret: ctx.secret().to_owned(),
        reason,
    };
    let Some(user) = user else {
        return Err(refuse(format!(
            "the Redis server has no ACL user {username:?}; create it (ACL SETUSER) or fix the secret's username"
        )));
    };
    if user.flags.iter().any(|f| f == "nopass") {
        return Err(refuse(format!(
            "ACL user {username:?} has `nopass` (any password logs in); adding a password would change that rule, so set its passwords by hand first (ACL SETUSER {username} resetpass >...)"
        )));
    }
    if user.flags.iter().any(|f| f == "off") {
        return Err(refuse(format!(
            "ACL user {username:?} is switched off; nothing could log in to prove a new password"
        )));
    }
    Ok(())
}

/// ElastiCache: the user keeps the current password and gets the new one (ModifyUser takes
/// both in clear text; the API has no hash form).
async fn add_cache_password(
    ctx: &Ctx<'_>,
    current: &DbSecret,
    pending: &DbSecret,
) -> Result<Outcome, Error> {
    let id = cache_user_id(ctx, current)?;
    let user = ctx.cache_user_active(&id).await?;
    if user.authentication != "password" {
        return Err(Error::Unsafe {
            secret: ctx.secret().to_owned(),
            reason: format!(
                "ElastiCache user {id} authenticates by {:?}, not by password; there is nothing to rotate",
                user.authentication
            ),
        });
    }
    ctx.deps
        .elasticache
        .set_passwords(&id, &[&current.password, &pending.password])
        .await?;
    Ok(ctx.outcome(
        StepResult::Done,
        format!("ElastiCache user {id} accepts the current and the new password"),
    ))
}

/// The user id in an ElastiCache user ARN (`arn:aws:elasticache:…:user:<id>`).
pub(super) fn cache_user_id(ctx: &Ctx<'_>, secret: &DbSecret) -> Result<String, Error> {
    let arn = secret.user_arn.as_deref().unwrap_or_default();
    vigil::arn::Arn::parse(arn)
        .and_then(|a| a.resource.strip_prefix("user:").map(str::to_owned))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::MalformedSecret {
            which: format!("{} of {}", crate::facts::CURRENT, ctx.secret()),
            problem: "field `user_arn` is not an ElastiCache user ARN (arn:aws:elasticache:REGION:ACCOUNT:user:ID)".into(),
        })
}
