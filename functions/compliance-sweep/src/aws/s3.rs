//! S3: the bucket listing, the per-bucket reads the checks need, and the evidence bucket's
//! objects (put and get). A bucket without a configuration answers an error code that stands
//! for "none" (no policy, no lifecycle, ...): read here as that value.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ExpirationStatus, Permission, Type};
use vigil::aws::AwsCallError;
use vigil::s3::PublicAccessBlock;

use super::{answer, api, time};
use crate::error::Error;
use crate::facts::{ApiError, Fetched, LifecycleRule, ObjectLock, Versioning};

/// ListBuckets: each bucket's name, and its Region where the answer gives it.
pub(crate) async fn list_buckets(
    client: &aws_sdk_s3::Client,
) -> Fetched<Vec<(String, Option<String>)>> {
    let buckets = client
        .list_buckets()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("s3:ListBuckets", e))?;
    Ok(buckets
        .into_iter()
        .map(|b| (b.name.unwrap_or_default(), b.bucket_region))
        .collect())
}

/// GetBucketLocation, as a Region name.
pub(crate) async fn bucket_region(client: &aws_sdk_s3::Client, bucket: &str) -> Fetched<String> {
    answer(
        "s3:GetBucketLocation",
        client.get_bucket_location().bucket(bucket).send().await,
        None,
        // An empty LocationConstraint means us-east-1; "EU" is the legacy name of eu-west-1.
        |o| {
            match o.location_constraint.as_ref().map_or("", |l| l.as_str()) {
                "" => "us-east-1",
                "EU" => "eu-west-1",
                other => other,
            }
            .to_owned()
        },
    )
}

/// The bucket's own Block Public Access (`None`: not configured).
pub(crate) async fn public_access_block(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Fetched<Option<PublicAccessBlock>> {
    answer(
        "s3:GetPublicAccessBlock",
        client.get_public_access_block().bucket(bucket).send().await,
        Some(("NoSuchPublicAccessBlockConfiguration", None)),
        |o| {
            o.public_access_block_configuration
                .map(|p| public_access_block!(p))
        },
    )
}

/// The bucket policy document (`None`: no policy).
pub(crate) async fn policy(client: &aws_sdk_s3::Client, bucket: &str) -> Fetched<Option<String>> {
    answer(
        "s3:GetBucketPolicy",
        client.get_bucket_policy().bucket(bucket).send().await,
        Some(("NoSuchBucketPolicy", None)),
        |o| o.policy,
    )
}

/// Whether S3 judges the bucket policy public.
pub(crate) async fn policy_is_public(client: &aws_sdk_s3::Client, bucket: &str) -> Fetched<bool> {
    answer(
        "s3:GetBucketPolicyStatus",
        client
            .get_bucket_policy_status()
            .bucket(bucket)
            .send()
            .await,
        Some(("NoSuchBucketPolicy", Some(false))),
        |o| o.policy_status.and_then(|s| s.is_public),
    )
    .and_then(|public| {
        public.ok_or_else(|| {
            ApiError::incomplete(
                "s3:GetBucketPolicyStatus",
                format!("PolicyStatus.IsPublic of {bucket}"),
            )
        })
    })
}

/// The ACL's grants to everyone (AllUsers) or every AWS account (AuthenticatedUsers), as
/// `AllUsers READ`: the group's last path part and the permission.
pub(crate) async fn acl_public_grants(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Fetched<Vec<String>> {
    answer(
        "s3:GetBucketAcl",
        client.get_bucket_acl().bucket(bucket).send().await,
        None,
        |o| {
            o.grants
                .unwrap_or_default()
                .iter()
                .filter_map(|g| {
                    let group = g.grantee.as_ref().filter(|x| x.r#type == Type::Group)?;
                    let group = group.uri.as_deref().and_then(|u| {
                        ["AllUsers", "AuthenticatedUsers"]
                            .into_iter()
                            .find(|n| u.ends_with(&format!("/global/{n}")))
                    })?;
                    let permission = g.permission.as_ref().map_or("?", Permission::as_str);
                    Some(format!("{group} {permission}"))
                })
                .collect()
        },
    )
}

/// Whether public grants give more than reading the ACL itself (the trail bucket's test).
pub(crate) fn grants_more_than_read_acp(grants: &[String]) -> bool {
    grants.iter().any(|g| !g.ends_with(" READ_ACP"))
}

/// GetBucketVersioning: `Status` (`Enabled`, `Suspended`; `None`: never enabled) and
/// `MFADelete` (`Enabled`, `Disabled`; `None`: never configured).
pub(crate) async fn versioning(client: &aws_sdk_s3::Client, bucket: &str) -> Fetched<Versioning> {
    answer(
        "s3:GetBucketVersioning",
        client.get_bucket_versioning().bucket(bucket).send().await,
        None,
        |o| Versioning {
            status: o.status.map(|s| s.as_str().to_owned()),
            mfa_delete: o.mfa_delete.map(|m| m.as_str().to_owned()),
        },
    )
}

/// The default encryption rule: algorithm and KMS key. `None` when the bucket has no
/// configuration: since January 2023 AWS always answers one (SSE-S3 by default); the emulator
/// still answers ServerSideEncryptionConfigurationNotFoundError.
pub(crate) async fn default_encryption(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Fetched<Option<(String, Option<String>)>> {
    answer(
        "s3:GetBucketEncryption",
        client.get_bucket_encryption().bucket(bucket).send().await,
        Some(("ServerSideEncryptionConfigurationNotFoundError", None)),
        |o| {
            o.server_side_encryption_configuration
                .and_then(|c| c.rules.into_iter().next())
                .and_then(|r| r.apply_server_side_encryption_by_default)
                .map(|r| (r.sse_algorithm.as_str().to_owned(), r.kms_master_key_id))
        },
    )
}

/// Where server access logs go (`None`: not logged).
pub(crate) async fn logging_target(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Fetched<Option<String>> {
    answer(
        "s3:GetBucketLogging",
        client.get_bucket_logging().bucket(bucket).send().await,
        None,
        |o| o.logging_enabled.map(|l| l.target_bucket),
    )
}

pub(crate) async fn lifecycle(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Fetched<Vec<LifecycleRule>> {
    answer(
        "s3:GetBucketLifecycleConfiguration",
        client
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await,
        Some(("NoSuchLifecycleConfiguration", vec![])),
        |o| {
            o.rules
                .unwrap_or_default()
                .into_iter()
                .map(|r| LifecycleRule {
                    enabled: r.status == ExpirationStatus::Enabled,
                    expiration_days: r.expiration.as_ref().and_then(|e| e.days),
                    expiration_date: r
                        .expiration
                        .as_ref()
                        .and_then(|e| e.date.as_ref())
                        .and_then(time),
                })
                .collect()
        },
    )
}

pub(crate) async fn object_lock(client: &aws_sdk_s3::Client, bucket: &str) -> Fetched<ObjectLock> {
    answer(
        "s3:GetObjectLockConfiguration",
        client
            .get_object_lock_configuration()
            .bucket(bucket)
            .send()
            .await,
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
}

/// Writes an object of the evidence bucket (encrypted by the bucket's default encryption).
pub(crate) async fn put_object(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
    content_type: &str,
) -> Result<(), AwsCallError> {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(bytes))
        .content_type(content_type)
        .send()
        .await
        .map_err(|e| AwsCallError::new("s3:PutObject", e))?;
    Ok(())
}

/// Writes an object of the evidence bucket from the file at `path`, streamed from disk (never
/// the whole file in memory).
pub(crate) async fn put_file(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    path: &std::path::Path,
    content_type: &str,
) -> Result<(), Error> {
    let body = ByteStream::from_path(path)
        .await
        .map_err(|e| Error::Io(format!("read {}: {e}", path.display())))?;
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body)
        .content_type(content_type)
        .send()
        .await
        .map_err(|e| Error::Aws(AwsCallError::new("s3:PutObject", e)))?;
    Ok(())
}

/// An object of the evidence bucket as a stream read as it arrives (`None`: no such key).
pub(crate) async fn object_reader(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<impl tokio::io::AsyncBufRead + Unpin + use<>>, Error> {
    match client.get_object().bucket(bucket).key(key).send().await {
        Ok(o) => Ok(Some(o.body.into_async_read())),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
        Err(e) => Err(Error::Aws(AwsCallError::new("s3:GetObject", e))),
    }
}

/// Reads an object of the evidence bucket (`None`: no such key).
pub(crate) async fn get_object(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<Vec<u8>>, Error> {
    match client.get_object().bucket(bucket).key(key).send().await {
        Ok(o) => Ok(Some(
            o.body
                .collect()
                .await
                .map_err(|e| Error::Io(format!("read s3://{bucket}/{key}: {e}")))?
                .into_bytes()
                .to_vec(),
        )),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
        Err(e) => Err(Error::Aws(AwsCallError::new("s3:GetObject", e))),
    }
}
