//! What the function is asked to do, read leniently: the nightly schedule event (EventBridge
//! "Scheduled Event", or the scheduler's `{"action": "sweep"}` input) means a full sweep; Step Functions sends `plan`, one
//! `sweep` per shard with a `part` name, then `merge`.
//!
//! ```json
//! {"action": "sweep"}
//! {"action": "sweep", "shards": ["kms@us-east-1", {"service": "s3", "region": "global"}]}
//! {"action": "plan"}
//! {"action": "sweep", "run_id": "20260101T000000Z-ab12cd", "shards": ["kms@us-east-1"], "part": "kms@us-east-1"}
//! {"action": "merge", "run_id": "20260101T000000Z-ab12cd", "parts": ["kms@us-east-1", "iam@global"]}
//! ```

use serde_json::Value;

use crate::error::Error;
use crate::facts::{GLOBAL, Service, Shard};

/// A request read as the handler reads it before any AWS call, in words. Pure. The parser
/// fuzzing of the tests and the bench calls it from outside the crate.
pub fn read(payload: &Value) -> Result<String, Error> {
    Request::from_json(payload).map(|r| format!("{r:?}"))
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Request {
    /// Sweep `shards` (all when `None`). With `part`, store the result as that part of run
    /// `run_id` instead of sealing a bundle.
    Sweep {
        shards: Option<Vec<Shard>>,
        run_id: Option<String>,
        part: Option<String>,
    },
    /// List the shards and a run id for a Step Functions Map state.
    Plan,
    /// Seal the named parts of a run into one signed bundle.
    Merge { run_id: String, parts: Vec<String> },
}

fn shard(v: &Value) -> Result<Shard, String> {
    let (service, region) = match v {
        Value::String(s) => {
            let (svc, region) = s
                .split_once('@')
                .ok_or_else(|| format!("shard {s:?}: write service@region, e.g. kms@us-east-1"))?;
            (svc.to_owned(), region.to_owned())
        }
        Value::Object(o) => (
            o.get("service")
                .and_then(Value::as_str)
                .ok_or("a shard object needs \"service\"")?
                .to_owned(),
            o.get("region")
                .and_then(Value::as_str)
                .unwrap_or(GLOBAL)
                .to_owned(),
        ),
        other => {
            return Err(format!(
                "shard {other}: use \"service@region\" or {{\"service\", \"region\"}}"
            ));
        }
    };
    let service = Service::parse(&service).ok_or_else(|| {
        format!(
            "unknown service {service:?}; use one of {}",
            Service::names(", ")
        )
    })?;
    let region = if service.is_global() {
        GLOBAL.to_owned()
    } else {
        region
    };
    if region == GLOBAL && !service.is_global() {
        return Err(format!(
            "{service} is regional: name a Region (e.g. {service}@us-east-1)"
        ));
    }
    Ok(Shard { region, service })
}

fn string_or_strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

impl Request {
    pub(crate) fn from_json(v: &Value) -> Result<Request, Error> {
        let bad = |m: String| Error::BadRequest(m);
        let action = v.get("action").and_then(Value::as_str);
        // Only a schedule event may leave out the action: anything else without one is
        // refused rather than guessed at (a stray event must not start a full sweep).
        let scheduled = v.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
            || matches!(
                v.get("source").and_then(Value::as_str),
                Some("aws.events" | "aws.scheduler")
            );
        match action {
            None if !scheduled => Err(bad("no \"action\": send {\"action\": \"sweep\"} (or plan / merge), or a schedule event".into())),
            None | Some("sweep") => {
                let shards = match v.get("shards") {
                    None | Some(Value::Null) => None,
                    Some(Value::Array(items)) if !items.is_empty() => Some(
                        items
                            .iter()
                            .map(shard)
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(bad)?,
                    ),
                    Some(single @ (Value::String(_) | Value::Object(_))) => {
                        Some(vec![shard(single).map_err(bad)?])
                    }
                    Some(_) => {
                        return Err(bad(
                            "shards must be a non-empty list of \"service@region\" strings".into(),
                        ));
                    }
                };
                let part = v.get("part").and_then(Value::as_str).map(str::to_owned);
                let run_id = v.get("run_id").and_then(Value::as_str).map(str::to_owned);
                if part.is_some() && run_id.is_none() {
                    return Err(bad(
                        "a part needs the run_id it belongs to (from the plan step)".into(),
                    ));
                }
                Ok(Request::Sweep {
                    shards,
                    run_id,
                    part,
                })
            }
            Some("plan") => Ok(Request::Plan),
            Some("merge") => {
                let run_id = v
                    .get("run_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("merge needs run_id".into()))?
                    .to_owned();
                let parts = string_or_strings(v.get("parts"));
                if parts.is_empty() {
                    return Err(bad(
                        "merge needs parts: the part names the Map iterations wrote".into(),
                    ));
                }
                Ok(Request::Merge { run_id, parts })
            }
            Some(other) => Err(bad(format!(
                "unknown action {other:?}; use sweep, plan or merge"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vigil_tests::events;

    fn load(case: &str) -> Value {
        events::load("compliance-sweep", case, &[])
    }

    #[test]
    fn schedule_event_is_a_full_sweep() {
        assert_eq!(
            Request::from_json(&load("schedule")).unwrap(),
            Request::Sweep {
                shards: None,
                run_id: None,
                part: None
            }
        );
    }

    #[test]
    fn shards_parts_and_merge_from_event_files() {
        let Request::Sweep {
            shards,
            run_id,
            part,
        } = Request::from_json(&load("shard")).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            shards.unwrap(),
            vec![
                Shard::new("us-east-1", Service::Kms),
                Shard::new(GLOBAL, Service::Iam)
            ]
        );
        assert!(run_id.is_none() && part.is_none());
        assert_eq!(Request::from_json(&load("plan")).unwrap(), Request::Plan);
        let Request::Merge { parts, .. } = Request::from_json(&load("merge")).unwrap() else {
            panic!()
        };
        assert_eq!(parts.len(), 2);
    }

    #[test]
    fn bad_requests_say_what_to_write() {
        for (v, needle) in [
            (
                json!({"action": "sweep", "shards": ["kms"]}),
                "service@region",
            ),
            (
                json!({"action": "sweep", "shards": ["ec3@us-east-1"]}),
                "unknown service",
            ),
            (
                json!({"action": "sweep", "shards": [{"service": "kms"}]}),
                "regional",
            ),
            (json!({"action": "sweep", "part": "x"}), "run_id"),
            (json!({"action": "merge", "run_id": "r"}), "parts"),
            (json!({"action": "nuke"}), "unknown action"),
            (json!({}), "no \"action\""),
        ] {
            let e = Request::from_json(&v).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
