//! Lambda: no secrets in environment variables (LAM-01), a runtime Lambda still supports
//! (LAM-02), environment variables under a customer key (LAM-03), not public through the
//! resource policy or a function URL without authentication (LAM-04).
//!
//! LAM-01:
//! [`scan`] runs where the variables are read (collection) and is the only code that sees
//! their values: it returns, per suspicious variable, the variable name, the rule that fired
//! and a salted SHA-256 of the value. Values are held as `SecretString` and never stored,
//! logged or returned. The rules are [`secret_like`]'s (SSM-01 applies the same ones to
//! Parameter Store values). Prowler 5.46.0's scanner (Kingfisher) misses most of the embedded
//! forms and every password of nine characters or fewer; the tests below list the cases.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use vigil::aws::AwsFailure;

use chrono::NaiveDate;
use vigil::policy::PolicyDocument;
use vigil::policy::analysis::public_statements;

use super::ids::{LAM_01, LAM_02, LAM_03, LAM_04, LAM_05};
use super::secret_like;
use super::{Ctx, Finding, ResourceType, Subject, errors};
use crate::facts::{ApiError, Function, LambdaFacts, SecretHit};

fn function(arn: &str, region: &str) -> Subject {
    Subject::new(ResourceType::AwsLambdaFunction, arn).in_region(region)
}

/// Finds the variables that look like secrets. `salt` is random per run.
pub(crate) fn scan(variables: &[(String, SecretString)], salt: &[u8]) -> Vec<SecretHit> {
    let mut hits = Vec::new();
    for (name, value) in variables {
        let v = value.expose_secret();
        let rule = secret_like::rule(name, v);
        if let Some(rule) = rule {
            let mut h = Sha256::new();
            h.update(salt);
            h.update(v.as_bytes());
            hits.push(SecretHit {
                variable: name.clone(),
                rule,
                salted_sha256: hex::encode(h.finalize()),
            });
        }
    }
    hits
}

pub(crate) fn evaluate(f: &LambdaFacts, ctx: &Ctx) -> Vec<Finding> {
    match &f.functions {
        Err(e) => errors(
            &[LAM_01, LAM_02, LAM_03, LAM_04, LAM_05],
            &function(
                &format!("arn:aws:lambda:{}:{}:function:*", f.region, ctx.account),
                &f.region,
            ),
            e,
        ),
        Ok(functions) => functions
            .iter()
            .flat_map(|x| {
                [
                    Some(lam_01_no_secrets(x, &f.region)),
                    Some(lam_02_supported_runtime(x, &f.region, ctx)),
                    Some(lam_03_environment_key(x, &f.region)),
                    Some(lam_04_not_public(x, &f.region)),
                    lam_05_url_cors(x, &f.region),
                ]
                .into_iter()
                .flatten()
            })
            .collect(),
    }
}

/// Runtimes past their deprecation date (AWS Lambda's runtime deprecation table): after that
/// date Lambda no longer patches them. Judged against the run's date, so a runtime fails the
/// day its support ends without a new release of this list. Prowler 5.46.0 keeps a fixed list
/// that ends with python3.8 / nodejs16.x / ruby2.7 and passes python3.9, nodejs18.x and
/// ruby3.2, deprecated since.
const DEPRECATED_RUNTIMES: &[(&str, &str)] = &[
    ("nodejs", "2016-10-31"),
    ("nodejs4.3", "2020-03-05"),
    ("nodejs4.3-edge", "2019-04-30"),
    ("nodejs6.10", "2019-08-12"),
    ("nodejs8.10", "2020-03-06"),
    ("nodejs10.x", "2021-07-30"),
    ("nodejs12.x", "2023-03-31"),
    ("nodejs14.x", "2023-12-04"),
    ("nodejs16.x", "2024-06-12"),
    ("nodejs18.x", "2025-09-01"),
    ("python2.7", "2021-07-15"),
    ("python3.6", "2022-07-18"),
    ("python3.7", "2023-12-04"),
    ("python3.8", "2024-10-14"),
    ("python3.9", "2025-12-15"),
    ("ruby2.5", "2021-07-30"),
    ("ruby2.7", "2023-12-07"),
    ("ruby3.2", "2026-03-31"),
    ("java8", "2024-01-08"),
    ("go1.x", "2024-01-08"),
    ("provided", "2024-01-08"),
    ("dotnetcore1.0", "2019-07-30"),
    ("dotnetcore2.0", "2019-05-30"),
    ("dotnetcore2.1", "2022-01-05"),
    ("dotnetcore3.1", "2023-04-03"),
    ("dotnet5.0", "2022-05-10"),
    ("dotnet6", "2024-12-20"),
    ("dotnet7", "2024-05-14"),
];

/// The date support of `runtime` ended, if it has an end in [`DEPRECATED_RUNTIMES`].
fn deprecation(runtime: &str) -> Option<NaiveDate> {
    DEPRECATED_RUNTIMES
        .iter()
        .find(|(r, _)| *r == runtime)
        .and_then(|(_, d)| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// LAM-02: the runtime is not deprecated on the run's date. A container image has no managed
/// runtime: not applicable.
fn lam_02_supported_runtime(f: &Function, region: &str, ctx: &Ctx) -> Finding {
    let verdict = LAM_02.on(&function(&f.arn, region));
    let Some(runtime) = &f.runtime else {
        return verdict.not_applicable("a container image: no Lambda-managed runtime");
    };
    match deprecation(runtime) {
        Some(end) if end <= ctx.now.date_naive() => verdict.fail(format!(
            "runtime {runtime} deprecated since {end}: no more security patches"
        )),
        Some(end) => verdict.pass(format!("runtime {runtime} supported until {end}")),
        None => verdict.pass(format!("runtime {runtime} supported")),
    }
}

/// LAM-03: environment variables, if any, encrypted with a customer key (`KMSKeyArn`).
fn lam_03_environment_key(f: &Function, region: &str) -> Finding {
    let verdict = LAM_03.on(&function(&f.arn, region));
    if f.variable_names.is_empty() && f.environment_error.is_none() {
        return verdict.pass("no environment variables");
    }
    match &f.kms_key_arn {
        Some(key) => verdict.pass(format!("environment encrypted with {key}")),
        None => verdict.fail(format!(
            "{} environment variable(s) under Lambda's AWS managed key, not a customer key",
            f.variable_names.len()
        )),
    }
}

/// LAM-05: a function URL's CORS does not let every web origin call it from a browser
/// (`AllowOrigins` `*`). No URL: nothing to judge.
fn lam_05_url_cors(f: &Function, region: &str) -> Option<Finding> {
    let verdict = LAM_05.on(&function(&f.arn, region));
    match &f.url {
        Err(e) => Some(verdict.error(e)),
        Ok(None) => None,
        Ok(Some(url)) => Some(if url.cors_origins.iter().any(|o| o.trim() == "*") {
            verdict
                .fail("the function URL's CORS allows every origin (*): any web page can call it from a visitor's browser")
                .with("allow_origins", url.cors_origins.clone())
        } else if url.cors_origins.is_empty() {
            verdict
                .pass("the function URL has no CORS origin: browsers on other sites cannot call it")
        } else {
            verdict
                .pass(format!(
                    "the function URL's CORS allows {} named origin(s)",
                    url.cors_origins.len()
                ))
                .with("allow_origins", url.cors_origins.clone())
        }),
    }
}

/// LAM-04: no resource-policy statement lets anyone invoke it without a condition pinning the
/// caller, and no function URL without authentication (AuthType NONE).
fn lam_04_not_public(f: &Function, region: &str) -> Finding {
    let verdict = LAM_04.on(&function(&f.arn, region));
    let policy = match &f.policy {
        Err(e) => return verdict.error(e),
        Ok(p) => p,
    };
    let url = match &f.url {
        Err(e) => return verdict.error(e),
        Ok(u) => u.as_ref().map(|u| u.auth_type.as_str()),
    };
    let mut why = Vec::new();
    if let Some(text) = policy {
        match PolicyDocument::parse(text) {
            Err(e) => {
                return verdict.error(&ApiError::incomplete(
                    "lambda:GetPolicy",
                    format!("a readable resource policy ({e})"),
                ));
            }
            Ok(doc) => {
                let public: Vec<String> = public_statements(&doc)
                    .iter()
                    .map(|(i, s)| s.sid.clone().unwrap_or_else(|| format!("#{i}")))
                    .collect();
                if !public.is_empty() {
                    why.push(format!(
                        "resource policy lets anyone invoke it (statement {})",
                        public.join(", ")
                    ));
                }
            }
        }
    }
    if let Some(auth) = url
        && auth != "AWS_IAM"
    {
        why.push(format!("function URL with AuthType {auth}"));
    }
    if why.is_empty() {
        verdict.pass(match (policy.is_some(), url.is_some()) {
            (false, false) => "no resource policy, no function URL",
            (true, false) => "resource policy not public, no function URL",
            (false, true) => "function URL requires IAM authentication",
            (true, true) => "resource policy not public, function URL requires IAM authentication",
        })
    } else {
        verdict.fail(why.join("; "))
    }
}

/// LAM-01: no detector hit; variables that could not be read are an ERROR, not a pass.
fn lam_01_no_secrets(f: &Function, region: &str) -> Finding {
    if let Some(err) = &f.environment_error {
        return LAM_01.on(&function(&f.arn, region)).error(&ApiError::new(
            "lambda:ListFunctions",
            AwsFailure::Other,
            None,
            format!("environment could not be decrypted for the sweep: {err}"),
        ));
    }
    if f.hits.is_empty() {
        return LAM_01.on(&function(&f.arn, region)).pass(format!(
            "{} variable(s), none looks like a secret",
            f.variable_names.len()
        ));
    }
    let names: Vec<String> = f
        .hits
        .iter()
        .map(|h| format!("{} ({})", h.variable, h.rule))
        .collect();
    LAM_01
        .on(&function(&f.arn, region))
        .fail(format!("secret-like value(s) in {}", names.join(", ")))
        .with("hits", serde_json::to_value(&f.hits).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::{Fetched, FunctionUrl};

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, SecretString)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), SecretString::from(v.to_string())))
            .collect()
    }

    #[test]
    fn detectors_find_secrets_by_name_and_value_and_skip_references() {
        let hits = scan(
            &vars(&[
                ("DB_PASSWORD", "hunter2-but-longer"),
                ("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x"),
                ("API_TOKEN", "{{resolve:secretsmanager:x}}"),
                ("SOMETHING", "AKIAIOSFODNN7EXAMPLE"),
                ("DATABASE_URL", "postgres://app:pa55word@db:5432/app"),
                ("BLOB", "Zx8qR2vL9mK4pT7wN1sY6bH3cF5gJ0aE"),
                ("LOG_LEVEL", "debug"),
                ("REGION", "us-east-1"),
            ]),
            b"salt",
        );
        let found: Vec<(&str, &str)> = hits
            .iter()
            .map(|h| (h.variable.as_str(), h.rule.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("DB_PASSWORD", "name:secret-like"),
                ("SOMETHING", "value:aws-access-key-id"),
                ("DATABASE_URL", "value:url-with-password"),
                ("BLOB", "value:high-entropy"),
            ]
        );
        for h in &hits {
            assert_eq!(h.salted_sha256.len(), 64);
        }
        let again = scan(
            &vars(&[("DB_PASSWORD", "hunter2-but-longer")]),
            b"other salt",
        );
        assert_ne!(
            again[0].salted_sha256, hits[0].salted_sha256,
            "the salt changes the hash"
        );
    }

    /// Issue 12: secrets written inside a longer value. Each row is a case from the research
    /// note's measurements (/work/research/prowler-checks.md 5.3), with what Prowler 5.46.0's
    /// scanner (Kingfisher 1.104.0, `--confidence low`) reported for it: every one marked
    /// "Prowler: PASS" is a secret Prowler misses. The values are made up.
    #[test]
    fn embedded_credentials_prowler_misses_are_found() {
        let pw = "Qm7vT2xK9pLr4wZs";
        let cases: Vec<(&str, String, &str, &str)> = vec![
            // (variable, value, rule LAM-01 reports, what Prowler reported)
            (
                "SMTP",
                format!("smtp.example.com:587 user=mailer password={pw}"),
                "value:password-assignment",
                "Prowler: PASS (no user within 16 chars before)",
            ),
            (
                "CONN",
                format!("Server=db;Password={pw};User Id=sa"),
                "value:password-assignment",
                "Prowler: PASS (password before user)",
            ),
            (
                "PG_DSN",
                format!("host=db dbname=app password={pw}"),
                "value:password-assignment",
                "Prowler: PASS (no user)",
            ),
            (
                "PG_DSN2",
                format!("host=db user=app password={pw} dbname=app"),
                "value:password-assignment",
                "Prowler: FAIL generic.4",
            ),
            (
                "ODBC",
                format!("Driver={{ODBC Driver 18}};Server=db;Uid=sa;Pwd={pw};"),
                "value:password-assignment",
                "Prowler: PASS (Pwd=)",
            ),
            (
                "OPTS",
                format!("password: {pw}"),
                "value:password-assignment",
                "Prowler: PASS (YAML, unquoted)",
            ),
            (
                "CONFIG",
                format!(r#"{{"user": "app", "password": "{pw}"}}"#),
                "value:password-assignment",
                "Prowler: FAIL generic.5",
            ),
            (
                "JDBC",
                format!("jdbc:postgresql://db:5432/app?user=app&password={pw}"),
                "value:password-assignment",
                "Prowler: FAIL jdbc.1",
            ),
            (
                "SHORT",
                "host=db user=app password=hunter2".into(),
                "value:password-assignment",
                "Prowler: PASS (9 chars or fewer never reach entropy 3.3)",
            ),
            (
                "CACHE",
                format!("redis://:{pw}@cache:6379/0"),
                "value:url-with-password",
                "Prowler: FAIL redis.1",
            ),
            (
                "PG",
                format!("postgres://app:{pw}@db/app"),
                "value:url-with-password",
                "Prowler: PASS (no :port)",
            ),
            (
                "ALCHEMY",
                format!("postgresql+psycopg2://app:{pw}@db/app"),
                "value:url-with-password",
                "Prowler: PASS",
            ),
            (
                "HOOK",
                "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/Xy7Qm2vT9pLr4wZs8kN3cJ5h"
                    .into(),
                "value:slack-webhook",
                "Prowler: FAIL",
            ),
            (
                "AUTH_HEADER",
                "Basic YXBwOlFtN3ZUMnhLOXBMcjR3WnM=".into(),
                "value:basic-auth",
                "Prowler: FAIL",
            ),
            (
                "DB_PWD",
                pw.into(),
                "name:secret-like",
                "Prowler: PASS (name not a signal)",
            ),
            (
                "DB_PASSWORD",
                "hunter2".into(),
                "name:secret-like",
                "Prowler: PASS (too short)",
            ),
            (
                "SIGNING_KEY",
                "9f2c4e8a1b3d5f7092c4e6a8b0d2f4a69f2c4e8a1b3d5f7092c4e6a8b0d2f4a6".into(),
                "name:secret-like",
                "Prowler: PASS (64 hex characters match no rule)",
            ),
        ];
        let input: Vec<(&str, &str)> = cases.iter().map(|(k, v, _, _)| (*k, v.as_str())).collect();
        let hits = scan(&vars(&input), b"salt");
        for (name, _, rule, prowler) in &cases {
            let hit = hits.iter().find(|h| h.variable == *name);
            assert_eq!(
                hit.map(|h| h.rule.as_str()),
                Some(*rule),
                "{name} ({prowler})"
            );
        }
        let not_secrets = scan(
            &vars(&[
                ("CONN_TEMPLATE", "host=db user=app password=${DB_PASSWORD}"),
                ("JINJA", "password={{ db_password }}"),
                ("MASKED", "password=********"),
                ("FLAGS", "bypass=1 compass=north"),
                ("DOC", "use basic authentication"),
                ("HEALTH", "https://api.internal/v1/health"),
            ]),
            b"salt",
        );
        assert!(not_secrets.is_empty(), "{not_secrets:?}");
    }

    #[test]
    fn generated_resource_names_are_not_high_entropy_but_long_random_parts_are() {
        let hits = scan(
            &vars(&[
                ("VIGIL_EVIDENCE_BUCKET", "vigil-evidencebucket-3ffe75afbb42"),
                (
                    "QUEUE",
                    "vigil-GuardDutyResponderDeadLetterQueue-1A2B3C4D5E6F",
                ),
                ("TABLE", "prod.orders.Sessions-Q9X2LK7PZ3MW"),
                // A random part longer than a generated suffix, or digits among the words.
                ("UPSTREAM", "svc-Zx8qR2vL9mK4pT7wN1sY6bH3"),
                ("LABEL", "k9x2-Zx8qR2vL9mK4pT7wN1sY6b"),
                // The shape of a generated name, but the variable does not name a resource.
                ("UPSTREAM_ID_HINT", "ZxqRvLmKpTwNsYbHcJdFgQ-a1b2"),
            ]),
            b"salt",
        );
        let found: Vec<&str> = hits.iter().map(|h| h.variable.as_str()).collect();
        assert_eq!(found, vec!["UPSTREAM", "LABEL", "UPSTREAM_ID_HINT"]);
        assert!(hits.iter().all(|h| h.rule == "value:high-entropy"));
    }

    #[test]
    fn findings_never_carry_the_value() {
        let value = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
        let hits = scan(&vars(&[("GH", value)]), b"s");
        let f = Function {
            arn: "arn:aws:lambda:us-east-1:111122223333:function:f".into(),
            variable_names: vec!["GH".into()],
            hits,
            environment_error: None,
            runtime: Some("python3.12".into()),
            kms_key_arn: None,
            policy: Ok(None),
            url: Ok(None),
        };
        let t = Thresholds::default();
        let out = evaluate(
            &LambdaFacts {
                region: "us-east-1".into(),
                functions: Ok(vec![f.clone()]),
            },
            &ctx(&t),
        );
        assert_eq!(out[0].status, Fail);
        assert_eq!(
            out[0].detail,
            "secret-like value(s) in GH (value:github-token)"
        );
        assert!(!serde_json::to_string(&out).unwrap().contains(value));
        assert!(!serde_json::to_string(&f).unwrap().contains(value));
        let clean = Function {
            hits: vec![],
            ..f.clone()
        };
        assert_eq!(lam_01_no_secrets(&clean, "us-east-1").status, Pass);
        let unreadable = Function {
            environment_error: Some("KMSAccessDeniedException".into()),
            ..f
        };
        assert_eq!(lam_01_no_secrets(&unreadable, "us-east-1").status, Error);
    }

    fn plain(name: &str) -> Function {
        Function {
            arn: format!("arn:aws:lambda:us-east-1:111122223333:function:{name}"),
            variable_names: vec!["STAGE".into()],
            hits: vec![],
            environment_error: None,
            runtime: Some("python3.12".into()),
            kms_key_arn: Some("arn:aws:kms:us-east-1:111122223333:key/k".into()),
            policy: Ok(None),
            url: Ok(None),
        }
    }

    /// Deprecation is judged against the run's date; python3.9 and nodejs18.x fail although
    /// Prowler 5.46.0's fixed list passes them.
    #[test]
    fn runtimes_fail_from_their_deprecation_date() {
        let t = Thresholds::default();
        let c = ctx(&t);
        let on = |runtime: Option<&str>, c: &Ctx| {
            let f = Function {
                runtime: runtime.map(str::to_owned),
                ..plain("f")
            };
            lam_02_supported_runtime(&f, "us-east-1", c).status
        };
        assert_eq!(on(Some("python3.12"), &c), Pass);
        assert_eq!(on(Some("python3.8"), &c), Fail);
        assert_eq!(on(Some("go1.x"), &c), Fail);
        assert_eq!(on(None, &c), NotApplicable);
        // Fixtures run on 2026-06-01: python3.9 (2025-12-15), nodejs18.x (2025-09-01) and
        // ruby3.2 (2026-03-31) are deprecated; Prowler's list does not have them.
        for r in ["python3.9", "nodejs18.x", "ruby3.2"] {
            assert_eq!(on(Some(r), &c), Fail, "{r}");
        }
        let before = Ctx {
            now: days_ago(365),
            ..c.clone()
        };
        assert_eq!(on(Some("python3.9"), &before), Pass, "still supported then");
    }

    #[test]
    fn environment_needs_a_customer_key_only_when_there_is_one() {
        let good = plain("good");
        assert_eq!(lam_03_environment_key(&good, "r").status, Pass);
        let managed = Function {
            kms_key_arn: None,
            ..plain("managed")
        };
        assert_eq!(lam_03_environment_key(&managed, "r").status, Fail);
        let empty = Function {
            variable_names: vec![],
            kms_key_arn: None,
            ..plain("empty")
        };
        assert_eq!(lam_03_environment_key(&empty, "r").status, Pass);
    }

    #[test]
    fn public_policy_or_open_url_fails_and_unknowns_are_errors() {
        let check = |policy: Fetched<Option<String>>, url: Fetched<Option<&str>>| {
            let f = Function {
                policy,
                url: url.map(|u| {
                    u.map(|auth| FunctionUrl {
                        auth_type: auth.into(),
                        cors_origins: vec![],
                    })
                }),
                ..plain("f")
            };
            let out = lam_04_not_public(&f, "us-east-1");
            (out.status, out.detail)
        };
        let public = r#"{"Statement":[{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"*"}]}"#;
        let pinned = r#"{"Statement":[{"Sid":"S3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b"}}}]}"#;
        assert_eq!(check(Ok(None), Ok(None)).0, Pass);
        assert_eq!(check(Ok(Some(pinned.into())), Ok(Some("AWS_IAM"))).0, Pass);
        let (status, detail) = check(Ok(Some(public.into())), Ok(None));
        assert_eq!(status, Fail);
        assert!(detail.contains("statement Anyone"), "{detail}");
        let (status, detail) = check(Ok(None), Ok(Some("NONE")));
        assert_eq!(
            (status, detail.as_str()),
            (Fail, "function URL with AuthType NONE")
        );
        assert_eq!(check(Err(denied("lambda:GetPolicy")), Ok(None)).0, Error);
        assert_eq!(
            check(Ok(None), Err(denied("lambda:GetFunctionUrlConfig"))).0,
            Error
        );
    }

    #[test]
    fn a_url_open_to_every_origin_fails_and_no_url_is_not_judged() {
        let with = |url: Fetched<Option<FunctionUrl>>| {
            lam_05_url_cors(&Function { url, ..plain("f") }, "us-east-1").map(|f| f.status)
        };
        let url = |origins: &[&str]| {
            Ok(Some(FunctionUrl {
                auth_type: "AWS_IAM".into(),
                cors_origins: origins.iter().map(|o| o.to_string()).collect(),
            }))
        };
        assert_eq!(with(url(&["*"])), Some(Fail));
        assert_eq!(with(url(&["https://app.example.com", " * "])), Some(Fail));
        assert_eq!(with(url(&["https://app.example.com"])), Some(Pass));
        assert_eq!(with(url(&[])), Some(Pass));
        assert_eq!(with(Ok(None)), None);
        assert_eq!(
            with(Err(denied("lambda:GetFunctionUrlConfig"))),
            Some(Error)
        );
    }
}
