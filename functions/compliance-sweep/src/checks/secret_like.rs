//! What looks like a secret: the rules LAM-01 (Lambda environment variables) and SSM-01
//! (Parameter Store `String` / `StringList` parameters) share. [`rule`] names the first rule a
//! (name, value) pair fires, or none; it returns the rule's id only, never the value, and
//! keeps nothing.
//!
//! Rules, in order: known token formats (as Prowler's detectors), credentials written inside
//! a longer value (a connection string's `password=`/`Pwd=`, a JSON or YAML `password`, URL
//! user-info even with an empty user, an HTTP Basic header), names that say "secret"
//! (Steampipe's heuristic) unless the value is plainly a reference (an ARN, an SSM/Secrets
//! Manager reference), and long high-entropy strings. Names are matched as environment
//! variables are written (`DB_PASSWORD`); callers with other naming (parameter paths) bring
//! their names to that form first.

use std::sync::LazyLock;

use regex::Regex;

/// Known token formats: (rule id, pattern).
static VALUE_RULES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        (
            "aws-access-key-id",
            r"\b(AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b",
        ),
        ("private-key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        ("github-token", r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
        ("slack-token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        ("stripe-live-key", r"\b[rs]k_live_[0-9A-Za-z]{20,}"),
        (
            "jwt",
            r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        ),
        (
            "url-with-password",
            r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@",
        ),
        (
            "slack-webhook",
            r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
        ),
    ]
    .into_iter()
    .map(|(id, p)| (id, Regex::new(p).expect("static pattern compiles")))
    .collect()
});

const SECRET_NAME_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "PWD",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
];
const REFERENCE_SUFFIXES: &[&str] = &[
    "_ARN", "_ID", "_NAME", "_PATH", "_URL", "_URI", "_FILE", "_REGION", "_TTL", "_LENGTH",
];

fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.starts_with("arn:")
        || v.starts_with("{{resolve:")
        || v.starts_with("/aws/reference/")
        || v.eq_ignore_ascii_case("true")
        || v.eq_ignore_ascii_case("false")
        || v.parse::<f64>().is_ok()
}

/// A password assigned inside a longer value: `key=value` connection strings (ADO.NET, libpq,
/// ODBC `Pwd=`, JDBC query parameters, `smtp...:587 user=mailer password=...`), JSON
/// (`"password": "..."`) and YAML (`password: ...`). The key must start the value or follow a
/// separator, so `bypass=` or `DB_PASSWORD_FILE=` inside a value do not count.
static PASSWORD_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:^|[\s;?&,{(\["'])(?:password|passwd|passphrase|pwd)["']?\s*[=:]\s*["']?([^\s;&,"'}\]]+)"#,
    )
    .expect("static pattern compiles")
});

/// `Basic <base64 of user:password>` (an Authorization header kept in a variable).
static BASIC_AUTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})").expect("static pattern compiles")
});

/// A value that stands for a secret supplied elsewhere (`${DB_PASSWORD}`, `{{...}}`,
/// `%(password)s`, `<password>`), not a secret.
fn is_placeholder(v: &str) -> bool {
    v.starts_with("${")
        || v.starts_with('$')
        || v.starts_with("{{")
        || v.starts_with("%(")
        || v.starts_with('<')
        || v.starts_with("arn:")
        || v.chars().all(|c| c == '*' || c == 'x' || c == 'X')
}

/// A credential written inside the value (see [`PASSWORD_ASSIGNMENT`], [`BASIC_AUTH`]).
fn embedded_credential(value: &str) -> Option<&'static str> {
    if PASSWORD_ASSIGNMENT
        .captures_iter(value)
        .any(|c| !is_placeholder(&c[1]))
    {
        return Some("password-assignment");
    }
    let basic = BASIC_AUTH.captures_iter(value).any(|c| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&c[1])
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .is_some_and(|text| text.contains(':'))
    });
    basic.then_some("basic-auth")
}

fn name_suggests_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
        && !REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Variable names that say the value is a resource name (the template's own
/// `VIGIL_EVIDENCE_BUCKET`, a `..._QUEUE`, `..._TABLE`).
const RESOURCE_NAME_SUFFIXES: &[&str] = &["BUCKET", "QUEUE", "TABLE", "TOPIC", "PARAMETER"];

fn high_entropy(name: &str, value: &str) -> bool {
    let v = value.trim();
    let names_a_resource = RESOURCE_NAME_SUFFIXES
        .iter()
        .any(|s| name.to_ascii_uppercase().ends_with(s));
    // Only where the variable says it holds a resource name: a random token with a short dash
    // suffix has the same shape.
    if names_a_resource && is_generated_name(v) {
        return false;
    }
    v.len() >= 24
        && !v.contains(char::is_whitespace)
        && !v.starts_with("arn:")
        && !v.contains("://")
        && entropy(v) >= 4.0
}

/// A resource name as CloudFormation generates them: words joined by '-' or '.', then a random
/// suffix of at most 13 letters and digits (`vigil-evidencebucket-3ffe75afbb42`,
/// `stack-AlertTopic-1A2B3C4D5E6F`). Such names fill Lambda environments (bucket, queue,
/// table names) and score as high-entropy strings; the randomness is in the short suffix only.
fn is_generated_name(v: &str) -> bool {
    let parts: Vec<&str> = v.split(['-', '.']).collect();
    let Some((suffix, words)) = parts.split_last() else {
        return false;
    };
    !words.is_empty()
        && words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()))
        && (1..=13).contains(&suffix.len())
        && suffix.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The first rule `name` = `value` fires (`value:aws-access-key-id`, `name:secret-like`, ...),
/// or `None` when it looks like no secret.
pub(crate) fn rule(name: &str, value: &str) -> Option<String> {
    VALUE_RULES
        .iter()
        .find(|(_, re)| re.is_match(value))
        .map(|(id, _)| format!("value:{id}"))
        .or_else(|| embedded_credential(value).map(|id| format!("value:{id}")))
        .or_else(|| {
            (name_suggests_secret(name) && !is_reference(value))
                .then(|| "name:secret-like".to_owned())
        })
        .or_else(|| high_entropy(name, value).then(|| "value:high-entropy".to_owned()))
}
