//! Which family a finding belongs to, from its type's parts by prefix (not from a list of
//! types), its resource and the resource's role:
//! - EC2 compromised: `Backdoor`, `Trojan`, `CryptoCurrency` or `Impact` on `EC2`, or brute
//!   force where the instance is the ACTOR.
//! - EC2 attacked: brute force on the instance as TARGET, port probes, inbound connections from
//!   a malicious address.
//! - IAM credentials: an `AccessKey` resource.
//! - S3 exposure: a bucket.
//! - RDS login: `RDS` login findings.

use serde::Serialize;
use vigil::events::guardduty::{Finding, ResourceRole};

/// The kind of finding, as far as the response goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Ec2Compromised,
    Ec2Attacked,
    IamCredentials,
    S3Exposure,
    RdsLogin,
    Other,
}

serde_plain::derive_display_from_serialize!(Family);

/// Threat purposes that mean an instance itself is running something hostile.
const COMPROMISED_PURPOSES: [&str; 4] = ["Backdoor", "Trojan", "CryptoCurrency", "Impact"];

/// Which family a finding belongs to.
pub(crate) fn classify(finding: &Finding) -> Family {
    let t = finding.finding_type();
    let resource_type = finding.resource.resource_type.as_deref().unwrap_or("");
    if resource_type == "AccessKey" || t.resource_type.starts_with("IAMUser") {
        return Family::IamCredentials;
    }
    if resource_type == "S3Bucket" || t.resource_type.starts_with("S3") {
        return Family::S3Exposure;
    }
    if resource_type.starts_with("RDS") || t.resource_type.starts_with("RDS") {
        let name = format!("{}.{}", t.threat_family, t.mechanism);
        return if name.contains("Login") || name.contains("BruteForce") {
            Family::RdsLogin
        } else {
            Family::Other
        };
    }
    if resource_type == "Instance" || t.resource_type.starts_with("EC2") {
        let role = finding.service.resource_role.as_ref();
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
    }
    Family::Other
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
}
