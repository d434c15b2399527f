//! Chapter: GuardDuty kept on and proven. A healthy GuardDuty (a detector on the foundational
//! sources, a findings export to a bucket and key the stack owns, a rule routing High findings
//! to the responder) is switched off and blinded: the detector is suspended and a suppression
//! rule archives every High finding. detector-guard gets the UpdateDetector event
//! (`events/detector-guard/update-detector-disabled.json`), enables the detector, reads back,
//! and alerts with the suppression rule and the commands that stop it (it never deletes one).
//! A person runs the command; then a drill (`events/detector-guard/drill.json`) asks GuardDuty
//! for sample findings, the responder receives each, and the next scheduled check
//! (`schedule.json`) settles the drill and leaves its signed record in the evidence bucket,
//! where the compliance sweep reads it.
//!
//! The chapter runs after the sweep's, which creates the evidence bucket and signing key the
//! record needs (`events/demo.env`); the guard's own settings are in
//! `events/detector-guard/demo.env` (one Region, the state prefix, a drill invocation that
//! does not wait). Emulator seams, as in the guard's tests: EventBridge cannot invoke a Lambda
//! here, so the routing rule targets an SQS queue standing in for the responder's function and
//! the chapter relays each sample finding from it to guardduty-responder under cargo lambda,
//! which files its drill receipt itself (it gets `VIGIL_STATE_PREFIX` from
//! `events/detector-guard/demo.env`, as every function does under cargo lambda watch).

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::{Value, json};
use vigil::events::guardduty::FindingEvent;
use vigil::evidence::kms::Signer;
use vigil::state::Store;
use vigil::state::drill::{ACTIVE_KEY, Active, Pointer, Receipt, receipt_key};

use super::{ACCOUNT, Demo, bad, good, heading, say};

const REGION: &str = "us-east-1";
/// The stack name of events/demo.env: what the guard counts as owned.
const STACK: &str = "vigil-demo";
const FINDINGS_BUCKET: &str = "vigil-guardduty-findings-123456789012";
/// The suppression rule of `create-filter-archive.json`.
const FILTER: &str = "hide-high-findings";
const RULE: &str = "vigil-demo-guardduty-findings";
const QUEUE: &str = "vigil-demo-responder-inbox";
/// `VIGIL_STATE_PREFIX` in events/detector-guard/demo.env.
const STATE_PREFIX: &str = "/vigil-demo/state";
/// The evidence bucket and signing key of events/demo.env (made by the sweep's chapter).
const EVIDENCE_BUCKET: &str = "vigil-demo-evidence-123456789012";
const EVIDENCE_KEY: &str = "alias/vigil-demo-evidence-signing";
const DRILLS: &str = "detector-guard/drills/";
/// Every protection plan, named DISABLED: the foundational sources only, as the template's
/// default `GuardDutyRequiredPlans` asks (unnamed plans default to ENABLED).
const PLANS: [&str; 7] = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
];

struct Clients {
    gd: aws_sdk_guardduty::Client,
    s3: aws_sdk_s3::Client,
    kms: aws_sdk_kms::Client,
    events: aws_sdk_eventbridge::Client,
    sqs: aws_sdk_sqs::Client,
}

pub async fn run(demo: &Demo) -> Result<(), String> {
    heading("GuardDuty kept on: switched off and blinded, repaired, then proven by a drill");
    demo.warm_up("detector-guard")?;
    let c = Clients {
        gd: aws_sdk_guardduty::Client::new(&demo.sdk),
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&demo.sdk)
                .force_path_style(vigil::aws::s3_path_style(&demo.sdk))
                .build(),
        ),
        kms: aws_sdk_kms::Client::new(&demo.sdk),
        events: aws_sdk_eventbridge::Client::new(&demo.sdk),
        sqs: aws_sdk_sqs::Client::new(&demo.sdk),
    };
    let detector = seed(&c).await?;
    let queue = route_findings(&c).await?;
    let quiet = demo.invoke("detector-guard", "events/detector-guard/schedule.json")?;
    say(&format!(
        "Scheduled check of the healthy account: {} Region(s) checked, {} healthy, {} alert(s)",
        quiet["regions_checked"], quiet["regions_healthy"], quiet["alerts_sent"]
    ));

    // What goes wrong.
    c.gd.create_filter()
        .detector_id(&detector)
        .name(FILTER)
        .action(aws_sdk_guardduty::types::FilterAction::Archive)
        .rank(1)
        .finding_criteria(
            aws_sdk_guardduty::types::FindingCriteria::builder()
                .criterion(
                    "severity",
                    aws_sdk_guardduty::types::Condition::builder()
                        .greater_than_or_equal(7)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("create the suppression rule: {e:?}"))?;
    c.gd.update_detector()
        .detector_id(&detector)
        .enable(false)
        .send()
        .await
        .map_err(|e| format!("suspend the detector: {e:?}"))?;
    bad(&format!(
        "Someone created suppression rule {FILTER} (ARCHIVE every finding of severity 7 or more) and suspended detector {detector}: no finding reaches anyone"
    ));

    say("The UpdateDetector API call reaches the guard (EventBridge rule in template.yaml):");
    let answer = demo.invoke(
        "detector-guard",
        "events/detector-guard/update-detector-disabled.json",
    )?;
    let Some(region) = answer["regions"].as_array().and_then(|r| r.first()) else {
        return Err(format!("detector-guard reported no Region: {answer}"));
    };
    let mut steps = Vec::new();
    for (i, cause) in region["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        say(&format!(
            "  {}. [{}] {} ({})",
            i + 1,
            text(&cause["severity"]),
            text(&cause["summary"]),
            text(&cause["status"])
        ));
        for repair in cause["repairs"].as_array().into_iter().flatten() {
            let line = format!(
                "       repair: {} - {}: {}",
                text(&repair["action"]),
                text(&repair["status"]),
                text(&repair["detail"])
            );
            if repair["status"] == "done" {
                good(&line)
            } else {
                bad(&line)
            }
        }
        if cause["kind"] == "SuppressionRule" {
            for step in cause["steps"].as_array().into_iter().flatten() {
                say(&format!("       you must: {}", text(step)));
                steps.push(text(step));
            }
        }
    }
    say(&format!("Verdict: {}", text(&region["verdict"])));
    let enabled =
        c.gd.get_detector()
            .detector_id(&detector)
            .send()
            .await
            .map_err(|e| format!("get detector: {e:?}"))?
            .status
            .is_some_and(|s| s.as_str() == "ENABLED");
    if !enabled {
        bad("The detector is still suspended");
        return Err("detector-guard did not enable the detector".into());
    }
    good("The detector is enabled again (read back by the guard and here)");
    if steps.is_empty() {
        return Err(format!(
            "detector-guard did not report the suppression rule: {answer}"
        ));
    }
    for alert in demo
        .h
        .moto
        .published_sns_messages(ACCOUNT)
        .iter()
        .filter(|m| text(&m["Subject"]).contains("GuardDuty us-east-1"))
    {
        good(&format!("Alert sent to SNS: {}", text(&alert["Subject"])));
    }

    // A person follows the alert: the rule stops archiving (the guard never deletes one).
    let Some(noop) = steps.iter().find(|s| s.contains("--action NOOP")) else {
        return Err(format!("no update-filter step in {steps:?}"));
    };
    c.gd.update_filter()
        .detector_id(&detector)
        .filter_name(FILTER)
        .action(aws_sdk_guardduty::types::FilterAction::Noop)
        .send()
        .await
        .map_err(|e| format!("update the suppression rule: {e:?}"))?;
    say(&format!(
        "A person runs the alert's step: {}",
        noop.split_once(": ").map_or(noop.as_str(), |(_, cmd)| cmd)
    ));

    drill(demo, &c, &queue).await
}

/// A drill: samples asked for, each relayed to the responder, the drill settled by the next
/// scheduled check, and its signed record shown.
async fn drill(demo: &Demo, c: &Clients, queue: &str) -> Result<(), String> {
    say("The drill schedule fires ({\"action\": \"drill\"}):");
    let started = demo.invoke("detector-guard", "events/detector-guard/drill.json")?;
    let report = &started["drill"];
    say(&format!(
        "  drill {}: {} - {}",
        text(&report["id"]),
        text(&report["status"]),
        text(&report["detail"])
    ));
    if report["status"] != "pending" {
        return Err(format!("the drill did not start: {started}"));
    }

    let relayed = relay(demo, c, queue).await?;
    say(&format!(
        "  {relayed} sample finding(s) travelled GuardDuty -> EventBridge -> the responder, which filed its drill receipts"
    ));

    let settled = demo.invoke("detector-guard", "events/detector-guard/schedule.json")?;
    let report = &settled["drill"];
    let legs: Vec<String> = report["legs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "{} ({:.1} s)",
                text(&l["finding_type"]),
                l["latency_seconds"].as_f64().unwrap_or(f64::NAN)
            )
        })
        .collect();
    let line = format!(
        "The next scheduled check settles drill {}: {} - {}",
        text(&report["id"]),
        text(&report["status"]),
        legs.join(", ")
    );
    if report["status"] == "passed" {
        good(&line)
    } else {
        bad(&line);
        return Err(format!("the drill did not pass: {settled}"));
    }
    say(&format!(
        "  the same check: {} Region(s), {} healthy, {} alert(s)",
        settled["regions_checked"], settled["regions_healthy"], settled["alerts_sent"]
    ));
    show_record(c).await?;
    swept(demo, c).await
}

/// The compliance sweep once more, now that a drill has passed: its GD-05 reads the record.
async fn swept(demo: &Demo, c: &Clients) -> Result<(), String> {
    say("Invoking compliance-sweep again (events/compliance-sweep/demo.json) ...");
    let answer = demo.invoke("compliance-sweep", "events/compliance-sweep/demo.json")?;
    let location = answer["location"]
        .as_str()
        .and_then(|l| l.strip_prefix(&format!("s3://{EVIDENCE_BUCKET}/")))
        .ok_or_else(|| format!("no evidence location in {EVIDENCE_BUCKET}: {answer}"))?;
    let summary: Value = serde_json::from_slice(
        &object(
            c,
            &format!("{}/summary.json", location.trim_end_matches('/')),
        )
        .await?,
    )
    .map_err(|e| format!("summary.json: {e}"))?;
    let check = summary["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|check| check["id"] == "GD-05")
        .ok_or("summary.json has no GD-05")?;
    let line = format!(
        "sweep {}: GD-05 {} is {}",
        text(&answer["run_id"]),
        text(&check["title"]),
        text(&check["status"])
    );
    if check["status"] == "PASS" {
        good(&line);
        Ok(())
    } else {
        bad(&line);
        Err(format!("GD-05 did not pass after a passed drill: {check}"))
    }
}

/// Plays EventBridge's delivery to the responder function: each sample finding waiting in the
/// stand-in queue goes to guardduty-responder under cargo lambda, which holds it (never acts on
/// a sample), alerts, and files its receipt for the drill under way. Fails, naming the finding,
/// when a sample the drill asked for left no receipt. Returns how many findings were relayed.
async fn relay(demo: &Demo, c: &Clients, queue: &str) -> Result<usize, String> {
    let messages = c
        .sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .send()
        .await
        .map_err(|e| format!("receive from {QUEUE}: {e:?}"))?
        .messages
        .unwrap_or_default();
    let store = Store::new(aws_sdk_ssm::Client::new(&demo.sdk), STATE_PREFIX);
    let active: Active = store
        .get(ACTIVE_KEY, Utc::now())
        .await
        .map_err(|e| format!("read the drill under way: {e}"))?
        .ok_or("no drill under way in the state store")?;
    for (i, message) in messages.iter().enumerate() {
        let body = message.body().unwrap_or_default();
        let event: Value =
            serde_json::from_str(body).map_err(|e| format!("a queued event: {e}: {body}"))?;
        let finding = FindingEvent::from_value(event.clone())
            .map_err(|e| format!("a queued finding: {e}"))?
            .finding;
        let file = demo.log_dir().join(format!("drill-sample-{i}.json"));
        std::fs::write(&file, body).map_err(|e| format!("write {}: {e}", file.display()))?;
        let answer = demo.invoke("guardduty-responder", &file.display().to_string())?;
        let alert = match (
            answer["alert_message_id"].as_str(),
            answer["alert_error"].as_str(),
        ) {
            (_, Some(error)) => format!("failed ({error})"),
            (Some(_), None) => "sent".to_owned(),
            (None, None) => "only logged (no topic)".to_owned(),
        };
        say(&format!(
            "  responder, {}: {}; alert {alert}; drill receipt {}",
            finding.kind,
            answer["held"].as_str().unwrap_or("acted on?!"),
            answer["drill_receipt"]["status"].as_str().unwrap_or("none")
        ));
        if !active.expects(&finding.kind) {
            continue;
        }
        let key = receipt_key(&active.id, &finding.kind);
        let filed: Option<Receipt> = store
            .get(&key, Utc::now())
            .await
            .map_err(|e| format!("read a receipt: {e}"))?;
        if filed.is_none() {
            return Err(format!(
                "guardduty-responder filed no receipt for sample {} ({}) of drill {} at {}: its answer was {answer}; is VIGIL_STATE_PREFIX={STATE_PREFIX} in its environment (events/detector-guard/demo.env)?",
                finding.id,
                finding.kind,
                active.id,
                store.parameter_name(&key)
            ));
        }
    }
    Ok(messages.len())
}

/// The drill's record in the evidence bucket: the pointer the sweep reads, the record, and
/// its KMS signature checked.
async fn show_record(c: &Clients) -> Result<(), String> {
    let pointer: Pointer =
        serde_json::from_slice(&object(c, &format!("{DRILLS}{}", "latest.json")).await?)
            .map_err(|e| format!("latest.json: {e}"))?;
    let mut files = BTreeMap::new();
    for name in ["drill.json", "manifest.json", "manifest.sig.json"] {
        files.insert(
            name.to_owned(),
            object(c, &format!("{}{name}", pointer.location)).await?,
        );
    }
    let record: Value =
        serde_json::from_slice(&files["drill.json"]).map_err(|e| format!("drill.json: {e}"))?;
    say(&format!(
        "Signed record s3://{EVIDENCE_BUCKET}/{}drill.json: outcome {}, {} type(s), route {}",
        pointer.location,
        text(&record["outcome"]),
        record["types"].as_array().map_or(0, Vec::len),
        text(&record["route"])
    ));
    let signer = Signer::new(c.kms.clone(), EVIDENCE_KEY);
    let (_, problems) = signer
        .verify_bundle(&files)
        .await
        .map_err(|e| format!("verify the drill record: {e}"))?;
    if !problems.is_empty() {
        return Err(format!("the drill record does not verify: {problems:?}"));
    }
    good(&format!(
        "The record's manifest verifies with the evidence key {EVIDENCE_KEY}"
    ));
    say(&format!(
        "The compliance sweep reads s3://{EVIDENCE_BUCKET}/{DRILLS}latest.json for its check GD-05 \"threat detection validated by a drill within N days\""
    ));
    Ok(())
}

async fn object(c: &Clients, key: &str) -> Result<Vec<u8>, String> {
    let out =
        c.s3.get_object()
            .bucket(EVIDENCE_BUCKET)
            .key(key)
            .send()
            .await
            .map_err(|e| format!("get s3://{EVIDENCE_BUCKET}/{key}: {e:?}"))?;
    out.body
        .collect()
        .await
        .map(|b| b.into_bytes().to_vec())
        .map_err(|e| format!("read s3://{EVIDENCE_BUCKET}/{key}: {e}"))
}

/// The healthy baseline the template's `CreateBaseline` makes: a detector on the foundational
/// sources only, exporting findings to a bucket and key tagged as the stack's, each holding
/// the statements GuardDuty needs. Returns the detector id.
async fn seed(c: &Clients) -> Result<String, String> {
    use aws_sdk_guardduty::types::{
        DestinationProperties, DestinationType, DetectorFeature, DetectorFeatureConfiguration,
        FeatureStatus, FindingPublishingFrequency,
    };
    let detector =
        c.gd.create_detector()
            .enable(true)
            .finding_publishing_frequency(FindingPublishingFrequency::FifteenMinutes)
            .set_features(Some(
                PLANS
                    .iter()
                    .map(|p| {
                        DetectorFeatureConfiguration::builder()
                            .name(DetectorFeature::from(*p))
                            .status(FeatureStatus::Disabled)
                            .build()
                    })
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| format!("create detector: {e:?}"))?
            .detector_id
            .unwrap_or_default();
    let detector_arn = format!("arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/{detector}");
    let from_detector =
        json!({"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": detector_arn}});
    let key_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministration", "Effect": "Allow",
         "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "AllowGuardDutyKey", "Effect": "Allow",
         "Principal": {"Service": "guardduty.amazonaws.com"}, "Action": "kms:GenerateDataKey",
         "Resource": "*", "Condition": from_detector}]});
    let key_arn = c
        .kms
        .create_key()
        .description("Vigil demo - encrypts exported GuardDuty findings")
        .policy(key_policy.to_string())
        .tags(
            aws_sdk_kms::types::Tag::builder()
                .tag_key("vigil:owner")
                .tag_value(STACK)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .send()
        .await
        .map_err(|e| format!("create the findings key: {e:?}"))?
        .key_metadata
        .and_then(|m| m.arn)
        .unwrap_or_default();
    c.s3.create_bucket()
        .bucket(FINDINGS_BUCKET)
        .send()
        .await
        .map_err(|e| format!("create the findings bucket: {e:?}"))?;
    c.s3.put_bucket_tagging()
        .bucket(FINDINGS_BUCKET)
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .tag_set(
                    aws_sdk_s3::types::Tag::builder()
                        .key("vigil:owner")
                        .value(STACK)
                        .build()
                        .map_err(|e| e.to_string())?,
                )
                .build()
                .map_err(|e| e.to_string())?,
        )
        .send()
        .await
        .map_err(|e| format!("tag the findings bucket: {e:?}"))?;
    let bucket_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [format!("arn:aws:s3:::{FINDINGS_BUCKET}"), format!("arn:aws:s3:::{FINDINGS_BUCKET}/*")],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "AllowGuardDutyGetBucketLocation", "Effect": "Allow",
         "Principal": {"Service": "guardduty.amazonaws.com"}, "Action": "s3:GetBucketLocation",
         "Resource": format!("arn:aws:s3:::{FINDINGS_BUCKET}"), "Condition": from_detector},
        {"Sid": "AllowGuardDutyPutObject", "Effect": "Allow",
         "Principal": {"Service": "guardduty.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": format!("arn:aws:s3:::{FINDINGS_BUCKET}/*"), "Condition": from_detector}]});
    c.s3.put_bucket_policy()
        .bucket(FINDINGS_BUCKET)
        .policy(bucket_policy.to_string())
        .send()
        .await
        .map_err(|e| format!("findings bucket policy: {e:?}"))?;
    c.gd.create_publishing_destination()
        .detector_id(&detector)
        .destination_type(DestinationType::S3)
        .destination_properties(
            DestinationProperties::builder()
                .destination_arn(format!("arn:aws:s3:::{FINDINGS_BUCKET}"))
                .kms_key_arn(&key_arn)
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("create the findings export: {e:?}"))?;
    say(&format!(
        "Seeded: detector {detector} in {REGION} on the foundational sources (CloudTrail, VPC Flow Logs, DNS), exporting findings to {FINDINGS_BUCKET} under a KMS key, both tagged vigil:owner={STACK}"
    ));
    Ok(detector)
}

/// The template's rule routing GuardDuty findings of severity 4 and up to the responder; its
/// target is a queue standing in for the function. Returns the queue URL.
async fn route_findings(c: &Clients) -> Result<String, String> {
    let url = c
        .sqs
        .create_queue()
        .queue_name(QUEUE)
        .send()
        .await
        .map_err(|e| format!("create {QUEUE}: {e:?}"))?
        .queue_url
        .unwrap_or_default();
    let arn = c
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| format!("{QUEUE} attributes: {e:?}"))?
        .attributes
        .and_then(|mut a| a.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .unwrap_or_default();
    c.events
        .put_rule()
        .name(RULE)
        .event_pattern(
            json!({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
                "detail": {"severity": [{"numeric": [">=", 4]}]}})
            .to_string(),
        )
        .send()
        .await
        .map_err(|e| format!("create rule {RULE}: {e:?}"))?;
    c.events
        .put_targets()
        .rule(RULE)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("responder")
                .arn(&arn)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .send()
        .await
        .map_err(|e| format!("target of rule {RULE}: {e:?}"))?;
    say(&format!(
        "EventBridge rule {RULE} routes GuardDuty findings of severity 4 and up to the responder (here queue {QUEUE}: the emulator cannot invoke a Lambda target)"
    ));
    Ok(url)
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}
