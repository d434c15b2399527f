//! testSecret: log in with the pending credential (over TLS unless the secret says otherwise)
//! and run a query as that user.

use crate::engines::Session;
use crate::error::{DbError, DbErrorKind, Error};

use super::{Ctx, Outcome, login};

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let pending = match ctx.pending().await? {
        Some(pending) => pending,
        // The pending version has no value of its own yet: a configuration test.
        None => return check_current(ctx).await,
    };
    let target = ctx.target(&pending).await?;
    let user = log_in_and_query(&target, "pending", &pending.username, &pending.password).await?;
    Ok(ctx.outcome("done", format!("pending credential logs in as {user}")))
}

/// The configuration test Secrets Manager runs when rotation is set up without rotating at
/// once: the current credential must log in with this function's network and TLS settings.
pub async fn check_current(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let current = ctx.current().await?;
    let target = ctx.target(&current).await?;
    let user = log_in_and_query(&target, "current", &current.username, &current.password).await?;
    Ok(ctx.outcome(
        "done",
        format!("configuration test: current credential logs in as {user}"),
    ))
}

async fn log_in_and_query(
    target: &crate::engines::Target,
    role: &'static str,
    username: &str,
    password: &secrecy::SecretString,
) -> Result<String, Error> {
    let mut session = Session::open(target, login(role, username, password)).await?;
    let user = session.check().await?;
    session.close().await;
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
