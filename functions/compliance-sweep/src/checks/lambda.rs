//! Lambda: no secrets in environment variables (LAM-01), a runtime Lambda still supports
//! (LAM-02), environment variables under a customer key (LAM-03), not public through the
//! resource policy or a function URL without authentication (LAM-04), a URL's CORS not open to
//! every origin (LAM-05), attached to a VPC (LAM-06), a dead-letter queue (LAM-07), no layer
//! of another account (LAM-08), invocations recorded by a trail's data events (LAM-09).
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

use super::ids::{LAM_01, LAM_02, LAM_03, LAM_04, LAM_05, LAM_06, LAM_07, LAM_08, LAM_09};
use super::secret_like;
use super::{Ctx, Finding, ResourceType, Subject, errors};
use crate::facts::{ApiError, Fetched, Function, LambdaFacts, SecretHit, Trail};

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
            &[
                LAM_01, LAM_02, LAM_03, LAM_04, LAM_05, LAM_06, LAM_07, LAM_08, LAM_09,
            ],
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
                    Some(lam_06_in_vpc(x, &f.region)),
                    Some(lam_07_dead_letters(x, &f.region)),
                    Some(lam_08_own_layers(x, &f.region, ctx)),
                    Some(lam_09_invocations_logged(x, &f.region, &f.trails)),
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

/// LAM-06: attached to a VPC (`VpcConfig.VpcId`). Without one, the function reaches the
/// internet and AWS endpoints through Lambda's own network: no security group, no VPC
/// endpoint policy and no flow log stands between it and where it sends data. Subnets
/// without a VPC id is an answer AWS does not give: ERROR.
fn lam_06_in_vpc(f: &Function, region: &str) -> Finding {
    let verdict = LAM_06.on(&function(&f.arn, region));
    match (&f.vpc_id, f.vpc_subnets) {
        (Some(vpc), n) => verdict
            .pass(format!("attached to {vpc} ({n} subnet(s))"))
            .with("vpc_id", vpc.as_str()),
        (None, 0) => verdict.fail(
            "not attached to a VPC: its traffic goes out through Lambda's own network, past no security group or VPC endpoint",
        ),
        (None, n) => verdict.error(&ApiError::incomplete(
            "lambda:ListFunctions",
            format!("VpcConfig.VpcId of a function with {n} subnet(s)"),
        )),
    }
}

/// LAM-07: a dead-letter queue (`DeadLetterConfig.TargetArn`) receives the asynchronous
/// invocations that failed every retry. FAILs whenever Prowler does, i.e. on every function
/// without one, although a function only ever invoked synchronously needs none (its caller
/// gets the error) and an on-failure destination (EventInvokeConfig, not read here) does the
/// same job: the detail says so.
fn lam_07_dead_letters(f: &Function, region: &str) -> Finding {
    let verdict = LAM_07.on(&function(&f.arn, region));
    match &f.dead_letter_target {
        Some(target) => verdict
            .pass(format!(
                "failed asynchronous invocations go to the dead-letter queue {target}"
            ))
            .with("dead_letter_target", target.as_str()),
        None => verdict.fail(
            "no dead-letter queue: an asynchronous invocation (S3, SNS, EventBridge, ...) that fails every retry is dropped unseen. Not needed if the function is only ever invoked synchronously; an on-failure destination (not read by the sweep) does the same job",
        ),
    }
}

/// LAM-08: every layer (`Layers[].Arn`) is published by the swept account. A layer of another
/// account runs inside the function with its role, and its owner can publish what the next
/// version runs; AWS's own layers count as other accounts too (as in Prowler). A layer ARN
/// without an account is ERROR.
fn lam_08_own_layers(f: &Function, region: &str, ctx: &Ctx) -> Finding {
    let verdict = LAM_08.on(&function(&f.arn, region));
    if f.layers.is_empty() {
        return verdict.pass("uses no layer");
    }
    let mut foreign = Vec::new();
    for layer in &f.layers {
        match vigil::arn::account(layer) {
            None => {
                return verdict.error(&ApiError::incomplete(
                    "lambda:ListFunctions",
                    format!("an account in layer ARN {layer:?}"),
                ));
            }
            Some(a) if a != ctx.account => foreign.push(layer.clone()),
            Some(_) => {}
        }
    }
    if foreign.is_empty() {
        verdict.pass(format!(
            "{} layer(s), all published by this account",
            f.layers.len()
        ))
    } else {
        verdict
            .fail(format!(
                "uses layer(s) of another account: {}",
                foreign.join(", ")
            ))
            .with("layers", foreign)
    }
}

/// LAM-09: a trail recording the function's Region (multi-Region, or homed there) and logging
/// records its `Invoke` data events (see `aws::cloudtrail::lambda_invokes`). Judged per
/// function, as Prowler does, because selectors may name functions one by one; the trails come
/// from the CloudTrail shard's answer. Unreadable selectors or status, and no trail records
/// it: ERROR.
fn lam_09_invocations_logged(f: &Function, region: &str, trails: &Fetched<Vec<Trail>>) -> Finding {
    let verdict = LAM_09.on(&function(&f.arn, region));
    let trails = match trails {
        Ok(t) => t,
        Err(e) => return verdict.error(e),
    };
    let mut first_error = None;
    let mut idle = Vec::new();
    for t in trails
        .iter()
        .filter(|t| t.multi_region || t.home_region == region)
    {
        let selectors = match &t.selectors {
            Ok(s) => s,
            Err(e) => {
                first_error = first_error.or(Some(e));
                continue;
            }
        };
        let records = selectors
            .lambda_invokes
            .iter()
            .any(|conditions| conditions.iter().all(|c| c.accepts(&f.arn)));
        if !records {
            continue;
        }
        match &t.status {
            Ok(s) if s.is_logging => {
                return verdict
                    .pass(format!(
                        "trail {} records its invocations (Lambda data events)",
                        t.arn
                    ))
                    .with("trail", t.arn.as_str());
            }
            Ok(_) => idle.push(t.name.clone()),
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    if let Some(e) = first_error {
        return verdict.error(e);
    }
    verdict.fail(if idle.is_empty() {
        format!(
            "no trail recording {region} logs its invocations (data events of type AWS::Lambda::Function, Invoke included)"
        )
    } else {
        format!(
            "trail(s) {} would record its invocations but are not logging",
            idle.join(", ")
        )
    })
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
            vpc_id: None,
            vpc_subnets: 0,
            dead_letter_target: None,
            layers: vec![],
        };
        let t = Thresholds::default();
        let out = evaluate(
            &LambdaFacts {
                region: "us-east-1".into(),
                functions: Ok(vec![f.clone()]),
                trails: Ok(vec![]),
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
            vpc_id: Some("vpc-0a1b2c".into()),
            vpc_subnets: 2,
            dead_letter_target: Some("arn:aws:sqs:us-east-1:111122223333:dlq".into()),
            layers: vec![],
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

    #[test]
    fn a_function_outside_a_vpc_fails_and_subnets_without_a_vpc_are_errors() {
        let status = |vpc_id: Option<&str>, vpc_subnets: usize| {
            let f = Function {
                vpc_id: vpc_id.map(str::to_owned),
                vpc_subnets,
                ..plain("f")
            };
            lam_06_in_vpc(&f, "us-east-1").status
        };
        assert_eq!(status(Some("vpc-0a1b2c"), 2), Pass);
        assert_eq!(status(None, 0), Fail);
        assert_eq!(status(None, 2), Error);
    }

    /// Prowler FAILs every function without a dead-letter queue; so does LAM-07, saying when
    /// none is needed.
    #[test]
    fn a_function_without_a_dead_letter_queue_fails() {
        assert_eq!(lam_07_dead_letters(&plain("f"), "r").status, Pass);
        let f = lam_07_dead_letters(
            &Function {
                dead_letter_target: None,
                ..plain("f")
            },
            "r",
        );
        assert_eq!(f.status, Fail);
        assert!(
            f.detail.contains("only ever invoked synchronously"),
            "{}",
            f.detail
        );
        assert!(f.detail.contains("on-failure destination"), "{}", f.detail);
    }

    #[test]
    fn layers_of_another_account_fail_and_name_the_layers() {
        let t = Thresholds::default();
        let c = ctx(&t);
        let with = |layers: &[&str]| {
            let f = Function {
                layers: layers.iter().map(|l| l.to_string()).collect(),
                ..plain("f")
            };
            lam_08_own_layers(&f, "us-east-1", &c)
        };
        assert_eq!(with(&[]).status, Pass);
        let own = "arn:aws:lambda:us-east-1:111122223333:layer:shared:3";
        assert_eq!(with(&[own]).status, Pass);
        let theirs = "arn:aws:lambda:us-east-1:999988887777:layer:helpers:7";
        let f = with(&[own, theirs]);
        assert_eq!(f.status, Fail);
        assert_eq!(
            f.detail,
            format!("uses layer(s) of another account: {theirs}")
        );
        // An AWS-published layer is another account's too (Prowler: FAIL).
        let aws = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12";
        assert_eq!(with(&[aws]).status, Fail);
        assert_eq!(with(&["not-an-arn"]).status, Error);
    }

    #[test]
    fn invocations_are_recorded_by_a_logging_trail_of_the_region() {
        use crate::checks::cloudtrail::tests::trail;
        use crate::facts::{TrailStatus, ValueMatch};
        let f = plain("f");
        let other = plain("other");
        let judge = |f: &Function, trails: Fetched<Vec<Trail>>| {
            lam_09_invocations_logged(f, "us-east-1", &trails).status
        };
        let recording = |name: &str, home: &str, multi: bool, scope: Vec<Vec<ValueMatch>>| {
            let mut t = trail(name, home, multi);
            if let Ok(s) = &mut t.selectors {
                s.lambda_invokes = scope;
            }
            t
        };
        let every = || vec![vec![]];
        // No trail, or trails recording no Lambda data events.
        assert_eq!(judge(&f, Ok(vec![])), Fail);
        assert_eq!(judge(&f, Ok(vec![trail("t", "us-east-1", true)])), Fail);
        // Every function, by a multi-Region trail homed elsewhere or a trail homed here.
        assert_eq!(
            judge(&f, Ok(vec![recording("t", "eu-west-1", true, every())])),
            Pass
        );
        assert_eq!(
            judge(&f, Ok(vec![recording("t", "us-east-1", false, every())])),
            Pass
        );
        // A single-Region trail of another Region records nothing here.
        assert_eq!(
            judge(&f, Ok(vec![recording("t", "eu-west-1", false, every())])),
            Fail
        );
        // Functions named one by one.
        let only_f = vec![vec![ValueMatch {
            equals: vec![f.arn.clone()],
            ..ValueMatch::default()
        }]];
        let named = Ok(vec![recording("t", "us-east-1", true, only_f)]);
        assert_eq!(judge(&f, named.clone()), Pass);
        assert_eq!(judge(&other, named), Fail);
        // A trail that is not logging records nothing.
        let mut stopped = recording("t", "us-east-1", true, every());
        stopped.status = Ok(TrailStatus {
            is_logging: false,
            latest_cloudwatch_delivery: None,
            latest_digest_delivery: None,
        });
        let out = lam_09_invocations_logged(&f, "us-east-1", &Ok(vec![stopped]));
        assert_eq!(out.status, Fail);
        assert!(out.detail.contains("not logging"), "{}", out.detail);
        // Unknowns are errors.
        assert_eq!(judge(&f, Err(denied("cloudtrail:DescribeTrails"))), Error);
        let mut unreadable = trail("t", "us-east-1", true);
        unreadable.selectors = Err(denied("cloudtrail:GetEventSelectors"));
        assert_eq!(judge(&f, Ok(vec![unreadable])), Error);
        let mut no_status = recording("t", "us-east-1", true, every());
        no_status.status = Err(denied("cloudtrail:GetTrailStatus"));
        assert_eq!(judge(&f, Ok(vec![no_status])), Error);
    }
}
