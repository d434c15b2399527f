//! S3 bucket policies as the functions that repair them see them: read one, write one, and add
//! the statements a service needs (never replacing the policy: `crate::policy::merge`).
//! Behind the `s3` feature, so that functions that never touch a bucket do not build the S3
//! SDK.
//!
//! Every call names the expected owner (`ExpectedBucketOwner`), so S3 itself refuses to read
//! or change a bucket another account owns: a bucket name freed by a deletion and taken by
//! someone else is never touched. A thin adapter: it decides nothing.

use aws_sdk_s3::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use crate::aws::AwsCallError;
use crate::policy::merge::{Change, add_and_write};

/// The bucket-policy calls of one Region.
#[derive(Debug, Clone)]
pub struct BucketPolicies {
    client: Client,
}

impl BucketPolicies {
    pub fn new(client: Client) -> Self {
        BucketPolicies { client }
    }

    /// The bucket policy text; `None` when the bucket has none.
    pub async fn get(&self, bucket: &str, owner: &str) -> Result<Option<String>, AwsCallError> {
        match self
            .client
            .get_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .send()
            .await
        {
            Ok(out) => Ok(out.policy.filter(|p| !p.trim().is_empty())),
            Err(e) if e.code() == Some("NoSuchBucketPolicy") => Ok(None),
            Err(e) => Err(AwsCallError::new("s3:GetBucketPolicy", e)),
        }
    }

    /// Writes the bucket policy, only if `owner` owns the bucket.
    pub async fn put(&self, bucket: &str, owner: &str, policy: &str) -> Result<(), AwsCallError> {
        self.client
            .put_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .policy(policy)
            .send()
            .await
            .map_err(|e| AwsCallError::new("s3:PutBucketPolicy", e))?;
        Ok(())
    }

    /// Reads the bucket policy again (it may have changed since it was last read), adds the
    /// statements still missing, keeping every existing one as it is, and writes it.
    pub async fn add_statements(&self, bucket: &str, owner: &str, statements: &[Value]) -> Change {
        let current = match self.get(bucket, owner).await {
            Ok(policy) => policy,
            Err(e) => return Change::Failed(e.to_string()),
        };
        add_and_write(
            current.as_deref(),
            statements,
            &format!("bucket {bucket}"),
            |text| async move { self.put(bucket, owner, &text).await },
        )
        .await
    }
}
