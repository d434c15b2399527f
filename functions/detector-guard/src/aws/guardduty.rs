//! GuardDuty: the detector, its protection plans, findings export, filters and relationships,
//! and sample findings for drills.
//!
//! Features are read from `GetDetector`'s `features` only: the legacy `dataSources` block is
//! deprecated and names a subset of the same plans.

use std::collections::BTreeMap;

use aws_sdk_guardduty::Client;
use aws_sdk_guardduty::types::{
    Condition, DestinationProperties, DestinationType, DetectorFeature,
    DetectorFeatureConfiguration, DetectorStatus, FeatureStatus, FindingPublishingFrequency,
};
use chrono::{DateTime, Utc};
use vigil::aws::AwsCallError;

use crate::config::{Frequency, Plan};
use crate::facts::{Administrator, Criterion, Destination, DetectorSettings, Filter, Member};

#[derive(Debug, Clone)]
pub(crate) struct GuardDuty {
    client: Client,
}

/// Where exported findings go (`CreatePublishingDestination` / `UpdatePublishingDestination`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportProperties<'a> {
    pub(crate) destination_arn: &'a str,
    pub(crate) key_arn: &'a str,
    /// GuardDuty checks the bucket belongs to this account before it writes.
    pub(crate) bucket_owner: &'a str,
}

fn features(plans: &[(Plan, bool)]) -> Vec<DetectorFeatureConfiguration> {
    plans
        .iter()
        .map(|(plan, on)| {
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::from(plan.to_string().as_str()))
                .status(if *on {
                    FeatureStatus::Enabled
                } else {
                    FeatureStatus::Disabled
                })
                .build()
        })
        .collect()
}

fn frequency(f: Frequency) -> FindingPublishingFrequency {
    FindingPublishingFrequency::from(f.to_string().as_str())
}

fn properties(p: &ExportProperties<'_>) -> DestinationProperties {
    DestinationProperties::builder()
        .destination_arn(p.destination_arn)
        .kms_key_arn(p.key_arn)
        .expected_bucket_owner(p.bucket_owner)
        .build()
}

// The deprecated members (`eq`, `gte`, ...) are read too: filters written with them still
// answer with them.
#[allow(deprecated)]
fn criterion(c: &Condition) -> Criterion {
    let both = |new: &[String], old: &[String]| {
        let mut v = new.to_vec();
        v.extend(old.iter().filter(|o| !new.contains(o)).cloned());
        v
    };
    Criterion {
        equals: both(c.equals(), c.eq()),
        not_equals: both(c.not_equals(), c.neq()),
        greater_than: c.greater_than().or(c.gt().map(i64::from)),
        greater_than_or_equal: c.greater_than_or_equal().or(c.gte().map(i64::from)),
        less_than: c.less_than().or(c.lt().map(i64::from)),
        less_than_or_equal: c.less_than_or_equal().or(c.lte().map(i64::from)),
        matches: c.matches().to_vec(),
        not_matches: c.not_matches().to_vec(),
    }
}

impl GuardDuty {
    pub(crate) fn new(client: Client) -> Self {
        GuardDuty { client }
    }

    /// The Region's detector ids (one at most, in AWS).
    pub(crate) async fn list_detectors(&self) -> Result<Vec<String>, AwsCallError> {
        let mut stream = self.client.list_detectors().into_paginator().items().send();
        let mut ids = Vec::new();
        while let Some(id) = stream.next().await {
            ids.push(id.map_err(|e| AwsCallError::new("guardduty:ListDetectors", e))?);
        }
        Ok(ids)
    }

    pub(crate) async fn get_detector(&self, id: &str) -> Result<DetectorSettings, AwsCallError> {
        let out = self
            .client
            .get_detector()
            .detector_id(id)
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:GetDetector", e))?;
        let features: BTreeMap<String, String> = out
            .features()
            .iter()
            .filter_map(|f| {
                Some((
                    f.name()?.as_str().to_owned(),
                    f.status().map_or("UNKNOWN", |s| s.as_str()).to_owned(),
                ))
            })
            .collect();
        Ok(DetectorSettings {
            enabled: out.status() == Some(&DetectorStatus::Enabled),
            frequency: out
                .finding_publishing_frequency()
                .map(|f| f.as_str().to_owned()),
            features,
        })
    }

    /// Creates the Region's detector, enabled, with every plan named (`plans`): GuardDuty
    /// switches on any plan a CreateDetector call leaves out.
    pub(crate) async fn create_detector(
        &self,
        plans: &[(Plan, bool)],
        publishing: Frequency,
    ) -> Result<String, AwsCallError> {
        let out = self
            .client
            .create_detector()
            .enable(true)
            .finding_publishing_frequency(frequency(publishing))
            .set_features(Some(features(plans)))
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:CreateDetector", e))?;
        Ok(out.detector_id.unwrap_or_default())
    }

    /// Changes only what is given: the named plans (others keep their state), the status,
    /// the frequency.
    pub(crate) async fn update_detector(
        &self,
        id: &str,
        enable: Option<bool>,
        plans: &[(Plan, bool)],
        publishing: Option<Frequency>,
    ) -> Result<(), AwsCallError> {
        self.client
            .update_detector()
            .detector_id(id)
            .set_enable(enable)
            .set_finding_publishing_frequency(publishing.map(frequency))
            .set_features((!plans.is_empty()).then(|| features(plans)))
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:UpdateDetector", e))?;
        Ok(())
    }

    pub(crate) async fn destinations(&self, detector: &str) -> Result<Vec<String>, AwsCallError> {
        let mut stream = self
            .client
            .list_publishing_destinations()
            .detector_id(detector)
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = stream.next().await {
            let page =
                page.map_err(|e| AwsCallError::new("guardduty:ListPublishingDestinations", e))?;
            ids.extend(
                page.destinations
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|d| d.destination_id),
            );
        }
        Ok(ids)
    }

    pub(crate) async fn destination(
        &self,
        detector: &str,
        id: &str,
    ) -> Result<Destination, AwsCallError> {
        let out = self
            .client
            .describe_publishing_destination()
            .detector_id(detector)
            .destination_id(id)
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:DescribePublishingDestination", e))?;
        let properties = out.destination_properties();
        Ok(Destination {
            id: id.to_owned(),
            status: out.status().map_or("UNKNOWN", |s| s.as_str()).to_owned(),
            failing_since: out
                .publishing_failure_start_timestamp()
                .filter(|t| *t > 0)
                .and_then(DateTime::<Utc>::from_timestamp_millis),
            destination_arn: properties
                .and_then(|p| p.destination_arn())
                .map(str::to_owned),
            key_arn: properties.and_then(|p| p.kms_key_arn()).map(str::to_owned),
        })
    }

    pub(crate) async fn create_destination(
        &self,
        detector: &str,
        export: &ExportProperties<'_>,
    ) -> Result<String, AwsCallError> {
        let out = self
            .client
            .create_publishing_destination()
            .detector_id(detector)
            .destination_type(DestinationType::S3)
            .destination_properties(properties(export))
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:CreatePublishingDestination", e))?;
        Ok(out.destination_id.unwrap_or_default())
    }

    pub(crate) async fn update_destination(
        &self,
        detector: &str,
        id: &str,
        export: &ExportProperties<'_>,
    ) -> Result<(), AwsCallError> {
        self.client
            .update_publishing_destination()
            .detector_id(detector)
            .destination_id(id)
            .destination_properties(properties(export))
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:UpdatePublishingDestination", e))?;
        Ok(())
    }

    pub(crate) async fn filter_names(&self, detector: &str) -> Result<Vec<String>, AwsCallError> {
        let mut stream = self
            .client
            .list_filters()
            .detector_id(detector)
            .into_paginator()
            .items()
            .send();
        let mut names = Vec::new();
        while let Some(name) = stream.next().await {
            names.push(name.map_err(|e| AwsCallError::new("guardduty:ListFilters", e))?);
        }
        Ok(names)
    }

    pub(crate) async fn filter(&self, detector: &str, name: &str) -> Result<Filter, AwsCallError> {
        let out = self
            .client
            .get_filter()
            .detector_id(detector)
            .filter_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:GetFilter", e))?;
        Ok(Filter {
            name: out.name().unwrap_or(name).to_owned(),
            // GuardDuty's default action is NOOP.
            action: out.action().map_or("NOOP", |a| a.as_str()).to_owned(),
            rank: out.rank(),
            description: out.description().map(str::to_owned),
            criteria: out
                .finding_criteria()
                .and_then(|c| c.criterion())
                .map(|c| c.iter().map(|(k, v)| (k.clone(), criterion(v))).collect())
                .unwrap_or_default(),
        })
    }

    /// The administrator's member accounts, associated or not.
    pub(crate) async fn members(&self, detector: &str) -> Result<Vec<Member>, AwsCallError> {
        let mut stream = self
            .client
            .list_members()
            .detector_id(detector)
            .only_associated("false")
            .into_paginator()
            .items()
            .send();
        let mut members = Vec::new();
        while let Some(m) = stream.next().await {
            let m = m.map_err(|e| AwsCallError::new("guardduty:ListMembers", e))?;
            members.push(Member {
                account_id: m.account_id.unwrap_or_default(),
                relationship_status: m.relationship_status.unwrap_or_default(),
            });
        }
        Ok(members)
    }

    /// This account's administrator; `None` for an administrator or a standalone account.
    pub(crate) async fn administrator(
        &self,
        detector: &str,
    ) -> Result<Option<Administrator>, AwsCallError> {
        let out = self
            .client
            .get_administrator_account()
            .detector_id(detector)
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:GetAdministratorAccount", e))?;
        Ok(out.administrator.map(|a| Administrator {
            account_id: a.account_id.unwrap_or_default(),
            relationship_status: a.relationship_status.unwrap_or_default(),
        }))
    }

    /// Asks GuardDuty for one sample finding of each type. It answers with nothing: no ids.
    pub(crate) async fn create_sample_findings(
        &self,
        detector: &str,
        types: &[String],
    ) -> Result<(), AwsCallError> {
        self.client
            .create_sample_findings()
            .detector_id(detector)
            .set_finding_types(Some(types.to_vec()))
            .send()
            .await
            .map_err(|e| AwsCallError::new("guardduty:CreateSampleFindings", e))?;
        Ok(())
    }
}
