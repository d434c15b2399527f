//! SSM Parameter Store: no secret in a `String` or `StringList` parameter (SSM-01 ★).
//!
//! The seeds keep Parameter Store for non-sensitive configuration: a secret belongs in a
//! SecureString parameter or in Secrets Manager, where it is encrypted, access to it is logged
//! as a secret read and it can rotate. A `String` value is readable by anyone allowed
//! `ssm:GetParameter*` on it and shows in the console, CloudFormation and CLI output.
//!
//! [`scan`] runs where the values are read (collection) and is the only code that sees them:
//! it applies [`super::secret_like`], the rules LAM-01 uses for Lambda environment variables,
//! and returns the rule's id only. The name is matched as a variable name would be, its path
//! separators read as `_` (`/app/db/password` as `_APP_DB_PASSWORD`, `api-key` as `API_KEY`);
//! each item of a `StringList` is judged on its own. A parameter whose value could not be
//! read is ERROR, never PASS.

use secrecy::{ExposeSecret, SecretString};

use super::ids::SSM_01;
use super::{Ctx, Finding, ResourceType, Subject, errors, secret_like};
use crate::facts::{Parameter, SsmFacts};

fn parameter(arn: &str, region: &str) -> Subject {
    Subject::new(ResourceType::Other, arn).in_region(region)
}

/// The rule the parameter `name` of type `kind` with `value` fires, if any.
pub(crate) fn scan(name: &str, kind: &str, value: &SecretString) -> Option<String> {
    let as_variable: String = name
        .chars()
        .map(|c| if matches!(c, '/' | '-' | '.') { '_' } else { c })
        .collect();
    let value = value.expose_secret();
    if kind == "StringList" {
        value
            .split(',')
            .find_map(|item| secret_like::rule(&as_variable, item))
    } else {
        secret_like::rule(&as_variable, value)
    }
}

pub(crate) fn evaluate(f: &SsmFacts, ctx: &Ctx) -> Vec<Finding> {
    match &f.parameters {
        Err(e) => errors(
            &[SSM_01],
            &parameter(
                &format!("arn:aws:ssm:{}:{}:parameter/*", f.region, ctx.account),
                &f.region,
            ),
            e,
        ),
        Ok(list) => list
            .iter()
            .map(|p| ssm_01_no_secret(p, &f.region))
            .collect(),
    }
}

/// SSM-01: the name and value fire no secret rule; a value not read is ERROR.
fn ssm_01_no_secret(p: &Parameter, region: &str) -> Finding {
    let verdict = SSM_01.on(&parameter(&p.arn, region));
    let kind = p.kind.as_deref().unwrap_or("?");
    match &p.hit {
        Err(e) => verdict.error(e),
        Ok(None) => verdict.pass(format!("{kind} parameter: nothing looks like a secret")),
        Ok(Some(rule)) => verdict
            .fail(format!(
                "{kind} parameter looks like it holds a secret ({rule}): keep it in a SecureString parameter or Secrets Manager"
            ))
            .with("rule", rule.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::ApiError;

    fn hit(name: &str, kind: &str, value: &str) -> Option<String> {
        scan(name, kind, &SecretString::from(value.to_owned()))
    }

    #[test]
    fn names_and_values_that_look_like_secrets_fire_the_lambda_rules() {
        // Secret-like names, unless the value is a reference.
        assert_eq!(
            hit("/app/db/password", "String", "hunter2-but-longer").as_deref(),
            Some("name:secret-like")
        );
        assert_eq!(
            hit("api_key", "String", "k-123").as_deref(),
            Some("name:secret-like")
        );
        assert_eq!(
            hit("/svc/api-key", "String", "k-123").as_deref(),
            Some("name:secret-like")
        );
        assert_eq!(
            hit("/ci/github/token", "String", "abc").as_deref(),
            Some("name:secret-like")
        );
        assert_eq!(
            hit(
                "/app/db/password",
                "String",
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:db"
            ),
            None
        );
        assert_eq!(hit("/app/secret-arn", "String", "anything"), None);
        // Secret-like values under any name.
        assert_eq!(
            hit(
                "/app/db/dsn",
                "String",
                "host=db user=app password=Qm7vT2xK"
            )
            .as_deref(),
            Some("value:password-assignment")
        );
        assert_eq!(
            hit(
                "/build/keys",
                "StringList",
                "eu-west-1,AKIAIOSFODNN7EXAMPLE"
            )
            .as_deref(),
            Some("value:aws-access-key-id")
        );
        // Configuration.
        assert_eq!(hit("/app/log-level", "String", "debug"), None);
        assert_eq!(
            hit("/app/regions", "StringList", "us-east-1,eu-west-1"),
            None
        );
        assert_eq!(hit("/app/ami", "String", "ami-0abcdef1234567890"), None);
    }

    fn facts(parameters: Vec<Parameter>) -> SsmFacts {
        SsmFacts {
            region: "eu-west-1".into(),
            parameters: Ok(parameters),
        }
    }

    fn param(name: &str, hit: Result<Option<&str>, ApiError>) -> Parameter {
        Parameter {
            arn: format!("arn:aws:ssm:eu-west-1:111122223333:parameter/{name}"),
            name: name.into(),
            kind: Some("String".into()),
            hit: hit.map(|h| h.map(str::to_owned)),
        }
    }

    #[test]
    fn a_secret_fails_naming_the_rule_only_and_an_unread_value_is_an_error() {
        let t = Thresholds::default();
        let out = evaluate(
            &facts(vec![
                param("config/stage", Ok(None)),
                param("app/db/password", Ok(Some("name:secret-like"))),
                param(
                    "app/gone",
                    Err(ApiError::incomplete(
                        "ssm:GetParameters",
                        "the value of app/gone (InvalidParameters)",
                    )),
                ),
            ]),
            &ctx(&t),
        );
        let arn = |n: &str| format!("arn:aws:ssm:eu-west-1:111122223333:parameter/{n}");
        assert_eq!(statuses(&out, "SSM-01").len(), 3);
        assert_eq!(one(&out, "SSM-01", &arn("config/stage")).status, Pass);
        let secret = one(&out, "SSM-01", &arn("app/db/password"));
        assert_eq!(secret.status, Fail);
        assert_eq!(secret.evidence["rule"], "name:secret-like");
        assert_eq!(secret.region, "eu-west-1");
        assert_eq!(secret.resource_type, ResourceType::Other);
        let gone = one(&out, "SSM-01", &arn("app/gone"));
        assert_eq!(gone.status, Error);
        assert!(gone.detail.contains("InvalidParameters"), "{}", gone.detail);
    }

    #[test]
    fn a_failed_listing_is_an_error_for_the_region() {
        let t = Thresholds::default();
        let out = evaluate(
            &SsmFacts {
                region: "eu-west-1".into(),
                parameters: Err(denied("ssm:DescribeParameters")),
            },
            &ctx(&t),
        );
        assert_eq!(
            statuses(&out, "SSM-01"),
            vec![(
                "arn:aws:ssm:eu-west-1:111122223333:parameter/*".to_owned(),
                Error
            )]
        );
    }
}
