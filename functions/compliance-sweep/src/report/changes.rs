//! What changed since the previous run, by check and resource (pure): new FAILs, fixed, still
//! failing, new ERRORs and newly muted findings. Written whole into `summary.json` and
//! `report.html`; the alerts carry only the counts and the worst new items.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::checks::catalogue;
use crate::checks::{CheckId, Finding, Status};

/// One finding that changed (or stayed failing), with its status the run before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Change {
    pub check: CheckId,
    pub severity: String,
    pub region: String,
    pub resource: String,
    pub detail: String,
    /// The status the previous run gave it; `None` when it had no finding there.
    pub before: Option<Status>,
    /// For muted findings: the mute-list entry's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The difference between two runs' findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Changes {
    /// The run compared with; `None` for the first run (then nothing is "new").
    pub previous_run: Option<String>,
    /// FAIL now, not FAIL before (a PASS before is also a regression).
    pub new_fail: Vec<Change>,
    /// FAIL or ERROR before, PASS now.
    pub fixed: Vec<Change>,
    /// FAIL before and now.
    pub still_failing: Vec<Change>,
    /// ERROR now, not ERROR before.
    pub new_error: Vec<Change>,
    /// MUTED now, not MUTED before.
    pub muted: Vec<Change>,
}

/// Counts of [`Changes`], for alerts and the page's header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct ChangeCounts {
    pub new_fail: usize,
    pub fixed: usize,
    pub still_failing: usize,
    pub new_error: usize,
    pub muted: usize,
}

type Key<'a> = (CheckId, &'a str, &'a str);

impl Changes {
    /// Compares `current` with `previous` (the findings of run `previous_run`), per (check,
    /// Region, resource). Each list is worst severity first, then check, Region, resource.
    pub(crate) fn between(
        previous_run: Option<&str>,
        previous: &[Finding],
        current: &[Finding],
    ) -> Changes {
        let Some(previous_run) = previous_run else {
            return Changes::default();
        };
        let before: BTreeMap<Key, Status> = previous.iter().map(|f| (f.key(), f.status)).collect();
        let mut changes = Changes {
            previous_run: Some(previous_run.to_owned()),
            ..Changes::default()
        };
        for f in current {
            let was = before.get(&f.key()).copied();
            let change = || Change {
                check: f.check,
                severity: catalogue::get(f.check).severity.to_string(),
                region: f.region.clone(),
                resource: f.resource.clone(),
                detail: f.detail.clone(),
                before: was,
                reason: f.muted.as_ref().map(|m| m.reason.clone()),
            };
            match (was, f.status) {
                (Some(Status::Fail), Status::Fail) => changes.still_failing.push(change()),
                (_, Status::Fail) => changes.new_fail.push(change()),
                (Some(Status::Fail | Status::Error), Status::Pass) => changes.fixed.push(change()),
                (Some(Status::Error), Status::Error) => {}
                (_, Status::Error) => changes.new_error.push(change()),
                (Some(Status::Muted), Status::Muted) => {}
                (_, Status::Muted) => changes.muted.push(change()),
                _ => {}
            }
        }
        for list in [
            &mut changes.new_fail,
            &mut changes.fixed,
            &mut changes.still_failing,
            &mut changes.new_error,
            &mut changes.muted,
        ] {
            list.sort_by(|a, b| {
                let rank = |c: &Change| std::cmp::Reverse(catalogue::get(c.check).severity);
                (rank(a), a.check, &a.region, &a.resource).cmp(&(
                    rank(b),
                    b.check,
                    &b.region,
                    &b.resource,
                ))
            });
        }
        changes
    }

    pub(crate) fn counts(&self) -> ChangeCounts {
        ChangeCounts {
            new_fail: self.new_fail.len(),
            fixed: self.fixed.len(),
            still_failing: self.still_failing.len(),
            new_error: self.new_error.len(),
            muted: self.muted.len(),
        }
    }
}

impl std::fmt::Display for ChangeCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new FAIL, {} fixed, {} still failing, {} new ERROR, {} newly muted",
            self.new_fail, self.fixed, self.still_failing, self.new_error, self.muted
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::f;

    fn names(list: &[Change]) -> Vec<(String, &str, Option<Status>)> {
        list.iter()
            .map(|c| (c.check.to_string(), c.resource.as_str(), c.before))
            .collect()
    }

    #[test]
    fn each_finding_lands_in_the_list_its_two_statuses_say() {
        let before = vec![
            f("KMS-01", Status::Pass, "regressed"),
            f("KMS-01", Status::Fail, "fixed"),
            f("KMS-01", Status::Fail, "still"),
            f("KMS-01", Status::Pass, "broke-read"),
            f("KMS-01", Status::Error, "still-error"),
            f("KMS-01", Status::Fail, "muted-now"),
        ];
        let now = vec![
            f("KMS-01", Status::Fail, "regressed"),
            f("KMS-01", Status::Pass, "fixed"),
            f("KMS-01", Status::Fail, "still"),
            f("KMS-01", Status::Error, "broke-read"),
            f("KMS-01", Status::Error, "still-error"),
            f("KMS-01", Status::Muted, "muted-now"),
            f("SM-01", Status::Fail, "brand-new"),
        ];
        let c = Changes::between(Some("r0"), &before, &now);
        assert_eq!(
            names(&c.new_fail),
            vec![
                ("SM-01".into(), "brand-new", None),
                ("KMS-01".into(), "regressed", Some(Status::Pass))
            ],
            "worst severity (SM-01 HIGH) first"
        );
        assert_eq!(
            names(&c.fixed),
            vec![("KMS-01".into(), "fixed", Some(Status::Fail))]
        );
        assert_eq!(
            names(&c.still_failing),
            vec![("KMS-01".into(), "still", Some(Status::Fail))]
        );
        assert_eq!(
            names(&c.new_error),
            vec![("KMS-01".into(), "broke-read", Some(Status::Pass))]
        );
        assert_eq!(
            names(&c.muted),
            vec![("KMS-01".into(), "muted-now", Some(Status::Fail))]
        );
        assert_eq!(
            c.counts().to_string(),
            "2 new FAIL, 1 fixed, 1 still failing, 1 new ERROR, 1 newly muted"
        );
    }

    #[test]
    fn the_first_run_has_nothing_to_compare() {
        let now = vec![f("KMS-01", Status::Fail, "k")];
        assert_eq!(Changes::between(None, &[], &now), Changes::default());
    }
}
