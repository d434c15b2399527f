//! HTTP clients of the harness that act on every request an SDK client sends: counting them
//! (benchmarks report AWS calls per invocation) and moto's account header ([`super::Moto`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
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
    let counter = count.clone();
    let client = Hooked::new(
        sdk.http_client()
            .expect("the SDK config has an HTTP client"),
        move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        },
    );
    (sdk.to_builder().http_client(client).build(), count)
}

type Hook = Arc<dyn Fn(&mut HttpRequest) + Send + Sync>;

/// An HTTP client that runs `hook` on each request (after signing) before `inner` sends it.
#[derive(Clone)]
pub(crate) struct Hooked {
    inner: SharedHttpClient,
    hook: Hook,
}

impl Hooked {
    pub(crate) fn new(
        inner: SharedHttpClient,
        hook: impl Fn(&mut HttpRequest) + Send + Sync + 'static,
    ) -> Self {
        Hooked {
            inner,
            hook: Arc::new(hook),
        }
    }
}

impl fmt::Debug for Hooked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooked")
            .field("inner", &self.inner)
            .finish()
    }
}

impl HttpClient for Hooked {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(HookedConnector {
            inner: self.inner.http_connector(settings, components),
            hook: self.hook.clone(),
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

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

struct HookedConnector {
    inner: SharedHttpConnector,
    hook: Hook,
}

impl fmt::Debug for HookedConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookedConnector")
            .field("inner", &self.inner)
            .finish()
    }
}

impl HttpConnector for HookedConnector {
    fn call(&self, mut request: HttpRequest) -> HttpConnectorFuture {
        (self.hook)(&mut request);
        self.inner.call(request)
    }
}
