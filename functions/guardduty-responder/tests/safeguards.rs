//! Safeguards against the emulator: each case must leave every resource as it was and still
//! say what it saw; bad events and bad configuration fail clearly.

mod rig;

use guardduty_responder::actions::Status;
use guardduty_responder::config::{Mode, ResponseSettings};
use guardduty_responder::{Config, Error};
use rig::{INSTANCE_ID, Rig, contain, event};
use serde_json::{Value, json};
use vigil::config::ConfigError;
use vigil::error::Cause;

/// Handles `e` with `settings` on a seeded instance and checks nothing about it changed.
async fn changes_nothing(case: &str, settings: ResponseSettings, edits: &[(&str, Value)]) {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let mut all = vec![(INSTANCE_ID, json!(seeded.instance))];
    all.extend(edits.iter().cloned());
    let e = event(case, &all);
    let finding_id = e["detail"]["id"].as_str().unwrap().to_owned();
    let before = rig.ec2_state(&seeded, &finding_id).await;
    let deps = rig.deps(settings);
    let report = rig
        .handle(&deps, e)
        .await
        .unwrap_or_else(|err| panic!("{case}: {err}"));
    assert_eq!(
        rig.ec2_state(&seeded, &finding_id).await,
        before,
        "{case} changed something: {:#?}",
        report.actions
    );
    assert!(
        report
            .actions
            .iter()
            .all(|o| matches!(o.status, Status::Skipped | Status::WouldDo)),
        "{case}: {:#?}",
        report.actions
    );
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1, "{case}: one alert");
    assert_ne!(alerts[0]["MessageAttributes"]["outcome"]["Value"], "acted");
}

#[tokio::test]
async fn sample_findings_are_never_acted_on() {
    changes_nothing(
        "sample-ec2-ssh-bruteforce",
        contain(),
        &[("/detail/severity", json!(8))],
    )
    .await;
}

#[tokio::test]
async fn archived_findings_are_never_acted_on() {
    changes_nothing("archived", contain(), &[]).await;
}

#[tokio::test]
async fn exempt_resources_get_an_alert_only() {
    changes_nothing("exempt-tag", contain(), &[]).await;
}

#[tokio::test]
async fn exempt_tag_on_the_live_instance_is_honoured_too() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    rig.ec2
        .create_tags()
        .resources(&seeded.instance)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("vigil:exempt")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let e = event("ec2-compromised", &[(INSTANCE_ID, json!(seeded.instance))]);
    let finding_id = e["detail"]["id"].as_str().unwrap().to_owned();
    let before = rig.ec2_state(&seeded, &finding_id).await;
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert!(
        report
            .actions
            .iter()
            .all(|o| o.status == Status::Skipped && o.detail.contains("exempt")),
        "{:#?}",
        report.actions
    );
    assert_eq!(rig.ec2_state(&seeded, &finding_id).await, before);
}

#[tokio::test]
async fn allow_listed_addresses_are_never_blocked() {
    let settings = ResponseSettings {
        allow_list: vec!["192.0.2.0/24".parse().unwrap()],
        ..contain()
    };
    changes_nothing("allow-listed-ip", settings, &[]).await;
}

#[tokio::test]
async fn findings_below_the_gate_get_an_alert_only() {
    changes_nothing("below-gate", contain(), &[]).await;
}

#[tokio::test]
async fn alert_only_mode_changes_nothing() {
    let settings = ResponseSettings {
        mode: Mode::AlertOnly,
        ..ResponseSettings::default()
    };
    changes_nothing("ec2-compromised", settings, &[]).await;
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let settings = ResponseSettings {
        dry_run: true,
        ..contain()
    };
    changes_nothing("ec2-bruteforce-target", settings.clone(), &[]).await;
    changes_nothing("ec2-compromised", settings, &[]).await;
}

#[tokio::test]
async fn sample_iam_finding_leaves_the_key_alone() {
    let rig = Rig::new().await;
    let key = rig.seed_user_with_key("GeneratedFindingUserName").await;
    let e = event(
        "sample-iam-maliciousipcaller",
        &[
            ("/detail/resource/accessKeyDetails/accessKeyId", json!(key)),
            ("/detail/severity", json!(9)),
        ],
    );
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert!(report.held.as_deref().unwrap().contains("sample"));
    assert_eq!(rig.key_status("GeneratedFindingUserName").await, "Active");
    assert!(
        rig.user_policies("GeneratedFindingUserName")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn malformed_and_foreign_events_fail_clearly() {
    let rig = Rig::new().await;
    let deps = rig.deps(contain());
    for (case, expected_cause, expected_text) in [
        ("invalid-foreign-event", "ForeignEvent", "Scheduled Event"),
        ("invalid-malformed", "MalformedEvent", "detail"),
    ] {
        let err = rig.handle(&deps, event(case, &[])).await.unwrap_err();
        assert_eq!(err.cause(), expected_cause, "{case}: {err}");
        assert!(!err.retryable(), "{case}: a retry cannot fix an event");
        assert!(err.to_string().contains(expected_text), "{case}: {err}");
    }
    let err = rig.handle(&deps, json!(null)).await.unwrap_err();
    assert!(matches!(err, Error::Event(_)), "{err}");
    // Nothing is alerted about as a finding; each failed invocation sends its one failure
    // alert, High because a retry cannot fix an event.
    let alerts = rig.alerts();
    assert!(
        alerts
            .iter()
            .all(|a| a["MessageAttributes"]["family"].is_null()),
        "nothing to alert about a non-finding: {alerts:#?}"
    );
    let causes: Vec<(&Value, &Value)> = alerts
        .iter()
        .map(|a| {
            let attributes = &a["MessageAttributes"];
            (
                &attributes["severity"]["Value"],
                &attributes["cause"]["Value"],
            )
        })
        .collect();
    assert_eq!(
        causes,
        [
            (&json!("HIGH"), &json!("ForeignEvent")),
            (&json!("HIGH"), &json!("MalformedEvent")),
            (&json!("HIGH"), &json!("MalformedEvent")),
        ],
        "one failure alert per failed invocation"
    );
}

#[tokio::test]
async fn configuration_comes_from_parameter_store_and_bad_values_stop_the_start() {
    let rig = Rig::new().await;
    let put = |name: &'static str, value: &'static str| {
        rig.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
    };
    put(
        "/vigil/guardduty/good",
        r#"{"mode": "contain", "allowList": ["192.0.2.0/24"]}"#,
    )
    .await
    .unwrap();
    put(
        "/vigil/guardduty/bad",
        r#"{"mode": "contain", "gates": {"isolate-instance": 12}}"#,
    )
    .await
    .unwrap();

    let good: ResponseSettings = ResponseSettings::load(&rig.sdk, Some("/vigil/guardduty/good"))
        .await
        .unwrap();
    assert_eq!(good.mode, Mode::Contain);
    assert_eq!(good.allow_list.len(), 1);
    let config = Config::load(
        &rig.sdk,
        vigil::config::lookup_in(&[("VIGIL_GUARDDUTY_CONFIG_PARAMETER", "/vigil/guardduty/good")]),
    )
    .await
    .unwrap();
    assert_eq!(
        config.response, good,
        "the function reads the parameter its environment names"
    );

    let defaults: ResponseSettings = ResponseSettings::load(&rig.sdk, None).await.unwrap();
    assert_eq!(defaults, ResponseSettings::default());

    let bad = ResponseSettings::load(&rig.sdk, Some("/vigil/guardduty/bad"))
        .await
        .unwrap_err();
    assert!(matches!(bad, ConfigError::Invalid { .. }), "{bad}");
    assert!(bad.to_string().contains("gates.isolate-instance"), "{bad}");

    let missing = ResponseSettings::load(&rig.sdk, Some("/vigil/guardduty/none"))
        .await
        .unwrap_err();
    assert!(matches!(missing, ConfigError::Missing { .. }), "{missing}");
}

#[tokio::test]
async fn a_finding_without_a_service_block_is_not_contained() {
    changes_nothing("no-service-block", contain(), &[]).await;
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let e = event("no-service-block", &[(INSTANCE_ID, json!(seeded.instance))]);
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    let held = report.held.unwrap();
    assert!(
        held.contains("cannot be read") && held.contains("no service block"),
        "{held}"
    );
}

/// A port probe from 6,000 addresses: about 1 MB of finding.
fn huge_port_probe(instance: &str) -> Value {
    let details: Vec<Value> = (0..6_000)
        .map(|i| {
            json!({
                "localPortDetails": {"port": 22, "portName": "SSH"},
                "remoteIpDetails": {
                    "ipAddressV4": format!("198.{}.{}.{}", 18 + i / 65_536, (i / 256) % 256, i % 256),
                    "organization": {"asn": "64500", "asnOrg": "Example Hosting Incorporated", "isp": "Example Hosting", "org": "Example Hosting"},
                    "country": {"countryName": "Exampleland"},
                    "city": {"cityName": "Example City"},
                    "geoLocation": {"lat": 1.5, "lon": 2.5}
                }
            })
        })
        .collect();
    event(
        "ec2-portprobe",
        &[
            (INSTANCE_ID, json!(instance)),
            (
                "/detail/service/action/portProbeAction/portProbeDetails",
                Value::Array(details),
            ),
        ],
    )
}

#[tokio::test]
async fn a_one_megabyte_finding_still_gets_its_alert() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let e = huge_port_probe(&seeded.instance);
    assert!(
        e.to_string().len() > 1_000_000,
        "{} bytes",
        e.to_string().len()
    );
    let before = rig.acl_entries(&seeded.subnets[0]).await;
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert_eq!(report.alert_error, None);
    assert!(report.alert_message_id.is_some(), "published");
    assert_eq!(report.actions[0].status, Status::Skipped);
    assert!(
        report.actions[0].detail.contains("6000 remote addresses"),
        "{}",
        report.actions[0].detail
    );
    assert_eq!(
        rig.acl_entries(&seeded.subnets[0]).await,
        before,
        "no partial block"
    );
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    let message = alerts[0]["Message"].as_str().unwrap();
    assert!(message.len() <= 200_000, "{} bytes", message.len());
    assert!(alerts[0]["Subject"].as_str().unwrap().len() <= 100);
    assert!(
        message.contains("6000 remote addresses"),
        "the count: {message}"
    );
}

#[tokio::test]
async fn an_alert_that_cannot_be_published_never_loses_the_containment() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let mut config = rig::config(contain(), &rig.topic_arn, "VigilTest");
    config.common.alert_topic_arn = Some(format!(
        "arn:aws:sns:us-east-1:{}:no-such-topic",
        rig.account
    ));
    let deps = rig.deps_with(config);
    let e = event("ec2-compromised", &[(INSTANCE_ID, json!(seeded.instance))]);
    let report = rig
        .handle(&deps, e)
        .await
        .expect("the containment is the result, alert or not");
    assert!(
        report.actions.iter().all(|o| o.status == Status::Done),
        "{:#?}",
        report.actions
    );
    assert!(
        report
            .alert_error
            .as_deref()
            .unwrap()
            .contains("sns:Publish")
    );
    assert_eq!(report.alert_message_id, None);
    assert_ne!(
        rig.interface_groups(&seeded.instance).await[0],
        vec![seeded.web_group.clone()],
        "isolated"
    );
}

#[tokio::test]
async fn an_ipv4_mapped_ipv6_address_inside_the_allow_list_is_never_blocked() {
    let settings = ResponseSettings {
        allow_list: vec!["203.0.113.0/24".parse().unwrap()],
        ..contain()
    };
    changes_nothing(
        "ec2-bruteforce-target",
        settings,
        &[(
            "/detail/service/action/networkConnectionAction/remoteIpDetails",
            json!({"ipAddressV6": "::ffff:203.0.113.7"}),
        )],
    )
    .await;
}
