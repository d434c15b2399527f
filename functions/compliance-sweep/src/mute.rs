//! The mute list: FAIL and ERROR findings an owner has accepted for a while, with a reason.
//!
//! A JSON document kept in SSM Parameter Store or S3 (`VIGIL_SWEEP_MUTE_LIST`, the template's
//! `SweepMuteList` parameter):
//!
//! ```text
//! {"version": 1, "entries": [
//!   {"check": "S3-02", "resource": "arn:aws:s3:::public-site-*", "region": "us-east-1",
//!    "reason": "static website behind CloudFront, reviewed in SEC-123",
//!    "owner": "web-team@example.com", "expires": "2027-03-31"},
//!   {"check": "*", "resource": "arn:aws:iam::*:role/legacy-*",
//!    "tag": {"key": "vigil:accepted", "value": "true"},
//!    "reason": "legacy roles, being replaced (PLAT-42)", "owner": "platform", "expires": "2027-01-15"}
//! ]}
//! ```
//!
//! - `check`: a catalogue id, or `*` for every check. `resource` (the finding's resource, an
//!   ARN) and `region` use `*` and `?` wildcards, matched case-sensitively; no `region` matches
//!   every Region.
//! - `tag`: the resource must carry this tag (its value may use wildcards). Only resources whose
//!   tags the sweep reads without extra calls can match: IAM users and roles, secrets, RDS
//!   instances and clusters; an entry whose check judges something else cannot name a tag.
//! - `reason`, `owner` and `expires` (`YYYY-MM-DD`, the last day it mutes) are required.
//!
//! [`parse`] reads and validates the whole document; any problem is an error naming the entry,
//! and the sweep does not run at all (never half-muted). [`MuteList::apply`] turns a matching
//! FAIL or ERROR into MUTED, keeping its original status and the entry's reason, owner and
//! expiry in the finding; PASS and NOT_APPLICABLE findings are never muted. An entry past its
//! expiry mutes nothing and is reported ([`MuteList::expired`]) in the answer, the summary and
//! an alert.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vigil::policy::analysis::wildcard_match_cased;

use crate::checks::catalogue;
use crate::checks::finding::Muting;
use crate::checks::{Finding, Status};
use crate::facts::{Service, ShardFacts};

/// The services whose resources carry their tags in what the sweep reads.
const TAGGED: [Service; 3] = [Service::Iam, Service::SecretsManager, Service::Rds];

/// One entry, validated. `number` counts from 1 in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub number: usize,
    pub check: String,
    pub resource: String,
    pub region: Option<String>,
    pub tag: Option<(String, String)>,
    pub reason: String,
    pub owner: String,
    pub expires: NaiveDate,
}

/// A mute list as read from `location`.
#[derive(Debug, Clone, PartialEq)]
pub struct MuteList {
    pub location: String,
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    check: String,
    resource: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    tag: Option<RawTag>,
    reason: String,
    owner: String,
    expires: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTag {
    key: String,
    value: String,
}

/// An entry past its expiry, as the answer, the summary and the alert list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expired {
    pub entry: usize,
    pub check: String,
    pub resource: String,
    pub owner: String,
    pub expires: String,
    pub reason: String,
}

/// What the run says about its mute list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteReport {
    pub location: String,
    pub entries: usize,
    /// Entries past their expiry: they muted nothing in this run.
    pub expired: Vec<Expired>,
}

/// Reads and validates the document at `location`. The error names the entry (numbered from
/// 1) and what is wrong with it.
pub fn parse(location: &str, text: &str) -> Result<MuteList, String> {
    let whole = |what: String| format!("mute list {location}: {what}");
    let doc: Value = serde_json::from_str(text).map_err(|e| whole(format!("not JSON: {e}")))?;
    let Value::Object(mut doc) = doc else {
        return Err(whole(
            "must be an object {\"version\": 1, \"entries\": [...]}".into(),
        ));
    };
    match doc.remove("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        other => {
            return Err(whole(format!(
                "\"version\" must be 1 (found {})",
                other.map_or("nothing".into(), |v| v.to_string())
            )));
        }
    }
    let entries = match doc.remove("entries") {
        Some(Value::Array(a)) => a,
        _ => return Err(whole("\"entries\" must be a list".into())),
    };
    if let Some(key) = doc.keys().next() {
        return Err(whole(format!(
            "unknown field {key:?} (only \"version\" and \"entries\")"
        )));
    }
    let mut out = Vec::new();
    for (i, raw) in entries.into_iter().enumerate() {
        let number = i + 1;
        let named = |raw: &Value| {
            let field = |k: &str| raw.get(k).and_then(Value::as_str).unwrap_or("?").to_owned();
            format!("entry {number} ({} {})", field("check"), field("resource"))
        };
        let label = named(&raw);
        let e: RawEntry =
            serde_json::from_value(raw).map_err(|e| whole(format!("{label}: {e}")))?;
        out.push(validate(number, e).map_err(|e| whole(format!("{label}: {e}")))?);
    }
    Ok(MuteList {
        location: location.to_owned(),
        entries: out,
    })
}

fn validate(number: usize, e: RawEntry) -> Result<Entry, String> {
    let required = |v: &str, field: &str| {
        if v.trim().is_empty() {
            Err(format!("{field} must not be empty"))
        } else {
            Ok(())
        }
    };
    required(&e.check, "check")?;
    required(&e.resource, "resource")?;
    required(&e.reason, "reason")?;
    required(&e.owner, "owner")?;
    let service = if e.check == "*" {
        None
    } else {
        let row = catalogue::find(&e.check).ok_or_else(|| {
            format!(
                "unknown check {:?} (a catalogue id such as S3-02, or *)",
                e.check
            )
        })?;
        Some(row.service)
    };
    let expires = NaiveDate::parse_from_str(&e.expires, "%Y-%m-%d")
        .map_err(|_| format!("expires {:?} is not a date YYYY-MM-DD", e.expires))?;
    if let Some(region) = &e.region
        && (region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-*?".contains(c)))
    {
        return Err(format!(
            "region {region:?} is not a Region name or pattern (e.g. us-east-1, eu-*, global)"
        ));
    }
    let tag = match e.tag {
        None => None,
        Some(t) => {
            required(&t.key, "tag.key")?;
            if let Some(s) = service.filter(|s| !TAGGED.contains(s)) {
                return Err(format!(
                    "a tag condition matches only resources whose tags the sweep reads (IAM users \
                     and roles, secrets, RDS); {} judges {} resources",
                    e.check,
                    s.title()
                ));
            }
            Some((t.key, t.value))
        }
    };
    Ok(Entry {
        number,
        check: e.check,
        resource: e.resource,
        region: e.region,
        tag,
        reason: e.reason,
        owner: e.owner,
        expires,
    })
}

/// Resource → tags, for the resources of a shard whose tags were read.
pub(crate) type Tags<'a> = HashMap<&'a str, &'a BTreeMap<String, String>>;

/// The tags a shard's facts carry, by resource ARN.
pub(crate) fn tags(facts: &ShardFacts) -> Tags<'_> {
    let mut out = Tags::new();
    match facts {
        ShardFacts::Iam(f) => {
            if let Ok(a) = &f.authorization {
                for p in a.users.iter().chain(&a.roles) {
                    out.insert(p.arn.as_str(), &p.tags);
                }
            }
        }
        ShardFacts::SecretsManager(f) => {
            if let Ok(list) = &f.secrets {
                for s in list {
                    out.insert(s.arn.as_str(), &s.tags);
                }
            }
        }
        ShardFacts::Rds(f) => {
            for d in f.instances.iter().chain(&f.clusters).flatten() {
                out.insert(d.arn.as_str(), &d.tags);
            }
        }
        _ => {}
    }
    out
}

impl Entry {
    fn expired(&self, today: NaiveDate) -> bool {
        self.expires < today
    }

    fn matches(&self, f: &Finding, tags: &Tags) -> bool {
        (self.check == "*" || f.check == self.check.as_str())
            && wildcard_match_cased(&self.resource, &f.resource)
            && self
                .region
                .as_deref()
                .is_none_or(|r| wildcard_match_cased(r, &f.region))
            && self.tag.as_ref().is_none_or(|(key, value)| {
                tags.get(f.resource.as_str())
                    .and_then(|t| t.get(key))
                    .is_some_and(|v| wildcard_match_cased(value, v))
            })
    }
}

impl MuteList {
    /// Entries past their expiry on `today`.
    pub fn expired(&self, today: NaiveDate) -> Vec<Expired> {
        self.entries
            .iter()
            .filter(|e| e.expired(today))
            .map(|e| Expired {
                entry: e.number,
                check: e.check.clone(),
                resource: e.resource.clone(),
                owner: e.owner.clone(),
                expires: e.expires.to_string(),
                reason: e.reason.clone(),
            })
            .collect()
    }

    /// What the run says about this list on `today`.
    pub fn report(&self, today: NaiveDate) -> MuteReport {
        MuteReport {
            location: self.location.clone(),
            entries: self.entries.len(),
            expired: self.expired(today),
        }
    }

    /// Mutes the FAIL and ERROR findings the first unexpired matching entry accepts; returns
    /// how many.
    pub fn apply(&self, findings: &mut [Finding], tags: &Tags, today: NaiveDate) -> usize {
        let mut muted = 0;
        for f in findings
            .iter_mut()
            .filter(|f| matches!(f.status, Status::Fail | Status::Error))
        {
            let Some(e) = self
                .entries
                .iter()
                .find(|e| !e.expired(today) && e.matches(f, tags))
            else {
                continue;
            };
            f.muted = Some(Muting {
                status: f.status,
                entry: e.number,
                reason: e.reason.clone(),
                owner: e.owner.clone(),
                expires: e.expires.to_string(),
            });
            f.status = Status::Muted;
            muted += 1;
        }
        muted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ids::{IAM_11, S3_02, S3_03, SM_01};
    use crate::checks::{ResourceType, Subject};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    const DOC: &str = r#"{"version": 1, "entries": [
        {"check": "S3-02", "resource": "arn:aws:s3:::site-*", "region": "us-east-1",
         "reason": "static website, reviewed in SEC-1", "owner": "web", "expires": "2026-12-31"},
        {"check": "*", "resource": "arn:aws:secretsmanager:*",
         "tag": {"key": "team", "value": "leg*"},
         "reason": "legacy", "owner": "platform", "expires": "2026-07-01"},
        {"check": "S3-03", "resource": "*", "reason": "old", "owner": "ops", "expires": "2026-05-31"}
    ]}"#;

    fn finding(
        check: crate::checks::CheckId,
        status: Status,
        resource: &str,
        region: &str,
    ) -> Finding {
        Finding::new(
            check,
            status,
            Subject::new(ResourceType::AwsS3Bucket, resource).in_region(region),
            "d",
        )
    }

    #[test]
    fn a_valid_document_mutes_what_it_names_until_it_expires() {
        let list = parse("ssm:/vigil/mute", DOC).unwrap();
        assert_eq!(list.entries.len(), 3);
        let team = BTreeMap::from([("team".to_owned(), "legacy-billing".to_owned())]);
        let tags: Tags = HashMap::from([("arn:aws:secretsmanager:us-east-1:1:secret:x", &team)]);
        let mut findings = vec![
            finding(S3_02, Status::Fail, "arn:aws:s3:::site-www", "us-east-1"),
            finding(S3_02, Status::Fail, "arn:aws:s3:::site-www", "eu-west-1"),
            finding(S3_02, Status::Pass, "arn:aws:s3:::site-ok", "us-east-1"),
            finding(S3_02, Status::Fail, "arn:aws:s3:::data", "us-east-1"),
            finding(
                SM_01,
                Status::Error,
                "arn:aws:secretsmanager:us-east-1:1:secret:x",
                "us-east-1",
            ),
            finding(
                SM_01,
                Status::Fail,
                "arn:aws:secretsmanager:us-east-1:1:secret:y",
                "us-east-1",
            ),
            finding(S3_03, Status::Fail, "arn:aws:s3:::data", "us-east-1"),
            finding(IAM_11, Status::Fail, "arn:aws:iam::1:user/u", "global"),
        ];
        assert_eq!(list.apply(&mut findings, &tags, today()), 2);
        let statuses: Vec<Status> = findings.iter().map(|f| f.status).collect();
        use Status::*;
        assert_eq!(
            statuses,
            [Muted, Fail, Pass, Fail, Muted, Fail, Fail, Fail],
            "region, resource pattern, tag, and the expired entry 3"
        );
        let m = findings[0].muted.as_ref().unwrap();
        assert_eq!(
            (m.status, m.entry, m.owner.as_str(), m.expires.as_str()),
            (Fail, 1, "web", "2026-12-31")
        );
        assert_eq!(findings[4].muted.as_ref().unwrap().status, Error);
        let report = list.report(today());
        assert_eq!(report.entries, 3);
        assert_eq!(report.expired.len(), 1);
        assert_eq!(report.expired[0].entry, 3);
        assert_eq!(report.expired[0].expires, "2026-05-31");
        // On its last day an entry still mutes.
        assert!(
            list.expired(NaiveDate::from_ymd_opt(2026, 5, 31).unwrap())
                .is_empty()
        );
    }

    #[test]
    fn an_invalid_document_is_an_error_naming_the_entry() {
        let bad = |entries: &str| {
            parse(
                "s3://b/k",
                &format!(r#"{{"version":1,"entries":[{entries}]}}"#),
            )
            .unwrap_err()
        };
        let ok =
            r#"{"check":"S3-02","resource":"*","reason":"r","owner":"o","expires":"2026-12-31"}"#;
        for (entry, says) in [
            (
                r#"{"check":"S3-99","resource":"*","reason":"r","owner":"o","expires":"2026-12-31"}"#,
                "entry 2 (S3-99 *): unknown check \"S3-99\"",
            ),
            (
                r#"{"check":"S3-02","resource":"*","reason":"","owner":"o","expires":"2026-12-31"}"#,
                "entry 2 (S3-02 *): reason must not be empty",
            ),
            (
                r#"{"check":"S3-02","resource":"*","reason":"r","owner":"o","expires":"31/12/2026"}"#,
                "expires \"31/12/2026\" is not a date",
            ),
            (
                r#"{"check":"S3-02","resource":"*","reason":"r","owner":"o"}"#,
                "entry 2 (S3-02 *): missing field `expires`",
            ),
            (
                r#"{"check":"S3-02","resource":"*","reason":"r","owner":"o","expires":"2026-12-31","regoin":"x"}"#,
                "unknown field `regoin`",
            ),
            (
                r#"{"check":"S3-02","resource":"*","region":"US East","reason":"r","owner":"o","expires":"2026-12-31"}"#,
                "is not a Region name",
            ),
            (
                r#"{"check":"S3-02","resource":"*","tag":{"key":"k","value":"v"},"reason":"r","owner":"o","expires":"2026-12-31"}"#,
                "S3-02 judges S3 resources",
            ),
        ] {
            let e = bad(&format!("{ok},{entry}"));
            assert!(e.contains(says), "{e}");
            assert!(e.starts_with("mute list s3://b/k: "), "{e}");
        }
        for (doc, says) in [
            ("not json", "not JSON"),
            (r#"{"entries":[]}"#, "\"version\" must be 1"),
            (
                r#"{"version":1,"entries":{}}"#,
                "\"entries\" must be a list",
            ),
            (
                r#"{"version":1,"entries":[],"extra":1}"#,
                "unknown field \"extra\"",
            ),
        ] {
            let e = parse("ssm:/m", doc).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
