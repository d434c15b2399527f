//! Where the sweep changes things: it writes evidence. A run's bundle is built
//! ([`bundle::files`], each file written to a [`spool::Spool`] as it is made), sealed
//! (manifest chained to the previous run's, KMS signature) and stored ([`store::Store`]), and
//! `latest.json` moves to it.

pub mod bundle;
pub mod security_hub;
pub(crate) mod spool;
pub mod store;

use vigil::evidence::kms::Signer;

use crate::config::Thresholds;
use crate::error::Error;
use crate::report::asff::Plan;
use crate::report::changes::Changes;
use crate::report::{self, SealedRun};
use crate::sweep::Outcome;
use store::Store;

/// Compares the run with the previous one, builds, seals (signing with `signer`, if any) and
/// stores its bundle, chained to the previous bundle; and, when `security_hub` is on, plans
/// what the export sends (it needs the previous run's findings, read here once).
pub(crate) async fn seal_and_store(
    outcome: &Outcome,
    store: &Store,
    signer: Option<&Signer>,
    thresholds: &Thresholds,
    security_hub: bool,
) -> Result<SealedRun, Error> {
    let previous = store.latest().await?;
    let previous_findings = match &previous {
        Some(p) => store.findings_of(&p.run_id).await?,
        None => Vec::new(),
    };
    let regressions = report::regressions(&previous_findings, &outcome.findings);
    let changes = Changes::between(
        previous.as_ref().map(|p| p.run_id.as_str()),
        &previous_findings,
        &outcome.findings,
    );
    let retention = store.retention().await;
    let mut spool = store.spool(&outcome.run_id)?;
    bundle::files(
        &mut spool,
        outcome,
        &regressions,
        &changes,
        &retention,
        thresholds,
    )?;
    let manifest_sha256 = bundle::seal(
        &mut spool,
        outcome,
        previous.as_ref().map(|p| p.manifest_sha256.as_str()),
        signer,
    )
    .await?;
    let location = store
        .write_bundle(&outcome.run_id, spool, &manifest_sha256)
        .await?;
    let security_hub = security_hub.then(|| {
        Plan::between(
            &outcome.run_id,
            &previous_findings,
            &outcome.findings,
            &outcome.shards,
        )
    });
    Ok(SealedRun {
        location,
        manifest_sha256,
        regressions,
        changes,
        security_hub,
    })
}
