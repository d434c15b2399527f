//! guardduty-responder against the emulator over real HTTP: for each family, the event from
//! `events/guardduty-responder/` pointed at seeded resources, the AWS state it must produce,
//! and a replay that must change nothing.
//!
//! Emulator gap worked around: moto lists an interface's old security group next to the new
//! one after ModifyNetworkInterfaceAttribute and never updates the instance's SecurityGroups;
//! `tests/emulator/patches/ec2.py` restores AWS's behaviour, so these tests can assert on
//! both views.

mod rig;

use aws_sdk_ec2::types::Filter;
use guardduty_responder::actions::Status;
use guardduty_responder::aws::ec2::{Ec2, Group};
use guardduty_responder::config::{ActionKind, ResponseSettings, RuleRange};
use guardduty_responder::playbook::Family;
use guardduty_responder::report::{Outcome, Report};
use rig::{INSTANCE_ID, Rig, contain, event};
use serde_json::json;
use vigil::policy::{Effect, PolicyDocument};
use vigil_tests::seed;

fn statuses(report: &Report) -> Vec<(ActionKind, Status)> {
    report
        .actions
        .iter()
        .map(|o| (o.action, o.status))
        .collect()
}

fn all_already_done(report: &Report) {
    assert!(
        report
            .actions
            .iter()
            .all(|o| o.status == Status::AlreadyDone),
        "replay must change nothing: {:#?}",
        report.actions
    );
    assert_eq!(report.outcome, Outcome::AlreadyDone);
}

/// The one statement of an inline policy the responder wrote, checked with the shared policy
/// model: Deny, Action "*", Resource "*".
fn only_deny_all_statement(document: &str) -> vigil::policy::Statement {
    let doc = PolicyDocument::parse(document).expect("a policy document");
    assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
    assert_eq!(doc.statements.len(), 1, "{document}");
    let statement = doc.statements[0].clone();
    assert_eq!(statement.effect, Effect::Deny, "{document}");
    assert_eq!(statement.action, vec!["*".to_string()], "{document}");
    assert_eq!(statement.resource, vec!["*".to_string()], "{document}");
    assert!(
        statement.not_action.is_empty() && statement.not_resource.is_empty(),
        "{document}"
    );
    statement
}

#[tokio::test]
async fn compromised_instance_is_isolated_snapshotted_protected_and_tagged() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let deps = rig.deps(contain());
    let e = event("ec2-compromised", &[(INSTANCE_ID, json!(seeded.instance))]);
    let finding_id = e["detail"]["id"].as_str().unwrap().to_owned();

    let report = rig.handle(&deps, e.clone()).await.expect("handled");
    assert_eq!(
        statuses(&report),
        vec![
            (ActionKind::IsolateInstance, Status::Done),
            (ActionKind::SnapshotVolumes, Status::Done),
            (ActionKind::TerminationProtection, Status::Done),
            (ActionKind::TagInstance, Status::Done),
        ],
        "{:#?}",
        report.actions
    );

    // Every interface, not only the primary, is in the one rule-less quarantine group.
    let groups = rig
        .ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(&seeded.vpc).build())
        .filters(
            Filter::builder()
                .name("tag:vigil:quarantine")
                .values("isolation")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let quarantine = &groups.security_groups()[0];
    let quarantine_id = quarantine.group_id().unwrap().to_owned();
    assert_eq!(quarantine.group_name(), Some("vigil-quarantine"));
    assert!(quarantine.ip_permissions().is_empty(), "no inbound rule");
    assert!(
        quarantine.ip_permissions_egress().is_empty(),
        "no outbound rule"
    );
    assert_eq!(
        rig.interface_groups(&seeded.instance).await,
        vec![vec![quarantine_id.clone()], vec![quarantine_id.clone()]]
    );
    assert_eq!(
        rig.instance_groups(&seeded.instance).await,
        vec![quarantine_id.clone()]
    );

    let snapshots = rig.snapshots_of_finding(&finding_id).await;
    let mut snapshotted: Vec<String> = snapshots
        .iter()
        .map(|s| s.volume_id().unwrap().to_owned())
        .collect();
    snapshotted.sort();
    let mut volumes = seeded.volumes.clone();
    volumes.sort();
    assert_eq!(snapshotted, volumes, "one snapshot per attached volume");
    assert!(rig.termination_protected(&seeded.instance).await);
    let tags = rig.instance(&seeded.instance).await.tags().to_vec();
    assert!(
        tags.iter()
            .any(|t| t.key() == Some("vigil:guardduty-finding")
                && t.value() == Some(finding_id.as_str()))
    );

    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 1);
    let subject = alerts[0]["Subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[Vigil HIGH] GuardDuty Backdoor:EC2/"),
        "{subject}"
    );
    assert!(subject.len() <= 100);
    assert_eq!(
        alerts[0]["MessageAttributes"]["family"]["Value"],
        "ec2-compromised"
    );
    assert_eq!(alerts[0]["MessageAttributes"]["severity"]["Value"], "HIGH");
    let message = alerts[0]["Message"].as_str().unwrap();
    assert!(message.contains("done isolate-instance"), "{message}");
    assert!(
        message.contains(&seeded.interfaces[1]),
        "names the second interface: {message}"
    );

    // The same finding again, seen more often: nothing changes, and it says so.
    let before = rig.ec2_state(&seeded, &finding_id).await;
    let mut again = e.clone();
    again["detail"]["service"]["count"] = json!(7);
    let replay = rig.handle(&deps, again).await.expect("replay handled");
    all_already_done(&replay);
    assert_eq!(rig.ec2_state(&seeded, &finding_id).await, before);
    let alerts = rig.alerts();
    assert_eq!(alerts.len(), 2, "one alert per finding event");
    assert_eq!(
        alerts[1]["MessageAttributes"]["outcome"]["Value"],
        "already-done"
    );

    // A rule added to the quarantine group by hand would let the instance talk again: the
    // next time the finding comes, the group is emptied.
    rig.ec2
        .authorize_security_group_ingress()
        .group_id(&quarantine_id)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("198.51.100.0/24")
        .send()
        .await
        .unwrap();
    let mut later = e.clone();
    later["detail"]["service"]["count"] = json!(8);
    rig.handle(&deps, later).await.expect("third event handled");
    let groups = rig
        .ec2
        .describe_security_groups()
        .group_ids(&quarantine_id)
        .send()
        .await
        .unwrap();
    assert!(
        groups.security_groups()[0].ip_permissions().is_empty(),
        "the hand-made rule is gone: {:?}",
        groups.security_groups()[0].ip_permissions()
    );
}

async fn egress_rules(rig: &Rig, group_id: &str) -> Vec<aws_sdk_ec2::types::IpPermission> {
    rig.ec2
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
        .unwrap()
        .security_groups()[0]
        .ip_permissions_egress()
        .to_vec()
}

/// A quarantine group created but not yet described is taken to have what every new group
/// has: its default egress rule (all traffic to 0.0.0.0/0) is revoked, and revoking it again,
/// as a concurrent or replayed response would, is no error.
#[tokio::test]
async fn a_new_groups_default_egress_rule_is_revoked_once_and_again_without_error() {
    let rig = Rig::new().await;
    let vpc = seed::ec2::vpc(&rig.ec2, "10.40.0.0/16").await.unwrap();
    let id = rig
        .ec2
        .create_security_group()
        .vpc_id(&vpc)
        .group_name("fresh")
        .description("a group as CreateSecurityGroup leaves it")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    assert_eq!(
        egress_rules(&rig, &id).await.len(),
        1,
        "a new group allows all egress"
    );

    let ec2 = Ec2::new(rig.ec2.clone());
    let group = Group::new_with_default_egress(id.clone());
    ec2.revoke(&group)
        .await
        .expect("default egress rule revoked");
    assert!(
        egress_rules(&rig, &id).await.is_empty(),
        "no outbound rule left"
    );
    ec2.revoke(&group)
        .await
        .expect("a rule already gone is not an error");
    assert!(egress_rules(&rig, &id).await.is_empty());
}

#[tokio::test]
async fn brute_force_from_the_instance_contains_it() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let deps = rig.deps(contain());
    let e = event(
        "ec2-bruteforce-actor",
        &[(INSTANCE_ID, json!(seeded.instance))],
    );
    let report = rig.handle(&deps, e).await.unwrap();
    assert_eq!(report.family, Family::Ec2Compromised);
    assert_eq!(
        report.actions[0].status,
        Status::Done,
        "{:#?}",
        report.actions
    );
    let groups = rig.interface_groups(&seeded.instance).await;
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 1 && g[0] != seeded.web_group)
    );
    assert!(
        rig.acl_entries(&seeded.subnets[0])
            .await
            .iter()
            .all(|(rule, _, _)| !(90..=99).contains(rule)),
        "the ACTOR's target is not blocked in a NACL"
    );
}

#[tokio::test]
async fn attacked_instance_gets_the_attackers_denied_in_its_network_acl() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let deps = rig.deps(contain());
    let e = event(
        "ec2-bruteforce-target",
        &[(INSTANCE_ID, json!(seeded.instance))],
    );

    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(
        statuses(&report),
        vec![(ActionKind::BlockRemoteIps, Status::Done)],
        "{:#?}",
        report.actions
    );
    for subnet in &seeded.subnets {
        let entries = rig.acl_entries(subnet).await;
        assert!(
            entries.contains(&(90, "deny".into(), "198.51.100.23/32".into())),
            "{subnet}: {entries:?}"
        );
    }
    assert_eq!(
        rig.interface_groups(&seeded.instance).await,
        vec![
            vec![seeded.web_group.clone()],
            vec![seeded.web_group.clone()]
        ],
        "an attacked instance is not isolated"
    );

    let before = rig.acl_entries(&seeded.subnets[0]).await;
    let mut again = e;
    again["detail"]["service"]["count"] = json!(2);
    all_already_done(&rig.handle(&deps, again).await.unwrap());
    assert_eq!(rig.acl_entries(&seeded.subnets[0]).await, before);
}

#[tokio::test]
async fn a_full_rule_range_evicts_the_oldest_entry() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let deps = rig.deps(ResponseSettings {
        nacl_rule_range: RuleRange {
            first: 90,
            last: 91,
        },
        ..contain()
    });
    let brute = event(
        "ec2-bruteforce-target",
        &[(INSTANCE_ID, json!(seeded.instance))],
    );
    rig.handle(&deps, brute).await.unwrap();
    // Two probing addresses, one free rule: the second replaces the brute-force entry.
    let probe = event("ec2-portprobe", &[(INSTANCE_ID, json!(seeded.instance))]);
    let report = rig.handle(&deps, probe).await.unwrap();
    assert_eq!(
        report.actions[0].status,
        Status::Done,
        "{:#?}",
        report.actions
    );
    assert!(
        report.actions[0]
            .detail
            .contains("replacing the oldest entry, 198.51.100.23/32")
    );
    let ours: Vec<_> = rig
        .acl_entries(&seeded.subnets[0])
        .await
        .into_iter()
        .filter(|(rule, _, _)| (90..=91).contains(rule))
        .collect();
    assert_eq!(
        ours,
        vec![
            (90, "deny".to_string(), "203.0.113.9/32".to_string()),
            (91, "deny".to_string(), "203.0.113.5/32".to_string()),
        ]
    );
}

#[tokio::test]
async fn leaked_access_key_is_deactivated_and_the_user_denied() {
    let rig = Rig::new().await;
    let key = rig.seed_user_with_key("app-deployer").await;
    let deps = rig.deps(contain());
    let e = event(
        "iam-akia",
        &[("/detail/resource/accessKeyDetails/accessKeyId", json!(key))],
    );
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(
        statuses(&report),
        vec![
            (ActionKind::DeactivateAccessKey, Status::Done),
            (ActionKind::DenyUser, Status::Done)
        ],
        "{:#?}",
        report.actions
    );
    assert_eq!(rig.key_status("app-deployer").await, "Inactive");
    assert_eq!(
        rig.user_policies("app-deployer").await,
        vec!["vigil-guardduty-deny-all".to_string()]
    );
    let document = rig
        .iam
        .get_user_policy()
        .user_name("app-deployer")
        .policy_name("vigil-guardduty-deny-all")
        .send()
        .await
        .unwrap()
        .policy_document;
    let document = vigil::policy::decode_document(&document);
    assert!(guardduty_responder::actions::iam::denies_everything(
        &document
    ));
    // Read by the shared policy model too, so a drift in the writer and this module's reader
    // together cannot pass.
    let statement = only_deny_all_statement(&document);
    assert!(statement.condition.is_empty(), "unconditional");

    let mut again = e;
    again["detail"]["service"]["count"] = json!(3);
    all_already_done(&rig.handle(&deps, again).await.unwrap());
    assert_eq!(rig.key_status("app-deployer").await, "Inactive");
}

#[tokio::test]
async fn assumed_role_sessions_are_revoked_once() {
    let rig = Rig::new().await;
    rig.iam
        .create_role()
        .role_name("ci-deployer")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let deps = rig.deps(contain());
    let e = event("iam-asia-assumed-role", &[]);
    let started = chrono::Utc::now() - chrono::Duration::seconds(1);
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(
        statuses(&report),
        vec![(ActionKind::RevokeSessions, Status::Done)],
        "{:#?}",
        report.actions
    );
    let document = rig
        .iam
        .get_role_policy()
        .role_name("ci-deployer")
        .policy_name("vigil-guardduty-revoke-older-sessions")
        .send()
        .await
        .unwrap()
        .policy_document;
    let document = vigil::policy::decode_document(&document);
    let cutoff = guardduty_responder::actions::iam::revocation_cutoff(&document)
        .expect("a TokenIssueTime cutoff");
    assert!(
        cutoff >= started,
        "sessions issued before the response are revoked"
    );
    let statement = only_deny_all_statement(&document);
    assert_eq!(
        serde_json::Value::Object(statement.condition.clone()),
        json!({"DateLessThan": {
            "aws:TokenIssueTime": cutoff.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }}),
        "denies credentials issued before the cutoff, and only those"
    );

    let mut again = e;
    again["detail"]["service"]["count"] = json!(2);
    all_already_done(&rig.handle(&deps, again).await.unwrap());
}

#[tokio::test]
async fn root_credentials_are_never_touched() {
    let rig = Rig::new().await;
    let deps = rig.deps(contain());
    let report = rig.handle(&deps, event("iam-root", &[])).await.unwrap();
    assert_eq!(
        statuses(&report),
        vec![(ActionKind::DenyUser, Status::Skipped)]
    );
    assert_eq!(report.outcome, Outcome::AlertOnly);
    let message = rig.alerts()[0]["Message"].as_str().unwrap().to_owned();
    assert!(message.contains("root user is never touched"), "{message}");
}

#[tokio::test]
async fn public_bucket_gets_its_public_access_blocked() {
    let rig = Rig::new().await;
    rig.s3
        .create_bucket()
        .bucket("vigil-demo-public-reports")
        .send()
        .await
        .unwrap();
    let deps = rig.deps(contain());
    let e = event("s3-public", &[]);
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(
        statuses(&report),
        vec![(ActionKind::BlockPublicAccess, Status::Done)],
        "{:#?}",
        report.actions
    );
    let block = rig
        .s3
        .get_public_access_block()
        .bucket("vigil-demo-public-reports")
        .send()
        .await
        .unwrap();
    let c = block.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            c.block_public_acls(),
            c.ignore_public_acls(),
            c.block_public_policy(),
            c.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    all_already_done(&rig.handle(&deps, e).await.unwrap());
}

/// A secret with rotation configured and no rotation under way (the patched RotateSecret
/// leaves AWSPENDING, which is taken off again here).
async fn rotatable_secret(rig: &Rig, name: &str, value: &str, tags: &[(&str, &str)]) -> String {
    let mut create = rig.sm.create_secret().name(name).secret_string(value);
    for (k, v) in tags {
        create = create.tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build(),
        );
    }
    let arn = create.send().await.unwrap().arn.unwrap();
    let rotated = rig
        .sm
        .rotate_secret()
        .secret_id(&arn)
        .rotation_lambda_arn(format!(
            "arn:aws:lambda:us-east-1:{}:function:vigil-secret-rotation",
            rig.account
        ))
        .rotate_immediately(false)
        .send()
        .await
        .unwrap();
    rig.sm
        .update_secret_version_stage()
        .secret_id(&arn)
        .version_stage("AWSPENDING")
        .remove_from_version_id(rotated.version_id.unwrap())
        .send()
        .await
        .unwrap();
    arn
}

async fn pending_versions(rig: &Rig, arn: &str) -> usize {
    rig.sm
        .describe_secret()
        .secret_id(arn)
        .send()
        .await
        .unwrap()
        .version_ids_to_stages()
        .unwrap()
        .values()
        .filter(|stages| stages.iter().any(|s| s == "AWSPENDING"))
        .count()
}

/// The login GuardDuty saw happened just now, after the secrets were last rotated.
fn login_now() -> serde_json::Value {
    json!((chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339())
}

#[tokio::test]
async fn anomalous_database_login_starts_rotation_of_its_secret() {
    let rig = Rig::new().await;
    let tagged = rotatable_secret(
        &rig,
        "db/orders",
        r#"{"engine":"postgres","host":"elsewhere","username":"app","password":"x"}"#,
        &[("vigil:db-instance", "orders-db")],
    )
    .await;
    let other = rotatable_secret(
        &rig,
        "db/billing",
        r#"{"engine":"postgres","host":"billing-db.abc123.us-east-1.rds.amazonaws.com","username":"app","password":"y"}"#,
        &[],
    )
    .await;
    let deps = rig.deps(contain());
    let e = event(
        "rds-anomalous-login",
        &[("/detail/service/eventLastSeen", login_now())],
    );
    let report = rig.handle(&deps, e.clone()).await.unwrap();
    assert_eq!(
        statuses(&report),
        vec![(ActionKind::RotateSecret, Status::Done)],
        "{:#?}",
        report.actions
    );
    assert_eq!(pending_versions(&rig, &tagged).await, 1, "rotation started");
    assert_eq!(
        pending_versions(&rig, &other).await,
        0,
        "other databases untouched"
    );

    let mut again = e;
    again["detail"]["service"]["count"] = json!(2);
    let replay = rig.handle(&deps, again).await.unwrap();
    all_already_done(&replay);
    assert!(replay.actions[0].detail.contains("under way"));
    assert_eq!(pending_versions(&rig, &tagged).await, 1);

    // No tag names billing-db: its secret is found by the host in its value.
    let billing = event(
        "rds-anomalous-login",
        &[
            (
                "/detail/resource/rdsDbInstanceDetails/dbInstanceIdentifier",
                json!("billing-db"),
            ),
            ("/detail/id", json!("b111e0d9f0a1b2c3d4e5f60718293a09")),
            ("/detail/service/eventLastSeen", login_now()),
        ],
    );
    let report = rig.handle(&deps, billing).await.unwrap();
    assert_eq!(
        report.actions[0].status,
        Status::Done,
        "{:#?}",
        report.actions
    );
    assert!(report.actions[0].detail.contains("db/billing"));
    assert_eq!(pending_versions(&rig, &other).await, 1);
}

#[tokio::test]
async fn one_failing_action_does_not_stop_the_others() {
    let rig = Rig::new().await;
    // The key's user exists, the user named for the deny policy does not.
    let key = rig.seed_user_with_key("someone-else").await;
    let deps = rig.deps(contain());
    let e = event(
        "iam-akia",
        &[
            ("/detail/resource/accessKeyDetails/accessKeyId", json!(key)),
            ("/detail/resource/accessKeyDetails/userName", json!("ghost")),
        ],
    );
    let report = rig
        .handle(&deps, e)
        .await
        .expect("not retryable: the invocation succeeds");
    assert_eq!(
        statuses(&report),
        vec![
            (ActionKind::DeactivateAccessKey, Status::AlreadyDone),
            (ActionKind::DenyUser, Status::Failed)
        ],
        "{:#?}",
        report.actions
    );
    assert!(report.actions[1].detail.contains("does not exist"));
    assert!(!report.actions[1].retryable);
    assert_eq!(report.outcome, Outcome::Failed);
    let alerts = rig.alerts();
    assert_eq!(alerts[0]["MessageAttributes"]["outcome"]["Value"], "failed");
}

#[tokio::test]
async fn instance_gone_is_reported_not_retried() {
    let rig = Rig::new().await;
    let deps = rig.deps(contain());
    let e = event(
        "ec2-compromised",
        &[(INSTANCE_ID, json!("i-0123456789abcdef0"))],
    );
    let report = rig.handle(&deps, e).await.unwrap();
    assert!(
        report
            .actions
            .iter()
            .all(|o| o.status == Status::Failed && !o.retryable)
    );
    assert!(report.actions[0].detail.contains("does not exist"));
}

/// A security group already called `vigil-quarantine` that is not the responder's.
async fn squatter(rig: &Rig, vpc: &str, with_rule: bool) -> String {
    let id = rig
        .ec2
        .create_security_group()
        .vpc_id(vpc)
        .group_name("vigil-quarantine")
        .description("made by hand")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    if with_rule {
        rig.ec2
            .authorize_security_group_ingress()
            .group_id(&id)
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443)
            .cidr_ip("0.0.0.0/0")
            .send()
            .await
            .unwrap();
    }
    id
}

#[tokio::test]
async fn a_same_named_untagged_group_with_rules_is_left_alone_and_isolation_still_happens() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let theirs = squatter(&rig, &seeded.vpc, true).await;
    let e = event("ec2-compromised", &[(INSTANCE_ID, json!(seeded.instance))]);
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert_eq!(
        report.actions[0].status,
        Status::Done,
        "{:#?}",
        report.actions
    );
    assert!(
        report.actions[0]
            .detail
            .contains(&format!("({theirs}) exists")),
        "{}",
        report.actions[0].detail
    );
    assert!(
        report.actions[0].detail.contains("vigil-quarantine-vigil"),
        "{}",
        report.actions[0].detail
    );
    let groups = rig.interface_groups(&seeded.instance).await;
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 1 && g[0] != theirs && g[0] != seeded.web_group),
        "{groups:?}"
    );
    let described = rig
        .ec2
        .describe_security_groups()
        .group_ids(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.security_groups()[0].ip_permissions().len(),
        1,
        "their rule is untouched"
    );
}

#[tokio::test]
async fn an_empty_same_named_untagged_group_is_taken_over() {
    let rig = Rig::new().await;
    let seeded = rig.seed_instance().await;
    let theirs = squatter(&rig, &seeded.vpc, false).await;
    let e = event("ec2-compromised", &[(INSTANCE_ID, json!(seeded.instance))]);
    let report = rig.handle(&rig.deps(contain()), e).await.unwrap();
    assert_eq!(
        report.actions[0].status,
        Status::Done,
        "{:#?}",
        report.actions
    );
    assert_eq!(
        rig.interface_groups(&seeded.instance).await,
        vec![vec![theirs.clone()], vec![theirs.clone()]]
    );
    let g = &rig
        .ec2
        .describe_security_groups()
        .group_ids(&theirs)
        .send()
        .await
        .unwrap()
        .security_groups()[0]
        .clone();
    assert!(
        g.tags()
            .iter()
            .any(|t| t.key() == Some("vigil:quarantine") && t.value() == Some("isolation"))
    );
    assert!(
        g.ip_permissions_egress().is_empty(),
        "emptied of its default egress rule"
    );
}
