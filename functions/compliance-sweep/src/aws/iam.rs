//! IAM, account-wide: the account summary, virtual MFA devices, the password policy, the
//! credential report (generated, then read once complete) and one paginated
//! GetAccountAuthorizationDetails instead of per-entity calls.

use std::collections::BTreeMap;

use aws_sdk_iam::operation::get_account_password_policy::GetAccountPasswordPolicyError;
use aws_sdk_iam::operation::get_credential_report::GetCredentialReportError;
use aws_sdk_iam::types::ReportStateType;
use chrono::DateTime;
use vigil::aws::AwsFailure;

use super::{api, time};
use crate::facts::{
    AccessKeyState, ApiError, AuthorizationDetails, CredentialReport, CredentialRow, Fetched,
    ManagedPolicy, PasswordPolicy, Principal, ServerCertificate, Time, VirtualMfa,
};

pub(crate) async fn summary(client: &aws_sdk_iam::Client) -> Fetched<BTreeMap<String, i32>> {
    let out = client
        .get_account_summary()
        .send()
        .await
        .map_err(|e| api("iam:GetAccountSummary", e))?;
    Ok(out
        .summary_map
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_owned(), v))
        .collect())
}

pub(crate) async fn virtual_mfa_devices(client: &aws_sdk_iam::Client) -> Fetched<Vec<VirtualMfa>> {
    let devices = client
        .list_virtual_mfa_devices()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("iam:ListVirtualMFADevices", e))?;
    Ok(devices
        .into_iter()
        .map(|d| VirtualMfa {
            serial: d.serial_number,
            user_arn: d.user.map(|u| u.arn),
        })
        .collect())
}

/// The password policy; `None` when the account has none (NoSuchEntity).
pub(crate) async fn password_policy(
    client: &aws_sdk_iam::Client,
) -> Fetched<Option<PasswordPolicy>> {
    match client.get_account_password_policy().send().await {
        Ok(out) => Ok(out.password_policy.map(|p| PasswordPolicy {
            minimum_length: p.minimum_password_length.unwrap_or(0),
            reuse_prevention: p.password_reuse_prevention,
            require_symbols: p.require_symbols,
            require_numbers: p.require_numbers,
            require_uppercase: p.require_uppercase_characters,
            require_lowercase: p.require_lowercase_characters,
            max_age_days: p.max_password_age.filter(|d| *d > 0),
        })),
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(GetAccountPasswordPolicyError::NoSuchEntityException(_))
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(api("iam:GetAccountPasswordPolicy", e)),
    }
}

/// GenerateCredentialReport: whether the report is complete (AWS reuses one younger than
/// four hours).
pub(crate) async fn generate_credential_report(client: &aws_sdk_iam::Client) -> Fetched<bool> {
    let state = client
        .generate_credential_report()
        .send()
        .await
        .map_err(|e| api("iam:GenerateCredentialReport", e))?
        .state;
    Ok(state == Some(ReportStateType::Complete))
}

/// GetCredentialReport: the report, or `None` while it is in progress (404), expired (410) or
/// not there yet: generate again then.
pub(crate) async fn credential_report(
    client: &aws_sdk_iam::Client,
) -> Fetched<Option<CredentialReport>> {
    match client.get_credential_report().send().await {
        Ok(out) => {
            let content = out.content.map(|b| b.into_inner()).unwrap_or_default();
            let rows = parse_report(&content).map_err(|message| {
                ApiError::new("iam:GetCredentialReport", AwsFailure::Other, None, message)
            })?;
            Ok(Some(CredentialReport {
                generated_at: out.generated_time.as_ref().and_then(time),
                rows,
            }))
        }
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(
                    GetCredentialReportError::CredentialReportNotReadyException(_)
                        | GetCredentialReportError::CredentialReportExpiredException(_)
                        | GetCredentialReportError::CredentialReportNotPresentException(_)
                )
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(api("iam:GetCredentialReport", e)),
    }
}

/// The placeholders the credential report writes where there is no date or flag: `N/A` (no
/// such credential, never used), `no_information` (not used since tracking began),
/// `not_supported` (the root row's password columns).
const PLACEHOLDERS: [&str; 3] = ["N/A", "no_information", "not_supported"];

/// One row's cells read by column name; a value that is neither what the column holds nor a
/// placeholder is noted in `unreadable` (the row's checks then report ERROR).
struct Cells<'a> {
    record: &'a csv::StringRecord,
    columns: &'a [(&'static str, usize)],
    unreadable: Vec<String>,
}

impl Cells<'_> {
    fn raw(&self, name: &str) -> &str {
        self.columns
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, i)| self.record.get(*i))
            .unwrap_or("")
    }

    fn date(&mut self, name: &str) -> Option<Time> {
        let v = self.raw(name);
        match DateTime::parse_from_rfc3339(v) {
            Ok(d) => Some(d.to_utc()),
            Err(_) => {
                if !PLACEHOLDERS.contains(&v) {
                    self.unreadable.push(format!("{name}={v:?}"));
                }
                None
            }
        }
    }

    fn flag(&mut self, name: &str) -> Option<bool> {
        match self.raw(name) {
            "true" => Some(true),
            "false" => Some(false),
            v => {
                if !PLACEHOLDERS.contains(&v) {
                    self.unreadable.push(format!("{name}={v:?}"));
                }
                None
            }
        }
    }
}

/// The columns the checks read; a report without one of them cannot be judged at all.
const COLUMNS: [&str; 12] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// Parses the report CSV by column name (AWS may add columns).
fn parse_report(content: &[u8]) -> Result<Vec<CredentialRow>, String> {
    let mut reader = csv::Reader::from_reader(content);
    let headers = reader
        .headers()
        .map_err(|e| format!("credential report header: {e}"))?
        .clone();
    let columns = COLUMNS
        .iter()
        .map(|name| {
            headers
                .iter()
                .position(|h| h == *name)
                .map(|i| (*name, i))
                .ok_or_else(|| format!("credential report has no {name} column"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("credential report row: {e}"))?;
        let mut cells = Cells {
            record: &record,
            columns: &columns,
            unreadable: Vec::new(),
        };
        let mut key = |n: u8| AccessKeyState {
            active: cells
                .flag(&format!("access_key_{n}_active"))
                .unwrap_or(false),
            last_rotated: cells.date(&format!("access_key_{n}_last_rotated")),
            last_used: cells.date(&format!("access_key_{n}_last_used_date")),
        };
        let keys = [key(1), key(2)];
        let user = cells.raw("user").to_owned();
        let arn = cells.raw("arn").to_owned();
        let user_creation_time = cells.date("user_creation_time");
        let password_enabled = cells.flag("password_enabled");
        let password_last_used = cells.date("password_last_used");
        let mfa_active = cells.flag("mfa_active").unwrap_or(false);
        rows.push(CredentialRow {
            user,
            arn,
            user_creation_time,
            password_enabled,
            password_last_used,
            mfa_active,
            keys,
            unreadable: cells.unreadable,
        });
    }
    Ok(rows)
}

/// IAM tags as a map.
fn tags(list: Option<Vec<aws_sdk_iam::types::Tag>>) -> BTreeMap<String, String> {
    list.unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect()
}

/// GetAccountAuthorizationDetails, all pages: every user, group, role and managed policy with
/// its documents URL-decoded.
pub(crate) async fn authorization_details(
    client: &aws_sdk_iam::Client,
) -> Fetched<AuthorizationDetails> {
    // Page by page: each page is read into the facts and dropped before the next arrives.
    let mut pages = client
        .get_account_authorization_details()
        .into_paginator()
        .send();
    let mut out = AuthorizationDetails::default();
    let inline = |list: Vec<aws_sdk_iam::types::PolicyDetail>| -> Vec<(String, String)> {
        list.into_iter()
            .map(|p| {
                (
                    p.policy_name.unwrap_or_default(),
                    p.policy_document
                        .map(|d| vigil::policy::decode_document(&d))
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    let attached = |list: Vec<aws_sdk_iam::types::AttachedPolicy>| -> Vec<String> {
        list.into_iter().filter_map(|p| p.policy_arn).collect()
    };
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("iam:GetAccountAuthorizationDetails", e))?;
        for u in page.user_detail_list.unwrap_or_default() {
            out.users.push(Principal {
                name: u.user_name.unwrap_or_default(),
                arn: u.arn.unwrap_or_default(),
                attached: attached(u.attached_managed_policies.unwrap_or_default()),
                inline: inline(u.user_policy_list.unwrap_or_default()),
                groups: u.group_list.unwrap_or_default(),
                created: u.create_date.as_ref().and_then(time),
                path: u.path.unwrap_or_default(),
                tags: tags(u.tags),
                ..Default::default()
            });
        }
        for g in page.group_detail_list.unwrap_or_default() {
            out.groups.push(Principal {
                name: g.group_name.unwrap_or_default(),
                arn: g.arn.unwrap_or_default(),
                attached: attached(g.attached_managed_policies.unwrap_or_default()),
                inline: inline(g.group_policy_list.unwrap_or_default()),
                path: g.path.unwrap_or_default(),
                ..Default::default()
            });
        }
        for r in page.role_detail_list.unwrap_or_default() {
            out.roles.push(Principal {
                name: r.role_name.unwrap_or_default(),
                arn: r.arn.unwrap_or_default(),
                attached: attached(r.attached_managed_policies.unwrap_or_default()),
                inline: inline(r.role_policy_list.unwrap_or_default()),
                created: r.create_date.as_ref().and_then(time),
                last_used: r
                    .role_last_used
                    .and_then(|u| u.last_used_date)
                    .as_ref()
                    .and_then(time),
                path: r.path.unwrap_or_default(),
                trust: r
                    .assume_role_policy_document
                    .map(|d| vigil::policy::decode_document(&d)),
                tags: tags(r.tags),
                ..Default::default()
            });
        }
        for p in page.policies.unwrap_or_default() {
            let document = p
                .policy_version_list
                .unwrap_or_default()
                .into_iter()
                .find(|v| v.is_default_version)
                .and_then(|v| v.document)
                .map(|d| vigil::policy::decode_document(&d));
            out.policies.push(ManagedPolicy {
                arn: p.arn.unwrap_or_default(),
                document,
                attachment_count: p.attachment_count.unwrap_or(0),
            });
        }
    }
    Ok(out)
}

/// ListServerCertificates, every page.
pub(crate) async fn server_certificates(
    client: &aws_sdk_iam::Client,
) -> Fetched<Vec<ServerCertificate>> {
    let listed = client
        .list_server_certificates()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("iam:ListServerCertificates", e))?;
    Ok(listed
        .into_iter()
        .map(|c| ServerCertificate {
            expiration: c.expiration.as_ref().and_then(time),
            arn: c.arn,
            name: c.server_certificate_name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_rows_by_column_name() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n\
<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
alice,arn:aws:iam::1:user/alice,2023-01-01T00:00:00+00:00,true,no_information,N/A,N/A,false,true,2023-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
        let rows = parse_report(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].is_root());
        assert_eq!(rows[0].password_enabled, None);
        assert!(rows[0].mfa_active);
        assert!(rows[0].password_last_used.is_some());
        assert_eq!(rows[1].password_enabled, Some(true));
        assert_eq!(rows[1].password_last_used, None);
        assert!(
            rows[1].keys[0].active
                && rows[1].keys[0].last_used.is_none()
                && rows[1].keys[0].last_rotated.is_some()
        );
        assert!(
            parse_report(b"user,arn\nx,y\n").is_err(),
            "mfa_active column is required"
        );
        assert!(rows.iter().all(|r| r.unreadable.is_empty()));
    }

    #[test]
    fn cells_that_are_neither_values_nor_placeholders_are_noted() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n\
bob,arn:aws:iam::1:user/bob,2023-01-01T00:00:00+00:00,yes,01/02/2024,false,true,,N/A,false,N/A,N/A\n";
        let rows = parse_report(csv.as_bytes()).unwrap();
        assert_eq!(
            rows[0].unreadable,
            [
                "access_key_1_last_rotated=\"\"",
                "password_enabled=\"yes\"",
                "password_last_used=\"01/02/2024\"",
            ]
        );
        assert!(
            parse_report(b"user,arn,mfa_active\nx,y,true\n").is_err(),
            "every column the checks read is required"
        );
    }

    #[test]
    fn documents_are_url_decoded_when_encoded() {
        assert_eq!(
            vigil::policy::decode_document("%7B%22Statement%22%3A%5B%5D%7D"),
            r#"{"Statement":[]}"#
        );
        assert_eq!(
            vigil::policy::decode_document(r#"{"a":"50%"}"#),
            r#"{"a":"50%"}"#
        );
    }
}
