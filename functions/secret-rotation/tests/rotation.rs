//! secret-rotation against the emulator (real HTTP) and real PostgreSQL / MariaDB with TLS.

use secret_rotation::Error;
use secret_rotation::collect::endpoint;
use secret_rotation::error::DbErrorKind;
use secret_rotation::event::Step;
use secret_rotation::report::StepResult;
use serde_json::json;
use vigil::error::Cause;
mod rig;

use rig::{Db, Rig, create_user, my_account, pg_ident, unique, uuid_like};

const BOTH: [Db; 2] = [Db::Postgres, Db::MariaDb];

/// Every printable ASCII character, space included.
fn all_printable() -> String {
    (b' '..=b'~').map(char::from).collect()
}

async fn single_user_secret(rig: &Rig, db: Db, user: &str, password: &str) -> String {
    create_user(rig, db, user, password).await;
    rig.create_secret(&unique("db/single"), &rig.secret_json(db, user, password))
        .await
}

#[tokio::test]
async fn single_user_rotates_twice_and_old_passwords_stop_working() {
    for db in BOTH {
        let rig = Rig::new().await;
        let user = unique("single");
        let arn = single_user_secret(&rig, db, &user, "initial-Passw0rd").await;
        let first_version = rig.version_with(&arn, "AWSCURRENT").await.unwrap();

        let token1 = rig.rotate(&arn).await;
        let labels = rig.labels(&arn).await;
        assert_eq!(
            labels[&token1],
            vec!["AWSCURRENT".to_string()],
            "{db:?} {labels:?}"
        );
        assert_eq!(
            labels[&first_version],
            vec!["AWSPREVIOUS".to_string()],
            "{db:?}"
        );
        let pw1 = rig.value(&arn, "AWSCURRENT").await["password"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(pw1, "initial-Passw0rd");
        assert_eq!(pw1.len(), 32);
        rig.login(db, &user, &pw1)
            .await
            .expect("new password logs in");
        let old = rig.login(db, &user, "initial-Passw0rd").await;
        assert!(old.is_err(), "{db:?}: old password still works");

        let token2 = rig.rotate(&arn).await;
        let labels = rig.labels(&arn).await;
        assert_eq!(labels[&token2], vec!["AWSCURRENT".to_string()]);
        assert_eq!(labels[&token1], vec!["AWSPREVIOUS".to_string()]);
        assert!(
            labels
                .values()
                .all(|l| !l.iter().any(|x| x == "AWSPENDING"))
        );
        let pw2 = rig.value(&arn, "AWSCURRENT").await["password"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(pw1, pw2);
        rig.login(db, &user, &pw2)
            .await
            .expect("second password logs in");
        assert!(rig.login(db, &user, &pw1).await.is_err());
        // Unknown fields and the user survive rotation.
        assert_eq!(
            rig.value(&arn, "AWSCURRENT").await["username"],
            user.as_str()
        );
    }
}

#[tokio::test]
async fn alternating_users_postgres_clone_inherits_and_objects_belong_to_original() {
    let rig = Rig::new().await;
    let db = Db::Postgres;
    let user = unique("alt");
    create_user(&rig, db, &user, "orig-Passw0rd").await;
    rig.admin_sql(
        db,
        &format!(
            "CREATE TABLE {t} (id int); ALTER TABLE {t} OWNER TO {u}; INSERT INTO {t} VALUES (7);",
            t = pg_ident(&format!("{user}_t")),
            u = pg_ident(&user)
        ),
    )
    .await;
    let arn = rig.alternating_secret(db, &user, "orig-Passw0rd").await;

    rig.rotate(&arn).await;
    let current = rig.value(&arn, "AWSCURRENT").await;
    let clone = format!("{user}_clone");
    assert_eq!(current["username"], clone.as_str());
    let clone_pw = current["password"].as_str().unwrap().to_owned();
    // The clone reads the original's table, and what it creates belongs to the original.
    let seen = rig
        .query_as(
            db,
            &clone,
            &clone_pw,
            &format!("SELECT id::text FROM {}", pg_ident(&format!("{user}_t"))),
        )
        .await;
    assert_eq!(seen, "7");
    let owner = rig
        .query_as(
            db,
            &clone,
            &clone_pw,
            &format!(
                "CREATE TABLE {t} (x int); SELECT tableowner::text FROM pg_tables WHERE tablename = '{user}_made_by_clone'",
                t = pg_ident(&format!("{user}_made_by_clone"))
            ),
        )
        .await;
    assert_eq!(owner, user);
    // The original keeps working while the clone is current: that is the point of alternating.
    rig.login(db, &user, "orig-Passw0rd")
        .await
        .expect("original still logs in");

    rig.rotate(&arn).await;
    let current = rig.value(&arn, "AWSCURRENT").await;
    assert_eq!(current["username"], user.as_str());
    let new_pw = current["password"].as_str().unwrap();
    rig.login(db, &user, new_pw)
        .await
        .expect("original with new password");
    assert!(rig.login(db, &user, "orig-Passw0rd").await.is_err());
    rig.login(db, &clone, &clone_pw)
        .await
        .expect("previous (clone) still logs in");
}

#[tokio::test]
async fn alternating_users_mariadb_copies_every_host_and_grant_options() {
    let rig = Rig::new().await;
    let db = Db::MariaDb;
    let user = unique("alt");
    let (pct, lo) = (my_account(&user, "%"), my_account(&user, "127.0.0.1"));
    rig.admin_sql(
        db,
        &format!(
            "CREATE TABLE `app`.`{user}_t` (id int); INSERT INTO `app`.`{user}_t` VALUES (7);
             CREATE USER {pct} IDENTIFIED BY 'orig-Passw0rd'; CREATE USER {lo} IDENTIFIED BY 'orig-Passw0rd';
             GRANT SELECT ON `app`.* TO {pct} WITH GRANT OPTION; GRANT INSERT ON `app`.`{user}_t` TO {lo};"
        ),
    )
    .await;
    let arn = rig.alternating_secret(db, &user, "orig-Passw0rd").await;

    rig.rotate(&arn).await;
    let current = rig.value(&arn, "AWSCURRENT").await;
    let clone = format!("{user}_clone");
    assert_eq!(current["username"], clone.as_str());
    let clone_pw = current["password"].as_str().unwrap().to_owned();
    assert_eq!(
        rig.query_as(
            db,
            &clone,
            &clone_pw,
            &format!("SELECT CAST(id AS CHAR) FROM `app`.`{user}_t`")
        )
        .await,
        "7"
    );
    let grants_pct = rig
        .query_as(db, &rig.h.mariadb.admin_user, &rig.h.mariadb.admin_password,
            &format!("SELECT GROUP_CONCAT(PRIVILEGE_TYPE, ':', IS_GRANTABLE) FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = \"'{clone}'@'%'\""))
        .await;
    assert_eq!(grants_pct, "SELECT:YES", "grant option kept");
    let hosts = rig
        .query_as(
            db,
            &rig.h.mariadb.admin_user,
            &rig.h.mariadb.admin_password,
            &format!(
                "SELECT GROUP_CONCAT(Host ORDER BY Host) FROM mysql.user WHERE User = '{clone}'"
            ),
        )
        .await;
    assert_eq!(
        hosts, "%,127.0.0.1",
        "clone exists for each host of the original"
    );
    let table_grant = rig
        .query_as(db, &rig.h.mariadb.admin_user, &rig.h.mariadb.admin_password,
            &format!("SELECT GROUP_CONCAT(PRIVILEGE_TYPE) FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = \"'{clone}'@'127.0.0.1'\""))
        .await;
    assert_eq!(table_grant, "INSERT");
    rig.login(db, &user, "orig-Passw0rd")
        .await
        .expect("original untouched");

    rig.rotate(&arn).await;
    let current = rig.value(&arn, "AWSCURRENT").await;
    assert_eq!(current["username"], user.as_str());
    rig.login(db, &user, current["password"].as_str().unwrap())
        .await
        .unwrap();
    rig.login(db, &clone, &clone_pw)
        .await
        .expect("clone keeps its password");
}

#[tokio::test]
async fn every_step_retried_converges_and_current_always_logs_in() {
    for db in BOTH {
        let rig = Rig::new().await;
        let user = unique("retry");
        let arn = single_user_secret(&rig, db, &user, "initial-Passw0rd").await;
        let token = rig.start_rotation(&arn).await;
        for step in Step::ALL {
            let first = rig.step(&arn, &token, step).await.unwrap();
            let again = rig.step(&arn, &token, step).await.unwrap();
            assert_eq!(first.result, StepResult::Done, "{db:?} {step}");
            if step != Step::Test {
                // testSecret changes nothing, so running it again simply tests again.
                assert_ne!(
                    again.result,
                    StepResult::Done,
                    "{db:?} {step}: a retry must find the work done"
                );
            }
            let current = rig.value(&arn, "AWSCURRENT").await;
            rig.login(db, &user, current["password"].as_str().unwrap())
                .await
                .unwrap_or_else(|e| panic!("{db:?} after {step}: AWSCURRENT does not log in: {e}"));
        }
    }
}

#[tokio::test]
async fn rotation_interrupted_after_each_step_and_rerun_converges() {
    for db in BOTH {
        for stop_after in 1..=3 {
            let rig = Rig::new().await;
            let user = unique("interrupt");
            let arn = single_user_secret(&rig, db, &user, "initial-Passw0rd").await;
            let token = rig.start_rotation(&arn).await;
            for step in &Step::ALL[..stop_after] {
                rig.step(&arn, &token, *step).await.unwrap();
            }
            let current = rig.value(&arn, "AWSCURRENT").await;
            rig.login(db, &user, current["password"].as_str().unwrap())
                .await
                .unwrap_or_else(|e| panic!("{db:?} stopped after {stop_after}: lockout: {e}"));
            // Secrets Manager retries the whole rotation with the same token.
            for step in Step::ALL {
                rig.step(&arn, &token, step).await.unwrap();
            }
            assert_eq!(
                rig.version_with(&arn, "AWSCURRENT").await.as_deref(),
                Some(token.as_str())
            );
            let current = rig.value(&arn, "AWSCURRENT").await;
            rig.login(db, &user, current["password"].as_str().unwrap())
                .await
                .unwrap();
            assert!(rig.login(db, &user, "initial-Passw0rd").await.is_err());
        }
    }
}

#[tokio::test]
async fn hostile_user_names_and_every_printable_password_rotate_without_injection() {
    let names = [
        "o'brien; DROP TABLE sentinel; --",
        "back\\slash\"quote",
        "ünï`cödé",
    ];
    for db in BOTH {
        let rig = Rig::with_config(|c| {
            c.password_rules.exclude_characters = String::new();
            c.password_rules.length = 41;
        })
        .await;
        rig.admin_sql(db, "CREATE TABLE IF NOT EXISTS sentinel (id int)")
            .await;
        for name in names {
            let user = format!("{name}{}", &unique("")[1..5]);
            let initial = all_printable();
            let arn = single_user_secret(&rig, db, &user, &initial).await;
            rig.login(db, &user, &initial).await.expect("setup login");
            rig.rotate(&arn).await;
            let current = rig.value(&arn, "AWSCURRENT").await;
            assert_eq!(current["username"], user.as_str());
            rig.login(db, &user, current["password"].as_str().unwrap())
                .await
                .unwrap_or_else(|e| panic!("{db:?} {user:?}: {e}"));
            assert!(rig.login(db, &user, &initial).await.is_err());
        }
        let admin = match db {
            Db::Postgres => (&rig.h.postgres.admin_user, &rig.h.postgres.admin_password),
            Db::MariaDb => (&rig.h.mariadb.admin_user, &rig.h.mariadb.admin_password),
        };
        let count = rig
            .query_as(
                db,
                admin.0,
                admin.1,
                "SELECT CAST(COUNT(*) AS CHAR) FROM sentinel",
            )
            .await;
        assert_eq!(count, "0", "sentinel table still exists");
    }
}

#[tokio::test]
async fn malformed_secrets_fail_clearly_and_change_nothing() {
    let rig = Rig::new().await;
    let db = Db::Postgres;
    let user = unique("bad");
    create_user(&rig, db, &user, "initial-Passw0rd").await;
    let good = rig.secret_json(db, &user, "initial-Passw0rd");
    let mut cases = Vec::new();
    for (field, value, expected) in [
        ("engine", json!("oracle"), "\"oracle\" is not supported"),
        ("engine", json!(null), "`engine` is missing"),
        ("port", json!({"n": 1}), "`port` must be a port number"),
        ("username", json!(42), "`username` must be a string"),
        ("password", json!(null), "`password` is missing"),
    ] {
        let mut secret = good.clone();
        secret[field] = value;
        cases.push((secret, expected));
    }
    for (secret, expected) in cases {
        let arn = rig.create_secret(&unique("db/bad"), &secret).await;
        let token = rig.start_rotation(&arn).await;
        let err = rig.step(&arn, &token, Step::Create).await.unwrap_err();
        assert!(matches!(err, Error::MalformedSecret { .. }), "{err}");
        assert!(err.to_string().contains(expected), "{err}");
        assert!(!err.retryable());
        assert!(!err.to_string().contains("initial-Passw0rd"));
        let labels = rig.labels(&arn).await;
        assert_eq!(labels[&token], vec!["AWSPENDING".to_string()]);
    }
    rig.login(db, &user, "initial-Passw0rd")
        .await
        .expect("database unchanged");
}

#[tokio::test]
async fn untrusted_server_certificate_fails_without_downgrade() {
    for db in BOTH {
        let untrusted =
            std::fs::read(&vigil_tests::harness::harness().ca.untrusted_ca_file).unwrap();
        let rig = Rig::with_config(|c| c.extra_ca_pem = Some(untrusted)).await;
        let user = unique("tls");
        let arn = single_user_secret(&rig, db, &user, "initial-Passw0rd").await;
        let original = rig.version_with(&arn, "AWSCURRENT").await;
        let token = rig.start_rotation(&arn).await;
        rig.step(&arn, &token, Step::Create).await.unwrap();
        let err = rig.step(&arn, &token, Step::Set).await.unwrap_err();
        match &err {
            Error::Database(e) => assert_eq!(e.kind, DbErrorKind::Tls, "{db:?}: {err}"),
            other => panic!("{db:?}: expected a TLS failure, got {other}"),
        }
        assert!(err.to_string().contains("never falls back"), "{err}");
        rig.login(db, &user, "initial-Passw0rd")
            .await
            .expect("password unchanged");
        assert_eq!(rig.version_with(&arn, "AWSCURRENT").await, original);
    }
}

#[tokio::test]
async fn configuration_test_without_immediate_rotation_checks_current() {
    for db in BOTH {
        let rig = Rig::new().await;
        let user = unique("cfg");
        let arn = single_user_secret(&rig, db, &user, "initial-Passw0rd").await;
        let token = rig.start_rotation_with(&arn, false).await;
        let outcome = rig.step(&arn, &token, Step::Test).await.unwrap();
        assert_eq!(outcome.result, StepResult::Done);
        // A token Secrets Manager never created is also only a configuration test.
        let outcome = rig.step(&arn, &uuid_like(), Step::Test).await.unwrap();
        assert!(
            outcome.detail.contains("configuration test"),
            "{}",
            outcome.detail
        );
        rig.login(db, &user, "initial-Passw0rd").await.unwrap();
    }
}

#[tokio::test]
async fn stuck_rotation_is_explained_and_cleaned_only_when_asked() {
    let rig = Rig::new().await;
    let db = Db::MariaDb;
    let user = unique("stuck");
    let arn = single_user_secret(&rig, db, &user, "initial-Passw0rd").await;
    let stale = rig.start_rotation(&arn).await;
    rig.step(&arn, &stale, Step::Create).await.unwrap();

    let err = rig
        .step(&arn, &uuid_like(), Step::Create)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::StuckRotation { cleaned: false, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&stale));
    assert!(err.to_string().contains("update-secret-version-stage"));
    assert_eq!(
        rig.version_with(&arn, "AWSPENDING").await.as_deref(),
        Some(stale.as_str())
    );

    let rig_clean = rig.same_account(|c| c.clean_stuck_rotation = true).await;
    let err = rig_clean
        .step(&arn, &uuid_like(), Step::Create)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::StuckRotation { cleaned: true, .. }),
        "{err}"
    );
    assert_eq!(rig.version_with(&arn, "AWSPENDING").await, None);
    rig.rotate(&arn).await;
    let current = rig.value(&arn, "AWSCURRENT").await;
    rig.login(db, &user, current["password"].as_str().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn version_checks_refuse_foreign_tokens_and_disabled_rotation() {
    let rig = Rig::new().await;
    let user = unique("ver");
    let arn = single_user_secret(&rig, Db::Postgres, &user, "initial-Passw0rd").await;
    let err = rig
        .step(&arn, &uuid_like(), Step::Create)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RotationNotEnabled { .. }), "{err}");

    let token = rig.rotate(&arn).await;
    let err = rig.step(&arn, &uuid_like(), Step::Set).await.unwrap_err();
    assert!(matches!(err, Error::UnknownVersion { .. }), "{err}");
    // The finished version is AWSCURRENT: every step on it is a no-op.
    for step in Step::ALL {
        assert_eq!(
            rig.step(&arn, &token, step).await.unwrap().result,
            StepResult::NoOp
        );
    }
    let previous = rig.version_with(&arn, "AWSPREVIOUS").await.unwrap();
    let err = rig.step(&arn, &previous, Step::Finish).await.unwrap_err();
    assert!(matches!(err, Error::NotPending { .. }), "{err}");
}

#[tokio::test]
async fn failures_publish_one_alert_without_the_password_and_malformed_events_are_errors() {
    let rig = Rig::new().await;
    let user = unique("alert");
    let arn = single_user_secret(&rig, Db::Postgres, &user, "initial-Passw0rd").await;
    // The database password was changed behind Vigil's back: authentication fails.
    rig.admin_sql(
        Db::Postgres,
        &format!("ALTER ROLE {} PASSWORD 'changed-by-hand'", pg_ident(&user)),
    )
    .await;
    let token = rig.start_rotation(&arn).await;
    rig.step(&arn, &token, Step::Create).await.unwrap();
    let pending = rig.value(&arn, "AWSPENDING").await;
    let err = rig.step(&arn, &token, Step::Set).await.unwrap_err();
    assert!(
        matches!(&err, Error::Database(e) if e.kind == DbErrorKind::Authentication),
        "{err}"
    );
    assert!(!err.retryable());

    let err = rig
        .invoke(json!({"Step": "rotateEverything", "SecretId": arn, "ClientRequestToken": token}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown Step"), "{err}");
    let err = rig.invoke(json!({"hello": "world"})).await.unwrap_err();
    assert!(matches!(err, Error::MalformedEvent(_)));

    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 3, "{alerts:#?}");
    let auth = &alerts[0];
    let subject = auth["Subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[Vigil HIGH] Rotation setSecret failed"),
        "{subject}"
    );
    assert!(subject.len() <= 100);
    let message = auth["Message"].as_str().unwrap();
    assert!(message.contains("DatabaseAuthentication"), "{message}");
    assert!(message.contains(&user));
    assert_eq!(auth["MessageAttributes"]["severity"]["Value"], "HIGH");
    assert_eq!(
        auth["MessageAttributes"]["cause"]["Value"],
        "DatabaseAuthentication"
    );
    for alert in &alerts {
        let text = alert.to_string();
        assert!(!text.contains("initial-Passw0rd"));
        assert!(!text.contains("changed-by-hand"));
        assert!(!text.contains(pending["password"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn pending_pointing_at_another_host_is_refused() {
    let rig = Rig::new().await;
    let user = unique("evil");
    let arn = single_user_secret(&rig, Db::Postgres, &user, "initial-Passw0rd").await;
    let token = rig.start_rotation(&arn).await;
    let mut evil = rig.secret_json(Db::Postgres, &user, "attacker-chosen");
    evil["host"] = json!("evil.example.com");
    rig.sm
        .put_secret_value()
        .secret_id(&arn)
        .client_request_token(&token)
        .secret_string(evil.to_string())
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    let err = rig.step(&arn, &token, Step::Set).await.unwrap_err();
    assert!(matches!(err, Error::Unsafe { .. }), "{err}");
    assert!(err.to_string().contains("different host"));
}

#[tokio::test]
async fn rds_identifiers_resolve_through_the_emulator() {
    let rig = Rig::new().await;
    let sdk = rig.h.moto.sdk_config(&rig.account).await;
    let rds_client = aws_sdk_rds::Client::new(&sdk);
    rds_client
        .create_db_instance()
        .db_instance_identifier("orders")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .master_username("admin")
        .master_user_password("not-used-here")
        .allocated_storage(20)
        .send()
        .await
        .expect("create instance");
    rds_client
        .create_db_cluster()
        .db_cluster_identifier("ledger")
        .engine("aurora-postgresql")
        .master_username("admin")
        .master_user_password("not-used-here")
        .send()
        .await
        .expect("create cluster");
    // The function's own lookup and client (built by Deps), so the calls count as its calls.
    let parse = |extra: &str| {
        secret_rotation::facts::DbSecret::parse(
            &format!(r#"{{"engine":"postgres","username":"u","password":"p"{extra}}}"#),
            "AWSCURRENT",
        )
        .unwrap()
    };
    let instance = endpoint(
        &rig.deps,
        &parse(r#","dbInstanceIdentifier":"orders","host":"stale.example""#),
        "s",
    )
    .await
    .unwrap();
    assert!(instance.host.starts_with("orders."), "{instance:?}");
    assert_eq!(instance.port, 5432);
    let cluster = endpoint(&rig.deps, &parse(r#","dbClusterIdentifier":"ledger""#), "s")
        .await
        .unwrap();
    assert!(cluster.host.starts_with("ledger."), "{cluster:?}");
    assert!(
        !cluster.host.contains("cluster-ro"),
        "writer endpoint expected: {cluster:?}"
    );
    let err = endpoint(
        &rig.deps,
        &parse(r#","dbInstanceIdentifier":"missing""#),
        "s",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}
