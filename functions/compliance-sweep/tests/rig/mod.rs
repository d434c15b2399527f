//! The sweep's integration-test rig, on `vigil_tests::harness`: seeded accounts in the emulator
//! swept over real HTTP.
//!
//! The accounts are described once, in `vigil_tests::seed::sweep` (the spec, the seeding and
//! the ground truth): [`secure`] seeds the baseline, [`insecure`] the baseline with the changes
//! that make every check fail ([`INSECURE`]), [`preset`] the insecure account scaled up over
//! three Regions. Emulator gaps are filled where the seeding says (CloudTrail delivery time,
//! GuardDuty export status through the emulator's patches); on stock moto
//! (`VIGIL_EMULATOR=stock`) they stay open and the ground truth expects ERROR there.

// Each test binary uses part of the rig.
#![allow(dead_code, unused_imports)]

pub mod truth;

use std::collections::BTreeMap;
use std::path::Path;

use aws_config::SdkConfig;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use compliance_sweep::aws::s3control::s3control_client;
use compliance_sweep::checks::{Finding, Status};
use compliance_sweep::{Config, Deps, handle_request};
use serde_json::Value;
use vigil_tests::harness::{Moto, harness};
use vigil_tests::seed::sweep::{self, Seeded};

pub use vigil_tests::seed::sweep::spec::{GUARDDUTY_FEATURES, LEAKED_PASSWORD, REGION, REGIONS};
pub use vigil_tests::seed::sweep::{INSECURE, Preset, Spec};

/// A seeded account.
pub struct Account {
    pub id: String,
    pub sdk: SdkConfig,
    /// Resource ARNs by the names the spec gives them.
    pub arn: BTreeMap<String, String>,
    pub signing_key: String,
    pub topic: String,
    pub spec: Spec,
    pub seeded: Seeded,
}

impl Account {
    pub fn a(&self, name: &str) -> &str {
        self.arn
            .get(name)
            .unwrap_or_else(|| panic!("no resource named {name}"))
    }

    /// Deps for this account writing bundles to `dir` (swept in [`REGION`] unless
    /// `VIGIL_SWEEP_REGIONS` is overridden).
    pub fn deps(&self, dir: &Path, overrides: &[(&str, &str)]) -> Deps {
        let mut vars: BTreeMap<String, String> = BTreeMap::from([
            ("VIGIL_SWEEP_REGIONS".into(), REGION.into()),
            ("VIGIL_EVIDENCE_KEY_ID".into(), self.signing_key.clone()),
            // Where the seeder left the drill records (GD-05).
            (
                "VIGIL_EVIDENCE_BUCKET".into(),
                self.spec
                    .buckets
                    .iter()
                    .find(|b| b.name == self.spec.drill.bucket)
                    .expect("the drill bucket is a spec bucket")
                    .bucket
                    .clone(),
            ),
            ("VIGIL_ALERT_TOPIC_ARN".into(), self.topic.clone()),
            // The seeded accounts opt in to every protection plan, and GD-02 requires them.
            (
                "VIGIL_SWEEP_GUARDDUTY_FEATURES".into(),
                GUARDDUTY_FEATURES.join(","),
            ),
        ]);
        for (k, v) in overrides {
            vars.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config is valid");
        let mut deps = Deps::local(&self.sdk, config, dir.to_path_buf());
        deps.emit_metrics = false;
        deps
    }
}

/// Runs one request through the handler: its answer as JSON.
///
/// # Panics
/// If the request fails.
pub async fn request(deps: &Deps, payload: Value) -> Value {
    let answer = handle_request(&payload, None, deps, &|_, _| {})
        .await
        .unwrap_or_else(|e| panic!("{payload}: {e}"));
    serde_json::to_value(answer).expect("answers serialise")
}

pub fn status_of(findings: &[Finding], check: &str, resource: &str) -> Status {
    let matching: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check == check && f.resource == resource)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "{check} on {resource}: expected one finding, got {matching:#?}"
    );
    matching[0].status
}

pub fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

/// An S3 client for the emulator.
pub fn s3(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(vigil::aws::s3_path_style(sdk))
            .build(),
    )
}

/// An RSA SIGN_VERIFY key, as the evidence signing key is.
pub async fn signing_key(sdk: &SdkConfig) -> String {
    aws_sdk_kms::Client::new(sdk)
        .create_key()
        .key_usage(KeyUsageType::SignVerify)
        .key_spec(KeySpec::Rsa3072)
        .description("evidence signing")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap()
}

/// A fresh account seeded as `spec` describes.
pub async fn account(spec: impl FnOnce(&str) -> Spec) -> Account {
    let id = Moto::new_account();
    let sdk = harness().moto.sdk_config(&id).await;
    let spec = spec(&id);
    let seeded = sweep::seed(&spec, sdk.clone(), &s3control_client(&sdk)).await;
    Account {
        id,
        signing_key: seeded.a("signing-key").to_owned(),
        topic: Moto::alert_topic(&sdk).await,
        sdk,
        arn: seeded.arn.clone(),
        spec,
        seeded,
    }
}

/// An account where (almost) everything is configured as the catalogue wants.
pub async fn secure() -> Account {
    account(Spec::baseline).await
}

/// The secure account with every change of [`INSECURE`]: every check has something to fail
/// on.
pub async fn insecure() -> Account {
    account(|id| Spec::baseline(id).with(INSECURE)).await
}

/// The insecure account scaled up over [`REGIONS`] as `preset` says.
pub async fn preset(preset: Preset) -> Account {
    account(|id| Spec::preset(id, preset)).await
}

/// Every file of a bundle directory as text (for "never appears anywhere" checks).
pub fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for entry in walk(dir) {
        out.push_str(&String::from_utf8_lossy(&std::fs::read(&entry).unwrap()));
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}
