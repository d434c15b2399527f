//! GuardDuty findings, as EventBridge delivers them (`source: aws.guardduty`,
//! `detail-type: GuardDuty Finding`).
//!
//! Lenient where GuardDuty is loose: field names are camelCase as AWS sends them; `asn` is a
//! string or a number; `launchTime` is an ISO string or epoch milliseconds; `createdAt` /
//! `updatedAt` are ISO strings or epoch seconds (a float); `additionalInfo` is free-form;
//! `count`, `archived` and `sample` are tolerated as strings; unknown keys are ignored.
//! Strict where a wrong value would make a responder act on the wrong thing: the envelope must
//! say it is a GuardDuty finding; `id`, `type` and `accountId` must be non-empty strings;
//! `severity` must be a number from 0 to 10. `detail.accountId` (not the envelope's account,
//! which is the GuardDuty administrator's in a multi-account setup) is the affected account.
//!
//! What a safeguard reads is never guessed: [`Finding::sample`] and [`Finding::archived`]
//! answer [`Flag::Unreadable`] (not "no") when the `service` block, `additionalInfo` or
//! `archived` is missing or holds something else than a yes or a no, and a responder must not
//! act on such a finding. `service` is optional in GuardDuty's API, so a finding without it
//! still parses; [`Finding::service`] then reads as empty.
//!
//! The finding type reads `ThreatPurpose:ResourceType/ThreatFamily.Mechanism!Artifact`
//! ([`FindingType`]); responders match on its parts by prefix rather than keeping a list of
//! every type, so new types of a known family are handled on the day GuardDuty adds them.

use std::net::IpAddr;
use std::sync::LazyLock;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::alert::Severity;

use super::lenient::{
    lenient_bool, lenient_count, lenient_port, lenient_string, lenient_string_default,
    null_as_default, required_string,
};

/// The `source` of GuardDuty events.
pub const SOURCE: &str = "aws.guardduty";
/// The `detail-type` of GuardDuty finding events.
pub const DETAIL_TYPE: &str = "GuardDuty Finding";

/// A finding event of `finding_type` at `severity` as EventBridge delivers it, with only what
/// event patterns match on: the envelope `events:TestEventPattern` requires (id, account,
/// source, time, region, resources, detail-type) and the finding's account, Region, type and
/// severity; `sample` adds `service.additionalInfo.sample: true`, as GuardDuty marks sample
/// findings. detector-guard's drill and the sweep's GD-06 ask EventBridge whether a rule's
/// pattern matches such an event, so both send the same one.
pub fn probe_event(
    account: &str,
    region: &str,
    finding_type: &str,
    severity: f64,
    time: DateTime<Utc>,
    sample: bool,
) -> Value {
    let mut detail = serde_json::json!({
        "schemaVersion": "2.0",
        "accountId": account,
        "region": region,
        "type": finding_type,
        "severity": severity,
    });
    if sample {
        detail["service"] = serde_json::json!({"additionalInfo": {"sample": true}});
    }
    serde_json::json!({
        "version": "0",
        "id": "00000000-0000-4000-8000-000000000000",
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": account,
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": region,
        "resources": [],
        "detail": detail,
    })
}

/// One finding event: the envelope fields that matter and the finding.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingEvent {
    /// EventBridge event id.
    pub id: Option<String>,
    /// The account that sent the event (the GuardDuty administrator in an organisation).
    pub account: Option<String>,
    pub region: Option<String>,
    pub time: Option<String>,
    pub finding: Finding,
}

/// Why an event is not a usable GuardDuty finding event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingEventError {
    /// Some other event (another source or detail type): routed here by mistake.
    #[error(
        "not a GuardDuty finding event: source is {event_source}, detail-type is {detail_type}; this function handles only source {SOURCE:?} with detail-type {DETAIL_TYPE:?} (check the EventBridge rule's pattern)"
    )]
    Foreign {
        event_source: String,
        detail_type: String,
    },
    /// Claims to be a finding but cannot be read.
    #[error("malformed GuardDuty finding event: {0}")]
    Malformed(String),
}

/// The finding in `detail`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    #[serde(default, deserialize_with = "lenient_string")]
    pub schema_version: Option<String>,
    /// The affected account.
    #[serde(deserialize_with = "required_string")]
    pub account_id: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub partition: Option<String>,
    #[serde(deserialize_with = "required_string")]
    pub id: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(rename = "type", deserialize_with = "required_string")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resource: Resource,
    /// `None` when the finding has no `service` block (see [`Finding::service`]).
    #[serde(default, rename = "service")]
    pub service_block: Option<Service>,
    #[serde(deserialize_with = "severity")]
    pub severity: f64,
    #[serde(default, deserialize_with = "time_seconds_or_iso")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "time_seconds_or_iso")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Set on an ordinary finding that is one signal of an attack sequence.
    #[serde(default)]
    pub associated_attack_sequence_arn: Option<String>,
}

/// A yes/no fact a safeguard depends on, as far as the finding tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    Yes,
    No,
    /// Missing or not a yes or a no: why.
    Unreadable(String),
}

/// What the finding is about.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// `Instance`, `AccessKey`, `S3Bucket`, `RDSDBInstance`, ...
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub instance_details: Option<InstanceDetails>,
    #[serde(default)]
    pub access_key_details: Option<AccessKeyDetails>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub s3_bucket_details: Vec<S3BucketDetail>,
    #[serde(default)]
    pub rds_db_instance_details: Option<RdsDbInstanceDetails>,
    #[serde(default)]
    pub rds_db_user_details: Option<RdsDbUserDetails>,
    #[serde(default)]
    pub ecs_cluster_details: Option<EcsClusterDetails>,
    #[serde(default)]
    pub container_details: Option<ContainerDetails>,
    #[serde(default)]
    pub eks_cluster_details: Option<EksClusterDetails>,
    #[serde(default)]
    pub kubernetes_details: Option<KubernetesDetails>,
    #[serde(default)]
    pub lambda_details: Option<LambdaDetails>,
}

/// An ECS cluster and the task the finding is about (Runtime Monitoring, Malware Protection).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcsClusterDetails {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub task_details: Option<EcsTaskDetails>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcsTaskDetails {
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub definition_arn: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub version: Option<String>,
    #[serde(default)]
    pub started_by: Option<String>,
    /// `service:<name>` for a service's tasks (the ECS convention), `family:<name>` otherwise.
    #[serde(default)]
    pub group: Option<String>,
    /// `FARGATE` or `EC2`.
    #[serde(default)]
    pub launch_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub containers: Vec<ContainerDetails>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

/// A container as GuardDuty describes it (no image digest: read it from the task).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDetails {
    #[serde(default)]
    pub container_runtime: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub security_context: Option<SecurityContext>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityContext {
    #[serde(default, deserialize_with = "lenient_bool")]
    pub privileged: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EksClusterDetails {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesDetails {
    #[serde(default)]
    pub kubernetes_user_details: Option<KubernetesUser>,
    #[serde(default)]
    pub kubernetes_workload_details: Option<KubernetesWorkload>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesUser {
    /// `system:node:<node name>` for a node's own identity.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesWorkload {
    #[serde(default)]
    pub name: Option<String>,
    /// `pods`, `deployments`, `daemonsets`, ...
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub service_account_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub containers: Vec<ContainerDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LambdaDetails {
    #[serde(default)]
    pub function_arn: Option<String>,
    #[serde(default)]
    pub function_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub function_version: Option<String>,
    #[serde(default)]
    pub revision_id: Option<String>,
    /// The execution role's ARN.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceDetails {
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub instance_type: Option<String>,
    #[serde(default, deserialize_with = "time_millis_or_iso")]
    pub launch_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub instance_state: Option<String>,
    #[serde(default)]
    pub availability_zone: Option<String>,
    #[serde(default)]
    pub image_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInterface {
    #[serde(default)]
    pub network_interface_id: Option<String>,
    #[serde(default)]
    pub private_ip_address: Option<String>,
    #[serde(default)]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub public_ip: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroup {
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub group_name: Option<String>,
}

/// A resource tag as GuardDuty copies it into the finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    #[serde(default, deserialize_with = "lenient_string_default")]
    pub key: String,
    #[serde(default, deserialize_with = "lenient_string_default")]
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessKeyDetails {
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    /// `IAMUser`, `AssumedRole`, `Root`, `FederatedUser`, ...
    #[serde(default)]
    pub user_type: Option<String>,
    /// The IAM user's name, or the role's name for `AssumedRole`.
    #[serde(default)]
    pub user_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3BucketDetail {
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub public_access: Option<PublicAccess>,
    /// The scanned objects (Malware Protection for S3).
    #[serde(default, deserialize_with = "null_as_default")]
    pub s3_object_details: Vec<S3ObjectDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3ObjectDetail {
    #[serde(default)]
    pub object_arn: Option<String>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub e_tag: Option<String>,
    /// Hash of the threat found.
    #[serde(default)]
    pub hash: Option<String>,
    /// The scanned version; absent when the bucket is not versioned.
    #[serde(default)]
    pub version_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicAccess {
    /// `PUBLIC` or `NOT_PUBLIC`.
    #[serde(default)]
    pub effective_permission: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RdsDbInstanceDetails {
    #[serde(default)]
    pub db_instance_identifier: Option<String>,
    #[serde(default)]
    pub db_cluster_identifier: Option<String>,
    #[serde(default)]
    pub db_instance_arn: Option<String>,
    #[serde(default)]
    pub engine: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RdsDbUserDetails {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    pub database: Option<String>,
}

/// What GuardDuty saw.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    pub detector_id: Option<String>,
    #[serde(default)]
    pub action: Option<Action>,
    #[serde(default)]
    pub resource_role: Option<ResourceRole>,
    /// Free-form; `sample: true` marks a generated sample finding.
    #[serde(default)]
    pub additional_info: Value,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub archived: Option<bool>,
    /// How many times GuardDuty has seen this activity; grows as the finding is updated.
    #[serde(default, deserialize_with = "lenient_count")]
    pub count: u64,
    #[serde(default, deserialize_with = "time_seconds_or_iso")]
    pub event_first_seen: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "time_seconds_or_iso")]
    pub event_last_seen: Option<DateTime<Utc>>,
    /// `Correlation` for attack sequences.
    #[serde(default)]
    pub feature_name: Option<String>,
    #[serde(default)]
    pub detection: Option<Detection>,
}

/// Extended Threat Detection: what correlated findings add up to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    #[serde(default)]
    pub sequence: Option<Sequence>,
}

/// An attack sequence: who acted, on what, seen through which signals.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sequence {
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub actors: Vec<SequenceActor>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<SequenceResource>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub signals: Vec<SequenceSignal>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceActor {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub user: Option<ActorUser>,
    #[serde(default)]
    pub session: Option<ActorSession>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorUser {
    /// User or role name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
    /// `IAMUser`, `AssumedRole`, `Root`, ...
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The access key id used.
    #[serde(default)]
    pub credential_uid: Option<String>,
    #[serde(default)]
    pub account: Option<ActorAccount>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorAccount {
    #[serde(default)]
    pub uid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorSession {
    /// The role ARN of an assumed-role session.
    #[serde(default)]
    pub issuer: Option<String>,
}

/// A resource a sequence names; `accountId` and `region` are its owner's.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceResource {
    /// An id or an ARN, depending on the type.
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// `EC2_INSTANCE`, `ACCESS_KEY`, `S3_BUCKET`, `S3_OBJECT`, `ECS_TASK`, `EKS_CLUSTER`, ...
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub data: Option<SequenceResourceData>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceResourceData {
    #[serde(default)]
    pub s3_bucket: Option<SequenceBucket>,
    #[serde(default)]
    pub access_key: Option<SequenceAccessKey>,
    #[serde(default)]
    pub s3_object: Option<SequenceObject>,
    #[serde(default)]
    pub ecs_task: Option<SequenceEcsTask>,
    #[serde(default)]
    pub ec2_instance: Option<Value>,
    #[serde(default)]
    pub eks_cluster: Option<Value>,
    #[serde(default)]
    pub kubernetes_workload: Option<Value>,
    /// Everything else (Auto Scaling groups, launch templates, ... with their
    /// `ec2InstanceUids`).
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceBucket {
    /// `PUBLIC` or `NOT_PUBLIC`.
    #[serde(default)]
    pub effective_permission: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceAccessKey {
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub user_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceObject {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub version_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceEcsTask {
    #[serde(default)]
    pub task_definition_arn: Option<String>,
    #[serde(default)]
    pub launch_type: Option<String>,
}

/// One signal of a sequence; for `FINDING` signals `uid` is the member finding's ARN and
/// `name` its type.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SequenceSignal {
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resource_uids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub actor_ids: Vec<String>,
}

/// Whether the resource in the finding did the activity or had it done to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceRole {
    Actor,
    Target,
    Other(String),
}

impl<'de> Deserialize<'de> for ResourceRole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.to_ascii_uppercase().as_str() {
            "ACTOR" => ResourceRole::Actor,
            "TARGET" => ResourceRole::Target,
            _ => ResourceRole::Other(text),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// `NETWORK_CONNECTION`, `PORT_PROBE`, `AWS_API_CALL`, `DNS_REQUEST`, `RDS_LOGIN_ATTEMPT`, ...
    #[serde(default)]
    pub action_type: Option<String>,
    #[serde(default)]
    pub network_connection_action: Option<NetworkConnectionAction>,
    #[serde(default)]
    pub port_probe_action: Option<PortProbeAction>,
    #[serde(default)]
    pub aws_api_call_action: Option<AwsApiCallAction>,
    #[serde(default)]
    pub rds_login_attempt_action: Option<RdsLoginAttemptAction>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConnectionAction {
    /// `INBOUND`, `OUTBOUND` or `UNKNOWN`.
    #[serde(default)]
    pub connection_direction: Option<String>,
    #[serde(default)]
    pub remote_ip_details: Option<RemoteIpDetails>,
    #[serde(default)]
    pub local_port_details: Option<PortDetails>,
    #[serde(default)]
    pub remote_port_details: Option<PortDetails>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub blocked: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortProbeAction {
    #[serde(default, deserialize_with = "lenient_bool")]
    pub blocked: Option<bool>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub port_probe_details: Vec<PortProbeDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortProbeDetail {
    #[serde(default)]
    pub local_port_details: Option<PortDetails>,
    #[serde(default)]
    pub remote_ip_details: Option<RemoteIpDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsApiCallAction {
    #[serde(default)]
    pub api: Option<String>,
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    pub caller_type: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub remote_ip_details: Option<RemoteIpDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RdsLoginAttemptAction {
    #[serde(default)]
    pub remote_ip_details: Option<RemoteIpDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortDetails {
    #[serde(default, deserialize_with = "lenient_port")]
    pub port: Option<u16>,
    #[serde(default)]
    pub port_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteIpDetails {
    #[serde(default)]
    pub ip_address_v4: Option<String>,
    #[serde(default)]
    pub ip_address_v6: Option<String>,
    #[serde(default)]
    pub organization: Option<Organization>,
    #[serde(default)]
    pub country: Option<Country>,
}

impl RemoteIpDetails {
    /// The remote address in canonical form (an IPv4-mapped IPv6 address such as
    /// `::ffff:203.0.113.7` is the IPv4 address it carries), IPv4 preferred; `None` when absent
    /// or not an address.
    pub fn ip(&self) -> Option<IpAddr> {
        [&self.ip_address_v4, &self.ip_address_v6]
            .into_iter()
            .flatten()
            .find_map(|text| text.trim().parse::<IpAddr>().ok())
            .map(|ip| ip.to_canonical())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Autonomous system number: a string in most findings, a number in some.
    #[serde(default, deserialize_with = "lenient_string")]
    pub asn: Option<String>,
    #[serde(default)]
    pub asn_org: Option<String>,
    #[serde(default)]
    pub isp: Option<String>,
    #[serde(default)]
    pub org: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Country {
    #[serde(default)]
    pub country_name: Option<String>,
}

/// The alert severity of a GuardDuty severity score, in the bands GuardDuty documents:
/// 9.0–10.0 Critical, 7.0–8.9 High, 4.0–6.9 Medium, anything lower Low.
fn band(severity: f64) -> Severity {
    if severity >= 9.0 {
        Severity::Critical
    } else if severity >= 7.0 {
        Severity::High
    } else if severity >= 4.0 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// A finding type split into its parts:
/// `ThreatPurpose:ResourceType/ThreatFamily.Mechanism!Artifact`; missing parts are empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingType<'a> {
    pub threat_purpose: &'a str,
    pub resource_type: &'a str,
    pub threat_family: &'a str,
    pub mechanism: &'a str,
    pub artifact: &'a str,
}

impl<'a> FindingType<'a> {
    pub fn parse(text: &'a str) -> FindingType<'a> {
        let (purpose, rest) = text.split_once(':').unwrap_or(("", text));
        let (resource, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let (name, artifact) = rest.split_once('!').unwrap_or((rest, ""));
        let (family, mechanism) = name.split_once('.').unwrap_or((name, ""));
        FindingType {
            threat_purpose: purpose,
            resource_type: resource,
            threat_family: family,
            mechanism,
            artifact,
        }
    }
}

impl FindingEvent {
    /// Reads the event, saying which field is missing or wrong. Never panics, whatever the
    /// JSON.
    pub fn from_value(value: Value) -> Result<Self, FindingEventError> {
        let Value::Object(mut envelope) = value else {
            return Err(FindingEventError::Malformed(
                "expected an EventBridge event object with source, detail-type and detail".into(),
            ));
        };
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => "missing".to_owned(),
            Some(other) => other.to_string(),
        };
        let source = envelope.get("source");
        let detail_type = envelope.get("detail-type");
        if source.and_then(Value::as_str) != Some(SOURCE)
            || detail_type.and_then(Value::as_str) != Some(DETAIL_TYPE)
        {
            return Err(FindingEventError::Foreign {
                event_source: text(source),
                detail_type: text(detail_type),
            });
        }
        let detail = envelope.remove("detail").unwrap_or(Value::Null);
        if !detail.is_object() {
            return Err(FindingEventError::Malformed(
                "detail is missing or not an object; it holds the finding".into(),
            ));
        }
        let finding: Finding = serde_json::from_value(detail)
            .map_err(|e| FindingEventError::Malformed(format!("detail: {e}")))?;
        let string = |key: &str| match envelope.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Ok(FindingEvent {
            id: string("id"),
            account: string("account"),
            region: string("region"),
            time: string("time"),
            finding,
        })
    }
}

impl Finding {
    pub fn finding_type(&self) -> FindingType<'_> {
        FindingType::parse(&self.kind)
    }

    /// The finding's severity band (never [`Severity::Info`]).
    pub fn band(&self) -> Severity {
        band(self.severity)
    }

    /// What GuardDuty saw; empty when the finding has no `service` block.
    pub fn service(&self) -> &Service {
        static EMPTY: LazyLock<Service> = LazyLock::new(Service::default);
        self.service_block.as_ref().unwrap_or(&EMPTY)
    }

    /// Whether this is a sample finding (CreateSampleFindings or the console's "Generate
    /// sample findings"): `additionalInfo.sample`, or `sample` inside the JSON text of
    /// `additionalInfo.value`. Unreadable when the `service` block or `additionalInfo` is
    /// missing, or `sample` is neither a yes nor a no.
    pub fn sample(&self) -> Flag {
        let Some(service) = &self.service_block else {
            return Flag::Unreadable("the finding has no service block".into());
        };
        let info = &service.additional_info;
        if !info.is_object() {
            return Flag::Unreadable(if info.is_null() {
                "service.additionalInfo is missing".into()
            } else {
                format!("service.additionalInfo is not an object: {}", short(info))
            });
        }
        let nested = match info.get("value") {
            Some(Value::String(text)) => serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v.get("sample").cloned()),
            _ => None,
        };
        match info.get("sample").cloned().or(nested) {
            None | Some(Value::Null) => Flag::No,
            Some(Value::Bool(true)) => Flag::Yes,
            Some(Value::Bool(false)) => Flag::No,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Flag::Yes,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Flag::No,
            Some(other) => Flag::Unreadable(format!(
                "service.additionalInfo.sample is {}, not true or false",
                short(&other)
            )),
        }
    }

    /// Whether the finding is archived; unreadable when `service.archived` is missing.
    pub fn archived(&self) -> Flag {
        let Some(service) = &self.service_block else {
            return Flag::Unreadable("the finding has no service block".into());
        };
        match service.archived {
            Some(true) => Flag::Yes,
            Some(false) => Flag::No,
            None => Flag::Unreadable("service.archived is missing".into()),
        }
    }

    /// A sample finding, as far as the finding says so ([`Finding::sample`] is the fail-safe
    /// reading).
    pub fn is_sample(&self) -> bool {
        self.sample() == Flag::Yes
    }

    pub fn is_archived(&self) -> bool {
        self.archived() == Flag::Yes
    }

    /// The attack sequence of an Extended Threat Detection finding.
    pub fn sequence(&self) -> Option<&Sequence> {
        self.service().detection.as_ref()?.sequence.as_ref()
    }

    pub fn action_type(&self) -> Option<&str> {
        self.service()
            .action
            .as_ref()
            .and_then(|a| a.action_type.as_deref())
    }

    /// The network direction of a connection finding (`INBOUND` / `OUTBOUND`), upper-cased.
    pub fn connection_direction(&self) -> Option<String> {
        self.service()
            .action
            .as_ref()?
            .network_connection_action
            .as_ref()?
            .connection_direction
            .as_ref()
            .map(|d| d.to_ascii_uppercase())
    }

    /// Every remote address the finding names, in order, without repeats.
    pub fn remote_ips(&self) -> Vec<IpAddr> {
        let Some(action) = &self.service().action else {
            return Vec::new();
        };
        let details = action
            .network_connection_action
            .iter()
            .filter_map(|a| a.remote_ip_details.as_ref())
            .chain(
                action
                    .port_probe_action
                    .iter()
                    .flat_map(|p| &p.port_probe_details)
                    .filter_map(|d| d.remote_ip_details.as_ref()),
            )
            .chain(
                action
                    .aws_api_call_action
                    .iter()
                    .filter_map(|a| a.remote_ip_details.as_ref()),
            )
            .chain(
                action
                    .rds_login_attempt_action
                    .iter()
                    .filter_map(|a| a.remote_ip_details.as_ref()),
            );
        let mut ips = Vec::new();
        for ip in details.filter_map(RemoteIpDetails::ip) {
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
        ips
    }

    /// The instance the finding is about, if any.
    pub fn instance_id(&self) -> Option<&str> {
        self.resource
            .instance_details
            .as_ref()?
            .instance_id
            .as_deref()
            .filter(|id| !id.is_empty())
    }
}

/// A JSON value for a message, cut to a few dozen characters.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

/// A number from 0 to 10, or such a number as a string: the severity decides what is done, so
/// anything else is refused rather than guessed.
fn severity<'de, D>(deserializer: D) -> Result<f64, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    let number = match &value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match number {
        Some(n) if n.is_finite() && (0.0..=10.0).contains(&n) => Ok(n),
        _ => Err(serde::de::Error::custom(format!(
            "severity: expected a number from 0 to 10, got {value}"
        ))),
    }
}

/// An ISO-8601 / RFC 3339 string, or a number of `unit_per_second`ths of a second since the
/// epoch.
fn time_value<E: serde::de::Error>(
    value: Value,
    units_per_second: f64,
) -> Result<Option<DateTime<Utc>>, E> {
    match &value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| E::custom(format!("expected an ISO-8601 time, got {s:?}: {e}"))),
        Value::Number(n) => {
            let seconds = n.as_f64().unwrap_or(f64::NAN) / units_per_second;
            let millis = (seconds * 1000.0).round();
            // Beyond ±2^53 ms a float no longer holds whole milliseconds, and chrono's range
            // ends long before that anyway.
            if !millis.is_finite() || millis.abs() > 9.0e15 {
                return Err(E::custom(format!("time out of range: {n}")));
            }
            Utc.timestamp_millis_opt(millis as i64)
                .single()
                .map(Some)
                .ok_or_else(|| E::custom(format!("time out of range: {n}")))
        }
        other => Err(E::custom(format!(
            "expected an ISO-8601 string or an epoch number, got {other}"
        ))),
    }
}

/// `createdAt`, `updatedAt`, `eventFirstSeen`, `eventLastSeen`: ISO string or epoch seconds.
fn time_seconds_or_iso<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    time_value(Value::deserialize(deserializer)?, 1.0)
}

/// `launchTime`: ISO string or epoch milliseconds.
fn time_millis_or_iso<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    time_value(Value::deserialize(deserializer)?, 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn probe_events_carry_what_test_event_pattern_requires() {
        let time = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let probe = probe_event(
            "111122223333",
            "eu-west-1",
            "Recon:EC2/PortProbeUnprotectedPort",
            7.0,
            time,
            false,
        );
        for field in [
            "id",
            "account",
            "source",
            "time",
            "region",
            "resources",
            "detail-type",
        ] {
            assert!(probe.get(field).is_some(), "{field}");
        }
        assert_eq!(probe["source"], SOURCE);
        assert_eq!(probe["detail-type"], DETAIL_TYPE);
        assert_eq!(probe["time"], "2026-06-01T00:00:00Z");
        assert_eq!(probe["detail"]["severity"], 7.0);
        assert!(probe["detail"].get("service").is_none());
        let sample = probe_event(
            "111122223333",
            "eu-west-1",
            "Recon:EC2/PortProbeUnprotectedPort",
            8.0,
            time,
            true,
        );
        assert_eq!(
            sample["detail"]["service"]["additionalInfo"]["sample"],
            true
        );
    }

    fn event() -> Value {
        json!({
            "version": "0",
            "id": "cd2d702e-ab31-411b-9344-793ce56b1bc7",
            "detail-type": "GuardDuty Finding",
            "source": "aws.guardduty",
            "account": "111122223333",
            "region": "us-east-1",
            "detail": {
                "schemaVersion": "2.0",
                "accountId": "123456789012",
                "id": "f1",
                "type": "UnauthorizedAccess:EC2/SSHBruteForce",
                "resource": {
                    "resourceType": "Instance",
                    "instanceDetails": {
                        "instanceId": "i-1",
                        "launchTime": 1_700_000_000_000u64,
                        "networkInterfaces": [{"subnetId": "subnet-1", "vpcId": "vpc-1"}],
                        "tags": [{"key": "team", "value": "web"}]
                    }
                },
                "service": {
                    "action": {
                        "actionType": "NETWORK_CONNECTION",
                        "networkConnectionAction": {
                            "connectionDirection": "INBOUND",
                            "remoteIpDetails": {"ipAddressV4": "198.51.100.7", "organization": {"asn": 64500}},
                            "localPortDetails": {"port": 22}
                        }
                    },
                    "resourceRole": "TARGET",
                    "additionalInfo": {"unknown": [1, 2]},
                    "archived": false,
                    "count": 3,
                    "eventLastSeen": "2024-01-01T00:00:00.000Z"
                },
                "severity": 5.0,
                "createdAt": 1_700_000_000.5,
                "somethingNew": {"ignored": true}
            }
        })
    }

    #[test]
    fn reads_a_finding_leniently() {
        let e = FindingEvent::from_value(event()).unwrap();
        let f = &e.finding;
        assert_eq!(e.account.as_deref(), Some("111122223333"));
        assert_eq!(f.account_id, "123456789012");
        assert_eq!(f.instance_id(), Some("i-1"));
        assert_eq!(f.band(), Severity::Medium);
        assert_eq!(f.service().count, 3);
        assert_eq!(f.service().resource_role, Some(ResourceRole::Target));
        assert_eq!(f.connection_direction().as_deref(), Some("INBOUND"));
        assert!(!f.is_sample() && !f.is_archived());
        let details = f.resource.instance_details.as_ref().unwrap();
        assert_eq!(
            details.launch_time.unwrap().to_rfc3339(),
            "2023-11-14T22:13:20+00:00"
        );
        assert_eq!(f.created_at.unwrap().timestamp_millis(), 1_700_000_000_500);
        let remote = f.service().action.as_ref().unwrap();
        let org = remote
            .network_connection_action
            .as_ref()
            .unwrap()
            .remote_ip_details
            .as_ref()
            .unwrap()
            .organization
            .as_ref()
            .unwrap();
        assert_eq!(org.asn.as_deref(), Some("64500"));
        assert_eq!(
            f.remote_ips(),
            vec!["198.51.100.7".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn strings_stand_in_for_numbers_and_booleans() {
        let mut e = event();
        e["detail"]["severity"] = json!("8.0");
        e["detail"]["service"]["count"] = json!("12");
        e["detail"]["service"]["archived"] = json!("TRUE");
        e["detail"]["service"]["additionalInfo"] = json!({"sample": "true"});
        e["detail"]["resource"]["instanceDetails"]["launchTime"] = json!("2016-08-02T02:05:06Z");
        let f = FindingEvent::from_value(e).unwrap().finding;
        assert_eq!(f.band(), Severity::High);
        assert_eq!(f.service().count, 12);
        assert!(f.is_archived() && f.is_sample());
    }

    #[test]
    fn what_safeguards_read_is_never_guessed() {
        let f = FindingEvent::from_value(event()).unwrap().finding;
        assert_eq!((f.sample(), f.archived()), (Flag::No, Flag::No));

        let mut no_service = event();
        no_service["detail"]
            .as_object_mut()
            .unwrap()
            .remove("service");
        let f = FindingEvent::from_value(no_service).unwrap().finding;
        assert!(matches!(f.sample(), Flag::Unreadable(why) if why.contains("no service block")));
        assert!(matches!(f.archived(), Flag::Unreadable(_)));
        assert!(
            !f.is_sample() && !f.is_archived(),
            "not known to be a sample"
        );
        assert_eq!(f.service().count, 0, "an absent service reads as empty");

        for (edit, expected) in [
            (json!({"sample": true}), Flag::Yes),
            (
                json!({"value": "{\"sample\":true}", "type": "default"}),
                Flag::Yes,
            ),
            (json!({"value": "{}", "type": "default"}), Flag::No),
            (json!({"sample": "maybe"}), Flag::Unreadable(String::new())),
            (json!({"sample": 1}), Flag::Unreadable(String::new())),
            (json!(null), Flag::Unreadable(String::new())),
            (json!("sample"), Flag::Unreadable(String::new())),
        ] {
            let mut e = event();
            e["detail"]["service"]["additionalInfo"] = edit.clone();
            let got = FindingEvent::from_value(e).unwrap().finding.sample();
            match expected {
                Flag::Unreadable(_) => {
                    assert!(matches!(got, Flag::Unreadable(_)), "{edit}: {got:?}")
                }
                other => assert_eq!(got, other, "{edit}"),
            }
        }
        let mut no_archived = event();
        no_archived["detail"]["service"]
            .as_object_mut()
            .unwrap()
            .remove("archived");
        let f = FindingEvent::from_value(no_archived).unwrap().finding;
        assert!(matches!(f.archived(), Flag::Unreadable(why) if why.contains("archived")));
    }

    #[test]
    fn mapped_ipv6_addresses_read_as_ipv4() {
        let mut e = event();
        e["detail"]["service"]["action"]["networkConnectionAction"]["remoteIpDetails"] =
            json!({"ipAddressV6": "::ffff:203.0.113.7"});
        let f = FindingEvent::from_value(e).unwrap().finding;
        assert_eq!(
            f.remote_ips(),
            vec!["203.0.113.7".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn bands_follow_guardduty() {
        for (severity, expected) in [
            (0.0, Severity::Low),
            (0.5, Severity::Low),
            (3.9, Severity::Low),
            (4.0, Severity::Medium),
            (6.9, Severity::Medium),
            (7.0, Severity::High),
            (8.9, Severity::High),
            (9.0, Severity::Critical),
            (10.0, Severity::Critical),
        ] {
            assert_eq!(band(severity), expected, "{severity}");
        }
    }

    #[test]
    fn finding_type_splits_into_parts() {
        let t = FindingType::parse("CryptoCurrency:EC2/BitcoinTool.B!DNS");
        assert_eq!(t.threat_purpose, "CryptoCurrency");
        assert_eq!(t.resource_type, "EC2");
        assert_eq!(t.threat_family, "BitcoinTool");
        assert_eq!(t.mechanism, "B");
        assert_eq!(t.artifact, "DNS");
        let t = FindingType::parse("Policy:IAMUser/RootCredentialUsage");
        assert_eq!(t.threat_family, "RootCredentialUsage");
        assert_eq!((t.mechanism, t.artifact), ("", ""));
        let t = FindingType::parse("nonsense");
        assert_eq!(t.threat_purpose, "");
        assert_eq!(t.resource_type, "nonsense");
    }

    #[test]
    fn foreign_and_malformed_events_are_named() {
        let mut other = event();
        other["detail-type"] = json!("GuardDuty Runtime Protection Health");
        let err = FindingEvent::from_value(other).unwrap_err();
        assert!(matches!(err, FindingEventError::Foreign { .. }));
        assert!(
            err.to_string()
                .contains("GuardDuty Runtime Protection Health")
        );

        let mut no_id = event();
        no_id["detail"].as_object_mut().unwrap().remove("id");
        let mut bad_severity = event();
        bad_severity["detail"]["severity"] = json!(42);
        let mut bad_time = event();
        bad_time["detail"]["createdAt"] = json!("yesterday");
        for (e, expected) in [
            (no_id, "missing field `id`"),
            (bad_severity, "from 0 to 10"),
            (bad_time, "ISO-8601"),
            (
                json!({"source": SOURCE, "detail-type": DETAIL_TYPE}),
                "detail is missing",
            ),
            (json!("text"), "EventBridge event object"),
        ] {
            let err = FindingEvent::from_value(e).unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }
}
