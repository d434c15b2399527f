//! S3: turn on all four settings of a public bucket's public access block.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::AwsCallError;

use super::{ActionError, Ctx, Step};

/// The bucket's public access block: `None` when the bucket has none; `Err` NotFound-style
/// codes are mapped by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub fn all_on(self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// Where a bucket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketBlock {
    Missing,
    NoBucket,
    Configured(PublicAccessBlock),
}

/// The S3 calls the responder makes.
#[derive(Debug, Clone)]
pub struct S3 {
    client: Client,
}

impl S3 {
    pub fn new(client: Client) -> Self {
        S3 { client }
    }

    pub async fn public_access_block(&self, bucket: &str) -> Result<BucketBlock, AwsCallError> {
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

    pub async fn block_all_public_access(&self, bucket: &str) -> Result<(), AwsCallError> {
        self.client
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AwsCallError::new("s3:PutBucketPublicAccessBlock", e))?;
        Ok(())
    }
}

pub async fn block_public_access(ctx: &Ctx<'_>, bucket: &str) -> Result<Step, ActionError> {
    let s3 = &ctx.deps.s3;
    let before = match s3.public_access_block(bucket).await? {
        BucketBlock::NoBucket => {
            return Ok(Step::AlreadyDone(format!(
                "bucket {bucket} no longer exists: nothing is exposed"
            )));
        }
        BucketBlock::Configured(block) if block.all_on() => {
            return Ok(Step::AlreadyDone(format!(
                "bucket {bucket} already blocks all public access"
            )));
        }
        BucketBlock::Configured(block) => format!("{block:?}"),
        BucketBlock::Missing => "no public access block".to_owned(),
    };
    s3.block_all_public_access(bucket).await?;
    Ok(Step::Done(format!(
        "bucket {bucket}: all four public access block settings on (before: {before}); public ACLs and policies no longer grant access"
    )))
}
