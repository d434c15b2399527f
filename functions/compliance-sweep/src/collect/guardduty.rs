//! GuardDuty per Region: ListDetectors, GetDetector (features and legacy data sources), the
//! publishing destinations and their buckets' retention.

use std::collections::BTreeMap;

use futures::StreamExt;

use super::{Collector, api, s3};
use crate::facts::{Detector, GuardDutyFacts, PublishingDestination};
use crate::model::{Fetched, Service};

pub async fn collect(c: &Collector, region: &str) -> GuardDutyFacts {
    let client = c.region(region).guardduty.clone();
    let listed = c
        .limited(
            Service::GuardDuty,
            region,
            client
                .list_detectors()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await
        .map_err(|e| api("guardduty:ListDetectors", e));
    let detectors = match listed {
        Err(e) => Err(e),
        Ok(ids) => Ok(futures::stream::iter(ids)
            .map(|id| detector(c, &client, region, id))
            .buffered(c.width(Service::GuardDuty))
            .collect()
            .await),
    };
    GuardDutyFacts {
        region: region.to_owned(),
        detectors,
    }
}

async fn detector(
    c: &Collector,
    client: &aws_sdk_guardduty::Client,
    region: &str,
    id: String,
) -> Detector {
    let got = c
        .limited(
            Service::GuardDuty,
            region,
            client.get_detector().detector_id(&id).send(),
        )
        .await
        .map_err(|e| api("guardduty:GetDetector", e));
    let mut features = BTreeMap::new();
    let status = got.map(|d| {
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
        d.status
            .map_or_else(|| "UNKNOWN".to_owned(), |s| s.as_str().to_owned())
    });
    let destinations = match c.seams.guardduty_destinations.as_ref() {
        Some(given) => Ok(given.get(&id).cloned().unwrap_or_default()),
        None => destinations(c, client, region, &id).await,
    };
    let destinations = match destinations {
        Err(e) => Err(e),
        Ok(list) => {
            let mut out = Vec::new();
            for mut d in list {
                if d.bucket.is_none()
                    && let Some(name) = d
                        .destination_arn
                        .as_deref()
                        .and_then(|a| a.strip_prefix("arn:aws:s3:::"))
                        .map(|r| r.split('/').next().unwrap_or(r).to_owned())
                {
                    d.bucket = Some(s3::bucket(c, &name, s3::Need::Retention).await);
                }
                out.push(d);
            }
            Ok(out)
        }
    };
    Detector {
        id,
        status,
        features,
        destinations,
    }
}

async fn destinations(
    c: &Collector,
    client: &aws_sdk_guardduty::Client,
    region: &str,
    detector: &str,
) -> Fetched<Vec<PublishingDestination>> {
    let listed = c
        .limited(
            Service::GuardDuty,
            region,
            client
                .list_publishing_destinations()
                .detector_id(detector)
                .into_paginator()
                .send()
                .try_collect(),
        )
        .await
        .map_err(|e| api("guardduty:ListPublishingDestinations", e))?;
    let mut out = Vec::new();
    for d in listed
        .into_iter()
        .flat_map(|p| p.destinations.unwrap_or_default())
    {
        let Some(dest_id) = d.destination_id else {
            continue;
        };
        let described = c
            .limited(
                Service::GuardDuty,
                region,
                client
                    .describe_publishing_destination()
                    .detector_id(detector)
                    .destination_id(&dest_id)
                    .send(),
            )
            .await
            .map_err(|e| api("guardduty:DescribePublishingDestination", e))?;
        let props = described.destination_properties;
        out.push(PublishingDestination {
            id: dest_id,
            status: described
                .status
                .as_ref()
                .map_or("UNKNOWN", |s| s.as_str())
                .to_owned(),
            destination_arn: props.as_ref().and_then(|p| p.destination_arn.clone()),
            kms_key_arn: props.as_ref().and_then(|p| p.kms_key_arn.clone()),
            failure_since: described
                .publishing_failure_start_timestamp
                .filter(|t| *t > 0)
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
            bucket: None,
        });
    }
    Ok(out)
}
