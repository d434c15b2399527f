//! Fuzzing a function's event parser: inputs generated from its real events
//! (`events/<function>/*.json`), fed to the parser one by one under `catch_unwind`, and
//! counted: read, rejected (the parser's own error), not JSON (the Lambda runtime refuses
//! those before the function sees them), and panics, which must be none.
//!
//! The inputs: the text of an event truncated; bytes changed; odd unicode or JSON
//! punctuation spliced in; a field given the wrong type (null, a number, an array, an object,
//! a boolean); a field given a huge string or a unicode-heavy one; a field replaced by deep
//! nesting; a field removed; an arbitrary small document; an event wrapped in deep nesting as
//! text. The same seed gives the same inputs. The benches run a million (`make bench`), each
//! crate's tests a few thousand (`make test`).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

/// What became of the generated inputs.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub inputs: usize,
    /// The parser read the event (and routed it).
    pub read: usize,
    /// The parser returned its error.
    pub rejected: usize,
    /// Not JSON at all: never reaches the function.
    pub not_json: usize,
    pub panics: usize,
    /// The first input that panicked (cut to 500 characters), for the failure message.
    pub first_panic: Option<String>,
    pub elapsed: Duration,
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} generated inputs (truncated, mutated, wrong types, huge strings, deep nesting, unicode) in {:.1} s: {} read, {} rejected by the parser, {} not JSON, {} panics",
            self.inputs,
            self.elapsed.as_secs_f64(),
            self.read,
            self.rejected,
            self.not_json,
            self.panics
        )
    }
}

/// Every event file of `events/<function>/`, parsed, in name order.
pub fn events(function: &str) -> Vec<Value> {
    let dir = crate::events::path(function, "x");
    let dir = dir.parent().expect("events directory");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
        .collect()
}

/// Feeds `inputs` generated inputs (from `bases`, with `seed`) to `parse`: `Ok` is read,
/// `Err` rejected.
pub fn run<T, E>(
    bases: &[Value],
    inputs: usize,
    seed: u64,
    parse: impl Fn(Value) -> Result<T, E>,
) -> Tally {
    assert!(!bases.is_empty(), "no events to start from");
    let texts: Vec<String> = bases.iter().map(Value::to_string).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tally = Tally {
        inputs,
        ..Tally::default()
    };
    let started = Instant::now();
    for i in 0..inputs {
        let which = i % bases.len();
        // The parser takes the input by value: on a panic it is generated again from the same
        // state to be shown, rather than printed ahead for every input.
        let replay = rng.clone();
        let Some(value) = generate(&mut rng, &bases[which], &texts[which], i).value() else {
            tally.not_json += 1;
            continue;
        };
        match catch_unwind(AssertUnwindSafe(|| parse(value))) {
            Ok(Ok(_)) => tally.read += 1,
            Ok(Err(_)) => tally.rejected += 1,
            Err(_) => {
                tally.panics += 1;
                if tally.first_panic.is_none() {
                    let again = generate(&mut replay.clone(), &bases[which], &texts[which], i);
                    let shown = again.value().map(|v| v.to_string()).unwrap_or_default();
                    tally.first_panic = Some(shown.chars().take(500).collect());
                }
            }
        }
    }
    tally.elapsed = started.elapsed();
    tally
}

enum Input {
    Text(String),
    Value(Value),
}

impl Input {
    /// The document, `None` for text that is not JSON.
    fn value(self) -> Option<Value> {
        match self {
            Input::Text(text) => serde_json::from_str(&text).ok(),
            Input::Value(v) => Some(v),
        }
    }
}

const ODD: [&str; 12] = [
    "\\u0000", "é", "𝔘", "\\ud800", "﷽", "\"", "{", "]", "null", "-1e999", "\u{202e}", "\u{feff}",
];

fn generate(rng: &mut StdRng, base: &Value, text: &str, i: usize) -> Input {
    match i % 10 {
        0 => Input::Text(text[..floor(text, rng.random_range(0..text.len().max(1)))].to_owned()),
        1 => {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..8) {
                let at = rng.random_range(0..bytes.len());
                bytes[at] = rng.random_range(0x20..0x7f);
            }
            Input::Text(String::from_utf8_lossy(&bytes).into_owned())
        }
        2 => {
            let at = floor(text, rng.random_range(0..text.len().max(1)));
            let odd = ODD[rng.random_range(0..ODD.len())];
            Input::Text(format!("{}{odd}{}", &text[..at], &text[at..]))
        }
        3 => {
            let wrong = match rng.random_range(0..6) {
                0 => Value::Null,
                1 => json!(rng.random::<f64>() * 1e12),
                2 => json!(rng.random::<i64>()),
                3 => json!([1, "x", {}]),
                4 => json!({"nested": {"deeper": true}}),
                _ => json!(rng.random::<bool>()),
            };
            Input::Value(replaced(rng, base, wrong))
        }
        4 => {
            let huge = "x".repeat(rng.random_range(0..100_000));
            Input::Value(replaced(rng, base, Value::String(huge)))
        }
        5 => {
            let s: String = (0..rng.random_range(1..200))
                .map(|_| {
                    ['Δ', '𝔘', '\u{0}', '﷽', '\u{202e}', 'é', '/', ':', '*'][rng.random_range(0..9)]
                })
                .collect();
            Input::Value(replaced(rng, base, Value::String(s)))
        }
        6 => {
            let mut deep = Value::Null;
            for level in 0..rng.random_range(1..120) {
                deep = if level % 2 == 0 {
                    json!([deep])
                } else {
                    json!({"a": deep})
                };
            }
            Input::Value(replaced(rng, base, deep))
        }
        7 => {
            let mut v = base.clone();
            let paths = pointers(&v);
            if let Some(path) = paths.get(rng.random_range(0..paths.len().max(1))) {
                remove(&mut v, path);
            }
            Input::Value(v)
        }
        8 => Input::Value(arbitrary(rng, 4)),
        _ => {
            let depth = rng.random_range(1..3_000);
            Input::Text(format!("{}{text}{}", "[".repeat(depth), "]".repeat(depth)))
        }
    }
}

/// The largest char boundary at or below `at`.
fn floor(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0)
}

/// `base` with one field (or the whole document) replaced by `with`.
fn replaced(rng: &mut StdRng, base: &Value, with: Value) -> Value {
    let mut v = base.clone();
    let paths = pointers(&v);
    match paths.get(rng.random_range(0..paths.len() + 1)) {
        Some(path) => *v.pointer_mut(path).expect("a pointer of the document") = with,
        None => v = with,
    }
    v
}

fn remove(v: &mut Value, path: &str) {
    let (parent, last) = path.rsplit_once('/').expect("a pointer starts with /");
    let last = last.replace("~1", "/").replace("~0", "~");
    match v.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Every JSON pointer inside `value`.
fn pointers(value: &Value) -> Vec<String> {
    fn walk(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    walk(v, p, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    walk(v, p, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// A small arbitrary document, with the keys events use most.
fn arbitrary(rng: &mut StdRng, depth: u32) -> Value {
    const KEYS: [&str; 10] = [
        "detail-type",
        "detail",
        "source",
        "action",
        "eventName",
        "eventSource",
        "requestParameters",
        "Step",
        "SecretId",
        "shards",
    ];
    match rng.random_range(0..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<i32>()),
        3 => json!(
            [
                "Scheduled Event",
                "AWS API Call via CloudTrail",
                "sweep",
                "drill",
                "createSecret",
                ""
            ][rng.random_range(0..6)]
        ),
        4 => json!("x".repeat(rng.random_range(0..20))),
        5 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| arbitrary(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.random_range(0..5))
                .map(|_| {
                    (
                        KEYS[rng.random_range(0..KEYS.len())].to_owned(),
                        arbitrary(rng, depth - 1),
                    )
                })
                .collect::<Map<_, _>>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parser_that_panics_is_counted_and_shown() {
        let bases = vec![json!({"detail-type": "Scheduled Event", "detail": {"a": [1, 2]}})];
        let tally = run(&bases, 200, 1, |v| {
            if v.get("detail-type").is_none() {
                panic!("no detail-type");
            }
            Ok::<(), ()>(())
        });
        assert_eq!(tally.inputs, 200);
        assert_eq!(
            tally.read + tally.rejected + tally.not_json + tally.panics,
            200
        );
        assert!(tally.panics > 0, "{tally}");
        let shown: Value = serde_json::from_str(tally.first_panic.as_deref().unwrap()).unwrap();
        assert!(shown.get("detail-type").is_none(), "{shown}");
        assert!(tally.not_json > 0, "{tally}");
    }
}
