//! Checking a bundle without AWS: the signature over `manifest.json` verified locally with a
//! public key, and a period of bundles checked as one chain (no night missing or replaced).
//!
//! A signed bundle carries its signing key's public key (`signing-key.pem`, the DER
//! SubjectPublicKeyInfo KMS `GetPublicKey` returns, as PEM) and its manifest names the key:
//! ARN, signing algorithm and fingerprint. The fingerprint is the SHA-256 (lowercase hex) of
//! the DER SubjectPublicKeyInfo, what `openssl pkey -pubin -in signing-key.pem -outform DER |
//! sha256sum` prints. A key carried by the bundle proves only that the bundle is consistent
//! with itself: the auditor's trust comes from a fingerprint or PEM obtained elsewhere
//! ([`Trust::Fingerprint`], [`Trust::Key`]), which the verifier compares with the bundle's.
//!
//! KMS signs the manifest's SHA-256 with `MessageType=DIGEST`, which gives the same signature
//! as signing `manifest.json` itself: the check here is a plain signature check over the
//! manifest's bytes, as `openssl dgst -sha256 -verify` does it.

use std::collections::BTreeMap;

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::{Files, MANIFEST, Manifest, SIGNATURE, SignatureFile, Tamper, sha256_hex};

/// The public key's file name in a signed bundle.
pub const PUBLIC_KEY: &str = "signing-key.pem";

/// The signing key as a manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKey {
    pub key_arn: String,
    /// KMS's name for the algorithm (e.g. `RSASSA_PKCS1_V1_5_SHA_256`).
    pub signing_algorithm: String,
    /// SHA-256 (lowercase hex) of the DER SubjectPublicKeyInfo.
    pub public_key_sha256: String,
    /// The bundle file that holds the public key (PEM).
    pub public_key_file: String,
}

/// The fingerprint of a public key: SHA-256 (lowercase hex) of its DER SubjectPublicKeyInfo.
pub fn fingerprint(der: &[u8]) -> String {
    sha256_hex(der)
}

/// A fingerprint as a person may write it (`sha256:`, colons, upper case) in the form
/// [`fingerprint`] gives, or why it is not one.
pub fn normalise_fingerprint(text: &str) -> Result<String, String> {
    let t = text.trim();
    let t = t.strip_prefix("sha256:").unwrap_or(t);
    let hex: String = t
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(format!(
            "{text:?} is not a SHA-256 fingerprint (64 hex digits of the DER SubjectPublicKeyInfo's SHA-256)"
        ))
    }
}

/// A DER SubjectPublicKeyInfo as PEM (`-----BEGIN PUBLIC KEY-----`, 64 columns).
pub fn to_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

/// The DER of a PEM `PUBLIC KEY`, or why it cannot be read.
pub fn from_pem(text: &str) -> Result<Vec<u8>, String> {
    let begin = "-----BEGIN PUBLIC KEY-----";
    let end = "-----END PUBLIC KEY-----";
    let start = text.find(begin).ok_or_else(|| format!("no {begin} line"))?;
    let rest = &text[start + begin.len()..];
    let stop = rest.find(end).ok_or_else(|| format!("no {end} line"))?;
    let body: String = rest[..stop].split_whitespace().collect();
    STANDARD
        .decode(body)
        .map_err(|e| format!("not base64 between the PEM lines: {e}"))
}

fn algorithm(name: &str) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match name {
        "RSASSA_PKCS1_V1_5_SHA_256" => &signature::RSA_PKCS1_2048_8192_SHA256,
        "RSASSA_PKCS1_V1_5_SHA_384" => &signature::RSA_PKCS1_2048_8192_SHA384,
        "RSASSA_PKCS1_V1_5_SHA_512" => &signature::RSA_PKCS1_2048_8192_SHA512,
        "RSASSA_PSS_SHA_256" => &signature::RSA_PSS_2048_8192_SHA256,
        "RSASSA_PSS_SHA_384" => &signature::RSA_PSS_2048_8192_SHA384,
        "RSASSA_PSS_SHA_512" => &signature::RSA_PSS_2048_8192_SHA512,
        "ECDSA_SHA_256" => &signature::ECDSA_P256_SHA256_ASN1,
        "ECDSA_SHA_384" => &signature::ECDSA_P384_SHA384_ASN1,
        _ => return None,
    })
}

/// Checks `signature` over `message` with the public key `der` (SubjectPublicKeyInfo) and the
/// KMS algorithm named; the error says why it does not verify.
pub fn verify_signature(
    der: &[u8],
    signing_algorithm: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let alg = algorithm(signing_algorithm)
        .ok_or_else(|| format!("signing algorithm {signing_algorithm} is not supported"))?;
    UnparsedPublicKey::new(alg, der)
        .verify(message, signature)
        .map_err(|_| {
            format!(
                "the {signing_algorithm} signature does not verify with the public key of fingerprint {}",
                fingerprint(der)
            )
        })
}

/// Which public key the verifier trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The key the bundle carries (consistency only: say so to the auditor).
    Bundle,
    /// The bundle's key, if its fingerprint is this one.
    Fingerprint(String),
    /// This key (DER SubjectPublicKeyInfo), whatever the bundle carries.
    Key(Vec<u8>),
}

/// What the signature check found, when nothing was altered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// The signature verifies with the key of this fingerprint; `pinned` when the auditor
    /// named the key (else only the bundle vouches for it).
    Valid {
        key_arn: String,
        fingerprint: String,
        pinned: bool,
    },
    /// No signature and a manifest that names no key: written without a signing key.
    Unsigned,
}

/// What an offline check of one bundle found.
#[derive(Debug, Clone)]
pub struct Report {
    pub manifest: Option<Manifest>,
    /// Everything found altered; empty when the bundle is intact.
    pub problems: Vec<Tamper>,
    /// The signature's state; `None` when it could not be established (see `problems`).
    pub signed: Option<Signed>,
}

/// Checks hashes, record chain, manifest and signature of a bundle, without AWS.
pub fn verify_bundle(files: &Files, trust: &Trust) -> Report {
    let (manifest, mut problems) = super::verify_contents(files);
    let Some(m) = &manifest else {
        return Report {
            manifest,
            problems,
            signed: None,
        };
    };
    let signature = files
        .get(SIGNATURE)
        .and_then(|b| serde_json::from_slice::<SignatureFile>(b).ok());
    let signed = match (&m.signing_key, files.contains_key(SIGNATURE), signature) {
        (None, false, _) => Some(Signed::Unsigned),
        (Some(key), false, _) => {
            problems.push(Tamper::SignatureMissing {
                key_arn: key.key_arn.clone(),
            });
            None
        }
        // Unreadable: verify_contents named it.
        (_, true, None) => None,
        (key, true, Some(sig)) => check_signature(files, key.as_ref(), &sig, trust, &mut problems),
    };
    Report {
        manifest,
        problems,
        signed,
    }
}

fn check_signature(
    files: &Files,
    key: Option<&SigningKey>,
    sig: &SignatureFile,
    trust: &Trust,
    problems: &mut Vec<Tamper>,
) -> Option<Signed> {
    let key_arn = key
        .map(|k| k.key_arn.clone())
        .or_else(|| sig.key_arn.clone())
        .unwrap_or_else(|| sig.key_id.clone());
    let invalid = |detail: String| Tamper::SignatureInvalid {
        key_id: key_arn.clone(),
        detail,
    };
    let Some(key) = key else {
        problems.push(invalid(
            "the manifest names no signing key and no public key: check it online (--kms)".into(),
        ));
        return None;
    };
    if sig.public_key_sha256.as_deref() != Some(key.public_key_sha256.as_str()) {
        problems.push(invalid(format!(
            "{SIGNATURE} names the key of fingerprint {}, the manifest {}",
            sig.public_key_sha256.as_deref().unwrap_or("none"),
            key.public_key_sha256
        )));
    }
    if sig.signing_algorithm != key.signing_algorithm {
        problems.push(invalid(format!(
            "{SIGNATURE} says {}, the manifest {}",
            sig.signing_algorithm, key.signing_algorithm
        )));
    }
    let carried = match files.get(&key.public_key_file) {
        None => Err(format!("{} is missing", key.public_key_file)),
        Some(pem) => std::str::from_utf8(pem)
            .map_err(|_| "not UTF-8".to_owned())
            .and_then(from_pem)
            .map_err(|e| format!("{}: {e}", key.public_key_file)),
    };
    let carried = match carried {
        Ok(der) => {
            let actual = fingerprint(&der);
            if actual != key.public_key_sha256 {
                problems.push(Tamper::PublicKeyMismatch {
                    file: key.public_key_file.clone(),
                    actual,
                    manifest: key.public_key_sha256.clone(),
                });
            }
            Some(der)
        }
        Err(e) => {
            problems.push(Tamper::PublicKeyUnreadable(e));
            None
        }
    };
    let (der, trusted_fp) = match trust {
        Trust::Key(der) => (der.clone(), Some(fingerprint(der))),
        Trust::Fingerprint(fp) => (carried?, Some(fp.clone())),
        Trust::Bundle => (carried?, None),
    };
    let pinned = trusted_fp.is_some();
    let untrusted = trusted_fp.filter(|t| *t != key.public_key_sha256);
    if let Some(trusted) = &untrusted {
        problems.push(Tamper::KeyNotTrusted {
            bundle: key.public_key_sha256.clone(),
            trusted: trusted.clone(),
        });
    }
    let Ok(bytes) = STANDARD.decode(&sig.signature) else {
        problems.push(invalid("the signature is not base64".into()));
        return None;
    };
    let manifest = files.get(MANIFEST).expect("verify_contents read it");
    match verify_signature(&der, &sig.signing_algorithm, manifest, &bytes) {
        Ok(()) if untrusted.is_some() => None,
        Ok(()) => Some(Signed::Valid {
            key_arn,
            fingerprint: fingerprint(&der),
            pinned,
        }),
        Err(detail) => {
            problems.push(invalid(detail));
            None
        }
    }
}

/// Checks that `bundles` (name, files), in any order, form one unbroken chain of nights: each
/// manifest names the one before it; none is missing (a manifest names a previous one that is
/// not among them) and none replaced (two name the same previous one). The first bundle's own
/// previous manifest is outside the period and not checked. Bundles without a readable
/// manifest are reported by [`verify_bundle`]; here they are skipped.
pub fn verify_chain(bundles: &[(String, &Files)]) -> Vec<Tamper> {
    let mut runs: Vec<(String, Manifest, String)> = bundles
        .iter()
        .filter_map(|(name, files)| {
            let bytes = files.get(MANIFEST)?;
            let manifest: Manifest = serde_json::from_slice(bytes).ok()?;
            Some((name.clone(), manifest, sha256_hex(bytes)))
        })
        .collect();
    runs.sort_by(|a, b| (&a.1.created_at, &a.1.run_id).cmp(&(&b.1.created_at, &b.1.run_id)));
    let by_sha: BTreeMap<&str, &str> = runs
        .iter()
        .map(|(name, _, sha)| (sha.as_str(), name.as_str()))
        .collect();
    let mut problems = Vec::new();
    let mut successors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, (name, manifest, _)) in runs.iter().enumerate() {
        match manifest.previous_manifest_sha256.as_deref() {
            Some(prev) if by_sha.contains_key(prev) => {
                successors.entry(prev).or_default().push(name.as_str());
            }
            _ if i == 0 => {}
            prev => problems.push(Tamper::ChainGap {
                run: name.clone(),
                previous: prev.map(str::to_owned),
                before: runs[i - 1].0.clone(),
            }),
        }
    }
    for (prev, next) in successors {
        if next.len() > 1 {
            problems.push(Tamper::ChainFork {
                previous: by_sha[prev].to_owned(),
                runs: next.iter().map(|s| (*s).to_owned()).collect(),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
    use serde_json::json;

    use super::*;
    use crate::evidence::{CHAIN_SUFFIX, ChainWriter, build_manifest, build_signed_manifest};

    struct Key {
        pair: EcdsaKeyPair,
        der: Vec<u8>,
        arn: String,
    }

    fn key(n: u8) -> Key {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let der = pair.public_key().as_der().unwrap().as_ref().to_vec();
        Key {
            pair,
            der,
            arn: format!("arn:aws:kms:us-east-1:123456789012:key/k{n}"),
        }
    }

    fn contents(n: usize) -> Files {
        let mut chain = ChainWriter::new();
        for i in 0..n {
            chain.push(&json!({"i": i}));
        }
        let (records, links) = chain.finish();
        let mut files = Files::new();
        files.insert("findings.jsonl".into(), records);
        files.insert(format!("findings.jsonl{CHAIN_SUFFIX}"), links);
        files
    }

    /// A bundle signed by `key` (the way the sweep seals one), chained to `previous`.
    fn signed(key: &Key, run: &str, previous: Option<String>) -> Files {
        let mut files = contents(3);
        files.insert(PUBLIC_KEY.into(), to_pem(&key.der).into_bytes());
        let signing_key = SigningKey {
            key_arn: key.arn.clone(),
            signing_algorithm: "ECDSA_SHA_256".into(),
            public_key_sha256: fingerprint(&key.der),
            public_key_file: PUBLIC_KEY.into(),
        };
        let (manifest, digest) = build_signed_manifest(
            run,
            "123456789012",
            &format!("2026-01-0{}T00:00:00Z", run.trim_start_matches('r')),
            previous,
            &files,
            &["findings.jsonl"],
            Some(signing_key),
        )
        .unwrap();
        let sig = key.pair.sign(&SystemRandom::new(), &manifest).unwrap();
        files.insert(MANIFEST.into(), manifest);
        let file = SignatureFile {
            key_id: key.arn.clone(),
            signing_algorithm: "ECDSA_SHA_256".into(),
            message_type: "DIGEST".into(),
            manifest_sha256: digest,
            signature: STANDARD.encode(sig.as_ref()),
            key_arn: Some(key.arn.clone()),
            public_key_sha256: Some(fingerprint(&key.der)),
        };
        files.insert(SIGNATURE.into(), serde_json::to_vec(&file).unwrap());
        files
    }

    #[test]
    fn a_signed_bundle_verifies_offline_with_its_pinned_key() {
        let k = key(1);
        let files = signed(&k, "r1", None);
        let pinned = verify_bundle(&files, &Trust::Fingerprint(fingerprint(&k.der)));
        assert_eq!(pinned.problems, vec![]);
        assert_eq!(
            pinned.signed,
            Some(Signed::Valid {
                key_arn: k.arn.clone(),
                fingerprint: fingerprint(&k.der),
                pinned: true
            })
        );
        let by_pem = verify_bundle(&files, &Trust::Key(k.der.clone()));
        assert_eq!(by_pem.problems, vec![]);
        let bundle = verify_bundle(&files, &Trust::Bundle);
        assert!(matches!(
            bundle.signed,
            Some(Signed::Valid { pinned: false, .. })
        ));
    }

    #[test]
    fn a_signature_by_another_key_fails_and_names_both_keys() {
        let (k, other) = (key(1), key(2));
        let files = signed(&other, "r1", None);
        let r = verify_bundle(&files, &Trust::Fingerprint(fingerprint(&k.der)));
        assert_eq!(
            r.problems,
            vec![Tamper::KeyNotTrusted {
                bundle: fingerprint(&other.der),
                trusted: fingerprint(&k.der)
            }]
        );
        assert_eq!(r.signed, None);
        // Pinned by PEM: the signature itself does not verify with the trusted key.
        let r = verify_bundle(&files, &Trust::Key(k.der.clone()));
        assert!(
            r.problems
                .iter()
                .any(|p| matches!(p, Tamper::SignatureInvalid { .. })),
            "{:?}",
            r.problems
        );
        assert!(
            r.problems
                .iter()
                .any(|p| matches!(p, Tamper::KeyNotTrusted { .. }))
        );
    }

    #[test]
    fn a_replaced_public_key_or_forged_signature_fails() {
        let (k, other) = (key(1), key(2));
        // The attacker swaps in their own key and re-signs, but cannot re-hash the manifest's
        // record of the key file without breaking the signature's key fingerprint.
        let mut files = signed(&k, "r1", None);
        files.insert(PUBLIC_KEY.into(), to_pem(&other.der).into_bytes());
        let r = verify_bundle(&files, &Trust::Bundle);
        assert!(r.problems.contains(&Tamper::PublicKeyMismatch {
            file: PUBLIC_KEY.into(),
            actual: fingerprint(&other.der),
            manifest: fingerprint(&k.der)
        }));
        // Another bundle's signature bytes over this manifest.
        let mut forged = signed(&k, "r1", None);
        let donor: SignatureFile =
            serde_json::from_slice(&signed(&k, "r2", None)[SIGNATURE]).unwrap();
        let mut sig: SignatureFile = serde_json::from_slice(&forged[SIGNATURE]).unwrap();
        sig.signature = donor.signature;
        forged.insert(SIGNATURE.into(), serde_json::to_vec(&sig).unwrap());
        let r = verify_bundle(&forged, &Trust::Fingerprint(fingerprint(&k.der)));
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert_eq!(
            r.problems[0].to_string(),
            format!(
                "signature does not verify with key {}: the ECDSA_SHA_256 signature does not verify with the public key of fingerprint {}",
                k.arn,
                fingerprint(&k.der)
            )
        );
    }

    #[test]
    fn unsigned_and_unsigned_by_removal_are_told_apart() {
        let mut files = contents(2);
        let (manifest, _) =
            build_manifest("r1", "1", "t", None, &files, &["findings.jsonl"]).unwrap();
        files.insert(MANIFEST.into(), manifest);
        let r = verify_bundle(&files, &Trust::Bundle);
        assert_eq!((r.problems, r.signed), (vec![], Some(Signed::Unsigned)));

        let k = key(1);
        let mut stripped = signed(&k, "r1", None);
        stripped.remove(SIGNATURE);
        let r = verify_bundle(&stripped, &Trust::Bundle);
        assert_eq!(
            r.problems,
            vec![Tamper::SignatureMissing {
                key_arn: k.arn.clone()
            }]
        );
    }

    #[test]
    fn a_chain_of_nights_with_a_gap_or_a_fork_is_named() {
        let k = key(1);
        let sha = |f: &Files| sha256_hex(&f[MANIFEST]);
        let n1 = signed(&k, "r1", Some("ab".repeat(32)));
        let n2 = signed(&k, "r2", Some(sha(&n1)));
        let n3 = signed(&k, "r3", Some(sha(&n2)));
        let named = |v: &[(&str, &Files)]| -> Vec<(String, Files)> {
            v.iter()
                .map(|(n, f)| ((*n).to_owned(), (*f).clone()))
                .collect()
        };
        let check = |v: Vec<(String, Files)>| {
            let refs: Vec<(String, &Files)> = v.iter().map(|(n, f)| (n.clone(), f)).collect();
            verify_chain(&refs)
        };
        // Given in any order, the whole period is one chain.
        assert_eq!(
            check(named(&[("n3", &n3), ("n1", &n1), ("n2", &n2)])),
            vec![]
        );
        // A night missing.
        let gap = check(named(&[("n1", &n1), ("n3", &n3)]));
        assert_eq!(
            gap,
            vec![Tamper::ChainGap {
                run: "n3".into(),
                previous: Some(sha(&n2)),
                before: "n1".into()
            }]
        );
        assert!(gap[0].to_string().contains("a night missing or replaced"));
        // A night replaced by another bundle chained to the same predecessor.
        let n2b = signed(&k, "r2", Some(sha(&n1)));
        let fork = check(named(&[
            ("n1", &n1),
            ("n2", &n2),
            ("n2b", &n2b),
            ("n3", &n3),
        ]));
        assert!(
            fork.contains(&Tamper::ChainFork {
                previous: "n1".into(),
                runs: vec!["n2".into(), "n2b".into()]
            }),
            "{fork:?}"
        );
    }

    #[test]
    fn fingerprints_and_pem_round_trip() {
        let k = key(1);
        let fp = fingerprint(&k.der);
        let colons: Vec<String> = fp
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8(c.to_vec()).unwrap().to_uppercase())
            .collect();
        assert_eq!(
            normalise_fingerprint(&format!("sha256:{}", colons.join(":"))),
            Ok(fp.clone())
        );
        assert!(normalise_fingerprint("abc").is_err());
        assert_eq!(from_pem(&to_pem(&k.der)), Ok(k.der.clone()));
        assert!(from_pem("garbage").is_err());
    }
}
