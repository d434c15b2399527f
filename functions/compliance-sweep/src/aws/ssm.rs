//! SSM Parameter Store: the mute list document, when it is kept in a parameter; the Region's
//! parameters (DescribeParameters) and the values of `String` / `StringList` ones
//! (GetParameters, ten names a call), held as `SecretString` until collection scans them.

use std::collections::BTreeMap;

use secrecy::SecretString;
use vigil::aws::AwsCallError;

use super::api;
use crate::facts::Fetched;

/// The value of parameter `name` (decrypted if it is a SecureString); `None` when there is no
/// such parameter.
pub(crate) async fn parameter(
    client: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<Option<String>, AwsCallError> {
    match client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(o) => Ok(o.parameter.and_then(|p| p.value)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsCallError::new("ssm:GetParameter", e)),
    }
}

/// A parameter as DescribeParameters lists it (no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub name: String,
    /// `ARN`, when the answer carries it.
    pub arn: Option<String>,
    /// `Type` (`String`, `StringList`, `SecureString`); `None` when the answer left it out.
    pub kind: Option<String>,
}

/// GetParameters takes at most this many names.
pub(crate) const GET_PARAMETERS_BATCH: usize = 10;

/// DescribeParameters, every page (50 a page, the most it gives).
pub(crate) async fn describe_parameters(client: &aws_sdk_ssm::Client) -> Fetched<Vec<Listed>> {
    let pages = client
        .describe_parameters()
        .max_results(50)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("ssm:DescribeParameters", e))?;
    Ok(pages
        .into_iter()
        .flat_map(|page| page.parameters.unwrap_or_default())
        .map(|p| Listed {
            name: p.name.unwrap_or_default(),
            arn: p.arn,
            kind: p.r#type.map(|t| t.as_str().to_owned()),
        })
        .collect())
}

/// The values of `names` (at most [`GET_PARAMETERS_BATCH`]), not decrypted (only `String` and
/// `StringList` parameters are asked for). A name missing from the answer (GetParameters lists
/// it under `InvalidParameters`) has no entry.
pub(crate) async fn values(
    client: &aws_sdk_ssm::Client,
    names: &[String],
) -> Fetched<BTreeMap<String, SecretString>> {
    let out = client
        .get_parameters()
        .set_names(Some(names.to_vec()))
        .with_decryption(false)
        .send()
        .await
        .map_err(|e| api("ssm:GetParameters", e))?;
    Ok(out
        .parameters
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Some((p.name?, SecretString::from(p.value?))))
        .collect())
}
