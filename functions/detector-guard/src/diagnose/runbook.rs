//! What a person reads about each cause: its one-line summary and the exact steps that fix it,
//! one function per cause kind. Text only: which cause applies, its severity, evidence and
//! repairs are decided in the other `diagnose` modules, which take the text from here.

use serde_json::Value;
use vigil::aws::{AwsCallError, AwsFailure};
use vigil::runbook::pretty;

use crate::config::{ExportTarget, Frequency, Plan};
use crate::facts::KeyState;

/// A cause's summary and the steps for a person, in order (put together as every function
/// does).
pub(super) use vigil::runbook::Text;

fn lookup(event: &str, region: &str) -> String {
    format!(
        "find who did it: aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue={event} --region {region}"
    )
}

fn features_arg(plans: &[(Plan, bool)]) -> String {
    plans
        .iter()
        .map(|(p, on)| {
            format!(
                "Name={p},Status={}",
                if *on { "ENABLED" } else { "DISABLED" }
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn fact_unavailable(what: &str, error: &AwsCallError) -> Text {
    let text = Text::new(format!(
        "{what} could not be read ({}): Vigil cannot tell whether it blinds GuardDuty",
        error.failure
    ));
    if error.failure == AwsFailure::AccessDenied {
        text.step(format!(
            "give the detector-guard role {} (template.yaml, DetectorGuardRole)",
            error.operation
        ))
    } else {
        text.step("the next scheduled check reads it again; if this repeats, look at the error")
    }
}

pub(super) fn detector_missing(region: &str, required: &[Plan]) -> Text {
    let plans: Vec<(Plan, bool)> = Plan::ALL
        .iter()
        .map(|p| (*p, required.contains(p)))
        .collect();
    Text::new(format!(
        "GuardDuty has no detector in {region}: no threat is detected there"
    ))
    .step(format!(
        "aws guardduty create-detector --enable --finding-publishing-frequency FIFTEEN_MINUTES --features {} --region {region} (name every plan: GuardDuty turns on any plan left out)",
        features_arg(&plans)
    ))
    .step(lookup("DeleteDetector", region))
}

pub(super) fn detector_disabled(region: &str, id: &str) -> Text {
    Text::new(format!(
        "the GuardDuty detector in {region} is suspended: no threat is detected there"
    ))
    .step(format!(
        "aws guardduty update-detector --detector-id {id} --enable --region {region}"
    ))
    .step(lookup("UpdateDetector", region))
}

pub(super) fn plans_disabled(region: &str, id: &str, off: &[Plan]) -> Text {
    let names: Vec<String> = off.iter().map(Plan::to_string).collect();
    Text::new(format!(
        "required protection plan(s) off in {region}: {}",
        names.join(", ")
    ))
    .step(format!(
        "aws guardduty update-detector --detector-id {id} --features {} --region {region}",
        features_arg(&off.iter().map(|p| (*p, true)).collect::<Vec<_>>())
    ))
    .step(lookup("UpdateDetector", region))
}

pub(super) fn foundational_source_off(region: &str, id: &str) -> Text {
    Text::new(format!(
        "GuardDuty reports a foundational source (CloudTrail, VPC Flow Logs or DNS logs) not analysed in {region}, though the detector is on"
    ))
    .step(format!(
        "aws guardduty get-detector --detector-id {id} --region {region} --query Features (no API call turns these sources off; they come back with the detector)"
    ))
    .step("if it persists, open an AWS Support case: Vigil cannot repair it")
}

pub(super) fn frequency_changed(region: &str, id: &str, current: &str, wanted: Frequency) -> Text {
    Text::new(format!(
        "the detector in {region} publishes finding updates every {current}, not every {wanted}: repeated activity is reported later"
    ))
    .step(format!(
        "aws guardduty update-detector --detector-id {id} --finding-publishing-frequency {wanted} --region {region}"
    ))
}

pub(super) fn export_missing(region: &str, id: &str, configured: Option<&ExportTarget>) -> Text {
    let text = Text::new(format!(
        "GuardDuty findings in {region} are not exported: they are kept 90 days and then lost"
    ));
    match configured {
        Some(t) => text.step(format!(
            "aws guardduty create-publishing-destination --detector-id {id} --destination-type S3 --destination-properties DestinationArn=arn:aws:s3:::{}{},KmsKeyArn={} --region {region}",
            t.bucket,
            t.prefix.as_deref().map(|p| format!("/{p}/")).unwrap_or_default(),
            t.key_arn
        )),
        None => text.step(format!(
            "choose a bucket and KMS key in {region}, add the documented statements to their policies, then aws guardduty create-publishing-destination --detector-id {id} --destination-type S3 --destination-properties DestinationArn=arn:aws:s3:::BUCKET,KmsKeyArn=KEY-ARN --region {region}; or set VIGIL_GUARDDUTY_EXPORT_BUCKET and VIGIL_GUARDDUTY_EXPORT_KEY_ARN and Vigil recreates it"
        )),
    }
    .step(lookup("DeletePublishingDestination", region))
}

pub(super) fn export_not_publishing(region: &str, detector: &str, dest: &str) -> Text {
    Text::new(format!(
        "GuardDuty cannot export findings in {region} (destination {dest}); if it is not fixed, GuardDuty turns the export off"
    ))
    .step("fix the bucket or key problem reported with it; GuardDuty retries by itself")
    .step(format!(
        "aws guardduty describe-publishing-destination --detector-id {detector} --destination-id {dest} --region {region} (Status PUBLISHING again means fixed)"
    ))
}

pub(super) fn export_changed(
    region: &str,
    detector: &str,
    dest: &str,
    configured: Option<&ExportTarget>,
) -> Text {
    let text = Text::new(format!(
        "GuardDuty findings in {region} are exported somewhere other than the configured bucket: they may be read by someone else, or lost"
    ));
    match configured {
        Some(t) => text.step(format!(
            "aws guardduty update-publishing-destination --detector-id {detector} --destination-id {dest} --destination-properties DestinationArn=arn:aws:s3:::{}{},KmsKeyArn={} --region {region}",
            t.bucket,
            t.prefix.as_deref().map(|p| format!("/{p}/")).unwrap_or_default(),
            t.key_arn
        )),
        None => text.step(format!(
            "aws guardduty describe-publishing-destination --detector-id {detector} --destination-id {dest} --region {region}: point it back at a bucket of this account"
        )),
    }
    .step(lookup("UpdatePublishingDestination", region))
}

pub(super) fn export_without_key(region: &str, detector: &str, dest: &str) -> Text {
    Text::new(format!(
        "the findings export in {region} names no KMS key: GuardDuty requires one to export"
    ))
    .step(format!(
        "aws guardduty update-publishing-destination --detector-id {detector} --destination-id {dest} --destination-properties DestinationArn=DESTINATION-ARN,KmsKeyArn=KEY-ARN --region {region}"
    ))
}

pub(super) fn bucket_missing(name: &str, region: &str) -> Text {
    Text::new(format!(
        "the findings export bucket {name} does not exist: findings cannot be exported"
    ))
    .step(format!(
        "Vigil never recreates a deleted bucket name ({name}): another account may own it by now"
    ))
    .step(format!(
        "create a bucket under a name you control in {region}, give it the documented GuardDuty statements, and point the export at it (aws guardduty update-publishing-destination ...)"
    ))
}

pub(super) fn bucket_not_owned(name: &str, region: &str, statements: &[Value]) -> Text {
    Text::new(format!(
        "bucket {name} belongs to another account (or this role cannot see it): findings go to, or fail at, someone else's bucket"
    ))
    .step(format!(
        "if {name} should be yours, it was deleted and its name taken: point the export at a bucket of this account in {region}"
    ))
    .step(format!(
        "otherwise, in the account that owns it, its policy must hold: {}",
        pretty(&Value::Array(statements.to_vec()))
    ))
}

pub(super) fn bucket_wrong_region(name: &str, bucket_region: &str, region: &str) -> Text {
    Text::new(format!(
        "export bucket {name} is in {bucket_region}, the detector in {region}: GuardDuty exports only to a bucket of its own Region"
    ))
    .step(format!(
        "point the export at a bucket in {region} (aws guardduty update-publishing-destination ... --region {region})"
    ))
}

pub(super) fn bucket_policy_unreadable(name: &str) -> Text {
    Text::new(format!(
        "the policy of bucket {name} is not a valid policy document; Vigil does not merge into it"
    ))
    .step(format!(
        "aws s3api get-bucket-policy --bucket {name} --query Policy --output text, fix the document, then aws s3api put-bucket-policy --bucket {name} --policy file://policy.json"
    ))
}

pub(super) fn bucket_policy_lacks(name: &str, purposes: &[String], missing: &[Value]) -> Text {
    Text::new(format!(
        "the policy of bucket {name} does not let GuardDuty {}",
        purposes.join(" or ")
    ))
    .step(format!(
        "add these statements to the policy of bucket {name}, keeping every statement there: {}",
        pretty(&Value::Array(missing.to_vec()))
    ))
    .step(format!(
        "aws s3api put-bucket-policy --bucket {name} --policy file://policy.json"
    ))
}

pub(super) fn bucket_policy_denies(name: &str, statement: &str, action: &str) -> Text {
    Text::new(format!(
        "statement {statement} in bucket {name}'s policy denies GuardDuty {action}"
    ))
    .step(format!(
        "Vigil never changes existing statements: edit statement {statement} so it does not apply to GuardDuty's export (the key GuardDuty encrypts with, or the guardduty.amazonaws.com principal)"
    ))
    .step(format!(
        "aws s3api put-bucket-policy --bucket {name} --policy file://policy.json"
    ))
}

pub(super) fn bucket_policy_uncertain(name: &str, statement: &str, action: &str) -> Text {
    Text::new(format!(
        "statement {statement} in bucket {name}'s policy may deny GuardDuty {action}, depending on a condition Vigil cannot evaluate"
    ))
    .step(format!(
        "aws s3api get-bucket-policy --bucket {name}: check that statement {statement} cannot apply to guardduty.amazonaws.com writing findings"
    ))
}

pub(super) fn key_missing(key: &str) -> Text {
    Text::new(format!(
        "the export's KMS key {key} does not exist: findings cannot be encrypted, so they are not exported"
    ))
    .step("create a symmetric key in the detector's Region with the AllowGuardDutyKey statement, and point the export at it (aws guardduty update-publishing-destination ... KmsKeyArn=NEW-KEY-ARN)")
}

pub(super) fn key_disabled(arn: &str, region: &str) -> Text {
    Text::new(format!(
        "the export's KMS key {arn} is disabled: findings are not exported"
    ))
    .step(format!(
        "aws kms enable-key --key-id {arn} --region {region}"
    ))
    .step(lookup("DisableKey", region))
}

pub(super) fn key_pending_deletion(arn: &str, region: &str) -> Text {
    Text::new(format!(
        "the export's KMS key {arn} is scheduled for deletion: findings are not exported, and exported ones become unreadable when it is deleted"
    ))
    .step(format!(
        "aws kms cancel-key-deletion --key-id {arn} --region {region}, then aws kms enable-key --key-id {arn} --region {region}"
    ))
    .step(lookup("ScheduleKeyDeletion", region))
}

pub(super) fn key_unusable(arn: &str, state: KeyState) -> Text {
    Text::new(format!(
        "the export's KMS key {arn} is in state {state}: GuardDuty cannot encrypt with it"
    ))
    .step(format!(
        "aws kms describe-key --key-id {arn}: see why, and fix or replace the key"
    ))
}

pub(super) fn key_wrong_region(arn: &str, key_region: &str, region: &str) -> Text {
    Text::new(format!(
        "the export's KMS key {arn} is in {key_region}, the detector in {region}: GuardDuty needs a key of its own Region"
    ))
    .step(format!("point the export at a key in {region}"))
}

pub(super) fn key_policy_lacks(arn: &str, region: &str, statement: &Value) -> Text {
    Text::new(format!(
        "the policy of KMS key {arn} does not let GuardDuty encrypt exported findings"
    ))
    .step(format!(
        "add this statement to the key policy, keeping every statement there: {}",
        pretty(statement)
    ))
    .step(format!(
        "aws kms put-key-policy --key-id {arn} --policy-name default --policy file://policy.json --region {region}"
    ))
}

pub(super) fn suppression_rule(
    region: &str,
    detector: &str,
    name: &str,
    high: bool,
    creator: Option<&str>,
) -> Text {
    let what = if high {
        "archives findings of high severity"
    } else {
        "archives a whole class of findings"
    };
    let text = Text::new(format!(
        "suppression rule {name} in {region} {what}: they never reach EventBridge, the responder, the export or Security Hub"
    ))
    .step(format!(
        "see it: aws guardduty get-filter --detector-id {detector} --filter-name {name} --region {region}"
    ))
    .step(format!(
        "if it was not agreed, stop it archiving (keeps it as a saved filter): aws guardduty update-filter --detector-id {detector} --filter-name {name} --action NOOP --region {region}"
    ))
    .step(format!(
        "or remove it: aws guardduty delete-filter --detector-id {detector} --filter-name {name} --region {region} (Vigil never deletes a suppression rule)"
    ));
    match creator {
        Some(_) => text,
        None => text.step(lookup("CreateFilter", region)),
    }
}

pub(super) fn administrator_detached(region: &str, detector: &str, expected: &str) -> Text {
    Text::new(format!(
        "this account's GuardDuty in {region} is no longer a member of administrator {expected}: the security team no longer sees its findings"
    ))
    .step(format!(
        "from administrator {expected}: aws guardduty create-members --detector-id ADMIN-DETECTOR --account-details AccountId=THIS-ACCOUNT,Email=EMAIL --region {region} (with AWS Organizations: the administrator re-adds the account)"
    ))
    .step(format!(
        "here: aws guardduty accept-administrator-invitation --detector-id {detector} --administrator-id {expected} --invitation-id INVITATION --region {region}"
    ))
    .step(lookup("DisassociateFromAdministratorAccount", region))
}

pub(super) fn members_not_monitored(region: &str, detector: &str, ids: Vec<&str>) -> Text {
    Text::new(format!(
        "member account(s) {} are not monitored by this administrator in {region}",
        ids.join(", ")
    ))
    .step(format!(
        "aws guardduty start-monitoring-members --detector-id {detector} --account-ids {} --region {region}",
        ids.join(" ")
    ))
    .step(lookup("StopMonitoringMembers", region))
}

pub(super) fn members_removed(region: &str, ids: &[String], event: &str) -> Text {
    Text::new(format!(
        "member account(s) {} were removed from this administrator in {region} ({event}): their findings are no longer seen here",
        ids.join(", ")
    ))
    .step(format!(
        "if not intended: aws guardduty create-members --detector-id ADMIN-DETECTOR --account-details {} --region {region}, then each member accepts the invitation",
        ids.iter()
            .map(|id| format!("AccountId={id},Email=EMAIL"))
            .collect::<Vec<_>>()
            .join(" ")
    ))
}

pub(super) fn trusted_ip_set(region: &str, name: &str) -> Text {
    Text::new(format!(
        "trusted IP list {name} is active in {region}: GuardDuty raises no VPC Flow Log or CloudTrail finding for the addresses on it"
    ))
    .step(format!(
        "aws guardduty list-ip-sets --detector-id DETECTOR --region {region}, then get-ip-set: check that every address on the list is yours and meant to be trusted"
    ))
    .step(format!(
        "if not: aws guardduty update-ip-set --detector-id DETECTOR --ip-set-id ID --no-activate --region {region}"
    ))
}
