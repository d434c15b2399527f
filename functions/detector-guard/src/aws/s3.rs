//! S3: an export bucket's owner and tags (its policy: `vigil::aws::s3_policy`), and writing a
//! drill's signed record to the evidence bucket.
//!
//! Every bucket call names this account as `ExpectedBucketOwner`, so S3 itself refuses to read
//! or change a bucket another account owns.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::AwsCallError;

use crate::facts::BucketLocation;

#[derive(Debug, Clone)]
pub(crate) struct S3 {
    client: Client,
}

impl S3 {
    pub(crate) fn new(client: Client) -> Self {
        S3 { client }
    }

    /// `HeadBucket` with this account as the expected owner: 200 is ours, 404 is gone, 403 is
    /// someone else's (or hidden from this role).
    pub(crate) async fn locate(
        &self,
        bucket: &str,
        account_id: &str,
    ) -> Result<BucketLocation, AwsCallError> {
        let result = self
            .client
            .head_bucket()
            .bucket(bucket)
            .expected_bucket_owner(account_id)
            .send()
            .await;
        match result {
            Ok(out) => Ok(BucketLocation::Owned {
                region: out.bucket_region.unwrap_or_else(|| {
                    self.client
                        .config()
                        .region()
                        .map(|r| r.to_string())
                        .unwrap_or_default()
                }),
            }),
            Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
                Some(404) => Ok(BucketLocation::Missing),
                Some(403) => Ok(BucketLocation::NotOwned),
                _ => Err(AwsCallError::new("s3:HeadBucket", e)),
            },
        }
    }

    /// The bucket's tags; none when it has no tag set.
    pub(crate) async fn tags(
        &self,
        bucket: &str,
        account_id: &str,
    ) -> Result<Vec<(String, String)>, AwsCallError> {
        match self
            .client
            .get_bucket_tagging()
            .bucket(bucket)
            .expected_bucket_owner(account_id)
            .send()
            .await
        {
            Ok(out) => Ok(out.tag_set.into_iter().map(|t| (t.key, t.value)).collect()),
            Err(e) if e.code() == Some("NoSuchTagSet") => Ok(Vec::new()),
            Err(e) => Err(AwsCallError::new("s3:GetBucketTagging", e)),
        }
    }

    /// Writes one object of a drill's record (the SDK adds the integrity checksum an Object
    /// Lock bucket requires).
    pub(crate) async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
    ) -> Result<(), AwsCallError> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .content_type("application/json")
            .send()
            .await
            .map_err(|e| AwsCallError::new("s3:PutObject", e))?;
        Ok(())
    }
}
