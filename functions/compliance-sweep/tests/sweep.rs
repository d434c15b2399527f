//! The sweep over seeded accounts in the emulator (real HTTP): exact results for known good
//! and bad resources, ERROR when an API is missing or denied, and a Lambda secret that
//! appears in no output.

mod rig;

use compliance_sweep::actions::bundle::FINDINGS;
use compliance_sweep::checks::{Finding, Status::*};
use compliance_sweep::report::ocsf::findings_from_ocsf;
use rig::{LEAKED_PASSWORD, REGION, all_text, insecure, root, secure, status_of};
use serde_json::{Value, json};

async fn sweep(
    account: &rig::Account,
    overrides: &[(&str, &str)],
    now: Option<fn() -> chrono::DateTime<chrono::Utc>>,
) -> (Vec<Finding>, Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut deps = account.deps(dir.path(), overrides);
    if let Some(now) = now {
        deps.now = now;
    }
    let answer = rig::request(&deps, json!({"action": "sweep"})).await;
    let bundle = std::path::PathBuf::from(answer["location"].as_str().unwrap());
    let findings = findings_from_ocsf(&std::fs::read(bundle.join(FINDINGS)).unwrap());
    (findings, answer, dir)
}

/// The account seen 400 days from now: keys, roles, rotations and accesses age.
fn later() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(400)
}

#[tokio::test]
async fn seeded_accounts_give_exact_results_for_every_check() {
    let (s, i) = tokio::join!(secure(), insecure());
    let ((sf, s_answer, _sd), (inf, i_answer, idir)) =
        tokio::join!(sweep(&s, &[], None), sweep(&i, &[], None));
    assert_eq!(s_answer["signed"], true);

    let (sa, ia) = (root(&s.id), root(&i.id));
    let expect = |findings: &[Finding], rows: &[(&str, &str, compliance_sweep::checks::Status)]| {
        for (check, resource, status) in rows {
            assert_eq!(
                status_of(findings, check, resource),
                *status,
                "{check} on {resource}"
            );
        }
    };
    // ---- secure account -------------------------------------------------------------------
    expect(
        &sf,
        &[
            // Root: the emulator's root has no keys and was never used (patched root row); its
            // MFA cannot be enabled in the emulator, so IAM-02/03 PASS are covered by unit tests.
            ("IAM-01", &sa, Pass),
            ("IAM-02", &sa, Fail),
            ("IAM-03", &sa, Fail),
            ("IAM-04", &sa, Pass),
            ("IAM-05", &sa, Pass),
            ("IAM-06", s.a("console-mfa"), Pass),
            ("IAM-07", s.a("console-mfa"), Pass),
            // IAM-22: a hardware token passes, an authenticator app does not.
            ("IAM-22", s.a("console-token"), Pass),
            ("IAM-22", s.a("console-mfa"), Fail),
            ("IAM-08", s.a("keyed"), Pass),
            ("IAM-09", s.a("keyed"), Pass),
            ("IAM-10", s.a("keyed"), Pass),
            ("IAM-11", s.a("grouped"), Pass),
            ("IAM-11", s.a("keyed"), Fail),
            ("IAM-12", s.a("grouped"), Pass),
            ("IAM-13", s.a("read-policy"), Pass),
            // AWS managed policies exist in the emulator only with MOTO_IAM_LOAD_MANAGED_POLICIES:
            // IAM-14 FAIL is covered by unit tests.
            ("IAM-14", &sa, Pass),
            ("LP-01", s.a("grouped"), Pass),
            ("LP-02", s.a("scoped-role"), Pass),
            ("LP-03", s.a("scoped-role"), Pass),
            ("LP-04", s.a("scoped-role"), Pass),
            ("KMS-01", s.a("good-key"), Pass),
            ("KMS-02", s.a("good-key"), Pass),
            ("KMS-03", s.a("good-key"), Pass),
            ("KMS-04", s.a("good-key"), Pass),
            ("SM-01", s.a("rotated-secret"), Pass),
            ("SM-02", s.a("rotated-secret"), Pass),
            ("SM-03", s.a("rotated-secret"), Pass),
            ("SM-04", s.a("rotated-secret"), Pass),
            ("SM-05", s.a("rotated-secret"), Pass),
            ("GD-01", s.a("detector"), Pass),
            ("GD-02", s.a("detector"), Pass),
            ("GD-03", s.a("detector"), Pass),
            ("GD-04", s.a("findings-bucket"), Pass),
            ("GD-06", s.a("detector"), Pass),
            ("GD-07", s.a("detector"), Pass),
            (
                "CT-01",
                &format!("arn:aws:cloudtrail:{REGION}:{}:trail/*", s.id),
                Pass,
            ),
            ("CT-02", s.a("trail"), Pass),
            ("CT-03", s.a("trail"), Pass),
            ("CT-04", s.a("trail"), Pass),
            ("CT-05", s.a("trail"), Pass),
            ("CT-06", s.a("trail"), Pass),
            ("CT-07", s.a("trail"), Pass),
            ("CT-10", s.a("trail"), Pass),
            ("CW-16", s.a("trail-logs-cis-01"), Pass),
            ("RDS-01", s.a("db"), Pass),
            ("RDS-02", s.a("db"), Pass),
            ("RDS-03", s.a("db"), Pass),
            ("RDS-04", s.a("db"), Pass),
            ("RDS-05", s.a("db"), Pass),
            ("RDS-06", s.a("db"), Pass),
            ("RDS-01", s.a("cluster"), Pass),
            ("RDS-03", s.a("cluster"), Pass),
            ("RDS-04", s.a("cluster"), Pass),
            ("RDS-05", s.a("cluster"), Pass),
            ("RDS-06", s.a("cluster"), Pass),
            ("RDS-12", s.a("db"), Pass),
            ("RDS-12", s.a("cluster"), Pass),
            ("S3-01", &sa, Pass),
            ("S3-02", s.a("data-bucket"), Pass),
            ("S3-03", s.a("data-bucket"), Pass),
            ("S3-04", s.a("data-bucket"), Pass),
            ("S3-09", s.a("data-bucket"), Pass),
            ("IAM-23", s.a("read-policy"), Pass),
            ("IAM-24", s.a("read-policy"), Pass),
            ("IAM-27", &sa, Pass),
            ("LAM-01", s.a("clean-fn"), Pass),
            // In a VPC, with a dead-letter queue and a layer of its own account; the trail
            // records every function's invocations.
            ("LAM-06", s.a("clean-fn"), Pass),
            ("LAM-07", s.a("clean-fn"), Pass),
            ("LAM-08", s.a("clean-fn"), Pass),
            ("LAM-09", s.a("clean-fn"), Pass),
            ("SSM-01", s.a("/app/log-level"), Pass),
            ("SSM-01", s.a("/app/regions"), Pass),
            ("IAM-31", s.a("tls-current"), Pass),
            ("AA-01", s.a("analyzers@us-east-1"), Pass),
            ("AA-02", s.a("external-access"), Pass),
        ],
    );
    assert!(
        !sf.iter()
            .any(|f| f.check == "SSM-01" && f.resource == s.a("/app/db/password")),
        "a SecureString parameter is where a secret belongs: not judged"
    );
    for n in 1..=15 {
        assert_eq!(
            status_of(&sf, &format!("CW-{n:02}"), s.a("trail-logs")),
            Pass,
            "CW-{n:02}"
        );
    }

    // ---- insecure account -------------------------------------------------------------------
    expect(
        &inf,
        &[
            ("IAM-05", &ia, Fail),
            ("IAM-06", i.a("console-nomfa"), Fail),
            ("IAM-07", i.a("console-nomfa"), Fail),
            ("IAM-09", i.a("two-keys"), Fail),
            ("IAM-11", i.a("two-keys"), Fail),
            ("IAM-12", i.a("direct"), Fail),
            ("IAM-13", i.a("star-policy"), Fail),
            ("LP-01", i.a("direct"), Fail),
            ("LP-01", i.a("notaction-role"), Fail),
            ("LP-02", i.a("direct"), Fail),
            ("LP-03", i.a("decrypt-role"), Fail),
            ("KMS-01", i.a("norotate-key"), Fail),
            ("KMS-01", i.a("slow-key"), Pass),
            ("KMS-02", i.a("slow-key"), Fail),
            ("KMS-03", i.a("open-key"), Fail),
            ("KMS-04", i.a("doomed-key"), Fail),
            ("SM-01", i.a("plain-secret"), Fail),
            ("SM-03", i.a("stuck-secret"), Fail),
            ("SM-04", i.a("plain-secret"), Fail),
            ("GD-01", i.a("detector"), Fail),
            ("GD-02", i.a("detector"), Fail),
            ("GD-03", i.a("detector"), Fail),
            ("GD-04", i.a("findings-bucket"), Fail),
            ("GD-06", i.a("detector"), Fail),
            ("GD-07", i.a("detector"), Fail),
            (
                "CT-01",
                &format!("arn:aws:cloudtrail:{REGION}:{}:trail/*", i.id),
                Fail,
            ),
            ("CT-02", i.a("trail"), Fail),
            ("CT-03", i.a("trail"), Fail),
            ("CT-04", i.a("trail"), Fail),
            ("CT-05", i.a("trail"), Fail),
            ("CT-06", i.a("trail"), Fail),
            ("CT-07", i.a("trail"), Fail),
            ("CT-10", i.a("trail"), Fail),
            ("CW-16", i.a("orphan-alarm"), Fail),
            ("RDS-01", i.a("db"), Fail),
            ("RDS-02", i.a("db"), Fail),
            ("RDS-03", i.a("db"), Fail),
            ("RDS-04", i.a("db"), Fail),
            ("RDS-05", i.a("db"), Fail),
            ("RDS-06", i.a("db"), Fail),
            ("RDS-12", i.a("db"), Fail),
            // TLS required, but TLS 1.1 accepted: only the minimum version fails.
            ("RDS-03", i.a("tls11-db"), Pass),
            ("RDS-12", i.a("tls11-db"), Fail),
            ("S3-01", &ia, Fail),
            ("S3-02", i.a("open-bucket"), Fail),
            ("S3-02", i.a("blocked-bucket"), Pass),
            ("S3-03", i.a("open-bucket"), Fail),
            ("S3-04", i.a("open-bucket"), Fail),
            // S3-09: another account named in the policy fails even behind Block Public Access.
            ("S3-09", i.a("partner-bucket"), Fail),
            ("S3-09", i.a("logs-bucket"), Pass),
            // IAM-23..26: wildcard reach, on unattached customer policies too; the policy
            // scoped as AgentCore's documentation shows passes.
            ("IAM-23", i.a("marketplace-policy"), Fail),
            ("IAM-24", i.a("assume-any-role-policy"), Fail),
            ("LP-02", i.a("scoped-role"), Pass),
            ("IAM-25", i.a("agent-tokens-policy"), Fail),
            ("IAM-25", i.a("agentcore-scoped-policy"), Pass),
            ("IAM-26", i.a("agentcore-scoped-policy"), Pass),
            ("IAM-26", i.a("star-policy"), Fail),
            // IAM-27: CloudWatch's sharing role is there.
            ("IAM-27", i.a("CloudWatch-CrossAccountSharingRole"), Fail),
            ("LAM-01", i.a("leaky-fn"), Fail),
            // Outside a VPC, no dead-letter queue, another account's layer.
            ("LAM-06", i.a("public-fn"), Fail),
            ("LAM-07", i.a("public-fn"), Fail),
            ("LAM-08", i.a("public-fn"), Fail),
            // The trail names leaky-fn alone among the functions whose invocations it records.
            ("LAM-09", i.a("leaky-fn"), Pass),
            ("LAM-09", i.a("public-fn"), Fail),
            ("SSM-01", i.a("/app/db/password"), Fail),
            ("SSM-01", i.a("/build/settings"), Fail),
            ("SSM-01", i.a("/app/log-level"), Pass),
            // IAM-31: the certificate that expired 30 days ago; the current one passes.
            ("IAM-31", i.a("tls-expired"), Fail),
            ("IAM-31", i.a("tls-current"), Pass),
            // AA-01: an analyzer of unused access watches for no external access (Prowler
            // passes it); AA-02: its two active findings fail it.
            ("AA-01", i.a("analyzers@us-east-1"), Fail),
            ("AA-02", i.a("unused-access"), Fail),
        ],
    );
    let region_groups = format!("arn:aws:logs:{REGION}:{}:log-group:*", i.id);
    for n in 1..=15 {
        assert_eq!(
            status_of(&inf, &format!("CW-{n:02}"), &region_groups),
            Fail,
            "CW-{n:02}"
        );
    }
    assert!(
        !inf.iter().any(|f| f.status == Error),
        "no ERROR expected: {:#?}",
        inf.iter().filter(|f| f.status == Error).collect::<Vec<_>>()
    );

    // GD-06 names each reason the insecure account's rules do not alert.
    let gd06 = inf
        .iter()
        .find(|f| f.check == "GD-06" && f.resource == i.a("detector"))
        .unwrap();
    for why in [
        "rule guardduty-high matches but is disabled",
        "rule guardduty-untargeted matches but has no target",
        "rule guardduty-critical is about GuardDuty findings but does not match severity 7 and up",
    ] {
        assert!(gd06.detail.contains(why), "{why}: {}", gd06.detail);
    }

    // The Lambda secret: the finding names the variable and the rule, never the value.
    let leak = inf.iter().find(|f| f.check == "LAM-01").unwrap();
    assert_eq!(
        leak.detail,
        "secret-like value(s) in DB_PASSWORD (name:secret-like)"
    );
    assert!(
        !all_text(idir.path()).contains(LEAKED_PASSWORD),
        "the value is in the evidence bundle"
    );
    assert!(!i_answer.to_string().contains(LEAKED_PASSWORD));
    // The same password in a String parameter: the finding names the rule, never the value.
    let param = inf
        .iter()
        .find(|f| f.check == "SSM-01" && f.resource == i.a("/app/db/password"))
        .unwrap();
    assert_eq!(
        param.detail,
        "String parameter looks like it holds a secret (name:secret-like): keep it in a SecureString parameter or Secrets Manager"
    );
    let key = inf
        .iter()
        .find(|f| f.check == "SSM-01" && f.resource == i.a("/build/settings"))
        .unwrap();
    assert!(
        key.detail.contains("(value:aws-access-key-id)"),
        "{}",
        key.detail
    );
    assert!(!all_text(idir.path()).contains("AKIAIOSFODNN7EXAMPLE"));
    // No regression (first run) and no ERROR: no alert at all, not the whole report.
    let published = vigil_tests::harness::harness()
        .moto
        .published_sns_messages(&i.id);
    assert_eq!(published.len(), 0, "{published:?}");

    // ---- the secure account 400 days later: what ages, fails -----------------------------------
    let (old, _, _) = sweep(&s, &[], Some(later)).await;
    expect(
        &old,
        &[
            ("IAM-08", s.a("keyed"), Fail),
            ("IAM-08", s.a("console-mfa"), Fail),
            ("IAM-10", s.a("keyed"), Fail),
            ("LP-04", s.a("scoped-role"), Fail),
            ("KMS-02", s.a("good-key"), Fail),
            ("SM-02", s.a("rotated-secret"), Fail),
            ("SM-05", s.a("rotated-secret"), Fail),
            ("CT-06", s.a("trail"), Fail),
            ("IAM-04", &sa, Pass),
            ("GD-05", &sa, Fail),
        ],
    );
}

/// GD-05 reads detector-guard's drill records from the evidence bucket: a record altered
/// after signing fails as tampered, no pointer fails as "no drill has run", a signature KMS
/// may not be asked to verify is ERROR.
#[tokio::test]
async fn a_tampered_or_missing_drill_record_fails_and_an_unreadable_one_is_an_error() {
    let s = secure().await;
    let only = [("VIGIL_SWEEP_SERVICES", "guardduty")];
    let gd05 = |findings: &[Finding]| {
        let f: Vec<&Finding> = findings.iter().filter(|f| f.check == "GD-05").collect();
        assert_eq!(f.len(), 1, "{findings:#?}");
        f[0].clone()
    };
    let bucket = s
        .spec
        .buckets
        .iter()
        .find(|b| b.name == s.spec.drill.bucket)
        .unwrap()
        .bucket
        .clone();
    let s3 = rig::s3(&s.sdk);
    let drills = vigil_tests::seed::sweep::DRILLS;
    let pointer: vigil::state::drill::Pointer = serde_json::from_slice(
        &s3.get_object()
            .bucket(&bucket)
            .key(format!("{drills}latest.json"))
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes(),
    )
    .unwrap();
    let (before, _, _) = sweep(&s, &only, None).await;
    assert_eq!(gd05(&before).status, Pass, "{:#?}", gd05(&before));

    // The record rewritten to say something else: the manifest's hash no longer matches.
    s3.put_object()
        .bucket(&bucket)
        .key(format!("{}drill.json", pointer.location))
        .body(br#"{"tampered": true}"#.to_vec().into())
        .send()
        .await
        .unwrap();
    let (tampered, _, _) = sweep(&s, &only, None).await;
    let f = gd05(&tampered);
    assert_eq!(f.status, Fail);
    assert!(f.detail.contains("tampered"), "{}", f.detail);

    // No pointer: no drill has run.
    s3.delete_object()
        .bucket(&bucket)
        .key(format!("{drills}latest.json"))
        .send()
        .await
        .unwrap();
    let (none, _, _) = sweep(&s, &only, None).await;
    let f = gd05(&none);
    assert_eq!(f.status, Fail);
    assert!(f.detail.starts_with("no drill has run"), "{}", f.detail);

    // The pointer back, and the signature cannot be checked (kms:Verify denied): ERROR,
    // never a pass or a fail. (The emulator's deny endpoint does not reach S3.)
    s3.put_object()
        .bucket(&bucket)
        .key(format!("{drills}latest.json"))
        .body(serde_json::to_vec(&pointer).unwrap().into())
        .send()
        .await
        .unwrap();
    vigil_tests::harness::harness()
        .moto
        .deny(&s.id, &["kms:Verify"]);
    let (denied, _, _) = sweep(&s, &only, None).await;
    let f = gd05(&denied);
    assert!(f.detail.contains("kms:Verify"), "{}", f.detail);
    assert_eq!(f.status, Error, "{}", f.detail);
}

#[tokio::test]
async fn missing_or_denied_apis_are_errors_never_passes() {
    let s = secure().await;
    let dir = tempfile::tempdir().unwrap();
    // A key whose policy denies DescribeKey to everyone: the emulator enforces that.
    let kms = aws_sdk_kms::Client::new(&s.sdk);
    let locked = kms
        .create_key()
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"kms:DescribeKey","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    // No GuardDuty seam, and the role may not list the publishing destinations.
    vigil_tests::harness::harness()
        .moto
        .deny(&s.id, &["guardduty:ListPublishingDestinations"]);
    let mut deps = s.deps(dir.path(), &[("VIGIL_SWEEP_SERVICES", "kms,guardduty")]);
    deps.seams = Box::new(Default::default);
    let answer = rig::request(&deps, json!({"action": "sweep"})).await;
    let findings = findings_from_ocsf(
        &std::fs::read(std::path::Path::new(answer["location"].as_str().unwrap()).join(FINDINGS))
            .unwrap(),
    );
    for check in ["KMS-01", "KMS-02", "KMS-03", "KMS-04"] {
        let f: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.check == check && f.resource == locked)
            .collect();
        assert_eq!(f.len(), 1, "{check}: {findings:#?}");
        assert_eq!(f[0].status, Error, "{check}");
        assert!(
            f[0].detail.contains("kms:DescribeKey access denied"),
            "{}",
            f[0].detail
        );
    }
    let gd03 = findings.iter().find(|f| f.check == "GD-03").unwrap();
    assert_eq!(gd03.status, Error);
    assert!(
        gd03.detail.contains("guardduty:ListPublishingDestinations"),
        "{}",
        gd03.detail
    );
    assert_eq!(
        status_of(&findings, "GD-01", s.a("detector")),
        Pass,
        "the calls that work still count"
    );
    // ERRORs raise one alert saying what to grant.
    let published = vigil_tests::harness::harness()
        .moto
        .published_sns_messages(&s.id);
    let subjects: Vec<&str> = published
        .iter()
        .filter_map(|m| m["Subject"].as_str())
        .collect();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(
        subjects[0].contains("could not be evaluated"),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn a_failed_invocation_sends_one_alert_and_returns_its_error() {
    let id = vigil_tests::harness::Moto::new_account();
    let sdk = vigil_tests::harness::harness().moto.sdk_config(&id).await;
    let topic = vigil_tests::harness::Moto::alert_topic(&sdk).await;
    let config = compliance_sweep::Config::from_lookup(vigil::config::lookup_in(&[(
        "VIGIL_ALERT_TOPIC_ARN",
        topic.as_str(),
    )]))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let deps = compliance_sweep::Deps::local(&sdk, config, dir.path().to_path_buf());
    let event = lambda_runtime::LambdaEvent::new(json!({"action": "nuke"}), Default::default());
    let error = compliance_sweep::handle(event, &deps).await.unwrap_err();
    assert!(
        matches!(error, compliance_sweep::Error::BadRequest(_)),
        "{error}"
    );
    let published = vigil_tests::harness::harness()
        .moto
        .published_sns_messages(&id);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(
        published[0]["Subject"],
        "[Vigil HIGH] compliance sweep did not complete"
    );
    assert_eq!(
        published[0]["MessageAttributes"]["cause"]["Value"],
        "BadRequest"
    );
}
