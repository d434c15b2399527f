//! Facts the emulator leaves out are ERROR naming them, or the value AWS documents as their
//! default — never a PASS or a NOT_APPLICABLE on a guess.
//!
//! `make test` runs this file twice: on the patched emulator, and on stock moto
//! (`VIGIL_EMULATOR=stock`: moto as released, without tests/emulator/patches), where the
//! patches no longer hide moto's gaps. The sweep of the insecure account (every check has
//! something in scope there) must then give ERROR for exactly the (check, resource) pairs that
//! need a fact stock moto does not send ([`STOCK_GAPS`]), and otherwise what the patched
//! emulator gives. A check added later that needs such a fact adds its row to [`STOCK_GAPS`].

mod rig;

use std::collections::BTreeSet;

use compliance_sweep::checks::Status;
use compliance_sweep::handler::answer_request;
use serde_json::json;
use vigil_tests::harness::harness;

/// (check, short resource name as the rig names it, the fact stock moto leaves out, as the
/// ERROR's detail names it).
const STOCK_GAPS: &[(&str, &str, &str)] = &[
    ("IAM-04", "root", "<root_account> row"),
    (
        "KMS-02",
        "good-key",
        "RotationPeriodInDays or NextRotationDate",
    ),
    (
        "KMS-02",
        "slow-key",
        "RotationPeriodInDays or NextRotationDate",
    ),
    (
        "KMS-02",
        "multi-key",
        "RotationPeriodInDays or NextRotationDate",
    ),
    (
        "KMS-02",
        "locked-key",
        "RotationPeriodInDays or NextRotationDate",
    ),
    ("GD-03", "detector", "guardduty:ListPublishingDestinations"),
    ("GD-04", "detector", "guardduty:ListPublishingDestinations"),
    // Stock moto answers TestEventPattern with an empty body: no Result to trust.
    ("GD-06", "detector", "events:TestEventPattern"),
    // Stock moto answers GetBucketVersioning with a root element no SDK reads as the answer.
    ("S3-06", "data-bucket", "s3:GetBucketVersioning"),
    ("S3-06", "logs-bucket", "s3:GetBucketVersioning"),
    ("S3-06", "trail-bucket", "s3:GetBucketVersioning"),
    ("S3-06", "findings-bucket", "s3:GetBucketVersioning"),
    ("S3-06", "open-bucket", "s3:GetBucketVersioning"),
    ("S3-06", "blocked-bucket", "s3:GetBucketVersioning"),
    ("S3-06", "partner-bucket", "s3:GetBucketVersioning"),
    // Stock moto drops EngineLifecycleSupport and never sends CertificateDetails.
    ("RDS-16", "db", "EngineLifecycleSupport"),
    ("RDS-16", "tls11-db", "EngineLifecycleSupport"),
    ("RDS-16", "cluster", "EngineLifecycleSupport"),
    ("RDS-16", "rewind-cluster", "EngineLifecycleSupport"),
    ("RDS-16", "no-rewind-cluster", "EngineLifecycleSupport"),
    ("RDS-17", "db", "CertificateDetails.ValidTill"),
    ("RDS-17", "tls11-db", "CertificateDetails.ValidTill"),
    // Stock moto has no IAM Access Analyzer at all (ListAnalyzers answers an HTML 500).
    (
        "AA-01",
        "analyzers@us-east-1",
        "access-analyzer:ListAnalyzers",
    ),
    (
        "AA-02",
        "analyzers@us-east-1",
        "access-analyzer:ListAnalyzers",
    ),
];

#[tokio::test]
async fn facts_the_emulator_leaves_out_are_errors_or_documented_defaults() {
    let stock = harness().moto.is_stock();
    let account = rig::insecure().await;
    let dir = tempfile::tempdir().unwrap();
    let deps = account.deps(dir.path(), &[]);
    let findings = answer_request(&json!({"action": "sweep"}), None, &deps, &|_, _| {})
        .await
        .expect("sweep")
        .findings;
    let resource = |name: &str| match name {
        "root" => rig::root(&account.id),
        other => account.a(other).to_owned(),
    };

    let not_applicable: Vec<String> = findings
        .iter()
        .filter(|f| f.status == Status::NotApplicable)
        .map(|f| format!("{} {} {}", f.check, f.resource, f.detail))
        .collect();
    assert!(
        not_applicable.is_empty(),
        "every check has something in scope in the insecure account: {not_applicable:#?}"
    );

    let errors: BTreeSet<(String, String)> = findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .map(|f| (f.check.to_string(), f.resource.clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = if stock {
        STOCK_GAPS
            .iter()
            .map(|(check, name, _)| (check.to_string(), resource(name)))
            .collect()
    } else {
        BTreeSet::new()
    };
    assert_eq!(
        errors, expected,
        "stock moto: {stock}; ERROR exactly where a fact is left out ({STOCK_GAPS:?})"
    );
    if stock {
        for (check, name, fact) in STOCK_GAPS {
            let f = findings
                .iter()
                .find(|f| f.check == *check && f.resource == resource(name))
                .unwrap();
            assert!(
                f.detail.contains(fact),
                "{check} on {name} names what is missing ({fact}): {}",
                f.detail
            );
        }
    }

    // KeyUsage: stock moto leaves it out of DescribeKey when CreateKey did not name it. It used
    // to become "UNKNOWN" and drop every key out of KMS-01/02 as NOT_APPLICABLE; it is read as
    // AWS's default (ENCRYPT_DECRYPT) and the findings say so.
    let kms_01 = |name: &str| {
        findings
            .iter()
            .find(|f| f.check == "KMS-01" && f.resource == account.a(name))
            .unwrap_or_else(|| panic!("KMS-01 judged {name}"))
    };
    assert_eq!(kms_01("good-key").status, Status::Pass);
    assert_eq!(kms_01("norotate-key").status, Status::Fail);
    for name in ["good-key", "norotate-key"] {
        let assumed = kms_01(name).evidence.get("assumed");
        assert_eq!(
            assumed.is_some_and(|a| a.to_string().contains("KeyUsage ENCRYPT_DECRYPT")),
            stock,
            "{name}: {assumed:?}"
        );
    }
}
