use guardduty_responder::config::{Environment, ResponseSettings};
use guardduty_responder::{Config, Deps, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let env = Environment::from_lookup(|name| std::env::var(name).ok())?;
    let sdk = vigil::aws::load_sdk_config().await;
    // Read once per cold start: a bad parameter stops the function here, before any finding
    // is half answered.
    let response = ResponseSettings::load(&sdk, env.config_parameter.as_deref()).await?;
    let config = Config {
        response,
        alert_topic_arn: env.alert_topic_arn,
        metrics_namespace: env.metrics_namespace,
    };
    let deps = Deps::new(&sdk, config, env.s3_force_path_style);
    run(service_fn(|event: LambdaEvent<Value>| handle(event, &deps))).await
}
