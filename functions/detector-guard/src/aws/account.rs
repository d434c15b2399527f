//! Account: the Regions enabled for the account, when no Region list is configured.

use aws_sdk_account::Client;
use aws_sdk_account::types::RegionOptStatus;
use vigil::aws::AwsCallError;

#[derive(Debug, Clone)]
pub(crate) struct Account {
    client: Client,
}

impl Account {
    pub(crate) fn new(client: Client) -> Self {
        Account { client }
    }

    /// The Regions enabled for the account (opted in or enabled by default), sorted.
    pub(crate) async fn enabled_regions(&self) -> Result<Vec<String>, AwsCallError> {
        let mut stream = self
            .client
            .list_regions()
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .items()
            .send();
        let mut names = Vec::new();
        while let Some(region) = stream.next().await {
            let region = region.map_err(|e| AwsCallError::new("account:ListRegions", e))?;
            let enabled = matches!(
                region.region_opt_status(),
                Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault)
            );
            if let (true, Some(name)) = (enabled, region.region_name) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}
