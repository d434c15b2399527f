//! Where bundles live: the evidence bucket (`<prefix>runs/<run id>/…`, with
//! `<prefix>latest.json` naming the newest) or a local directory (the CLI, tests); and the
//! parts of a run split over several invocations.
//!
//! A bundle's files are written to a [`Spool`] directory as they are made; storing moves them
//! into place (local) or uploads each file streamed from disk (S3, from the function's
//! `/tmp`).

use std::fs::File;
use std::path::{Path, PathBuf};

use aws_config::SdkConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use vigil::evidence::Files;

use super::bundle::FINDINGS;
use super::spool::Spool;
use crate::aws::s3;
use crate::checks::Finding;
use crate::config::Config;
use crate::error::Error;
use crate::report::ocsf::finding_from_ocsf;
use crate::sweep::Outcome;

/// Points at the newest bundle, so the next run can chain to it and compare with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Latest {
    pub run_id: String,
    pub manifest_sha256: String,
}

/// Where bundles and run parts are kept.
#[derive(Debug, Clone)]
pub enum Store {
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
        prefix: String,
    },
    Local(PathBuf),
}

impl Store {
    /// The evidence bucket the configuration names (`VIGIL_EVIDENCE_BUCKET`).
    pub fn bucket(sdk: &SdkConfig, config: &Config) -> Result<Store, Error> {
        let bucket = config.evidence_bucket.clone().ok_or_else(|| {
            Error::Config("VIGIL_EVIDENCE_BUCKET is not set; name the evidence bucket".into())
        })?;
        let client = vigil::client!(aws_sdk_s3, sdk, |b| b
            .force_path_style(vigil::aws::s3_path_style(sdk)));
        Ok(Store::S3 {
            client,
            bucket,
            prefix: config.evidence_prefix.clone(),
        })
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
            } => {
                let full = format!("{prefix}{key}");
                s3::put_object(client, bucket, &full, bytes, content_type).await?;
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
            } => s3::get_object(client, bucket, &format!("{prefix}{key}")).await,
        }
    }

    /// What keeps the evidence from being deleted or shortened: the evidence bucket's Object
    /// Lock default retention as S3 answers it (mode GOVERNANCE or COMPLIANCE, days), or the
    /// error that kept it from being read (never a guess); a local directory has none.
    pub(crate) async fn retention(&self) -> Value {
        match self {
            Store::Local(dir) => json!({
                "location": dir.display().to_string(),
                "object_lock": null,
                "note": "a local directory: no Object Lock, anyone with write access can change it",
            }),
            Store::S3 { client, bucket, .. } => match s3::object_lock(client, bucket).await {
                Ok(lock) => json!({
                    "location": format!("s3://{bucket}"),
                    "object_lock": {
                        "enabled": lock.enabled,
                        "mode": lock.mode,
                        "retention_days": lock.retention_days,
                    },
                    "note": match (lock.enabled, lock.mode.as_deref()) {
                        (true, Some("COMPLIANCE")) => "COMPLIANCE: nobody, the root user included, can delete or shorten a locked version before its retention ends",
                        (true, Some("GOVERNANCE")) => "GOVERNANCE: a principal with s3:BypassGovernanceRetention can delete or shorten a locked version (template parameter EvidenceObjectLockMode=COMPLIANCE prevents it)",
                        (true, _) => "Object Lock enabled without a default retention: objects are not locked unless written with one",
                        (false, _) => "no Object Lock: the bucket's policies alone protect the evidence",
                    },
                }),
                Err(e) => json!({
                    "location": format!("s3://{bucket}"),
                    "object_lock": null,
                    "error": e,
                    "note": format!("ERROR: the Object Lock in force could not be read ({}: {})", e.operation, e.message),
                }),
            },
        }
    }

    /// The newest bundle, if any.
    pub(crate) async fn latest(&self) -> Result<Option<Latest>, Error> {
        match self.get("latest.json").await? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(&b).map(Some).map_err(|e| {
                Error::Report(format!(
                    "latest.json is unreadable ({e}); remove it to start a new chain"
                ))
            }),
        }
    }

    /// The findings of a stored run (for regressions), empty when it cannot be read. Read a
    /// line at a time as the file arrives: the file itself is never held whole.
    pub(crate) async fn findings_of(&self, run_id: &str) -> Result<Vec<Finding>, Error> {
        let key = format!("runs/{run_id}/{FINDINGS}");
        let mut findings = Vec::new();
        let mut line = Vec::new();
        let mut keep = |line: &[u8]| {
            findings.extend(finding_from_ocsf(&String::from_utf8_lossy(line)));
        };
        match self {
            Store::Local(dir) => {
                let path = dir.join(&key);
                let file = match File::open(&path) {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(findings),
                    Err(e) => return Err(io("read", &path, e)),
                };
                let mut reader = std::io::BufReader::new(file);
                while std::io::BufRead::read_until(&mut reader, b'\n', &mut line)
                    .map_err(|e| io("read", &path, e))?
                    > 0
                {
                    keep(&line);
                    line.clear();
                }
            }
            Store::S3 {
                client,
                bucket,
                prefix,
            } => {
                let full = format!("{prefix}{key}");
                let Some(mut reader) = s3::object_reader(client, bucket, &full).await? else {
                    return Ok(findings);
                };
                while tokio::io::AsyncBufReadExt::read_until(&mut reader, b'\n', &mut line)
                    .await
                    .map_err(|e| Error::Io(format!("read s3://{bucket}/{full}: {e}")))?
                    > 0
                {
                    keep(&line);
                    line.clear();
                }
            }
        }
        Ok(findings)
    }

    /// A new, empty spool for the bundle of `run_id`: beside the bundles for a local store
    /// (so storing is a rename), in the temporary directory (`/tmp` in Lambda) for S3.
    pub(crate) fn spool(&self, run_id: &str) -> Result<Spool, Error> {
        let dir = match self {
            Store::Local(dir) => dir.join(".spool").join(run_id),
            Store::S3 { .. } => std::env::temp_dir()
                .join("compliance-sweep-spool")
                .join(run_id),
        };
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| io("clear", &dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| io("create", &dir, e))?;
        Ok(Spool::new(dir))
    }

    /// Stores a sealed bundle (its spool, emptied), then moves `latest.json` to it. Returns
    /// where it went.
    pub(crate) async fn write_bundle(
        &self,
        run_id: &str,
        spool: Spool,
        manifest_sha256: &str,
    ) -> Result<String, Error> {
        let key = |name: &str| format!("runs/{run_id}/{name}");
        let location = match self {
            Store::Local(dir) => {
                let target = dir.join("runs").join(run_id);
                std::fs::create_dir_all(&target).map_err(|e| io("create", &target, e))?;
                for name in spool.names() {
                    let from = spool.path(name);
                    std::fs::rename(&from, target.join(name)).map_err(|e| io("move", &from, e))?;
                }
                target.display().to_string()
            }
            Store::S3 {
                client,
                bucket,
                prefix,
            } => {
                for name in spool.names() {
                    let kind = if name.ends_with(".html") {
                        "text/html; charset=utf-8"
                    } else {
                        "application/json"
                    };
                    let full = format!("{prefix}{}", key(name));
                    s3::put_file(client, bucket, &full, &spool.path(name), kind).await?;
                }
                format!("s3://{bucket}/{prefix}runs/{run_id}")
            }
        };
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
        Ok(location)
    }

    /// Stores one invocation's part of a split run.
    pub(crate) async fn write_part(
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
    pub(crate) async fn read_parts(
        &self,
        run_id: &str,
        parts: &[String],
    ) -> Result<Vec<Outcome>, Error> {
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

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Io(format!("{what} {}: {e}", path.display()))
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[tokio::test]
    async fn a_spooled_bundle_is_moved_into_place_and_its_entries_hash_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::Local(dir.path().to_owned());
        let mut spool = store.spool("r1").unwrap();
        let mut big = spool.create("big.jsonl").unwrap();
        for i in 0..10_000 {
            writeln!(big, "{{\"i\":{i}}}").unwrap();
        }
        spool.close(big).unwrap().records = Some(10_000);
        spool.add("small.json", b"{}").unwrap();
        let entries = spool.entries();
        assert_eq!(
            entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["big.jsonl", "small.json"],
            "name order, as the manifest lists them"
        );
        let location = store.write_bundle("r1", spool, "ab").await.unwrap();
        let files = read_dir(Path::new(&location)).unwrap();
        for e in &entries {
            assert_eq!(e.sha256, vigil::evidence::sha256_hex(&files[&e.name]));
            assert_eq!(e.bytes, files[&e.name].len() as u64);
        }
        assert_eq!(entries[0].records, Some(10_000));
        assert_eq!(files.len(), 2);
        assert!(!dir.path().join(".spool").exists(), "the spool is gone");
        assert_eq!(store.latest().await.unwrap().unwrap().run_id, "r1");
    }

    #[test]
    fn a_spool_never_stored_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::Local(dir.path().to_owned());
        let mut spool = store.spool("r2").unwrap();
        spool.add("summary.json", b"{}").unwrap();
        drop(spool);
        assert!(!dir.path().join(".spool").exists());
        assert!(!dir.path().join("runs").exists());
    }
}
