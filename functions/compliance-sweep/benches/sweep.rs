//! `make bench BENCHES=sweep`: the sweep's wall time, AWS calls per resource and peak memory
//! on a seeded emulator account of 2,000 IAM users, 500 roles, 500 secrets, 300 KMS keys and
//! 200 buckets over 3 Regions.
//!
//! The wall time is bounded by how fast the one emulator process answers (the table prints
//! the calls per second achieved), so it measures the emulator as much as the sweep; the call
//! count per resource is the figure that carries over to AWS. The peak memory is measured
//! over the sweep: the process's high-water mark is reset after seeding (to the RSS then,
//! which includes what seeding left resident; the table prints it as "before"). Prints a
//! table; asserts nothing about time.

use std::time::Instant;

use compliance_sweep::{Config, Deps, handle_request};
use futures::StreamExt;
use serde_json::json;
use vigil_tests::harness::{Moto, harness};

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const USERS: usize = 2000;
const ROLES: usize = 500;
const SECRETS: usize = 500;
const KEYS: usize = 300;
const BUCKETS: usize = 200;

/// Peak and current resident memory of this process, in MiB (Linux /proc).
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |field: &str| {
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kb("VmHWM:"), kb("VmRSS:"))
}

async fn each<F, Fut>(n: usize, f: F)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    futures::stream::iter(0..n)
        .map(f)
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
}

#[tokio::main]
async fn main() {
    let h = harness();
    let account = Moto::new_account();
    let sdk = h.moto.sdk_config(&account).await;
    let regional = |r: &str| {
        sdk.to_builder()
            .region(aws_config::Region::new(r.to_owned()))
            .build()
    };

    let seeding = Instant::now();
    let iam = aws_sdk_iam::Client::new(&sdk);
    each(USERS, |i| {
        let iam = iam.clone();
        async move {
            iam.create_user()
                .user_name(format!("user-{i:04}"))
                .send()
                .await
                .expect("create user");
        }
    })
    .await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    each(ROLES, |i| {
        let iam = iam.clone();
        async move {
            iam.create_role()
                .role_name(format!("role-{i:03}"))
                .assume_role_policy_document(trust)
                .send()
                .await
                .expect("create role");
        }
    })
    .await;
    let secrets: Vec<_> = REGIONS
        .iter()
        .map(|r| aws_sdk_secretsmanager::Client::new(&regional(r)))
        .collect();
    each(SECRETS, |i| {
        let sm = secrets[i % REGIONS.len()].clone();
        async move {
            sm.create_secret()
                .name(format!("secret-{i:03}"))
                .secret_string("{}")
                .send()
                .await
                .expect("create secret");
        }
    })
    .await;
    let kms: Vec<_> = REGIONS
        .iter()
        .map(|r| aws_sdk_kms::Client::new(&regional(r)))
        .collect();
    each(KEYS, |i| {
        let kms = kms[i % REGIONS.len()].clone();
        async move {
            let id = kms
                .create_key()
                .send()
                .await
                .expect("create key")
                .key_metadata
                .expect("metadata")
                .key_id;
            if i % 2 == 0 {
                kms.enable_key_rotation()
                    .key_id(id)
                    .send()
                    .await
                    .expect("enable rotation");
            }
        }
    })
    .await;
    let s3: Vec<_> = REGIONS
        .iter()
        .map(|r| {
            let sdk = regional(r);
            aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&sdk)
                    .force_path_style(vigil::aws::s3_path_style(&sdk))
                    .build(),
            )
        })
        .collect();
    each(BUCKETS, |i| {
        let region = REGIONS[i % REGIONS.len()];
        let s3 = s3[i % REGIONS.len()].clone();
        let account = account.clone();
        async move {
            let mut req = s3.create_bucket().bucket(format!("bench-{account}-{i:03}"));
            if region != "us-east-1" {
                req = req.create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                            region,
                        ))
                        .build(),
                );
            }
            req.send().await.expect("create bucket");
        }
    })
    .await;
    let seeded_in = seeding.elapsed();

    let dir = tempfile::tempdir().expect("temp dir");
    let signing_key = aws_sdk_kms::Client::new(&sdk)
        .create_key()
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .key_spec(aws_sdk_kms::types::KeySpec::Rsa3072)
        .send()
        .await
        .expect("signing key")
        .key_metadata
        .expect("metadata")
        .arn
        .expect("arn");
    let vars = [
        ("VIGIL_SWEEP_REGIONS", REGIONS.join(",")),
        (
            "VIGIL_SWEEP_SERVICES",
            "iam,kms,secretsmanager,s3".to_owned(),
        ),
        ("VIGIL_EVIDENCE_KEY_ID", signing_key),
    ];
    let config =
        Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .expect("config");
    let mut deps = Deps::local(&sdk, config, dir.path().to_path_buf());
    deps.emit_metrics = false;

    // Seeding held its own memory; measure the sweep's peak from here (Linux: writing 5 to
    // clear_refs resets VmHWM).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (_, rss_before) = memory();
    let started = Instant::now();
    let answer = handle_request(&json!({"action": "sweep"}), None, &deps, &|_, _| {})
        .await
        .expect("sweep");
    let answer = serde_json::to_value(answer).expect("answers serialise");
    let wall = started.elapsed();
    let (peak, rss_after) = memory();

    let resources = USERS + ROLES + SECRETS + KEYS + 1 + BUCKETS;
    let calls = answer["api_calls"].as_u64().unwrap_or(0);
    let totals = &answer["totals"];
    let findings = totals["pass"].as_u64().unwrap_or(0)
        + totals["fail"].as_u64().unwrap_or(0)
        + totals["error"].as_u64().unwrap_or(0)
        + totals["not_applicable"].as_u64().unwrap_or(0);
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(answer["location"].as_str().unwrap_or_default())
                .join("summary.json"),
        )
        .expect("summary"),
    )
    .expect("json");

    println!(
        "compliance-sweep benchmark (emulator, {} Regions)",
        REGIONS.len()
    );
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| resources seeded (users/roles/secrets/keys/buckets) | {USERS}/{ROLES}/{SECRETS}/{KEYS}+1/{BUCKETS} = {resources} |"
    );
    println!("| seeding time | {:.1} s |", seeded_in.as_secs_f64());
    println!(
        "| sweep wall time (collect, evaluate, seal, sign, write) | {:.1} s |",
        wall.as_secs_f64()
    );
    println!("| findings | {findings} |");
    println!("| AWS calls (HTTP attempts) | {calls} |");
    println!(
        "| AWS calls per resource | {:.3} |",
        calls as f64 / resources as f64
    );
    println!(
        "| calls per second achieved | {:.0} |",
        calls as f64 / wall.as_secs_f64()
    );
    if reset {
        println!("| peak RSS during the sweep (VmHWM, reset after seeding) | {peak:.1} MiB |");
    } else {
        println!("| peak RSS of the process, seeding included (VmHWM) | {peak:.1} MiB |");
    }
    println!("| RSS before / after the sweep | {rss_before:.1} / {rss_after:.1} MiB |");
    println!();
    println!("| operation | calls |");
    println!("|---|---|");
    let mut ops: Vec<(String, u64)> = summary["calls_by_operation"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    ops.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (op, n) in ops {
        println!("| {op} | {n} |");
    }
}
