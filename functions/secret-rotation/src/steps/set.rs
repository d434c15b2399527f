//! setSecret: make the database accept the pending credential.
//!
//! If the pending credential already logs in, there is nothing to do (a retry). Single user:
//! log in as the current credential, or the previous one if the current no longer works,
//! change the password, and at once move AWSCURRENT to the new version: a user has only one
//! password, so the old AWSCURRENT stopped working the moment it changed, and leaving the label
//! behind until finishSecret would lock applications out between two invocations.
//! Alternating users: log in with the admin secret named by `masterarn` and set the other
//! user's password, creating the `_clone` user with the original's privileges the first time. The database is only ever contacted at the host the AWSCURRENT
//! secret names.

use crate::collect;
use crate::engines::{Role, Session, Target};
use crate::error::{DbErrorKind, Error};
use crate::facts::{CURRENT, DbSecret, PREVIOUS};
use crate::report::{Outcome, StepResult};

use super::credentials::{original_username, pending_user_allowed, same_database};
use super::{Ctx, log_in, login};

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let pending = ctx.pending_required().await?;
    if ctx.meta.version_with(CURRENT) == Some(ctx.token()) {
        // Already promoted (by an earlier setSecret of a single-user rotation, or by a
        // finishSecret that did not get to remove AWSPENDING): only prove it still logs in.
        let target = ctx.target(&pending).await?;
        log_in(&target, Role::Pending, &pending).await?;
        return Ok(ctx.outcome(
            StepResult::AlreadyDone,
            "this version is AWSCURRENT and logs in",
        ));
    }
    let current = ctx.current().await?;
    let unsafe_error = |reason: String| Error::Unsafe {
        secret: ctx.secret().to_owned(),
        reason,
    };
    same_database(&current, &pending, "the AWSPENDING value").map_err(unsafe_error)?;
    pending_user_allowed(&current, &pending).map_err(unsafe_error)?;

    let target = ctx.target(&pending).await?;
    match log_in(&target, Role::Pending, &pending).await {
        Ok(_) => {
            if !current.is_alternating() {
                promote(ctx).await?;
            }
            return Ok(ctx.outcome(
                StepResult::AlreadyDone,
                "the pending credential already logs in",
            ));
        }
        Err(e) if e.kind == DbErrorKind::Authentication => {}
        Err(e) => return Err(e.into()),
    }

    let detail = if current.is_alternating() {
        set_as_admin(ctx, &current, &pending, &target).await?
    } else {
        set_as_self(ctx, &current, &pending, &target).await?
    };

    // Proof before reporting success: the database now accepts the pending credential.
    log_in(&target, Role::Pending, &pending).await?;
    if !current.is_alternating() {
        promote(ctx).await?;
        return Ok(ctx.outcome(
            StepResult::Done,
            format!("{detail}; AWSCURRENT moved to this version"),
        ));
    }
    Ok(ctx.outcome(StepResult::Done, detail))
}

/// Single user: AWSCURRENT follows the password the database now has.
async fn promote(ctx: &Ctx<'_>) -> Result<(), Error> {
    match ctx.meta.version_with(CURRENT) {
        Some(version) if version == ctx.token() => Ok(()),
        from => {
            ctx.deps
                .secrets
                .move_label(ctx.secret(), CURRENT, Some(ctx.token()), from)
                .await?;
            Ok(())
        }
    }
}

async fn set_as_self(
    ctx: &Ctx<'_>,
    current: &DbSecret,
    pending: &DbSecret,
    target: &Target,
) -> Result<String, Error> {
    let previous = match collect::secret(ctx.deps, ctx.secret(), PREVIOUS, None, PREVIOUS).await {
        Ok(previous) => previous.filter(|p| {
            p.username == current.username && same_database(current, p, PREVIOUS).is_ok()
        }),
        // A previous value that cannot be read is no reason to fail: it is only a fallback.
        Err(Error::MalformedSecret { .. }) => None,
        Err(e) => return Err(e),
    };
    let mut last_error = None;
    for (role, secret) in [
        (Role::Current, Some(current)),
        (Role::Previous, previous.as_ref()),
    ] {
        let Some(secret) = secret else { continue };
        match Session::open(target, login(role, secret)).await {
            Ok(mut session) => {
                session
                    .set_own_password(&pending.username, &pending.password)
                    .await?;
                session.close().await;
                return Ok(format!(
                    "password of user {:?} changed, logged in with the {role} credential",
                    pending.username
                ));
            }
            Err(e) if e.kind == DbErrorKind::Authentication => last_error = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    Err(last_error
        .map(Error::from)
        .unwrap_or_else(|| Error::MalformedSecret {
            which: CURRENT.into(),
            problem: "no credential to log in with".into(),
        }))
}

async fn set_as_admin(
    ctx: &Ctx<'_>,
    current: &DbSecret,
    pending: &DbSecret,
    target: &Target,
) -> Result<String, Error> {
    let master_arn = current.masterarn.as_deref().unwrap_or_default();
    let which = format!("admin secret {master_arn}");
    let admin = collect::secret(ctx.deps, master_arn, CURRENT, None, &which)
        .await?
        .ok_or_else(|| Error::MalformedSecret {
            which: which.clone(),
            problem: "it has no AWSCURRENT value".into(),
        })?;
    if admin.host.is_some() && admin.host != current.host {
        return Err(Error::Unsafe {
            secret: ctx.secret().to_owned(),
            reason: format!(
                "the admin secret {master_arn} is for another host than this secret; the admin password is only sent to its own database"
            ),
        });
    }
    let mut session = Session::open(target, login(Role::Admin, &admin)).await?;
    let original = original_username(&pending.username);
    let detail = if pending.username == original {
        session
            .set_user_password(original, &pending.password)
            .await?;
        format!("password of user {original:?} changed by the admin user")
    } else {
        session
            .upsert_clone(original, &pending.username, &pending.password)
            .await?;
        format!(
            "user {:?} created or updated with the privileges of {original:?}",
            pending.username
        )
    };
    session.close().await;
    Ok(detail)
}
