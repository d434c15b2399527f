use detector_guard::{Config, Deps, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_lookup(|name| std::env::var(name).ok())?;
    let sdk = vigil::aws::load_sdk_config().await;
    let deps = Deps::new(&sdk, config);
    run(service_fn(|event: LambdaEvent<Value>| handle(event, &deps))).await
}
