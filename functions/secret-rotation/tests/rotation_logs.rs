//! No password reaches a log: not this process's (every tracing and `log` record at TRACE,
//! the SDK's and the drivers' included), not PostgreSQL's with `log_statement = all`.
//! A separate test binary, because it installs a process-wide subscriber.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use secret_rotation::event::Step;
mod rig;

use rig::{Db, Rig, create_user, pg_ident, unique};

static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_everything() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| Capture)
            .with_ansi(false)
            .try_init()
            .expect("install subscriber");
    });
}

#[tokio::test]
async fn passwords_never_appear_in_logs_or_the_postgres_statement_log() {
    capture_everything();
    let mut passwords = Vec::new();
    for db in [Db::Postgres, Db::MariaDb] {
        let rig = Rig::new().await;
        // Single user, two rotations.
        let user = unique("logs");
        let initial = format!("Initial-{}", unique("pw"));
        create_user(&rig, db, &user, &initial).await;
        let arn = rig
            .create_secret(&unique("db/logs"), &rig.secret_json(db, &user, &initial))
            .await;
        passwords.push(initial);
        for _ in 0..2 {
            rig.rotate(&arn).await;
            let pw = rig.value(&arn, "AWSCURRENT").await["password"]
                .as_str()
                .unwrap()
                .to_owned();
            passwords.push(pw);
        }
        // Alternating users, with the admin's password in play.
        let alt = unique("logsalt");
        let alt_initial = format!("Alt-{}", unique("pw"));
        create_user(&rig, db, &alt, &alt_initial).await;
        let admin = rig.admin_secret_json(db);
        passwords.push(admin["password"].as_str().unwrap().to_owned());
        let alt_arn = rig.alternating_secret(db, &alt, &alt_initial).await;
        passwords.push(alt_initial);
        rig.rotate(&alt_arn).await;
        passwords.push(
            rig.value(&alt_arn, "AWSCURRENT").await["password"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        // A failure path: the password was changed by hand, setSecret cannot log in.
        let broken = unique("logsbroken");
        let broken_pw = format!("Broken-{}", unique("pw"));
        create_user(&rig, db, &broken, &broken_pw).await;
        let broken_arn = rig
            .create_secret(
                &unique("db/broken"),
                &rig.secret_json(db, &broken, &broken_pw),
            )
            .await;
        let by_hand = format!("ByHand-{}", unique("pw"));
        match db {
            Db::Postgres => {
                rig.admin_sql(
                    db,
                    &format!("ALTER ROLE {} PASSWORD '{by_hand}'", pg_ident(&broken)),
                )
                .await
            }
            Db::MariaDb => {
                rig.admin_sql(
                    db,
                    &format!("SET PASSWORD FOR `{broken}`@`%` = PASSWORD('{by_hand}')"),
                )
                .await
            }
        }
        let token = rig.start_rotation(&broken_arn).await;
        rig.step(&broken_arn, &token, Step::Create).await.unwrap();
        let pending = rig.value(&broken_arn, "AWSPENDING").await;
        passwords.push(pending["password"].as_str().unwrap().to_owned());
        assert!(rig.step(&broken_arn, &token, Step::Set).await.is_err());
        passwords.extend([broken_pw, by_hand]);
    }

    let logs = String::from_utf8_lossy(&CAPTURED.lock().unwrap()).into_owned();
    assert!(
        logs.contains("stored new AWSPENDING credential"),
        "capture works"
    );
    assert!(logs.contains("step failed"), "the failure was logged");
    assert!(
        logs.contains("GetSecretValue") || logs.contains("get_secret_value"),
        "SDK traces captured"
    );
    let pg_log =
        std::fs::read_to_string(vigil_tests::harness::harness().postgres.log_path()).unwrap();
    assert!(pg_log.contains("ALTER ROLE"), "log_statement=all is on");
    assert!(
        pg_log.contains("SCRAM-SHA-256$"),
        "verifiers, not passwords, were sent"
    );
    for password in &passwords {
        if let Some(at) = logs.find(password.as_str()) {
            let line_start = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = logs[at..].find('\n').map_or(logs.len(), |i| at + i);
            panic!(
                "a password reached this process's logs: {}",
                logs[line_start..line_end].replace(password.as_str(), "<PASSWORD>")
            );
        }
        if !password.starts_with("ByHand-")
            && !password.starts_with("Initial-")
            && !password.starts_with("Alt-")
            && !password.starts_with("Broken-")
        {
            // Test setup sends its own passwords in clear; the function's never are.
            assert!(
                !pg_log.contains(password.as_str()),
                "a password reached the PostgreSQL log"
            );
        }
    }
}
