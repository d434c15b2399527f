//! `make demo`: see `vigil_tests::demo`.

use std::time::Instant;

use vigil_tests::demo::{self, Demo, sweep::tampered_copy};

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let demo = match Demo::start().await {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("demo could not start: {e}");
            std::process::exit(1);
        }
    };
    let result = demo::run_chapters(&demo).await;
    demo::heading("Where to look");
    if let Ok(bundle) = &result {
        demo::say(&format!(
            "the sweep's report: {} (open it in a browser; filter by status, area or text)",
            bundle.join("report.html").display()
        ));
        demo::say(&format!(
            "its evidence: {} (findings in OCSF with their record chain, control matrix, summary, manifest and its KMS signature)",
            bundle.display()
        ));
        demo::say(&format!(
            "the tampered copy that fails verification: {}",
            tampered_copy(bundle).display()
        ));
    }
    demo::say(&format!(
        "logs of the emulator, the databases and cargo lambda watch: {}",
        demo.log_dir().display()
    ));
    let keep = std::env::var_os("VIGIL_KEEP").is_some();
    demo::say(if keep {
        "(kept: VIGIL_KEEP is set)"
    } else {
        "(they are removed when this demo exits; re-run with VIGIL_KEEP=1 to keep them)"
    });
    drop(demo);
    // The servers stop with this process either way; shutting down also removes their files.
    if !keep {
        vigil_tests::harness::harness().shutdown();
    }
    if let Err(e) = result {
        eprintln!("\ndemo failed: {e}");
        std::process::exit(1);
    }
    println!(
        "\nDemo finished in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
}
