//! `make demo`: see `vigil_tests::demo`.

use vigil_tests::demo::{self, Demo};

#[tokio::main]
async fn main() {
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
            "its evidence: {} (findings in OCSF with their record chain, control matrix, summary, manifest and its KMS signature); the tampered copy next to it",
            bundle.display()
        ));
    }
    demo::say(&format!(
        "logs of the emulator, the databases and cargo lambda watch: {}",
        demo.log_dir().display()
    ));
    demo::say("(they are removed when this demo exits; re-run with VIGIL_KEEP=1 to keep them)");
    drop(demo);
    // The servers stop with this process either way; shutting down also removes their files.
    if std::env::var_os("VIGIL_KEEP").is_none() {
        vigil_tests::harness::harness().shutdown();
    }
    if let Err(e) = result {
        eprintln!("\ndemo failed: {e}");
        std::process::exit(1);
    }
    println!("\nDemo finished.");
}
