//! The evidence bundle of a run: `findings.ocsf.jsonl` (hash-chained, links in
//! `findings.ocsf.jsonl.chain.jsonl`), `summary.json`, `matrix.json`, `report.html`, then
//! `manifest.json` (file hashes, chain head, previous run's manifest hash, the signing key's
//! ARN, algorithm and fingerprint), `signing-key.pem` (the key's public key, for offline
//! checks) and `manifest.sig.json` (KMS signature of the manifest digest).
//!
//! Each file is written into the run's [`Spool`] as it is made and hashed on the way (the
//! findings a record at a time, the page a row at a time), so the bundle is never held in
//! memory whole; the manifest needs only each file's name, size and SHA-256.

use std::io::Write;

use serde_json::Value;
use vigil::evidence::{self, CHAIN_SUFFIX, Chain, MANIFEST, SIGNATURE, offline};

use super::spool::Spool;
use crate::config::Thresholds;
use crate::error::Error;
use crate::report::changes::Changes;
use crate::report::{self, Regression, ocsf};
use crate::sweep::Outcome;

/// The findings file of a bundle.
pub const FINDINGS: &str = "findings.ocsf.jsonl";

fn write_error(name: &str, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("write {name}: {e}"))
}

/// Writes the files of a run into `spool` (no manifest yet).
pub(crate) fn files(
    spool: &mut Spool,
    outcome: &Outcome,
    regressions: &[Regression],
    changes: &Changes,
    retention: &Value,
    thresholds: &Thresholds,
) -> Result<(), Error> {
    let links_name = format!("{FINDINGS}{CHAIN_SUFFIX}");
    let mut records = spool.create(FINDINGS)?;
    let mut links = spool.create(&links_name)?;
    let mut chain = Chain::new();
    for f in &outcome.findings {
        let record = ocsf::record(f, &outcome.run_id, &outcome.account, outcome.finished_at);
        let line = serde_json::to_vec(&record).expect("JSON values serialise");
        let link = chain.link(&line);
        records
            .write_all(&line)
            .and_then(|()| records.write_all(b"\n"))
            .map_err(|e| write_error(FINDINGS, e))?;
        serde_json::to_writer(&mut links, &link)
            .map_err(|e| write_error(&links_name, e))
            .and_then(|()| {
                links
                    .write_all(b"\n")
                    .map_err(|e| write_error(&links_name, e))
            })?;
    }
    let entry = spool.close(records)?;
    entry.records = Some(chain.len());
    entry.chain_head = Some(chain.head());
    spool.close(links)?;

    let mut pretty = |name: &str, v: &Value| -> Result<(), Error> {
        let mut file = spool.create(name)?;
        serde_json::to_writer_pretty(&mut file, v).map_err(|e| write_error(name, e))?;
        spool.close(file).map(drop)
    };
    let matrix = report::matrix(&outcome.findings);
    let areas = report::areas(&outcome.findings);
    pretty(
        "summary.json",
        &report::summary(outcome, regressions, changes, retention, thresholds, &areas),
    )?;
    pretty("matrix.json", &matrix)?;
    let mut page = spool.create("report.html")?;
    report::html::render(&mut page, outcome, regressions, changes, &matrix, &areas)
        .map_err(Error::Report)?;
    spool.close(page)?;
    Ok(())
}

/// Adds the manifest (chained to the previous run's manifest, by its SHA-256) and, with a
/// signer, the signing key's public key and the signature. Returns the manifest's SHA-256.
pub(crate) async fn seal(
    spool: &mut Spool,
    outcome: &Outcome,
    previous_manifest_sha256: Option<&str>,
    signer: Option<&evidence::kms::Signer>,
) -> Result<String, Error> {
    let signing_key = match signer {
        None => None,
        Some(signer) => {
            let (key, der) = signer.signing_key().await?;
            spool.add(&key.public_key_file, offline::to_pem(der).as_bytes())?;
            Some(key.clone())
        }
    };
    let (manifest, digest) = evidence::manifest_of(
        &outcome.run_id,
        &outcome.account,
        &outcome.finished_at.to_rfc3339(),
        previous_manifest_sha256.map(str::to_owned),
        spool.entries(),
        signing_key,
    )
    .map_err(Error::Report)?;
    spool.add(MANIFEST, &manifest)?;
    if let Some(signer) = signer {
        let sig = signer.sign(&digest).await?;
        spool.add(
            SIGNATURE,
            &serde_json::to_vec_pretty(&sig).expect("signature serialises"),
        )?;
    }
    Ok(digest)
}
