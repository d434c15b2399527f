//! Lambda: the functions of a Region with their environment variables, values held as
//! `SecretString` until collection scans them.

use std::collections::BTreeMap;

use secrecy::SecretString;

use super::api;
use crate::facts::Fetched;

/// A function as ListFunctions gives it: what the secret scan needs. Tests hand these to the
/// sweep through `collect::Seams` instead of deploying functions into the emulator.
#[derive(Debug, Clone)]
pub struct Listing {
    pub arn: String,
    pub name: String,
    pub variables: BTreeMap<String, SecretString>,
    /// `Environment.Error.Message`, when the caller could not decrypt the variables.
    pub error: Option<String>,
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
            Listing {
                arn: f.function_arn.unwrap_or_default(),
                name: f.function_name.unwrap_or_default(),
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
