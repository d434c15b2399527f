//! GuardDuty per Region: the detectors, each one's status and features, its publishing
//! destinations and their buckets' retention.

use futures::StreamExt;

use super::{Collector, s3};
use crate::aws::guardduty;
use crate::facts::{Detector, Fetched, GuardDutyFacts, PublishingDestination, Service};

pub(super) async fn collect(c: &Collector, region: &str) -> GuardDutyFacts {
    let client = c.region(region).guardduty.clone();
    let listed = c
        .limited(
            Service::GuardDuty,
            region,
            guardduty::list_detectors(&client),
        )
        .await;
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
            guardduty::get_detector(client, &id),
        )
        .await;
    let (status, features) = match got {
        Ok((status, features)) => (Ok(status), features),
        Err(e) => (Err(e), Default::default()),
    };
    let destinations = match c.seams.guardduty_destinations.as_ref() {
        Some(given) => Ok(given.get(&id).cloned().unwrap_or_default()),
        None => destinations(c, client, region, &id).await,
    };
    let destinations = match destinations {
        Err(e) => Err(e),
        Ok(list) => {
            let mut out = Vec::new();
            for d in list {
                out.push(with_bucket(c, d).await);
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

/// The destination with its S3 bucket's lifecycle and Object Lock (GD-04), when it names one.
async fn with_bucket(c: &Collector, d: PublishingDestination) -> PublishingDestination {
    if d.bucket.is_some() {
        return d;
    }
    let name = d
        .destination_arn
        .as_deref()
        .and_then(vigil::arn::Arn::parse)
        .filter(|arn| arn.service == "s3")
        .and_then(|arn| arn.resource.split('/').next())
        .map(str::to_owned);
    match name {
        Some(name) => PublishingDestination {
            bucket: Some(s3::bucket(c, &name, s3::Need::Retention).await),
            ..d
        },
        None => d,
    }
}

async fn destinations(
    c: &Collector,
    client: &aws_sdk_guardduty::Client,
    region: &str,
    detector: &str,
) -> Fetched<Vec<PublishingDestination>> {
    let ids = c
        .limited(
            Service::GuardDuty,
            region,
            guardduty::list_publishing_destinations(client, detector),
        )
        .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(
            c.limited(
                Service::GuardDuty,
                region,
                guardduty::describe_publishing_destination(client, detector, &id),
            )
            .await?,
        );
    }
    Ok(out)
}
