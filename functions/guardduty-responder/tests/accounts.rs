//! Accounts against the emulator: a finding about another account is never acted on with the
//! function's own credentials; with a member role it is acted on there, in a session named
//! after the finding; a member role that cannot be assumed means nothing is done; and the
//! stack's own principals are never acted on.

mod rig;

use guardduty_responder::actions::Status;
use guardduty_responder::config::ActionKind;
use rig::{EXTERNAL_ID, FUNCTION_ROLE, MEMBER_ROLE, Rig, contain, create_role, event};
use serde_json::json;
use vigil_tests::harness::{Moto, harness};

const KEY_ID: &str = "/detail/resource/accessKeyDetails/accessKeyId";

/// A member account with a user `app-deployer` and its key; the account and the key id.
async fn member_with_user(role: Option<&str>) -> (String, aws_config::SdkConfig, String) {
    let member = Moto::new_account();
    let sdk = harness().moto.sdk_config(&member).await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    if let Some(external_id) = role {
        create_role(&iam, MEMBER_ROLE, Some(external_id)).await;
    }
    iam.create_user()
        .user_name("app-deployer")
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("app-deployer")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap()
        .access_key_id;
    (member, sdk, key)
}

async fn status_of(sdk: &aws_config::SdkConfig, user: &str) -> String {
    rig::key_status(&aws_sdk_iam::Client::new(sdk), user).await
}

#[tokio::test]
async fn another_accounts_finding_is_only_alerted_about_without_a_member_role() {
    let rig = Rig::new().await;
    // The same user name in the function's own account: the old defect acted on this one.
    let own_key = rig.seed_user_with_key("app-deployer").await;
    let (member, member_sdk, key) = member_with_user(None).await;
    let e = event(
        "iam-akia",
        &[("/detail/accountId", json!(member)), (KEY_ID, json!(key))],
    );
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    let held = report.held.clone().unwrap();
    assert!(held.contains(&format!("about account {member}")), "{held}");
    assert!(held.contains("no member-account role"), "{held}");
    assert!(report.actions.iter().all(|o| o.status == Status::Skipped));
    assert_eq!(
        rig.key_status("app-deployer").await,
        "Active",
        "own account untouched"
    );
    assert!(rig.user_policies("app-deployer").await.is_empty());
    assert_eq!(status_of(&member_sdk, "app-deployer").await, "Active");
    let _ = own_key;
    let message = &rig.alert_messages()[0];
    assert!(
        message.contains(&member),
        "the alert names the account: {message}"
    );
}

#[tokio::test]
async fn with_the_member_role_the_finding_is_answered_in_its_own_account() {
    let rig = Rig::new().await;
    rig.seed_user_with_key("app-deployer").await;
    let (member, member_sdk, key) = member_with_user(Some(EXTERNAL_ID)).await;
    let deps = rig.deps_with(rig.member_config(contain()));
    let e = event(
        "iam-akia",
        &[("/detail/accountId", json!(member)), (KEY_ID, json!(key))],
    );
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(
        report
            .actions
            .iter()
            .map(|o| (o.action, o.status))
            .collect::<Vec<_>>(),
        vec![
            (ActionKind::DeactivateAccessKey, Status::Done),
            (ActionKind::DenyUser, Status::Done)
        ],
        "{:#?}",
        report.actions
    );
    assert_eq!(
        status_of(&member_sdk, "app-deployer").await,
        "Inactive",
        "acted in the member account"
    );
    assert_eq!(
        rig.key_status("app-deployer").await,
        "Active",
        "not in the function's own"
    );
    assert!(rig.user_policies("app-deployer").await.is_empty());
    let policies = aws_sdk_iam::Client::new(&member_sdk)
        .list_user_policies()
        .user_name("app-deployer")
        .send()
        .await
        .unwrap();
    assert_eq!(policies.policy_names(), ["vigil-guardduty-deny-all"]);

    // The replay reuses the session (named after the finding) and finds everything done.
    rig.replay_changes_nothing(&deps, &e).await;
}

#[tokio::test]
async fn a_member_role_that_cannot_be_assumed_means_nothing_is_done() {
    let rig = Rig::new().await;
    let deps = rig.deps_with(rig.member_config(contain()));
    // One account without the role, one whose role wants another external id.
    let (missing, missing_sdk, key1) = member_with_user(None).await;
    let (wrong, wrong_sdk, key2) = member_with_user(Some("someone-elses-id")).await;
    for (account, sdk, key) in [(&missing, &missing_sdk, key1), (&wrong, &wrong_sdk, key2)] {
        let e = event(
            "iam-akia",
            &[("/detail/accountId", json!(account)), (KEY_ID, json!(key))],
        );
        let report = rig.handle(&deps, e).await.unwrap();
        assert!(
            report.actions.iter().all(|o| o.status == Status::Skipped
                && o.detail.contains("could not assume")
                && o.detail.contains("not acted on")),
            "{account}: {:#?}",
            report.actions
        );
        assert_eq!(status_of(sdk, "app-deployer").await, "Active");
    }
}

#[tokio::test]
async fn a_finding_whose_account_cannot_be_read_is_not_acted_on() {
    let rig = Rig::new().await;
    let key = rig.seed_user_with_key("app-deployer").await;
    let e = event(
        "iam-akia",
        &[
            ("/detail/accountId", json!("not-an-account")),
            (KEY_ID, json!(key)),
        ],
    );
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert!(
        report
            .held
            .as_deref()
            .unwrap()
            .contains("is not an AWS account id")
    );
    assert_eq!(rig.key_status("app-deployer").await, "Active");
}

#[tokio::test]
async fn the_role_the_function_runs_as_is_never_acted_on() {
    let rig = Rig::new().await;
    // Settings whose protected principals leave the stack out entirely.
    let deps = rig.deps(contain());
    let e = event(
        "iam-asia-assumed-role",
        &[(
            "/detail/resource/accessKeyDetails/userName",
            json!(FUNCTION_ROLE),
        )],
    );
    let report = rig.handle(&deps, e).await.unwrap();
    assert_eq!(report.actions[0].action, ActionKind::RevokeSessions);
    assert_eq!(report.actions[0].status, Status::Skipped);
    assert!(
        report.actions[0]
            .detail
            .contains("the role this function runs as"),
        "{:#?}",
        report.actions
    );
    let policies = rig
        .iam
        .list_role_policies()
        .role_name(FUNCTION_ROLE)
        .send()
        .await
        .unwrap();
    assert!(
        policies.policy_names().is_empty(),
        "the function's own role keeps its sessions"
    );
}

#[tokio::test]
async fn the_stacks_own_principals_are_never_acted_on() {
    let rig = Rig::new().await;
    create_role(&rig.iam, "vigil-SecretRotationRole-1A2B", None).await;
    let mut config = rig::config(contain(), &rig.topic_arn, "VigilTest");
    config.own_principals = vec![format!("arn:aws:iam::{}:role/vigil-*", rig.account)];
    let deps = rig.deps_with(config);
    let e = event(
        "iam-asia-assumed-role",
        &[(
            "/detail/resource/accessKeyDetails/userName",
            json!("vigil-SecretRotationRole-1A2B"),
        )],
    );
    let report = rig.handle(&deps, e).await.unwrap();
    assert_eq!(report.actions[0].status, Status::Skipped);
    assert!(
        report.actions[0].detail.contains("Vigil's own stack"),
        "{:#?}",
        report.actions
    );
}
