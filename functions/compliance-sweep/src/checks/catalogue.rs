//! The check catalogue as data: one row per check, with what it proves, how to fix it, and
//! where it stands in the frameworks people compare it with: the Prowler checks it covers, CIS
//! AWS Foundations v3.0.0, v4.0.1 and v7.0.0 (the newest Prowler 5.46.0 ships; CIS renumbered
//! the controls, so each version has its own column), and AWS Security Hub controls.
//!
//! The mappings come from Prowler 5.46.0's own compliance files and check code
//! ([`super::prowler`] holds its 189 checks in the ten services the sweep reads), corrected where
//! Prowler maps a Security Hub control wrongly. Security Hub ids that come from AWS's control
//! reference rather than Prowler's mapping are marked with `.verify` (shown with `†`): check
//! them against the current reference before quoting them. `LP-*` rows are least-privilege
//! checks beyond CIS.
//!
//! # Adding a row
//!
//! 1. Name the id in `ids.rs`, next in its prefix (`pub(crate) const S3_05: CheckId =
//!    CheckId("S3-05");`). Ids of a prefix run from `01` without gaps.
//! 2. Add the row at the end of its service's section of [`CATALOGUE`], in this order (leave
//!    out what the row does not have):
//!
//!    ```text
//!    row(S3_05, "Bucket not public through its policy or ACL", S::S3, Critical, Encryption)
//!        .prowler(&["s3_bucket_public_access", "s3_bucket_public_list_acl"])
//!        .cis(&[/* v3.0 */], &[/* v4.0.1 */], &["2.21" /* v7.0 */])
//!        .security_hub(&["S3.2", "S3.3"])
//!        .verify(&[/* Security Hub ids not in Prowler's mapping */])
//!        .fix("What to run or change to pass."),
//!    ```
//!
//!    - `.prowler`: every Prowler check the row covers, i.e. the row FAILs whenever that check
//!      FAILs (it may be stricter). A row with none is ★, a check Prowler does not make.
//!      Take the id, CIS and Security Hub columns from /work/research/prowler-checks.json
//!      (`check_id`, `cis`, `security_hub_prowler` minus `…_wrong`, plus `…_additional`).
//!    - `.cis` and `.security_hub` include at least the ids of the Prowler checks named (the
//!      tests below check it); a row may map more.
//!    - If a Prowler check the row covers is listed in `docs/checks-not-covered.md`, remove it
//!      there (the completeness test counts every Prowler check exactly once).
//! 3. Evaluate it in `checks::<service>`, one function per row, and name the row in that
//!    module's list of checks that report ERROR when their listing failed
//!    (`checks::tests::every_catalogue_row_is_evaluated_by_its_service` fails otherwise).
//! 4. Register its expected results in the ground-truth seeder (see its module docs), and give
//!    it a PASS and a FAIL case in an emulator test.
//!
//! The tests at the end of this file check ids, completeness of each row, the mappings
//! against Prowler's, and that the ★ rows are the ones without a Prowler counterpart.

use serde::Serialize;
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

/// The CIS AWS Foundations Benchmark versions the catalogue maps, oldest first; the last is
/// the newest Prowler ships.
pub const CIS_VERSIONS: [&str; 3] = ["3.0.0", "4.0.1", "7.0.0"];

/// One catalogue row.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: CheckId,
    pub title: &'static str,
    pub service: Service,
    pub severity: Severity,
    pub phase: Phase,
    /// The Prowler 5.46.0 checks this row covers (FAILs whenever they FAIL); none: ★.
    pub prowler: &'static [&'static str],
    pub cis_v3: &'static [&'static str],
    pub cis_v4: &'static [&'static str],
    /// CIS v7.0.0, the newest version Prowler ships.
    pub cis_v7: &'static [&'static str],
    pub security_hub: &'static [&'static str],
    /// Those of `security_hub` taken from AWS's control reference rather than Prowler's
    /// mapping: to verify against the current reference before quoting.
    pub to_verify: &'static [&'static str],
    pub remediation: &'static str,
}

impl Check {
    /// ★: a check Prowler does not make.
    pub fn beyond_prowler(&self) -> bool {
        self.prowler.is_empty()
    }

    /// The CIS ids of each version in [`CIS_VERSIONS`], in that order.
    pub fn cis_ids(&self) -> [&'static [&'static str]; 3] {
        [self.cis_v3, self.cis_v4, self.cis_v7]
    }
}

use Phase::*;
use Service as S;
use Severity::*;

/// A row with what every row has; the builder methods below add the rest.
const fn row(
    id: CheckId,
    title: &'static str,
    service: Service,
    severity: Severity,
    phase: Phase,
) -> Check {
    Check {
        id,
        title,
        service,
        severity,
        phase,
        prowler: &[],
        cis_v3: &[],
        cis_v4: &[],
        cis_v7: &[],
        security_hub: &[],
        to_verify: &[],
        remediation: "",
    }
}

impl Check {
    const fn prowler(mut self, ids: &'static [&'static str]) -> Check {
        self.prowler = ids;
        self
    }

    /// CIS v3.0.0, v4.0.1 and v7.0.0 ids.
    const fn cis(
        mut self,
        v3: &'static [&'static str],
        v4: &'static [&'static str],
        v7: &'static [&'static str],
    ) -> Check {
        self.cis_v3 = v3;
        self.cis_v4 = v4;
        self.cis_v7 = v7;
        self
    }

    const fn security_hub(mut self, ids: &'static [&'static str]) -> Check {
        self.security_hub = ids;
        self
    }

    const fn verify(mut self, ids: &'static [&'static str]) -> Check {
        self.to_verify = ids;
        self
    }

    const fn fix(mut self, remediation: &'static str) -> Check {
        self.remediation = remediation;
        self
    }
}

const CW_REMEDIATION: &str = "Create a metric filter with the CIS pattern on the multi-Region trail's CloudWatch Logs group, an alarm on its metric with an SNS action, and at least one confirmed subscription on that topic (aws logs put-metric-filter; aws cloudwatch put-metric-alarm).";

/// A CIS monitoring row (CW-01..15): the same CIS id in v3.0 and v4.0.1; the Security Hub
/// CloudWatch.N controls are not in Prowler's mapping, hence to verify.
macro_rules! cw {
    ($id:expr, $n:literal, $sev:expr, $prowler:literal, $cis:expr, $cis7:expr, $sh:expr) => {
        row(
            $id,
            concat!("Metric filter and alarm for ", $n),
            S::CloudWatch,
            $sev,
            Detection,
        )
        .prowler(&[$prowler])
        .cis($cis, $cis, $cis7)
        .security_hub($sh)
        .verify($sh)
        .fix(CW_REMEDIATION)
    };
}

pub const CATALOGUE: &[Check] = &[
    // ---- IAM ------------------------------------------------------------------------------------
    row(IAM_01, "No root access keys", S::Iam, Critical, Identity)
        .prowler(&["iam_no_root_access_key"])
        .cis(&["1.4"], &["1.4"], &["2.4"])
        .security_hub(&["IAM.4"])
        .fix("Sign in as root, delete its access keys (Security credentials page); use IAM roles instead."),
    row(IAM_02, "Root account has MFA", S::Iam, Critical, Identity)
        .prowler(&["iam_root_mfa_enabled"])
        .cis(&["1.5"], &["1.5"], &["2.5"])
        .security_hub(&["IAM.9"])
        .fix("Sign in as root and assign an MFA device (Security credentials > Multi-factor authentication)."),
    row(IAM_03, "Root account has hardware MFA", S::Iam, High, Identity)
        .prowler(&["iam_root_hardware_mfa_enabled"])
        .cis(&["1.6"], &["1.6"], &["2.6"])
        .security_hub(&["IAM.6"])
        .fix("Replace the root account's virtual MFA device with a hardware (FIDO or TOTP token) device."),
    row(IAM_04, "Root account not used recently", S::Iam, High, Identity)
        .prowler(&["iam_avoid_root_usage"])
        .cis(&["1.7"], &["1.7"], &["2.7"])
        .security_hub(&["IAM.20"])
        .verify(&["IAM.20"])
        .fix("Stop using the root user for daily work: use IAM Identity Center or roles; find what used root in CloudTrail (userIdentity.type = Root)."),
    row(IAM_05, "Strong password policy (length, reuse, complexity, expiry)", S::Iam, Medium, Identity)
        .prowler(&["iam_password_policy_expires_passwords_within_90_days_or_less", "iam_password_policy_lowercase", "iam_password_policy_minimum_length_14", "iam_password_policy_number", "iam_password_policy_reuse_24", "iam_password_policy_symbol", "iam_password_policy_uppercase"])
        .cis(&["1.8", "1.9"], &["1.8", "1.9"], &["2.8", "2.9"])
        .security_hub(&["IAM.7", "IAM.10", "IAM.11", "IAM.12", "IAM.13", "IAM.14", "IAM.15", "IAM.16", "IAM.17"])
        .fix("aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 --require-uppercase-characters --require-lowercase-characters --require-numbers --require-symbols --max-password-age 90"),
    row(IAM_06, "MFA for every console user", S::Iam, High, Identity)
        .prowler(&["iam_user_mfa_enabled_console_access"])
        .cis(&["1.10"], &["1.10"], &["2.10"])
        .security_hub(&["IAM.5", "IAM.19"])
        .fix("Assign an MFA device to each user with a console password, or remove the password (aws iam delete-login-profile)."),
    row(IAM_07, "No access keys created at user setup and never used", S::Iam, Medium, Identity)
        .prowler(&["iam_user_no_setup_initial_access_key"])
        .cis(&["1.11"], &["1.11"], &[])
        .fix("Delete access keys that were never used by users who also have a console password (aws iam delete-access-key)."),
    row(IAM_08, "Credentials unused for the threshold are disabled", S::Iam, Medium, Identity)
        .prowler(&["iam_user_accesskey_unused", "iam_user_console_access_unused"])
        .cis(&["1.12"], &["1.12"], &["2.11"])
        .security_hub(&["IAM.22", "IAM.8"])
        .fix("Deactivate access keys and remove console passwords not used within the threshold (aws iam update-access-key --status Inactive; aws iam delete-login-profile)."),
    row(IAM_09, "At most one active access key per user", S::Iam, Medium, Identity)
        .prowler(&["iam_user_two_active_access_key"])
        .cis(&["1.13"], &["1.13"], &[])
        .fix("Deactivate and delete the older of the two active access keys after moving clients to the newer one."),
    row(IAM_10, "Access keys rotated within the threshold", S::Iam, Medium, Identity)
        .prowler(&["iam_rotate_access_key_90_days"])
        .cis(&["1.14"], &["1.14"], &["2.12"])
        .security_hub(&["IAM.3"])
        .fix("Create a new access key, move clients to it, deactivate and delete the old one; better, replace the user with a role."),
    row(IAM_11, "No IAM users with active long-lived access keys", S::Iam, High, Identity)
        .prowler(&["iam_user_with_temporary_credentials"])
        .fix("Replace long-lived user access keys with roles (workloads) or IAM Identity Center (people), then delete the keys."),
    row(IAM_12, "Users get permissions only through groups", S::Iam, Low, Identity)
        .prowler(&["iam_policy_attached_only_to_group_or_roles"])
        .cis(&["1.15"], &["1.15"], &["2.13"])
        .security_hub(&["IAM.2"])
        .fix("Detach managed policies and delete inline policies from users; grant them through groups or roles."),
    row(IAM_13, "No policies granting full *:* administrative privileges", S::Iam, High, Identity)
        .prowler(&["iam_customer_attached_policy_no_administrative_privileges", "iam_customer_unattached_policy_no_administrative_privileges", "iam_inline_policy_no_administrative_privileges"])
        .cis(&["1.16"], &["1.16"], &["2.14"])
        .security_hub(&["IAM.1"])
        .fix("Replace Action \"*\" on Resource \"*\" with the actions and resources the principal needs (IAM Access Analyzer policy generation helps)."),
    row(IAM_14, "AdministratorAccess not attached outside the break-glass allow-list", S::Iam, High, Identity)
        .prowler(&["iam_aws_attached_policy_no_administrative_privileges", "iam_group_administrator_access_policy", "iam_role_administratoraccess_policy", "iam_user_administrator_access_policy"])
        .cis(&["1.16"], &["1.16"], &["2.14"])
        .security_hub(&["IAM.1"])
        .fix("Detach arn:aws:iam::aws:policy/AdministratorAccess from users, groups and roles not on the break-glass allow-list."),
    row(IAM_15, "Roles trusting an AWS service bind it to a source account (confused deputy)", S::Iam, High, Identity)
        .prowler(&["iam_role_cross_service_confused_deputy_prevention", "iam_role_service_trust_restricts_source_to_account"])
        .fix("Add a condition to each service trust statement: \"StringEquals\": {\"aws:SourceAccount\": \"ACCOUNT\"} (or aws:SourceArn naming the resource); aws iam update-assume-role-policy."),
    row(IAM_16, "Roles another account may assume require sts:ExternalId", S::Iam, High, Identity)
        .fix("Agree an external id with the other party and add \"StringEquals\": {\"sts:ExternalId\": \"ID\"} to each statement trusting another account (aws iam update-assume-role-policy)."),
    row(IAM_17, "No ReadOnlyAccess on roles another account may assume", S::Iam, High, Identity)
        .prowler(&["iam_role_cross_account_readonlyaccess_policy"])
        .fix("Replace arn:aws:iam::aws:policy/ReadOnlyAccess on the cross-account role with a policy naming what the other account needs (aws iam detach-role-policy)."),
    row(IAM_18, "No policy allows every CloudTrail action on every resource", S::Iam, High, Identity)
        .prowler(&["iam_inline_policy_no_full_access_to_cloudtrail", "iam_policy_no_full_access_to_cloudtrail"])
        .fix("Replace cloudtrail:* with the read actions needed (cloudtrail:Describe*, Get*, List*, LookupEvents); keep StopLogging, DeleteTrail and UpdateTrail to the trail's administrators."),
    row(IAM_19, "No policy allows a privilege-escalation combination of actions", S::Iam, High, Identity)
        .prowler(&["iam_inline_policy_allows_privilege_escalation", "iam_policy_allows_privilege_escalation"])
        .fix("Remove the named actions, or scope them to named resources with conditions (iam:PassedToService for PassRole, a permissions boundary for IAM writes); the finding names each combination."),
    row(IAM_20, "Every member of an administrator group has MFA", S::Iam, High, Identity)
        .prowler(&["iam_administrator_access_with_mfa"])
        .fix("Assign an MFA device to each member of the group (aws iam enable-mfa-device), or remove them from the group."),
    row(IAM_21, "No policy allows every KMS action on every resource", S::Iam, Medium, Identity)
        .prowler(&["iam_inline_policy_no_full_access_to_kms", "iam_policy_no_full_access_to_kms"])
        .fix("Replace kms:* with the actions the principal needs on the keys it needs (kms:Encrypt, kms:Decrypt, kms:GenerateDataKey on named key ARNs); keep key administration (PutKeyPolicy, DisableKey, ScheduleKeyDeletion) to the key administrators."),
    row(IAM_22, "Every IAM user's MFA is a hardware device or security key", S::Iam, High, Identity)
        .prowler(&["iam_user_hardware_mfa_enabled"])
        .fix("Register a hardware TOTP token or a FIDO security key for the user (aws iam enable-mfa-device, or the console), then deactivate the virtual device; users without a console password can usually be replaced by roles."),
    row(IAM_23, "No policy allows aws-marketplace:Subscribe on every resource", S::Iam, Medium, Identity)
        .prowler(&["iam_inline_policy_no_wildcard_marketplace_subscribe", "iam_policy_no_wildcard_marketplace_subscribe"])
        .fix("Name the Marketplace products the principal may subscribe to (Resource arn:aws:aws-marketplace::ACCOUNT:product/PRODUCT_ID) instead of \"*\" (aws iam create-policy-version --set-as-default, or aws iam put-role-policy for an inline policy)."),
    row(IAM_24, "No policy allows sts:AssumeRole on a wildcard resource (* or a role ARN pattern)", S::Iam, High, Identity)
        .prowler(&["iam_no_custom_policy_permissive_role_assumption"])
        .fix("Name the role ARNs the principal may assume (Resource arn:aws:iam::ACCOUNT:role/ROLE_NAME) instead of \"*\" or a pattern such as arn:aws:iam::*:role/* (aws iam create-policy-version --set-as-default)."),
    row(IAM_25, "No policy allows Bedrock AgentCore workload access tokens for every workload identity", S::Iam, High, Identity)
        .prowler(&["iam_policy_no_agentcore_workload_access_token_wildcard"])
        .fix("Scope bedrock-agentcore:GetWorkloadAccessToken* to the directory and the agent's own workload identity: Resource [arn:aws:bedrock-agentcore:REGION:ACCOUNT:workload-identity-directory/default, arn:aws:bedrock-agentcore:REGION:ACCOUNT:workload-identity-directory/default/workload-identity/AGENT_NAME] (aws iam create-policy-version --set-as-default)."),
    row(IAM_26, "No policy lets every role be passed to Bedrock AgentCore (iam:PassRole)", S::Iam, High, Identity)
        .prowler(&["iam_policy_passrole_to_bedrock_agentcore_restricted"])
        .fix("Name the AgentCore execution roles (Resource arn:aws:iam::ACCOUNT:role/AGENTCORE_ROLE_PREFIX*) and pin the service: \"StringEquals\": {\"iam:PassedToService\": \"bedrock-agentcore.amazonaws.com\"}, or pin iam:PassedToService to the services the principal really hands roles to."),
    row(IAM_27, "CloudWatch cross-account sharing off (no CloudWatch-CrossAccountSharingRole)", S::Iam, Medium, Identity)
        .prowler(&["cloudwatch_cross_account_sharing_disabled"])
        .fix("If no other account should see this account's CloudWatch data, delete the role (aws iam delete-role --role-name CloudWatch-CrossAccountSharingRole after detaching its policies, or delete the CloudFormation stack that created it); otherwise trust only the monitoring account and mute the finding with its reason."),
    row(IAM_28, "A role holds AWSSupportAccess to manage incidents with AWS Support", S::Iam, Low, Identity)
        .prowler(&["iam_support_role_created"])
        .cis(&["1.17"], &["1.17"], &["2.15"])
        .security_hub(&["IAM.18"])
        .fix("Create a role for the people who open AWS Support cases and attach the AWS managed policy: aws iam create-role --role-name support --assume-role-policy-document file://trust.json; aws iam attach-role-policy --role-name support --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess"),
    row(IAM_29, "A role holds SecurityAudit for security reviews", S::Iam, Low, Identity)
        .prowler(&["iam_securityaudit_role_created"])
        .fix("Create a role for security auditors (people or tools such as this sweep) and attach the AWS managed policy: aws iam attach-role-policy --role-name security-audit --policy-arn arn:aws:iam::aws:policy/SecurityAudit"),
    row(IAM_30, "AWSCloudShellFullAccess attached to no user, group or role", S::Iam, Medium, Identity)
        .prowler(&["iam_policy_cloudshell_admin_not_attached"])
        .cis(&[], &["1.22"], &["2.20"])
        .security_hub(&["IAM.27"])
        .fix("Detach arn:aws:iam::aws:policy/AWSCloudShellFullAccess (aws iam detach-user-policy / detach-group-policy / detach-role-policy) and grant only the CloudShell actions needed, without file upload and download (cloudshell:CreateSession, cloudshell:StartEnvironment ...)."),
    row(IAM_31, "No expired server certificates stored in IAM", S::Iam, High, Encryption)
        .prowler(&["iam_no_expired_server_certificates_stored"])
        .cis(&["1.19"], &["1.19"], &["2.17"])
        .security_hub(&["IAM.26"])
        .fix("Move the endpoints still using it to a valid certificate (ACM renews its own), then delete the expired one: aws iam delete-server-certificate --server-certificate-name NAME"),
    // ---- least privilege beyond CIS -------------------------------------------------------------
    row(LP_01, "No principal with administrator-equivalent access (incl. NotAction)", S::Iam, High, Identity)
        .prowler(&["iam_aws_attached_policy_no_administrative_privileges"])
        .cis(&["1.16"], &["1.16"], &["2.14"])
        .security_hub(&["IAM.1"])
        .fix("Remove statements that allow *, iam:*, or everything via NotAction on every resource from the principal's inline, attached and group policies."),
    row(LP_02, "No iam:PassRole or sts:AssumeRole on every resource", S::Iam, High, Identity)
        .fix("Name the role ARNs the principal may pass or assume instead of \"*\" (and add iam:PassedToService for PassRole)."),
    row(LP_03, "No sensitive actions (kms:Decrypt, secretsmanager:GetSecretValue) on every resource", S::Iam, High, Identity)
        .security_hub(&["KMS.1", "KMS.2"])
        .fix("Name the key and secret ARNs the principal needs, or constrain with kms:ViaService and resource tags."),
    row(LP_04, "No roles unused for the threshold", S::Iam, Low, Identity)
        .fix("Delete roles that have not been used within the threshold, or document why they must stay (break-glass)."),
    // ---- KMS ------------------------------------------------------------------------------------
    row(KMS_01, "Rotation enabled for customer-managed symmetric keys", S::Kms, Medium, Encryption)
        .prowler(&["kms_cmk_rotation_enabled"])
        .cis(&["3.6"], &["3.6"], &["4.6"])
        .security_hub(&["KMS.4"])
        .fix("aws kms enable-key-rotation --key-id KEY --rotation-period-in-days 365"),
    row(KMS_02, "Rotation period within policy and next rotation not overdue", S::Kms, Medium, Encryption)
        .fix("aws kms enable-key-rotation --key-id KEY --rotation-period-in-days 365 (or less); if overdue, check the key state and rotate on demand (aws kms rotate-key-on-demand)."),
    row(KMS_03, "Key policy not open to everyone", S::Kms, Critical, Encryption)
        .prowler(&["kms_key_not_publicly_accessible"])
        .cis(&[], &[], &["2.21"])
        .security_hub(&["KMS.5"])
        .fix("Remove Principal \"*\" statements from the key policy, or add a condition pinning callers (kms:CallerAccount, aws:PrincipalOrgID)."),
    row(KMS_04, "No keys pending deletion", S::Kms, High, Encryption)
        .prowler(&["kms_cmk_not_deleted_unintentionally"])
        .security_hub(&["KMS.3"])
        .fix("If the key is still needed: aws kms cancel-key-deletion --key-id KEY, then enable it."),
    row(KMS_05, "No disabled customer-managed keys", S::Kms, Medium, Encryption)
        .prowler(&["kms_cmk_are_used"])
        .fix("If data is still encrypted under the key: aws kms enable-key --key-id KEY; otherwise schedule its deletion (aws kms schedule-key-deletion)."),
    row(KMS_06, "Customer-managed keys are single-Region", S::Kms, Medium, Encryption)
        .prowler(&["kms_cmk_not_multi_region"])
        .fix("Use a single-Region key unless data must be decrypted in several Regions; if a multi-Region key is needed, review every replica's key policy as the key's own."),
    row(KMS_07, "Key policy keeps an emergency-access (break-glass) grant", S::Kms, High, Encryption)
        .fix("Add a statement letting the break-glass principal (by default the account root) administer the key, e.g. Principal {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"}, Action kms:*, Resource * (aws kms put-key-policy)."),
    // ---- Secrets Manager ------------------------------------------------------------------------
    row(SM_01, "Automatic rotation enabled, interval within policy", S::SecretsManager, High, Secrets)
        .prowler(&["secretsmanager_automatic_rotation_enabled", "secretsmanager_secret_rotated_periodically"])
        .security_hub(&["SecretsManager.1", "SecretsManager.4"])
        .fix("aws secretsmanager rotate-secret --secret-id SECRET --rotation-lambda-arn FN --rotation-rules AutomaticallyAfterDays=30"),
    row(SM_02, "Rotated within its own schedule", S::SecretsManager, High, Secrets)
        .prowler(&["secretsmanager_secret_rotated_periodically"])
        .security_hub(&["SecretsManager.2", "SecretsManager.4"])
        .fix("Look at the rotation function's logs for the last failure, fix it, then aws secretsmanager rotate-secret --secret-id SECRET."),
    row(SM_03, "Last rotation succeeded (no stuck AWSPENDING)", S::SecretsManager, High, Secrets)
        .security_hub(&["SecretsManager.2"])
        .fix("Find why the rotation failed (function logs), then remove the stale AWSPENDING label (aws secretsmanager update-secret-version-stage --remove-from-version-id) and rotate again."),
    row(SM_04, "Sensitive secrets use a customer-managed KMS key", S::SecretsManager, Medium, Encryption)
        .fix("aws secretsmanager update-secret --secret-id SECRET --kms-key-id CMK (then rotate so every version is re-encrypted)."),
    row(SM_05, "No unused secrets", S::SecretsManager, Low, Secrets)
        .prowler(&["secretsmanager_secret_unused"])
        .security_hub(&["SecretsManager.3"])
        .fix("Confirm the secret is not needed (CloudTrail GetSecretValue), then schedule its deletion (aws secretsmanager delete-secret --recovery-window-in-days 30)."),
    row(SM_06, "Secret not open to everyone through its resource policy", S::SecretsManager, Critical, Secrets)
        .prowler(&["secretsmanager_not_publicly_accessible"])
        .cis(&[], &[], &["2.21"])
        .fix("Remove Principal \"*\" statements from the secret's resource policy, or pin the caller (aws:PrincipalAccount, aws:PrincipalOrgID); aws secretsmanager delete-resource-policy or put-resource-policy --block-public-policy."),
    // ---- GuardDuty ------------------------------------------------------------------------------
    row(GD_01, "GuardDuty detector enabled in every enabled Region", S::GuardDuty, High, Detection)
        .prowler(&["guardduty_is_enabled"])
        .security_hub(&["GuardDuty.1"])
        .fix("aws guardduty create-detector --enable (or update-detector --enable) in the Region."),
    row(GD_02, "Required GuardDuty protection features enabled", S::GuardDuty, Medium, Detection)
        .prowler(&["guardduty_ec2_malware_protection_enabled", "guardduty_eks_audit_log_enabled", "guardduty_eks_runtime_monitoring_enabled", "guardduty_lambda_protection_enabled", "guardduty_rds_protection_enabled", "guardduty_runtime_monitoring_enabled", "guardduty_s3_protection_enabled"])
        .security_hub(&["GuardDuty.5", "GuardDuty.6", "GuardDuty.7", "GuardDuty.8", "GuardDuty.9", "GuardDuty.10", "GuardDuty.11", "GuardDuty.12", "GuardDuty.13"])
        .fix("aws guardduty update-detector --detector-id ID --features Name=FEATURE,Status=ENABLED for each missing feature."),
    row(GD_03, "Findings exported to S3 with KMS, destination PUBLISHING", S::GuardDuty, Medium, Detection)
        .fix("aws guardduty create-publishing-destination --destination-type S3 --destination-properties DestinationArn=BUCKET_ARN,KmsKeyArn=KEY_ARN; fix bucket and key policies if the status is not PUBLISHING."),
    row(GD_04, "Findings export bucket keeps findings long enough", S::GuardDuty, Medium, Detection)
        .fix("Set a lifecycle expiration of at least the retention threshold on the export bucket (or none), or Object Lock default retention of at least that long."),
    row(GD_05, "Threat detection validated by a passed drill within N days", S::GuardDuty, High, Detection)
        .fix("Run detector-guard's drill (aws lambda invoke --function-name DETECTOR_GUARD --payload '{\"action\":\"drill\"}') and fix the link it names; keep its schedule on and VIGIL_EVIDENCE_BUCKET set for both functions."),
    row(GD_06, "High-severity findings routed to a target by an EventBridge rule", S::GuardDuty, High, Detection)
        .fix("aws events put-rule --name guardduty-high --event-pattern '{\"source\":[\"aws.guardduty\"],\"detail-type\":[\"GuardDuty Finding\"],\"detail\":{\"severity\":[{\"numeric\":[\">=\",7]}]}}' then aws events put-targets --rule guardduty-high --targets Id=1,Arn=TOPIC_OR_FUNCTION_ARN (Vigil's stack routes them to guardduty-responder)."),
    row(GD_07, "GuardDuty AI Protection enabled", S::GuardDuty, High, Detection)
        .prowler(&["guardduty_ai_protection_enabled"])
        .fix("aws guardduty update-detector --detector-id ID --features Name=AI_PROTECTION,Status=ENABLED (in a Region that offers it; an organisation's delegated administrator can auto-enable it for every member)."),
    // ---- CloudTrail -----------------------------------------------------------------------------
    row(CT_01, "Multi-Region trail logging management events (read and write)", S::CloudTrail, Critical, Detection)
        .prowler(&["cloudtrail_bedrock_logging_enabled", "cloudtrail_multi_region_enabled", "cloudtrail_multi_region_enabled_logging_management_events"])
        .cis(&["3.1"], &["3.1"], &["4.1"])
        .security_hub(&["CloudTrail.1", "CloudTrail.3"])
        .fix("aws cloudtrail create-trail --is-multi-region-trail ...; aws cloudtrail start-logging; event selectors ReadWriteType=All with management events."),
    row(CT_02, "Log file validation enabled", S::CloudTrail, Medium, Detection)
        .prowler(&["cloudtrail_log_file_validation_enabled"])
        .cis(&["3.2"], &["3.2"], &["4.2"])
        .security_hub(&["CloudTrail.4"])
        .fix("aws cloudtrail update-trail --name TRAIL --enable-log-file-validation"),
    row(CT_03, "Trail logs encrypted with a KMS key", S::CloudTrail, Medium, Encryption)
        .prowler(&["cloudtrail_kms_encryption_enabled"])
        .cis(&["3.5"], &["3.5"], &["4.5"])
        .security_hub(&["CloudTrail.2"])
        .fix("aws cloudtrail update-trail --name TRAIL --kms-key-id CMK (the key policy must allow cloudtrail.amazonaws.com)."),
    row(CT_04, "Trail bucket not publicly accessible", S::CloudTrail, Critical, Detection)
        .prowler(&["cloudtrail_logs_s3_bucket_is_not_publicly_accessible"])
        .security_hub(&["CloudTrail.6"])
        .fix("Turn on all four Block Public Access settings on the trail bucket and remove public ACL grants and public policy statements."),
    row(CT_05, "Trail bucket has server access logging", S::CloudTrail, Low, Detection)
        .prowler(&["cloudtrail_logs_s3_bucket_access_logging_enabled"])
        .cis(&["3.4"], &["3.4"], &["4.4"])
        .security_hub(&["CloudTrail.7"])
        .fix("aws s3api put-bucket-logging --bucket TRAIL_BUCKET --bucket-logging-status file://logging.json (target: a separate log bucket)."),
    row(CT_06, "Trail delivers to CloudWatch Logs (delivered within the threshold)", S::CloudTrail, Medium, Detection)
        .prowler(&["cloudtrail_cloudwatch_logging_enabled"])
        .security_hub(&["CloudTrail.5"])
        .fix("aws cloudtrail update-trail --name TRAIL --cloud-watch-logs-log-group-arn ARN --cloud-watch-logs-role-arn ROLE"),
    row(CT_07, "Trail logs retained at least the threshold", S::CloudTrail, Medium, Detection)
        .security_hub(&["CloudWatch.16"])
        .verify(&["CloudWatch.16"])
        .fix("aws logs put-retention-policy --log-group-name GROUP --retention-in-days 365; make sure the trail bucket's lifecycle expires nothing earlier than the threshold."),
    row(CT_08, "S3 object-level write events logged for every bucket", S::CloudTrail, Low, Detection)
        .prowler(&["cloudtrail_s3_dataevents_write_enabled"])
        .cis(&["3.8"], &["3.8"], &["4.8"])
        .security_hub(&["S3.22"])
        .fix("aws cloudtrail put-event-selectors --trail-name TRAIL --advanced-event-selectors '[{\"Name\":\"S3 writes\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]},{\"Field\":\"readOnly\",\"Equals\":[\"false\"]}]}]' (keep the management-events selector)."),
    row(CT_09, "S3 object-level read events logged for every bucket", S::CloudTrail, Low, Detection)
        .prowler(&["cloudtrail_s3_dataevents_read_enabled"])
        .cis(&["3.9"], &["3.9"], &["4.9"])
        .security_hub(&["S3.23"])
        .fix("As for CT-08 with readOnly true (or drop the readOnly field to log reads and writes); data events are billed per event, so weigh the buckets' traffic."),
    row(CT_10, "CloudTrail Insights on a logging trail", S::CloudTrail, Low, Detection)
        .prowler(&["cloudtrail_insights_exist"])
        .fix("aws cloudtrail put-insight-selectors --trail-name TRAIL --insight-selectors '[{\"InsightType\":\"ApiCallRateInsight\"},{\"InsightType\":\"ApiErrorRateInsight\"}]' (the trail must log management events; aws cloudtrail start-logging if it is stopped). Insights events are billed per event analysed."),
    // ---- CloudWatch (CIS 4.x / v7 5.x) ----------------------------------------------------------
    cw!(CW_01, "unauthorized API calls", Medium, "cloudwatch_log_metric_filter_unauthorized_api_calls", &["4.1"], &["5.1"], &["CloudWatch.2"]),
    cw!(CW_02, "console sign-in without MFA", Medium, "cloudwatch_log_metric_filter_sign_in_without_mfa", &["4.2"], &["5.2"], &["CloudWatch.3"]),
    cw!(CW_03, "root account usage", High, "cloudwatch_log_metric_filter_root_usage", &["4.3"], &["5.3"], &["CloudWatch.1"]),
    cw!(CW_04, "IAM policy changes", Medium, "cloudwatch_log_metric_filter_policy_changes", &["4.4"], &["5.4"], &["CloudWatch.4"]),
    cw!(CW_05, "CloudTrail configuration changes", High, "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled", &["4.5"], &["5.5"], &["CloudWatch.5"]),
    cw!(CW_06, "console authentication failures", Low, "cloudwatch_log_metric_filter_authentication_failures", &["4.6"], &["5.6"], &["CloudWatch.6"]),
    cw!(CW_07, "disabling or scheduled deletion of CMKs", Medium, "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk", &["4.7"], &["5.7"], &["CloudWatch.7"]),
    cw!(CW_08, "S3 bucket policy changes", Medium, "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes", &["4.8"], &["5.8"], &["CloudWatch.8"]),
    cw!(CW_09, "AWS Config configuration changes", Low, "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled", &["4.9"], &["5.9"], &["CloudWatch.9"]),
    cw!(CW_10, "security group changes", Medium, "cloudwatch_log_metric_filter_security_group_changes", &["4.10"], &["5.10"], &["CloudWatch.10"]),
    cw!(CW_11, "network ACL changes", Medium, "cloudwatch_changes_to_network_acls_alarm_configured", &["4.11"], &["5.11"], &["CloudWatch.11"]),
    cw!(CW_12, "network gateway changes", Medium, "cloudwatch_changes_to_network_gateways_alarm_configured", &["4.12"], &["5.12"], &["CloudWatch.12"]),
    cw!(CW_13, "route table changes", Medium, "cloudwatch_changes_to_network_route_tables_alarm_configured", &["4.13"], &["5.13"], &["CloudWatch.13"]),
    cw!(CW_14, "VPC changes", Medium, "cloudwatch_changes_to_vpcs_alarm_configured", &["4.14"], &["5.14"], &["CloudWatch.14"]),
    cw!(CW_15, "AWS Organizations changes", Medium, "cloudwatch_log_metric_filter_aws_organizations_changes", &["4.15"], &["5.15"], &[]),
    row(CW_16, "Alarms have an ALARM action and actions enabled", S::CloudWatch, Medium, Detection)
        .prowler(&["cloudwatch_alarm_actions_alarm_state_configured", "cloudwatch_alarm_actions_enabled"])
        .security_hub(&["CloudWatch.15", "CloudWatch.17"])
        .verify(&["CloudWatch.15", "CloudWatch.17"])
        .fix("aws cloudwatch put-metric-alarm ... --alarm-actions TOPIC_ARN --actions-enabled"),
    row(CW_17, "Log groups keep events at least the threshold", S::CloudWatch, Medium, Detection)
        .prowler(&["cloudwatch_log_group_retention_policy_specific_days_enabled"])
        .security_hub(&["CloudWatch.16"])
        .fix("aws logs put-retention-policy --log-group-name GROUP --retention-in-days 365 (or more; VIGIL_SWEEP_LOG_GROUP_RETENTION_DAYS sets the minimum)"),
    row(CW_18, "Log groups encrypted with a KMS key", S::CloudWatch, Medium, Encryption)
        .prowler(&["cloudwatch_log_group_kms_encryption_enabled"])
        .fix("aws logs associate-kms-key --log-group-name GROUP --kms-key-id CMK_ARN (the key policy must allow logs.REGION.amazonaws.com with a kms:EncryptionContext:aws:logs:arn condition)"),
    // ---- RDS ------------------------------------------------------------------------------------
    row(RDS_01, "Storage encrypted", S::Rds, High, Encryption)
        .prowler(&["rds_cluster_storage_encrypted", "rds_instance_storage_encrypted"])
        .cis(&["2.3.1"], &["2.2.1"], &["3.2.1"])
        .security_hub(&["RDS.3", "RDS.27"])
        .fix("Encryption cannot be turned on in place: snapshot, copy the snapshot with --kms-key-id CMK, restore, switch over."),
    row(RDS_02, "Not publicly accessible", S::Rds, Critical, Encryption)
        .prowler(&["rds_instance_no_public_access"])
        .cis(&["2.3.3"], &["2.2.3"], &["3.2.3"])
        .security_hub(&["RDS.2"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --no-publicly-accessible --apply-immediately"),
    row(RDS_03, "TLS required for connections", S::Rds, High, Encryption)
        .prowler(&["rds_instance_transport_encrypted"])
        .security_hub(&["RDS.38", "RDS.39", "RDS.41", "RDS.44"])
        .fix("Set rds.force_ssl=1 (PostgreSQL, SQL Server) or require_secure_transport=ON (MySQL, MariaDB; the cluster parameter group for Aurora) in a custom parameter group attached to the database."),
    row(RDS_04, "IAM database authentication enabled", S::Rds, Medium, Identity)
        .prowler(&["rds_cluster_iam_authentication_enabled", "rds_instance_iam_authentication_enabled"])
        .security_hub(&["RDS.10", "RDS.12"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --enable-iam-database-authentication (modify-db-cluster for Aurora)"),
    row(RDS_05, "Automated backups retained at least the threshold", S::Rds, Medium, Encryption)
        .prowler(&["rds_instance_backup_enabled"])
        .security_hub(&["RDS.11"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --backup-retention-period 7"),
    row(RDS_06, "Deletion protection enabled", S::Rds, Low, Encryption)
        .prowler(&["rds_cluster_deletion_protection", "rds_instance_deletion_protection"])
        .security_hub(&["RDS.8", "RDS.7"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --deletion-protection (modify-db-cluster for Aurora)"),
    row(RDS_07, "Master user name is not a well-known default", S::Rds, Medium, Identity)
        .prowler(&["rds_cluster_default_admin", "rds_instance_default_admin"])
        .security_hub(&["RDS.24", "RDS.25"])
        .fix("The master user name cannot be changed in place: restore a snapshot (or create a new database) with --master-username set to a non-default name, switch over, and keep the master credential in Secrets Manager with rotation."),
    row(RDS_08, "Multi-AZ deployment", S::Rds, Medium, Encryption)
        .prowler(&["rds_cluster_multi_az", "rds_instance_multi_az"])
        .cis(&[], &["2.2.4"], &["3.2.4"])
        .security_hub(&["RDS.15", "RDS.5"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --multi-az --apply-immediately (Aurora: add a reader in another Availability Zone)"),
    row(RDS_09, "Automatic minor version upgrades on", S::Rds, Medium, Encryption)
        .prowler(&["rds_cluster_minor_version_upgrade_enabled", "rds_instance_minor_version_upgrade_enabled"])
        .cis(&["2.3.2"], &["2.2.2"], &["3.2.2"])
        .security_hub(&["RDS.35", "RDS.13"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --auto-minor-version-upgrade (modify-db-cluster for a Multi-AZ DB cluster)"),
    row(RDS_10, "Tags copied to snapshots", S::Rds, Low, Encryption)
        .prowler(&["rds_cluster_copy_tags_to_snapshots", "rds_instance_copy_tags_to_snapshots"])
        .security_hub(&["RDS.16", "RDS.17"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --copy-tags-to-snapshot (modify-db-cluster for Aurora)"),
    row(RDS_11, "Database logs exported to CloudWatch Logs", S::Rds, Medium, Detection)
        .prowler(&["rds_cluster_integration_cloudwatch_logs", "rds_instance_integration_cloudwatch_logs"])
        .security_hub(&["RDS.37", "RDS.34", "RDS.9", "RDS.36", "RDS.40", "RDS.42"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --cloudwatch-logs-export-configuration '{\"EnableLogTypes\":[\"postgresql\"]}' (error, general, slowquery, audit for MySQL; modify-db-cluster for Aurora)"),
    row(RDS_12, "TLS 1.2 or newer enforced by the (cluster) parameter group", S::Rds, Medium, Encryption)
        .fix("In a custom (cluster) parameter group: PostgreSQL rds.force_ssl=1 and ssl_min_protocol_version=TLSv1.2; MySQL/MariaDB require_secure_transport=ON and tls_version=TLSv1.2,TLSv1.3; SQL Server rds.force_ssl=1, rds.tls10=disabled, rds.tls11=disabled (aws rds modify-db-parameter-group --parameters ...; modify-db-cluster-parameter-group for Aurora), then reboot if the parameter is static."),
    row(RDS_13, "Enhanced Monitoring on", S::Rds, Low, Detection)
        .prowler(&["rds_instance_enhanced_monitoring_enabled"])
        .security_hub(&["RDS.6"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --monitoring-interval 60 --monitoring-role-arn arn:aws:iam::ACCOUNT:role/rds-monitoring-role (a role trusting monitoring.rds.amazonaws.com with AmazonRDSEnhancedMonitoringRole)"),
    row(RDS_14, "Not listening on the engine's default port", S::Rds, Low, Encryption)
        .prowler(&["rds_cluster_non_default_port", "rds_instance_non_default_port"])
        .security_hub(&["RDS.23"])
        .fix("aws rds modify-db-instance --db-instance-identifier DB --db-port-number PORT (modify-db-cluster --port for a cluster); clients and security groups move to the new port"),
    row(RDS_15, "Instance inside a VPC", S::Rds, High, Encryption)
        .prowler(&["rds_instance_inside_vpc"])
        .security_hub(&["RDS.18"])
        .fix("Restore a snapshot into a DB subnet group of a VPC (aws rds restore-db-instance-from-db-snapshot --db-subnet-group-name GROUP ...) and switch over"),
    row(RDS_16, "Not enrolled in paid RDS Extended Support", S::Rds, Medium, Encryption)
        .prowler(&["rds_instance_extended_support"])
        .fix("Upgrade the major version before its standard support ends, and opt out: aws rds modify-db-instance --db-instance-identifier DB --engine-lifecycle-support open-source-rds-extended-support-disabled (modify-db-cluster for Aurora and Multi-AZ DB clusters)"),
    row(RDS_17, "Server certificate valid for at least the configured days", S::Rds, High, Encryption)
        .prowler(&["rds_instance_certificate_expiration"])
        .fix("Move the instance to a current CA: aws rds modify-db-instance --db-instance-identifier DB --ca-certificate-identifier rds-ca-rsa2048-g1 --apply-immediately (after clients trust the new CA bundle)"),
    row(RDS_18, "Aurora MySQL backtracking on", S::Rds, Low, Encryption)
        .prowler(&["rds_cluster_backtrack_enabled"])
        .security_hub(&["RDS.14"])
        .fix("aws rds modify-db-cluster --db-cluster-identifier CLUSTER --backtrack-window 86400 (Aurora MySQL; a cluster created without backtracking must be restored or cloned with it)"),
    // ---- S3 -------------------------------------------------------------------------------------
    row(S3_01, "Account-level Block Public Access (all four settings)", S::S3, High, Encryption)
        .prowler(&["s3_account_level_public_access_blocks"])
        .cis(&["2.1.4"], &["2.1.4"], &["3.1.4"])
        .security_hub(&["S3.1"])
        .fix("aws s3control put-public-access-block --account-id ACCOUNT --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"),
    row(S3_02, "Bucket-level Block Public Access (or covered by the account)", S::S3, High, Encryption)
        .prowler(&["s3_bucket_level_public_access_block"])
        .cis(&["2.1.4"], &["2.1.4"], &["3.1.4"])
        .security_hub(&["S3.8"])
        .fix("aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"),
    row(S3_03, "Bucket policy denies requests without TLS", S::S3, Medium, Encryption)
        .prowler(&["s3_bucket_secure_transport_policy"])
        .cis(&["2.1.1"], &["2.1.1"], &["3.1.1"])
        .security_hub(&["S3.5"])
        .fix("Add a Deny statement for Principal \"*\", Action s3:*, Resource [bucket ARN, bucket ARN/*] with Condition Bool aws:SecureTransport=false."),
    row(S3_04, "Default encryption with a customer-managed KMS key", S::S3, Medium, Encryption)
        .prowler(&["s3_bucket_default_encryption", "s3_bucket_kms_encryption"])
        .security_hub(&["S3.17"])
        .fix("aws s3api put-bucket-encryption --bucket BUCKET --server-side-encryption-configuration '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"CMK_ARN\"},\"BucketKeyEnabled\":true}]}'"),
    row(S3_05, "Bucket not public through its ACL or policy", S::S3, Critical, Encryption)
        .prowler(&["s3_bucket_public_access", "s3_bucket_public_list_acl", "s3_bucket_public_write_acl", "s3_bucket_policy_public_write_access"])
        .cis(&[], &[], &["2.21"])
        .security_hub(&["S3.2", "S3.3"])
        .fix("Remove ACL grants to AllUsers / AuthenticatedUsers (aws s3api put-bucket-acl --bucket BUCKET --acl private) and Allow statements to Principal \"*\" without an aws:SourceAccount / aws:PrincipalOrgID condition; turn on Block Public Access (IgnorePublicAcls, RestrictPublicBuckets)."),
    row(S3_06, "Bucket versioning enabled", S::S3, Medium, Encryption)
        .prowler(&["s3_bucket_object_versioning"])
        .security_hub(&["S3.14"])
        .fix("aws s3api put-bucket-versioning --bucket BUCKET --versioning-configuration Status=Enabled (and a lifecycle rule expiring noncurrent versions)"),
    row(S3_07, "Bucket server access logging enabled", S::S3, Medium, Detection)
        .prowler(&["s3_bucket_server_access_logging_enabled"])
        .security_hub(&["S3.9"])
        .fix("aws s3api put-bucket-logging --bucket BUCKET --bucket-logging-status '{\"LoggingEnabled\":{\"TargetBucket\":\"LOG_BUCKET\",\"TargetPrefix\":\"BUCKET/\"}}' (a log bucket in the same Region whose policy lets logging.s3.amazonaws.com write)"),
    row(S3_08, "Bucket policy refuses TLS older than 1.2", S::S3, Medium, Encryption)
        .fix("Add a Deny statement for Principal \"*\", Action s3:*, Resource [bucket ARN, bucket ARN/*] with Condition NumericLessThan s3:TlsVersion 1.2 (next to the aws:SecureTransport=false Deny)."),
    row(S3_09, "Bucket policy lets in no principal of another account", S::S3, High, Encryption)
        .prowler(&["s3_bucket_cross_account_access"])
        .security_hub(&["S3.6"])
        .fix("Remove the Allow statements naming other accounts' principals (or \"*\" without a condition pinning aws:PrincipalAccount to this account) from the bucket policy (aws s3api put-bucket-policy, or delete-bucket-policy); share data with another account through an access point or a role it assumes with sts:ExternalId."),
    // ---- Lambda ---------------------------------------------------------------------------------
    row(LAM_01, "No secrets in Lambda environment variables", S::Lambda, High, Secrets)
        .prowler(&["awslambda_function_no_secrets_in_variables"])
        .fix("Move the value to Secrets Manager (or SSM SecureString), read it at start-up, remove the variable, and rotate the exposed credential: it was readable by anyone with lambda:GetFunctionConfiguration."),
    row(LAM_02, "Functions run on a runtime Lambda still supports", S::Lambda, Medium, Secrets)
        .prowler(&["awslambda_function_using_supported_runtimes"])
        .security_hub(&["Lambda.2"])
        .fix("Move the function to a supported runtime (e.g. python3.13, nodejs22.x, java21) and redeploy: aws lambda update-function-configuration --function-name FN --runtime RUNTIME"),
    row(LAM_03, "Environment variables encrypted with a customer-managed key", S::Lambda, Medium, Encryption)
        .prowler(&["awslambda_function_env_vars_not_encrypted_with_cmk"])
        .fix("aws lambda update-function-configuration --function-name FN --kms-key-arn CMK_ARN (the execution role needs kms:Decrypt on the key)"),
    row(LAM_04, "Function not public through its resource policy or an unauthenticated URL", S::Lambda, Critical, Identity)
        .prowler(&["awslambda_function_not_publicly_accessible", "awslambda_function_url_public"])
        .cis(&[], &[], &["2.21"])
        .security_hub(&["Lambda.1"])
        .fix("Remove the statement granting Principal \"*\" (aws lambda remove-permission --function-name FN --statement-id SID) or pin it with aws:SourceAccount / aws:SourceArn; set the function URL's AuthType to AWS_IAM (aws lambda update-function-url-config --auth-type AWS_IAM)."),
    row(LAM_05, "Function URL CORS does not allow every origin", S::Lambda, Medium, Identity)
        .prowler(&["awslambda_function_url_cors_policy"])
        .fix("Name the web origins that may call the URL (aws lambda update-function-url-config --function-name FN --cors AllowOrigins=https://app.example.com), or remove the CORS configuration if no browser calls it."),
    row(LAM_06, "Function attached to a VPC", S::Lambda, Low, Identity)
        .prowler(&["awslambda_function_inside_vpc"])
        .security_hub(&["Lambda.3"])
        .fix("aws lambda update-function-configuration --function-name FN --vpc-config SubnetIds=SUBNET_A,SUBNET_B,SecurityGroupIds=SG (private subnets in two or more zones; VPC endpoints or a NAT gateway for the AWS APIs it calls; the execution role needs AWSLambdaVPCAccessExecutionRole's ENI permissions)."),
    row(LAM_07, "Dead-letter queue for failed asynchronous invocations", S::Lambda, Medium, Detection)
        .prowler(&["awslambda_function_no_dead_letter_queue"])
        .fix("aws lambda update-function-configuration --function-name FN --dead-letter-config TargetArn=SQS_QUEUE_OR_SNS_TOPIC_ARN (the execution role needs sqs:SendMessage or sns:Publish on it; alarm on the queue's depth). An on-failure destination (aws lambda put-function-event-invoke-config --destination-config OnFailure={Destination=ARN}) does the same job; a function only ever invoked synchronously needs neither: mute its finding with that reason."),
    row(LAM_08, "Function uses no layer of another account", S::Lambda, High, Identity)
        .prowler(&["awslambda_function_using_cross_account_layers"])
        .fix("Publish the layer's content in this account (aws lambda publish-layer-version --layer-name NAME --zip-file fileb://layer.zip) after reviewing it, then point the function at it: aws lambda update-function-configuration --function-name FN --layers OWN_LAYER_VERSION_ARN. A vendor layer kept on purpose: pin its version and mute the finding with the review's reason."),
    row(LAM_09, "Function invocations recorded by a CloudTrail trail (Lambda data events)", S::Lambda, Low, Detection)
        .prowler(&["awslambda_function_invoke_api_operations_cloudtrail_logging_enabled"])
        .fix("aws cloudtrail put-event-selectors --trail-name TRAIL --advanced-event-selectors '[{\"Name\":\"Lambda invocations\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::Lambda::Function\"]}]}]' on a multi-Region trail that is logging (keep its other selectors: the call replaces them). Data events are billed per event: a busy function's invocations can cost more than the rest of the trail."),
    // ---- SSM Parameter Store --------------------------------------------------------------------
    row(SSM_01, "No secrets in Parameter Store String or StringList parameters", S::Ssm, High, Secrets)
        .fix("Move the value to a SecureString parameter (aws ssm put-parameter --type SecureString --overwrite) or to Secrets Manager, update its readers, and rotate the exposed credential: anyone allowed ssm:GetParameter on it could read it."),
    // ---- IAM Access Analyzer --------------------------------------------------------------------
    row(AA_01, "IAM Access Analyzer external access analyzer active in every Region", S::AccessAnalyzer, Medium, Identity)
        .prowler(&["accessanalyzer_enabled"])
        .cis(&["1.20"], &["1.20"], &["2.18"])
        .security_hub(&["IAM.28"])
        .fix("aws accessanalyzer create-analyzer --analyzer-name account-external-access --type ACCOUNT --region REGION (ORGANIZATION from the delegated administrator account); an unused-access analyzer does not count: it finds no external access."),
    row(AA_02, "No active IAM Access Analyzer findings", S::AccessAnalyzer, Medium, Identity)
        .prowler(&["accessanalyzer_enabled_without_findings"])
        .fix("Review each active finding (aws accessanalyzer list-findings-v2 --analyzer-arn ARN --filter '{\"status\":{\"eq\":[\"ACTIVE\"]}}'): remove the access it reports from the resource's policy, or archive it (aws accessanalyzer update-findings --status ARCHIVED) or add an archive rule when the access is intended."),
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
pub fn of(service: Service) -> impl Iterator<Item = &'static Check> {
    CATALOGUE.iter().filter(move |c| c.service == service)
}

/// The rows that cover the Prowler check `prowler_id`.
pub fn covering(prowler_id: &str) -> impl Iterator<Item = &'static Check> {
    CATALOGUE
        .iter()
        .filter(move |c| c.prowler.contains(&prowler_id))
}

/// A stored id (a part of a split run, a record of the previous run) is read back through its
/// row: an id the catalogue does not have is an error, not a new check.
impl<'de> serde::Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        find(&text)
            .map(|c| c.id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown check id {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::prowler;
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn at_least_45_unique_checks_each_complete() {
        assert!(CATALOGUE.len() >= 45, "{}", CATALOGUE.len());
        let mut ids = HashSet::new();
        for c in CATALOGUE {
            assert!(ids.insert(c.id), "duplicate id {}", c.id);
            assert!(!c.title.is_empty() && !c.remediation.is_empty(), "{}", c.id);
        }
    }

    /// Each prefix has the ids `01` up to its count without gaps, and at least the rows the
    /// project's reference table CHECKS.md (outside this repository) has: the minimum counts
    /// are typed by hand; this test does not read that file.
    #[test]
    fn each_prefix_has_ids_01_up_to_at_least_its_hand_kept_count() {
        let mut by_prefix: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for c in CATALOGUE {
            let (prefix, n) = c.id.as_str().rsplit_once('-').expect("PREFIX-NN");
            assert_eq!(n.len(), 2, "{}: two digits", c.id);
            by_prefix
                .entry(prefix)
                .or_default()
                .push(n.parse().expect("digits"));
        }
        for (prefix, min) in [
            ("IAM", 14),
            ("LP", 4),
            ("KMS", 4),
            ("SM", 5),
            ("GD", 4),
            ("CT", 7),
            ("CW", 16),
            ("RDS", 6),
            ("S3", 4),
            ("LAM", 1),
            ("SSM", 1),
        ] {
            let n = by_prefix.get(prefix).map_or(0, Vec::len);
            assert!(n >= min, "{prefix}: {n} rows, CHECKS.md has {min}");
        }
        for (prefix, mut numbers) in by_prefix {
            numbers.sort_unstable();
            let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
            assert_eq!(numbers, expected, "{prefix}: ids run from 01 without gaps");
        }
    }

    #[test]
    fn every_prowler_id_named_is_a_prowler_check_and_its_mappings_are_carried() {
        for c in CATALOGUE {
            let mut seen = HashSet::new();
            for p in c.prowler {
                assert!(seen.insert(p), "{}: {p} named twice", c.id);
                let pc = prowler::find(p)
                    .unwrap_or_else(|| panic!("{}: {p} is not a Prowler 5.46.0 check", c.id));
                for (version, ours, theirs) in [
                    ("v3.0", c.cis_v3, pc.cis_v3),
                    ("v4.0.1", c.cis_v4, pc.cis_v4),
                    ("v7.0", c.cis_v7, pc.cis_v7),
                    ("Security Hub", c.security_hub, pc.security_hub),
                ] {
                    for id in theirs {
                        assert!(
                            ours.contains(id),
                            "{}: covers {p}, which maps to {version} {id}; the row does not",
                            c.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn ids_are_written_as_their_frameworks_write_them() {
        let cis = regex::Regex::new(r"^\d+(\.\d+)+$").unwrap();
        let sh = regex::Regex::new(r"^[A-Za-z0-9]+\.\d+$").unwrap();
        for c in CATALOGUE {
            for (v, ids) in CIS_VERSIONS.iter().zip(c.cis_ids()) {
                for id in ids {
                    assert!(cis.is_match(id), "{}: CIS v{v} {id:?}", c.id);
                }
            }
            for id in c.security_hub {
                assert!(sh.is_match(id), "{}: Security Hub {id:?}", c.id);
            }
            for id in c.to_verify {
                assert!(
                    c.security_hub.contains(id),
                    "{}: {id} to verify is not among its Security Hub ids",
                    c.id
                );
            }
        }
    }

    /// ★ = no Prowler counterpart. IAM-04, IAM-11 and LAM-01 were ★ in CHECKS.md, but Prowler
    /// has the check (Vigil's differs in how it decides); SM-04 was not, and Prowler has none.
    #[test]
    fn star_rows_are_those_without_a_prowler_counterpart() {
        for id in [
            "LP-02", "LP-04", "KMS-02", "SM-03", "SM-04", "GD-03", "GD-04", "CT-07", "SSM-01",
            "RDS-12", "GD-06",
        ] {
            assert!(find(id).unwrap().beyond_prowler(), "{id}");
        }
        for id in ["IAM-04", "IAM-11", "LAM-01", "KMS-01", "CW-16"] {
            assert!(!find(id).unwrap().beyond_prowler(), "{id}");
        }
    }

    /// The Prowler checks `docs/checks-not-covered.md` lists: (by decision, not yet).
    fn not_covered() -> (Vec<&'static str>, Vec<&'static str>) {
        let doc = include_str!("../../../../docs/checks-not-covered.md");
        let (decided, yet) = doc
            .split_once("## Not covered yet")
            .expect("the page has its two sections");
        let row = regex::Regex::new(r"(?m)^\| `([a-z0-9_]+)` \|").unwrap();
        let ids = |text: &'static str| -> Vec<&'static str> {
            row.captures_iter(text)
                .map(|c| c.get(1).unwrap().as_str())
                .collect()
        };
        (ids(decided), ids(yet))
    }

    /// Every Prowler check in the ten services is covered by a catalogue row or listed in
    /// docs/checks-not-covered.md with its reason, never both, never neither.
    #[test]
    fn every_prowler_check_is_covered_or_explained_once() {
        let (decided, yet) = not_covered();
        let mut listed = HashSet::new();
        for id in decided.iter().chain(&yet) {
            assert!(
                prowler::find(id).is_some(),
                "{id} is not a Prowler 5.46.0 check"
            );
            assert!(
                listed.insert(*id),
                "{id} listed twice in docs/checks-not-covered.md"
            );
        }
        for p in prowler::CHECKS {
            let covered = covering(p.id).next().is_some();
            let explained = listed.contains(p.id);
            assert!(
                covered != explained,
                "{}: {}",
                p.id,
                if covered {
                    "covered by a catalogue row: remove it from docs/checks-not-covered.md"
                } else {
                    "neither covered nor in docs/checks-not-covered.md"
                }
            );
        }
    }

    /// The README's coverage paragraph states today's counts and the checks left out by
    /// decision.
    #[test]
    fn the_readme_states_the_coverage() {
        let readme = include_str!("../../../../README.md");
        let block = readme
            .split_once("<!-- sweep-coverage:begin -->")
            .and_then(|(_, rest)| rest.split_once("<!-- sweep-coverage:end -->"))
            .map(|(block, _)| block)
            .expect("README has the sweep-coverage block");
        let (decided, yet) = not_covered();
        let covered = prowler::CHECKS
            .iter()
            .filter(|p| covering(p.id).next().is_some())
            .count();
        for said in [
            format!("**{} checks**", CATALOGUE.len()),
            format!("**{covered} of the {}**", prowler::CHECKS.len()),
            format!("The other {}", prowler::CHECKS.len() - covered),
            format!("**{} left out by decision**", decided.len()),
            format!("**{} not covered yet**", yet.len()),
        ] {
            assert!(block.contains(&said), "README coverage block: say {said:?}");
        }
        for id in decided {
            assert!(block.contains(&format!("`{id}`")), "README: list {id}");
        }
    }

    #[test]
    fn covering_finds_the_rows_of_a_prowler_check() {
        let rows: Vec<&str> = covering("secretsmanager_secret_rotated_periodically")
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(rows, ["SM-01", "SM-02"]);
        assert_eq!(covering("no_such_check").count(), 0);
    }
}
