//! The I/O that fills the facts: a secret version read and parsed, and the endpoint a secret's
//! database answers at (looked up in RDS when the secret names an instance or cluster).

use secrecy::ExposeSecret;
use vigil::aws::{AwsCallError, AwsFailure};

use crate::aws::rds::Address;
use crate::deps::Deps;
use crate::error::Error;
use crate::facts::{DbSecret, Endpoint};

/// The value of `stage` (pinned to `version` if given) parsed as a database secret; `None`
/// when that version has no value yet. `which` names the version in error messages.
pub(crate) async fn secret(
    deps: &Deps,
    secret_id: &str,
    stage: &str,
    version: Option<&str>,
    which: &str,
) -> Result<Option<DbSecret>, Error> {
    deps.secrets
        .value(secret_id, stage, version)
        .await?
        .map(|text| DbSecret::parse(text.expose_secret(), which))
        .transpose()
}

/// The endpoint to connect to. RDS identifiers win over `host`: after a failover or a
/// rename, RDS knows where the writer is and a stored host may not.
pub async fn endpoint(deps: &Deps, secret: &DbSecret, secret_id: &str) -> Result<Endpoint, Error> {
    let endpoint_error = |problem: String| Error::Endpoint {
        secret: secret_id.to_owned(),
        problem,
    };
    let at = |address: Address| Endpoint {
        host: address.host,
        port: address.port.unwrap_or(secret.port),
    };
    if let Some(cluster) = &secret.db_cluster_identifier {
        return match deps.rds.cluster_writer(cluster).await {
            Ok(Some(address)) => Ok(at(address)),
            Ok(None) => Err(endpoint_error(format!(
                "RDS cluster {cluster:?} has no writer endpoint yet; wait until it is available"
            ))),
            Err(e) => Err(not_found_as(e, &endpoint_error, "cluster", cluster)),
        };
    }
    if let Some(instance) = &secret.db_instance_identifier {
        return match deps.rds.instance_endpoint(instance).await {
            Ok(Some(address)) => Ok(at(address)),
            Ok(None) => Err(endpoint_error(format!(
                "RDS instance {instance:?} has no endpoint yet; wait until it is available"
            ))),
            Err(e) => Err(not_found_as(e, &endpoint_error, "instance", instance)),
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
