//! The sweep's findings against the ground truth of a seeded account
//! (`vigil_tests::seed::sweep::expected`), exactly: every finding expected, none extra, each
//! with its verdict. The NOT_APPLICABLE fill-ins ("nothing in scope for this check in REGION")
//! are added here from the catalogue, per shard, as `checks::evaluate` makes them.

use std::collections::BTreeMap;
use std::fmt;

use compliance_sweep::checks::catalogue;
use compliance_sweep::checks::{Finding, Status};
use compliance_sweep::facts::{Service, Shard};
use vigil_tests::seed::sweep::{Expected, Verdict, expected};

use super::Account;

type Key = (String, String, String);

/// What differs between the sweep's findings and the ground truth.
#[derive(Debug, Default)]
pub struct Comparison {
    pub expected: usize,
    pub found: usize,
    /// Expected, not reported.
    pub missing: Vec<(Key, String)>,
    /// Reported, not expected.
    pub extra: Vec<(Key, String, String)>,
    /// Reported with another verdict: (key, expected, found, detail).
    pub wrong: Vec<(Key, String, String, String)>,
    /// Reported more than once.
    pub duplicated: Vec<Key>,
}

impl Comparison {
    pub fn exact(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.wrong.is_empty()
            && self.duplicated.is_empty()
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} expected, {} found: {} missing, {} extra, {} with another verdict, {} duplicated",
            self.expected,
            self.found,
            self.missing.len(),
            self.extra.len(),
            self.wrong.len(),
            self.duplicated.len()
        )?;
        for ((c, r, g), v) in self.missing.iter().take(40) {
            writeln!(f, "  missing  {c} {v} {g} {r}")?;
        }
        for ((c, r, g), v, d) in self.extra.iter().take(40) {
            writeln!(f, "  extra    {c} {v} {g} {r}: {d}")?;
        }
        for ((c, r, g), want, got, d) in self.wrong.iter().take(40) {
            writeln!(
                f,
                "  verdict  {c} {g} {r}: expected {want}, found {got}: {d}"
            )?;
        }
        for (c, r, g) in self.duplicated.iter().take(40) {
            writeln!(f, "  twice    {c} {g} {r}")?;
        }
        Ok(())
    }
}

fn name(v: Verdict) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The ground truth of `account` swept over `shards`, with the fill-ins.
pub fn truth(account: &Account, shards: &[Shard]) -> Vec<Expected> {
    let mut all = expected(&account.spec, &account.seeded);
    for shard in shards {
        for check in catalogue::of(shard.service) {
            let said = all.iter().any(|e| {
                e.check == check.id.as_str()
                    && (shard.service.is_global() || e.region == shard.region)
            });
            if !said {
                all.push(Expected {
                    check: check.id.as_str(),
                    resource: format!("arn:aws:::{}:{}", account.id, shard.region),
                    region: shard.region.clone(),
                    verdict: Verdict::NotApplicable,
                });
            }
        }
    }
    all
}

/// Compares `findings` with the ground truth of `account` over `regions` and every service.
pub fn compare(account: &Account, regions: &[String], findings: &[Finding]) -> Comparison {
    let shards = Shard::plan(regions, &Service::ALL);
    let want: BTreeMap<Key, String> = truth(account, &shards)
        .into_iter()
        .map(|e| ((e.check.to_owned(), e.resource, e.region), name(e.verdict)))
        .collect();
    let mut got: BTreeMap<Key, (String, String)> = BTreeMap::new();
    let mut c = Comparison {
        expected: want.len(),
        found: findings.len(),
        ..Comparison::default()
    };
    for f in findings {
        let key = (f.check.to_string(), f.resource.clone(), f.region.clone());
        if got
            .insert(key.clone(), (status(f.status), f.detail.clone()))
            .is_some()
        {
            c.duplicated.push(key);
        }
    }
    for (key, verdict) in &want {
        match got.get(key) {
            None => c.missing.push((key.clone(), verdict.clone())),
            Some((found, detail)) if found != verdict => {
                c.wrong
                    .push((key.clone(), verdict.clone(), found.clone(), detail.clone()))
            }
            Some(_) => {}
        }
    }
    for (key, (found, detail)) in got {
        if !want.contains_key(&key) {
            c.extra.push((key, found, detail));
        }
    }
    c
}

fn status(s: Status) -> String {
    s.to_string()
}
