//! `vigil-rotation`: the manual override for secret rotation, run by a person with AWS
//! credentials and network access to the database, with the function's settings
//! (`VIGIL_DB_CA_FILE`, `VIGIL_DB_TLS_MODE`, ...) from the environment.
//!
//! - `vigil-rotation status SECRET`: versions and labels, a stuck AWSPENDING explained, and
//!   whether each version's credential logs in.
//! - `vigil-rotation rollback SECRET [--yes]`: back to AWSPREVIOUS (alternating users: the
//!   label; single user: the password, then the label). Prints every step; changes nothing
//!   without `--yes`. No password is ever printed.

// The database sessions' futures nest deeply; computing their layout needs more than the
// default 128 levels.
#![recursion_limit = "256"]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secret_rotation::{Config, Deps, manual};

#[derive(Parser)]
#[command(
    name = "vigil-rotation",
    about = "Manual override for Vigil's secret rotation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Versions, labels, a stuck rotation explained, and whether each version logs in.
    Status {
        /// Secret name or ARN.
        secret: String,
    },
    /// Back to AWSPREVIOUS, every step printed.
    Rollback {
        /// Secret name or ARN.
        secret: String,
        /// Carry the plan out; without it, only print it.
        #[arg(long)]
        yes: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_lookup(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("vigil-rotation: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sdk = vigil::aws::load_sdk_config().await;
    let deps = Deps::new(&sdk, config);
    let result = match cli.command {
        Command::Status { secret } => manual::status(&deps, &secret)
            .await
            .map(|text| print!("{text}")),
        Command::Rollback { secret, yes } => {
            manual::rollback(&deps, &secret, yes, &mut |line| println!("{line}")).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil-rotation: {e}");
            ExitCode::FAILURE
        }
    }
}
