//! Network ACLs: deny the addresses attacking an instance, in the ACLs of its subnets.
//!
//! Entries go in a reserved range of rule numbers (`naclRuleRange`, below the ACL's allow
//! rules, since AWS applies the lowest matching number). The range belongs to the responder:
//! when it is full, the oldest entry in it is replaced. An entry's age is kept on the ACL
//! itself as a tag `vigil:nacl-deny-<rule>` = time it was written (an entry without that tag
//! counts as oldest), so no store of its own is needed. Only inbound entries are written: an
//! ACL is stateless, so the attacker's packets are dropped on the way in.

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use super::record::Undo;
use super::{ActionError, Ctx, Step};
use crate::aws::Clients;
use crate::aws::ec2::{Acl, AclEntry, Instance, Write};
use crate::config::RuleRange;

/// Tag key prefix recording when each reserved rule was written.
const AGE_TAG_PREFIX: &str = "vigil:nacl-deny-";

/// One change to make to an ACL, or the note that none is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Already {
        net: IpNet,
        rule: i32,
    },
    Add {
        net: IpNet,
        rule: i32,
    },
    Replace {
        net: IpNet,
        rule: i32,
        evicted: Option<String>,
    },
    NoRoom {
        net: IpNet,
    },
}

/// Plans the entries that deny `ips` in `acl`. Pure.
fn plan(acl: &Acl, ips: &[IpAddr], range: RuleRange) -> Vec<Change> {
    let ours: Vec<&AclEntry> = acl
        .entries
        .iter()
        .filter(|e| !e.egress && range.contains(e.rule))
        .collect();
    let ages: HashMap<i32, DateTime<Utc>> = acl
        .tags
        .iter()
        .filter_map(|(k, v)| {
            let rule = k.strip_prefix(AGE_TAG_PREFIX)?.parse().ok()?;
            let at = DateTime::parse_from_rfc3339(v).ok()?.with_timezone(&Utc);
            Some((rule, at))
        })
        .collect();
    // Rules in use and when they were written; rules this plan writes are the newest of all.
    let mut used: Vec<(i32, Option<DateTime<Utc>>, Option<String>)> = ours
        .iter()
        .map(|e| (e.rule, ages.get(&e.rule).copied(), e.cidr.clone()))
        .collect();
    let mut planned_rules: Vec<i32> = Vec::new();
    let mut changes = Vec::new();
    for ip in ips {
        let net = IpNet::from(*ip);
        if let Some(entry) = ours.iter().find(|e| {
            e.deny && e.cidr.as_deref().and_then(|c| c.parse::<IpNet>().ok()) == Some(net)
        }) {
            planned_rules.push(entry.rule);
            changes.push(Change::Already {
                net,
                rule: entry.rule,
            });
            continue;
        }
        if let Some(rule) =
            (range.first..=range.last).find(|r| !used.iter().any(|(u, _, _)| u == r))
        {
            used.push((rule, None, None));
            planned_rules.push(rule);
            changes.push(Change::Add { net, rule });
            continue;
        }
        // Full: the oldest rule not written or confirmed by this plan (untagged first, then
        // by time, then by number).
        let oldest = used
            .iter()
            .filter(|(r, _, _)| !planned_rules.contains(r))
            .min_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)))
            .cloned();
        match oldest {
            Some((rule, _, evicted)) => {
                planned_rules.push(rule);
                changes.push(Change::Replace { net, rule, evicted });
            }
            None => changes.push(Change::NoRoom { net }),
        }
    }
    changes
}

/// The subnets the instance has an interface in, each once, in interface order.
fn subnets(instance: &Instance) -> Result<Vec<&str>, ActionError> {
    let mut subnets: Vec<&str> = Vec::new();
    for subnet in instance
        .interfaces
        .iter()
        .filter_map(|i| i.subnet_id.as_deref())
    {
        if !subnets.contains(&subnet) {
            subnets.push(subnet);
        }
    }
    if subnets.is_empty() {
        return Err(ActionError::Refused(format!(
            "instance {} has no interface in a subnet",
            instance.id
        )));
    }
    Ok(subnets)
}

/// Denies `ips` inbound in the network ACL of every subnet the instance has an interface in.
pub(crate) async fn block_remote_ips(
    ctx: &Ctx<'_>,
    instance_id: &str,
    ips: &[IpAddr],
) -> Result<Step, ActionError> {
    let instance = ctx.instance(instance_id).await?;
    let mut acls: Vec<Acl> = Vec::new();
    for subnet in subnets(&instance)? {
        let Some(acl) = ctx.aws.ec2.acl_of_subnet(subnet).await? else {
            return Err(ActionError::Refused(format!(
                "subnet {subnet} has no network ACL association"
            )));
        };
        if !acls.iter().any(|a| a.id == acl.id) {
            acls.push(acl);
        }
    }
    let stamp = ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut done = Vec::new();
    let mut already = Vec::new();
    let mut no_room = Vec::new();
    for acl in &acls {
        let mut ours: Vec<(i32, String)> = Vec::new();
        for change in plan(acl, ips, ctx.settings.nacl_rule_range) {
            if let Change::Already { net, rule }
            | Change::Add { net, rule }
            | Change::Replace { net, rule, .. } = &change
            {
                ours.push((*rule, net.to_string()));
            }
            match change {
                Change::Already { net, rule } => {
                    already.push(format!("{net} (rule {rule} of {})", acl.id));
                }
                Change::Add { net, rule } => {
                    ctx.aws
                        .ec2
                        .deny_inbound(&acl.id, rule, &net, Write::Create)
                        .await?;
                    record_age(ctx, &acl.id, rule, &stamp).await?;
                    done.push(format!("{net} denied as rule {rule} of {}", acl.id));
                }
                Change::Replace { net, rule, evicted } => {
                    ctx.aws
                        .ec2
                        .deny_inbound(&acl.id, rule, &net, Write::Replace)
                        .await?;
                    record_age(ctx, &acl.id, rule, &stamp).await?;
                    done.push(format!(
                        "{net} denied as rule {rule} of {} (replacing the oldest entry, {})",
                        acl.id,
                        evicted.as_deref().unwrap_or("unknown")
                    ));
                }
                Change::NoRoom { net } => no_room.push(format!("{net} in {}", acl.id)),
            }
        }
        if !ours.is_empty() {
            ctx.remember(Undo::RemoveAclEntries {
                acl_id: acl.id.clone(),
                entries: ours,
            });
        }
    }
    if !no_room.is_empty() {
        return Err(ActionError::Refused(format!(
            "no reserved rule number left for {} (more addresses than the naclRuleRange holds); done: {}",
            no_room.join(", "),
            if done.is_empty() {
                "nothing".into()
            } else {
                done.join("; ")
            }
        )));
    }
    if done.is_empty() {
        return Ok(Step::AlreadyDone(format!(
            "already denied: {}",
            already.join(", ")
        )));
    }
    if !already.is_empty() {
        done.push(format!("already denied: {}", already.join(", ")));
    }
    Ok(Step::Done(done.join("; ")))
}

/// Release: removes the entries the response wrote, each only while it still denies the
/// address it was written for (a later response may have reused the rule number), then reads
/// the ACL back.
pub(crate) async fn remove_entries(
    aws: &Clients,
    acl_id: &str,
    entries: &[(i32, String)],
) -> Result<Step, ActionError> {
    let Some(acl) = aws.ec2.acl(acl_id).await? else {
        return Ok(Step::AlreadyDone(format!(
            "network ACL {acl_id} no longer exists"
        )));
    };
    let still = |acl: &Acl, rule: i32, cidr: &str| {
        acl.entries.iter().any(|e| {
            !e.egress
                && e.deny
                && e.rule == rule
                && e.cidr.as_deref().and_then(|c| c.parse::<IpNet>().ok())
                    == cidr.parse::<IpNet>().ok()
        })
    };
    let mut removed = Vec::new();
    for (rule, cidr) in entries {
        if still(&acl, *rule, cidr) {
            aws.ec2.delete_inbound(acl_id, *rule).await?;
            removed.push(format!("rule {rule} ({cidr})"));
        }
    }
    if removed.is_empty() {
        return Ok(Step::AlreadyDone(format!(
            "none of the response's entries is in {acl_id} any more"
        )));
    }
    if let Some(after) = aws.ec2.acl(acl_id).await?
        && let Some((rule, cidr)) = entries.iter().find(|(r, c)| still(&after, *r, c))
    {
        return Err(ActionError::Refused(format!(
            "read back, rule {rule} ({cidr}) is still in {acl_id}"
        )));
    }
    let keys: Vec<String> = entries
        .iter()
        .map(|(rule, _)| format!("{AGE_TAG_PREFIX}{rule}"))
        .filter(|k| acl.tags.iter().any(|(t, _)| t == k))
        .collect();
    if !keys.is_empty() {
        aws.ec2.untag(acl_id, &keys).await?;
    }
    Ok(Step::Done(format!(
        "removed {} from {acl_id} (read back: gone)",
        removed.join(", ")
    )))
}

async fn record_age(
    ctx: &Ctx<'_>,
    acl_id: &str,
    rule: i32,
    stamp: &str,
) -> Result<(), ActionError> {
    let key = format!("{AGE_TAG_PREFIX}{rule}");
    ctx.aws.ec2.tag(acl_id, &[(key.as_str(), stamp)]).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule: i32, cidr: &str) -> AclEntry {
        AclEntry {
            rule,
            egress: false,
            deny: true,
            cidr: Some(cidr.into()),
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    #[test]
    fn each_subnet_of_the_instance_once() {
        let interface = |id: &str, subnet: Option<&str>| crate::aws::ec2::Interface {
            id: id.into(),
            subnet_id: subnet.map(Into::into),
            ..Default::default()
        };
        let instance = Instance {
            id: "i-1".into(),
            interfaces: vec![
                interface("eni-1", Some("subnet-b")),
                interface("eni-2", Some("subnet-a")),
                interface("eni-3", Some("subnet-b")),
                interface("eni-4", None),
            ],
            ..Default::default()
        };
        assert_eq!(subnets(&instance).unwrap(), ["subnet-b", "subnet-a"]);
        let Err(ActionError::Refused(why)) = subnets(&Instance {
            id: "i-2".into(),
            ..Default::default()
        }) else {
            panic!("no subnet")
        };
        assert_eq!(why, "instance i-2 has no interface in a subnet");
    }

    const RANGE: RuleRange = RuleRange {
        first: 90,
        last: 92,
    };

    #[test]
    fn adds_in_the_lowest_free_rule_and_leaves_other_rules_alone() {
        let acl = Acl {
            id: "acl-1".into(),
            entries: vec![
                AclEntry {
                    rule: 100,
                    egress: false,
                    deny: false,
                    cidr: Some("0.0.0.0/0".into()),
                },
                AclEntry {
                    rule: 90,
                    egress: true,
                    deny: true,
                    cidr: Some("192.0.2.1/32".into()),
                },
                entry(90, "198.51.100.1/32"),
            ],
            tags: vec![],
        };
        let changes = plan(
            &acl,
            &[ip("198.51.100.1"), ip("198.51.100.2"), ip("2001:db8::7")],
            RANGE,
        );
        assert_eq!(
            changes,
            vec![
                Change::Already {
                    net: net("198.51.100.1/32"),
                    rule: 90
                },
                Change::Add {
                    net: net("198.51.100.2/32"),
                    rule: 91
                },
                Change::Add {
                    net: net("2001:db8::7/128"),
                    rule: 92
                },
            ]
        );
    }

    #[test]
    fn a_full_range_evicts_the_oldest_entry() {
        let acl = Acl {
            id: "acl-1".into(),
            entries: vec![
                entry(90, "198.51.100.1/32"),
                entry(91, "198.51.100.2/32"),
                entry(92, "198.51.100.3/32"),
            ],
            tags: vec![
                (format!("{AGE_TAG_PREFIX}90"), "2024-06-03T00:00:00Z".into()),
                (format!("{AGE_TAG_PREFIX}91"), "2024-06-01T00:00:00Z".into()),
                (format!("{AGE_TAG_PREFIX}92"), "2024-06-02T00:00:00Z".into()),
            ],
        };
        let changes = plan(&acl, &[ip("203.0.113.1"), ip("203.0.113.2")], RANGE);
        assert_eq!(
            changes,
            vec![
                Change::Replace {
                    net: net("203.0.113.1/32"),
                    rule: 91,
                    evicted: Some("198.51.100.2/32".into())
                },
                Change::Replace {
                    net: net("203.0.113.2/32"),
                    rule: 92,
                    evicted: Some("198.51.100.3/32".into())
                },
            ]
        );
    }

    #[test]
    fn untagged_entries_are_oldest_and_a_plan_never_evicts_itself() {
        let acl = Acl {
            id: "acl-1".into(),
            entries: vec![entry(90, "198.51.100.1/32"), entry(91, "198.51.100.2/32")],
            tags: vec![(format!("{AGE_TAG_PREFIX}90"), "2024-06-03T00:00:00Z".into())],
        };
        let range = RuleRange {
            first: 90,
            last: 91,
        };
        let changes = plan(
            &acl,
            &[ip("203.0.113.1"), ip("203.0.113.2"), ip("203.0.113.3")],
            range,
        );
        assert_eq!(
            changes,
            vec![
                Change::Replace {
                    net: net("203.0.113.1/32"),
                    rule: 91,
                    evicted: Some("198.51.100.2/32".into())
                },
                Change::Replace {
                    net: net("203.0.113.2/32"),
                    rule: 90,
                    evicted: Some("198.51.100.1/32".into())
                },
                Change::NoRoom {
                    net: net("203.0.113.3/32")
                },
            ]
        );
    }
}
