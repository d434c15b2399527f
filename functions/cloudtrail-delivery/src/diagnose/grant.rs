//! Whether a resource policy lets CloudTrail make a request, and if not, exactly why.
//!
//! IAM's order, for a service principal on a same-account resource policy: an explicit Deny
//! that applies wins; otherwise some Allow must apply. When no Allow applies, the statement
//! that comes closest (right principal and action) is named with what is wrong with it: the
//! resource it covers, or the condition it fails (another trail's `aws:SourceArn`, a different
//! ACL...). That is the evidence a person needs to see, and it says what to add.

use vigil::policy::{Effect, PolicyDocument, Statement};

use super::access::{self, Applies, ServiceRequest};

/// A condition a complete grant carries besides granting, e.g. `s3:x-amz-acl =
/// bucket-owner-full-control` on CloudTrail's write statement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hardening {
    pub(crate) key: &'static str,
    pub(crate) operators: &'static [&'static str],
}

/// What is wrong with the statement closest to granting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Its `Resource` does not cover what CloudTrail writes or reads.
    ResourceNotCovered {
        resources: Vec<String>,
        expected: String,
    },
    /// Its `aws:SourceArn` condition names other trails.
    SourceArnOtherTrail { values: Vec<String>, trail: String },
    /// Another condition fails for CloudTrail's request.
    ConditionNotMet { condition: String },
    /// A condition Vigil cannot evaluate.
    ConditionUnknown { condition: String },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::ResourceNotCovered {
                resources,
                expected,
            } => write!(
                f,
                "its Resource {} does not cover {expected} (wrong bucket or key prefix)",
                serde_json::to_string(resources).unwrap_or_default()
            ),
            Problem::SourceArnOtherTrail { values, trail } => write!(
                f,
                "its aws:SourceArn condition names {} but this trail is {trail}",
                serde_json::to_string(values).unwrap_or_default()
            ),
            Problem::ConditionNotMet { condition } => {
                write!(
                    f,
                    "its condition {condition} is false for CloudTrail's request"
                )
            }
            Problem::ConditionUnknown { condition } => {
                write!(f, "its condition {condition} cannot be evaluated here")
            }
        }
    }
}

/// The verdict for one required permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finding {
    Satisfied,
    /// An explicit Deny applies to CloudTrail's request.
    Denied {
        statement: String,
    },
    /// Granted, but by statements without the hardening condition.
    MissingHardening {
        statement: String,
    },
    /// Nothing grants it. `closest` is the statement with the right principal and action and
    /// what keeps it from applying; `None` when no statement comes that close.
    NotGranted {
        closest: Option<(String, Vec<Problem>)>,
    },
    /// A statement might grant or deny it, depending on a condition Vigil cannot evaluate.
    Uncertain {
        statement: String,
        problems: Vec<Problem>,
    },
}

/// A statement's name for evidence: its Sid, or its position.
pub(crate) fn label(statement: &Statement, index: usize) -> String {
    match &statement.sid {
        Some(sid) if !sid.is_empty() => format!("\"{sid}\""),
        _ => format!("#{} (no Sid)", index + 1),
    }
}

/// Checks that `document` grants every request in `requests` (all must be allowed; e.g. the
/// log files and the digest files of one trail).
pub(crate) fn check(
    document: &PolicyDocument,
    requests: &[ServiceRequest<'_>],
    expected_resource: &str,
    trail_arn: &str,
    hardening: Option<Hardening>,
) -> Finding {
    let mut uncertain_deny = None;
    for request in requests {
        for (i, statement) in document.statements.iter().enumerate() {
            if statement.effect != Effect::Deny {
                continue;
            }
            let m = access::evaluate(statement, request);
            match m.applies() {
                Applies::Yes => {
                    return Finding::Denied {
                        statement: label(statement, i),
                    };
                }
                Applies::Unknown if uncertain_deny.is_none() => {
                    uncertain_deny = Some((
                        label(statement, i),
                        problems(&m, statement, expected_resource, trail_arn),
                    ));
                }
                _ => {}
            }
        }
    }

    'requests: for request in requests {
        let mut unhardened = None;
        let mut uncertain_allow = None;
        let mut closest: Option<(usize, String, Vec<Problem>)> = None;
        for (i, statement) in document.statements.iter().enumerate() {
            if statement.effect != Effect::Allow {
                continue;
            }
            let m = access::evaluate(statement, request);
            match m.applies() {
                Applies::Yes => {
                    let hardened = hardening.is_none_or(|h| m.met_condition(h.key, h.operators));
                    if hardened {
                        continue 'requests;
                    }
                    unhardened.get_or_insert_with(|| label(statement, i));
                }
                Applies::Unknown => {
                    uncertain_allow.get_or_insert_with(|| {
                        (
                            label(statement, i),
                            problems(&m, statement, expected_resource, trail_arn),
                        )
                    });
                }
                Applies::No if m.principal && m.action => {
                    let found = problems(&m, statement, expected_resource, trail_arn);
                    if closest.as_ref().is_none_or(|(n, _, _)| found.len() < *n) {
                        closest = Some((found.len(), label(statement, i), found));
                    }
                }
                Applies::No => {}
            }
        }
        // This request has no hardened grant.
        if let Some(statement) = unhardened {
            return Finding::MissingHardening { statement };
        }
        if let Some((statement, problems)) = uncertain_allow {
            return Finding::Uncertain {
                statement,
                problems,
            };
        }
        return Finding::NotGranted {
            closest: closest.map(|(_, label, problems)| (label, problems)),
        };
    }
    match uncertain_deny {
        Some((statement, problems)) => Finding::Uncertain {
            statement,
            problems,
        },
        None => Finding::Satisfied,
    }
}

fn problems(
    m: &access::Match,
    statement: &Statement,
    expected_resource: &str,
    trail_arn: &str,
) -> Vec<Problem> {
    let mut out = Vec::new();
    if !m.resource {
        out.push(Problem::ResourceNotCovered {
            resources: if statement.resource.is_empty() {
                statement
                    .not_resource
                    .iter()
                    .map(|r| format!("NotResource {r}"))
                    .collect()
            } else {
                statement.resource.clone()
            },
            expected: expected_resource.to_owned(),
        });
    }
    for test in m.unmet() {
        let condition = access::describe(test);
        out.push(match test.outcome {
            Applies::Unknown => Problem::ConditionUnknown { condition },
            _ if test.key.eq_ignore_ascii_case("aws:SourceArn") => Problem::SourceArnOtherTrail {
                values: test.values.clone(),
                trail: trail_arn.to_owned(),
            },
            _ => Problem::ConditionNotMet { condition },
        });
    }
    out
}
