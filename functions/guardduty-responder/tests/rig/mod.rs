//! A responder test rig: one isolated emulator account with an alert topic, the function's
//! dependencies wired to it, seeding helpers, and the events of `events/guardduty-responder/`
//! pointed at what was seeded.
//!
//! The function runs as it does on Lambda: as a session of its own role
//! ([`FUNCTION_ROLE`]) in the rig's account, with no account header on its requests, so the
//! emulator tells accounts apart by the credentials alone (an assumed role's access key
//! belongs to the role's account). That is what lets a member role assumed in another
//! account reach that account's resources. The tests' own clients use the harness's account
//! header. The events' placeholder account `123456789012` is the rig's account when handled.

#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_ec2::types::Filter;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use guardduty_responder::config::{DEFAULT_RECORD_PREFIX, MemberRole, Mode, ResponseSettings};
use guardduty_responder::report::{ReleaseReport, Report};
use guardduty_responder::{Config, Deps, Error, handle_event, handle_release};
use serde_json::Value;
use vigil::config::Common;
use vigil_tests::harness::{Moto, harness};
use vigil_tests::seed;

pub use vigil_tests::seed::ec2::Seeded;

/// The role the function runs as in the rig's account.
pub const FUNCTION_ROLE: &str = "vigil-test-GuardDutyResponderRole";
/// The member role's name and external id in the member-account tests.
pub const MEMBER_ROLE: &str = "vigil-guardduty-member";
pub const EXTERNAL_ID: &str = "vigil-test-external-id";
/// The account the event files name.
pub const EVENTS_ACCOUNT: &str = "123456789012";

pub struct Rig {
    pub account: String,
    pub sdk: aws_config::SdkConfig,
    /// What the function runs with: its role's session, no account header.
    pub function_sdk: aws_config::SdkConfig,
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
        member_role: None,
        own_principals: Vec::new(),
        record_prefix: DEFAULT_RECORD_PREFIX.to_owned(),
        state_prefix: None,
    }
}

/// A trust policy letting anyone in the emulator assume the role, with `external_id` when
/// given.
fn trust(external_id: Option<&str>) -> String {
    let condition = external_id
        .map(|id| format!(r#","Condition":{{"StringEquals":{{"sts:ExternalId":"{id}"}}}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole"{condition}}}]}}"#
    )
}

/// The status of the user's first access key.
pub async fn key_status(iam: &aws_sdk_iam::Client, user: &str) -> String {
    iam.list_access_keys()
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

/// An IAM user with one access key in the account of `iam`; returns the key id.
pub async fn user_with_key(iam: &aws_sdk_iam::Client, user: &str) -> String {
    iam.create_user().user_name(user).send().await.unwrap();
    iam.create_access_key()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap()
        .access_key_id
}

/// Creates `role` in the account of `iam` (trusting anyone, with `external_id` when given).
pub async fn create_role(iam: &aws_sdk_iam::Client, role: &str, external_id: Option<&str>) {
    iam.create_role()
        .role_name(role)
        .assume_role_policy_document(trust(external_id))
        .send()
        .await
        .expect("create role");
}

/// An SDK configuration acting as a session of `role` in `account` (created there first),
/// with no account header: the emulator finds the account from the credentials.
pub async fn as_role(
    account_sdk: &aws_config::SdkConfig,
    account: &str,
    role: &str,
) -> aws_config::SdkConfig {
    create_role(&aws_sdk_iam::Client::new(account_sdk), role, None).await;
    let c = aws_sdk_sts::Client::new(account_sdk)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{role}"))
        .role_session_name("guardduty-responder")
        .send()
        .await
        .expect("assume the function's role")
        .credentials
        .expect("credentials");
    let plain = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .build_https();
    account_sdk
        .to_builder()
        .http_client(plain)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                c.access_key_id,
                c.secret_access_key,
                Some(c.session_token),
                None,
                "vigil-test",
            )),
        )
        .build()
}

impl Rig {
    pub async fn new() -> Rig {
        let account = Moto::new_account();
        let sdk = harness().moto.sdk_config(&account).await;
        let topic_arn = Moto::alert_topic(&sdk).await;
        let function_sdk = as_role(&sdk, &account, FUNCTION_ROLE).await;
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
            function_sdk,
            topic_arn,
        }
    }

    pub fn deps(&self, response: ResponseSettings) -> Deps {
        self.deps_with(config(response, &self.topic_arn, "VigilTest"))
    }

    /// The function's dependencies with a whole configuration.
    pub fn deps_with(&self, config: Config) -> Deps {
        Deps::new(&self.function_sdk, config)
    }

    /// Settings that also reach member accounts through [`MEMBER_ROLE`].
    pub fn member_config(&self, response: ResponseSettings) -> Config {
        Config {
            member_role: Some(MemberRole {
                name: MEMBER_ROLE.into(),
                external_id: EXTERNAL_ID.into(),
            }),
            ..config(response, &self.topic_arn, "VigilTest")
        }
    }

    /// Handles a finding event; the events' placeholder account is this rig's.
    pub async fn handle(&self, deps: &Deps, mut event: Value) -> Result<Report, Error> {
        if event.pointer("/detail/accountId") == Some(&Value::from(EVENTS_ACCOUNT)) {
            event["detail"]["accountId"] = Value::from(self.account.clone());
        }
        handle_event(event, SystemTime::now() + Duration::from_secs(60), deps).await
    }

    /// Handles a release request for `finding_id`.
    pub async fn release(
        &self,
        deps: &Deps,
        finding_id: &str,
        reactivate_keys: bool,
    ) -> Result<ReleaseReport, Error> {
        let request = serde_json::json!({
            "source": "vigil.guardduty-responder",
            "detail-type": "Release GuardDuty Response",
            "detail": {"findingId": finding_id, "reactivateAccessKeys": reactivate_keys, "requestedBy": "test"}
        });
        handle_release(request, SystemTime::now() + Duration::from_secs(60), deps).await
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
        user_with_key(&self.iam, user).await
    }

    /// Handles `e` again, seen more often, and checks every action finds its work done.
    pub async fn replay_changes_nothing(&self, deps: &Deps, e: &Value) {
        let mut again = e.clone();
        again["detail"]["service"]["count"] = Value::from(9);
        let replay = self.handle(deps, again).await.unwrap();
        assert!(
            replay
                .actions
                .iter()
                .all(|o| o.status == guardduty_responder::actions::Status::AlreadyDone),
            "replay must change nothing: {:#?}",
            replay.actions
        );
    }

    /// A versioned bucket with a malicious object and a policy statement of its owner's; the
    /// bucket, the object's version, the owner's policy and the finding event about it.
    pub async fn seed_malicious_object(&self) -> (String, String, Value, Value) {
        let bucket = format!("uploads-{}", self.account);
        let version = self
            .seed_object(&bucket, "incoming/invoice.pdf.exe", &[("team", "billing")])
            .await;
        let theirs = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "TheirsStays", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]});
        self.s3
            .put_bucket_policy()
            .bucket(&bucket)
            .policy(theirs.to_string())
            .send()
            .await
            .unwrap();
        let e = event(
            "s3-malware-object",
            &[
                (
                    "/detail/resource/s3BucketDetails/0/name",
                    Value::from(bucket.clone()),
                ),
                (
                    "/detail/resource/s3BucketDetails/0/s3ObjectDetails/0/versionId",
                    Value::from(version.clone()),
                ),
            ],
        );
        (bucket, version, theirs, e)
    }

    pub async fn key_status(&self, user: &str) -> String {
        key_status(&self.iam, user).await
    }

    /// The `lambda-c2` event about `image-resizer`, its role in this account.
    pub fn lambda_event(&self) -> Value {
        event(
            "lambda-c2",
            &[(
                "/detail/resource/lambdaDetails/role",
                Value::from(format!(
                    "arn:aws:iam::{}:role/image-resizer-role",
                    self.account
                )),
            )],
        )
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

/// An ECS task as [`Rig::seed_task`] runs it.
pub struct SeededTask {
    pub subnet: String,
    pub group: String,
    pub cluster_arn: String,
    pub task_arn: String,
    pub service_arn: String,
    pub interface: String,
}

impl SeededTask {
    /// The `ecs-runtime-cryptominer` event about this task, with more edits.
    pub fn event(&self, edits: &[(&str, Value)]) -> Value {
        let mut all = vec![
            (
                "/detail/resource/ecsClusterDetails/arn",
                Value::from(self.cluster_arn.clone()),
            ),
            (
                "/detail/resource/ecsClusterDetails/taskDetails/arn",
                Value::from(self.task_arn.clone()),
            ),
        ];
        all.extend(edits.iter().cloned());
        event("ecs-runtime-cryptominer", &all)
    }
}

/// The smallest zip file there is (an empty archive): Lambda's emulator stores the code and
/// never runs it.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

impl Rig {
    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.sdk)
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.sdk)
    }

    /// A Fargate task of service `web` in cluster `storefront`, in awsvpc mode.
    pub async fn seed_task(&self) -> SeededTask {
        seed_task(&self.sdk).await
    }

    /// A function `name` with execution role `<name>-role` and, when given, a reservation.
    pub async fn seed_function(&self, name: &str, reserved: Option<i32>) -> String {
        seed_function(&self.sdk, &self.account, name, reserved).await
    }

    /// A versioned bucket with one object; the object's version id.
    pub async fn seed_object(&self, bucket: &str, key: &str, tags: &[(&str, &str)]) -> String {
        seed_object(&self.s3, bucket, key, tags).await
    }

    /// The alerts as text, oldest first.
    pub fn alert_messages(&self) -> Vec<String> {
        self.alerts()
            .iter()
            .map(|a| a["Message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// See [`Rig::seed_task`].
pub async fn seed_task(sdk: &aws_config::SdkConfig) -> SeededTask {
    let ec2 = aws_sdk_ec2::Client::new(sdk);
    let ecs = aws_sdk_ecs::Client::new(sdk);
    let vpc = seed::ec2::vpc(&ec2, "10.50.0.0/16").await.unwrap();
    let subnet = seed::ec2::subnet(&ec2, &vpc, "10.50.1.0/24").await.unwrap();
    let group = ec2
        .create_security_group()
        .vpc_id(&vpc)
        .group_name("web-tasks")
        .description("web tasks")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let cluster_arn = ecs
        .create_cluster()
        .cluster_name("storefront")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap()
        .cluster_arn
        .unwrap();
    ecs.register_task_definition()
        .family("web")
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image("public.ecr.aws/nginx/nginx:1.25")
                .cpu(256)
                .memory(512)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let service_arn = ecs
        .create_service()
        .cluster("storefront")
        .service_name("web")
        .task_definition("web")
        .desired_count(0)
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
        .service_arn
        .unwrap();
    let task = ecs
        .run_task()
        .cluster("storefront")
        .task_definition("web")
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .group("service:web")
        .network_configuration(
            aws_sdk_ecs::types::NetworkConfiguration::builder()
                .awsvpc_configuration(
                    aws_sdk_ecs::types::AwsVpcConfiguration::builder()
                        .subnets(&subnet)
                        .security_groups(&group)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .clone();
    let interface = task
        .attachments()
        .iter()
        .flat_map(|a| a.details())
        .find(|d| d.name() == Some("networkInterfaceId"))
        .and_then(|d| d.value().map(str::to_owned))
        .unwrap_or_default();
    SeededTask {
        subnet,
        group,
        cluster_arn,
        task_arn: task.task_arn().unwrap().to_owned(),
        service_arn,
        interface,
    }
}

/// See [`Rig::seed_function`].
pub async fn seed_function(
    sdk: &aws_config::SdkConfig,
    account: &str,
    name: &str,
    reserved: Option<i32>,
) -> String {
    let role = format!("{name}-role");
    create_role(&aws_sdk_iam::Client::new(sdk), &role, None).await;
    let lambda = aws_sdk_lambda::Client::new(sdk);
    let arn = lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("index.handler")
        .role(format!("arn:aws:iam::{account}:role/{role}"))
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(EMPTY_ZIP.to_vec()))
                .build(),
        )
        .send()
        .await
        .expect("create function")
        .function_arn
        .unwrap();
    if let Some(n) = reserved {
        lambda
            .put_function_concurrency()
            .function_name(name)
            .reserved_concurrent_executions(n)
            .send()
            .await
            .unwrap();
    }
    arn
}

/// See [`Rig::seed_object`].
pub async fn seed_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    tags: &[(&str, &str)],
) -> String {
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let tagging = tags
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut put = s3.put_object().bucket(bucket).key(key).body(
        aws_sdk_s3::primitives::ByteStream::from_static(
            b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
        ),
    );
    if !tagging.is_empty() {
        put = put.tagging(tagging);
    }
    put.send().await.unwrap().version_id.unwrap()
}
