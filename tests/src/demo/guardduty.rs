//! Chapter: three GuardDuty findings (a compromised instance, a leaked access key, a public
//! bucket) answered by the guardduty-responder function, the state they leave, and the
//! release of the instance's containment.
//!
//! The events are `events/guardduty-responder/*.json`, with the ids moto gave the seeded
//! instance and key written in (moto picks its own ids); the rendered copies go to the demo's
//! log directory and are invoked from there.

use serde_json::{Value, json};

use super::{Demo, bad, good, heading, say};
use crate::seed::ec2 as seed;

/// The SSM parameter the responder reads under `cargo lambda watch` (see events/demo.env).
const SETTINGS_PARAMETER: &str = "/vigil/demo/guardduty-responder";
const USER: &str = "app-deployer";
const BUCKET: &str = "vigil-demo-public-reports";
const INSTANCE: &str = "/detail/resource/instanceDetails/instanceId";

pub async fn run(demo: &Demo) -> Result<(), String> {
    heading("GuardDuty response: findings answered in seconds, safely");
    let ec2 = aws_sdk_ec2::Client::new(&demo.sdk);
    let iam = aws_sdk_iam::Client::new(&demo.sdk);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&demo.sdk)
            .force_path_style(vigil::aws::s3_path_style(&demo.sdk))
            .build(),
    );
    aws_sdk_ssm::Client::new(&demo.sdk)
        .put_parameter()
        .name(SETTINGS_PARAMETER)
        .value(r#"{"mode": "contain", "allowList": ["192.0.2.0/24"]}"#)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .map_err(|e| format!("put the responder settings: {e:?}"))?;
    say(&format!(
        "Settings in Parameter Store {SETTINGS_PARAMETER}: mode contain, default severity gates"
    ));

    let seed::Seeded {
        instance,
        web_group,
        ..
    } = seed::instance(&ec2).await?;
    iam.create_user()
        .user_name(USER)
        .send()
        .await
        .map_err(|e| format!("create user: {e:?}"))?;
    let key = iam
        .create_access_key()
        .user_name(USER)
        .send()
        .await
        .map_err(|e| format!("create access key: {e:?}"))?
        .access_key
        .map(|k| k.access_key_id)
        .unwrap_or_default();
    s3.create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .map_err(|e| format!("create bucket: {e:?}"))?;
    say(&format!(
        "Seeded: instance {instance} (two network interfaces, two volumes, group 'web'), user {USER} with key {key}, bucket {BUCKET}"
    ));

    // 1. A compromised instance.
    let ec2_event = render(demo, "ec2-compromised", &[(INSTANCE, json!(instance))])?;
    let answer = invoke(demo, &ec2_event)?;
    tell("Backdoor:EC2/C&CActivity.B!DNS, severity 8.0", &answer);
    let groups = seed::interface_group_names(&ec2, &instance).await?;
    let snapshots =
        seed::snapshots_of_finding(&ec2, answer["finding_id"].as_str().unwrap_or_default())
            .await?
            .len();
    let protected = seed::termination_protected(&ec2, &instance).await?;
    let isolated = !groups.is_empty() && groups.iter().all(|g| g == "vigil-quarantine");
    let line = format!(
        "Now: interfaces in {groups:?} (was web, {web_group}); {snapshots} evidence snapshot(s); termination protection {}",
        if protected { "on" } else { "off" }
    );
    if isolated && snapshots == 2 && protected {
        good(&line);
    } else {
        bad(&line);
    }

    // 2. A leaked access key.
    let iam_event = render(
        demo,
        "iam-akia",
        &[("/detail/resource/accessKeyDetails/accessKeyId", json!(key))],
    )?;
    let answer = invoke(demo, &iam_event)?;
    tell(
        "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom, severity 8.0",
        &answer,
    );
    let status = iam
        .list_access_keys()
        .user_name(USER)
        .send()
        .await
        .map_err(|e| format!("list access keys: {e:?}"))?
        .access_key_metadata()
        .first()
        .and_then(|k| k.status().map(|s| s.as_str().to_owned()))
        .unwrap_or_default();
    let policies = iam
        .list_user_policies()
        .user_name(USER)
        .send()
        .await
        .map_err(|e| format!("list user policies: {e:?}"))?
        .policy_names()
        .to_vec();
    let line = format!("Now: key {key} is {status}; inline policies on {USER}: {policies:?}");
    if status == "Inactive" && policies.iter().any(|p| p == "vigil-guardduty-deny-all") {
        good(&line);
    } else {
        bad(&line);
    }

    // 3. A public bucket.
    let s3_event = render(demo, "s3-public", &[])?;
    let answer = invoke(demo, &s3_event)?;
    tell(
        "Policy:S3/BucketAnonymousAccessGranted, severity 8.0",
        &answer,
    );
    let block = s3
        .get_public_access_block()
        .bucket(BUCKET)
        .send()
        .await
        .map_err(|e| format!("get public access block: {e:?}"))?;
    let all_on = block.public_access_block_configuration().is_some_and(|c| {
        c.block_public_acls() == Some(true)
            && c.ignore_public_acls() == Some(true)
            && c.block_public_policy() == Some(true)
            && c.restrict_public_buckets() == Some(true)
    });
    let line = format!(
        "Now: {BUCKET} public access block {}",
        if all_on {
            "fully on: nothing in it is public any more"
        } else {
            "NOT fully on"
        }
    );
    if all_on {
        good(&line)
    } else {
        bad(&line)
    }

    // The same instance finding again, seen more often: nothing changes.
    say("GuardDuty updates the instance finding (count 2) and sends it again:");
    let again = render(
        demo,
        "ec2-compromised",
        &[
            (INSTANCE, json!(instance)),
            ("/detail/service/count", json!(2)),
        ],
    )?;
    let replay = invoke(demo, &again)?;
    let outcome = replay["outcome"].as_str().unwrap_or_default();
    let line =
        format!("responder: {outcome} - every action checked the resource first and found it done");
    if outcome == "already-done" {
        good(&line)
    } else {
        bad(&line)
    }

    // A sample finding is never acted on.
    let sample = crate::events::path("guardduty-responder", "sample-ec2-ssh-bruteforce");
    let answer = invoke(demo, &sample.display().to_string())?;
    say(&format!(
        "A sample finding (additionalInfo.sample = true): {}",
        answer["held"].as_str().unwrap_or("acted on?!")
    ));
    say(
        "Each finding also produced one SNS alert (severity, family and outcome as message attributes) and an EMF metrics line.",
    );

    // The instance turns out clean: a release request puts it back as it was.
    let release = crate::events::path("guardduty-responder", "release-ec2-compromised");
    let answer = invoke(demo, &release.display().to_string())?;
    let groups = seed::interface_group_names(&ec2, &instance).await?;
    let protected = seed::termination_protected(&ec2, &instance).await?;
    let line = format!(
        "Release of the instance finding: {}; interfaces back in {groups:?}, termination protection {}; the snapshots stay as evidence",
        answer["outcome"].as_str().unwrap_or("?"),
        if protected { "on" } else { "off" }
    );
    if answer["outcome"] == "released" && groups.iter().all(|g| g == "web") && !protected {
        good(&line);
    } else {
        bad(&line);
    }
    Ok(())
}

/// The event file with the seeded ids written in, saved beside the demo's logs.
fn render(demo: &Demo, case: &str, edits: &[(&str, Value)]) -> Result<String, String> {
    let event = crate::events::edited("guardduty-responder", case, edits);
    let path = demo
        .log_dir()
        .join(format!("guardduty-{case}-{}.json", edits.len()));
    std::fs::write(&path, event.to_string())
        .map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path.display().to_string())
}

fn invoke(demo: &Demo, event_file: &str) -> Result<Value, String> {
    demo.invoke("guardduty-responder", event_file)
}

/// The responder's answer in plain words.
fn tell(what: &str, answer: &Value) {
    say(&format!(
        "Finding {what} on {}: {}",
        answer["resource"].as_str().unwrap_or("?"),
        answer["outcome"].as_str().unwrap_or("?")
    ));
    for action in answer["actions"].as_array().into_iter().flatten() {
        say(&format!(
            "  {} {}: {}",
            action["status"].as_str().unwrap_or("?"),
            action["action"].as_str().unwrap_or("?"),
            action["detail"].as_str().unwrap_or("")
        ));
    }
}
