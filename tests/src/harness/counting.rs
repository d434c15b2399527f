//! Counting the HTTP requests an SDK configuration makes, for benchmarks that report AWS calls
//! per invocation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;

/// `sdk` with its HTTP client wrapped so every request (each retry attempt too) adds one to
/// the returned counter.
///
/// # Panics
///
/// If `sdk` has no HTTP client (the harness's configurations always have one).
pub fn counted(sdk: &SdkConfig) -> (SdkConfig, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let client = Counting {
        inner: sdk
            .http_client()
            .expect("the SDK config has an HTTP client"),
        count: count.clone(),
    };
    (sdk.to_builder().http_client(client).build(), count)
}

#[derive(Debug, Clone)]
struct Counting {
    inner: SharedHttpClient,
    count: Arc<AtomicUsize>,
}

impl HttpClient for Counting {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(CountingConnector {
            inner: self.inner.http_connector(settings, components),
            count: self.count.clone(),
        })
    }

    fn validate_base_client_config(
        &self,
        components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_base_client_config(components, cfg)
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(components, cfg)
    }
}

#[derive(Debug)]
struct CountingConnector {
    inner: SharedHttpConnector,
    count: Arc<AtomicUsize>,
}

impl HttpConnector for CountingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.inner.call(request)
    }
}
