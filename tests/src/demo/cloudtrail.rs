//! Chapter: audit logs stop arriving. Someone edits the log bucket's policy (the write
//! statement now points at an old prefix) and then stops the trail; the cloudtrail-delivery
//! function is invoked with the StopLogging event (`events/cloudtrail-delivery/stop-logging.json`),
//! diagnoses both causes from the facts, repairs them, checks again, and alerts.
//!
//! The emulator never reports delivery errors by itself; the chapter tells it what CloudTrail's
//! last delivery attempt reported (tests/emulator/patches/cloudtrail.py), taken from the
//! real-shaped GetTrailStatus answer the function's tests use ([`FAILED_DELIVERY`]).

use serde_json::{Value, json};

use super::{ACCOUNT, Demo, bad, good, heading, say};

const REGION: &str = "us-east-1";
const TRAIL: &str = "management-events";
const BUCKET: &str = "vigil-trail-logs-123456789012";
/// What GetTrailStatus reported for a trail whose bucket policy refused CloudTrail: the
/// function's test fixture, of which the chapter sets the delivery fields ([`DELIVERY_FIELDS`]).
const FAILED_DELIVERY: &str = include_str!(
    "../../../functions/cloudtrail-delivery/tests/fixtures/gettrailstatus-accessdenied.json"
);
/// The fields a delivery attempt sets; `IsLogging` stays as the stopped trail has it.
const DELIVERY_FIELDS: [&str; 4] = [
    "LatestDeliveryError",
    "LatestDeliveryTime",
    "LatestDigestDeliveryError",
    "LatestDigestDeliveryTime",
];

pub async fn run(demo: &Demo) -> Result<(), String> {
    heading(
        "CloudTrail delivery: a stopped trail and a broken bucket policy, diagnosed and repaired",
    );
    demo.warm_up("cloudtrail-delivery")?;
    let ct = aws_sdk_cloudtrail::Client::new(&demo.sdk);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&demo.sdk)
            .force_path_style(vigil::aws::s3_path_style(&demo.sdk))
            .build(),
    );
    let trail_arn = format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL}");

    s3.create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .map_err(|e| format!("create bucket: {e:?}"))?;
    let unrelated = json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{BUCKET}"), format!("arn:aws:s3:::{BUCKET}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
    let acl_check = json!({"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
        "Resource": format!("arn:aws:s3:::{BUCKET}"),
        "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}});
    let write = |prefix: &str| {
        json!({"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": format!("arn:aws:s3:::{BUCKET}/{prefix}AWSLogs/{ACCOUNT}/*"),
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}}})
    };
    put_policy(&s3, json!([unrelated, acl_check, write("")])).await?;
    let created = ct
        .create_trail()
        .name(TRAIL)
        .s3_bucket_name(BUCKET)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .map_err(|e| format!("create trail: {e:?}"))?;
    ct.start_logging()
        .name(created.trail_arn.as_deref().unwrap_or(&trail_arn))
        .send()
        .await
        .map_err(|e| format!("start logging: {e:?}"))?;
    say(&format!(
        "Seeded: multi-region trail {TRAIL} logging to bucket {BUCKET}, whose policy holds the two documented CloudTrail statements and a TLS-only guard"
    ));

    // What goes wrong.
    put_policy(&s3, json!([unrelated, acl_check, write("old-prefix/")])).await?;
    ct.stop_logging()
        .name(&trail_arn)
        .send()
        .await
        .map_err(|e| format!("stop logging: {e:?}"))?;
    let fixture: Value = serde_json::from_str(FAILED_DELIVERY).map_err(|e| e.to_string())?;
    let failed: serde_json::Map<String, Value> = DELIVERY_FIELDS
        .iter()
        .map(|&field| (field.to_owned(), fixture[field].clone()))
        .collect();
    demo.h
        .moto
        .set_trail_status(ACCOUNT, &trail_arn, Value::Object(failed));
    bad(
        "Someone rewrote the bucket policy (the write statement now covers old-prefix/AWSLogs/ only) and stopped the trail; CloudTrail reports LatestDeliveryError AccessDenied",
    );

    say("The StopLogging API call reaches the function (EventBridge rule in template.yaml):");
    let answer = demo.invoke(
        "cloudtrail-delivery",
        "events/cloudtrail-delivery/stop-logging.json",
    )?;
    let Some(report) = answer["trails"].as_array().and_then(|t| t.first()) else {
        return Err(format!("cloudtrail-delivery reported no trail: {answer}"));
    };
    say(&format!(
        "Diagnosis of {} ({}):",
        report["trail_name"].as_str().unwrap_or(TRAIL),
        report["home_region"].as_str().unwrap_or(REGION)
    ));
    for (i, cause) in report["causes"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        say(&format!(
            "  {}. [{}] {}",
            i + 1,
            text(&cause["severity"]),
            text(&cause["summary"])
        ));
        for line in cause["evidence"].as_array().into_iter().flatten() {
            say(&format!("       evidence: {}", text(line)));
        }
        for repair in cause["repairs"].as_array().into_iter().flatten() {
            let verified = match repair["verified"].as_bool() {
                Some(true) => ", verified by a re-check",
                Some(false) => ", NOT verified",
                None => "",
            };
            let line = format!(
                "       repair: {} - {}{verified}",
                text(&repair["action"]),
                text(&repair["status"])
            );
            if repair["status"] == "done" {
                good(&line)
            } else {
                bad(&line)
            }
        }
    }
    for note in report["awaiting_next_delivery"]
        .as_array()
        .into_iter()
        .flatten()
    {
        say(&format!("  note: {}", text(note)));
    }
    let verdict = text(&report["verdict"]);
    if verdict == "repaired-verified" {
        good("Verdict: repaired and verified");
    } else {
        bad(&format!("Verdict: {verdict}"));
    }

    // What the account looks like now.
    let logging = ct
        .get_trail_status()
        .name(&trail_arn)
        .send()
        .await
        .map_err(|e| format!("get trail status: {e:?}"))?
        .is_logging
        .unwrap_or(false);
    if logging {
        good("The trail is logging again")
    } else {
        bad("The trail is still stopped")
    }
    let policy: Value = s3
        .get_bucket_policy()
        .bucket(BUCKET)
        .send()
        .await
        .ok()
        .and_then(|p| p.policy)
        .and_then(|p| serde_json::from_str::<Value>(&p).ok())
        .unwrap_or(Value::Null);
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let sids: Vec<&str> = statements
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    // The repair only appends: the three statements there before it come first, as they were.
    let seeded = [unrelated, acl_check, write("old-prefix/")];
    if statements.get(..seeded.len()) != Some(&seeded[..]) {
        bad(&format!(
            "Bucket policy: {} statements ({}); the three that were there are NOT unchanged",
            statements.len(),
            sids.join(", ")
        ));
        return Err(format!(
            "the repair changed the statements the bucket policy held before it: expected {} first, found {}",
            Value::Array(seeded.to_vec()),
            Value::Array(statements)
        ));
    }
    good(&format!(
        "Bucket policy: {} statements ({}); the three that were there are unchanged",
        statements.len(),
        sids.join(", ")
    ));
    let alerts: Vec<Value> = demo
        .h
        .moto
        .published_sns_messages(ACCOUNT)
        .into_iter()
        .filter(|m| {
            m["Subject"]
                .as_str()
                .is_some_and(|s| s.contains("CloudTrail"))
        })
        .collect();
    if let Some(alert) = alerts.last() {
        good(&format!("Alert sent to SNS: {}", text(&alert["Subject"])));
    }

    // CloudTrail's next delivery succeeds; the hourly check finds nothing to say.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs_f64();
    demo.h.moto.set_trail_status(
        ACCOUNT,
        &trail_arn,
        json!({
            "LatestDeliveryError": null,
            "LatestDigestDeliveryError": null,
            "LatestDeliveryTime": now,
            "LatestDigestDeliveryTime": now,
        }),
    );
    let answer = demo.invoke(
        "cloudtrail-delivery",
        "events/cloudtrail-delivery/schedule.json",
    )?;
    say(&format!(
        "Next scheduled check: {} trail(s) checked, {} healthy, {} alert(s)",
        answer["trails_checked"], answer["trails_healthy"], answer["alerts_sent"]
    ));
    for trail in answer["trails"].as_array().into_iter().flatten() {
        for cause in trail["causes"].as_array().into_iter().flatten() {
            say(&format!("     still open: {}", text(&cause["summary"])));
        }
    }
    Ok(())
}

async fn put_policy(s3: &aws_sdk_s3::Client, statements: Value) -> Result<(), String> {
    s3.put_bucket_policy()
        .bucket(BUCKET)
        .policy(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
        .send()
        .await
        .map(drop)
        .map_err(|e| format!("put bucket policy: {e:?}"))
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}
