//! State that survives between invocations: one small JSON record per key in SSM Parameter
//! Store, with an expiry.
//!
//! A Lambda function keeps nothing from one invocation to the next that it can rely on, yet
//! some decisions need memory: a function that has just repaired something must not raise a
//! second alert when the event its own repair caused comes back before AWS reports the repair
//! took effect ([`Awaiting`]); a drill must know, when a sample finding arrives, which drill
//! sent it ([`drill`]).
//!
//! Where: one String parameter per key under the prefix named by `VIGIL_STATE_PREFIX`
//! (`/<stack>/state` in the template), `<prefix>/<key>`. Parameter Store rather than S3: a
//! record is a few hundred bytes, one GetParameter is one request with no bucket policy,
//! versioning or Object Lock to reason about (the evidence bucket locks every object for a
//! year), and the template scopes each function's role to its own keys. Standard parameters
//! hold at most 4 KB: records stay small (a handful of entries).
//!
//! Expiry: each record carries `expires_at`; an expired record reads as absent. State is
//! advice, never truth: a record that cannot be read (deleted, malformed, expired) costs at
//! most one extra alert, never a missed one, and every caller says so in its own terms.
//! Writes are last-writer-wins (Parameter Store has no conditional put); two invocations at
//! once can at worst forget an entry, which again means one alert more.

use std::collections::BTreeMap;

use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::aws::AwsCallError;
use crate::config::Env;

/// The environment variable naming the parameter prefix (e.g. `/vigil/state`); unset means
/// the function keeps no state (and says what that costs).
pub const ENV: &str = "VIGIL_STATE_PREFIX";

/// Reads and checks [`ENV`]: `None` when unset; an error naming the variable when the value is
/// not a parameter path (`/` then letters, digits, `_ . - /`).
pub fn prefix_from_env<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<Option<String>, String> {
    let Some(prefix) = env.get(ENV) else {
        return Ok(None);
    };
    let valid = prefix.starts_with('/')
        && prefix.len() < 500
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    if !valid {
        return Err(format!(
            "{ENV}={prefix:?} is not a Parameter Store path; use e.g. /vigil/state"
        ));
    }
    Ok(Some(prefix.trim_end_matches('/').to_owned()))
}

/// What is stored: the value and when it stops counting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record<T> {
    pub written_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub value: T,
}

/// The state of one function (or of what two functions share, such as a drill), in Parameter
/// Store under one prefix.
#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_ssm::Client,
    prefix: String,
}

impl Store {
    pub fn new(client: aws_sdk_ssm::Client, prefix: impl Into<String>) -> Self {
        Store {
            client,
            prefix: prefix.into().trim_end_matches('/').to_owned(),
        }
    }

    /// The parameter that holds `key`.
    pub fn parameter_name(&self, key: &str) -> String {
        format!("{}/{}", self.prefix, key_path(key))
    }

    /// The record under `key`, unless it is missing, expired or unreadable (logged).
    pub async fn get<T: DeserializeOwned>(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<T>, AwsCallError> {
        let name = self.parameter_name(key);
        let output = match self.client.get_parameter().name(&name).send().await {
            Ok(output) => output,
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(GetParameterError::ParameterNotFound(_))
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(AwsCallError::new("ssm:GetParameter", e)),
        };
        let text = output.parameter.and_then(|p| p.value).unwrap_or_default();
        Ok(read_record(&name, &text, now))
    }

    /// Writes `value` under `key`, to count until `now + ttl`.
    pub async fn put<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<(), AwsCallError> {
        let record = Record {
            written_at: now,
            expires_at: now + ttl,
            value,
        };
        let text = serde_json::to_string(&record).expect("state records serialise");
        self.client
            .put_parameter()
            .name(self.parameter_name(key))
            .value(text)
            .r#type(ParameterType::String)
            .tier(ParameterTier::Standard)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| AwsCallError::new("ssm:PutParameter", e))?;
        Ok(())
    }
}

impl Store {
    /// The repairs awaiting confirmation kept under `key`: none when there is no record, and
    /// none when it cannot be read (logged: that costs at most one alert more, never one less).
    pub async fn awaiting(&self, key: &str, now: DateTime<Utc>) -> Awaiting {
        match self.get::<Awaiting>(key, now).await {
            Ok(record) => record.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(key, error = %e, "repairs awaiting confirmation could not be read; a repaired cause may alert again");
                Awaiting::default()
            }
        }
    }

    /// Writes each record of `changed` (by what it is about: a Region, a trail) under
    /// `key(about)`, kept until its last entry's wait is over. A write that fails is logged: it
    /// costs at most one alert more at the next check.
    pub async fn save_awaiting(
        &self,
        changed: &BTreeMap<String, Awaiting>,
        key: impl Fn(&str) -> String,
    ) {
        let now = Utc::now();
        for (about, awaiting) in changed {
            let key = key(about);
            if let Err(e) = self.put(&key, awaiting, now, awaiting.ttl(now)).await {
                tracing::warn!(key, error = %e, "repairs awaiting confirmation could not be saved");
            }
        }
    }
}

/// The value of a stored record, if it is readable and not expired at `now`. Pure.
fn read_record<T: DeserializeOwned>(name: &str, text: &str, now: DateTime<Utc>) -> Option<T> {
    match serde_json::from_str::<Record<T>>(text) {
        Ok(record) if record.expires_at > now => Some(record.value),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(parameter = name, error = %e, "state record unreadable; treated as absent");
            None
        }
    }
}

/// `key` as a parameter path: each `/`-separated segment keeps letters, digits, `_ . -`; a
/// segment that had to change gets a short hash of the original, so different keys never share
/// a parameter (ARNs and finding types are keys too).
pub fn key_path(key: &str) -> String {
    key.split('/')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            let clean: String = segment
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            if clean == segment {
                clean
            } else {
                let hash = hex::encode(Sha256::digest(segment.as_bytes()));
                format!("{}-{}", clean.trim_matches('-'), &hash[..8])
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Causes a function repaired and is waiting to see confirmed, by cause id (the function's
/// own name for a cause on a resource, e.g. `export-not-publishing/<destination>`).
///
/// Some repairs take effect before AWS says so: after a bucket-policy repair, GuardDuty keeps
/// reporting its failed export, and CloudTrail its `AccessDenied`, until its next attempt.
/// The function records what it repaired ([`Awaiting::expect`]); while the entry lasts, the
/// same cause found again is [`Confirmation::Awaiting`] (reported, not alerted); once the
/// cause is gone the entry is forgotten ([`Awaiting::settle`]); if the cause outlasts the
/// entry it is [`Confirmation::Overdue`]: the repair did not take, which is worth an alert.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Awaiting {
    pub entries: BTreeMap<String, AwaitingEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwaitingEntry {
    /// What was done, for people.
    pub repair: String,
    pub repaired_at: DateTime<Utc>,
    /// Until when the cause may still be reported without an alert.
    pub until: DateTime<Utc>,
}

/// What the state says about a cause found now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Confirmation<'a> {
    /// Nothing was repaired for it lately: report and alert as usual.
    NotAwaited,
    /// Repaired, and AWS has not caught up yet: report without an alert.
    Awaiting(&'a AwaitingEntry),
    /// Repaired, but still there after the wait: the repair did not take.
    Overdue(&'a AwaitingEntry),
}

impl Awaiting {
    pub fn status(&self, id: &str, now: DateTime<Utc>) -> Confirmation<'_> {
        match self.entries.get(id) {
            None => Confirmation::NotAwaited,
            Some(entry) if now <= entry.until => Confirmation::Awaiting(entry),
            Some(entry) => Confirmation::Overdue(entry),
        }
    }

    /// Records that `id` was repaired at `now` and may take until `now + window` to be
    /// confirmed. An entry already waiting keeps its first time: repeating a repair does not
    /// extend the wait.
    pub fn expect(&mut self, id: &str, repair: String, now: DateTime<Utc>, window: Duration) {
        if matches!(self.status(id, now), Confirmation::Awaiting(_)) {
            return;
        }
        self.entries.insert(
            id.to_owned(),
            AwaitingEntry {
                repair,
                repaired_at: now,
                until: now + window,
            },
        );
    }

    /// Forgets entries whose cause is no longer found (`present` says which are), and overdue
    /// ones (reported once as overdue; from then on the cause is an ordinary one). Returns the
    /// ids confirmed gone.
    pub fn settle(&mut self, present: impl Fn(&str) -> bool, now: DateTime<Utc>) -> Vec<String> {
        let confirmed: Vec<String> = self
            .entries
            .keys()
            .filter(|id| !present(id))
            .cloned()
            .collect();
        self.entries
            .retain(|id, entry| present(id) && now <= entry.until);
        confirmed
    }

    /// How long the record must be kept: until the last entry's wait is over (at least a
    /// minute, so an empty record written to clear the old one still reads back).
    pub fn ttl(&self, now: DateTime<Utc>) -> Duration {
        self.entries
            .values()
            .map(|e| e.until - now)
            .max()
            .unwrap_or_default()
            .max(Duration::minutes(1))
    }
}

/// What detector-guard's drills and guardduty-responder share: the drill under way, and the
/// receipt the responder leaves for each sample finding of it.
///
/// GuardDuty's `CreateSampleFindings` takes no tag and returns no finding id, so the drill id
/// cannot travel with the finding: the drill writes [`Active`] under [`ACTIVE_KEY`] before it
/// asks for samples, and the responder, receiving a sample finding whose type the active drill
/// asked for, writes a [`Receipt`] under [`receipt_key`] with the drill id, once its alert has
/// gone out (or failed to).
pub mod drill {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serialize};

    /// The key of the drill under way.
    pub const ACTIVE_KEY: &str = "drill/active";

    /// The drill under way (or the last one, once `settled`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Active {
        pub id: String,
        /// The finding types asked for.
        pub types: Vec<String>,
        pub region: String,
        pub sent_at: DateTime<Utc>,
        /// After this, a type not received is a broken chain.
        pub deadline: DateTime<Utc>,
        /// The detector asked for the samples.
        pub detector_id: String,
        /// The EventBridge rule found to route high-severity findings to the responder, for
        /// the record.
        pub route: String,
        /// Set once the drill's outcome is recorded; receipts are no longer taken.
        #[serde(default)]
        pub settled: bool,
    }

    impl Active {
        /// Whether a sample finding of `finding_type` belongs to this drill.
        pub fn expects(&self, finding_type: &str) -> bool {
            !self.settled && self.types.iter().any(|t| t == finding_type)
        }
    }

    /// What became of the responder's alert for a sample finding.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case", tag = "status")]
    pub enum AlertResult {
        /// Published; the SNS message id.
        Sent { message_id: String },
        /// No alert topic is configured: alerts go only to the log.
        NoTopic,
        /// Publishing failed: the error.
        Failed { error: String },
    }

    /// The responder's proof that a sample finding reached it.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Receipt {
        pub drill_id: String,
        pub finding_id: String,
        pub finding_type: String,
        /// The finding's `updatedAt`, when it had one.
        pub finding_updated_at: Option<DateTime<Utc>>,
        pub received_at: DateTime<Utc>,
        pub alert: AlertResult,
    }

    /// Where the receipt for `finding_type` in drill `drill_id` is kept.
    pub fn receipt_key(drill_id: &str, finding_type: &str) -> String {
        format!("drill/{drill_id}/receipt/{finding_type}")
    }

    /// Where in the evidence bucket detector-guard keeps its drill records unless
    /// `VIGIL_DRILL_EVIDENCE_PREFIX` says otherwise (the compliance sweep reads them there).
    pub const DEFAULT_PREFIX: &str = "detector-guard/drills/";

    /// The object, under the drills' evidence prefix, that names the latest drill's record
    /// (the compliance sweep reads it).
    pub const LATEST: &str = "latest.json";
    /// The record's file name in a drill's signed bundle.
    pub const RECORD: &str = "drill.json";

    /// How a drill ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum Outcome {
        /// Every sample reached the responder and its alert went out.
        Passed,
        /// The chain broke somewhere (`broken_link` says where).
        Failed,
    }

    /// One finding type's journey in a drill.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Leg {
        pub finding_type: String,
        pub received_at: Option<DateTime<Utc>>,
        /// From the request for samples to the responder's receipt.
        pub latency_seconds: Option<f64>,
        pub finding_id: Option<String>,
        pub alert: Option<AlertResult>,
    }

    /// The signed record a drill leaves in the evidence bucket (`<prefix><id>/drill.json`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Summary {
        pub id: String,
        pub account: String,
        pub region: String,
        pub detector_id: Option<String>,
        pub types: Vec<String>,
        pub sent_at: Option<DateTime<Utc>>,
        pub finished_at: DateTime<Utc>,
        pub outcome: Outcome,
        /// Where the chain broke, in the drill's words (`routing`, `delivery`, `alert`, ...).
        pub broken_link: Option<String>,
        pub detail: String,
        pub route: Option<String>,
        pub legs: Vec<Leg>,
    }

    /// `latest.json`: where the latest drill's signed bundle is and how it ended.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Pointer {
        pub drill_id: String,
        /// The bundle's key prefix in the evidence bucket (ends with `/`).
        pub location: String,
        pub outcome: Outcome,
        pub finished_at: DateTime<Utc>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::lookup_in;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn keys_become_parameter_paths_without_collisions() {
        assert_eq!(
            key_path("detector-guard/awaiting/us-east-1"),
            "detector-guard/awaiting/us-east-1"
        );
        let a = key_path("drill/d1/receipt/Backdoor:EC2/C&CActivity.B!DNS");
        assert!(a.starts_with("drill/d1/receipt/Backdoor-EC2-"), "{a}");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c)),
            "{a}"
        );
        assert_ne!(key_path("a:b"), key_path("a-b"));
        assert_ne!(key_path("a:b"), key_path("a;b"));
        assert_eq!(key_path("//x//y/"), "x/y");
    }

    #[test]
    fn the_prefix_setting_is_checked() {
        let env = |v: &str| Env::new(lookup_in(&[(ENV, v)]));
        assert_eq!(
            prefix_from_env(&env("/vigil/state/")),
            Ok(Some("/vigil/state".into()))
        );
        assert_eq!(prefix_from_env(&Env::new(lookup_in(&[]))), Ok(None));
        for bad in ["vigil/state", "/vigil state", "/a:b"] {
            assert!(
                prefix_from_env(&env(bad)).unwrap_err().contains(ENV),
                "{bad}"
            );
        }
    }

    #[test]
    fn expired_and_unreadable_records_read_as_absent() {
        let text = serde_json::to_string(&Record {
            written_at: at(0),
            expires_at: at(10),
            value: 7u32,
        })
        .unwrap();
        assert_eq!(read_record::<u32>("/p", &text, at(5)), Some(7));
        assert_eq!(read_record::<u32>("/p", &text, at(10)), None);
        assert_eq!(read_record::<u32>("/p", "not json", at(5)), None);
        assert_eq!(read_record::<String>("/p", &text, at(5)), None);
    }

    #[test]
    fn a_repaired_cause_is_awaited_then_confirmed_or_overdue() {
        let mut awaiting = Awaiting::default();
        let window = Duration::minutes(30);
        assert_eq!(awaiting.status("c", at(0)), Confirmation::NotAwaited);
        awaiting.expect("c", "merged the policy".into(), at(0), window);
        assert!(
            matches!(awaiting.status("c", at(29)), Confirmation::Awaiting(e) if e.repair == "merged the policy")
        );
        // Repeating the repair does not extend the wait.
        awaiting.expect("c", "again".into(), at(10), window);
        assert_eq!(awaiting.entries["c"].repaired_at, at(0));
        assert!(matches!(
            awaiting.status("c", at(31)),
            Confirmation::Overdue(_)
        ));
        assert_eq!(awaiting.ttl(at(10)), Duration::minutes(20));

        // Still there within the wait: kept. Gone: confirmed and forgotten.
        let confirmed = awaiting.settle(|_| true, at(20));
        assert!(confirmed.is_empty());
        assert_eq!(awaiting.entries.len(), 1);
        let confirmed = awaiting.settle(|_| false, at(21));
        assert_eq!(confirmed, vec!["c".to_owned()]);
        assert!(awaiting.entries.is_empty());
        assert_eq!(awaiting.ttl(at(21)), Duration::minutes(1));

        // Overdue entries are dropped after they were reported once.
        awaiting.expect("d", "enabled the key".into(), at(0), window);
        awaiting.settle(|_| true, at(40));
        assert!(awaiting.entries.is_empty());
    }

    #[test]
    fn a_drill_takes_receipts_only_for_its_types_until_settled() {
        let mut active = drill::Active {
            id: "d1".into(),
            types: vec!["Backdoor:EC2/C&CActivity.B!DNS".into()],
            region: "us-east-1".into(),
            sent_at: at(0),
            deadline: at(30),
            detector_id: "det".into(),
            route: "rule r -> responder".into(),
            settled: false,
        };
        assert!(active.expects("Backdoor:EC2/C&CActivity.B!DNS"));
        assert!(!active.expects("Recon:EC2/PortProbeUnprotectedPort"));
        active.settled = true;
        assert!(!active.expects("Backdoor:EC2/C&CActivity.B!DNS"));
        let sent = serde_json::to_value(drill::AlertResult::Sent {
            message_id: "m".into(),
        })
        .unwrap();
        assert_eq!(
            sent,
            serde_json::json!({"status": "sent", "message_id": "m"})
        );
        assert_eq!(
            drill::receipt_key("d1", "Policy:S3/BucketBlockPublicAccessDisabled"),
            "drill/d1/receipt/Policy:S3/BucketBlockPublicAccessDisabled"
        );
    }
}
