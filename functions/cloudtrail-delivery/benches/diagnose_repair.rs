//! `make bench` for cloudtrail-delivery, on the release build against the emulator:
//! - one trail, stopped and with its write statement missing: diagnose, repair, re-check;
//! - an account with 20 trails in 4 regions: a healthy poll, and a poll that finds and
//!   repairs 10 broken trails (5 stopped, 5 with a broken bucket policy);
//! - events about other resources: how fast they are recognised and ignored;
//! - the event parser fuzzed with a million generated inputs (inputs, read, rejected, panics).
//!
//! Each figure is the wall time of one handler invocation and the number of AWS requests it
//! made (counted by `vigil_tests::harness::counted`, a wrapper around the SDK's HTTP client), with the requests per second
//! achieved against the emulator. Times here measure the emulator as much as the function:
//! the call count is the figure that carries over to AWS. Figures are printed, never
//! asserted.
//!
//! The repair scenarios change their account, so each round seeds a fresh one ([`ROUNDS`]).
//! The healthy poll and the ignored events only read, so one seeded account serves all their
//! rounds, and being cheap they run [`CHEAP_ROUNDS`]: enough for a p95 that is not the max.

#[path = "../tests/rig/mod.rs"]
mod rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use cloudtrail_delivery::report::{Outcome, RepairStatus};
use cloudtrail_delivery::{Deps, handle_event};
use rig::Rig;
use serde_json::{Value, json};

/// Rounds of the scenarios that seed a fresh account each time (too few for a p95).
const ROUNDS: usize = 5;
/// Rounds of the read-only scenarios on one seeded account.
const CHEAP_ROUNDS: usize = 20;
const REGIONS: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];

/// The rig's function dependencies, rebuilt on a counting HTTP client.
fn counted(rig: &Rig) -> (Deps, Arc<AtomicUsize>) {
    let (sdk, count) = vigil_tests::harness::counted(&rig.sdk);
    (Deps::new(&sdk, rig.config.clone()), count)
}

struct Sample {
    time: Duration,
    calls: usize,
    outcome: Outcome,
}

async fn measure(deps: &Deps, count: &AtomicUsize, event: Value) -> Sample {
    count.store(0, Ordering::Relaxed);
    let started = Instant::now();
    let outcome = handle_event(event, SystemTime::now() + Duration::from_secs(600), deps)
        .await
        .expect("the check runs");
    Sample {
        time: started.elapsed(),
        calls: count.load(Ordering::Relaxed),
        outcome,
    }
}

/// One trail with a stopped trail and a write statement under the wrong prefix.
async fn broken_single_trail() -> (Rig, Value) {
    let rig = Rig::new().await;
    let (arn, bucket) = rig
        .healthy_trail("management-events", "us-east-1", true)
        .await;
    break_policy(&rig, &bucket, &arn).await;
    rig.stop_logging(&arn).await;
    rig.set_status(&arn, json!({"LatestDeliveryError": "AccessDenied"}));
    let event = rig.event("stop-logging.json", &[]);
    (rig, event)
}

async fn break_policy(rig: &Rig, bucket: &str, arn: &str) {
    let mut statements = rig.good_statements(bucket, arn, None);
    statements[1]["Resource"] = json!(format!(
        "arn:aws:s3:::{bucket}/old-prefix/AWSLogs/{}/*",
        rig.account
    ));
    rig.put_policy(
        bucket,
        &json!({"Version": "2012-10-17", "Statement": statements}),
    )
    .await;
}

/// 20 trails, 5 per region, the first multi-region. With `broken`, every second trail has a
/// problem: trails 1, 5, 9, ... are stopped, trails 3, 7, 11, ... have a broken bucket policy
/// and an AccessDenied delivery error (10 of 20).
async fn twenty_trails(broken: bool) -> Rig {
    let rig = Rig::new().await;
    for (r, region) in REGIONS.iter().enumerate() {
        for i in 0..5 {
            let k = r * 5 + i;
            let (arn, bucket) = rig
                .healthy_trail(&format!("trail-{k}"), region, k == 0)
                .await;
            match (broken, k % 4) {
                (true, 1) => {
                    rig.stop_logging(&arn).await;
                }
                (true, 3) => {
                    break_policy(&rig, &bucket, &arn).await;
                    rig.set_status(&arn, json!({"LatestDeliveryError": "AccessDenied"}));
                }
                _ => {}
            }
        }
    }
    rig
}

struct Stats {
    p50: f64,
    /// Only from 20 samples up: with fewer the 95th percentile is the maximum.
    p95: Option<f64>,
    max: f64,
    /// The most AWS requests one invocation made.
    calls: usize,
    /// AWS requests per second over all the samples.
    calls_per_second: f64,
}

fn stats(samples: &[Sample]) -> Stats {
    let mut ms: Vec<f64> = samples
        .iter()
        .map(|s| s.time.as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    let total_calls: usize = samples.iter().map(|s| s.calls).sum();
    let total_time: f64 = samples.iter().map(|s| s.time.as_secs_f64()).sum();
    Stats {
        p50: pick(0.5),
        p95: (ms.len() >= 20).then(|| pick(0.95)),
        max: ms[ms.len() - 1],
        calls: samples.iter().map(|s| s.calls).max().unwrap_or(0),
        calls_per_second: if total_time > 0.0 {
            total_calls as f64 / total_time
        } else {
            0.0
        },
    }
}

fn row(name: &str, samples: &[Sample], detail: &str) {
    let s = stats(samples);
    let p95 = s.p95.map_or_else(|| "-".to_owned(), |p| format!("{p:.1}"));
    println!(
        "| {name:<44} | {:>3} | {:>9.1} | {p95:>9} | {:>9.1} | {:>5} | {:>7.0} | {detail}",
        samples.len(),
        s.p50,
        s.max,
        s.calls,
        s.calls_per_second
    );
}

fn repaired(outcome: &Outcome) -> (usize, usize) {
    let repairs = outcome
        .trails
        .iter()
        .flat_map(|t| &t.causes)
        .flat_map(|c| &c.repairs);
    repairs.fold((0, 0), |(done, verified), r| {
        (
            done + usize::from(r.status == RepairStatus::Done),
            verified + usize::from(r.verified == Some(true)),
        )
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // Quiet: the handler logs through tracing, and its EMF lines go to stdout.
    println!(
        "cloudtrail-delivery benchmark (release build, local emulator; repairs: {ROUNDS} rounds, fresh account per round; healthy poll and ignored events: {CHEAP_ROUNDS} rounds on one account)"
    );
    let mut single = Vec::new();
    let mut broken = Vec::new();
    for _ in 0..ROUNDS {
        let (rig, event) = broken_single_trail().await;
        let (deps, count) = counted(&rig);
        single.push(measure(&deps, &count, event).await);

        let rig = twenty_trails(true).await;
        let (deps, count) = counted(&rig);
        broken.push(measure(&deps, &count, rig.event("schedule.json", &[])).await);
    }

    let rig = twenty_trails(false).await;
    let (deps, count) = counted(&rig);
    let mut healthy = Vec::new();
    let mut ignored_call = Vec::new();
    let mut ignored_bucket = Vec::new();
    for _ in 0..CHEAP_ROUNDS {
        let sample = measure(&deps, &count, rig.event("schedule.json", &[])).await;
        // What lets one account serve every round: a healthy poll changes nothing.
        let (done, _) = repaired(&sample.outcome);
        assert!(
            done == 0 && sample.outcome.trails_healthy == sample.outcome.trails_checked,
            "the healthy poll changed the account: {:#?}",
            sample.outcome
        );
        healthy.push(sample);
        ignored_call.push(measure(&deps, &count, rig.event("unrelated-call.json", &[])).await);
        ignored_bucket.push(
            measure(
                &deps,
                &count,
                rig.event("unrelated-bucket-policy.json", &[]),
            )
            .await,
        );
    }

    println!();
    println!(
        "| {:<44} | {:>3} | {:>9} | {:>9} | {:>9} | {:>5} | {:>7} | result",
        "scenario", "n", "p50 ms", "p95 ms", "max ms", "calls", "calls/s"
    );
    println!(
        "|{}|-----|-----------|-----------|-----------|-------|---------|-------",
        "-".repeat(46)
    );
    let last = &single[single.len() - 1].outcome;
    let (done, verified) = repaired(last);
    row(
        "1 trail: stopped + wrong write prefix",
        &single,
        &format!(
            "{} causes, {done} repairs, {verified} verified, {}",
            last.trails[0].causes.len(),
            last.trails[0].verdict
        ),
    );
    let last = &healthy[healthy.len() - 1].outcome;
    row(
        "20 trails / 4 regions, all healthy (poll)",
        &healthy,
        &format!(
            "{} checked, {} healthy",
            last.trails_checked, last.trails_healthy
        ),
    );
    let last = &broken[broken.len() - 1].outcome;
    let (done, verified) = repaired(last);
    let with_causes = last.trails.iter().filter(|t| !t.causes.is_empty()).count();
    row(
        &format!("20 trails / 4 regions, {with_causes} broken (poll)"),
        &broken,
        &format!(
            "{} checked, {done} repairs, {verified} verified, {} alerts",
            last.trails_checked, last.alerts_sent
        ),
    );
    row(
        "unrelated API call (ec2 RunInstances)",
        &ignored_call,
        "ignored from the event alone",
    );
    row(
        "unrelated bucket policy change",
        &ignored_bucket,
        "ignored after the trail inventory",
    );
    println!();
    println!("calls = AWS requests made by one invocation (largest over the rounds).");
    println!(
        "calls/s = AWS requests per second achieved over all rounds (the emulator's pace as much as the function's)."
    );
    println!("p95 only with {CHEAP_ROUNDS} rounds: over {ROUNDS} it would be the max.");
    fuzz();
}

/// Generated inputs for the event parser (`make bench`: a million).
const FUZZ_INPUTS: usize = 1_000_000;

/// The event parser over [`FUZZ_INPUTS`] inputs generated from `events/cloudtrail-delivery/`
/// (`vigil_tests::fuzz`: truncated, mutated, wrong types, huge strings, deep nesting,
/// unicode): inputs tried, read, rejected and panics (there must be none), printed.
fn fuzz() {
    let tally = vigil_tests::fuzz::run(
        &vigil_tests::fuzz::events("cloudtrail-delivery"),
        FUZZ_INPUTS,
        11,
        cloudtrail_delivery::read_event,
    );
    println!("fuzz, the event parser: {tally}");
    if let Some(input) = &tally.first_panic {
        println!("  the first input that panicked: {input}");
    }
}
