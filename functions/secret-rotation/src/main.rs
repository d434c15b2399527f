// The handler's future nests the drivers' connection futures deeply; computing its layout
// needs more than the default 128 levels.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use secret_rotation::{Config, Deps, handle};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_lookup(|name| std::env::var(name).ok())?;
    let sdk = vigil::aws::load_sdk_config().await;
    let deps = Deps::new(&sdk, config);
    run(service_fn(|event: LambdaEvent<Value>| handle(event, &deps))).await
}
