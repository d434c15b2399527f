//! S3: a bucket's public access block.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
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
}
