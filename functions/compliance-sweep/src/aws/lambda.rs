//! Lambda: the functions of a Region with their environment variables, values held as
//! `SecretString` until collection scans them; a function's resource policy and its function
//! URL's auth type.

use std::collections::BTreeMap;

use secrecy::SecretString;

use super::{answer, api};
use crate::facts::{Fetched, FunctionUrl};

/// A function as ListFunctions gives it: what the secret scan needs. Tests hand these to the
/// sweep through `collect::Seams` instead of deploying functions into the emulator.
#[derive(Debug, Clone)]
pub struct Listing {
    pub arn: String,
    pub name: String,
    pub variables: BTreeMap<String, SecretString>,
    /// `Environment.Error.Message`, when the caller could not decrypt the variables.
    pub error: Option<String>,
    /// `Runtime`; `None` for a container image (`PackageType Image`), which has none.
    pub runtime: Option<String>,
    /// `KMSKeyArn`: the customer key of the environment; `None`: Lambda's AWS managed key.
    pub kms_key_arn: Option<String>,
    /// `VpcConfig.VpcId`, when not empty; `None`: not attached to a VPC.
    pub vpc_id: Option<String>,
    /// How many subnets `VpcConfig.SubnetIds` names.
    pub vpc_subnets: usize,
    /// `DeadLetterConfig.TargetArn`; `None`: no dead-letter queue.
    pub dead_letter_target: Option<String>,
    /// `Layers[].Arn`.
    pub layers: Vec<String>,
}

pub(crate) async fn list_functions(client: &aws_sdk_lambda::Client) -> Fetched<Vec<Listing>> {
    let functions = client
        .list_functions()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("lambda:ListFunctions", e))?;
    Ok(functions
        .into_iter()
        .map(|f| {
            let env = f.environment;
            let vpc = f.vpc_config;
            Listing {
                vpc_id: vpc
                    .as_ref()
                    .and_then(|v| v.vpc_id.clone())
                    .filter(|id| !id.is_empty()),
                vpc_subnets: vpc.as_ref().map_or(0, |v| v.subnet_ids().len()),
                dead_letter_target: f
                    .dead_letter_config
                    .and_then(|d| d.target_arn)
                    .filter(|t| !t.is_empty()),
                layers: f
                    .layers
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|l| l.arn)
                    .collect(),
                arn: f.function_arn.unwrap_or_default(),
                name: f.function_name.unwrap_or_default(),
                runtime: f.runtime.map(|r| r.as_str().to_owned()),
                kms_key_arn: f.kms_key_arn,
                error: env.as_ref().and_then(|e| e.error.as_ref()).map(|e| {
                    format!(
                        "{}: {}",
                        e.error_code.as_deref().unwrap_or("Error"),
                        e.message.as_deref().unwrap_or("")
                    )
                }),
                variables: env
                    .and_then(|e| e.variables)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, SecretString::from(v)))
                    .collect(),
            }
        })
        .collect())
}

/// GetPolicy: the function's resource policy (`None`: it has none; Lambda answers
/// ResourceNotFoundException then).
pub(crate) async fn policy(
    client: &aws_sdk_lambda::Client,
    function: &str,
) -> Fetched<Option<String>> {
    answer(
        "lambda:GetPolicy",
        client.get_policy().function_name(function).send().await,
        Some(("ResourceNotFoundException", None)),
        |o| o.policy,
    )
}

/// GetFunctionUrlConfig of the unqualified function (`None`: no URL).
pub(crate) async fn url(
    client: &aws_sdk_lambda::Client,
    function: &str,
) -> Fetched<Option<FunctionUrl>> {
    answer(
        "lambda:GetFunctionUrlConfig",
        client
            .get_function_url_config()
            .function_name(function)
            .send()
            .await,
        Some(("ResourceNotFoundException", None)),
        |o| {
            Some(FunctionUrl {
                auth_type: o.auth_type.as_str().to_owned(),
                cors_origins: o
                    .cors
                    .map(|c| c.allow_origins.unwrap_or_default())
                    .unwrap_or_default(),
            })
        },
    )
}
