//! report.html in a real browser (Debian's Chromium, headless): the page's script runs, shows
//! FAIL and ERROR by default, and filters (by a shared link's `#status=...&area=...`).
//! `make test` installs Chromium when it is missing.

mod rig;

use std::path::Path;
use std::process::Command;

use serde_json::json;

/// Found on `PATH`, as `make browser` checks for it.
const CHROMIUM: &str = "chromium";

/// The page's DOM after its script ran, and the "N of M results shown" it wrote.
fn shown(report: &Path, fragment: &str) -> (usize, usize) {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}#{fragment}", report.display()),
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("{CHROMIUM}: {e}; install it (apt-get install chromium; make test does)")
        });
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("id=\"shown\">").unwrap_or_else(|| {
        panic!(
            "no #shown paragraph in the rendered page (status {:?}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    }) + "id=\"shown\">".len();
    let text = &dom[start..start + dom[start..].find('<').unwrap()];
    let numbers: Vec<usize> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(
        numbers.len(),
        2,
        "the script wrote no count ({text:?}): it did not run"
    );
    (numbers[0], numbers[1])
}

#[tokio::test]
async fn report_filters_in_a_real_browser() {
    let account = rig::insecure().await;
    let dir = tempfile::tempdir().unwrap();
    let deps = account.deps(dir.path(), &[("VIGIL_SWEEP_SERVICES", "kms,s3")]);
    let run = rig::request(&deps, json!({"action": "sweep"})).await;
    let report = Path::new(run["location"].as_str().unwrap()).join("report.html");
    let totals = &run["totals"];
    let count = |k: &str| totals[k].as_u64().unwrap() as usize;
    let all = count("pass") + count("fail") + count("error") + count("not_applicable");
    assert!(count("fail") > 0 && count("pass") > 0, "{totals}");

    assert_eq!(
        shown(&report, ""),
        (count("fail") + count("error"), all),
        "FAIL and ERROR by default"
    );
    assert_eq!(shown(&report, "status=ALL"), (all, all));
    assert_eq!(shown(&report, "status=PASS"), (count("pass"), all));
    let (kms_fail, _) = shown(&report, "status=FAIL&area=kms");
    assert!(
        kms_fail > 0 && kms_fail < count("fail"),
        "the area filter narrows the failures: {kms_fail} of {}",
        count("fail")
    );
    assert_eq!(
        shown(&report, "status=ALL&q=no-such-resource-anywhere"),
        (0, all)
    );
}
