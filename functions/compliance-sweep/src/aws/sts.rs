//! STS: whose account the sweep runs in.

use vigil::aws::AwsCallError;

/// The account of the caller's credentials.
pub(crate) async fn caller_account(client: &aws_sdk_sts::Client) -> Result<String, AwsCallError> {
    Ok(client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsCallError::new("sts:GetCallerIdentity", e))?
        .account
        .unwrap_or_default())
}
