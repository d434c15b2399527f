//! A rotation test rig: one isolated emulator account, the function's dependencies wired to
//! it and to the harness databases, and helpers to seed users and secrets and drive steps.

#![allow(dead_code)]

use std::time::{Duration, SystemTime};

use aws_sdk_secretsmanager::types::RotationRulesType;
use secret_rotation::event::Step;
use secret_rotation::report::Outcome;
use secret_rotation::{Config, Deps, Error, handle_event};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

use vigil_tests::harness::{Harness, Moto, harness};

/// Which harness database a test works against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Postgres,
    MariaDb,
}

impl Db {
    pub fn engine(self) -> &'static str {
        match self {
            Db::Postgres => "postgres",
            Db::MariaDb => "mariadb",
        }
    }
}

pub struct Rig {
    pub account: String,
    pub sm: aws_sdk_secretsmanager::Client,
    pub sns: aws_sdk_sns::Client,
    pub topic_arn: String,
    pub deps: Deps,
    pub h: &'static Harness,
}

impl Rig {
    /// A fresh account with an alert topic; the function trusts the harness CA.
    pub async fn new() -> Rig {
        Rig::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Rig {
        Rig::in_account(Moto::new_account(), adjust).await
    }

    /// A rig over moto's default account, the one a function process started outside the
    /// tests sees (it sends no account header).
    pub async fn in_default_account() -> Rig {
        Rig::in_account("123456789012".to_owned(), |_| {}).await
    }

    /// Another rig over this rig's account, with other function settings.
    pub async fn same_account(&self, adjust: impl FnOnce(&mut Config)) -> Rig {
        Rig::in_account(self.account.clone(), adjust).await
    }

    async fn in_account(account: String, adjust: impl FnOnce(&mut Config)) -> Rig {
        let h = harness();
        let sdk = h.moto.sdk_config(&account).await;
        let sns = aws_sdk_sns::Client::new(&sdk);
        let topic_arn = Moto::alert_topic(&sdk).await;
        let ca_file = h.ca.ca_file.to_string_lossy();
        let mut config = Config::from_lookup(vigil::config::lookup_in(&[
            ("VIGIL_DB_CA_FILE", &ca_file),
            ("VIGIL_ALERT_TOPIC_ARN", &topic_arn),
        ]))
        .expect("rig settings");
        adjust(&mut config);
        Rig {
            sm: aws_sdk_secretsmanager::Client::new(&sdk),
            deps: Deps::new(&sdk, config),
            sns,
            topic_arn,
            account,
            h,
        }
    }

    /// Stores `value` as a new secret and returns its ARN.
    pub async fn create_secret(&self, name: &str, value: &Value) -> String {
        self.sm
            .create_secret()
            .name(name)
            .secret_string(value.to_string())
            .send()
            .await
            .expect("create secret")
            .arn
            .expect("arn")
    }

    /// Starts a rotation the way Secrets Manager does (RotateSecret creates an AWSPENDING
    /// version with no value) and returns its token. moto does not run the function; the
    /// test drives the steps.
    pub async fn start_rotation(&self, arn: &str) -> String {
        self.start_rotation_with(arn, true).await
    }

    pub async fn start_rotation_with(&self, arn: &str, immediately: bool) -> String {
        let token = uuid_like();
        self.sm
            .rotate_secret()
            .secret_id(arn)
            .client_request_token(&token)
            .rotation_rules(
                RotationRulesType::builder()
                    .automatically_after_days(30)
                    .build(),
            )
            .rotate_immediately(immediately)
            .send()
            .await
            .expect("rotate secret");
        token
    }

    pub async fn step(&self, arn: &str, token: &str, step: Step) -> Result<Outcome, Error> {
        self.invoke(json!({
            "Step": step,
            "SecretId": arn,
            "ClientRequestToken": token,
        }))
        .await
    }

    pub async fn invoke(&self, event: Value) -> Result<Outcome, Error> {
        handle_event(
            event,
            SystemTime::now() + Duration::from_secs(120),
            &self.deps,
        )
        .await
    }

    /// A whole rotation: RotateSecret, then the four steps. Returns the new version's token.
    pub async fn rotate(&self, arn: &str) -> String {
        let token = self.start_rotation(arn).await;
        for step in Step::ALL {
            let outcome = self
                .step(arn, &token, step)
                .await
                .unwrap_or_else(|e| panic!("{step} failed: {e}"));
            assert_eq!(outcome.step, step);
        }
        token
    }

    /// The secret's value under `stage` as JSON.
    pub async fn value(&self, arn: &str, stage: &str) -> Value {
        let text = self
            .sm
            .get_secret_value()
            .secret_id(arn)
            .version_stage(stage)
            .send()
            .await
            .unwrap_or_else(|e| panic!("get {stage}: {e:?}"))
            .secret_string
            .expect("string secret");
        serde_json::from_str(&text).expect("secret JSON")
    }

    /// The `password` of the secret's value under `stage`.
    pub async fn password(&self, arn: &str, stage: &str) -> String {
        self.value(arn, stage).await["password"]
            .as_str()
            .expect("a password")
            .to_owned()
    }

    /// Starts a rotation and runs createSecret; returns the token and the pending password.
    pub async fn created(&self, arn: &str) -> (String, String) {
        let token = self.start_rotation(arn).await;
        self.step(arn, &token, Step::Create)
            .await
            .unwrap_or_else(|e| panic!("createSecret failed: {e}"));
        (token, self.password(arn, "AWSPENDING").await)
    }

    /// version id → labels.
    pub async fn labels(&self, arn: &str) -> std::collections::BTreeMap<String, Vec<String>> {
        self.sm
            .describe_secret()
            .secret_id(arn)
            .send()
            .await
            .expect("describe")
            .version_ids_to_stages
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    pub async fn version_with(&self, arn: &str, label: &str) -> Option<String> {
        self.labels(arn)
            .await
            .into_iter()
            .find(|(_, ls)| ls.iter().any(|l| l == label))
            .map(|(v, _)| v)
    }

    /// The SNS messages published in this rig's account.
    pub fn alerts(&self) -> Vec<Value> {
        self.h.moto.published_sns_messages(&self.account)
    }

    /// The JSON of a secret for `user` on the harness database `db`.
    pub fn secret_json(&self, db: Db, user: &str, password: &str) -> Value {
        let (host, port, database) = match db {
            Db::Postgres => (
                &self.h.postgres.host,
                self.h.postgres.port,
                &self.h.postgres.database,
            ),
            Db::MariaDb => (
                &self.h.mariadb.host,
                self.h.mariadb.port,
                &self.h.mariadb.database,
            ),
        };
        json!({
            "engine": db.engine(),
            "host": host,
            "port": port,
            "username": user,
            "password": password,
            "dbname": database,
        })
    }

    /// The harness admin as a secret (for `masterarn`).
    pub fn admin_secret_json(&self, db: Db) -> Value {
        let (user, password) = match db {
            Db::Postgres => (&self.h.postgres.admin_user, &self.h.postgres.admin_password),
            Db::MariaDb => (&self.h.mariadb.admin_user, &self.h.mariadb.admin_password),
        };
        self.secret_json(db, user, password)
    }

    /// An alternating-users secret for `user` on `db`: the harness admin stored as its own
    /// secret, named by `masterarn`. Returns the user's secret's ARN.
    pub async fn alternating_secret(&self, db: Db, user: &str, password: &str) -> String {
        let admin_arn = self
            .create_secret(&unique("vigil/admin"), &self.admin_secret_json(db))
            .await;
        let mut secret = self.secret_json(db, user, password);
        secret["masterarn"] = json!(admin_arn);
        self.create_secret(&unique("db/alt"), &secret).await
    }

    /// Runs SQL as the harness admin (text protocol, several statements allowed).
    pub async fn admin_sql(&self, db: Db, sql: &str) {
        match db {
            Db::Postgres => run_sql(self.h.postgres.admin_connect().await, sql).await,
            Db::MariaDb => run_sql(self.h.mariadb.admin_connect().await, sql).await,
        };
    }

    /// Whether `user` / `password` logs in (over verified TLS); `Err` carries the reason.
    pub async fn login(&self, db: Db, user: &str, password: &str) -> Result<(), String> {
        let result = match db {
            Db::Postgres => connect(self.h.postgres.connect_options(user, password))
                .await
                .map(drop),
            Db::MariaDb => connect(self.h.mariadb.connect_options(user, password))
                .await
                .map(drop),
        };
        result.map_err(|e| e.to_string())
    }

    /// Runs one query as `user`, returning the first column of the last row as text.
    pub async fn query_as(&self, db: Db, user: &str, password: &str, sql: &str) -> String {
        let refused = format!("login {user}");
        match db {
            Db::Postgres => {
                let conn = connect(self.h.postgres.connect_options(user, password)).await;
                run_sql(conn.expect(&refused), sql).await
            }
            Db::MariaDb => {
                let conn = connect(self.h.mariadb.connect_options(user, password)).await;
                run_sql(conn.expect(&refused), sql).await
            }
        }
    }
}

async fn connect<O>(options: O) -> Result<O::Connection, sqlx::Error>
where
    O: ConnectOptions,
    O::Connection: Sized,
{
    options.connect().await
}

/// Runs `sql` (text protocol, several statements allowed) on `conn` and closes it; returns the
/// first column of the last row as text, empty when there is none.
async fn run_sql<C>(mut conn: C, sql: &str) -> String
where
    C: Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'r> String: sqlx::Decode<'r, C::Database> + sqlx::Type<C::Database>,
    usize: sqlx::ColumnIndex<<C::Database as sqlx::Database>::Row>,
{
    let rows = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
    rows.last()
        .map(|r| sqlx::Row::try_get::<String, _>(r, 0).unwrap_or_default())
        .unwrap_or_default()
}

impl Rig {
    /// Creates (or resets) the Redis ACL user `user` with `password` and `rules`.
    pub fn redis_user(&self, user: &str, password: &str, rules: &[&str]) {
        let password = format!(">{password}");
        let mut args = vec!["ACL", "SETUSER", user, "reset", "on", password.as_str()];
        args.extend_from_slice(rules);
        self.h.redis.admin(&args);
    }

    /// Whether `user` / `password` logs in to the harness Redis (over verified TLS; redis-cli
    /// runs AUTH before the command).
    pub fn redis_login(&self, user: &str, password: &str) -> Result<(), String> {
        let output = self
            .h
            .redis
            .cli(user, password, &["ACL", "WHOAMI"])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        // NOPERM: logged in, but the user may not run ACL WHOAMI.
        if text == user || text.starts_with("NOPERM") {
            Ok(())
        } else {
            Err(format!("{text}{}", String::from_utf8_lossy(&output.stderr)))
        }
    }

    /// `user`'s ACL rules without its password hashes (`ACL LIST` line).
    pub fn redis_rules(&self, user: &str) -> String {
        let list = self.h.redis.admin(&["ACL", "LIST"]);
        let line = list
            .lines()
            .find(|l| l.starts_with(&format!("user {user} ")))
            .unwrap_or_else(|| panic!("no ACL user {user}: {list}"));
        line.split_whitespace()
            .filter(|token| !token.starts_with('#'))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How many passwords `user` holds.
    pub fn redis_password_count(&self, user: &str) -> usize {
        let list = self.h.redis.admin(&["ACL", "LIST"]);
        list.lines()
            .find(|l| l.starts_with(&format!("user {user} ")))
            .map_or(0, |l| {
                l.split_whitespace().filter(|t| t.starts_with('#')).count()
            })
    }

    /// The JSON of a secret for the Redis ACL user `user` on the harness server.
    pub fn redis_secret_json(&self, user: &str, password: &str) -> Value {
        json!({
            "engine": "redis",
            "host": self.h.redis.host,
            "port": self.h.redis.port,
            "username": user,
            "password": password,
        })
    }

    /// The harness Redis admin as a secret (for a Redis secret's `masterarn`).
    pub async fn redis_admin_secret(&self) -> String {
        let admin = self.redis_secret_json(&self.h.redis.admin_user, &self.h.redis.admin_password);
        self.create_secret(&unique("vigil/admin/redis"), &admin)
            .await
    }

    /// `POST /moto-api/vigil/rds/endpoint` (tests/emulator/patches/rds_managed_secret.py):
    /// RDS reports `db`'s harness server as the endpoint of instance `instance`.
    pub fn point_instance_at(&self, instance: &str, db: Db) {
        let (host, port) = match db {
            Db::Postgres => (&self.h.postgres.host, self.h.postgres.port),
            Db::MariaDb => (&self.h.mariadb.host, self.h.mariadb.port),
        };
        let url = format!("{}/moto-api/vigil/rds/endpoint", self.h.moto.endpoint);
        let body = json!({"account_id": self.account, "db_instance_identifier": instance,
            "address": host, "port": port});
        ureq::post(&url)
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }

    /// The passwords the emulator's ElastiCache user holds
    /// (`GET /moto-api/vigil/elasticache/users`, tests/emulator/patches/elasticache.py).
    pub fn cache_user_passwords(&self, user_id: &str) -> Vec<String> {
        let url = format!(
            "{}/moto-api/vigil/elasticache/users?account_id={}",
            self.h.moto.endpoint, self.account
        );
        let mut response = ureq::get(&url)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let users: Value = serde_json::from_reader(response.body_mut().as_reader())
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        users[user_id]["passwords"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Logins PostgreSQL logged for `user` (`log_connections`): (authorized, over TLS, failed).
pub fn pg_logins(user: &str) -> (usize, usize, usize) {
    let log = std::fs::read_to_string(vigil_tests::harness::harness().postgres.log_path())
        .expect("PostgreSQL log");
    let authorized: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&format!("connection authorized: user={user} ")))
        .collect();
    let tls = authorized
        .iter()
        .filter(|l| l.contains("SSL enabled"))
        .count();
    let failed = log
        .matches(&format!(
            "password authentication failed for user \"{user}\""
        ))
        .count();
    (authorized.len(), tls, failed)
}

/// A unique name for per-test database users (the clusters are shared by all tests).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{:08x}", rand::random::<u32>())
}

/// A version token in the UUID shape Secrets Manager uses.
pub fn uuid_like() -> String {
    let b: [u8; 16] = rand::random();
    let h = b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// PostgreSQL identifier quoting, for test setup SQL.
pub fn pg_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// PostgreSQL string literal (E'' form, safe for any character but NUL).
pub fn pg_literal(value: &str) -> String {
    format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// MariaDB string literal with backslash escaping (the default sql_mode).
pub fn my_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `user`@`host` for test setup SQL.
pub fn my_account(user: &str, host: &str) -> String {
    secret_rotation::engines::mysql::account(user, host)
}

/// Creates a login user with `password` on `db`, owning/allowed to use the `app` database.
pub async fn create_user(rig: &Rig, db: Db, user: &str, password: &str) {
    match db {
        Db::Postgres => {
            let u = pg_ident(user);
            rig.admin_sql(
                db,
                &format!(
                    "CREATE ROLE {u} WITH LOGIN PASSWORD {}; GRANT CONNECT, CREATE ON DATABASE app TO {u}; GRANT USAGE, CREATE ON SCHEMA public TO {u};",
                    pg_literal(password)
                ),
            )
            .await
        }
        Db::MariaDb => {
            let a = my_account(user, "%");
            rig.admin_sql(
                db,
                &format!(
                    "CREATE USER {a} IDENTIFIED BY {}; GRANT SELECT, INSERT, CREATE ON `app`.* TO {a};",
                    my_literal(password)
                ),
            )
            .await
        }
    }
}
