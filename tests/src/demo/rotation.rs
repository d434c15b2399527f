//! Chapter: a PostgreSQL and a MariaDB credential rotated by the secret-rotation function.

use aws_sdk_secretsmanager::types::RotationRulesType;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use super::{Demo, bad, fingerprint, good, heading, say};

struct Case {
    engine: &'static str,
    user: &'static str,
    secret: &'static str,
    /// The sample events are `events/secret-rotation/<events>-<step>.json`.
    events: &'static str,
}

const FUNCTION: &str = "secret-rotation";

const CASES: [Case; 2] = [
    Case {
        engine: "postgres",
        user: "orders_app",
        secret: "vigil/demo/orders-postgres",
        events: "postgres",
    },
    Case {
        engine: "mariadb",
        user: "ledger_app",
        secret: "vigil/demo/ledger-mariadb",
        events: "mariadb",
    },
];

pub async fn run(demo: &Demo) -> Result<(), String> {
    heading("Secret rotation: database credentials that change without downtime");
    demo.warm_up(FUNCTION)?;
    let sm = aws_sdk_secretsmanager::Client::new(&demo.sdk);
    for case in &CASES {
        rotate(demo, &sm, case).await?;
    }
    Ok(())
}

async fn rotate(
    demo: &Demo,
    sm: &aws_sdk_secretsmanager::Client,
    case: &Case,
) -> Result<(), String> {
    let initial = format!("Demo-{}-{:08x}", case.engine, rand::random::<u32>());
    create_user(demo, case, &initial).await?;
    let (host, port) = endpoint(demo, case);
    let secret = json!({
        "engine": case.engine, "host": host, "port": port, "username": case.user,
        "password": initial, "dbname": "app",
    });
    sm.create_secret()
        .name(case.secret)
        .secret_string(secret.to_string())
        .send()
        .await
        .map_err(|e| format!("create secret {}: {e:?}", case.secret))?;
    let create = format!("{}-create", case.events);
    let token = crate::events::load(FUNCTION, &create, &[])["ClientRequestToken"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("events/{FUNCTION}/{create} has no ClientRequestToken"))?;
    sm.rotate_secret()
        .secret_id(case.secret)
        .client_request_token(&token)
        .rotation_rules(
            RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("start rotation: {e:?}"))?;
    say(&format!(
        "{} user {:?} with secret {}: password {} logs in: {}",
        case.engine,
        case.user,
        case.secret,
        fingerprint(&initial),
        yes_no(login(demo, case, &initial).await.is_ok())
    ));
    say("Secrets Manager started a rotation; the function runs its four steps:");
    for step in ["create", "set", "test", "finish"] {
        let file = crate::events::path(FUNCTION, &format!("{}-{step}", case.events));
        let answer = demo.invoke(FUNCTION, &file.display().to_string())?;
        good(&format!(
            "{:<13} {:<12} {}",
            answer["step"].as_str().unwrap_or(step),
            answer["result"].as_str().unwrap_or("?"),
            answer["detail"].as_str().unwrap_or("")
        ));
    }
    let current = value(sm, case.secret, "AWSCURRENT").await?;
    let new_password = current["password"].as_str().unwrap_or_default().to_owned();
    match login(demo, case, &new_password).await {
        Ok(()) => good(&format!(
            "the new password {} logs in",
            fingerprint(&new_password)
        )),
        Err(e) => {
            bad(&format!("the new password does not log in: {e}"));
            return Err("rotation did not produce a working credential".into());
        }
    }
    match login(demo, case, &initial).await {
        Err(e) => good(&format!(
            "the old password {} no longer does ({})",
            fingerprint(&initial),
            e.lines().next().unwrap_or_default()
        )),
        Ok(()) => {
            bad("the old password still logs in");
            return Err("old password still valid after rotation".into());
        }
    }
    let described = sm
        .describe_secret()
        .secret_id(case.secret)
        .send()
        .await
        .map_err(|e| format!("describe: {e:?}"))?;
    let mut labels: Vec<String> = described
        .version_ids_to_stages
        .unwrap_or_default()
        .into_iter()
        .map(|(version, stages)| format!("{version} -> {}", stages.join(",")))
        .collect();
    labels.sort();
    good("version labels moved:");
    for line in labels {
        say(&format!("    {line}"));
    }
    Ok(())
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

async fn value(
    sm: &aws_sdk_secretsmanager::Client,
    id: &str,
    stage: &str,
) -> Result<Value, String> {
    let text = sm
        .get_secret_value()
        .secret_id(id)
        .version_stage(stage)
        .send()
        .await
        .map_err(|e| format!("read {stage}: {e:?}"))?
        .secret_string
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| format!("secret JSON: {e}"))
}

fn endpoint(demo: &Demo, case: &Case) -> (String, u16) {
    if case.engine == "postgres" {
        (demo.h.postgres.host.clone(), demo.h.postgres.port)
    } else {
        (demo.h.mariadb.host.clone(), demo.h.mariadb.port)
    }
}

async fn create_user(demo: &Demo, case: &Case, password: &str) -> Result<(), String> {
    let sql = if case.engine == "postgres" {
        format!(
            "CREATE ROLE {u} LOGIN PASSWORD '{password}'; GRANT CONNECT ON DATABASE app TO {u};",
            u = case.user
        )
    } else {
        format!(
            "CREATE USER '{u}'@'%' IDENTIFIED BY '{password}'; GRANT SELECT ON app.* TO '{u}'@'%';",
            u = case.user
        )
    };
    if case.engine == "postgres" {
        let mut c = demo.h.postgres.admin_connect().await;
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .map_err(|e| e.to_string())?;
    } else {
        let mut c = demo.h.mariadb.admin_connect().await;
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn login(demo: &Demo, case: &Case, password: &str) -> Result<(), String> {
    if case.engine == "postgres" {
        let c = demo
            .h
            .postgres
            .connect_options(case.user, password)
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        c.close().await.map_err(|e| e.to_string())
    } else {
        let c = demo
            .h
            .mariadb
            .connect_options(case.user, password)
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        c.close().await.map_err(|e| e.to_string())
    }
}
