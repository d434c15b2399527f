//! Benchmark: per-finding handling time (p50, p95) and AWS calls per finding, over a mixed set
//! of findings answered against the emulator, then the release of every response; and the
//! finding parser fuzzed with a million generated inputs.
//!
//! One account is seeded with instances, users with keys, buckets and database secrets; the
//! findings are the event files of `events/guardduty-responder/` pointed at them: first
//! sightings, replays (already done), sample and below-gate findings, shuffled with a fixed
//! seed. Each is handled in-process by `handle_event` (decide, act, alert), one after another,
//! after one warm-up finding (the function's identity is read once per execution
//! environment, as on Lambda). Then every response is released (`handle_release`).
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

use guardduty_responder::{Deps, handle_event, handle_release};
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
/// Findings per new family (enough for a p95).
const PER_FAMILY: usize = 20;
/// Generated inputs for the parser.
const FUZZ_INPUTS: usize = 1_000_000;

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
    let warm_up = own(&account, event("sample-ec2-ssh-bruteforce", &[]));
    let _ = handle_event(warm_up, SystemTime::now() + Duration::from_secs(60), &deps).await;

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
    // Every response released.
    for (label, payload) in findings.iter().filter(|(l, _)| l.ends_with("(new)")) {
        let family = label.trim_end_matches(" (new)");
        let request = json!({
            "source": "vigil.guardduty-responder",
            "detail-type": "Release GuardDuty Response",
            "detail": {"findingId": payload["detail"]["id"], "reactivateAccessKeys": true}
        });
        let before = calls.load(Ordering::Relaxed);
        let started = Instant::now();
        let result =
            handle_release(request, SystemTime::now() + Duration::from_secs(60), &deps).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if let Err(e) = &result {
            eprintln!("release {label}: {e}");
        }
        let used = calls.load(Ordering::Relaxed) - before;
        results
            .entry(format!("release: {family}"))
            .or_default()
            .push((ms, used));
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
    fuzz(&findings);
}

/// The finding parser and the playbook over a million generated inputs: event files
/// truncated, with bytes changed, fields given the wrong type, huge strings, deep nesting and
/// odd unicode. Counts panics (there must be none).
fn fuzz(findings: &[(String, Value)]) {
    use guardduty_responder::config::ResponseSettings;
    use guardduty_responder::event::Request;
    use guardduty_responder::playbook::{Scope, decide};
    use rand::Rng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let texts: Vec<String> = findings
        .iter()
        .take(200)
        .map(|(_, v)| v.to_string())
        .collect();
    let settings = contain();
    let defaults = ResponseSettings::default();
    let scope = Scope {
        own_account: "123456789012".into(),
        own_role: Some("vigil-responder".into()),
        member_role: Some("vigil-member".into()),
        own_principals: vec!["arn:aws:iam::*:role/vigil-*".into()],
    };
    let odd: Vec<String> = [
        r"\u0000", "é", "𝔘", r"\ud800", "﷽", "\"", "{", "]", "null", "-1e999",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["9".repeat(400)])
    .collect();
    let (mut parsed, mut panics) = (0usize, 0usize);
    let started = Instant::now();
    for i in 0..FUZZ_INPUTS {
        let base = &texts[i % texts.len()];
        let input: String = match i % 6 {
            0 => base[..rng.random_range(0..base.len())].to_owned(),
            1 => {
                let mut bytes = base.clone().into_bytes();
                for _ in 0..rng.random_range(1..8) {
                    let at = rng.random_range(0..bytes.len());
                    bytes[at] = rng.random_range(0x20..0x7f);
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }
            2 => {
                let mut v: Value = serde_json::from_str(base).unwrap();
                let mut paths = Vec::new();
                collect(&v, String::new(), &mut paths);
                let path = &paths[rng.random_range(0..paths.len())];
                let wrong = match rng.random_range(0..5) {
                    0 => json!(null),
                    1 => json!(rng.random::<f64>() * 1e12),
                    2 => json!([1, "x", {}]),
                    3 => json!({"nested": {"deeper": true}}),
                    _ => json!("x".repeat(rng.random_range(0..100_000))),
                };
                *v.pointer_mut(path).unwrap() = wrong;
                v.to_string()
            }
            3 => {
                let depth = rng.random_range(1..3_000);
                format!("{}{}{}", "[".repeat(depth), base, "]".repeat(depth))
            }
            4 => {
                let at = rng.random_range(0..base.len());
                let at = (0..=at)
                    .rev()
                    .find(|i| base.is_char_boundary(*i))
                    .unwrap_or(0);
                format!(
                    "{}{}{}",
                    &base[..at],
                    odd[rng.random_range(0..odd.len())],
                    &base[at..]
                )
            }
            _ => {
                let mut v: Value = serde_json::from_str(base).unwrap();
                v["detail"]["type"] = json!(format!(
                    "{}:{}/{}",
                    "Δ".repeat(rng.random_range(0..50)),
                    "EC2",
                    "x".repeat(rng.random_range(0..5000))
                ));
                v.to_string()
            }
        };
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(value) = serde_json::from_str::<Value>(&input)
                && let Ok(Request::Finding(event)) = Request::from_value(value)
            {
                decide(&event.finding, &settings, &scope);
                decide(&event.finding, &defaults, &scope);
                return true;
            }
            false
        });
        match outcome {
            Ok(true) => parsed += 1,
            Ok(false) => {}
            Err(_) => panics += 1,
        }
    }
    println!(
        "fuzz: {FUZZ_INPUTS} generated inputs (truncated, mutated, wrong types, huge strings, deep nesting, unicode) in {:.1} s: {parsed} read as findings and decided, {panics} panics",
        started.elapsed().as_secs_f64()
    );
}

fn collect(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                collect(v, p, out);
            }
        }
        _ => {}
    }
}

/// The event with its finding in `account` (the function's own).
fn own(account: &str, mut e: Value) -> Value {
    e["detail"]["accountId"] = json!(account);
    e
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
    // Today's families.
    let task = rig::seed_task(sdk).await;
    let ecs = aws_sdk_ecs::Client::new(sdk);
    for i in 0..PER_FAMILY {
        let task_arn = if i == 0 {
            task.task_arn.clone()
        } else {
            ecs.run_task()
                .cluster("storefront")
                .task_definition("web")
                .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
                .group("service:web")
                .network_configuration(
                    aws_sdk_ecs::types::NetworkConfiguration::builder()
                        .awsvpc_configuration(
                            aws_sdk_ecs::types::AwsVpcConfiguration::builder()
                                .subnets(&task.subnet)
                                .security_groups(&task.group)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap()
                .tasks()[0]
                .task_arn()
                .unwrap()
                .to_owned()
        };
        findings.push((
            "ecs-task (new)".into(),
            event(
                "ecs-runtime-cryptominer",
                &[
                    (
                        "/detail/resource/ecsClusterDetails/arn",
                        json!(task.cluster_arn),
                    ),
                    (
                        "/detail/resource/ecsClusterDetails/taskDetails/arn",
                        json!(task_arn),
                    ),
                    ("/detail/id", id("f0", i)),
                ],
            ),
        ));
        let function = format!("bench-fn-{i}");
        rig::seed_function(
            sdk,
            account,
            &function,
            if i % 2 == 0 { Some(5) } else { None },
        )
        .await;
        findings.push((
            "lambda-function (new)".into(),
            event(
                "lambda-c2",
                &[
                    (
                        "/detail/resource/lambdaDetails/functionName",
                        json!(function),
                    ),
                    (
                        "/detail/resource/lambdaDetails/role",
                        json!(format!("arn:aws:iam::{account}:role/{function}-role")),
                    ),
                    ("/detail/id", id("f1", i)),
                ],
            ),
        ));
        let bucket = format!("bench-uploads-{i}-{account}");
        let version = rig::seed_object(&s3, &bucket, "in/x.exe", &[("team", "a")]).await;
        findings.push((
            "s3-malware (new)".into(),
            event(
                "s3-malware-object",
                &[
                    ("/detail/resource/s3BucketDetails/0/name", json!(bucket)),
                    (
                        "/detail/resource/s3BucketDetails/0/s3ObjectDetails/0/key",
                        json!("in/x.exe"),
                    ),
                    (
                        "/detail/resource/s3BucketDetails/0/s3ObjectDetails/0/versionId",
                        json!(version),
                    ),
                    ("/detail/id", id("f2", i)),
                ],
            ),
        ));
        findings.push((
            "eks-pod (alert, kubectl)".into(),
            event("eks-pod-exec", &[("/detail/id", id("f3", i))]),
        ));
        let user = format!("bench-seq-user-{i}");
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
        findings.push((
            "attack-sequence (new)".into(),
            event(
                "attack-sequence-credentials",
                &[
                    ("/detail/service/detection/sequence/resources", json!([])),
                    (
                        "/detail/service/detection/sequence/actors/0/user/name",
                        json!(user),
                    ),
                    (
                        "/detail/service/detection/sequence/actors/0/user/credentialUid",
                        json!(key),
                    ),
                    (
                        "/detail/service/detection/sequence/actors/0/user/account/uid",
                        json!(account),
                    ),
                    ("/detail/id", id("f4", i)),
                ],
            ),
        ));
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
    let mut findings: Vec<(String, Value)> = findings
        .into_iter()
        .map(|(l, e)| (l, own(account, e)))
        .collect();
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
