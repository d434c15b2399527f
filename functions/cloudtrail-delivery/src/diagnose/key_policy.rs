//! The key-policy grant CloudTrail needs to encrypt a trail's logs with a KMS key, as AWS
//! documents it: `kms:GenerateDataKey*` for `cloudtrail.amazonaws.com`, with the encryption
//! context `aws:cloudtrail:arn` naming the account's trails and `aws:SourceArn` the trail
//! (plus `kms:DescribeKey`, which CloudTrail uses when the trail is created or updated).
//!
//! Vigil never edits key policies (a wrong key policy can lock everyone out of a key); it
//! says exactly what statement to add.

use serde_json::{Value, json};
use vigil::policy::PolicyDocument;

use super::access::ServiceRequest;
use super::bucket_policy::{CLOUDTRAIL, sid_suffix};
use super::grant::{self, Finding};
use crate::facts::TrailSettings;

/// The statements to add to the key policy for `trail`.
pub(crate) fn required_statements(trail: &TrailSettings) -> Vec<Value> {
    let p = trail.partition();
    let account = trail.account();
    let suffix = sid_suffix(&trail.name);
    vec![
        json!({
            "Sid": format!("AllowCloudTrailEncrypt{suffix}"),
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": trail.arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:{p}:cloudtrail:*:{account}:trail/*")}
            }
        }),
        json!({
            "Sid": format!("AllowCloudTrailDescribeKey{suffix}"),
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "kms:DescribeKey",
            "Resource": "*"
        }),
    ]
}

/// Whether the key policy lets CloudTrail generate data keys for `trail`.
pub(crate) fn check(document: &PolicyDocument, trail: &TrailSettings, key_arn: &str) -> Finding {
    let mut request = ServiceRequest::on_behalf_of(
        CLOUDTRAIL,
        "kms:GenerateDataKey",
        key_arn,
        &trail.arn,
        trail.account(),
    );
    request.present.push((
        "kms:EncryptionContext:aws:cloudtrail:arn",
        trail.arn.clone(),
    ));
    grant::check(document, &[request], key_arn, &trail.arn, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trail() -> TrailSettings {
        TrailSettings {
            kms_key_id: Some(KEY.into()),
            log_file_validation: false,
            ..TrailSettings::sample(
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
                "logs",
            )
        }
    }

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k";

    #[test]
    fn default_key_policy_lacks_the_grant_and_the_added_statement_fixes_it() {
        let default = json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"
        }]});
        let doc = PolicyDocument::from_value(&default).unwrap();
        assert!(matches!(
            check(&doc, &trail(), KEY),
            Finding::NotGranted { closest: None }
        ));

        let mut fixed = default.clone();
        for s in required_statements(&trail()) {
            fixed["Statement"].as_array_mut().unwrap().push(s);
        }
        let doc = PolicyDocument::from_value(&fixed).unwrap();
        assert_eq!(check(&doc, &trail(), KEY), Finding::Satisfied);
    }

    #[test]
    fn grant_for_another_account_trails_does_not_count() {
        let mut statements = required_statements(&trail());
        statements[0]["Condition"] = json!({"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:999999999999:trail/*"}});
        let doc = PolicyDocument::from_value(&json!({"Statement": statements})).unwrap();
        assert!(matches!(
            check(&doc, &trail(), KEY),
            Finding::NotGranted { closest: Some(_) }
        ));
    }
}
