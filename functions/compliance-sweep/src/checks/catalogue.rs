//! The check catalogue as data: one row per check, with what it proves and how to fix it.
//!
//! Ids and mappings follow the project's reference table CHECKS.md (CIS AWS Foundations v3.0.0
//! and v4.0.1, AWS Security Hub control ids), which lives outside this repository
//! (`../shared/CHECKS.md` from its root; not the `shared/` crate). Nothing here reads it: the
//! rows were copied by hand. `LP-*` rows are the least-privilege checks beyond that table.
//!
//! The evaluation of each row is one function in `checks::<service>`. The tests at the end of
//! this file check the ids are unique and every row complete, that each prefix has the ids
//! `01` up to a hand-kept count, and that the ★ rows are marked;
//! `checks::tests::every_catalogue_row_is_evaluated_by_its_service` checks that every row is
//! reported ERROR by its own service when that service cannot be read (so no row is left to
//! the silent NOT_APPLICABLE fill-in); that each row's success path is evaluated is left to
//! the per-service tests.

use serde::{Deserialize, Serialize};
use vigil::alert::Severity;

use super::ids::*;
use crate::facts::Service;

/// The seed phase whose completion criterion a check proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Phase {
    /// Phase 1: least-privilege identity, no long-lived keys, root locked away.
    #[serde(rename = "1-identity")]
    Identity,
    /// Phase 2: customer-managed keys with rotation; encryption on every data store; TLS.
    #[serde(rename = "2-encryption")]
    Encryption,
    /// Phase 3: every secret in Secrets Manager and rotating; none in code or configuration.
    #[serde(rename = "3-secrets")]
    Secrets,
    /// Phase 4: GuardDuty with its data sources, CloudTrail logging 100%, security alarms.
    #[serde(rename = "4-detection")]
    Detection,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Identity,
        Phase::Encryption,
        Phase::Secrets,
        Phase::Detection,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Phase::Identity => "Phase 1 - least-privilege identity",
            Phase::Encryption => "Phase 2 - encryption and TLS",
            Phase::Secrets => "Phase 3 - secrets management",
            Phase::Detection => "Phase 4 - threat detection and audit logging",
        }
    }
}

/// One catalogue row.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: CheckId,
    pub title: &'static str,
    pub service: Service,
    pub severity: Severity,
    pub phase: Phase,
    pub cis_v3: &'static [&'static str],
    pub cis_v4: &'static [&'static str],
    pub security_hub: &'static [&'static str],
    /// ★ in CHECKS.md (see the module docs): a check Prowler does not make.
    pub beyond_prowler: bool,
    pub remediation: &'static str,
}

use Phase::*;
use Service as S;
use Severity::*;

// One positional row per check keeps the catalogue a readable table.
#[allow(clippy::too_many_arguments)]
const fn row(
    id: CheckId,
    title: &'static str,
    service: Service,
    severity: Severity,
    phase: Phase,
    cis_v3: &'static [&'static str],
    cis_v4: &'static [&'static str],
    security_hub: &'static [&'static str],
    remediation: &'static str,
) -> Check {
    Check {
        id,
        title,
        service,
        severity,
        phase,
        cis_v3,
        cis_v4,
        security_hub,
        beyond_prowler: false,
        remediation,
    }
}

const fn star(mut c: Check) -> Check {
    c.beyond_prowler = true;
    c
}

const CW_REMEDIATION: &str = "Create a metric filter with the CIS pattern on the multi-Region trail's CloudWatch Logs group, an alarm on its metric with an SNS action, and at least one confirmed subscription on that topic (aws logs put-metric-filter; aws cloudwatch put-metric-alarm).";

macro_rules! cw {
    ($id:expr, $n:literal, $cis:literal, $sh:expr, $sev:expr) => {
        row(
            $id,
            concat!("Metric filter and alarm for ", $n),
            S::CloudWatch,
            $sev,
            Detection,
            &[$cis],
            &[$cis],
            $sh,
            CW_REMEDIATION,
        )
    };
}

pub const CATALOGUE: &[Check] = &[
    // ---- IAM -----------------------------------------------------------------------------------
    row(
        IAM_01,
        "No root access keys",
        S::Iam,
        Critical,
        Identity,
        &["1.4"],
        &["1.4"],
        &["IAM.4"],
        "Sign in as root, delete its access keys (Security credentials page); use IAM roles instead.",
    ),
    row(
        IAM_02,
        "Root account has MFA",
        S::Iam,
        Critical,
        Identity,
        &["1.5"],
        &["1.5"],
        &["IAM.9"],
        "Sign in as root and assign an MFA device (Security credentials > Multi-factor authentication).",
    ),
    row(
        IAM_03,
        "Root account has hardware MFA",
        S::Iam,
        High,
        Identity,
        &["1.6"],
        &["1.6"],
        &["IAM.6"],
        "Replace the root account's virtual MFA device with a hardware (FIDO or TOTP token) device.",
    ),
    star(row(
        IAM_04,
        "Root account not used recently",
        S::Iam,
        High,
        Identity,
        &["1.7"],
        &["1.7"],
        &["IAM.20"],
        "Stop using the root user for daily work: use IAM Identity Center or roles; find what used root in CloudTrail (userIdentity.type = Root).",
    )),
    row(
        IAM_05,
        "Strong password policy (length, reuse, complexity, expiry)",
        S::Iam,
        Medium,
        Identity,
        &["1.8", "1.9"],
        &["1.8", "1.9"],
        &[
            "IAM.7", "IAM.10", "IAM.11", "IAM.12", "IAM.13", "IAM.14", "IAM.15", "IAM.16", "IAM.17",
        ],
        "aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 --require-uppercase-characters --require-lowercase-characters --require-numbers --require-symbols --max-password-age 90",
    ),
    row(
        IAM_06,
        "MFA for every console user",
        S::Iam,
        High,
        Identity,
        &["1.10"],
        &["1.10"],
        &["IAM.5", "IAM.19"],
        "Assign an MFA device to each user with a console password, or remove the password (aws iam delete-login-profile).",
    ),
    row(
        IAM_07,
        "No access keys created at user setup and never used",
        S::Iam,
        Medium,
        Identity,
        &["1.11"],
        &["1.11"],
        &[],
        "Delete access keys that were never used by users who also have a console password (aws iam delete-access-key).",
    ),
    row(
        IAM_08,
        "Credentials unused for the threshold are disabled",
        S::Iam,
        Medium,
        Identity,
        &["1.12"],
        &["1.12"],
        &["IAM.22", "IAM.8"],
        "Deactivate access keys and remove console passwords not used within the threshold (aws iam update-access-key --status Inactive; aws iam delete-login-profile).",
    ),
    row(
        IAM_09,
        "At most one active access key per user",
        S::Iam,
        Medium,
        Identity,
        &["1.13"],
        &["1.13"],
        &[],
        "Deactivate and delete the older of the two active access keys after moving clients to the newer one.",
    ),
    row(
        IAM_10,
        "Access keys rotated within the threshold",
        S::Iam,
        Medium,
        Identity,
        &["1.14"],
        &["1.14"],
        &["IAM.3"],
        "Create a new access key, move clients to it, deactivate and delete the old one; better, replace the user with a role.",
    ),
    star(row(
        IAM_11,
        "No IAM users with active long-lived access keys",
        S::Iam,
        High,
        Identity,
        &[],
        &[],
        &[],
        "Replace long-lived user access keys with roles (workloads) or IAM Identity Center (people), then delete the keys.",
    )),
    row(
        IAM_12,
        "Users get permissions only through groups",
        S::Iam,
        Low,
        Identity,
        &["1.15"],
        &["1.15"],
        &["IAM.2"],
        "Detach managed policies and delete inline policies from users; grant them through groups or roles.",
    ),
    row(
        IAM_13,
        "No policies granting full *:* administrative privileges",
        S::Iam,
        High,
        Identity,
        &["1.16"],
        &["1.16"],
        &["IAM.1"],
        "Replace Action \"*\" on Resource \"*\" with the actions and resources the principal needs (IAM Access Analyzer policy generation helps).",
    ),
    row(
        IAM_14,
        "AdministratorAccess not attached outside the break-glass allow-list",
        S::Iam,
        High,
        Identity,
        &[],
        &[],
        &[],
        "Detach arn:aws:iam::aws:policy/AdministratorAccess from users, groups and roles not on the break-glass allow-list.",
    ),
    // ---- least privilege beyond the catalogue --------------------------------------------------------
    star(row(
        LP_01,
        "No principal with administrator-equivalent access (incl. NotAction)",
        S::Iam,
        High,
        Identity,
        &[],
        &[],
        &[],
        "Remove statements that allow *, iam:*, or everything via NotAction on every resource from the principal's inline, attached and group policies.",
    )),
    star(row(
        LP_02,
        "No iam:PassRole or sts:AssumeRole on every resource",
        S::Iam,
        High,
        Identity,
        &[],
        &[],
        &[],
        "Name the role ARNs the principal may pass or assume instead of \"*\" (and add iam:PassedToService for PassRole).",
    )),
    star(row(
        LP_03,
        "No sensitive actions (kms:Decrypt, secretsmanager:GetSecretValue) on every resource",
        S::Iam,
        High,
        Identity,
        &[],
        &[],
        &["KMS.1", "KMS.2"],
        "Name the key and secret ARNs the principal needs, or constrain with kms:ViaService and resource tags.",
    )),
    star(row(
        LP_04,
        "No roles unused for the threshold",
        S::Iam,
        Low,
        Identity,
        &[],
        &[],
        &[],
        "Delete roles that have not been used within the threshold, or document why they must stay (break-glass).",
    )),
    // ---- KMS ----------------------------------------------------------------------------------------
    row(
        KMS_01,
        "Rotation enabled for customer-managed symmetric keys",
        S::Kms,
        Medium,
        Encryption,
        &["3.6"],
        &["3.6"],
        &["KMS.4"],
        "aws kms enable-key-rotation --key-id KEY --rotation-period-in-days 365",
    ),
    star(row(
        KMS_02,
        "Rotation period within policy and next rotation not overdue",
        S::Kms,
        Medium,
        Encryption,
        &[],
        &[],
        &[],
        "aws kms enable-key-rotation --key-id KEY --rotation-period-in-days 365 (or less); if overdue, check the key state and rotate on demand (aws kms rotate-key-on-demand).",
    )),
    row(
        KMS_03,
        "Key policy not open to everyone",
        S::Kms,
        Critical,
        Encryption,
        &[],
        &[],
        &["KMS.5"],
        "Remove Principal \"*\" statements from the key policy, or add a condition pinning callers (kms:CallerAccount, aws:PrincipalOrgID).",
    ),
    row(
        KMS_04,
        "No keys pending deletion",
        S::Kms,
        High,
        Encryption,
        &[],
        &[],
        &["KMS.3"],
        "If the key is still needed: aws kms cancel-key-deletion --key-id KEY, then enable it.",
    ),
    // ---- Secrets Manager ----------------------------------------------------------------------------
    row(
        SM_01,
        "Automatic rotation enabled, interval within policy",
        S::SecretsManager,
        High,
        Secrets,
        &[],
        &[],
        &["SecretsManager.1", "SecretsManager.4"],
        "aws secretsmanager rotate-secret --secret-id SECRET --rotation-lambda-arn FN --rotation-rules AutomaticallyAfterDays=30",
    ),
    row(
        SM_02,
        "Rotated within its own schedule",
        S::SecretsManager,
        High,
        Secrets,
        &[],
        &[],
        &["SecretsManager.2", "SecretsManager.4"],
        "Look at the rotation function's logs for the last failure, fix it, then aws secretsmanager rotate-secret --secret-id SECRET.",
    ),
    star(row(
        SM_03,
        "Last rotation succeeded (no stuck AWSPENDING)",
        S::SecretsManager,
        High,
        Secrets,
        &[],
        &[],
        &["SecretsManager.2"],
        "Find why the rotation failed (function logs), then remove the stale AWSPENDING label (aws secretsmanager update-secret-version-stage --remove-from-version-id) and rotate again.",
    )),
    row(
        SM_04,
        "Sensitive secrets use a customer-managed KMS key",
        S::SecretsManager,
        Medium,
        Encryption,
        &[],
        &[],
        &[],
        "aws secretsmanager update-secret --secret-id SECRET --kms-key-id CMK (then rotate so every version is re-encrypted).",
    ),
    row(
        SM_05,
        "No unused secrets",
        S::SecretsManager,
        Low,
        Secrets,
        &[],
        &[],
        &["SecretsManager.3"],
        "Confirm the secret is not needed (CloudTrail GetSecretValue), then schedule its deletion (aws secretsmanager delete-secret --recovery-window-in-days 30).",
    ),
    // ---- GuardDuty ---------------------------------------------------------------------------------
    row(
        GD_01,
        "GuardDuty detector enabled in every enabled Region",
        S::GuardDuty,
        High,
        Detection,
        &[],
        &[],
        &["GuardDuty.1"],
        "aws guardduty create-detector --enable (or update-detector --enable) in the Region.",
    ),
    row(
        GD_02,
        "Required GuardDuty protection features enabled",
        S::GuardDuty,
        Medium,
        Detection,
        &[],
        &[],
        &[
            "GuardDuty.5",
            "GuardDuty.6",
            "GuardDuty.7",
            "GuardDuty.8",
            "GuardDuty.9",
            "GuardDuty.10",
            "GuardDuty.11",
            "GuardDuty.12",
            "GuardDuty.13",
        ],
        "aws guardduty update-detector --detector-id ID --features Name=FEATURE,Status=ENABLED for each missing feature.",
    ),
    star(row(
        GD_03,
        "Findings exported to S3 with KMS, destination PUBLISHING",
        S::GuardDuty,
        Medium,
        Detection,
        &[],
        &[],
        &[],
        "aws guardduty create-publishing-destination --destination-type S3 --destination-properties DestinationArn=BUCKET_ARN,KmsKeyArn=KEY_ARN; fix bucket and key policies if the status is not PUBLISHING.",
    )),
    star(row(
        GD_04,
        "Findings export bucket keeps findings long enough",
        S::GuardDuty,
        Medium,
        Detection,
        &[],
        &[],
        &[],
        "Set a lifecycle expiration of at least the retention threshold on the export bucket (or none), or Object Lock default retention of at least that long.",
    )),
    // ---- CloudTrail --------------------------------------------------------------------------------
    row(
        CT_01,
        "Multi-Region trail logging management events (read and write)",
        S::CloudTrail,
        Critical,
        Detection,
        &["3.1"],
        &["3.1"],
        &["CloudTrail.1"],
        "aws cloudtrail create-trail --is-multi-region-trail ...; aws cloudtrail start-logging; event selectors ReadWriteType=All with management events.",
    ),
    row(
        CT_02,
        "Log file validation enabled",
        S::CloudTrail,
        Medium,
        Detection,
        &["3.2"],
        &["3.2"],
        &["CloudTrail.4"],
        "aws cloudtrail update-trail --name TRAIL --enable-log-file-validation",
    ),
    row(
        CT_03,
        "Trail logs encrypted with a KMS key",
        S::CloudTrail,
        Medium,
        Encryption,
        &["3.5"],
        &["3.5"],
        &["CloudTrail.2"],
        "aws cloudtrail update-trail --name TRAIL --kms-key-id CMK (the key policy must allow cloudtrail.amazonaws.com).",
    ),
    row(
        CT_04,
        "Trail bucket not publicly accessible",
        S::CloudTrail,
        Critical,
        Detection,
        &["3.3 (v2.0)"],
        &[],
        &["CloudTrail.6"],
        "Turn on all four Block Public Access settings on the trail bucket and remove public ACL grants and public policy statements.",
    ),
    row(
        CT_05,
        "Trail bucket has server access logging",
        S::CloudTrail,
        Low,
        Detection,
        &["3.4"],
        &["3.4"],
        &["CloudTrail.7"],
        "aws s3api put-bucket-logging --bucket TRAIL_BUCKET --bucket-logging-status file://logging.json (target: a separate log bucket).",
    ),
    row(
        CT_06,
        "Trail delivers to CloudWatch Logs (delivered within the threshold)",
        S::CloudTrail,
        Medium,
        Detection,
        &["3.4 (v2.0)"],
        &[],
        &["CloudTrail.5"],
        "aws cloudtrail update-trail --name TRAIL --cloud-watch-logs-log-group-arn ARN --cloud-watch-logs-role-arn ROLE",
    ),
    star(row(
        CT_07,
        "Trail logs retained at least the threshold",
        S::CloudTrail,
        Medium,
        Detection,
        &[],
        &[],
        &["CloudWatch.16"],
        "aws logs put-retention-policy --log-group-name GROUP --retention-in-days 365; make sure the trail bucket's lifecycle expires nothing earlier than the threshold.",
    )),
    // ---- CloudWatch (CIS 4.x) ------------------------------------------------------------------------
    cw!(
        CW_01,
        "unauthorized API calls",
        "4.1",
        &["CloudWatch.2"],
        Medium
    ),
    cw!(
        CW_02,
        "console sign-in without MFA",
        "4.2",
        &["CloudWatch.3"],
        Medium
    ),
    cw!(CW_03, "root account usage", "4.3", &["CloudWatch.1"], High),
    cw!(
        CW_04,
        "IAM policy changes",
        "4.4",
        &["CloudWatch.4"],
        Medium
    ),
    cw!(
        CW_05,
        "CloudTrail configuration changes",
        "4.5",
        &["CloudWatch.5"],
        High
    ),
    cw!(
        CW_06,
        "console authentication failures",
        "4.6",
        &["CloudWatch.6"],
        Low
    ),
    cw!(
        CW_07,
        "disabling or scheduled deletion of CMKs",
        "4.7",
        &["CloudWatch.7"],
        Medium
    ),
    cw!(
        CW_08,
        "S3 bucket policy changes",
        "4.8",
        &["CloudWatch.8"],
        Medium
    ),
    cw!(
        CW_09,
        "AWS Config configuration changes",
        "4.9",
        &["CloudWatch.9"],
        Low
    ),
    cw!(
        CW_10,
        "security group changes",
        "4.10",
        &["CloudWatch.10"],
        Medium
    ),
    cw!(
        CW_11,
        "network ACL changes",
        "4.11",
        &["CloudWatch.11"],
        Medium
    ),
    cw!(
        CW_12,
        "network gateway changes",
        "4.12",
        &["CloudWatch.12"],
        Medium
    ),
    cw!(
        CW_13,
        "route table changes",
        "4.13",
        &["CloudWatch.13"],
        Medium
    ),
    cw!(CW_14, "VPC changes", "4.14", &["CloudWatch.14"], Medium),
    cw!(CW_15, "AWS Organizations changes", "4.15", &[], Medium),
    row(
        CW_16,
        "Alarms have an ALARM action and actions enabled",
        S::CloudWatch,
        Medium,
        Detection,
        &[],
        &[],
        &["CloudWatch.15", "CloudWatch.17"],
        "aws cloudwatch put-metric-alarm ... --alarm-actions TOPIC_ARN --actions-enabled",
    ),
    // ---- RDS ----------------------------------------------------------------------------------------
    row(
        RDS_01,
        "Storage encrypted",
        S::Rds,
        High,
        Encryption,
        &["2.3.1"],
        &["2.2.1"],
        &["RDS.3", "RDS.27"],
        "Encryption cannot be turned on in place: snapshot, copy the snapshot with --kms-key-id CMK, restore, switch over.",
    ),
    row(
        RDS_02,
        "Not publicly accessible",
        S::Rds,
        Critical,
        Encryption,
        &["2.3.3"],
        &["2.2.3"],
        &["RDS.2"],
        "aws rds modify-db-instance --db-instance-identifier DB --no-publicly-accessible --apply-immediately",
    ),
    row(
        RDS_03,
        "TLS required for connections",
        S::Rds,
        High,
        Encryption,
        &[],
        &[],
        &["RDS.38", "RDS.39", "RDS.41", "RDS.44"],
        "Set rds.force_ssl=1 (PostgreSQL, SQL Server) or require_secure_transport=ON (MySQL, MariaDB; the cluster parameter group for Aurora) in a custom parameter group attached to the database.",
    ),
    row(
        RDS_04,
        "IAM database authentication enabled",
        S::Rds,
        Medium,
        Identity,
        &[],
        &[],
        &["RDS.10", "RDS.12"],
        "aws rds modify-db-instance --db-instance-identifier DB --enable-iam-database-authentication (modify-db-cluster for Aurora)",
    ),
    row(
        RDS_05,
        "Automated backups retained at least the threshold",
        S::Rds,
        Medium,
        Encryption,
        &[],
        &[],
        &["RDS.11"],
        "aws rds modify-db-instance --db-instance-identifier DB --backup-retention-period 7",
    ),
    row(
        RDS_06,
        "Deletion protection enabled",
        S::Rds,
        Low,
        Encryption,
        &[],
        &[],
        &["RDS.8", "RDS.7"],
        "aws rds modify-db-instance --db-instance-identifier DB --deletion-protection (modify-db-cluster for Aurora)",
    ),
    // ---- S3 -----------------------------------------------------------------------------------------
    row(
        S3_01,
        "Account-level Block Public Access (all four settings)",
        S::S3,
        High,
        Encryption,
        &["2.1.4"],
        &["2.1.4"],
        &["S3.1"],
        "aws s3control put-public-access-block --account-id ACCOUNT --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    ),
    row(
        S3_02,
        "Bucket-level Block Public Access (or covered by the account)",
        S::S3,
        High,
        Encryption,
        &["2.1.4"],
        &["2.1.4"],
        &["S3.8"],
        "aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    ),
    row(
        S3_03,
        "Bucket policy denies requests without TLS",
        S::S3,
        Medium,
        Encryption,
        &["2.1.1"],
        &["2.1.1"],
        &["S3.5"],
        "Add a Deny statement for Principal \"*\", Action s3:*, Resource [bucket ARN, bucket ARN/*] with Condition Bool aws:SecureTransport=false.",
    ),
    row(
        S3_04,
        "Default encryption with a customer-managed KMS key",
        S::S3,
        Medium,
        Encryption,
        &[],
        &[],
        &["S3.17"],
        "aws s3api put-bucket-encryption --bucket BUCKET --server-side-encryption-configuration '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"CMK_ARN\"},\"BucketKeyEnabled\":true}]}'",
    ),
    // ---- Lambda -------------------------------------------------------------------------------------
    star(row(
        LAM_01,
        "No secrets in Lambda environment variables",
        S::Lambda,
        High,
        Secrets,
        &[],
        &[],
        &[],
        "Move the value to Secrets Manager (or SSM SecureString), read it at start-up, remove the variable, and rotate the exposed credential: it was readable by anyone with lambda:GetFunctionConfiguration.",
    )),
];

/// The catalogue row of `id` (every id has one: see the tests below).
pub fn get(id: CheckId) -> &'static Check {
    CATALOGUE
        .iter()
        .find(|c| c.id == id)
        .expect("every check id has a catalogue row")
}

/// The catalogue row whose id is written `id`.
pub(crate) fn find(id: &str) -> Option<&'static Check> {
    CATALOGUE.iter().find(|c| c.id == id)
}

/// The rows of one service.
pub(crate) fn of(service: Service) -> impl Iterator<Item = &'static Check> {
    CATALOGUE.iter().filter(move |c| c.service == service)
}

/// A stored id (a part of a split run, a record of the previous run) is read back through its
/// row: an id the catalogue does not have is an error, not a new check.
impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        find(&text)
            .map(|c| c.id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown check id {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn at_least_45_unique_checks_each_complete() {
        assert!(CATALOGUE.len() >= 45, "{}", CATALOGUE.len());
        let mut ids = HashSet::new();
        for c in CATALOGUE {
            assert!(ids.insert(c.id), "duplicate id {}", c.id);
            assert!(!c.title.is_empty() && !c.remediation.is_empty(), "{}", c.id);
        }
    }

    /// The counts are typed by hand from the non-optional rows of CHECKS.md (outside this
    /// repository); this test does not read that file.
    #[test]
    fn each_prefix_has_ids_01_up_to_its_hand_kept_count() {
        let mut expected: Vec<String> = vec![];
        for (prefix, n) in [
            ("IAM", 14),
            ("KMS", 4),
            ("SM", 5),
            ("GD", 4),
            ("CT", 7),
            ("CW", 16),
            ("RDS", 6),
            ("S3", 4),
            ("LAM", 1),
        ] {
            expected.extend((1..=n).map(|i| format!("{prefix}-{i:02}")));
        }
        for id in expected {
            assert!(find(&id).is_some(), "{id} missing");
        }
    }

    #[test]
    fn star_rows_are_marked() {
        for id in [
            "IAM-04", "IAM-11", "KMS-02", "SM-03", "GD-03", "GD-04", "CT-07", "LAM-01",
        ] {
            assert!(find(id).unwrap().beyond_prowler, "{id}");
        }
    }
}
