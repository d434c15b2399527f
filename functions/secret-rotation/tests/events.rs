//! Every sample event in events/secret-rotation/ parses as its name says: `invalid-*` files
//! fail with a clear error, all others are valid rotation events.

use secret_rotation::event::{RotationEvent, Step};

#[test]
fn sample_events_parse_or_fail_as_named() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/secret-rotation");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("events dir") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let parsed = RotationEvent::from_json(json);
        if name.starts_with("invalid-") {
            let err = parsed.expect_err(&name).to_string();
            assert!(err.starts_with("malformed rotation event"), "{name}: {err}");
        } else {
            let event = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
            let step = name.rsplit('-').next().unwrap().trim_end_matches(".json");
            match step {
                "create" => assert_eq!(event.step, Step::Create),
                "set" => assert_eq!(event.step, Step::Set),
                "test" => assert_eq!(event.step, Step::Test),
                "finish" => assert_eq!(event.step, Step::Finish),
                _ => assert_eq!(
                    event.rotation_token.as_deref(),
                    Some("d8e0a1b2-5c6d-4e7f-8091-a2b3c4d5e6f7")
                ),
            }
        }
        seen += 1;
    }
    assert!(seen >= 12, "only {seen} sample events");
}
