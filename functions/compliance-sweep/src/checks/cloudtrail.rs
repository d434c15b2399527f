//! CloudTrail: a multi-Region trail logging management events covers every Region, and some
//! trail logs S3 object-level writes and reads there; each trail
//! (judged once, in its home Region) validates, encrypts, keeps its bucket private and logged,
//! delivers to CloudWatch Logs, keeps its logs long enough, and runs CloudTrail Insights.

use vigil::aws::AwsFailure;

use super::ids::{CT_01, CT_02, CT_03, CT_04, CT_05, CT_06, CT_07, CT_08, CT_09, CT_10};
use super::{CheckId, Ctx, Finding, ResourceType, Subject, errors, s3};
use crate::facts::{ApiError, Bucket, CloudTrailFacts, Trail};

/// A trail, in its home Region.
fn trail(t: &Trail) -> Subject {
    Subject::new(ResourceType::AwsCloudTrailTrail, &t.arn).in_region(&t.home_region)
}

/// The trails of a Region, as one subject (CT-01 and the listing's errors).
fn region_trails(region_arn: &str, region: &str) -> Subject {
    Subject::new(ResourceType::AwsCloudTrailTrail, region_arn).in_region(region)
}

pub(crate) fn evaluate(f: &CloudTrailFacts, ctx: &Ctx) -> Vec<Finding> {
    let region_arn = format!("arn:aws:cloudtrail:{}:{}:trail/*", f.region, ctx.account);
    let trails = match &f.trails {
        Ok(t) => t,
        Err(e) => {
            return errors(
                &[
                    CT_01, CT_02, CT_03, CT_04, CT_05, CT_06, CT_07, CT_08, CT_09, CT_10,
                ],
                &region_trails(&region_arn, &f.region),
                e,
            );
        }
    };
    let mut out = vec![
        ct_01_region_covered(trails, &region_arn, &f.region),
        s3_objects_logged(CT_08, trails, &region_arn, &f.region),
        s3_objects_logged(CT_09, trails, &region_arn, &f.region),
    ];
    for t in trails.iter().filter(|t| t.home_region == f.region) {
        out.push(ct_02_validation(t, ctx));
        out.push(ct_03_kms(t));
        out.push(ct_04_bucket_not_public(t, f));
        out.push(ct_05_bucket_logging(t, f));
        out.push(ct_06_cloudwatch(t, ctx));
        out.push(ct_07_retention(t, f, ctx));
        out.push(ct_10_insights(t));
    }
    out
}

/// CT-10: the trail has insight selectors (`HasInsightSelectors`) and is logging, so CloudTrail
/// Insights watches its management events for unusual API call and error rates. Judged on
/// every trail homed here, as CT-02..07 are (Prowler judges logging trails only, and fails
/// those without selectors): insight selectors on a trail that is not logging analyse nothing.
fn ct_10_insights(t: &Trail) -> Finding {
    let verdict = CT_10.on(&trail(t));
    match t.has_insight_selectors {
        None => verdict.error(&ApiError::incomplete(
            "cloudtrail:DescribeTrails",
            "HasInsightSelectors of the trail",
        )),
        Some(false) => verdict.fail("no insight selectors: CloudTrail Insights is off"),
        Some(true) => match &t.status {
            Err(e) => verdict.error(e),
            Ok(s) if s.is_logging => {
                verdict.pass("CloudTrail Insights runs on the trail (insight selectors, logging)")
            }
            Ok(_) => verdict.fail("insight selectors set, but the trail is not logging"),
        },
    }
}

/// Whether a trail counts for CT-01: multi-Region, logging, management events read and write.
fn qualifies(t: &Trail) -> Result<bool, ApiError> {
    let status = t.status.as_ref().map_err(Clone::clone)?;
    let selectors = t.selectors.as_ref().map_err(Clone::clone)?;
    Ok(t.multi_region && status.is_logging && selectors.management_read_write)
}

/// CT-01: this Region is covered by at least one qualifying trail.
fn ct_01_region_covered(trails: &[Trail], region_arn: &str, region: &str) -> Finding {
    let verdict = CT_01.on(&region_trails(region_arn, region));
    let mut first_error = None;
    for t in trails {
        match qualifies(t) {
            Ok(true) => {
                return verdict
                    .pass(format!(
                        "covered by multi-Region trail {} (logging, management events read+write)",
                        t.arn
                    ))
                    .with("trail", t.arn.clone());
            }
            Ok(false) => {}
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    match first_error {
        Some(e) => verdict.error(&e),
        None => {
            let seen: Vec<String> = trails
                .iter()
                .map(|t| {
                    format!(
                        "{} (multi-Region {}, logging {})",
                        t.name,
                        t.multi_region,
                        t.status.as_ref().is_ok_and(|s| s.is_logging)
                    )
                })
                .collect();
            verdict.fail(if seen.is_empty() {
                format!("no trail records {region}")
            } else {
                format!(
                    "no multi-Region trail logging management events read+write; trails seen: {}",
                    seen.join(", ")
                )
            })
        }
    }
}

/// CT-08 (writes) and CT-09 (reads): a trail recording this Region (multi-Region, or at home
/// here) logs the S3 object-level events of every bucket in that direction.
fn s3_objects_logged(check: CheckId, trails: &[Trail], region_arn: &str, region: &str) -> Finding {
    let verdict = check.on(&region_trails(region_arn, region));
    let direction = if check == CT_08 { "writes" } else { "reads" };
    let mut first_error = None;
    for t in trails
        .iter()
        .filter(|t| t.multi_region || t.home_region == region)
    {
        match &t.selectors {
            Ok(s)
                if (check == CT_08 && s.s3_object_writes)
                    || (check == CT_09 && s.s3_object_reads) =>
            {
                return verdict
                    .pass(format!(
                        "trail {} logs S3 object {direction} of every bucket",
                        t.arn
                    ))
                    .with("trail", t.arn.clone());
            }
            Ok(_) => {}
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    match first_error {
        Some(e) => verdict.error(e),
        None => verdict.fail(format!(
            "no trail recording {region} logs S3 object-level {direction} (data events of type AWS::S3::Object for all buckets)"
        )),
    }
}

/// CT-02: log file validation on, and digests not failing (when the status says).
fn ct_02_validation(t: &Trail, ctx: &Ctx) -> Finding {
    if !t.log_file_validation {
        return CT_02.on(&trail(t)).fail("log file validation is off");
    }
    // The digest part needs the status: without it the check is not known to pass.
    let status = match &t.status {
        Ok(s) => s,
        Err(e) => return CT_02.on(&trail(t)).error(e),
    };
    if status.latest_digest_delivery.is_none() {
        return CT_02
            .on(&trail(t))
            .pass("log file validation is on (no digest delivery reported yet)");
    }
    if let Some(last) = status.latest_digest_delivery
        && (ctx.now - last).num_hours() > 25
    {
        return CT_02.on(&trail(t)).fail(format!(
            "validation is on but the last digest was delivered {} hours ago",
            (ctx.now - last).num_hours()
        ));
    }
    CT_02.on(&trail(t)).pass("log file validation is on")
}

/// CT-03: SSE-KMS.
fn ct_03_kms(t: &Trail) -> Finding {
    match &t.kms_key_id {
        Some(k) => CT_03.on(&trail(t)).pass(format!("logs encrypted with {k}")),
        None => CT_03
            .on(&trail(t))
            .fail("logs are not encrypted with a KMS key (SSE-S3 only)"),
    }
}

fn bucket_of<'a>(t: &Trail, f: &'a CloudTrailFacts) -> Result<&'a Bucket, ApiError> {
    let name = t.bucket.as_deref().unwrap_or_default();
    f.buckets.get(name).ok_or_else(|| {
        ApiError::new(
            "s3:HeadBucket",
            AwsFailure::NotFound,
            None,
            format!("trail bucket {name:?} was not found in this account"),
        )
    })
}

/// CT-04: the trail bucket is not public.
fn ct_04_bucket_not_public(t: &Trail, f: &CloudTrailFacts) -> Finding {
    let r = bucket_of(t, f)
        .and_then(|b| s3::public_exposure(b, f.account_public_access_block.as_ref()));
    match r {
        Err(e) => CT_04.on(&trail(t)).error(&e),
        Ok(None) => CT_04.on(&trail(t)).pass("trail bucket is not public"),
        Ok(Some(why)) => CT_04
            .on(&trail(t))
            .fail(format!("trail bucket is public: {why}")),
    }
}

/// CT-05: server access logging on the trail bucket.
fn ct_05_bucket_logging(t: &Trail, f: &CloudTrailFacts) -> Finding {
    let r = bucket_of(t, f).and_then(|b| match &b.logging_target {
        Some(Ok(v)) => Ok(v.clone()),
        Some(Err(e)) => Err(e.clone()),
        None => Err(ApiError::not_collected(
            "s3:GetBucketLogging",
            "not collected",
        )),
    });
    match r {
        Err(e) => CT_05.on(&trail(t)).error(&e),
        Ok(Some(target)) => CT_05
            .on(&trail(t))
            .pass(format!("access logs go to {target}")),
        Ok(None) => CT_05
            .on(&trail(t))
            .fail("trail bucket has no server access logging"),
    }
}

/// CT-06: CloudWatch Logs integration, last delivery within the threshold.
fn ct_06_cloudwatch(t: &Trail, ctx: &Ctx) -> Finding {
    let Some(group) = &t.log_group_arn else {
        return CT_06
            .on(&trail(t))
            .fail("trail does not deliver to CloudWatch Logs");
    };
    let status = match &t.status {
        Ok(s) => s,
        Err(e) => {
            return CT_06.on(&trail(t)).error(e);
        }
    };
    let limit = ctx.t.cloudwatch_delivery_hours;
    match status.latest_cloudwatch_delivery {
        Some(last) if (ctx.now - last).num_hours() < limit => CT_06.on(&trail(t)).pass(format!(
            "delivers to {group}, last {} h ago",
            (ctx.now - last).num_hours()
        )),
        Some(last) => CT_06.on(&trail(t)).fail(format!(
            "last delivery to {group} was {} h ago (threshold {limit} h)",
            (ctx.now - last).num_hours()
        )),
        None => CT_06.on(&trail(t)).fail(format!(
            "configured for {group} but nothing was ever delivered"
        )),
    }
}

/// CT-07: log group retention (absent = never expire) and bucket lifecycle keep logs at least
/// the threshold.
fn ct_07_retention(t: &Trail, f: &CloudTrailFacts, ctx: &Ctx) -> Finding {
    let days = ctx.t.log_retention_days;
    let mut gaps = Vec::new();
    if let Some(group_arn) = &t.log_group_arn {
        let name = vigil::arn::log_group_name(group_arn).unwrap_or(group_arn);
        match f.log_retention.get(name) {
            Some(Ok(None)) => {}
            Some(Ok(Some(r))) if *r >= days => {}
            Some(Ok(Some(r))) => gaps.push(format!("log group {name} keeps {r} days < {days}")),
            Some(Err(e)) => {
                return CT_07.on(&trail(t)).error(e);
            }
            None => {
                return CT_07.on(&trail(t)).error(&ApiError::new(
                    "logs:DescribeLogGroups",
                    AwsFailure::NotFound,
                    None,
                    format!("log group {name} not found"),
                ));
            }
        }
    }
    match bucket_of(t, f).and_then(|b| s3::keeps_for(b, days)) {
        Err(e) => {
            return CT_07.on(&trail(t)).error(&e);
        }
        Ok((false, why)) => gaps.push(format!("trail bucket: {why}")),
        Ok((true, _)) => {}
    }
    CT_07.on(&trail(t)).pass_if(
        gaps.is_empty(),
        if gaps.is_empty() {
            format!("logs kept at least {days} days")
        } else {
            gaps.join("; ")
        },
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::{EventSelectors, Fetched, LifecycleRule, TrailStatus};
    use std::collections::BTreeMap;
    use vigil::s3::PublicAccessBlock;

    pub(crate) fn trail(name: &str, home: &str, multi: bool) -> Trail {
        Trail {
            arn: format!("arn:aws:cloudtrail:{home}:111122223333:trail/{name}"),
            name: name.into(),
            home_region: home.into(),
            multi_region: multi,
            log_file_validation: true,
            kms_key_id: Some("arn:aws:kms:us-east-1:111122223333:key/k".into()),
            bucket: Some(format!("{name}-bucket")),
            log_group_arn: Some(format!(
                "arn:aws:logs:{home}:111122223333:log-group:{name}-logs:*"
            )),
            has_insight_selectors: Some(true),
            status: Ok(TrailStatus {
                is_logging: true,
                latest_cloudwatch_delivery: Some(now() - chrono::Duration::hours(1)),
                latest_digest_delivery: None,
            }),
            selectors: Ok(EventSelectors {
                management_read_write: true,
                s3_object_writes: true,
                s3_object_reads: false,
                lambda_invokes: vec![],
            }),
        }
    }

    fn bucket(name: &str, public: bool, logged: bool, expire: Option<i32>) -> Bucket {
        Bucket {
            name: name.into(),
            region: "us-east-1".into(),
            public_access_block: Some(Ok(if public {
                None
            } else {
                Some(PublicAccessBlock::ALL_ON)
            })),
            policy_is_public: Some(Ok(public)),
            acl_public: Some(Ok(false)),
            logging_target: Some(Ok(logged.then(|| "access-logs".to_string()))),
            lifecycle: Some(Ok(expire
                .map(|d| {
                    vec![LifecycleRule {
                        enabled: true,
                        expiration_days: Some(d),
                        expiration_date: None,
                    }]
                })
                .unwrap_or_default())),
            object_lock: Some(Ok(Default::default())),
            ..Default::default()
        }
    }

    #[test]
    fn cloudtrail_checks_pass_and_fail() {
        let t = Thresholds::default();
        let good = trail("good", "us-east-1", true);
        let mut bad = trail("bad", "us-east-1", false);
        bad.log_file_validation = false;
        bad.kms_key_id = None;
        bad.log_group_arn = None;
        bad.has_insight_selectors = Some(false);
        let mut stale = trail("stale", "us-east-1", true);
        stale.status = Ok(TrailStatus {
            is_logging: true,
            latest_cloudwatch_delivery: Some(days_ago(3)),
            latest_digest_delivery: None,
        });
        let facts = CloudTrailFacts {
            region: "us-east-1".into(),
            trails: Ok(vec![good.clone(), bad.clone(), stale.clone()]),
            buckets: BTreeMap::from([
                (
                    "good-bucket".into(),
                    bucket("good-bucket", false, true, None),
                ),
                (
                    "bad-bucket".into(),
                    bucket("bad-bucket", true, false, Some(30)),
                ),
                (
                    "stale-bucket".into(),
                    bucket("stale-bucket", false, true, Some(400)),
                ),
            ]),
            account_public_access_block: Some(Ok(None)),
            log_retention: BTreeMap::from([
                ("good-logs".into(), Ok(None)),
                ("stale-logs".into(), Ok(Some(30))),
            ]),
        };
        let f = evaluate(&facts, &ctx(&t));
        assert_eq!(
            one(
                &f,
                "CT-01",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/*"
            )
            .status,
            Pass
        );
        for (id, g, b) in [
            ("CT-02", Pass, Fail),
            ("CT-03", Pass, Fail),
            ("CT-04", Pass, Fail),
            ("CT-05", Pass, Fail),
            ("CT-06", Pass, Fail),
            ("CT-07", Pass, Fail),
            ("CT-10", Pass, Fail),
        ] {
            assert_eq!(one(&f, id, &good.arn).status, g, "{id} good");
            assert_eq!(one(&f, id, &bad.arn).status, b, "{id} bad");
        }
        assert_eq!(one(&f, "CT-06", &stale.arn).status, Fail);
        assert_eq!(
            one(&f, "CT-07", &stale.arn).detail,
            "log group stale-logs keeps 30 days < 90"
        );

        // A Region seeing only a shadow of a trail homed elsewhere: the Region's checks (CT-01,
        // CT-08, CT-09) judged, the trail's own not.
        let mut shadow = facts.clone();
        shadow.region = "eu-west-1".into();
        shadow.trails = Ok(vec![bad.clone()]);
        let f = evaluate(&shadow, &ctx(&t));
        let ids: Vec<&str> = f.iter().map(|x| x.check.as_str()).collect();
        assert_eq!(ids, ["CT-01", "CT-08", "CT-09"]);
        assert_eq!(f[0].status, Fail);
        assert_eq!(
            f[1].status, Fail,
            "the single-Region trail does not record eu-west-1"
        );
        shadow.trails = Ok(vec![]);
        assert_eq!(
            evaluate(&shadow, &ctx(&t))[0].detail,
            "no trail records eu-west-1"
        );
        let mut errored = bad;
        errored.multi_region = true;
        errored.status = Err(denied("cloudtrail:GetTrailStatus"));
        shadow.trails = Ok(vec![errored.clone()]);
        assert_eq!(evaluate(&shadow, &ctx(&t))[0].status, Error);

        // CT-08/CT-09 from the multi-Region trail's selectors; unreadable selectors are ERROR.
        let f = evaluate(&shadow, &ctx(&t));
        assert_eq!(one(&f, "CT-08", &f[1].resource).status, Pass);
        assert_eq!(one(&f, "CT-09", &f[2].resource).status, Fail);
        errored.selectors = Err(denied("cloudtrail:GetEventSelectors"));
        shadow.trails = Ok(vec![errored]);
        let f = evaluate(&shadow, &ctx(&t));
        assert_eq!(f[1].status, Error);
        assert_eq!(f[2].status, Error);
    }

    /// The log group a trail names is read with `vigil::arn` (here and in collection).
    /// Validation on, but the trail status (digest deliveries) could not be read: ERROR, not
    /// PASS on half the facts.
    #[test]
    fn validation_without_a_status_is_an_error() {
        let t = Thresholds::default();
        let mut tr = trail("t", "us-east-1", true);
        tr.status = Err(denied("cloudtrail:GetTrailStatus"));
        assert_eq!(ct_02_validation(&tr, &ctx(&t)).status, Error);
        tr.status = Ok(TrailStatus {
            is_logging: true,
            latest_cloudwatch_delivery: None,
            latest_digest_delivery: None,
        });
        let f = ct_02_validation(&tr, &ctx(&t));
        assert_eq!(f.status, Pass);
        assert!(
            f.detail.contains("no digest delivery reported"),
            "{}",
            f.detail
        );
    }

    #[test]
    fn log_group_names_from_arns() {
        assert_eq!(
            vigil::arn::log_group_name("arn:aws:logs:us-east-1:1:log-group:/aws/ct/x:*"),
            Some("/aws/ct/x")
        );
        assert_eq!(
            vigil::arn::log_group_name("arn:aws:logs:us-east-1:1:log-group:plain"),
            Some("plain")
        );
    }

    /// Insights: judged on every trail homed here; a trail not logging analyses nothing (Prowler
    /// gives it no finding); an answer without HasInsightSelectors, or without the status when
    /// the selectors are set, is ERROR.
    #[test]
    fn insights_need_selectors_and_a_logging_trail() {
        let on = |has: Option<bool>, status: Fetched<TrailStatus>| {
            let mut t = trail("t", "us-east-1", true);
            t.has_insight_selectors = has;
            t.status = status;
            ct_10_insights(&t).status
        };
        let logging = |is_logging| {
            Ok(TrailStatus {
                is_logging,
                latest_cloudwatch_delivery: None,
                latest_digest_delivery: None,
            })
        };
        assert_eq!(on(Some(true), logging(true)), Pass);
        assert_eq!(on(Some(false), logging(true)), Fail);
        assert_eq!(on(Some(true), logging(false)), Fail);
        assert_eq!(
            on(Some(false), Err(denied("cloudtrail:GetTrailStatus"))),
            Fail
        );
        assert_eq!(
            on(Some(true), Err(denied("cloudtrail:GetTrailStatus"))),
            Error
        );
        assert_eq!(on(None, logging(true)), Error);
    }
}
