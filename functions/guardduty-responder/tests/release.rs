//! Release against the emulator: for every kind of change, the AWS state before the response,
//! after it, and after the release (each undo read back by the function, and here again); a
//! release for a finding never acted on says so, and a second release finds nothing left.

mod rig;

use guardduty_responder::actions::release::UndoStatus;
use guardduty_responder::report::ReleaseOutcome;
use rig::{INSTANCE_ID, Rig, contain, event};
use serde_json::json;

#[tokio::test]
async fn a_finding_never_acted_on_has_nothing_to_release() {
    let rig = Rig::new().await;
    let deps = rig.deps(contain());
    let report = rig
        .release(&deps, "00000000000000000000000000000000", false)
        .await
        .unwrap();
    assert_eq!(report.outcome, ReleaseOutcome::NeverActedOn);
    assert!(report.problem.unwrap().contains("never changed anything"));
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0]["MessageAttributes"]["outcome"]["Value"],
        "never-acted-on"
    );

    // Alert-only mode acts on nothing, so leaves nothing to release either.
    let seeded = rig.seed_instance().await;
    let deps = rig.deps(guardduty_responder::config::ResponseSettings::default());
    let e = event("ec2-compromised", &[(INSTANCE_ID, json!(seeded.instance))]);
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    rig.handle(&deps, e).await.unwrap();
    assert_eq!(
        rig.release(&deps, &id, false).await.unwrap().outcome,
        ReleaseOutcome::NeverActedOn
    );
}

#[tokio::test]
async fn ec2_isolation_and_termination_protection_are_undone() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let deps = rig.deps(contain());
    let e = event("ec2-compromised", &[(INSTANCE_ID, json!(seeded.instance))]);
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    let original = rig.interface_groups(&seeded.instance).await;
    assert!(!rig.termination_protected(&seeded.instance).await);
    let report = rig.handle(&deps, e).await.unwrap();
    assert!(report.record.is_some(), "{report:#?}");
    assert_ne!(rig.interface_groups(&seeded.instance).await, original);
    assert!(rig.termination_protected(&seeded.instance).await);

    let released = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(released.outcome, ReleaseOutcome::Released, "{released:#?}");
    assert!(
        released
            .undone
            .iter()
            .all(|u| u.status == UndoStatus::Undone),
        "{released:#?}"
    );
    assert_eq!(
        rig.interface_groups(&seeded.instance).await,
        original,
        "original groups back on every interface"
    );
    assert_eq!(
        rig.instance_groups(&seeded.instance).await,
        vec![seeded.web_group.clone()]
    );
    assert!(!rig.termination_protected(&seeded.instance).await);
    let tags = rig.instance(&seeded.instance).await.tags().to_vec();
    assert!(
        tags.iter()
            .all(|t| !t.key().unwrap().starts_with("vigil:sg:")),
        "record tags removed"
    );
    assert_eq!(
        rig.snapshots_of_finding(&id).await.len(),
        2,
        "evidence stays"
    );

    let again = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(again.outcome, ReleaseOutcome::AlreadyReleased);
}

#[tokio::test]
async fn network_acl_entries_are_removed() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let deps = rig.deps(contain());
    let e = event(
        "ec2-bruteforce-target",
        &[(INSTANCE_ID, json!(seeded.instance))],
    );
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    let before = rig.acl_entries(&seeded.subnets[0]).await;
    rig.handle(&deps, e).await.unwrap();
    assert_ne!(rig.acl_entries(&seeded.subnets[0]).await, before);
    let released = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(released.outcome, ReleaseOutcome::Released, "{released:#?}");
    for subnet in &seeded.subnets {
        assert_eq!(rig.acl_entries(subnet).await, before, "{subnet}");
    }
}

#[tokio::test]
async fn deny_policies_are_removed_and_the_key_reactivated_only_when_asked() {
    let rig = Rig::new().await;
    let key = rig.seed_user_with_key("app-deployer").await;
    let deps = rig.deps(contain());
    let e = event(
        "iam-akia",
        &[("/detail/resource/accessKeyDetails/accessKeyId", json!(key))],
    );
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    assert_eq!(rig.key_status("app-deployer").await, "Active");
    rig.handle(&deps, e).await.unwrap();
    assert_eq!(rig.key_status("app-deployer").await, "Inactive");
    assert_eq!(rig.user_policies("app-deployer").await.len(), 1);

    let first = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(first.outcome, ReleaseOutcome::Partial, "{first:#?}");
    assert!(
        first
            .undone
            .iter()
            .any(|u| u.status == UndoStatus::Kept && u.detail.contains("reactivateAccessKeys"))
    );
    assert!(
        rig.user_policies("app-deployer").await.is_empty(),
        "deny policy removed"
    );
    assert_eq!(
        rig.key_status("app-deployer").await,
        "Inactive",
        "not asked: stays inactive"
    );

    let second = rig.release(&deps, &id, true).await.unwrap();
    assert_eq!(second.outcome, ReleaseOutcome::Released, "{second:#?}");
    assert_eq!(rig.key_status("app-deployer").await, "Active");
}

#[tokio::test]
async fn revoked_role_sessions_and_lambda_concurrency_are_restored() {
    let rig = Rig::new().await;
    rig.seed_function("image-resizer", None).await;
    let deps = rig.deps(contain());
    let e = rig.lambda_event();
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    let concurrency = |rig: &Rig| {
        let lambda = rig.lambda();
        async move {
            lambda
                .get_function_concurrency()
                .function_name("image-resizer")
                .send()
                .await
                .unwrap()
                .reserved_concurrent_executions()
        }
    };
    assert_eq!(concurrency(&rig).await, None);
    rig.handle(&deps, e).await.unwrap();
    assert_eq!(concurrency(&rig).await, Some(0));
    let role_policies = rig
        .iam
        .list_role_policies()
        .role_name("image-resizer-role")
        .send()
        .await
        .unwrap();
    assert_eq!(role_policies.policy_names().len(), 1);

    let released = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(released.outcome, ReleaseOutcome::Released, "{released:#?}");
    assert_eq!(concurrency(&rig).await, None, "no reservation, as before");
    let role_policies = rig
        .iam
        .list_role_policies()
        .role_name("image-resizer-role")
        .send()
        .await
        .unwrap();
    assert!(
        role_policies.policy_names().is_empty(),
        "revocation removed"
    );
}

#[tokio::test]
async fn a_quarantined_object_is_readable_again_and_the_bucket_policy_as_before() {
    let rig = Rig::new().await;
    let (bucket, version, theirs, e) = rig.seed_malicious_object().await;
    let deps = rig.deps(contain());
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    rig.handle(&deps, e).await.unwrap();
    let tags = |rig: &Rig| {
        let (s3, bucket, version) = (rig.s3.clone(), bucket.clone(), version.clone());
        async move {
            s3.get_object_tagging()
                .bucket(bucket)
                .key("incoming/invoice.pdf.exe")
                .version_id(version)
                .send()
                .await
                .unwrap()
                .tag_set()
                .iter()
                .map(|t| t.key().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(tags(&rig).await.contains(&"vigil:quarantine".to_string()));
    let released = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(released.outcome, ReleaseOutcome::Released, "{released:#?}");
    assert_eq!(tags(&rig).await, ["team"], "only their tag left");
    let policy: serde_json::Value = serde_json::from_str(
        &rig.s3
            .get_bucket_policy()
            .bucket(&bucket)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        policy["Statement"], theirs["Statement"],
        "their statement, and only it"
    );
}

#[tokio::test]
async fn the_ecs_service_tag_is_removed_and_the_stopped_task_reported() {
    let rig = Rig::new().await;
    let task = rig.seed_task().await;
    let deps = rig.deps(contain());
    let e = task.event(&[]);
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    let tag_keys = |rig: &Rig| {
        let (ecs, arn) = (rig.ecs(), task.service_arn.clone());
        async move {
            ecs.list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .unwrap()
                .tags()
                .iter()
                .map(|t| t.key().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(tag_keys(&rig).await.is_empty());
    rig.handle(&deps, e).await.unwrap();
    assert_eq!(tag_keys(&rig).await.len(), 2);
    let released = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(released.outcome, ReleaseOutcome::Released, "{released:#?}");
    assert!(tag_keys(&rig).await.is_empty());
    assert!(released.not_undone.contains("stopped ECS task"));
}

#[tokio::test]
async fn a_member_accounts_response_is_released_there() {
    let rig = Rig::new().await;
    let member = vigil_tests::harness::Moto::new_account();
    let member_sdk = vigil_tests::harness::harness()
        .moto
        .sdk_config(&member)
        .await;
    let iam = aws_sdk_iam::Client::new(&member_sdk);
    rig::create_role(&iam, rig::MEMBER_ROLE, Some(rig::EXTERNAL_ID)).await;
    rig::create_role(&iam, "ci-deployer", None).await;
    let deps = rig.deps_with(rig.member_config(contain()));
    let e = event(
        "iam-asia-assumed-role",
        &[("/detail/accountId", json!(member))],
    );
    let id = e["detail"]["id"].as_str().unwrap().to_owned();
    rig.handle(&deps, e).await.unwrap();
    let policies = |iam: aws_sdk_iam::Client| async move {
        iam.list_role_policies()
            .role_name("ci-deployer")
            .send()
            .await
            .unwrap()
            .policy_names()
            .len()
    };
    assert_eq!(policies(iam.clone()).await, 1);
    let released = rig.release(&deps, &id, false).await.unwrap();
    assert_eq!(released.outcome, ReleaseOutcome::Released, "{released:#?}");
    assert_eq!(released.account_id.as_deref(), Some(member.as_str()));
    assert_eq!(policies(iam).await, 0);
}
