//! `vigil-sweep`: the compliance sweep from a terminal or a CI pipeline, against whatever
//! credentials and endpoint the environment gives (`AWS_ENDPOINT_URL` for the emulator).
//!
//! - `vigil-sweep run --out DIR`: progress bar on stderr, summary table on stdout, the bundle
//!   (report.html, OCSF findings, summary, matrix, manifest, signature) under DIR/<run id>/;
//!   exit code 2 when a FAIL at or above `--fail-on` (default high) was found.
//! - `vigil-sweep verify DIR`: hashes, record chain, manifest and signature, offline (the
//!   bundle's public key, or the one `--trust-key` / `--trust-key-pem` pins; `--kms` checks
//!   online instead); `--chain DIR...` checks a period of nights. Names what was altered; exit
//!   code 3 when anything was, 4 when the bundle is intact but unsigned.
//! - `vigil-sweep checks [--format table|json]`: the catalogue, each check with the Prowler
//!   checks it covers, its CIS v3.0.0 / v4.0.1 / v7.0.0 ids and its Security Hub controls.
//!
//! Settings are the function's environment variables (see `compliance_sweep::config`), and
//! `--set NAME=VALUE` overrides them.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use compliance_sweep::actions::store::{self, Store};
use compliance_sweep::checks::catalogue::{self, CATALOGUE};
use compliance_sweep::checks::prowler;
use compliance_sweep::checks::{Finding, Status};
use compliance_sweep::facts::Shard;
use compliance_sweep::handler::{Answered, answer_request};
use compliance_sweep::report::answer::Answer;
use compliance_sweep::report::{Counts, areas};
use compliance_sweep::{Config, Deps};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use vigil::alert::Severity;
use vigil::evidence::{self, SIGNATURE, SignatureFile, kms::Signer, offline};

#[derive(Parser)]
#[command(
    name = "vigil-sweep",
    version,
    about = "Vigil's compliance sweep and evidence verifier"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sweep the account and write the evidence bundle.
    Run {
        /// Directory for bundles (a sub-directory per run). Ignored with --bucket.
        #[arg(long, default_value = "vigil-evidence")]
        out: PathBuf,
        /// Write to this evidence bucket instead of a directory.
        #[arg(long)]
        bucket: Option<String>,
        /// Regions (comma-separated); default: the account's enabled Regions.
        #[arg(long)]
        regions: Option<String>,
        /// Services (comma-separated); default: all.
        #[arg(long)]
        services: Option<String>,
        /// KMS key (RSA, SIGN_VERIFY) that signs the manifest; unsigned without.
        #[arg(long, env = "VIGIL_EVIDENCE_KEY_ID")]
        key_id: Option<String>,
        /// Exit 2 when a FAIL of this severity or higher is found: critical, high, medium, low, or none.
        #[arg(long, default_value = "high")]
        fail_on: String,
        /// Exit 2 on any ERROR finding too.
        #[arg(long)]
        fail_on_error: bool,
        /// NAME=VALUE settings, as the function's environment variables.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Verify bundle directories offline: file hashes, record chain, manifest, signature (with
    /// the public key the bundle carries, or the one --trust-key / --trust-key-pem pins).
    /// Exit 0: intact and signed; 3: something altered (named); 4: intact but unsigned.
    Verify {
        /// One bundle directory, or with --chain every bundle of a period.
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// The signing key's fingerprint the auditor trusts: SHA-256 (hex) of its DER
        /// SubjectPublicKeyInfo, as the README's openssl command prints it.
        #[arg(long, value_name = "FINGERPRINT", conflicts_with = "trust_key_pem")]
        trust_key: Option<String>,
        /// The signing key's public key (PEM) the auditor trusts.
        #[arg(long, value_name = "FILE")]
        trust_key_pem: Option<PathBuf>,
        /// Check the signature online with KMS Verify instead (needs AWS credentials).
        #[arg(long)]
        kms: bool,
        /// With --kms: the key the signature must verify with (default: the key the bundle names, with a warning).
        #[arg(long, env = "VIGIL_EVIDENCE_KEY_ID", requires = "kms")]
        key_id: Option<String>,
        /// The bundles given form one period: each manifest must name the one before it
        /// (no night missing, replaced or forked).
        #[arg(long)]
        chain: bool,
        /// The previous run's bundle, to check the link across runs.
        #[arg(long, conflicts_with = "chain")]
        previous: Option<PathBuf>,
    },
    /// List the checks with the Prowler checks they cover, CIS and Security Hub ids.
    Checks {
        /// table (for people) or json (one object per check).
        #[arg(long, default_value = "table")]
        format: Format,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

/// Writes `text` to stdout; a reader that went away (`| head -1`) ends the program quietly,
/// as any Unix tool does, instead of a panic.
fn write_out(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil-sweep: writing to stdout: {e}");
            ExitCode::from(1)
        }
    }
}

/// AWS Region names are `<area>-<direction>-<n>` (`us-east-1`, `ap-southeast-4`,
/// `us-gov-west-1`): a typo is refused here instead of being swept as an empty Region.
fn check_region(name: &str) -> Result<(), String> {
    const AREAS: [&str; 11] = [
        "us", "eu", "ap", "ca", "sa", "me", "af", "il", "mx", "cn", "us-gov",
    ];
    const DIRECTIONS: [&str; 9] = [
        "east",
        "west",
        "north",
        "south",
        "central",
        "northeast",
        "southeast",
        "northwest",
        "southwest",
    ];
    let bad = || {
        format!("--regions: {name:?} is not an AWS Region name (like us-east-1 or eu-central-2)")
    };
    let (rest, number) = name.rsplit_once('-').ok_or_else(bad)?;
    let (area, direction) = rest.rsplit_once('-').ok_or_else(bad)?;
    if AREAS.contains(&area)
        && DIRECTIONS.contains(&direction)
        && !number.is_empty()
        && number.len() <= 2
        && number.chars().all(|c| c.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(bad())
    }
}

fn severity(name: &str) -> Result<Option<Severity>, String> {
    Ok(Some(match name.to_ascii_lowercase().as_str() {
        "none" => return Ok(None),
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        other => {
            return Err(format!(
                "--fail-on {other:?}: use critical, high, medium, low or none"
            ));
        }
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only for a person's terminal, never into a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Checks { format } => {
            let text = match format {
                Format::Table => checks_table(),
                Format::Json => {
                    serde_json::to_string_pretty(&checks_json()).expect("JSON values serialise")
                        + "\n"
                }
            };
            write_out(&text)
        }
        Command::Run {
            out,
            bucket,
            regions,
            services,
            key_id,
            fail_on,
            fail_on_error,
            set,
            quiet,
        } => {
            match run(
                out,
                bucket,
                regions,
                services,
                key_id,
                &fail_on,
                fail_on_error,
                set,
                quiet,
            )
            .await
            {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("vigil-sweep: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Verify {
            bundles,
            trust_key,
            trust_key_pem,
            kms,
            key_id,
            chain,
            previous,
        } => {
            let how = Verify {
                trust_key,
                trust_key_pem,
                kms,
                key_id,
                chain,
                previous,
            };
            match verify(&bundles, how).await {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("vigil-sweep verify: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run(
    out: PathBuf,
    bucket: Option<String>,
    regions: Option<String>,
    services: Option<String>,
    key_id: Option<String>,
    fail_on: &str,
    fail_on_error: bool,
    set: Vec<String>,
    quiet: bool,
) -> Result<ExitCode, String> {
    let threshold = severity(fail_on)?;
    let regions: Option<Vec<String>> = regions.map(|r| {
        r.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    });
    for r in regions.iter().flatten() {
        check_region(r)?;
    }
    let first_region = regions.as_ref().and_then(|r| r.first().cloned());
    let regions = regions.map(|r| r.join(","));
    let mut overrides: HashMap<String, String> = HashMap::new();
    for s in &set {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| format!("--set {s:?}: write NAME=VALUE"))?;
        overrides.insert(k.trim().to_owned(), v.to_owned());
    }
    for (name, value) in [
        ("VIGIL_SWEEP_REGIONS", regions),
        ("VIGIL_SWEEP_SERVICES", services),
        ("VIGIL_EVIDENCE_KEY_ID", key_id),
        ("VIGIL_EVIDENCE_BUCKET", bucket),
    ] {
        if let Some(v) = value {
            overrides.insert(name.to_owned(), v);
        }
    }
    let config = Config::from_lookup(|name| {
        overrides
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    })?;
    let sdk = vigil::aws::load_sdk_config().await;
    // The SDK signs each call for a Region: without AWS_REGION (or a profile's), the first
    // Region swept serves for the account-wide calls (STS, the bucket, KMS).
    let sdk = match (sdk.region(), first_region) {
        (Some(_), _) => sdk,
        (None, Some(first)) => sdk
            .to_builder()
            .region(aws_config::Region::new(first))
            .build(),
        (None, None) => {
            return Err(
                "no AWS Region: set AWS_REGION (or a profile's region), or pass --regions".into(),
            );
        }
    };
    let planned = config
        .regions
        .as_ref()
        .map(|r| Shard::plan(r, &config.services).len());
    let mut deps = match &config.evidence_bucket {
        Some(_) => Deps::new(&sdk, config).map_err(|e| e.to_string())?,
        None => Deps::local(&sdk, config, out.clone()),
    };
    deps.emit_metrics = false;

    let bar = match (quiet, planned) {
        (true, _) => ProgressBar::hidden(),
        (false, Some(total)) => ProgressBar::new(total as u64),
        (false, None) => ProgressBar::new_spinner(),
    };
    // The total is known when the Regions are (without them the plan lists the enabled
    // Regions first): then a bar with the rate and the time left.
    bar.set_style(
        ProgressStyle::with_template(if planned.is_some() {
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} shards ({per_sec}, {eta} left) {msg}"
        } else {
            "{spinner} [{elapsed_precise}] {pos} shard(s) swept ({per_sec}) {msg}"
        })
        .expect("static template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let progress = |shard: &Shard, n: usize| {
        bar.inc(1);
        bar.set_message(format!("- last: {shard} ({n} findings)"));
    };
    let Answered { answer, findings } =
        answer_request(&json!({"action": "sweep"}), None, &deps, &progress)
            .await
            .map_err(|e| e.to_string())?;
    bar.finish_and_clear();

    let Answer::Sealed(sealed) = answer else {
        return Err(format!(
            "a sweep answered with {answer:?}, not a sealed run"
        ));
    };
    print_table(&findings);
    println!();
    println!("run        {}", sealed.run_id);
    println!("evidence   {}", sealed.location);
    if matches!(deps.store, Store::Local(_)) {
        println!("report     {}/report.html", sealed.location);
    }
    println!(
        "signed     {}",
        if sealed.signed {
            "yes (KMS)"
        } else {
            "no (pass --key-id to sign)"
        }
    );
    println!("api calls  {}", sealed.api_calls);
    if let Some(hub) = &sealed.security_hub {
        println!(
            "security hub {} imported ({} archived), {} workflow updates, {} failed, {} call(s){}",
            hub.imported,
            hub.archived,
            hub.workflow_updated,
            hub.failed_count,
            hub.calls,
            hub.error
                .as_ref()
                .map_or_else(String::new, |e| format!(": {e}"))
        );
    }

    let failing = findings.iter().any(|f| {
        f.status == Status::Fail && threshold.is_some_and(|t| catalogue::get(f.check).severity >= t)
    });
    let erroring = fail_on_error && findings.iter().any(|f| f.status == Status::Error);
    Ok(if failing || erroring {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The catalogue as a table: one check per row; a column with several values (Security Hub,
/// Prowler) takes one line per value.
fn checks_table() -> String {
    const HEADER: [&str; 9] = [
        "ID",
        "SEVERITY",
        "SERVICE",
        "CIS v3.0",
        "CIS v4.0.1",
        "CIS v7.0",
        "SECURITY HUB",
        "PROWLER 5.46.0",
        "TITLE",
    ];
    let rows: Vec<[Vec<String>; 9]> = CATALOGUE
        .iter()
        .map(|c| {
            let one = |s: String| vec![s];
            let cis = |ids: &[&str]| {
                one(if ids.is_empty() {
                    "-".to_owned()
                } else {
                    ids.join(",")
                })
            };
            let listed = |ids: Vec<String>| {
                if ids.is_empty() {
                    vec!["-".to_owned()]
                } else {
                    ids
                }
            };
            let title = if c.beyond_prowler() {
                format!("{} ★", c.title)
            } else {
                c.title.to_owned()
            };
            [
                one(c.id.to_string()),
                one(c.severity.to_string()),
                one(c.service.to_string()),
                cis(c.cis_v3),
                cis(c.cis_v4),
                cis(c.cis_v7),
                listed(
                    c.security_hub
                        .iter()
                        .map(|id| {
                            if c.to_verify.contains(id) {
                                format!("{id}†")
                            } else {
                                (*id).to_owned()
                            }
                        })
                        .collect(),
                ),
                listed(c.prowler.iter().map(|p| (*p).to_owned()).collect()),
                one(title),
            ]
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = cell.iter().map(|l| l.chars().count()).fold(*w, usize::max);
        }
    }
    let line = |cells: [&str; 9]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(HEADER);
    for row in &rows {
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for i in 0..height {
            out.push_str(&line(std::array::from_fn(|col| {
                row[col].get(i).map_or("", String::as_str)
            })));
        }
    }
    let covered = prowler::CHECKS
        .iter()
        .filter(|p| catalogue::covering(p.id).next().is_some())
        .count();
    out.push_str(&format!(
        "\n{} checks ({} ★ beyond Prowler); they cover {covered} of the {} Prowler {} checks \
         in the ten services (the others, and why: docs/checks-not-covered.md). \
         † Security Hub id from AWS's control reference, not Prowler's mapping: verify before \
         quoting.\n",
        CATALOGUE.len(),
        CATALOGUE.iter().filter(|c| c.beyond_prowler()).count(),
        prowler::CHECKS.len(),
        prowler::VERSION,
    ));
    out
}

/// The catalogue as JSON: one object per check.
fn checks_json() -> serde_json::Value {
    serde_json::Value::Array(
        CATALOGUE
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "title": c.title,
                    "service": c.service,
                    "severity": c.severity,
                    "seed_phase": c.phase,
                    "prowler": c.prowler,
                    "beyond_prowler": c.beyond_prowler(),
                    "cis": {
                        "v3.0.0": c.cis_v3,
                        "v4.0.1": c.cis_v4,
                        "v7.0.0": c.cis_v7,
                    },
                    "security_hub": c.security_hub,
                    "security_hub_to_verify": c.to_verify,
                    "remediation": c.remediation,
                })
            })
            .collect(),
    )
}

fn print_table(findings: &[Finding]) {
    println!(
        "{:<16} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "area", "pass", "fail", "error", "n/a", "muted"
    );
    for (area, c) in areas(findings) {
        if c == Default::default() {
            continue;
        }
        println!(
            "{:<16} {:>6} {:>6} {:>6} {:>6} {:>6}",
            area.title(),
            c.pass,
            c.fail,
            c.error,
            c.not_applicable,
            c.muted
        );
    }
    let t = Counts::of(findings);
    println!(
        "{:<16} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "total", t.pass, t.fail, t.error, t.not_applicable, t.muted
    );
}

/// How `vigil-sweep verify` was asked to check.
struct Verify {
    trust_key: Option<String>,
    trust_key_pem: Option<PathBuf>,
    kms: bool,
    key_id: Option<String>,
    chain: bool,
    previous: Option<PathBuf>,
}

/// Exit code of a bundle whose contents are intact but that carries no signature.
const EXIT_UNSIGNED: u8 = 4;
/// Exit code of a bundle (or chain) found altered.
const EXIT_TAMPERED: u8 = 3;

async fn verify(dirs: &[PathBuf], how: Verify) -> Result<ExitCode, String> {
    if dirs.len() > 1 && !how.chain {
        return Err("several bundles given: add --chain to verify them as one period".into());
    }
    let trust = match (&how.trust_key, &how.trust_key_pem) {
        (Some(fp), _) => offline::Trust::Fingerprint(offline::normalise_fingerprint(fp)?),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--trust-key-pem {}: {e}", path.display()))?;
            offline::Trust::Key(
                offline::from_pem(&text)
                    .map_err(|e| format!("--trust-key-pem {}: {e}", path.display()))?,
            )
        }
        (None, None) => offline::Trust::Bundle,
    };
    let mut bundles = Vec::new();
    for dir in dirs {
        let files = store::read_dir(dir)?;
        if files.is_empty() {
            return Err(format!(
                "{}: no files; is this a bundle directory?",
                dir.display()
            ));
        }
        bundles.push((dir.display().to_string(), files));
    }
    let mut tampered = false;
    let mut unsigned = false;
    let mut warned = false;
    for (name, files) in &bundles {
        // Each check hashes the bundle once and hands back the manifest it read.
        let (manifest, mut problems, signed) = if how.kms {
            let (manifest, problems) = verify_online(files, how.key_id.clone()).await?;
            (manifest, problems, None)
        } else {
            let report = offline::verify_bundle(files, &trust);
            (report.manifest, report.problems, report.signed)
        };
        if let Some(prev) = &how.previous
            && let Some(m) = &manifest
        {
            let bytes = std::fs::read(prev.join(evidence::MANIFEST))
                .map_err(|e| format!("{}: {e}", prev.display()))?;
            problems.extend(evidence::verify_previous(m, &bytes));
        }
        let what = verified_parts(manifest.as_ref());
        if !problems.is_empty() {
            tampered = true;
            println!("TAMPERED {name}:");
            for p in &problems {
                println!("  - {p}");
            }
            continue;
        }
        match signed {
            _ if how.kms => println!("OK {name}: {what}, signature valid (KMS Verify)"),
            Some(offline::Signed::Valid {
                key_arn,
                fingerprint,
                pinned,
            }) => {
                println!(
                    "OK {name}: {what}, signature valid (key {key_arn}, fingerprint {fingerprint}{})",
                    if pinned { ", trusted" } else { "" }
                );
                if !pinned && !warned {
                    warned = true;
                    eprintln!(
                        "warning: the signature was checked with the public key the bundle carries; \
                         pin the key you trust with --trust-key {fingerprint} (or --trust-key-pem FILE) \
                         after comparing it with `aws kms get-public-key` or your records"
                    );
                }
            }
            Some(offline::Signed::Unsigned) => {
                unsigned = true;
                println!(
                    "UNSIGNED {name}: {what}; no signature to check (the bundle was written without a signing key, so nothing proves who wrote it)"
                );
            }
            None => println!("OK {name}: {what}"),
        }
    }
    if how.chain {
        let refs: Vec<(String, &evidence::Files)> =
            bundles.iter().map(|(n, f)| (n.clone(), f)).collect();
        let problems = offline::verify_chain(&refs);
        if problems.is_empty() {
            println!(
                "CHAIN OK: {} bundles, each manifest names the one before it",
                bundles.len()
            );
        } else {
            tampered = true;
            println!("CHAIN BROKEN:");
            for p in &problems {
                println!("  - {p}");
            }
        }
    }
    Ok(if tampered {
        ExitCode::from(EXIT_TAMPERED)
    } else if unsigned {
        ExitCode::from(EXIT_UNSIGNED)
    } else {
        ExitCode::SUCCESS
    })
}

/// What was checked in a bundle, for the verdict line.
fn verified_parts(manifest: Option<&evidence::Manifest>) -> String {
    let Some(m) = manifest else {
        return "manifest unreadable".into();
    };
    let records: u64 = m.files.iter().filter_map(|f| f.records).sum();
    format!(
        "run {}, {} files hashed, record chain of {records} records intact, manifest chained to {}",
        m.run_id,
        m.files.len(),
        m.previous_manifest_sha256
            .as_deref()
            .unwrap_or("none (first run)")
    )
}

/// Today's online check: hashes and chain, then the signature with KMS `Verify`.
async fn verify_online(
    files: &evidence::Files,
    key_id: Option<String>,
) -> Result<(Option<evidence::Manifest>, Vec<evidence::Tamper>), String> {
    // The signature file is read here only to say which key will be trusted; verify_bundle
    // checks it.
    let named = files
        .get(SIGNATURE)
        .and_then(|b| serde_json::from_slice::<SignatureFile>(b).ok())
        .map(|sig| sig.key_id);
    let key = match (key_id, named) {
        (Some(k), _) => k,
        (None, Some(named)) => {
            eprintln!("warning: no --key-id given; trusting the key the bundle names ({named})");
            named
        }
        (None, None) => String::new(),
    };
    let sdk = vigil::aws::load_sdk_config().await;
    // An auditor's call with their own credentials, not the function's: not recorded
    // against the function's role (vigil::record).
    let signer = Signer::new(aws_sdk_kms::Client::new(&sdk), key);
    signer
        .verify_bundle(files)
        .await
        .map_err(|e| format!("could not ask KMS to verify the signature: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_table_lists_every_check_with_its_prowler_cis_and_security_hub_ids() {
        let table = checks_table();
        let header = table.lines().next().unwrap();
        for column in [
            "CIS v3.0",
            "CIS v4.0.1",
            "CIS v7.0",
            "SECURITY HUB",
            "PROWLER 5.46.0",
        ] {
            assert!(header.contains(column), "{header}");
        }
        for c in CATALOGUE {
            assert!(
                table.lines().any(|l| l.starts_with(&format!("{} ", c.id))),
                "{} missing",
                c.id
            );
            for p in c.prowler {
                assert!(table.contains(p), "{}: {p}", c.id);
            }
        }
        let kms = table.lines().find(|l| l.starts_with("KMS-01 ")).unwrap();
        for cell in ["3.6", "4.6", "KMS.4", "kms_cmk_rotation_enabled"] {
            assert!(kms.contains(cell), "{kms}");
        }
        let cw = table.lines().find(|l| l.starts_with("CW-01 ")).unwrap();
        assert!(cw.contains("CloudWatch.2†"), "{cw}");
        assert!(
            table.contains("of the 189 Prowler 5.46.0 checks"),
            "{table}"
        );
    }

    #[test]
    fn region_names_are_checked_before_sweeping() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-4",
            "us-gov-west-1",
            "il-central-1",
        ] {
            assert_eq!(check_region(ok), Ok(()), "{ok}");
        }
        for bad in [
            "us-est-1",
            "useast1",
            "us-east",
            "global",
            "eu-west-x",
            "xx-east-1",
            "",
        ] {
            assert_eq!(
                check_region(bad),
                Err(format!(
                    "--regions: {bad:?} is not an AWS Region name (like us-east-1 or eu-central-2)"
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn checks_json_has_one_object_per_check() {
        let v = checks_json();
        let all = v.as_array().unwrap();
        assert_eq!(all.len(), CATALOGUE.len());
        let iam05 = all.iter().find(|c| c["id"] == "IAM-05").unwrap();
        assert_eq!(iam05["cis"]["v7.0.0"], json!(["2.8", "2.9"]));
        assert_eq!(iam05["beyond_prowler"], false);
        assert!(
            iam05["prowler"]
                .as_array()
                .unwrap()
                .contains(&json!("iam_password_policy_minimum_length_14"))
        );
        let kms02 = all.iter().find(|c| c["id"] == "KMS-02").unwrap();
        assert_eq!(kms02["beyond_prowler"], true);
    }
}
