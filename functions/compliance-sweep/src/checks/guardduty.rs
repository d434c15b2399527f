//! GuardDuty: an enabled detector in the Region, the required protection features, findings
//! exported to S3 with KMS, and the export bucket's retention.

use super::ids::{GD_01, GD_02, GD_03, GD_04};
use super::{Ctx, Finding, ResourceType, Subject, errors, s3};
use crate::facts::{ApiError, Detector, GuardDutyFacts};

/// Detector `id` (`*`: the Region's detectors) in `region`.
fn detector(ctx: &Ctx, region: &str, id: &str) -> Subject {
    Subject::new(
        ResourceType::AwsGuardDutyDetector,
        format!("arn:aws:guardduty:{region}:{}:detector/{id}", ctx.account),
    )
    .in_region(region)
}

pub(crate) fn evaluate(f: &GuardDutyFacts, ctx: &Ctx) -> Vec<Finding> {
    let region_detectors = detector(ctx, &f.region, "*");
    let detectors = match &f.detectors {
        Ok(d) => d,
        Err(e) => {
            return errors(&[GD_01, GD_02, GD_03, GD_04], &region_detectors, e);
        }
    };
    if detectors.is_empty() {
        return vec![
            GD_01
                .on(&region_detectors)
                .fail(format!("no GuardDuty detector in {}", f.region)),
        ];
    }
    let mut out = Vec::new();
    for d in detectors {
        let subject = detector(ctx, &f.region, &d.id);
        out.push(gd_01_enabled(d, &subject));
        out.push(gd_02_features(d, &subject, ctx));
        out.extend(gd_03_export(d, &subject));
        out.extend(gd_04_export_retention(d, &subject, &f.region, ctx));
    }
    out
}

/// GD-01: detector status ENABLED.
fn gd_01_enabled(d: &Detector, detector: &Subject) -> Finding {
    match &d.status {
        Err(e) => GD_01.on(detector).error(e),
        Ok(s) => GD_01
            .on(detector)
            .pass_if(s == "ENABLED", format!("detector status {s}")),
    }
}

/// GD-02: every required feature ENABLED.
fn gd_02_features(d: &Detector, detector: &Subject, ctx: &Ctx) -> Finding {
    if let Err(e) = &d.status {
        return GD_02.on(detector).error(e);
    }
    let state = |f: &String| d.features.get(f.as_str()).map(String::as_str);
    let required = &ctx.t.guardduty_features;
    let missing: Vec<&str> = required
        .iter()
        .filter(|f| state(f) != Some("ENABLED"))
        .map(String::as_str)
        .collect();
    // A feature GetDetector does not list is not known to be off (the Region may not offer
    // it, or the answer left it out): ERROR naming it, unless another one is known to be off.
    if !missing.is_empty()
        && required
            .iter()
            .all(|f| state(f).is_none_or(|s| s == "ENABLED"))
    {
        return GD_02
            .on(detector)
            .error(&ApiError::incomplete(
                "guardduty:GetDetector",
                format!("the status of {}", missing.join(", ")),
            ))
            .with(
                "features",
                serde_json::to_value(&d.features).unwrap_or_default(),
            );
    }
    GD_02
        .on(detector)
        .pass_if(
            missing.is_empty(),
            if required.is_empty() {
                "no protection plan is required (VIGIL_SWEEP_GUARDDUTY_FEATURES): the foundational sources only".to_owned()
            } else if missing.is_empty() {
                "every required feature is enabled".to_owned()
            } else {
                format!("not enabled: {}", missing.join(", "))
            },
        )
        .with(
            "features",
            serde_json::to_value(&d.features).unwrap_or_default(),
        )
}

/// GD-03: at least one S3 destination with a KMS key, status PUBLISHING.
fn gd_03_export(d: &Detector, detector: &Subject) -> Option<Finding> {
    Some(match &d.destinations {
        Err(e) => GD_03.on(detector).error(e),
        Ok(dests) if dests.is_empty() => GD_03
            .on(detector)
            .fail("findings are not exported (no publishing destination)"),
        Ok(dests) => {
            let good = dests.iter().find(|x| {
                x.status == "PUBLISHING" && x.kms_key_arn.is_some() && x.failure_since.is_none()
            });
            match good {
                Some(x) => GD_03.on(detector).pass(format!(
                    "exporting to {} with KMS",
                    x.destination_arn.as_deref().unwrap_or("?")
                )),
                None => {
                    let why: Vec<String> = dests
                        .iter()
                        .map(|x| {
                            format!(
                                "{}: status {}{}",
                                x.id,
                                x.status,
                                if x.kms_key_arn.is_none() {
                                    ", no KMS key"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect();
                    GD_03.on(detector).fail(why.join("; "))
                }
            }
        }
    })
}

/// GD-04: each destination bucket keeps findings at least the threshold. When the
/// destinations could not be listed, no bucket is known: ERROR on the detector (never the
/// NOT_APPLICABLE of "nothing in scope").
fn gd_04_export_retention(
    d: &Detector,
    detector: &Subject,
    region: &str,
    ctx: &Ctx,
) -> Vec<Finding> {
    let dests = match &d.destinations {
        Ok(dests) => dests,
        Err(e) => return vec![GD_04.on(detector).error(e)],
    };
    let days = ctx.t.findings_retention_days;
    dests
        .iter()
        .map(|x| match &x.bucket {
            Some(b) => {
                let verdict = GD_04.on(&s3::bucket(&b.name, region));
                match s3::keeps_for(b, days) {
                    Err(e) => verdict.error(&e),
                    Ok((ok, why)) => verdict.pass_if(ok, why),
                }
            }
            // A destination whose bucket could not be told keeps findings for an unknown time.
            None => GD_04.on(detector).error(&ApiError::incomplete(
                "guardduty:DescribePublishingDestination",
                format!(
                    "an S3 bucket ARN in DestinationArn of destination {} (got {:?})",
                    x.id, x.destination_arn
                ),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::{Bucket, LifecycleRule, PublishingDestination};
    use std::collections::BTreeMap;

    /// Every protection plan, as an account that opts in to all of them requires.
    const PLANS: [&str; 6] = [
        "S3_DATA_EVENTS",
        "EKS_AUDIT_LOGS",
        "EBS_MALWARE_PROTECTION",
        "RDS_LOGIN_EVENTS",
        "LAMBDA_NETWORK_LOGS",
        "RUNTIME_MONITORING",
    ];

    fn requiring_plans() -> Thresholds {
        Thresholds {
            guardduty_features: PLANS.map(String::from).to_vec(),
            ..Thresholds::default()
        }
    }

    fn all_features() -> BTreeMap<String, String> {
        PLANS
            .iter()
            .map(|f| (f.to_string(), "ENABLED".to_string()))
            .collect()
    }

    fn dest(bucket: &str, kms: bool, expire: Option<i32>) -> PublishingDestination {
        PublishingDestination {
            id: format!("d-{bucket}"),
            status: "PUBLISHING".into(),
            destination_arn: Some(format!("arn:aws:s3:::{bucket}")),
            kms_key_arn: kms.then(|| "arn:aws:kms:us-east-1:111122223333:key/k".into()),
            failure_since: None,
            bucket: Some(Bucket {
                name: bucket.into(),
                region: "us-east-1".into(),
                lifecycle: Some(Ok(vec![LifecycleRule {
                    enabled: true,
                    expiration_days: expire,
                    expiration_date: None,
                }])),
                object_lock: Some(Ok(Default::default())),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn guardduty_checks_pass_and_fail() {
        let t = requiring_plans();
        let good = Detector {
            id: "good".into(),
            status: Ok("ENABLED".into()),
            features: all_features(),
            destinations: Ok(vec![dest("keep", true, Some(400))]),
        };
        let mut partial = all_features();
        partial.insert("RUNTIME_MONITORING".into(), "DISABLED".into());
        partial.remove("EKS_AUDIT_LOGS");
        let bad = Detector {
            id: "bad".into(),
            status: Ok("DISABLED".into()),
            features: partial,
            destinations: Ok(vec![dest("short", false, Some(30))]),
        };
        let none = Detector {
            id: "none".into(),
            status: Ok("ENABLED".into()),
            features: all_features(),
            destinations: Ok(vec![]),
        };
        let f = evaluate(
            &GuardDutyFacts {
                region: "us-east-1".into(),
                detectors: Ok(vec![good, bad, none]),
            },
            &ctx(&t),
        );
        let arn = |id: &str| format!("arn:aws:guardduty:us-east-1:111122223333:detector/{id}");
        assert_eq!(one(&f, "GD-01", &arn("good")).status, Pass);
        assert_eq!(one(&f, "GD-01", &arn("bad")).status, Fail);
        assert_eq!(one(&f, "GD-02", &arn("good")).status, Pass);
        assert_eq!(
            one(&f, "GD-02", &arn("bad")).detail,
            "not enabled: EKS_AUDIT_LOGS, RUNTIME_MONITORING"
        );
        assert_eq!(one(&f, "GD-03", &arn("good")).status, Pass);
        assert_eq!(one(&f, "GD-03", &arn("bad")).status, Fail);
        assert_eq!(one(&f, "GD-03", &arn("none")).status, Fail);
        assert_eq!(one(&f, "GD-04", "arn:aws:s3:::keep").status, Pass);
        assert_eq!(one(&f, "GD-04", "arn:aws:s3:::short").status, Fail);

        let empty = evaluate(
            &GuardDutyFacts {
                region: "eu-west-1".into(),
                detectors: Ok(vec![]),
            },
            &ctx(&t),
        );
        assert_eq!(
            statuses(&empty, "GD-01"),
            vec![(
                "arn:aws:guardduty:eu-west-1:111122223333:detector/*".to_string(),
                Fail
            )]
        );
        let missing = Detector {
            id: "m".into(),
            status: Ok("ENABLED".into()),
            features: all_features(),
            destinations: Err(denied("guardduty:ListPublishingDestinations")),
        };
        let f = evaluate(
            &GuardDutyFacts {
                region: "us-east-1".into(),
                detectors: Ok(vec![missing]),
            },
            &ctx(&t),
        );
        assert_eq!(one(&f, "GD-03", &arn("m")).status, Error);
        let gd04 = one(&f, "GD-04", &arn("m"));
        assert_eq!(gd04.status, Error, "a failed listing is never n/a");
        assert_eq!(
            gd04.error.as_ref().map(|e| e.operation.as_str()),
            Some("guardduty:ListPublishingDestinations")
        );
    }

    /// Features GetDetector does not list, and a destination whose bucket cannot be told, are
    /// ERROR naming them (were FAIL "not enabled" and a silent skip).
    #[test]
    fn unlisted_features_and_bucketless_destinations_are_errors() {
        let t = requiring_plans();
        let mut features = all_features();
        features.remove("RUNTIME_MONITORING");
        let mut odd = dest("x", true, None);
        odd.destination_arn = Some("arn:aws:sqs:us-east-1:111122223333:q".into());
        odd.bucket = None;
        let d = Detector {
            id: "u".into(),
            status: Ok("ENABLED".into()),
            features,
            destinations: Ok(vec![odd]),
        };
        let f = evaluate(
            &GuardDutyFacts {
                region: "us-east-1".into(),
                detectors: Ok(vec![d]),
            },
            &ctx(&t),
        );
        let arn = "arn:aws:guardduty:us-east-1:111122223333:detector/u";
        let gd02 = one(&f, "GD-02", arn);
        assert_eq!(gd02.status, Error);
        assert!(
            gd02.detail.contains("RUNTIME_MONITORING"),
            "{}",
            gd02.detail
        );
        let gd04 = one(&f, "GD-04", arn);
        assert_eq!(gd04.status, Error);
        assert!(gd04.detail.contains("DestinationArn"), "{}", gd04.detail);
    }

    /// The default follows the seeds: the foundational sources only, so a detector with every
    /// plan off passes GD-02 (and says why); a plan asked for is still required.
    #[test]
    fn by_default_no_protection_plan_is_required() {
        let off: BTreeMap<String, String> = PLANS
            .iter()
            .map(|f| (f.to_string(), "DISABLED".to_string()))
            .collect();
        let d = Detector {
            id: "f".into(),
            status: Ok("ENABLED".into()),
            features: off,
            destinations: Ok(vec![dest("keep", true, Some(400))]),
        };
        let facts = GuardDutyFacts {
            region: "us-east-1".into(),
            detectors: Ok(vec![d]),
        };
        let arn = "arn:aws:guardduty:us-east-1:111122223333:detector/f";
        let f = evaluate(&facts, &ctx(&Thresholds::default()));
        let gd02 = one(&f, "GD-02", arn);
        assert_eq!(gd02.status, Pass);
        assert!(
            gd02.detail.contains("no protection plan"),
            "{}",
            gd02.detail
        );
        let t = Thresholds {
            guardduty_features: vec!["S3_DATA_EVENTS".into()],
            ..Thresholds::default()
        };
        let f = evaluate(&facts, &ctx(&t));
        assert_eq!(one(&f, "GD-02", arn).detail, "not enabled: S3_DATA_EVENTS");
    }
}
