//! The detector itself: missing, disabled, a required protection plan off, a foundational
//! source reported off, or its publishing frequency changed.

use vigil::alert::Severity;

use super::{Cause, CauseKind, Repair, Settings, runbook, unavailable};
use crate::config::Plan;
use crate::facts::{DetectorFacts, ENABLED, Facts};

/// The sources GuardDuty analyses whenever the detector is on, and which no API call can
/// switch off (the API's `DetectorFeatureResult` lists them, `DetectorFeature` does not).
const FOUNDATIONAL: [&str; 3] = ["CLOUD_TRAIL", "DNS_LOGS", "FLOW_LOGS"];

/// No detector in the Region: nothing is analysed there at all.
pub(super) fn missing(region: &str, facts: &Facts, settings: &Settings<'_>) -> Cause {
    let config = settings.config;
    let plans: Vec<(Plan, bool)> = Plan::ALL
        .iter()
        .map(|p| (*p, config.required_plans.contains(p)))
        .collect();
    let mut cause = Cause::new(
        CauseKind::DetectorMissing,
        region,
        Severity::High,
        runbook::detector_missing(region, &config.required_plans),
    )
    .evidence(format!("ListDetectors in {region}: none"));
    if let Some(call) = facts
        .call
        .as_ref()
        .filter(|c| c.event_name == "DeleteDetector")
    {
        cause = cause.evidence(format!(
            "deleted by {} at {} (its findings are gone with it)",
            call.actor,
            call.time.as_deref().unwrap_or("an unknown time")
        ));
    }
    cause.repair(Repair::CreateDetector {
        region: region.to_owned(),
        plans,
        frequency: config.frequency,
    })
}

pub(super) fn causes(
    region: &str,
    d: &DetectorFacts,
    settings: &Settings<'_>,
    causes: &mut Vec<Cause>,
) {
    let config = settings.config;
    let s = match &d.settings {
        Ok(s) => s,
        Err(e) => {
            causes.push(unavailable(&d.id, "the detector's settings", e));
            return;
        }
    };
    if !s.enabled {
        causes.push(
            Cause::new(
                CauseKind::DetectorDisabled,
                &d.id,
                Severity::High,
                runbook::detector_disabled(region, &d.id),
            )
            .evidence(format!("GetDetector {}: status DISABLED", d.id))
            .repair(Repair::EnableDetector {
                region: region.to_owned(),
                detector_id: d.id.clone(),
            }),
        );
    }
    let off: Vec<Plan> = config
        .required_plans
        .iter()
        .copied()
        .filter(|p| {
            s.features
                .get(&p.to_string())
                .is_none_or(|st| st != ENABLED)
        })
        .collect();
    if !off.is_empty() {
        let mut cause = Cause::new(
            CauseKind::PlansDisabled,
            &d.id,
            Severity::Medium,
            runbook::plans_disabled(region, &d.id, &off),
        );
        for p in &off {
            cause = cause.evidence(format!(
                "{p}: {}",
                s.features
                    .get(&p.to_string())
                    .map_or("not listed", String::as_str)
            ));
        }
        causes.push(cause.repair(Repair::EnablePlans {
            region: region.to_owned(),
            detector_id: d.id.clone(),
            plans: off,
        }));
    }
    // Listed and not ENABLED while the detector is on: GuardDuty itself says a source it
    // always analyses is not analysed. Nothing to repair; AWS Support must look.
    let foundational_off: Vec<String> = FOUNDATIONAL
        .iter()
        .filter_map(|f| s.features.get(*f).map(|st| (f, st)))
        .filter(|(_, st)| *st != ENABLED)
        .map(|(f, st)| format!("{f}: {st}"))
        .collect();
    if s.enabled && !foundational_off.is_empty() {
        let mut cause = Cause::new(
            CauseKind::FoundationalSourceOff,
            &d.id,
            Severity::High,
            runbook::foundational_source_off(region, &d.id),
        );
        for line in foundational_off {
            cause = cause.evidence(line);
        }
        causes.push(cause);
    }
    let wanted = config.frequency.to_string();
    if let Some(f) = s.frequency.as_ref().filter(|f| **f != wanted) {
        causes.push(
            Cause::new(
                CauseKind::FrequencyChanged,
                &d.id,
                Severity::Low,
                runbook::frequency_changed(region, &d.id, f, config.frequency),
            )
            .evidence(format!(
                "findingPublishingFrequency {f}, configured {wanted}"
            ))
            .repair(Repair::SetFrequency {
                region: region.to_owned(),
                detector_id: d.id.clone(),
                frequency: config.frequency,
            }),
        );
    }
}
