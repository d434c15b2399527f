//! RDS adapter: the endpoint RDS reports for a cluster (its writer) or an instance.

use aws_sdk_rds::Client;
use vigil::aws::AwsCallError;

/// What RDS reports as a database's address; the port when RDS gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
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

    /// The writer endpoint of `cluster`; `None` while the cluster has none yet.
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
            })
        }))
    }

    /// The endpoint of `instance`; `None` while the instance has none yet.
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
        let endpoint = out
            .db_instances
            .unwrap_or_default()
            .into_iter()
            .next()
            .and_then(|i| i.endpoint);
        Ok(endpoint.and_then(|e| {
            e.address.map(|host| Address {
                host,
                port: port(e.port),
            })
        }))
    }
}

fn port(port: Option<i32>) -> Option<u16> {
    port.and_then(|p| u16::try_from(p).ok())
}
