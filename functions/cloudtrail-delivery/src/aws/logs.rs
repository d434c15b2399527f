//! CloudWatch Logs: whether a trail's log group exists.

use aws_sdk_cloudwatchlogs::Client;
use vigil::aws::AwsCallError;

#[derive(Debug, Clone)]
pub(crate) struct Logs {
    client: Client,
}

impl Logs {
    pub(crate) fn new(client: Client) -> Self {
        Logs { client }
    }

    /// Whether a log group named exactly `name` exists (listed by prefix, paginated, stopping
    /// at the first exact match).
    pub(crate) async fn log_group_exists(&self, name: &str) -> Result<bool, AwsCallError> {
        let mut stream = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .into_paginator()
            .items()
            .send();
        while let Some(group) = stream.next().await {
            let group = group.map_err(|e| AwsCallError::new("logs:DescribeLogGroups", e))?;
            if group.log_group_name() == Some(name) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
