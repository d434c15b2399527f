//! CloudWatch Logs: a log group's retention, every log group of a Region, metric filters.

use vigil::aws::AwsFailure;

use super::api;
use crate::facts::{ApiError, Fetched, LogGroup, MetricFilter};

/// The retention of log group `name` in days (`None` = never expire).
pub(crate) async fn retention(
    client: &aws_sdk_cloudwatchlogs::Client,
    name: &str,
) -> Fetched<Option<i32>> {
    let groups = client
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
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

/// Every log group of the Region, with its retention and KMS key.
pub(crate) async fn log_groups(client: &aws_sdk_cloudwatchlogs::Client) -> Fetched<Vec<LogGroup>> {
    let groups = client
        .describe_log_groups()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("logs:DescribeLogGroups", e))?;
    Ok(groups
        .into_iter()
        .map(|g| LogGroup {
            // `arn` ends in `:*`; `logGroupArn` is the group's own ARN where the answer has it.
            arn: g
                .log_group_arn
                .or_else(|| g.arn.map(|a| a.trim_end_matches(":*").to_owned()))
                .unwrap_or_default(),
            retention_days: g.retention_in_days,
            kms_key_id: g.kms_key_id,
        })
        .collect())
}

/// The metric filters on log group `name`.
pub(crate) async fn metric_filters(
    client: &aws_sdk_cloudwatchlogs::Client,
    name: &str,
) -> Fetched<Vec<MetricFilter>> {
    let filters = client
        .describe_metric_filters()
        .log_group_name(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("logs:DescribeMetricFilters", e))?;
    Ok(filters
        .into_iter()
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
        .collect())
}
