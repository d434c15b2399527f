//! CloudWatch (CIS 4.1–4.15): a metric filter with the CIS pattern on the multi-Region trail's
//! log group, an alarm on its metric with an SNS action, and a confirmed subscriber. Patterns
//! are matched term by term, ignoring order, spacing and quotes (as Prowler's
//! `build_metric_filter_pattern` does), so an equivalent filter written differently passes.
//! CW-16: every alarm has an ALARM action with actions enabled. CW-17/CW-18: every log group
//! keeps its events at least the threshold (never-expire passes) and is encrypted with a KMS
//! key.

use super::ids::{CW_16, CW_17, CW_18, CW_PATTERNS};
use super::{Ctx, Finding, ResourceType, Subject, catalogue, errors};
use crate::facts::{Alarm, ApiError, CloudWatchFacts, LogGroup, Monitoring};

fn log_group(arn: &str, region: &str) -> Subject {
    Subject::new(ResourceType::AwsLogsLogGroup, arn).in_region(region)
}

/// The terms each CIS filter pattern must contain, in CW-01..CW-15 order.
pub const PATTERNS: [&[&str]; 15] = [
    &[
        "$.errorCode=*UnauthorizedOperation",
        "$.errorCode=AccessDenied*",
    ],
    &[
        "$.eventName=ConsoleLogin",
        "$.additionalEventData.MFAUsed!=Yes",
    ],
    &[
        "$.userIdentity.type=Root",
        "$.userIdentity.invokedBy NOT EXISTS",
        "$.eventType!=AwsServiceEvent",
    ],
    &[
        "$.eventName=DeleteGroupPolicy",
        "$.eventName=DeleteRolePolicy",
        "$.eventName=DeleteUserPolicy",
        "$.eventName=PutGroupPolicy",
        "$.eventName=PutRolePolicy",
        "$.eventName=PutUserPolicy",
        "$.eventName=CreatePolicy",
        "$.eventName=DeletePolicy",
        "$.eventName=CreatePolicyVersion",
        "$.eventName=DeletePolicyVersion",
        "$.eventName=AttachRolePolicy",
        "$.eventName=DetachRolePolicy",
        "$.eventName=AttachUserPolicy",
        "$.eventName=DetachUserPolicy",
        "$.eventName=AttachGroupPolicy",
        "$.eventName=DetachGroupPolicy",
    ],
    &[
        "$.eventName=CreateTrail",
        "$.eventName=UpdateTrail",
        "$.eventName=DeleteTrail",
        "$.eventName=StartLogging",
        "$.eventName=StopLogging",
    ],
    &[
        "$.eventName=ConsoleLogin",
        "$.errorMessage=Failed authentication",
    ],
    &[
        "$.eventSource=kms.amazonaws.com",
        "$.eventName=DisableKey",
        "$.eventName=ScheduleKeyDeletion",
    ],
    &[
        "$.eventSource=s3.amazonaws.com",
        "$.eventName=PutBucketAcl",
        "$.eventName=PutBucketPolicy",
        "$.eventName=PutBucketCors",
        "$.eventName=PutBucketLifecycle",
        "$.eventName=PutBucketReplication",
        "$.eventName=DeleteBucketPolicy",
        "$.eventName=DeleteBucketCors",
        "$.eventName=DeleteBucketLifecycle",
        "$.eventName=DeleteBucketReplication",
    ],
    &[
        "$.eventSource=config.amazonaws.com",
        "$.eventName=StopConfigurationRecorder",
        "$.eventName=DeleteDeliveryChannel",
        "$.eventName=PutDeliveryChannel",
        "$.eventName=PutConfigurationRecorder",
    ],
    &[
        "$.eventName=AuthorizeSecurityGroupIngress",
        "$.eventName=AuthorizeSecurityGroupEgress",
        "$.eventName=RevokeSecurityGroupIngress",
        "$.eventName=RevokeSecurityGroupEgress",
        "$.eventName=CreateSecurityGroup",
        "$.eventName=DeleteSecurityGroup",
    ],
    &[
        "$.eventName=CreateNetworkAcl",
        "$.eventName=CreateNetworkAclEntry",
        "$.eventName=DeleteNetworkAcl",
        "$.eventName=DeleteNetworkAclEntry",
        "$.eventName=ReplaceNetworkAclEntry",
        "$.eventName=ReplaceNetworkAclAssociation",
    ],
    &[
        "$.eventName=CreateCustomerGateway",
        "$.eventName=DeleteCustomerGateway",
        "$.eventName=AttachInternetGateway",
        "$.eventName=CreateInternetGateway",
        "$.eventName=DeleteInternetGateway",
        "$.eventName=DetachInternetGateway",
    ],
    &[
        "$.eventName=CreateRoute",
        "$.eventName=CreateRouteTable",
        "$.eventName=ReplaceRoute",
        "$.eventName=ReplaceRouteTableAssociation",
        "$.eventName=DeleteRouteTable",
        "$.eventName=DeleteRoute",
        "$.eventName=DisassociateRouteTable",
    ],
    &[
        "$.eventName=CreateVpc",
        "$.eventName=DeleteVpc",
        "$.eventName=ModifyVpcAttribute",
        "$.eventName=AcceptVpcPeeringConnection",
        "$.eventName=CreateVpcPeeringConnection",
        "$.eventName=DeleteVpcPeeringConnection",
        "$.eventName=RejectVpcPeeringConnection",
        "$.eventName=AttachClassicLinkVpc",
        "$.eventName=DetachClassicLinkVpc",
        "$.eventName=DisableVpcClassicLink",
        "$.eventName=EnableVpcClassicLink",
    ],
    &[
        "$.eventSource=organizations.amazonaws.com",
        "$.eventName=AcceptHandshake",
        "$.eventName=AttachPolicy",
        "$.eventName=CreateAccount",
        "$.eventName=CreateOrganizationalUnit",
        "$.eventName=CreatePolicy",
        "$.eventName=DeclineHandshake",
        "$.eventName=DeleteOrganization",
        "$.eventName=DeleteOrganizationalUnit",
        "$.eventName=DeletePolicy",
        "$.eventName=DetachPolicy",
        "$.eventName=DisablePolicyType",
        "$.eventName=EnablePolicyType",
        "$.eventName=InviteAccountToOrganization",
        "$.eventName=LeaveOrganization",
        "$.eventName=MoveAccount",
        "$.eventName=RemoveAccountFromOrganization",
        "$.eventName=UpdatePolicy",
        "$.eventName=UpdateOrganizationalUnit",
    ],
];

/// Spacing, quotes and case do not change what a pattern matches here.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `pattern` contains every term of CIS pattern `i`, in any order.
pub(crate) fn pattern_matches(i: usize, pattern: &str) -> bool {
    let p = normalize(pattern);
    PATTERNS[i].iter().all(|term| p.contains(&normalize(term)))
}

pub(crate) fn evaluate(f: &CloudWatchFacts, ctx: &Ctx) -> Vec<Finding> {
    let region_groups = log_group(
        &format!("arn:aws:logs:{}:{}:log-group:*", f.region, ctx.account),
        &f.region,
    );
    let mut out = Vec::new();
    match &f.trails {
        Err(e) => out.extend(errors(&CW_PATTERNS, &region_groups, e)),
        Ok(trails) if f.monitoring.is_empty() => {
            let elsewhere = trails
                .iter()
                .find(|t| t.multi_region && t.home_region != f.region && t.log_group_arn.is_some());
            for id in CW_PATTERNS {
                let verdict = id.on(&region_groups);
                out.push(match elsewhere {
                    Some(t) => verdict.not_applicable(format!("monitored through trail {} in its home Region {}", t.name, t.home_region)),
                    None if trails.iter().any(|t| t.multi_region && t.home_region == f.region) => verdict.fail(format!("the multi-Region trail homed in {} sends nothing to CloudWatch Logs, so there is nothing to alarm on ({})", f.region, catalogue::get(id).title)),
                    None if trails.iter().any(|t| t.multi_region) => verdict.fail("no multi-Region trail delivers to CloudWatch Logs"),
                    None => verdict.fail("no multi-Region trail records this Region, so nothing can be alarmed on"),
                });
            }
        }
        Ok(_) => {
            for m in &f.monitoring {
                for i in 0..15 {
                    out.push(cis_alarm(i, m, &f.alarms, &f.region));
                }
            }
        }
    }
    out.extend(cw_16_alarm_actions(&f.alarms, &f.region));
    match &f.log_groups {
        Err(e) => out.extend(errors(&[CW_17, CW_18], &region_groups, e)),
        Ok(groups) => {
            for g in groups {
                out.push(cw_17_retention(g, &f.region, ctx));
                out.push(cw_18_kms(g, &f.region));
            }
        }
    }
    out
}

/// CW-17: retention at least `log_group_retention_days` (never expire passes).
fn cw_17_retention(g: &LogGroup, region: &str, ctx: &Ctx) -> Finding {
    let verdict = CW_17.on(&log_group(&g.arn, region));
    let min = ctx.t.log_group_retention_days;
    match g.retention_days {
        None => verdict.pass("events never expire"),
        Some(d) => verdict.pass_if(
            d >= min,
            format!("events kept {d} days (at least {min} required)"),
        ),
    }
}

/// CW-18: encrypted with a KMS key (`kmsKeyId`).
fn cw_18_kms(g: &LogGroup, region: &str) -> Finding {
    let verdict = CW_18.on(&log_group(&g.arn, region));
    match &g.kms_key_id {
        Some(key) => verdict.pass(format!("encrypted with {key}")),
        None => verdict.fail("no KMS key: CloudWatch Logs' own encryption only"),
    }
}

/// CW-01..CW-15 for one monitored log group.
pub(crate) fn cis_alarm(
    i: usize,
    m: &Monitoring,
    alarms: &Result<Vec<Alarm>, ApiError>,
    region: &str,
) -> Finding {
    let verdict = CW_PATTERNS[i].on(&log_group(&m.log_group_arn, region));
    let filters = match &m.filters {
        Ok(f) => f,
        Err(e) => return verdict.error(e),
    };
    let matching: Vec<_> = filters
        .iter()
        .filter(|f| pattern_matches(i, &f.pattern))
        .collect();
    if matching.is_empty() {
        return verdict.fail("no metric filter with the CIS pattern on the trail's log group");
    }
    let alarms = match alarms {
        Ok(a) => a,
        Err(e) => return verdict.error(e),
    };
    let mut reasons = Vec::new();
    for filter in &matching {
        for (ns, metric) in &filter.metrics {
            for alarm in alarms.iter().filter(|a| {
                a.namespace.as_deref() == Some(ns) && a.metric.as_deref() == Some(metric)
            }) {
                if !alarm.actions_enabled || alarm.alarm_actions.is_empty() {
                    reasons.push(format!("alarm {} has no enabled ALARM action", alarm.name));
                    continue;
                }
                for topic in alarm
                    .alarm_actions
                    .iter()
                    .filter(|a| a.starts_with("arn:aws:sns:"))
                {
                    match m.subscribers.get(topic) {
                        Some(Ok(n)) if *n > 0 => {
                            return verdict
                                .pass(format!(
                                    "filter {} → alarm {} → {topic} ({n} confirmed subscriber(s))",
                                    filter.name, alarm.name
                                ))
                                .with("filter", filter.name.clone())
                                .with("alarm", alarm.name.clone());
                        }
                        Some(Ok(_)) => reasons.push(format!(
                            "topic {topic} of alarm {} has no confirmed subscriber",
                            alarm.name
                        )),
                        Some(Err(e)) => return verdict.error(e),
                        None => {
                            return verdict.error(&ApiError::not_collected(
                                "sns:ListSubscriptionsByTopic",
                                format!("topic {topic} of alarm {} was not looked up", alarm.name),
                            ));
                        }
                    }
                }
                if !alarm
                    .alarm_actions
                    .iter()
                    .any(|a| a.starts_with("arn:aws:sns:"))
                {
                    reasons.push(format!("alarm {} notifies no SNS topic", alarm.name));
                }
            }
        }
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "filter {} has no alarm on its metric",
            matching[0].name
        ));
    }
    verdict.fail(reasons.join("; "))
}

/// CW-16: actions enabled and at least one ALARM action, per alarm.
pub(crate) fn cw_16_alarm_actions(
    alarms: &Result<Vec<Alarm>, ApiError>,
    region: &str,
) -> Vec<Finding> {
    match alarms {
        Err(e) => vec![
            CW_16
                .on(&Subject::new(
                    ResourceType::AwsCloudWatchAlarm,
                    format!("arn:aws:cloudwatch:{region}:*:alarm:*"),
                )
                .in_region(region))
                .error(e),
        ],
        Ok(alarms) => alarms
            .iter()
            .map(|a| {
                let ok = a.actions_enabled && !a.alarm_actions.is_empty();
                CW_16
                    .on(&Subject::new(ResourceType::AwsCloudWatchAlarm, &a.arn).in_region(region))
                    .pass_if(
                        ok,
                        if ok {
                            format!("{} ALARM action(s), actions enabled", a.alarm_actions.len())
                        } else if !a.actions_enabled {
                            "actions are disabled".into()
                        } else {
                            "no ALARM action".into()
                        },
                    )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::MetricFilter;
    use std::collections::BTreeMap;

    /// The CIS v3 pattern text for 4.1, 4.3, 4.4 as the benchmark prints them.
    const CIS_4_1: &str = r#"{($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#;
    const CIS_4_3: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

    #[test]
    fn patterns_match_in_any_order_and_spacing() {
        assert!(pattern_matches(0, CIS_4_1));
        assert!(pattern_matches(
            0,
            r#"{($.errorCode="AccessDenied*")||($.errorCode="*UnauthorizedOperation")}"#
        ));
        assert!(!pattern_matches(0, r#"{($.errorCode="AccessDenied*")}"#));
        assert!(pattern_matches(2, CIS_4_3));
        assert!(!pattern_matches(2, CIS_4_1));
        assert!(pattern_matches(
            4,
            "{($.eventName=StopLogging)||($.eventName=DeleteTrail)||($.eventName=CreateTrail)||($.eventName=UpdateTrail)||($.eventName=StartLogging)}"
        ));
    }

    fn monitoring(filters: Vec<MetricFilter>, subscribed: usize) -> Monitoring {
        Monitoring {
            log_group_arn: "arn:aws:logs:us-east-1:111122223333:log-group:ct:*".into(),
            filters: Ok(filters),
            subscribers: BTreeMap::from([(
                "arn:aws:sns:us-east-1:111122223333:alerts".into(),
                Ok(subscribed),
            )]),
        }
    }

    fn alarm(metric: &str, actions: bool) -> Alarm {
        Alarm {
            name: format!("{metric}-alarm"),
            arn: format!("arn:aws:cloudwatch:us-east-1:111122223333:alarm:{metric}-alarm"),
            namespace: Some("CIS".into()),
            metric: Some(metric.into()),
            actions_enabled: actions,
            alarm_actions: if actions {
                vec!["arn:aws:sns:us-east-1:111122223333:alerts".into()]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn filter_alarm_and_subscriber_make_a_pass() {
        let filters = vec![
            MetricFilter {
                name: "unauth".into(),
                pattern: CIS_4_1.into(),
                metrics: vec![("CIS".into(), "Unauthorized".into())],
            },
            MetricFilter {
                name: "root".into(),
                pattern: CIS_4_3.into(),
                metrics: vec![("CIS".into(), "Root".into())],
            },
        ];
        let alarms = Ok(vec![alarm("Unauthorized", true), alarm("Root", false)]);
        let m = monitoring(filters.clone(), 1);
        assert_eq!(cis_alarm(0, &m, &alarms, "us-east-1").status, Pass);
        let root = cis_alarm(2, &m, &alarms, "us-east-1");
        assert_eq!(
            (root.status, root.detail.as_str()),
            (Fail, "alarm Root-alarm has no enabled ALARM action")
        );
        assert_eq!(
            cis_alarm(1, &m, &alarms, "us-east-1").status,
            Fail,
            "no filter for 4.2"
        );
        let unsubscribed = monitoring(filters, 0);
        assert_eq!(
            cis_alarm(0, &unsubscribed, &alarms, "us-east-1").status,
            Fail
        );
        assert_eq!(
            cis_alarm(
                0,
                &m,
                &Err(denied("cloudwatch:DescribeAlarms")),
                "us-east-1"
            )
            .status,
            Error
        );
        let cw16 = cw_16_alarm_actions(&alarms, "us-east-1");
        assert_eq!(
            cw16.iter().map(|f| f.status).collect::<Vec<_>>(),
            vec![Pass, Fail]
        );
    }

    #[test]
    fn no_trail_fails_and_trail_elsewhere_is_not_applicable() {
        let t = Thresholds::default();
        let facts = CloudWatchFacts {
            region: "eu-west-1".into(),
            trails: Ok(vec![]),
            monitoring: vec![],
            alarms: Ok(vec![]),
            log_groups: Ok(vec![]),
        };
        let out = evaluate(&facts, &ctx(&t));
        assert_eq!(out.len(), 15);
        assert!(out.iter().all(|f| f.status == Fail));
        let elsewhere = CloudWatchFacts {
            trails: Ok(vec![crate::checks::cloudtrail::tests::trail(
                "main",
                "us-east-1",
                true,
            )]),
            ..facts
        };
        let out = evaluate(&elsewhere, &ctx(&t));
        assert!(out.iter().all(|f| f.status == NotApplicable), "{out:?}");
    }

    #[test]
    fn log_groups_retention_and_key() {
        let t = Thresholds::default();
        let group = |days: Option<i32>, key: Option<&str>| LogGroup {
            arn: "arn:aws:logs:us-east-1:111122223333:log-group:g".into(),
            retention_days: days,
            kms_key_id: key.map(str::to_owned),
        };
        let facts = CloudWatchFacts {
            region: "us-east-1".into(),
            trails: Ok(vec![]),
            monitoring: vec![],
            alarms: Ok(vec![]),
            log_groups: Ok(vec![group(Some(30), None)]),
        };
        let out = evaluate(&facts, &ctx(&t));
        let arn = "arn:aws:logs:us-east-1:111122223333:log-group:g";
        assert_eq!(one(&out, "CW-17", arn).status, Fail);
        assert_eq!(one(&out, "CW-18", arn).status, Fail);
        let c = ctx(&t);
        assert_eq!(cw_17_retention(&group(None, None), "r", &c).status, Pass);
        assert_eq!(
            cw_17_retention(&group(Some(365), None), "r", &c).status,
            Pass
        );
        assert_eq!(
            cw_17_retention(&group(Some(180), None), "r", &c).status,
            Fail
        );
        assert_eq!(
            cw_18_kms(&group(None, Some("arn:aws:kms:us-east-1:1:key/k")), "r").status,
            Pass
        );
        let failed = CloudWatchFacts {
            log_groups: Err(denied("logs:DescribeLogGroups")),
            ..facts
        };
        let out = evaluate(&failed, &ctx(&t));
        for id in ["CW-17", "CW-18"] {
            assert!(
                out.iter().any(|f| f.check == id && f.status == Error),
                "{id}"
            );
        }
    }
}
