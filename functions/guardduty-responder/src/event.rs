//! The events the function receives: GuardDuty findings (the model is shared:
//! [`vigil::events::guardduty`]) and release requests, its own.
//!
//! A release request undoes what the responder did for one finding. It has the shape of an
//! EventBridge event, so it can be sent with `aws events put-events` (a rule on its source),
//! `aws lambda invoke`, or `cargo lambda invoke`:
//!
//! ```json
//! {
//!   "source": "vigil.guardduty-responder",
//!   "detail-type": "Release GuardDuty Response",
//!   "detail": {
//!     "findingId": "a1c4e0d9f0a1b2c3d4e5f60718293a01",
//!     "reactivateAccessKeys": false,
//!     "requestedBy": "alice@example.com",
//!     "reason": "false positive: the scanner is ours"
//!   }
//! }
//! ```
//!
//! Only `findingId` is required; the account and Region come from the response's record.
//! `reactivateAccessKeys` (default false) must be true for a deactivated access key to be
//! made active again.

use serde::Deserialize;
use serde_json::Value;
use vigil::events::guardduty::FindingEvent;

use crate::error::Error;

/// The `source` of release requests.
pub const RELEASE_SOURCE: &str = "vigil.guardduty-responder";
/// The `detail-type` of release requests.
pub const RELEASE_DETAIL_TYPE: &str = "Release GuardDuty Response";

/// A request to undo what the responder did for a finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReleaseRequest {
    pub finding_id: String,
    #[serde(default)]
    pub reactivate_access_keys: bool,
    #[serde(default)]
    pub requested_by: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What an invocation asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Finding(Box<FindingEvent>),
    Release(ReleaseRequest),
}

/// Whether the event is a release request (by its source).
pub(crate) fn is_release(value: &Value) -> bool {
    value.get("source").and_then(Value::as_str) == Some(RELEASE_SOURCE)
}

impl ReleaseRequest {
    /// Reads a release request, saying what is wrong with it.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let bad = |why: String| Error::BadRelease(why);
        if value.get("detail-type").and_then(Value::as_str) != Some(RELEASE_DETAIL_TYPE) {
            return Err(bad(format!(
                "detail-type must be {RELEASE_DETAIL_TYPE:?} for source {RELEASE_SOURCE:?}"
            )));
        }
        let detail = value
            .get("detail")
            .cloned()
            .ok_or_else(|| bad("detail is missing".into()))?;
        let request: ReleaseRequest =
            serde_json::from_value(detail).map_err(|e| bad(format!("detail: {e}")))?;
        let id = &request.finding_id;
        let valid = (1..=128).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !valid {
            return Err(bad(format!(
                "findingId {id:?} is not a GuardDuty finding id (letters, digits, - _ .)"
            )));
        }
        Ok(request)
    }
}

impl Request {
    /// Reads the event: a release request by its source, else a GuardDuty finding.
    pub fn from_value(value: Value) -> Result<Self, Error> {
        if is_release(&value) {
            return ReleaseRequest::from_value(&value).map(Request::Release);
        }
        Ok(Request::Finding(Box::new(FindingEvent::from_value(value)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn release_requests_are_read_and_checked() {
        let ok = vigil_tests::events::load("guardduty-responder", "release-ec2-compromised", &[]);
        let Request::Release(r) = Request::from_value(ok).unwrap() else {
            panic!("a release")
        };
        assert_eq!(r.finding_id, "a1c4e0d9f0a1b2c3d4e5f60718293a01");
        assert!(!r.reactivate_access_keys);
        let keys =
            vigil_tests::events::load("guardduty-responder", "release-iam-akia-reactivate", &[]);
        let Request::Release(r) = Request::from_value(keys).unwrap() else {
            panic!("a release")
        };
        assert!(r.reactivate_access_keys);
        for (detail, expected) in [
            (json!({}), "missing field `findingId`"),
            (json!({"findingId": "../x"}), "not a GuardDuty finding id"),
            (
                json!({"findingId": "f1", "reactivate": true}),
                "unknown field",
            ),
        ] {
            let e = json!({"source": RELEASE_SOURCE, "detail-type": RELEASE_DETAIL_TYPE, "detail": detail});
            let err = Request::from_value(e).unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
        let wrong = json!({"source": RELEASE_SOURCE, "detail-type": "Nope", "detail": {}});
        assert!(
            Request::from_value(wrong)
                .unwrap_err()
                .to_string()
                .contains("detail-type")
        );
    }
}
