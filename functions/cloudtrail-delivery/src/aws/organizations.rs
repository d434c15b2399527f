//! AWS Organizations: the organization id, under which organization trails also write.

use aws_sdk_organizations::Client;
use tokio::sync::OnceCell;
use vigil::aws::AwsCallError;

#[derive(Debug)]
pub(crate) struct Organizations {
    client: Client,
    /// The id once read: an account's organization does not change while the execution
    /// environment lives. An error is not kept, so the next call asks again.
    id: OnceCell<Option<String>>,
}

impl Organizations {
    pub(crate) fn new(client: Client) -> Self {
        Organizations {
            client,
            id: OnceCell::new(),
        }
    }

    /// The organization id (`o-...`); `None` when the account is in no organization. Asked of
    /// Organizations once per execution environment.
    pub(crate) async fn organization_id(&self) -> Result<Option<String>, AwsCallError> {
        self.id.get_or_try_init(|| self.describe()).await.cloned()
    }

    async fn describe(&self) -> Result<Option<String>, AwsCallError> {
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
