//! RDS adapter: where a secret that names `dbInstanceIdentifier` or `dbClusterIdentifier`
//! actually lives (the cluster's writer endpoint, or the instance endpoint).

use aws_sdk_rds::Client;
use vigil::aws::{AwsCallError, AwsFailure};

use crate::error::Error;
use crate::secret::DbSecret;

/// A resolved network endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone)]
pub struct Rds {
    client: Client,
}

impl Rds {
    pub fn new(client: Client) -> Self {
        Rds { client }
    }

    /// The endpoint to connect to. RDS identifiers win over `host`: after a failover or a
    /// rename, RDS knows where the writer is and a stored host may not.
    pub async fn resolve(&self, secret: &DbSecret, secret_id: &str) -> Result<Endpoint, Error> {
        let endpoint_error = |problem: String| Error::Endpoint {
            secret: secret_id.to_owned(),
            problem,
        };
        if let Some(cluster) = &secret.db_cluster_identifier {
            let out = self
                .client
                .describe_db_clusters()
                .db_cluster_identifier(cluster)
                .send()
                .await
                .map_err(|e| AwsCallError::new("rds:DescribeDBClusters", e))
                .map_err(|e| not_found_as(e, &endpoint_error, "cluster", cluster))?;
            let found = out.db_clusters.unwrap_or_default().into_iter().next();
            let host = found.as_ref().and_then(|c| c.endpoint.clone());
            let port = found.as_ref().and_then(|c| c.port);
            return match host {
                Some(host) => Ok(Endpoint {
                    host,
                    port: port_or(port, secret.port),
                }),
                None => Err(endpoint_error(format!(
                    "RDS cluster {cluster:?} has no writer endpoint yet; wait until it is available"
                ))),
            };
        }
        if let Some(instance) = &secret.db_instance_identifier {
            let out = self
                .client
                .describe_db_instances()
                .db_instance_identifier(instance)
                .send()
                .await
                .map_err(|e| AwsCallError::new("rds:DescribeDBInstances", e))
                .map_err(|e| not_found_as(e, &endpoint_error, "instance", instance))?;
            let endpoint = out
                .db_instances
                .unwrap_or_default()
                .into_iter()
                .next()
                .and_then(|i| i.endpoint);
            return match endpoint.and_then(|e| e.address.map(|a| (a, e.port))) {
                Some((host, port)) => Ok(Endpoint {
                    host,
                    port: port_or(port, secret.port),
                }),
                None => Err(endpoint_error(format!(
                    "RDS instance {instance:?} has no endpoint yet; wait until it is available"
                ))),
            };
        }
        match &secret.host {
            Some(host) => Ok(Endpoint {
                host: host.clone(),
                port: secret.port,
            }),
            None => Err(endpoint_error(
                "no host and no RDS identifier in the secret".into(),
            )),
        }
    }
}

fn port_or(port: Option<i32>, fallback: u16) -> u16 {
    port.and_then(|p| u16::try_from(p).ok()).unwrap_or(fallback)
}

fn not_found_as(
    e: AwsCallError,
    endpoint_error: &impl Fn(String) -> Error,
    kind: &str,
    name: &str,
) -> Error {
    if e.failure == AwsFailure::NotFound {
        endpoint_error(format!(
            "RDS {kind} {name:?} does not exist in this account and region; fix the identifier in the secret"
        ))
    } else {
        Error::Aws(e)
    }
}
