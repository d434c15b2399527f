//! The trail's KMS key: does it exist, is it usable, and does its policy let CloudTrail
//! encrypt this trail's logs?

use vigil::alert::Severity;
use vigil::policy::PolicyDocument;

use super::grant::Finding;
use super::{Cause, CauseKind, Repair, key_policy, runbook, unavailable};
use crate::facts::{Facts, KeyState, TrailSettings};

pub(super) fn causes(s: &TrailSettings, facts: &Facts, causes: &mut Vec<Cause>) {
    let Some(key_id) = &s.kms_key_id else { return };
    let Some(key) = facts.keys.get(key_id) else {
        return;
    };
    let region = key.region.as_str();
    let info = match &key.key {
        Ok(Some(info)) => info,
        Ok(None) => {
            causes.push(
                Cause::new(
                    CauseKind::KeyMissing,
                    key_id,
                    Severity::Critical,
                    runbook::key_missing(key_id, s, key_policy::required_statements(s)),
                )
                .evidence(format!("DescribeKey {key_id}: NotFoundException")),
            );
            return;
        }
        Err(e) => {
            causes.push(unavailable(key_id, "the trail's KMS key", e));
            return;
        }
    };
    let arn = &info.arn;
    match info.state {
        KeyState::Enabled => {}
        KeyState::Disabled => causes.push(
            Cause::new(
                CauseKind::KeyDisabled,
                arn,
                Severity::High,
                runbook::key_disabled(arn, region),
            )
            .evidence("DescribeKey: KeyState = Disabled")
            .repair(Repair::EnableKey {
                key_arn: arn.clone(),
                region: region.to_owned(),
            }),
        ),
        KeyState::PendingDeletion => {
            let when = info.deletion_date.map_or_else(
                || "a date KMS did not report".to_owned(),
                |d| d.to_rfc3339(),
            );
            causes.push(
                Cause::new(
                    CauseKind::KeyPendingDeletion,
                    arn,
                    Severity::Critical,
                    runbook::key_pending_deletion(arn, region, &when),
                )
                .evidence(format!(
                    "DescribeKey: KeyState = PendingDeletion, DeletionDate = {when}"
                ))
                .repair(Repair::CancelKeyDeletion {
                    key_arn: arn.clone(),
                    region: region.to_owned(),
                })
                .repair(Repair::EnableKey {
                    key_arn: arn.clone(),
                    region: region.to_owned(),
                }),
            );
        }
        other => causes.push(
            Cause::new(
                CauseKind::KeyUnusable,
                arn,
                Severity::High,
                runbook::key_unusable(arn, region, other, s),
            )
            .evidence(format!("DescribeKey: KeyState = {other}")),
        ),
    }
    let text = match &key.policy {
        Some(Ok(text)) => text,
        Some(Err(e)) => {
            causes.push(unavailable(arn, "the KMS key policy", e));
            return;
        }
        None => return,
    };
    let lacks_grant = |readable| {
        Cause::new(
            CauseKind::KeyPolicyLacksGrant,
            arn,
            Severity::High,
            runbook::key_policy_lacks_grant(
                arn,
                region,
                readable,
                key_policy::required_statements(s),
            ),
        )
    };
    let finding = match PolicyDocument::parse(text) {
        Ok(doc) => key_policy::check(&doc, s, arn),
        Err(e) => {
            causes.push(
                lacks_grant(false)
                    .evidence(e.to_string())
                    .evidence(runbook::KEY_POLICY_NEVER_EDITED),
            );
            return;
        }
    };
    let evidence: Vec<String> = match finding {
        Finding::Satisfied | Finding::MissingHardening { .. } => return,
        Finding::Denied { statement } => vec![format!(
            "statement {statement} denies cloudtrail.amazonaws.com kms:GenerateDataKey"
        )],
        Finding::NotGranted { closest: None } => {
            vec!["no statement allows cloudtrail.amazonaws.com kms:GenerateDataKey*".to_owned()]
        }
        Finding::NotGranted {
            closest: Some((label, problems)),
        }
        | Finding::Uncertain {
            statement: label,
            problems,
        } => problems
            .iter()
            .map(|problem| format!("statement {label}: {problem}"))
            .collect(),
    };
    let mut cause = lacks_grant(true);
    cause.evidence.extend(evidence);
    causes.push(cause.evidence(runbook::KEY_POLICY_NEVER_EDITED));
}
