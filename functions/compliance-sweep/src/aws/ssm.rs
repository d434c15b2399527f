//! SSM Parameter Store: the mute list document, when it is kept in a parameter.

use vigil::aws::AwsCallError;

/// The value of parameter `name` (decrypted if it is a SecureString); `None` when there is no
/// such parameter.
pub(crate) async fn parameter(
    client: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<Option<String>, AwsCallError> {
    match client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(o) => Ok(o.parameter.and_then(|p| p.value)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsCallError::new("ssm:GetParameter", e)),
    }
}
