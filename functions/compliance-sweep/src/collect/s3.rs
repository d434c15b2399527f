//! S3: account Block Public Access (S3 Control), ListBuckets, and per bucket only the calls a
//! check needs. Bucket answers are shared per run: the trail bucket asked for by CloudTrail in
//! every Region is read once.

use aws_sdk_s3::types::{ExpirationStatus, Permission, Type};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::StreamExt;

use super::{Collector, api};
use crate::facts::{Bucket, Encryption, LifecycleRule, ObjectLock, PublicAccessBlock, S3Facts};
use crate::model::{Fetched, Service};

/// What a caller needs of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// S3-02..04: public access block, policy, encryption.
    Posture,
    /// CT-04/05/07: public access block, policy status, ACL, logging, lifecycle, Object Lock.
    TrailBucket,
    /// GD-04: lifecycle, Object Lock.
    Retention,
}

pub async fn collect(c: &Collector) -> S3Facts {
    let home = c.home_region.clone();
    let client = c.region(&home).s3.clone();
    let (account_block, listed) = tokio::join!(
        account_block(c),
        c.limited(
            Service::S3,
            &home,
            client
                .list_buckets()
                .into_paginator()
                .items()
                .send()
                .try_collect()
        ),
    );
    let buckets = match listed.map_err(|e| api("s3:ListBuckets", e)) {
        Err(e) => Err(e),
        Ok(list) => Ok(futures::stream::iter(list)
            .map(|b| {
                let name = b.name.unwrap_or_default();
                let region = b.bucket_region;
                async move { bucket(c, &name, region, Need::Posture).await }
            })
            .buffered(c.width(Service::S3))
            .collect()
            .await),
    };
    S3Facts {
        account: c.account.clone(),
        account_public_access_block: account_block,
        buckets,
    }
}

fn code<E: ProvideErrorMetadata>(
    e: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Option<String> {
    e.as_service_error()
        .and_then(|s| s.code())
        .map(str::to_owned)
}

/// s3control:GetPublicAccessBlock for the account, once per run.
pub async fn account_block(c: &Collector) -> Fetched<Option<PublicAccessBlock>> {
    let home = c.home_region.clone();
    c.shared
        .account_block
        .get_or("account", || async {
            let r = c
                .limited(
                    Service::S3,
                    &home,
                    c.s3control
                        .get_public_access_block()
                        .account_id(&c.account)
                        .send(),
                )
                .await;
            match r {
                Ok(o) => Ok(o
                    .public_access_block_configuration
                    .map(|p| PublicAccessBlock {
                        block_public_acls: p.block_public_acls.unwrap_or(false),
                        ignore_public_acls: p.ignore_public_acls.unwrap_or(false),
                        block_public_policy: p.block_public_policy.unwrap_or(false),
                        restrict_public_buckets: p.restrict_public_buckets.unwrap_or(false),
                    })),
                Err(e) if code(&e).as_deref() == Some("NoSuchPublicAccessBlockConfiguration") => {
                    Ok(None)
                }
                Err(e) => Err(api("s3control:GetPublicAccessBlock", e)),
            }
        })
        .await
}

/// The bucket's Region: ListBuckets gives it where supported, else GetBucketLocation.
async fn bucket_region(c: &Collector, name: &str) -> Fetched<String> {
    let home = c.home_region.clone();
    let out = c
        .limited(
            Service::S3,
            &home,
            c.region(&home).s3.get_bucket_location().bucket(name).send(),
        )
        .await
        .map_err(|e| api("s3:GetBucketLocation", e))?;
    // An empty LocationConstraint means us-east-1; "EU" is the legacy name of eu-west-1.
    Ok(
        match out
            .location_constraint
            .as_ref()
            .map(|l| l.as_str().to_owned())
            .unwrap_or_default()
            .as_str()
        {
            "" => "us-east-1".to_owned(),
            "EU" => "eu-west-1".to_owned(),
            other => other.to_owned(),
        },
    )
}

/// The facts of one bucket for `need`, fetched once per run.
pub async fn bucket(c: &Collector, name: &str, region: Option<String>, need: Need) -> Bucket {
    let key = format!("{name}/{need:?}");
    c.shared
        .buckets
        .get_or(&key, || fetch(c, name.to_owned(), region, need))
        .await
}

async fn fetch(c: &Collector, name: String, region: Option<String>, need: Need) -> Bucket {
    let region = match region {
        Some(r) => r,
        None => match bucket_region(c, &name).await {
            Ok(r) => r,
            Err(e) => {
                // Without its Region nothing else can be asked: every needed field is the error.
                let b = Bucket {
                    name,
                    region: c.home_region.clone(),
                    public_access_block: Some(Err(e.clone())),
                    policy: Some(Err(e.clone())),
                    policy_is_public: Some(Err(e.clone())),
                    acl_public: Some(Err(e.clone())),
                    encryption: Some(Err(e.clone())),
                    logging_target: Some(Err(e.clone())),
                    lifecycle: Some(Err(e.clone())),
                    object_lock: Some(Err(e)),
                };
                return b.pick(need);
            }
        },
    };
    let s3 = c.region(&region).s3.clone();
    let mut b = Bucket {
        name: name.clone(),
        region: region.clone(),
        ..Default::default()
    };
    if matches!(need, Need::Posture | Need::TrailBucket) {
        b.public_access_block = Some(
            match c
                .limited(
                    Service::S3,
                    &region,
                    s3.get_public_access_block().bucket(&name).send(),
                )
                .await
            {
                Ok(o) => Ok(o
                    .public_access_block_configuration
                    .map(|p| PublicAccessBlock {
                        block_public_acls: p.block_public_acls.unwrap_or(false),
                        ignore_public_acls: p.ignore_public_acls.unwrap_or(false),
                        block_public_policy: p.block_public_policy.unwrap_or(false),
                        restrict_public_buckets: p.restrict_public_buckets.unwrap_or(false),
                    })),
                Err(e) if code(&e).as_deref() == Some("NoSuchPublicAccessBlockConfiguration") => {
                    Ok(None)
                }
                Err(e) => Err(api("s3:GetPublicAccessBlock", e)),
            },
        );
    }
    if need == Need::Posture {
        b.policy = Some(
            match c
                .limited(
                    Service::S3,
                    &region,
                    s3.get_bucket_policy().bucket(&name).send(),
                )
                .await
            {
                Ok(o) => Ok(o.policy),
                Err(e) if code(&e).as_deref() == Some("NoSuchBucketPolicy") => Ok(None),
                Err(e) => Err(api("s3:GetBucketPolicy", e)),
            },
        );
        b.encryption = Some(encryption(c, &s3, &name, &region).await);
    }
    if need == Need::TrailBucket {
        b.policy_is_public = Some(
            match c
                .limited(
                    Service::S3,
                    &region,
                    s3.get_bucket_policy_status().bucket(&name).send(),
                )
                .await
            {
                Ok(o) => Ok(o.policy_status.and_then(|s| s.is_public).unwrap_or(false)),
                Err(e) if code(&e).as_deref() == Some("NoSuchBucketPolicy") => Ok(false),
                Err(e) => Err(api("s3:GetBucketPolicyStatus", e)),
            },
        );
        b.acl_public = Some(
            c.limited(
                Service::S3,
                &region,
                s3.get_bucket_acl().bucket(&name).send(),
            )
            .await
            .map_err(|e| api("s3:GetBucketAcl", e))
            .map(|o| {
                o.grants.unwrap_or_default().iter().any(|g| {
                    let public_group = g.grantee.as_ref().is_some_and(|x| {
                        x.r#type == Type::Group
                            && x.uri.as_deref().is_some_and(|u| {
                                u.ends_with("/global/AllUsers")
                                    || u.ends_with("/global/AuthenticatedUsers")
                            })
                    });
                    public_group
                        && g.permission
                            .as_ref()
                            .is_some_and(|p| *p != Permission::ReadAcp)
                })
            }),
        );
        b.logging_target = Some(
            c.limited(
                Service::S3,
                &region,
                s3.get_bucket_logging().bucket(&name).send(),
            )
            .await
            .map_err(|e| api("s3:GetBucketLogging", e))
            .map(|o| o.logging_enabled.map(|l| l.target_bucket)),
        );
    }
    if matches!(need, Need::TrailBucket | Need::Retention) {
        b.lifecycle = Some(
            match c
                .limited(
                    Service::S3,
                    &region,
                    s3.get_bucket_lifecycle_configuration().bucket(&name).send(),
                )
                .await
            {
                Ok(o) => Ok(o
                    .rules
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| LifecycleRule {
                        enabled: r.status == ExpirationStatus::Enabled,
                        expiration_days: r.expiration.and_then(|e| e.days),
                    })
                    .collect()),
                Err(e) if code(&e).as_deref() == Some("NoSuchLifecycleConfiguration") => Ok(vec![]),
                Err(e) => Err(api("s3:GetBucketLifecycleConfiguration", e)),
            },
        );
        b.object_lock = Some(
            match c
                .limited(
                    Service::S3,
                    &region,
                    s3.get_object_lock_configuration().bucket(&name).send(),
                )
                .await
            {
                Ok(o) => {
                    let cfg = o.object_lock_configuration;
                    let rule = cfg
                        .as_ref()
                        .and_then(|c| c.rule.as_ref())
                        .and_then(|r| r.default_retention.as_ref());
                    Ok(ObjectLock {
                        enabled: cfg
                            .as_ref()
                            .and_then(|c| c.object_lock_enabled.as_ref())
                            .is_some_and(|e| e.as_str() == "Enabled"),
                        mode: rule
                            .and_then(|r| r.mode.as_ref())
                            .map(|m| m.as_str().to_owned()),
                        retention_days: rule.and_then(|r| r.days.or(r.years.map(|y| y * 365))),
                    })
                }
                Err(e) if code(&e).as_deref() == Some("ObjectLockConfigurationNotFoundError") => {
                    Ok(ObjectLock {
                        enabled: false,
                        mode: None,
                        retention_days: None,
                    })
                }
                Err(e) => Err(api("s3:GetObjectLockConfiguration", e)),
            },
        );
    }
    b
}

impl Bucket {
    /// Keeps only the fields `need` asks for (so an error fills exactly those).
    fn pick(mut self, need: Need) -> Bucket {
        if need != Need::Posture {
            self.policy = None;
            self.encryption = None;
        }
        if need != Need::TrailBucket {
            self.policy_is_public = None;
            self.acl_public = None;
            self.logging_target = None;
        }
        if need == Need::Posture {
            self.lifecycle = None;
            self.object_lock = None;
        }
        if need == Need::Retention {
            self.public_access_block = None;
        }
        self
    }
}

/// Default encryption. A bucket without a configuration gets SSE-S3 from AWS (since January
/// 2023 GetBucketEncryption always answers it); the emulator still answers
/// ServerSideEncryptionConfigurationNotFoundError, read here as that default.
async fn encryption(
    c: &Collector,
    s3: &aws_sdk_s3::Client,
    name: &str,
    region: &str,
) -> Fetched<Encryption> {
    let out = match c
        .limited(
            Service::S3,
            region,
            s3.get_bucket_encryption().bucket(name).send(),
        )
        .await
    {
        Ok(o) => o,
        Err(e) if code(&e).as_deref() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            return Ok(Encryption {
                algorithm: "AES256".into(),
                kms_key: None,
                key_manager: None,
            });
        }
        Err(e) => return Err(api("s3:GetBucketEncryption", e)),
    };
    let rule = out
        .server_side_encryption_configuration
        .and_then(|c| c.rules.into_iter().next())
        .and_then(|r| r.apply_server_side_encryption_by_default);
    let Some(rule) = rule else {
        return Ok(Encryption {
            algorithm: "AES256".into(),
            kms_key: None,
            key_manager: None,
        });
    };
    let kms_key = rule.kms_master_key_id.clone();
    let key_manager = match &kms_key {
        Some(k) if !k.ends_with("alias/aws/s3") => Some(c.key_manager(region, k).await),
        _ => None,
    };
    Ok(Encryption {
        algorithm: rule.sse_algorithm.as_str().to_owned(),
        kms_key,
        key_manager,
    })
}
