//! CloudTrail and the CloudWatch monitoring of its log group.
//!
//! DescribeTrails per Region includes shadow trails; each trail's status and event selectors
//! are fetched once per run in its home Region (shared by every Region that sees it). For the
//! trails homed in a Region: the trail bucket, the log group's retention, and for multi-Region
//! trails the metric filters, the alarms on their metrics and the alarm topics' subscribers.

use std::collections::{BTreeMap, BTreeSet};

use vigil::aws::AwsFailure;

use super::{Collector, api, s3, time};
use crate::checks::cloudtrail::log_group_name;
use crate::checks::cloudwatch::{PATTERNS, pattern_matches};
use crate::facts::{
    Alarm, CloudTrailFacts, CloudWatchFacts, EventSelectors, MetricFilter, Monitoring, Trail,
    TrailStatus,
};
use crate::model::{ApiError, Fetched, Service};

/// The trails visible in `region`, once per run.
pub async fn trails(c: &Collector, region: &str) -> Fetched<Vec<Trail>> {
    c.shared
        .trails
        .get_or(region, || describe(c, region.to_owned()))
        .await
}

async fn describe(c: &Collector, region: String) -> Fetched<Vec<Trail>> {
    let client = c.region(&region).cloudtrail.clone();
    let out = c
        .limited(
            Service::CloudTrail,
            &region,
            client.describe_trails().include_shadow_trails(true).send(),
        )
        .await
        .map_err(|e| api("cloudtrail:DescribeTrails", e))?;
    let mut seen = BTreeSet::new();
    let mut trails = Vec::new();
    for t in out.trail_list.unwrap_or_default() {
        let arn = t.trail_arn.clone().unwrap_or_default();
        if !seen.insert(arn.clone()) {
            continue;
        }
        let home = t.home_region.clone().unwrap_or_else(|| region.clone());
        let (status, selectors) = details(c, &arn, &home).await;
        trails.push(Trail {
            arn,
            name: t.name.unwrap_or_default(),
            home_region: home,
            multi_region: t.is_multi_region_trail.unwrap_or(false),
            log_file_validation: t.log_file_validation_enabled.unwrap_or(false),
            kms_key_id: t.kms_key_id,
            bucket: t.s3_bucket_name,
            log_group_arn: t.cloud_watch_logs_log_group_arn,
            status,
            selectors,
        });
    }
    Ok(trails)
}

/// GetTrailStatus and GetEventSelectors in the trail's home Region, once per trail.
async fn details(
    c: &Collector,
    arn: &str,
    home: &str,
) -> (Fetched<TrailStatus>, Fetched<EventSelectors>) {
    c.shared
        .trail_details
        .get_or(arn, || async {
            let client = c.region(home).cloudtrail.clone();
            let status = c
                .limited(
                    Service::CloudTrail,
                    home,
                    client.get_trail_status().name(arn).send(),
                )
                .await
                .map_err(|e| api("cloudtrail:GetTrailStatus", e))
                .map(|s| TrailStatus {
                    is_logging: s.is_logging.unwrap_or(false),
                    latest_cloudwatch_delivery: s
                        .latest_cloud_watch_logs_delivery_time
                        .as_ref()
                        .and_then(time),
                    latest_digest_delivery: s.latest_digest_delivery_time.as_ref().and_then(time),
                });
            let selectors = c
                .limited(
                    Service::CloudTrail,
                    home,
                    client.get_event_selectors().trail_name(arn).send(),
                )
                .await
                .map_err(|e| api("cloudtrail:GetEventSelectors", e))
                .map(|s| {
                    let basic = s.event_selectors.unwrap_or_default().iter().any(|e| {
                        e.include_management_events.unwrap_or(true)
                            && e.read_write_type
                                .as_ref()
                                .is_none_or(|r| r.as_str() == "All")
                    });
                    // Advanced selectors: management events without a readOnly restriction.
                    let advanced = s
                        .advanced_event_selectors
                        .unwrap_or_default()
                        .iter()
                        .any(|a| {
                            let fields = &a.field_selectors;
                            fields.iter().any(|f| {
                                f.field == "eventCategory"
                                    && f.equals
                                        .as_deref()
                                        .unwrap_or_default()
                                        .iter()
                                        .any(|v| v == "Management")
                            }) && !fields.iter().any(|f| f.field == "readOnly")
                        });
                    EventSelectors {
                        management_read_write: basic || advanced,
                    }
                });
            (status, selectors)
        })
        .await
}

pub async fn collect_trails(c: &Collector, region: &str) -> CloudTrailFacts {
    let trails = trails(c, region).await;
    let mut buckets = BTreeMap::new();
    let mut log_retention = BTreeMap::new();
    let mut account_public_access_block = None;
    if let Ok(list) = &trails {
        for t in list.iter().filter(|t| t.home_region == region) {
            if let Some(name) = &t.bucket {
                buckets.insert(
                    name.clone(),
                    s3::bucket(c, name, s3::Need::TrailBucket).await,
                );
                account_public_access_block = Some(s3::account_block(c).await);
            }
            if let Some(group) = &t.log_group_arn {
                let name = log_group_name(group);
                log_retention.insert(name.clone(), retention(c, region, &name).await);
            }
        }
    }
    CloudTrailFacts {
        region: region.to_owned(),
        trails,
        buckets,
        account_public_access_block,
        log_retention,
    }
}

/// The log group's retention (`None` = never expire).
async fn retention(c: &Collector, region: &str, name: &str) -> Fetched<Option<i32>> {
    let client = c.region(region).logs.clone();
    let groups = c
        .limited(
            Service::CloudWatch,
            region,
            client
                .describe_log_groups()
                .log_group_name_prefix(name)
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await
        .map_err(|e| api("logs:DescribeLogGroups", e))?;
    match groups
        .into_iter()
        .find(|g| g.log_group_name.as_deref() == Some(name))
    {
        Some(g) => Ok(g.retention_in_days),
        None => Err(ApiError::new(
            "logs:DescribeLogGroups",
            AwsFailure::NotFound,
            Some("ResourceNotFoundException"),
            format!("log group {name} does not exist"),
        )),
    }
}

/// Metric alarms of a Region (only the Region's CloudWatch shard asks, once).
async fn alarms(c: &Collector, region: &str) -> Fetched<Vec<Alarm>> {
    let client = c.region(region).cloudwatch.clone();
    let pages = c
        .limited(
            Service::CloudWatch,
            region,
            client
                .describe_alarms()
                .into_paginator()
                .send()
                .try_collect(),
        )
        .await
        .map_err(|e| api("cloudwatch:DescribeAlarms", e))?;
    Ok(pages
        .into_iter()
        .flat_map(|p| p.metric_alarms.unwrap_or_default())
        .map(|a| Alarm {
            name: a.alarm_name.unwrap_or_default(),
            arn: a.alarm_arn.unwrap_or_default(),
            namespace: a.namespace,
            metric: a.metric_name,
            actions_enabled: a.actions_enabled.unwrap_or(false),
            alarm_actions: a.alarm_actions.unwrap_or_default(),
        })
        .collect())
}

/// Confirmed subscriptions of a topic, once per run.
async fn subscribers(c: &Collector, topic: &str) -> Fetched<usize> {
    let region = topic.split(':').nth(3).unwrap_or(&c.home_region).to_owned();
    c.shared
        .subscribers
        .get_or(topic, || async {
            let client = c.region(&region).sns.clone();
            let subs = c
                .limited(
                    Service::CloudWatch,
                    &region,
                    client
                        .list_subscriptions_by_topic()
                        .topic_arn(topic)
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect(),
                )
                .await
                .map_err(|e| api("sns:ListSubscriptionsByTopic", e))?;
            Ok(subs
                .iter()
                .filter(|s| {
                    s.subscription_arn
                        .as_deref()
                        .is_some_and(|a| a.starts_with("arn:"))
                })
                .count())
        })
        .await
}

pub async fn collect_monitoring(c: &Collector, region: &str) -> CloudWatchFacts {
    let trails = trails(c, region).await;
    let alarms = alarms(c, region).await;
    let mut monitoring = Vec::new();
    if let Ok(list) = &trails {
        for t in list
            .iter()
            .filter(|t| t.home_region == region && t.multi_region)
        {
            let Some(group_arn) = &t.log_group_arn else {
                continue;
            };
            let name = log_group_name(group_arn);
            let client = c.region(region).logs.clone();
            let filters: Fetched<Vec<MetricFilter>> = c
                .limited(
                    Service::CloudWatch,
                    region,
                    client
                        .describe_metric_filters()
                        .log_group_name(&name)
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect(),
                )
                .await
                .map_err(|e| api("logs:DescribeMetricFilters", e))
                .map(|list| {
                    list.into_iter()
                        .map(|f| MetricFilter {
                            name: f.filter_name.unwrap_or_default(),
                            pattern: f.filter_pattern.unwrap_or_default(),
                            metrics: f
                                .metric_transformations
                                .unwrap_or_default()
                                .into_iter()
                                .map(|m| (m.metric_namespace, m.metric_name))
                                .collect(),
                        })
                        .collect()
                });
            // Only the topics of alarms that watch a CIS filter's metric need a lookup.
            let mut subs = BTreeMap::new();
            if let (Ok(filters), Ok(alarms)) = (&filters, &alarms) {
                let metrics: BTreeSet<(String, String)> = filters
                    .iter()
                    .filter(|f| (0..PATTERNS.len()).any(|i| pattern_matches(i, &f.pattern)))
                    .flat_map(|f| f.metrics.clone())
                    .collect();
                let topics: BTreeSet<String> = alarms
                    .iter()
                    .filter(|a| matches!((&a.namespace, &a.metric), (Some(n), Some(m)) if metrics.contains(&(n.clone(), m.clone()))))
                    .flat_map(|a| a.alarm_actions.clone())
                    .filter(|a| a.starts_with("arn:aws:sns:"))
                    .collect();
                for topic in topics {
                    let n = subscribers(c, &topic).await;
                    subs.insert(topic, n);
                }
            }
            monitoring.push(Monitoring {
                log_group_arn: group_arn.clone(),
                filters,
                subscribers: subs,
            });
        }
    }
    CloudWatchFacts {
        region: region.to_owned(),
        trails,
        monitoring,
        alarms,
    }
}
