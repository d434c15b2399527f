//! The run's findings in the AWS Security Finding Format (ASFF), for Security Hub (pure): what
//! to send after a run ([`Plan::between`]), each finding as ASFF ([`Target::finding`]), and the
//! investigation updates the customer API makes (resolved, suppressed, reopened).
//!
//! What goes to Security Hub, per (check, Region, resource), so that one resource's finding is
//! one Security Hub finding updated night after night (its id is stable: [`finding_id`]):
//! - FAIL, ERROR and MUTED findings every run (ERROR as compliance `NOT_AVAILABLE`, its
//!   description and the `vigil/ApiError` product field naming the failed call).
//! - A PASS only when the finding was FAIL, ERROR or MUTED the run before (sent as `PASSED`,
//!   then set `RESOLVED`): a resource that always passed never makes a finding, so a large
//!   account's thousands of passes cost nothing each night.
//! - A finding that was FAIL, ERROR or MUTED and is now gone (the resource was deleted, or the
//!   check no longer applies to it) is sent `ARCHIVED`, only for the services and Regions this
//!   run swept.
//! - MUTED findings are set `SUPPRESSED` with the mute-list entry's reason as the note; a
//!   finding muted before and open now is set back to `NEW`.
//!
//! `BatchImportFindings` cannot change a finding's workflow status once it exists (AWS's
//! rule for finding providers), hence the separate customer updates (`BatchUpdateFindings`).
//! Severity and types go in `FindingProviderFields` as well, the fields a provider updates.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, FindingProviderFields,
    FindingProviderSeverity, Partition, Recommendation, RecordState, Remediation, Resource,
    Severity as AsffSeverity, SeverityLabel,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use vigil::alert::Severity;
use vigil::aws::AwsCallError;

use crate::aws::securityhub::Rejected;
use crate::checks::catalogue::{self, CIS_VERSIONS};
use crate::checks::{Finding, ResourceType, Status};
use crate::facts::{GLOBAL, Shard};

/// The ASFF version Security Hub accepts.
pub(crate) const SCHEMA_VERSION: &str = "2018-10-08";
/// `BatchImportFindings` and `BatchUpdateFindings` take at most this many findings a call.
pub(crate) const BATCH: usize = 100;
/// How many failed findings the answer lists (all of them are logged).
const LISTED: usize = 100;

/// ASFF's length limits on the text fields Vigil fills.
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;
const NOTE_MAX: usize = 512;

/// A stable id for the finding of a check on a resource in a Region: the same every night, so
/// Security Hub updates the finding rather than adding one. Hashed because ARNs can exceed
/// ASFF's 512 characters; the check id stays readable.
pub fn finding_id(f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in [f.check.as_str(), &f.region, &f.resource] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!(
        "vigil/compliance-sweep/{}/{}",
        f.check,
        hex::encode(&h.finalize()[..16])
    )
}

/// Where findings go: the account's own default product in the Region the function runs in
/// (Security Hub's cross-Region aggregation, if on, gathers them from there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub account: String,
    pub region: String,
    pub partition: String,
}

impl Target {
    pub fn new(account: &str, region: &str) -> Self {
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Target {
            account: account.to_owned(),
            region: region.to_owned(),
            partition: partition.to_owned(),
        }
    }

    /// The product ARN every account has for its own findings (`product/ACCOUNT/default`).
    pub fn product_arn(&self) -> String {
        format!(
            "arn:{}:securityhub:{}:{}:product/{}/default",
            self.partition, self.region, self.account, self.account
        )
    }

    /// `f` as an ASFF finding of run `run_id`, observed at `at`, in `state`.
    pub(crate) fn finding(
        &self,
        f: &Finding,
        run_id: &str,
        at: DateTime<Utc>,
        state: RecordState,
    ) -> AwsSecurityFinding {
        let c = catalogue::get(f.check);
        let at = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        // A muted finding keeps the compliance status it had: the control still fails.
        let result = f.muted.as_ref().map_or(f.status, |m| m.status);
        let (compliance, label) = match result {
            Status::Pass => (ComplianceStatus::Passed, SeverityLabel::Informational),
            Status::Fail | Status::Muted => (ComplianceStatus::Failed, label(c.severity)),
            Status::Error | Status::NotApplicable => {
                (ComplianceStatus::NotAvailable, label(c.severity))
            }
        };
        let types = if c.cis_ids().iter().any(|ids| !ids.is_empty()) {
            "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
        } else {
            "Software and Configuration Checks/AWS Security Best Practices"
        };
        let mut requirements: Vec<String> = CIS_VERSIONS
            .iter()
            .zip(c.cis_ids())
            .flat_map(|(v, ids)| {
                ids.iter()
                    .map(move |id| format!("CIS AWS Foundations Benchmark v{v}/{id}"))
            })
            .collect();
        requirements.extend(
            c.security_hub
                .iter()
                .map(|id| format!("AWS Foundational Security Best Practices v1.0.0/{id}")),
        );
        // ASFF takes at most 32 related requirements.
        requirements.truncate(32);
        let (resource_id, resource_type) = match f.resource_type {
            ResourceType::AwsAccount => (
                format!("AWS::::Account:{}", self.account),
                "AwsAccount".to_owned(),
            ),
            kind => (f.resource.clone(), kind.to_string()),
        };
        let region = if f.region == GLOBAL {
            self.region.as_str()
        } else {
            f.region.as_str()
        };
        let partition = Partition::from(self.partition.as_str());
        let mut fields = BTreeMap::from([
            ("vigil/CheckId".to_owned(), f.check.to_string()),
            ("vigil/RunId".to_owned(), run_id.to_owned()),
            ("vigil/Result".to_owned(), f.status.to_string()),
            ("vigil/Resource".to_owned(), f.resource.clone()),
        ]);
        if !c.prowler.is_empty() {
            fields.insert("vigil/Prowler".into(), c.prowler.join(","));
        }
        if !c.security_hub.is_empty() {
            fields.insert("vigil/SecurityHubControls".into(), c.security_hub.join(","));
        }
        if let Some(e) = &f.error {
            fields.insert("vigil/ApiError".into(), e.to_string());
        }
        if let Some(m) = &f.muted {
            fields.insert(
                "vigil/MutedBy".into(),
                format!(
                    "entry {}: {} (owner {}, until {})",
                    m.entry, m.reason, m.owner, m.expires
                ),
            );
        }
        let severity_original = c.severity.to_string().to_uppercase();
        AwsSecurityFinding::builder()
            .schema_version(SCHEMA_VERSION)
            .id(finding_id(f))
            .product_arn(self.product_arn())
            .product_name("Vigil")
            .company_name("Vigil")
            .generator_id(format!("vigil/compliance-sweep/{}", f.check))
            .aws_account_id(&self.account)
            .types(types)
            .created_at(&at)
            .updated_at(&at)
            .first_observed_at(&at)
            .last_observed_at(&at)
            .severity(
                AsffSeverity::builder()
                    .label(label.clone())
                    .original(&severity_original)
                    .build(),
            )
            .finding_provider_fields(
                FindingProviderFields::builder()
                    .severity(
                        FindingProviderSeverity::builder()
                            .label(label)
                            .original(&severity_original)
                            .build(),
                    )
                    .types(types)
                    .build(),
            )
            .title(clip(&format!("{} {}", f.check, c.title), TITLE_MAX))
            .description(clip(&f.detail, DESCRIPTION_MAX))
            .remediation(
                Remediation::builder()
                    .recommendation(
                        Recommendation::builder()
                            .text(clip(c.remediation, RECOMMENDATION_MAX))
                            .build(),
                    )
                    .build(),
            )
            .set_product_fields(Some(fields.into_iter().collect()))
            .resources(
                Resource::builder()
                    .r#type(resource_type)
                    .id(resource_id)
                    .partition(partition)
                    .region(region)
                    .build(),
            )
            .compliance(
                Compliance::builder()
                    .status(compliance)
                    .set_related_requirements((!requirements.is_empty()).then_some(requirements))
                    .build(),
            )
            .record_state(state)
            .build()
    }
}

fn label(s: Severity) -> SeverityLabel {
    match s {
        Severity::Info => SeverityLabel::Informational,
        Severity::Low => SeverityLabel::Low,
        Severity::Medium => SeverityLabel::Medium,
        Severity::High => SeverityLabel::High,
        Severity::Critical => SeverityLabel::Critical,
    }
}

/// `s` cut to at most `max` characters (ASFF counts characters), marked when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// One finding to import: of this run (an index into its findings) or, to archive, of the
/// run before.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Import {
    Current { index: usize, state: RecordState },
    Gone(Box<Finding>),
}

/// A workflow update (`BatchUpdateFindings`): the findings, the status and the note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkflowChange {
    pub status: Workflow,
    pub note: String,
    pub ids: Vec<String>,
}

/// The workflow statuses Vigil sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Workflow {
    Resolved,
    Suppressed,
    New,
}

/// What a run sends to Security Hub: the findings to import, then the workflow updates.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Plan {
    pub imports: Vec<Import>,
    pub workflow: Vec<WorkflowChange>,
}

type Key<'a> = (crate::checks::CheckId, &'a str, &'a str);

/// Open in Security Hub: a finding Vigil sent and has not resolved or archived.
fn open(s: Status) -> bool {
    matches!(s, Status::Fail | Status::Error | Status::Muted)
}

impl Plan {
    /// What to send after run `run_id` found `current` over `swept`, the run before having
    /// found `previous` (empty for the first run).
    pub(crate) fn between(
        run_id: &str,
        previous: &[Finding],
        current: &[Finding],
        swept: &[Shard],
    ) -> Plan {
        let before: BTreeMap<Key, &Finding> = previous.iter().map(|f| (f.key(), f)).collect();
        let now: BTreeSet<Key> = current.iter().map(Finding::key).collect();
        let mut plan = Plan::default();
        let mut resolved = Vec::new();
        let mut reopened = Vec::new();
        let mut suppressed: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (index, f) in current.iter().enumerate() {
            let was = before.get(&f.key()).map(|p| p.status);
            let active = Import::Current {
                index,
                state: RecordState::Active,
            };
            match f.status {
                Status::Fail | Status::Error => {
                    plan.imports.push(active);
                    if was == Some(Status::Muted) {
                        reopened.push(finding_id(f));
                    }
                }
                Status::Muted => {
                    plan.imports.push(active);
                    let m = f.muted.as_ref();
                    let note = m.map_or_else(String::new, |m| {
                        format!(
                            "Muted by Vigil's mute list, entry {}: {} (owner {}, until {})",
                            m.entry, m.reason, m.owner, m.expires
                        )
                    });
                    suppressed
                        .entry(clip(&note, NOTE_MAX))
                        .or_default()
                        .push(finding_id(f));
                }
                Status::Pass if was.is_some_and(open) => {
                    plan.imports.push(active);
                    resolved.push(finding_id(f));
                }
                Status::NotApplicable if was.is_some_and(open) => {
                    plan.imports.push(Import::Current {
                        index,
                        state: RecordState::Archived,
                    });
                }
                Status::Pass | Status::NotApplicable => {}
            }
        }
        let in_scope = |f: &Finding| {
            let service = catalogue::get(f.check).service;
            swept
                .iter()
                .any(|s| s.service == service && (s.region == GLOBAL || s.region == f.region))
        };
        plan.imports.extend(
            previous
                .iter()
                .filter(|p| open(p.status) && !now.contains(&p.key()) && in_scope(p))
                .map(|p| Import::Gone(Box::new(p.clone()))),
        );
        if !resolved.is_empty() {
            plan.workflow.push(WorkflowChange {
                status: Workflow::Resolved,
                note: format!("Passes since Vigil compliance-sweep run {run_id}"),
                ids: resolved,
            });
        }
        for (note, ids) in suppressed {
            plan.workflow.push(WorkflowChange {
                status: Workflow::Suppressed,
                note,
                ids,
            });
        }
        if !reopened.is_empty() {
            plan.workflow.push(WorkflowChange {
                status: Workflow::New,
                note: format!(
                    "No longer muted (its mute-list entry expired or was removed) as of Vigil compliance-sweep run {run_id}"
                ),
                ids: reopened,
            });
        }
        plan
    }
}

/// What the export did (in the invocation's answer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Exported {
    /// The Region and product the findings went to.
    pub product_arn: String,
    /// Findings Security Hub accepted (`ARCHIVED` ones included).
    pub imported: usize,
    /// Of those, findings archived because their resource is gone or no longer in scope.
    pub archived: usize,
    /// Findings whose workflow status was set (resolved, suppressed, reopened).
    pub workflow_updated: usize,
    /// Calls made (each may hide the SDK's own retries of a throttled request).
    pub calls: usize,
    /// Findings sent again after Security Hub rejected them once.
    pub retried: usize,
    /// Findings not imported or not updated, after the retries.
    pub failed_count: usize,
    /// The first of them, each with Security Hub's reason.
    pub failed: Vec<Rejected>,
    /// Milliseconds the export took.
    pub took_ms: u128,
    /// A call refused as a whole, which stopped the export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Exported {
    /// A finding Security Hub rejected: logged by id with the reason.
    pub(crate) fn fail(&mut self, rejected: Rejected) {
        tracing::error!(id = %rejected.id, code = %rejected.code, message = %rejected.message, "Security Hub did not take this finding");
        self.count(rejected);
    }

    fn count(&mut self, rejected: Rejected) {
        self.failed_count += 1;
        if self.failed.len() < LISTED {
            self.failed.push(rejected);
        }
    }

    /// Every finding of `ids` failed with `error`, a call refused as a whole (logged once, by
    /// the caller, not per finding).
    pub(crate) fn fail_all(&mut self, ids: impl IntoIterator<Item = String>, error: &AwsCallError) {
        for id in ids {
            self.count(Rejected {
                id,
                code: error
                    .code
                    .clone()
                    .unwrap_or_else(|| "CallFailed".to_owned()),
                message: error.to_string(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::finding::Muting;
    use crate::facts::{ApiError, Service};
    use crate::report::tests::f;
    use chrono::TimeZone;
    use vigil::aws::AwsFailure;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap()
    }

    fn target() -> Target {
        Target::new("123456789012", "eu-west-1")
    }

    fn swept() -> Vec<Shard> {
        vec![
            Shard::new("us-east-1", Service::Kms),
            Shard::new("us-east-1", Service::SecretsManager),
        ]
    }

    fn muted(mut x: Finding, reason: &str) -> Finding {
        x.muted = Some(Muting {
            status: x.status,
            entry: 2,
            reason: reason.into(),
            owner: "platform".into(),
            expires: "2027-01-31".into(),
        });
        x.status = Status::Muted;
        x
    }

    fn imported<'a>(
        plan: &'a Plan,
        current: &'a [Finding],
    ) -> Vec<(&'a str, &'a str, RecordState)> {
        plan.imports
            .iter()
            .map(|i| match i {
                Import::Current { index, state } => {
                    (current[*index].resource.as_str(), "now", state.clone())
                }
                Import::Gone(p) => (p.resource.as_str(), "gone", RecordState::Archived),
            })
            .collect()
    }

    #[test]
    fn each_finding_is_sent_as_its_two_statuses_say() {
        let before = vec![
            f("KMS-01", Status::Fail, "fixed"),
            f("KMS-01", Status::Pass, "always-passes"),
            f("KMS-01", Status::Fail, "still"),
            f("KMS-01", Status::Error, "deleted"),
            f("KMS-01", Status::Fail, "out-of-scope-now"),
            muted(f("KMS-01", Status::Fail, "unmuted"), "risk accepted"),
            f("KMS-01", Status::Pass, "passed-then-gone"),
        ];
        let mut other_service = f("IAM-01", Status::Fail, "not-swept");
        other_service.region = GLOBAL.into();
        let before = [before, vec![other_service]].concat();
        let now = vec![
            f("KMS-01", Status::Pass, "fixed"),
            f("KMS-01", Status::Pass, "always-passes"),
            f("KMS-01", Status::Fail, "still"),
            f("KMS-01", Status::NotApplicable, "out-of-scope-now"),
            f("KMS-01", Status::Fail, "unmuted"),
            muted(f("KMS-01", Status::Fail, "muted-now"), "risk accepted"),
            f("KMS-01", Status::Error, "new-error"),
            f("KMS-01", Status::Pass, "first-seen-passing"),
        ];
        let plan = Plan::between("r1", &before, &now, &swept());
        assert_eq!(
            imported(&plan, &now),
            vec![
                ("fixed", "now", RecordState::Active),
                ("still", "now", RecordState::Active),
                ("out-of-scope-now", "now", RecordState::Archived),
                ("unmuted", "now", RecordState::Active),
                ("muted-now", "now", RecordState::Active),
                ("new-error", "now", RecordState::Active),
                ("deleted", "gone", RecordState::Archived),
            ],
            "passes that always passed are not sent; IAM was not swept, so its finding is not archived"
        );
        let id = |r: &str| finding_id(&f("KMS-01", Status::Pass, r));
        assert_eq!(
            plan.workflow,
            vec![
                WorkflowChange {
                    status: Workflow::Resolved,
                    note: "Passes since Vigil compliance-sweep run r1".into(),
                    ids: vec![id("fixed")],
                },
                WorkflowChange {
                    status: Workflow::Suppressed,
                    note: "Muted by Vigil's mute list, entry 2: risk accepted (owner platform, until 2027-01-31)".into(),
                    ids: vec![id("muted-now")],
                },
                WorkflowChange {
                    status: Workflow::New,
                    note: "No longer muted (its mute-list entry expired or was removed) as of Vigil compliance-sweep run r1".into(),
                    ids: vec![id("unmuted")],
                },
            ]
        );
    }

    #[test]
    fn the_first_run_sends_what_is_open_and_no_pass() {
        let now = vec![
            f("KMS-01", Status::Pass, "a"),
            f("KMS-01", Status::Fail, "b"),
            f("KMS-01", Status::NotApplicable, "c"),
        ];
        let plan = Plan::between("r0", &[], &now, &swept());
        assert_eq!(
            imported(&plan, &now),
            vec![("b", "now", RecordState::Active)]
        );
        assert!(plan.workflow.is_empty());
    }

    #[test]
    fn ids_are_stable_and_bounded_whatever_the_resource() {
        let a = f("KMS-01", Status::Fail, "k");
        let mut b = f("KMS-01", Status::Pass, "k");
        b.detail = "another night, another detail".into();
        assert_eq!(
            finding_id(&a),
            finding_id(&b),
            "status and detail do not change the id"
        );
        let mut c = a.clone();
        c.region = "eu-west-1".into();
        assert_ne!(
            finding_id(&a),
            finding_id(&c),
            "the Region is part of the id"
        );
        let mut long = a.clone();
        long.resource = "x".repeat(2000);
        assert!(finding_id(&long).len() <= 512);
        assert!(finding_id(&a).starts_with("vigil/compliance-sweep/KMS-01/"));
    }

    #[test]
    fn an_error_finding_carries_the_api_error_and_is_not_available() {
        let mut e = f("KMS-01", Status::Error, "k");
        let error = ApiError::new(
            "kms:GetKeyRotationStatus",
            AwsFailure::AccessDenied,
            Some("AccessDeniedException"),
            "not authorized",
        );
        e.error = Some(error.clone());
        e.detail = format!("could not evaluate: {error}");
        let a = target().finding(&e, "r1", at(), RecordState::Active);
        let c = a.compliance.as_ref().unwrap();
        assert_eq!(c.status, Some(ComplianceStatus::NotAvailable));
        assert_eq!(
            a.product_fields.as_ref().unwrap().get("vigil/ApiError"),
            Some(&error.to_string())
        );
        assert!(
            a.description
                .as_deref()
                .unwrap()
                .contains("kms:GetKeyRotationStatus")
        );
    }

    #[test]
    fn a_finding_has_every_field_asff_requires_in_its_documented_form() {
        let x = f(
            "KMS-01",
            Status::Fail,
            "arn:aws:kms:us-east-1:123456789012:key/k",
        );
        let a = target().finding(&x, "r1", at(), RecordState::Active);
        assert_eq!(a.schema_version.as_deref(), Some(SCHEMA_VERSION));
        assert_eq!(
            a.product_arn.as_deref(),
            Some("arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default")
        );
        assert_eq!(a.aws_account_id.as_deref(), Some("123456789012"));
        assert_eq!(a.created_at.as_deref(), Some("2026-12-03T02:00:00.000Z"));
        assert_eq!(a.updated_at, a.created_at);
        assert_eq!(
            a.generator_id.as_deref(),
            Some("vigil/compliance-sweep/KMS-01")
        );
        assert!(a.title.as_deref().unwrap().starts_with("KMS-01 "));
        assert_eq!(
            a.severity.as_ref().unwrap().label,
            Some(label(catalogue::get(x.check).severity))
        );
        let requirements = a.compliance.as_ref().unwrap().related_requirements();
        assert!(
            requirements
                .iter()
                .any(|r| r.starts_with("CIS AWS Foundations Benchmark v3.0.0/")),
            "{requirements:?}"
        );
        let r = &a.resources()[0];
        assert_eq!(r.r#type.as_deref(), Some("AwsKmsKey"));
        assert_eq!(r.id.as_deref(), Some(x.resource.as_str()));
        assert_eq!(r.region.as_deref(), Some("us-east-1"));
        assert_eq!(a.record_state, Some(RecordState::Active));
        assert!(
            a.workflow.is_none(),
            "the provider never sets the workflow on import"
        );
    }

    #[test]
    fn a_pass_is_informational_and_a_global_finding_lands_in_the_home_region() {
        let mut x = f("KMS-01", Status::Pass, "k");
        x.region = GLOBAL.into();
        x.resource_type = ResourceType::AwsAccount;
        let a = target().finding(&x, "r1", at(), RecordState::Active);
        assert_eq!(
            a.severity.as_ref().unwrap().label,
            Some(SeverityLabel::Informational)
        );
        assert_eq!(
            a.compliance.as_ref().unwrap().status,
            Some(ComplianceStatus::Passed)
        );
        let r = &a.resources()[0];
        assert_eq!(r.id.as_deref(), Some("AWS::::Account:123456789012"));
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn long_text_is_clipped_to_asff_limits() {
        let mut x = f("KMS-01", Status::Fail, "k");
        x.detail = "é".repeat(5000);
        let a = target().finding(&x, "r1", at(), RecordState::Active);
        assert_eq!(
            a.description.as_deref().unwrap().chars().count(),
            DESCRIPTION_MAX
        );
        assert!(a.description.as_deref().unwrap().ends_with('…'));
    }

    #[test]
    fn other_partitions_name_their_product_arn() {
        assert!(
            Target::new("1", "cn-north-1")
                .product_arn()
                .starts_with("arn:aws-cn:")
        );
        assert!(
            Target::new("1", "us-gov-west-1")
                .product_arn()
                .starts_with("arn:aws-us-gov:")
        );
    }
}
