//! Who else sees this account's findings: the GuardDuty administrator this account must stay a
//! member of, and (on an administrator) members no longer monitored; and, from the API call
//! itself, members removed and trusted IP lists activated (GuardDuty raises no VPC Flow Log or
//! CloudTrail finding for addresses on a trusted list). Alert only: none of these is repaired.

use vigil::alert::Severity;

use super::{Cause, CauseKind, Settings, runbook, unavailable};
use crate::facts::{CallFacts, DetectorFacts};

pub(super) fn causes(
    region: &str,
    d: &DetectorFacts,
    settings: &Settings<'_>,
    causes: &mut Vec<Cause>,
) {
    if let (Some(expected), Some(admin)) = (&settings.config.administrator, &d.administrator) {
        match admin {
            Err(e) => causes.push(unavailable(&d.id, "the detector's administrator", e)),
            Ok(found)
                if found.as_ref().is_none_or(|a| {
                    a.account_id != *expected
                        || !a.relationship_status.eq_ignore_ascii_case("Enabled")
                }) =>
            {
                causes.push(
                    Cause::new(
                        CauseKind::AdministratorDetached,
                        &d.id,
                        Severity::High,
                        runbook::administrator_detached(region, &d.id, expected),
                    )
                    .evidence(match found {
                        None => "GetAdministratorAccount: no administrator".to_owned(),
                        Some(a) => format!(
                            "GetAdministratorAccount: {} ({})",
                            a.account_id, a.relationship_status
                        ),
                    })
                    .evidence(format!("expected administrator {expected}")),
                );
            }
            Ok(_) => {}
        }
    }
    match &d.members {
        Err(e) => causes.push(unavailable(&d.id, "the detector's members", e)),
        Ok(members) => {
            let off: Vec<String> = members
                .iter()
                .filter(|m| !m.relationship_status.eq_ignore_ascii_case("Enabled"))
                .map(|m| format!("{} ({})", m.account_id, m.relationship_status))
                .collect();
            if !off.is_empty() {
                causes.push(
                    Cause::new(
                        CauseKind::MembersNotMonitored,
                        &d.id,
                        Severity::Medium,
                        runbook::members_not_monitored(
                            region,
                            &d.id,
                            members
                                .iter()
                                .filter(|m| !m.relationship_status.eq_ignore_ascii_case("Enabled"))
                                .map(|m| m.account_id.as_str())
                                .collect(),
                        ),
                    )
                    .evidence(format!("ListMembers: {}", off.join(", "))),
                );
            }
        }
    }
}

/// Causes only the call can tell: members deleted or disassociated (they no longer appear in
/// ListMembers), and a trusted IP list activated.
pub(super) fn from_call(region: &str, call: Option<&CallFacts>, causes: &mut Vec<Cause>) {
    let Some(call) = call.filter(|c| c.region.as_deref() == Some(region)) else {
        return;
    };
    match call.event_name.as_str() {
        "DeleteMembers" | "DisassociateMembers" if !call.member_ids.is_empty() => causes.push(
            Cause::new(
                CauseKind::MembersRemoved,
                call.member_ids.join(","),
                Severity::High,
                runbook::members_removed(region, &call.member_ids, &call.event_name),
            )
            .evidence(format!(
                "{} by {} at {}",
                call.event_name,
                call.actor,
                call.time.as_deref().unwrap_or("an unknown time")
            )),
        ),
        "CreateIPSet" | "UpdateIPSet" => {
            if let Some((name, true)) = &call.ip_set {
                causes.push(
                    Cause::new(
                        CauseKind::TrustedIpSet,
                        name,
                        Severity::Medium,
                        runbook::trusted_ip_set(region, name),
                    )
                    .evidence(format!(
                        "{} by {} at {}: trusted IP list {name} active",
                        call.event_name,
                        call.actor,
                        call.time.as_deref().unwrap_or("an unknown time")
                    )),
                );
            }
        }
        _ => {}
    }
}
