//! The sweep's integration-test rig, on `vigil_tests::harness`: seeded accounts in the emulator
//! swept over real HTTP.
//!
//! The accounts are described once ([`spec`]): [`secure`] seeds the baseline, [`insecure`] the
//! baseline with the changes that make every check fail ([`spec::INSECURE`]). Emulator gaps are
//! filled as the tests say where they use them:
//! - Lambda functions come through the sweep's `Seams::lambda_functions` (the listing the
//!   checks read), so no deployment package has to be built for moto.
//! - moto has no GuardDuty publishing-destination API, so destinations come through
//!   `Seams::guardduty_destinations` (their buckets are real emulator buckets).
//! - moto never delivers trail logs: the CloudWatch Logs delivery time is set through the
//!   emulator's CloudTrail patch (`/moto-api/vigil/cloudtrail/trail-status`).
//! - moto's credential report lacks the root row and KMS lacks rotation periods and AWS-managed
//!   keys: tests/emulator/patches/{iam,kms}.py restore them; account:ListRegions is added by
//!   patches/account.py.

// Each test binary uses part of the rig.
#![allow(dead_code)]

mod seed;
pub mod spec;

use std::collections::BTreeMap;
use std::path::Path;

use aws_config::SdkConfig;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use compliance_sweep::aws::lambda::Listing;
use compliance_sweep::checks::{Finding, Status};
use compliance_sweep::collect::Seams;
use compliance_sweep::facts::PublishingDestination;
use compliance_sweep::{Config, Deps, handle_request};
use serde_json::Value;
use vigil_tests::harness::{Moto, harness};

pub use spec::{INSECURE, Spec};

pub const REGION: &str = "us-east-1";
/// A value that must never appear in any output of the sweep.
pub const LEAKED_PASSWORD: &str = "Sup3r-S3cret-Pa55word-7f1e9c";

/// A seeded account.
pub struct Account {
    pub id: String,
    pub sdk: SdkConfig,
    /// Resource ARNs by the short names the assertions use.
    pub arn: BTreeMap<&'static str, String>,
    pub signing_key: String,
    pub topic: String,
    pub lambda: Vec<Listing>,
    pub destinations: BTreeMap<String, Vec<PublishingDestination>>,
}

impl Account {
    pub fn a(&self, name: &str) -> &str {
        self.arn
            .get(name)
            .unwrap_or_else(|| panic!("no resource named {name}"))
    }

    /// Deps for this account writing bundles to `dir`, with the seams filled.
    pub fn deps(&self, dir: &Path, overrides: &[(&str, &str)]) -> Deps {
        let mut vars: BTreeMap<String, String> = BTreeMap::from([
            ("VIGIL_SWEEP_REGIONS".into(), REGION.into()),
            ("VIGIL_EVIDENCE_KEY_ID".into(), self.signing_key.clone()),
            ("VIGIL_ALERT_TOPIC_ARN".into(), self.topic.clone()),
        ]);
        for (k, v) in overrides {
            vars.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config is valid");
        let mut deps = Deps::local(&self.sdk, config, dir.to_path_buf());
        deps.emit_metrics = false;
        let lambda = self.lambda.clone();
        let destinations = self.destinations.clone();
        deps.seams = Box::new(move || Seams {
            lambda_functions: Some(BTreeMap::from([(REGION.to_owned(), lambda.clone())])),
            guardduty_destinations: Some(destinations.clone()),
        });
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
    seed::seed(&spec(&id), sdk).await
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
