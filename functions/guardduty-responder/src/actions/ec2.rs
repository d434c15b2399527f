//! EC2: isolate a compromised instance, keep evidence, keep it from being terminated, mark it.
//!
//! Isolation moves every network interface (not only the primary one) into a quarantine
//! security group with no rules, one per VPC, found by its tag and created on first use.
//! A security group change alone leaves *tracked* connections open (AWS keeps established
//! flows a removed rule allowed), so each interface first passes through a second group that
//! allows all traffic in and out: with such rules AWS stops tracking flows, and the move to the
//! rule-less group then cuts them at once (the order AWS's incident response guide gives).
//! The all-traffic group is on the interface only between two consecutive API calls.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, InstanceAttributeName, IpPermission, IpRange, Ipv6Range,
    ResourceType, Tag, TagSpecification,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::AwsCallError;

use super::{ActionError, Ctx, Step, tag_pair};

/// Tag key marking the responder's security groups; the value says which of the two.
pub const QUARANTINE_TAG: &str = "vigil:quarantine";
/// Tag key carrying the finding id on instances and snapshots.
pub const FINDING_TAG: &str = "vigil:guardduty-finding";

/// The two groups of a VPC that isolation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRole {
    /// No rules at all: where interfaces end up.
    Isolation,
    /// All traffic in and out, so flows become untracked just before isolation.
    Untrack,
}

impl GroupRole {
    fn tag_value(self) -> &'static str {
        match self {
            GroupRole::Isolation => "isolation",
            GroupRole::Untrack => "untrack",
        }
    }
}

/// An instance as DescribeInstances shows it now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveInstance {
    pub id: String,
    pub state: Option<String>,
    pub interfaces: Vec<Interface>,
    pub volume_ids: Vec<String>,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    pub id: String,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub group_ids: Vec<String>,
}

/// A security group and whether it has any rule.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub ingress: Vec<IpPermission>,
    pub egress: Vec<IpPermission>,
}

impl Group {
    /// A group just created, as AWS makes every new group: no inbound rule and one outbound
    /// rule allowing all traffic to 0.0.0.0/0.
    pub fn new_with_default_egress(id: String) -> Self {
        Group {
            id,
            ingress: Vec::new(),
            egress: vec![
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            ],
        }
    }
}

/// A network ACL's ingress entries and tags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Acl {
    pub id: String,
    pub entries: Vec<AclEntry>,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    pub rule: i32,
    pub egress: bool,
    pub deny: bool,
    /// IPv4 or IPv6 CIDR.
    pub cidr: Option<String>,
}

/// The EC2 calls the responder makes.
#[derive(Debug, Clone)]
pub struct Ec2 {
    client: Client,
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

impl Ec2 {
    pub fn new(client: Client) -> Self {
        Ec2 { client }
    }

    pub async fn describe_instance(&self, id: &str) -> Result<Option<LiveInstance>, AwsCallError> {
        let output = match self
            .client
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
        {
            Ok(output) => output,
            Err(e) if e.code().is_some_and(|c| c.starts_with("InvalidInstanceID")) => {
                return Ok(None);
            }
            Err(e) => return Err(AwsCallError::new("ec2:DescribeInstances", e)),
        };
        let Some(instance) = output
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.instance_id() == Some(id))
        else {
            return Ok(None);
        };
        let mut interfaces: Vec<(i32, Interface)> = instance
            .network_interfaces()
            .iter()
            .map(|n| {
                let index = n
                    .attachment()
                    .and_then(|a| a.device_index())
                    .unwrap_or(i32::MAX);
                let interface = Interface {
                    id: n.network_interface_id().unwrap_or_default().to_owned(),
                    subnet_id: n.subnet_id().map(str::to_owned),
                    vpc_id: n.vpc_id().map(str::to_owned),
                    group_ids: n
                        .groups()
                        .iter()
                        .filter_map(|g| g.group_id().map(str::to_owned))
                        .collect(),
                };
                (index, interface)
            })
            .collect();
        interfaces.sort_by_key(|(index, _)| *index);
        Ok(Some(LiveInstance {
            id: id.to_owned(),
            state: instance
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_owned()),
            interfaces: interfaces.into_iter().map(|(_, i)| i).collect(),
            volume_ids: instance
                .block_device_mappings()
                .iter()
                .filter_map(|b| b.ebs().and_then(|e| e.volume_id()).map(str::to_owned))
                .collect(),
            tags: instance
                .tags()
                .iter()
                .map(|t| tag_pair(t.key(), t.value()))
                .collect(),
        }))
    }

    /// The VPC's group with the given role, found by tag.
    pub async fn find_group(
        &self,
        vpc_id: &str,
        role: GroupRole,
    ) -> Result<Option<Group>, AwsCallError> {
        let output = self
            .client
            .describe_security_groups()
            .filters(filter("vpc-id", vpc_id))
            .filters(filter(&format!("tag:{QUARANTINE_TAG}"), role.tag_value()))
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:DescribeSecurityGroups", e))?;
        Ok(output.security_groups().first().map(|g| Group {
            id: g.group_id().unwrap_or_default().to_owned(),
            ingress: g.ip_permissions().to_vec(),
            egress: g.ip_permissions_egress().to_vec(),
        }))
    }

    /// Creates the group, tagged with its role in the same call. `Ok(None)` when a group of
    /// that name already exists in the VPC (another invocation created it first).
    pub async fn create_group(
        &self,
        vpc_id: &str,
        name: &str,
        role: GroupRole,
    ) -> Result<Option<String>, AwsCallError> {
        let description = match role {
            GroupRole::Isolation => {
                "Vigil quarantine: no rules; instances moved here by the GuardDuty responder"
            }
            GroupRole::Untrack => {
                "Vigil quarantine step: all traffic, so flows are untracked and cut by the move to the rule-less group"
            }
        };
        let result = self
            .client
            .create_security_group()
            .vpc_id(vpc_id)
            .group_name(name)
            .description(description)
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::SecurityGroup)
                    .tags(tag(QUARANTINE_TAG, role.tag_value()))
                    .tags(tag("Name", name))
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.group_id().map(str::to_owned)),
            Err(e) if e.code() == Some("InvalidGroup.Duplicate") => Ok(None),
            Err(e) => Err(AwsCallError::new("ec2:CreateSecurityGroup", e)),
        }
    }

    /// Removes the group's rules as listed in `group`, ingress and egress each in one call.
    /// `InvalidPermission.NotFound` (a listed rule is already gone, as after a concurrent or
    /// replayed response) is not an error. The emulator then removes none of that call's rules,
    /// so there a rule listed with a gone one stays until the next response describes the group
    /// again; whether AWS removes the rest (it reports `UnknownIpPermissions`) is not verified
    /// here.
    pub async fn revoke(&self, group: &Group) -> Result<(), AwsCallError> {
        let gone = |code: Option<&str>| code == Some("InvalidPermission.NotFound");
        if !group.ingress.is_empty()
            && let Err(e) = self
                .client
                .revoke_security_group_ingress()
                .group_id(&group.id)
                .set_ip_permissions(Some(group.ingress.clone()))
                .send()
                .await
            && !gone(e.code())
        {
            return Err(AwsCallError::new("ec2:RevokeSecurityGroupIngress", e));
        }
        if !group.egress.is_empty()
            && let Err(e) = self
                .client
                .revoke_security_group_egress()
                .group_id(&group.id)
                .set_ip_permissions(Some(group.egress.clone()))
                .send()
                .await
            && !gone(e.code())
        {
            return Err(AwsCallError::new("ec2:RevokeSecurityGroupEgress", e));
        }
        Ok(())
    }

    /// All traffic in and out, IPv4 and IPv6 (the egress IPv4 rule every new group has).
    pub async fn allow_all(&self, group_id: &str) -> Result<(), AwsCallError> {
        let everything = IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
            .build();
        // A rule that is already there is what we want: not an error.
        let duplicate = |code: Option<&str>| code == Some("InvalidPermission.Duplicate");
        if let Err(e) = self
            .client
            .authorize_security_group_ingress()
            .group_id(group_id)
            .ip_permissions(everything)
            .send()
            .await
            && !duplicate(e.code())
        {
            return Err(AwsCallError::new("ec2:AuthorizeSecurityGroupIngress", e));
        }
        if let Err(e) = self
            .client
            .authorize_security_group_egress()
            .group_id(group_id)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .build(),
            )
            .send()
            .await
            && !duplicate(e.code())
        {
            return Err(AwsCallError::new("ec2:AuthorizeSecurityGroupEgress", e));
        }
        Ok(())
    }

    pub async fn set_groups(&self, interface_id: &str, group_id: &str) -> Result<(), AwsCallError> {
        self.client
            .modify_network_interface_attribute()
            .network_interface_id(interface_id)
            .groups(group_id)
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:ModifyNetworkInterfaceAttribute", e))?;
        Ok(())
    }

    /// The volumes that already have a snapshot tagged with `finding_id`.
    pub async fn snapshotted_volumes(&self, finding_id: &str) -> Result<Vec<String>, AwsCallError> {
        let snapshots: Vec<_> = self
            .client
            .describe_snapshots()
            .owner_ids("self")
            .filters(filter(&format!("tag:{FINDING_TAG}"), finding_id))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsCallError::new("ec2:DescribeSnapshots", e))?;
        Ok(snapshots
            .iter()
            .filter_map(|s| s.volume_id().map(str::to_owned))
            .collect())
    }

    pub async fn create_snapshot(
        &self,
        volume_id: &str,
        instance_id: &str,
        finding_id: &str,
    ) -> Result<String, AwsCallError> {
        let output = self
            .client
            .create_snapshot()
            .volume_id(volume_id)
            .description(format!(
                "Vigil evidence: {volume_id} of {instance_id}, GuardDuty finding {finding_id}"
            ))
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::Snapshot)
                    .tags(tag(FINDING_TAG, finding_id))
                    .tags(tag("vigil:instance-id", instance_id))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:CreateSnapshot", e))?;
        Ok(output.snapshot_id().unwrap_or_default().to_owned())
    }

    pub async fn termination_protected(&self, instance_id: &str) -> Result<bool, AwsCallError> {
        let output = self
            .client
            .describe_instance_attribute()
            .instance_id(instance_id)
            .attribute(InstanceAttributeName::DisableApiTermination)
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:DescribeInstanceAttribute", e))?;
        Ok(output
            .disable_api_termination()
            .and_then(|v| v.value())
            .unwrap_or(false))
    }

    pub async fn protect_from_termination(&self, instance_id: &str) -> Result<(), AwsCallError> {
        self.client
            .modify_instance_attribute()
            .instance_id(instance_id)
            .disable_api_termination(AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:ModifyInstanceAttribute", e))?;
        Ok(())
    }

    pub async fn tag(&self, resource_id: &str, tags: &[(&str, &str)]) -> Result<(), AwsCallError> {
        let mut request = self.client.create_tags().resources(resource_id);
        for (key, value) in tags {
            request = request.tags(tag(key, value));
        }
        request
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:CreateTags", e))?;
        Ok(())
    }

    /// The network ACL associated with `subnet_id`.
    pub async fn acl_of_subnet(&self, subnet_id: &str) -> Result<Option<Acl>, AwsCallError> {
        let output = self
            .client
            .describe_network_acls()
            .filters(filter("association.subnet-id", subnet_id))
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:DescribeNetworkAcls", e))?;
        Ok(output.network_acls().first().map(|acl| Acl {
            id: acl.network_acl_id().unwrap_or_default().to_owned(),
            entries: acl
                .entries()
                .iter()
                .map(|e| AclEntry {
                    rule: e.rule_number().unwrap_or_default(),
                    egress: e.egress().unwrap_or(false),
                    deny: e.rule_action().map(|a| a.as_str()) == Some("deny"),
                    cidr: e.cidr_block().or(e.ipv6_cidr_block()).map(str::to_owned),
                })
                .collect(),
            tags: acl
                .tags()
                .iter()
                .map(|t| tag_pair(t.key(), t.value()))
                .collect(),
        }))
    }

    /// Adds (or, with `replace`, overwrites) an inbound deny-all-protocols entry for `cidr`.
    pub async fn deny_inbound(
        &self,
        acl_id: &str,
        rule: i32,
        cidr: &ipnet::IpNet,
        replace: bool,
    ) -> Result<(), AwsCallError> {
        use aws_sdk_ec2::types::RuleAction;
        let (v4, v6) = match cidr {
            ipnet::IpNet::V4(n) => (Some(n.to_string()), None),
            ipnet::IpNet::V6(n) => (None, Some(n.to_string())),
        };
        if replace {
            self.client
                .replace_network_acl_entry()
                .network_acl_id(acl_id)
                .rule_number(rule)
                .protocol("-1")
                .rule_action(RuleAction::Deny)
                .egress(false)
                .set_cidr_block(v4)
                .set_ipv6_cidr_block(v6)
                .send()
                .await
                .map(drop)
                .map_err(|e| AwsCallError::new("ec2:ReplaceNetworkAclEntry", e))
        } else {
            self.client
                .create_network_acl_entry()
                .network_acl_id(acl_id)
                .rule_number(rule)
                .protocol("-1")
                .rule_action(RuleAction::Deny)
                .egress(false)
                .set_cidr_block(v4)
                .set_ipv6_cidr_block(v6)
                .send()
                .await
                .map(drop)
                .map_err(|e| AwsCallError::new("ec2:CreateNetworkAclEntry", e))
        }
    }
}

/// The VPC's group with `role`, created (and for isolation, emptied of rules) if needed.
async fn quarantine_group(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    role: GroupRole,
) -> Result<String, ActionError> {
    let ec2 = &ctx.deps.ec2;
    let base = &ctx.settings.quarantine_group_name;
    let name = match role {
        GroupRole::Isolation => base.clone(),
        GroupRole::Untrack => format!("{base}-untrack"),
    };
    let group = match ec2.find_group(vpc_id, role).await? {
        Some(group) => group,
        None => {
            let created = ec2.create_group(vpc_id, &name, role).await?;
            let found = ec2.find_group(vpc_id, role).await?;
            match (created, found) {
                // Created, but not described yet (eventual consistency): it has what every new
                // group has, including the default egress rule, which revoke() removes.
                (Some(id), None) => Group::new_with_default_egress(id),
                (_, Some(group)) => group,
                (None, None) => {
                    return Err(ActionError::Refused(format!(
                        "a security group named {name} exists in {vpc_id} without the {QUARANTINE_TAG}={} tag; tag it or rename it so Vigil can use its own",
                        role.tag_value()
                    )));
                }
            }
        }
    };
    match role {
        // A rule added to the quarantine group by hand (or a new group's default egress rule)
        // would let the instance talk: the group must stay empty.
        GroupRole::Isolation => ec2.revoke(&group).await?,
        GroupRole::Untrack if group.ingress.is_empty() => ec2.allow_all(&group.id).await?,
        GroupRole::Untrack => {}
    }
    Ok(group.id)
}

/// The quarantine groups of the VPCs seen so far: (VPC, role) → group id.
#[derive(Default)]
struct VpcGroups(Vec<((String, GroupRole), String)>);

impl VpcGroups {
    /// The VPC's group with `role`, from [`quarantine_group`] the first time it is asked for.
    async fn get(
        &mut self,
        ctx: &Ctx<'_>,
        vpc_id: &str,
        role: GroupRole,
    ) -> Result<String, ActionError> {
        if let Some((_, id)) = self.0.iter().find(|((v, r), _)| v == vpc_id && *r == role) {
            return Ok(id.clone());
        }
        let id = quarantine_group(ctx, vpc_id, role).await?;
        self.0.push(((vpc_id.to_owned(), role), id.clone()));
        Ok(id)
    }
}

/// A skip when the live instance carries the exempt tag (the finding's copy of the tags may
/// be older).
async fn refuse_if_exempt(ctx: &Ctx<'_>, instance_id: &str) -> Result<Option<Step>, ActionError> {
    let instance = ctx.instance(instance_id).await?;
    let exempt = &ctx.settings.exempt_tag;
    let tagged = instance.tags.iter().any(|(k, v)| exempt.matches(k, v));
    Ok(tagged.then(|| {
        Step::Skipped(format!(
            "the instance is tagged {}={} now: exempt, alert only",
            exempt.key, exempt.value
        ))
    }))
}

/// Moves every network interface of the instance into its VPC's quarantine group.
pub async fn isolate(ctx: &Ctx<'_>, instance_id: &str) -> Result<Step, ActionError> {
    if let Some(skip) = refuse_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    let instance = ctx.instance(instance_id).await?;
    if instance.interfaces.is_empty() {
        return Err(ActionError::Refused(format!(
            "instance {instance_id} has no network interface to isolate (state {})",
            instance.state.as_deref().unwrap_or("unknown")
        )));
    }
    let mut moved = Vec::new();
    let mut already = Vec::new();
    // Each VPC's two groups, looked up (or created) once however many interfaces it has.
    let mut groups = VpcGroups::default();
    for interface in &instance.interfaces {
        let Some(vpc) = interface.vpc_id.as_deref() else {
            return Err(ActionError::Refused(format!(
                "network interface {} is in no VPC",
                interface.id
            )));
        };
        let isolation = groups.get(ctx, vpc, GroupRole::Isolation).await?;
        if interface.group_ids == [isolation.clone()] {
            already.push(format!("{} ({isolation})", interface.id));
            continue;
        }
        let untrack = groups.get(ctx, vpc, GroupRole::Untrack).await?;
        ctx.deps.ec2.set_groups(&interface.id, &untrack).await?;
        ctx.deps.ec2.set_groups(&interface.id, &isolation).await?;
        moved.push(format!(
            "{} from [{}] to {isolation}",
            interface.id,
            interface.group_ids.join(", ")
        ));
    }
    if moved.is_empty() {
        return Ok(Step::AlreadyDone(format!(
            "every network interface is already in the quarantine group: {}",
            already.join(", ")
        )));
    }
    let mut detail = format!(
        "moved {} to the rule-less quarantine group {} (established connections cut)",
        moved.join("; "),
        ctx.settings.quarantine_group_name
    );
    if !already.is_empty() {
        detail.push_str(&format!("; already there: {}", already.join(", ")));
    }
    Ok(Step::Done(detail))
}

/// Snapshots every attached EBS volume, tagged with the finding id; once per finding.
pub async fn snapshot_volumes(ctx: &Ctx<'_>, instance_id: &str) -> Result<Step, ActionError> {
    if let Some(skip) = refuse_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    let instance = ctx.instance(instance_id).await?;
    if instance.volume_ids.is_empty() {
        return Ok(Step::Skipped(
            "the instance has no EBS volume to snapshot".into(),
        ));
    }
    let finding_id = &ctx.finding.id;
    let done = ctx.deps.ec2.snapshotted_volumes(finding_id).await?;
    let mut created = Vec::new();
    let mut failures = Vec::new();
    for volume in instance.volume_ids.iter().filter(|v| !done.contains(v)) {
        match ctx
            .deps
            .ec2
            .create_snapshot(volume, instance_id, finding_id)
            .await
        {
            Ok(snapshot) => created.push(format!("{snapshot} of {volume}")),
            Err(e) => failures.push(e),
        }
    }
    if let Some(first) = failures.into_iter().next() {
        return Err(ActionError::Aws(first));
    }
    if created.is_empty() {
        return Ok(Step::AlreadyDone(format!(
            "every volume ({}) already has a snapshot tagged {FINDING_TAG}={finding_id}",
            instance.volume_ids.join(", ")
        )));
    }
    Ok(Step::Done(format!(
        "snapshots {} tagged {FINDING_TAG}={finding_id}",
        created.join(", ")
    )))
}

pub async fn protect_from_termination(
    ctx: &Ctx<'_>,
    instance_id: &str,
) -> Result<Step, ActionError> {
    if let Some(skip) = refuse_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    if ctx.deps.ec2.termination_protected(instance_id).await? {
        return Ok(Step::AlreadyDone(
            "termination protection is already on".into(),
        ));
    }
    ctx.deps.ec2.protect_from_termination(instance_id).await?;
    Ok(Step::Done("termination protection turned on".into()))
}

pub async fn tag_instance(ctx: &Ctx<'_>, instance_id: &str) -> Result<Step, ActionError> {
    if let Some(skip) = refuse_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    let instance = ctx.instance(instance_id).await?;
    let finding_id = ctx.finding.id.as_str();
    if instance
        .tags
        .iter()
        .any(|(k, v)| k == FINDING_TAG && v == finding_id)
    {
        return Ok(Step::AlreadyDone(format!(
            "already tagged {FINDING_TAG}={finding_id}"
        )));
    }
    let at = ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    ctx.deps
        .ec2
        .tag(
            instance_id,
            &[
                (FINDING_TAG, finding_id),
                ("vigil:guardduty-type", ctx.finding.kind.as_str()),
                ("vigil:contained-at", at.as_str()),
            ],
        )
        .await?;
    Ok(Step::Done(format!(
        "tagged {FINDING_TAG}={finding_id}, vigil:guardduty-type, vigil:contained-at={at}"
    )))
}
