//! Creates in the emulator what a [`Spec`] describes, over real HTTP, and names each resource
//! the assertions ask about.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use compliance_sweep::aws::lambda::Listing;
use compliance_sweep::aws::s3control::s3control_client;
use compliance_sweep::checks::cloudwatch::PATTERNS;
use compliance_sweep::facts::PublishingDestination;
use secrecy::SecretString;
use vigil_tests::harness::{Moto, harness};

use super::spec::{BucketPolicy, Console, Database, Rotation, Spec};
use super::{Account, REGION, s3, signing_key};

/// Resource ARNs by the names the assertions use.
type Names = BTreeMap<&'static str, String>;

/// Seeds `spec` into its (fresh) account.
pub async fn seed(spec: &Spec, sdk: SdkConfig) -> Account {
    let id = spec.id.as_str();
    let mut arn = Names::new();
    iam(spec, &sdk, &mut arn).await;
    let keys = kms(spec, &sdk, &mut arn).await;
    buckets(spec, &sdk, &keys, &mut arn).await;
    secrets(spec, &sdk, &keys, &mut arn).await;
    let destinations = guardduty(spec, &sdk, &keys, &mut arn).await;
    trail(spec, &sdk, &keys, &mut arn).await;
    alarms(spec, &sdk, &mut arn).await;
    databases(spec, &sdk, &mut arn).await;
    let function = Listing {
        arn: format!(
            "arn:aws:lambda:{REGION}:{id}:function:{}",
            spec.function.name
        ),
        name: spec.function.name.to_owned(),
        variables: spec
            .function
            .env
            .iter()
            .map(|(k, v)| (k.to_string(), SecretString::from(v.clone())))
            .collect(),
        error: None,
    };
    arn.insert(spec.function.name, function.arn.clone());
    Account {
        signing_key: signing_key(&sdk).await,
        topic: Moto::alert_topic(&sdk).await,
        id: id.to_owned(),
        sdk,
        arn,
        lambda: vec![function],
        destinations,
    }
}

async fn iam(spec: &Spec, sdk: &SdkConfig, arn: &mut Names) {
    let iam = aws_sdk_iam::Client::new(sdk);
    let p = &spec.password_policy;
    let every = p.every_character_class;
    iam.update_account_password_policy()
        .minimum_password_length(p.minimum_length)
        .set_password_reuse_prevention(p.reuse_prevention)
        .require_symbols(every)
        .require_numbers(every)
        .require_uppercase_characters(every)
        .require_lowercase_characters(every)
        .set_max_password_age(p.max_age_days)
        .send()
        .await
        .unwrap();
    let mut policies = BTreeMap::new();
    for policy in &spec.policies {
        let policy_arn = iam
            .create_policy()
            .policy_name(policy.name)
            .policy_document(&policy.document)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap()
            .arn
            .unwrap();
        arn.insert(policy.name, policy_arn.clone());
        policies.insert(policy.name, policy_arn);
    }
    for group in &spec.groups {
        iam.create_group()
            .group_name(group.name)
            .send()
            .await
            .unwrap();
        for p in &group.attached {
            iam.attach_group_policy()
                .group_name(group.name)
                .policy_arn(&policies[p])
                .send()
                .await
                .unwrap();
        }
    }
    for user in &spec.users {
        let user_arn = iam
            .create_user()
            .user_name(user.name)
            .send()
            .await
            .unwrap()
            .user
            .unwrap()
            .arn;
        arn.insert(user.name, user_arn);
        for g in &user.groups {
            iam.add_user_to_group()
                .group_name(*g)
                .user_name(user.name)
                .send()
                .await
                .unwrap();
        }
        if user.console != Console::None {
            iam.create_login_profile()
                .user_name(user.name)
                .password("Aa1!aaaaaaaaaaaa")
                .send()
                .await
                .unwrap();
        }
        if user.console == Console::PasswordAndMfa {
            let serial = iam
                .create_virtual_mfa_device()
                .virtual_mfa_device_name(user.name)
                .send()
                .await
                .unwrap()
                .virtual_mfa_device
                .unwrap()
                .serial_number;
            iam.enable_mfa_device()
                .user_name(user.name)
                .serial_number(serial)
                .authentication_code1("123456")
                .authentication_code2("654321")
                .send()
                .await
                .unwrap();
        }
        for _ in 0..user.access_keys {
            iam.create_access_key()
                .user_name(user.name)
                .send()
                .await
                .unwrap();
        }
        for p in &user.attached {
            iam.attach_user_policy()
                .user_name(user.name)
                .policy_arn(&policies[p])
                .send()
                .await
                .unwrap();
        }
        for (name, document) in &user.inline {
            iam.put_user_policy()
                .user_name(user.name)
                .policy_name(*name)
                .policy_document(document)
                .send()
                .await
                .unwrap();
        }
    }
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    for role in &spec.roles {
        let role_arn = iam
            .create_role()
            .role_name(role.name)
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap()
            .role
            .unwrap()
            .arn;
        iam.put_role_policy()
            .role_name(role.name)
            .policy_name("inline")
            .policy_document(&role.inline)
            .send()
            .await
            .unwrap();
        arn.insert(role.name, role_arn);
    }
}

/// The keys, by name: their ARNs.
async fn kms(spec: &Spec, sdk: &SdkConfig, arn: &mut Names) -> Names {
    let kms = aws_sdk_kms::Client::new(sdk);
    let mut keys = Names::new();
    for key in &spec.keys {
        let created = kms
            .create_key()
            .set_policy(key.policy.clone())
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap();
        let key_arn = created.arn.unwrap();
        if let Some(days) = key.rotation_days {
            kms.enable_key_rotation()
                .key_id(&key_arn)
                .rotation_period_in_days(days)
                .send()
                .await
                .unwrap();
        }
        if key.scheduled_for_deletion {
            // By id: stock moto looks the value up as a bare key id.
            kms.schedule_key_deletion()
                .key_id(&created.key_id)
                .pending_window_in_days(7)
                .send()
                .await
                .unwrap();
        }
        arn.insert(key.name, key_arn.clone());
        keys.insert(key.name, key_arn);
    }
    keys
}

fn all_on() -> PublicAccessBlockConfiguration {
    PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build()
}

fn bucket_policy(policy: BucketPolicy, bucket: &str) -> String {
    match policy {
        BucketPolicy::TlsOnly => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
        ),
        BucketPolicy::AccessLogDelivery => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S3ServerAccessLogs","Effect":"Allow","Principal":{{"Service":"logging.s3.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ),
        BucketPolicy::PublicRead => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ),
    }
}

async fn buckets(spec: &Spec, sdk: &SdkConfig, keys: &Names, arn: &mut Names) {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, BucketLoggingStatus, ExpirationStatus, LifecycleExpiration,
        LifecycleRule, LifecycleRuleFilter, LoggingEnabled, ServerSideEncryption,
        ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    };
    if spec.account_block {
        use aws_sdk_s3control::types::PublicAccessBlockConfiguration as AccountBlock;
        s3control_client(sdk)
            .put_public_access_block()
            .account_id(&spec.id)
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
    }
    let s3c = s3(sdk);
    let name_of = |key: &str| {
        spec.buckets
            .iter()
            .find(|b| b.name == key)
            .map(|b| b.bucket.clone())
            .unwrap_or_else(|| panic!("no bucket {key} in the spec"))
    };
    for b in &spec.buckets {
        let name = b.bucket.as_str();
        s3c.create_bucket().bucket(name).send().await.unwrap();
        if b.block {
            s3c.put_public_access_block()
                .bucket(name)
                .public_access_block_configuration(all_on())
                .send()
                .await
                .unwrap();
        }
        if let Some(policy) = b.policy {
            s3c.put_bucket_policy()
                .bucket(name)
                .policy(bucket_policy(policy, name))
                .send()
                .await
                .unwrap();
        }
        if let Some(key) = b.encrypted_with {
            s3c.put_bucket_encryption()
                .bucket(name)
                .server_side_encryption_configuration(
                    ServerSideEncryptionConfiguration::builder()
                        .rules(
                            ServerSideEncryptionRule::builder()
                                .apply_server_side_encryption_by_default(
                                    ServerSideEncryptionByDefault::builder()
                                        .sse_algorithm(ServerSideEncryption::AwsKms)
                                        .kms_master_key_id(&keys[key])
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
        if let Some(target) = b.logs_to {
            s3c.put_bucket_logging()
                .bucket(name)
                .bucket_logging_status(
                    BucketLoggingStatus::builder()
                        .logging_enabled(
                            LoggingEnabled::builder()
                                .target_bucket(name_of(target))
                                .target_prefix(format!("{}/", b.name))
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        if let Some(days) = b.expire_after_days {
            s3c.put_bucket_lifecycle_configuration()
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
        arn.insert(b.name, format!("arn:aws:s3:::{name}"));
    }
}

async fn secrets(spec: &Spec, sdk: &SdkConfig, keys: &Names, arn: &mut Names) {
    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    for s in &spec.secrets {
        let secret = sm
            .create_secret()
            .name(s.secret)
            .secret_string("{}")
            .set_kms_key_id(s.encrypted_with.map(|k| keys[k].clone()))
            .send()
            .await
            .unwrap()
            .arn
            .unwrap();
        if s.rotation != Rotation::Off && harness().moto.is_stock() {
            // Stock moto wants the rotation function to exist and runs it in Docker: rotation
            // is switched on without one, and moto finishes it at once (no stuck rotation).
            sm.rotate_secret()
                .secret_id(&secret)
                .rotation_rules(
                    aws_sdk_secretsmanager::types::RotationRulesType::builder()
                        .automatically_after_days(30)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        } else if s.rotation != Rotation::Off {
            let token = sm
                .rotate_secret()
                .secret_id(&secret)
                .rotation_lambda_arn(format!(
                    "arn:aws:lambda:{REGION}:{}:function:rotator",
                    spec.id
                ))
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
            // Stuck: started but never finished, AWSPENDING stays on a version that is not
            // AWSCURRENT. Finished: as the rotation function would (the emulator only starts
            // it).
            if s.rotation == Rotation::Finished {
                finish_rotation(&sm, &secret, &token).await;
            }
        }
        arn.insert(s.name, secret);
    }
}

async fn finish_rotation(sm: &aws_sdk_secretsmanager::Client, secret: &str, token: &str) {
    sm.put_secret_value()
        .secret_id(secret)
        .client_request_token(token)
        .secret_string("{\"v\":2}")
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    let current = sm
        .describe_secret()
        .secret_id(secret)
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
        .secret_id(secret)
        .version_stage("AWSCURRENT")
        .move_to_version_id(token)
        .remove_from_version_id(&current)
        .send()
        .await
        .unwrap();
    sm.update_secret_version_stage()
        .secret_id(secret)
        .version_stage("AWSPENDING")
        .remove_from_version_id(token)
        .send()
        .await
        .unwrap();
}

/// The detector, and its publishing destination for the sweep's seam.
async fn guardduty(
    spec: &Spec,
    sdk: &SdkConfig,
    keys: &Names,
    arn: &mut Names,
) -> BTreeMap<String, Vec<PublishingDestination>> {
    let gd = aws_sdk_guardduty::Client::new(sdk);
    let d = &spec.detector;
    let mut create = gd.create_detector().enable(d.enabled);
    for f in &d.features {
        create = create.features(
            aws_sdk_guardduty::types::DetectorFeatureConfiguration::builder()
                .name(f.as_str().into())
                .status(aws_sdk_guardduty::types::FeatureStatus::Enabled)
                .build(),
        );
    }
    let detector = create.send().await.unwrap().detector_id.unwrap();
    arn.insert(
        "detector",
        format!("arn:aws:guardduty:{REGION}:{}:detector/{detector}", spec.id),
    );
    let bucket = &spec
        .buckets
        .iter()
        .find(|b| b.name == d.export.bucket)
        .expect("the export bucket is in the spec")
        .bucket;
    let destination_arn = match d.export.prefix {
        Some(prefix) => format!("arn:aws:s3:::{bucket}/{prefix}"),
        None => format!("arn:aws:s3:::{bucket}"),
    };
    BTreeMap::from([(
        detector,
        vec![PublishingDestination {
            id: "dest-1".into(),
            status: d.export.status.into(),
            destination_arn: Some(destination_arn),
            kms_key_arn: d.export.encrypted_with.map(|k| keys[k].clone()),
            failure_since: None,
            bucket: None,
        }],
    )])
}

/// The log group with the CIS metric filters and their alarms, the alert topic they notify,
/// and the trail.
async fn trail(spec: &Spec, sdk: &SdkConfig, keys: &Names, arn: &mut Names) {
    let id = &spec.id;
    let group = spec.log_group.name;
    let logs = aws_sdk_cloudwatchlogs::Client::new(sdk);
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    logs.put_retention_policy()
        .log_group_name(group)
        .retention_in_days(spec.log_group.retention_days)
        .send()
        .await
        .unwrap();
    let group_arn = format!("arn:aws:logs:{REGION}:{id}:log-group:{group}:*");
    arn.insert("log-group", group_arn.clone());
    let alerts = topic(sdk, "cis-alerts", id).await;
    let cw = aws_sdk_cloudwatch::Client::new(sdk);
    for i in 0..PATTERNS.len() {
        let metric = format!("CIS{:02}", i + 1);
        logs.put_metric_filter()
            .log_group_name(group)
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
        put_alarm(
            &cw,
            &format!("cis-{:02}", i + 1),
            &metric,
            "CISBenchmark",
            Some(&alerts),
        )
        .await;
    }
    arn.insert(
        "alarm-01",
        format!("arn:aws:cloudwatch:{REGION}:{id}:alarm:cis-01"),
    );

    let t = &spec.trail;
    let bucket = &spec
        .buckets
        .iter()
        .find(|b| b.name == t.bucket)
        .expect("the trail bucket is in the spec")
        .bucket;
    let ct = aws_sdk_cloudtrail::Client::new(sdk);
    let mut create = ct
        .create_trail()
        .name(t.name)
        .s3_bucket_name(bucket)
        .is_multi_region_trail(t.multi_region)
        .enable_log_file_validation(t.log_file_validation)
        .set_kms_key_id(t.encrypted_with.map(|k| keys[k].clone()));
    if t.to_cloudwatch {
        create = create
            .cloud_watch_logs_log_group_arn(&group_arn)
            .cloud_watch_logs_role_arn(format!("arn:aws:iam::{id}:role/trail-to-logs"));
    }
    let trail = create.send().await.unwrap().trail_arn.unwrap();
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
    // Stock moto (VIGIL_EMULATOR=stock) has no such endpoint: its trails never delivered.
    if t.to_cloudwatch && !harness().moto.is_stock() {
        // The emulator never delivers logs; its CloudTrail patch (owned by cloudtrail-delivery)
        // lets a test say when CloudTrail last delivered to CloudWatch Logs: an hour ago.
        let delivered = chrono::Utc::now().timestamp() - 3600;
        harness().moto.set_trail_status(
            id,
            &trail,
            serde_json::json!({"LatestCloudWatchLogsDeliveryTime": delivered}),
        );
    }
    arn.insert("trail", trail);
}

/// A CIS pattern text for filter `i` built from its terms.
fn cis_pattern(i: usize) -> String {
    let terms: Vec<String> = PATTERNS[i]
        .iter()
        .map(|t| format!("({})", t.replacen('=', " = ", 1)))
        .collect();
    format!("{{ {} }}", terms.join(" || "))
}

/// An SNS topic with one (Lambda) subscriber.
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

/// An alarm on `metric` (≥ 1 in 5 minutes), notifying `topic` with actions enabled, or with
/// actions disabled and nothing to notify.
async fn put_alarm(
    cw: &aws_sdk_cloudwatch::Client,
    name: &str,
    metric: &str,
    namespace: &str,
    topic: Option<&str>,
) {
    cw.put_metric_alarm()
        .alarm_name(name)
        .metric_name(metric)
        .namespace(namespace)
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(300)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(
            aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
        )
        .actions_enabled(topic.is_some())
        .set_alarm_actions(topic.map(|t| vec![t.to_owned()]))
        .send()
        .await
        .unwrap();
}

async fn alarms(spec: &Spec, sdk: &SdkConfig, arn: &mut Names) {
    let cw = aws_sdk_cloudwatch::Client::new(sdk);
    for alarm in &spec.alarms {
        let topic = if alarm.actions_enabled {
            Some(topic(sdk, alarm.name, &spec.id).await)
        } else {
            None
        };
        put_alarm(&cw, alarm.name, "Errors", "App", topic.as_deref()).await;
        arn.insert(
            alarm.name,
            format!(
                "arn:aws:cloudwatch:{REGION}:{}:alarm:{}",
                spec.id, alarm.name
            ),
        );
    }
}

/// `rds.force_ssl = 1`, for an instance or a cluster parameter group.
fn force_ssl() -> aws_sdk_rds::types::Parameter {
    aws_sdk_rds::types::Parameter::builder()
        .parameter_name("rds.force_ssl")
        .parameter_value("1")
        .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
        .build()
}

async fn databases(spec: &Spec, sdk: &SdkConfig, arn: &mut Names) {
    let rds = aws_sdk_rds::Client::new(sdk);
    for d in &spec.databases {
        let db_arn = if d.cluster {
            cluster(&rds, d).await
        } else {
            instance(&rds, d).await
        };
        arn.insert(d.name, db_arn);
    }
}

async fn instance(rds: &aws_sdk_rds::Client, d: &Database) -> String {
    if let Some(group) = &d.force_ssl {
        rds.create_db_parameter_group()
            .db_parameter_group_name(group.name)
            .db_parameter_group_family(group.family)
            .description("TLS on")
            .send()
            .await
            .unwrap();
        rds.modify_db_parameter_group()
            .db_parameter_group_name(group.name)
            .parameters(force_ssl())
            .send()
            .await
            .unwrap();
    }
    rds.create_db_instance()
        .db_instance_identifier(d.identifier)
        .db_instance_class("db.t3.micro")
        .engine(d.engine)
        .engine_version(d.engine_version)
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .storage_encrypted(d.encrypted)
        .publicly_accessible(d.public)
        .enable_iam_database_authentication(d.iam_auth)
        .backup_retention_period(d.backup_days)
        .deletion_protection(d.deletion_protection)
        .set_db_parameter_group_name(d.force_ssl.as_ref().map(|g| g.name.to_owned()))
        .send()
        .await
        .unwrap()
        .db_instance
        .unwrap()
        .db_instance_arn
        .unwrap()
}

async fn cluster(rds: &aws_sdk_rds::Client, d: &Database) -> String {
    if let Some(group) = &d.force_ssl {
        rds.create_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(group.name)
            .db_parameter_group_family(group.family)
            .description("TLS on")
            .send()
            .await
            .unwrap();
        rds.modify_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(group.name)
            .parameters(force_ssl())
            .send()
            .await
            .unwrap();
    }
    rds.create_db_cluster()
        .db_cluster_identifier(d.identifier)
        .engine(d.engine)
        .engine_version(d.engine_version)
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .storage_encrypted(d.encrypted)
        .enable_iam_database_authentication(d.iam_auth)
        .backup_retention_period(d.backup_days)
        .deletion_protection(d.deletion_protection)
        .set_db_cluster_parameter_group_name(d.force_ssl.as_ref().map(|g| g.name.to_owned()))
        .send()
        .await
        .unwrap()
        .db_cluster
        .unwrap()
        .db_cluster_arn
        .unwrap()
}
