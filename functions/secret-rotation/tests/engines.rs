//! The secrets real accounts hold, against the emulator and real servers with TLS: logins
//! counted on PostgreSQL's own log, Redis ACL users, ElastiCache users (the emulator's
//! ElastiCache, mirrored onto the harness Redis), an RDS-managed master secret as the admin,
//! and bad input that must leave the database and the secret as they were.

use secret_rotation::Error;
use secret_rotation::error::DbErrorKind;
use secret_rotation::event::Step;
use secret_rotation::report::StepResult;
use serde_json::json;
use vigil::error::Cause;
mod rig;

use rig::{Db, Rig, create_user, pg_ident, pg_literal, pg_logins, unique};

#[tokio::test]
async fn single_user_rotation_logs_in_three_times_without_a_failed_login() {
    let rig = Rig::new().await;
    let user = unique("counted");
    create_user(&rig, Db::Postgres, &user, "initial-Passw0rd").await;
    let arn = rig
        .create_secret(
            &unique("db/counted"),
            &rig.secret_json(Db::Postgres, &user, "initial-Passw0rd"),
        )
        .await;
    let before = pg_logins(&user);
    let token = rig.start_rotation(&arn).await;
    let mut engines = Vec::new();
    for step in Step::ALL {
        let outcome = rig.step(&arn, &token, step).await.unwrap();
        engines.push(outcome.engine);
    }
    let after = pg_logins(&user);
    // setSecret: one login as current (ALTER ROLE), one as pending (proof); testSecret: one.
    assert_eq!(after.0 - before.0, 3, "logins: {before:?} -> {after:?}");
    assert_eq!(after.1 - before.1, 3, "every login over TLS");
    assert_eq!(
        after.2 - before.2,
        0,
        "no failed login in a normal rotation"
    );
    // finishSecret of a single user reports its real engine (it used to say "unknown").
    assert!(
        engines.iter().all(|e| e.as_deref() == Some("postgres")),
        "{engines:?}"
    );
}

#[tokio::test]
async fn masterarn_naming_a_missing_secret_fails_in_create_before_anything_is_stored() {
    let rig = Rig::new().await;
    let user = unique("orphan");
    create_user(&rig, Db::MariaDb, &user, "initial-Passw0rd").await;
    let mut secret = rig.secret_json(Db::MariaDb, &user, "initial-Passw0rd");
    let missing = format!(
        "arn:aws:secretsmanager:us-east-1:{}:secret:vigil/admin/gone-AbCdEf",
        rig.account
    );
    secret["masterarn"] = json!(missing);
    let arn = rig.create_secret(&unique("db/orphan"), &secret).await;
    let token = rig.start_rotation(&arn).await;
    let err = rig.step(&arn, &token, Step::Create).await.unwrap_err();
    assert!(matches!(err, Error::AdminSecret { .. }), "{err}");
    assert!(err.to_string().contains("not found"), "{err}");
    assert!(!err.retryable());
    let pending = rig
        .sm
        .get_secret_value()
        .secret_id(&arn)
        .version_id(&token)
        .version_stage("AWSPENDING")
        .send()
        .await;
    assert!(
        pending.map_or(true, |v| v.secret_string.is_none()),
        "nothing stored"
    );
    rig.login(Db::MariaDb, &user, "initial-Passw0rd")
        .await
        .expect("database unchanged");
}

#[tokio::test]
async fn redis_acl_user_rotates_by_hash_with_no_lockout_and_keeps_its_rules() {
    let rig = Rig::new().await;
    let user = unique("cache");
    rig.redis_user(
        &user,
        "initial-Passw0rd-1234",
        &["~app:*", "&*", "-@all", "+get", "+set"],
    );
    let rules = rig.redis_rules(&user);
    let mut secret = rig.redis_secret_json(&user, "initial-Passw0rd-1234");
    secret["masterarn"] = json!(rig.redis_admin_secret().await);
    let arn = rig.create_secret(&unique("redis/app"), &secret).await;

    let (token, pending) = rig.created(&arn).await;
    assert!(pending.len() >= 16);
    rig.step(&arn, &token, Step::Set).await.unwrap();
    // Two passwords at once: applications on the current one keep working.
    rig.redis_login(&user, "initial-Passw0rd-1234")
        .expect("current still logs in");
    rig.redis_login(&user, &pending).expect("pending logs in");
    assert_eq!(rig.redis_password_count(&user), 2);
    let outcome = rig.step(&arn, &token, Step::Test).await.unwrap();
    assert_eq!(outcome.engine.as_deref(), Some("redis"));
    rig.step(&arn, &token, Step::Finish).await.unwrap();
    assert_eq!(
        rig.version_with(&arn, "AWSCURRENT").await.as_deref(),
        Some(token.as_str())
    );
    assert!(rig.redis_login(&user, "initial-Passw0rd-1234").is_err());
    rig.redis_login(&user, &pending).expect("new password");
    assert_eq!(rig.redis_password_count(&user), 1);
    assert_eq!(rig.redis_rules(&user), rules, "other rules kept exactly");

    rig.rotate(&arn).await;
    let next = rig.password(&arn, "AWSCURRENT").await;
    rig.redis_login(&user, &next).expect("second rotation");
    assert!(rig.redis_login(&user, &pending).is_err());
    assert_eq!(rig.redis_rules(&user), rules);
    assert!(
        !std::fs::read_to_string(rig.h.redis.log_path())
            .unwrap()
            .contains(&next),
        "no password in the server log"
    );
}

#[tokio::test]
async fn redis_users_rotation_cannot_serve_are_refused_and_left_unchanged() {
    let rig = Rig::new().await;
    let admin = rig.redis_admin_secret().await;
    let open = unique("nopass");
    rig.h
        .redis
        .admin(&["ACL", "SETUSER", &open, "on", "nopass", "~*", "+@all"]);
    let rules = rig.redis_rules(&open);
    let missing = unique("missing");
    for (user, expected) in [(&open, "nopass"), (&missing, "no ACL user")] {
        let mut secret = rig.redis_secret_json(user, "whatever-Passw0rd-1234");
        secret["masterarn"] = json!(admin);
        let arn = rig.create_secret(&unique("redis/bad"), &secret).await;
        let original = rig.version_with(&arn, "AWSCURRENT").await;
        let token = rig.start_rotation(&arn).await;
        rig.step(&arn, &token, Step::Create).await.unwrap();
        let err = rig.step(&arn, &token, Step::Set).await.unwrap_err();
        assert!(matches!(err, Error::Unsafe { .. }), "{err}");
        assert!(err.to_string().contains(expected), "{err}");
        assert!(!err.retryable());
        assert_eq!(rig.version_with(&arn, "AWSCURRENT").await, original);
    }
    assert_eq!(rig.redis_rules(&open), rules, "nopass user unchanged");
}

#[tokio::test]
async fn elasticache_user_holds_both_passwords_until_finish() {
    let rig = Rig::new().await;
    let sdk = rig.h.moto.sdk_config(&rig.account).await;
    let elasticache = aws_sdk_elasticache::Client::new(&sdk);
    let user = unique("ecuser");
    let initial = "initial-Passw0rd-1234";
    let created = elasticache
        .create_user()
        .user_id(&user)
        .user_name(&user)
        .engine("valkey")
        .passwords(initial)
        .access_string("on ~* +@all")
        .send()
        .await
        .expect("create user");
    // The cache's nodes, played by the harness Redis: the test copies what ElastiCache holds
    // onto it, as ElastiCache does when it applies a change.
    let mirror = |passwords: &[String]| {
        let rules: Vec<String> = passwords.iter().map(|p| format!(">{p}")).collect();
        let mut args = vec![
            "ACL",
            "SETUSER",
            user.as_str(),
            "reset",
            "on",
            "~*",
            "+@all",
        ];
        args.extend(rules.iter().map(String::as_str));
        rig.h.redis.admin(&args);
    };
    mirror(&[initial.to_owned()]);
    let secret = json!({
        "engine": "valkey",
        "username": user,
        "password": initial,
        "user_arn": created.arn.unwrap(),
        "host": rig.h.redis.host,
        "port": rig.h.redis.port,
    });
    let arn = rig.create_secret(&unique("elasticache/app"), &secret).await;
    let (token, pending) = rig.created(&arn).await;
    rig.step(&arn, &token, Step::Set).await.unwrap();
    assert_eq!(
        rig.cache_user_passwords(&user),
        [initial.to_owned(), pending.clone()]
    );
    mirror(&rig.cache_user_passwords(&user));
    let outcome = rig.step(&arn, &token, Step::Test).await.unwrap();
    assert!(outcome.detail.contains("logs in"), "{}", outcome.detail);
    assert_eq!(outcome.engine.as_deref(), Some("elasticache"));
    rig.step(&arn, &token, Step::Finish).await.unwrap();
    assert_eq!(
        rig.cache_user_passwords(&user),
        std::slice::from_ref(&pending)
    );
    assert_eq!(rig.value(&arn, "AWSCURRENT").await["password"], pending);
    mirror(&rig.cache_user_passwords(&user));
    assert!(rig.redis_login(&user, initial).is_err());
    rig.redis_login(&user, &pending).expect("new password");
}

/// An RDS-managed master secret for a new emulator instance of `engine`, its master user made
/// on the harness server `db` with the secret's password, and the instance's endpoint pointed
/// at that server. Returns the managed secret's ARN.
async fn managed_master(rig: &Rig, db: Db, engine: &str, version: &str) -> String {
    let sdk = rig.h.moto.sdk_config(&rig.account).await;
    let rds = aws_sdk_rds::Client::new(&sdk);
    let instance = unique("orders").replace('_', "-");
    let master = unique("master");
    let created = rds
        .create_db_instance()
        .db_instance_identifier(&instance)
        .engine(engine)
        .engine_version(version)
        .db_instance_class("db.t3.micro")
        .master_username(&master)
        .manage_master_user_password(true)
        .allocated_storage(20)
        .send()
        .await
        .expect("create instance");
    let arn = created
        .db_instance
        .and_then(|i| i.master_user_secret)
        .and_then(|s| s.secret_arn)
        .expect("managed secret");
    let value = rig.value(&arn, "AWSCURRENT").await;
    assert_eq!(
        value.as_object().unwrap().len(),
        2,
        "username and password only"
    );
    assert_eq!(value["username"], master.as_str());
    let password = value["password"].as_str().unwrap();
    match db {
        Db::Postgres => {
            rig.admin_sql(
                db,
                &format!(
                    "CREATE ROLE {} WITH LOGIN SUPERUSER PASSWORD {}",
                    pg_ident(&master),
                    pg_literal(password)
                ),
            )
            .await
        }
        Db::MariaDb => {
            let account = rig::my_account(&master, "%");
            rig.admin_sql(
                db,
                &format!(
                    "CREATE USER {account} IDENTIFIED BY {}; GRANT ALL PRIVILEGES ON *.* TO {account} WITH GRANT OPTION;",
                    rig::my_literal(password)
                ),
            )
            .await
        }
    }
    rig.point_instance_at(&instance, db);
    arn
}

#[tokio::test]
async fn an_rds_managed_master_secret_is_the_admin_and_is_only_read() {
    for (db, engine, version) in [
        (Db::Postgres, "postgres", "15.4"),
        (Db::MariaDb, "mariadb", "10.11.8"),
    ] {
        let rig = Rig::new().await;
        let managed = managed_master(&rig, db, engine, version).await;
        let managed_before = rig.labels(&managed).await;
        let managed_value = rig.value(&managed, "AWSCURRENT").await;
        let user = unique("app");
        create_user(&rig, db, &user, "orig-Passw0rd").await;
        let mut secret = rig.secret_json(db, &user, "orig-Passw0rd");
        secret["masterarn"] = json!(managed);
        let arn = rig.create_secret(&unique("db/managed"), &secret).await;

        rig.rotate(&arn).await;
        let current = rig.value(&arn, "AWSCURRENT").await;
        assert_eq!(current["username"], format!("{user}_clone"), "{db:?}");
        rig.login(
            db,
            current["username"].as_str().unwrap(),
            current["password"].as_str().unwrap(),
        )
        .await
        .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        rig.rotate(&arn).await;
        let current = rig.value(&arn, "AWSCURRENT").await;
        assert_eq!(current["username"], user.as_str());
        rig.login(db, &user, current["password"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(rig.labels(&managed).await, managed_before, "{db:?}");
        assert_eq!(rig.value(&managed, "AWSCURRENT").await, managed_value);
    }
}

#[tokio::test]
async fn a_managed_secret_whose_database_is_gone_fails_clearly_and_changes_nothing() {
    let rig = Rig::new().await;
    let gone = format!("arn:aws:rds:us-east-1:{}:db:gone", rig.account);
    let managed = rig
        .sm
        .create_secret()
        .name(format!("rds!db-{}", unique("x")))
        .secret_string(json!({"username": "master", "password": "p"}).to_string())
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("aws:rds:primaryDBInstanceArn")
                .value(&gone)
                .build(),
        )
        .send()
        .await
        .expect("create")
        .arn
        .unwrap();
    let user = unique("app");
    create_user(&rig, Db::Postgres, &user, "orig-Passw0rd").await;
    let mut secret = rig.secret_json(Db::Postgres, &user, "orig-Passw0rd");
    secret["masterarn"] = json!(managed);
    let arn = rig.create_secret(&unique("db/gone"), &secret).await;
    let original = rig.version_with(&arn, "AWSCURRENT").await;
    let token = rig.start_rotation(&arn).await;
    rig.step(&arn, &token, Step::Create).await.unwrap();
    let err = rig.step(&arn, &token, Step::Set).await.unwrap_err();
    assert!(matches!(err, Error::AdminSecret { .. }), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert_eq!(rig.version_with(&arn, "AWSCURRENT").await, original);
    rig.login(Db::Postgres, &user, "orig-Passw0rd")
        .await
        .expect("unchanged");
}

#[tokio::test]
async fn a_silent_server_times_out_as_a_retryable_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let rig = Rig::with_config(|c| c.connect_timeout = std::time::Duration::from_secs(1)).await;
    let mut secret = rig.secret_json(Db::Postgres, "nobody", "initial-Passw0rd");
    secret["port"] = json!(port);
    let arn = rig.create_secret(&unique("db/silent"), &secret).await;
    let original = rig.version_with(&arn, "AWSCURRENT").await;
    let token = rig.start_rotation(&arn).await;
    rig.step(&arn, &token, Step::Create).await.unwrap();
    let err = rig.step(&arn, &token, Step::Set).await.unwrap_err();
    assert!(
        matches!(&err, Error::Database(e) if e.kind == DbErrorKind::Timeout),
        "{err}"
    );
    assert!(err.retryable());
    assert!(
        err.to_string().contains("VIGIL_CONNECT_TIMEOUT_SECS"),
        "{err}"
    );
    assert_eq!(rig.version_with(&arn, "AWSCURRENT").await, original);
    let outcome = rig.step(&arn, &token, Step::Create).await.unwrap();
    assert_eq!(outcome.result, StepResult::AlreadyDone);
}

#[tokio::test]
async fn finish_before_set_never_promotes_a_password_the_database_lacks() {
    let rig = Rig::new().await;
    let user = unique("early");
    create_user(&rig, Db::Postgres, &user, "initial-Passw0rd").await;
    let arn = rig
        .create_secret(
            &unique("db/early"),
            &rig.secret_json(Db::Postgres, &user, "initial-Passw0rd"),
        )
        .await;
    let original = rig.version_with(&arn, "AWSCURRENT").await;
    let (token, _) = rig.created(&arn).await;
    let err = rig.step(&arn, &token, Step::Finish).await.unwrap_err();
    assert!(matches!(err, Error::Unsafe { .. }), "{err}");
    assert_eq!(rig.version_with(&arn, "AWSCURRENT").await, original);
    rig.login(Db::Postgres, &user, "initial-Passw0rd")
        .await
        .expect("unchanged");
}
