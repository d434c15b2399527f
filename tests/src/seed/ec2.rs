//! EC2 for the GuardDuty responder's tests, bench and demo: a VPC with two subnets, a `web`
//! group, and an instance with two network interfaces (one per subnet) and two EBS volumes;
//! and the reads that show what a response changed about it.
//!
//! Every function answers `Err(String)` naming the call that failed: the demo reports it, the
//! tests unwrap it.

use std::fmt::Debug;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    Filter, InstanceAttributeName, ResourceType, Snapshot, Tag, TagSpecification,
};

/// What [`instance`] made.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub vpc: String,
    pub subnets: [String; 2],
    pub web_group: String,
    pub instance: String,
    /// By device index.
    pub interfaces: Vec<String>,
    pub volumes: Vec<String>,
}

fn failed<E: Debug>(what: &'static str) -> impl FnOnce(E) -> String {
    move |e| format!("{what}: {e:?}")
}

/// A new VPC with `cidr`: its id.
pub async fn vpc(ec2: &Client, cidr: &str) -> Result<String, String> {
    ec2.create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .map_err(failed("create VPC"))?
        .vpc
        .and_then(|v| v.vpc_id)
        .ok_or_else(|| "create VPC: no id".to_owned())
}

/// A new subnet of `vpc` with `cidr`: its id.
pub async fn subnet(ec2: &Client, vpc: &str, cidr: &str) -> Result<String, String> {
    ec2.create_subnet()
        .vpc_id(vpc)
        .cidr_block(cidr)
        .send()
        .await
        .map_err(failed("create subnet"))?
        .subnet
        .and_then(|s| s.subnet_id)
        .ok_or_else(|| "create subnet: no id".to_owned())
}

/// A VPC (10.20.0.0/16) with two subnets, a `web` group, and an instance named `web-1` in it
/// with two network interfaces (one per subnet) and two EBS volumes.
pub async fn instance(ec2: &Client) -> Result<Seeded, String> {
    let vpc = vpc(ec2, "10.20.0.0/16").await?;
    let subnets = [
        subnet(ec2, &vpc, "10.20.1.0/24").await?,
        subnet(ec2, &vpc, "10.20.2.0/24").await?,
    ];
    let web_group = ec2
        .create_security_group()
        .vpc_id(&vpc)
        .group_name("web")
        .description("web servers")
        .send()
        .await
        .map_err(failed("create security group"))?
        .group_id
        .ok_or("create security group: no id")?;
    let run = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnets[0])
        .security_group_ids(&web_group)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(Tag::builder().key("Name").value("web-1").build())
                .build(),
        )
        .send()
        .await
        .map_err(failed("run instance"))?;
    let first = run
        .instances()
        .first()
        .ok_or("run instance: none started")?;
    let instance = first.instance_id().unwrap_or_default().to_owned();
    let zone = first
        .placement()
        .and_then(|p| p.availability_zone())
        .unwrap_or("us-east-1a")
        .to_owned();
    let volume = ec2
        .create_volume()
        .availability_zone(zone)
        .size(8)
        .send()
        .await
        .map_err(failed("create volume"))?
        .volume_id
        .ok_or("create volume: no id")?;
    ec2.attach_volume()
        .volume_id(&volume)
        .instance_id(&instance)
        .device("/dev/sdf")
        .send()
        .await
        .map_err(failed("attach volume"))?;
    let eni = ec2
        .create_network_interface()
        .subnet_id(&subnets[1])
        .groups(&web_group)
        .send()
        .await
        .map_err(failed("create network interface"))?
        .network_interface
        .and_then(|n| n.network_interface_id)
        .ok_or("create network interface: no id")?;
    ec2.attach_network_interface()
        .network_interface_id(&eni)
        .instance_id(&instance)
        .device_index(1)
        .send()
        .await
        .map_err(failed("attach network interface"))?;
    let live = describe(ec2, &instance).await?;
    Ok(Seeded {
        interfaces: live
            .network_interfaces()
            .iter()
            .filter_map(|n| n.network_interface_id().map(str::to_owned))
            .collect(),
        volumes: live
            .block_device_mappings()
            .iter()
            .filter_map(|b| b.ebs().and_then(|e| e.volume_id()).map(str::to_owned))
            .collect(),
        vpc,
        subnets,
        web_group,
        instance,
    })
}

/// The instance as DescribeInstances shows it.
pub async fn describe(ec2: &Client, id: &str) -> Result<aws_sdk_ec2::types::Instance, String> {
    ec2.describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(failed("describe instance"))?
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .next()
        .cloned()
        .ok_or_else(|| format!("describe instance: no {id}"))
}

/// Group ids per network interface, as the instance shows them.
pub async fn interface_groups(ec2: &Client, id: &str) -> Result<Vec<Vec<String>>, String> {
    Ok(describe(ec2, id)
        .await?
        .network_interfaces()
        .iter()
        .map(|n| {
            n.groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_owned))
                .collect()
        })
        .collect())
}

/// The names of the groups of every network interface of the instance.
pub async fn interface_group_names(ec2: &Client, id: &str) -> Result<Vec<String>, String> {
    Ok(describe(ec2, id)
        .await?
        .network_interfaces()
        .iter()
        .flat_map(|n| n.groups())
        .filter_map(|g| g.group_name().map(str::to_owned))
        .collect())
}

/// This account's snapshots tagged with the GuardDuty finding (the responder's evidence).
pub async fn snapshots_of_finding(ec2: &Client, finding_id: &str) -> Result<Vec<Snapshot>, String> {
    Ok(ec2
        .describe_snapshots()
        .owner_ids("self")
        .filters(
            Filter::builder()
                .name("tag:vigil:guardduty-finding")
                .values(finding_id)
                .build(),
        )
        .send()
        .await
        .map_err(failed("describe snapshots"))?
        .snapshots()
        .to_vec())
}

pub async fn termination_protected(ec2: &Client, id: &str) -> Result<bool, String> {
    Ok(ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(InstanceAttributeName::DisableApiTermination)
        .send()
        .await
        .map_err(failed("describe instance attribute"))?
        .disable_api_termination()
        .and_then(|v| v.value())
        .unwrap_or(false))
}
