//! Drill receipts against the emulator: a sample finding of a type detector-guard's drill under
//! way asked for leaves a receipt in the shared state store, after its alert (with the SNS
//! message id, or the error when publishing failed); nothing for a type not asked for, a
//! settled drill, or without a state store; a replay leaves the receipt as it was; a state
//! store that cannot be read loses neither the alert nor the answer. The sample is never acted
//! on in any case.

mod rig;

use chrono::{Duration, Utc};
use guardduty_responder::actions::drill::ReceiptOutcome;
use guardduty_responder::config::ResponseSettings;
use rig::{Rig, config, contain, event};
use serde_json::{Value, json};
use vigil::state::Store;
use vigil::state::drill::{ACTIVE_KEY, Active, AlertResult, Receipt, receipt_key};

const PREFIX: &str = "/vigil-test/state";
const SAMPLE: &str = "sample-iam-maliciousipcaller";
const TYPE: &str = "Recon:IAMUser/MaliciousIPCaller.Custom";
const DRILL: &str = "drill-20261203T000000Z-0001";

fn store(rig: &Rig) -> Store {
    Store::new(rig.ssm.clone(), PREFIX)
}

/// Starts a drill asking for `types` (as detector-guard does before it asks for samples).
async fn drill_under_way(rig: &Rig, types: &[&str], settled: bool) {
    let now = Utc::now();
    let active = Active {
        id: DRILL.into(),
        types: types.iter().map(|t| t.to_string()).collect(),
        region: "us-east-1".into(),
        sent_at: now,
        deadline: now + Duration::minutes(30),
        detector_id: "det".into(),
        route: "rule guardduty-findings -> responder".into(),
        settled,
    };
    store(rig)
        .put(ACTIVE_KEY, &active, now, Duration::days(1))
        .await
        .unwrap();
}

async fn receipt(rig: &Rig, finding_type: &str) -> Option<Receipt> {
    store(rig)
        .get(&receipt_key(DRILL, finding_type), Utc::now())
        .await
        .unwrap()
}

/// The responder with the shared state store, alerting to `topic` (the rig's by default).
fn deps(rig: &Rig, settings: ResponseSettings, topic: Option<&str>) -> guardduty_responder::Deps {
    let mut c = config(settings, topic.unwrap_or(&rig.topic_arn), "VigilTest");
    c.state_prefix = Some(PREFIX.into());
    rig.deps_with(c)
}

fn sample(edits: &[(&str, Value)]) -> Value {
    event(SAMPLE, edits)
}

#[tokio::test]
async fn a_sample_the_drill_asked_for_leaves_a_receipt_with_the_alert_id() {
    let rig = Rig::new().await;
    drill_under_way(&rig, &[TYPE, "Backdoor:EC2/C&CActivity.B!DNS"], false).await;
    let e = sample(&[]);
    let finding_id = e["detail"]["id"].as_str().unwrap().to_owned();
    let before = Utc::now();
    let report = rig.handle(&deps(&rig, contain(), None), e).await.unwrap();

    assert!(
        report.held.as_deref().unwrap().contains("sample"),
        "never acted on"
    );
    let message_id = report.alert_message_id.clone().expect("alert published");
    let r = receipt(&rig, TYPE).await.expect("receipt filed");
    assert_eq!(r.drill_id, DRILL);
    assert_eq!(r.finding_id, finding_id);
    assert_eq!(r.finding_type, TYPE);
    assert!(r.received_at >= before);
    assert_eq!(
        r.alert,
        AlertResult::Sent {
            message_id: message_id.clone()
        }
    );
    let published = rig.alerts();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["MessageId"], json!(message_id));
    assert_eq!(
        report.drill_receipt,
        Some(ReceiptOutcome::Filed {
            drill_id: DRILL.into(),
            parameter: store(&rig).parameter_name(&receipt_key(DRILL, TYPE)),
        })
    );
    assert_eq!(
        receipt(&rig, "Backdoor:EC2/C&CActivity.B!DNS").await,
        None,
        "only the type that arrived"
    );
}

#[tokio::test]
async fn no_receipt_for_a_type_not_asked_for_a_settled_drill_or_without_a_store() {
    let rig = Rig::new().await;
    drill_under_way(&rig, &["Backdoor:EC2/C&CActivity.B!DNS"], false).await;
    let report = rig
        .handle(&deps(&rig, contain(), None), sample(&[]))
        .await
        .unwrap();
    assert_eq!(
        report.drill_receipt, None,
        "a type the drill did not ask for"
    );
    assert_eq!(receipt(&rig, TYPE).await, None);

    drill_under_way(&rig, &[TYPE], true).await;
    let report = rig
        .handle(&deps(&rig, contain(), None), sample(&[]))
        .await
        .unwrap();
    assert_eq!(report.drill_receipt, None, "a settled drill");
    assert_eq!(receipt(&rig, TYPE).await, None);

    drill_under_way(&rig, &[TYPE], false).await;
    let report = rig.handle(&rig.deps(contain()), sample(&[])).await.unwrap();
    assert_eq!(
        report.drill_receipt, None,
        "no state store: no receipt, no error"
    );
    assert_eq!(receipt(&rig, TYPE).await, None);
    assert!(report.alert_message_id.is_some());

    // A real finding of a drilled type proves nothing about the drill (alert-only: the
    // finding's example principal does not exist here).
    let report = rig
        .handle(
            &deps(&rig, ResponseSettings::default(), None),
            sample(&[("/detail/service/additionalInfo/sample", json!(false))]),
        )
        .await
        .unwrap();
    assert_eq!(report.drill_receipt, None, "not a sample");
    assert_eq!(receipt(&rig, TYPE).await, None);
}

#[tokio::test]
async fn an_alert_that_fails_is_in_the_receipt() {
    let rig = Rig::new().await;
    drill_under_way(&rig, &[TYPE], false).await;
    let missing = format!("arn:aws:sns:us-east-1:{}:no-such-topic", rig.account);
    let report = rig
        .handle(&deps(&rig, contain(), Some(&missing)), sample(&[]))
        .await
        .unwrap();
    let error = report.alert_error.clone().expect("the alert failed");
    let r = receipt(&rig, TYPE)
        .await
        .expect("receipt filed all the same");
    assert_eq!(r.alert, AlertResult::Failed { error });
    assert!(matches!(
        report.drill_receipt,
        Some(ReceiptOutcome::Filed { .. })
    ));
}

#[tokio::test]
async fn a_replayed_sample_leaves_the_receipt_unchanged() {
    let rig = Rig::new().await;
    drill_under_way(&rig, &[TYPE], false).await;
    let d = deps(&rig, contain(), None);
    rig.handle(&d, sample(&[])).await.unwrap();
    let first = receipt(&rig, TYPE).await.unwrap();
    let parameter = store(&rig).parameter_name(&receipt_key(DRILL, TYPE));
    let version = |rig: &Rig| {
        let ssm = rig.ssm.clone();
        let name = parameter.clone();
        async move {
            ssm.get_parameter()
                .name(name)
                .send()
                .await
                .unwrap()
                .parameter
                .unwrap()
                .version
        }
    };
    let written = version(&rig).await;

    let report = rig.handle(&d, sample(&[])).await.unwrap();
    assert_eq!(
        report.drill_receipt,
        Some(ReceiptOutcome::AlreadyFiled {
            drill_id: DRILL.into(),
            parameter: parameter.clone(),
        })
    );
    assert_eq!(receipt(&rig, TYPE).await.unwrap(), first);
    assert_eq!(version(&rig).await, written, "not written again");
    assert_eq!(rig.alerts().len(), 2, "each delivery is still alerted");
}

#[tokio::test]
async fn a_state_store_that_cannot_be_read_loses_neither_the_alert_nor_the_answer() {
    let rig = Rig::new().await;
    drill_under_way(&rig, &[TYPE], false).await;
    vigil_tests::harness::harness()
        .moto
        .deny(&rig.account, &["ssm:GetParameter"]);
    let report = rig
        .handle(&deps(&rig, contain(), None), sample(&[]))
        .await
        .expect("the answer is not lost");
    assert!(report.alert_message_id.is_some(), "the alert went out");
    assert_eq!(rig.alerts().len(), 1);
    match &report.drill_receipt {
        Some(ReceiptOutcome::Failed { error }) => {
            assert!(error.contains("ssm:GetParameter"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        report
            .actions
            .iter()
            .all(|a| a.status != guardduty_responder::actions::Status::Done)
    );
}
