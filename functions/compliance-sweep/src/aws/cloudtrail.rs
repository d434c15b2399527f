//! CloudTrail: the trails a Region sees (shadow trails included), a trail's status and its
//! event selectors.

use super::{api, time};
use crate::facts::{EventSelectors, Fetched, Trail, TrailStatus, ValueMatch};

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
    /// `HasInsightSelectors`; `None` when DescribeTrails left it out.
    pub has_insight_selectors: Option<bool>,
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
            has_insight_selectors: self.has_insight_selectors,
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
            has_insight_selectors: t.has_insight_selectors,
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
        lambda_invokes: lambda_invokes(basic, advanced),
    }
}

/// `arn:PARTITION:lambda`: every function of the account, as basic selectors spell it.
fn every_function(value: &str) -> bool {
    value
        .strip_prefix("arn:")
        .and_then(|rest| rest.strip_suffix(":lambda"))
        .is_some_and(|partition| partition.starts_with("aws"))
}

/// What an `Invoke` data event of a function carries in the fields an advanced selector may
/// filter on (besides `resources.ARN`, the function's own): Lambda logs `Invoke` as a write
/// (`readOnly` false).
const INVOKE_EVENT: &[(&str, &str)] = &[
    ("eventCategory", "Data"),
    ("resources.type", "AWS::Lambda::Function"),
    ("readOnly", "false"),
    ("eventName", "Invoke"),
    ("eventSource", "lambda.amazonaws.com"),
    ("eventType", "AwsApiCall"),
];

fn value_match(f: &aws_sdk_cloudtrail::types::AdvancedFieldSelector) -> ValueMatch {
    ValueMatch {
        equals: f.equals().to_vec(),
        starts_with: f.starts_with().to_vec(),
        ends_with: f.ends_with().to_vec(),
        not_equals: f.not_equals().to_vec(),
        not_starts_with: f.not_starts_with().to_vec(),
        not_ends_with: f.not_ends_with().to_vec(),
    }
}

/// LAM-09: the selectors that record Lambda `Invoke`, each as its conditions on the function
/// ARN (see [`EventSelectors::lambda_invokes`]). Basic: a data resource of type
/// AWS::Lambda::Function (`arn:PARTITION:lambda` for every function, or function ARNs) with
/// ReadWriteType All or WriteOnly. Advanced: `resources.type` AWS::Lambda::Function, every
/// other field accepting what an `Invoke` event carries ([`INVOKE_EVENT`]); a filter on a
/// field that event does not fix (`userIdentity.arn`, `errorCode`, ...) records only some
/// invocations, so that selector does not count.
fn lambda_invokes(
    basic: &[aws_sdk_cloudtrail::types::EventSelector],
    advanced: &[aws_sdk_cloudtrail::types::AdvancedEventSelector],
) -> Vec<Vec<ValueMatch>> {
    let mut out = Vec::new();
    for e in basic.iter().filter(|e| {
        e.read_write_type
            .as_ref()
            .is_none_or(|r| r.as_str() == "All" || r.as_str() == "WriteOnly")
    }) {
        for d in e
            .data_resources()
            .iter()
            .filter(|d| d.r#type() == Some("AWS::Lambda::Function"))
        {
            if d.values().iter().any(|v| every_function(v)) {
                out.push(vec![]);
            } else if !d.values().is_empty() {
                out.push(vec![ValueMatch {
                    equals: d.values().to_vec(),
                    ..ValueMatch::default()
                }]);
            }
        }
    }
    'selectors: for a in advanced {
        let fields = &a.field_selectors;
        if !fields.iter().any(|f| f.field == "resources.type") {
            continue;
        }
        let mut arn = Vec::new();
        for f in fields {
            if f.field == "resources.ARN" {
                arn.push(value_match(f));
                continue;
            }
            match INVOKE_EVENT.iter().find(|(name, _)| *name == f.field) {
                Some((_, value)) if value_match(f).accepts(value) => {}
                _ => continue 'selectors,
            }
        }
        out.push(arn);
    }
    out
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
        assert!(management.lambda_invokes.is_empty());
    }

    fn lambda_basic(rw: ReadWriteType, values: &[&str]) -> EventSelector {
        EventSelector::builder()
            .read_write_type(rw)
            .data_resources(
                DataResource::builder()
                    .r#type("AWS::Lambda::Function")
                    .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
                    .build(),
            )
            .build()
    }

    /// Which functions' `Invoke` the selectors record (LAM-09), tried on two functions.
    fn recorded(basic: &[EventSelector], adv: &[AdvancedEventSelector]) -> (bool, bool) {
        let s = read_selectors(basic, adv);
        let on = |arn: &str| {
            s.lambda_invokes
                .iter()
                .any(|conditions| conditions.iter().all(|c| c.accepts(arn)))
        };
        (on(ONE), on(OTHER))
    }

    const ONE: &str = "arn:aws:lambda:us-east-1:111122223333:function:one";
    const OTHER: &str = "arn:aws:lambda:us-east-1:111122223333:function:other";

    #[test]
    fn lambda_invocations_recorded_per_function() {
        // Basic: every function, one function, reads only (Invoke is a write).
        assert_eq!(
            recorded(
                &[lambda_basic(ReadWriteType::All, &["arn:aws:lambda"])],
                &[]
            ),
            (true, true)
        );
        assert_eq!(
            recorded(&[lambda_basic(ReadWriteType::WriteOnly, &[ONE])], &[]),
            (true, false)
        );
        assert_eq!(
            recorded(
                &[lambda_basic(ReadWriteType::ReadOnly, &["arn:aws:lambda"])],
                &[]
            ),
            (false, false)
        );
        // S3 data events record no function.
        assert_eq!(
            recorded(&[basic(ReadWriteType::All, &["arn:aws:s3"])], &[]),
            (false, false)
        );
        let data = ("eventCategory", "Data");
        let functions = ("resources.type", "AWS::Lambda::Function");
        assert_eq!(recorded(&[], &[advanced(&[data, functions])]), (true, true));
        assert_eq!(
            recorded(&[], &[advanced(&[data, functions, ("readOnly", "false")])]),
            (true, true)
        );
        assert_eq!(
            recorded(
                &[],
                &[advanced(&[data, functions, ("eventName", "Invoke")])]
            ),
            (true, true)
        );
        assert_eq!(
            recorded(&[], &[advanced(&[data, functions, ("resources.ARN", ONE)])]),
            (true, false)
        );
        // Prowler 5.46.0 passes each of these: any advanced selector naming the type counts
        // there, though none of them records an invocation (or records only some).
        for filter in [
            ("readOnly", "true"),
            ("eventName", "GetFunction"),
            (
                "userIdentity.arn",
                "arn:aws:iam::111122223333:role/deployer",
            ),
        ] {
            assert_eq!(
                recorded(&[], &[advanced(&[data, functions, filter])]),
                (false, false),
                "{filter:?}"
            );
        }
        // Excluding operators and prefixes.
        let not_one = AdvancedEventSelector::builder()
            .field_selectors(
                AdvancedFieldSelector::builder()
                    .field("eventCategory")
                    .equals("Data")
                    .build()
                    .unwrap(),
            )
            .field_selectors(
                AdvancedFieldSelector::builder()
                    .field("resources.type")
                    .equals("AWS::Lambda::Function")
                    .build()
                    .unwrap(),
            )
            .field_selectors(
                AdvancedFieldSelector::builder()
                    .field("resources.ARN")
                    .starts_with("arn:aws:lambda:us-east-1:111122223333:function:")
                    .not_ends_with(":one")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        assert_eq!(recorded(&[], &[not_one]), (false, true));
    }
}
