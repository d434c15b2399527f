//! "AWS API Call via CloudTrail" events, as EventBridge delivers them.
//!
//! Lenient where CloudTrail is loose: `requestParameters`, `responseElements` and `resources`
//! may be absent or null; `readOnly` is a boolean in new records and a string in old ones;
//! account ids are strings but tolerated as numbers; unknown fields are ignored. Strict where a
//! wrong value would make a function act on the wrong thing: the envelope must say it is an
//! API call event, and `eventSource` / `eventName` must be non-empty strings.

use serde::Deserialize;
use serde_json::Value;

use super::lenient::{lenient_bool, lenient_string, null_as_default};

/// The `detail-type` EventBridge gives CloudTrail API-call events.
pub const DETAIL_TYPE: &str = "AWS API Call via CloudTrail";

/// One API call, with the EventBridge envelope fields that matter.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCallEvent {
    /// EventBridge event id.
    pub id: Option<String>,
    /// The account the event was recorded in.
    pub account: Option<String>,
    pub region: Option<String>,
    pub time: Option<String>,
    pub detail: ApiCall,
}

/// The CloudTrail record in `detail`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiCall {
    /// e.g. `cloudtrail.amazonaws.com`.
    pub event_source: String,
    /// e.g. `StopLogging`.
    pub event_name: String,
    #[serde(default)]
    pub aws_region: Option<String>,
    #[serde(default)]
    pub event_time: Option<String>,
    #[serde(default, rename = "eventID")]
    pub event_id: Option<String>,
    #[serde(default)]
    pub user_identity: UserIdentity,
    #[serde(default, rename = "sourceIPAddress")]
    pub source_ip_address: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The request as CloudTrail recorded it; `Null` when absent.
    #[serde(default)]
    pub request_parameters: Value,
    /// The response as CloudTrail recorded it; `Null` when absent.
    #[serde(default)]
    pub response_elements: Value,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<ApiResource>,
    /// Set when the call failed (e.g. `AccessDenied`): nothing was changed.
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub read_only: Option<bool>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub recipient_account_id: Option<String>,
}

/// Who made the call.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub account_id: Option<String>,
    #[serde(default)]
    pub user_name: Option<String>,
    /// Set when an AWS service made the call on someone's behalf.
    #[serde(default)]
    pub invoked_by: Option<String>,
}

/// An entry of the record's `resources` list (KMS and a few other services fill it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiResource {
    #[serde(default, rename = "ARN")]
    pub arn: Option<String>,
    #[serde(default, rename = "accountId", deserialize_with = "lenient_string")]
    pub account_id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Why an event is not a usable API-call event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an \"AWS API Call via CloudTrail\" event: {0}")]
pub struct ApiCallEventError(pub String);

#[derive(Deserialize)]
struct Envelope {
    #[serde(default, rename = "detail-type")]
    detail_type: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    account: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    detail: Value,
}

impl ApiCallEvent {
    /// Reads the event, saying which field is missing or wrong.
    pub fn from_value(value: Value) -> Result<Self, ApiCallEventError> {
        let envelope: Envelope = serde_json::from_value(value).map_err(|e| {
            ApiCallEventError(format!(
                "{e}; expected an EventBridge event object with detail-type and detail"
            ))
        })?;
        match envelope.detail_type.as_deref() {
            Some(DETAIL_TYPE) => {}
            Some(other) => {
                return Err(ApiCallEventError(format!(
                    "detail-type is {other:?}, expected {DETAIL_TYPE:?}"
                )));
            }
            None => return Err(ApiCallEventError("detail-type is missing".into())),
        }
        if !envelope.detail.is_object() {
            return Err(ApiCallEventError(
                "detail is missing or not an object; it holds the CloudTrail record".into(),
            ));
        }
        let detail: ApiCall = serde_json::from_value(envelope.detail).map_err(|e| {
            ApiCallEventError(format!(
                "detail: {e}; a CloudTrail record has eventSource and eventName strings"
            ))
        })?;
        for (name, value) in [
            ("eventSource", &detail.event_source),
            ("eventName", &detail.event_name),
        ] {
            if value.trim().is_empty() {
                return Err(ApiCallEventError(format!("detail.{name} is empty")));
            }
        }
        Ok(ApiCallEvent {
            id: envelope.id,
            account: envelope.account,
            region: envelope.region,
            time: envelope.time,
            detail,
        })
    }

    /// The account the call was made in: the envelope's, else the record's recipient.
    pub fn account_id(&self) -> Option<&str> {
        self.account
            .as_deref()
            .or(self.detail.recipient_account_id.as_deref())
    }
}

impl ApiCall {
    /// A string request parameter (`requestParameters.<name>`).
    pub fn request_str(&self, name: &str) -> Option<&str> {
        self.request_parameters
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Whether the call failed, in which case it changed nothing.
    pub fn failed(&self) -> bool {
        self.error_code.as_deref().is_some_and(|c| !c.is_empty())
    }

    /// `eventSource` without `.amazonaws.com`, e.g. `cloudtrail`.
    pub fn service(&self) -> &str {
        self.event_source
            .strip_suffix(".amazonaws.com")
            .unwrap_or(&self.event_source)
    }

    /// Who made the call, for people: the caller's ARN (or principal id), and where from.
    pub fn actor(&self) -> String {
        let who = self
            .user_identity
            .arn
            .as_deref()
            .or(self.user_identity.invoked_by.as_deref())
            .or(self.user_identity.principal_id.as_deref())
            .unwrap_or("an unknown principal");
        match &self.source_ip_address {
            Some(ip) => format!("{who} from {ip}"),
            None => who.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stop_logging() -> Value {
        json!({
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.cloudtrail",
            "account": "123456789012",
            "time": "2024-03-15T10:22:31Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {
                "eventVersion": "1.09",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice", "accountId": "123456789012"},
                "eventTime": "2024-03-15T10:22:31Z",
                "eventSource": "cloudtrail.amazonaws.com",
                "eventName": "StopLogging",
                "awsRegion": "us-east-1",
                "sourceIPAddress": "198.51.100.7",
                "requestParameters": {"name": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"},
                "responseElements": null,
                "eventID": "0b1d2f4e-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
                "readOnly": false,
                "recipientAccountId": "123456789012"
            }
        })
    }

    #[test]
    fn reads_a_stop_logging_event() {
        let event = ApiCallEvent::from_value(stop_logging()).unwrap();
        assert_eq!(event.account_id(), Some("123456789012"));
        let call = &event.detail;
        assert_eq!(call.service(), "cloudtrail");
        assert_eq!(call.event_name, "StopLogging");
        assert_eq!(
            call.request_str("name"),
            Some("arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events")
        );
        assert_eq!(call.response_elements, Value::Null);
        assert_eq!(call.read_only, Some(false));
        assert!(!call.failed());
        assert_eq!(
            call.actor(),
            "arn:aws:iam::123456789012:user/alice from 198.51.100.7"
        );
    }

    #[test]
    fn tolerates_what_old_and_odd_records_do() {
        let mut event = stop_logging();
        event["detail"]["readOnly"] = json!("false");
        event["detail"]["resources"] = json!(null);
        event["detail"]["userIdentity"]["accountId"] = json!(123456789012u64);
        event["detail"]
            .as_object_mut()
            .unwrap()
            .remove("requestParameters");
        event.as_object_mut().unwrap().remove("account");
        let event = ApiCallEvent::from_value(event).unwrap();
        assert_eq!(event.detail.read_only, Some(false));
        assert!(event.detail.resources.is_empty());
        assert_eq!(
            event.detail.user_identity.account_id.as_deref(),
            Some("123456789012")
        );
        assert_eq!(event.detail.request_str("name"), None);
        assert_eq!(event.account_id(), Some("123456789012"));
    }

    #[test]
    fn failed_calls_are_marked() {
        let mut event = stop_logging();
        event["detail"]["errorCode"] = json!("AccessDenied");
        let event = ApiCallEvent::from_value(event).unwrap();
        assert!(event.detail.failed());
    }

    #[test]
    fn wrong_or_missing_fields_are_named() {
        let mut wrong_type = stop_logging();
        wrong_type["detail-type"] = json!("Scheduled Event");
        let mut no_name = stop_logging();
        no_name["detail"]["eventName"] = json!("");
        let mut no_source = stop_logging();
        no_source["detail"]
            .as_object_mut()
            .unwrap()
            .remove("eventSource");
        let mut bad_bool = stop_logging();
        bad_bool["detail"]["readOnly"] = json!("sometimes");
        for (event, expected) in [
            (wrong_type, "Scheduled Event"),
            (no_name, "eventName"),
            (no_source, "eventSource"),
            (bad_bool, "true or false"),
            (json!({"detail-type": DETAIL_TYPE}), "detail"),
            (json!([1, 2]), "EventBridge event object"),
        ] {
            let err = ApiCallEvent::from_value(event).unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }
}
