//! A responder test rig: one isolated emulator account with an alert topic, the function's
//! dependencies wired to it, seeding helpers, and the events of `events/guardduty-responder/`
//! pointed at what was seeded.

#![allow(dead_code)]

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use guardduty_responder::config::{Mode, ResponseSettings};
use guardduty_responder::report::Report;
use guardduty_responder::{Config, Deps, Error, handle_event};
use serde_json::Value;
use vigil_tests::harness::{Moto, harness};

pub struct Rig {
    pub account: String,
    pub sdk: aws_config::SdkConfig,
    pub ec2: aws_sdk_ec2::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub sm: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub topic_arn: String,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    received: Mutex<Vec<Value>>,
}

/// What `seed_instance` made.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub vpc: String,
    pub subnets: [String; 2],
    pub web_group: String,
    pub instance: String,
    pub interfaces: Vec<String>,
    pub volumes: Vec<String>,
}

/// Response settings that contain, as a deployment that answers findings would use.
pub fn contain() -> ResponseSettings {
    ResponseSettings {
        mode: Mode::Contain,
        ..ResponseSettings::default()
    }
}

/// A new VPC with `cidr`: its id.
pub async fn vpc(ec2: &aws_sdk_ec2::Client, cidr: &str) -> String {
    ec2.create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .expect("create VPC")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("VPC id")
}

/// An event file with JSON-pointer edits applied.
pub fn event(case: &str, edits: &[(&str, Value)]) -> Value {
    let path = format!(
        "{}/../../events/guardduty-responder/{case}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut value: Value = serde_json::from_str(&text).unwrap();
    for (pointer, new) in edits {
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{case}: no {pointer}")) = new.clone();
    }
    value
}

pub const INSTANCE_ID: &str = "/detail/resource/instanceDetails/instanceId";

impl Rig {
    pub async fn new() -> Rig {
        let account = Moto::new_account();
        let sdk = harness().moto.sdk_config(&account).await;
        let sns = aws_sdk_sns::Client::new(&sdk);
        let topic_arn = Moto::alert_topic(&sdk).await;
        // Alerts are read from a queue subscribed to the topic, as a subscriber would get
        // them: what is asserted is what SNS delivered (attributes and all), not only what the
        // function published.
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let queue_url = sqs
            .create_queue()
            .queue_name("vigil-alerts-subscriber")
            .send()
            .await
            .expect("create queue")
            .queue_url
            .expect("queue url");
        let queue_arn = format!("arn:aws:sqs:us-east-1:{account}:vigil-alerts-subscriber");
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .expect("subscribe queue");
        let s3 = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build();
        Rig {
            account,
            ec2: aws_sdk_ec2::Client::new(&sdk),
            iam: aws_sdk_iam::Client::new(&sdk),
            s3: aws_sdk_s3::Client::from_conf(s3),
            sm: aws_sdk_secretsmanager::Client::new(&sdk),
            ssm: aws_sdk_ssm::Client::new(&sdk),
            sdk,
            topic_arn,
            sqs,
            queue_url,
            received: Mutex::new(Vec::new()),
        }
    }

    pub fn deps(&self, response: ResponseSettings) -> Deps {
        Deps::new(
            &self.sdk,
            Config {
                response,
                alert_topic_arn: Some(self.topic_arn.clone()),
                metrics_namespace: "VigilTest".into(),
            },
            true,
        )
    }

    pub async fn handle(&self, deps: &Deps, event: Value) -> Result<Report, Error> {
        handle_event(event, SystemTime::now() + Duration::from_secs(60), deps).await
    }

    /// Every alert published so far, oldest first, as SNS delivers them to a subscriber
    /// (`Subject`, `Message`, `MessageAttributes: {name: {Type, Value}}`).
    pub async fn alerts(&self) -> Vec<Value> {
        loop {
            let output = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("receive alerts");
            let messages = output.messages();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                let body: Value =
                    serde_json::from_str(message.body().unwrap_or_default()).expect("SNS envelope");
                self.received.lock().unwrap().push(body);
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .expect("delete message");
            }
        }
        self.received.lock().unwrap().clone()
    }

    /// A VPC with two subnets, a web group, and an instance with two network interfaces (one
    /// per subnet) and two EBS volumes.
    pub async fn seed_instance(&self) -> Seeded {
        let ec2 = &self.ec2;
        let vpc = vpc(ec2, "10.20.0.0/16").await;
        let mut subnets = Vec::new();
        for cidr in ["10.20.1.0/24", "10.20.2.0/24"] {
            subnets.push(
                ec2.create_subnet()
                    .vpc_id(&vpc)
                    .cidr_block(cidr)
                    .send()
                    .await
                    .unwrap()
                    .subnet
                    .unwrap()
                    .subnet_id
                    .unwrap(),
            );
        }
        let web_group = ec2
            .create_security_group()
            .vpc_id(&vpc)
            .group_name("web")
            .description("web servers")
            .send()
            .await
            .unwrap()
            .group_id
            .unwrap();
        let run = ec2
            .run_instances()
            .image_id("ami-12c6146b")
            .min_count(1)
            .max_count(1)
            .subnet_id(&subnets[0])
            .security_group_ids(&web_group)
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::Instance)
                    .tags(Tag::builder().key("Name").value("web-1").build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let instance = run.instances()[0].instance_id().unwrap().to_owned();
        let zone = run.instances()[0]
            .placement()
            .and_then(|p| p.availability_zone())
            .unwrap_or("us-east-1a")
            .to_owned();
        let data = ec2
            .create_volume()
            .availability_zone(zone)
            .size(8)
            .send()
            .await
            .unwrap()
            .volume_id
            .unwrap();
        ec2.attach_volume()
            .volume_id(&data)
            .instance_id(&instance)
            .device("/dev/sdf")
            .send()
            .await
            .unwrap();
        let eni = ec2
            .create_network_interface()
            .subnet_id(&subnets[1])
            .groups(&web_group)
            .send()
            .await
            .unwrap()
            .network_interface
            .unwrap()
            .network_interface_id
            .unwrap();
        ec2.attach_network_interface()
            .network_interface_id(&eni)
            .instance_id(&instance)
            .device_index(1)
            .send()
            .await
            .unwrap();
        let live = self.instance(&instance).await;
        let interfaces = live
            .network_interfaces()
            .iter()
            .map(|n| n.network_interface_id().unwrap().to_owned())
            .collect();
        let volumes: Vec<String> = live
            .block_device_mappings()
            .iter()
            .filter_map(|b| b.ebs().and_then(|e| e.volume_id()).map(str::to_owned))
            .collect();
        assert_eq!(volumes.len(), 2, "the seeded instance has two volumes");
        Seeded {
            vpc,
            subnets: [subnets[0].clone(), subnets[1].clone()],
            web_group,
            instance,
            interfaces,
            volumes,
        }
    }

    pub async fn instance(&self, id: &str) -> aws_sdk_ec2::types::Instance {
        self.ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .unwrap()
            .reservations()[0]
            .instances()[0]
            .clone()
    }

    /// Group ids per network interface, as the instance shows them.
    pub async fn interface_groups(&self, id: &str) -> Vec<Vec<String>> {
        self.instance(id)
            .await
            .network_interfaces()
            .iter()
            .map(|n| {
                n.groups()
                    .iter()
                    .map(|g| g.group_id().unwrap().to_owned())
                    .collect()
            })
            .collect()
    }

    pub async fn instance_groups(&self, id: &str) -> Vec<String> {
        self.instance(id)
            .await
            .security_groups()
            .iter()
            .map(|g| g.group_id().unwrap().to_owned())
            .collect()
    }

    pub async fn snapshots_of_finding(
        &self,
        finding_id: &str,
    ) -> Vec<aws_sdk_ec2::types::Snapshot> {
        self.ec2
            .describe_snapshots()
            .owner_ids("self")
            .filters(
                Filter::builder()
                    .name("tag:vigil:guardduty-finding")
                    .values(finding_id)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .snapshots()
            .to_vec()
    }

    pub async fn termination_protected(&self, id: &str) -> bool {
        self.ec2
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(aws_sdk_ec2::types::InstanceAttributeName::DisableApiTermination)
            .send()
            .await
            .unwrap()
            .disable_api_termination()
            .and_then(|v| v.value())
            .unwrap_or(false)
    }

    /// Inbound entries of the subnet's network ACL: (rule, action, cidr).
    pub async fn acl_entries(&self, subnet: &str) -> Vec<(i32, String, String)> {
        let acls = self
            .ec2
            .describe_network_acls()
            .filters(
                Filter::builder()
                    .name("association.subnet-id")
                    .values(subnet)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let mut entries: Vec<(i32, String, String)> = acls.network_acls()[0]
            .entries()
            .iter()
            .filter(|e| e.egress() == Some(false))
            .map(|e| {
                (
                    e.rule_number().unwrap(),
                    e.rule_action().unwrap().as_str().to_owned(),
                    e.cidr_block().or(e.ipv6_cidr_block()).unwrap().to_owned(),
                )
            })
            .collect();
        entries.sort();
        entries
    }

    /// A snapshot of everything a response could change about the seeded instance.
    pub async fn ec2_state(&self, seeded: &Seeded, finding_id: &str) -> String {
        format!(
            "groups={:?} snapshots={} protected={} tags={:?} acl={:?}",
            self.interface_groups(&seeded.instance).await,
            self.snapshots_of_finding(finding_id).await.len(),
            self.termination_protected(&seeded.instance).await,
            self.instance(&seeded.instance)
                .await
                .tags()
                .iter()
                .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned()))
                .collect::<Vec<_>>(),
            self.acl_entries(&seeded.subnets[0]).await,
        )
    }

    /// An IAM user with one access key; returns the key id.
    pub async fn seed_user_with_key(&self, user: &str) -> String {
        self.iam.create_user().user_name(user).send().await.unwrap();
        self.iam
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .unwrap()
            .access_key
            .unwrap()
            .access_key_id
    }

    pub async fn key_status(&self, user: &str) -> String {
        self.iam
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .unwrap()
            .access_key_metadata()[0]
            .status()
            .unwrap()
            .as_str()
            .to_owned()
    }

    pub async fn user_policies(&self, user: &str) -> Vec<String> {
        self.iam
            .list_user_policies()
            .user_name(user)
            .send()
            .await
            .unwrap()
            .policy_names()
            .to_vec()
    }
}
