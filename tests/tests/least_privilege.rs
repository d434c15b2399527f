//! Least privilege, proven: every function's integration tests run with the operation
//! recorder on (`vigil::record`): `make test` records its one run of the suite and points
//! this test at the recordings (`VIGIL_RECORDED_OPERATIONS`); without them this test runs the
//! executables itself. The AWS operations each function called are
//! compared with the actions its role grants in `template.yaml`. No action may be granted that
//! is never called (unless the list below says what else uses it), and none called that is
//! not granted. `Resource: "*"` is allowed only for the actions listed in [`STAR`], each with
//! the reason.
//!
//! The template is read with cfn-lint's YAML loader (`tests/least_privilege/template_roles.py`,
//! run with the project's virtualenv), which understands CloudFormation's short-form tags.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A directory already holding the recordings of a whole test run (`make test`).
const RECORDED: &str = "VIGIL_RECORDED_OPERATIONS";

/// Each function and its execution role in template.yaml.
const FUNCTIONS: [(&str, &str); 5] = [
    ("secret-rotation", "SecretRotationRole"),
    ("guardduty-responder", "GuardDutyResponderRole"),
    ("cloudtrail-delivery", "CloudTrailDeliveryRole"),
    ("compliance-sweep", "ComplianceSweepRole"),
    ("detector-guard", "DetectorGuardRole"),
];

/// Actions whose resource-level permissions do not exist (the Service Authorization Reference
/// lists no resource type for them), so `Resource: "*"` is the only way to grant them.
const STAR: &[(&str, &str)] = &[
    (
        "secretsmanager:ListSecrets",
        "lists the account's secrets; no resource type",
    ),
    (
        "ec2:DescribeInstances",
        "EC2 Describe* calls support no resource-level permissions",
    ),
    ("ec2:DescribeInstanceAttribute", "EC2 Describe* calls"),
    ("ec2:DescribeSecurityGroups", "EC2 Describe* calls"),
    ("ec2:DescribeSnapshots", "EC2 Describe* calls"),
    ("ec2:DescribeNetworkAcls", "EC2 Describe* calls"),
    (
        "ec2:DescribeNetworkInterfaces",
        "EC2 Describe* calls (Lambda's VPC interfaces)",
    ),
    ("cloudtrail:ListTrails", "lists the account's trails"),
    (
        "cloudtrail:DescribeTrails",
        "describes every trail of a Region, shadow trails included; no resource type",
    ),
    (
        "organizations:DescribeOrganization",
        "reads the organization the account is in",
    ),
    ("account:ListRegions", "lists the account's Regions"),
    ("iam:GenerateCredentialReport", "account-wide report"),
    ("iam:GetCredentialReport", "account-wide report"),
    ("iam:GetAccountSummary", "account-wide counts"),
    ("iam:GetAccountPasswordPolicy", "account-wide setting"),
    (
        "iam:GetAccountAuthorizationDetails",
        "account-wide snapshot of users, roles, groups and policies",
    ),
    (
        "iam:ListVirtualMFADevices",
        "lists the account's virtual MFA devices",
    ),
    ("kms:ListKeys", "lists the Region's keys"),
    ("guardduty:ListDetectors", "lists the Region's detectors"),
    (
        "guardduty:CreateDetector",
        "creates the Region's detector; no detector ARN exists before it",
    ),
    ("events:ListRules", "lists the event bus's rules"),
    (
        "events:TestEventPattern",
        "matches a pattern against an event; touches no resource",
    ),
    ("lambda:ListFunctions", "lists the Region's functions"),
    (
        "ssm:DescribeParameters",
        "lists the Region's parameters; no resource type",
    ),
    ("s3:ListAllMyBuckets", "lists the account's buckets"),
    (
        "s3:GetAccountPublicAccessBlock",
        "the account-level setting has no bucket",
    ),
    (
        "iam:ListServerCertificates",
        "lists the account's server certificates; no resource type",
    ),
    (
        "access-analyzer:ListAnalyzers",
        "lists the Region's analyzers; no resource type",
    ),
];

/// Granted actions that no SDK call of the function makes, with what uses them. The
/// `needs` operations (any of them) must have been called for the grant to be justified.
struct Implied {
    action: &'static str,
    why: &'static str,
    /// The functions whose role may hold it (empty: any).
    functions: &'static [&'static str],
    needs: &'static [&'static str],
}

const IMPLIED: &[Implied] = &[
    Implied {
        action: "logs:CreateLogStream",
        why: "the Lambda service writes the function's logs with its role",
        functions: &[],
        needs: &[],
    },
    Implied {
        action: "logs:PutLogEvents",
        why: "the Lambda service writes the function's logs with its role",
        functions: &[],
        needs: &[],
    },
    Implied {
        action: "sqs:SendMessage",
        why: "Lambda sends a failed asynchronous invocation to the dead-letter queue with the role",
        functions: &[
            "guardduty-responder",
            "cloudtrail-delivery",
            "detector-guard",
        ],
        needs: &[],
    },
    Implied {
        action: "ec2:CreateNetworkInterface",
        why: "Lambda makes the function's VPC interfaces with its role (RotationInVpc only)",
        functions: &["secret-rotation"],
        needs: &[],
    },
    Implied {
        action: "ec2:DeleteNetworkInterface",
        why: "Lambda's VPC interfaces (RotationInVpc only)",
        functions: &["secret-rotation"],
        needs: &[],
    },
    Implied {
        action: "ec2:AssignPrivateIpAddresses",
        why: "Lambda's VPC interfaces (RotationInVpc only)",
        functions: &["secret-rotation"],
        needs: &[],
    },
    Implied {
        action: "ec2:UnassignPrivateIpAddresses",
        why: "Lambda's VPC interfaces (RotationInVpc only)",
        functions: &["secret-rotation"],
        needs: &[],
    },
    Implied {
        action: "ec2:DescribeNetworkInterfaces",
        why: "Lambda's VPC interfaces (RotationInVpc only)",
        functions: &["secret-rotation"],
        needs: &[],
    },
    Implied {
        action: "kms:Decrypt",
        why: "Secrets Manager, SNS and S3 use the stack key on the caller's behalf (kms:ViaService)",
        functions: &[],
        needs: &[
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "sns:Publish",
            "s3:GetObject",
            "s3:PutObject",
        ],
    },
    Implied {
        action: "kms:GenerateDataKey",
        why: "Secrets Manager, SNS and S3 encrypt with the stack key on the caller's behalf (kms:ViaService)",
        functions: &[],
        needs: &[
            "secretsmanager:PutSecretValue",
            "sns:Publish",
            "s3:PutObject",
        ],
    },
    Implied {
        action: "s3:ListBucket",
        why: "S3 answers GetObject of a missing key (the first run's latest.json) with AccessDenied unless the caller may list the bucket",
        functions: &["compliance-sweep"],
        needs: &["s3:GetObject"],
    },
    Implied {
        action: "s3:GetObjectVersionTagging",
        why: "S3 authorizes GetObjectTagging of a named object version as s3:GetObjectVersionTagging",
        functions: &["guardduty-responder"],
        needs: &["s3:GetObjectTagging"],
    },
    Implied {
        action: "s3:PutObjectVersionTagging",
        why: "S3 authorizes PutObjectTagging of a named object version as s3:PutObjectVersionTagging",
        functions: &["guardduty-responder"],
        needs: &["s3:PutObjectTagging"],
    },
    Implied {
        action: "lambda:InvokeFunction",
        why: "RotateSecret runs the rotation function as the caller, who needs lambda:InvokeFunction on it",
        functions: &["guardduty-responder"],
        needs: &["secretsmanager:RotateSecret"],
    },
];

/// Granted actions the emulator cannot serve, so the tests replace them with a seam
/// (`compliance_sweep::collect::Seams`); never called in the tests.
/// (The sweep's seeded accounts now hold real Lambda functions and GuardDuty exports: none.)
const SEAMED: &[(&str, &str, &str)] = &[];

/// The IAM action an SDK operation needs, before [`normalise`]. The SDK names services as
/// "Secrets Manager", "CloudWatch Logs", "S3 Control"; IAM prefixes are one lower-case word.
fn iam_action(service: &str, operation: &str) -> String {
    let service: String = service
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    match (service.as_str(), operation) {
        ("cloudwatchlogs", _) => format!("logs:{operation}"),
        // The SDK names the service EventBridge; IAM's prefix is still `events`.
        ("eventbridge", _) => format!("events:{operation}"),
        // The SDK names the service AccessAnalyzer; IAM's prefix is `access-analyzer`.
        ("accessanalyzer", _) => format!("access-analyzer:{operation}"),
        // S3 Control's public access block is the account's, not a bucket's.
        (
            "s3control",
            "GetPublicAccessBlock" | "PutPublicAccessBlock" | "DeletePublicAccessBlock",
        ) => {
            format!(
                "s3:{}",
                operation.replacen("PublicAccessBlock", "AccountPublicAccessBlock", 1)
            )
        }
        ("s3control", _) => format!("s3:{operation}"),
        (prefix, _) => format!("{prefix}:{operation}"),
    }
}

/// S3 spells some operations differently from their IAM actions; `None` for operations that
/// need no permission (`sts:GetCallerIdentity`).
fn normalise(action: String) -> Option<String> {
    let renamed = match action.as_str() {
        "sts:GetCallerIdentity" => return None,
        "s3:ListObjectsV2" | "s3:HeadBucket" => "s3:ListBucket",
        "s3:HeadObject" => "s3:GetObject",
        "s3:ListBuckets" => "s3:ListAllMyBuckets",
        "s3:GetPublicAccessBlock" => "s3:GetBucketPublicAccessBlock",
        "s3:PutPublicAccessBlock" => "s3:PutBucketPublicAccessBlock",
        "s3:GetBucketEncryption" => "s3:GetEncryptionConfiguration",
        "s3:GetBucketLifecycleConfiguration" => "s3:GetLifecycleConfiguration",
        "s3:GetObjectLockConfiguration" => "s3:GetBucketObjectLockConfiguration",
        _ => return Some(action),
    };
    Some(renamed.to_owned())
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The integration-test executables of the function crates: one per
/// `tests/*.rs` of each package, found beside this test's own executable (built by a
/// `cargo test --workspace` run, as `make test` does; of several builds of one test, the
/// newest). A nested `cargo test --no-run` would see the
/// environment cargo gives a test and rebuild much of the workspace. A benchmark can share a
/// test's name (`sweep`, `rotation`): an executable counts only if its dep-info file (`.d`
/// beside it) names the test's own source file.
fn test_executables(root: &Path) -> Vec<(String, PathBuf, PathBuf)> {
    let current = std::env::current_exe().unwrap();
    let deps = current.parent().unwrap();
    let built: Vec<(String, std::time::SystemTime, PathBuf)> = std::fs::read_dir(deps)
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            let (stem, hash) = name.rsplit_once('-')?;
            let is_exe = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit());
            let meta = e.metadata().ok()?;
            let runnable = is_exe && meta.is_file() && meta.permissions().mode() & 0o111 != 0;
            runnable.then_some((stem.to_owned(), meta.modified().ok()?, e.path()))
        })
        .collect();
    let mut found = Vec::new();
    for (function, _) in FUNCTIONS {
        let dir = root.join("functions").join(function);
        for entry in std::fs::read_dir(dir.join("tests")).unwrap() {
            let source = entry.unwrap().path();
            if source.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let name = source.file_stem().unwrap().to_string_lossy().into_owned();
            let built_from_source = |exe: &Path| {
                std::fs::read_to_string(exe.with_extension("d"))
                    .is_ok_and(|d| d.contains(&*source.to_string_lossy()))
            };
            let newest = built
                .iter()
                .filter(|(stem, _, exe)| *stem == name && built_from_source(exe))
                .max_by_key(|(_, modified, _)| *modified)
                .unwrap_or_else(|| panic!("no built test executable {name} in {} (run `cargo test --workspace`, as `make test` does)", deps.display()));
            found.push((name, newest.2.clone(), dir.clone()));
        }
    }
    found
}

/// Runs every test executable with recording on, into `dir`.
fn record_operations(root: &Path, dir: &Path) {
    for (name, executable, cwd) in test_executables(root) {
        eprintln!("recording: {name}");
        let output = Command::new(&executable)
            .env(vigil::record::ENV, dir)
            .current_dir(cwd)
            .output()
            .expect("run a test executable");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let tail: Vec<&str> = stdout.lines().rev().take(60).collect();
        assert!(
            output.status.success(),
            "{name} failed with recording on:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
}

/// The actions each function called, from the `<function>.ops` files in `dir`.
fn recorded_actions(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut called: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let function = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let actions = called.entry(function).or_default();
        for line in text.lines() {
            let (service, operation) = line.split_once(':').expect("Service:Operation");
            if let Some(action) = normalise(iam_action(service, operation)) {
                actions.insert(action);
            }
        }
    }
    called
}

struct Statement {
    sid: String,
    actions: Vec<String>,
    resources: Vec<String>,
}

fn template_roles(root: &Path) -> BTreeMap<String, Vec<Statement>> {
    let python = vigil_tests::harness::venv_python();
    let output = Command::new(&python)
        .arg(root.join("tests/least_privilege/template_roles.py"))
        .arg(root.join("template.yaml"))
        .output()
        .unwrap_or_else(|e| panic!("{} (make venv creates it): {e}", python.display()));
    assert!(
        output.status.success(),
        "reading template.yaml:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let roles: BTreeMap<String, Vec<Value>> = serde_json::from_slice(&output.stdout).unwrap();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    roles
        .into_iter()
        .map(|(role, statements)| {
            let statements = statements
                .iter()
                .map(|s| {
                    assert_eq!(
                        s["effect"], "Allow",
                        "{role}: only Allow statements are expected"
                    );
                    assert!(
                        s["not_actions"].as_array().unwrap().is_empty(),
                        "{role}: NotAction grants everything else"
                    );
                    Statement {
                        sid: s["sid"].as_str().unwrap().to_owned(),
                        actions: strings(&s["actions"]),
                        resources: strings(&s["resources"]),
                    }
                })
                .collect();
            (role, statements)
        })
        .collect()
}

#[test]
fn each_role_grants_exactly_what_its_function_calls() {
    let root = workspace();
    let roles = template_roles(&root);
    // `make test` records during its one run of the whole suite and names the directory here,
    // so the integration tests do not run twice; on its own, this test runs them itself.
    let called = match std::env::var_os(RECORDED) {
        Some(dir) => recorded_actions(Path::new(&dir)),
        None => {
            let dir = tempfile::tempdir().unwrap();
            record_operations(&root, dir.path());
            recorded_actions(dir.path())
        }
    };
    let star: BTreeMap<&str, &str> = STAR.iter().copied().collect();

    let mut problems = Vec::new();
    let mut report = Vec::new();
    for (function, role) in FUNCTIONS {
        let statements = roles
            .get(role)
            .unwrap_or_else(|| panic!("template.yaml has no role {role}"));
        let calls = called.get(function).cloned().unwrap_or_default();
        if calls.is_empty() {
            problems.push(format!(
                "{function}: no AWS operation recorded; its clients must be built with vigil::client!"
            ));
        }
        let mut granted = BTreeSet::new();
        for s in statements {
            for action in &s.actions {
                if action.contains('*') {
                    problems.push(format!("{role} {}: wildcard action {action}", s.sid));
                }
                if s.resources.iter().any(|r| r == "*") && !star.contains_key(action.as_str()) {
                    problems.push(format!(
                        "{role} {}: {action} on Resource \"*\", but the action supports resource-level permissions (or add it to STAR with the reason)",
                        s.sid
                    ));
                }
                granted.insert(action.clone());
            }
        }
        for action in calls.difference(&granted) {
            problems.push(format!(
                "{function} calls {action}, which {role} does not grant"
            ));
        }
        for action in granted.difference(&calls) {
            if let Some((_, _, why)) = SEAMED
                .iter()
                .find(|(f, a, _)| *f == function && a == action)
            {
                report.push(format!("{function}: {action} - seam in tests: {why}"));
                continue;
            }
            let implied = IMPLIED.iter().find(|i| {
                i.action == action && (i.functions.is_empty() || i.functions.contains(&function))
            });
            match implied {
                Some(i) if i.needs.is_empty() || i.needs.iter().any(|n| calls.contains(*n)) => {
                    report.push(format!("{function}: {action} - {}", i.why));
                }
                _ => problems.push(format!(
                    "{role} grants {action}, which {function} never calls in its tests"
                )),
            }
        }
        report.push(format!(
            "{function}: {} actions called, {} granted",
            calls.len(),
            granted.len()
        ));
    }
    eprintln!("{}", report.join("\n"));
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn operation_names_map_to_iam_actions() {
    for (service, operation, action) in [
        ("SNS", "Publish", Some("sns:Publish")),
        (
            "CloudWatch Logs",
            "DescribeLogGroups",
            Some("logs:DescribeLogGroups"),
        ),
        (
            "S3 Control",
            "GetPublicAccessBlock",
            Some("s3:GetAccountPublicAccessBlock"),
        ),
        (
            "S3 Control",
            "PutPublicAccessBlock",
            Some("s3:PutAccountPublicAccessBlock"),
        ),
        (
            "S3",
            "GetPublicAccessBlock",
            Some("s3:GetBucketPublicAccessBlock"),
        ),
        (
            "Secrets Manager",
            "RotateSecret",
            Some("secretsmanager:RotateSecret"),
        ),
        (
            "AccessAnalyzer",
            "ListFindingsV2",
            Some("access-analyzer:ListFindingsV2"),
        ),
        ("STS", "GetCallerIdentity", None),
    ] {
        assert_eq!(
            normalise(iam_action(service, operation)).as_deref(),
            action,
            "{service}:{operation}"
        );
    }
}
