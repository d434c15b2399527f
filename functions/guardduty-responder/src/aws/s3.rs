//! S3: a bucket's public access block and policy, and an object version's tags.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{PublicAccessBlockConfiguration, Tag, Tagging};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::AwsCallError;
use vigil::s3::PublicAccessBlock;

/// Where a bucket's public access block stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BucketBlock {
    /// The bucket has no public access block.
    Missing,
    /// The bucket does not exist.
    NoBucket,
    Configured(PublicAccessBlock),
}

/// The S3 calls the responder makes.
#[derive(Debug, Clone)]
pub(crate) struct S3 {
    client: Client,
}

impl S3 {
    pub(crate) fn new(client: Client) -> Self {
        S3 { client }
    }

    pub(crate) async fn public_access_block(
        &self,
        bucket: &str,
    ) -> Result<BucketBlock, AwsCallError> {
        match self
            .client
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(output) => {
                let c = output.public_access_block_configuration();
                Ok(BucketBlock::Configured(PublicAccessBlock {
                    block_public_acls: c.and_then(|c| c.block_public_acls()).unwrap_or(false),
                    ignore_public_acls: c.and_then(|c| c.ignore_public_acls()).unwrap_or(false),
                    block_public_policy: c.and_then(|c| c.block_public_policy()).unwrap_or(false),
                    restrict_public_buckets: c
                        .and_then(|c| c.restrict_public_buckets())
                        .unwrap_or(false),
                }))
            }
            Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => {
                Ok(BucketBlock::Missing)
            }
            Err(e) if e.code() == Some("NoSuchBucket") => Ok(BucketBlock::NoBucket),
            Err(e) => Err(AwsCallError::new("s3:GetBucketPublicAccessBlock", e)),
        }
    }

    /// Writes `block` as the bucket's public access block.
    pub(crate) async fn put_public_access_block(
        &self,
        bucket: &str,
        block: PublicAccessBlock,
    ) -> Result<(), AwsCallError> {
        self.client
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(block.block_public_acls)
                    .ignore_public_acls(block.ignore_public_acls)
                    .block_public_policy(block.block_public_policy)
                    .restrict_public_buckets(block.restrict_public_buckets)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AwsCallError::new("s3:PutBucketPublicAccessBlock", e))?;
        Ok(())
    }

    /// The tags of an object version (the current one when `version` is `None`); `None` when
    /// the object or version does not exist.
    pub(crate) async fn object_tags(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
    ) -> Result<Option<Vec<(String, String)>>, AwsCallError> {
        match self
            .client
            .get_object_tagging()
            .bucket(bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
        {
            Ok(output) => Ok(Some(
                output
                    .tag_set()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned()))
                    .collect(),
            )),
            Err(e)
                if matches!(
                    e.code(),
                    Some("NoSuchKey" | "NoSuchVersion" | "NoSuchBucket")
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(AwsCallError::new("s3:GetObjectTagging", e)),
        }
    }

    /// Replaces the tag set of an object version (S3 has no call that adds one tag).
    pub(crate) async fn put_object_tags(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        tags: &[(String, String)],
    ) -> Result<(), AwsCallError> {
        let tag_set: Vec<Tag> = tags
            .iter()
            .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
            .collect();
        let tagging = Tagging::builder()
            .set_tag_set(Some(tag_set))
            .build()
            .map_err(|e| AwsCallError {
                operation: "s3:PutObjectTagging",
                failure: vigil::aws::AwsFailure::InvalidRequest,
                code: None,
                message: e.to_string(),
            })?;
        self.client
            .put_object_tagging()
            .bucket(bucket)
            .key(key)
            .set_version_id(version.map(str::to_owned))
            .tagging(tagging)
            .send()
            .await
            .map_err(|e| AwsCallError::new("s3:PutObjectTagging", e))?;
        Ok(())
    }

    /// The bucket policy's text; `None` when the bucket has none.
    pub(crate) async fn bucket_policy(&self, bucket: &str) -> Result<Option<String>, AwsCallError> {
        match self.client.get_bucket_policy().bucket(bucket).send().await {
            Ok(output) => Ok(output.policy),
            Err(e) if e.code() == Some("NoSuchBucketPolicy") => Ok(None),
            Err(e) => Err(AwsCallError::new("s3:GetBucketPolicy", e)),
        }
    }

    pub(crate) async fn put_bucket_policy(
        &self,
        bucket: &str,
        policy: &str,
    ) -> Result<(), AwsCallError> {
        self.client
            .put_bucket_policy()
            .bucket(bucket)
            .policy(policy)
            .send()
            .await
            .map_err(|e| AwsCallError::new("s3:PutBucketPolicy", e))?;
        Ok(())
    }

    /// Removes the bucket policy (S3 refuses a policy without statements).
    pub(crate) async fn delete_bucket_policy(&self, bucket: &str) -> Result<(), AwsCallError> {
        self.client
            .delete_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| AwsCallError::new("s3:DeleteBucketPolicy", e))?;
        Ok(())
    }
}
