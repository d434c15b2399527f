//! CloudTrail: list and describe trails, read a trail's status and event selectors, start
//! logging.

use aws_sdk_cloudtrail::Client;
use chrono::{DateTime, Utc};
use vigil::aws::AwsCallError;

use crate::facts::{Selectors, TrailRef, TrailSettings, TrailStatus};
use vigil::arn;

#[derive(Debug, Clone)]
pub(crate) struct CloudTrail {
    client: Client,
}

impl CloudTrail {
    pub(crate) fn new(client: Client) -> Self {
        CloudTrail { client }
    }

    /// Every trail of the account, whatever its home region (paginated).
    pub(crate) async fn list_trails(&self) -> Result<Vec<TrailRef>, AwsCallError> {
        let mut stream = self.client.list_trails().into_paginator().items().send();
        let mut trails = Vec::new();
        while let Some(item) = stream.next().await {
            let item = item.map_err(|e| AwsCallError::new("cloudtrail:ListTrails", e))?;
            let Some(arn) = item.trail_arn else { continue };
            let home_region = item
                .home_region
                .or_else(|| arn::region(&arn).map(str::to_owned))
                .unwrap_or_default();
            trails.push(TrailRef { arn, home_region });
        }
        Ok(trails)
    }

    /// The trails this region knows, shadow and organization trails included.
    pub(crate) async fn describe_trails(&self) -> Result<Vec<TrailSettings>, AwsCallError> {
        let out = self
            .client
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
            .map_err(|e| AwsCallError::new("cloudtrail:DescribeTrails", e))?;
        Ok(out
            .trail_list
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| {
                let arn = t.trail_arn?;
                Some(TrailSettings {
                    name: t.name.unwrap_or_default(),
                    home_region: t
                        .home_region
                        .or_else(|| arn::region(&arn).map(str::to_owned))
                        .unwrap_or_default(),
                    arn,
                    bucket: t.s3_bucket_name.unwrap_or_default(),
                    prefix: t.s3_key_prefix.filter(|p| !p.is_empty()),
                    multi_region: t.is_multi_region_trail.unwrap_or(false),
                    organization: t.is_organization_trail.unwrap_or(false),
                    kms_key_id: t.kms_key_id.filter(|k| !k.is_empty()),
                    log_group_arn: t.cloud_watch_logs_log_group_arn.filter(|g| !g.is_empty()),
                    log_role_arn: t.cloud_watch_logs_role_arn.filter(|r| !r.is_empty()),
                    sns_topic_arn: t.sns_topic_arn.filter(|s| !s.is_empty()),
                    custom_event_selectors: t.has_custom_event_selectors.unwrap_or(false),
                    log_file_validation: t.log_file_validation_enabled.unwrap_or(false),
                })
            })
            .collect())
    }

    /// `GetTrailStatus` by full ARN (shadow trails are found only that way).
    pub(crate) async fn status(&self, trail_arn: &str) -> Result<TrailStatus, AwsCallError> {
        let out = self
            .client
            .get_trail_status()
            .name(trail_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::new("cloudtrail:GetTrailStatus", e))?;
        let text = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Ok(TrailStatus {
            is_logging: out.is_logging.unwrap_or(false),
            latest_delivery_error: text(out.latest_delivery_error),
            latest_delivery_time: time(out.latest_delivery_time),
            latest_digest_delivery_error: text(out.latest_digest_delivery_error),
            latest_cloudwatch_logs_delivery_error: text(out.latest_cloud_watch_logs_delivery_error),
            latest_notification_error: text(out.latest_notification_error),
            start_logging_time: time(out.start_logging_time),
            stop_logging_time: time(out.stop_logging_time),
        })
    }

    /// Whether the trail's selectors let management events through.
    pub(crate) async fn event_selectors(&self, trail_arn: &str) -> Result<Selectors, AwsCallError> {
        let out = self
            .client
            .get_event_selectors()
            .trail_name(trail_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::new("cloudtrail:GetEventSelectors", e))?;
        let basic = out.event_selectors.unwrap_or_default();
        let advanced = out.advanced_event_selectors.unwrap_or_default();
        let basic_management = basic
            .iter()
            .any(|s| s.include_management_events.unwrap_or(true));
        let advanced_management = advanced.iter().any(|s| {
            s.field_selectors
                .iter()
                .any(|f| f.field == "eventCategory" && f.equals().iter().any(|v| v == "Management"))
        });
        let management_events = if advanced.is_empty() {
            basic.is_empty() || basic_management
        } else {
            advanced_management
        };
        let summary = if advanced.is_empty() {
            format!(
                "{} basic selector(s), IncludeManagementEvents: {}",
                basic.len(),
                basic
                    .iter()
                    .map(|s| s.include_management_events.unwrap_or(true).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(
                "{} advanced selector(s), eventCategory = Management {}",
                advanced.len(),
                if advanced_management {
                    "selected"
                } else {
                    "in none of them"
                }
            )
        };
        Ok(Selectors {
            management_events,
            summary,
        })
    }

    pub(crate) async fn start_logging(&self, trail_arn: &str) -> Result<(), AwsCallError> {
        self.client
            .start_logging()
            .name(trail_arn)
            .send()
            .await
            .map_err(|e| AwsCallError::new("cloudtrail:StartLogging", e))?;
        Ok(())
    }
}

fn time(t: Option<aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}
