//! Facts → causes. Pure: no I/O, no clock, unit-tested on plain data.
//!
//! Each [`Cause`] says what keeps GuardDuty from detecting or from being heard, with its
//! evidence and severity, the repair Vigil could make ([`Repair`]; whether it may is decided in
//! `crate::actions::repair`) and what a person must do otherwise, in exact steps.
//!
//! By what each decides:
//! - `detector`: the detector itself (missing, disabled, plans off, foundational sources,
//!   publishing frequency);
//! - `export`: the findings export, its bucket and key; `policy`: what GuardDuty needs from
//!   their policies and whether a policy gives it;
//! - `suppression`: filters that archive findings before anyone sees them;
//! - `relationships`: administrator and members, and trusted IP lists (from the API call);
//! - `drill`: whether a rule routes high-severity findings to the responder, and how a drill
//!   ended;
//! - `runbook`: the text of each cause (summary and steps for a person).

mod detector;
pub(crate) mod drill;
mod export;
mod policy;
mod relationships;
mod runbook;
mod suppression;

use serde::Serialize;
use serde_json::Value;
use vigil::alert::Severity;
use vigil::aws::AwsCallError;

use crate::config::{Config, Frequency, Plan};
use crate::facts::{Facts, RegionFacts};
use runbook::Text;

/// What kind of problem a cause is. Its serde name is the one the answer, the alerts, the
/// metrics and the tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CauseKind {
    DetectorMissing,
    DetectorDisabled,
    PlansDisabled,
    FoundationalSourceOff,
    FrequencyChanged,
    ExportMissing,
    /// GuardDuty reports that its last export attempts failed.
    ExportNotPublishing,
    ExportWithoutKey,
    /// The export goes somewhere other than the configured bucket and key.
    ExportChanged,
    ExportBucketMissing,
    ExportBucketNotOwned,
    ExportBucketWrongRegion,
    ExportBucketPolicyUnreadable,
    ExportBucketPolicyLacksStatement,
    ExportBucketPolicyDenies,
    /// A Deny may block GuardDuty, depending on a condition Vigil cannot evaluate.
    ExportBucketPolicyUncertain,
    ExportKeyMissing,
    ExportKeyDisabled,
    ExportKeyPendingDeletion,
    ExportKeyUnusable,
    ExportKeyWrongRegion,
    ExportKeyPolicyLacksGrant,
    SuppressionRule,
    TrustedIpSet,
    AdministratorDetached,
    MembersNotMonitored,
    MembersRemoved,
    FactUnavailable,
}

serde_plain::derive_display_from_serialize!(CauseKind);

/// A change Vigil can make to fix a cause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Repair {
    /// CreateDetector with every plan named: the required ones ENABLED, the rest DISABLED.
    CreateDetector {
        region: String,
        plans: Vec<(Plan, bool)>,
        frequency: Frequency,
    },
    EnableDetector {
        region: String,
        detector_id: String,
    },
    EnablePlans {
        region: String,
        detector_id: String,
        plans: Vec<Plan>,
    },
    SetFrequency {
        region: String,
        detector_id: String,
        frequency: Frequency,
    },
    CreateExport {
        region: String,
        detector_id: String,
        destination_arn: String,
        key_arn: String,
    },
    RestoreExport {
        region: String,
        detector_id: String,
        destination_id: String,
        destination_arn: String,
        key_arn: String,
    },
    AddBucketStatements {
        region: String,
        bucket: String,
        statements: Vec<Value>,
    },
    AddKeyStatement {
        region: String,
        key_arn: String,
        statement: Value,
    },
    CancelKeyDeletion {
        region: String,
        key_arn: String,
    },
    EnableKey {
        region: String,
        key_arn: String,
    },
}

impl Repair {
    /// What the repair does, for people.
    pub(crate) fn describe(&self) -> String {
        match self {
            Repair::CreateDetector {
                region,
                plans,
                frequency,
            } => format!(
                "CreateDetector in {region} (publishing every {frequency}) with every plan named: {}",
                plans
                    .iter()
                    .map(|(p, on)| format!("{p}={}", if *on { "ENABLED" } else { "DISABLED" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Repair::EnableDetector { detector_id, .. } => {
                format!("UpdateDetector {detector_id} enable=true")
            }
            Repair::EnablePlans {
                detector_id, plans, ..
            } => format!(
                "UpdateDetector {detector_id} features {} ENABLED (other plans untouched)",
                plans
                    .iter()
                    .map(Plan::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Repair::SetFrequency {
                detector_id,
                frequency,
                ..
            } => {
                format!("UpdateDetector {detector_id} findingPublishingFrequency={frequency}")
            }
            Repair::CreateExport {
                destination_arn,
                key_arn,
                ..
            } => {
                format!("CreatePublishingDestination to {destination_arn} encrypted with {key_arn}")
            }
            Repair::RestoreExport {
                destination_id,
                destination_arn,
                key_arn,
                ..
            } => format!(
                "UpdatePublishingDestination {destination_id} back to {destination_arn} encrypted with {key_arn}"
            ),
            Repair::AddBucketStatements {
                bucket, statements, ..
            } => format!(
                "add {} statement(s) ({}) to the policy of bucket {bucket}, keeping every existing statement",
                statements.len(),
                statements
                    .iter()
                    .filter_map(|s| s["Sid"].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Repair::AddKeyStatement { key_arn, .. } => format!(
                "add statement AllowGuardDutyKey to the policy of key {key_arn}, keeping every existing statement"
            ),
            Repair::CancelKeyDeletion { key_arn, .. } => format!("CancelKeyDeletion on {key_arn}"),
            Repair::EnableKey { key_arn, .. } => format!("EnableKey on {key_arn}"),
        }
    }

    /// The Region the repair is made in.
    pub(crate) fn region(&self) -> &str {
        match self {
            Repair::CreateDetector { region, .. }
            | Repair::EnableDetector { region, .. }
            | Repair::EnablePlans { region, .. }
            | Repair::SetFrequency { region, .. }
            | Repair::CreateExport { region, .. }
            | Repair::RestoreExport { region, .. }
            | Repair::AddBucketStatements { region, .. }
            | Repair::AddKeyStatement { region, .. }
            | Repair::CancelKeyDeletion { region, .. }
            | Repair::EnableKey { region, .. } => region,
        }
    }
}

/// One thing that keeps GuardDuty from detecting, or its findings from being seen.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cause {
    pub(crate) kind: CauseKind,
    /// The resource it is about (Region, detector, destination, bucket, key ARN, filter).
    pub(crate) subject: String,
    pub(crate) severity: Severity,
    pub(crate) summary: String,
    pub(crate) evidence: Vec<String>,
    /// What Vigil could do about it, in order.
    pub(crate) repairs: Vec<Repair>,
    /// What a person does when it is not repaired, in order, as exact as possible.
    pub(crate) steps: Vec<String>,
    /// GuardDuty's report of attempts already made: it changes only at GuardDuty's next
    /// attempt, so after a repair it may be awaited rather than alerted again.
    pub(crate) lagging: bool,
}

impl Cause {
    fn new(kind: CauseKind, subject: impl Into<String>, severity: Severity, text: Text) -> Self {
        Cause {
            kind,
            subject: subject.into(),
            severity,
            summary: text.summary,
            evidence: Vec::new(),
            repairs: Vec::new(),
            steps: text.steps,
            lagging: false,
        }
    }

    fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    fn repair(mut self, repair: Repair) -> Self {
        self.repairs.push(repair);
        self
    }

    /// The cause's name in state and reports: `<kind>/<subject>`.
    pub(crate) fn id(&self) -> String {
        format!("{}/{}", self.kind, self.subject)
    }
}

/// One Region's diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RegionDiagnosis {
    pub(crate) region: String,
    pub(crate) detector_id: Option<String>,
    pub(crate) causes: Vec<Cause>,
}

/// What the diagnosis needs besides the facts: the configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings<'a> {
    pub(crate) config: &'a Config,
}

/// Diagnoses every Region in `facts`.
pub(crate) fn diagnose(facts: &Facts, settings: &Settings<'_>) -> Vec<RegionDiagnosis> {
    facts
        .regions
        .iter()
        .map(|r| diagnose_region(r, facts, settings))
        .collect()
}

fn diagnose_region(r: &RegionFacts, facts: &Facts, settings: &Settings<'_>) -> RegionDiagnosis {
    let mut causes = Vec::new();
    let detector = match &r.detector {
        Err(e) => {
            causes.push(unavailable(
                &r.region,
                "the Region's GuardDuty detectors",
                e,
            ));
            None
        }
        Ok(None) => {
            causes.push(detector::missing(&r.region, facts, settings));
            None
        }
        Ok(Some(d)) => Some(d),
    };
    if let Some(d) = detector {
        detector::causes(&r.region, d, settings, &mut causes);
        export::causes(&r.region, d, facts, settings, &mut causes);
        suppression::causes(&r.region, d, facts.call.as_ref(), &mut causes);
        relationships::causes(&r.region, d, settings, &mut causes);
    }
    relationships::from_call(&r.region, facts.call.as_ref(), &mut causes);
    // Two destinations may share a bucket or key: one cause each.
    let mut seen = std::collections::BTreeSet::new();
    causes.retain(|c| seen.insert(c.id()));
    causes.sort_by_key(|c| std::cmp::Reverse(c.severity));
    RegionDiagnosis {
        region: r.region.clone(),
        detector_id: detector.map(|d| d.id.clone()),
        causes,
    }
}

/// A fact about `subject` (`what`) could not be read: the diagnosis cannot say whether it
/// blinds GuardDuty, and says so.
fn unavailable(subject: &str, what: &str, error: &AwsCallError) -> Cause {
    Cause::new(
        CauseKind::FactUnavailable,
        format!("{subject}: {what}"),
        Severity::Medium,
        runbook::fact_unavailable(what, error),
    )
    .evidence(error.to_string())
}

#[cfg(test)]
mod tests;
