//! S3 Control: the account's Block Public Access.
//!
//! S3 Control puts the account id in the host name (`ACCOUNT.s3-control.REGION.amazonaws.com`).
//! Against an endpoint override on a loopback address (the local emulator, see EMULATOR.md)
//! that host does not resolve, so [`LoopbackS3Control`] drops the prefix there; real endpoints
//! are never touched.

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use vigil::s3::PublicAccessBlock;

use super::answer;
use crate::facts::Fetched;

/// Drops the account-id label from S3 Control's host name when that host is a loopback
/// address (the emulator); see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct LoopbackS3Control;

impl Intercept for LoopbackS3Control {
    fn name(&self) -> &'static str {
        "VigilLoopbackS3Control"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = ctx.request_mut();
        let uri = request.uri().to_owned();
        if let Some((scheme, rest)) = uri.split_once("://")
            && let Some((first, host_rest)) = rest.split_once('.')
            && first.chars().all(|c| c.is_ascii_digit())
            && (host_rest.starts_with("127.") || host_rest.starts_with("localhost"))
        {
            request.set_uri(format!("{scheme}://{host_rest}"))?;
        }
        Ok(())
    }
}

/// An S3 Control client that also reaches the local emulator: a seam for tests and benchmarks
/// that seed an account. Without the operation recorder: what a test sets up is not what the
/// function calls.
pub fn s3control_client(sdk: &SdkConfig) -> aws_sdk_s3control::Client {
    aws_sdk_s3control::Client::from_conf(
        aws_sdk_s3control::config::Builder::from(sdk)
            .interceptor(LoopbackS3Control)
            .build(),
    )
}

/// The account's Block Public Access (`None`: not configured).
pub(crate) async fn account_public_access_block(
    client: &aws_sdk_s3control::Client,
    account: &str,
) -> Fetched<Option<PublicAccessBlock>> {
    answer(
        "s3control:GetPublicAccessBlock",
        client
            .get_public_access_block()
            .account_id(account)
            .send()
            .await,
        Some(("NoSuchPublicAccessBlockConfiguration", None)),
        |o| {
            o.public_access_block_configuration
                .map(|p| public_access_block!(p))
        },
    )
}
