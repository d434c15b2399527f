//! Lambda: a function's configuration and code location (for the record), its reserved
//! concurrency, and its tags.

use aws_sdk_lambda::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use vigil::aws::AwsCallError;

/// A function as GetFunction shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Function {
    pub arn: String,
    pub name: String,
    pub version: Option<String>,
    pub code_sha256: Option<String>,
    pub revision_id: Option<String>,
    pub role: Option<String>,
    pub runtime: Option<String>,
    pub last_modified: Option<String>,
    /// Where the code can be downloaded (a presigned URL valid a few minutes).
    pub code_location: Option<String>,
    /// `None`: no reserved concurrency (the function uses the account's unreserved pool).
    pub reserved_concurrency: Option<i32>,
    pub tags: Vec<(String, String)>,
}

/// The Lambda calls the responder makes.
#[derive(Debug, Clone)]
pub(crate) struct Lambda {
    client: Client,
}

impl Lambda {
    pub(crate) fn new(client: Client) -> Self {
        Lambda { client }
    }

    /// The function (`qualifier`: a version); `None` when it does not exist.
    pub(crate) async fn get_function(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Option<Function>, AwsCallError> {
        let output = match self
            .client
            .get_function()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .send()
            .await
        {
            Ok(output) => output,
            Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(AwsCallError::new("lambda:GetFunction", e)),
        };
        let c = output.configuration();
        Ok(Some(Function {
            arn: c.and_then(|c| c.function_arn()).unwrap_or(name).to_owned(),
            name: c.and_then(|c| c.function_name()).unwrap_or(name).to_owned(),
            version: c.and_then(|c| c.version()).map(str::to_owned),
            code_sha256: c.and_then(|c| c.code_sha256()).map(str::to_owned),
            revision_id: c.and_then(|c| c.revision_id()).map(str::to_owned),
            role: c.and_then(|c| c.role()).map(str::to_owned),
            runtime: c.and_then(|c| c.runtime()).map(|r| r.as_str().to_owned()),
            last_modified: c.and_then(|c| c.last_modified()).map(str::to_owned),
            code_location: output.code().and_then(|c| c.location()).map(str::to_owned),
            reserved_concurrency: output
                .concurrency()
                .and_then(|c| c.reserved_concurrent_executions()),
            tags: output
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }))
    }

    /// Sets the function's reserved concurrency; 0 throttles every invocation.
    pub(crate) async fn put_concurrency(&self, name: &str, value: i32) -> Result<(), AwsCallError> {
        self.client
            .put_function_concurrency()
            .function_name(name)
            .reserved_concurrent_executions(value)
            .send()
            .await
            .map_err(|e| AwsCallError::new("lambda:PutFunctionConcurrency", e))?;
        Ok(())
    }

    /// Removes the reserved concurrency (back to the unreserved pool).
    pub(crate) async fn delete_concurrency(&self, name: &str) -> Result<(), AwsCallError> {
        self.client
            .delete_function_concurrency()
            .function_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::new("lambda:DeleteFunctionConcurrency", e))?;
        Ok(())
    }

    pub(crate) async fn tag(&self, arn: &str, tags: &[(&str, &str)]) -> Result<(), AwsCallError> {
        let mut request = self.client.tag_resource().resource(arn);
        for (k, v) in tags {
            request = request.tags(*k, *v);
        }
        request
            .send()
            .await
            .map_err(|e| AwsCallError::new("lambda:TagResource", e))?;
        Ok(())
    }

    pub(crate) async fn untag(&self, arn: &str, keys: &[String]) -> Result<(), AwsCallError> {
        self.client
            .untag_resource()
            .resource(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| AwsCallError::new("lambda:UntagResource", e))?;
        Ok(())
    }
}
