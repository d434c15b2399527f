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

use super::{ActionError, Ctx, Step};
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

/// The VPC's group with `role`, created (and for isolation, emptied of rules) if needed.
async fn quarantine_group(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    role: GroupRole,
) -> Result<String, ActionError> {
    let ec2 = &ctx.deps.ec2;
    let tag = role.to_string();
    let tag = (QUARANTINE_TAG, tag.as_str());
    let group = match ec2.find_group(vpc_id, tag).await? {
        Some(group) => group,
        None => {
            let name = role.group_name(&ctx.settings.quarantine_group_name);
            let tags = [tag, ("Name", name.as_str())];
            let created = ec2
                .create_group(vpc_id, &name, role.description(), &tags)
                .await?;
            let found = ec2.find_group(vpc_id, tag).await?;
            created_group(role, &name, vpc_id, created, found)?
        }
    };
    match upkeep(role, &group) {
        Upkeep::Empty => ec2.revoke(&group).await?,
        Upkeep::AllowAll => ec2.allow_all(&group.id).await?,
        Upkeep::Nothing => {}
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
    Ok(exempt(instance, &ctx.settings.exempt_tag))
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

/// Moves every network interface of the instance into its VPC's quarantine group.
pub(crate) async fn isolate(ctx: &Ctx<'_>, instance_id: &str) -> Result<Step, ActionError> {
    if let Some(skip) = skip_if_exempt(ctx, instance_id).await? {
        return Ok(skip);
    }
    let instance = ctx.instance(instance_id).await?;
    let mut moved = Vec::new();
    let mut already = Vec::new();
    // Each VPC's two groups, looked up (or created) once however many interfaces it has.
    let mut groups = VpcGroups::default();
    for interface in interfaces_to_isolate(instance)? {
        let vpc = vpc_of(interface)?;
        let isolation = groups.get(ctx, vpc, GroupRole::Isolation).await?;
        if isolated(interface, &isolation) {
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
    Ok(isolation_step(
        &moved,
        &already,
        &ctx.settings.quarantine_group_name,
    ))
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
    let ec2 = &ctx.deps.ec2;
    let done = ec2.snapshotted_volumes((FINDING_TAG, finding_id)).await?;
    let tags = [
        (FINDING_TAG, finding_id),
        ("vigil:instance-id", instance_id),
    ];
    let mut created = Vec::new();
    let mut failures = Vec::new();
    for volume in volumes_to_snapshot(instance, &done) {
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
    Ok(snapshot_step(instance, &created, finding_id))
}

pub(crate) async fn protect_from_termination(
    ctx: &Ctx<'_>,
    instance_id: &str,
) -> Result<Step, ActionError> {
    if let Some(skip) = skip_if_exempt(ctx, instance_id).await? {
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
    if tagged_with_finding(instance, finding_id) {
        return Ok(Step::AlreadyDone(format!(
            "already tagged {FINDING_TAG}={finding_id}"
        )));
    }
    let at = contained_at(ctx.now);
    ctx.deps
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
