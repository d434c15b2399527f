//! Prowler 5.46.0's checks in the ten services the sweep reads (iam, kms, secretsmanager,
//! guardduty, cloudtrail, cloudwatch incl. CloudWatch Logs, rds, s3 incl. S3 Control,
//! awslambda, accessanalyzer), as data: the yardstick security teams compare a sweep with.
//!
//! Each check's CIS ids come from Prowler's `cis_3.0_aws.json`, `cis_4.0_aws.json` (v4.0.1)
//! and `cis_7.0_aws.json`; its Security Hub ids from Prowler's FSBP mapping, with the two
//! wrong mappings removed (IAM.26 on the unused-credential checks, S3.7 on
//! `s3_bucket_cross_account_access`) and the controls whose titles match but which Prowler
//! leaves unmapped added. Source: /work/research/prowler-checks.json, read from the
//! `prowler==5.46.0` wheel.
//!
//! The catalogue's rows name the checks they cover ([`super::catalogue::Check::prowler`]);
//! `docs/checks-not-covered.md` says why each of the others is not.

use serde::Serialize;
use vigil::alert::Severity;
use vigil::alert::Severity::*;

/// The Prowler release this inventory was read from.
pub const VERSION: &str = "5.46.0";

/// One Prowler check.
#[derive(Debug, Clone, Serialize)]
pub struct ProwlerCheck {
    pub id: &'static str,
    /// Prowler's service name (`awslambda`, `accessanalyzer`, ...).
    pub service: &'static str,
    pub severity: Severity,
    pub cis_v3: &'static [&'static str],
    pub cis_v4: &'static [&'static str],
    pub cis_v7: &'static [&'static str],
    pub security_hub: &'static [&'static str],
}

const fn p(
    id: &'static str,
    service: &'static str,
    severity: Severity,
    cis_v3: &'static [&'static str],
    cis_v4: &'static [&'static str],
    cis_v7: &'static [&'static str],
    security_hub: &'static [&'static str],
) -> ProwlerCheck {
    ProwlerCheck {
        id,
        service,
        severity,
        cis_v3,
        cis_v4,
        cis_v7,
        security_hub,
    }
}

/// The 189 checks, in Prowler's service order: one line each, a table.
#[rustfmt::skip]
pub const CHECKS: &[ProwlerCheck] = &[
    p("iam_administrator_access_with_mfa", "iam", High, &[], &[], &[], &[]),
    p("iam_avoid_root_usage", "iam", High, &["1.7"], &["1.7"], &["2.7"], &["IAM.20"]),
    p("iam_aws_attached_policy_no_administrative_privileges", "iam", Critical, &["1.16"], &["1.16"], &["2.14"], &["IAM.1"]),
    p("iam_check_saml_providers_sts", "iam", Low, &["1.21"], &["1.21"], &["2.19"], &[]),
    p("iam_customer_attached_policy_no_administrative_privileges", "iam", High, &["1.16"], &["1.16"], &["2.14"], &["IAM.1"]),
    p("iam_customer_unattached_policy_no_administrative_privileges", "iam", Medium, &[], &[], &[], &[]),
    p("iam_group_administrator_access_policy", "iam", High, &[], &[], &[], &[]),
    p("iam_inline_policy_allows_privilege_escalation", "iam", High, &[], &[], &[], &[]),
    p("iam_inline_policy_no_administrative_privileges", "iam", Critical, &[], &[], &[], &["IAM.1"]),
    p("iam_inline_policy_no_full_access_to_cloudtrail", "iam", High, &[], &[], &[], &[]),
    p("iam_inline_policy_no_full_access_to_kms", "iam", Medium, &[], &[], &[], &[]),
    p("iam_inline_policy_no_wildcard_marketplace_subscribe", "iam", Medium, &[], &[], &[], &[]),
    p("iam_no_custom_policy_permissive_role_assumption", "iam", High, &[], &[], &[], &[]),
    p("iam_no_expired_server_certificates_stored", "iam", High, &["1.19"], &["1.19"], &["2.17"], &["IAM.26"]),
    p("iam_no_root_access_key", "iam", Critical, &["1.4"], &["1.4"], &["2.4"], &["IAM.4"]),
    p("iam_password_policy_expires_passwords_within_90_days_or_less", "iam", Medium, &[], &[], &[], &["IAM.7", "IAM.10"]),
    p("iam_password_policy_lowercase", "iam", Low, &[], &[], &[], &["IAM.7", "IAM.10"]),
    p("iam_password_policy_minimum_length_14", "iam", Medium, &["1.8"], &["1.8"], &["2.8"], &["IAM.7", "IAM.10"]),
    p("iam_password_policy_number", "iam", Medium, &[], &[], &[], &["IAM.7", "IAM.10"]),
    p("iam_password_policy_reuse_24", "iam", Medium, &["1.9"], &["1.9"], &["2.9"], &["IAM.7", "IAM.10"]),
    p("iam_password_policy_symbol", "iam", Medium, &[], &[], &[], &["IAM.7", "IAM.10"]),
    p("iam_password_policy_uppercase", "iam", Medium, &[], &[], &[], &["IAM.7", "IAM.10"]),
    p("iam_policy_allows_privilege_escalation", "iam", High, &[], &[], &[], &[]),
    p("iam_policy_attached_only_to_group_or_roles", "iam", Low, &["1.15"], &["1.15"], &["2.13"], &["IAM.2"]),
    p("iam_policy_cloudshell_admin_not_attached", "iam", Medium, &[], &["1.22"], &["2.20"], &["IAM.27"]),
    p("iam_policy_no_agentcore_workload_access_token_wildcard", "iam", High, &[], &[], &[], &[]),
    p("iam_policy_no_full_access_to_cloudtrail", "iam", Medium, &[], &[], &[], &[]),
    p("iam_policy_no_full_access_to_kms", "iam", Medium, &[], &[], &[], &[]),
    p("iam_policy_no_wildcard_marketplace_subscribe", "iam", Medium, &[], &[], &[], &[]),
    p("iam_policy_passrole_to_bedrock_agentcore_restricted", "iam", High, &[], &[], &[], &[]),
    p("iam_role_access_not_stale_to_bedrock", "iam", Medium, &[], &[], &[], &[]),
    p("iam_role_administratoraccess_policy", "iam", High, &[], &[], &[], &[]),
    p("iam_role_cross_account_readonlyaccess_policy", "iam", High, &[], &[], &[], &[]),
    p("iam_role_cross_service_confused_deputy_prevention", "iam", High, &[], &[], &[], &[]),
    p("iam_role_service_trust_restricts_source_to_account", "iam", Medium, &[], &[], &[], &[]),
    p("iam_root_credentials_management_enabled", "iam", High, &[], &[], &["2.1.1"], &[]),
    p("iam_root_hardware_mfa_enabled", "iam", Critical, &["1.6"], &["1.6"], &["2.6"], &["IAM.6"]),
    p("iam_root_mfa_enabled", "iam", Critical, &["1.5"], &["1.5"], &["2.5"], &["IAM.9"]),
    p("iam_rotate_access_key_90_days", "iam", Medium, &["1.14"], &["1.14"], &["2.12"], &["IAM.3"]),
    p("iam_securityaudit_role_created", "iam", Low, &[], &[], &[], &[]),
    p("iam_support_role_created", "iam", Low, &["1.17"], &["1.17"], &["2.15"], &["IAM.18"]),
    p("iam_user_access_not_stale_to_bedrock", "iam", Medium, &[], &[], &[], &[]),
    p("iam_user_access_not_stale_to_sagemaker", "iam", Medium, &[], &[], &[], &[]),
    p("iam_user_accesskey_unused", "iam", Medium, &["1.12"], &["1.12"], &["2.11"], &["IAM.8", "IAM.22"]),
    p("iam_user_administrator_access_policy", "iam", Critical, &[], &[], &[], &[]),
    p("iam_user_console_access_unused", "iam", Medium, &["1.12"], &["1.12"], &["2.11"], &["IAM.8", "IAM.22"]),
    p("iam_user_hardware_mfa_enabled", "iam", High, &[], &[], &[], &[]),
    p("iam_user_mfa_enabled_console_access", "iam", High, &["1.10"], &["1.10"], &["2.10"], &["IAM.5", "IAM.19"]),
    p("iam_user_no_setup_initial_access_key", "iam", Medium, &["1.11"], &["1.11"], &[], &[]),
    p("iam_user_two_active_access_key", "iam", Medium, &["1.13"], &["1.13"], &[], &[]),
    p("iam_user_with_temporary_credentials", "iam", High, &[], &[], &[], &[]),
    p("kms_cmk_are_used", "kms", Low, &[], &[], &[], &[]),
    p("kms_cmk_not_deleted_unintentionally", "kms", Critical, &[], &[], &[], &["KMS.3"]),
    p("kms_cmk_not_multi_region", "kms", Medium, &[], &[], &[], &[]),
    p("kms_cmk_rotation_enabled", "kms", High, &["3.6"], &["3.6"], &["4.6"], &["KMS.4"]),
    p("kms_key_enclave_attestation_bypassable_path", "kms", High, &[], &[], &[], &[]),
    p("kms_key_enclave_attestation_no_deployment_binding", "kms", Info, &[], &[], &[], &[]),
    p("kms_key_enclave_attestation_not_enforced", "kms", High, &[], &[], &[], &[]),
    p("kms_key_enclave_attestation_pcr_mismatch", "kms", Medium, &[], &[], &[], &[]),
    p("kms_key_enclave_attestation_unknown_image", "kms", Medium, &[], &[], &[], &[]),
    p("kms_key_enclave_debug_attestation_detected", "kms", High, &[], &[], &[], &[]),
    p("kms_key_not_publicly_accessible", "kms", Critical, &[], &[], &["2.21"], &["KMS.5"]),
    p("secretsmanager_automatic_rotation_enabled", "secretsmanager", High, &[], &[], &[], &["SecretsManager.1"]),
    p("secretsmanager_has_restrictive_resource_policy", "secretsmanager", High, &[], &[], &[], &[]),
    p("secretsmanager_not_publicly_accessible", "secretsmanager", High, &[], &[], &["2.21"], &[]),
    p("secretsmanager_secret_rotated_periodically", "secretsmanager", Medium, &[], &[], &[], &["SecretsManager.4"]),
    p("secretsmanager_secret_unused", "secretsmanager", Medium, &[], &[], &[], &["SecretsManager.3"]),
    p("guardduty_ai_protection_enabled", "guardduty", High, &[], &[], &[], &[]),
    p("guardduty_centrally_managed", "guardduty", Medium, &[], &[], &[], &[]),
    p("guardduty_delegated_admin_enabled_all_regions", "guardduty", High, &[], &[], &[], &[]),
    p("guardduty_ec2_malware_protection_enabled", "guardduty", High, &[], &[], &[], &["GuardDuty.8"]),
    p("guardduty_eks_audit_log_enabled", "guardduty", High, &[], &[], &[], &["GuardDuty.5"]),
    p("guardduty_eks_runtime_monitoring_enabled", "guardduty", Medium, &[], &[], &[], &["GuardDuty.7"]),
    p("guardduty_is_enabled", "guardduty", High, &[], &[], &[], &["GuardDuty.1"]),
    p("guardduty_lambda_protection_enabled", "guardduty", High, &[], &[], &[], &["GuardDuty.6"]),
    p("guardduty_no_high_severity_findings", "guardduty", High, &[], &[], &[], &[]),
    p("guardduty_rds_protection_enabled", "guardduty", High, &[], &[], &[], &["GuardDuty.9"]),
    p("guardduty_runtime_monitoring_enabled", "guardduty", High, &[], &[], &[], &["GuardDuty.11", "GuardDuty.12", "GuardDuty.13"]),
    p("guardduty_s3_protection_enabled", "guardduty", High, &[], &[], &[], &["GuardDuty.10"]),
    p("cloudtrail_bedrock_logging_enabled", "cloudtrail", Medium, &[], &[], &[], &[]),
    p("cloudtrail_bucket_requires_mfa_delete", "cloudtrail", Medium, &[], &[], &[], &[]),
    p("cloudtrail_cloudwatch_logging_enabled", "cloudtrail", Low, &[], &[], &[], &["CloudTrail.5"]),
    p("cloudtrail_insights_exist", "cloudtrail", Low, &[], &[], &[], &[]),
    p("cloudtrail_kms_encryption_enabled", "cloudtrail", Medium, &["3.5"], &["3.5"], &["4.5"], &["CloudTrail.2"]),
    p("cloudtrail_log_file_validation_enabled", "cloudtrail", Medium, &["3.2"], &["3.2"], &["4.2"], &["CloudTrail.4"]),
    p("cloudtrail_logs_s3_bucket_access_logging_enabled", "cloudtrail", Medium, &["3.4"], &["3.4"], &["4.4"], &["CloudTrail.7"]),
    p("cloudtrail_logs_s3_bucket_is_not_publicly_accessible", "cloudtrail", Critical, &[], &[], &[], &["CloudTrail.6"]),
    p("cloudtrail_multi_region_enabled", "cloudtrail", High, &["3.1"], &["3.1"], &["4.1"], &["CloudTrail.1", "CloudTrail.3"]),
    p("cloudtrail_multi_region_enabled_logging_management_events", "cloudtrail", Low, &[], &[], &[], &[]),
    p("cloudtrail_s3_dataevents_read_enabled", "cloudtrail", Low, &["3.9"], &["3.9"], &["4.9"], &["S3.23"]),
    p("cloudtrail_s3_dataevents_write_enabled", "cloudtrail", Low, &["3.8"], &["3.8"], &["4.8"], &["S3.22"]),
    p("cloudtrail_threat_detection_enumeration", "cloudtrail", Critical, &[], &[], &[], &[]),
    p("cloudtrail_threat_detection_llm_jacking", "cloudtrail", Critical, &[], &[], &[], &[]),
    p("cloudtrail_threat_detection_privilege_escalation", "cloudtrail", Critical, &[], &[], &[], &[]),
    p("cloudwatch_alarm_actions_alarm_state_configured", "cloudwatch", High, &[], &[], &[], &["CloudWatch.15"]),
    p("cloudwatch_alarm_actions_enabled", "cloudwatch", High, &[], &[], &[], &["CloudWatch.17"]),
    p("cloudwatch_changes_to_network_acls_alarm_configured", "cloudwatch", Medium, &["4.11"], &["4.11"], &["5.11"], &["CloudWatch.11"]),
    p("cloudwatch_changes_to_network_gateways_alarm_configured", "cloudwatch", Medium, &["4.12"], &["4.12"], &["5.12"], &["CloudWatch.12"]),
    p("cloudwatch_changes_to_network_route_tables_alarm_configured", "cloudwatch", Medium, &["4.13"], &["4.13"], &["5.13"], &["CloudWatch.13"]),
    p("cloudwatch_changes_to_vpcs_alarm_configured", "cloudwatch", Medium, &["4.14"], &["4.14"], &["5.14"], &["CloudWatch.14"]),
    p("cloudwatch_cross_account_sharing_disabled", "cloudwatch", Medium, &[], &[], &[], &[]),
    p("cloudwatch_log_group_agentcore_data_protection_policy_enabled", "cloudwatch", Medium, &[], &[], &[], &[]),
    p("cloudwatch_log_group_kms_encryption_enabled", "cloudwatch", Medium, &[], &[], &[], &[]),
    p("cloudwatch_log_group_no_secrets_in_logs", "cloudwatch", Medium, &[], &[], &[], &[]),
    p("cloudwatch_log_group_not_publicly_accessible", "cloudwatch", High, &[], &[], &[], &[]),
    p("cloudwatch_log_group_retention_policy_specific_days_enabled", "cloudwatch", Medium, &[], &[], &[], &["CloudWatch.16"]),
    p("cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled", "cloudwatch", Medium, &["4.9"], &["4.9"], &["5.9"], &["CloudWatch.9"]),
    p("cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled", "cloudwatch", Medium, &["4.5"], &["4.5"], &["5.5"], &["CloudWatch.5"]),
    p("cloudwatch_log_metric_filter_authentication_failures", "cloudwatch", Medium, &["4.6"], &["4.6"], &["5.6"], &["CloudWatch.6"]),
    p("cloudwatch_log_metric_filter_aws_organizations_changes", "cloudwatch", Medium, &["4.15"], &["4.15"], &["5.15"], &[]),
    p("cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk", "cloudwatch", Medium, &["4.7"], &["4.7"], &["5.7"], &["CloudWatch.7"]),
    p("cloudwatch_log_metric_filter_for_s3_bucket_policy_changes", "cloudwatch", Medium, &["4.8"], &["4.8"], &["5.8"], &["CloudWatch.8"]),
    p("cloudwatch_log_metric_filter_policy_changes", "cloudwatch", Medium, &["4.4"], &["4.4"], &["5.4"], &["CloudWatch.4"]),
    p("cloudwatch_log_metric_filter_root_usage", "cloudwatch", Medium, &["4.3"], &["4.3"], &["5.3"], &["CloudWatch.1"]),
    p("cloudwatch_log_metric_filter_security_group_changes", "cloudwatch", Medium, &["4.10"], &["4.10"], &["5.10"], &["CloudWatch.10"]),
    p("cloudwatch_log_metric_filter_sign_in_without_mfa", "cloudwatch", Medium, &["4.2"], &["4.2"], &["5.2"], &["CloudWatch.3"]),
    p("cloudwatch_log_metric_filter_unauthorized_api_calls", "cloudwatch", Medium, &["4.1"], &["4.1"], &["5.1"], &["CloudWatch.2"]),
    p("rds_cluster_backtrack_enabled", "rds", Low, &[], &[], &[], &["RDS.14"]),
    p("rds_cluster_copy_tags_to_snapshots", "rds", Low, &[], &[], &[], &["RDS.16"]),
    p("rds_cluster_critical_event_subscription", "rds", Medium, &[], &[], &[], &["RDS.19"]),
    p("rds_cluster_default_admin", "rds", Medium, &[], &[], &[], &["RDS.24"]),
    p("rds_cluster_deletion_protection", "rds", Medium, &[], &[], &[], &["RDS.7"]),
    p("rds_cluster_iam_authentication_enabled", "rds", Medium, &[], &[], &[], &["RDS.12"]),
    p("rds_cluster_integration_cloudwatch_logs", "rds", Medium, &[], &[], &[], &["RDS.37", "RDS.34"]),
    p("rds_cluster_minor_version_upgrade_enabled", "rds", Medium, &[], &[], &[], &["RDS.35"]),
    p("rds_cluster_multi_az", "rds", Medium, &[], &["2.2.4"], &["3.2.4"], &["RDS.15"]),
    p("rds_cluster_non_default_port", "rds", Low, &[], &[], &[], &[]),
    p("rds_cluster_protected_by_backup_plan", "rds", High, &[], &[], &[], &[]),
    p("rds_cluster_storage_encrypted", "rds", High, &[], &[], &[], &["RDS.27"]),
    p("rds_instance_backup_enabled", "rds", Medium, &[], &[], &[], &["RDS.11"]),
    p("rds_instance_certificate_expiration", "rds", High, &[], &[], &[], &[]),
    p("rds_instance_copy_tags_to_snapshots", "rds", Low, &[], &[], &[], &["RDS.17"]),
    p("rds_instance_critical_event_subscription", "rds", Medium, &[], &[], &[], &["RDS.20"]),
    p("rds_instance_default_admin", "rds", Medium, &[], &[], &[], &["RDS.25"]),
    p("rds_instance_deletion_protection", "rds", Medium, &[], &[], &[], &["RDS.8"]),
    p("rds_instance_deprecated_engine_version", "rds", High, &[], &[], &[], &[]),
    p("rds_instance_enhanced_monitoring_enabled", "rds", Low, &[], &[], &[], &["RDS.6"]),
    p("rds_instance_event_subscription_parameter_groups", "rds", Low, &[], &[], &[], &["RDS.21"]),
    p("rds_instance_event_subscription_security_groups", "rds", Medium, &[], &[], &[], &["RDS.22"]),
    p("rds_instance_extended_support", "rds", Medium, &[], &[], &[], &[]),
    p("rds_instance_iam_authentication_enabled", "rds", Medium, &[], &[], &[], &["RDS.10"]),
    p("rds_instance_inside_vpc", "rds", High, &[], &[], &[], &["RDS.18"]),
    p("rds_instance_integration_cloudwatch_logs", "rds", Medium, &[], &[], &[], &["RDS.9", "RDS.36", "RDS.40", "RDS.42"]),
    p("rds_instance_minor_version_upgrade_enabled", "rds", Medium, &["2.3.2"], &["2.2.2"], &["3.2.2"], &["RDS.13"]),
    p("rds_instance_multi_az", "rds", Medium, &[], &["2.2.4"], &["3.2.4"], &["RDS.5"]),
    p("rds_instance_no_public_access", "rds", Critical, &["2.3.3"], &["2.2.3"], &["3.2.3"], &["RDS.2"]),
    p("rds_instance_non_default_port", "rds", Low, &[], &[], &[], &["RDS.23"]),
    p("rds_instance_protected_by_backup_plan", "rds", High, &[], &[], &[], &["RDS.26"]),
    p("rds_instance_storage_encrypted", "rds", High, &["2.3.1"], &["2.2.1"], &["3.2.1"], &["RDS.3"]),
    p("rds_instance_transport_encrypted", "rds", High, &[], &[], &[], &["RDS.38", "RDS.39", "RDS.41", "RDS.44"]),
    p("rds_snapshots_encrypted", "rds", High, &[], &[], &[], &["RDS.4"]),
    p("rds_snapshots_public_access", "rds", Critical, &[], &[], &[], &["RDS.1"]),
    p("s3_access_point_public_access_block", "s3", Critical, &[], &[], &[], &["S3.19"]),
    p("s3_account_level_public_access_blocks", "s3", High, &["2.1.4"], &["2.1.4"], &["3.1.4"], &["S3.1"]),
    p("s3_bucket_acl_prohibited", "s3", Medium, &[], &[], &[], &["S3.12"]),
    p("s3_bucket_cross_account_access", "s3", High, &[], &[], &[], &["S3.6"]),
    p("s3_bucket_cross_region_replication", "s3", Low, &[], &[], &[], &["S3.7"]),
    p("s3_bucket_default_encryption", "s3", Medium, &[], &[], &[], &[]),
    p("s3_bucket_event_notifications_enabled", "s3", Low, &[], &[], &[], &["S3.11"]),
    p("s3_bucket_kms_encryption", "s3", Medium, &[], &[], &[], &["S3.17"]),
    p("s3_bucket_level_public_access_block", "s3", High, &["2.1.4"], &["2.1.4"], &["3.1.4"], &["S3.8"]),
    p("s3_bucket_lifecycle_enabled", "s3", Low, &[], &[], &[], &["S3.13", "S3.10"]),
    p("s3_bucket_no_mfa_delete", "s3", Medium, &["2.1.2"], &["2.1.2"], &["3.1.2"], &["S3.20"]),
    p("s3_bucket_object_lock", "s3", Low, &[], &[], &[], &["S3.15"]),
    p("s3_bucket_object_public", "s3", Low, &[], &[], &[], &[]),
    p("s3_bucket_object_versioning", "s3", Medium, &[], &[], &[], &["S3.14"]),
    p("s3_bucket_policy_public_write_access", "s3", Critical, &[], &[], &["2.21"], &["S3.3"]),
    p("s3_bucket_public_access", "s3", Critical, &[], &[], &[], &["S3.2"]),
    p("s3_bucket_public_list_acl", "s3", Critical, &[], &[], &[], &["S3.2"]),
    p("s3_bucket_public_write_acl", "s3", Critical, &[], &[], &[], &["S3.3"]),
    p("s3_bucket_secure_transport_policy", "s3", Medium, &["2.1.1"], &["2.1.1"], &["3.1.1"], &["S3.5"]),
    p("s3_bucket_server_access_logging_enabled", "s3", Medium, &[], &[], &[], &["S3.9"]),
    p("s3_bucket_shadow_resource_vulnerability", "s3", High, &[], &[], &[], &[]),
    p("s3_multi_region_access_point_public_access_block", "s3", High, &[], &[], &[], &["S3.24"]),
    p("awslambda_function_env_vars_not_encrypted_with_cmk", "awslambda", Medium, &[], &[], &[], &[]),
    p("awslambda_function_inside_vpc", "awslambda", Low, &[], &[], &[], &["Lambda.3"]),
    p("awslambda_function_invoke_api_operations_cloudtrail_logging_enabled", "awslambda", Low, &[], &[], &[], &[]),
    p("awslambda_function_no_dead_letter_queue", "awslambda", Medium, &[], &[], &[], &[]),
    p("awslambda_function_no_secrets_in_code", "awslambda", Critical, &[], &[], &[], &[]),
    p("awslambda_function_no_secrets_in_variables", "awslambda", Critical, &[], &[], &[], &[]),
    p("awslambda_function_not_publicly_accessible", "awslambda", Critical, &[], &[], &["2.21"], &["Lambda.1"]),
    p("awslambda_function_url_cors_policy", "awslambda", Medium, &[], &[], &[], &[]),
    p("awslambda_function_url_public", "awslambda", High, &[], &[], &[], &[]),
    p("awslambda_function_using_cross_account_layers", "awslambda", High, &[], &[], &[], &[]),
    p("awslambda_function_using_supported_runtimes", "awslambda", Medium, &[], &[], &[], &["Lambda.2"]),
    p("awslambda_function_vpc_multi_az", "awslambda", Medium, &[], &[], &[], &["Lambda.5"]),
    p("awslambda_layer_no_secrets_in_content", "awslambda", High, &[], &[], &[], &[]),
    p("accessanalyzer_enabled", "accessanalyzer", Low, &["1.20"], &["1.20"], &["2.18"], &["IAM.28"]),
    p("accessanalyzer_enabled_without_findings", "accessanalyzer", Low, &[], &[], &[], &[]),
];

/// The check named `id`.
pub fn find(id: &str) -> Option<&'static ProwlerCheck> {
    CHECKS.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn the_189_checks_of_the_ten_services_once_each() {
        assert_eq!(CHECKS.len(), 189);
        let ids: HashSet<&str> = CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CHECKS.len(), "unique ids");
        let mut per_service: BTreeMap<&str, usize> = BTreeMap::new();
        for c in CHECKS {
            assert!(c.id.starts_with(c.service), "{}", c.id);
            *per_service.entry(c.service).or_default() += 1;
        }
        assert_eq!(
            per_service,
            BTreeMap::from([
                ("accessanalyzer", 2),
                ("awslambda", 13),
                ("cloudtrail", 15),
                ("cloudwatch", 23),
                ("guardduty", 12),
                ("iam", 51),
                ("kms", 11),
                ("rds", 35),
                ("s3", 22),
                ("secretsmanager", 5),
            ])
        );
        assert_eq!(
            find("iam_no_root_access_key").map(|c| (c.cis_v3, c.cis_v7)),
            Some((&["1.4"][..], &["2.4"][..]))
        );
    }
}
