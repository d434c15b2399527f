//! RDS per Region: instances and clusters, and the TLS parameter of each distinct (cluster)
//! parameter group, read once per group.

use std::collections::BTreeMap;

use super::Collector;
use crate::aws::rds::{self, Listed};
use crate::checks::rds::{tls_judged_here, tls_parameter};
use crate::facts::{ApiError, Database, Fetched, RdsFacts, Service};

/// TLS parameter values read so far: (cluster group?, group, parameter) → value.
type Groups = BTreeMap<(bool, String, &'static str), Fetched<Option<String>>>;

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

/// The database with its TLS parameter, read when `judged` (RDS-03 judges it).
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
    let tls_parameter = if judged {
        tls_value(c, client, region, groups, &database, parameter_group).await
    } else {
        None
    };
    Database {
        tls_parameter,
        ..database
    }
}

/// The TLS parameter's value in a parameter group (`None` inside if the group does not set
/// it, so the engine default applies; `None` outside when the engine has no such parameter).
/// Default groups (`default.*`) set nothing.
async fn tls_value(
    c: &Collector,
    client: &aws_sdk_rds::Client,
    region: &str,
    groups: &mut Groups,
    d: &Database,
    group: Option<String>,
) -> Option<Fetched<Option<String>>> {
    let (name, _) = tls_parameter(&d.engine, &d.engine_version)?;
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
        return Some(Ok(None));
    }
    let key = (d.is_cluster, group, name);
    if let Some(v) = groups.get(&key) {
        return Some(v.clone());
    }
    let value = c
        .limited(
            Service::Rds,
            region,
            rds::parameter_value(client, d.is_cluster, &key.1, name),
        )
        .await;
    groups.insert(key, value.clone());
    Some(value)
}
