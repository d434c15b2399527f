//! CloudTrail and the CloudWatch monitoring of its log group.
//!
//! DescribeTrails per Region includes shadow trails; each trail's status and event selectors
//! are fetched once per run in its home Region (shared by every Region that sees it). For the
//! trails homed in a Region: the trail bucket, the log group's retention, and for multi-Region
//! trails the metric filters, the alarms on their metrics and the alarm topics' subscribers.

use std::collections::{BTreeMap, BTreeSet};

use super::{Collector, s3};
use crate::aws::{cloudtrail, cloudwatch, logs, sns};
use crate::checks::cloudwatch::{PATTERNS, pattern_matches};
use crate::facts::{
    Alarm, CloudTrailFacts, CloudWatchFacts, EventSelectors, Fetched, Monitoring, Service, Trail,
    TrailStatus,
};

/// The trails visible in `region`, once per run (the CloudTrail, CloudWatch and Lambda shards
/// share them).
pub(super) async fn trails(c: &Collector, region: &str) -> Fetched<Vec<Trail>> {
    c.shared.trails.get_or(region, || describe(c, region)).await
}

async fn describe(c: &Collector, region: &str) -> Fetched<Vec<Trail>> {
    let client = c.region(region).cloudtrail.clone();
    let listed = c
        .limited(
            Service::CloudTrail,
            region,
            cloudtrail::describe_trails(&client),
        )
        .await?;
    let mut seen = BTreeSet::new();
    let mut trails = Vec::new();
    for t in listed {
        if !seen.insert(t.arn.clone()) {
            continue;
        }
        let home = t.home_region.clone().unwrap_or_else(|| region.to_owned());
        let (status, selectors) = details(c, &t.arn, &home).await;
        trails.push(t.into_trail(home, status, selectors));
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
                    cloudtrail::trail_status(&client, arn),
                )
                .await;
            let selectors = c
                .limited(
                    Service::CloudTrail,
                    home,
                    cloudtrail::event_selectors(&client, arn),
                )
                .await;
            (status, selectors)
        })
        .await
}

/// The log group name of a trail's log-group ARN (the ARN itself if it names none).
fn log_group_name(arn: &str) -> &str {
    vigil::arn::log_group_name(arn).unwrap_or(arn)
}

pub(super) async fn collect_trails(c: &Collector, region: &str) -> CloudTrailFacts {
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
                let client = c.region(region).logs.clone();
                let retention = c
                    .limited(Service::CloudWatch, region, logs::retention(&client, name))
                    .await;
                log_retention.insert(name.to_owned(), retention);
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

/// Confirmed subscriptions of a topic, once per run, asked in the topic's Region.
async fn subscribers(c: &Collector, topic: &str) -> Fetched<usize> {
    let region = vigil::arn::region(topic)
        .unwrap_or(&c.home_region)
        .to_owned();
    c.shared
        .subscribers
        .get_or(topic, || async {
            let client = c.region(&region).sns.clone();
            c.limited(
                Service::CloudWatch,
                &region,
                sns::confirmed_subscriptions(&client, topic),
            )
            .await
        })
        .await
}

pub(super) async fn collect_monitoring(c: &Collector, region: &str) -> CloudWatchFacts {
    let trails = trails(c, region).await;
    let clients = c.region(region);
    // Only the Region's CloudWatch shard asks for its alarms, once.
    let alarms = c
        .limited(
            Service::CloudWatch,
            region,
            cloudwatch::alarms(&clients.cloudwatch),
        )
        .await;
    let mut monitoring = Vec::new();
    if let Ok(list) = &trails {
        for t in list
            .iter()
            .filter(|t| t.home_region == region && t.multi_region)
        {
            let Some(group_arn) = &t.log_group_arn else {
                continue;
            };
            let filters = c
                .limited(
                    Service::CloudWatch,
                    region,
                    logs::metric_filters(&clients.logs, log_group_name(group_arn)),
                )
                .await;
            let subscribers = match (&filters, &alarms) {
                (Ok(filters), Ok(alarms)) => alarm_subscribers(c, filters, alarms).await,
                _ => BTreeMap::new(),
            };
            monitoring.push(Monitoring {
                log_group_arn: group_arn.clone(),
                filters,
                subscribers,
            });
        }
    }
    let log_groups = c
        .limited(Service::CloudWatch, region, logs::log_groups(&clients.logs))
        .await;
    CloudWatchFacts {
        region: region.to_owned(),
        trails,
        monitoring,
        alarms,
        log_groups,
    }
}

/// The subscribers of the topics of alarms that watch a CIS filter's metric: only those need a
/// lookup.
async fn alarm_subscribers(
    c: &Collector,
    filters: &[crate::facts::MetricFilter],
    alarms: &[Alarm],
) -> BTreeMap<String, Fetched<usize>> {
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
    let mut subs = BTreeMap::new();
    for topic in topics {
        let n = subscribers(c, &topic).await;
        subs.insert(topic, n);
    }
    subs
}
