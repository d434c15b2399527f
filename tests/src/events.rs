//! The sample events in `events/<function>/`, loaded the way every test, bench and the demo
//! load them: the same files `cargo lambda invoke --data-file` sends.

use std::path::PathBuf;

use serde_json::Value;

/// `events/<function>/<case>` (`.json` added when the case has no extension).
pub fn path(function: &str, case: &str) -> PathBuf {
    let file = if case.contains('.') {
        case.to_owned()
    } else {
        format!("{case}.json")
    };
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(function)
        .join(file)
}

/// The event file's text with each `(from, to)` replaced in order (account ids, resource names).
///
/// # Panics
/// If the file cannot be read: a test without its event is a broken test.
pub fn text(function: &str, case: &str, replace: &[(&str, &str)]) -> String {
    let path = path(function, case);
    let mut text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    text
}

/// The event as JSON, with text replacements (see [`text`]).
///
/// # Panics
/// If the file cannot be read or is not JSON (the `invalid-*` cases that are not JSON are read
/// with [`text`]).
pub fn load(function: &str, case: &str, replace: &[(&str, &str)]) -> Value {
    let text = text(function, case, replace);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("events/{function}/{case}: {e}"))
}

/// The event as JSON with JSON-pointer edits applied (`("/detail/severity", json!(8.0))`).
///
/// # Panics
/// If a pointer names nothing in the event.
pub fn edited(function: &str, case: &str, edits: &[(&str, Value)]) -> Value {
    let mut value = load(function, case, &[]);
    for (pointer, new) in edits {
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("events/{function}/{case}: no {pointer}")) = new.clone();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_event_that_should_parse_is_json() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events");
        let mut read = 0;
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let function = dir.file_name().unwrap().to_str().unwrap().to_owned();
            for file in std::fs::read_dir(&dir).unwrap() {
                let name = file.unwrap().file_name().into_string().unwrap();
                if name.ends_with(".json") && !name.starts_with("invalid-") {
                    assert!(load(&function, &name, &[]).is_object(), "{function}/{name}");
                    read += 1;
                }
            }
        }
        assert!(
            read > 40,
            "only {read} sample events found under {}",
            root.display()
        );
    }

    #[test]
    fn edits_and_replacements_apply() {
        let v = edited(
            "guardduty-responder",
            "iam-akia",
            &[("/detail/severity", serde_json::json!(2.0))],
        );
        assert_eq!(v["detail"]["severity"], 2.0);
        let t = text(
            "cloudtrail-delivery",
            "stop-logging",
            &[("StopLogging", "X")],
        );
        assert!(!t.contains("StopLogging"));
    }
}
