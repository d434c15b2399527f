//! Suppression rules: filters with action ARCHIVE, which hide findings from EventBridge, the
//! export and Security Hub as they arrive. One that lets findings of high severity through its
//! criteria (archives them), or that has nothing narrowing it to a resource or an address, is a
//! way to blind GuardDuty. Vigil never deletes one: it says which rule, who made it when the
//! triggering call says so, and the commands.

use vigil::alert::Severity;

use super::{Cause, CauseKind, runbook, unavailable};
use crate::facts::{CallFacts, Criterion, DetectorFacts, Filter};

/// Criteria fields that describe findings in general, not a resource or an actor: a rule made
/// only of these archives whole classes of findings.
const GENERAL: [&str; 8] = [
    "severity",
    "type",
    "updatedAt",
    "createdAt",
    "confidence",
    "accountId",
    "region",
    "service.archived",
];

/// The High band starts at 7.0; GuardDuty's severities stop at 10 (Critical is 9-10).
const HIGH: f64 = 7.0;
const MAX: f64 = 10.0;

pub(super) fn causes(
    region: &str,
    d: &DetectorFacts,
    call: Option<&CallFacts>,
    causes: &mut Vec<Cause>,
) {
    let filters = match &d.filters {
        Ok(f) => f,
        Err(e) => {
            causes.push(unavailable(&d.id, "the detector's filters", e));
            return;
        }
    };
    for f in filters.iter().filter(|f| f.action == "ARCHIVE") {
        let high = archives_high(f);
        let broad = is_broad(f);
        if !high && !broad {
            continue;
        }
        let creator = call
            .filter(|c| c.filter_name.as_deref() == Some(f.name.as_str()))
            .map(|c| {
                format!(
                    "{} by {} at {}",
                    c.event_name,
                    c.actor,
                    c.time.as_deref().unwrap_or("an unknown time")
                )
            });
        let mut cause = Cause::new(
            CauseKind::SuppressionRule,
            format!("{}/{}", d.id, f.name),
            if high {
                Severity::High
            } else {
                Severity::Medium
            },
            runbook::suppression_rule(region, &d.id, &f.name, high, creator.as_deref()),
        )
        .evidence(format!(
            "filter {} (rank {}): action ARCHIVE, criteria {}",
            f.name,
            f.rank.map_or("?".into(), |r| r.to_string()),
            serde_json::to_string(&f.criteria).unwrap_or_default()
        ));
        if high {
            cause = cause.evidence("its severity criterion admits High or Critical findings (7 and above): they are archived before EventBridge, the export or Security Hub see them");
        }
        if broad {
            cause = cause.evidence("nothing in it narrows it to a resource, an account or an address: it archives a whole class of findings");
        }
        if let Some(description) = &f.description {
            cause = cause.evidence(format!("description: {description}"));
        }
        cause = cause.evidence(match &creator {
            Some(who) => format!("made by: {who}"),
            None => "made by: not known from this check (see the steps to look it up)".into(),
        });
        causes.push(cause);
    }
}

/// Whether the rule's severity criterion lets some severity of 7 or more through (no severity
/// criterion: every severity).
fn archives_high(f: &Filter) -> bool {
    let Some(c) = f.criteria.get("severity") else {
        return true;
    };
    admits_from(c, HIGH)
}

fn admits_from(c: &Criterion, low: f64) -> bool {
    if !c.equals.is_empty() {
        return c
            .equals
            .iter()
            .filter_map(|v| v.parse::<f64>().ok())
            .any(|v| v >= low);
    }
    let mut lo = low;
    let mut hi = MAX;
    let mut lo_open = false;
    let mut hi_open = false;
    if let Some(v) = c.greater_than.map(|v| v as f64)
        && v >= lo
    {
        lo = v;
        lo_open = true;
    }
    if let Some(v) = c.greater_than_or_equal.map(|v| v as f64)
        && v > lo
    {
        lo = v;
        lo_open = false;
    }
    if let Some(v) = c.less_than.map(|v| v as f64)
        && v <= hi
    {
        hi = v;
        hi_open = true;
    }
    if let Some(v) = c.less_than_or_equal.map(|v| v as f64)
        && v < hi
    {
        hi = v;
        hi_open = false;
    }
    lo < hi || (lo == hi && !lo_open && !hi_open)
}

/// Whether nothing but general fields (severity, type, time...) narrows the rule.
fn is_broad(f: &Filter) -> bool {
    f.criteria.keys().all(|k| GENERAL.contains(&k.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn filter(criteria: &[(&str, Criterion)]) -> Filter {
        Filter {
            name: "f".into(),
            action: "ARCHIVE".into(),
            rank: Some(1),
            description: None,
            criteria: criteria
                .iter()
                .map(|(k, c)| ((*k).to_owned(), c.clone()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn severity_criteria_are_read_as_ranges_and_lists() {
        let c = |f: fn(&mut Criterion)| {
            let mut c = Criterion::default();
            f(&mut c);
            c
        };
        for (criterion, high) in [
            (c(|c| c.greater_than_or_equal = Some(7)), true),
            (c(|c| c.less_than = Some(4)), false),
            (c(|c| c.less_than_or_equal = Some(7)), true),
            (c(|c| c.less_than = Some(7)), false),
            (c(|c| c.greater_than = Some(10)), false),
            (c(|c| c.equals = vec!["1".into(), "2".into()]), false),
            (c(|c| c.equals = vec!["8".into()]), true),
        ] {
            assert_eq!(
                archives_high(&filter(&[("severity", criterion.clone())])),
                high,
                "{criterion:?}"
            );
        }
        assert!(
            archives_high(&filter(&[])),
            "no severity criterion: every severity"
        );
    }

    #[test]
    fn a_rule_narrowed_to_a_resource_is_not_broad() {
        let low = Criterion {
            less_than: Some(4),
            ..Criterion::default()
        };
        assert!(is_broad(&filter(&[("severity", low.clone())])));
        let narrow = filter(&[
            ("severity", low),
            (
                "resource.instanceDetails.instanceId",
                Criterion {
                    equals: vec!["i-1".into()],
                    ..Criterion::default()
                },
            ),
        ]);
        assert!(!is_broad(&narrow));
        assert!(!archives_high(&narrow));
    }
}
