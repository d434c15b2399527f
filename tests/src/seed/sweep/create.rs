//! Creates in the emulator what a [`Spec`] describes, over real HTTP, and names each resource:
//! [`Seeded::arn`] maps the spec's names to ARNs (KMS key ids, secret suffixes and detector ids
//! are the emulator's). Each kind is created with bounded concurrency (the large preset has
//! thousands of users). On stock moto (`VIGIL_EMULATOR=stock`) what it cannot do is left out
//! and said where: no trail delivery time, no GuardDuty findings export, rotations finished at
//! once, no dead-letter queue kept on a function, no layer of another account attached.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use aws_config::{Region, SdkConfig};
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use futures::StreamExt;

use super::cis::PATTERNS;
use super::spec::{
    BucketPolicy, Console, Database, Invocations, Key, LayerOwner, PARTNER, ParameterGroup, REGION,
    REGIONS, Rotation, Spec, Trust,
};
use crate::harness::{Moto, harness};

/// How many calls of one kind run at once while seeding.
const WIDTH: usize = 16;

/// What was seeded: the account, and each resource's ARN by its name in the spec.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub id: String,
    pub sdk: SdkConfig,
    pub arn: BTreeMap<String, String>,
    /// Stock moto: the patches' extra behaviours were not there (see the module docs).
    pub stock: bool,
}

impl Seeded {
    /// The ARN of the resource named `name`.
    ///
    /// # Panics
    /// If the spec has no resource of that name.
    pub fn a(&self, name: &str) -> &str {
        self.arn
            .get(name)
            .unwrap_or_else(|| panic!("no resource named {name}"))
    }
}

type Names = Vec<(String, String)>;

/// Runs `make` for each item, `WIDTH` at a time, gathering the names they report.
async fn each<T, F, Fut>(items: impl IntoIterator<Item = T>, make: F) -> Names
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Names>,
{
    futures::stream::iter(items)
        .map(make)
        .buffer_unordered(WIDTH)
        .collect::<Vec<Names>>()
        .await
        .into_iter()
        .flatten()
        .collect()
}

fn in_region(sdk: &SdkConfig, region: &str) -> SdkConfig {
    sdk.to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

fn s3(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(vigil::aws::s3_path_style(sdk))
            .build(),
    )
}

/// Seeds `spec` into its (fresh) account. `s3control` sets the account-level Block Public
/// Access (an S3 Control client that reaches the emulator: the sweep's `s3control_client`).
///
/// # Panics
/// If the emulator refuses a call.
pub async fn seed(spec: &Spec, sdk: SdkConfig, s3control: &aws_sdk_s3control::Client) -> Seeded {
    let stock = harness().moto.is_stock();
    let mut arn = BTreeMap::new();
    arn.extend(iam(spec, &sdk).await);
    arn.extend(kms(spec, &sdk).await);
    let names = arn.clone();
    arn.extend(buckets(spec, &sdk, s3control, &names).await);
    arn.extend(secrets(spec, &sdk, &names, stock).await);
    arn.extend(guardduty(spec, &sdk, &names, stock).await);
    arn.extend(trails(spec, &sdk, &names, stock).await);
    arn.extend(alarms(spec, &sdk).await);
    arn.extend(databases(spec, &sdk).await);
    arn.extend(functions(spec, &sdk, &arn.clone()).await);
    arn.extend(log_groups(spec, &sdk, &arn.clone()).await);
    arn.extend(parameters(spec, &sdk).await);
    alert_rules(spec, &sdk).await;
    arn.extend(server_certificates(spec, &sdk).await);
    arn.extend(analyzers(spec, stock));
    drill(spec, &sdk, &arn).await;
    Seeded {
        id: spec.id.clone(),
        sdk,
        arn,
        stock,
    }
}

async fn iam(spec: &Spec, sdk: &SdkConfig) -> Names {
    let iam = aws_sdk_iam::Client::new(sdk);
    let id = spec.id.as_str();
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
    let mut names = Names::new();
    for policy in &spec.policies {
        let policy_arn = iam
            .create_policy()
            .policy_name(&policy.name)
            .policy_document(policy.doc.json(id))
            .send()
            .await
            .unwrap()
            .policy
            .unwrap()
            .arn
            .unwrap();
        names.push((policy.name.clone(), policy_arn));
    }
    let policy_arn = |name: &str| format!("arn:aws:iam::{id}:policy/{name}");
    for group in &spec.groups {
        iam.create_group()
            .group_name(&group.name)
            .send()
            .await
            .unwrap();
        for p in &group.attached {
            iam.attach_group_policy()
                .group_name(&group.name)
                .policy_arn(policy_arn(p))
                .send()
                .await
                .unwrap();
        }
    }
    names.extend(
        each(&spec.users, |user| {
            let iam = iam.clone();
            async move {
                let user_arn = iam
                    .create_user()
                    .user_name(&user.name)
                    .send()
                    .await
                    .unwrap()
                    .user
                    .unwrap()
                    .arn;
                for g in &user.groups {
                    iam.add_user_to_group()
                        .group_name(g)
                        .user_name(&user.name)
                        .send()
                        .await
                        .unwrap();
                }
                if user.console != Console::None {
                    iam.create_login_profile()
                        .user_name(&user.name)
                        .password("Aa1!aaaaaaaaaaaa")
                        .send()
                        .await
                        .unwrap();
                }
                if user.console == Console::PasswordAndMfa {
                    let serial = iam
                        .create_virtual_mfa_device()
                        .virtual_mfa_device_name(&user.name)
                        .send()
                        .await
                        .unwrap()
                        .virtual_mfa_device
                        .unwrap()
                        .serial_number;
                    iam.enable_mfa_device()
                        .user_name(&user.name)
                        .serial_number(serial)
                        .authentication_code1("123456")
                        .authentication_code2("654321")
                        .send()
                        .await
                        .unwrap();
                }
                if user.console == Console::PasswordAndHardwareMfa {
                    // A hardware TOTP token: a serial number, no virtual device.
                    iam.enable_mfa_device()
                        .user_name(&user.name)
                        .serial_number(format!("GAHT{:08}", user.name.len()))
                        .authentication_code1("123456")
                        .authentication_code2("654321")
                        .send()
                        .await
                        .unwrap();
                }
                for _ in 0..user.access_keys {
                    iam.create_access_key()
                        .user_name(&user.name)
                        .send()
                        .await
                        .unwrap();
                }
                for p in &user.attached {
                    iam.attach_user_policy()
                        .user_name(&user.name)
                        .policy_arn(policy_arn(p))
                        .send()
                        .await
                        .unwrap();
                }
                for (name, doc) in &user.inline {
                    iam.put_user_policy()
                        .user_name(&user.name)
                        .policy_name(name)
                        .policy_document(doc.json(id))
                        .send()
                        .await
                        .unwrap();
                }
                vec![(user.name.clone(), user_arn)]
            }
        })
        .await,
    );
    names.extend(
        each(&spec.roles, |role| {
            let iam = iam.clone();
            async move {
                let role_arn = iam
                    .create_role()
                    .role_name(&role.name)
                    .assume_role_policy_document(trust_policy(role.trust, id))
                    .send()
                    .await
                    .unwrap()
                    .role
                    .unwrap()
                    .arn;
                iam.put_role_policy()
                    .role_name(&role.name)
                    .policy_name("inline")
                    .policy_document(role.inline.json(id))
                    .send()
                    .await
                    .unwrap();
                vec![(role.name.clone(), role_arn)]
            }
        })
        .await,
    );
    names
}

/// The trust policy of a role trusted as `trust` says, in account `id`.
fn trust_policy(trust: Trust, id: &str) -> String {
    let statement = match trust {
        Trust::LambdaPinned => format!(
            r#"{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:SourceAccount":"{id}"}}}}}}"#
        ),
        Trust::Lambda => r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#.to_owned(),
        Trust::PartnerWithExternalId => format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PARTNER}:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"vigil-partner-7Qm2"}}}}}}"#
        ),
        Trust::Partner => format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PARTNER}:root"}},"Action":"sts:AssumeRole"}}"#
        ),
    };
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

/// The key policy that lets one role administer the key and nobody else (no emergency access).
fn locked_key_policy(id: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AppOnly","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{id}:role/scoped-role"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

/// The secret resource policy that lets everyone read it.
const PUBLIC_SECRET_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

/// The key policy that lets everyone in.
const OPEN_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#;

async fn key(sdk: &SdkConfig, key: &Key, id: &str) -> Names {
    use aws_sdk_kms::types::{KeySpec, KeyUsageType};
    let kms = aws_sdk_kms::Client::new(&in_region(sdk, key.region));
    let policy = if key.open {
        Some(OPEN_KEY_POLICY.to_owned())
    } else if !key.emergency_access {
        Some(locked_key_policy(id))
    } else {
        None
    };
    let mut create = kms
        .create_key()
        .set_policy(policy)
        .multi_region(key.multi_region);
    if key.signing {
        create = create
            .key_usage(KeyUsageType::SignVerify)
            .key_spec(KeySpec::Rsa3072)
            .description("evidence signing");
    }
    let created = create.send().await.unwrap().key_metadata.unwrap();
    let key_arn = created.arn.unwrap();
    if let Some(days) = key.rotation_days {
        kms.enable_key_rotation()
            .key_id(&key_arn)
            .rotation_period_in_days(days)
            .send()
            .await
            .unwrap();
    }
    if key.disabled {
        kms.disable_key()
            .key_id(&created.key_id)
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
    vec![(key.name.clone(), key_arn)]
}

async fn kms(spec: &Spec, sdk: &SdkConfig) -> Names {
    each(&spec.keys, |k| key(sdk, k, &spec.id)).await
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
        BucketPolicy::Tls12Only => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}},{{"Sid":"Tls12","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"],"Condition":{{"NumericLessThan":{{"s3:TlsVersion":"1.2"}}}}}}]}}"#
        ),
        BucketPolicy::AccessLogDelivery => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S3ServerAccessLogs","Effect":"Allow","Principal":{{"Service":"logging.s3.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ),
        BucketPolicy::PublicRead => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ),
        BucketPolicy::PartnerRead => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"PartnerRead","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PARTNER}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
        ),
    }
}

async fn buckets(
    spec: &Spec,
    sdk: &SdkConfig,
    s3control: &aws_sdk_s3control::Client,
    keys: &BTreeMap<String, String>,
) -> Names {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, BucketLocationConstraint, BucketLoggingStatus,
        CreateBucketConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
        LifecycleRuleFilter, LoggingEnabled, ServerSideEncryption, ServerSideEncryptionByDefault,
        ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    };
    if spec.account_block {
        use aws_sdk_s3control::types::PublicAccessBlockConfiguration as AccountBlock;
        s3control
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
    let name_of = |key: &str| {
        spec.buckets
            .iter()
            .find(|b| b.name == key)
            .map(|b| b.bucket.clone())
            .unwrap_or_else(|| panic!("no bucket {key} in the spec"))
    };
    // Created first, all of them: a bucket may log to one listed after it.
    each(&spec.buckets, |b| async move {
        let s3c = s3(&in_region(sdk, b.region));
        let mut create = s3c.create_bucket().bucket(&b.bucket);
        if b.region != REGION {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(b.region))
                    .build(),
            );
        }
        create.send().await.unwrap();
        vec![]
    })
    .await;
    let names = each(&spec.buckets, |b| async move {
        let s3c = s3(&in_region(sdk, b.region));
        let name = b.bucket.as_str();
        if b.block {
            s3c.put_public_access_block()
                .bucket(name)
                .public_access_block_configuration(all_on())
                .send()
                .await
                .unwrap();
        }
        if b.public_acl {
            s3c.put_bucket_acl()
                .bucket(name)
                .acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead)
                .send()
                .await
                .unwrap();
        }
        if b.versioned {
            s3c.put_bucket_versioning()
                .bucket(name)
                .versioning_configuration(
                    aws_sdk_s3::types::VersioningConfiguration::builder()
                        .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                        .build(),
                )
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
        if let Some(key) = &b.encrypted_with {
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
        vec![(b.name.clone(), format!("arn:aws:s3:::{name}"))]
    })
    .await;
    // Logging last: S3 refuses a target bucket whose policy does not yet let the logging
    // service write, and each target's policy is put by its own task above.
    each(&spec.buckets, |b| {
        let name_of = &name_of;
        async move {
            let s3c = s3(&in_region(sdk, b.region));
            let name = b.bucket.as_str();
            if let Some(target) = &b.logs_to {
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
            vec![]
        }
    })
    .await;
    names
}

async fn secrets(
    spec: &Spec,
    sdk: &SdkConfig,
    keys: &BTreeMap<String, String>,
    stock: bool,
) -> Names {
    use aws_sdk_secretsmanager::types::RotationRulesType;
    let rules = || {
        RotationRulesType::builder()
            .automatically_after_days(30)
            .build()
    };
    each(&spec.secrets, |s| async move {
        let sm = aws_sdk_secretsmanager::Client::new(&in_region(sdk, s.region));
        let secret = sm
            .create_secret()
            .name(&s.secret)
            .secret_string("{}")
            .set_kms_key_id(s.encrypted_with.as_ref().map(|k| keys[k].clone()))
            .send()
            .await
            .unwrap()
            .arn
            .unwrap();
        if s.public {
            sm.put_resource_policy()
                .secret_id(&secret)
                .resource_policy(PUBLIC_SECRET_POLICY)
                .send()
                .await
                .unwrap();
        }
        match s.rotation {
            Rotation::Off => {}
            // Stock moto wants the rotation function to exist and runs it in Docker: rotation
            // is switched on without one, and moto finishes it at once (none stays stuck).
            _ if stock => {
                sm.rotate_secret()
                    .secret_id(&secret)
                    .rotation_rules(rules())
                    .send()
                    .await
                    .unwrap();
            }
            Rotation::Finished | Rotation::Stuck => {
                let token = sm
                    .rotate_secret()
                    .secret_id(&secret)
                    .rotation_lambda_arn(format!(
                        "arn:aws:lambda:{}:{}:function:rotator",
                        s.region, spec.id
                    ))
                    .rotation_rules(rules())
                    .send()
                    .await
                    .unwrap()
                    .version_id
                    .unwrap();
                // Stuck: started but never finished, AWSPENDING stays on a version that is
                // not AWSCURRENT. Finished: as the rotation function would (the emulator only
                // starts it).
                if s.rotation == Rotation::Finished {
                    finish_rotation(&sm, &secret, &token).await;
                }
            }
        }
        vec![(s.name.clone(), secret)]
    })
    .await
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

/// The detectors and, on the patched emulator, their findings export (stock moto has no
/// publishing-destination API).
async fn guardduty(
    spec: &Spec,
    sdk: &SdkConfig,
    names: &BTreeMap<String, String>,
    stock: bool,
) -> Names {
    use aws_sdk_guardduty::types::{
        DestinationProperties, DestinationType, DetectorFeatureConfiguration, FeatureStatus,
    };
    let mut out = Names::new();
    for d in &spec.detectors {
        let gd = aws_sdk_guardduty::Client::new(&in_region(sdk, d.region));
        let mut create = gd.create_detector().enable(d.enabled);
        for f in &d.features {
            create = create.features(
                DetectorFeatureConfiguration::builder()
                    .name(f.as_str().into())
                    .status(FeatureStatus::Enabled)
                    .build(),
            );
        }
        if let Some(on) = d.ai_protection {
            create = create.features(
                DetectorFeatureConfiguration::builder()
                    .name(aws_sdk_guardduty::types::DetectorFeature::AiProtection)
                    .status(if on {
                        FeatureStatus::Enabled
                    } else {
                        FeatureStatus::Disabled
                    })
                    .build(),
            );
        }
        let detector = create.send().await.unwrap().detector_id.unwrap();
        out.push((
            d.name.clone(),
            format!(
                "arn:aws:guardduty:{}:{}:detector/{detector}",
                d.region, spec.id
            ),
        ));
        let Some(export) = d.export.as_ref().filter(|_| !stock) else {
            continue;
        };
        let bucket = &spec
            .buckets
            .iter()
            .find(|b| b.name == export.bucket)
            .expect("the export bucket is in the spec")
            .bucket;
        let destination_arn = match export.prefix {
            Some(prefix) => format!("arn:aws:s3:::{bucket}/{prefix}"),
            None => format!("arn:aws:s3:::{bucket}"),
        };
        let destination = gd
            .create_publishing_destination()
            .detector_id(&detector)
            .destination_type(DestinationType::S3)
            .destination_properties(
                DestinationProperties::builder()
                    .destination_arn(destination_arn)
                    .set_kms_key_arn(export.encrypted_with.as_ref().map(|k| names[k].clone()))
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .destination_id
            .unwrap();
        if export.status != "PUBLISHING" {
            // What GuardDuty last reported, said through tests/emulator/patches/guardduty.py.
            let url = format!(
                "{}/moto-api/vigil/guardduty/destination-status",
                harness().moto.endpoint
            );
            let body = serde_json::json!({
                "account_id": spec.id, "region": d.region, "detector_id": detector,
                "destination_id": destination, "status": export.status,
            });
            ureq::post(&url)
                .header("content-type", "application/json")
                .send(body.to_string())
                .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        }
    }
    out
}

/// The trails, each with its log group (its CIS metric filters, their alarms and the topic
/// they notify, when asked).
async fn trails(
    spec: &Spec,
    sdk: &SdkConfig,
    names: &BTreeMap<String, String>,
    stock: bool,
) -> Names {
    let id = &spec.id;
    let mut out = Names::new();
    for t in &spec.trails {
        let sdk = in_region(sdk, t.region);
        let group_arn = match &t.log_group {
            None => None,
            Some(g) => {
                let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
                logs.create_log_group()
                    .log_group_name(&g.name)
                    .send()
                    .await
                    .unwrap();
                logs.put_retention_policy()
                    .log_group_name(&g.name)
                    .retention_in_days(g.retention_days)
                    .send()
                    .await
                    .unwrap();
                let group_arn = format!("arn:aws:logs:{}:{id}:log-group:{}:*", t.region, g.name);
                out.push((g.name.clone(), group_arn.clone()));
                if g.cis_alarms {
                    out.extend(cis_alarms(&sdk, &g.name, t.region, id).await);
                }
                Some(group_arn)
            }
        };
        let bucket = &spec
            .buckets
            .iter()
            .find(|b| b.name == t.bucket)
            .expect("the trail bucket is in the spec")
            .bucket;
        let ct = aws_sdk_cloudtrail::Client::new(&sdk);
        let mut create = ct
            .create_trail()
            .name(&t.name)
            .s3_bucket_name(bucket)
            .is_multi_region_trail(t.multi_region)
            .enable_log_file_validation(t.log_file_validation)
            .set_kms_key_id(t.encrypted_with.as_ref().map(|k| names[k].clone()));
        if let Some(group_arn) = &group_arn {
            create = create
                .cloud_watch_logs_log_group_arn(group_arn)
                .cloud_watch_logs_role_arn(format!("arn:aws:iam::{id}:role/trail-to-logs"));
        }
        let trail = create.send().await.unwrap().trail_arn.unwrap();
        ct.start_logging().name(&trail).send().await.unwrap();
        let mut put = ct.put_event_selectors().trail_name(&trail).event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(true)
                .build(),
        );
        if let Some(rw) = t.s3_data_events {
            // Every bucket's objects, as AWS spells "all buckets" (`arn:aws:s3`).
            put = put.event_selectors(
                aws_sdk_cloudtrail::types::EventSelector::builder()
                    .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::from(rw))
                    .include_management_events(false)
                    .data_resources(
                        aws_sdk_cloudtrail::types::DataResource::builder()
                            .r#type("AWS::S3::Object")
                            .values("arn:aws:s3")
                            .build(),
                    )
                    .build(),
            );
        }
        // Lambda invocations: every function (`arn:aws:lambda`), or the ones named by ARN.
        let values = match &t.invocations {
            Invocations::None => vec![],
            Invocations::Every => vec!["arn:aws:lambda".to_owned()],
            Invocations::Of(names) => names
                .iter()
                .map(|n| {
                    let f = spec
                        .functions
                        .iter()
                        .find(|f| &f.name == n)
                        .expect("a trail names functions of the spec");
                    format!("arn:aws:lambda:{}:{id}:function:{}", f.region, f.name)
                })
                .collect(),
        };
        if !values.is_empty() {
            put = put.event_selectors(
                aws_sdk_cloudtrail::types::EventSelector::builder()
                    .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                    .include_management_events(false)
                    .data_resources(
                        aws_sdk_cloudtrail::types::DataResource::builder()
                            .r#type("AWS::Lambda::Function")
                            .set_values(Some(values))
                            .build(),
                    )
                    .build(),
            );
        }
        put.send().await.unwrap();
        if t.insights {
            ct.put_insight_selectors()
                .trail_name(&trail)
                .insight_selectors(
                    aws_sdk_cloudtrail::types::InsightSelector::builder()
                        .insight_type(aws_sdk_cloudtrail::types::InsightType::ApiCallRateInsight)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        // Stock moto has no such endpoint: its trails never delivered.
        if group_arn.is_some() && !stock {
            // The emulator never delivers logs; its CloudTrail patch lets a test say when
            // CloudTrail last delivered to CloudWatch Logs: an hour ago.
            let delivered = chrono::Utc::now().timestamp() - 3600;
            harness().moto.set_trail_status(
                id,
                &trail,
                serde_json::json!({"LatestCloudWatchLogsDeliveryTime": delivered}),
            );
        }
        out.push((t.name.clone(), trail));
    }
    out
}

/// The 15 CIS metric filters on log group `group`, an alarm on each metric notifying one topic
/// with a subscriber. The alarms are named `<group>-cis-NN`.
async fn cis_alarms(sdk: &SdkConfig, group: &str, region: &str, account: &str) -> Names {
    let logs = aws_sdk_cloudwatchlogs::Client::new(sdk);
    let cw = aws_sdk_cloudwatch::Client::new(sdk);
    let alerts = topic(sdk, &format!("{group}-alerts"), region, account).await;
    let mut out = Names::new();
    for (i, pattern) in PATTERNS.iter().enumerate() {
        let metric = format!("CIS{:02}", i + 1);
        let name = format!("{group}-cis-{:02}", i + 1);
        logs.put_metric_filter()
            .log_group_name(group)
            .filter_name(&name)
            .filter_pattern(*pattern)
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
        put_alarm(&cw, &name, &metric, "CISBenchmark", Some(&alerts)).await;
        out.push((
            name.clone(),
            format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}"),
        ));
    }
    out
}

/// An SNS topic with one (Lambda) subscriber.
async fn topic(sdk: &SdkConfig, name: &str, region: &str, account: &str) -> String {
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
        .endpoint(format!("arn:aws:lambda:{region}:{account}:function:pager"))
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

async fn alarms(spec: &Spec, sdk: &SdkConfig) -> Names {
    let mut out = Names::new();
    for alarm in &spec.alarms {
        let sdk = in_region(sdk, alarm.region);
        let cw = aws_sdk_cloudwatch::Client::new(&sdk);
        let topic = if alarm.actions_enabled {
            Some(topic(&sdk, &alarm.name, alarm.region, &spec.id).await)
        } else {
            None
        };
        put_alarm(&cw, &alarm.name, "Errors", "App", topic.as_deref()).await;
        out.push((
            alarm.name.clone(),
            format!(
                "arn:aws:cloudwatch:{}:{}:alarm:{}",
                alarm.region, spec.id, alarm.name
            ),
        ));
    }
    out
}

/// `rds.force_ssl = 1` and, when the group names one, its `ssl_min_protocol_version`, for an
/// instance or a cluster parameter group.
fn tls_parameters(group: &ParameterGroup) -> Vec<aws_sdk_rds::types::Parameter> {
    let parameter = |name: &str, value: &str| {
        aws_sdk_rds::types::Parameter::builder()
            .parameter_name(name)
            .parameter_value(value)
            .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
            .build()
    };
    if group.family.contains("mysql") {
        let mut out = vec![parameter("require_secure_transport", "ON")];
        out.extend(group.min_tls.map(|v| parameter("tls_version", v)));
        return out;
    }
    let mut out = vec![parameter("rds.force_ssl", "1")];
    out.extend(
        group
            .min_tls
            .map(|v| parameter("ssl_min_protocol_version", v)),
    );
    out
}

/// The DB subnet group hardened instances are created in (RDS-15), one per Region.
const SUBNET_GROUP: &str = "vigil-seed-private";

async fn databases(spec: &Spec, sdk: &SdkConfig) -> Names {
    let regions: BTreeSet<&str> = spec
        .databases
        .iter()
        .filter(|d| d.hardened && !d.cluster)
        .map(|d| d.region)
        .collect();
    for region in regions {
        subnet_group(&in_region(sdk, region)).await;
    }
    let account = spec.id.as_str();
    each(&spec.databases, |d| async move {
        let rds = aws_sdk_rds::Client::new(&in_region(sdk, d.region));
        let db_arn = if d.cluster {
            cluster(&rds, d).await
        } else {
            instance(&rds, d, account).await
        };
        vec![(d.name.clone(), db_arn)]
    })
    .await
}

/// A VPC with two subnets in different zones, and [`SUBNET_GROUP`] over them.
async fn subnet_group(sdk: &SdkConfig) {
    let ec2 = aws_sdk_ec2::Client::new(sdk);
    let region = sdk.region().expect("a Region").as_ref();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    let mut subnets = Vec::new();
    for (zone, cidr) in [("a", "10.20.1.0/24"), ("b", "10.20.2.0/24")] {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(cidr)
            .availability_zone(format!("{region}{zone}"))
            .send()
            .await
            .unwrap()
            .subnet
            .and_then(|s| s.subnet_id)
            .unwrap();
        subnets.push(subnet);
    }
    aws_sdk_rds::Client::new(sdk)
        .create_db_subnet_group()
        .db_subnet_group_name(SUBNET_GROUP)
        .db_subnet_group_description("private subnets")
        .set_subnet_ids(Some(subnets))
        .send()
        .await
        .unwrap();
}

async fn instance(rds: &aws_sdk_rds::Client, d: &Database, account: &str) -> String {
    if let Some(group) = &d.force_ssl {
        rds.create_db_parameter_group()
            .db_parameter_group_name(&group.name)
            .db_parameter_group_family(group.family)
            .description("TLS on")
            .send()
            .await
            .unwrap();
        rds.modify_db_parameter_group()
            .db_parameter_group_name(&group.name)
            .set_parameters(Some(tls_parameters(group)))
            .send()
            .await
            .unwrap();
    }
    rds.create_db_instance()
        .db_instance_identifier(&d.identifier)
        .db_instance_class("db.t3.micro")
        .engine(d.engine)
        .engine_version(d.engine_version)
        .allocated_storage(20)
        .master_username(d.master_username)
        .master_user_password("not-a-real-password-1")
        .storage_encrypted(d.encrypted)
        .publicly_accessible(d.public)
        .multi_az(d.resilient)
        .auto_minor_version_upgrade(d.resilient)
        .copy_tags_to_snapshot(d.resilient)
        .set_enable_cloudwatch_logs_exports(d.resilient.then(|| vec![log_type(d)]))
        .enable_iam_database_authentication(d.iam_auth)
        .backup_retention_period(d.backup_days)
        .deletion_protection(d.deletion_protection)
        .set_db_parameter_group_name(d.force_ssl.as_ref().map(|g| g.name.clone()))
        .port(port(d))
        .monitoring_interval(if d.hardened { 60 } else { 0 })
        .set_monitoring_role_arn(
            d.hardened
                .then(|| MONITORING_ROLE.replace("{account}", account)),
        )
        .set_db_subnet_group_name(d.hardened.then(|| SUBNET_GROUP.to_owned()))
        .set_engine_lifecycle_support(lifecycle(d))
        .ca_certificate_identifier(if d.hardened {
            "rds-ca-rsa2048-g1"
        } else {
            "rds-ca-2019"
        })
        .send()
        .await
        .unwrap()
        .db_instance
        .unwrap()
        .db_instance_arn
        .unwrap()
}

/// The role Enhanced Monitoring publishes with (RDS only records its ARN).
const MONITORING_ROLE: &str = "arn:aws:iam::{account}:role/rds-monitoring-role";

/// The port a database listens on: its engine's default unless hardened (RDS-14).
fn port(d: &Database) -> i32 {
    match (d.engine.contains("mysql"), d.hardened) {
        (true, false) => 3306,
        (true, true) => 3406,
        (false, false) => 5432,
        (false, true) => 5532,
    }
}

/// Hardened databases opt out of RDS Extended Support; the others keep RDS's default
/// (enrolled).
fn lifecycle(d: &Database) -> Option<String> {
    d.hardened
        .then(|| "open-source-rds-extended-support-disabled".to_owned())
}

/// The log type a database exports to CloudWatch Logs when it exports one.
fn log_type(d: &Database) -> String {
    if d.engine.contains("postgres") {
        "postgresql".into()
    } else {
        "error".into()
    }
}

async fn cluster(rds: &aws_sdk_rds::Client, d: &Database) -> String {
    if let Some(group) = &d.force_ssl {
        rds.create_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(&group.name)
            .db_parameter_group_family(group.family)
            .description("TLS on")
            .send()
            .await
            .unwrap();
        rds.modify_db_cluster_parameter_group()
            .db_cluster_parameter_group_name(&group.name)
            .set_parameters(Some(tls_parameters(group)))
            .send()
            .await
            .unwrap();
    }
    rds.create_db_cluster()
        .db_cluster_identifier(&d.identifier)
        .engine(d.engine)
        .engine_version(d.engine_version)
        .master_username(d.master_username)
        .master_user_password("not-a-real-password-1")
        .storage_encrypted(d.encrypted)
        .copy_tags_to_snapshot(d.resilient)
        .set_enable_cloudwatch_logs_exports(d.resilient.then(|| vec![log_type(d)]))
        .enable_iam_database_authentication(d.iam_auth)
        .backup_retention_period(d.backup_days)
        .deletion_protection(d.deletion_protection)
        .set_db_cluster_parameter_group_name(d.force_ssl.as_ref().map(|g| g.name.clone()))
        .port(port(d))
        .set_engine_lifecycle_support(lifecycle(d))
        .set_backtrack_window((d.hardened && d.engine == "aurora-mysql").then_some(86_400))
        .send()
        .await
        .unwrap()
        .db_cluster
        .unwrap()
        .db_cluster_arn
        .unwrap()
}

/// An empty zip archive: the emulator stores a function's code without running it.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

/// A layer version named `name` published in `sdk`'s account and `region`, usable by
/// `consumer` (another account) when given.
async fn layer(sdk: &SdkConfig, region: &str, name: &str, consumer: Option<&str>) -> String {
    use aws_sdk_lambda::primitives::Blob;
    let lambda = aws_sdk_lambda::Client::new(&in_region(sdk, region));
    let published = lambda
        .publish_layer_version()
        .layer_name(name)
        .content(
            aws_sdk_lambda::types::LayerVersionContentInput::builder()
                .zip_file(Blob::new(EMPTY_ZIP))
                .build(),
        )
        .send()
        .await
        .unwrap();
    if let Some(account) = consumer {
        lambda
            .add_layer_version_permission()
            .layer_name(name)
            .version_number(published.version)
            .statement_id("consumer")
            .action("lambda:GetLayerVersion")
            .principal(account)
            .send()
            .await
            .unwrap();
    }
    published.layer_version_arn.unwrap()
}

/// Per Region and owner, the layer version the functions there use: this account's, and one
/// published by another (fresh) account. Stock moto cannot attach the other account's (see
/// the module docs): none then.
async fn layers(
    spec: &Spec,
    sdk: &SdkConfig,
    stock: bool,
) -> BTreeMap<(&'static str, LayerOwner), String> {
    let mut out = BTreeMap::new();
    let partner = Moto::new_account();
    let partner_sdk = harness().moto.sdk_config(&partner).await;
    for f in &spec.functions {
        let Some(owner) = f.layer else { continue };
        if out.contains_key(&(f.region, owner)) || (owner == LayerOwner::Partner && stock) {
            continue;
        }
        let arn = match owner {
            LayerOwner::Own => layer(sdk, f.region, "shared-helpers", None).await,
            LayerOwner::Partner => {
                layer(&partner_sdk, f.region, "vendor-agent", Some(&spec.id)).await
            }
        };
        out.insert((f.region, owner), arn);
    }
    out
}

/// An SQS queue per Region with a function that sends it its failed invocations.
async fn dead_letter_queues(spec: &Spec, sdk: &SdkConfig) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for f in spec.functions.iter().filter(|f| f.dead_letter) {
        if out.contains_key(f.region) {
            continue;
        }
        let sqs = aws_sdk_sqs::Client::new(&in_region(sdk, f.region));
        sqs.create_queue()
            .queue_name("function-dead-letters")
            .send()
            .await
            .unwrap();
        out.insert(
            f.region,
            format!("arn:aws:sqs:{}:{}:function-dead-letters", f.region, spec.id),
        );
    }
    out
}

async fn functions(spec: &Spec, sdk: &SdkConfig, names: &BTreeMap<String, String>) -> Names {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{
        DeadLetterConfig, Environment, FunctionCode, FunctionUrlAuthType, Runtime, VpcConfig,
    };
    let id = &spec.id;
    let layers = &layers(spec, sdk, harness().moto.is_stock()).await;
    let queues = &dead_letter_queues(spec, sdk).await;
    each(&spec.functions, |f| async move {
        let lambda = aws_sdk_lambda::Client::new(&in_region(sdk, f.region));
        let arn = lambda
            .create_function()
            .function_name(&f.name)
            .runtime(Runtime::from(f.runtime))
            .set_kms_key_arn(f.encrypted_with.as_ref().map(|k| names[k].clone()))
            .set_vpc_config(f.vpc.then(|| {
                VpcConfig::builder()
                    .subnet_ids("subnet-0a1b2c3d4e5f60001")
                    .subnet_ids("subnet-0a1b2c3d4e5f60002")
                    .security_group_ids("sg-0a1b2c3d4e5f60001")
                    .build()
            }))
            .set_dead_letter_config(f.dead_letter.then(|| {
                DeadLetterConfig::builder()
                    .target_arn(&queues[f.region])
                    .build()
            }))
            .set_layers(
                f.layer
                    .and_then(|owner| layers.get(&(f.region, owner)))
                    .map(|l| vec![l.clone()]),
            )
            .handler("index.handler")
            .role(&names[&f.role])
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(EMPTY_ZIP))
                    .build(),
            )
            .environment(
                Environment::builder()
                    .set_variables(Some(f.env.iter().cloned().collect()))
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .function_arn
            .unwrap();
        let permission = lambda
            .add_permission()
            .function_name(&f.name)
            .statement_id("invoke")
            .action("lambda:InvokeFunction");
        let permission = if f.public_policy {
            permission.principal("*")
        } else {
            permission.principal("s3.amazonaws.com").source_account(id)
        };
        permission.send().await.unwrap();
        if let Some(auth) = f.url_auth {
            lambda
                .create_function_url_config()
                .function_name(&f.name)
                .auth_type(FunctionUrlAuthType::from(auth))
                .cors(
                    aws_sdk_lambda::types::Cors::builder()
                        .allow_origins(if f.url_cors_any {
                            "*"
                        } else {
                            "https://app.example.com"
                        })
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
        vec![(f.name.clone(), arn)]
    })
    .await
}

async fn log_groups(spec: &Spec, sdk: &SdkConfig, names: &BTreeMap<String, String>) -> Names {
    let id = &spec.id;
    each(&spec.log_groups, |g| async move {
        let logs = aws_sdk_cloudwatchlogs::Client::new(&in_region(sdk, g.region));
        logs.create_log_group()
            .log_group_name(&g.name)
            .set_kms_key_id(g.encrypted_with.as_ref().map(|k| names[k].clone()))
            .send()
            .await
            .unwrap();
        if let Some(days) = g.retention_days {
            logs.put_retention_policy()
                .log_group_name(&g.name)
                .retention_in_days(days)
                .send()
                .await
                .unwrap();
        }
        let arn = format!("arn:aws:logs:{}:{id}:log-group:{}", g.region, g.name);
        vec![(g.name.clone(), arn)]
    })
    .await
}

/// The SSM parameters, each named by the ARN GetParameter gives it.
async fn parameters(spec: &Spec, sdk: &SdkConfig) -> Names {
    use aws_sdk_ssm::types::ParameterType;
    each(&spec.parameters, |p| async move {
        let ssm = aws_sdk_ssm::Client::new(&in_region(sdk, p.region));
        ssm.put_parameter()
            .name(&p.name)
            .value(&p.value)
            .r#type(ParameterType::from(p.kind))
            .send()
            .await
            .unwrap();
        let arn = ssm
            .get_parameter()
            .name(&p.name)
            .send()
            .await
            .unwrap()
            .parameter
            .and_then(|p| p.arn)
            .expect("GetParameter names the ARN");
        vec![(p.name.clone(), arn)]
    })
    .await
}

/// The server certificates, uploaded to IAM one after the other: self-signed (rcgen), valid
/// from a year ago to `valid_days` from today. Each is named by the ARN IAM answers.
async fn server_certificates(spec: &Spec, sdk: &SdkConfig) -> Names {
    let iam = aws_sdk_iam::Client::new(sdk);
    let mut names = Names::new();
    for c in &spec.server_certificates {
        let (body, key) = certificate(&c.name, c.valid_days);
        let arn = iam
            .upload_server_certificate()
            .server_certificate_name(&c.name)
            .certificate_body(body)
            .private_key(key)
            .send()
            .await
            .unwrap()
            .server_certificate_metadata
            .expect("UploadServerCertificate answers the metadata")
            .arn;
        names.push((c.name.clone(), arn));
    }
    names
}

/// A self-signed certificate for `name.example.com` (PEM) and its private key (PEM), valid
/// until `valid_days` from today (negative: already expired).
fn certificate(name: &str, valid_days: i64) -> (String, String) {
    use chrono::Datelike;
    let day = |offset: i64| {
        let d = (chrono::Utc::now() + chrono::Duration::days(offset)).date_naive();
        rcgen::date_time_ymd(
            d.year(),
            u8::try_from(d.month()).expect("a month fits"),
            u8::try_from(d.day()).expect("a day fits"),
        )
    };
    let mut params = rcgen::CertificateParams::new(vec![format!("{name}.example.com")])
        .expect("a valid DNS name");
    params.not_before = day(-365);
    params.not_after = day(valid_days);
    let key = rcgen::KeyPair::generate().expect("generate a key");
    let cert = params.self_signed(&key).expect("self-sign");
    (cert.pem(), key.serialize_pem())
}

/// The analyzers and their findings, through the emulator's Access Analyzer
/// (tests/emulator/patches/accessanalyzer.py); stock moto has none, so nothing is created
/// there (the sweep's ListAnalyzers fails: AA-01 and AA-02 are ERROR). Each analyzer is named
/// by its ARN, and each Region of [`REGIONS`] by `analyzers@REGION`, the ARN the sweep gives
/// Region-level Access Analyzer findings (`analyzer/*`).
fn analyzers(spec: &Spec, stock: bool) -> Names {
    let moto = &harness().moto;
    let id = spec.id.as_str();
    let mut names: Names = REGIONS
        .iter()
        .map(|r| {
            (
                format!("analyzers@{r}"),
                format!("arn:aws:access-analyzer:{r}:{id}:analyzer/*"),
            )
        })
        .collect();
    for a in &spec.analyzers {
        let arn = if stock {
            format!(
                "arn:aws:access-analyzer:{}:{id}:analyzer/{}",
                a.region, a.name
            )
        } else {
            let arn = moto.create_analyzer(id, a.region, &a.name, a.kind);
            for (i, status) in a.findings.iter().enumerate() {
                moto.add_analyzer_finding(
                    id,
                    a.region,
                    &a.name,
                    &format!("arn:aws:s3:::{}-shared-{i}", a.name),
                    status,
                );
            }
            arn
        };
        names.push((a.name.clone(), arn));
    }
    names
}

/// The EventBridge rules for GuardDuty findings, one after the other (their order on the bus is
/// the spec's).
async fn alert_rules(spec: &Spec, sdk: &SdkConfig) {
    use aws_sdk_eventbridge::types::{RuleState, Target};
    for r in &spec.alert_rules {
        let events = aws_sdk_eventbridge::Client::new(&in_region(sdk, r.region));
        events
            .put_rule()
            .name(&r.name)
            .event_pattern(r.pattern())
            .state(if r.enabled {
                RuleState::Enabled
            } else {
                RuleState::Disabled
            })
            .send()
            .await
            .unwrap();
        if r.target {
            events
                .put_targets()
                .rule(&r.name)
                .targets(
                    Target::builder()
                        .id("alerts")
                        .arn(format!(
                            "arn:aws:sns:{}:{}:security-alerts",
                            r.region, spec.id
                        ))
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
    }
}

/// The latest drill's record as detector-guard writes it: `detector-guard/drills/<id>/` with
/// `drill.json`, its manifest and the manifest's KMS signature (the spec's signing key), and
/// `detector-guard/drills/latest.json` pointing at it.
async fn drill(spec: &Spec, sdk: &SdkConfig, names: &BTreeMap<String, String>) {
    use vigil::evidence::{Files, MANIFEST, SIGNATURE, build_manifest, kms::Signer};
    use vigil::state::drill::{LATEST, Outcome, Pointer, RECORD, Summary};

    let Some(run) = spec.drill.latest else {
        return;
    };
    let bucket = spec
        .buckets
        .iter()
        .find(|b| b.name == spec.drill.bucket)
        .expect("the drill bucket is a spec bucket");
    let key = spec.keys.iter().find(|k| k.signing).expect("a signing key");
    let finished_at = chrono::Utc::now() - chrono::Duration::days(run.days_ago);
    let id = format!("drill-{}", finished_at.format("%Y%m%dT%H%M%SZ"));
    let outcome = if run.passed {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    let summary = Summary {
        id: id.clone(),
        account: spec.id.clone(),
        region: REGION.into(),
        detector_id: None,
        types: vec!["Recon:EC2/PortProbeUnprotectedPort".into()],
        sent_at: Some(finished_at),
        finished_at,
        outcome,
        broken_link: (!run.passed).then(|| "delivery".into()),
        detail: if run.passed {
            "every sample reached the responder and was alerted".into()
        } else {
            "1 of 1 sample(s) not received by the deadline".into()
        },
        route: Some("vigil-guardduty-findings".into()),
        legs: vec![],
    };
    let mut files = Files::new();
    files.insert(
        RECORD.to_owned(),
        serde_json::to_vec_pretty(&summary).unwrap(),
    );
    let (manifest, digest) =
        build_manifest(&id, &spec.id, &finished_at.to_rfc3339(), None, &files, &[]).unwrap();
    let kms = aws_sdk_kms::Client::new(&in_region(sdk, key.region));
    let signature = Signer::new(kms, names[&key.name].clone())
        .sign(&digest)
        .await
        .unwrap();
    files.insert(MANIFEST.to_owned(), manifest);
    files.insert(
        SIGNATURE.to_owned(),
        serde_json::to_vec_pretty(&signature).unwrap(),
    );
    let s3 = s3(&in_region(sdk, bucket.region));
    let location = format!("{DRILLS}{id}/");
    let pointer = Pointer {
        drill_id: id,
        location: location.clone(),
        outcome,
        finished_at,
    };
    files.insert(
        format!("../{LATEST}"),
        serde_json::to_vec_pretty(&pointer).unwrap(),
    );
    for (name, body) in files {
        let key = match name.strip_prefix("../") {
            Some(latest) => format!("{DRILLS}{latest}"),
            None => format!("{location}{name}"),
        };
        s3.put_object()
            .bucket(&bucket.bucket)
            .key(key)
            .body(body.into())
            .send()
            .await
            .unwrap();
    }
}

/// Where detector-guard keeps drill records in the evidence bucket.
pub const DRILLS: &str = vigil::state::drill::DEFAULT_PREFIX;
