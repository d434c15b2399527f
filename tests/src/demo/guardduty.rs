//! Chapter: three GuardDuty findings (a compromised instance, a leaked access key, a public
//! bucket) answered by the guardduty-responder function, and the state they leave.
//!
//! The events are `events/guardduty-responder/*.json`, with the ids moto gave the seeded
//! instance and key written in (moto picks its own ids); the rendered copies go to the demo's
//! log directory and are invoked from there.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use serde_json::{Value, json};

use super::{Demo, bad, good, heading, say};

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
            .force_path_style(true)
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

    let (instance, web_group) = seed_instance(&ec2).await?;
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
    let groups = interface_group_names(&ec2, &instance).await?;
    let snapshots = ec2
        .describe_snapshots()
        .owner_ids("self")
        .filters(
            Filter::builder()
                .name("tag:vigil:guardduty-finding")
                .values(answer["finding_id"].as_str().unwrap_or_default())
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("describe snapshots: {e:?}"))?
        .snapshots()
        .len();
    let protected = ec2
        .describe_instance_attribute()
        .instance_id(&instance)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::DisableApiTermination)
        .send()
        .await
        .map_err(|e| format!("describe attribute: {e:?}"))?
        .disable_api_termination()
        .and_then(|v| v.value())
        .unwrap_or(false);
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
    let sample = demo
        .root
        .join("events/guardduty-responder/sample-ec2-ssh-bruteforce.json");
    let answer = invoke(demo, &sample.display().to_string())?;
    say(&format!(
        "A sample finding (additionalInfo.sample = true): {}",
        answer["held"].as_str().unwrap_or("acted on?!")
    ));
    say(
        "Each finding also produced one SNS alert (severity, family and outcome as message attributes) and an EMF metrics line.",
    );
    Ok(())
}

async fn seed_instance(ec2: &aws_sdk_ec2::Client) -> Result<(String, String), String> {
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .map_err(|e| format!("create vpc: {e:?}"))?
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap_or_default();
    let mut subnets = Vec::new();
    for cidr in ["10.20.1.0/24", "10.20.2.0/24"] {
        subnets.push(
            ec2.create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .send()
                .await
                .map_err(|e| format!("create subnet: {e:?}"))?
                .subnet
                .and_then(|s| s.subnet_id)
                .unwrap_or_default(),
        );
    }
    let web = ec2
        .create_security_group()
        .vpc_id(&vpc)
        .group_name("web")
        .description("web servers")
        .send()
        .await
        .map_err(|e| format!("create group: {e:?}"))?
        .group_id
        .unwrap_or_default();
    let run = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnets[0])
        .security_group_ids(&web)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(Tag::builder().key("Name").value("web-1").build())
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("run instance: {e:?}"))?;
    let first = run.instances().first().ok_or("no instance started")?;
    let instance = first.instance_id().unwrap_or_default().to_owned();
    let zone = first
        .placement()
        .and_then(|p| p.availability_zone())
        .unwrap_or("us-east-1a")
        .to_owned();
    let volume = ec2
        .create_volume()
        .availability_zone(zone)
        .size(8)
        .send()
        .await
        .map_err(|e| format!("create volume: {e:?}"))?
        .volume_id
        .unwrap_or_default();
    ec2.attach_volume()
        .volume_id(&volume)
        .instance_id(&instance)
        .device("/dev/sdf")
        .send()
        .await
        .map_err(|e| format!("attach volume: {e:?}"))?;
    let eni = ec2
        .create_network_interface()
        .subnet_id(&subnets[1])
        .groups(&web)
        .send()
        .await
        .map_err(|e| format!("create interface: {e:?}"))?
        .network_interface
        .and_then(|n| n.network_interface_id)
        .unwrap_or_default();
    ec2.attach_network_interface()
        .network_interface_id(&eni)
        .instance_id(&instance)
        .device_index(1)
        .send()
        .await
        .map_err(|e| format!("attach interface: {e:?}"))?;
    Ok((instance, web))
}

async fn interface_group_names(
    ec2: &aws_sdk_ec2::Client,
    instance: &str,
) -> Result<Vec<String>, String> {
    let out = ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .map_err(|e| format!("describe instance: {e:?}"))?;
    Ok(out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .flat_map(|i| i.network_interfaces())
        .flat_map(|n| n.groups())
        .filter_map(|g| g.group_name().map(str::to_owned))
        .collect())
}

/// The event file with the seeded ids written in, saved beside the demo's logs.
fn render(demo: &Demo, case: &str, edits: &[(&str, Value)]) -> Result<String, String> {
    let source = demo
        .root
        .join(format!("events/guardduty-responder/{case}.json"));
    let text =
        std::fs::read_to_string(&source).map_err(|e| format!("read {}: {e}", source.display()))?;
    let mut event: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", source.display()))?;
    for (pointer, value) in edits {
        *event
            .pointer_mut(pointer)
            .ok_or_else(|| format!("{case}: no {pointer}"))? = value.clone();
    }
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
