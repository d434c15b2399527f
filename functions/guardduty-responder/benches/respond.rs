//! Benchmark: per-finding handling time (p50, p95) and AWS calls per finding, over a mixed set
//! of findings answered against the emulator.
//!
//! One account is seeded with instances, users with keys, buckets and database secrets; the
//! findings are the event files of `events/guardduty-responder/` pointed at them: first
//! sightings, replays (already done), sample and below-gate findings, shuffled with a fixed
//! seed. Each is handled in-process by `handle_event` (decide, act, alert), one after another.
//! AWS calls are counted by a counting HTTP client wrapped around the SDK's: every request the
//! function sends, alert included. The rate of AWS calls achieved over the whole run is
//! printed: when it is what the emulator can serve, the times measure the emulator as much as
//! the function; the call counts are what carry over to AWS. p95 is printed only for kinds with
//! at least 20 findings (below that it is the maximum).

#[path = "../tests/rig/mod.rs"]
mod rig;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use guardduty_responder::{Deps, handle_event};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rig::{INSTANCE_ID, contain, event};
use serde_json::{Value, json};
use vigil_tests::harness::{Moto, counted, harness};
use vigil_tests::seed;

const INSTANCES: usize = 30;
const USERS: usize = 30;
const BUCKETS: usize = 30;
const DATABASES: usize = 10;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let account = Moto::new_account();
    let base = harness().moto.sdk_config(&account).await;
    let (sdk, calls) = counted(&base);
    let findings = seed(&base, &account).await;
    let topic = Moto::alert_topic(&base).await;
    let deps = Deps::new(&sdk, rig::config(contain(), &topic, "VigilBench"));

    // label -> (milliseconds, calls) per finding
    let mut results: BTreeMap<String, Vec<(f64, usize)>> = BTreeMap::new();
    let calls_before = calls.load(Ordering::Relaxed);
    let wall = Instant::now();
    for (label, payload) in &findings {
        let before = calls.load(Ordering::Relaxed);
        let started = Instant::now();
        let result = handle_event(
            payload.clone(),
            SystemTime::now() + Duration::from_secs(60),
            &deps,
        )
        .await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if let Err(e) = &result {
            eprintln!("{label}: {e}");
        }
        let used = calls.load(Ordering::Relaxed) - before;
        results.entry(label.clone()).or_default().push((ms, used));
        results.entry("ALL".into()).or_default().push((ms, used));
    }
    let wall = wall.elapsed();
    let total_calls = calls.load(Ordering::Relaxed) - calls_before;

    println!(
        "guardduty-responder: {} findings handled one after another against the emulator in {:.1} s",
        findings.len(),
        wall.as_secs_f64()
    );
    println!(
        "AWS calls: {total_calls} in {:.1} s = {:.1} calls/s achieved",
        wall.as_secs_f64(),
        total_calls as f64 / wall.as_secs_f64()
    );
    println!(
        "{:<28} {:>5} {:>9} {:>9} {:>9} {:>11} {:>9}",
        "finding kind", "n", "p50 ms", "p95 ms", "max ms", "calls/find", "max calls"
    );
    for (label, rows) in &results {
        let mut ms: Vec<f64> = rows.iter().map(|(m, _)| *m).collect();
        ms.sort_by(f64::total_cmp);
        let total_calls: usize = rows.iter().map(|(_, c)| *c).sum();
        // With fewer than 20 findings the 95th percentile is the maximum: not printed.
        let p95 = if rows.len() >= 20 {
            format!("{:.1}", percentile(&ms, 95.0))
        } else {
            "-".to_owned()
        };
        println!(
            "{:<28} {:>5} {:>9.1} {:>9} {:>9.1} {:>11.1} {:>9}",
            label,
            rows.len(),
            percentile(&ms, 50.0),
            p95,
            ms.last().copied().unwrap_or(0.0),
            total_calls as f64 / rows.len() as f64,
            rows.iter().map(|(_, c)| *c).max().unwrap_or(0)
        );
    }
}

/// Seeds the account and returns the findings, labelled, in a fixed shuffled order.
async fn seed(sdk: &aws_config::SdkConfig, account: &str) -> Vec<(String, Value)> {
    let ec2 = aws_sdk_ec2::Client::new(sdk);
    let iam = aws_sdk_iam::Client::new(sdk);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(vigil::aws::s3_path_style(sdk))
            .build(),
    );
    let sm = aws_sdk_secretsmanager::Client::new(sdk);

    let vpc = seed::ec2::vpc(&ec2, "10.30.0.0/16").await.unwrap();
    let subnet = seed::ec2::subnet(&ec2, &vpc, "10.30.1.0/24").await.unwrap();
    let run = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(INSTANCES as i32 * 2)
        .max_count(INSTANCES as i32 * 2)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    let instances: Vec<String> = run
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap().to_owned())
        .collect();

    let mut findings: Vec<(String, Value)> = Vec::new();
    let id = |prefix: &str, i: usize| json!(format!("{prefix}{i:026x}"));
    for (i, instance) in instances[..INSTANCES].iter().enumerate() {
        let e = event(
            "ec2-compromised",
            &[(INSTANCE_ID, json!(instance)), ("/detail/id", id("c0", i))],
        );
        findings.push(("ec2-compromised (new)".into(), e.clone()));
        let mut again = e;
        again["detail"]["service"]["count"] = json!(2);
        findings.push(("ec2-compromised (replay)".into(), again));
    }
    for (i, instance) in instances[INSTANCES..].iter().enumerate() {
        findings.push((
            "ec2-attacked (new)".into(),
            event(
                "ec2-bruteforce-target",
                &[
                    (INSTANCE_ID, json!(instance)),
                    ("/detail/id", id("a0", i)),
                    (
                        "/detail/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4",
                        json!(format!("198.51.100.{}", i + 1)),
                    ),
                ],
            ),
        ));
    }
    for i in 0..USERS {
        let user = format!("bench-user-{i}");
        iam.create_user().user_name(&user).send().await.unwrap();
        let key = iam
            .create_access_key()
            .user_name(&user)
            .send()
            .await
            .unwrap()
            .access_key
            .unwrap()
            .access_key_id;
        let e = event(
            "iam-akia",
            &[
                ("/detail/resource/accessKeyDetails/accessKeyId", json!(key)),
                ("/detail/resource/accessKeyDetails/userName", json!(user)),
                ("/detail/id", id("b0", i)),
            ],
        );
        if i < 10 {
            let mut again = e.clone();
            again["detail"]["service"]["count"] = json!(2);
            findings.push(("iam-access-key (replay)".into(), again));
        }
        findings.push(("iam-access-key (new)".into(), e));
    }
    for i in 0..BUCKETS {
        let bucket = format!("bench-public-{i}-{account}");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let e = event(
            "s3-public",
            &[
                ("/detail/resource/s3BucketDetails/0/name", json!(bucket)),
                ("/detail/id", id("d0", i)),
            ],
        );
        if i < 10 {
            findings.push(("s3-public (replay)".into(), e.clone()));
        }
        findings.push(("s3-public (new)".into(), e));
    }
    for i in 0..DATABASES {
        let db = format!("bench-db-{i}");
        let arn = sm
            .create_secret()
            .name(format!("db/{db}"))
            .secret_string(r#"{"engine":"postgres","username":"app","password":"x"}"#)
            .tags(
                aws_sdk_secretsmanager::types::Tag::builder()
                    .key("vigil:db-instance")
                    .value(&db)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .arn
            .unwrap();
        // Rotation configured, none under way (the patched RotateSecret leaves AWSPENDING).
        let version = sm
            .rotate_secret()
            .secret_id(&arn)
            .rotation_lambda_arn(format!(
                "arn:aws:lambda:us-east-1:{account}:function:vigil-secret-rotation"
            ))
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        sm.update_secret_version_stage()
            .secret_id(&arn)
            .version_stage("AWSPENDING")
            .remove_from_version_id(version)
            .send()
            .await
            .unwrap();
        let e = event(
            "rds-anomalous-login",
            &[
                (
                    "/detail/resource/rdsDbInstanceDetails/dbInstanceIdentifier",
                    json!(db),
                ),
                ("/detail/id", id("e0", i)),
                (
                    "/detail/service/eventLastSeen",
                    json!((chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()),
                ),
            ],
        );
        findings.push(("rds-login (new)".into(), e.clone()));
        findings.push(("rds-login (replay)".into(), e));
    }
    for (i, instance) in instances.iter().enumerate().take(10) {
        findings.push((
            "sample / below gate".into(),
            event(
                if i % 2 == 0 {
                    "sample-ec2-ssh-bruteforce"
                } else {
                    "below-gate"
                },
                &[(INSTANCE_ID, json!(instance))],
            ),
        ));
    }
    // Shuffle, but keep every replay after its first sighting.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    findings.shuffle(&mut rng);
    let mut ordered: Vec<(String, Value)> = Vec::new();
    let mut replays: Vec<(String, Value)> = Vec::new();
    for f in findings {
        if f.0.contains("replay") {
            replays.push(f);
        } else {
            ordered.push(f);
        }
    }
    for replay in replays {
        let first = ordered
            .iter()
            .position(|(_, e)| e["detail"]["id"] == replay.1["detail"]["id"])
            .unwrap_or(ordered.len() - 1);
        let at = rand::Rng::random_range(&mut rng, first + 1..=ordered.len());
        ordered.insert(at, replay);
    }
    ordered
}
