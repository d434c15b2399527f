//! The evidence bundle of a run and where bundles live.
//!
//! A bundle holds `findings.ocsf.jsonl` (hash-chained, links in
//! `findings.ocsf.jsonl.chain.jsonl`), `summary.json`, `matrix.json`, `report.html`, then
//! `manifest.json` (file hashes, chain head, previous run's manifest hash) and
//! `manifest.sig.json` (KMS signature of the manifest digest). [`Store`] keeps bundles in the
//! evidence bucket (`<prefix>runs/<run id>/…`, with `<prefix>latest.json` naming the newest)
//! or in a local directory (the CLI), and the parts of a run split over several invocations.

use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vigil::evidence::{self, CHAIN_SUFFIX, ChainWriter, Files, MANIFEST, SIGNATURE};

use crate::config::Thresholds;
use crate::error::Error;
use crate::model::{Finding, Status};
use crate::report::{self, Regression, ocsf};
use crate::sweep::Outcome;

pub const FINDINGS: &str = "findings.ocsf.jsonl";

/// Points at the newest bundle, so the next run can chain to it and compare with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latest {
    pub run_id: String,
    pub manifest_sha256: String,
}

/// The files of a run before sealing (no manifest yet).
pub fn files(
    outcome: &Outcome,
    regressions: &[Regression],
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
        pretty(&report::summary(outcome, regressions, thresholds, &areas)),
    );
    files.insert("matrix.json".into(), pretty(&matrix));
    files.insert(
        "report.html".into(),
        report::html::render(outcome, regressions, &matrix, &areas)
            .map_err(Error::Report)?
            .into_bytes(),
    );
    Ok(files)
}

/// Adds the manifest (chained to `previous`) and, with a signer, its signature. Returns the
/// manifest's SHA-256.
pub async fn seal(
    files: &mut Files,
    outcome: &Outcome,
    previous: Option<&Latest>,
    signer: Option<&evidence::kms::Signer>,
) -> Result<String, Error> {
    let (manifest, digest) = evidence::build_manifest(
        &outcome.run_id,
        &outcome.account,
        &outcome.finished_at.to_rfc3339(),
        previous.map(|p| p.manifest_sha256.clone()),
        files,
        &[FINDINGS],
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

/// Reads findings back from an OCSF findings file (for regressions against the last run).
pub fn findings_from_ocsf(bytes: &[u8]) -> Vec<Finding> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|r| {
            let status: Status =
                serde_json::from_value(r["unmapped"]["vigil"]["result"].clone()).ok()?;
            Some(Finding::new(
                r["compliance"]["control"].as_str()?,
                status,
                r["resources"][0]["uid"].as_str()?,
                r["resources"][0]["type"].as_str().unwrap_or_default(),
                r["cloud"]["region"].as_str().unwrap_or_default(),
                r["compliance"]["status_detail"]
                    .as_str()
                    .unwrap_or_default(),
            ))
        })
        .collect()
}

/// Where bundles and run parts are kept.
#[derive(Debug, Clone)]
pub enum Store {
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
        prefix: String,
        kms_key: Option<String>,
    },
    Local(PathBuf),
}

impl Store {
    fn s3_err<E>(
        op: &'static str,
        e: aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        Error::Aws(vigil::aws::AwsCallError::new(op, e))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<String, Error> {
        match self {
            Store::Local(dir) => {
                let path = dir.join(key);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| Error::Io(format!("create {}: {e}", parent.display())))?;
                }
                std::fs::write(&path, bytes)
                    .map_err(|e| Error::Io(format!("write {}: {e}", path.display())))?;
                Ok(path.display().to_string())
            }
            Store::S3 {
                client,
                bucket,
                prefix,
                kms_key,
            } => {
                let full = format!("{prefix}{key}");
                let mut req = client
                    .put_object()
                    .bucket(bucket)
                    .key(&full)
                    .body(ByteStream::from(bytes))
                    .content_type(content_type);
                if let Some(k) = kms_key {
                    req = req
                        .server_side_encryption(ServerSideEncryption::AwsKms)
                        .ssekms_key_id(k);
                }
                req.send()
                    .await
                    .map_err(|e| Self::s3_err("s3:PutObject", e))?;
                Ok(format!("s3://{bucket}/{full}"))
            }
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Store::Local(dir) => match std::fs::read(dir.join(key)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::Io(format!("read {}: {e}", dir.join(key).display()))),
            },
            Store::S3 {
                client,
                bucket,
                prefix,
                ..
            } => match client
                .get_object()
                .bucket(bucket)
                .key(format!("{prefix}{key}"))
                .send()
                .await
            {
                Ok(o) => Ok(Some(
                    o.body
                        .collect()
                        .await
                        .map_err(|e| Error::Io(format!("read s3://{bucket}/{prefix}{key}: {e}")))?
                        .into_bytes()
                        .to_vec(),
                )),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                Err(e) => Err(Self::s3_err("s3:GetObject", e)),
            },
        }
    }

    /// The newest bundle, if any.
    pub async fn latest(&self) -> Result<Option<Latest>, Error> {
        match self.get("latest.json").await? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(&b).map(Some).map_err(|e| {
                Error::Report(format!(
                    "latest.json is unreadable ({e}); remove it to start a new chain"
                ))
            }),
        }
    }

    /// The findings of a stored run (for regressions), empty when it cannot be read.
    pub async fn findings_of(&self, run_id: &str) -> Result<Vec<Finding>, Error> {
        Ok(self
            .get(&format!("runs/{run_id}/{FINDINGS}"))
            .await?
            .map(|b| findings_from_ocsf(&b))
            .unwrap_or_default())
    }

    /// Writes a sealed bundle, then moves `latest.json` to it. Returns where it went.
    pub async fn write_bundle(
        &self,
        run_id: &str,
        files: &Files,
        manifest_sha256: &str,
    ) -> Result<String, Error> {
        let mut location = String::new();
        for (name, bytes) in files {
            let kind = if name.ends_with(".html") {
                "text/html; charset=utf-8"
            } else {
                "application/json"
            };
            location = self
                .put(&format!("runs/{run_id}/{name}"), bytes.clone(), kind)
                .await?;
        }
        let latest = Latest {
            run_id: run_id.to_owned(),
            manifest_sha256: manifest_sha256.to_owned(),
        };
        self.put(
            "latest.json",
            serde_json::to_vec_pretty(&latest).expect("serialises"),
            "application/json",
        )
        .await?;
        Ok(location
            .rsplit_once('/')
            .map_or(location.clone(), |(dir, _)| dir.to_owned()))
    }

    /// Stores one invocation's part of a split run.
    pub async fn write_part(
        &self,
        run_id: &str,
        part: &str,
        outcome: &Outcome,
    ) -> Result<String, Error> {
        self.put(
            &format!("parts/{run_id}/{part}.json"),
            serde_json::to_vec(outcome).expect("outcome serialises"),
            "application/json",
        )
        .await
    }

    /// Reads the parts named (as written by [`Store::write_part`]).
    pub async fn read_parts(&self, run_id: &str, parts: &[String]) -> Result<Vec<Outcome>, Error> {
        let mut out = Vec::new();
        for p in parts {
            let bytes = self
                .get(&format!("parts/{run_id}/{p}.json"))
                .await?
                .ok_or_else(|| {
                    Error::BadRequest(format!(
                        "part {p} of run {run_id} was not found; did its Map iteration fail?"
                    ))
                })?;
            out.push(
                serde_json::from_slice(&bytes)
                    .map_err(|e| Error::Report(format!("part {p} is unreadable: {e}")))?,
            );
        }
        Ok(out)
    }
}

/// Reads a bundle directory from disk (for `vigil-sweep verify`).
pub fn read_dir(dir: &Path) -> Result<Files, String> {
    let mut files = Files::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.file_type().map_err(|e| e.to_string())?.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.insert(
                name,
                std::fs::read(entry.path())
                    .map_err(|e| format!("{}: {e}", entry.path().display()))?,
            );
        }
    }
    Ok(files)
}
