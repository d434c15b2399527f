//! testSecret: log in with the pending credential (over TLS unless the secret says otherwise)
//! and run a query as that user.

use crate::engines::{Role, Target};
use crate::error::{DbError, DbErrorKind, Error};
use crate::facts::DbSecret;
use crate::report::{Outcome, StepResult};

use super::{Ctx, log_in};

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let pending = match ctx.pending().await? {
        Some(pending) => pending,
        // The pending version has no value of its own yet: a configuration test.
        None => return check_current(ctx).await,
    };
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
    let current = ctx.current().await?;
    let target = ctx.target(&current).await?;
    let user = log_in_as(&target, Role::Current, &current).await?;
    Ok(ctx.outcome(
        StepResult::Done,
        format!("configuration test: current credential logs in as {user}"),
    ))
}

/// Logs in and checks that the server agrees on who logged in.
async fn log_in_as(target: &Target, role: Role, secret: &DbSecret) -> Result<String, Error> {
    let user = log_in(target, role, secret).await?;
    let username = secret.username.as_str();
    // MySQL answers `user@host`; PostgreSQL the role name.
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
