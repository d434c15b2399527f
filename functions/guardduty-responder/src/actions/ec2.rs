//! EC2: isolate a compromised instance, keep evidence, keep it from being terminated, mark it.
//!
//! Isolation moves every network interface (not only the primary one) into a quarantine
//! security group with no rules, one per VPC, found by its tag and created on first use.
//! A security group change alone leaves *tracked* connections open (AWS keeps established
//! flows a removed rule allowed), so each interface first passes through a second group that
//! allows all traffic in and out: with such rules AWS stops tracking flows, and the move to the
//! rule-less group then cuts them at once (the order AWS's incident response guide gives).
//! The all-traffic group is on the interface only between two consecutive API calls.
//!
//! What each action decides (which interfaces move, which volumes need a snapshot, what is
//! tagged, what is already done) is a pure function below, over the instance as
//! [`Ec2::describe_instance`](crate::aws::ec2::Ec2) shows it; the actions call those and the
//! adapter in turn.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::record::Undo;
use super::{ActionError, Ctx, Step};
use crate::aws::Clients;
use crate::aws::ec2::{Group, Instance, Interface};
use crate::config::ExemptTag;

/// Tag key marking the responder's security groups; the value is the group's [`GroupRole`].
const QUARANTINE_TAG: &str = "vigil:quarantine";
/// Tag key carrying the finding id on instances and snapshots.
const FINDING_TAG: &str = "vigil:guardduty-finding";

/// The two groups of a VPC that isolation uses; the serde name is the [`QUARANTINE_TAG`] value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum GroupRole {
    /// No rules at all: where interfaces end up.
    Isolation,
    /// All traffic in and out, so flows become untracked just before isolation.
    Untrack,
}

serde_plain::derive_display_from_serialize!(GroupRole);

impl GroupRole {
    /// The group's name: the configured quarantine group name, `-untrack` added for the second.
    fn group_name(self, base: &str) -> String {
        match self {
            GroupRole::Isolation => base.to_owned(),
            GroupRole::Untrack => format!("{base}-untrack"),
        }
    }

    fn description(self) -> &'static str {
        match self {
            GroupRole::Isolation => {
                "Vigil quarantine: no rules; instances moved here by the GuardDuty responder"
            }
            GroupRole::Untrack => {
                "Vigil quarantine step: all traffic, so flows are untracked and cut by the move to the rule-less group"
            }
        }
    }
}

/// The group a creation left behind: the one described if the description already shows it;
/// else the id just created, with what every new group has (the default egress rule, which
/// [`upkeep`] removes from the isolation group); else nothing of ours: a group of that name
/// exists without the tag.
fn created_group(
    role: GroupRole,
    name: &str,
    vpc_id: &str,
    created: Option<String>,
    found: Option<Group>,
) -> Result<Group, ActionError> {
    match (created, found) {
        (_, Some(group)) => Ok(group),
        // Created, but not described yet (eventual consistency).
        (Some(id), None) => Ok(Group::new_with_default_egress(id)),
        (None, None) => Err(ActionError::Refused(format!(
            "a security group named {name} exists in {vpc_id} without the {QUARANTINE_TAG}={role} tag; tag it or rename it so Vigil can use its own"
        ))),
    }
}

/// What keeps a group fit for its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upkeep {
    /// Revoke every rule listed (none listed: no call).
    Empty,
    /// Add the all-traffic rules.
    AllowAll,
    Nothing,
}

fn upkeep(role: GroupRole, group: &Group) -> Upkeep {
    match role {
        // A rule added to the quarantine group by hand (or a new group's default egress rule)
        // would let the instance talk: the group must stay empty.
        GroupRole::Isolation => Upkeep::Empty,
        GroupRole::Untrack if group.ingress.is_empty() => Upkeep::AllowAll,
        GroupRole::Untrack => Upkeep::Nothing,
    }
}

/// Whether a group has no rules but, at most, the default egress rule every new group has:
/// an untagged group like this can be taken over.
fn is_empty_group(group: &Group) -> bool {
    group.ingress.is_empty() && (group.egress.is_empty() || group.egress.is_default_egress())
}

/// The names tried for a role's group: the configured one, then names beside it when that one
/// is taken by a group that is not the responder's.
fn names_to_try(base: &str) -> [String; 3] {
    [
        base.to_owned(),
        format!("{base}-vigil"),
        format!("{base}-vigil-2"),
    ]
}

/// Creates the VPC's group for `role`. A group of the same name without the responder's tag
/// is never used as it is: an empty one is tagged and used; one with rules is left alone,
/// reported in `notes`, and a tagged group is created beside it under another name.
async fn create_group(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    role: GroupRole,
    notes: &mut Vec<String>,
) -> Result<Group, ActionError> {
    let ec2 = &ctx.aws.ec2;
    let value = role.to_string();
    let tag = (QUARANTINE_TAG, value.as_str());
    let base = role.group_name(&ctx.settings.quarantine_group_name);
    let mut refusal = None;
    for name in names_to_try(&base) {
        let tags = [tag, ("Name", name.as_str())];
        let created = ec2
            .create_group(vpc_id, &name, role.description(), &tags)
            .await?;
        match created_group(role, &name, vpc_id, created, None) {
            Ok(group) => {
                if name != base {
                    notes.push(format!(
                        "created the tagged group {name} ({}) beside it",
                        group.id
                    ));
                }
                return Ok(group);
            }
            Err(why) => refusal = Some(why),
        }
        match ec2.group_named(vpc_id, &name, QUARANTINE_TAG).await? {
            Some(group) if group.quarantine.as_deref() == Some(value.as_str()) => return Ok(group),
            Some(group) if is_empty_group(&group) => {
                ec2.tag(&group.id, &[tag]).await?;
                notes.push(format!(
                    "the security group {name} ({}) existed without the {QUARANTINE_TAG} tag and without rules: tagged {QUARANTINE_TAG}={value} and used",
                    group.id
                ));
                return Ok(group);
            }
            Some(group) => notes.push(format!(
                "a security group named {name} ({}) exists in {vpc_id} without the {QUARANTINE_TAG}={value} tag and with rules: left alone (rename or delete it)",
                group.id
            )),
            None => {}
        }
    }
    Err(refusal.unwrap_or_else(|| {
        ActionError::Refused(format!("no name left for the {role} group in {vpc_id}"))
    }))
}

/// The quarantine groups of the VPCs seen so far: (VPC, role) → group id, each VPC's two
/// groups found by their tag in one call, created when missing, kept fit for their role.
#[derive(Default)]
struct VpcGroups {
    ids: Vec<((String, GroupRole), String)>,
    notes: Vec<String>,
}

impl VpcGroups {
    /// Both groups of the VPC, looked up (and if need be created) the first time it is seen.
    async fn of(&mut self, ctx: &Ctx<'_>, vpc_id: &str) -> Result<(String, String), ActionError> {
        let id = |ids: &[((String, GroupRole), String)], role| {
            ids.iter()
                .find(|((v, r), _)| v == vpc_id && *r == role)
                .map(|(_, id)| id.clone())
        };
        if let (Some(i), Some(u)) = (
            id(&self.ids, GroupRole::Isolation),
            id(&self.ids, GroupRole::Untrack),
        ) {
            return Ok((i, u));
        }
        let roles = [GroupRole::Isolation, GroupRole::Untrack].map(|r| r.to_string());
        let found = ctx
            .aws
            .ec2
            .tagged_groups(vpc_id, QUARANTINE_TAG, &[&roles[0], &roles[1]])
            .await?;
        for role in [GroupRole::Isolation, GroupRole::Untrack] {
            let value = role.to_string();
            let group = match found
                .iter()
                .find(|g| g.quarantine.as_deref() == Some(&value))
            {
                Some(group) => group.clone(),
                None => create_group(ctx, vpc_id, role, &mut self.notes).await?,
            };
            match upkeep(role, &group) {
                Upkeep::Empty => ctx.aws.ec2.revoke(&group).await?,
                Upkeep::AllowAll => ctx.aws.ec2.allow_all(&group.id).await?,
                Upkeep::Nothing => {}
            }
            self.ids.push(((vpc_id.to_owned(), role), group.id));
        }
        Ok((
            id(&self.ids, GroupRole::Isolation).unwrap_or_default(),
            id(&self.ids, GroupRole::Untrack).unwrap_or_default(),
        ))
    }
}

/// A skip when the live instance carries the exempt tag (the finding's copy of the tags may
/// be older).
fn exempt(instance: &Instance, tag: &ExemptTag) -> Option<Step> {
    let tagged = instance.tags.iter().any(|(k, v)| tag.matches(k, v));
    tagged.then(|| {
        Step::Skipped(format!(
            "the instance is tagged {}={} now: exempt, alert only",
            tag.key, tag.value
        ))
    })
}

/// A skip when the instance is exempt now.
async fn skip_if_exempt(ctx: &Ctx<'_>, instance_id: &str) -> Result<Option<Step>, ActionError> {
    let instance = ctx.instance(instance_id).await?;
    Ok(exempt(&instance, &ctx.settings.exempt_tag))
}

/// The interfaces isolation moves: all of them; an instance without any cannot be isolated.
fn interfaces_to_isolate(instance: &Instance) -> Result<&[Interface], ActionError> {
    if instance.interfaces.is_empty() {
        return Err(ActionError::Refused(format!(
            "instance {} has no network interface to isolate (state {})",
            instance.id,
            instance.state.as_deref().unwrap_or("unknown")
        )));
    }
    Ok(&instance.interfaces)
}

fn vpc_of(interface: &Interface) -> Result<&str, ActionError> {
    interface.vpc_id.as_deref().ok_or_else(|| {
        ActionError::Refused(format!("network interface {} is in no VPC", interface.id))
    })
}

/// Whether the interface is in its VPC's isolation group and no other.
fn isolated(interface: &Interface, isolation_group: &str) -> bool {
    interface.group_ids == [isolation_group]
}

/// What isolation reports: the interfaces it moved and those already isolated.
fn isolation_step(moved: &[String], already: &[String], group_name: &str) -> Step {
    if moved.is_empty() {
        return Step::AlreadyDone(format!(
            "every network interface is already in the quarantine group: {}",
            already.join(", ")
        ));
    }
    let mut detail = format!(
        "moved {} to the rule-less quarantine group {group_name} (established connections cut)",
        moved.join("; ")
    );
    if !already.is_empty() {
        detail.push_str(&format!("; already there: {}", already.join(", ")));
    }
    Step::Done(detail)
}

/// Tag key prefix on an instance recording an interface's original groups:
/// `vigil:sg:<interface>` (and `…:2`, `…:3` when the list is longer than a tag value holds).
const GROUPS_TAG: &str = "vigil:sg:";
/// A tag value holds at most 256 characters.
const TAG_VALUE_MAX: usize = 255;

/// The tags recording `groups` as the original groups of `interface`.
fn groups_tags(interface: &str, groups: &[String]) -> Vec<(String, String)> {
    let mut chunks: Vec<String> = vec![String::new()];
    for g in groups {
        let last = chunks.last_mut().expect("one chunk");
        if !last.is_empty() && last.len() + 1 + g.len() > TAG_VALUE_MAX {
            chunks.push(g.clone());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(g);
        }
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let key = if i == 0 {
                format!("{GROUPS_TAG}{interface}")
            } else {
                format!("{GROUPS_TAG}{interface}:{}", i + 1)
            };
            (key, v)
        })
        .collect()
}

/// The original groups recorded on the instance, per interface, in interface order.
fn recorded_groups(instance: &Instance) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for interface in &instance.interfaces {
        let key = format!("{GROUPS_TAG}{}", interface.id);
        let mut parts: Vec<(usize, &str)> = instance
            .tags
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(&key)?;
                let n = match rest.strip_prefix(':') {
                    None if rest.is_empty() => 1,
                    Some(n) => n.parse().ok()?,
                    None => return None,
                };
                Some((n, v.as_str()))
            })
            .collect();
        if parts.is_empty() {
            continue;
        }
        parts.sort();
        let groups = parts
            .iter()
            .flat_map(|(_, v)| v.split_whitespace().map(str::to_owned))
            .collect();
        out.push((interface.id.clone(), groups));
    }
    out
}

/// The record tags keys on the instance.
fn record_keys(instance: &Instance) -> Vec<String> {
    instance
        .tags
        .iter()
        .filter(|(k, _)| k.starts_with(GROUPS_TAG))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Moves every network interface of the instance into its VPC's quarantine group.
///
/// The fewest calls AWS allows: DescribeInstances (the interfaces and their groups, shared
/// with the other EC2 actions), one DescribeSecurityGroups per VPC (both quarantine groups by
/// tag), one CreateTags on the instance recording every moved interface's original groups
/// before anything moves (what release restores from), and two
/// ModifyNetworkInterfaceAttribute per interface: AWS sets groups per interface
/// (ModifyInstanceAttribute reaches only the primary one), and the stop in the all-traffic
/// group is what makes existing connections untracked so the move to the rule-less group cuts
/// them (AWS's incident response guide; a single move leaves tracked connections open).
pub(crate) async fn isolate(ctx: &Ctx<'_>, instance_id: &str) -> Result<Step, ActionError> {
    if let Some(skip) = skip_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    let instance = ctx.instance(instance_id).await?;
    let interfaces = interfaces_to_isolate(&instance)?;
    let mut groups = VpcGroups::default();
    let mut plan: Vec<(&Interface, String, String)> = Vec::new();
    let mut already = Vec::new();
    for interface in interfaces {
        let vpc = vpc_of(interface)?;
        let (isolation, untrack) = groups.of(ctx, vpc).await?;
        if isolated(interface, &isolation) {
            already.push(format!("{} ({isolation})", interface.id));
        } else {
            plan.push((interface, isolation, untrack));
        }
    }
    // What the interfaces are in now, unless a response already recorded it (an interface
    // caught between the two moves is in a quarantine group: its record is the earlier one).
    let recorded = recorded_groups(&instance);
    let mut tags: Vec<(String, String)> = Vec::new();
    for (interface, isolation, untrack) in &plan {
        let ours = interface
            .group_ids
            .iter()
            .any(|g| g == isolation || g == untrack);
        if !ours && !recorded.iter().any(|(id, _)| *id == interface.id) {
            tags.extend(groups_tags(&interface.id, &interface.group_ids));
        }
    }
    if !tags.is_empty() {
        let pairs: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        ctx.aws.ec2.tag(instance_id, &pairs).await?;
    }
    let mut moved = Vec::new();
    for (interface, isolation, untrack) in &plan {
        ctx.aws
            .ec2
            .set_groups(&interface.id, std::slice::from_ref(untrack))
            .await?;
        ctx.aws
            .ec2
            .set_groups(&interface.id, std::slice::from_ref(isolation))
            .await?;
        moved.push(format!(
            "{} from [{}] to {isolation}",
            interface.id,
            interface.group_ids.join(", ")
        ));
    }
    let mut originals = recorded;
    for (interface, _, _) in &plan {
        if !originals.iter().any(|(id, _)| *id == interface.id)
            && tags
                .iter()
                .any(|(k, _)| k == &format!("{GROUPS_TAG}{}", interface.id))
        {
            originals.push((interface.id.clone(), interface.group_ids.clone()));
        }
    }
    if !originals.is_empty() {
        ctx.remember(Undo::RestoreGroups {
            instance_id: instance_id.to_owned(),
            interfaces: originals,
        });
    }
    let step = isolation_step(&moved, &already, &ctx.settings.quarantine_group_name);
    Ok(with_notes(step, &groups.notes))
}

/// The step with notes about the groups appended.
fn with_notes(step: Step, notes: &[String]) -> Step {
    if notes.is_empty() {
        return step;
    }
    let add = |d: String| format!("{d}; {}", notes.join("; "));
    match step {
        Step::Done(d) => Step::Done(add(d)),
        Step::AlreadyDone(d) => Step::AlreadyDone(add(d)),
        Step::Skipped(d) => Step::Skipped(add(d)),
    }
}

/// Release: each interface back in its original groups, read back to check, then the record
/// tags removed.
pub(crate) async fn restore_groups(
    aws: &Clients,
    instance_id: &str,
    interfaces: &[(String, Vec<String>)],
) -> Result<Step, ActionError> {
    let Some(instance) = aws.ec2.describe_instance(instance_id).await? else {
        return Err(ActionError::Refused(format!(
            "instance {instance_id} no longer exists"
        )));
    };
    let current = |id: &str, inst: &Instance| {
        inst.interfaces
            .iter()
            .find(|i| i.id == id)
            .map(|i| sorted(&i.group_ids))
    };
    let mut restored = Vec::new();
    let mut gone = Vec::new();
    for (interface, groups) in interfaces {
        match current(interface, &instance) {
            None => gone.push(interface.clone()),
            Some(now) if now == sorted(groups) => {}
            Some(_) => {
                aws.ec2.set_groups(interface, groups).await?;
                restored.push(format!("{interface} back in [{}]", groups.join(", ")));
            }
        }
    }
    let Some(after) = aws.ec2.describe_instance(instance_id).await? else {
        return Err(ActionError::Refused(format!(
            "instance {instance_id} no longer exists"
        )));
    };
    let wrong: Vec<String> = interfaces
        .iter()
        .filter(|(id, groups)| current(id, &after).is_some_and(|now| now != sorted(groups)))
        .map(|(id, _)| id.clone())
        .collect();
    if !wrong.is_empty() {
        return Err(ActionError::Refused(format!(
            "read back, {} still not in their original groups",
            wrong.join(", ")
        )));
    }
    let keys = record_keys(&after);
    if !keys.is_empty() {
        aws.ec2.untag(instance_id, &keys).await?;
    }
    let mut detail = if restored.is_empty() {
        "every interface was already in its original groups".to_owned()
    } else {
        format!("{} (read back: as recorded)", restored.join("; "))
    };
    if !gone.is_empty() {
        detail.push_str(&format!("; no longer attached: {}", gone.join(", ")));
    }
    Ok(if restored.is_empty() {
        Step::AlreadyDone(detail)
    } else {
        Step::Done(detail)
    })
}

fn sorted(groups: &[String]) -> Vec<String> {
    let mut g = groups.to_vec();
    g.sort();
    g
}

/// Release: termination protection off again (the response turned it on).
pub(crate) async fn unprotect(aws: &Clients, instance_id: &str) -> Result<Step, ActionError> {
    if !aws.ec2.termination_protected(instance_id).await? {
        return Ok(Step::AlreadyDone(
            "termination protection is already off".into(),
        ));
    }
    aws.ec2.protect_from_termination(instance_id, false).await?;
    if aws.ec2.termination_protected(instance_id).await? {
        return Err(ActionError::Refused(
            "read back, termination protection is still on".into(),
        ));
    }
    Ok(Step::Done("termination protection off (read back)".into()))
}

/// The attached volumes without a snapshot for this finding yet (`done`: the volumes of the
/// snapshots tagged with it).
fn volumes_to_snapshot<'i>(instance: &'i Instance, done: &[String]) -> Vec<&'i str> {
    instance
        .volume_ids
        .iter()
        .filter(|v| !done.contains(v))
        .map(String::as_str)
        .collect()
}

/// What the snapshots report, given the ones started now (`"<snapshot> of <volume>"`).
fn snapshot_step(instance: &Instance, created: &[String], finding_id: &str) -> Step {
    if created.is_empty() {
        return Step::AlreadyDone(format!(
            "every volume ({}) already has a snapshot tagged {FINDING_TAG}={finding_id}",
            instance.volume_ids.join(", ")
        ));
    }
    Step::Done(format!(
        "snapshots {} tagged {FINDING_TAG}={finding_id}",
        created.join(", ")
    ))
}

/// Snapshots every attached EBS volume, tagged with the finding id; once per finding.
pub(crate) async fn snapshot_volumes(
    ctx: &Ctx<'_>,
    instance_id: &str,
) -> Result<Step, ActionError> {
    if let Some(skip) = skip_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    let instance = ctx.instance(instance_id).await?;
    if instance.volume_ids.is_empty() {
        return Ok(Step::Skipped(
            "the instance has no EBS volume to snapshot".into(),
        ));
    }
    let finding_id = ctx.finding.id.as_str();
    let ec2 = &ctx.aws.ec2;
    let done = ec2.snapshotted_volumes((FINDING_TAG, finding_id)).await?;
    let tags = [
        (FINDING_TAG, finding_id),
        ("vigil:instance-id", instance_id),
    ];
    let mut created = Vec::new();
    let mut failures = Vec::new();
    for volume in volumes_to_snapshot(&instance, &done) {
        let description =
            format!("Vigil evidence: {volume} of {instance_id}, GuardDuty finding {finding_id}");
        match ec2.create_snapshot(volume, description, &tags).await {
            Ok(snapshot) => created.push(format!("{snapshot} of {volume}")),
            Err(e) => failures.push(e),
        }
    }
    if let Some(first) = failures.into_iter().next() {
        return Err(ActionError::Aws(first));
    }
    Ok(snapshot_step(&instance, &created, finding_id))
}

pub(crate) async fn protect_from_termination(
    ctx: &Ctx<'_>,
    instance_id: &str,
) -> Result<Step, ActionError> {
    if let Some(skip) = skip_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    if ctx.aws.ec2.termination_protected(instance_id).await? {
        return Ok(Step::AlreadyDone(
            "termination protection is already on".into(),
        ));
    }
    ctx.aws
        .ec2
        .protect_from_termination(instance_id, true)
        .await?;
    ctx.remember(Undo::UnprotectInstance {
        instance_id: instance_id.to_owned(),
    });
    Ok(Step::Done("termination protection turned on".into()))
}

fn tagged_with_finding(instance: &Instance, finding_id: &str) -> bool {
    instance
        .tags
        .iter()
        .any(|(k, v)| k == FINDING_TAG && v == finding_id)
}

/// The time written into `vigil:contained-at`.
fn contained_at(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The tags that mark an instance with the finding.
fn finding_tags<'a>(finding_id: &'a str, kind: &'a str, at: &'a str) -> [(&'a str, &'a str); 3] {
    [
        (FINDING_TAG, finding_id),
        ("vigil:guardduty-type", kind),
        ("vigil:contained-at", at),
    ]
}

pub(crate) async fn tag_instance(ctx: &Ctx<'_>, instance_id: &str) -> Result<Step, ActionError> {
    if let Some(skip) = skip_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    let instance = ctx.instance(instance_id).await?;
    let finding_id = ctx.finding.id.as_str();
    if tagged_with_finding(&instance, finding_id) {
        return Ok(Step::AlreadyDone(format!(
            "already tagged {FINDING_TAG}={finding_id}"
        )));
    }
    let at = contained_at(ctx.now);
    ctx.aws
        .ec2
        .tag(
            instance_id,
            &finding_tags(finding_id, &ctx.finding.kind, &at),
        )
        .await?;
    Ok(Step::Done(format!(
        "tagged {FINDING_TAG}={finding_id}, vigil:guardduty-type, vigil:contained-at={at}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interface(id: &str, vpc: Option<&str>, groups: &[&str]) -> Interface {
        Interface {
            id: id.into(),
            subnet_id: Some("subnet-1".into()),
            vpc_id: vpc.map(Into::into),
            group_ids: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    fn instance(interfaces: Vec<Interface>, volumes: &[&str], tags: &[(&str, &str)]) -> Instance {
        Instance {
            id: "i-1".into(),
            state: Some("running".into()),
            interfaces,
            volume_ids: volumes.iter().map(|v| v.to_string()).collect(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn original_groups_are_recorded_in_tags_and_read_back() {
        let groups: Vec<String> = (0..16)
            .map(|i| format!("sg-0123456789abcde{i:02}"))
            .collect();
        let tags = groups_tags("eni-1", &groups);
        assert!(tags.len() > 1, "16 groups do not fit one tag value");
        assert!(tags.iter().all(|(_, v)| v.len() <= TAG_VALUE_MAX));
        assert_eq!(tags[0].0, "vigil:sg:eni-1");
        assert_eq!(tags[1].0, "vigil:sg:eni-1:2");
        let mut i = instance(
            vec![
                interface("eni-1", Some("vpc-1"), &["sg-q"]),
                interface("eni-2", Some("vpc-1"), &["sg-q"]),
                interface("eni-10", Some("vpc-1"), &["sg-q"]),
            ],
            &[],
            &[],
        );
        i.tags = tags;
        i.tags
            .extend(groups_tags("eni-10", &["sg-web".to_string()]));
        assert_eq!(
            recorded_groups(&i),
            vec![
                ("eni-1".to_string(), groups.clone()),
                ("eni-10".to_string(), vec!["sg-web".to_string()])
            ],
            "eni-1's record is not eni-10's"
        );
        assert_eq!(record_keys(&i).len(), 3);
    }

    #[test]
    fn only_an_empty_untagged_group_is_taken_over() {
        assert!(is_empty_group(&Group::default()));
        assert!(is_empty_group(&Group::new_with_default_egress(
            "sg-1".into()
        )));
        let with_rule = Group {
            ingress: Group::new_with_default_egress("x".into()).egress,
            ..Group::default()
        };
        assert!(!is_empty_group(&with_rule));
        assert_eq!(
            names_to_try("vigil-quarantine"),
            [
                "vigil-quarantine",
                "vigil-quarantine-vigil",
                "vigil-quarantine-vigil-2"
            ]
        );
    }

    #[test]
    fn groups_are_named_and_tagged_by_role() {
        assert_eq!(GroupRole::Isolation.group_name("q"), "q");
        assert_eq!(GroupRole::Untrack.group_name("q"), "q-untrack");
        assert_eq!(GroupRole::Isolation.to_string(), "isolation");
        assert_eq!(GroupRole::Untrack.to_string(), "untrack");
    }

    #[test]
    fn a_created_group_is_the_described_one_or_a_new_one_or_someone_elses() {
        let described = Group {
            id: "sg-described".into(),
            ..Group::default()
        };
        let group = created_group(
            GroupRole::Isolation,
            "q",
            "vpc-1",
            Some("sg-new".into()),
            Some(described),
        )
        .unwrap();
        assert_eq!(group.id, "sg-described");

        let new = created_group(
            GroupRole::Isolation,
            "q",
            "vpc-1",
            Some("sg-new".into()),
            None,
        )
        .unwrap();
        assert_eq!(new.id, "sg-new");
        assert!(new.ingress.is_empty());
        assert!(!new.egress.is_empty(), "a new group allows all egress");

        let Err(ActionError::Refused(why)) =
            created_group(GroupRole::Untrack, "q-untrack", "vpc-1", None, None)
        else {
            panic!("a group of that name without our tag is not ours")
        };
        assert!(
            why.contains("q-untrack exists in vpc-1 without the vigil:quarantine=untrack tag"),
            "{why}"
        );
    }

    #[test]
    fn the_isolation_group_is_always_emptied_and_the_untrack_group_opened_once() {
        let empty = Group::default();
        let open = Group {
            ingress: Group::new_with_default_egress("x".into()).egress,
            ..Group::default()
        };
        assert_eq!(upkeep(GroupRole::Isolation, &empty), Upkeep::Empty);
        assert_eq!(upkeep(GroupRole::Isolation, &open), Upkeep::Empty);
        assert_eq!(upkeep(GroupRole::Untrack, &empty), Upkeep::AllowAll);
        assert_eq!(upkeep(GroupRole::Untrack, &open), Upkeep::Nothing);
    }

    #[test]
    fn only_the_live_exempt_tag_skips() {
        let tag = ExemptTag::default();
        let tagged = instance(vec![], &[], &[("vigil:exempt", "TRUE")]);
        let Some(Step::Skipped(why)) = exempt(&tagged, &tag) else {
            panic!("exempt")
        };
        assert!(why.contains("vigil:exempt=true now"), "{why}");
        assert_eq!(
            exempt(&instance(vec![], &[], &[("vigil:exempt", "no")]), &tag),
            None
        );
    }

    #[test]
    fn every_interface_is_isolated_and_one_already_alone_in_the_group_is_left() {
        let i = instance(
            vec![
                interface("eni-1", Some("vpc-1"), &["sg-q"]),
                interface("eni-2", Some("vpc-1"), &["sg-q", "sg-web"]),
                interface("eni-3", Some("vpc-1"), &["sg-web"]),
            ],
            &[],
            &[],
        );
        let interfaces = interfaces_to_isolate(&i).unwrap();
        assert_eq!(interfaces.len(), 3, "not only the primary interface");
        let moved: Vec<bool> = interfaces.iter().map(|n| !isolated(n, "sg-q")).collect();
        assert_eq!(
            moved,
            [false, true, true],
            "another group beside it still lets traffic in"
        );
        assert_eq!(vpc_of(&interfaces[0]).unwrap(), "vpc-1");
    }

    #[test]
    fn isolation_refuses_what_it_cannot_isolate() {
        let Err(ActionError::Refused(why)) = interfaces_to_isolate(&instance(vec![], &[], &[]))
        else {
            panic!("no interface")
        };
        assert!(
            why.contains("no network interface to isolate (state running)"),
            "{why}"
        );
        let Err(ActionError::Refused(why)) = vpc_of(&interface("eni-9", None, &[])) else {
            panic!("no VPC")
        };
        assert_eq!(why, "network interface eni-9 is in no VPC");
    }

    #[test]
    fn isolation_reports_what_moved_and_what_was_already_there() {
        let Step::AlreadyDone(why) = isolation_step(&[], &["eni-1 (sg-q)".into()], "q") else {
            panic!("nothing moved")
        };
        assert_eq!(
            why,
            "every network interface is already in the quarantine group: eni-1 (sg-q)"
        );
        let Step::Done(why) = isolation_step(
            &["eni-2 from [sg-web] to sg-q".into()],
            &["eni-1 (sg-q)".into()],
            "q",
        ) else {
            panic!("moved")
        };
        assert_eq!(
            why,
            "moved eni-2 from [sg-web] to sg-q to the rule-less quarantine group q (established connections cut); already there: eni-1 (sg-q)"
        );
    }

    #[test]
    fn only_volumes_without_a_snapshot_for_the_finding_are_snapshotted() {
        let i = instance(vec![], &["vol-1", "vol-2"], &[]);
        assert_eq!(volumes_to_snapshot(&i, &[]), ["vol-1", "vol-2"]);
        assert_eq!(volumes_to_snapshot(&i, &["vol-1".into()]), ["vol-2"]);
        assert!(volumes_to_snapshot(&i, &["vol-2".into(), "vol-1".into()]).is_empty());

        let Step::AlreadyDone(why) = snapshot_step(&i, &[], "f1") else {
            panic!("none created")
        };
        assert_eq!(
            why,
            "every volume (vol-1, vol-2) already has a snapshot tagged vigil:guardduty-finding=f1"
        );
        let Step::Done(why) = snapshot_step(&i, &["snap-1 of vol-2".into()], "f1") else {
            panic!("created")
        };
        assert_eq!(
            why,
            "snapshots snap-1 of vol-2 tagged vigil:guardduty-finding=f1"
        );
    }

    #[test]
    fn the_instance_is_marked_with_the_finding_once() {
        let at = contained_at(
            DateTime::parse_from_rfc3339("2024-06-01T12:00:00.250Z")
                .unwrap()
                .with_timezone(&Utc),
        );
        assert_eq!(at, "2024-06-01T12:00:00Z");
        assert_eq!(
            finding_tags("f1", "Backdoor:EC2/X", &at),
            [
                ("vigil:guardduty-finding", "f1"),
                ("vigil:guardduty-type", "Backdoor:EC2/X"),
                ("vigil:contained-at", "2024-06-01T12:00:00Z"),
            ]
        );
        let tagged = instance(vec![], &[], &[("vigil:guardduty-finding", "f1")]);
        assert!(tagged_with_finding(&tagged, "f1"));
        assert!(
            !tagged_with_finding(&tagged, "f2"),
            "another finding tags again"
        );
    }
}
