//! CloudTrail: the trails a Region sees (shadow trails included), a trail's status and its
//! event selectors.

use super::{api, time};
use crate::facts::{EventSelectors, Fetched, Trail, TrailStatus};

/// A trail as DescribeTrails gives it.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub arn: String,
    pub name: String,
    /// `None` when DescribeTrails does not say (then the Region asked is its home).
    pub home_region: Option<String>,
    pub multi_region: bool,
    pub log_file_validation: bool,
    pub kms_key_id: Option<String>,
    pub bucket: Option<String>,
    pub log_group_arn: Option<String>,
}

impl Listed {
    /// The trail's facts, with its home Region and what the other calls found.
    pub(crate) fn into_trail(
        self,
        home_region: String,
        status: Fetched<TrailStatus>,
        selectors: Fetched<EventSelectors>,
    ) -> Trail {
        Trail {
            arn: self.arn,
            name: self.name,
            home_region,
            multi_region: self.multi_region,
            log_file_validation: self.log_file_validation,
            kms_key_id: self.kms_key_id,
            bucket: self.bucket,
            log_group_arn: self.log_group_arn,
            status,
            selectors,
        }
    }
}

pub(crate) async fn describe_trails(client: &aws_sdk_cloudtrail::Client) -> Fetched<Vec<Listed>> {
    let out = client
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| api("cloudtrail:DescribeTrails", e))?;
    Ok(out
        .trail_list
        .unwrap_or_default()
        .into_iter()
        .map(|t| Listed {
            arn: t.trail_arn.unwrap_or_default(),
            name: t.name.unwrap_or_default(),
            home_region: t.home_region,
            multi_region: t.is_multi_region_trail.unwrap_or(false),
            log_file_validation: t.log_file_validation_enabled.unwrap_or(false),
            kms_key_id: t.kms_key_id,
            bucket: t.s3_bucket_name,
            log_group_arn: t.cloud_watch_logs_log_group_arn,
        })
        .collect())
}

pub(crate) async fn trail_status(
    client: &aws_sdk_cloudtrail::Client,
    trail: &str,
) -> Fetched<TrailStatus> {
    let s = client
        .get_trail_status()
        .name(trail)
        .send()
        .await
        .map_err(|e| api("cloudtrail:GetTrailStatus", e))?;
    Ok(TrailStatus {
        is_logging: s.is_logging.unwrap_or(false),
        latest_cloudwatch_delivery: s
            .latest_cloud_watch_logs_delivery_time
            .as_ref()
            .and_then(time),
        latest_digest_delivery: s.latest_digest_delivery_time.as_ref().and_then(time),
    })
}

/// Whether the trail logs management events, read and write, through basic or advanced
/// selectors.
pub(crate) async fn event_selectors(
    client: &aws_sdk_cloudtrail::Client,
    trail: &str,
) -> Fetched<EventSelectors> {
    let s = client
        .get_event_selectors()
        .trail_name(trail)
        .send()
        .await
        .map_err(|e| api("cloudtrail:GetEventSelectors", e))?;
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
    Ok(EventSelectors {
        management_read_write: basic || advanced,
    })
}
