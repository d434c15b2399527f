//! A responder test rig: one isolated emulator account with an alert topic, the function's
//! dependencies wired to it, seeding helpers, and the events of `events/guardduty-responder/`
//! pointed at what was seeded.

#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use aws_sdk_ec2::types::Filter;
use guardduty_responder::config::{Mode, ResponseSettings};
use guardduty_responder::report::Report;
use guardduty_responder::{Config, Deps, Error, handle_event};
use serde_json::Value;
use vigil::config::Common;
use vigil_tests::harness::{Moto, harness};
use vigil_tests::seed;

pub use vigil_tests::seed::ec2::Seeded;

pub struct Rig {
    pub account: String,
    pub sdk: aws_config::SdkConfig,
    pub ec2: aws_sdk_ec2::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub sm: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub topic_arn: String,
}

/// Response settings that contain, as a deployment that answers findings would use.
pub fn contain() -> ResponseSettings {
    ResponseSettings {
        mode: Mode::Contain,
        ..ResponseSettings::default()
    }
}

/// An event of `events/guardduty-responder/` with JSON-pointer edits applied.
pub fn event(case: &str, edits: &[(&str, Value)]) -> Value {
    vigil_tests::events::edited("guardduty-responder", case, edits)
}

pub const INSTANCE_ID: &str = "/detail/resource/instanceDetails/instanceId";

/// The function's settings in a rig or bench account: alerts to `topic_arn`.
pub fn config(response: ResponseSettings, topic_arn: &str, namespace: &str) -> Config {
    Config {
        common: Common {
            alert_topic_arn: Some(topic_arn.to_owned()),
            metrics_namespace: namespace.to_owned(),
        },
        response,
    }
}

impl Rig {
    pub async fn new() -> Rig {
        let account = Moto::new_account();
        let sdk = harness().moto.sdk_config(&account).await;
        let topic_arn = Moto::alert_topic(&sdk).await;
        let s3 = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(vigil::aws::s3_path_style(&sdk))
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
        }
    }

    pub fn deps(&self, response: ResponseSettings) -> Deps {
        Deps::new(&self.sdk, config(response, &self.topic_arn, "VigilTest"))
    }

    pub async fn handle(&self, deps: &Deps, event: Value) -> Result<Report, Error> {
        handle_event(event, SystemTime::now() + Duration::from_secs(60), deps).await
    }

    /// Every alert published in this rig's account, oldest first (`Subject`, `Message`,
    /// `MessageAttributes: {name: {Type, Value}}`, as SNS delivers them to a subscriber).
    pub fn alerts(&self) -> Vec<Value> {
        harness().moto.published_sns_messages(&self.account)
    }

    /// A VPC with two subnets, a web group, and an instance with two network interfaces (one
    /// per subnet) and two EBS volumes.
    pub async fn seed_instance(&self) -> Seeded {
        let seeded = seed::ec2::instance(&self.ec2).await.expect("seed instance");
        assert_eq!(
            seeded.volumes.len(),
            2,
            "the seeded instance has two volumes"
        );
        seeded
    }

    pub async fn instance(&self, id: &str) -> aws_sdk_ec2::types::Instance {
        seed::ec2::describe(&self.ec2, id).await.unwrap()
    }

    /// Group ids per network interface, as the instance shows them.
    pub async fn interface_groups(&self, id: &str) -> Vec<Vec<String>> {
        seed::ec2::interface_groups(&self.ec2, id).await.unwrap()
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
        seed::ec2::snapshots_of_finding(&self.ec2, finding_id)
            .await
            .unwrap()
    }

    pub async fn termination_protected(&self, id: &str) -> bool {
        seed::ec2::termination_protected(&self.ec2, id)
            .await
            .unwrap()
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
