//! The findings export: missing, not publishing, without a key, sent somewhere other than the
//! configured bucket; and what stops GuardDuty writing to its bucket (gone, someone else's, in
//! another Region, a policy lacking the documented statements or denying them) or encrypting
//! with its key (gone, disabled, pending deletion, in another Region, a policy lacking the
//! grant).

use vigil::alert::Severity;
use vigil::arn;
use vigil::policy::PolicyDocument;

use super::policy::{self, Applies, Export};
use super::{Cause, CauseKind, Repair, Settings, runbook, unavailable};
use crate::facts::{BucketLocation, DetectorFacts, Facts, KeyState};

pub(super) fn causes(
    region: &str,
    d: &DetectorFacts,
    facts: &Facts,
    settings: &Settings<'_>,
    causes: &mut Vec<Cause>,
) {
    let config = settings.config;
    let configured = config.export.as_ref().filter(|e| e.region == region);
    let detector_arn = config.detector_arn(&facts.partition, region, &d.id);
    let configured_arn = configured.map(|e| match &e.prefix {
        Some(p) => format!("arn:{}:s3:::{}/{p}/", facts.partition, e.bucket),
        None => format!("arn:{}:s3:::{}", facts.partition, e.bucket),
    });
    let destinations = match &d.destinations {
        Ok(list) => list,
        Err(e) => {
            causes.push(unavailable(&d.id, "the findings export", e));
            return;
        }
    };
    if destinations.is_empty() {
        let mut cause = Cause::new(
            CauseKind::ExportMissing,
            &d.id,
            Severity::Medium,
            runbook::export_missing(region, &d.id, configured),
        )
        .evidence(format!("ListPublishingDestinations {}: none", d.id));
        if let Some(call) = facts
            .call
            .as_ref()
            .filter(|c| c.event_name == "DeletePublishingDestination")
        {
            cause = cause.evidence(format!("deleted by {}", call.actor));
        }
        if let (Some(target), Some(arn)) = (configured, &configured_arn) {
            let export = Export {
                partition: &facts.partition,
                account: &facts.account_id,
                region,
                detector_arn: detector_arn.clone(),
                bucket: &target.bucket,
                prefix: target.prefix.as_deref(),
                key_arn: &target.key_arn,
            };
            target_causes(&export, facts, causes);
            cause = cause.repair(Repair::CreateExport {
                region: region.to_owned(),
                detector_id: d.id.clone(),
                destination_arn: arn.clone(),
                key_arn: target.key_arn.clone(),
            });
        }
        causes.push(cause);
        return;
    }
    for dest in destinations {
        let restore =
            configured
                .zip(configured_arn.as_ref())
                .map(|(t, arn)| Repair::RestoreExport {
                    region: region.to_owned(),
                    detector_id: d.id.clone(),
                    destination_id: dest.id.clone(),
                    destination_arn: arn.clone(),
                    key_arn: t.key_arn.clone(),
                });
        if dest.status != "PUBLISHING" || dest.failing_since.is_some() {
            let mut cause = Cause::new(
                CauseKind::ExportNotPublishing,
                &dest.id,
                Severity::High,
                runbook::export_not_publishing(region, &d.id, &dest.id),
            )
            .evidence(format!(
                "DescribePublishingDestination {}: status {}",
                dest.id, dest.status
            ));
            if let Some(since) = dest.failing_since {
                cause = cause.evidence(format!("failing since {}", since.to_rfc3339()));
            }
            cause.lagging = true;
            causes.push(cause);
        }
        let Some((bucket, prefix)) = dest.bucket() else {
            causes.push(
                Cause::new(
                    CauseKind::ExportChanged,
                    &dest.id,
                    Severity::High,
                    runbook::export_changed(region, &d.id, &dest.id, configured),
                )
                .evidence(format!(
                    "destination {} is not an S3 bucket ARN",
                    dest.destination_arn.as_deref().unwrap_or("(none)")
                )),
            );
            continue;
        };
        let Some(key_arn) = &dest.key_arn else {
            let mut cause = Cause::new(
                CauseKind::ExportWithoutKey,
                &dest.id,
                Severity::Medium,
                runbook::export_without_key(region, &d.id, &dest.id),
            )
            .evidence(format!("destination {} names no KMS key", dest.id));
            if let Some(r) = restore.clone() {
                cause = cause.repair(r);
            }
            causes.push(cause);
            continue;
        };
        if let Some(target) = configured
            && (target.bucket != bucket
                || target.prefix != prefix
                || !arn::same_key(&target.key_arn, key_arn))
        {
            let mut cause = Cause::new(
                CauseKind::ExportChanged,
                &dest.id,
                Severity::High,
                runbook::export_changed(region, &d.id, &dest.id, configured),
            )
            .evidence(format!(
                "exports to {} with key {key_arn}; configured: bucket {}{} with key {}",
                dest.destination_arn.as_deref().unwrap_or_default(),
                target.bucket,
                target
                    .prefix
                    .as_deref()
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default(),
                target.key_arn
            ));
            if let Some(call) = facts
                .call
                .as_ref()
                .filter(|c| c.event_name == "UpdatePublishingDestination")
            {
                cause = cause.evidence(format!("changed by {}", call.actor));
            }
            if let Some(r) = restore.clone() {
                cause = cause.repair(r);
            }
            causes.push(cause);
            // The configured target is what the export goes back to: check that one.
            let export = Export {
                partition: &facts.partition,
                account: &facts.account_id,
                region,
                detector_arn: detector_arn.clone(),
                bucket: &target.bucket,
                prefix: target.prefix.as_deref(),
                key_arn: &target.key_arn,
            };
            target_causes(&export, facts, causes);
            continue;
        }
        let export = Export {
            partition: &facts.partition,
            account: &facts.account_id,
            region,
            detector_arn: detector_arn.clone(),
            bucket: &bucket,
            prefix: prefix.as_deref(),
            key_arn,
        };
        target_causes(&export, facts, causes);
    }
}

/// What stops GuardDuty writing to `export`'s bucket or encrypting with its key.
fn target_causes(export: &Export<'_>, facts: &Facts, causes: &mut Vec<Cause>) {
    bucket_causes(export, facts, causes);
    key_causes(export, facts, causes);
}

fn bucket_causes(export: &Export<'_>, facts: &Facts, causes: &mut Vec<Cause>) {
    let name = export.bucket;
    let Some(b) = facts.buckets.get(name) else {
        return;
    };
    let location = match &b.location {
        Ok(l) => l,
        Err(e) => {
            causes.push(unavailable(name, "the export bucket", e));
            return;
        }
    };
    match location {
        BucketLocation::Missing => {
            causes.push(
                Cause::new(
                    CauseKind::ExportBucketMissing,
                    name,
                    Severity::High,
                    runbook::bucket_missing(name, export.region),
                )
                .evidence(format!("HeadBucket {name}: 404")),
            );
            return;
        }
        BucketLocation::NotOwned => {
            causes.push(
                Cause::new(
                    CauseKind::ExportBucketNotOwned,
                    name,
                    Severity::High,
                    runbook::bucket_not_owned(name, export.region, &export.bucket_statements()),
                )
                .evidence(format!(
                    "HeadBucket {name} with ExpectedBucketOwner {}: 403",
                    export.account
                )),
            );
            return;
        }
        BucketLocation::Owned { region } if region != export.region => {
            causes.push(
                Cause::new(
                    CauseKind::ExportBucketWrongRegion,
                    name,
                    Severity::High,
                    runbook::bucket_wrong_region(name, region, export.region),
                )
                .evidence(format!(
                    "bucket {name} is in {region}, the detector in {}",
                    export.region
                )),
            );
        }
        BucketLocation::Owned { .. } => {}
    }
    let document = match &b.policy {
        None => return,
        Some(Err(e)) => {
            causes.push(unavailable(name, "the export bucket's policy", e));
            return;
        }
        Some(Ok(None)) => None,
        Some(Ok(Some(text))) => match PolicyDocument::parse(text) {
            Ok(doc) => Some(doc),
            Err(e) => {
                causes.push(
                    Cause::new(
                        CauseKind::ExportBucketPolicyUnreadable,
                        name,
                        Severity::High,
                        runbook::bucket_policy_unreadable(name),
                    )
                    .evidence(e.to_string()),
                );
                return;
            }
        },
    };
    let statements = export.bucket_statements();
    let mut missing = Vec::new();
    let mut purposes = Vec::new();
    for ((purpose, request), statement) in export.bucket_requests().into_iter().zip(statements) {
        if !document
            .as_ref()
            .is_some_and(|doc| policy::granted(doc, &request))
        {
            purposes.push(format!("{} ({purpose})", request.action));
            missing.push(statement);
        }
    }
    if !missing.is_empty() {
        let mut cause = Cause::new(
            CauseKind::ExportBucketPolicyLacksStatement,
            name,
            Severity::High,
            runbook::bucket_policy_lacks(name, &purposes, &missing),
        )
        .evidence(match &document {
            None => format!("bucket {name} has no policy"),
            Some(doc) => format!(
                "no statement of the {} in the policy grants guardduty.amazonaws.com {} for detector {}",
                doc.statements.len(),
                purposes.join(" and "),
                export.detector_arn
            ),
        });
        cause = cause.repair(Repair::AddBucketStatements {
            region: export.region.to_owned(),
            bucket: name.to_owned(),
            statements: missing,
        });
        causes.push(cause);
    }
    let Some(doc) = &document else {
        return;
    };
    let mut requests: Vec<(&str, policy::Request)> = export.bucket_requests();
    requests.push(("set the object's ACL", export.acl_request()));
    for (purpose, request) in requests {
        for (statement, applies) in policy::denials(doc, &request) {
            let (kind, severity, text) = match applies {
                Applies::Unknown => (
                    CauseKind::ExportBucketPolicyUncertain,
                    Severity::Medium,
                    runbook::bucket_policy_uncertain(name, &statement, request.action),
                ),
                _ => (
                    CauseKind::ExportBucketPolicyDenies,
                    Severity::High,
                    runbook::bucket_policy_denies(name, &statement, request.action),
                ),
            };
            causes.push(
                Cause::new(kind, format!("{name}: {statement}"), severity, text).evidence(format!(
                    "Deny statement {statement} applies to GuardDuty's {} ({purpose})",
                    request.action
                )),
            );
        }
    }
}

fn key_causes(export: &Export<'_>, facts: &Facts, causes: &mut Vec<Cause>) {
    let Some(k) = facts.keys.get(export.key_arn) else {
        return;
    };
    let subject = export.key_arn;
    let info = match &k.key {
        Err(e) => {
            causes.push(unavailable(subject, "the export key", e));
            return;
        }
        Ok(None) => {
            causes.push(
                Cause::new(
                    CauseKind::ExportKeyMissing,
                    subject,
                    Severity::High,
                    runbook::key_missing(subject),
                )
                .evidence(format!("DescribeKey {subject}: not found")),
            );
            return;
        }
        Ok(Some(info)) => info,
    };
    let region = export.region.to_owned();
    match info.state {
        KeyState::Enabled => {}
        KeyState::Disabled => causes.push(
            Cause::new(
                CauseKind::ExportKeyDisabled,
                subject,
                Severity::High,
                runbook::key_disabled(&info.arn, &k.region),
            )
            .evidence("DescribeKey: KeyState Disabled")
            .repair(Repair::EnableKey {
                region: k.region.clone(),
                key_arn: info.arn.clone(),
            }),
        ),
        KeyState::PendingDeletion => causes.push(
            Cause::new(
                CauseKind::ExportKeyPendingDeletion,
                subject,
                Severity::High,
                runbook::key_pending_deletion(&info.arn, &k.region),
            )
            .evidence("DescribeKey: KeyState PendingDeletion")
            .repair(Repair::CancelKeyDeletion {
                region: k.region.clone(),
                key_arn: info.arn.clone(),
            })
            .repair(Repair::EnableKey {
                region: k.region.clone(),
                key_arn: info.arn.clone(),
            }),
        ),
        state => causes.push(
            Cause::new(
                CauseKind::ExportKeyUnusable,
                subject,
                Severity::High,
                runbook::key_unusable(&info.arn, state),
            )
            .evidence(format!("DescribeKey: KeyState {state}")),
        ),
    }
    if k.region != region {
        causes.push(
            Cause::new(
                CauseKind::ExportKeyWrongRegion,
                subject,
                Severity::High,
                runbook::key_wrong_region(&info.arn, &k.region, &region),
            )
            .evidence(format!("key in {}, detector in {region}", k.region)),
        );
    }
    let text = match &k.policy {
        None => return,
        Some(Err(e)) => {
            causes.push(unavailable(subject, "the export key's policy", e));
            return;
        }
        Some(Ok(text)) => text,
    };
    let granted = PolicyDocument::parse(text)
        .map(|doc| policy::granted(&doc, &export.key_request()))
        .unwrap_or(false);
    if !granted {
        let statement = export.key_statement();
        causes.push(
            Cause::new(
                CauseKind::ExportKeyPolicyLacksGrant,
                subject,
                Severity::High,
                runbook::key_policy_lacks(&info.arn, &k.region, &statement),
            )
            .evidence(format!(
                "no statement of the key policy grants guardduty.amazonaws.com kms:GenerateDataKey for detector {}",
                export.detector_arn
            ))
            .repair(Repair::AddKeyStatement {
                region: k.region.clone(),
                key_arn: info.arn.clone(),
                statement,
            }),
        );
    }
}
