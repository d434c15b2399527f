//! Evidence an auditor can verify: records in a SHA-256 hash chain, a manifest of file hashes
//! that also names the previous run's manifest, and a KMS signature over the manifest digest.
//!
//! A bundle is a set of named files. Files of JSON lines can be *chained*: each line's SHA-256
//! is linked to the previous link (`hash = SHA-256(prev ‖ SHA-256(line))`) and the links are
//! kept in a companion file `<name>.chain.jsonl`, so the records themselves stay exactly what
//! their format says (e.g. plain OCSF). The manifest lists every file with its SHA-256 and
//! size, the chain head and record count of chained files, and the SHA-256 of the previous
//! run's manifest, which chains the nights together. The manifest's digest is signed with an
//! asymmetric KMS key ([`kms`]; `Sign` with `MessageType=DIGEST`).
//!
//! [`verify_contents`] recomputes everything but the signature and names what was altered: a
//! changed, removed, inserted or reordered record, a changed, missing or extra file, a manifest
//! that does not describe the files next to it. A signed bundle also carries the signing key's
//! public key and the manifest names it (ARN, algorithm, fingerprint), so the signature is
//! checked offline ([`offline::verify_bundle`], against a key the auditor pins, or the
//! bundle's own with a warning) or with KMS `Verify` ([`kms::Signer::verify`]).
//!
//! Layout: this module holds the pure parts (hashing, chain, manifest, verification);
//! [`offline`] the local signature check and the chain of a period; [`kms`] the signing, the
//! cached public key and the online check.

pub mod kms;
pub mod offline;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest's file name in a bundle.
pub const MANIFEST: &str = "manifest.json";
/// The signature's file name in a bundle.
pub const SIGNATURE: &str = "manifest.sig.json";
/// Suffix of the companion file that holds a chained file's links.
pub const CHAIN_SUFFIX: &str = ".chain.jsonl";
/// The `prev` of the first link: 32 zero bytes.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Format version written into manifests.
pub const MANIFEST_VERSION: &str = "vigil-evidence/1";

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One link of a record chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Position of the record, from 0.
    pub seq: u64,
    /// SHA-256 of the record's bytes (the line without its newline).
    pub record: String,
    /// `hash` of the previous link ([`GENESIS`] for the first).
    pub prev: String,
    /// SHA-256 of the raw bytes of `prev` followed by the raw bytes of `record`.
    pub hash: String,
}

fn link_hash(prev_hex: &str, record_hex: &str) -> Option<String> {
    let prev = hex::decode(prev_hex).ok()?;
    let record = hex::decode(record_hex).ok()?;
    let mut hasher = Sha256::new();
    hasher.update(&prev);
    hasher.update(&record);
    Some(hex::encode(hasher.finalize()))
}

/// Links records one at a time without keeping them: for a file written out as its records
/// are made (the caller writes each line and, one per line, its [`Link`]).
#[derive(Debug, Clone, Default)]
pub struct Chain {
    seq: u64,
    head: Option<String>,
}

impl Chain {
    pub fn new() -> Self {
        Self::default()
    }

    /// The link of the next record, `line` (its bytes without the newline).
    pub fn link(&mut self, line: &[u8]) -> Link {
        let record = sha256_hex(line);
        let prev = self.head();
        let hash = link_hash(&prev, &record).expect("both are hex digests made here");
        let link = Link {
            seq: self.seq,
            record,
            prev,
            hash: hash.clone(),
        };
        self.seq += 1;
        self.head = Some(hash);
        link
    }

    /// Records linked so far.
    pub fn len(&self) -> u64 {
        self.seq
    }

    pub fn is_empty(&self) -> bool {
        self.seq == 0
    }

    /// The hash of the last link ([`GENESIS`] when empty).
    pub fn head(&self) -> String {
        self.head.clone().unwrap_or_else(|| GENESIS.to_owned())
    }
}

/// Builds a chained JSON-lines file and its links, one record at a time, in memory.
#[derive(Debug, Clone, Default)]
pub struct ChainWriter {
    lines: Vec<u8>,
    links: Vec<Link>,
    chain: Chain,
}

impl ChainWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one record. A record is one line: serialised JSON never contains a raw newline.
    pub fn push(&mut self, record: &serde_json::Value) -> &Link {
        let line = record.to_string();
        let link = self.chain.link(line.as_bytes());
        self.lines.extend_from_slice(line.as_bytes());
        self.lines.push(b'\n');
        self.links.push(link);
        self.links.last().expect("just pushed")
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The hash of the last link ([`GENESIS`] when empty).
    pub fn head(&self) -> String {
        self.chain.head()
    }

    /// The records file and the links file, both as JSON lines.
    pub fn finish(self) -> (Vec<u8>, Vec<u8>) {
        let mut links = Vec::new();
        for link in &self.links {
            links.extend_from_slice(
                serde_json::to_string(link)
                    .expect("a link serialises")
                    .as_bytes(),
            );
            links.push(b'\n');
        }
        (self.lines, links)
    }
}

/// One file as the manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
    /// For chained files: how many records and the hash of the last link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_head: Option<String>,
}

/// What a run produced, by file, plus the link to the previous run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: String,
    pub run_id: String,
    pub account: String,
    pub created_at: String,
    /// SHA-256 of the previous run's `manifest.json`; `None` for the first run.
    pub previous_manifest_sha256: Option<String>,
    pub files: Vec<FileEntry>,
    /// The key that signs this manifest; `None` for a bundle written without a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<offline::SigningKey>,
}

/// The signature file: which key signed which digest, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureFile {
    pub key_id: String,
    pub signing_algorithm: String,
    /// Always `DIGEST`: KMS was given the manifest's SHA-256, not the manifest.
    pub message_type: String,
    pub manifest_sha256: String,
    /// Base64 of the signature bytes.
    pub signature: String,
    /// The key's ARN as KMS answered `Sign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_arn: Option<String>,
    /// The key's fingerprint ([`offline::fingerprint`]), when the signer read its public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_sha256: Option<String>,
}

/// A bundle's files by name.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Describes `files` in a manifest. Names in `chained` must have their links file
/// (`<name>.chain.jsonl`) in `files` too. Returns the manifest's bytes and their SHA-256 (the
/// digest to sign).
pub fn build_manifest(
    run_id: &str,
    account: &str,
    created_at: &str,
    previous_manifest_sha256: Option<String>,
    files: &Files,
    chained: &[&str],
) -> Result<(Vec<u8>, String), String> {
    build_signed_manifest(
        run_id,
        account,
        created_at,
        previous_manifest_sha256,
        files,
        chained,
        None,
    )
}

/// [`build_manifest`] naming the key that will sign it; its public key file must be in
/// `files`.
pub fn build_signed_manifest(
    run_id: &str,
    account: &str,
    created_at: &str,
    previous_manifest_sha256: Option<String>,
    files: &Files,
    chained: &[&str],
    signing_key: Option<offline::SigningKey>,
) -> Result<(Vec<u8>, String), String> {
    if let Some(key) = &signing_key
        && !files.contains_key(&key.public_key_file)
    {
        return Err(format!(
            "the manifest names {} but it is not in the bundle",
            key.public_key_file
        ));
    }
    let mut entries = Vec::new();
    for (name, bytes) in files {
        if name == MANIFEST || name == SIGNATURE {
            return Err(format!(
                "{name} is written by the manifest step, not passed in"
            ));
        }
        let mut entry = FileEntry {
            name: name.clone(),
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
            records: None,
            chain_head: None,
        };
        if chained.contains(&name.as_str()) {
            let links_name = format!("{name}{CHAIN_SUFFIX}");
            let links = files
                .get(&links_name)
                .ok_or_else(|| format!("{name} is chained but {links_name} is missing"))?;
            let links = parse_links(links).map_err(|e| format!("{links_name}: {e}"))?;
            entry.records = Some(links.len() as u64);
            entry.chain_head = Some(
                links
                    .last()
                    .map_or_else(|| GENESIS.to_owned(), |l| l.hash.clone()),
            );
        }
        entries.push(entry);
    }
    for name in chained {
        if !files.contains_key(*name) {
            return Err(format!("chained file {name} is not in the bundle"));
        }
    }
    manifest_of(
        run_id,
        account,
        created_at,
        previous_manifest_sha256,
        entries,
        signing_key,
    )
}

/// The manifest of files already described (`entries`, in name order; a chained file's entry
/// with its record count and chain head), for a bundle whose files were written out as they
/// were made rather than held in a [`Files`]. Returns the manifest's bytes and their SHA-256
/// (the digest to sign); the same bytes as [`build_signed_manifest`] gives for the same files.
pub fn manifest_of(
    run_id: &str,
    account: &str,
    created_at: &str,
    previous_manifest_sha256: Option<String>,
    entries: Vec<FileEntry>,
    signing_key: Option<offline::SigningKey>,
) -> Result<(Vec<u8>, String), String> {
    if let Some(e) = entries
        .iter()
        .find(|e| e.name == MANIFEST || e.name == SIGNATURE)
    {
        return Err(format!(
            "{} is written by the manifest step, not passed in",
            e.name
        ));
    }
    if let Some(key) = &signing_key
        && !entries.iter().any(|e| e.name == key.public_key_file)
    {
        return Err(format!(
            "the manifest names {} but it is not in the bundle",
            key.public_key_file
        ));
    }
    let manifest = Manifest {
        version: MANIFEST_VERSION.to_owned(),
        run_id: run_id.to_owned(),
        account: account.to_owned(),
        created_at: created_at.to_owned(),
        previous_manifest_sha256,
        files: entries,
        signing_key,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    let digest = sha256_hex(&bytes);
    Ok((bytes, digest))
}

fn parse_links(bytes: &[u8]) -> Result<Vec<Link>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

fn lines_of(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// One thing found altered in a bundle, named so a person can go and look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// No manifest, or one that cannot be read.
    ManifestUnreadable(String),
    /// The manifest's SHA-256 is not the digest the signature file says was signed.
    ManifestNotSigned {
        manifest_sha256: String,
        signed_sha256: String,
    },
    /// The signature does not verify for the manifest digest with the named key.
    SignatureInvalid { key_id: String, detail: String },
    /// A file the manifest lists is absent.
    FileMissing(String),
    /// A file is present that the manifest does not list.
    FileNotInManifest(String),
    /// A file's bytes differ from what the manifest recorded.
    FileChanged {
        name: String,
        expected: String,
        actual: String,
    },
    /// The links file is itself broken at this link (bad hash, wrong prev, wrong seq).
    ChainBroken {
        file: String,
        seq: u64,
        detail: String,
    },
    /// The chain head or record count differs from the manifest's.
    ChainHeadMismatch { file: String, detail: String },
    /// Records whose content changed, by position (from 0).
    RecordsChanged { file: String, positions: Vec<usize> },
    /// Records missing from the file, by their original position.
    RecordsRemoved { file: String, positions: Vec<usize> },
    /// Lines in the file that were never in the chain, by position in the file.
    RecordsInserted { file: String, positions: Vec<usize> },
    /// The same records in a different order: positions now out of place.
    RecordsReordered { file: String, positions: Vec<usize> },
    /// The manifest names a different previous manifest than the one given.
    PreviousManifestMismatch {
        expected: Option<String>,
        actual: String,
    },
    /// The manifest names a signing key but the signature file is absent.
    SignatureMissing { key_arn: String },
    /// The bundle's public key file does not hold the key the manifest names.
    PublicKeyMismatch {
        file: String,
        actual: String,
        manifest: String,
    },
    /// The bundle's public key file is missing or cannot be read.
    PublicKeyUnreadable(String),
    /// The bundle was signed with another key than the one the auditor trusts.
    KeyNotTrusted { bundle: String, trusted: String },
    /// In a period of bundles, `run` names a previous manifest that is not the one of any
    /// bundle given (`before` is the bundle just before it): a night missing or replaced.
    ChainGap {
        run: String,
        previous: Option<String>,
        before: String,
    },
    /// Several bundles name the same previous manifest: the chain forks there.
    ChainFork { previous: String, runs: Vec<String> },
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |p: &[usize]| {
            p.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Tamper::ManifestUnreadable(e) => write!(f, "manifest unreadable: {e}"),
            Tamper::ManifestNotSigned {
                manifest_sha256,
                signed_sha256,
            } => write!(
                f,
                "manifest.json was altered or swapped: its SHA-256 is {manifest_sha256}, the signature covers {signed_sha256}"
            ),
            Tamper::SignatureInvalid { key_id, detail } => {
                write!(f, "signature does not verify with key {key_id}: {detail}")
            }
            Tamper::FileMissing(n) => write!(f, "file {n} is listed in the manifest but missing"),
            Tamper::FileNotInManifest(n) => write!(f, "file {n} is not listed in the manifest"),
            Tamper::FileChanged {
                name,
                expected,
                actual,
            } => write!(
                f,
                "file {name} was altered: SHA-256 {actual}, manifest says {expected}"
            ),
            Tamper::ChainBroken { file, seq, detail } => {
                write!(f, "{file}{CHAIN_SUFFIX}: link {seq} is broken: {detail}")
            }
            Tamper::ChainHeadMismatch { file, detail } => {
                write!(f, "{file}: chain does not match the manifest: {detail}")
            }
            Tamper::RecordsChanged { file, positions } => {
                write!(
                    f,
                    "{file}: record(s) changed at position {}",
                    list(positions)
                )
            }
            Tamper::RecordsRemoved { file, positions } => {
                write!(
                    f,
                    "{file}: record(s) removed (originally at position {})",
                    list(positions)
                )
            }
            Tamper::RecordsInserted { file, positions } => {
                write!(
                    f,
                    "{file}: record(s) inserted at line position {}",
                    list(positions)
                )
            }
            Tamper::RecordsReordered { file, positions } => {
                write!(
                    f,
                    "{file}: records reordered (out of place at position {})",
                    list(positions)
                )
            }
            Tamper::PreviousManifestMismatch { expected, actual } => write!(
                f,
                "the previous run's manifest has SHA-256 {actual}, but this manifest names {}",
                expected.as_deref().unwrap_or("none (first run)")
            ),
            Tamper::SignatureMissing { key_arn } => write!(
                f,
                "{SIGNATURE} is missing, but the manifest says key {key_arn} signs it"
            ),
            Tamper::PublicKeyMismatch {
                file,
                actual,
                manifest,
            } => write!(
                f,
                "{file} holds the key of fingerprint {actual}, the manifest names {manifest}"
            ),
            Tamper::PublicKeyUnreadable(e) => write!(f, "public key unreadable: {e}"),
            Tamper::KeyNotTrusted { bundle, trusted } => write!(
                f,
                "signed by the key of fingerprint {bundle}, not the trusted key {trusted} (SHA-256 of the DER SubjectPublicKeyInfo)"
            ),
            Tamper::ChainGap {
                run,
                previous,
                before,
            } => write!(
                f,
                "chain broken before {run}: it names previous manifest {}, which is not {before}'s nor any other bundle's given (a night missing or replaced)",
                previous.as_deref().unwrap_or("none (a new chain)")
            ),
            Tamper::ChainFork { previous, runs } => write!(
                f,
                "chain forks after {previous}: {} all name it as their previous manifest",
                runs.join(", ")
            ),
        }
    }
}

/// Checks a bundle's files against its manifest and the signature file's digest, and each
/// chained file against its links. Returns the manifest (when readable) and every alteration
/// found; an empty list means the contents are intact. The signature itself is checked by
/// [`kms::Signer::verify`].
pub fn verify_contents(files: &Files) -> (Option<Manifest>, Vec<Tamper>) {
    let mut problems = Vec::new();
    let Some(manifest_bytes) = files.get(MANIFEST) else {
        return (
            None,
            vec![Tamper::ManifestUnreadable(format!("{MANIFEST} is missing"))],
        );
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => return (None, vec![Tamper::ManifestUnreadable(e.to_string())]),
    };
    let manifest_sha = sha256_hex(manifest_bytes);
    match files
        .get(SIGNATURE)
        .map(|b| serde_json::from_slice::<SignatureFile>(b))
    {
        // Unsigned, or the signature removed: [`offline::verify_bundle`] tells them apart by
        // whether the manifest names a key.
        None => {}
        Some(Err(e)) => problems.push(Tamper::SignatureInvalid {
            key_id: "?".into(),
            detail: format!("{SIGNATURE} unreadable: {e}"),
        }),
        Some(Ok(sig)) if sig.manifest_sha256 != manifest_sha => {
            problems.push(Tamper::ManifestNotSigned {
                manifest_sha256: manifest_sha.clone(),
                signed_sha256: sig.manifest_sha256,
            })
        }
        Some(Ok(_)) => {}
    }

    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    for name in files.keys() {
        if name != MANIFEST && name != SIGNATURE && !listed.contains(name.as_str()) {
            problems.push(Tamper::FileNotInManifest(name.clone()));
        }
    }
    for entry in &manifest.files {
        let Some(bytes) = files.get(&entry.name) else {
            problems.push(Tamper::FileMissing(entry.name.clone()));
            continue;
        };
        let actual = sha256_hex(bytes);
        if actual != entry.sha256 {
            problems.push(Tamper::FileChanged {
                name: entry.name.clone(),
                expected: entry.sha256.clone(),
                actual,
            });
        }
        if let Some(head) = &entry.chain_head {
            let links_name = format!("{}{CHAIN_SUFFIX}", entry.name);
            match files.get(&links_name) {
                None => problems.push(Tamper::FileMissing(links_name)),
                Some(links) => check_chain(
                    &entry.name,
                    bytes,
                    links,
                    head,
                    entry.records,
                    &mut problems,
                ),
            }
        }
    }
    (Some(manifest), problems)
}

/// Checks that `manifest` names `previous_manifest` (the previous run's manifest.json bytes).
pub fn verify_previous(manifest: &Manifest, previous_manifest: &[u8]) -> Option<Tamper> {
    let actual = sha256_hex(previous_manifest);
    (manifest.previous_manifest_sha256.as_deref() != Some(actual.as_str())).then(|| {
        Tamper::PreviousManifestMismatch {
            expected: manifest.previous_manifest_sha256.clone(),
            actual,
        }
    })
}

fn check_chain(
    file: &str,
    records: &[u8],
    links_bytes: &[u8],
    head: &str,
    count: Option<u64>,
    problems: &mut Vec<Tamper>,
) {
    let links = match parse_links(links_bytes) {
        Ok(l) => l,
        Err(e) => {
            problems.push(Tamper::ChainBroken {
                file: file.to_owned(),
                seq: 0,
                detail: format!("unreadable: {e}"),
            });
            return;
        }
    };
    let mut prev = GENESIS.to_owned();
    for (i, link) in links.iter().enumerate() {
        let expected = link_hash(&link.prev, &link.record);
        let detail = if link.seq != i as u64 {
            Some(format!("seq {} at position {i}", link.seq))
        } else if link.prev != prev {
            Some("prev is not the previous link's hash".to_owned())
        } else if expected.as_deref() != Some(link.hash.as_str()) {
            Some("hash is not SHA-256(prev ‖ record)".to_owned())
        } else {
            None
        };
        if let Some(detail) = detail {
            problems.push(Tamper::ChainBroken {
                file: file.to_owned(),
                seq: i as u64,
                detail,
            });
            return;
        }
        prev = link.hash.clone();
    }
    if prev != head || count != Some(links.len() as u64) {
        problems.push(Tamper::ChainHeadMismatch {
            file: file.to_owned(),
            detail: format!(
                "links end at {prev} after {} records; manifest says {head} after {}",
                links.len(),
                count.map_or_else(|| "?".to_owned(), |c| c.to_string())
            ),
        });
    }

    let chained: Vec<&str> = links.iter().map(|l| l.record.as_str()).collect();
    let actual: Vec<String> = lines_of(records).iter().map(|l| sha256_hex(l)).collect();
    if let Some(t) = classify(file, &chained, &actual) {
        problems.push(t);
    }
}

/// Names how the records differ from the chain: removed, inserted, reordered or changed.
fn classify(file: &str, chained: &[&str], actual: &[String]) -> Option<Tamper> {
    if chained.len() == actual.len() && chained.iter().zip(actual).all(|(a, b)| *a == b) {
        return None;
    }
    let file = file.to_owned();
    let mut remaining: HashMap<&str, usize> = HashMap::new();
    for h in chained {
        *remaining.entry(h).or_default() += 1;
    }
    let mut inserted = Vec::new();
    for (i, h) in actual.iter().enumerate() {
        match remaining.get_mut(h.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => inserted.push(i),
        }
    }
    let mut removed = Vec::new();
    {
        let mut present: HashMap<&str, usize> = HashMap::new();
        for h in actual {
            *present.entry(h.as_str()).or_default() += 1;
        }
        for (i, h) in chained.iter().enumerate() {
            match present.get_mut(h) {
                Some(n) if *n > 0 => *n -= 1,
                _ => removed.push(i),
            }
        }
    }
    match (inserted.is_empty(), removed.is_empty()) {
        // Same records, different order.
        (true, true) => Some(Tamper::RecordsReordered {
            file,
            positions: (0..actual.len())
                .filter(|&i| chained[i] != actual[i])
                .collect(),
        }),
        (false, true) => Some(Tamper::RecordsInserted {
            file,
            positions: inserted,
        }),
        (true, false) => Some(Tamper::RecordsRemoved {
            file,
            positions: removed,
        }),
        // A record replaced in place is a change; anything else is reported both ways.
        (false, false) if inserted == removed => Some(Tamper::RecordsChanged {
            file,
            positions: removed,
        }),
        (false, false) => Some(Tamper::RecordsChanged {
            file,
            positions: removed
                .into_iter()
                .chain(inserted)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(n: usize) -> Files {
        let mut chain = ChainWriter::new();
        for i in 0..n {
            chain.push(&json!({"i": i, "status": if i % 2 == 0 { "PASS" } else { "FAIL" }}));
        }
        let (records, links) = chain.finish();
        let mut files = Files::new();
        files.insert("findings.jsonl".into(), records);
        files.insert(format!("findings.jsonl{CHAIN_SUFFIX}"), links);
        files.insert("summary.json".into(), br#"{"pass":3}"#.to_vec());
        let (manifest, digest) = build_manifest(
            "run-1",
            "123456789012",
            "2026-01-01T00:00:00Z",
            Some("ab".repeat(32)),
            &files,
            &["findings.jsonl"],
        )
        .unwrap();
        files.insert(MANIFEST.into(), manifest);
        let sig = SignatureFile {
            key_id: "k".into(),
            signing_algorithm: "RSASSA_PKCS1_V1_5_SHA_256".into(),
            message_type: "DIGEST".into(),
            manifest_sha256: digest,
            signature: "c2ln".into(),
            key_arn: None,
            public_key_sha256: None,
        };
        files.insert(SIGNATURE.into(), serde_json::to_vec(&sig).unwrap());
        files
    }

    fn edit_lines(files: &mut Files, f: impl FnOnce(&mut Vec<Vec<u8>>)) {
        let bytes = files.get_mut("findings.jsonl").unwrap();
        let mut lines: Vec<Vec<u8>> = lines_of(bytes).into_iter().map(<[u8]>::to_vec).collect();
        f(&mut lines);
        let mut out = Vec::new();
        for l in lines {
            out.extend_from_slice(&l);
            out.push(b'\n');
        }
        *bytes = out;
    }

    #[test]
    fn a_file_written_as_it_is_made_gets_the_same_links_and_manifest() {
        let files = bundle(5);
        let mut chain = Chain::new();
        let mut links = Vec::new();
        for line in lines_of(&files["findings.jsonl"]) {
            links.extend_from_slice(serde_json::to_string(&chain.link(line)).unwrap().as_bytes());
            links.push(b'\n');
        }
        assert_eq!(links, files[&format!("findings.jsonl{CHAIN_SUFFIX}")]);
        assert_eq!(chain.len(), 5);
        let entries: Vec<FileEntry> = files
            .iter()
            .filter(|(name, _)| *name != MANIFEST && *name != SIGNATURE)
            .map(|(name, bytes)| FileEntry {
                name: name.clone(),
                sha256: sha256_hex(bytes),
                bytes: bytes.len() as u64,
                records: (name == "findings.jsonl").then_some(chain.len()),
                chain_head: (name == "findings.jsonl").then(|| chain.head()),
            })
            .collect();
        let (manifest, _) = manifest_of(
            "run-1",
            "123456789012",
            "2026-01-01T00:00:00Z",
            Some("ab".repeat(32)),
            entries.clone(),
            None,
        )
        .unwrap();
        assert_eq!(manifest, files[MANIFEST], "byte for byte");
        let mut named = entries;
        named[0].name = SIGNATURE.into();
        assert!(manifest_of("r", "a", "t", None, named, None).is_err());
    }

    #[test]
    fn intact_bundle_verifies() {
        let files = bundle(5);
        let (manifest, problems) = verify_contents(&files);
        assert_eq!(problems, vec![]);
        let manifest = manifest.unwrap();
        assert_eq!(manifest.files.len(), 3);
        let findings = manifest
            .files
            .iter()
            .find(|f| f.name == "findings.jsonl")
            .unwrap();
        assert_eq!(findings.records, Some(5));
    }

    #[test]
    fn chain_links_follow_each_other() {
        let mut chain = ChainWriter::new();
        let first = chain.push(&json!({"a": 1})).clone();
        let second = chain.push(&json!({"a": 2})).clone();
        assert_eq!(first.prev, GENESIS);
        assert_eq!(second.prev, first.hash);
        assert_eq!(first.record, sha256_hex(br#"{"a":1}"#));
        assert_eq!(chain.head(), second.hash);
    }

    #[test]
    fn changed_record_is_named() {
        let mut files = bundle(5);
        edit_lines(&mut files, |l| {
            l[2] = br#"{"i":2,"status":"FAIL"}"#.to_vec()
        });
        let (_, problems) = verify_contents(&files);
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, Tamper::FileChanged { name, .. } if name == "findings.jsonl"))
        );
        assert!(
            problems.contains(&Tamper::RecordsChanged {
                file: "findings.jsonl".into(),
                positions: vec![2]
            }),
            "{problems:?}"
        );
    }

    #[test]
    fn removed_record_is_named() {
        let mut files = bundle(5);
        edit_lines(&mut files, |l| {
            l.remove(3);
        });
        let (_, problems) = verify_contents(&files);
        assert!(
            problems.contains(&Tamper::RecordsRemoved {
                file: "findings.jsonl".into(),
                positions: vec![3]
            }),
            "{problems:?}"
        );
    }

    #[test]
    fn inserted_record_is_named() {
        let mut files = bundle(5);
        edit_lines(&mut files, |l| {
            l.insert(1, br#"{"i":99,"status":"PASS"}"#.to_vec())
        });
        let (_, problems) = verify_contents(&files);
        assert!(
            problems.contains(&Tamper::RecordsInserted {
                file: "findings.jsonl".into(),
                positions: vec![1]
            }),
            "{problems:?}"
        );
    }

    #[test]
    fn reordered_records_are_named() {
        let mut files = bundle(5);
        edit_lines(&mut files, |l| l.swap(0, 4));
        let (_, problems) = verify_contents(&files);
        assert!(
            problems.contains(&Tamper::RecordsReordered {
                file: "findings.jsonl".into(),
                positions: vec![0, 4]
            }),
            "{problems:?}"
        );
    }

    #[test]
    fn rewritten_chain_file_is_caught_by_the_manifest() {
        let mut files = bundle(3);
        // Re-chain a changed file consistently: the links are fine, but the manifest is not.
        let mut chain = ChainWriter::new();
        for i in 0..3 {
            chain.push(&json!({"i": i, "status": "PASS"}));
        }
        let (records, links) = chain.finish();
        files.insert("findings.jsonl".into(), records);
        files.insert(format!("findings.jsonl{CHAIN_SUFFIX}"), links);
        let (_, problems) = verify_contents(&files);
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, Tamper::ChainHeadMismatch { .. })),
            "{problems:?}"
        );
        assert!(problems.iter().any(
            |p| matches!(p, Tamper::FileChanged { name, .. } if name.ends_with(CHAIN_SUFFIX))
        ));
    }

    #[test]
    fn swapped_manifest_is_caught() {
        let mut files = bundle(5);
        let other = bundle(4);
        files.insert(MANIFEST.into(), other[MANIFEST].clone());
        let (_, problems) = verify_contents(&files);
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, Tamper::ManifestNotSigned { .. })),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, Tamper::FileChanged { name, .. } if name == "findings.jsonl"))
        );
    }

    #[test]
    fn missing_and_extra_files_are_named() {
        let mut files = bundle(2);
        files.remove("summary.json");
        files.insert("extra.txt".into(), b"x".to_vec());
        let (_, problems) = verify_contents(&files);
        assert!(problems.contains(&Tamper::FileMissing("summary.json".into())));
        assert!(problems.contains(&Tamper::FileNotInManifest("extra.txt".into())));
    }

    #[test]
    fn previous_manifest_link_is_checked() {
        let files = bundle(1);
        let (manifest, _) = verify_contents(&files);
        let manifest = manifest.unwrap();
        assert!(verify_previous(&manifest, b"something else").is_some());
        let mut good = Manifest {
            previous_manifest_sha256: Some(sha256_hex(b"prev")),
            ..manifest
        };
        assert_eq!(verify_previous(&good, b"prev"), None);
        good.previous_manifest_sha256 = None;
        assert!(verify_previous(&good, b"prev").is_some());
    }

    #[test]
    fn empty_chain_has_genesis_head() {
        let chain = ChainWriter::new();
        assert_eq!(chain.head(), GENESIS);
        let (records, links) = chain.finish();
        assert!(records.is_empty() && links.is_empty());
    }
}
