//! Lambda per Region: ListFunctions with each function's environment, scanned for secrets
//! right here so the values go no further (see `checks::lambda::scan`).

use secrecy::SecretString;

use super::Collector;
use crate::aws::lambda::{self, Listing};
use crate::checks::lambda::scan;
use crate::facts::{Function, LambdaFacts, Service};

pub(super) async fn collect(c: &Collector, region: &str) -> LambdaFacts {
    let functions = match c.seams.lambda_functions.as_ref() {
        Some(given) => Ok(given.get(region).cloned().unwrap_or_default()),
        None => {
            let client = c.region(region).lambda.clone();
            c.limited(Service::Lambda, region, lambda::list_functions(&client))
                .await
        }
    };
    LambdaFacts {
        region: region.to_owned(),
        functions: functions.map(|l| l.into_iter().map(|f| scanned(f, &c.salt)).collect()),
    }
}

/// Reduces a listing to its scan result: from here on no value exists.
fn scanned(listing: Listing, salt: &[u8]) -> Function {
    let vars: Vec<(String, SecretString)> = listing.variables.into_iter().collect();
    Function {
        arn: listing.arn,
        variable_names: vars.iter().map(|(k, _)| k.clone()).collect(),
        hits: scan(&vars, salt),
        environment_error: listing.error,
    }
}
