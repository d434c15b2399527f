//! The integration-test rig of detector-guard, on the shared harness: one fresh emulator
//! account per test with what a guarded GuardDuty needs (a detector with every plan named, a
//! findings export to a bucket and KMS key the stack owns, with the documented statements),
//! the function's dependencies pointed at it, and the sample events of `events/detector-guard/`.
//!
//! Emulator gaps worked around (tests/emulator/patches/guardduty.py restores the rest):
//! - nothing is exported, so what GuardDuty last reported for an export is said through
//!   `POST /moto-api/vigil/guardduty/destination-status` ([`Rig::set_destination_status`]);
//! - administrator and members likewise ([`Rig::set_relationships`]);
//! - EventBridge cannot invoke a Lambda target here: the routing rule of a drill targets an SQS
//!   queue, and [`Rig::relay`] plays EventBridge's delivery: it hands each finding event from
//!   the queue to guardduty-responder's own handler (alert-only, the rig's state prefix),
//!   which alerts and files the drill receipt as it does on Lambda.

#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use detector_guard::report::Outcome;
use detector_guard::{Config, Deps, Error, handle_event};
use serde_json::{Value, json};
use vigil::state::Store;
use vigil_tests::harness::{Moto, harness};

pub const STACK: &str = "vigil-test";
pub const REGION: &str = "us-east-1";
pub const STATE_PREFIX: &str = "/vigil-test/state";
/// The account and ids the sample events are written with.
pub const EXAMPLE_ACCOUNT: &str = "123456789012";
pub const EXAMPLE_KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
pub const EXAMPLE_BUCKET: &str = "vigil-guardduty-findings-123456789012";

/// What [`Rig::seed`] created.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub detector_id: String,
    pub destination_id: String,
    pub bucket: String,
    pub key_arn: String,
}

pub struct Rig {
    pub account: String,
    pub sdk: SdkConfig,
    pub topic_arn: String,
    pub seeded: Option<Seeded>,
}

impl Rig {
    pub async fn new() -> Rig {
        let account = Moto::new_account();
        let sdk = harness().moto.sdk_config(&account).await;
        let topic_arn = Moto::alert_topic(&sdk).await;
        Rig {
            account,
            sdk,
            topic_arn,
            seeded: None,
        }
    }

    /// A rig with the healthy baseline seeded.
    pub async fn seeded() -> Rig {
        let mut rig = Rig::new().await;
        rig.seed().await;
        rig
    }

    pub fn gd(&self) -> aws_sdk_guardduty::Client {
        aws_sdk_guardduty::Client::new(&self.sdk)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk)
                .force_path_style(vigil::aws::s3_path_style(&self.sdk))
                .build(),
        )
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk)
    }

    pub fn events(&self) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::new(&self.sdk)
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }

    pub fn store(&self) -> Store {
        Store::new(aws_sdk_ssm::Client::new(&self.sdk), STATE_PREFIX)
    }

    pub fn bucket_name(&self, label: &str) -> String {
        format!("{label}-{}", self.account)
    }

    pub fn detector_arn(&self, detector_id: &str) -> String {
        format!(
            "arn:aws:guardduty:{REGION}:{}:detector/{detector_id}",
            self.account
        )
    }

    /// The two statements AWS documents for a findings export bucket, for `detector_id`.
    pub fn bucket_statements(&self, bucket: &str, detector_id: &str) -> Vec<Value> {
        let condition = json!({"StringEquals": {"aws:SourceAccount": self.account,
            "aws:SourceArn": self.detector_arn(detector_id)}});
        vec![
            json!({"Sid": "AllowGuardDutyGetBucketLocation", "Effect": "Allow",
                "Principal": {"Service": "guardduty.amazonaws.com"}, "Action": "s3:GetBucketLocation",
                "Resource": format!("arn:aws:s3:::{bucket}"), "Condition": condition}),
            json!({"Sid": "AllowGuardDutyPutObject", "Effect": "Allow",
                "Principal": {"Service": "guardduty.amazonaws.com"}, "Action": "s3:PutObject",
                "Resource": format!("arn:aws:s3:::{bucket}/*"), "Condition": condition}),
        ]
    }

    pub fn tls_only(&self, bucket: &str) -> Value {
        json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    }

    pub async fn put_bucket_policy(&self, bucket: &str, statements: Vec<Value>) {
        self.s3()
            .put_bucket_policy()
            .bucket(bucket)
            .policy(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
            .send()
            .await
            .unwrap();
    }

    pub async fn bucket_policy(&self, bucket: &str) -> Value {
        let text = self
            .s3()
            .get_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap_or_default();
        serde_json::from_str(&text).unwrap()
    }

    pub fn key_policy_with(&self, guardduty: Option<&str>) -> Value {
        let mut statements = vec![json!({"Sid": "AccountAdministration", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", self.account)},
            "Action": "kms:*", "Resource": "*"})];
        if let Some(detector_id) = guardduty {
            statements.push(json!({"Sid": "AllowGuardDutyKey", "Effect": "Allow",
                "Principal": {"Service": "guardduty.amazonaws.com"}, "Action": "kms:GenerateDataKey",
                "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": self.account,
                "aws:SourceArn": self.detector_arn(detector_id)}}}));
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    pub async fn key_policy(&self, key: &str) -> Value {
        let text = self
            .kms()
            .get_key_policy()
            .key_id(key)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap_or_default();
        serde_json::from_str(&text).unwrap()
    }

    /// The healthy baseline: a detector with every plan named DISABLED (foundational sources
    /// only), exporting to a bucket and key tagged `vigil:owner=<stack>` that hold the
    /// documented statements.
    pub async fn seed(&mut self) -> Seeded {
        let gd = self.gd();
        let plans = [
            "S3_DATA_EVENTS",
            "EKS_AUDIT_LOGS",
            "EBS_MALWARE_PROTECTION",
            "RDS_LOGIN_EVENTS",
            "LAMBDA_NETWORK_LOGS",
            "RUNTIME_MONITORING",
            "AI_PROTECTION",
        ];
        let detector_id = gd
            .create_detector()
            .enable(true)
            .finding_publishing_frequency(
                aws_sdk_guardduty::types::FindingPublishingFrequency::FifteenMinutes,
            )
            .set_features(Some(
                plans
                    .iter()
                    .map(|p| {
                        aws_sdk_guardduty::types::DetectorFeatureConfiguration::builder()
                            .name(aws_sdk_guardduty::types::DetectorFeature::from(*p))
                            .status(aws_sdk_guardduty::types::FeatureStatus::Disabled)
                            .build()
                    })
                    .collect(),
            ))
            .send()
            .await
            .unwrap()
            .detector_id
            .unwrap();
        let key_arn = self
            .kms()
            .create_key()
            .policy(self.key_policy_with(Some(&detector_id)).to_string())
            .tags(
                aws_sdk_kms::types::Tag::builder()
                    .tag_key("vigil:owner")
                    .tag_value(STACK)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .arn
            .unwrap();
        let bucket = self.bucket_name("findings");
        self.s3()
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        self.s3()
            .put_bucket_tagging()
            .bucket(&bucket)
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .tag_set(
                        aws_sdk_s3::types::Tag::builder()
                            .key("vigil:owner")
                            .value(STACK)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let mut statements = vec![self.tls_only(&bucket)];
        statements.extend(self.bucket_statements(&bucket, &detector_id));
        self.put_bucket_policy(&bucket, statements).await;
        let destination_id = gd
            .create_publishing_destination()
            .detector_id(&detector_id)
            .destination_type(aws_sdk_guardduty::types::DestinationType::S3)
            .destination_properties(
                aws_sdk_guardduty::types::DestinationProperties::builder()
                    .destination_arn(format!("arn:aws:s3:::{bucket}"))
                    .kms_key_arn(&key_arn)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .destination_id
            .unwrap();
        let seeded = Seeded {
            detector_id,
            destination_id,
            bucket,
            key_arn,
        };
        self.seeded = Some(seeded.clone());
        seeded
    }

    pub fn seeded_ref(&self) -> &Seeded {
        self.seeded.as_ref().expect("seeded")
    }

    /// The function's settings, as `main` reads them: this account, one Region, the state
    /// store, the seeded export, alerts to the rig's topic, and `extra`.
    pub fn config(&self, extra: &[(&str, &str)]) -> Config {
        let mut vars: Vec<(&str, &str)> = vec![
            ("VIGIL_ACCOUNT_ID", self.account.as_str()),
            ("VIGIL_STACK_NAME", STACK),
            ("VIGIL_GUARD_REGIONS", REGION),
            ("VIGIL_STATE_PREFIX", STATE_PREFIX),
            ("VIGIL_ALERT_TOPIC_ARN", self.topic_arn.as_str()),
        ];
        if let Some(s) = &self.seeded {
            vars.push(("VIGIL_GUARDDUTY_EXPORT_BUCKET", s.bucket.as_str()));
            vars.push(("VIGIL_GUARDDUTY_EXPORT_KEY_ARN", s.key_arn.as_str()));
        }
        for (k, v) in extra {
            vars.retain(|(name, _)| name != k);
            vars.push((k, v));
        }
        vars.retain(|(_, v)| !v.is_empty());
        Config::from_lookup(vigil::config::lookup_in(&vars))
            .unwrap_or_else(|e| panic!("the rig's settings: {e}"))
    }

    pub fn deps(&self, extra: &[(&str, &str)]) -> Deps {
        Deps::new(&self.sdk, self.config(extra))
    }

    /// A sample event of `events/detector-guard/` with the example account, key and bucket
    /// replaced by this rig's.
    pub fn event(&self, case: &str) -> Value {
        // The bucket first: its example name holds the example account id.
        let mut replace: Vec<(&str, &str)> = Vec::new();
        let key_id;
        if let Some(s) = &self.seeded {
            key_id = vigil::arn::key_id(&s.key_arn).to_owned();
            replace.push((EXAMPLE_BUCKET, s.bucket.as_str()));
            replace.push((EXAMPLE_KEY_ID, key_id.as_str()));
        }
        replace.push((EXAMPLE_ACCOUNT, self.account.as_str()));
        vigil_tests::events::load("detector-guard", case, &replace)
    }

    pub async fn run(&self, deps: &Deps, event: Value) -> Result<Outcome, Error> {
        handle_event(event, SystemTime::now() + Duration::from_secs(120), deps).await
    }

    pub async fn check(&self, deps: &Deps, case: &str) -> Outcome {
        self.run(deps, self.event(case))
            .await
            .unwrap_or_else(|e| panic!("{case}: {e}"))
    }

    /// The alerts published so far, as (subject, body).
    pub fn alerts(&self) -> Vec<(String, String)> {
        harness()
            .moto
            .published_sns_messages(&self.account)
            .iter()
            .map(|m| {
                (
                    m["Subject"].as_str().unwrap_or_default().to_owned(),
                    m["Message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    fn post(&self, path: &str, body: Value) {
        let url = format!("{}{path}", harness().moto.endpoint);
        ureq::post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }

    /// Says what GuardDuty last reported for the seeded export.
    pub fn set_destination_status(&self, status: &str, failing_since_ms: i64) {
        let s = self.seeded_ref();
        self.post(
            "/moto-api/vigil/guardduty/destination-status",
            json!({"account_id": self.account, "region": REGION, "detector_id": s.detector_id,
                "destination_id": s.destination_id, "status": status,
                "publishingFailureStartTimestamp": failing_since_ms}),
        );
    }

    /// Says who this detector's administrator and members are.
    pub fn set_relationships(&self, detector_id: &str, relationships: Value) {
        let mut body =
            json!({"account_id": self.account, "region": REGION, "detector_id": detector_id});
        for (k, v) in relationships.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post("/moto-api/vigil/guardduty/relationships", body);
    }

    /// The Region's one detector, if any.
    pub async fn detector(
        &self,
    ) -> Option<aws_sdk_guardduty::operation::get_detector::GetDetectorOutput> {
        let ids = self
            .gd()
            .list_detectors()
            .send()
            .await
            .unwrap()
            .detector_ids
            .unwrap_or_default();
        let id = ids.into_iter().next()?;
        Some(
            self.gd()
                .get_detector()
                .detector_id(id)
                .send()
                .await
                .unwrap(),
        )
    }

    pub async fn detector_id(&self) -> Option<String> {
        self.gd()
            .list_detectors()
            .send()
            .await
            .unwrap()
            .detector_ids
            .unwrap_or_default()
            .into_iter()
            .next()
    }

    pub fn feature(
        out: &aws_sdk_guardduty::operation::get_detector::GetDetectorOutput,
        name: &str,
    ) -> Option<String> {
        out.features()
            .iter()
            .find(|f| f.name().map(|n| n.as_str()) == Some(name))
            .and_then(|f| f.status().map(|s| s.as_str().to_owned()))
    }

    /// A suppression rule: `hide-high-findings`, ARCHIVE for severity 7 and above.
    pub async fn archive_high_findings(&self, detector_id: &str) {
        self.gd()
            .create_filter()
            .detector_id(detector_id)
            .name("hide-high-findings")
            .action(aws_sdk_guardduty::types::FilterAction::Archive)
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
            .unwrap();
    }

    // ---- drills --------------------------------------------------------------------------

    /// A queue standing in for the responder function as the routing rule's target, and the
    /// rule itself (`pattern`: the template's rule when `None`). Returns the queue URL and ARN.
    pub async fn routing(&self, pattern: Option<Value>) -> (String, String) {
        let url = self
            .sqs()
            .create_queue()
            .queue_name("responder-stand-in")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let arn = self
            .sqs()
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        let pattern = pattern.unwrap_or_else(|| {
            json!({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
                "detail": {"severity": [{"numeric": [">=", 4]}]}})
        });
        self.events()
            .put_rule()
            .name("guardduty-findings")
            .event_pattern(pattern.to_string())
            .send()
            .await
            .unwrap();
        self.events()
            .put_targets()
            .rule("guardduty-findings")
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("responder")
                    .arn(&arn)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        (url, arn)
    }

    /// The evidence bucket and signing key drills write to; returns the settings naming them.
    pub async fn evidence(&self) -> (String, String) {
        let bucket = self.bucket_name("evidence");
        self.s3()
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let key = self
            .kms()
            .create_key()
            .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
            .key_spec(aws_sdk_kms::types::KeySpec::Rsa3072)
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .arn
            .unwrap();
        (bucket, key)
    }

    /// Plays EventBridge's delivery to the responder for each finding event waiting in the
    /// queue: guardduty-responder's handler, with the rig's state prefix, alerting to the rig's
    /// topic (or, when `alert_works` is false, to a topic that does not exist), files the
    /// receipt for the drill under way itself. Returns how many findings arrived.
    pub async fn relay(&self, queue_url: &str, alert_works: bool) -> usize {
        let messages = self
            .sqs()
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        let topic = if alert_works {
            self.topic_arn.clone()
        } else {
            format!("arn:aws:sns:{REGION}:{}:no-such-topic", self.account)
        };
        let config = guardduty_responder::Config::load(
            &self.sdk,
            vigil::config::lookup_in(&[
                ("VIGIL_ALERT_TOPIC_ARN", topic.as_str()),
                ("VIGIL_STATE_PREFIX", STATE_PREFIX),
            ]),
        )
        .await
        .unwrap();
        let responder = guardduty_responder::Deps::new(&self.sdk, config);
        for m in &messages {
            let event: Value = serde_json::from_str(m.body().unwrap()).unwrap();
            let report = guardduty_responder::handle_event(
                event,
                SystemTime::now() + Duration::from_secs(60),
                &responder,
            )
            .await
            .unwrap();
            assert!(
                report
                    .held
                    .as_deref()
                    .unwrap_or_default()
                    .contains("sample"),
                "only sample findings in a drill, never acted on: {report:?}"
            );
        }
        messages.len()
    }
}
