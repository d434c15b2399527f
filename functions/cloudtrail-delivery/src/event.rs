//! The events the function receives, what started an invocation, and which trails it
//! concerns.
//!
//! Two EventBridge rules invoke the function (template.yaml): a schedule (check every trail)
//! and "AWS API Call via CloudTrail" for the calls that can stop log delivery. An API call is
//! routed to the resource it changed; calls that cannot affect delivery, and calls that failed
//! (they changed nothing), are recognised from the event alone and ignored without any AWS
//! call. Anything else is a clear error, never a silent no-op.

use serde_json::Value;
use vigil::arn;
use vigil::events::cloudtrail::{ApiCall, ApiCallEvent, DETAIL_TYPE};

use crate::error::Error;
use crate::facts::TrailSettings;

/// The `detail-type` of EventBridge schedule events.
pub(crate) const SCHEDULED: &str = "Scheduled Event";

/// What started an invocation: the schedule, or an API call (the model shared with the other
/// functions, `vigil::events::cloudtrail`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trigger {
    Schedule,
    ApiCall(Box<ApiCallEvent>),
}

impl Trigger {
    pub(crate) fn parse(payload: Value) -> Result<Trigger, Error> {
        match payload.get("detail-type").and_then(Value::as_str) {
            Some(SCHEDULED) => Ok(Trigger::Schedule),
            Some(DETAIL_TYPE) => ApiCallEvent::from_value(payload)
                .map(|e| Trigger::ApiCall(Box::new(e)))
                .map_err(|e| Error::MalformedEvent(e.to_string())),
            Some(other) => Err(Error::MalformedEvent(format!(
                "detail-type {other:?} is not one this function takes; expected {SCHEDULED:?} or {DETAIL_TYPE:?} (the two rules in template.yaml)"
            ))),
            None => Err(Error::MalformedEvent(format!(
                "no detail-type: expected an EventBridge {SCHEDULED:?} or {DETAIL_TYPE:?} event"
            ))),
        }
    }

    /// A short name for metrics: `Schedule` or the API call's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Trigger::Schedule => "Schedule",
            Trigger::ApiCall(e) => &e.detail.event_name,
        }
    }

    /// What started this, for people.
    pub(crate) fn describe(&self) -> String {
        match self {
            Trigger::Schedule => "scheduled health check".into(),
            Trigger::ApiCall(e) => format!(
                "{} by {} at {}",
                e.detail.event_name,
                e.detail.actor(),
                e.detail.event_time.as_deref().unwrap_or("an unknown time")
            ),
        }
    }

    pub(crate) fn call(&self) -> Option<&ApiCall> {
        match self {
            Trigger::ApiCall(e) => Some(&e.detail),
            Trigger::Schedule => None,
        }
    }

    /// Whether the account-wide causes (is there a multi-region trail?) are checked too: on
    /// the schedule, and after a call that deletes or changes a trail.
    pub(crate) fn concerns_account(&self, target: &Target) -> bool {
        *target == Target::AllTrails
            || self
                .call()
                .is_some_and(|c| matches!(c.event_name.as_str(), "DeleteTrail" | "UpdateTrail"))
    }
}

/// The resource an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    AllTrails,
    /// A trail name or ARN, and the region the call was made in.
    Trail {
        name: String,
        region: Option<String>,
    },
    Bucket(String),
    Key(String),
    LogGroup(String),
}

/// An event read as the handler reads it before any AWS call (parsed, described, routed), and
/// where it leads, in words. Pure. The parser fuzzing of the tests and the bench calls it from
/// outside the crate.
pub fn read(payload: Value) -> Result<String, Error> {
    let trigger = Trigger::parse(payload)?;
    let described = format!("{} ({})", trigger.describe(), trigger.name());
    Ok(match route(&trigger)? {
        Routing::Check(target) => format!("{described}: check {target}"),
        Routing::Ignore(why) => format!("{described}: ignored, {why}"),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Routing {
    Check(Target),
    Ignore(String),
}

/// Where the event leads. Pure.
pub(crate) fn route(trigger: &Trigger) -> Result<Routing, Error> {
    let call = match trigger {
        Trigger::Schedule => return Ok(Routing::Check(Target::AllTrails)),
        Trigger::ApiCall(e) => &e.detail,
    };
    if call.failed() {
        return Ok(Routing::Ignore(format!(
            "{} by {} failed ({}), so it changed nothing",
            call.event_name,
            call.actor(),
            call.error_code.as_deref().unwrap_or_default()
        )));
    }
    let param = |name: &str| {
        call.request_str(name).map(str::to_owned).ok_or_else(|| {
            Error::MalformedEvent(format!(
                "{} event has no requestParameters.{name}; CloudTrail records it for every {} call",
                call.event_name, call.event_name
            ))
        })
    };
    let target = match (call.service(), call.event_name.as_str()) {
        ("cloudtrail", "StopLogging" | "DeleteTrail" | "UpdateTrail") => Target::Trail {
            name: param("name")?,
            region: call.aws_region.clone(),
        },
        ("cloudtrail", "PutEventSelectors") => Target::Trail {
            name: param("trailName")?,
            region: call.aws_region.clone(),
        },
        ("s3", "PutBucketPolicy" | "DeleteBucketPolicy" | "DeleteBucket") => {
            Target::Bucket(param("bucketName")?)
        }
        ("kms", "DisableKey" | "ScheduleKeyDeletion" | "PutKeyPolicy") => {
            let from_resources = call
                .resources
                .iter()
                .filter_map(|r| r.arn.as_deref())
                .find(|a| a.contains(":key/"))
                .map(str::to_owned);
            match call
                .request_str("keyId")
                .map(str::to_owned)
                .or(from_resources)
            {
                Some(key) => Target::Key(key),
                None => {
                    return Err(Error::MalformedEvent(format!(
                        "{} event names no key (requestParameters.keyId or a key ARN in resources)",
                        call.event_name
                    )));
                }
            }
        }
        ("logs", "DeleteLogGroup") => Target::LogGroup(param("logGroupName")?),
        (service, name) => {
            return Ok(Routing::Ignore(format!(
                "{service} {name} cannot stop CloudTrail log delivery"
            )));
        }
    };
    Ok(Routing::Check(target))
}

/// The trails `target` concerns. Pure.
pub(crate) fn select<'a>(target: &Target, trails: &'a [TrailSettings]) -> Vec<&'a TrailSettings> {
    match target {
        Target::AllTrails => trails.iter().collect(),
        Target::Trail { name, region } => {
            if name.starts_with("arn:") {
                return trails.iter().filter(|t| t.arn == *name).collect();
            }
            let named: Vec<_> = trails.iter().filter(|t| t.name == *name).collect();
            // A bare name refers to the trail whose home region the call was made in.
            let home: Vec<_> = named
                .iter()
                .copied()
                .filter(|t| region.as_deref() == Some(t.home_region.as_str()))
                .collect();
            if home.is_empty() { named } else { home }
        }
        Target::Bucket(bucket) => trails.iter().filter(|t| t.bucket == *bucket).collect(),
        Target::Key(key) => trails
            .iter()
            .filter(|t| {
                t.kms_key_id
                    .as_deref()
                    .is_some_and(|k| arn::same_key(k, key))
            })
            .collect(),
        Target::LogGroup(group) => trails
            .iter()
            .filter(|t| {
                t.log_group_arn
                    .as_deref()
                    .and_then(arn::log_group_name)
                    .is_some_and(|g| g == group)
            })
            .collect(),
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::AllTrails => f.write_str("every trail"),
            Target::Trail { name, .. } => write!(f, "trail {name}"),
            Target::Bucket(b) => write!(f, "bucket {b}"),
            Target::Key(k) => write!(f, "KMS key {k}"),
            Target::LogGroup(g) => write!(f, "log group {g}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str) -> Value {
        vigil_tests::events::load("cloudtrail-delivery", name, &[])
    }

    fn routed(name: &str) -> Routing {
        route(&Trigger::parse(event(name)).unwrap()).unwrap()
    }

    fn trail(name: &str, region: &str) -> TrailSettings {
        TrailSettings {
            kms_key_id: Some(
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                    .into(),
            ),
            log_group_arn: Some(
                "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/management-events:*"
                    .into(),
            ),
            ..TrailSettings::sample(
                &format!("arn:aws:cloudtrail:{region}:123456789012:trail/{name}"),
                "vigil-trail-logs-123456789012",
            )
        }
    }

    #[test]
    fn each_relevant_call_routes_to_its_resource_and_finds_the_trail() {
        let trails = vec![
            trail("management-events", "us-east-1"),
            trail("management-events", "eu-west-1"),
        ];
        for (file, expected) in [
            ("schedule.json", 2),
            ("stop-logging.json", 1),
            ("delete-trail.json", 1),
            ("update-trail.json", 1),
            ("put-event-selectors.json", 1),
            ("put-bucket-policy.json", 2),
            ("put-bucket-policy-by-vigil.json", 2),
            ("delete-bucket-policy.json", 2),
            ("delete-bucket.json", 2),
            ("disable-key.json", 2),
            ("schedule-key-deletion.json", 2),
            ("put-key-policy.json", 2),
            ("delete-log-group.json", 2),
            ("unrelated-bucket-policy.json", 0),
        ] {
            let Routing::Check(target) = routed(file) else {
                panic!("{file} was ignored")
            };
            let selected = select(&target, &trails);
            assert_eq!(selected.len(), expected, "{file}: {target}");
            if expected == 1 {
                assert_eq!(
                    selected[0].home_region, "us-east-1",
                    "{file}: the call's region picks the trail"
                );
            }
        }
    }

    #[test]
    fn another_accounts_key_with_the_same_id_is_not_the_trails() {
        let trails = vec![trail("management-events", "us-east-1")];
        let foreign = Target::Key(
            "arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab".into(),
        );
        assert!(select(&foreign, &trails).is_empty());
    }

    #[test]
    fn unrelated_and_failed_calls_are_ignored_without_looking() {
        for (file, says) in [
            ("unrelated-call.json", "ec2 RunInstances cannot stop"),
            ("failed-stop-logging.json", "failed (AccessDenied)"),
        ] {
            match routed(file) {
                Routing::Ignore(reason) => assert!(reason.contains(says), "{file}: {reason}"),
                other => panic!("{file}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_events_are_clear_errors() {
        for (file, says) in [
            ("invalid-foreign-event.json", "GuardDuty Finding"),
            ("invalid-malformed.json", "detail"),
        ] {
            let err = Trigger::parse(event(file)).unwrap_err();
            assert!(matches!(err, Error::MalformedEvent(_)));
            assert!(err.to_string().contains(says), "{file}: {err}");
        }
        let trigger = Trigger::parse(event("invalid-missing-trail-name.json")).unwrap();
        let err = route(&trigger).unwrap_err().to_string();
        assert!(err.contains("requestParameters.name"), "{err}");
        let err = Trigger::parse(serde_json::json!({"hello": "world"})).unwrap_err();
        assert!(err.to_string().contains("no detail-type"));
    }
}
