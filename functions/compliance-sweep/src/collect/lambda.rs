//! Lambda per Region: ListFunctions (paginated) with each function's environment, scanned for
//! secrets right here so the values go no further (see `checks::lambda::scan`).

use std::collections::BTreeMap;

use secrecy::SecretString;

use super::{Collector, api};
use crate::checks::lambda::scan;
use crate::facts::{Function, LambdaFacts};
use crate::model::Service;

/// A function as ListFunctions gives it: what the scan needs.
#[derive(Debug, Clone)]
pub struct Listing {
    pub arn: String,
    pub name: String,
    pub variables: BTreeMap<String, SecretString>,
    /// `Environment.Error.Message`, when the caller could not decrypt the variables.
    pub error: Option<String>,
}

impl Listing {
    /// Reduces the listing to its scan result: from here on no value exists.
    pub fn scanned(self, salt: &[u8]) -> Function {
        let vars: Vec<(String, SecretString)> = self.variables.into_iter().collect();
        Function {
            arn: self.arn,
            variable_names: vars.iter().map(|(k, _)| k.clone()).collect(),
            hits: scan(&vars, salt),
            environment_error: self.error,
        }
    }
}

pub async fn collect(c: &Collector, region: &str) -> LambdaFacts {
    let functions = match c.seams.lambda_functions.as_ref() {
        Some(given) => Ok(given.get(region).cloned().unwrap_or_default()),
        None => list(c, region).await,
    };
    LambdaFacts {
        region: region.to_owned(),
        functions: functions.map(|l| l.into_iter().map(|f| f.scanned(&c.salt)).collect()),
    }
}

async fn list(c: &Collector, region: &str) -> crate::model::Fetched<Vec<Listing>> {
    let client = c.region(region).lambda.clone();
    let functions = c
        .limited(
            Service::Lambda,
            region,
            client
                .list_functions()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
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
