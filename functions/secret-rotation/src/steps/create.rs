//! createSecret: store a new credential as AWSPENDING under the rotation's token.
//!
//! Idempotent: Secrets Manager never changes a version's value, so when a retried createSecret
//! finds this version holding one already, that value is kept and no second password is made
//! for the same version. The new password is drawn by `password`; for alternating users the
//! pending version names the other user of the pair. A `masterarn` must name an existing
//! secret before anything is stored.

use crate::collect;
use crate::error::Error;
use crate::report::{Outcome, StepResult};

use super::credentials::alternate_username;
use super::{Ctx, Scheme};

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let current = ctx.current().await?.secret;
    let secret = ctx.secret();
    let scheme = Scheme::of(&current);
    if let Some(master_arn) = &current.masterarn
        && matches!(scheme, Scheme::AlternatingUsers | Scheme::RedisAcl)
    {
        collect::admin_exists(ctx.deps, master_arn).await?;
    }
    let rules = ctx
        .deps
        .config
        .password_rules
        .for_secret(&current)
        .map_err(|problem| Error::PasswordRules {
            secret: secret.to_owned(),
            problem,
        })?;
    let username = if scheme == Scheme::AlternatingUsers {
        alternate_username(&current.username, current.engine).map_err(|problem| {
            Error::PasswordRules {
                secret: secret.to_owned(),
                problem,
            }
        })?
    } else {
        current.username.clone()
    };
    let pending = current.with_credential(username, rules.generate());
    let stored = ctx
        .deps
        .secrets
        .put_pending(
            secret,
            ctx.token(),
            &pending.to_secret_string(),
            ctx.event.rotation_token.as_deref(),
        )
        .await?;
    if !stored {
        return Ok(ctx.outcome(
            StepResult::AlreadyDone,
            "a pending value for this version exists and is kept",
        ));
    }
    tracing::info!(secret, user = %pending.username, %scheme, "stored new AWSPENDING credential");
    Ok(ctx.outcome(
        StepResult::Done,
        format!(
            "new credential for user {:?} stored as AWSPENDING ({scheme})",
            pending.username
        ),
    ))
}
