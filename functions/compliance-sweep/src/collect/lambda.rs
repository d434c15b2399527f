//! Lambda per Region: ListFunctions with each function's environment, scanned for secrets
//! right here so the values go no further (see `checks::lambda::scan`); then per function its
//! resource policy and its function URL's auth type (LAM-04), two calls each. The trails the
//! Region sees (LAM-09) come from the run's memo: the CloudTrail shard's answer, no new call.

use futures::StreamExt;
use secrecy::SecretString;

use super::{Collector, cloudtrail};
use crate::aws::lambda::{self, Listing};
use crate::checks::lambda::scan;
use crate::facts::{Fetched, Function, FunctionUrl, LambdaFacts, Service};

pub(super) async fn collect(c: &Collector, region: &str) -> LambdaFacts {
    let functions = match c.seams.lambda_functions.as_ref() {
        Some(given) => Ok(given.get(region).cloned().unwrap_or_default()),
        None => {
            let client = c.region(region).lambda.clone();
            c.limited(Service::Lambda, region, lambda::list_functions(&client))
                .await
        }
    };
    let functions = match functions {
        Err(e) => Err(e),
        Ok(listed) => Ok(futures::stream::iter(listed)
            .map(|l| function(c, region, l))
            .buffered(c.width(Service::Lambda))
            .collect::<Vec<Function>>()
            .await),
    };
    // Only a Region with functions needs the trails (no call when the CloudTrail shard of the
    // same run has read them already).
    let trails = match &functions {
        Ok(list) if !list.is_empty() => cloudtrail::trails(c, region).await,
        _ => Ok(Vec::new()),
    };
    LambdaFacts {
        region: region.to_owned(),
        functions,
        trails,
    }
}

/// One function: its scanned environment, resource policy and URL.
async fn function(c: &Collector, region: &str, listing: Listing) -> Function {
    let client = c.region(region).lambda.clone();
    let (policy, url) = tokio::join!(
        c.limited(
            Service::Lambda,
            region,
            lambda::policy(&client, &listing.arn)
        ),
        c.limited(Service::Lambda, region, lambda::url(&client, &listing.arn)),
    );
    scanned(listing, &c.salt, policy, url)
}

/// Reduces a listing to its scan result: from here on no value exists.
fn scanned(
    listing: Listing,
    salt: &[u8],
    policy: Fetched<Option<String>>,
    url: Fetched<Option<FunctionUrl>>,
) -> Function {
    let vars: Vec<(String, SecretString)> = listing.variables.into_iter().collect();
    Function {
        arn: listing.arn,
        variable_names: vars.iter().map(|(k, _)| k.clone()).collect(),
        hits: scan(&vars, salt),
        environment_error: listing.error,
        runtime: listing.runtime,
        kms_key_arn: listing.kms_key_arn,
        policy,
        url,
        vpc_id: listing.vpc_id,
        vpc_subnets: listing.vpc_subnets,
        dead_letter_target: listing.dead_letter_target,
        layers: listing.layers,
    }
}
