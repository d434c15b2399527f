//! GuardDuty per Region: the detectors, each one's status and features, its publishing
//! destinations and their buckets' retention; where there is a detector, how the default event
//! bus routes a High finding (GD-06: ListRules, TestEventPattern per rule with a pattern and
//! probe, ListTargetsByRule for the enabled rules that match); in the home Region, the latest
//! drill's signed record (GD-05).

use futures::StreamExt;
use vigil::aws::AwsFailure;
use vigil::evidence::kms::Signer;
use vigil::evidence::{Files, MANIFEST, SIGNATURE};
// detector-guard's default drill prefix, which the template keeps.
use vigil::state::drill::{DEFAULT_PREFIX, LATEST, Pointer, RECORD, Summary};

use super::{Collector, s3};
use crate::aws::{self, events, guardduty};
use crate::error::Error;
use crate::facts::{
    ApiError, Detector, DrillEvidence, Fetched, GuardDutyFacts, PublishingDestination, Routing,
    Service,
};

/// The evidence bucket and the key that signs drill records, as the sweep is configured.
#[derive(Debug, Default)]
pub(crate) struct DrillSource {
    pub bucket: Option<String>,
    pub signer: Option<Signer>,
}

pub(super) async fn collect(c: &Collector, region: &str) -> GuardDutyFacts {
    let client = c.region(region).guardduty.clone();
    let listed = c
        .limited(
            Service::GuardDuty,
            region,
            guardduty::list_detectors(&client),
        )
        .await;
    let detectors: Fetched<Vec<Detector>> = match listed {
        Err(e) => Err(e),
        Ok(ids) => Ok(futures::stream::iter(ids)
            .map(|id| detector(c, &client, region, id))
            .buffered(c.width(Service::GuardDuty))
            .collect()
            .await),
    };
    let drill = if region == c.home_region {
        Some(c.limited(Service::GuardDuty, region, drill(c)).await)
    } else {
        None
    };
    let routing = match &detectors {
        Ok(list) if !list.is_empty() => Some(routing(c, region).await),
        _ => None,
    };
    GuardDutyFacts {
        region: region.to_owned(),
        detectors,
        drill,
        routing,
    }
}

/// The severities GD-06 probes the rules with: the two ends of High (7.0-8.9).
pub(crate) const PROBE_SEVERITIES: [f64; 2] = [7.0, 8.9];

/// A GuardDuty finding event of a High finding type at `severity`, not marked as a sample (a
/// rule may rightly leave samples out).
fn probe_event(account: &str, region: &str, severity: f64) -> String {
    vigil::events::guardduty::probe_event(
        account,
        region,
        "UnauthorizedAccess:EC2/TorClient",
        severity,
        chrono::Utc::now(),
        false,
    )
    .to_string()
}

/// GD-06: the default bus's rules, each with a pattern tested against the probes (enabled or
/// not: a disabled rule that would match is named as the reason), the targets of the enabled
/// ones that match every probe, and a control: a pattern naming only the probe's source must
/// match, or TestEventPattern's answers are not trusted.
async fn routing(c: &Collector, region: &str) -> Fetched<Routing> {
    let client = c.region(region).events.clone();
    let mut rules = c
        .limited(Service::GuardDuty, region, events::rules(&client))
        .await?;
    let probes: Vec<String> = PROBE_SEVERITIES
        .iter()
        .map(|s| probe_event(&c.account, region, *s))
        .collect();
    let mut control = Ok(());
    if rules.iter().any(|r| r.pattern.is_some()) {
        let source_only = r#"{"source":["aws.guardduty"]}"#;
        control = match c
            .limited(
                Service::GuardDuty,
                region,
                events::matches(&client, source_only, &probes[0]),
            )
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(ApiError::incomplete(
                "events:TestEventPattern",
                format!("a Result matching {source_only} against a GuardDuty finding event"),
            )),
            Err(e) => Err(e),
        };
    }
    for rule in &mut rules {
        let Some(pattern) = rule.pattern.clone() else {
            continue;
        };
        let mut answers = Vec::new();
        let mut failed = None;
        for probe in &probes {
            match c
                .limited(
                    Service::GuardDuty,
                    region,
                    events::matches(&client, &pattern, probe),
                )
                .await
            {
                Ok(m) => answers.push(m),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let all = failed.is_none() && answers.iter().all(|m| *m);
        rule.matches = Some(match failed {
            Some(e) => Err(e),
            None => Ok(answers),
        });
        if rule.enabled && all {
            rule.targets = Some(
                c.limited(
                    Service::GuardDuty,
                    region,
                    events::targets(&client, &rule.name),
                )
                .await,
            );
        }
    }
    Ok(Routing { rules, control })
}

/// The latest drill: the pointer, then the bundle it names, its hashes and KMS signature
/// checked with the evidence key (`Signer::verify_bundle`, as `vigil-sweep verify --kms`).
async fn drill(c: &Collector) -> Fetched<DrillEvidence> {
    let Some(bucket) = c.drills.bucket.as_deref() else {
        return Ok(DrillEvidence::NoBucket);
    };
    let client = c.region(&c.home_region).s3.clone();
    let key = format!("{DEFAULT_PREFIX}{LATEST}");
    let Some(bytes) = object(&client, bucket, &key).await? else {
        return Ok(DrillEvidence::NoDrill {
            key: format!("s3://{bucket}/{key}"),
        });
    };
    let pointer: Pointer = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::incomplete(
            "s3:GetObject",
            format!("a drill pointer in s3://{bucket}/{key} ({e})"),
        )
    })?;
    let Some(signer) = c.drills.signer.as_ref() else {
        return Err(ApiError::not_collected(
            "kms:Verify",
            "VIGIL_EVIDENCE_KEY_ID is not set: the drill record's signature cannot be checked",
        ));
    };
    let mut files = Files::new();
    for name in [RECORD, MANIFEST, SIGNATURE] {
        // A file missing from the bundle is left out: the verification names it.
        if let Some(bytes) = object(&client, bucket, &format!("{}{name}", pointer.location)).await?
        {
            files.insert(name.to_owned(), bytes);
        }
    }
    let (_, problems) = signer.verify_bundle(&files).await.map_err(ApiError::from)?;
    let record = files
        .get(RECORD)
        .and_then(|b| serde_json::from_slice::<Summary>(b).ok())
        .map(Box::new);
    Ok(DrillEvidence::Recorded {
        location: format!("s3://{bucket}/{}", pointer.location),
        pointer,
        record,
        tampered: problems.iter().map(ToString::to_string).collect(),
    })
}

/// An object of the evidence bucket (`None`: no such key); a failed read is an [`ApiError`].
async fn object(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Fetched<Option<Vec<u8>>> {
    aws::s3::get_object(client, bucket, key)
        .await
        .map_err(|e| match e {
            Error::Aws(e) => ApiError::from(e),
            other => ApiError::new("s3:GetObject", AwsFailure::Other, None, other.to_string()),
        })
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
