//! RDS adapter: where a cluster (its writer) or an instance answers, and its engine.

use aws_sdk_rds::Client;
use vigil::aws::AwsCallError;

/// What RDS reports about a database: its address, the port when RDS gives one, and its
/// engine name (`postgres`, `aurora-mysql`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    pub(crate) engine: Option<String>,
}

/// The RDS calls rotation makes.
#[derive(Debug, Clone)]
pub(crate) struct Rds {
    client: Client,
}

impl Rds {
    pub(crate) fn new(client: Client) -> Self {
        Rds { client }
    }

    /// The writer endpoint of `cluster` (identifier or ARN); `None` while it has none yet.
    pub(crate) async fn cluster_writer(
        &self,
        cluster: &str,
    ) -> Result<Option<Address>, AwsCallError> {
        let out = self
            .client
            .describe_db_clusters()
            .db_cluster_identifier(cluster)
            .send()
            .await
            .map_err(|e| AwsCallError::new("rds:DescribeDBClusters", e))?;
        let found = out.db_clusters.unwrap_or_default().into_iter().next();
        Ok(found.and_then(|c| {
            c.endpoint.map(|host| Address {
                host,
                port: port(c.port),
                engine: c.engine,
            })
        }))
    }

    /// The endpoint of `instance` (identifier or ARN); `None` while it has none yet.
    pub(crate) async fn instance_endpoint(
        &self,
        instance: &str,
    ) -> Result<Option<Address>, AwsCallError> {
        let out = self
            .client
            .describe_db_instances()
            .db_instance_identifier(instance)
            .send()
            .await
            .map_err(|e| AwsCallError::new("rds:DescribeDBInstances", e))?;
        let found = out.db_instances.unwrap_or_default().into_iter().next();
        Ok(found.and_then(|i| {
            let engine = i.engine;
            i.endpoint.and_then(|e| {
                e.address.map(|host| Address {
                    host,
                    port: port(e.port),
                    engine,
                })
            })
        }))
    }
}

fn port(port: Option<i32>) -> Option<u16> {
    port.and_then(|p| u16::try_from(p).ok())
}
