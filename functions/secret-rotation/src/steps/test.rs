//! testSecret: log in with the pending credential (over TLS unless the secret says otherwise)
//! and check the server agrees who logged in. For an ElastiCache user, first wait until
//! ElastiCache has applied setSecret's change; it is logged in to when the secret names the
//! cache's endpoint (`host`).

use crate::engines::{Role, Session, Target};
use crate::error::{DbError, DbErrorKind, Error};
use crate::facts::{DbSecret, Version};
use crate::report::{Outcome, StepResult};

use super::set::cache_user_id;
use super::{Ctx, Scheme, login};

pub(super) async fn run(ctx: &Ctx<'_>, pending: Version) -> Result<Outcome, Error> {
    let pending = pending.secret;
    if Scheme::of(&pending) == Scheme::ElastiCacheUser {
        let id = cache_user_id(ctx, &pending)?;
        let user = ctx.cache_user_active(&id).await?;
        if pending.host.is_none() {
            return Ok(ctx.outcome(
                StepResult::Done,
                format!(
                    "ElastiCache applied the change to user {id} ({} passwords); the secret names no host to log in to",
                    user.password_count
                ),
            ));
        }
    }
    let target = ctx.target(&pending).await?;
    let user = log_in_as(&target, Role::Pending, &pending).await?;
    Ok(ctx.outcome(
        StepResult::Done,
        format!("pending credential logs in as {user}"),
    ))
}

/// The configuration test Secrets Manager runs when rotation is set up without rotating at
/// once: the current credential must log in with this function's network and TLS settings.
pub(super) async fn check_current(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let current = ctx.current().await?.secret;
    let target = ctx.target(&current).await?;
    let user = log_in_as(&target, Role::Current, &current).await?;
    Ok(ctx.outcome(
        StepResult::Done,
        format!("configuration test: current credential logs in as {user}"),
    ))
}

/// Logs in and checks that the server agrees on who logged in.
pub(crate) async fn log_in_as(
    target: &Target,
    role: Role,
    secret: &DbSecret,
) -> Result<String, Error> {
    let mut session = Session::open(target, login(role, secret)).await?;
    let user = session.check().await;
    session.close().await;
    let user = user?;
    let username = secret.username.as_str();
    // MySQL answers `user@host`; PostgreSQL the role name; Redis the ACL user.
    let logged_in = user.rsplit_once('@').map_or(user.as_str(), |(u, _)| u);
    if logged_in != username {
        return Err(DbError {
            kind: DbErrorKind::Authentication,
            login: format!("{role} user {username:?}"),
            message: format!("the server says the session belongs to {user:?}"),
        }
        .into());
    }
    Ok(user)
}
