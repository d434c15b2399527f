//! Sends a sealed run's findings to Security Hub as its [`Plan`] says: imports in batches of
//! 100, then the workflow updates. A finding Security Hub rejects is retried (twice, with
//! jittered back-off); one still rejected is named in the [`Exported`] report, the log and the
//! alert, never dropped silently. A call refused as a whole (Security Hub not enabled in the
//! Region, a missing permission) stops the export: every later call would fail the same way.
//! The evidence bundle is already stored when this runs: a failed export never loses evidence.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use vigil::aws::{AwsCallError, AwsFailure};

use crate::aws::securityhub::{self, Rejected};
use crate::checks::Finding;
use crate::report::asff::{BATCH, Exported, Import, Plan, Target, Workflow, finding_id};

/// Attempts per finding Security Hub rejects, the first included.
const ATTEMPTS: u32 = 3;

/// Sends `plan` for run `run_id` (its findings `current`, observed at `at`) to `client`, as
/// `target`'s own product.
pub(crate) async fn export(
    client: &aws_sdk_securityhub::Client,
    target: &Target,
    plan: &Plan,
    run_id: &str,
    current: &[Finding],
    at: DateTime<Utc>,
) -> Exported {
    let mut report = Exported {
        product_arn: target.product_arn(),
        ..Exported::default()
    };
    let finding = |i: &Import| match i {
        Import::Current { index, state } => {
            target.finding(&current[*index], run_id, at, state.clone())
        }
        Import::Gone(p) => target.finding(
            p,
            run_id,
            at,
            aws_sdk_securityhub::types::RecordState::Archived,
        ),
    };
    let mut stopped = false;
    for batch in plan.imports.chunks(BATCH) {
        let id = |i: &&Import| match i {
            Import::Current { index, .. } => finding_id(&current[*index]),
            Import::Gone(p) => finding_id(p),
        };
        if stopped {
            report.fail_all(batch.iter().map(|i| id(&i)), &stop_error(&report));
            continue;
        }
        let refused = send_with_retries(
            &mut report,
            batch.iter().collect(),
            id,
            |items: Vec<&Import>| {
                securityhub::import(client, items.into_iter().map(finding).collect())
            },
            |report, i| {
                report.imported += 1;
                if archived(i) {
                    report.archived += 1;
                }
            },
        )
        .await;
        if let Some(e) = refused {
            tracing::error!(error = %e, "Security Hub refused the import; the findings are in the evidence bundle");
            report.error = Some(advice(&e, target));
            stopped = !retryable(&e);
        }
    }
    let product_arn = report.product_arn.clone();
    for change in &plan.workflow {
        for ids in change.ids.chunks(BATCH) {
            if stopped {
                report.fail_all(ids.iter().cloned(), &stop_error(&report));
                continue;
            }
            let refused = send_with_retries(
                &mut report,
                ids.to_vec(),
                |id: &String| id.clone(),
                |ids: Vec<String>| {
                    let product_arn = &product_arn;
                    async move {
                        securityhub::set_workflow(
                            client,
                            product_arn,
                            &ids,
                            workflow_status(change.status),
                            &change.note,
                        )
                        .await
                    }
                },
                |report, _| report.workflow_updated += 1,
            )
            .await;
            if let Some(e) = refused {
                tracing::error!(error = %e, "Security Hub refused the workflow update");
                report.error = Some(advice(&e, target));
                stopped = !retryable(&e);
            }
        }
    }
    report
}

/// Sends `pending` with `send` up to [`ATTEMPTS`] times: items Security Hub rejected go again
/// after a back-off, `accepted` counts each one taken, and those still rejected after the last
/// attempt are named in `report`. A call refused as a whole is retried when throttled or
/// transient; otherwise (or on the last attempt) every pending item is failed with it and the
/// error is answered, for the caller to stop or go on.
async fn send_with_retries<T, Send, Sent>(
    report: &mut Exported,
    mut pending: Vec<T>,
    id: impl Fn(&T) -> String,
    mut send: Send,
    mut accepted: impl FnMut(&mut Exported, &T),
) -> Option<AwsCallError>
where
    T: Clone,
    Send: FnMut(Vec<T>) -> Sent,
    Sent: Future<Output = Result<Vec<Rejected>, AwsCallError>>,
{
    for attempt in 1..=ATTEMPTS {
        report.calls += 1;
        match send(pending.clone()).await {
            Ok(rejected) => {
                let is_rejected = |item: &T| {
                    let id = id(item);
                    rejected.iter().any(|r| r.id == id)
                };
                pending
                    .iter()
                    .filter(|item| !is_rejected(item))
                    .for_each(|item| accepted(report, item));
                if rejected.is_empty() {
                    return None;
                }
                if attempt == ATTEMPTS {
                    rejected.into_iter().for_each(|r| report.fail(r));
                    return None;
                }
                pending.retain(|item| is_rejected(item));
                tracing::warn!(
                    rejected = pending.len(),
                    attempt,
                    "Security Hub rejected findings; sending them again"
                );
                report.retried += pending.len();
                back_off(attempt).await;
            }
            Err(e) if retryable(&e) && attempt < ATTEMPTS => back_off(attempt).await,
            Err(e) => {
                report.fail_all(pending.iter().map(&id), &e);
                return Some(e);
            }
        }
    }
    None
}

fn archived(i: &Import) -> bool {
    match i {
        Import::Gone(_) => true,
        Import::Current { state, .. } => {
            *state == aws_sdk_securityhub::types::RecordState::Archived
        }
    }
}

fn retryable(e: &AwsCallError) -> bool {
    matches!(e.failure, AwsFailure::Throttled | AwsFailure::Transient)
}

/// The error given to findings not sent because an earlier call stopped the export.
fn stop_error(report: &Exported) -> AwsCallError {
    AwsCallError {
        operation: "securityhub:BatchImportFindings",
        failure: AwsFailure::Other,
        code: Some("NotSent".to_owned()),
        message: format!(
            "not sent: an earlier call was refused ({})",
            report.error.as_deref().unwrap_or("unknown")
        ),
    }
}

/// What to do about a call refused as a whole.
fn advice(e: &AwsCallError, target: &Target) -> String {
    let what = match e.failure {
        AwsFailure::AccessDenied => format!(
            "allow the function's role securityhub:BatchImportFindings on {} and securityhub:BatchUpdateFindings, or turn the export off (template parameter SweepSecurityHubExport)",
            target.product_arn()
        ),
        AwsFailure::Throttled | AwsFailure::Transient => {
            "the next run sends these findings again".to_owned()
        }
        _ => format!(
            "check that Security Hub is enabled in {} (aws securityhub enable-security-hub), or turn the export off (template parameter SweepSecurityHubExport)",
            target.region
        ),
    };
    format!("{e}: {what}")
}

/// Jittered exponential back-off before attempt `attempt + 1`: about 0.4 s, then 0.8 s.
async fn back_off(attempt: u32) {
    let base = 200u64 << attempt;
    let jitter = rand::random::<u64>() % base;
    tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
}

fn workflow_status(w: Workflow) -> aws_sdk_securityhub::types::WorkflowStatus {
    use aws_sdk_securityhub::types::WorkflowStatus;
    match w {
        Workflow::Resolved => WorkflowStatus::Resolved,
        Workflow::Suppressed => WorkflowStatus::Suppressed,
        Workflow::New => WorkflowStatus::New,
    }
}
