//! Every sample event in events/secret-rotation/ parses as its name says: `invalid-*` files
//! fail with a clear error, all others are valid rotation events.

use secret_rotation::event::{RotationEvent, Step};
use vigil_tests::events;

const FUNCTION: &str = "secret-rotation";

#[test]
fn sample_events_parse_or_fail_as_named() {
    let dir = events::path(FUNCTION, "postgres-create");
    let dir = dir.parent().expect("events dir");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("events dir") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let parsed = RotationEvent::from_json(events::load(FUNCTION, &name, &[]));
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
