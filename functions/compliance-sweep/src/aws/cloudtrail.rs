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

/// Whether the trail logs management events, read and write, and S3 object-level events of
/// every bucket (writes, reads), through basic or advanced selectors.
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
    Ok(read_selectors(
        &s.event_selectors.unwrap_or_default(),
        &s.advanced_event_selectors.unwrap_or_default(),
    ))
}

/// What a trail's basic and advanced event selectors log (pure).
fn read_selectors(
    basic: &[aws_sdk_cloudtrail::types::EventSelector],
    advanced: &[aws_sdk_cloudtrail::types::AdvancedEventSelector],
) -> EventSelectors {
    let management_basic = basic.iter().any(|e| {
        e.include_management_events.unwrap_or(true)
            && e.read_write_type
                .as_ref()
                .is_none_or(|r| r.as_str() == "All")
    });
    // Advanced selectors: management events without a readOnly restriction.
    let management_advanced = advanced.iter().any(|a| {
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
    // S3 object events of every bucket. Basic: a data resource of type AWS::S3::Object whose
    // values name all buckets (`arn:PARTITION:s3`), ReadWriteType covering the direction.
    // Advanced: resources.type AWS::S3::Object with no ARN restriction, and no readOnly
    // field excluding the direction.
    let s3_basic = |direction: &str| {
        basic.iter().any(|e| {
            e.read_write_type
                .as_ref()
                .is_none_or(|r| r.as_str() == "All" || r.as_str() == direction)
                && e.data_resources().iter().any(|d| {
                    d.r#type() == Some("AWS::S3::Object")
                        && d.values().iter().any(|v| {
                            v.strip_prefix("arn:")
                                .and_then(|rest| rest.strip_suffix(":s3"))
                                .is_some_and(|partition| partition.starts_with("aws"))
                        })
                })
        })
    };
    let s3_advanced = |read_only: &str| {
        advanced.iter().any(|a| {
            let fields = &a.field_selectors;
            let equals = |f: &aws_sdk_cloudtrail::types::AdvancedFieldSelector, v: &str| {
                f.equals
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|x| x == v)
            };
            fields
                .iter()
                .any(|f| f.field == "resources.type" && equals(f, "AWS::S3::Object"))
                && !fields.iter().any(|f| f.field == "resources.ARN")
                && fields
                    .iter()
                    .filter(|f| f.field == "readOnly")
                    .all(|f| equals(f, read_only))
        })
    };
    EventSelectors {
        management_read_write: management_basic || management_advanced,
        s3_object_writes: s3_basic("WriteOnly") || s3_advanced("false"),
        s3_object_reads: s3_basic("ReadOnly") || s3_advanced("true"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{
        AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, ReadWriteType,
    };

    fn basic(rw: ReadWriteType, values: &[&str]) -> EventSelector {
        EventSelector::builder()
            .read_write_type(rw)
            .include_management_events(true)
            .data_resources(
                DataResource::builder()
                    .r#type("AWS::S3::Object")
                    .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
                    .build(),
            )
            .build()
    }

    fn advanced(fields: &[(&str, &str)]) -> AdvancedEventSelector {
        AdvancedEventSelector::builder()
            .set_field_selectors(Some(
                fields
                    .iter()
                    .map(|(f, v)| {
                        AdvancedFieldSelector::builder()
                            .field(*f)
                            .equals(*v)
                            .build()
                            .unwrap()
                    })
                    .collect(),
            ))
            .build()
            .unwrap()
    }

    fn s3(basic: &[EventSelector], adv: &[AdvancedEventSelector]) -> (bool, bool) {
        let s = read_selectors(basic, adv);
        (s.s3_object_writes, s.s3_object_reads)
    }

    #[test]
    fn s3_object_events_of_every_bucket_by_direction() {
        assert_eq!(
            s3(&[basic(ReadWriteType::All, &["arn:aws:s3"])], &[]),
            (true, true)
        );
        assert_eq!(
            s3(&[basic(ReadWriteType::WriteOnly, &["arn:aws:s3"])], &[]),
            (true, false)
        );
        assert_eq!(
            s3(&[basic(ReadWriteType::ReadOnly, &["arn:aws-cn:s3"])], &[]),
            (false, true)
        );
        // One bucket only is not every bucket.
        assert_eq!(
            s3(&[basic(ReadWriteType::All, &["arn:aws:s3:::one/"])], &[]),
            (false, false)
        );
        let data = ("eventCategory", "Data");
        let objects = ("resources.type", "AWS::S3::Object");
        assert_eq!(s3(&[], &[advanced(&[data, objects])]), (true, true));
        assert_eq!(
            s3(&[], &[advanced(&[data, objects, ("readOnly", "false")])]),
            (true, false)
        );
        assert_eq!(
            s3(&[], &[advanced(&[data, objects, ("readOnly", "true")])]),
            (false, true)
        );
        assert_eq!(
            s3(
                &[],
                &[advanced(&[
                    data,
                    objects,
                    ("resources.ARN", "arn:aws:s3:::one/")
                ])]
            ),
            (false, false)
        );
        let management = read_selectors(&[], &[advanced(&[("eventCategory", "Management")])]);
        assert!(management.management_read_write && !management.s3_object_writes);
    }
}
