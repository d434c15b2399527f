//! Property test: no input generated from the events of `events/cloudtrail-delivery/` (truncated,
//! mutated, wrong types, huge strings, deep nesting, unicode; `vigil_tests::fuzz`) makes the
//! event parser panic, and the generated inputs reach both its answers. The bench
//! (`make bench`) runs a million.

#[test]
fn generated_events_never_panic_the_parser() {
    let tally = vigil_tests::fuzz::run(
        &vigil_tests::fuzz::events("cloudtrail-delivery"),
        3_000,
        7,
        cloudtrail_delivery::read_event,
    );
    assert_eq!(
        tally.panics, 0,
        "{tally}; the first input that panicked: {:?}",
        tally.first_panic
    );
    assert!(tally.read > 0 && tally.rejected > 0, "{tally}");
}
