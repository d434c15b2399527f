//! CloudWatch: the metric alarms of a Region.

use super::api;
use crate::facts::{Alarm, Fetched};

pub(crate) async fn alarms(client: &aws_sdk_cloudwatch::Client) -> Fetched<Vec<Alarm>> {
    let pages = client
        .describe_alarms()
        .into_paginator()
        .send()
        .try_collect()
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
