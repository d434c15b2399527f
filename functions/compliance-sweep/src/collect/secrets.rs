//! Secrets Manager per Region: ListSecrets (which carries each secret's versions and their
//! staging labels, for stuck rotations: no call per secret), the manager of each named KMS key
//! (shared per run), and each primary secret's resource policy (one call per secret: no
//! listing carries it).

use futures::StreamExt;

use super::Collector;
use crate::aws::secrets;
use crate::facts::{Secret, SecretsFacts, Service};

pub(super) async fn collect(c: &Collector, region: &str) -> SecretsFacts {
    let client = c.region(region).secrets.clone();
    let listed = c
        .limited(
            Service::SecretsManager,
            region,
            secrets::list_secrets(&client),
        )
        .await;
    let secrets = match listed {
        Err(e) => Err(e),
        Ok(list) => Ok(futures::stream::iter(list)
            .map(|s| secret(c, region, s))
            .buffered(c.width(Service::SecretsManager))
            .collect()
            .await),
    };
    SecretsFacts {
        region: region.to_owned(),
        secrets,
    }
}

async fn secret(c: &Collector, region: &str, listed: Secret) -> Secret {
    let key_manager = match listed.kms_key_id.as_deref() {
        Some(k) if !k.ends_with("alias/aws/secretsmanager") => Some(c.key_manager(region, k).await),
        _ => None,
    };
    // Replicas are judged in their primary Region, with the primary's policy.
    let replica = listed
        .primary_region
        .as_deref()
        .is_some_and(|p| p != region);
    let policy = if replica {
        None
    } else {
        let client = c.region(region).secrets.clone();
        Some(
            c.limited(
                Service::SecretsManager,
                region,
                secrets::resource_policy(&client, &listed.arn),
            )
            .await,
        )
    };
    Secret {
        key_manager,
        policy,
        ..listed
    }
}
