//! `vigil-harness up --env-file PATH`: starts the test services (moto, PostgreSQL, MariaDB) once
//! for a whole test run, writes where they are to PATH as `KEY=VALUE` lines, prints `ready`, and
//! keeps them up until SIGTERM or SIGINT. Test processes started with `VIGIL_HARNESS_ENV=PATH`
//! then share them instead of each starting their own.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use tokio::signal::unix::{SignalKind, signal};
use vigil_tests::harness::Harness;

const USAGE: &str = "usage: vigil-harness up --env-file PATH";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env_file = match args.as_slice() {
        [up, flag, path] if up == "up" && flag == "--env-file" => PathBuf::from(path),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build tokio runtime");
    runtime.block_on(async {
        // Listen before starting, so a stop request during start-up still cleans up. Stdin is
        // deliberately ignored: make runs this in the background with none.
        let mut terminate = signal(SignalKind::terminate()).expect("listen for SIGTERM");
        let mut interrupt = signal(SignalKind::interrupt()).expect("listen for SIGINT");

        let harness = Harness::start();
        if let Err(e) = harness.write_env_file(&env_file) {
            eprintln!("vigil-harness: write {}: {e}", env_file.display());
            harness.shutdown();
            return ExitCode::FAILURE;
        }
        println!("ready");
        let _ = std::io::stdout().flush();

        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        harness.shutdown();
        let _ = std::fs::remove_file(&env_file);
        ExitCode::SUCCESS
    })
}
