//! createSecret: store a new credential as AWSPENDING under the rotation's token.
//!
//! Idempotent: a pending value already stored for this token is kept, so a retried
//! createSecret never generates a second password for the same version. The new password
//! comes from GetRandomPassword; for alternating users the pending version names the other
//! user of the pair.

use crate::error::Error;
use crate::report::{Outcome, StepResult};

use super::Ctx;
use super::credentials::alternate_username;

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let current = ctx.current().await?;
    let secret = ctx.secret();

    if ctx.pending().await?.is_some() {
        return Ok(ctx.outcome(
            StepResult::AlreadyDone,
            "a pending value for this version exists and is kept",
        ));
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
    let username = if current.is_alternating() {
        alternate_username(&current.username, current.engine).map_err(|problem| {
            Error::PasswordRules {
                secret: secret.to_owned(),
                problem,
            }
        })?
    } else {
        current.username.clone()
    };
    let password = ctx.deps.secrets.random_password(&rules).await?;
    let pending = current.with_credential(username, password);
    ctx.deps
        .secrets
        .put_pending(
            secret,
            ctx.token(),
            &pending.to_secret_string(),
            ctx.event.rotation_token.as_deref(),
        )
        .await?;
    tracing::info!(secret, user = %pending.username, "stored new AWSPENDING credential");
    Ok(ctx.outcome(
        StepResult::Done,
        format!(
            "new credential for user {:?} stored as AWSPENDING",
            pending.username
        ),
    ))
}
