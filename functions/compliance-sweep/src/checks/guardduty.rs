//! GuardDuty: an enabled detector in the Region, the required protection features, findings
//! exported to S3 with KMS, and the export bucket's retention; an EventBridge rule that
//! routes High findings to a target (GD-06 ★); once per account (home Region), a recent passed
//! drill (GD-05); AI Protection enabled (GD-07).

use vigil::state::drill::Outcome;

use super::ids::{GD_01, GD_02, GD_03, GD_04, GD_05, GD_06, GD_07};
use super::{Ctx, Finding, ResourceType, Subject, account, errors, s3};
use crate::facts::{ApiError, Detector, DrillEvidence, Fetched, GuardDutyFacts, Routing};

/// Detector `id` (`*`: the Region's detectors) in `region`.
fn detector(ctx: &Ctx, region: &str, id: &str) -> Subject {
    Subject::new(
        ResourceType::AwsGuardDutyDetector,
        format!("arn:aws:guardduty:{region}:{}:detector/{id}", ctx.account),
    )
    .in_region(region)
}

pub(crate) fn evaluate(f: &GuardDutyFacts, ctx: &Ctx) -> Vec<Finding> {
    let mut out: Vec<Finding> = f
        .drill
        .as_ref()
        .map(|d| gd_05_drill(d, &f.region, ctx))
        .into_iter()
        .collect();
    let region_detectors = detector(ctx, &f.region, "*");
    let detectors = match &f.detectors {
        Ok(d) => d,
        Err(e) => {
            out.extend(errors(
                &[GD_01, GD_02, GD_03, GD_04, GD_06, GD_07],
                &region_detectors,
                e,
            ));
            return out;
        }
    };
    if detectors.is_empty() {
        out.push(
            GD_01
                .on(&region_detectors)
                .fail(format!("no GuardDuty detector in {}", f.region)),
        );
        return out;
    }
    for d in detectors {
        let subject = detector(ctx, &f.region, &d.id);
        out.push(gd_01_enabled(d, &subject));
        out.push(gd_02_features(d, &subject, ctx));
        out.extend(gd_03_export(d, &subject));
        out.extend(gd_04_export_retention(d, &subject, &f.region, ctx));
        out.push(gd_06_alerting(f.routing.as_ref(), &subject));
        out.push(gd_07_ai_protection(d, &subject));
    }
    out
}

/// The GetDetector feature of AI Protection (Bedrock, Bedrock AgentCore and SageMaker AI
/// activity in CloudTrail data events).
const AI_PROTECTION: &str = "AI_PROTECTION";

/// GD-07: AI Protection ENABLED. GuardDuty leaves a feature out of GetDetector where the Region
/// or the detector does not offer it: not known to be off, so ERROR naming it (Prowler: MANUAL),
/// never a PASS. Any status but ENABLED fails.
fn gd_07_ai_protection(d: &Detector, detector: &Subject) -> Finding {
    let verdict = GD_07.on(detector);
    if let Err(e) = &d.status {
        return verdict.error(e);
    }
    match d.features.get(AI_PROTECTION).map(String::as_str) {
        None => verdict.error(&ApiError::incomplete(
            "guardduty:GetDetector",
            format!("the status of {AI_PROTECTION} (the Region may not offer it)"),
        )),
        Some("ENABLED") => verdict.pass("AI Protection is enabled"),
        Some(other) => verdict.fail(format!("AI Protection is {other}")),
    }
}

/// GD-06 ★: an enabled rule of the default event bus whose pattern EventBridge says matches a
/// High GuardDuty finding at both ends of High (7.0 and 8.9), with at least one target. Judged
/// for every detector, enabled or not (re-enabled, it needs the alerting too). FAIL names why:
/// no rule, a matching rule disabled or without a target, a GuardDuty rule that does not match
/// severity 7+. Any answer that could not be read, and no rule delivers, is ERROR.
fn gd_06_alerting(routing: Option<&Fetched<Routing>>, detector: &Subject) -> Finding {
    let verdict = GD_06.on(detector);
    let routing = match routing {
        Some(Ok(r)) => r,
        Some(Err(e)) => return verdict.error(e),
        None => {
            return verdict.error(&ApiError::not_collected(
                "events:ListRules",
                "the default event bus's rules were not read",
            ));
        }
    };
    if let Err(e) = &routing.control {
        return verdict.error(e);
    }
    let matching = |r: &&crate::facts::EventRule| matches!(&r.matches, Some(Ok(m)) if !m.is_empty() && m.iter().all(|x| *x));
    let mut unknown = Vec::new();
    let mut why = Vec::new();
    for r in routing.rules.iter().filter(matching) {
        if !r.enabled {
            why.push(format!("rule {} matches but is disabled", r.name));
            continue;
        }
        match &r.targets {
            Some(Ok(t)) if !t.is_empty() => {
                return verdict.pass(format!(
                    "rule {} routes High GuardDuty findings to {}",
                    r.name,
                    t.join(", ")
                ));
            }
            Some(Err(e)) => unknown.push(e.clone()),
            _ => why.push(format!("rule {} matches but has no target", r.name)),
        }
    }
    for r in &routing.rules {
        match &r.matches {
            Some(Err(e)) => unknown.push(e.clone()),
            Some(Ok(m)) if !m.iter().all(|x| *x) && mentions_guardduty(r.pattern.as_deref()) => {
                why.push(format!(
                    "rule {} is about GuardDuty findings but does not match severity 7 and up",
                    r.name
                ));
            }
            _ => {}
        }
    }
    if let Some(e) = unknown.first() {
        return verdict.error(e);
    }
    if why.is_empty() {
        why.push("no rule on the default event bus matches a High GuardDuty finding".into());
    }
    verdict.fail(why.join("; "))
}

/// Whether an event pattern names GuardDuty (its source or its findings' detail type).
fn mentions_guardduty(pattern: Option<&str>) -> bool {
    pattern.is_some_and(|p| p.contains("aws.guardduty") || p.contains("GuardDuty Finding"))
}

/// GD-05: the latest drill's record verifies (hashes and KMS signature), passed, and
/// finished within the threshold. The subject is the account: drills prove the whole chain.
fn gd_05_drill(d: &Fetched<DrillEvidence>, region: &str, ctx: &Ctx) -> Finding {
    let verdict = GD_05.on(&account(ctx.account).in_region(region));
    let (location, pointer, record, tampered) = match d {
        Err(e) => return verdict.error(e),
        Ok(DrillEvidence::NoBucket) => {
            return verdict.error(&ApiError::not_collected(
                "s3:GetObject",
                "VIGIL_EVIDENCE_BUCKET is not set: the sweep does not know where drills are recorded",
            ));
        }
        Ok(DrillEvidence::NoDrill { key }) => {
            return verdict.fail(format!("no drill has run (no {key})"));
        }
        Ok(DrillEvidence::Recorded {
            location,
            pointer,
            record,
            tampered,
        }) => (location, pointer, record, tampered),
    };
    if !tampered.is_empty() {
        return verdict
            .fail(format!(
                "the record of drill {} at {location} is tampered: {}",
                pointer.drill_id,
                tampered.join("; ")
            ))
            .with("location", location.as_str());
    }
    // Verified: judge the signed record, not the unsigned pointer.
    let Some(record) = record else {
        return verdict.error(&ApiError::incomplete(
            "s3:GetObject",
            format!("a readable drill record in {location}"),
        ));
    };
    if record.id != pointer.drill_id {
        return verdict
            .fail(format!(
                "the pointer names drill {} but {location} holds the signed record of drill {}",
                pointer.drill_id, record.id
            ))
            .with("location", location.as_str());
    }
    let max = ctx.t.drill_max_age_days;
    let age = ctx.days_since(record.finished_at);
    let finished = record.finished_at.format("%Y-%m-%d %H:%M UTC");
    let finding = if record.outcome == Outcome::Failed {
        verdict.fail(format!(
            "the latest drill {} ({finished}) failed at {}: {}",
            record.id,
            record.broken_link.as_deref().unwrap_or("an unnamed link"),
            record.detail
        ))
    } else if age > max {
        verdict.fail(format!(
            "the latest drill {} passed on {finished}, {age} days ago (more than {max})",
            record.id
        ))
    } else {
        verdict.pass(format!(
            "drill {} passed on {finished} ({age} day(s) ago, at most {max}); its signed record verifies",
            record.id
        ))
    };
    finding
        .with("drill_id", record.id.as_str())
        .with("location", location.as_str())
        .with("finished_at", record.finished_at.to_rfc3339())
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
                drill: None,
                routing: None,
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
                drill: None,
                routing: None,
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
                drill: None,
                routing: None,
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
                drill: None,
                routing: None,
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
            drill: None,
            routing: None,
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

    /// GD-06: EventBridge's answers decide; FAIL says why; an unread answer is ERROR.
    #[test]
    fn alerting_needs_an_enabled_matching_rule_with_a_target() {
        use crate::facts::EventRule;
        let subject = Subject::new(ResourceType::AwsGuardDutyDetector, "d").in_region("eu-west-1");
        let rule = |name: &str, enabled: bool, matches: &[bool], targets: &[&str]| EventRule {
            name: name.into(),
            enabled,
            pattern: Some(r#"{"source":["aws.guardduty"]}"#.into()),
            matches: Some(Ok(matches.to_vec())),
            targets: (enabled && matches.iter().all(|m| *m))
                .then(|| Ok(targets.iter().map(|t| t.to_string()).collect())),
        };
        let judge = |rules: Vec<EventRule>| {
            let f = gd_06_alerting(
                Some(&Ok(Routing {
                    rules,
                    control: Ok(()),
                })),
                &subject,
            );
            (f.status, f.detail)
        };
        assert_eq!(
            judge(vec![
                rule("high-only", true, &[false, true], &[]),
                rule("to-responder", true, &[true, true], &["arn:aws:lambda:eu-west-1:1:function:r"]),
            ]),
            (
                Pass,
                "rule to-responder routes High GuardDuty findings to arn:aws:lambda:eu-west-1:1:function:r".into()
            )
        );
        assert_eq!(
            judge(vec![]),
            (
                Fail,
                "no rule on the default event bus matches a High GuardDuty finding".into()
            )
        );
        assert_eq!(
            judge(vec![
                rule("off", false, &[true, true], &[]),
                rule("nowhere", true, &[true, true], &[]),
                rule("high-only", true, &[false, true], &[]),
            ]),
            (
                Fail,
                "rule off matches but is disabled; rule nowhere matches but has no target; rule high-only is about GuardDuty findings but does not match severity 7 and up".into()
            )
        );
        // An answer not read, with nothing delivering: ERROR, never a FAIL or PASS on a guess.
        let mut untested = rule("untested", true, &[], &[]);
        untested.matches = Some(Err(denied("events:TestEventPattern")));
        assert_eq!(judge(vec![untested]).0, Error);
        let mut targets_unread = rule("t", true, &[true, true], &[]);
        targets_unread.targets = Some(Err(denied("events:ListTargetsByRule")));
        assert_eq!(judge(vec![targets_unread]).0, Error);
        let untrusted = gd_06_alerting(
            Some(&Ok(Routing {
                rules: vec![rule("to-responder", true, &[false, false], &[])],
                control: Err(ApiError::incomplete("events:TestEventPattern", "a Result")),
            })),
            &subject,
        );
        assert_eq!(untrusted.status, Error);
        assert_eq!(
            gd_06_alerting(Some(&Err(denied("events:ListRules"))), &subject).status,
            Error
        );
    }

    mod drill {
        use super::*;
        use vigil::state::drill::{Pointer, Summary};

        fn summary(outcome: Outcome, days: i64) -> Summary {
            Summary {
                id: "drill-1".into(),
                account: "111122223333".into(),
                region: "us-east-1".into(),
                detector_id: Some("d1".into()),
                types: vec!["Recon:EC2/PortProbeUnprotectedPort".into()],
                sent_at: Some(days_ago(days)),
                finished_at: days_ago(days),
                outcome,
                broken_link: (outcome == Outcome::Failed).then(|| "delivery".into()),
                detail: "1 of 1 sample(s) not received".into(),
                route: Some("vigil-findings".into()),
                legs: vec![],
            }
        }

        fn recorded(record: Summary, tampered: &[&str]) -> Fetched<DrillEvidence> {
            Ok(DrillEvidence::Recorded {
                location: "s3://evidence/detector-guard/drills/drill-1/".into(),
                pointer: Pointer {
                    drill_id: "drill-1".into(),
                    location: "detector-guard/drills/drill-1/".into(),
                    outcome: Outcome::Passed,
                    finished_at: record.finished_at,
                },
                record: Some(Box::new(record)),
                tampered: tampered.iter().map(|s| s.to_string()).collect(),
            })
        }

        fn gd05(drill: Fetched<DrillEvidence>, t: &Thresholds) -> Finding {
            let f = evaluate(
                &GuardDutyFacts {
                    region: "us-east-1".into(),
                    detectors: Ok(vec![]),
                    drill: Some(drill),
                    routing: None,
                },
                &ctx(t),
            );
            one(&f, "GD-05", "arn:aws:iam::111122223333:root").clone()
        }

        #[test]
        fn a_recent_verified_passed_drill_passes() {
            let f = gd05(
                recorded(summary(Outcome::Passed, 6), &[]),
                &Thresholds::default(),
            );
            assert_eq!(f.status, Pass, "{}", f.detail);
            assert_eq!(f.region, "us-east-1");
            assert_eq!(f.evidence["drill_id"], "drill-1");
        }

        #[test]
        fn an_old_failed_missing_or_tampered_drill_fails() {
            let t = Thresholds::default();
            let old = gd05(recorded(summary(Outcome::Passed, 8), &[]), &t);
            assert_eq!(old.status, Fail);
            assert!(
                old.detail.contains("8 days ago (more than 7)"),
                "{}",
                old.detail
            );
            let longer = Thresholds {
                drill_max_age_days: 30,
                ..Thresholds::default()
            };
            assert_eq!(
                gd05(recorded(summary(Outcome::Passed, 8), &[]), &longer).status,
                Pass
            );
            let failed = gd05(recorded(summary(Outcome::Failed, 1), &[]), &t);
            assert_eq!(failed.status, Fail);
            assert!(
                failed.detail.contains("failed at delivery"),
                "{}",
                failed.detail
            );
            let none = gd05(
                Ok(DrillEvidence::NoDrill {
                    key: "s3://evidence/detector-guard/drills/latest.json".into(),
                }),
                &t,
            );
            assert_eq!(none.status, Fail);
            assert!(
                none.detail.starts_with("no drill has run"),
                "{}",
                none.detail
            );
            let tampered = gd05(
                recorded(summary(Outcome::Passed, 1), &["drill.json: hash mismatch"]),
                &t,
            );
            assert_eq!(tampered.status, Fail);
            assert!(tampered.detail.contains("tampered"), "{}", tampered.detail);
            // The pointer is not signed: a record of another drill behind it fails.
            let mut other = summary(Outcome::Passed, 1);
            other.id = "drill-0".into();
            let swapped = gd05(recorded(other, &[]), &t);
            assert_eq!(swapped.status, Fail);
            assert!(swapped.detail.contains("drill-0"), "{}", swapped.detail);
        }

        #[test]
        fn an_unread_or_unconfigured_record_is_an_error_never_a_pass() {
            let t = Thresholds::default();
            let denied = gd05(Err(denied("s3:GetObject")), &t);
            assert_eq!(denied.status, Error);
            let unset = gd05(Ok(DrillEvidence::NoBucket), &t);
            assert_eq!(unset.status, Error);
            assert!(
                unset.detail.contains("VIGIL_EVIDENCE_BUCKET"),
                "{}",
                unset.detail
            );
            let unreadable = gd05(
                Ok(DrillEvidence::Recorded {
                    location: "s3://evidence/detector-guard/drills/drill-1/".into(),
                    pointer: Pointer {
                        drill_id: "drill-1".into(),
                        location: "detector-guard/drills/drill-1/".into(),
                        outcome: Outcome::Passed,
                        finished_at: days_ago(1),
                    },
                    record: None,
                    tampered: vec![],
                }),
                &t,
            );
            assert_eq!(unreadable.status, Error);
        }

        #[test]
        fn only_the_home_region_judges_the_drill() {
            let f = evaluate(
                &GuardDutyFacts {
                    region: "eu-west-1".into(),
                    detectors: Ok(vec![]),
                    drill: None,
                    routing: None,
                },
                &ctx(&Thresholds::default()),
            );
            assert!(f.iter().all(|x| x.check != "GD-05"), "{f:#?}");
        }
    }

    /// AI Protection: ENABLED passes, DISABLED fails, left out of GetDetector (Prowler: MANUAL)
    /// or an unreadable detector is ERROR.
    #[test]
    fn ai_protection_enabled_disabled_or_unknown() {
        let subject = Subject::new(ResourceType::AwsGuardDutyDetector, "d");
        let on = |status: Option<&str>| {
            let mut features = all_features();
            features.remove(AI_PROTECTION);
            if let Some(s) = status {
                features.insert(AI_PROTECTION.into(), s.into());
            }
            let d = Detector {
                id: "d".into(),
                status: Ok("ENABLED".into()),
                features,
                destinations: Ok(vec![]),
            };
            gd_07_ai_protection(&d, &subject)
        };
        assert_eq!(on(Some("ENABLED")).status, Pass);
        assert_eq!(on(Some("DISABLED")).status, Fail);
        let unknown = on(None);
        assert_eq!(unknown.status, Error);
        assert!(
            unknown.detail.contains("AI_PROTECTION"),
            "{}",
            unknown.detail
        );
        let unreadable = Detector {
            id: "d".into(),
            status: Err(denied("guardduty:GetDetector")),
            features: BTreeMap::new(),
            destinations: Ok(vec![]),
        };
        assert_eq!(gd_07_ai_protection(&unreadable, &subject).status, Error);
    }
}
