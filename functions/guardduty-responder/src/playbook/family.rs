//! Which family a finding belongs to: exact types first (Custom Detection Rules, Malware
//! Protection for S3 and for Backup, attack sequences), then the type's
//! `ThreatPurpose:ResourceType/` prefix through [`TABLE`], then, where the prefix alone does not
//! decide, `resource.resourceType` and the resource's role. An unknown prefix is
//! [`Family::Other`]: alert only. `families.md` beside this file lists every documented prefix
//! with its family and actions; `documented-types.tsv` lists every documented type, and the
//! tests check each one.
//!
//! Three mistakes of the first classifier are fixed here: S3 findings from CloudTrail
//! management events (`Policy:S3/*`, `Stealth:S3/*`) carry resourceType `AccessKey` and were
//! taken for stolen credentials; `Object:S3/MaliciousFile` and the Backup malware types were
//! taken for bucket exposure; and Runtime Monitoring findings other than
//! Backdoor/Trojan/CryptoCurrency/Impact on an instance, and every runtime finding about a
//! container, fell through to "other".

use serde::Serialize;
use vigil::events::guardduty::{Finding, FindingType, ResourceRole};

/// The kind of finding, as far as the response goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Ec2Compromised,
    Ec2Attacked,
    IamCredentials,
    S3Exposure,
    RdsLogin,
    EcsTask,
    EksCluster,
    Container,
    LambdaFunction,
    S3Malware,
    AttackSequence,
    BackupMalware,
    CustomDetection,
    Other,
}

serde_plain::derive_display_from_serialize!(Family);

/// How a prefix's findings are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Always this family.
    Is(Family),
    /// EC2 findings: compromised (the instance does something hostile, or brute-forces as
    /// ACTOR) or attacked (brute force on it as TARGET, port probes, inbound connections from
    /// a malicious address); otherwise other.
    Ec2,
    /// Runtime Monitoring: by `resource.resourceType` (Instance, ECSCluster, EKSCluster,
    /// Container).
    Runtime,
    /// RDS Protection: login findings; probes without a login attempt are other.
    Rds,
}

/// One documented `ThreatPurpose:ResourceType/` prefix, how it is sorted, and what its family
/// does (for people; [`super::candidates`] is where it is done).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub prefix: &'static str,
    pub rule: Rule,
    pub actions: &'static str,
}

const EC2: &str = "compromised: isolate, snapshot, termination protection, tag; attacked: deny the remote addresses in the subnets' network ACLs; else alert";
const IAM: &str =
    "AKIA key: deactivate + deny-all user policy; ASIA/assumed role: revoke sessions; root: alert";
const S3: &str = "bucket effective permission PUBLIC: block public access; else alert";
const EKS: &str =
    "alert with kubectl commands; isolate the node instance when the finding is about the node";
const RUNTIME: &str = "by resource type: Instance as EC2 compromised, ECSCluster as ECS, EKSCluster as EKS, Container alert";
const LAMBDA: &str =
    "reserved concurrency 0 (recorded first), revoke the execution role's sessions";
const RDS: &str = "successful suspicious login: rotate the database's secrets; else alert";
const ECS: &str =
    "record task definition, image digests, interfaces; stop the task; tag its service";

/// Every documented prefix. Order does not matter: prefixes are distinct.
pub(crate) const TABLE: &[Row] = &[
    // EC2 (VPC flow logs, DNS logs; Malware Protection for EC2)
    Row {
        prefix: "Backdoor:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "Behavior:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "CryptoCurrency:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "DefenseEvasion:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "Execution:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "Impact:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "Recon:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "Trojan:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    Row {
        prefix: "UnauthorizedAccess:EC2/",
        rule: Rule::Ec2,
        actions: EC2,
    },
    // IAM (CloudTrail management events)
    Row {
        prefix: "CredentialAccess:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "DefenseEvasion:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "Discovery:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "Exfiltration:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "Impact:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "InitialAccess:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "PenTest:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "Persistence:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "Policy:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "PrivilegeEscalation:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "Recon:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "Stealth:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    Row {
        prefix: "UnauthorizedAccess:IAMUser/",
        rule: Rule::Is(Family::IamCredentials),
        actions: IAM,
    },
    // S3 Protection (data events: S3Bucket; management events: AccessKey + s3BucketDetails)
    Row {
        prefix: "Discovery:S3/",
        rule: Rule::Is(Family::S3Exposure),
        actions: S3,
    },
    Row {
        prefix: "Exfiltration:S3/",
        rule: Rule::Is(Family::S3Exposure),
        actions: S3,
    },
    Row {
        prefix: "Impact:S3/",
        rule: Rule::Is(Family::S3Exposure),
        actions: S3,
    },
    Row {
        prefix: "PenTest:S3/",
        rule: Rule::Is(Family::S3Exposure),
        actions: S3,
    },
    Row {
        prefix: "Policy:S3/",
        rule: Rule::Is(Family::S3Exposure),
        actions: S3,
    },
    Row {
        prefix: "Stealth:S3/",
        rule: Rule::Is(Family::S3Exposure),
        actions: S3,
    },
    Row {
        prefix: "UnauthorizedAccess:S3/",
        rule: Rule::Is(Family::S3Exposure),
        actions: S3,
    },
    // EKS Protection (audit logs) and Malware Protection on EKS
    Row {
        prefix: "CredentialAccess:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    Row {
        prefix: "DefenseEvasion:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    Row {
        prefix: "Discovery:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    Row {
        prefix: "Execution:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    Row {
        prefix: "Impact:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    Row {
        prefix: "Persistence:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    Row {
        prefix: "Policy:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    Row {
        prefix: "PrivilegeEscalation:Kubernetes/",
        rule: Rule::Is(Family::EksCluster),
        actions: EKS,
    },
    // Malware Protection for EC2 on ECS and standalone containers
    Row {
        prefix: "Execution:ECS/",
        rule: Rule::Is(Family::EcsTask),
        actions: ECS,
    },
    Row {
        prefix: "Execution:Container/",
        rule: Rule::Is(Family::Container),
        actions: "alert: pause or stop the container on its host",
    },
    // Runtime Monitoring (EC2, ECS incl. Fargate, EKS)
    Row {
        prefix: "Backdoor:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "CryptoCurrency:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "DefenseEvasion:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "Discovery:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "Execution:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "Impact:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "Persistence:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "PrivilegeEscalation:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "Trojan:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    Row {
        prefix: "UnauthorizedAccess:Runtime/",
        rule: Rule::Runtime,
        actions: RUNTIME,
    },
    // RDS Protection
    Row {
        prefix: "CredentialAccess:RDS/",
        rule: Rule::Rds,
        actions: RDS,
    },
    Row {
        prefix: "Discovery:RDS/",
        rule: Rule::Rds,
        actions: RDS,
    },
    // Lambda Protection
    Row {
        prefix: "Backdoor:Lambda/",
        rule: Rule::Is(Family::LambdaFunction),
        actions: LAMBDA,
    },
    Row {
        prefix: "CryptoCurrency:Lambda/",
        rule: Rule::Is(Family::LambdaFunction),
        actions: LAMBDA,
    },
    Row {
        prefix: "Trojan:Lambda/",
        rule: Rule::Is(Family::LambdaFunction),
        actions: LAMBDA,
    },
    Row {
        prefix: "UnauthorizedAccess:Lambda/",
        rule: Rule::Is(Family::LambdaFunction),
        actions: LAMBDA,
    },
];

/// Custom Detection Rules types (2026): rules the customer chose for activity they do not
/// expect; their prefixes overlap other plans', so they are matched whole. Alert only.
pub(crate) const CUSTOM_DETECTION: &[&str] = &[
    "CredentialAccess:EC2/UnsecuredCredentials",
    "CredentialAccess:RDS/ModifyAuthenticationProcess",
    "DefenseImpairment:EC2/DisableOrModifyTools",
    "DefenseImpairment:Organizations/ModifyCloudResourceHierarchy",
    "DefenseImpairment:Organizations/DisableOrModifyTools",
    "DefenseImpairment:RDS/ModifyAuthenticationProcess",
    "DefenseImpairment:Route53Resolver/DisableOrModifyTools",
    "DefenseImpairment:S3/DisableOrModifyTools",
    "Execution:SageMaker/CommandAndScriptingInterpreter",
    "Exfiltration:EC2/TransferDataToCloudAccount",
    "Exfiltration:RDS/TransferDataToCloudAccount",
    "Exfiltration:S3/TransferDataToCloudAccount",
    "Impact:S3/DataDestruction",
    "Impact:SES/ResourceHijacking",
    "InitialAccess:IAM/ValidAccounts",
    "InitialAccess:RDS/ExploitPublicFacingApplication",
    "LateralMovement:EC2/RemoteServices",
    "Persistence:EC2/BootOrLogonInitializationScripts",
    "Persistence:EC2/ExternalRemoteServices",
    "Persistence:IAM/AccountManipulation",
    "Persistence:Lambda/AccountManipulation",
    "Persistence:Lambda/ModifyAuthenticationProcess",
    "Persistence:RolesAnywhere/AccountManipulation",
    "PrivilegeEscalation:IAM/AccountManipulation",
    "ResourceDevelopment:SES/CompromiseAccounts",
];

/// Malware Protection for S3 (`S3Object:` is a spelling that appeared on AWS's page once).
const S3_MALWARE: [&str; 2] = ["Object:S3/MaliciousFile", "S3Object:S3/MaliciousFile"];

/// Artifacts of Malware Protection for Backup findings (`Execution:EC2/MaliciousFile!AMI`...).
const BACKUP_ARTIFACTS: [&str; 3] = ["AMI", "Snapshot", "RecoveryPoint"];

/// Threat purposes that mean an instance itself is running something hostile.
const COMPROMISED_PURPOSES: [&str; 5] = [
    "Backdoor",
    "Trojan",
    "CryptoCurrency",
    "Impact",
    "Execution",
];

/// What the finding's family does, in words (for the alert).
pub(crate) fn playbook_text(finding: &Finding, family: Family) -> &'static str {
    match family {
        Family::AttackSequence => {
            "each credential and resource the sequence names, through its own family's action and gate"
        }
        Family::S3Malware => {
            "that object version unreadable but to the quarantine readers; never deleted"
        }
        Family::BackupMalware => "alert only (Malware Protection for Backup)",
        Family::CustomDetection => "alert only (a Custom Detection Rule the account chose)",
        Family::Other => "alert only: no playbook for this type",
        _ => row(&finding.kind).map_or("alert only", |r| r.actions),
    }
}

/// The row of a type's prefix.
pub(crate) fn row(kind: &str) -> Option<&'static Row> {
    TABLE.iter().find(|r| kind.starts_with(r.prefix))
}

/// Which family a finding belongs to.
pub(crate) fn classify(finding: &Finding) -> Family {
    let kind = finding.kind.as_str();
    let t = finding.finding_type();
    if t.threat_purpose == "AttackSequence" {
        return Family::AttackSequence;
    }
    if CUSTOM_DETECTION.contains(&kind) {
        return Family::CustomDetection;
    }
    if S3_MALWARE.contains(&kind) {
        return Family::S3Malware;
    }
    if BACKUP_ARTIFACTS.contains(&t.artifact) {
        return Family::BackupMalware;
    }
    match row(kind).map(|r| r.rule) {
        None => Family::Other,
        Some(Rule::Is(family)) => family,
        Some(Rule::Ec2) => ec2(finding, &t),
        Some(Rule::Runtime) => runtime(finding),
        Some(Rule::Rds) => {
            let name = format!("{}.{}", t.threat_family, t.mechanism);
            if name.contains("Login") || name.contains("BruteForce") {
                Family::RdsLogin
            } else {
                Family::Other
            }
        }
    }
}

fn ec2(finding: &Finding, t: &FindingType<'_>) -> Family {
    let role = finding.service().resource_role.as_ref();
    if t.threat_family.ends_with("BruteForce") {
        return if role == Some(&ResourceRole::Actor) {
            Family::Ec2Compromised
        } else {
            Family::Ec2Attacked
        };
    }
    if COMPROMISED_PURPOSES.contains(&t.threat_purpose) {
        return Family::Ec2Compromised;
    }
    if t.threat_family.starts_with("PortProbe") {
        return Family::Ec2Attacked;
    }
    if finding.action_type() == Some("NETWORK_CONNECTION")
        && finding.connection_direction().as_deref() == Some("INBOUND")
        && role != Some(&ResourceRole::Actor)
    {
        return Family::Ec2Attacked;
    }
    Family::Other
}

/// Runtime findings, by what they are about. An instance that is an EKS node (the finding
/// names its cluster) is answered as EKS: node isolation under the same gate, and the kubectl
/// commands for the pods on it.
fn runtime(finding: &Finding) -> Family {
    let r = &finding.resource;
    match r.resource_type.as_deref() {
        Some("Instance") if r.eks_cluster_details.is_some() => Family::EksCluster,
        Some("Instance") => Family::Ec2Compromised,
        Some("ECSCluster") => Family::EcsTask,
        Some("EKSCluster") => Family::EksCluster,
        Some("Container") => Family::Container,
        _ => Family::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::tests::finding;
    use serde_json::json;

    #[test]
    fn families_follow_the_type_and_the_role() {
        for (case, family) in [
            ("ec2-compromised", Family::Ec2Compromised),
            ("ec2-bruteforce-actor", Family::Ec2Compromised),
            ("ec2-bruteforce-target", Family::Ec2Attacked),
            ("ec2-portprobe", Family::Ec2Attacked),
            ("iam-akia", Family::IamCredentials),
            ("iam-asia-assumed-role", Family::IamCredentials),
            ("iam-root", Family::IamCredentials),
            ("s3-public", Family::S3Exposure),
            ("rds-anomalous-login", Family::RdsLogin),
            ("sample-ec2-ssh-bruteforce", Family::Ec2Attacked),
        ] {
            assert_eq!(classify(&finding(case, &[])), family, "{case}");
        }
        let unknown = finding(
            "ec2-compromised",
            &[("/detail/type", json!("Recon:EC2/Portscan"))],
        );
        assert_eq!(classify(&unknown), Family::Other);
        let new_trojan = finding(
            "ec2-compromised",
            &[("/detail/type", json!("Trojan:EC2/SomethingNew.X!DNS"))],
        );
        assert_eq!(
            classify(&new_trojan),
            Family::Ec2Compromised,
            "prefix match"
        );
    }

    /// A finding of `kind` about a resource of `resource_type`, with nothing else that could
    /// sway the classification.
    fn bare(kind: &str, resource_type: &str) -> Finding {
        let mut resource = json!({"resourceType": resource_type});
        if resource_type.is_empty() {
            resource = json!({});
        }
        finding(
            "ec2-compromised",
            &[
                ("/detail/type", json!(kind)),
                ("/detail/resource", resource),
                ("/detail/service/action", json!({})),
                ("/detail/service/resourceRole", json!(null)),
            ],
        )
    }

    #[test]
    fn every_documented_type_gets_its_family() {
        let table = include_str!("documented-types.tsv");
        let mut checked = 0;
        for line in table
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cells: Vec<&str> = line.split('\t').collect();
            let [kind, resource_type, expected] = cells[..] else {
                panic!("bad line {line:?}")
            };
            let family = classify(&bare(kind, resource_type));
            assert_eq!(family.to_string(), expected, "{kind} on {resource_type:?}");
            checked += 1;
        }
        assert_eq!(
            checked, 350,
            "every documented type and runtime resource type"
        );
    }

    #[test]
    fn every_documented_prefix_is_in_the_table_once() {
        let table = include_str!("documented-types.tsv");
        for line in table
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let kind = line.split('\t').next().unwrap();
            let exact = CUSTOM_DETECTION.contains(&kind)
                || S3_MALWARE.contains(&kind)
                || kind.starts_with("AttackSequence:")
                || BACKUP_ARTIFACTS.contains(&FindingType::parse(kind).artifact);
            let rows = TABLE.iter().filter(|r| kind.starts_with(r.prefix)).count();
            assert!(exact || rows == 1, "{kind}: {rows} rows");
        }
        let families_md = include_str!("families.md");
        for r in TABLE {
            assert!(
                families_md.contains(&format!("`{}`", r.prefix)),
                "families.md lacks {}",
                r.prefix
            );
        }
    }

    #[test]
    fn the_three_misclassifications_are_fixed() {
        // S3 management events carry the caller's AccessKey: still about the bucket.
        for kind in [
            "Policy:S3/BucketAnonymousAccessGranted",
            "Policy:S3/BucketBlockPublicAccessDisabled",
            "Stealth:S3/ServerAccessLoggingDisabled",
        ] {
            assert_eq!(
                classify(&bare(kind, "AccessKey")),
                Family::S3Exposure,
                "{kind}"
            );
        }
        // Malware in an object is not an exposed bucket.
        assert_eq!(
            classify(&bare("Object:S3/MaliciousFile", "S3Object")),
            Family::S3Malware
        );
        assert_eq!(
            classify(&bare("Execution:S3/MaliciousFile!RecoveryPoint", "")),
            Family::BackupMalware
        );
        // Runtime findings on an instance, and about containers, reach a family.
        for kind in [
            "Execution:Runtime/ReverseShell",
            "PrivilegeEscalation:Runtime/RuncContainerEscape",
            "DefenseEvasion:Runtime/ProcessInjection.Proc",
            "Execution:EC2/MaliciousFile",
        ] {
            assert_eq!(
                classify(&bare(kind, "Instance")),
                Family::Ec2Compromised,
                "{kind}"
            );
        }
        assert_eq!(
            classify(&bare("Execution:Runtime/ReverseShell", "ECSCluster")),
            Family::EcsTask
        );
        assert_eq!(
            classify(&bare("Execution:Runtime/ReverseShell", "EKSCluster")),
            Family::EksCluster
        );
    }

    #[test]
    fn unknown_types_are_alert_only() {
        for kind in [
            "Exfiltration:Bedrock/Something",
            "nonsense",
            "Backdoor:Mainframe/X",
        ] {
            assert_eq!(classify(&bare(kind, "Instance")), Family::Other, "{kind}");
        }
    }
}
