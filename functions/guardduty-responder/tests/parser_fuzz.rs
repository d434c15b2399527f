//! Property tests: no JSON, however odd, makes the finding parser or the playbook panic.
//! Arbitrary documents, and real events with one field replaced by arbitrary JSON (which gets
//! far deeper into the parser than random documents do).

use std::sync::LazyLock;

use guardduty_responder::config::{Mode, ResponseSettings};
use guardduty_responder::playbook::{Scope, decide};
use proptest::prelude::*;
use serde_json::{Map, Value};
use vigil::events::guardduty::FindingEvent;

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("2024-06-01T11:58:47.000Z"),
            Just("ACTOR"),
            Just("TARGET"),
            Just("AKIAIOSFODNN7EXAMPLE"),
            Just("PUBLIC"),
            Just("198.51.100.7"),
            Just("Backdoor:EC2/X.Y!Z"),
            Just(""),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z]{1,10}", inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The event files, read and parsed once for every case.
static EVENTS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/guardduty-responder"
    );
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("events dir") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        out.push(serde_json::from_str(&text).unwrap());
    }
    out.sort_by_key(|v: &Value| v.to_string());
    out
});

/// Every JSON pointer inside `value`.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

fn settings() -> [ResponseSettings; 2] {
    [
        ResponseSettings::default(),
        ResponseSettings {
            mode: Mode::Contain,
            allow_list: vec!["198.51.100.0/24".parse().unwrap()],
            protected_principals: vec!["*admin*".into()],
            ..ResponseSettings::default()
        },
    ]
}

fn check(value: Value) {
    if let Ok(event) = FindingEvent::from_value(value) {
        let scope = Scope {
            own_account: "123456789012".into(),
            own_role: Some("vigil-responder".into()),
            member_role: Some("vigil-member".into()),
            own_principals: vec!["arn:aws:iam::*:role/vigil-*".into()],
        };
        for s in settings() {
            let decision = decide(&event.finding, &s, &scope);
            assert!(decision.planned.iter().all(|p| !p.reason.is_empty()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_documents_never_panic(value in arbitrary_json()) {
        check(value);
    }

    #[test]
    fn arbitrary_envelopes_never_panic(detail in arbitrary_json()) {
        let mut event = serde_json::json!({"source": "aws.guardduty", "detail-type": "GuardDuty Finding"});
        event["detail"] = detail;
        check(event);
    }

    #[test]
    fn real_events_with_one_field_replaced_never_panic(
        which in any::<prop::sample::Index>(),
        field in any::<prop::sample::Index>(),
        replacement in arbitrary_json(),
    ) {
        let mut event = which.get(&EVENTS).clone();
        let mut paths = Vec::new();
        pointers(&event, String::new(), &mut paths);
        let path = field.get(&paths).clone();
        *event.pointer_mut(&path).unwrap() = replacement;
        check(event);
    }
}
