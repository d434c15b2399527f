//! AWS Organizations: the organization id, under which organization trails also write.

use aws_sdk_organizations::Client;
use vigil::aws::AwsCallError;

#[derive(Debug, Clone)]
pub struct Organizations {
    client: Client,
}

impl Organizations {
    pub fn new(client: Client) -> Self {
        Organizations { client }
    }

    /// The organization id (`o-...`); `None` when the account is in no organization.
    pub async fn organization_id(&self) -> Result<Option<String>, AwsCallError> {
        match self.client.describe_organization().send().await {
            Ok(out) => Ok(out.organization.and_then(|o| o.id)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_aws_organizations_not_in_use_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(AwsCallError::new("organizations:DescribeOrganization", err)),
        }
    }
}
