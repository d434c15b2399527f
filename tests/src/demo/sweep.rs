//! Chapter: the nightly compliance sweep over the demo account. The evidence bucket (versioned,
//! Object Lock in governance mode, TLS-only) and the RSA signing key are created as the
//! template declares them, two insecure resources are added next to what earlier chapters
//! left, and the compliance-sweep function is invoked through cargo lambda with
//! `events/compliance-sweep/demo.json`. The bundle is downloaded next to the workspace's
//! target directory, verified (hashes, record chain, KMS signature), and then one copy with a
//! single record changed is shown to fail, naming the record.
//!
//! The function reads `VIGIL_EVIDENCE_BUCKET`, `VIGIL_EVIDENCE_KEY_ID` (an alias, since key ids
//! are random) and `VIGIL_SWEEP_REGIONS` from events/demo.env.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vigil::evidence::kms::Signer;
use vigil::evidence::{self, Files, offline};

use super::{ACCOUNT, Demo, bad, good, heading, say};

const BUCKET: &str = "vigil-demo-evidence-123456789012";
const KEY_ALIAS: &str = "alias/vigil-demo-evidence-signing";
const PREFIX: &str = "compliance-sweep/runs/";

/// Where the chapter writes the tampered copy of the bundle in `dir`.
pub fn tampered_copy(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push("-tampered");
    dir.with_file_name(name)
}

/// Runs the chapter; the local copy of the evidence bundle (with report.html) is returned.
pub async fn run(demo: &Demo) -> Result<PathBuf, String> {
    heading("Compliance sweep: every check, signed evidence, and a tampered copy caught");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&demo.sdk)
            .force_path_style(vigil::aws::s3_path_style(&demo.sdk))
            .build(),
    );
    let kms = aws_sdk_kms::Client::new(&demo.sdk);
    prepare_evidence_store(&s3, &kms).await?;
    let keys = seed_insecure_resources(&s3, &kms).await?;
    demo.warm_up("compliance-sweep")?;

    say(
        "Invoking compliance-sweep with events/compliance-sweep/demo.json ({\"action\": \"sweep\"}) ...",
    );
    let answer = demo.invoke("compliance-sweep", "events/compliance-sweep/demo.json")?;
    let totals = &answer["totals"];
    let run_id = answer["run_id"]
        .as_str()
        .ok_or_else(|| format!("no run_id in {answer}"))?
        .to_owned();
    good(&format!(
        "sweep {run_id}: {} PASS, {} FAIL, {} ERROR (could not evaluate), {} not applicable, with {} AWS calls",
        totals["pass"],
        totals["fail"],
        totals["error"],
        totals["not_applicable"],
        answer["api_calls"]
    ));
    say(&format!(
        "evidence sealed at {} (manifest SHA-256 {}..., signed: {})",
        answer["location"].as_str().unwrap_or("?"),
        &answer["manifest_sha256"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(16)
            .collect::<String>(),
        answer["signed"]
    ));

    let files = download(&s3, &run_id).await?;
    let dir = demo.root.join("target/vigil-demo/evidence").join(&run_id);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).map_err(|e| format!("write {name}: {e}"))?;
    }
    tell_failures(&files);
    good(&format!("report: {}", dir.join("report.html").display()));

    let signer = Signer::new(kms.clone(), KEY_ALIAS);
    let problems = verify(&files, &signer).await?;
    if problems.is_empty() {
        good(&format!(
            "verify: {} files, record chain intact, KMS signature valid (key {KEY_ALIAS})",
            files.len()
        ));
    } else {
        return Err(format!("the fresh bundle does not verify: {problems:?}"));
    }
    // Offline, as an auditor without AWS access: the key's fingerprint is taken once from KMS
    // (or the auditor's records); the check itself uses only the bundle's files.
    let der = kms
        .get_public_key()
        .key_id(KEY_ALIAS)
        .send()
        .await
        .map_err(|e| format!("kms:GetPublicKey: {e}"))?
        .public_key
        .ok_or("kms:GetPublicKey answered no public key")?
        .into_inner();
    let trust = offline::Trust::Fingerprint(offline::fingerprint(&der));
    let report = offline::verify_bundle(&files, &trust);
    match report.signed {
        Some(offline::Signed::Valid { fingerprint, .. }) if report.problems.is_empty() => {
            good(&format!(
                "verify offline (no AWS call: signing-key.pem in the bundle, pinned to fingerprint {}...): hashes, record chain and signature valid",
                &fingerprint[..16]
            ))
        }
        _ => {
            return Err(format!(
                "the fresh bundle does not verify offline: {:?}",
                report.problems
            ));
        }
    }

    // A copy where someone turned one FAIL into a PASS.
    let mut tampered = files.clone();
    let findings = String::from_utf8_lossy(&files["findings.ocsf.jsonl"]).into_owned();
    let mut lines: Vec<String> = findings.lines().map(str::to_owned).collect();
    let Some(position) = lines.iter().position(|l| l.contains("\"result\":\"FAIL\"")) else {
        return Err("no FAIL record to tamper with".into());
    };
    lines[position] = lines[position]
        .replacen("\"result\":\"FAIL\"", "\"result\":\"PASS\"", 1)
        .replacen("\"status\":\"Fail\"", "\"status\":\"Pass\"", 1);
    tampered.insert(
        "findings.ocsf.jsonl".into(),
        format!("{}\n", lines.join("\n")).into_bytes(),
    );
    let copy = tampered_copy(&dir);
    std::fs::create_dir_all(&copy).map_err(|e| e.to_string())?;
    for (name, bytes) in &tampered {
        std::fs::write(copy.join(name), bytes).map_err(|e| e.to_string())?;
    }
    let problems = verify(&tampered, &signer).await?;
    if problems.is_empty() {
        return Err("the tampered copy verified: the evidence would not be trustworthy".into());
    }
    bad(&format!(
        "verify of {} (record {position} turned from FAIL to PASS) fails:",
        copy.display()
    ));
    for p in &problems {
        say(&format!("  - {p}"));
    }
    let offline_problems = offline::verify_bundle(&tampered, &trust).problems;
    if offline_problems.is_empty() {
        return Err("the tampered copy verified offline".into());
    }
    bad("verify offline of the same copy fails too:");
    for p in &offline_problems {
        say(&format!("  - {p}"));
    }
    say(
        "vigil-sweep verify <dir> --trust-key <fingerprint> does the same from a terminal, without AWS credentials (exit code 3 when altered; --kms checks with KMS instead).",
    );
    second_night(demo, &s3, &kms, &keys).await?;
    Ok(dir)
}

/// The evidence bucket and signing key, as template.yaml declares them.
async fn prepare_evidence_store(
    s3: &aws_sdk_s3::Client,
    kms: &aws_sdk_kms::Client,
) -> Result<(), String> {
    use aws_sdk_s3::types::{
        DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode,
        ObjectLockRule,
    };
    s3.create_bucket()
        .bucket(BUCKET)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .map_err(|e| format!("create evidence bucket: {e:?}"))?;
    s3.put_object_lock_configuration()
        .bucket(BUCKET)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .rule(
                    ObjectLockRule::builder()
                        .default_retention(
                            DefaultRetention::builder()
                                .mode(ObjectLockRetentionMode::Governance)
                                .days(365)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("object lock on the evidence bucket: {e:?}"))?;
    let key = kms
        .create_key()
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .key_spec(aws_sdk_kms::types::KeySpec::Rsa3072)
        .description("Vigil demo - signs compliance evidence manifests")
        .send()
        .await
        .map_err(|e| format!("create signing key: {e:?}"))?
        .key_metadata
        .map(|m| m.key_id)
        .unwrap_or_default();
    kms.create_alias()
        .alias_name(KEY_ALIAS)
        .target_key_id(&key)
        .send()
        .await
        .map_err(|e| format!("alias the signing key: {e:?}"))?;
    say(&format!(
        "evidence bucket {BUCKET} (versioned, Object Lock governance 365 days) and RSA signing key {KEY_ALIAS} ready"
    ));
    Ok(())
}

/// Two things a sweep must catch, next to what earlier chapters created.
/// The keys the chapter changes between its two sweeps.
struct Keys {
    /// Never rotated: FAIL on the first sweep, fixed before the second.
    legacy: String,
    /// Rotated: PASS on the first sweep, broken before the second.
    rotated: String,
}

async fn seed_insecure_resources(
    s3: &aws_sdk_s3::Client,
    kms: &aws_sdk_kms::Client,
) -> Result<Keys, String> {
    let bucket = format!("vigil-demo-public-share-{ACCOUNT}");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .map_err(|e| format!("create {bucket}: {e:?}"))?;
    let key_id = |out: aws_sdk_kms::operation::create_key::CreateKeyOutput| {
        out.key_metadata
            .map(|m| m.key_id)
            .ok_or("CreateKey answered no key")
    };
    let legacy = key_id(
        kms.create_key()
            .description("legacy key, never rotated")
            .send()
            .await
            .map_err(|e| format!("create legacy key: {e:?}"))?,
    )?;
    let rotated = key_id(
        kms.create_key()
            .description("orders key, rotated yearly")
            .send()
            .await
            .map_err(|e| format!("create orders key: {e:?}"))?,
    )?;
    kms.enable_key_rotation()
        .key_id(&rotated)
        .send()
        .await
        .map_err(|e| format!("enable rotation of the orders key: {e:?}"))?;
    say(&format!(
        "added a bucket with no public-access block or TLS policy ({bucket}), a KMS key without rotation and one with it"
    ));
    Ok(Keys { legacy, rotated })
}

/// A second night: one key fixed, one broken; the sweep's summary says what changed.
async fn second_night(
    demo: &Demo,
    s3: &aws_sdk_s3::Client,
    kms: &aws_sdk_kms::Client,
    keys: &Keys,
) -> Result<(), String> {
    kms.enable_key_rotation()
        .key_id(&keys.legacy)
        .send()
        .await
        .map_err(|e| format!("enable rotation of the legacy key: {e:?}"))?;
    kms.disable_key_rotation()
        .key_id(&keys.rotated)
        .send()
        .await
        .map_err(|e| format!("disable rotation of the orders key: {e:?}"))?;
    say(
        "The next night: someone turned rotation on for the legacy key (fixed) and off for the orders key (broken). Sweeping again ...",
    );
    let answer = demo.invoke("compliance-sweep", "events/compliance-sweep/demo.json")?;
    let run_id = answer["run_id"]
        .as_str()
        .ok_or_else(|| format!("no run_id in {answer}"))?;
    let files = download(s3, run_id).await?;
    let summary: Value = serde_json::from_slice(&files["summary.json"])
        .map_err(|e| format!("summary.json of {run_id}: {e}"))?;
    let changes = &summary["changes"];
    let count = |k: &str| changes["counts"][k].as_u64().unwrap_or_default();
    good(&format!(
        "what changed since run {}: {} new FAIL, {} fixed, {} still failing, {} new ERROR, {} newly muted (summary.json \"changes\", report.html, and the alert's digest)",
        changes["previous_run"].as_str().unwrap_or("?"),
        count("new_fail"),
        count("fixed"),
        count("still_failing"),
        count("new_error"),
        count("muted"),
    ));
    for (label, list) in [("new FAIL", "new_fail"), ("fixed", "fixed")] {
        for c in changes[list].as_array().into_iter().flatten().take(5) {
            say(&format!(
                "  {label}: {} {} ({})",
                c["check"].as_str().unwrap_or("?"),
                c["resource"].as_str().unwrap_or("?"),
                c["detail"].as_str().unwrap_or("")
            ));
        }
    }
    let mentions = |list: &str, key: &str| {
        changes[list]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["resource"].as_str().is_some_and(|r| r.ends_with(key)))
    };
    if !mentions("fixed", &keys.legacy) || !mentions("new_fail", &keys.rotated) {
        return Err(format!(
            "the second sweep's changes do not name the fixed and the broken key: {changes}"
        ));
    }
    Ok(())
}

async fn download(s3: &aws_sdk_s3::Client, run_id: &str) -> Result<Files, String> {
    let prefix = format!("{PREFIX}{run_id}/");
    let listed = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(&prefix)
        .send()
        .await
        .map_err(|e| format!("list the bundle: {e:?}"))?;
    let mut files = Files::new();
    for object in listed.contents.unwrap_or_default() {
        let Some(key) = object.key else { continue };
        let body = s3
            .get_object()
            .bucket(BUCKET)
            .key(&key)
            .send()
            .await
            .map_err(|e| format!("get {key}: {e:?}"))?
            .body
            .collect()
            .await
            .map_err(|e| format!("read {key}: {e}"))?;
        files.insert(
            key.trim_start_matches(&prefix).to_owned(),
            body.into_bytes().to_vec(),
        );
    }
    if files.is_empty() {
        return Err(format!("no evidence under s3://{BUCKET}/{prefix}"));
    }
    Ok(files)
}

async fn verify(files: &Files, signer: &Signer) -> Result<Vec<evidence::Tamper>, String> {
    signer
        .verify_bundle(files)
        .await
        .map(|(_, problems)| problems)
        .map_err(|e| format!("KMS Verify: {e}"))
}

/// The failing checks, most severe first, in a few lines.
fn tell_failures(files: &Files) {
    let Some(summary) = files
        .get("summary.json")
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
        return;
    };
    let mut by_area: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for (area, c) in summary["by_area"].as_object().into_iter().flatten() {
        by_area.insert(
            area.clone(),
            (
                c["pass"].as_u64().unwrap_or(0),
                c["fail"].as_u64().unwrap_or(0),
                c["error"].as_u64().unwrap_or(0),
            ),
        );
    }
    for (area, (p, f, e)) in &by_area {
        say(&format!("{area:<15} {p:>3} pass {f:>3} fail {e:>3} error"));
    }
    let failing: Vec<String> = summary["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["status"] == "FAIL" && matches!(c["severity"].as_str(), Some("CRITICAL" | "HIGH"))
        })
        .map(|c| {
            format!(
                "{} {}",
                c["id"].as_str().unwrap_or("?"),
                c["title"].as_str().unwrap_or("")
            )
        })
        .take(8)
        .collect();
    if !failing.is_empty() {
        bad(&format!(
            "critical/high checks failing: {}",
            failing.join("; ")
        ));
    }
    let errors: Vec<String> = summary["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["counts"]["error"].as_u64().unwrap_or(0) > 0)
        .map(|c| c["id"].as_str().unwrap_or("?").to_owned())
        .collect();
    if !errors.is_empty() {
        say(&format!(
            "ERROR (never counted as a pass; the emulator lacks the API): {}",
            errors.join(", ")
        ));
    }
}
