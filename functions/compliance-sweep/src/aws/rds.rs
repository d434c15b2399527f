//! RDS: instances and clusters, and the values of named parameters in a (cluster) parameter
//! group.

use std::collections::BTreeMap;

use super::{api, time};
use crate::facts::{Certificate, Database, Fetched};

/// A database with the parameter group its TLS setting comes from. `tls_parameter` is `None`
/// (not read): collection reads the group where RDS-03 judges the database.
pub(crate) struct Listed {
    pub database: Database,
    pub parameter_group: Option<String>,
}

/// RDS tags as a map.
fn tags(list: Option<Vec<aws_sdk_rds::types::Tag>>) -> BTreeMap<String, String> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
        .collect()
}

pub(crate) async fn db_instances(client: &aws_sdk_rds::Client) -> Fetched<Vec<Listed>> {
    let instances = client
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("rds:DescribeDBInstances", e))?;
    Ok(instances
        .into_iter()
        .map(|i| Listed {
            parameter_group: i
                .db_parameter_groups
                .as_deref()
                .unwrap_or_default()
                .first()
                .and_then(|g| g.db_parameter_group_name.clone()),
            database: Database {
                arn: i.db_instance_arn.unwrap_or_default(),
                is_cluster: false,
                cluster: i.db_cluster_identifier,
                engine: i.engine.unwrap_or_default(),
                engine_version: i.engine_version.unwrap_or_default(),
                encrypted: i.storage_encrypted.unwrap_or(false),
                public: i.publicly_accessible,
                iam_auth: i.iam_database_authentication_enabled.unwrap_or(false),
                backup_retention_days: i.backup_retention_period.unwrap_or(0),
                deletion_protection: i.deletion_protection.unwrap_or(false),
                tls_parameter: None,
                tls_versions: None,
                tags: tags(i.tag_list),
                master_username: i.master_username,
                multi_az: i.multi_az,
                auto_minor_upgrade: i.auto_minor_version_upgrade,
                copy_tags_to_snapshot: i.copy_tags_to_snapshot,
                log_exports: i.enabled_cloudwatch_logs_exports.unwrap_or_default(),
                monitoring_interval: i.monitoring_interval,
                // DbInstancePort is 0 for most instances outside a cluster: the endpoint's
                // port is the one clients use.
                port: i
                    .endpoint
                    .and_then(|e| e.port)
                    .or(i.db_instance_port.filter(|p| *p != 0)),
                vpc_id: i.db_subnet_group.and_then(|g| g.vpc_id),
                lifecycle_support: i.engine_lifecycle_support,
                certificate: i.certificate_details.map(|c| Certificate {
                    ca: c.ca_identifier,
                    valid_till: c.valid_till.as_ref().and_then(time),
                }),
                backtrack_seconds: 0,
            },
        })
        .collect())
}

pub(crate) async fn db_clusters(client: &aws_sdk_rds::Client) -> Fetched<Vec<Listed>> {
    let clusters = client
        .describe_db_clusters()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("rds:DescribeDBClusters", e))?;
    Ok(clusters
        .into_iter()
        .map(|c| Listed {
            parameter_group: c.db_cluster_parameter_group,
            database: Database {
                arn: c.db_cluster_arn.unwrap_or_default(),
                is_cluster: true,
                cluster: None,
                engine: c.engine.unwrap_or_default(),
                engine_version: c.engine_version.unwrap_or_default(),
                encrypted: c.storage_encrypted.unwrap_or(false),
                public: c.publicly_accessible,
                iam_auth: c.iam_database_authentication_enabled.unwrap_or(false),
                backup_retention_days: c.backup_retention_period.unwrap_or(0),
                deletion_protection: c.deletion_protection.unwrap_or(false),
                tls_parameter: None,
                tls_versions: None,
                tags: tags(c.tag_list),
                master_username: c.master_username,
                multi_az: c.multi_az,
                auto_minor_upgrade: c.auto_minor_version_upgrade,
                copy_tags_to_snapshot: c.copy_tags_to_snapshot,
                log_exports: c.enabled_cloudwatch_logs_exports.unwrap_or_default(),
                monitoring_interval: c.monitoring_interval,
                port: c.port,
                vpc_id: None,
                lifecycle_support: c.engine_lifecycle_support,
                certificate: None,
                backtrack_seconds: c.backtrack_window.unwrap_or(0),
            },
        })
        .collect())
}

/// The values `names` have in a DB parameter group, or in a DB cluster parameter group when
/// `cluster`: one paginated Describe call for all of them. A name the group does not set (no
/// value: the engine default applies) has no entry.
pub(crate) async fn parameter_values(
    client: &aws_sdk_rds::Client,
    cluster: bool,
    group: &str,
    names: &[&str],
) -> Fetched<BTreeMap<String, String>> {
    let parameters = if cluster {
        client
            .describe_db_cluster_parameters()
            .db_cluster_parameter_group_name(group)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| api("rds:DescribeDBClusterParameters", e))?
    } else {
        client
            .describe_db_parameters()
            .db_parameter_group_name(group)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| api("rds:DescribeDBParameters", e))?
    };
    Ok(parameters
        .into_iter()
        .filter_map(|p| Some((p.parameter_name?, p.parameter_value?)))
        .filter(|(name, _)| names.contains(&name.as_str()))
        .collect())
}
