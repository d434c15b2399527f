//! GuardDuty: the detectors of a Region, each detector's status and features, and its
//! publishing destinations.

use std::collections::BTreeMap;

use super::api;
use crate::facts::{ApiError, Fetched, PublishingDestination};

pub(crate) async fn list_detectors(client: &aws_sdk_guardduty::Client) -> Fetched<Vec<String>> {
    client
        .list_detectors()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("guardduty:ListDetectors", e))
}

/// A detector's status and its features (feature name → status).
pub(crate) async fn get_detector(
    client: &aws_sdk_guardduty::Client,
    id: &str,
) -> Fetched<(String, BTreeMap<String, String>)> {
    let d = client
        .get_detector()
        .detector_id(id)
        .send()
        .await
        .map_err(|e| api("guardduty:GetDetector", e))?;
    let mut features = BTreeMap::new();
    // Legacy data sources first (older detectors still report only these; the field is
    // deprecated in the SDK for that reason); `Features` (the current API) overrides them.
    #[allow(deprecated)]
    let legacy = &d.data_sources;
    if let Some(ds) = legacy {
        if let Some(s) = ds.s3_logs.as_ref().and_then(|x| x.status.as_ref()) {
            features.insert("S3_DATA_EVENTS".to_owned(), s.as_str().to_owned());
        }
        if let Some(s) = ds
            .kubernetes
            .as_ref()
            .and_then(|k| k.audit_logs.as_ref())
            .and_then(|a| a.status.as_ref())
        {
            features.insert("EKS_AUDIT_LOGS".to_owned(), s.as_str().to_owned());
        }
        if let Some(s) = ds
            .malware_protection
            .as_ref()
            .and_then(|m| m.scan_ec2_instance_with_findings.as_ref())
            .and_then(|x| x.ebs_volumes.as_ref())
            .and_then(|x| x.status.as_ref())
        {
            features.insert("EBS_MALWARE_PROTECTION".to_owned(), s.as_str().to_owned());
        }
    }
    for f in d.features.unwrap_or_default() {
        if let (Some(name), Some(status)) = (f.name, f.status) {
            features.insert(name.as_str().to_owned(), status.as_str().to_owned());
        }
    }
    let status = d
        .status
        .map(|s| s.as_str().to_owned())
        .ok_or_else(|| ApiError::incomplete("guardduty:GetDetector", format!("Status of {id}")))?;
    Ok((status, features))
}

/// The ids of a detector's publishing destinations.
pub(crate) async fn list_publishing_destinations(
    client: &aws_sdk_guardduty::Client,
    detector: &str,
) -> Fetched<Vec<String>> {
    let pages = client
        .list_publishing_destinations()
        .detector_id(detector)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("guardduty:ListPublishingDestinations", e))?;
    Ok(pages
        .into_iter()
        .flat_map(|p| p.destinations.unwrap_or_default())
        .filter_map(|d| d.destination_id)
        .collect())
}

/// One publishing destination (its bucket not looked at: `bucket` is `None`).
pub(crate) async fn describe_publishing_destination(
    client: &aws_sdk_guardduty::Client,
    detector: &str,
    id: &str,
) -> Fetched<PublishingDestination> {
    let described = client
        .describe_publishing_destination()
        .detector_id(detector)
        .destination_id(id)
        .send()
        .await
        .map_err(|e| api("guardduty:DescribePublishingDestination", e))?;
    let props = described.destination_properties;
    Ok(PublishingDestination {
        id: id.to_owned(),
        status: described
            .status
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .ok_or_else(|| {
                ApiError::incomplete(
                    "guardduty:DescribePublishingDestination",
                    format!("Status of destination {id}"),
                )
            })?,
        destination_arn: props.as_ref().and_then(|p| p.destination_arn.clone()),
        kms_key_arn: props.as_ref().and_then(|p| p.kms_key_arn.clone()),
        failure_since: described
            .publishing_failure_start_timestamp
            .filter(|t| *t > 0)
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        bucket: None,
    })
}
