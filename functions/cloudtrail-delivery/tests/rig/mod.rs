//! The integration-test rig of cloudtrail-delivery, on the shared harness: one fresh emulator
//! account per test, with what a trail needs (bucket, bucket policy, KMS key, log group, SNS
//! topic for alerts) and the function's dependencies pointed at it. Used by `tests/*.rs`
//! (`mod rig;`) and the bench (`#[path = "../tests/rig/mod.rs"] mod rig;`).
//!
//! Emulator gap worked around: moto's GetTrailStatus never reports delivery errors. The patch
//! tests/emulator/patches/cloudtrail.py adds `POST /moto-api/vigil/cloudtrail/trail-status`, through
//! which [`Rig::set_status`] says what CloudTrail's last delivery attempt reported, as AWS
//! would after a failed (or, with `null`s, a successful) delivery.

#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use aws_config::{Region, SdkConfig};
use cloudtrail_delivery::diagnose::CauseKind;
use cloudtrail_delivery::report::Outcome;
use cloudtrail_delivery::{Config, Deps, Error, handle_event};
use serde_json::{Value, json};
use vigil_tests::harness::{Moto, harness};

const FUNCTION: &str = "cloudtrail-delivery";
pub const STACK: &str = "vigil-test";
/// Where the function keeps its state (each test has its own emulator account).
pub const STATE_PREFIX: &str = "/vigil-test/state";
pub const EXAMPLE_ACCOUNT: &str = "123456789012";
pub const EXAMPLE_KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

pub struct Rig {
    pub account: String,
    pub sdk: SdkConfig,
    /// The function's settings, as `main` reads them from its environment.
    pub config: Config,
    pub deps: Deps,
    pub topic_arn: String,
}

impl Rig {
    pub async fn new() -> Rig {
        Rig::with_env(&[]).await
    }

    /// A rig whose function environment also has `env` (`VIGIL_TRAIL_REPAIR_KMS_KEY=false`...).
    pub async fn with_env(env: &[(&str, &str)]) -> Rig {
        let account = Moto::new_account();
        Rig::in_account(account, env).await
    }

    /// A rig in `account` (shared with another rig), with `env` as in [`Rig::with_env`].
    pub async fn in_account(account: String, env: &[(&str, &str)]) -> Rig {
        let sdk = harness().moto.sdk_config(&account).await;
        let topic_arn = Moto::alert_topic(&sdk).await;
        let mut vars = vec![
            ("VIGIL_ACCOUNT_ID", account.as_str()),
            ("VIGIL_STACK_NAME", STACK),
            ("VIGIL_STATE_PREFIX", STATE_PREFIX),
            ("VIGIL_ALERT_TOPIC_ARN", topic_arn.as_str()),
        ];
        vars.extend_from_slice(env);
        let config = Config::from_lookup(vigil::config::lookup_in(&vars))
            .unwrap_or_else(|e| panic!("the rig's settings: {e}"));
        Rig {
            deps: Deps::new(&sdk, config.clone()),
            config,
            account,
            sdk,
            topic_arn,
        }
    }

    /// The function's state store, as the function reads it.
    pub fn store(&self) -> vigil::state::Store {
        vigil::state::Store::new(aws_sdk_ssm::Client::new(&self.sdk), STATE_PREFIX)
    }

    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::from_conf(
            aws_sdk_cloudtrail::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_owned()))
                .build(),
        )
    }

    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_owned()))
                .force_path_style(vigil::aws::s3_path_style(&self.sdk))
                .build(),
        )
    }

    pub fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_owned()))
                .build(),
        )
    }

    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(&self.sdk)
                .region(Region::new(region.to_owned()))
                .build(),
        )
    }

    /// The trail's bucket name: unique across the emulator (bucket names are global).
    pub fn bucket_name(&self, label: &str) -> String {
        format!("{label}-{}", self.account)
    }

    pub async fn create_bucket(&self, name: &str, region: &str) {
        let mut request = self.s3(region).create_bucket().bucket(name);
        if region != "us-east-1" {
            request = request.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        request.send().await.unwrap();
    }

    pub async fn put_policy(&self, bucket: &str, policy: &Value) {
        self.s3("us-east-1")
            .put_bucket_policy()
            .bucket(bucket)
            .policy(policy.to_string())
            .send()
            .await
            .unwrap();
    }

    /// The bucket policy as JSON; `None` when there is none.
    pub async fn policy(&self, bucket: &str) -> Option<Value> {
        match self
            .s3("us-east-1")
            .get_bucket_policy()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => Some(serde_json::from_str(&out.policy.unwrap()).unwrap()),
            Err(e)
                if e.as_service_error().and_then(|e| {
                    aws_smithy_types::error::metadata::ProvideErrorMetadata::code(e)
                }) == Some("NoSuchBucketPolicy") =>
            {
                None
            }
            Err(e) => panic!("GetBucketPolicy {bucket}: {e:?}"),
        }
    }

    /// The two statements AWS documents for `trail_arn` writing to `bucket`.
    pub fn good_statements(
        &self,
        bucket: &str,
        trail_arn: &str,
        prefix: Option<&str>,
    ) -> Vec<Value> {
        let path = match prefix {
            Some(p) => format!("arn:aws:s3:::{bucket}/{p}/AWSLogs/{}/*", self.account),
            None => format!("arn:aws:s3:::{bucket}/AWSLogs/{}/*", self.account),
        };
        vec![
            json!({"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
                   "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
                   "Resource": format!("arn:aws:s3:::{bucket}"),
                   "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}}),
            json!({"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
                   "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
                   "Resource": path,
                   "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}}}),
        ]
    }

    pub fn trail_arn(&self, name: &str, region: &str) -> String {
        format!("arn:aws:cloudtrail:{region}:{}:trail/{name}", self.account)
    }

    /// A bucket with the documented policy and a logging trail writing to it.
    pub async fn healthy_trail(
        &self,
        name: &str,
        region: &str,
        multi_region: bool,
    ) -> (String, String) {
        let bucket = self.bucket_name(&format!("{name}-logs"));
        self.create_bucket(&bucket, region).await;
        let arn = self.trail_arn(name, region);
        self.put_policy(
            &bucket,
            &json!({"Version": "2012-10-17", "Statement": self.good_statements(&bucket, &arn, None)}),
        )
        .await;
        self.create_trail(name, region, &bucket, |t| {
            t.is_multi_region_trail(multi_region)
        })
        .await;
        (arn, bucket)
    }

    /// Creates and starts a trail; `adjust` sets options on the CreateTrail request.
    pub async fn create_trail(
        &self,
        name: &str,
        region: &str,
        bucket: &str,
        adjust: impl FnOnce(
            aws_sdk_cloudtrail::operation::create_trail::builders::CreateTrailFluentBuilder,
        ) -> aws_sdk_cloudtrail::operation::create_trail::builders::CreateTrailFluentBuilder,
    ) -> String {
        let ct = self.cloudtrail(region);
        let out = adjust(
            ct.create_trail()
                .name(name)
                .s3_bucket_name(bucket)
                .enable_log_file_validation(true),
        )
        .send()
        .await
        .unwrap();
        let arn = out.trail_arn.unwrap();
        ct.start_logging().name(&arn).send().await.unwrap();
        arn
    }

    /// Points the trail `arn` (kept on `bucket`: UpdateTrail needs it) at KMS key `key`.
    pub async fn encrypt_trail(&self, arn: &str, bucket: &str, key: &str) {
        let region = vigil::arn::region(arn).expect("a trail ARN names its Region");
        self.cloudtrail(region)
            .update_trail()
            .name(arn)
            .s3_bucket_name(bucket)
            .kms_key_id(key)
            .send()
            .await
            .unwrap();
    }

    /// Stops the trail `arn` in its home Region, as someone's StopLogging would.
    pub async fn stop_logging(&self, arn: &str) {
        let region = vigil::arn::region(arn).expect("a trail ARN names its Region");
        self.cloudtrail(region)
            .stop_logging()
            .name(arn)
            .send()
            .await
            .unwrap();
    }

    pub async fn is_logging(&self, arn: &str, region: &str) -> bool {
        self.cloudtrail(region)
            .get_trail_status()
            .name(arn)
            .send()
            .await
            .unwrap()
            .is_logging
            .unwrap()
    }

    /// A KMS key; tagged as owned by the stack when `owned`. Its policy lets CloudTrail
    /// encrypt for every trail of the account unless `cloudtrail_grant` is false.
    pub async fn create_key(&self, region: &str, owned: bool, cloudtrail_grant: bool) -> String {
        let mut statements = vec![json!({
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", self.account)},
            "Action": "kms:*", "Resource": "*"
        })];
        if cloudtrail_grant {
            statements.push(json!({
                "Sid": "AllowCloudTrailEncrypt", "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*", "Resource": "*",
                "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:aws:cloudtrail:*:{}:trail/*", self.account)}}
            }));
        }
        let mut request = self
            .kms(region)
            .create_key()
            .policy(json!({"Version": "2012-10-17", "Statement": statements}).to_string());
        if owned {
            request = request.tags(
                aws_sdk_kms::types::Tag::builder()
                    .tag_key("vigil:owner")
                    .tag_value(STACK)
                    .build()
                    .unwrap(),
            );
        }
        request
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .arn
            .unwrap()
    }

    pub async fn key_state(&self, key_arn: &str) -> String {
        let region = vigil::arn::region(key_arn).expect("a key ARN names its Region");
        self.kms(region)
            .describe_key()
            .key_id(key_arn)
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_state
            .unwrap()
            .as_str()
            .to_owned()
    }

    /// Sets the trail's status fields as CloudTrail's last delivery attempt left them (the
    /// emulator extension); `null` clears a field, as a successful delivery does.
    pub fn set_status(&self, trail_arn: &str, fields: Value) {
        harness()
            .moto
            .set_trail_status(&self.account, trail_arn, fields);
    }

    /// The real-shaped GetTrailStatus with an AccessDenied delivery error
    /// (tests/fixtures/gettrailstatus-accessdenied.json), without its deprecated fields.
    pub fn access_denied_status() -> Value {
        let raw: Value =
            serde_json::from_str(include_str!("../fixtures/gettrailstatus-accessdenied.json"))
                .unwrap();
        let keep = [
            "IsLogging",
            "LatestDeliveryError",
            "LatestDeliveryTime",
            "LatestDigestDeliveryError",
            "LatestDigestDeliveryTime",
            "LatestCloudWatchLogsDeliveryTime",
        ];
        Value::Object(
            raw.as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// What a successful delivery leaves: no errors, a fresh delivery time.
    pub fn delivered_status() -> Value {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        json!({
            "LatestDeliveryError": null,
            "LatestDigestDeliveryError": null,
            "LatestCloudWatchLogsDeliveryError": null,
            "LatestDeliveryTime": now,
            "LatestDigestDeliveryTime": now,
        })
    }

    /// `events/cloudtrail-delivery/<file>`, moved into this account: the example account id
    /// becomes the rig's, then each `(from, to)` pair is replaced in the text.
    pub fn event(&self, file: &str, replace: &[(&str, &str)]) -> Value {
        let mut all = vec![(EXAMPLE_ACCOUNT, self.account.as_str())];
        all.extend_from_slice(replace);
        vigil_tests::events::load(FUNCTION, file, &all)
    }

    pub async fn invoke(&self, event: Value) -> Result<Outcome, Error> {
        handle_event(
            event,
            SystemTime::now() + Duration::from_secs(120),
            &self.deps,
        )
        .await
    }

    pub async fn schedule(&self) -> Outcome {
        self.invoke(self.event("schedule.json", &[])).await.unwrap()
    }

    /// SNS messages published to the rig's alert topic.
    pub fn alerts(&self) -> Vec<Value> {
        harness().moto.published_sns_messages(&self.account)
    }
}

/// The kinds of the causes found for the trail `arn`.
pub fn kinds(outcome: &Outcome, arn: &str) -> Vec<CauseKind> {
    outcome
        .trails
        .iter()
        .find(|t| t.trail_arn == arn)
        .unwrap_or_else(|| panic!("{arn} not in {outcome:#?}"))
        .causes
        .iter()
        .map(|c| c.kind)
        .collect()
}
