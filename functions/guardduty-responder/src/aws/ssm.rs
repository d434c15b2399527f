//! SSM Parameter Store: the record of each response, one parameter per finding, in the
//! function's own account and Region (whatever account the finding was about).

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::AwsCallError;

/// A standard parameter holds 4 KB; larger records go in the advanced tier (8 KB).
const STANDARD_LIMIT: usize = 4096;

/// The response records under one SSM path.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    client: Client,
    prefix: String,
}

impl Records {
    pub(crate) fn new(client: Client, prefix: String) -> Self {
        Records { client, prefix }
    }

    /// The parameter name of a finding's record.
    pub(crate) fn name(&self, finding_id: &str) -> String {
        format!("{}/{finding_id}", self.prefix)
    }

    /// The record's text; `None` when there is none.
    pub(crate) async fn get(&self, finding_id: &str) -> Result<Option<String>, AwsCallError> {
        match self
            .client
            .get_parameter()
            .name(self.name(finding_id))
            .send()
            .await
        {
            Ok(output) => Ok(output.parameter.and_then(|p| p.value)),
            Err(e) if e.code() == Some("ParameterNotFound") => Ok(None),
            Err(e) => Err(AwsCallError::new("ssm:GetParameter", e)),
        }
    }

    /// Writes (or overwrites) the record.
    pub(crate) async fn put(&self, finding_id: &str, text: &str) -> Result<(), AwsCallError> {
        let tier = if text.len() > STANDARD_LIMIT {
            ParameterTier::Advanced
        } else {
            ParameterTier::Standard
        };
        self.client
            .put_parameter()
            .name(self.name(finding_id))
            .value(text)
            .r#type(ParameterType::String)
            .tier(tier)
            .overwrite(true)
            .description("Vigil guardduty-responder: what was done for this finding, for release")
            .send()
            .await
            .map_err(|e| AwsCallError::new("ssm:PutParameter", e))?;
        Ok(())
    }
}
