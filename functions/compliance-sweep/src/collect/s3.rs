//! S3: account Block Public Access (S3 Control), ListBuckets, and per bucket only the calls a
//! check needs. Every answer is kept per run, per bucket and call ([`Answers`]): a bucket that
//! is listed, a trail bucket and a GuardDuty export bucket at once is asked each call once,
//! whichever shard asks first. Its Region comes from ListBuckets where the answer gives it,
//! else from one GetBucketLocation.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use aws_sdk_s3::types::{ExpirationStatus, Permission, Type};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::StreamExt;

use super::{Collector, Memo, api};
use crate::facts::{Bucket, Encryption, LifecycleRule, ObjectLock, PublicAccessBlock, S3Facts};
use crate::model::{Fetched, Service};

/// What a caller needs of a bucket: which of the shared per-bucket answers it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// S3-02..04: public access block, policy, encryption.
    Posture,
    /// CT-04/05/07: public access block, policy status, ACL, logging, lifecycle, Object Lock.
    TrailBucket,
    /// GD-04: lifecycle, Object Lock.
    Retention,
}

/// ListBuckets: the names in listing order, and the Region of each where the answer gives it.
#[derive(Debug, Default)]
pub struct Listing {
    names: Vec<String>,
    regions: HashMap<String, String>,
}

/// The S3 answers of one run: the listing, and each per-bucket call keyed by bucket name.
#[derive(Debug, Default)]
pub struct Answers {
    listing: Memo<Fetched<Arc<Listing>>>,
    region: Memo<Fetched<String>>,
    public_access_block: Memo<Fetched<Option<PublicAccessBlock>>>,
    policy: Memo<Fetched<Option<String>>>,
    policy_is_public: Memo<Fetched<bool>>,
    acl_public: Memo<Fetched<bool>>,
    encryption: Memo<Fetched<Encryption>>,
    logging_target: Memo<Fetched<Option<String>>>,
    lifecycle: Memo<Fetched<Vec<LifecycleRule>>>,
    object_lock: Memo<Fetched<ObjectLock>>,
}

const LISTING: &str = "ListBuckets";

/// The four Block Public Access settings, as S3 and S3 Control both spell them (absent = off).
macro_rules! block {
    ($p:expr) => {{
        let p = $p;
        PublicAccessBlock {
            block_public_acls: p.block_public_acls.unwrap_or(false),
            ignore_public_acls: p.ignore_public_acls.unwrap_or(false),
            block_public_policy: p.block_public_policy.unwrap_or(false),
            restrict_public_buckets: p.restrict_public_buckets.unwrap_or(false),
        }
    }};
}

pub async fn collect(c: &Collector) -> S3Facts {
    let (account_block, listed) = tokio::join!(account_block(c), listing(c));
    let buckets = match listed {
        Err(e) => Err(e),
        Ok(list) => Ok(futures::stream::iter(&list.names)
            .map(|name| bucket(c, name, Need::Posture))
            .buffered(c.width(Service::S3))
            .collect()
            .await),
    };
    S3Facts {
        account_public_access_block: account_block,
        buckets,
    }
}

/// One S3 or S3 Control call within the bound of `region`: the answer as `read` makes it.
/// When S3 answers with the error code of `absent` (the bucket has no such configuration),
/// the value that stands for that; any other error is the finding's error.
async fn ask<O, E, T>(
    c: &Collector,
    region: &str,
    operation: &'static str,
    request: impl Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    absent: Option<(&str, T)>,
    read: impl FnOnce(O) -> T,
) -> Fetched<T>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match c.limited(Service::S3, region, request).await {
        Ok(o) => Ok(read(o)),
        Err(e) => match absent {
            Some((code, value)) if e.code() == Some(code) => Ok(value),
            _ => Err(api(operation, e)),
        },
    }
}

/// s3control:GetPublicAccessBlock for the account, once per run.
pub async fn account_block(c: &Collector) -> Fetched<Option<PublicAccessBlock>> {
    c.shared
        .account_block
        .get_or("account", || {
            ask(
                c,
                &c.home_region,
                "s3control:GetPublicAccessBlock",
                c.s3control
                    .get_public_access_block()
                    .account_id(&c.account)
                    .send(),
                Some(("NoSuchPublicAccessBlockConfiguration", None)),
                |o| o.public_access_block_configuration.map(|p| block!(p)),
            )
        })
        .await
}

/// ListBuckets, once per run.
async fn listing(c: &Collector) -> Fetched<Arc<Listing>> {
    c.shared
        .buckets
        .listing
        .get_or(LISTING, || list_buckets(c))
        .await
}

async fn list_buckets(c: &Collector) -> Fetched<Arc<Listing>> {
    let home = &c.home_region;
    let client = c.region(home).s3.clone();
    let list = c
        .limited(
            Service::S3,
            home,
            client
                .list_buckets()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await
        .map_err(|e| api("s3:ListBuckets", e))?;
    let mut out = Listing::default();
    for b in list {
        let name = b.name.unwrap_or_default();
        if let Some(region) = b.bucket_region {
            out.regions.insert(name.clone(), region);
        }
        out.names.push(name);
    }
    Ok(Arc::new(out))
}

/// The bucket's Region, once per bucket: from ListBuckets when this run lists the buckets (the
/// S3 shard; never started here) and the answer gives it, else GetBucketLocation.
async fn region_of(c: &Collector, name: &str) -> Fetched<String> {
    let answers = &c.shared.buckets;
    answers
        .region
        .get_or(name, || async {
            if let Some(Ok(list)) = answers.listing.asked(LISTING, || list_buckets(c)).await
                && let Some(region) = list.regions.get(name)
            {
                return Ok(region.clone());
            }
            let home = &c.home_region;
            let client = c.region(home).s3.clone();
            // An empty LocationConstraint means us-east-1; "EU" is the legacy name of eu-west-1.
            ask(
                c,
                home,
                "s3:GetBucketLocation",
                client.get_bucket_location().bucket(name).send(),
                None,
                |o| {
                    match o.location_constraint.as_ref().map_or("", |l| l.as_str()) {
                        "" => "us-east-1",
                        "EU" => "eu-west-1",
                        other => other,
                    }
                    .to_owned()
                },
            )
            .await
        })
        .await
}

/// One call of bucket `name`, once per run: the shared answer, or the error of its Region
/// when that is not known (nothing else can be asked then).
async fn once<T, F>(
    c: &Collector,
    memo: &Memo<Fetched<T>>,
    name: &str,
    region: &Fetched<String>,
    call: impl FnOnce(aws_sdk_s3::Client, String) -> F,
) -> Fetched<T>
where
    T: Clone,
    F: Future<Output = Fetched<T>>,
{
    memo.get_or(name, || async {
        let region = region.clone()?;
        let s3 = c.region(&region).s3.clone();
        call(s3, region).await
    })
    .await
}

/// The facts of one bucket for `need`: only the answers it needs, each shared per run.
pub async fn bucket(c: &Collector, name: &str, need: Need) -> Bucket {
    let region = region_of(c, name).await;
    let a = &c.shared.buckets;
    let posture = need == Need::Posture;
    let trail = need == Need::TrailBucket;
    let retention = matches!(need, Need::TrailBucket | Need::Retention);
    let mut b = Bucket {
        name: name.to_owned(),
        region: region.clone().unwrap_or_else(|_| c.home_region.clone()),
        ..Default::default()
    };
    if posture || trail {
        b.public_access_block = Some(
            once(
                c,
                &a.public_access_block,
                name,
                &region,
                |s3, r| async move {
                    ask(
                        c,
                        &r,
                        "s3:GetPublicAccessBlock",
                        s3.get_public_access_block().bucket(name).send(),
                        Some(("NoSuchPublicAccessBlockConfiguration", None)),
                        |o| o.public_access_block_configuration.map(|p| block!(p)),
                    )
                    .await
                },
            )
            .await,
        );
    }
    if posture {
        b.policy = Some(
            once(c, &a.policy, name, &region, |s3, r| async move {
                ask(
                    c,
                    &r,
                    "s3:GetBucketPolicy",
                    s3.get_bucket_policy().bucket(name).send(),
                    Some(("NoSuchBucketPolicy", None)),
                    |o| o.policy,
                )
                .await
            })
            .await,
        );
        b.encryption = Some(
            once(c, &a.encryption, name, &region, |s3, r| async move {
                encryption(c, &s3, name, &r).await
            })
            .await,
        );
    }
    if trail {
        b.policy_is_public = Some(
            once(c, &a.policy_is_public, name, &region, |s3, r| async move {
                ask(
                    c,
                    &r,
                    "s3:GetBucketPolicyStatus",
                    s3.get_bucket_policy_status().bucket(name).send(),
                    Some(("NoSuchBucketPolicy", false)),
                    |o| o.policy_status.and_then(|s| s.is_public).unwrap_or(false),
                )
                .await
            })
            .await,
        );
        b.acl_public = Some(
            once(c, &a.acl_public, name, &region, |s3, r| async move {
                ask(
                    c,
                    &r,
                    "s3:GetBucketAcl",
                    s3.get_bucket_acl().bucket(name).send(),
                    None,
                    |o| {
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
                    },
                )
                .await
            })
            .await,
        );
        b.logging_target = Some(
            once(c, &a.logging_target, name, &region, |s3, r| async move {
                ask(
                    c,
                    &r,
                    "s3:GetBucketLogging",
                    s3.get_bucket_logging().bucket(name).send(),
                    None,
                    |o| o.logging_enabled.map(|l| l.target_bucket),
                )
                .await
            })
            .await,
        );
    }
    if retention {
        b.lifecycle = Some(
            once(c, &a.lifecycle, name, &region, |s3, r| async move {
                ask(
                    c,
                    &r,
                    "s3:GetBucketLifecycleConfiguration",
                    s3.get_bucket_lifecycle_configuration().bucket(name).send(),
                    Some(("NoSuchLifecycleConfiguration", vec![])),
                    |o| {
                        o.rules
                            .unwrap_or_default()
                            .into_iter()
                            .map(|r| LifecycleRule {
                                enabled: r.status == ExpirationStatus::Enabled,
                                expiration_days: r.expiration.and_then(|e| e.days),
                            })
                            .collect()
                    },
                )
                .await
            })
            .await,
        );
        b.object_lock = Some(
            once(c, &a.object_lock, name, &region, |s3, r| async move {
                ask(
                    c,
                    &r,
                    "s3:GetObjectLockConfiguration",
                    s3.get_object_lock_configuration().bucket(name).send(),
                    Some((
                        "ObjectLockConfigurationNotFoundError",
                        ObjectLock::default(),
                    )),
                    |o| {
                        let cfg = o.object_lock_configuration;
                        let rule = cfg
                            .as_ref()
                            .and_then(|c| c.rule.as_ref())
                            .and_then(|r| r.default_retention.as_ref());
                        ObjectLock {
                            enabled: cfg
                                .as_ref()
                                .and_then(|c| c.object_lock_enabled.as_ref())
                                .is_some_and(|e| e.as_str() == "Enabled"),
                            mode: rule
                                .and_then(|r| r.mode.as_ref())
                                .map(|m| m.as_str().to_owned()),
                            retention_days: rule.and_then(|r| r.days.or(r.years.map(|y| y * 365))),
                        }
                    },
                )
                .await
            })
            .await,
        );
    }
    b
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
    let rule = ask(
        c,
        region,
        "s3:GetBucketEncryption",
        s3.get_bucket_encryption().bucket(name).send(),
        Some(("ServerSideEncryptionConfigurationNotFoundError", None)),
        |o| {
            o.server_side_encryption_configuration
                .and_then(|c| c.rules.into_iter().next())
                .and_then(|r| r.apply_server_side_encryption_by_default)
        },
    )
    .await?;
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
