//! The evidence bundle of a run: `findings.ocsf.jsonl` (hash-chained, links in
//! `findings.ocsf.jsonl.chain.jsonl`), `summary.json`, `matrix.json`, `report.html`, then
//! `manifest.json` (file hashes, chain head, previous run's manifest hash, the signing key's
//! ARN, algorithm and fingerprint), `signing-key.pem` (the key's public key, for offline
//! checks) and `manifest.sig.json` (KMS signature of the manifest digest).

use serde_json::Value;
use vigil::evidence::{self, CHAIN_SUFFIX, ChainWriter, Files, MANIFEST, SIGNATURE, offline};

use crate::config::Thresholds;
use crate::error::Error;
use crate::report::changes::Changes;
use crate::report::{self, Regression, ocsf};
use crate::sweep::Outcome;

/// The findings file of a bundle.
pub const FINDINGS: &str = "findings.ocsf.jsonl";

/// The files of a run before sealing (no manifest yet).
pub(crate) fn files(
    outcome: &Outcome,
    regressions: &[Regression],
    changes: &Changes,
    retention: &Value,
    thresholds: &Thresholds,
) -> Result<Files, Error> {
    let mut chain = ChainWriter::new();
    for f in &outcome.findings {
        chain.push(&ocsf::record(
            f,
            &outcome.run_id,
            &outcome.account,
            outcome.finished_at,
        ));
    }
    let (records, links) = chain.finish();
    let mut files = Files::new();
    files.insert(FINDINGS.into(), records);
    files.insert(format!("{FINDINGS}{CHAIN_SUFFIX}"), links);
    let pretty = |v: &Value| serde_json::to_vec_pretty(v).expect("JSON values serialise");
    let matrix = report::matrix(&outcome.findings);
    let areas = report::areas(&outcome.findings);
    files.insert(
        "summary.json".into(),
        pretty(&report::summary(
            outcome,
            regressions,
            changes,
            retention,
            thresholds,
            &areas,
        )),
    );
    files.insert("matrix.json".into(), pretty(&matrix));
    files.insert(
        "report.html".into(),
        report::html::render(outcome, regressions, changes, &matrix, &areas)
            .map_err(Error::Report)?
            .into_bytes(),
    );
    Ok(files)
}

/// Adds the manifest (chained to the previous run's manifest, by its SHA-256) and, with a
/// signer, the signing key's public key and the signature. Returns the manifest's SHA-256.
pub(crate) async fn seal(
    files: &mut Files,
    outcome: &Outcome,
    previous_manifest_sha256: Option<&str>,
    signer: Option<&evidence::kms::Signer>,
) -> Result<String, Error> {
    let signing_key = match signer {
        None => None,
        Some(signer) => {
            let (key, der) = signer.signing_key().await?;
            files.insert(
                key.public_key_file.clone(),
                offline::to_pem(der).into_bytes(),
            );
            Some(key.clone())
        }
    };
    let (manifest, digest) = evidence::build_signed_manifest(
        &outcome.run_id,
        &outcome.account,
        &outcome.finished_at.to_rfc3339(),
        previous_manifest_sha256.map(str::to_owned),
        files,
        &[FINDINGS],
        signing_key,
    )
    .map_err(Error::Report)?;
    files.insert(MANIFEST.into(), manifest);
    if let Some(signer) = signer {
        let sig = signer.sign(&digest).await?;
        files.insert(
            SIGNATURE.into(),
            serde_json::to_vec_pretty(&sig).expect("signature serialises"),
        );
    }
    Ok(digest)
}
