//! The harness itself: each service answers, accounts are isolated, and TLS is verified.

use aws_sdk_sns::types::MessageAttributeValue;
use sqlx::mysql::MySqlRow;
use sqlx::postgres::PgSslMode;
use sqlx::{ConnectOptions, Row};

use super::{Moto, harness};

#[tokio::test]
async fn moto_keeps_accounts_apart() {
    let moto = &harness().moto;
    let (account, other) = (Moto::new_account(), Moto::new_account());
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.sdk_config(&account).await);
    let others = aws_sdk_secretsmanager::Client::new(&moto.sdk_config(&other).await);

    let created = secrets
        .create_secret()
        .name("harness/check")
        .secret_string("s3cret")
        .send()
        .await
        .expect("create secret");
    assert!(created.arn().unwrap_or_default().contains(&account));
    let value = secrets
        .get_secret_value()
        .secret_id("harness/check")
        .send()
        .await
        .expect("read secret back");
    assert_eq!(value.secret_string(), Some("s3cret"));

    let missing = others
        .get_secret_value()
        .secret_id("harness/check")
        .send()
        .await
        .expect_err("another account must not see the secret");
    assert!(
        missing
            .into_service_error()
            .is_resource_not_found_exception()
    );
}

#[tokio::test]
async fn moto_records_published_sns_messages() {
    let moto = &harness().moto;
    let account = Moto::new_account();
    let sns = aws_sdk_sns::Client::new(&moto.sdk_config(&account).await);
    let topic = sns
        .create_topic()
        .name("alerts")
        .send()
        .await
        .expect("create topic");
    let topic_arn = topic.topic_arn().expect("topic arn");
    sns.publish()
        .topic_arn(topic_arn)
        .subject("Subject line")
        .message("body")
        .message_attributes(
            "severity",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value("HIGH")
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect("publish");

    let messages = moto.published_sns_messages(&account);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let message = &messages[0];
    assert_eq!(message["TopicArn"], topic_arn);
    assert_eq!(message["Subject"], "Subject line");
    assert_eq!(message["Message"], "body");
    assert_eq!(message["MessageAttributes"]["severity"]["Type"], "String");
    assert_eq!(message["MessageAttributes"]["severity"]["Value"], "HIGH");
    assert!(moto.published_sns_messages(&Moto::new_account()).is_empty());
}

#[tokio::test]
async fn postgres_admin_logs_in_over_verified_tls_only_with_the_harness_ca() {
    let harness = harness();
    let postgres = &harness.postgres;
    let mut connection = postgres.admin_connect().await;
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut connection)
        .await
        .expect("SHOW ssl");
    assert_eq!(ssl, "on");
    let session_ssl: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut connection)
            .await
            .expect("read pg_stat_ssl");
    assert!(session_ssl, "the admin session is not encrypted");

    // The server also takes plain TCP, so that a client's refusal to downgrade can be tested.
    let mut plain = postgres
        .admin_options()
        .ssl_mode(PgSslMode::Disable)
        .connect()
        .await
        .expect("plain TCP login");
    let plain_ssl: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut plain)
            .await
            .expect("read pg_stat_ssl");
    assert!(!plain_ssl);

    let refused = postgres
        .admin_options()
        .ssl_root_cert(&harness.ca.untrusted_ca_file)
        .connect()
        .await
        .expect_err("a server certificate from another CA must be refused");
    assert_certificate_refused(&refused);
}

#[tokio::test]
async fn mariadb_admin_logs_in_over_verified_tls_only_with_the_harness_ca() {
    let harness = harness();
    let mariadb = &harness.mariadb;
    let mut connection = mariadb.admin_connect().await;
    let row: MySqlRow = sqlx::query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .fetch_one(&mut connection)
        .await
        .expect("read Ssl_cipher");
    let cipher: String = row.try_get(1).expect("Ssl_cipher value");
    assert!(!cipher.is_empty(), "the admin session is not encrypted");
    let database: String = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut connection)
        .await
        .expect("SELECT DATABASE()");
    assert_eq!(database, mariadb.database);

    let refused = mariadb
        .admin_options()
        .ssl_ca(&harness.ca.untrusted_ca_file)
        .connect()
        .await
        .expect_err("a server certificate from another CA must be refused");
    assert_certificate_refused(&refused);
}

/// sqlx reports a failed certificate check as an I/O error wrapping rustls's, not as
/// `sqlx::Error::Tls`.
fn assert_certificate_refused(error: &sqlx::Error) {
    let described = format!("{error:?}");
    assert!(
        described.contains("InvalidCertificate(UnknownIssuer)"),
        "expected an unknown-issuer certificate error, got {described}"
    );
}
