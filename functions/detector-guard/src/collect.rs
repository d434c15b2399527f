//! The I/O that fills [`crate::facts`]: per Region the detector and what hangs off it
//! (concurrently, a bounded number of Regions at once), then the export buckets and keys; the
//! state of repairs awaiting confirmation; and for a drill the routing rules and the
//! responder's receipts. Every fact is asked of its own Region; a fact that cannot be read is
//! kept as its error.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use futures::{StreamExt, stream};
use vigil::arn::Arn;
use vigil::aws::AwsCallError;
use vigil::state::Awaiting;
use vigil::state::drill::{Active, Receipt, receipt_key};

use crate::deps::Deps;
use crate::facts::{
    BucketFacts, BucketLocation, CallFacts, DetectorFacts, Facts, KeyFacts, RegionFacts,
    RouteFacts, RuleFacts,
};

/// The state key of a Region's repairs awaiting confirmation.
pub(crate) fn awaiting_key(region: &str) -> String {
    format!("detector-guard/awaiting/{region}")
}

/// The Regions to check: the event's, the configured list, or every enabled Region.
pub(crate) async fn regions(
    deps: &Deps,
    from_event: Option<&str>,
) -> Result<Vec<String>, AwsCallError> {
    if let Some(region) = from_event {
        return Ok(vec![region.to_owned()]);
    }
    match &deps.config.regions {
        Some(list) => Ok(list.clone()),
        None => deps.account.enabled_regions().await,
    }
}

/// Everything the diagnosis reads about `regions`.
pub(crate) async fn facts(deps: &Deps, regions: &[String], call: Option<CallFacts>) -> Facts {
    let limit = deps.config.concurrency;
    let mut per_region: Vec<RegionFacts> = stream::iter(regions.iter().cloned())
        .map(|region| region_facts(deps, region))
        .buffer_unordered(limit)
        .collect()
        .await;
    per_region.sort_by(|a, b| a.region.cmp(&b.region));

    // The buckets and keys of every export, and the configured export's when its Region is
    // checked (a missing export is recreated there).
    let mut buckets: BTreeSet<(String, String)> = BTreeSet::new();
    let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
    for r in &per_region {
        if let Ok(Some(d)) = &r.detector
            && let Ok(destinations) = &d.destinations
        {
            for dest in destinations {
                if let Some((bucket, _)) = dest.bucket() {
                    buckets.insert((bucket, r.region.clone()));
                }
                if let Some(key) = &dest.key_arn {
                    keys.insert((key.clone(), r.region.clone()));
                }
            }
        }
    }
    if let Some(export) = &deps.config.export
        && regions.contains(&export.region)
    {
        buckets.insert((export.bucket.clone(), export.region.clone()));
        keys.insert((export.key_arn.clone(), export.region.clone()));
    }
    let buckets = stream::iter(buckets)
        .map(|(name, region)| bucket_facts(deps, name, region))
        .buffer_unordered(limit)
        .map(|b| (b.name.clone(), b))
        .collect::<BTreeMap<_, _>>();
    let keys = stream::iter(keys)
        .map(|(id, region)| key_facts(deps, id, region))
        .buffer_unordered(limit)
        .map(|k| (k.id.clone(), k))
        .collect::<BTreeMap<_, _>>();
    let (buckets, keys) = tokio::join!(buckets, keys);
    Facts {
        account_id: deps.config.account_id.clone(),
        partition: "aws".into(),
        regions: per_region,
        buckets,
        keys,
        call,
        collected_at: Utc::now(),
    }
}

async fn region_facts(deps: &Deps, region: String) -> RegionFacts {
    let clients = deps.regions.get(&region);
    let gd = &clients.guardduty;
    let detector = match gd.list_detectors().await {
        Err(e) => Err(e),
        Ok(ids) => match ids.into_iter().next() {
            None => Ok(None),
            Some(id) => {
                let administrator = async {
                    match deps.config.administrator {
                        Some(_) => Some(gd.administrator(&id).await),
                        None => None,
                    }
                };
                let (settings, destinations, filters, members, administrator) = tokio::join!(
                    gd.get_detector(&id),
                    destinations(gd, &id),
                    filters(gd, &id),
                    gd.members(&id),
                    administrator,
                );
                Ok(Some(DetectorFacts {
                    id,
                    settings,
                    destinations,
                    filters,
                    members,
                    administrator,
                }))
            }
        },
    };
    RegionFacts { region, detector }
}

async fn destinations(
    gd: &crate::aws::guardduty::GuardDuty,
    detector: &str,
) -> Result<Vec<crate::facts::Destination>, AwsCallError> {
    let mut out = Vec::new();
    for id in gd.destinations(detector).await? {
        out.push(gd.destination(detector, &id).await?);
    }
    Ok(out)
}

async fn filters(
    gd: &crate::aws::guardduty::GuardDuty,
    detector: &str,
) -> Result<Vec<crate::facts::Filter>, AwsCallError> {
    let mut out = Vec::new();
    for name in gd.filter_names(detector).await? {
        out.push(gd.filter(detector, &name).await?);
    }
    Ok(out)
}

async fn bucket_facts(deps: &Deps, name: String, region: String) -> BucketFacts {
    let clients = deps.regions.get(&region);
    let account = deps.config.account_id.as_str();
    let location = clients.s3.locate(&name, account).await;
    let owned = matches!(location, Ok(BucketLocation::Owned { .. }));
    let (policy, tags) = if owned {
        let (policy, tags) = tokio::join!(
            clients.bucket_policies.get(&name, account),
            clients.s3.tags(&name, account)
        );
        (Some(policy), Some(tags))
    } else {
        (None, None)
    };
    BucketFacts {
        name,
        location,
        policy,
        tags,
    }
}

async fn key_facts(deps: &Deps, id: String, fallback_region: String) -> KeyFacts {
    let region = Arn::parse(&id)
        .map(|a| a.region.to_owned())
        .filter(|r| !r.is_empty())
        .unwrap_or(fallback_region);
    let kms = &deps.regions.get(&region).kms;
    let key = kms.describe(&id).await;
    let ours = matches!(&key, Ok(Some(k)) if k.account == deps.config.account_id);
    let (policy, tags) = match (&key, ours) {
        (Ok(Some(k)), true) => {
            let (policy, tags) = tokio::join!(kms.policy(&k.arn), kms.tags(&k.arn));
            (Some(policy), Some(tags))
        }
        _ => (None, None),
    };
    KeyFacts {
        id,
        region,
        key,
        policy,
        tags,
    }
}

/// The repairs awaiting confirmation in each Region (empty without a state store, or when the
/// record cannot be read: then at most one alert more, never one less).
pub(crate) async fn awaiting(deps: &Deps, regions: &[String]) -> BTreeMap<String, Awaiting> {
    let mut out = BTreeMap::new();
    let Some(store) = &deps.state else {
        return out;
    };
    let now = Utc::now();
    for region in regions {
        out.insert(
            region.clone(),
            store.awaiting(&awaiting_key(region), now).await,
        );
    }
    out
}

/// The probe events of a drill, as GuardDuty would send a sample finding of each type (with
/// the type's severity), and one at severity 7, the lower bound of High.
pub(crate) fn probe_events(
    account: &str,
    region: &str,
    types: &[(String, f64)],
) -> Vec<serde_json::Value> {
    let now = Utc::now();
    let probe = |kind: &str, severity: f64| {
        vigil::events::guardduty::probe_event(account, region, kind, severity, now, true)
    };
    let mut events: Vec<_> = types.iter().map(|(t, s)| probe(t, *s)).collect();
    if let Some((first, _)) = types.first() {
        events.push(probe(first, 7.0));
    }
    events
}

/// The default bus's rules in `region` that have an event pattern, with whether each matches
/// every probe and, for those that do, their targets.
pub(crate) async fn route(deps: &Deps, region: &str, probes: &[serde_json::Value]) -> RouteFacts {
    let events = &deps.regions.get(region).events;
    let rules = match events.rules().await {
        Err(e) => return RouteFacts { rules: Err(e) },
        Ok(rules) => rules,
    };
    let mut out = Vec::new();
    for rule in rules {
        let Some(pattern) = rule.pattern else {
            continue;
        };
        let mut matches = Ok(Vec::new());
        if rule.enabled {
            for probe in probes {
                match events.matches(&pattern, &probe.to_string()).await {
                    Ok(m) => {
                        if let Ok(list) = &mut matches {
                            list.push(m);
                        }
                    }
                    Err(e) => {
                        matches = Err(e);
                        break;
                    }
                }
            }
        }
        let all = matches
            .as_ref()
            .is_ok_and(|m| !m.is_empty() && m.iter().all(|x| *x));
        let targets = if all {
            Some(events.targets(&rule.name).await)
        } else {
            None
        };
        out.push(RuleFacts {
            name: rule.name,
            enabled: rule.enabled,
            matches,
            targets,
        });
    }
    RouteFacts { rules: Ok(out) }
}

/// The responder's receipt for each type of the drill, in the drill's order (`None`: not
/// received yet, or unreadable).
pub(crate) async fn receipts(deps: &Deps, drill: &Active) -> Vec<Option<Receipt>> {
    let Some(store) = &deps.state else {
        return vec![None; drill.types.len()];
    };
    let now = Utc::now();
    let mut out = Vec::new();
    for kind in &drill.types {
        out.push(
            store
                .get::<Receipt>(&receipt_key(&drill.id, kind), now)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(r#type = %kind, error = %e, "receipt could not be read");
                    None
                })
                .filter(|r| r.drill_id == drill.id),
        );
    }
    out
}
