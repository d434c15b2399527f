//! Account-wide causes, over the whole trail inventory: is there a multi-region trail, and is
//! a trail an event named gone?

use vigil::alert::Severity;
use vigil::events::cloudtrail::ApiCall;

use super::{Cause, CauseKind, runbook};
use crate::facts::TrailSettings;

/// Is there a multi-region trail? `region` is where a new one would be created.
pub(crate) fn account_causes(
    inventory: &[TrailSettings],
    account_id: &str,
    region: &str,
) -> Vec<Cause> {
    if inventory.iter().any(|t| t.multi_region) {
        return Vec::new();
    }
    let names: Vec<String> = inventory
        .iter()
        .map(|t| format!("{} ({})", t.name, t.home_region))
        .collect();
    vec![
        Cause::new(
            CauseKind::NoMultiRegionTrail,
            format!("account {account_id}"),
            Severity::High,
            runbook::no_multi_region_trail(region),
        )
        .evidence(if names.is_empty() {
            "ListTrails: no trails at all".to_owned()
        } else {
            format!(
                "ListTrails: only single-region trails: {}",
                names.join(", ")
            )
        }),
    ]
}

/// A trail named by an event that no longer exists.
pub(crate) fn trail_missing(name: &str, call: &ApiCall) -> Cause {
    let region = call.aws_region.as_deref().unwrap_or("REGION");
    Cause::new(
        CauseKind::TrailMissing,
        name,
        Severity::High,
        runbook::trail_missing(name, region, call.event_name == "DeleteTrail"),
    )
    .evidence(format!(
        "{} by {} at {}",
        call.event_name,
        call.actor(),
        call.event_time.as_deref().unwrap_or("an unknown time")
    ))
    .evidence(format!("ListTrails: no trail {name}"))
}
