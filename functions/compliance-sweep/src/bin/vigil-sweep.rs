//! `vigil-sweep`: the compliance sweep from a terminal or a CI pipeline, against whatever
//! credentials and endpoint the environment gives (`AWS_ENDPOINT_URL` for the emulator).
//!
//! - `vigil-sweep run --out DIR`: progress bar on stderr, summary table on stdout, the bundle
//!   (report.html, OCSF findings, summary, matrix, manifest, signature) under DIR/<run id>/;
//!   exit code 2 when a FAIL at or above `--fail-on` (default high) was found.
//! - `vigil-sweep verify DIR`: hashes, chain and KMS signature; names what was altered; exit
//!   code 3 when anything was.
//! - `vigil-sweep checks`: the catalogue.
//!
//! Settings are the function's environment variables (see `compliance_sweep::config`), and
//! `--set NAME=VALUE` overrides them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use compliance_sweep::actions::store::{self, Store};
use compliance_sweep::checks::catalogue::{self, CATALOGUE};
use compliance_sweep::checks::{Finding, Status};
use compliance_sweep::facts::Shard;
use compliance_sweep::handler::{Answered, answer_request};
use compliance_sweep::report::answer::Answer;
use compliance_sweep::report::{Counts, areas};
use compliance_sweep::{Config, Deps};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use vigil::alert::Severity;
use vigil::evidence::{self, SIGNATURE, SignatureFile, kms::Signer};

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
    /// Verify a bundle directory: file hashes, record chain, KMS signature.
    Verify {
        bundle: PathBuf,
        /// The key the signature must verify with (default: the key the bundle names, with a warning).
        #[arg(long, env = "VIGIL_EVIDENCE_KEY_ID")]
        key_id: Option<String>,
        /// The previous run's bundle, to check the chain across runs.
        #[arg(long)]
        previous: Option<PathBuf>,
    },
    /// List the checks.
    Checks,
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
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Checks => {
            for c in CATALOGUE {
                println!(
                    "{:<7} {:<9} {:<12} {}",
                    c.id,
                    c.severity.to_string(),
                    c.service.to_string(),
                    c.title
                );
            }
            ExitCode::SUCCESS
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
            bundle,
            key_id,
            previous,
        } => match verify(bundle, key_id, previous).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("vigil-sweep verify: {e}");
                ExitCode::from(1)
            }
        },
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
    let mut deps = match &config.evidence_bucket {
        Some(_) => Deps::new(&sdk, config).map_err(|e| e.to_string())?,
        None => Deps::local(&sdk, config, out.clone()),
    };
    deps.emit_metrics = false;

    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos} shard(s) swept {msg}")
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

fn print_table(findings: &[Finding]) {
    println!(
        "{:<16} {:>6} {:>6} {:>6} {:>6}",
        "area", "pass", "fail", "error", "n/a"
    );
    for (area, c) in areas(findings) {
        if c == Default::default() {
            continue;
        }
        println!(
            "{:<16} {:>6} {:>6} {:>6} {:>6}",
            area.title(),
            c.pass,
            c.fail,
            c.error,
            c.not_applicable
        );
    }
    let t = Counts::of(findings);
    println!(
        "{:<16} {:>6} {:>6} {:>6} {:>6}",
        "total", t.pass, t.fail, t.error, t.not_applicable
    );
}

async fn verify(
    dir: PathBuf,
    key_id: Option<String>,
    previous: Option<PathBuf>,
) -> Result<ExitCode, String> {
    let files = store::read_dir(&dir)?;
    // The signature file is read here only to say which key will be trusted; verify_bundle
    // checks it (and without one there is nothing for KMS to verify).
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
    let (manifest, mut problems) = signer
        .verify_bundle(&files)
        .await
        .map_err(|e| format!("could not ask KMS to verify the signature: {e}"))?;
    if let (Some(m), Some(prev)) = (&manifest, previous) {
        let bytes = std::fs::read(prev.join(evidence::MANIFEST))
            .map_err(|e| format!("{}: {e}", prev.display()))?;
        problems.extend(evidence::verify_previous(m, &bytes));
    }
    if problems.is_empty() {
        let m = manifest.expect("no problems means a manifest was read");
        println!(
            "OK {}: {} files, chain intact, signature valid (run {}, previous manifest {})",
            dir.display(),
            m.files.len(),
            m.run_id,
            m.previous_manifest_sha256.as_deref().unwrap_or("none")
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("TAMPERED {}:", dir.display());
        for p in &problems {
            println!("  - {p}");
        }
        Ok(ExitCode::from(3))
    }
}
