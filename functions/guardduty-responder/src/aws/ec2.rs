//! EC2: instances, security groups, snapshots, termination protection, tags and network ACLs.
//!
//! Which groups, tags and rule numbers to use is the actions' business; these calls only read
//! and write what they are given. A "not found" or "duplicate" answer that is a normal state
//! (the instance is gone, the group or rule already exists, the rule is already gone) is
//! recognised by its code here and returned as data, not as an error.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, InstanceAttributeName, IpPermission, IpRange, Ipv6Range,
    ResourceType, RuleAction, Tag, TagSpecification,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use ipnet::IpNet;
use vigil::aws::AwsCallError;

use super::tag_pair;

/// An instance as DescribeInstances shows it now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Instance {
    pub id: String,
    pub state: Option<String>,
    /// By device index: the primary interface first.
    pub interfaces: Vec<Interface>,
    pub volume_ids: Vec<String>,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Interface {
    pub id: String,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub group_ids: Vec<String>,
}

/// A security group and its rules.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub(crate) id: String,
    /// The value of its `vigil:quarantine` tag, if any.
    pub(crate) quarantine: Option<String>,
    pub(crate) ingress: Rules,
    pub(crate) egress: Rules,
}

/// A group's rules exactly as EC2 listed them, so that exactly these can be revoked.
#[derive(Debug, Clone, Default)]
pub struct Rules(Vec<IpPermission>);

impl Rules {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether these are exactly the egress rule every new group gets: all traffic to
    /// 0.0.0.0/0.
    pub(crate) fn is_default_egress(&self) -> bool {
        match self.0.as_slice() {
            [p] => {
                p.ip_protocol() == Some("-1")
                    && p.ip_ranges().len() == 1
                    && p.ip_ranges()[0].cidr_ip() == Some("0.0.0.0/0")
                    && p.ipv6_ranges().is_empty()
                    && p.user_id_group_pairs().is_empty()
                    && p.prefix_list_ids().is_empty()
            }
            _ => false,
        }
    }
}

impl Group {
    /// A group just created, as AWS makes every new group: no inbound rule and one outbound
    /// rule allowing all traffic to 0.0.0.0/0.
    pub fn new_with_default_egress(id: String) -> Self {
        Group {
            id,
            quarantine: None,
            ingress: Rules::default(),
            egress: Rules(vec![
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            ]),
        }
    }
}

/// A network ACL's entries and tags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Acl {
    pub id: String,
    pub entries: Vec<AclEntry>,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AclEntry {
    pub rule: i32,
    pub egress: bool,
    pub deny: bool,
    /// IPv4 or IPv6 CIDR.
    pub cidr: Option<String>,
}

fn acl(acl: &aws_sdk_ec2::types::NetworkAcl) -> Acl {
    Acl {
        id: acl.network_acl_id().unwrap_or_default().to_owned(),
        entries: acl
            .entries()
            .iter()
            .map(|e| AclEntry {
                rule: e.rule_number().unwrap_or_default(),
                egress: e.egress().unwrap_or(false),
                deny: e.rule_action() == Some(&RuleAction::Deny),
                cidr: e.cidr_block().or(e.ipv6_cidr_block()).map(str::to_owned),
            })
            .collect(),
        tags: acl
            .tags()
            .iter()
            .map(|t| tag_pair(t.key(), t.value()))
            .collect(),
    }
}

/// Whether [`Ec2::deny_inbound`] adds an entry or overwrites the one with its rule number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    Create,
    Replace,
}

/// The EC2 calls the responder makes.
#[derive(Debug, Clone)]
pub struct Ec2 {
    client: Client,
}

/// A described group, with the value of its tag `key`.
fn group(g: &aws_sdk_ec2::types::SecurityGroup, key: &str) -> Group {
    Group {
        id: g.group_id().unwrap_or_default().to_owned(),
        quarantine: g
            .tags()
            .iter()
            .find(|t| t.key() == Some(key))
            .and_then(|t| t.value().map(str::to_owned)),
        ingress: Rules(g.ip_permissions().to_vec()),
        egress: Rules(g.ip_permissions_egress().to_vec()),
    }
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn tag_specification(kind: ResourceType, tags: &[(&str, &str)]) -> TagSpecification {
    tags.iter()
        .fold(
            TagSpecification::builder().resource_type(kind),
            |b, (k, v)| b.tags(tag(k, v)),
        )
        .build()
}

impl Ec2 {
    pub fn new(client: Client) -> Self {
        Ec2 { client }
    }

    /// The instance; `None` when it does not exist (any more).
    pub(crate) async fn describe_instance(
        &self,
        id: &str,
    ) -> Result<Option<Instance>, AwsCallError> {
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
        Ok(Some(Instance {
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

    /// The VPC's groups carrying tag `key` with any of `values`, in one call.
    pub(crate) async fn tagged_groups(
        &self,
        vpc_id: &str,
        key: &str,
        values: &[&str],
    ) -> Result<Vec<Group>, AwsCallError> {
        let mut tag = Filter::builder().name(format!("tag:{key}"));
        for v in values {
            tag = tag.values(*v);
        }
        let output = self
            .client
            .describe_security_groups()
            .filters(filter("vpc-id", vpc_id))
            .filters(tag.build())
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:DescribeSecurityGroups", e))?;
        Ok(output
            .security_groups()
            .iter()
            .map(|g| group(g, key))
            .collect())
    }

    /// The VPC's group named `name`, whatever its tags.
    pub(crate) async fn group_named(
        &self,
        vpc_id: &str,
        name: &str,
        key: &str,
    ) -> Result<Option<Group>, AwsCallError> {
        let output = self
            .client
            .describe_security_groups()
            .filters(filter("vpc-id", vpc_id))
            .filters(filter("group-name", name))
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:DescribeSecurityGroups", e))?;
        Ok(output.security_groups().first().map(|g| group(g, key)))
    }

    /// Creates the group with its tags in the same call. `Ok(None)` when a group of that name
    /// already exists in the VPC.
    pub(crate) async fn create_group(
        &self,
        vpc_id: &str,
        name: &str,
        description: &str,
        tags: &[(&str, &str)],
    ) -> Result<Option<String>, AwsCallError> {
        let result = self
            .client
            .create_security_group()
            .vpc_id(vpc_id)
            .group_name(name)
            .description(description)
            .tag_specifications(tag_specification(ResourceType::SecurityGroup, tags))
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
                .set_ip_permissions(Some(group.ingress.0.clone()))
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
                .set_ip_permissions(Some(group.egress.0.clone()))
                .send()
                .await
            && !gone(e.code())
        {
            return Err(AwsCallError::new("ec2:RevokeSecurityGroupEgress", e));
        }
        Ok(())
    }

    /// All traffic in and out, IPv4 and IPv6 (the egress IPv4 rule every new group has).
    pub(crate) async fn allow_all(&self, group_id: &str) -> Result<(), AwsCallError> {
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

    /// Puts the interface in exactly these groups.
    pub(crate) async fn set_groups(
        &self,
        interface_id: &str,
        group_ids: &[String],
    ) -> Result<(), AwsCallError> {
        self.client
            .modify_network_interface_attribute()
            .network_interface_id(interface_id)
            .set_groups(Some(group_ids.to_vec()))
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:ModifyNetworkInterfaceAttribute", e))?;
        Ok(())
    }

    /// The volumes of this account's snapshots tagged `key`=`value`.
    pub(crate) async fn snapshotted_volumes(
        &self,
        (key, value): (&str, &str),
    ) -> Result<Vec<String>, AwsCallError> {
        let snapshots: Vec<_> = self
            .client
            .describe_snapshots()
            .owner_ids("self")
            .filters(filter(&format!("tag:{key}"), value))
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

    /// Starts a snapshot of the volume with its tags in the same call; the snapshot id.
    pub(crate) async fn create_snapshot(
        &self,
        volume_id: &str,
        description: String,
        tags: &[(&str, &str)],
    ) -> Result<String, AwsCallError> {
        let output = self
            .client
            .create_snapshot()
            .volume_id(volume_id)
            .description(description)
            .tag_specifications(tag_specification(ResourceType::Snapshot, tags))
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:CreateSnapshot", e))?;
        Ok(output.snapshot_id().unwrap_or_default().to_owned())
    }

    pub(crate) async fn termination_protected(
        &self,
        instance_id: &str,
    ) -> Result<bool, AwsCallError> {
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

    /// Turns termination protection on (`true`) or off.
    pub(crate) async fn protect_from_termination(
        &self,
        instance_id: &str,
        on: bool,
    ) -> Result<(), AwsCallError> {
        self.client
            .modify_instance_attribute()
            .instance_id(instance_id)
            .disable_api_termination(AttributeBooleanValue::builder().value(on).build())
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:ModifyInstanceAttribute", e))?;
        Ok(())
    }

    pub(crate) async fn tag(
        &self,
        resource_id: &str,
        tags: &[(&str, &str)],
    ) -> Result<(), AwsCallError> {
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

    /// Removes the tags with these keys from the resource.
    pub(crate) async fn untag(
        &self,
        resource_id: &str,
        keys: &[String],
    ) -> Result<(), AwsCallError> {
        let mut request = self.client.delete_tags().resources(resource_id);
        for key in keys {
            request = request.tags(Tag::builder().key(key).build());
        }
        request
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:DeleteTags", e))?;
        Ok(())
    }

    /// The network ACL by id; `None` when it is gone.
    pub(crate) async fn acl(&self, acl_id: &str) -> Result<Option<Acl>, AwsCallError> {
        match self
            .client
            .describe_network_acls()
            .network_acl_ids(acl_id)
            .send()
            .await
        {
            Ok(output) => Ok(output.network_acls().first().map(acl)),
            Err(e) if e.code() == Some("InvalidNetworkAclID.NotFound") => Ok(None),
            Err(e) => Err(AwsCallError::new("ec2:DescribeNetworkAcls", e)),
        }
    }

    /// Removes an inbound entry; an entry already gone is not an error.
    pub(crate) async fn delete_inbound(&self, acl_id: &str, rule: i32) -> Result<(), AwsCallError> {
        match self
            .client
            .delete_network_acl_entry()
            .network_acl_id(acl_id)
            .rule_number(rule)
            .egress(false)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("InvalidNetworkAclEntry.NotFound") => Ok(()),
            Err(e) => Err(AwsCallError::new("ec2:DeleteNetworkAclEntry", e)),
        }
    }

    /// The network ACL associated with `subnet_id`.
    pub(crate) async fn acl_of_subnet(&self, subnet_id: &str) -> Result<Option<Acl>, AwsCallError> {
        let output = self
            .client
            .describe_network_acls()
            .filters(filter("association.subnet-id", subnet_id))
            .send()
            .await
            .map_err(|e| AwsCallError::new("ec2:DescribeNetworkAcls", e))?;
        Ok(output.network_acls().first().map(acl))
    }

    /// Writes an inbound deny-all-protocols entry for `cidr` as rule number `rule`.
    pub(crate) async fn deny_inbound(
        &self,
        acl_id: &str,
        rule: i32,
        cidr: &IpNet,
        write: Write,
    ) -> Result<(), AwsCallError> {
        let (v4, v6) = match cidr {
            IpNet::V4(n) => (Some(n.to_string()), None),
            IpNet::V6(n) => (None, Some(n.to_string())),
        };
        match write {
            Write::Replace => self
                .client
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
                .map_err(|e| AwsCallError::new("ec2:ReplaceNetworkAclEntry", e)),
            Write::Create => self
                .client
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
                .map_err(|e| AwsCallError::new("ec2:CreateNetworkAclEntry", e)),
        }
    }
}
