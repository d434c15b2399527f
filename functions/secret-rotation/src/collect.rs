//! The I/O that fills the facts: a secret version read and parsed, the admin secret a
//! `masterarn` names (an RDS-managed one placed at its database), and the endpoint a secret's
//! database answers at (looked up in RDS when the secret names an instance or cluster).

use secrecy::ExposeSecret;
use vigil::aws::{AwsCallError, AwsFailure};

use crate::aws::rds::Address;
use crate::deps::Deps;
use crate::error::Error;
use crate::facts::{CURRENT, DbSecret, Endpoint, Engine, Version};

/// The tags RDS puts on the master secret it manages, naming its database.
const INSTANCE_TAG: &str = "aws:rds:primaryDBInstanceArn";
const CLUSTER_TAG: &str = "aws:rds:primaryDBClusterArn";

/// The value of `stage` and/or `version`, parsed as a database secret; `None` when that
/// version has no value yet. `which` names the version in error messages.
pub(crate) async fn secret(
    deps: &Deps,
    secret_id: &str,
    stage: Option<&str>,
    version: Option<&str>,
    which: &str,
) -> Result<Option<Version>, Error> {
    let Some(value) = deps.secrets.value(secret_id, stage, version).await? else {
        return Ok(None);
    };
    let secret = DbSecret::parse(value.text.expose_secret(), which)?;
    Ok(Some(Version {
        arn: value.arn,
        id: value.version,
        secret,
    }))
}

/// Checks that the admin secret `arn` exists, without reading its value: createSecret fails
/// here, before anything is stored, when a `masterarn` names no secret.
pub(crate) async fn admin_exists(deps: &Deps, arn: &str) -> Result<(), Error> {
    match deps.secrets.describe(arn).await {
        Ok(_) => Ok(()),
        Err(e) => Err(admin_error(arn, e)),
    }
}

/// The admin credential `masterarn` names. A secret RDS manages holds only `username` and
/// `password`: its engine, host and port come from the database named by its
/// `aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn` tag.
pub(crate) async fn admin(deps: &Deps, arn: &str) -> Result<DbSecret, Error> {
    let which = format!("admin secret {arn}");
    let value = deps
        .secrets
        .value(arn, Some(CURRENT), None)
        .await
        .map_err(|e| admin_error(arn, e))?
        .ok_or_else(|| Error::AdminSecret {
            arn: arn.to_owned(),
            problem: "it has no AWSCURRENT value".into(),
        })?;
    let text = value.text.expose_secret();
    if !DbSecret::is_managed_value(text) {
        return DbSecret::parse(text, &which);
    }
    let problem = |problem: String| Error::AdminSecret {
        arn: arn.to_owned(),
        problem,
    };
    let meta = deps
        .secrets
        .describe(arn)
        .await
        .map_err(|e| admin_error(arn, e))?;
    let (address, kind, database) = if let Some(instance) = meta.tag(INSTANCE_TAG) {
        let found = deps.rds.instance_endpoint(instance).await;
        (found, "instance", instance.to_owned())
    } else if let Some(cluster) = meta.tag(CLUSTER_TAG) {
        let found = deps.rds.cluster_writer(cluster).await;
        (found, "cluster", cluster.to_owned())
    } else {
        return Err(problem(format!(
            "its value holds only username and password, as an RDS-managed master secret does, but it has no {INSTANCE_TAG} or {CLUSTER_TAG} tag to find its database; add host, port and engine to it or name the managed secret RDS created"
        )));
    };
    let address = match address {
        Ok(Some(address)) => address,
        Ok(None) => {
            return Err(Error::Busy {
                what: format!("RDS {kind} {database}"),
                problem: "it has no endpoint yet; wait until it is available".into(),
            });
        }
        Err(e) if e.failure == AwsFailure::NotFound => {
            return Err(problem(format!(
                "the RDS {kind} {database} it was made for does not exist (deleted, or in another account or Region); point masterarn at the managed secret of the database this secret's user lives on"
            )));
        }
        Err(e) => return Err(Error::Aws(e)),
    };
    let engine_name = address.engine.clone().unwrap_or_default();
    let engine = Engine::parse(&engine_name)
        .filter(|e| e.is_sql())
        .ok_or_else(|| {
            problem(format!(
                "the RDS {kind} {database} runs engine {engine_name:?}, which Vigil does not rotate (PostgreSQL, MySQL, MariaDB and their Aurora editions are supported)"
            ))
        })?;
    let port = address.port.unwrap_or(engine.default_port());
    DbSecret::managed(text, &which, engine, address.host, port)
}

fn admin_error(arn: &str, e: AwsCallError) -> Error {
    let problem = match e.failure {
        AwsFailure::NotFound => {
            "not found; check that masterarn names an existing secret in this account and Region"
        }
        AwsFailure::AccessDenied => {
            "access denied; the rotation role may read only admin secrets matching the template's MasterSecretArnPattern"
        }
        _ => return Error::Aws(e),
    };
    Error::AdminSecret {
        arn: arn.to_owned(),
        problem: problem.into(),
    }
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
