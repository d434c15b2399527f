//! `make bench BENCHES=sweep`: the sweep on the large preset account of the ground truth
//! (`vigil_tests::seed::sweep`, `Preset::Large`: thousands of users, hundreds of roles, keys,
//! secrets, buckets, databases and functions over three Regions, good and bad ones of every
//! kind), every service, all three Regions. Prints the wall time, the CPU time of this process
//! during the sweep, the AWS calls and calls per resource, the peak memory, and whether the
//! findings equal the ground truth exactly; what sealing the bundle and the Security Hub
//! export (ASFF, into the emulator's Security Hub) cost, for both sweeps; then the same figures of time and memory for a
//! second sweep, which reads the first one's findings back and compares with them, as every
//! nightly run after the first does; then the calls by operation; then the request parser
//! fuzzed with a million generated inputs (inputs, read, rejected, panics). Asserts nothing
//! about time.
//!
//! The wall time is bounded by how fast the one emulator process answers (the table prints the
//! calls per second achieved), so it measures the emulator as much as the sweep; the call count
//! per resource is the figure that carries over to AWS. The peak memory is the process's
//! high-water mark (VmHWM), reset after seeding (Linux `clear_refs`; the RSS left by seeding is
//! printed as "before"), and the peak of live heap bytes counted by this binary's allocator.

#[path = "../tests/rig/mod.rs"]
mod rig;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use compliance_sweep::handler::{Answered, answer_request};
use rig::{Preset, REGIONS};
use serde_json::json;

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for alloc.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for alloc.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let now = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            PEAK.fetch_max(now - layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: f64 = 1024.0 * 1024.0;

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

/// User + system CPU time of this process so far, in seconds (/proc/self/stat, in the 100 Hz
/// ticks Linux reports there).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the ')'.
    (tick(11) + tick(12)) / 100.0
}

#[tokio::main]
async fn main() {
    let seeding = Instant::now();
    let account = rig::preset(Preset::Large).await;
    let seeded_in = seeding.elapsed();
    let s = &account.spec;
    let resources = s.users.len()
        + s.groups.len()
        + s.policies.len()
        + s.roles.len()
        + s.keys.len()
        + s.secrets.len()
        + s.buckets.len()
        + s.detectors.len()
        + s.trails.len()
        + s.alarms.len()
        + s.databases.len()
        + s.functions.len()
        + s.log_groups.len()
        + s.parameters.len();

    let dir = tempfile::tempdir().expect("temp dir");
    let regions = REGIONS.join(",");
    // The nightly run as deployed with SweepSecurityHubExport=Enabled: findings go to the
    // emulator's Security Hub after sealing.
    aws_sdk_securityhub::Client::new(&account.sdk)
        .enable_security_hub()
        .send()
        .await
        .expect("Security Hub enabled");
    let deps = account.deps(
        dir.path(),
        &[
            ("VIGIL_SWEEP_REGIONS", &regions),
            ("VIGIL_SWEEP_SECURITY_HUB", "true"),
        ],
    );

    // The first sweep of the account (no previous bundle) ...
    let (answered, first) = measured(&deps).await;
    let answer = serde_json::to_value(&answered.answer).expect("answers serialise");
    let regions: Vec<String> = REGIONS.map(String::from).to_vec();
    let truth = rig::truth::compare(&account, &regions, &answered.findings);
    let findings = answered.findings.len();
    // ... then the nightly case: a second sweep, which reads the first one's findings back
    // and compares. The first one's findings are let go first, as a new invocation has none.
    drop(answered);
    let (answered_second, second) = measured(&deps).await;
    let answer_second = serde_json::to_value(&answered_second.answer).expect("answers serialise");
    drop(answered_second);

    let calls = answer["api_calls"].as_u64().unwrap_or(0);
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(answer["location"].as_str().unwrap_or_default())
                .join("summary.json"),
        )
        .expect("summary"),
    )
    .expect("json");

    println!(
        "compliance-sweep benchmark (emulator{}, large preset, every service, {} Regions)",
        if account.seeded.stock {
            ": stock moto"
        } else {
            ""
        },
        REGIONS.len()
    );
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| resources seeded (users {}, roles {}, keys {}, secrets {}, buckets {}, databases {}, functions {}, ...) | {resources} |",
        s.users.len(),
        s.roles.len(),
        s.keys.len(),
        s.secrets.len(),
        s.buckets.len(),
        s.databases.len(),
        s.functions.len()
    );
    println!("| seeding time | {:.1} s |", seeded_in.as_secs_f64());
    let Measured {
        wall,
        cpu,
        peak,
        rss_before,
        rss_after,
        heap_before,
        heap_peak,
        reset,
    } = first;
    println!(
        "| sweep wall time (collect, evaluate, seal, sign, write) | {:.1} s |",
        wall.as_secs_f64()
    );
    println!("| sweep CPU time (user + system, this process) | {cpu:.1} s |");
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
    println!(
        "| peak live heap during the sweep (before: {:.1} MiB) | {:.1} MiB |",
        heap_before as f64 / MIB,
        heap_peak as f64 / MIB
    );
    println!(
        "| second sweep, compared with the first one's bundle: wall, CPU, peak RSS{}, peak live heap | {:.1} s, {:.1} s, {:.1} MiB, {:.1} MiB |",
        if second.reset { "" } else { " (not reset)" },
        second.wall.as_secs_f64(),
        second.cpu,
        second.peak,
        second.heap_peak as f64 / MIB
    );
    for (name, a) in [("first", &answer), ("second", &answer_second)] {
        let hub = &a["security_hub"];
        println!(
            "| {name} sweep: sealing (compare, build, hash, sign, store the bundle) | {} ms |",
            a["seal_ms"]
        );
        println!(
            "| {name} sweep: Security Hub export (ASFF): findings imported / archived, workflow updates, calls, failed, time | {} / {}, {}, {}, {}, {} ms |",
            hub["imported"],
            hub["archived"],
            hub["workflow_updated"],
            hub["calls"],
            hub["failed_count"],
            hub["took_ms"]
        );
    }
    println!(
        "| ground truth | {} |",
        if truth.exact() {
            format!("exact: {} findings, each as expected", truth.expected)
        } else {
            format!(
                "DIFFERS: {}",
                truth.to_string().lines().next().unwrap_or("")
            )
        }
    );
    if !truth.exact() {
        println!();
        println!("{truth}");
    }
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
    fuzz();
}

/// What one sweep cost: wall and CPU time, peak and current RSS (MiB), live heap (bytes).
struct Measured {
    wall: std::time::Duration,
    cpu: f64,
    peak: f64,
    rss_before: f64,
    rss_after: f64,
    heap_before: usize,
    heap_peak: usize,
    /// Whether VmHWM could be reset before it (else the peak includes what came before).
    reset: bool,
}

/// One sweep of every service in every Region of `deps`, measured.
async fn measured(deps: &compliance_sweep::Deps) -> (Answered, Measured) {
    // What came before (seeding, an earlier sweep) held its own memory; measure the sweep's
    // peak from here (Linux: writing 5 to clear_refs resets VmHWM).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (_, rss_before) = memory();
    let heap_before = LIVE.load(Ordering::Relaxed);
    PEAK.store(heap_before, Ordering::Relaxed);
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let answered = answer_request(&json!({"action": "sweep"}), None, deps, &|_, _| {})
        .await
        .expect("sweep");
    let wall = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    let (peak, rss_after) = memory();
    let measured = Measured {
        wall,
        cpu,
        peak,
        rss_before,
        rss_after,
        heap_before,
        heap_peak: PEAK.load(Ordering::Relaxed),
        reset,
    };
    (answered, measured)
}

/// Generated inputs for the event parser (`make bench`: a million).
const FUZZ_INPUTS: usize = 1_000_000;

/// The event parser over [`FUZZ_INPUTS`] inputs generated from `events/compliance-sweep/`
/// (`vigil_tests::fuzz`: truncated, mutated, wrong types, huge strings, deep nesting,
/// unicode): inputs tried, read, rejected and panics (there must be none), printed.
fn fuzz() {
    let tally = vigil_tests::fuzz::run(
        &vigil_tests::fuzz::events("compliance-sweep"),
        FUZZ_INPUTS,
        11,
        |v| compliance_sweep::read_event(&v),
    );
    println!("fuzz, the event parser: {tally}");
    if let Some(input) = &tally.first_panic {
        println!("  the first input that panicked: {input}");
    }
}
