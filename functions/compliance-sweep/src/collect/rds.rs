//! RDS per Region: instances and clusters, and the TLS parameters of each distinct (cluster)
//! parameter group (RDS-03's "TLS required" and RDS-12's minimum version), read in one
//! Describe call per group, whatever number of databases use it.

use std::collections::BTreeMap;

use super::Collector;
use crate::aws::rds::{self, Listed};
use crate::checks::rds::{tls_judged_here, tls_parameter, tls_version_parameters};
use crate::facts::{ApiError, Database, Fetched, RdsFacts, Service};

/// The TLS parameters each group read so far sets: (cluster group?, group) → name → value.
type Groups = BTreeMap<(bool, String), Fetched<BTreeMap<String, String>>>;

pub(super) async fn collect(c: &Collector, region: &str) -> RdsFacts {
    let client = c.region(region).rds.clone();
    let (instances, clusters) = tokio::join!(
        c.limited(Service::Rds, region, rds::db_instances(&client)),
        c.limited(Service::Rds, region, rds::db_clusters(&client)),
    );
    let mut groups = Groups::new();
    let instances = match instances {
        Err(e) => Err(e),
        Ok(list) => {
            let mut out = Vec::new();
            for listed in list {
                let d = &listed.database;
                // Not read for what RDS-03 does not judge (Aurora cluster members).
                let judged = tls_judged_here(d.cluster.is_some(), &d.engine);
                out.push(with_tls(c, &client, region, &mut groups, listed, judged).await);
            }
            Ok(out)
        }
    };
    let clusters = match clusters {
        Err(e) => Err(e),
        Ok(list) => {
            let mut out = Vec::new();
            for listed in list {
                out.push(with_tls(c, &client, region, &mut groups, listed, true).await);
            }
            Ok(out)
        }
    };
    RdsFacts {
        region: region.to_owned(),
        instances,
        clusters,
    }
}

/// The database with its TLS parameters, read when `judged` (RDS-03 and RDS-12 judge it).
async fn with_tls(
    c: &Collector,
    client: &aws_sdk_rds::Client,
    region: &str,
    groups: &mut Groups,
    listed: Listed,
    judged: bool,
) -> Database {
    let Listed {
        database,
        parameter_group,
    } = listed;
    let set = if judged {
        tls_settings(c, client, region, groups, &database, parameter_group).await
    } else {
        None
    };
    let tls_parameter =
        tls_parameter(&database.engine, &database.engine_version).and_then(|(name, _)| {
            set.clone()
                .map(|set| set.map(|values| values.get(name).cloned()))
        });
    let versions = tls_version_parameters(&database.engine);
    let tls_versions = (!versions.is_empty()).then_some(set).flatten().map(|set| {
        set.map(|values| {
            values
                .into_iter()
                .filter(|(name, _)| versions.contains(&name.as_str()))
                .collect()
        })
    });
    Database {
        tls_parameter,
        tls_versions,
        ..database
    }
}

/// The TLS parameters the database's (cluster) parameter group sets, by name (`None` when the
/// engine has none). Default groups (`default.*`) set nothing.
async fn tls_settings(
    c: &Collector,
    client: &aws_sdk_rds::Client,
    region: &str,
    groups: &mut Groups,
    d: &Database,
    group: Option<String>,
) -> Option<Fetched<BTreeMap<String, String>>> {
    let mut names: Vec<&str> = tls_version_parameters(&d.engine).to_vec();
    names.extend(tls_parameter(&d.engine, &d.engine_version).map(|(name, _)| name));
    if names.is_empty() {
        return None;
    }
    let Some(group) = group else {
        return Some(Err(ApiError::incomplete(
            if d.is_cluster {
                "rds:DescribeDBClusters"
            } else {
                "rds:DescribeDBInstances"
            },
            format!("the parameter group of {}", d.arn),
        )));
    };
    if group.starts_with("default.") {
        return Some(Ok(BTreeMap::new()));
    }
    let key = (d.is_cluster, group);
    if let Some(v) = groups.get(&key) {
        return Some(v.clone());
    }
    let values = c
        .limited(
            Service::Rds,
            region,
            rds::parameter_values(client, d.is_cluster, &key.1, &names),
        )
        .await;
    groups.insert(key, values.clone());
    Some(values)
}
