//! finishSecret: promote the pending version to AWSCURRENT and take AWSPENDING off it.
//! (Single-user rotations were promoted in setSecret already; finishSecret then only removes
//! AWSPENDING.)
//!
//! Before promoting, the pending credential must still log in: a version that does not work
//! never becomes the one applications read. Idempotent: when the version is already current,
//! only a leftover AWSPENDING label is removed.

use crate::engines::Role;
use crate::error::Error;
use crate::facts::{CURRENT, PENDING};
use crate::report::{Outcome, StepResult};

use super::{Ctx, log_in};

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<Outcome, Error> {
    let pending = ctx.pending_required().await?;
    let target = ctx.target(&pending).await?;
    log_in(&target, Role::Pending, &pending).await?;

    let previous_current = ctx.meta.version_with(CURRENT).map(str::to_owned);
    ctx.deps
        .secrets
        .move_label(
            ctx.secret(),
            CURRENT,
            Some(ctx.token()),
            previous_current.as_deref(),
        )
        .await?;
    drop_pending_label(ctx).await?;
    tracing::info!(
        secret = ctx.secret(),
        version = ctx.token(),
        "rotation finished"
    );
    Ok(ctx.outcome(
        StepResult::Done,
        format!(
            "AWSCURRENT moved to this version from {}",
            previous_current.as_deref().unwrap_or("none")
        ),
    ))
}

/// Removes AWSPENDING from this rotation's version, so the next rotation can start.
pub(super) async fn drop_pending_label(ctx: &Ctx<'_>) -> Result<(), Error> {
    ctx.deps
        .secrets
        .move_label(ctx.secret(), PENDING, None, Some(ctx.token()))
        .await?;
    Ok(())
}
