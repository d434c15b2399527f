//! Evidence over the emulator: a signed bundle verifies (hashes, chain, KMS signature), runs
//! chain to each other, each kind of tampering fails and is named, a sharded run merges into
//! one bundle, a regression alerts, and the CLI's exit codes. Offline: the bundle carries the
//! public key (read once per signer), `vigil-sweep verify` checks it without AWS against a
//! pinned key and a period of nights as a chain, and the README's openssl commands verify a
//! real bundle and reject a tampered one (KMS signs DIGEST messages as AWS does only with the
//! emulator patch tests/emulator/patches/kms_sign_digest.py).

mod rig;

use std::path::Path;
use std::process::Command;

use compliance_sweep::actions::bundle::FINDINGS;
use compliance_sweep::actions::store::{Store, read_dir};
use compliance_sweep::report::ocsf::findings_from_ocsf;
use rig::{REGION, secure};
use serde_json::{Value, json};
use vigil::evidence::kms::Signer;
use vigil::evidence::offline::{self, PUBLIC_KEY, Trust};
use vigil::evidence::{self, CHAIN_SUFFIX, Files, MANIFEST, SIGNATURE, SignatureFile, Tamper};

async fn run(account: &rig::Account, dir: &Path, services: &str) -> Value {
    let deps = account.deps(dir, &[("VIGIL_SWEEP_SERVICES", services)]);
    rig::request(&deps, json!({"action": "sweep"})).await
}

/// Everything `vigil-sweep verify` checks, as a list of what was altered.
async fn verify(files: &Files, key: &str, sdk: &aws_config::SdkConfig) -> Vec<Tamper> {
    Signer::new(aws_sdk_kms::Client::new(sdk), key)
        .verify_bundle(files)
        .await
        .unwrap()
        .1
}

fn lines(files: &mut Files, edit: impl FnOnce(&mut Vec<String>)) {
    let text = String::from_utf8(files[FINDINGS].clone()).unwrap();
    let mut l: Vec<String> = text.lines().map(str::to_owned).collect();
    edit(&mut l);
    files.insert(FINDINGS.into(), format!("{}\n", l.join("\n")).into_bytes());
}

#[tokio::test]
async fn signed_bundle_verifies_chains_across_runs_and_every_tampering_fails() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    let first = run(&s, dir.path(), "kms,s3").await;
    let second = run(&s, dir.path(), "kms,s3").await;
    let first_dir = std::path::PathBuf::from(first["location"].as_str().unwrap());
    let second_dir = std::path::PathBuf::from(second["location"].as_str().unwrap());
    let files = read_dir(&second_dir).unwrap();
    assert_eq!(verify(&files, &s.signing_key, &s.sdk).await, vec![]);
    for name in [
        FINDINGS,
        "summary.json",
        "matrix.json",
        "report.html",
        MANIFEST,
        SIGNATURE,
    ] {
        assert!(files.contains_key(name), "{name}");
    }
    // The chain across nights: the second manifest names the first.
    let (manifest, _) = evidence::verify_contents(&files);
    assert_eq!(
        evidence::verify_previous(
            &manifest.unwrap(),
            &std::fs::read(first_dir.join(MANIFEST)).unwrap()
        ),
        None
    );
    let n = findings_from_ocsf(&files[FINDINGS]).len();
    assert!(n >= 8, "{n} findings");

    // Changed record.
    let mut changed = files.clone();
    lines(&mut changed, |l| {
        l[1] = l[1].replacen("\"message\":\"", "\"message\":\"(reviewed, fine) ", 1)
    });
    let p = verify(&changed, &s.signing_key, &s.sdk).await;
    assert!(
        p.contains(&Tamper::RecordsChanged {
            file: FINDINGS.into(),
            positions: vec![1]
        }),
        "{p:?}"
    );
    // Removed record.
    let mut removed = files.clone();
    lines(&mut removed, |l| {
        l.remove(2);
    });
    let p = verify(&removed, &s.signing_key, &s.sdk).await;
    assert!(
        p.contains(&Tamper::RecordsRemoved {
            file: FINDINGS.into(),
            positions: vec![2]
        }),
        "{p:?}"
    );
    // Reordered records.
    let mut reordered = files.clone();
    lines(&mut reordered, |l| l.swap(0, 3));
    let p = verify(&reordered, &s.signing_key, &s.sdk).await;
    assert!(
        p.contains(&Tamper::RecordsReordered {
            file: FINDINGS.into(),
            positions: vec![0, 3]
        }),
        "{p:?}"
    );
    // Inserted record (a copy of a real one with another resource).
    let mut inserted = files.clone();
    lines(&mut inserted, |l| {
        let fake = l[0].replacen("arn:aws:", "arn:aws:fake:", 1);
        l.insert(1, fake);
    });
    let p = verify(&inserted, &s.signing_key, &s.sdk).await;
    assert!(
        p.contains(&Tamper::RecordsInserted {
            file: FINDINGS.into(),
            positions: vec![1]
        }),
        "{p:?}"
    );
    // Swapped manifest: the first run's (validly signed) manifest next to the second run's files.
    let mut swapped = files.clone();
    swapped.insert(
        MANIFEST.into(),
        std::fs::read(first_dir.join(MANIFEST)).unwrap(),
    );
    let p = verify(&swapped, &s.signing_key, &s.sdk).await;
    assert!(
        p.iter()
            .any(|t| matches!(t, Tamper::ManifestNotSigned { .. })),
        "{p:?}"
    );
    // Swapped manifest and signature together: the files no longer match it.
    swapped.insert(
        SIGNATURE.into(),
        std::fs::read(first_dir.join(SIGNATURE)).unwrap(),
    );
    let p = verify(&swapped, &s.signing_key, &s.sdk).await;
    assert!(
        p.iter()
            .any(|t| matches!(t, Tamper::FileChanged { name, .. } if name == FINDINGS)),
        "{p:?}"
    );
    // Wrong signature: the bytes of another run's signature over this manifest's digest.
    let mut forged = files.clone();
    let mut sig: SignatureFile = serde_json::from_slice(&files[SIGNATURE]).unwrap();
    let other: SignatureFile =
        serde_json::from_slice(&std::fs::read(first_dir.join(SIGNATURE)).unwrap()).unwrap();
    sig.signature = other.signature;
    forged.insert(SIGNATURE.into(), serde_json::to_vec(&sig).unwrap());
    let p = verify(&forged, &s.signing_key, &s.sdk).await;
    assert!(
        p.iter()
            .any(|t| matches!(t, Tamper::SignatureInvalid { .. })),
        "{p:?}"
    );
    // A signature from another key does not verify with the trusted one.
    let other_key = rig::signing_key(&s.sdk).await;
    let resigned = Signer::new(aws_sdk_kms::Client::new(&s.sdk), &other_key)
        .sign(&sig.manifest_sha256)
        .await
        .unwrap();
    let mut rekeyed = files.clone();
    rekeyed.insert(SIGNATURE.into(), serde_json::to_vec(&resigned).unwrap());
    let p = verify(&rekeyed, &s.signing_key, &s.sdk).await;
    assert!(
        p.iter()
            .any(|t| matches!(t, Tamper::SignatureInvalid { .. })),
        "{p:?}"
    );
    // A rewritten chain file is caught by the manifest.
    let mut rechained = files.clone();
    rechained.insert(format!("{FINDINGS}{CHAIN_SUFFIX}"), b"{}\n".to_vec());
    assert!(!verify(&rechained, &s.signing_key, &s.sdk).await.is_empty());
}

#[tokio::test]
async fn bundles_go_to_the_evidence_bucket_and_chain_across_runs() {
    let s = secure().await;
    let bucket = format!("evidence-{}", s.id);
    let s3 = rig::s3(&s.sdk);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut deps = s.deps(
        dir.path(),
        &[
            ("VIGIL_SWEEP_SERVICES", "kms"),
            ("VIGIL_EVIDENCE_BUCKET", bucket.as_str()),
        ],
    );
    deps.store = Store::bucket(&s.sdk, &deps.config).unwrap();
    let sweep = json!({"action": "sweep"});
    let first = rig::request(&deps, sweep.clone()).await;
    let second = rig::request(&deps, sweep).await;
    let prefix = format!("s3://{bucket}/compliance-sweep/runs/");
    for run in [&first, &second] {
        assert!(
            run["location"].as_str().unwrap().starts_with(&prefix),
            "{run}"
        );
    }

    let get = |key: String| {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        async move {
            s3.get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap()
                .body
                .collect()
                .await
                .unwrap()
                .into_bytes()
                .to_vec()
        }
    };
    let run_files = |run: &Value| {
        let run_id = run["run_id"].as_str().unwrap().to_owned();
        async move {
            let mut files = Files::new();
            for name in [FINDINGS, MANIFEST, SIGNATURE] {
                files.insert(
                    name.to_owned(),
                    get(format!("compliance-sweep/runs/{run_id}/{name}")).await,
                );
            }
            files
        }
    };
    let older = run_files(&first).await;
    let newer = run_files(&second).await;
    let (manifest, _) = evidence::verify_contents(&newer);
    assert_eq!(
        evidence::verify_previous(&manifest.unwrap(), &older[MANIFEST]),
        None,
        "the second run's manifest carries the first one's hash"
    );
    let latest: Value =
        serde_json::from_slice(&get("compliance-sweep/latest.json".into()).await).unwrap();
    assert_eq!(latest["run_id"], second["run_id"]);
}

#[tokio::test]
async fn sharded_run_merges_into_one_signed_bundle_like_a_single_run() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    let deps = s.deps(
        dir.path(),
        &[("VIGIL_SWEEP_SERVICES", "kms,secretsmanager,s3")],
    );
    let plan = rig::request(&deps, json!({"action": "plan"})).await;
    let items = plan["items"].as_array().unwrap();
    assert_eq!(
        plan["parts"],
        json!(["kms@us-east-1", "secretsmanager@us-east-1", "s3@global"])
    );
    for item in items {
        let part = rig::request(&deps, item.clone()).await;
        assert_eq!(part["run_id"], plan["run_id"]);
    }
    let merged = rig::request(
        &deps,
        json!({"action": "merge", "run_id": plan["run_id"], "parts": plan["parts"]}),
    )
    .await;
    let merged_files = read_dir(Path::new(merged["location"].as_str().unwrap())).unwrap();
    assert_eq!(verify(&merged_files, &s.signing_key, &s.sdk).await, vec![]);
    let single = run(&s, dir.path(), "kms,secretsmanager,s3").await;
    assert_eq!(
        merged["totals"], single["totals"],
        "same findings whether split or not"
    );

    // Without configured Regions the plan covers every enabled Region (account:ListRegions).
    let all = s.deps(
        dir.path(),
        &[("VIGIL_SWEEP_REGIONS", ""), ("VIGIL_SWEEP_SERVICES", "kms")],
    );
    let wide = rig::request(&all, json!({"action": "plan"})).await;
    let parts = wide["parts"].as_array().unwrap();
    assert!(
        parts.len() > 10 && parts.contains(&json!("kms@eu-west-1")),
        "{parts:?}"
    );
}

#[tokio::test]
async fn a_regression_raises_one_alert() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    run(&s, dir.path(), "kms").await;
    aws_sdk_kms::Client::new(&s.sdk)
        .disable_key_rotation()
        .key_id(s.a("good-key"))
        .send()
        .await
        .unwrap();
    let second = run(&s, dir.path(), "kms").await;
    assert_eq!(
        second["regressions"], 2,
        "KMS-01 and KMS-02 on the key: {second}"
    );
    let published = vigil_tests::harness::harness()
        .moto
        .published_sns_messages(&s.id);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(
        published[0]["Subject"],
        format!(
            "[Vigil HIGH] 2 compliance regression(s) in account {}",
            s.id
        )
    );
    assert!(
        published[0]["Message"]
            .as_str()
            .unwrap()
            .contains(s.a("good-key"))
    );
    assert_eq!(
        published[0]["MessageAttributes"]["kind"]["Value"],
        "regression"
    );
}

#[tokio::test]
async fn cli_exit_codes_fit_a_pipeline() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    let h = vigil_tests::harness::harness();
    // The CLI uses the credentials of its environment; the emulator maps an access key made in
    // an account to that account, so the CLI sweeps the seeded account.
    let iam = aws_sdk_iam::Client::new(&s.sdk);
    iam.create_user().user_name("ci").send().await.unwrap();
    let access = iam
        .create_access_key()
        .user_name("ci")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let cli_with = |args: &[&str], adjust: &dyn Fn(&mut Command)| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vigil-sweep"));
        c.args(args)
            .env("AWS_ENDPOINT_URL", &h.moto.endpoint)
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", &access.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &access.secret_access_key)
            .env_remove("VIGIL_EVIDENCE_KEY_ID")
            .env_remove("VIGIL_EVIDENCE_BUCKET")
            // A person's CLI run, with their credentials: not the function role's calls.
            .env_remove(vigil::record::ENV);
        adjust(&mut c);
        c.output().unwrap()
    };
    let cli = |args: &[&str]| cli_with(args, &|_| {});
    // One MEDIUM failure (a key without rotation) and no HIGH one among the account's keys.
    aws_sdk_kms::Client::new(&s.sdk)
        .create_key()
        .send()
        .await
        .unwrap();
    let key = s.signing_key.clone();
    let out = dir.path().to_str().unwrap();
    let base = [
        "run",
        "--out",
        out,
        "--regions",
        REGION,
        "--services",
        "kms",
        "--key-id",
        &key,
        "--quiet",
    ];
    let high = cli(&base);
    assert_eq!(
        high.status.code(),
        Some(0),
        "no HIGH failure: {}",
        String::from_utf8_lossy(&high.stderr)
    );
    let stdout = String::from_utf8_lossy(&high.stdout);
    assert!(
        stdout.contains("KMS") && stdout.contains("report "),
        "{stdout}"
    );
    let medium = cli(&[&base[..], &["--fail-on", "medium"]].concat());
    assert_eq!(
        medium.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&medium.stderr)
    );

    let location = String::from_utf8_lossy(&medium.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("evidence   ").map(str::to_owned))
        .unwrap();
    let bundle = std::path::PathBuf::from(location);
    let fingerprint = public_key_fingerprint(&s.sdk, &key).await;
    let ok = cli(&[
        "verify",
        bundle.to_str().unwrap(),
        "--trust-key",
        &fingerprint,
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    let summary = bundle.join("summary.json");
    let mut text = std::fs::read_to_string(&summary).unwrap();
    text.push(' ');
    std::fs::write(&summary, text).unwrap();
    let bad = cli(&[
        "verify",
        bundle.to_str().unwrap(),
        "--trust-key",
        &fingerprint,
    ]);
    assert_eq!(bad.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("file summary.json was altered"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );

    // Without AWS_REGION, --regions is enough; logs written to a file carry no colour codes.
    let no_region = cli_with(&[&base[..], &["--fail-on", "none"]].concat(), &|c| {
        c.env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env("VIGIL_LOG", "info");
    });
    let err = String::from_utf8_lossy(&no_region.stderr);
    assert_eq!(no_region.status.code(), Some(0), "{err}");
    assert!(
        err.contains("sweep sealed"),
        "info logs went to stderr: {err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "no ANSI escapes in a file: {err:?}"
    );
    // An unknown Region name is refused, not swept as an empty Region.
    let typo = cli(&["run", "--out", out, "--regions", "us-est-1", "--quiet"]);
    assert_eq!(typo.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&typo.stderr),
        "vigil-sweep: --regions: \"us-est-1\" is not an AWS Region name (like us-east-1 or eu-central-2)\n"
    );
    // `vigil-sweep checks | head -1`: the reader goes away; no panic.
    let mut checks = Command::new(env!("CARGO_BIN_EXE_vigil-sweep"))
        .arg("checks")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(checks.stdout.take());
    let closed = checks.wait_with_output().unwrap();
    assert_eq!(
        closed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&closed.stderr)
    );
    assert!(!String::from_utf8_lossy(&closed.stderr).contains("panicked"));
}

/// The signing key's fingerprint as an auditor gets it from KMS (not from the bundle).
async fn public_key_fingerprint(sdk: &aws_config::SdkConfig, key: &str) -> String {
    let der = aws_sdk_kms::Client::new(sdk)
        .get_public_key()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .public_key
        .unwrap()
        .into_inner();
    offline::fingerprint(&der)
}

/// `vigil-sweep` with no AWS credentials, Region or endpoint in its environment.
fn offline_cli(args: &[&str]) -> (Option<i32>, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil-sweep"));
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap());
    let out = c.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn copy_bundle(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[tokio::test]
async fn bundles_verify_offline_against_a_pinned_key_and_as_a_chain_of_nights() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    // Two sweeps with one Deps, as a warm function: the public key is read from KMS once.
    let (counted, calls) = vigil_tests::harness::counted(&s.sdk);
    let mut deps = s.deps(dir.path(), &[("VIGIL_SWEEP_SERVICES", "kms")]);
    deps.signer = Some(Signer::new(
        aws_sdk_kms::Client::new(&counted),
        s.signing_key.clone(),
    ));
    let mut nights = Vec::new();
    for _ in 0..3 {
        let run = rig::request(&deps, json!({"action": "sweep"})).await;
        nights.push(std::path::PathBuf::from(run["location"].as_str().unwrap()));
    }
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::Relaxed),
        4,
        "three kms:Sign and one kms:GetPublicKey"
    );
    let files = read_dir(&nights[1]).unwrap();
    let manifest: evidence::Manifest = serde_json::from_slice(&files[MANIFEST]).unwrap();
    let key = manifest.signing_key.clone().unwrap();
    let fingerprint = public_key_fingerprint(&s.sdk, &s.signing_key).await;
    assert_eq!(key.public_key_sha256, fingerprint);
    assert_eq!(key.key_arn, s.signing_key);
    assert_eq!(key.signing_algorithm, "RSASSA_PKCS1_V1_5_SHA_256");
    assert!(
        String::from_utf8_lossy(&files[PUBLIC_KEY]).starts_with("-----BEGIN PUBLIC KEY-----\n")
    );
    let report = offline::verify_bundle(&files, &Trust::Fingerprint(fingerprint.clone()));
    assert_eq!(report.problems, vec![]);

    let b = |p: &std::path::PathBuf| p.to_str().unwrap().to_owned();
    // Offline, pinned: OK, exit 0, with no AWS anything in the environment.
    let (code, out, err) = offline_cli(&["verify", &b(&nights[1]), "--trust-key", &fingerprint]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.starts_with(&format!("OK {}: run ", b(&nights[1])))
            && out.contains(&format!("fingerprint {fingerprint}, trusted)")),
        "{out}"
    );
    // Not pinned: still checked, with a warning naming the fingerprint to pin.
    let (code, _, err) = offline_cli(&["verify", &b(&nights[1])]);
    assert_eq!(code, Some(0));
    assert!(err.contains(&format!("--trust-key {fingerprint}")), "{err}");
    assert!(
        err.contains("the bundle carries; pin the key you trust"),
        "one sentence, no run of spaces from the source's indentation: {err}"
    );
    // Pinned by PEM file.
    let pem = dir.path().join("trusted.pem");
    std::fs::write(&pem, &files[PUBLIC_KEY]).unwrap();
    let (code, out, _) = offline_cli(&[
        "verify",
        &b(&nights[1]),
        "--trust-key-pem",
        pem.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");

    // Signed by another key: the trusted key's fingerprint is not the bundle's.
    let other = rig::signing_key(&s.sdk).await;
    let other_fp = public_key_fingerprint(&s.sdk, &other).await;
    let (code, out, _) = offline_cli(&["verify", &b(&nights[1]), "--trust-key", &other_fp]);
    assert_eq!(code, Some(3), "{out}");
    assert_eq!(
        out,
        format!(
            "TAMPERED {}:\n  - signed by the key of fingerprint {fingerprint}, not the trusted key {other_fp} (SHA-256 of the DER SubjectPublicKeyInfo)\n",
            b(&nights[1])
        )
    );

    // The period as a chain: all three nights, given in any order.
    let (code, out, _) = offline_cli(&[
        "verify",
        "--chain",
        "--trust-key",
        &fingerprint,
        &b(&nights[2]),
        &b(&nights[0]),
        &b(&nights[1]),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.ends_with("CHAIN OK: 3 bundles, each manifest names the one before it\n"),
        "{out}"
    );
    // A night missing.
    let (code, out, _) = offline_cli(&[
        "verify",
        "--chain",
        "--trust-key",
        &fingerprint,
        &b(&nights[0]),
        &b(&nights[2]),
    ]);
    assert_eq!(code, Some(3), "{out}");
    let second_sha = evidence::sha256_hex(&files[MANIFEST]);
    assert!(
        out.contains(&format!(
            "CHAIN BROKEN:\n  - chain broken before {}: it names previous manifest {second_sha}, which is not {}'s nor any other bundle's given (a night missing or replaced)\n",
            b(&nights[2]),
            b(&nights[0])
        )),
        "{out}"
    );
    // A night replaced: a second bundle chained to the same first night.
    let forked = dir.path().join("forked");
    copy_bundle(&nights[1], &forked);
    {
        // Re-sealed by someone holding the key: a different (validly signed) second night.
        let mut m: Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
        m["run_id"] = json!("replacement");
        let bytes = serde_json::to_vec_pretty(&m).unwrap();
        let digest = evidence::sha256_hex(&bytes);
        let mut sig = Signer::new(aws_sdk_kms::Client::new(&s.sdk), &s.signing_key)
            .sign(&digest)
            .await
            .unwrap();
        sig.public_key_sha256 = Some(fingerprint.clone());
        std::fs::write(forked.join(MANIFEST), bytes).unwrap();
        std::fs::write(
            forked.join(SIGNATURE),
            serde_json::to_vec_pretty(&sig).unwrap(),
        )
        .unwrap();
    }
    let (code, out, _) = offline_cli(&[
        "verify",
        "--chain",
        "--trust-key",
        &fingerprint,
        &b(&nights[0]),
        &b(&nights[1]),
        forked.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(3), "{out}");
    assert!(
        out.contains(&format!("  - chain forks after {}: ", b(&nights[0]))),
        "{out}"
    );

    // Each kind of tampering, offline, with its exact message.
    let check = |files: &Files| {
        offline::verify_bundle(files, &Trust::Fingerprint(fingerprint.clone())).problems
    };
    let mut removed_sig = files.clone();
    removed_sig.remove(SIGNATURE);
    assert_eq!(
        check(&removed_sig)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![format!(
            "manifest.sig.json is missing, but the manifest says key {} signs it",
            s.signing_key
        )]
    );
    let mut extra = files.clone();
    extra.insert("notes.txt".into(), b"x".to_vec());
    assert_eq!(
        check(&extra),
        vec![Tamper::FileNotInManifest("notes.txt".into())]
    );
    let mut missing = files.clone();
    missing.remove("matrix.json");
    assert_eq!(
        check(&missing),
        vec![Tamper::FileMissing("matrix.json".into())]
    );
    let mut reordered = files.clone();
    lines(&mut reordered, |l| l.swap(0, 1));
    let p = check(&reordered);
    assert!(
        p.contains(&Tamper::RecordsReordered {
            file: FINDINGS.into(),
            positions: vec![0, 1]
        }),
        "{p:?}"
    );
    let mut swapped = files.clone();
    swapped.insert(
        MANIFEST.into(),
        std::fs::read(nights[0].join(MANIFEST)).unwrap(),
    );
    swapped.insert(
        SIGNATURE.into(),
        std::fs::read(nights[0].join(SIGNATURE)).unwrap(),
    );
    let p = check(&swapped);
    assert!(
        p.iter()
            .any(|t| matches!(t, Tamper::FileChanged { name, .. } if name == FINDINGS)),
        "{p:?}"
    );

    // An unreadable bundle is a clear error; a malformed one is named, never a panic.
    let (code, _, err) = offline_cli(&["verify", "/nonexistent/bundle"]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("vigil-sweep verify: /nonexistent/bundle: "),
        "{err}"
    );
    let broken = dir.path().join("broken");
    copy_bundle(&nights[1], &broken);
    std::fs::write(broken.join(MANIFEST), b"{not json").unwrap();
    let (code, out, _) = offline_cli(&["verify", broken.to_str().unwrap()]);
    assert_eq!(code, Some(3));
    assert!(
        out.contains("  - manifest unreadable: key must be a string"),
        "{out}"
    );
}

#[tokio::test]
async fn an_unsigned_bundle_says_unsigned_and_what_was_verified() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    let mut deps = s.deps(dir.path(), &[("VIGIL_SWEEP_SERVICES", "kms")]);
    deps.signer = None;
    let run = rig::request(&deps, json!({"action": "sweep"})).await;
    let bundle = run["location"].as_str().unwrap().to_owned();
    assert!(!Path::new(&bundle).join(PUBLIC_KEY).exists());
    let (code, out, _) = offline_cli(&["verify", &bundle]);
    assert_eq!(code, Some(4), "{out}");
    assert!(
        out.starts_with(&format!(
            "UNSIGNED {bundle}: run {}, 5 files hashed, record chain of ",
            run["run_id"].as_str().unwrap()
        )) && out.contains("no signature to check (the bundle was written without a signing key"),
        "{out}"
    );
    assert!(!out.contains("TAMPERED"), "{out}");
}

/// The README's commands (section "Verifying evidence by hand"), run as written.
fn readme_openssl_commands() -> String {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("<!-- openssl-verify:begin -->")
        .expect("README has the openssl commands");
    let block = &readme[start..];
    let block = &block[block.find("```sh\n").unwrap() + 6..];
    block[..block.find("```").unwrap()].to_owned()
}

#[tokio::test]
async fn the_readme_openssl_commands_verify_a_real_bundle_and_reject_a_tampered_one() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    let run = run(&s, dir.path(), "kms").await;
    let bundle = std::path::PathBuf::from(run["location"].as_str().unwrap());
    let script = readme_openssl_commands();
    let sh = |dir: &Path| {
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(dir)
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, out) = sh(&bundle);
    assert!(ok, "{out}");
    let fingerprint = public_key_fingerprint(&s.sdk, &s.signing_key).await;
    assert!(
        out.contains(&fingerprint),
        "prints the fingerprint to compare: {out}"
    );
    assert!(out.contains("Verified OK"), "{out}");

    // The manifest altered (one file's hash rewritten to match an altered file).
    let tampered = dir.path().join("tampered");
    copy_bundle(&bundle, &tampered);
    let manifest = std::fs::read_to_string(tampered.join(MANIFEST)).unwrap();
    std::fs::write(
        tampered.join(MANIFEST),
        manifest.replacen("\"run_id\": \"", "\"run_id\": \"x", 1),
    )
    .unwrap();
    let (ok, out) = sh(&tampered);
    assert!(!ok && out.contains("Verification failure"), "{out}");
    // A file altered: the manifest's hashes catch it.
    let altered = dir.path().join("altered");
    copy_bundle(&bundle, &altered);
    std::fs::write(altered.join("summary.json"), b"{}").unwrap();
    let (ok, out) = sh(&altered);
    assert!(!ok && out.contains("summary.json: FAILED"), "{out}");
}
