//! The moto server standing in for AWS, and SDK configuration that reaches it as one account.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::counting::Hooked;

pub(crate) const REGION: &str = "us-east-1";
pub(crate) const ACCESS_KEY_ID: &str = "testing";
pub(crate) const SECRET_ACCESS_KEY: &str = "testing";
const LOG_FILE: &str = "moto.log";
/// moto keeps one state per account id named in this header (default 123456789012).
const ACCOUNT_HEADER: &str = "x-moto-account-id";

/// Set to `stock` to run moto as released, without tests/emulator/patches: tests then see
/// every gap the patches hide (missing fields, missing APIs), and the extra endpoints
/// ([`Moto::set_trail_status`], [`Moto::deny`], [`Moto::published_sns_messages`]) do not exist.
pub const EMULATOR_VAR: &str = "VIGIL_EMULATOR";

/// Whether this process asked for stock moto (`VIGIL_EMULATOR=stock`).
fn stock_requested() -> bool {
    std::env::var(EMULATOR_VAR).is_ok_and(|v| v == "stock")
}

/// The moto server.
#[derive(Debug, Clone)]
pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    log: PathBuf,
    stock: bool,
}

impl Moto {
    pub(crate) fn new(endpoint: String) -> Moto {
        Moto {
            endpoint,
            log: PathBuf::new(),
            stock: stock_requested(),
        }
    }

    /// Whether this is moto without Vigil's patches (`VIGIL_EMULATOR=stock`).
    pub fn is_stock(&self) -> bool {
        self.stock
    }

    /// Creates the `vigil-alerts` topic the functions publish to in `sdk`'s account and
    /// returns its ARN (creating it again returns the same ARN).
    ///
    /// # Panics
    ///
    /// If the emulator refuses.
    pub async fn alert_topic(sdk: &SdkConfig) -> String {
        aws_sdk_sns::Client::new(sdk)
            .create_topic()
            .name("vigil-alerts")
            .send()
            .await
            .expect("create the alert topic")
            .topic_arn
            .expect("topic ARN")
    }

    /// A random 12-digit account id. Each test uses its own, so tests share one moto server
    /// without seeing each other's resources and can run in parallel.
    pub fn new_account() -> String {
        rand::rng()
            .random_range(100_000_000_000_u64..1_000_000_000_000)
            .to_string()
    }

    /// SDK configuration for `account_id` on this moto server: region us-east-1, static test
    /// credentials, and retries off, because moto answers unimplemented operations with an
    /// HTML 404/500 the SDK would otherwise retry into a slow, unclear failure.
    ///
    /// Build a fresh one per test: its HTTP client's connection pool belongs to the tokio
    /// runtime that first used it.
    pub async fn sdk_config(&self, account_id: &str) -> SdkConfig {
        // What aws-config would pick by default (hyper 1.x, rustls with aws-lc); built here
        // because the loader only chooses it later, when a service client is made.
        let account = account_id.to_owned();
        let default_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
            .build_https();
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "vigil-harness",
            ))
            .endpoint_url(&self.endpoint)
            .retry_config(RetryConfig::disabled())
            .http_client(Hooked::new(default_client, move |request| {
                // Added after signing; moto does not check signatures.
                request
                    .headers_mut()
                    .insert(ACCOUNT_HEADER, account.clone());
            }))
            .load()
            .await
    }

    /// Says what CloudTrail's last delivery reported for a trail (GetTrailStatus fields;
    /// `null` clears one, as a successful delivery does). moto never delivers logs, so its
    /// status never changes by itself; tests/emulator/patches/cloudtrail.py adds this endpoint.
    ///
    /// # Panics
    ///
    /// If the emulator refuses.
    pub fn set_trail_status(&self, account_id: &str, trail_arn: &str, status: serde_json::Value) {
        let url = format!("{}/moto-api/vigil/cloudtrail/trail-status", self.endpoint);
        let body =
            serde_json::json!({"account_id": account_id, "trail_arn": trail_arn, "status": status});
        ureq::post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }

    /// Makes `operations` (`service:Action`, as IAM spells them) answer AccessDenied for
    /// `account_id`, as AWS does when a role lacks the permission; an empty list allows all
    /// again. moto enforces no permissions by itself; tests/emulator/patches/deny.py adds this.
    ///
    /// # Panics
    ///
    /// If the emulator refuses.
    pub fn deny(&self, account_id: &str, operations: &[&str]) {
        let url = format!("{}/moto-api/vigil/deny", self.endpoint);
        let body = serde_json::json!({"account_id": account_id, "operations": operations});
        ureq::post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }

    /// Creates an IAM Access Analyzer analyzer (CreateAnalyzer, `PUT /analyzer`) named `name`
    /// of type `kind` in `region` of `account_id`: the seeder needs no Access Analyzer SDK for
    /// one call. moto has no Access Analyzer: tests/emulator/patches/accessanalyzer.py adds it
    /// (signatures are not checked; the Region is read from the credential scope). Returns the
    /// analyzer's ARN.
    ///
    /// # Panics
    ///
    /// If the emulator refuses (stock moto: always).
    pub fn create_analyzer(
        &self,
        account_id: &str,
        region: &str,
        name: &str,
        kind: &str,
    ) -> String {
        let url = format!("{}/analyzer", self.endpoint);
        let body = serde_json::json!({"analyzerName": name, "type": kind});
        let text = ureq::put(&url)
            .header("content-type", "application/json")
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20260101/{region}/access-analyzer/aws4_request, SignedHeaders=host, Signature=0"
                ),
            )
            .header(ACCOUNT_HEADER, account_id)
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("PUT {url}: {e}"))
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|e| panic!("PUT {url}: {e}"));
        let answer: serde_json::Value =
            serde_json::from_str(&text).expect("CreateAnalyzer answers JSON");
        answer["arn"]
            .as_str()
            .expect("CreateAnalyzer names the ARN")
            .to_owned()
    }

    /// Gives analyzer `analyzer` of `region` in `account_id` a finding on `resource` with
    /// `status` (`ACTIVE`, `ARCHIVED`, `RESOLVED`): AWS makes findings by analysing policies,
    /// the emulator is told (tests/emulator/patches/accessanalyzer.py adds this endpoint).
    ///
    /// # Panics
    ///
    /// If the emulator refuses.
    pub fn add_analyzer_finding(
        &self,
        account_id: &str,
        region: &str,
        analyzer: &str,
        resource: &str,
        status: &str,
    ) {
        let url = format!("{}/moto-api/vigil/accessanalyzer/finding", self.endpoint);
        let body = serde_json::json!({
            "account_id": account_id,
            "region": region,
            "analyzer_name": analyzer,
            "resource": resource,
            "status": status,
        });
        ureq::post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }

    /// Makes Security Hub reject findings `ids` (in `FailedFindings`, with error `code`) the
    /// next `times` times an import carries them; tests/emulator/patches/securityhub.py adds
    /// this endpoint.
    ///
    /// # Panics
    ///
    /// If the emulator refuses.
    pub fn reject_security_hub_findings(&self, ids: &[String], times: u32, code: &str) {
        let url = format!("{}/moto-api/vigil/securityhub/reject", self.endpoint);
        let body = serde_json::json!({"ids": ids, "times": times, "code": code});
        ureq::post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }

    /// The messages published to SNS topics of `account_id`, oldest first per topic, as
    /// objects with `TopicArn`, `MessageId`, `Message`, `Subject` (null when none was sent),
    /// `MessageAttributes` (`{name: {"Type": "String", "Value": "..."}}`, the shape SNS delivers
    /// to subscribers) and `MessageGroupId` (null unless FIFO).
    ///
    /// Read from `GET /moto-api/vigil/sns/published` (tests/emulator/patches/sns.py), which
    /// lists the account's topics with their `sent_notifications` as
    /// `[id, message, subject, attributes, group id]` arrays.
    ///
    /// # Panics
    ///
    /// If the emulator does not answer.
    pub fn published_sns_messages(&self, account_id: &str) -> Vec<Value> {
        let url = format!(
            "{}/moto-api/vigil/sns/published?account_id={account_id}",
            self.endpoint
        );
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        let mut response = agent
            .get(&url)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let data: Value =
            serde_json::from_reader(response.body_mut().with_config().limit(u64::MAX).reader())
                .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"));

        let topics = data.as_array().cloned().unwrap_or_default();
        topics
            .iter()
            .flat_map(|topic| {
                let arn = topic["arn"].clone();
                let sent = topic["sent_notifications"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                sent.into_iter().map(move |notification| {
                    let field = |i: usize| notification.get(i).cloned().unwrap_or(Value::Null);
                    let attributes = match field(3) {
                        Value::Null => Value::Object(Map::new()),
                        attributes => attributes,
                    };
                    json!({
                        "TopicArn": arn,
                        "MessageId": field(0),
                        "Message": field(1),
                        "Subject": field(2),
                        "MessageAttributes": attributes,
                        "MessageGroupId": field(4),
                    })
                })
            })
            .collect()
    }

    pub(crate) async fn wait_ready(&self, child: &mut Child) {
        let url = format!("{}/moto-api/", self.endpoint);
        super::wait_ready("moto_server", child, &self.log, || {
            let url = url.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    let agent = ureq::Agent::config_builder()
                        .timeout_global(Some(Duration::from_secs(2)))
                        .http_status_as_error(false)
                        .build()
                        .new_agent();
                    agent.get(&url).call().map(drop).map_err(|e| e.to_string())
                })
                .await
                .map_err(|e| e.to_string())?
            }
        })
        .await;
    }
}

/// The project virtualenv's Python (`<repo>/.venv`, or `$VIGIL_VENV`), with moto, boto3 and
/// cfn-lint: it runs `tests/emulator/vigil_moto.py` (moto's server with the AWS behaviours
/// the tests rely on restored) and the tests' template helpers.
pub fn venv_python() -> PathBuf {
    let venv = std::env::var_os("VIGIL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"));
    let binary = venv.join("bin/moto_server");
    if !binary.is_file() {
        panic!(
            "{} not found: run `make venv` to install moto[server] into the project virtualenv \
             (or point VIGIL_VENV at one)",
            binary.display()
        );
    }
    venv.join("bin/python")
}

/// The emulator wrapper script.
fn wrapper_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("emulator/vigil_moto.py")
}

pub(crate) fn spawn(binary: &Path, dir: &Path) -> (Moto, Child) {
    let port = super::free_port();
    let stock = stock_requested();
    // Stock: moto's own server script from the same virtualenv, no patches imported.
    let mut command = if stock {
        Command::new(binary.with_file_name("moto_server"))
    } else {
        let mut c = Command::new(binary);
        c.arg(wrapper_script());
        c
    };
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .current_dir(dir)
        // Without this the log shows nothing until Python's buffer fills.
        .env("PYTHONUNBUFFERED", "1");
    let log = dir.join(LOG_FILE);
    let child = super::spawn_server(command, &log);
    (
        Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
            stock,
        },
        child,
    )
}
