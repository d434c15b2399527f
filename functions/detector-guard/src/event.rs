//! The events the function receives, what started an invocation, and which Region it concerns.
//!
//! Three EventBridge rules invoke the function (template.yaml): a schedule (check every
//! Region, settle a drill under way), a drill schedule (`{"action": "drill"}`), and "AWS API
//! Call via CloudTrail" for the calls that switch GuardDuty off or blind it. An API call is
//! routed to the Region it was made in and to what it changed; calls that cannot blind
//! GuardDuty, read-only calls and calls that failed (they changed nothing) are recognised from
//! the event alone and ignored without any AWS call. Anything else is a clear error.

use serde_json::Value;
use vigil::events::cloudtrail::{ApiCall, ApiCallEvent, DETAIL_TYPE};

use crate::error::Error;
use crate::facts::CallFacts;

/// The `detail-type` of EventBridge schedule events.
pub(crate) const SCHEDULED: &str = "Scheduled Event";

/// The input the drill schedule sends.
pub(crate) const DRILL_ACTION: &str = "drill";

/// What started an invocation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trigger {
    Schedule,
    Drill,
    ApiCall(Box<ApiCallEvent>),
}

/// What an API call changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum About {
    Detector,
    Filter,
    Export,
    Relationships,
    /// A trusted IP list: alert only, from the event.
    IpSet,
    /// A bucket that may be an export's.
    Bucket(String),
    /// A key that may encrypt an export.
    Key(String),
}

/// An event read as the handler reads it before any AWS call (parsed, described, routed, and
/// what an API call says for the causes it names), and where it leads, in words. Pure. The
/// parser fuzzing of the tests and the bench calls it from outside the crate.
pub fn read(payload: Value) -> Result<String, Error> {
    let trigger = Trigger::parse(payload)?;
    let described = format!("{} ({})", trigger.describe(), trigger.name());
    let facts = trigger.call_facts();
    Ok(match route(&trigger)? {
        Routing::Check { region, about } => format!(
            "{described}: check {} ({about:?}; {facts:?})",
            region.as_deref().unwrap_or("every Region")
        ),
        Routing::Drill => format!("{described}: drill"),
        Routing::Ignore(why) => format!("{described}: ignored, {why}"),
    })
}

/// Where an event leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Routing {
    /// Check these Regions (`None`: every configured Region).
    Check {
        region: Option<String>,
        about: Option<About>,
    },
    Drill,
    Ignore(String),
}

impl Trigger {
    pub(crate) fn parse(payload: Value) -> Result<Trigger, Error> {
        if payload.get("action").and_then(Value::as_str) == Some(DRILL_ACTION) {
            return Ok(Trigger::Drill);
        }
        match payload.get("detail-type").and_then(Value::as_str) {
            Some(SCHEDULED) => Ok(Trigger::Schedule),
            Some(DETAIL_TYPE) => ApiCallEvent::from_value(payload)
                .map(|e| Trigger::ApiCall(Box::new(e)))
                .map_err(|e| Error::MalformedEvent(e.to_string())),
            Some(other) => Err(Error::MalformedEvent(format!(
                "detail-type {other:?} is not one this function takes; expected {SCHEDULED:?}, {DETAIL_TYPE:?} or {{\"action\": \"drill\"}} (the rules in template.yaml)"
            ))),
            None => Err(Error::MalformedEvent(format!(
                "no detail-type and no action: expected an EventBridge {SCHEDULED:?} or {DETAIL_TYPE:?} event, or {{\"action\": \"drill\"}}"
            ))),
        }
    }

    /// A short name for metrics: `Schedule`, `Drill` or the API call's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Trigger::Schedule => "Schedule",
            Trigger::Drill => "Drill",
            Trigger::ApiCall(e) => &e.detail.event_name,
        }
    }

    /// What started this, for people.
    pub(crate) fn describe(&self) -> String {
        match self {
            Trigger::Schedule => "scheduled check".into(),
            Trigger::Drill => "scheduled drill".into(),
            Trigger::ApiCall(e) => format!(
                "{} by {} at {}",
                e.detail.event_name,
                e.detail.actor(),
                e.detail.event_time.as_deref().unwrap_or("an unknown time")
            ),
        }
    }

    /// What the call said, for the causes that name it.
    pub(crate) fn call_facts(&self) -> Option<CallFacts> {
        let Trigger::ApiCall(e) = self else {
            return None;
        };
        let call = &e.detail;
        let param = |name: &str| request(call, name).map(str::to_owned);
        let ip_set = match call.event_name.as_str() {
            "CreateIPSet" | "UpdateIPSet" => Some((
                param("name")
                    .or_else(|| param("ipSetId"))
                    .unwrap_or_else(|| "unnamed".into()),
                // CreateIPSet requires `activate`; UpdateIPSet without it keeps the list as it
                // was, which may be active.
                call.request_parameters
                    .get("activate")
                    .and_then(Value::as_bool)
                    .unwrap_or(call.event_name == "UpdateIPSet"),
            )),
            _ => None,
        };
        Some(CallFacts {
            event_name: call.event_name.clone(),
            actor: call.actor(),
            time: call.event_time.clone(),
            region: call.aws_region.clone(),
            filter_name: param("name")
                .or_else(|| param("filterName"))
                .filter(|_| matches!(call.event_name.as_str(), "CreateFilter" | "UpdateFilter")),
            ip_set,
            member_ids: call
                .request_parameters
                .get("accountIds")
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// A request parameter, looked up case-insensitively: CloudTrail records GuardDuty's URI
/// members as `detectorId`, newer models name them `DetectorId`.
fn request<'a>(call: &'a ApiCall, name: &str) -> Option<&'a str> {
    call.request_parameters
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
        .filter(|s| !s.is_empty())
}

/// Where the event leads. Pure.
pub(crate) fn route(trigger: &Trigger) -> Result<Routing, Error> {
    let call = match trigger {
        Trigger::Schedule => {
            return Ok(Routing::Check {
                region: None,
                about: None,
            });
        }
        Trigger::Drill => return Ok(Routing::Drill),
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
    let about = match (call.service(), call.event_name.as_str()) {
        ("guardduty", "DeleteDetector" | "UpdateDetector") => About::Detector,
        ("guardduty", "CreateFilter" | "UpdateFilter") => About::Filter,
        ("guardduty", "DeletePublishingDestination" | "UpdatePublishingDestination") => {
            About::Export
        }
        (
            "guardduty",
            "DisassociateFromAdministratorAccount"
            | "DisassociateFromMasterAccount"
            | "StopMonitoringMembers"
            | "DeleteMembers"
            | "DisassociateMembers",
        ) => About::Relationships,
        ("guardduty", "CreateIPSet" | "UpdateIPSet") => About::IpSet,
        ("s3", "PutBucketPolicy" | "DeleteBucketPolicy" | "DeleteBucket") => {
            About::Bucket(request(call, "bucketName").map(str::to_owned).ok_or_else(|| {
                Error::MalformedEvent(format!(
                    "{} event has no requestParameters.bucketName; CloudTrail records it for every {} call",
                    call.event_name, call.event_name
                ))
            })?)
        }
        ("kms", "DisableKey" | "ScheduleKeyDeletion" | "PutKeyPolicy") => {
            let from_resources = call
                .resources
                .iter()
                .filter_map(|r| r.arn.as_deref())
                .find(|a| a.contains(":key/"));
            About::Key(
                request(call, "keyId")
                    .or(from_resources)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        Error::MalformedEvent(format!(
                            "{} event names no key (requestParameters.keyId or a key ARN in resources)",
                            call.event_name
                        ))
                    })?,
            )
        }
        (service, name) => {
            return Ok(Routing::Ignore(format!(
                "{service} {name} cannot switch GuardDuty off or blind it"
            )));
        }
    };
    if call.aws_region.is_none() {
        return Err(Error::MalformedEvent(format!(
            "{} event has no awsRegion; CloudTrail records the Region of every call",
            call.event_name
        )));
    }
    Ok(Routing::Check {
        region: call.aws_region.clone(),
        about: Some(about),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str) -> Value {
        vigil_tests::events::load("detector-guard", name, &[])
    }

    fn routed(name: &str) -> Routing {
        route(&Trigger::parse(event(name)).unwrap()).unwrap()
    }

    #[test]
    fn each_trigger_routes_to_its_region_and_subject() {
        for (file, about) in [
            ("delete-detector", About::Detector),
            ("update-detector-disabled", About::Detector),
            ("update-detector-features-off", About::Detector),
            ("update-detector-frequency", About::Detector),
            ("create-filter-archive", About::Filter),
            ("update-filter-archive", About::Filter),
            ("delete-publishing-destination", About::Export),
            ("update-publishing-destination", About::Export),
            ("disassociate-from-administrator", About::Relationships),
            ("stop-monitoring-members", About::Relationships),
            ("delete-members", About::Relationships),
            ("create-ip-set", About::IpSet),
            (
                "put-bucket-policy",
                About::Bucket("vigil-guardduty-findings-123456789012".into()),
            ),
            (
                "put-key-policy",
                About::Key(
                    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                        .into(),
                ),
            ),
            (
                "disable-key",
                About::Key(
                    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                        .into(),
                ),
            ),
        ] {
            assert_eq!(
                routed(file),
                Routing::Check {
                    region: Some("us-east-1".into()),
                    about: Some(about)
                },
                "{file}"
            );
        }
        assert_eq!(
            routed("schedule"),
            Routing::Check {
                region: None,
                about: None
            }
        );
        assert_eq!(routed("drill"), Routing::Drill);
    }

    #[test]
    fn the_call_names_who_and_what() {
        let t = Trigger::parse(event("create-filter-archive")).unwrap();
        let facts = t.call_facts().unwrap();
        assert_eq!(facts.filter_name.as_deref(), Some("hide-high-findings"));
        assert!(facts.actor.contains("user/mallory"), "{}", facts.actor);
        let ip = Trigger::parse(event("create-ip-set"))
            .unwrap()
            .call_facts()
            .unwrap();
        assert_eq!(ip.ip_set, Some(("office-and-everyone".into(), true)));
        let members = Trigger::parse(event("delete-members"))
            .unwrap()
            .call_facts()
            .unwrap();
        assert_eq!(members.member_ids, vec!["210987654321".to_owned()]);
        assert!(Trigger::Schedule.call_facts().is_none());
    }

    #[test]
    fn unrelated_failed_and_malformed_events() {
        for (file, says) in [
            ("unrelated-call", "guardduty GetFindings cannot"),
            ("failed-delete-detector", "failed (AccessDenied)"),
        ] {
            match routed(file) {
                Routing::Ignore(reason) => assert!(reason.contains(says), "{file}: {reason}"),
                other => panic!("{file}: {other:?}"),
            }
        }
        for (file, says) in [
            ("invalid-foreign-event", "GuardDuty Finding"),
            ("invalid-malformed", "detail"),
        ] {
            let err = Trigger::parse(event(file)).unwrap_err();
            assert!(err.to_string().contains(says), "{file}: {err}");
        }
        let err = Trigger::parse(serde_json::json!({"hello": 1})).unwrap_err();
        assert!(err.to_string().contains("no detail-type"));
    }
}
