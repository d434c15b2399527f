//! The seeded accounts the integration tests sweep, over real HTTP against the emulator.
//!
//! `secure` and `insecure` are two accounts with known good and bad resources in us-east-1.
//! Emulator gaps are filled as the tests say where they use them:
//! - Lambda functions come through `Seams::lambda_functions` (the listing the checks read),
//!   so no deployment package has to be built for moto.
//! - moto has no GuardDuty publishing-destination API, so destinations come through
//!   `Seams::guardduty_destinations` (their buckets are real emulator buckets).
//! - moto never delivers trail logs: the CloudWatch Logs delivery time is set through the
//!   emulator's CloudTrail patch (`/moto-api/vigil/cloudtrail/trail-status`).
//! - moto's credential report lacks the root row and KMS lacks rotation periods and AWS-managed
//!   keys: tests/emulator/patches/{iam,kms}.py restore them; account:ListRegions is added by
//!   patches/account.py.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use aws_config::SdkConfig;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use compliance_sweep::bundle::Store;
use compliance_sweep::checks::cloudwatch::PATTERNS;
use compliance_sweep::collect::{Seams, lambda::Listing, s3control_client};
use compliance_sweep::facts::PublishingDestination;
use compliance_sweep::model::{Finding, Status};
use compliance_sweep::{Config, Deps};
use secrecy::SecretString;
use vigil_tests::harness::{Moto, harness};

pub const REGION: &str = "us-east-1";
/// A value that must never appear in any output of the sweep.
pub const LEAKED_PASSWORD: &str = "Sup3r-S3cret-Pa55word-7f1e9c";

pub struct Account {
    pub id: String,
    pub sdk: SdkConfig,
    /// Resource ARNs by a short name used in assertions.
    pub arn: BTreeMap<&'static str, String>,
    pub signing_key: String,
    pub topic: String,
    pub lambda: Vec<Listing>,
    pub destinations: BTreeMap<String, Vec<PublishingDestination>>,
}

impl Account {
    pub fn a(&self, name: &str) -> &str {
        self.arn
            .get(name)
            .unwrap_or_else(|| panic!("no resource named {name}"))
    }

    /// Deps for this account writing bundles to `dir`, with the seams filled.
    pub fn deps(&self, dir: &Path, overrides: &[(&str, &str)]) -> Deps {
        let mut vars: BTreeMap<String, String> = BTreeMap::from([
            ("VIGIL_SWEEP_REGIONS".into(), REGION.into()),
            ("VIGIL_EVIDENCE_KEY_ID".into(), self.signing_key.clone()),
            ("VIGIL_ALERT_TOPIC_ARN".into(), self.topic.clone()),
        ]);
        for (k, v) in overrides {
            vars.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config is valid");
        let mut deps = Deps::new(&self.sdk, config, Store::Local(dir.to_path_buf()));
        deps.emit_metrics = false;
        let lambda = self.lambda.clone();
        let destinations = self.destinations.clone();
        deps.seams = Box::new(move || Seams {
            lambda_functions: Some(BTreeMap::from([(REGION.to_owned(), lambda.clone())])),
            guardduty_destinations: Some(destinations.clone()),
        });
        deps
    }
}

pub fn status_of(findings: &[Finding], check: &str, resource: &str) -> Status {
    let matching: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check == check && f.resource == resource)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "{check} on {resource}: expected one finding, got {matching:#?}"
    );
    matching[0].status
}

pub fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

async fn new_account() -> (String, SdkConfig) {
    let id = Moto::new_account();
    let sdk = harness().moto.sdk_config(&id).await;
    (id, sdk)
}

/// `rds.force_ssl = 1`, for an instance or a cluster parameter group.
fn force_ssl() -> aws_sdk_rds::types::Parameter {
    aws_sdk_rds::types::Parameter::builder()
        .parameter_name("rds.force_ssl")
        .parameter_value("1")
        .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
        .build()
}

pub fn s3(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
}

async fn key(kms: &aws_sdk_kms::Client, policy: Option<String>) -> String {
    kms.create_key()
        .set_policy(policy)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap()
}

async fn bucket(s3: &aws_sdk_s3::Client, name: &str) {
    s3.create_bucket().bucket(name).send().await.unwrap();
}

async fn block_public(s3: &aws_sdk_s3::Client, name: &str) {
    use aws_sdk_s3::types::PublicAccessBlockConfiguration;
    s3.put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn expire_after(s3: &aws_sdk_s3::Client, name: &str, days: i32) {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
        LifecycleRuleFilter,
    };
    s3.put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(
                    LifecycleRule::builder()
                        .id("expire")
                        .status(ExpirationStatus::Enabled)
                        .filter(LifecycleRuleFilter::builder().prefix("").build())
                        .expiration(LifecycleExpiration::builder().days(days).build())
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// An RSA SIGN_VERIFY key, as the evidence signing key is.
pub async fn signing_key(sdk: &SdkConfig) -> String {
    aws_sdk_kms::Client::new(sdk)
        .create_key()
        .key_usage(KeyUsageType::SignVerify)
        .key_spec(KeySpec::Rsa3072)
        .description("evidence signing")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap()
}

async fn topic(sdk: &SdkConfig, name: &str, account: &str) -> String {
    let sns = aws_sdk_sns::Client::new(sdk);
    let arn = sns
        .create_topic()
        .name(name)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sns.subscribe()
        .topic_arn(&arn)
        .protocol("lambda")
        .endpoint(format!("arn:aws:lambda:{REGION}:{account}:function:pager"))
        .send()
        .await
        .unwrap();
    arn
}

fn listing(account: &str, name: &str, vars: &[(&str, &str)]) -> Listing {
    Listing {
        arn: format!("arn:aws:lambda:{REGION}:{account}:function:{name}"),
        name: name.to_owned(),
        variables: vars
            .iter()
            .map(|(k, v)| (k.to_string(), SecretString::from(v.to_string())))
            .collect(),
        error: None,
    }
}

async fn inline_role(iam: &aws_sdk_iam::Client, name: &str, policy: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let arn = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    iam.put_role_policy()
        .role_name(name)
        .policy_name("inline")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    arn
}

async fn user(iam: &aws_sdk_iam::Client, name: &str) -> String {
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .user
        .unwrap()
        .arn
}

/// A cis pattern text for filter `i` built from its terms.
pub fn cis_pattern(i: usize) -> String {
    let terms: Vec<String> = PATTERNS[i]
        .iter()
        .map(|t| format!("({})", t.replacen('=', " = ", 1)))
        .collect();
    format!("{{ {} }}", terms.join(" || "))
}

/// An account where (almost) everything is configured as the catalogue wants.
pub async fn secure() -> Account {
    let (id, sdk) = new_account().await;
    let mut arn = BTreeMap::new();
    let iam = aws_sdk_iam::Client::new(&sdk);
    iam.update_account_password_policy()
        .minimum_password_length(14)
        .password_reuse_prevention(24)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .max_password_age(90)
        .send()
        .await
        .unwrap();
    let read = iam
        .create_policy()
        .policy_name("read")
        .policy_document(format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::sec-data-{id}/*"}}]}}"#))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.create_group()
        .group_name("readers")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("readers")
        .policy_arn(&read)
        .send()
        .await
        .unwrap();
    arn.insert("read-policy", read);
    arn.insert("grouped", user(&iam, "grouped").await);
    iam.add_user_to_group()
        .group_name("readers")
        .user_name("grouped")
        .send()
        .await
        .unwrap();
    arn.insert("console-mfa", user(&iam, "console-mfa").await);
    iam.create_login_profile()
        .user_name("console-mfa")
        .password("Aa1!aaaaaaaaaaaa")
        .send()
        .await
        .unwrap();
    let serial = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("console-mfa")
        .send()
        .await
        .unwrap()
        .virtual_mfa_device
        .unwrap()
        .serial_number;
    iam.enable_mfa_device()
        .user_name("console-mfa")
        .serial_number(serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();
    arn.insert("keyed", user(&iam, "keyed").await);
    iam.create_access_key()
        .user_name("keyed")
        .send()
        .await
        .unwrap();
    arn.insert("scoped-role", inline_role(&iam, "scoped-role", &format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:{id}:key/abc"}}]}}"#)).await);

    let kms = aws_sdk_kms::Client::new(&sdk);
    let good_key = key(&kms, None).await;
    kms.enable_key_rotation()
        .key_id(&good_key)
        .rotation_period_in_days(365)
        .send()
        .await
        .unwrap();
    arn.insert("good-key", good_key.clone());

    let s3c = s3(&sdk);
    use aws_sdk_s3control::types::PublicAccessBlockConfiguration as AccountBlock;
    s3control_client(&sdk)
        .put_public_access_block()
        .account_id(&id)
        .public_access_block_configuration(
            AccountBlock::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let data = format!("sec-data-{id}");
    bucket(&s3c, &data).await;
    block_public(&s3c, &data).await;
    s3c.put_bucket_policy()
        .bucket(&data)
        .policy(format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{data}","arn:aws:s3:::{data}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#))
        .send()
        .await
        .unwrap();
    {
        use aws_sdk_s3::types::{
            ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
            ServerSideEncryptionRule,
        };
        s3c.put_bucket_encryption()
            .bucket(&data)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(ServerSideEncryption::AwsKms)
                                    .kms_master_key_id(&good_key)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    arn.insert("data-bucket", format!("arn:aws:s3:::{data}"));
    let logs_bucket = format!("sec-logs-{id}");
    bucket(&s3c, &logs_bucket).await;
    s3c.put_bucket_policy()
        .bucket(&logs_bucket)
        .policy(format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S3ServerAccessLogs","Effect":"Allow","Principal":{{"Service":"logging.s3.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{logs_bucket}/*"}}]}}"#))
        .send()
        .await
        .unwrap();
    let trail_bucket = format!("sec-trail-{id}");
    bucket(&s3c, &trail_bucket).await;
    block_public(&s3c, &trail_bucket).await;
    {
        use aws_sdk_s3::types::{BucketLoggingStatus, LoggingEnabled};
        s3c.put_bucket_logging()
            .bucket(&trail_bucket)
            .bucket_logging_status(
                BucketLoggingStatus::builder()
                    .logging_enabled(
                        LoggingEnabled::builder()
                            .target_bucket(&logs_bucket)
                            .target_prefix("trail/")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let findings_bucket = format!("sec-findings-{id}");
    bucket(&s3c, &findings_bucket).await;
    expire_after(&s3c, &findings_bucket, 400).await;
    arn.insert("findings-bucket", format!("arn:aws:s3:::{findings_bucket}"));

    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    let secret = sm
        .create_secret()
        .name("app/db")
        .secret_string("{}")
        .kms_key_id(&good_key)
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();
    let token = sm
        .rotate_secret()
        .secret_id(&secret)
        .rotation_lambda_arn(format!("arn:aws:lambda:{REGION}:{id}:function:rotator"))
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .version_id
        .unwrap();
    // Finish the rotation as the rotation function would (the emulator only starts it).
    sm.put_secret_value()
        .secret_id(&secret)
        .client_request_token(&token)
        .secret_string("{\"v\":2}")
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    let current = sm
        .describe_secret()
        .secret_id(&secret)
        .send()
        .await
        .unwrap()
        .version_ids_to_stages
        .unwrap()
        .into_iter()
        .find(|(_, s)| s.iter().any(|x| x == "AWSCURRENT"))
        .unwrap()
        .0;
    sm.update_secret_version_stage()
        .secret_id(&secret)
        .version_stage("AWSCURRENT")
        .move_to_version_id(&token)
        .remove_from_version_id(&current)
        .send()
        .await
        .unwrap();
    sm.update_secret_version_stage()
        .secret_id(&secret)
        .version_stage("AWSPENDING")
        .remove_from_version_id(&token)
        .send()
        .await
        .unwrap();
    arn.insert("rotated-secret", secret);

    let gd = aws_sdk_guardduty::Client::new(&sdk);
    let features = [
        "S3_DATA_EVENTS",
        "EKS_AUDIT_LOGS",
        "EBS_MALWARE_PROTECTION",
        "RDS_LOGIN_EVENTS",
        "LAMBDA_NETWORK_LOGS",
        "RUNTIME_MONITORING",
    ];
    let mut create = gd.create_detector().enable(true);
    for f in features {
        create = create.features(
            aws_sdk_guardduty::types::DetectorFeatureConfiguration::builder()
                .name(f.into())
                .status(aws_sdk_guardduty::types::FeatureStatus::Enabled)
                .build(),
        );
    }
    let detector = create.send().await.unwrap().detector_id.unwrap();
    arn.insert(
        "detector",
        format!("arn:aws:guardduty:{REGION}:{id}:detector/{detector}"),
    );
    let destinations = BTreeMap::from([(
        detector,
        vec![PublishingDestination {
            id: "dest-1".into(),
            status: "PUBLISHING".into(),
            destination_arn: Some(format!("arn:aws:s3:::{findings_bucket}/guardduty")),
            kms_key_arn: Some(good_key.clone()),
            failure_since: None,
            bucket: None,
        }],
    )]);

    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    logs.create_log_group()
        .log_group_name("sec-trail-logs")
        .send()
        .await
        .unwrap();
    logs.put_retention_policy()
        .log_group_name("sec-trail-logs")
        .retention_in_days(365)
        .send()
        .await
        .unwrap();
    let group_arn = format!("arn:aws:logs:{REGION}:{id}:log-group:sec-trail-logs:*");
    arn.insert("log-group", group_arn.clone());
    let ct = aws_sdk_cloudtrail::Client::new(&sdk);
    let trail = ct
        .create_trail()
        .name("sec-trail")
        .s3_bucket_name(&trail_bucket)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .kms_key_id(&good_key)
        .cloud_watch_logs_log_group_arn(&group_arn)
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{id}:role/trail-to-logs"))
        .send()
        .await
        .unwrap()
        .trail_arn
        .unwrap();
    ct.start_logging().name(&trail).send().await.unwrap();
    ct.put_event_selectors()
        .trail_name(&trail)
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The emulator never delivers logs; its CloudTrail patch (owned by cloudtrail-delivery)
    // lets a test say when CloudTrail last delivered to CloudWatch Logs: an hour ago.
    let delivered = chrono::Utc::now().timestamp() - 3600;
    harness().moto.set_trail_status(
        &id,
        &trail,
        serde_json::json!({"LatestCloudWatchLogsDeliveryTime": delivered}),
    );
    arn.insert("trail", trail);
    let alerts = topic(&sdk, "sec-alerts", &id).await;
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    for i in 0..PATTERNS.len() {
        let metric = format!("CIS{:02}", i + 1);
        logs.put_metric_filter()
            .log_group_name("sec-trail-logs")
            .filter_name(format!("cis-{:02}", i + 1))
            .filter_pattern(cis_pattern(i))
            .metric_transformations(
                aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                    .metric_name(&metric)
                    .metric_namespace("CISBenchmark")
                    .metric_value("1")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        cw.put_metric_alarm()
            .alarm_name(format!("cis-{:02}", i + 1))
            .metric_name(&metric)
            .namespace("CISBenchmark")
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
            )
            .actions_enabled(true)
            .alarm_actions(&alerts)
            .send()
            .await
            .unwrap();
    }
    arn.insert(
        "alarm-01",
        format!("arn:aws:cloudwatch:{REGION}:{id}:alarm:cis-01"),
    );

    let rds = aws_sdk_rds::Client::new(&sdk);
    rds.create_db_parameter_group()
        .db_parameter_group_name("pg-tls")
        .db_parameter_group_family("postgres14")
        .description("TLS on")
        .send()
        .await
        .unwrap();
    rds.modify_db_parameter_group()
        .db_parameter_group_name("pg-tls")
        .parameters(force_ssl())
        .send()
        .await
        .unwrap();
    let db = rds
        .create_db_instance()
        .db_instance_identifier("good-db")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .engine_version("14.9")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .storage_encrypted(true)
        .publicly_accessible(false)
        .enable_iam_database_authentication(true)
        .backup_retention_period(7)
        .deletion_protection(true)
        .db_parameter_group_name("pg-tls")
        .send()
        .await
        .unwrap()
        .db_instance
        .unwrap()
        .db_instance_arn
        .unwrap();
    arn.insert("db", db);
    // Aurora: TLS comes from the cluster parameter group, judged on the cluster.
    rds.create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("aurora-tls")
        .db_parameter_group_family("aurora-postgresql14")
        .description("TLS on")
        .send()
        .await
        .unwrap();
    rds.modify_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("aurora-tls")
        .parameters(force_ssl())
        .send()
        .await
        .unwrap();
    let cluster = rds
        .create_db_cluster()
        .db_cluster_identifier("good-cluster")
        .engine("aurora-postgresql")
        .engine_version("14.9")
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .storage_encrypted(true)
        .enable_iam_database_authentication(true)
        .backup_retention_period(7)
        .deletion_protection(true)
        .db_cluster_parameter_group_name("aurora-tls")
        .send()
        .await
        .unwrap()
        .db_cluster
        .unwrap()
        .db_cluster_arn
        .unwrap();
    arn.insert("cluster", cluster);

    let secret_arn = format!("arn:aws:secretsmanager:{REGION}:{id}:secret:app/db");
    let env = [("LOG_LEVEL", "debug"), ("SECRET_ARN", secret_arn.as_str())];
    finish(id, sdk, arn, ("clean-fn", &env), destinations).await
}

/// An account where every check has something to fail on.
pub async fn insecure() -> Account {
    let (id, sdk) = new_account().await;
    let mut arn = BTreeMap::new();
    let iam = aws_sdk_iam::Client::new(&sdk);
    iam.update_account_password_policy()
        .minimum_password_length(8)
        .send()
        .await
        .unwrap();
    arn.insert("console-nomfa", user(&iam, "console-nomfa").await);
    iam.create_login_profile()
        .user_name("console-nomfa")
        .password("Aa1!aaaaaaaaaaaa")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("console-nomfa")
        .send()
        .await
        .unwrap();
    arn.insert("two-keys", user(&iam, "two-keys").await);
    iam.create_access_key()
        .user_name("two-keys")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("two-keys")
        .send()
        .await
        .unwrap();
    let star = iam
        .create_policy()
        .policy_name("star")
        .policy_document(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    arn.insert("star-policy", star.clone());
    arn.insert("direct", user(&iam, "direct").await);
    iam.attach_user_policy()
        .user_name("direct")
        .policy_arn(&star)
        .send()
        .await
        .unwrap();
    iam.put_user_policy().user_name("direct").policy_name("passrole").policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#).send().await.unwrap();
    arn.insert("notaction-role", inline_role(&iam, "notaction-role", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:*"],"Resource":"*"}]}"#).await);
    arn.insert("decrypt-role", inline_role(&iam, "decrypt-role", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["*"]}]}"#).await);

    let kms = aws_sdk_kms::Client::new(&sdk);
    arn.insert("norotate-key", key(&kms, None).await);
    let slow = key(&kms, None).await;
    kms.enable_key_rotation()
        .key_id(&slow)
        .rotation_period_in_days(730)
        .send()
        .await
        .unwrap();
    arn.insert("slow-key", slow);
    arn.insert("open-key", key(&kms, Some(r#"{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#.into())).await);
    let doomed = key(&kms, None).await;
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    arn.insert("doomed-key", doomed);

    let s3c = s3(&sdk);
    let open = format!("ins-open-{id}");
    bucket(&s3c, &open).await;
    arn.insert("open-bucket", format!("arn:aws:s3:::{open}"));
    let blocked = format!("ins-blocked-{id}");
    bucket(&s3c, &blocked).await;
    block_public(&s3c, &blocked).await;
    arn.insert("blocked-bucket", format!("arn:aws:s3:::{blocked}"));
    let trail_bucket = format!("ins-trail-{id}");
    bucket(&s3c, &trail_bucket).await;
    s3c.put_bucket_policy()
        .bucket(&trail_bucket)
        .policy(format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{trail_bucket}/*"}}]}}"#))
        .send()
        .await
        .unwrap();
    expire_after(&s3c, &trail_bucket, 30).await;
    let findings_bucket = format!("ins-findings-{id}");
    bucket(&s3c, &findings_bucket).await;
    expire_after(&s3c, &findings_bucket, 30).await;
    arn.insert("findings-bucket", format!("arn:aws:s3:::{findings_bucket}"));

    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    arn.insert(
        "plain-secret",
        sm.create_secret()
            .name("plain")
            .secret_string("{}")
            .send()
            .await
            .unwrap()
            .arn
            .unwrap(),
    );
    let stuck = sm
        .create_secret()
        .name("stuck")
        .secret_string("{}")
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();
    // Started but never finished: AWSPENDING stays on a version that is not AWSCURRENT.
    sm.rotate_secret()
        .secret_id(&stuck)
        .rotation_lambda_arn(format!("arn:aws:lambda:{REGION}:{id}:function:rotator"))
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .send()
        .await
        .unwrap();
    arn.insert("stuck-secret", stuck);

    let gd = aws_sdk_guardduty::Client::new(&sdk);
    let detector = gd
        .create_detector()
        .enable(false)
        .features(
            aws_sdk_guardduty::types::DetectorFeatureConfiguration::builder()
                .name("S3_DATA_EVENTS".into())
                .status(aws_sdk_guardduty::types::FeatureStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .detector_id
        .unwrap();
    arn.insert(
        "detector",
        format!("arn:aws:guardduty:{REGION}:{id}:detector/{detector}"),
    );
    let destinations = BTreeMap::from([(
        detector,
        vec![PublishingDestination {
            id: "dest-1".into(),
            status: "PENDING_VERIFICATION".into(),
            destination_arn: Some(format!("arn:aws:s3:::{findings_bucket}")),
            kms_key_arn: None,
            failure_since: None,
            bucket: None,
        }],
    )]);

    let ct = aws_sdk_cloudtrail::Client::new(&sdk);
    let trail = ct
        .create_trail()
        .name("ins-trail")
        .s3_bucket_name(&trail_bucket)
        .send()
        .await
        .unwrap()
        .trail_arn
        .unwrap();
    ct.start_logging().name(&trail).send().await.unwrap();
    arn.insert("trail", trail);
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    cw.put_metric_alarm()
        .alarm_name("orphan")
        .metric_name("Errors")
        .namespace("App")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(300)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(
            aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
        )
        .actions_enabled(false)
        .send()
        .await
        .unwrap();
    arn.insert(
        "orphan-alarm",
        format!("arn:aws:cloudwatch:{REGION}:{id}:alarm:orphan"),
    );

    let rds = aws_sdk_rds::Client::new(&sdk);
    let db = rds
        .create_db_instance()
        .db_instance_identifier("bad-db")
        .db_instance_class("db.t3.micro")
        .engine("mysql")
        .engine_version("8.0.35")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password-2")
        .storage_encrypted(false)
        .publicly_accessible(true)
        .backup_retention_period(1)
        .deletion_protection(false)
        .send()
        .await
        .unwrap()
        .db_instance
        .unwrap()
        .db_instance_arn
        .unwrap();
    arn.insert("db", db);

    let env = [("DB_PASSWORD", LEAKED_PASSWORD), ("LOG_LEVEL", "info")];
    finish(id, sdk, arn, ("leaky-fn", &env), destinations).await
}

/// What every seeded account ends with: one Lambda function with `env` (through the seam),
/// the evidence signing key and the alert topic.
async fn finish(
    id: String,
    sdk: SdkConfig,
    mut arn: BTreeMap<&'static str, String>,
    (function, env): (&'static str, &[(&str, &str)]),
    destinations: BTreeMap<String, Vec<PublishingDestination>>,
) -> Account {
    let lambda = vec![listing(&id, function, env)];
    arn.insert(function, lambda[0].arn.clone());
    Account {
        signing_key: signing_key(&sdk).await,
        topic: Moto::alert_topic(&sdk).await,
        id,
        sdk,
        arn,
        lambda,
        destinations,
    }
}

/// Every file of a bundle directory as text (for "never appears anywhere" checks).
pub fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for entry in walk(dir) {
        out.push_str(&String::from_utf8_lossy(&std::fs::read(&entry).unwrap()));
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}
