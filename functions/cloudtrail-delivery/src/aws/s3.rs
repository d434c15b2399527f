//! S3: where a trail's bucket is and who owns it (its policy: `vigil::aws::s3_policy`).
//!
//! Every call names this account as `ExpectedBucketOwner`, so S3 itself refuses to read or
//! change a bucket another account owns: a bucket name freed by a deletion and taken by
//! someone else is never touched.

use aws_sdk_s3::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use vigil::aws::AwsCallError;

use crate::facts::BucketLocation;

#[derive(Debug, Clone)]
pub(crate) struct S3 {
    client: Client,
}

/// What `HeadBucket` in one region learnt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Located {
    Here(BucketLocation),
    /// The bucket is in another region; ask there.
    Elsewhere(String),
}

impl S3 {
    pub(crate) fn new(client: Client) -> Self {
        S3 { client }
    }

    fn region(&self) -> String {
        self.client
            .config()
            .region()
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_default()
    }

    /// `HeadBucket` with this account as the expected owner: 200 is ours, 404 is gone, 403 is
    /// someone else's (or hidden from this role); a 301 names the bucket's region.
    pub(crate) async fn locate(
        &self,
        bucket: &str,
        account_id: &str,
    ) -> Result<Located, AwsCallError> {
        let result = self
            .client
            .head_bucket()
            .bucket(bucket)
            .expected_bucket_owner(account_id)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Located::Here(BucketLocation::Owned {
                region: out.bucket_region.unwrap_or_else(|| self.region()),
            })),
            Err(err) => {
                let (status, region) = status_and_region(&err);
                match status {
                    Some(404) => Ok(Located::Here(BucketLocation::Missing)),
                    Some(403) => Ok(Located::Here(BucketLocation::NotOwned)),
                    Some(301 | 307 | 400)
                        if region.as_deref().is_some_and(|r| r != self.region()) =>
                    {
                        Ok(Located::Elsewhere(region.unwrap_or_default()))
                    }
                    _ => Err(AwsCallError::new("s3:HeadBucket", err)),
                }
            }
        }
    }
}

fn status_and_region<E>(err: &SdkError<E, HttpResponse>) -> (Option<u16>, Option<String>) {
    match err.raw_response() {
        Some(raw) => (
            Some(raw.status().as_u16()),
            raw.headers().get("x-amz-bucket-region").map(str::to_owned),
        ),
        None => (None, None),
    }
}
