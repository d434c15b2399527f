//! Vigil's own stack under its own sweep: template.yaml deployed into the emulator resource by
//! resource, in the shape the template gives (`tests/own_stack/deploy.py`, with the baseline on),
//! then swept with the compliance-sweep function's own environment from the template, writing
//! its evidence to the stack's evidence bucket.
//!
//! Every FAIL the stack is answerable for must be explained in the README (the table between the
//! `own-stack` markers), and every row there must still be needed: the table and the sweep cannot
//! drift apart. Answerable means a finding on one of the stack's resources, or on a control the
//! baseline provides for the account (CloudTrail, CloudWatch alarms, GuardDuty). Account settings
//! no stack can own (root MFA, the password policy, account-level S3 public access block) are
//! printed, not judged.
//!
//! Emulator gaps filled here, as in the other sweep tests: the trail's delivery times (moto never
//! delivers logs), Lambda functions and GuardDuty publishing destinations through the sweep's
//! seams (from the template's own definitions).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use compliance_sweep::aws::lambda::Listing;
use compliance_sweep::checks::{Finding, Status};
use compliance_sweep::collect::Seams;
use compliance_sweep::facts::PublishingDestination;
use compliance_sweep::handler::{Answered, answer_request};
use compliance_sweep::{Config, Deps};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use vigil_tests::harness::{Moto, harness, venv_python};

const REGION: &str = "us-east-1";
const STACK: &str = "vigil";
/// Check families whose account-level findings the baseline (CreateBaseline=true) answers for.
const BASELINE_FAMILIES: &[&str] = &["CT-", "CW-", "GD-"];

#[derive(Debug, Deserialize)]
struct Deployed {
    resources: BTreeMap<String, Resource>,
    skipped: BTreeMap<String, String>,
    functions: Vec<Function>,
    destinations: BTreeMap<String, Vec<Destination>>,
}

#[derive(Debug, Deserialize)]
struct Resource {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "ref")]
    reference: String,
    arn: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Function {
    logical_id: String,
    name: String,
    arn: String,
    variables: BTreeMap<String, String>,
    dead_letter_target: Option<String>,
    subnets: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Destination {
    id: String,
    destination_arn: String,
    kms_key_arn: Option<String>,
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn deploy(account: &str) -> Deployed {
    let output = Command::new(venv_python())
        .arg(repo().join("tests/own_stack/deploy.py"))
        .arg(repo().join("template.yaml"))
        .args(["--endpoint", &harness().moto.endpoint])
        .args([
            "--account",
            account,
            "--region",
            REGION,
            "--stack-name",
            STACK,
        ])
        .args(["--param", "CreateBaseline=true"])
        .args(["--param", "AlertEmail=security@example.com"])
        .output()
        .expect("run tests/own_stack/deploy.py");
    assert!(
        output.status.success(),
        "deploying template.yaml into the emulator failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("deploy.py prints JSON")
}

/// The README's explained FAILs: (check, subject) → why.
fn explained() -> BTreeMap<(String, String), String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let begin = readme
        .find("<!-- own-stack:begin -->")
        .expect("README.md has the own-stack table (<!-- own-stack:begin -->)");
    let end = readme
        .find("<!-- own-stack:end -->")
        .expect("README.md closes the own-stack table (<!-- own-stack:end -->)");
    readme[begin..end]
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(
                cells.len(),
                3,
                "README own-stack row {l:?}: check | subject | why"
            );
            let check = cells[0].trim_matches('`').to_owned();
            let subject = cells[1].trim_matches('`').to_owned();
            ((check, subject), cells[2].to_owned())
        })
        .collect()
}

/// What a finding is about, in the README's words: a logical id of the template, "other
/// Regions" for a Region-level control outside the stack's Region, or "account".
fn subject(finding: &Finding, names: &BTreeMap<String, String>) -> String {
    if let Some(logical) = names.get(&finding.resource) {
        return logical.clone();
    }
    // Checks on a role's inline policy name it `<role ARN>/inline-policy/<name>`: the longest
    // stack name the resource starts with.
    if let Some((_, logical)) = names
        .iter()
        .filter(|(name, _)| finding.resource.starts_with(name.as_str()))
        .max_by_key(|(name, _)| name.len())
    {
        return logical.clone();
    }
    if finding.region != REGION && finding.region != "global" && !finding.region.is_empty() {
        return "other Regions".into();
    }
    "account".into()
}

#[tokio::test]
async fn vigils_own_stack_has_no_fail_the_readme_does_not_explain() {
    let account = Moto::new_account();
    let sdk = harness().moto.sdk_config(&account).await;
    let deployed = deploy(&account);
    for kind in [
        "AWS::CloudTrail::Trail",
        "AWS::GuardDuty::Detector",
        "AWS::S3::Bucket",
    ] {
        assert!(
            deployed.resources.values().any(|r| r.kind == kind),
            "the baseline's {kind} was not deployed: {:?}",
            deployed.skipped
        );
    }

    // A deployed trail delivers its log files, digests and CloudWatch Logs events.
    let trail = deployed.resources["Trail"].arn.clone().expect("trail ARN");
    let now = chrono::Utc::now().timestamp() as f64;
    harness().moto.set_trail_status(
        &account,
        &trail,
        json!({
            "LatestDeliveryTime": now,
            "LatestDigestDeliveryTime": now,
            "LatestCloudWatchLogsDeliveryTime": now,
        }),
    );

    // The sweep function as the template configures it.
    let sweep_fn = deployed
        .functions
        .iter()
        .find(|f| f.logical_id == "ComplianceSweepFunction")
        .expect("the template defines ComplianceSweepFunction");
    let config = Config::from_lookup(|k| sweep_fn.variables.get(k).cloned())
        .expect("the template's sweep environment is valid");
    let mut deps = Deps::new(&sdk, config).expect("the template names an evidence bucket");
    deps.emit_metrics = false;
    let listings: Vec<Listing> = deployed
        .functions
        .iter()
        .map(|f| Listing {
            arn: f.arn.clone(),
            name: f.name.clone(),
            variables: f
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), SecretString::from(v.clone())))
                .collect(),
            error: None,
            // The template's Globals: every function on provided.al2023, no KMSKeyArn.
            runtime: Some("provided.al2023".into()),
            kms_key_arn: None,
            // Lambda reports the subnets' VPC; the emulator's deploy has none to name.
            vpc_id: (!f.subnets.is_empty()).then(|| "vpc-of-the-template-subnets".into()),
            vpc_subnets: f.subnets.len(),
            dead_letter_target: f.dead_letter_target.clone(),
            // The template's functions use no layer.
            layers: vec![],
        })
        .collect();
    let destinations: BTreeMap<String, Vec<PublishingDestination>> = deployed
        .destinations
        .iter()
        .map(|(detector, list)| {
            let list = list
                .iter()
                .map(|d| PublishingDestination {
                    id: d.id.clone(),
                    // What GuardDuty reports once it has verified the bucket and the key.
                    status: "PUBLISHING".into(),
                    destination_arn: Some(d.destination_arn.clone()),
                    kms_key_arn: d.kms_key_arn.clone(),
                    failure_since: None,
                    bucket: None,
                })
                .collect();
            (detector.clone(), list)
        })
        .collect();
    deps.seams = Box::new(move || Seams {
        lambda_functions: Some(BTreeMap::from([(REGION.to_owned(), listings.clone())])),
        guardduty_destinations: Some(destinations.clone()),
    });

    let Answered { answer, findings } =
        answer_request(&json!({"action": "sweep"}), None, &deps, &|_, _| {})
            .await
            .expect("the sweep runs over the stack");
    let answer = serde_json::to_value(answer).expect("answers serialise");
    assert_eq!(answer["signed"], true, "{answer}");

    // Physical names and ARNs of the stack's resources → logical ids.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (logical, r) in &deployed.resources {
        names.insert(r.reference.clone(), logical.clone());
        if let Some(arn) = &r.arn {
            names.insert(arn.clone(), logical.clone());
        }
    }
    for f in &deployed.functions {
        names.insert(f.arn.clone(), f.logical_id.clone());
    }

    let answerable = |f: &Finding, subject: &str| {
        subject != "account" && subject != "other Regions"
            || BASELINE_FAMILIES
                .iter()
                .any(|p| f.check.as_str().starts_with(p))
    };
    let mut failed: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut outside = BTreeSet::new();
    for f in &findings {
        let subject = subject(f, &names);
        match f.status {
            Status::Fail if answerable(f, &subject) => failed
                .entry((f.check.to_string(), subject))
                .or_default()
                .push(f),
            Status::Fail => {
                outside.insert(format!("{} {}", f.check, f.resource));
            }
            Status::Error if answerable(f, &subject) => errors.push(f),
            _ => {}
        }
    }
    println!("account settings outside the stack that FAIL (not judged here): {outside:#?}");
    println!(
        "stack FAILs: {:#?}",
        failed
            .iter()
            .map(|((c, s), fs)| format!("{c} {s} ({}): {}", fs.len(), fs[0].detail))
            .collect::<Vec<_>>()
    );
    assert!(
        errors.is_empty(),
        "the sweep could not evaluate the stack's resources: {errors:#?}"
    );

    let explained = explained();
    let unexplained: Vec<String> = failed
        .iter()
        .filter(|(key, _)| !explained.contains_key(key))
        .map(|((check, subject), fs)| format!("| {check} | {subject} | {} |", fs[0].detail))
        .collect();
    assert!(
        unexplained.is_empty(),
        "FAILs on Vigil's own stack that README.md does not explain (fix the template, or add \
         the row with the reason):\n{}",
        unexplained.join("\n")
    );
    let stale: Vec<&(String, String)> = explained
        .keys()
        .filter(|key| !failed.contains_key(*key))
        .collect();
    assert!(
        stale.is_empty(),
        "README.md explains FAILs the sweep no longer finds on the stack (remove the rows): \
         {stale:?}"
    );
}
