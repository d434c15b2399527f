//! The diagnosis on plain facts: each cause from the facts that show it, with its repair.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::json;
use vigil::aws::{AwsCallError, AwsFailure};

use super::*;
use crate::facts::{
    BucketFacts, BucketLocation, CallFacts, Criterion, Destination, DetectorFacts,
    DetectorSettings, Filter, KeyFacts, KeyInfo, KeyState, Member, RegionFacts,
};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";
const BUCKET: &str = "findings";

fn config(extra: &[(&str, &str)]) -> Config {
    let mut all = vec![
        ("VIGIL_ACCOUNT_ID", ACCOUNT),
        ("VIGIL_GUARDDUTY_EXPORT_BUCKET", BUCKET),
        ("VIGIL_GUARDDUTY_EXPORT_KEY_ARN", KEY),
    ];
    all.extend_from_slice(extra);
    Config::from_lookup(vigil::config::lookup_in(&all)).unwrap()
}

fn detector_arn() -> String {
    format!("arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/d1")
}

fn good_bucket_policy() -> String {
    let condition =
        json!({"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": detector_arn()}});
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "L", "Effect": "Allow", "Principal": {"Service": "guardduty.amazonaws.com"},
         "Action": "s3:GetBucketLocation", "Resource": "arn:aws:s3:::findings", "Condition": condition},
        {"Sid": "P", "Effect": "Allow", "Principal": {"Service": "guardduty.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::findings/*", "Condition": condition}
    ]})
    .to_string()
}

fn good_key_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "K", "Effect": "Allow", "Principal": {"Service": "guardduty.amazonaws.com"},
         "Action": "kms:GenerateDataKey", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": detector_arn()}}}
    ]})
    .to_string()
}

/// A healthy Region: enabled detector, publishing export to the configured bucket and key.
fn healthy() -> Facts {
    let destination = Destination {
        id: "dest1".into(),
        status: "PUBLISHING".into(),
        failing_since: None,
        destination_arn: Some("arn:aws:s3:::findings".into()),
        key_arn: Some(KEY.into()),
    };
    Facts {
        account_id: ACCOUNT.into(),
        partition: "aws".into(),
        regions: vec![RegionFacts {
            region: REGION.into(),
            detector: Ok(Some(DetectorFacts {
                id: "d1".into(),
                settings: Ok(DetectorSettings {
                    enabled: true,
                    frequency: Some("FIFTEEN_MINUTES".into()),
                    features: [("CLOUD_TRAIL", "ENABLED"), ("S3_DATA_EVENTS", "DISABLED")]
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                }),
                destinations: Ok(vec![destination]),
                filters: Ok(vec![]),
                members: Ok(vec![]),
                administrator: None,
            })),
        }],
        buckets: [(
            BUCKET.to_owned(),
            BucketFacts {
                name: BUCKET.into(),
                location: Ok(BucketLocation::Owned {
                    region: REGION.into(),
                }),
                policy: Some(Ok(Some(good_bucket_policy()))),
                tags: Some(Ok(vec![])),
            },
        )]
        .into(),
        keys: [(
            KEY.to_owned(),
            KeyFacts {
                id: KEY.into(),
                region: REGION.into(),
                key: Ok(Some(KeyInfo {
                    arn: KEY.into(),
                    account: ACCOUNT.into(),
                    state: KeyState::Enabled,
                    deletion_date: None,
                })),
                policy: Some(Ok(good_key_policy())),
                tags: Some(Ok(vec![])),
            },
        )]
        .into(),
        call: None,
        collected_at: Utc::now(),
    }
}

fn detector(f: &mut Facts) -> &mut DetectorFacts {
    f.regions[0].detector.as_mut().unwrap().as_mut().unwrap()
}

fn kinds(f: &Facts, c: &Config) -> Vec<CauseKind> {
    let d = diagnose(f, &Settings { config: c });
    d[0].causes.iter().map(|c| c.kind).collect()
}

fn only(f: &Facts, c: &Config) -> Cause {
    let d = diagnose(f, &Settings { config: c });
    assert_eq!(d[0].causes.len(), 1, "{:#?}", d[0].causes);
    d[0].causes[0].clone()
}

#[test]
fn a_healthy_region_has_no_cause() {
    assert_eq!(kinds(&healthy(), &config(&[])), vec![]);
}

#[test]
fn no_detector_is_recreated_with_every_plan_named() {
    let mut f = healthy();
    f.regions[0].detector = Ok(None);
    f.call = Some(CallFacts {
        event_name: "DeleteDetector".into(),
        actor: "arn:aws:iam::111122223333:user/mallory".into(),
        ..CallFacts::default()
    });
    let c = config(&[("VIGIL_GUARDDUTY_REQUIRED_PLANS", "S3_DATA_EVENTS")]);
    let cause = only(&f, &c);
    assert_eq!(cause.kind, CauseKind::DetectorMissing);
    assert!(cause.evidence.iter().any(|e| e.contains("user/mallory")));
    let Repair::CreateDetector { plans, .. } = &cause.repairs[0] else {
        panic!("{:?}", cause.repairs)
    };
    assert_eq!(plans.len(), Plan::ALL.len(), "every plan named");
    assert!(plans.contains(&(Plan::S3DataEvents, true)));
    assert!(plans.contains(&(Plan::RuntimeMonitoring, false)));
}

#[test]
fn disabled_detector_plans_and_frequency() {
    let mut f = healthy();
    let s = detector(&mut f).settings.as_mut().unwrap();
    s.enabled = false;
    s.frequency = Some("SIX_HOURS".into());
    let c = config(&[(
        "VIGIL_GUARDDUTY_REQUIRED_PLANS",
        "S3_DATA_EVENTS,RDS_LOGIN_EVENTS",
    )]);
    let d = diagnose(&f, &Settings { config: &c });
    let causes = &d[0].causes;
    let kinds: Vec<CauseKind> = causes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        vec![
            CauseKind::DetectorDisabled,
            CauseKind::PlansDisabled,
            CauseKind::FrequencyChanged
        ]
    );
    assert_eq!(
        causes[1].repairs,
        vec![Repair::EnablePlans {
            region: REGION.into(),
            detector_id: "d1".into(),
            plans: vec![Plan::S3DataEvents, Plan::RdsLoginEvents]
        }]
    );
    assert!(causes[0].steps[0].contains("update-detector --detector-id d1 --enable"));
}

#[test]
fn a_foundational_source_reported_off_is_alert_only() {
    let mut f = healthy();
    let s = detector(&mut f).settings.as_mut().unwrap();
    s.features.insert("FLOW_LOGS".into(), "DISABLED".into());
    let cause = only(&f, &config(&[]));
    assert_eq!(cause.kind, CauseKind::FoundationalSourceOff);
    assert!(cause.repairs.is_empty());
}

#[test]
fn a_missing_export_is_recreated_after_the_policies_are_merged() {
    let mut f = healthy();
    detector(&mut f).destinations = Ok(vec![]);
    f.buckets.get_mut(BUCKET).unwrap().policy = Some(Ok(None));
    let d = diagnose(
        &f,
        &Settings {
            config: &config(&[]),
        },
    );
    let kinds: Vec<CauseKind> = d[0].causes.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&CauseKind::ExportMissing), "{kinds:?}");
    assert!(kinds.contains(&CauseKind::ExportBucketPolicyLacksStatement));
    let lacks = d[0]
        .causes
        .iter()
        .find(|c| c.kind == CauseKind::ExportBucketPolicyLacksStatement)
        .unwrap();
    let Repair::AddBucketStatements { statements, .. } = &lacks.repairs[0] else {
        panic!()
    };
    assert_eq!(statements.len(), 2);
    let missing = d[0]
        .causes
        .iter()
        .find(|c| c.kind == CauseKind::ExportMissing)
        .unwrap();
    assert!(
        matches!(&missing.repairs[0], Repair::CreateExport { destination_arn, .. } if destination_arn == "arn:aws:s3:::findings")
    );

    // Without a configured export there is nothing to recreate it with: steps only.
    let bare =
        Config::from_lookup(vigil::config::lookup_in(&[("VIGIL_ACCOUNT_ID", ACCOUNT)])).unwrap();
    let mut f = healthy();
    detector(&mut f).destinations = Ok(vec![]);
    let cause = only(&f, &bare);
    assert!(cause.repairs.is_empty());
    assert!(cause.steps[0].contains("VIGIL_GUARDDUTY_EXPORT_BUCKET"));
}

#[test]
fn a_failing_export_is_explained_by_its_bucket_and_key() {
    let mut f = healthy();
    let dest = &mut detector(&mut f).destinations.as_mut().unwrap()[0];
    dest.status = "UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY".into();
    dest.failing_since = Some(Utc::now());
    f.buckets.get_mut(BUCKET).unwrap().policy = Some(Ok(Some(
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyAcl", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObjectAcl", "Resource": "arn:aws:s3:::findings/*"}
        ]}).to_string(),
    )));
    let k = f.keys.get_mut(KEY).unwrap();
    k.key.as_mut().unwrap().as_mut().unwrap().state = KeyState::PendingDeletion;
    k.policy = Some(Ok(
        json!({"Version": "2012-10-17", "Statement": []}).to_string()
    ));
    let d = diagnose(
        &f,
        &Settings {
            config: &config(&[]),
        },
    );
    let by_kind: BTreeMap<CauseKind, &Cause> = d[0].causes.iter().map(|c| (c.kind, c)).collect();
    assert!(by_kind[&CauseKind::ExportNotPublishing].lagging);
    assert_eq!(
        by_kind[&CauseKind::ExportBucketPolicyLacksStatement]
            .repairs
            .len(),
        1
    );
    assert!(
        by_kind[&CauseKind::ExportBucketPolicyDenies]
            .repairs
            .is_empty(),
        "never edits a statement"
    );
    assert_eq!(
        by_kind[&CauseKind::ExportKeyPendingDeletion].repairs,
        vec![
            Repair::CancelKeyDeletion {
                region: REGION.into(),
                key_arn: KEY.into()
            },
            Repair::EnableKey {
                region: REGION.into(),
                key_arn: KEY.into()
            }
        ]
    );
    assert!(
        matches!(&by_kind[&CauseKind::ExportKeyPolicyLacksGrant].repairs[0], Repair::AddKeyStatement { statement, .. } if statement["Action"] == "kms:GenerateDataKey")
    );
}

#[test]
fn an_export_moved_elsewhere_goes_back_to_the_configured_bucket() {
    let mut f = healthy();
    let dest = &mut detector(&mut f).destinations.as_mut().unwrap()[0];
    dest.destination_arn = Some("arn:aws:s3:::attacker-owned-bucket".into());
    f.buckets.insert(
        "attacker-owned-bucket".into(),
        BucketFacts {
            name: "attacker-owned-bucket".into(),
            location: Ok(BucketLocation::NotOwned),
            policy: None,
            tags: None,
        },
    );
    let cause = only(&f, &config(&[]));
    assert_eq!(cause.kind, CauseKind::ExportChanged);
    assert!(
        matches!(&cause.repairs[0], Repair::RestoreExport { destination_arn, .. } if destination_arn == "arn:aws:s3:::findings")
    );
}

#[test]
fn missing_and_foreign_buckets_and_keys_are_never_recreated() {
    let mut f = healthy();
    f.buckets.get_mut(BUCKET).unwrap().location = Ok(BucketLocation::Missing);
    f.keys.get_mut(KEY).unwrap().key = Ok(None);
    let d = diagnose(
        &f,
        &Settings {
            config: &config(&[]),
        },
    );
    let kinds: Vec<CauseKind> = d[0].causes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        vec![CauseKind::ExportBucketMissing, CauseKind::ExportKeyMissing]
    );
    assert!(d[0].causes.iter().all(|c| c.repairs.is_empty()));
}

#[test]
fn an_archive_rule_for_high_findings_is_named_with_who_made_it_and_never_repaired() {
    let mut f = healthy();
    detector(&mut f).filters = Ok(vec![
        Filter {
            name: "hide-high-findings".into(),
            action: "ARCHIVE".into(),
            rank: Some(1),
            description: None,
            criteria: [(
                "severity".to_owned(),
                Criterion {
                    greater_than_or_equal: Some(7),
                    ..Criterion::default()
                },
            )]
            .into(),
        },
        Filter {
            name: "saved-view".into(),
            action: "NOOP".into(),
            rank: Some(2),
            description: None,
            criteria: BTreeMap::new(),
        },
    ]);
    f.call = Some(CallFacts {
        event_name: "CreateFilter".into(),
        actor: "arn:aws:iam::111122223333:user/mallory from 203.0.113.50".into(),
        filter_name: Some("hide-high-findings".into()),
        region: Some(REGION.into()),
        ..CallFacts::default()
    });
    let cause = only(&f, &config(&[]));
    assert_eq!(cause.kind, CauseKind::SuppressionRule);
    assert_eq!(cause.severity, Severity::High);
    assert!(cause.repairs.is_empty());
    assert!(
        cause
            .evidence
            .iter()
            .any(|e| e.contains("made by: CreateFilter by arn:aws:iam::111122223333:user/mallory"))
    );
    assert!(cause.steps.iter().any(|s| s.contains(
        "aws guardduty delete-filter --detector-id d1 --filter-name hide-high-findings"
    )));
}

#[test]
fn relationships_and_trusted_lists_are_alert_only() {
    let mut f = healthy();
    detector(&mut f).administrator = Some(Ok(None));
    detector(&mut f).members = Ok(vec![Member {
        account_id: "210987654321".into(),
        relationship_status: "Disabled".into(),
    }]);
    f.call = Some(CallFacts {
        event_name: "CreateIPSet".into(),
        actor: "someone".into(),
        region: Some(REGION.into()),
        ip_set: Some(("office".into(), true)),
        ..CallFacts::default()
    });
    let c = config(&[("VIGIL_GUARDDUTY_ADMINISTRATOR_ACCOUNT", "999988887777")]);
    let d = diagnose(&f, &Settings { config: &c });
    let kinds: Vec<CauseKind> = d[0].causes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        vec![
            CauseKind::AdministratorDetached,
            CauseKind::MembersNotMonitored,
            CauseKind::TrustedIpSet
        ]
    );
    assert!(d[0].causes.iter().all(|c| c.repairs.is_empty()));
}

#[test]
fn unreadable_facts_are_causes_of_their_own() {
    let mut f = healthy();
    detector(&mut f).filters = Err(AwsCallError {
        operation: "guardduty:ListFilters",
        failure: AwsFailure::AccessDenied,
        code: Some("AccessDeniedException".into()),
        message: "no".into(),
    });
    let cause = only(&f, &config(&[]));
    assert_eq!(cause.kind, CauseKind::FactUnavailable);
    assert!(cause.steps[0].contains("guardduty:ListFilters"));
}
