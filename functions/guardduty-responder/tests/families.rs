//! Today's finding families against the emulator: each event of `events/guardduty-responder/`
//! pointed at seeded resources, the AWS state before and after, and a replay that changes
//! nothing.
//!
//! Emulator gaps, restored in `tests/emulator/patches/`: ECS containers carry no image digest
//! (ecs.py), GetFunction hides a reservation of 0 (awslambda.py).

mod rig;

use guardduty_responder::actions::Status;
use guardduty_responder::config::ActionKind;
use guardduty_responder::playbook::Family;
use guardduty_responder::report::Report;
use rig::{INSTANCE_ID, Rig, contain, event};
use serde_json::json;

fn statuses(report: &Report) -> Vec<(ActionKind, Status)> {
    report
        .actions
        .iter()
        .map(|o| (o.action, o.status))
        .collect()
}

#[tokio::test]
async fn runtime_monitoring_on_an_instance_gets_the_ec2_containment() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let e = event(
        "runtime-ec2-reverse-shell",
        &[(INSTANCE_ID, json!(seeded.instance))],
    );
    let before = rig.interface_groups(&seeded.instance).await;
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert_eq!(report.family, Family::Ec2Compromised);
    assert!(
        report.actions.iter().all(|o| o.status == Status::Done),
        "{:#?}",
        report.actions
    );
    let after = rig.interface_groups(&seeded.instance).await;
    assert_ne!(after, before);
    assert!(
        after
            .iter()
            .all(|g| g.len() == 1 && g[0] != seeded.web_group)
    );
    assert!(rig.termination_protected(&seeded.instance).await);
}

#[tokio::test]
async fn a_compromised_ecs_task_is_recorded_stopped_and_its_service_tagged() {
    let rig = Rig::new().await;
    let task = rig.seed_task().await;
    let ecs = rig.ecs();
    let e = task.event(&[]);
    let running = ecs
        .describe_tasks()
        .cluster("storefront")
        .tasks(&task.task_arn)
        .send()
        .await
        .unwrap();
    assert_ne!(running.tasks()[0].desired_status(), Some("STOPPED"));
    let deps = rig.deps(contain());
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(report.family, Family::EcsTask);
    assert_eq!(
        statuses(&report),
        vec![
            (ActionKind::StopTask, Status::Done),
            (ActionKind::TagService, Status::Done)
        ],
        "{:#?}",
        report.actions
    );
    let detail = &report.actions[0].detail;
    for expected in ["task-definition/web:1", "digest sha256:", &task.interface] {
        assert!(
            detail.contains(expected),
            "{expected} missing from {detail}"
        );
    }
    let stopped = ecs
        .describe_tasks()
        .cluster("storefront")
        .tasks(&task.task_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.tasks()[0].desired_status(), Some("STOPPED"));
    assert!(
        stopped.tasks()[0]
            .stopped_reason()
            .unwrap_or_default()
            .contains("b2c4e0d9f0a1b2c3d4e5f60718293b02")
    );
    let tags = ecs
        .list_tags_for_resource()
        .resource_arn(&task.service_arn)
        .send()
        .await
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("vigil:guardduty-finding"))
    );
    // Nothing deleted: the service and the task definition are still there.
    let services = ecs
        .describe_services()
        .cluster("storefront")
        .services("web")
        .send()
        .await
        .unwrap();
    assert_eq!(services.services().len(), 1);
    ecs.describe_task_definition()
        .task_definition("web:1")
        .send()
        .await
        .unwrap();

    rig.replay_changes_nothing(&deps, &e).await;
}

#[tokio::test]
async fn an_eks_pod_finding_alerts_with_kubectl_commands_and_changes_nothing() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let before = rig.ec2_state(&seeded, "x").await;
    let report = rig
        .handle(&rig.deps(contain()), event("eks-pod-exec", &[]))
        .await
        .unwrap();
    assert_eq!(report.family, Family::EksCluster);
    assert!(
        report.actions.is_empty(),
        "no Kubernetes credentials: {:#?}",
        report.actions
    );
    assert_eq!(rig.ec2_state(&seeded, "x").await, before);
    let message = &rig.alert_messages()[0];
    for expected in [
        "aws eks update-kubeconfig --name 'shop' --region 'us-east-1'",
        "kubectl label pod 'frontend-6d4b7' -n 'web' vigil/quarantine=b2c4e0d9f0a1b2c3d4e5f60718293b03",
        "NetworkPolicy",
    ] {
        assert!(
            message.contains(expected),
            "{expected} missing from\n{message}"
        );
    }
}

#[tokio::test]
async fn an_eks_node_finding_isolates_the_node_under_its_gate() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let e = event("eks-node-runtime", &[(INSTANCE_ID, json!(seeded.instance))]);
    let report = rig.handle(&rig.deps(contain()), e.clone()).await.unwrap();
    assert_eq!(report.family, Family::EksCluster);
    assert_eq!(
        statuses(&report),
        vec![
            (ActionKind::IsolateInstance, Status::Done),
            (ActionKind::TagInstance, Status::Done)
        ],
        "{:#?}",
        report.actions
    );
    assert!(
        rig.interface_groups(&seeded.instance)
            .await
            .iter()
            .all(|g| g[0] != seeded.web_group)
    );

    // Below the isolation gate: the node is left alone.
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let low = event(
        "eks-node-runtime",
        &[
            (INSTANCE_ID, json!(seeded.instance)),
            ("/detail/severity", json!(5.0)),
        ],
    );
    let report = rig.handle(&rig.deps(contain()), low).await.unwrap();
    assert_eq!(report.actions[0].status, Status::Skipped);
    assert_eq!(
        rig.interface_groups(&seeded.instance).await,
        vec![
            vec![seeded.web_group.clone()],
            vec![seeded.web_group.clone()]
        ]
    );
}

#[tokio::test]
async fn a_lambda_function_is_throttled_to_zero_recorded_and_its_role_revoked() {
    let rig = Rig::new().await;
    rig.seed_function("image-resizer", Some(7)).await;
    let deps = rig.deps(contain());
    let e = rig.lambda_event();
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(report.family, Family::LambdaFunction);
    assert_eq!(
        statuses(&report),
        vec![
            (ActionKind::StopInvocations, Status::Done),
            (ActionKind::RevokeSessions, Status::Done)
        ],
        "{:#?}",
        report.actions
    );
    assert!(
        report.actions[0].detail.contains("was 7"),
        "{}",
        report.actions[0].detail
    );
    assert!(report.actions[0].detail.contains("code sha256"));
    let concurrency = rig
        .lambda()
        .get_function_concurrency()
        .function_name("image-resizer")
        .send()
        .await
        .unwrap();
    assert_eq!(concurrency.reserved_concurrent_executions(), Some(0));
    let policies = rig
        .iam
        .list_role_policies()
        .role_name("image-resizer-role")
        .send()
        .await
        .unwrap();
    assert_eq!(
        policies.policy_names(),
        ["vigil-guardduty-revoke-older-sessions"]
    );
    let mut again = e;
    again["detail"]["service"]["count"] = json!(2);
    let replay = rig.handle(&deps, again).await.unwrap();
    assert_eq!(
        replay.actions[0].status,
        Status::AlreadyDone,
        "{:#?}",
        replay.actions
    );
}

async fn policy_of(rig: &Rig, bucket: &str) -> serde_json::Value {
    let text = rig
        .s3
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn a_malicious_object_version_is_made_unreadable_by_a_merged_policy_statement() {
    let rig = Rig::new().await;
    let (bucket, version, existing, e) = rig.seed_malicious_object().await;
    let deps = rig.deps(contain());
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(report.family, Family::S3Malware);
    assert_eq!(
        statuses(&report),
        vec![(ActionKind::QuarantineObject, Status::Done)],
        "{:#?}",
        report.actions
    );
    let policy = policy_of(&rig, &bucket).await;
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(
        statements[0], existing["Statement"][0],
        "their statement is kept as it was"
    );
    assert_eq!(statements.len(), 2);
    assert_eq!(
        statements[1]["Condition"]["StringEquals"]["s3:ExistingObjectTag/vigil:quarantine"],
        "b2c4e0d9f0a1b2c3d4e5f60718293b06"
    );
    let tags = rig
        .s3
        .get_object_tagging()
        .bucket(&bucket)
        .key("incoming/invoice.pdf.exe")
        .version_id(&version)
        .send()
        .await
        .unwrap();
    let tags: Vec<(String, String)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    assert!(
        tags.contains(&("team".into(), "billing".into())),
        "other tags kept: {tags:?}"
    );
    assert!(tags.contains(&(
        "vigil:quarantine".into(),
        "b2c4e0d9f0a1b2c3d4e5f60718293b06".into()
    )));
    // Kept for forensics.
    rig.s3
        .head_object()
        .bucket(&bucket)
        .key("incoming/invoice.pdf.exe")
        .version_id(&version)
        .send()
        .await
        .unwrap();
    let replay = rig.handle(&deps, e).await.unwrap();
    assert_eq!(
        replay.actions[0].status,
        Status::AlreadyDone,
        "{:#?}",
        replay.actions
    );
    assert_eq!(
        policy_of(&rig, &bucket).await["Statement"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn guarddutys_own_tag_is_used_without_rewriting_the_objects_tags() {
    let rig = Rig::new().await;
    let bucket = format!("scanned-{}", rig.account);
    let version = rig
        .seed_object(
            &bucket,
            "a.exe",
            &[("GuardDutyMalwareScanStatus", "THREATS_FOUND")],
        )
        .await;
    let e = event(
        "s3-malware-object",
        &[
            ("/detail/resource/s3BucketDetails/0/name", json!(bucket)),
            (
                "/detail/resource/s3BucketDetails/0/s3ObjectDetails/0/key",
                json!("a.exe"),
            ),
            (
                "/detail/resource/s3BucketDetails/0/s3ObjectDetails/0/versionId",
                json!(version),
            ),
        ],
    );
    let deps = rig.deps(contain());
    let report = rig.handle(&deps, e).await.unwrap();
    assert_eq!(
        report.actions[0].status,
        Status::Done,
        "{:#?}",
        report.actions
    );
    assert!(report.actions[0].detail.contains("GuardDuty's own tag"));
    let policy = policy_of(&rig, &bucket).await;
    assert_eq!(
        policy["Statement"][0]["Condition"]["StringEquals"]["s3:ExistingObjectTag/GuardDutyMalwareScanStatus"],
        "THREATS_FOUND"
    );
    let tags = rig
        .s3
        .get_object_tagging()
        .bucket(&bucket)
        .key("a.exe")
        .version_id(&version)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tag_set().len(), 1, "the object was not written");

    // The bucket had no policy before: release leaves it with none.
    let released = rig
        .release(&deps, "b2c4e0d9f0a1b2c3d4e5f60718293b06", false)
        .await
        .unwrap();
    assert_eq!(
        released.outcome,
        guardduty_responder::report::ReleaseOutcome::Released,
        "{released:#?}"
    );
    let policy = rig.s3.get_bucket_policy().bucket(&bucket).send().await;
    assert!(policy.is_err(), "no policy left: {policy:?}");
    let tags = rig
        .s3
        .get_object_tagging()
        .bucket(&bucket)
        .key("a.exe")
        .version_id(&version)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tag_set()[0].key(),
        "GuardDutyMalwareScanStatus",
        "GuardDuty's verdict stays"
    );
}

#[tokio::test]
async fn an_attack_sequence_contains_each_credential_and_resource_with_one_alert() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let key = rig.seed_user_with_key("app-deployer").await;
    let e = event(
        "attack-sequence-credentials",
        &[
            (
                "/detail/service/detection/sequence/resources/0/uid",
                json!(seeded.instance),
            ),
            (
                "/detail/service/detection/sequence/resources/0/accountId",
                json!(rig.account),
            ),
            (
                "/detail/service/detection/sequence/resources/1/accountId",
                json!(rig.account),
            ),
            (
                "/detail/service/detection/sequence/actors/0/user/credentialUid",
                json!(key),
            ),
            (
                "/detail/service/detection/sequence/actors/0/user/account/uid",
                json!(rig.account),
            ),
        ],
    );
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert_eq!(report.family, Family::AttackSequence);
    let done: Vec<ActionKind> = report
        .actions
        .iter()
        .filter(|o| o.status == Status::Done)
        .map(|o| o.action)
        .collect();
    for kind in [
        ActionKind::IsolateInstance,
        ActionKind::SnapshotVolumes,
        ActionKind::TerminationProtection,
        ActionKind::TagInstance,
        ActionKind::DeactivateAccessKey,
        ActionKind::DenyUser,
    ] {
        assert!(
            done.contains(&kind),
            "{kind} not done: {:#?}",
            report.actions
        );
    }
    assert!(
        report
            .actions
            .iter()
            .any(|o| o.status == Status::Skipped && o.detail.contains("account 999999999999")),
        "the resource in another account is not acted on: {:#?}",
        report.actions
    );
    assert_eq!(rig.key_status("app-deployer").await, "Inactive");
    assert!(
        rig.interface_groups(&seeded.instance)
            .await
            .iter()
            .all(|g| g[0] != seeded.web_group)
    );
    assert_eq!(rig.alerts().len(), 1, "one alert for the sequence");
}
