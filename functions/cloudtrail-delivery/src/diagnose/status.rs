//! The errors `GetTrailStatus` reports, and which cause explains each: an error is tied to the
//! causes of the kinds that can account for it (raising their severity), and is a cause of its
//! own when none can. A logging trail with no error that has delivered nothing for too long is
//! stale.

use vigil::alert::Severity;

use super::{Cause, CauseKind, ErrorClass, Settings, Signal, bucket, classify, runbook};
use crate::facts::{BucketLocation, Facts, TrailSettings, TrailStatus};

/// The cause kinds that can account for an error of `class`.
fn explained_by(class: ErrorClass) -> &'static [CauseKind] {
    use CauseKind::*;
    match class {
        ErrorClass::AccessDenied => &[
            BucketPolicyAclCheck,
            BucketPolicyWrite,
            BucketPolicyOrgWrite,
            BucketPolicyDenies,
            BucketPolicyUncertain,
            BucketPolicyUnreadable,
            BucketNotOwned,
            KeyPolicyLacksGrant,
            KeyDisabled,
            KeyPendingDeletion,
        ],
        ErrorClass::NoSuchBucket => &[BucketMissing],
        ErrorClass::KmsDisabled
        | ErrorClass::KmsInvalidState
        | ErrorClass::KmsNotFound
        | ErrorClass::KmsAccessDenied
        | ErrorClass::Kms => &[
            KeyDisabled,
            KeyPendingDeletion,
            KeyMissing,
            KeyUnusable,
            KeyPolicyLacksGrant,
        ],
        ErrorClass::Other => &[],
    }
}

pub(super) fn causes(
    s: &TrailSettings,
    status: &TrailStatus,
    facts: &Facts,
    settings: &Settings,
    causes: &mut Vec<Cause>,
) {
    let last_delivery = status
        .latest_delivery_time
        .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
    if let Some(error) = &status.latest_delivery_error {
        let signal = Signal::LatestDeliveryError(error.clone());
        let line = format!(
            "GetTrailStatus: LatestDeliveryError = {error} (last successful delivery: {last_delivery})"
        );
        let class = classify(error);
        let not_owned = matches!(
            facts.buckets.get(&s.bucket).map(|b| &b.location),
            Some(Ok(BucketLocation::NotOwned))
        );
        if matches!(class, ErrorClass::AccessDenied | ErrorClass::NoSuchBucket) && not_owned {
            causes.push(
                bucket::not_owned(s, facts)
                    .evidence(line)
                    .with_signal(signal),
            );
        } else if !link(
            causes,
            explained_by(class),
            Some(Severity::High),
            &signal,
            &line,
        ) {
            causes.push(unexplained_delivery(s, error, class, &line, facts).with_signal(signal));
        }
    } else if status.is_logging {
        let since = status.latest_delivery_time.or(status.start_logging_time);
        let stale = since.is_some_and(|t| settings.now - t > settings.stale_after);
        if stale {
            let minutes = since.map_or(0, |t| (settings.now - t).num_minutes());
            causes.push(
                Cause::new(
                    CauseKind::DeliveryStale,
                    &s.arn,
                    Severity::Medium,
                    runbook::delivery_stale(s, minutes),
                )
                .evidence(format!(
                    "GetTrailStatus: LatestDeliveryTime = {last_delivery}, no LatestDeliveryError"
                )),
            );
        }
    }
    if let Some(error) = &status.latest_digest_delivery_error {
        let signal = Signal::LatestDigestDeliveryError(error.clone());
        let line = format!("GetTrailStatus: LatestDigestDeliveryError = {error}");
        let kinds = explained_by(classify(error));
        if !link(causes, kinds, Some(Severity::High), &signal, &line) {
            causes.push(
                Cause::new(
                    CauseKind::DigestDeliveryFailing,
                    &s.arn,
                    Severity::Medium,
                    runbook::digest_delivery_failing(s, error),
                )
                .evidence(line)
                .with_signal(signal),
            );
        }
    }
    if let Some(error) = &status.latest_cloudwatch_logs_delivery_error {
        let signal = Signal::LatestCloudWatchLogsDeliveryError(error.clone());
        let line = format!("GetTrailStatus: LatestCloudWatchLogsDeliveryError = {error}");
        // A missing log group stays the Medium problem it is: CloudWatch Logs is a copy.
        if !link(causes, &[CauseKind::LogGroupMissing], None, &signal, &line) {
            causes.push(
                Cause::new(
                    CauseKind::CloudWatchLogsDeliveryFailing,
                    &s.arn,
                    Severity::Medium,
                    runbook::cloudwatch_logs_delivery_failing(s, error),
                )
                .evidence(line)
                .with_signal(signal),
            );
        }
    }
    if let Some(error) = &status.latest_notification_error {
        causes.push(
            Cause::new(
                CauseKind::NotificationFailing,
                &s.arn,
                Severity::Low,
                runbook::notification_failing(s, error),
            )
            .evidence(format!("GetTrailStatus: LatestNotificationError = {error}"))
            .with_signal(Signal::LatestNotificationError(error.clone())),
        );
    }
}

/// Ties `signal` to the causes of `kinds` (which explain it), raising each to at least
/// `floor`; false when there is no such cause.
fn link(
    causes: &mut [Cause],
    kinds: &[CauseKind],
    floor: Option<Severity>,
    signal: &Signal,
    line: &str,
) -> bool {
    let mut linked = false;
    for cause in causes.iter_mut().filter(|c| kinds.contains(&c.kind)) {
        cause.explains.push(signal.clone());
        cause.evidence.push(line.to_owned());
        if let Some(floor) = floor {
            cause.severity = cause.severity.max(floor);
        }
        linked = true;
    }
    linked
}

/// A delivery error no other cause explains.
fn unexplained_delivery(
    s: &TrailSettings,
    error: &str,
    class: ErrorClass,
    line: &str,
    facts: &Facts,
) -> Cause {
    let cause = Cause::new(
        CauseKind::DeliveryFailing,
        &s.arn,
        Severity::High,
        runbook::delivery_failing(s, error, class),
    )
    .evidence(line.to_owned());
    match class {
        ErrorClass::AccessDenied => cause.evidence(format!(
            "the policy of bucket {} grants what CloudTrail needs",
            s.bucket
        )),
        ErrorClass::NoSuchBucket => {
            let exists = matches!(
                facts.buckets.get(&s.bucket).map(|b| &b.location),
                Some(Ok(BucketLocation::Owned { .. }))
            );
            cause.evidence(if exists {
                format!("bucket {} exists in this account now", s.bucket)
            } else {
                format!("bucket {} could not be located", s.bucket)
            })
        }
        _ => cause,
    }
}
