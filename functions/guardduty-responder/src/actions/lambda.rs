//! Lambda: stop new invocations of a function that talks to a malicious host, after recording
//! what it runs, reversibly: reserved concurrency 0 throttles every invocation of every
//! version and alias, and release puts the reservation back as it was.
//!
//! The reservation before the change is written on the function itself first (tag
//! `vigil:previous-concurrency`), so a response cut off before its record is written still
//! leaves what release needs.

use super::record::Undo;
use super::{ActionError, Ctx, Step};
use crate::aws::Clients;
use crate::aws::lambda::Function;

const FINDING_TAG: &str = "vigil:guardduty-finding";
const PREVIOUS_TAG: &str = "vigil:previous-concurrency";
/// A presigned code URL is long; the record keeps its start (it expires within minutes).
const LOCATION_CHARS: usize = 200;

/// The tag value for a reservation (`none`: no reservation).
fn previous_value(previous: Option<i32>) -> String {
    previous.map_or_else(|| "none".into(), |n| n.to_string())
}

/// The reservation a tag value names; `None` when the tag is not one of ours.
fn parse_previous(value: &str) -> Option<Option<i32>> {
    match value {
        "none" => Some(None),
        n => n.parse().ok().map(Some),
    }
}

/// What is recorded about the function. Pure.
fn describe(f: &Function, version: Option<&str>) -> String {
    let location = f.code_location.as_deref().map(|l| {
        if l.len() > LOCATION_CHARS {
            let cut = (0..=LOCATION_CHARS)
                .rev()
                .find(|i| l.is_char_boundary(*i))
                .unwrap_or(0);
            format!("{}...", &l[..cut])
        } else {
            l.to_owned()
        }
    });
    format!(
        "version {} (finding) / {} (described); code sha256 {}; revision {}; runtime {}; role {}; last modified {}; code location {}",
        version.unwrap_or("unknown"),
        f.version.as_deref().unwrap_or("unknown"),
        f.code_sha256.as_deref().unwrap_or("unknown"),
        f.revision_id.as_deref().unwrap_or("unknown"),
        f.runtime.as_deref().unwrap_or("unknown"),
        f.role.as_deref().unwrap_or("unknown"),
        f.last_modified.as_deref().unwrap_or("unknown"),
        location.as_deref().unwrap_or("unknown"),
    )
}

pub(crate) async fn stop_invocations(
    ctx: &Ctx<'_>,
    function: &str,
    version: Option<&str>,
) -> Result<Step, ActionError> {
    let lambda = &ctx.aws.lambda;
    let Some(f) = lambda.get_function(function, None).await? else {
        return Err(ActionError::Refused(format!(
            "function {function} does not exist (any more) in this account and Region"
        )));
    };
    // The finding's version, when it is a published one, is recorded as it is.
    let recorded = match version {
        Some(v) if v != "$LATEST" && f.version.as_deref() != Some(v) => lambda
            .get_function(function, Some(v))
            .await?
            .unwrap_or_else(|| f.clone()),
        _ => f.clone(),
    };
    let record = describe(&recorded, version);
    let tagged_previous = f
        .tags
        .iter()
        .find(|(k, _)| k == PREVIOUS_TAG)
        .and_then(|(_, v)| parse_previous(v));
    if f.reserved_concurrency == Some(0) {
        if let Some(previous) = tagged_previous {
            ctx.remember(Undo::RestoreConcurrency {
                function: f.name.clone(),
                previous,
            });
        }
        return Ok(Step::AlreadyDone(format!(
            "reserved concurrency is already 0: nothing invokes it; {record}"
        )));
    }
    let previous = f.reserved_concurrency;
    let value = previous_value(previous);
    lambda
        .tag(
            &f.arn,
            &[
                (FINDING_TAG, ctx.finding.id.as_str()),
                (PREVIOUS_TAG, value.as_str()),
            ],
        )
        .await?;
    lambda.put_concurrency(&f.name, 0).await?;
    ctx.remember(Undo::RestoreConcurrency {
        function: f.name.clone(),
        previous,
    });
    Ok(Step::Done(format!(
        "reserved concurrency 0 (was {value}): every invocation is throttled; recorded first: {record}"
    )))
}

/// Release: the reservation back as it was, read back, then the responder's tags removed.
pub(crate) async fn restore_concurrency(
    aws: &Clients,
    function: &str,
    previous: Option<i32>,
) -> Result<Step, ActionError> {
    let lambda = &aws.lambda;
    let Some(f) = lambda.get_function(function, None).await? else {
        return Err(ActionError::Refused(format!(
            "function {function} no longer exists"
        )));
    };
    let changed = f.reserved_concurrency != previous;
    if changed {
        match previous {
            Some(n) => lambda.put_concurrency(function, n).await?,
            None => lambda.delete_concurrency(function).await?,
        }
        let after = lambda
            .get_function(function, None)
            .await?
            .map(|f| f.reserved_concurrency);
        if after != Some(previous) {
            return Err(ActionError::Refused(format!(
                "read back, the reserved concurrency is {:?}, not {}",
                after.flatten(),
                previous_value(previous)
            )));
        }
    }
    let keys: Vec<String> = f
        .tags
        .iter()
        .filter(|(k, _)| k == FINDING_TAG || k == PREVIOUS_TAG)
        .map(|(k, _)| k.clone())
        .collect();
    if !keys.is_empty() {
        lambda.untag(&f.arn, &keys).await?;
    }
    let detail = format!(
        "reserved concurrency {} (read back)",
        previous_value(previous)
    );
    Ok(if changed {
        Step::Done(detail)
    } else {
        Step::AlreadyDone(detail)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_reservation_round_trips_through_its_tag() {
        for previous in [None, Some(0), Some(25)] {
            assert_eq!(parse_previous(&previous_value(previous)), Some(previous));
        }
        assert_eq!(parse_previous("lots"), None);
    }

    #[test]
    fn the_record_names_version_code_and_configuration() {
        let f = Function {
            version: Some("$LATEST".into()),
            code_sha256: Some("abc=".into()),
            role: Some("arn:aws:iam::1:role/fn".into()),
            code_location: Some(format!("https://example.com/{}", "x".repeat(500))),
            ..Function::default()
        };
        let text = describe(&f, Some("3"));
        for expected in [
            "version 3 (finding)",
            "abc=",
            "role/fn",
            "https://example.com/",
        ] {
            assert!(text.contains(expected), "{expected} missing from {text}");
        }
        assert!(text.len() < 600, "the code location is cut");
    }
}
