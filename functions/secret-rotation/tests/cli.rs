//! `vigil-rotation`, the manual override, run as a process against the emulator's default
//! account (it sends no account header) and the harness databases.

use std::process::Command;

use secret_rotation::event::Step;
mod rig;

use rig::{Db, Rig, create_user, unique};

/// Runs the CLI; returns (succeeded, stdout + stderr).
fn cli(rig: &Rig, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vigil-rotation"));
    command.env_clear().args(args);
    for (key, value) in rig.h.env_vars() {
        if key.starts_with("AWS_") || key == "VIGIL_DB_CA_FILE" {
            command.env(key, value);
        }
    }
    let output = command.output().expect("run vigil-rotation");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn status_and_rollback_of_a_single_user_print_every_step_and_no_password() {
    let rig = Rig::in_default_account().await;
    let db = Db::Postgres;
    let user = unique("cli");
    create_user(&rig, db, &user, "initial-Passw0rd").await;
    let arn = rig
        .create_secret(
            &unique("db/cli"),
            &rig.secret_json(db, &user, "initial-Passw0rd"),
        )
        .await;
    let (ok, text) = cli(&rig, &["rollback", &arn, "--yes"]);
    assert!(!ok && text.contains("no AWSPREVIOUS"), "{text}");

    let first = rig.version_with(&arn, "AWSCURRENT").await.unwrap();
    let token = rig.rotate(&arn).await;
    let new_password = rig.password(&arn, "AWSCURRENT").await;

    let (ok, text) = cli(&rig, &["status", &arn]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("version {token}: AWSCURRENT")),
        "{text}"
    );
    assert!(text.contains("logs in"), "{text}");
    assert!(
        text.contains("does not log in"),
        "the previous password: {text}"
    );

    let (ok, text) = cli(&rig, &["rollback", &arn]);
    assert!(ok, "{text}");
    assert!(
        text.contains("1. log in as the AWSCURRENT credential"),
        "{text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(
        rig.version_with(&arn, "AWSCURRENT").await.as_deref(),
        Some(token.as_str())
    );

    let (ok, text) = cli(&rig, &["rollback", &arn, "--yes"]);
    assert!(ok, "{text}");
    assert!(text.contains("[3/3] move AWSCURRENT"), "{text}");
    assert!(text.contains("rolled back"), "{text}");
    for secret in ["initial-Passw0rd", new_password.as_str()] {
        assert!(!text.contains(secret), "a password was printed: {text}");
    }
    assert_eq!(rig.version_with(&arn, "AWSCURRENT").await, Some(first));
    rig.login(db, &user, "initial-Passw0rd")
        .await
        .expect("previous password restored");
    assert!(rig.login(db, &user, &new_password).await.is_err());
}

#[tokio::test]
async fn rollback_of_alternating_users_moves_back_to_the_previous_user() {
    let rig = Rig::in_default_account().await;
    let db = Db::MariaDb;
    let user = unique("clialt");
    create_user(&rig, db, &user, "orig-Passw0rd").await;
    let arn = rig.alternating_secret(db, &user, "orig-Passw0rd").await;
    rig.rotate(&arn).await;
    assert_eq!(
        rig.value(&arn, "AWSCURRENT").await["username"],
        format!("{user}_clone")
    );
    let (ok, text) = cli(&rig, &["rollback", &arn, "--yes"]);
    assert!(ok, "{text}");
    assert!(text.contains("[1/2] log in as user"), "{text}");
    let current = rig.value(&arn, "AWSCURRENT").await;
    assert_eq!(current["username"], user.as_str());
    rig.login(db, &user, "orig-Passw0rd")
        .await
        .expect("the original user, untouched");
}

#[tokio::test]
async fn status_explains_a_stuck_rotation_and_rollback_waits_for_it() {
    let rig = Rig::in_default_account().await;
    let user = unique("clistuck");
    create_user(&rig, Db::Postgres, &user, "initial-Passw0rd").await;
    let arn = rig
        .create_secret(
            &unique("db/clistuck"),
            &rig.secret_json(Db::Postgres, &user, "initial-Passw0rd"),
        )
        .await;
    rig.rotate(&arn).await;
    let stale = rig.start_rotation(&arn).await;
    rig.step(&arn, &stale, Step::Create).await.unwrap();
    let (ok, text) = cli(&rig, &["status", &arn]);
    assert!(ok, "{text}");
    assert!(text.contains("stuck: AWSPENDING is on version"), "{text}");
    assert!(text.contains("update-secret-version-stage"), "{text}");
    let (ok, text) = cli(&rig, &["rollback", &arn, "--yes"]);
    assert!(!ok && text.contains("rotation is under way"), "{text}");
}
