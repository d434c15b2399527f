//! S3: turn on all four settings of a public bucket's public access block.

use vigil::s3::PublicAccessBlock;

use super::{ActionError, Ctx, Step};
use crate::aws::s3::BucketBlock;

pub(crate) async fn block_public_access(ctx: &Ctx<'_>, bucket: &str) -> Result<Step, ActionError> {
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
    s3.put_public_access_block(bucket, PublicAccessBlock::ALL_ON)
        .await?;
    Ok(Step::Done(format!(
        "bucket {bucket}: all four public access block settings on (before: {before}); public ACLs and policies no longer grant access"
    )))
}
