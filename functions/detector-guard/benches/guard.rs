//! `make bench`: detector-guard's poll and repair, against the emulator.
//!
//! - a healthy poll of one Region (the everyday cost);
//! - a repair: the detector deleted, recreated with every plan named, its export restored
//!   after the bucket and key policies are merged, read back;
//! - an ignored event (recognised from the event alone);
//! - the event parser fuzzed with a million generated inputs (inputs, read, rejected, panics).
//!
//! Each figure is the wall time of one handler invocation and the number of AWS requests it
//! made (`vigil_tests::harness::counted`). Times measure the emulator as much as the function;
//! the call count is what carries over to AWS. Figures are printed, never asserted.

#[path = "../tests/rig/mod.rs"]
mod rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use detector_guard::Deps;
use rig::Rig;
use serde_json::Value;

const ROUNDS: usize = 5;
const CHEAP_ROUNDS: usize = 20;

fn counted(rig: &Rig, extra: &[(&str, &str)]) -> (Deps, Arc<AtomicUsize>) {
    let (sdk, count) = vigil_tests::harness::counted(&rig.sdk);
    (Deps::new(&sdk, rig.config(extra)), count)
}

async fn measure(rig: &Rig, deps: &Deps, count: &AtomicUsize, event: Value) -> (Duration, usize) {
    count.store(0, Ordering::SeqCst);
    let started = Instant::now();
    rig.run(deps, event).await.expect("the invocation succeeds");
    (started.elapsed(), count.load(Ordering::SeqCst))
}

fn print(name: &str, samples: &mut [(Duration, usize)]) {
    samples.sort();
    let p50 = samples[samples.len() / 2];
    let max = samples[samples.len() - 1];
    println!(
        "{name:<40} p50 {:>7.1} ms  max {:>7.1} ms  {:>3} AWS calls  ({} rounds)",
        p50.0.as_secs_f64() * 1000.0,
        max.0.as_secs_f64() * 1000.0,
        p50.1,
        samples.len()
    );
}

#[tokio::main]
async fn main() {
    println!("detector-guard, one Region, against the emulator:");
    let healthy = Rig::seeded().await;
    let (deps, count) = counted(&healthy, &[]);
    let mut poll = Vec::new();
    let mut ignored = Vec::new();
    for _ in 0..CHEAP_ROUNDS {
        poll.push(measure(&healthy, &deps, &count, healthy.event("schedule")).await);
        ignored.push(measure(&healthy, &deps, &count, healthy.event("unrelated-call")).await);
    }
    let mut repair = Vec::new();
    for _ in 0..ROUNDS {
        let rig = Rig::seeded().await;
        let (deps, count) = counted(&rig, &[]);
        let id = rig.seeded_ref().detector_id.clone();
        rig.gd()
            .delete_detector()
            .detector_id(&id)
            .send()
            .await
            .unwrap();
        repair.push(measure(&rig, &deps, &count, rig.event("delete-detector")).await);
    }
    print("healthy poll", &mut poll);
    print("detector deleted: recreate, export, read back", &mut repair);
    print("unrelated event, ignored", &mut ignored);
    fuzz();
}

/// Generated inputs for the event parser (`make bench`: a million).
const FUZZ_INPUTS: usize = 1_000_000;

/// The event parser over [`FUZZ_INPUTS`] inputs generated from `events/detector-guard/`
/// (`vigil_tests::fuzz`: truncated, mutated, wrong types, huge strings, deep nesting,
/// unicode): inputs tried, read, rejected and panics (there must be none), printed.
fn fuzz() {
    let tally = vigil_tests::fuzz::run(
        &vigil_tests::fuzz::events("detector-guard"),
        FUZZ_INPUTS,
        11,
        detector_guard::read_event,
    );
    println!("fuzz, the event parser: {tally}");
    if let Some(input) = &tally.first_panic {
        println!("  the first input that panicked: {input}");
    }
}
