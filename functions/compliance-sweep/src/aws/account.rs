//! Account: the Regions enabled for the account.

use aws_sdk_account::types::RegionOptStatus;

use super::api;
use crate::facts::Fetched;

/// The enabled Regions (status ENABLED or ENABLED_BY_DEFAULT), sorted.
pub(crate) async fn enabled_regions(client: &aws_sdk_account::Client) -> Fetched<Vec<String>> {
    let regions = client
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("account:ListRegions", e))?;
    let mut names: Vec<String> = regions
        .into_iter()
        .filter(|r| {
            matches!(
                r.region_opt_status(),
                Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault)
            )
        })
        .filter_map(|r| r.region_name)
        .collect();
    names.sort();
    Ok(names)
}
