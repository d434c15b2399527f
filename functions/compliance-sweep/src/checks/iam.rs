//! IAM: root account, credentials (credential report), password policy, and least privilege
//! (GetAccountAuthorizationDetails policy documents read with `vigil::policy`); role trust in
//! [`trust`], what policies grant (CloudTrail, privilege escalation, administrator groups) in
//! [`grants`], how far their resources reach (Marketplace, AssumeRole, AgentCore) in [`scope`].

mod grants;
mod scope;
mod trust;

use std::borrow::Cow;
use std::collections::HashMap;

use vigil::aws::AwsFailure;
use vigil::policy::PolicyDocument;
use vigil::policy::analysis::{Concern, identity_concerns};

use super::ids::{
    IAM_01, IAM_02, IAM_03, IAM_04, IAM_05, IAM_06, IAM_07, IAM_08, IAM_09, IAM_10, IAM_11, IAM_12,
    IAM_13, IAM_14, IAM_15, IAM_16, IAM_17, IAM_18, IAM_19, IAM_20, IAM_21, IAM_22, IAM_23, IAM_24,
    IAM_25, IAM_26, IAM_27, IAM_28, IAM_29, IAM_30, IAM_31, LP_01, LP_02, LP_03, LP_04,
};
use super::{CheckId, Ctx, Finding, ResourceType, Status, Subject, account, errors};
use crate::facts::{
    ApiError, AuthorizationDetails, CredentialReport, CredentialRow, Fetched, IamFacts, Principal,
    ServerCertificate, VirtualMfa,
};

const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const USER: ResourceType = ResourceType::AwsIamUser;
const GROUP: ResourceType = ResourceType::AwsIamGroup;
const ROLE: ResourceType = ResourceType::AwsIamRole;

pub(crate) fn evaluate(f: &IamFacts, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(iam_01_root_keys(f, ctx));
    out.extend(iam_02_root_mfa(f, ctx));
    out.extend(iam_03_root_hardware_mfa(f, ctx));
    out.extend(iam_04_root_unused(f, ctx));
    out.extend(iam_05_password_policy(f, ctx));
    match &f.credential_report {
        Ok(report) => {
            let users: Vec<&CredentialRow> = report.rows.iter().filter(|r| !r.is_root()).collect();
            for row in &users {
                if !row.unreadable.is_empty() {
                    out.extend(errors(
                        &[IAM_06, IAM_07, IAM_08, IAM_09, IAM_10, IAM_11, IAM_22],
                        &Subject::new(USER, &row.arn),
                        &unreadable_row(row),
                    ));
                    continue;
                }
                out.extend(iam_06_console_mfa(row));
                out.extend(iam_07_setup_keys(row));
                out.push(iam_08_unused_credentials(row, ctx));
                out.push(iam_09_one_active_key(row));
                out.extend(iam_10_key_age(row, ctx));
                out.push(iam_11_no_long_lived_keys(row));
                out.push(iam_22_user_hardware_mfa(row, &f.virtual_mfa));
            }
        }
        Err(e) => out.extend(errors(
            &[IAM_06, IAM_07, IAM_08, IAM_09, IAM_10, IAM_11, IAM_22],
            &account(ctx.account),
            e,
        )),
    }
    match &f.authorization {
        Ok(auth) => {
            let policies = Policies::new(auth);
            out.extend(auth.users.iter().map(iam_12_user_policies));
            out.extend(iam_13_admin_policies(auth, &policies));
            out.extend(iam_14_administrator_access(auth, ctx));
            out.extend(least_privilege(auth, &policies, ctx));
            out.extend(
                auth.roles
                    .iter()
                    .filter(|r| !is_service_role(r))
                    .map(|r| lp_04_unused_role(r, ctx)),
            );
            let roles: Vec<&Principal> =
                auth.roles.iter().filter(|r| !is_service_role(r)).collect();
            out.extend(trust::evaluate(&roles, ctx.account));
            out.extend(grants::policies(auth));
            out.extend(scope::policies(auth));
            out.extend(iam_27_cloudwatch_sharing(auth, ctx));
            out.push(role_with(auth, ctx, IAM_28, SUPPORT_POLICY));
            out.push(role_with(auth, ctx, IAM_29, SECURITY_AUDIT_POLICY));
            out.extend(iam_30_cloudshell_full_access(auth, ctx));
            out.extend(grants::iam_20_admin_groups_mfa(
                auth,
                &policies,
                f.credential_report.as_ref(),
            ));
        }
        Err(e) => out.extend(errors(
            &[
                IAM_12, IAM_13, IAM_14, IAM_15, IAM_16, IAM_17, IAM_18, IAM_19, IAM_20, IAM_21,
                IAM_23, IAM_24, IAM_25, IAM_26, IAM_27, IAM_28, IAM_29, IAM_30, LP_01, LP_02,
                LP_03, LP_04,
            ],
            &account(ctx.account),
            e,
        )),
    }
    match &f.server_certificates {
        Ok(certs) => out.extend(certs.iter().map(|c| iam_23_server_certificate(c, ctx))),
        Err(e) => out.extend(errors(&[IAM_31], &account(ctx.account), e)),
    }
    out
}

/// IAM-31: the server certificate's Expiration is still ahead. A certificate whose answer
/// left the Expiration out is ERROR (IAM documents no default).
fn iam_23_server_certificate(c: &ServerCertificate, ctx: &Ctx) -> Finding {
    let verdict = IAM_31.on(&Subject::new(ResourceType::Other, &c.arn));
    let Some(expiration) = c.expiration else {
        return verdict.error(&ApiError::incomplete(
            "iam:ListServerCertificates",
            format!("the Expiration of server certificate {}", c.name),
        ));
    };
    let when = expiration.format("%Y-%m-%d %H:%M UTC");
    if expiration <= ctx.now {
        verdict
            .fail(format!(
                "server certificate {} expired on {when} ({} days ago)",
                c.name,
                ctx.days_since(expiration)
            ))
            .with("expiration", expiration.to_rfc3339())
    } else {
        verdict
            .pass(format!(
                "server certificate {} is valid until {when} ({} days left)",
                c.name,
                (expiration - ctx.now).num_days()
            ))
            .with("expiration", expiration.to_rfc3339())
    }
}

/// The error of a credential report row with values that could not be read.
fn unreadable_row(row: &CredentialRow) -> ApiError {
    ApiError::new(
        "iam:GetCredentialReport",
        AwsFailure::Other,
        None,
        format!(
            "the row of {} has values that could not be read: {}",
            row.user,
            row.unreadable.join(", ")
        ),
    )
}

/// Whether the user has a console password: the report says `true` or `false` for every user
/// (only the root row says `not_supported`).
fn console(row: &CredentialRow) -> Result<bool, ApiError> {
    row.password_enabled.ok_or_else(|| {
        ApiError::incomplete(
            "iam:GetCredentialReport",
            format!("password_enabled for {}", row.user),
        )
    })
}

fn root_row(report: &CredentialReport) -> Option<&CredentialRow> {
    report.rows.iter().find(|r| r.is_root())
}

fn summary_flag(f: &IamFacts, key: &str) -> Result<Option<bool>, ApiError> {
    f.summary
        .as_ref()
        .map(|s| s.get(key).map(|v| *v > 0))
        .map_err(Clone::clone)
}

/// IAM-01: AccountAccessKeysPresent and the root row's key columns.
fn iam_01_root_keys(f: &IamFacts, ctx: &Ctx) -> Option<Finding> {
    let root = account(ctx.account);
    let from_summary = summary_flag(f, "AccountAccessKeysPresent");
    let from_report = f
        .credential_report
        .as_ref()
        .ok()
        .and_then(root_row)
        .map(|r| r.active_keys().count() > 0);
    let present = match (from_summary, from_report) {
        (Ok(Some(s)), r) => s || r.unwrap_or(false),
        (_, Some(r)) => r,
        (Err(e), None) => return Some(IAM_01.on(&root).error(&e)),
        (Ok(None), None) => {
            return Some(IAM_01.on(&root).error(&missing(
                "iam:GetAccountSummary",
                "AccountAccessKeysPresent",
            )));
        }
    };
    Some(IAM_01.on(&root).pass_if(
        !present,
        if present {
            "the root user has access keys"
        } else {
            "the root user has no access keys"
        },
    ))
}

fn missing(op: &str, what: &str) -> ApiError {
    ApiError::incomplete(op, what)
}

fn root_mfa(f: &IamFacts) -> Result<bool, ApiError> {
    let from_report = f
        .credential_report
        .as_ref()
        .ok()
        .and_then(root_row)
        .map(|r| r.mfa_active);
    match (summary_flag(f, "AccountMFAEnabled"), from_report) {
        (Ok(Some(s)), _) => Ok(s),
        (_, Some(r)) => Ok(r),
        (Err(e), None) => Err(e),
        (Ok(None), None) => Err(missing("iam:GetAccountSummary", "AccountMFAEnabled")),
    }
}

/// IAM-02: AccountMFAEnabled (or the root row's mfa_active).
fn iam_02_root_mfa(f: &IamFacts, ctx: &Ctx) -> Option<Finding> {
    let root = account(ctx.account);
    Some(match root_mfa(f) {
        Ok(on) => IAM_02.on(&root).pass_if(
            on,
            if on {
                "root MFA is enabled"
            } else {
                "the root user has no MFA device"
            },
        ),
        Err(e) => IAM_02.on(&root).error(&e),
    })
}

/// IAM-03: root MFA on, and no virtual device is the root's.
fn iam_03_root_hardware_mfa(f: &IamFacts, ctx: &Ctx) -> Option<Finding> {
    let root = account(ctx.account);
    let mfa = match root_mfa(f) {
        Ok(m) => m,
        Err(e) => return Some(IAM_03.on(&root).error(&e)),
    };
    if !mfa {
        return Some(
            IAM_03
                .on(&root)
                .fail("the root user has no MFA device at all"),
        );
    }
    Some(match &f.virtual_mfa {
        Err(e) => IAM_03.on(&root).error(e),
        Ok(devices) => {
            let virtual_root = devices.iter().find(|d| {
                d.serial.ends_with(":mfa/root-account-mfa-device")
                    || d.user_arn.as_deref().is_some_and(|u| u.ends_with(":root"))
            });
            match virtual_root {
                Some(d) => IAM_03
                    .on(&root)
                    .fail("the root user's MFA device is virtual")
                    .with("serial", d.serial.clone()),
                None => IAM_03
                    .on(&root)
                    .pass("the root user's MFA device is a hardware device"),
            }
        }
    })
}

/// IAM-04: the latest of root's password and key use, not the first one found.
fn iam_04_root_unused(f: &IamFacts, ctx: &Ctx) -> Option<Finding> {
    let root = account(ctx.account);
    let report = match &f.credential_report {
        Ok(r) => r,
        Err(e) => return Some(IAM_04.on(&root).error(e)),
    };
    let Some(row) = root_row(report) else {
        return Some(IAM_04.on(&root).error(&missing(
            "iam:GetCredentialReport",
            "the <root_account> row",
        )));
    };
    if !row.unreadable.is_empty() {
        return Some(IAM_04.on(&root).error(&unreadable_row(row)));
    }
    let last = [
        row.password_last_used,
        row.keys[0].last_used,
        row.keys[1].last_used,
    ]
    .into_iter()
    .flatten()
    .max();
    Some(match last {
        None => IAM_04.on(&root).pass("the root user has never been used"),
        Some(t) => {
            let days = ctx.days_since(t);
            IAM_04
                .on(&root)
                .pass_if(
                    days >= ctx.t.root_unused_days,
                    format!(
                        "the root user was last used {days} day(s) ago (threshold {})",
                        ctx.t.root_unused_days
                    ),
                )
                .with("last_used", t.to_rfc3339())
        }
    })
}

/// IAM-05: length, reuse, the four character classes, and expiry.
fn iam_05_password_policy(f: &IamFacts, ctx: &Ctx) -> Option<Finding> {
    let root = account(ctx.account);
    Some(match &f.password_policy {
        Err(e) => IAM_05.on(&root).error(e),
        Ok(None) => IAM_05.on(&root).fail("the account has no password policy (IAM defaults apply: 8 characters, no reuse prevention)"),
        Ok(Some(p)) => {
            let t = ctx.t;
            let mut gaps = Vec::new();
            if p.minimum_length < t.password_min_length {
                gaps.push(format!(
                    "minimum length {} < {}",
                    p.minimum_length, t.password_min_length
                ));
            }
            if p.reuse_prevention.unwrap_or(0) < t.password_reuse {
                gaps.push(format!(
                    "reuse prevention {} < {}",
                    p.reuse_prevention.unwrap_or(0),
                    t.password_reuse
                ));
            }
            for (on, what) in [
                (p.require_symbols, "symbols"),
                (p.require_numbers, "numbers"),
                (p.require_uppercase, "uppercase"),
                (p.require_lowercase, "lowercase"),
            ] {
                if !on {
                    gaps.push(format!("{what} not required"));
                }
            }
            match p.max_age_days {
                Some(d) if d <= t.password_max_age_days => {}
                Some(d) => gaps.push(format!(
                    "passwords expire after {d} days > {}",
                    t.password_max_age_days
                )),
                None => gaps.push("passwords never expire".into()),
            }
            IAM_05.on(&root).pass_if(gaps.is_empty(), if gaps.is_empty() {
                    "the password policy meets every requirement".to_owned()
                } else {
                    gaps.join("; ")
                })
        }
    })
}

/// IAM-06: users with a console password have MFA.
fn iam_06_console_mfa(row: &CredentialRow) -> Option<Finding> {
    let user = Subject::new(USER, &row.arn);
    match console(row) {
        Err(e) => return Some(IAM_06.on(&user).error(&e)),
        Ok(false) => return None,
        Ok(true) => {}
    }
    Some({
        IAM_06.on(&user).pass_if(
            row.mfa_active,
            if row.mfa_active {
                "console user has MFA"
            } else {
                "console user has no MFA device"
            },
        )
    })
}

/// IAM-22: every user's MFA is a hardware device or security key. A user without MFA fails too
/// (as Prowler's `iam_user_hardware_mfa_enabled` does); one with a virtual device assigned
/// (ListVirtualMFADevices) fails even if it also has a hardware one.
fn iam_22_user_hardware_mfa(
    row: &CredentialRow,
    virtual_mfa: &Fetched<Vec<VirtualMfa>>,
) -> Finding {
    let user = Subject::new(USER, &row.arn);
    if !row.mfa_active {
        return IAM_22.on(&user).fail("the user has no MFA device at all");
    }
    match virtual_mfa {
        Err(e) => IAM_22.on(&user).error(e),
        Ok(devices) => match devices
            .iter()
            .find(|d| d.user_arn.as_deref() == Some(row.arn.as_str()))
        {
            Some(d) => IAM_22
                .on(&user)
                .fail("the user's MFA device is virtual (an authenticator app), not a hardware device or security key")
                .with("serial", d.serial.clone()),
            None => IAM_22
                .on(&user)
                .pass("the user's MFA is a hardware device or security key"),
        },
    }
}

/// IAM-07: console users must not hold active keys that were never used.
fn iam_07_setup_keys(row: &CredentialRow) -> Option<Finding> {
    match console(row) {
        Err(e) => return Some(IAM_07.on(&Subject::new(USER, &row.arn)).error(&e)),
        Ok(false) => return None,
        Ok(true) => {}
    }
    let unused: Vec<usize> = row
        .active_keys()
        .filter(|(_, k)| k.last_used.is_none())
        .map(|(n, _)| n)
        .collect();
    Some(IAM_07.on(&Subject::new(USER, &row.arn)).pass_if(
        unused.is_empty(),
        if unused.is_empty() {
            "no active access key that was never used".to_owned()
        } else {
            let keys: Vec<String> = unused.iter().map(|n| format!("access key {n}")).collect();
            format!(
                "{} active but never used (created with the user?)",
                keys.join(" and ")
            )
        },
    ))
}

/// IAM-08: a password or active key not used within the threshold (since creation if never).
fn iam_08_unused_credentials(row: &CredentialRow, ctx: &Ctx) -> Finding {
    let limit = ctx.t.credential_unused_days;
    let verdict = IAM_08.on(&Subject::new(USER, &row.arn));
    let undated = |what: String| {
        ApiError::incomplete(
            "iam:GetCredentialReport",
            format!(
                "{what} for {}, so how long it went unused is unknown",
                row.user
            ),
        )
    };
    let mut stale = Vec::new();
    match console(row) {
        Err(e) => return verdict.error(&e),
        Ok(false) => {}
        Ok(true) => match row.password_last_used.or(row.user_creation_time) {
            None => {
                return verdict.error(&undated("password_last_used or user_creation_time".into()));
            }
            Some(t) if ctx.days_since(t) >= limit => {
                stale.push(format!("password unused for {} days", ctx.days_since(t)));
            }
            Some(_) => {}
        },
    }
    for (n, k) in row.active_keys() {
        match k.last_used.or(k.last_rotated) {
            None => {
                return verdict.error(&undated(format!(
                    "access_key_{n}_last_used_date or access_key_{n}_last_rotated"
                )));
            }
            Some(t) if ctx.days_since(t) >= limit => stale.push(format!(
                "access key {n} unused for {} days",
                ctx.days_since(t)
            )),
            Some(_) => {}
        }
    }
    verdict.pass_if(
        stale.is_empty(),
        if stale.is_empty() {
            format!("no credential unused for {limit} days or more")
        } else {
            stale.join("; ")
        },
    )
}

/// IAM-09: at most one active key.
fn iam_09_one_active_key(row: &CredentialRow) -> Finding {
    let n = row.active_keys().count();
    IAM_09
        .on(&Subject::new(USER, &row.arn))
        .pass_if(n <= 1, format!("{n} active access key(s)"))
}

/// IAM-10: each active key rotated within the threshold.
fn iam_10_key_age(row: &CredentialRow, ctx: &Ctx) -> Option<Finding> {
    let limit = ctx.t.access_key_max_age_days;
    if row.active_keys().count() == 0 {
        return None;
    }
    if let Some((n, _)) = row.active_keys().find(|(_, k)| k.last_rotated.is_none()) {
        return Some(
            IAM_10
                .on(&Subject::new(USER, &row.arn))
                .error(&ApiError::incomplete(
                    "iam:GetCredentialReport",
                    format!(
                        "access_key_{n}_last_rotated of an active key of {}",
                        row.user
                    ),
                )),
        );
    }
    let ages: Vec<(usize, i64)> = row
        .active_keys()
        .filter_map(|(n, k)| k.last_rotated.map(|t| (n, ctx.days_since(t))))
        .collect();
    let old: Vec<String> = ages
        .iter()
        .filter(|(_, d)| *d >= limit)
        .map(|(n, d)| format!("access key {n} is {d} days old"))
        .collect();
    Some(IAM_10.on(&Subject::new(USER, &row.arn)).pass_if(
        old.is_empty(),
        if old.is_empty() {
            format!("active keys younger than {limit} days")
        } else {
            old.join("; ")
        },
    ))
}

/// IAM-11: any active user access key fails (roles, not users).
fn iam_11_no_long_lived_keys(row: &CredentialRow) -> Finding {
    let n = row.active_keys().count();
    IAM_11.on(&Subject::new(USER, &row.arn)).pass_if(
        n == 0,
        if n == 0 {
            "no active long-lived access key".to_owned()
        } else {
            format!("{n} active long-lived access key(s)")
        },
    )
}

/// IAM-12: no managed policy attached to, and no inline policy on, a user.
fn iam_12_user_policies(user: &Principal) -> Finding {
    let direct = user.attached.len() + user.inline.len();
    IAM_12
        .on(&Subject::new(USER, &user.arn))
        .pass_if(
            direct == 0,
            if direct == 0 {
                "permissions come only from groups".to_owned()
            } else {
                format!(
                    "{} attached and {} inline polic(ies) directly on the user",
                    user.attached.len(),
                    user.inline.len()
                )
            },
        )
        .with("attached", user.attached.clone())
        .with(
            "inline",
            user.inline
                .iter()
                .map(|(n, _)| n.clone())
                .collect::<Vec<_>>(),
        )
}

/// The meaning of `AdministratorAccess`, which the details list only when it is in use.
const ADMIN_DOCUMENT: &str = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// One least-privilege concern of a policy document, with its words for findings.
#[derive(Debug, Clone)]
struct Noted {
    index: usize,
    concern: Concern,
    /// `statement N: <concern>`, and its conditions when it has any.
    text: String,
}

/// A document's concerns, or why it cannot be read.
type Analysis = Result<Vec<Noted>, String>;

fn analyse(doc: &str) -> Analysis {
    let d = PolicyDocument::parse(doc).map_err(|e| e.to_string())?;
    Ok(identity_concerns(&d)
        .into_iter()
        .map(|c| {
            let text = format!("statement {}: {}", c.index, c.concern);
            let text = if c.statement.condition.is_empty() {
                text
            } else {
                format!(
                    "{text} (with conditions {})",
                    serde_json::Value::Object(c.statement.condition.clone())
                )
            };
            Noted {
                index: c.index,
                concern: c.concern,
                text,
            }
        })
        .collect())
}

/// The authorization details read once per run: every policy document parsed and analysed
/// once (a managed policy attached to 2,000 principals is not read 2,000 times), managed
/// documents by ARN, groups by name.
struct Policies<'a> {
    analysed: HashMap<&'a str, Analysis>,
    managed: HashMap<&'a str, &'a str>,
    groups: HashMap<&'a str, &'a Principal>,
}

impl<'a> Policies<'a> {
    fn new(auth: &'a AuthorizationDetails) -> Self {
        let managed: HashMap<&str, &str> = auth
            .policies
            .iter()
            .filter_map(|p| p.document.as_deref().map(|d| (p.arn.as_str(), d)))
            .collect();
        let mut groups = HashMap::new();
        for g in &auth.groups {
            groups.entry(g.name.as_str()).or_insert(g);
        }
        let inline = auth
            .users
            .iter()
            .chain(&auth.groups)
            .chain(&auth.roles)
            .flat_map(|p| p.inline.iter().map(|(_, doc)| doc.as_str()));
        let mut analysed = HashMap::new();
        for doc in managed
            .values()
            .copied()
            .chain(inline)
            .chain([ADMIN_DOCUMENT])
        {
            analysed.entry(doc).or_insert_with(|| analyse(doc));
        }
        Policies {
            analysed,
            managed,
            groups,
        }
    }

    /// The analysis of `doc` (every document of the details is analysed up front).
    fn analysis(&self, doc: &str) -> Cow<'_, Analysis> {
        self.analysed
            .get(doc)
            .map_or_else(|| Cow::Owned(analyse(doc)), Cow::Borrowed)
    }
}

/// IAM-13: every customer-managed policy, attached or not (an unattached one is one attachment
/// away from use), and every inline policy: no Allow * on *.
fn iam_13_admin_policies(auth: &AuthorizationDetails, policies: &Policies) -> Vec<Finding> {
    let mut out = Vec::new();
    let judge =
        |resource: String, rtype: ResourceType, doc: &str, unattached: bool| match &*policies
            .analysis(doc)
        {
            Err(e) => IAM_13.on(&Subject::new(rtype, resource)).fail(format!(
                "policy document cannot be read ({e}); fix or delete it"
            )),
            Ok(concerns) => {
                let admin: Vec<usize> = concerns
                    .iter()
                    .filter(|c| c.concern == Concern::FullAdmin)
                    .map(|c| c.index)
                    .collect();
                let attachment = if unattached {
                    " (not attached to anything)"
                } else {
                    ""
                };
                IAM_13
                    .on(&Subject::new(rtype, resource))
                    .pass_if(
                        admin.is_empty(),
                        if admin.is_empty() {
                            format!("no statement allows * on *{attachment}")
                        } else {
                            format!("statement(s) {admin:?} allow * on *{attachment}")
                        },
                    )
                    .with("attached", !unattached)
            }
        };
    for p in &auth.policies {
        if p.arn.starts_with("arn:aws:iam::aws:") {
            continue;
        }
        match &p.document {
            Some(doc) => out.push(judge(
                p.arn.clone(),
                ResourceType::AwsIamPolicy,
                doc,
                p.attachment_count == 0,
            )),
            None => out.push(
                IAM_13
                    .on(&Subject::new(ResourceType::AwsIamPolicy, &p.arn))
                    .error(&ApiError::incomplete(
                        "iam:GetAccountAuthorizationDetails",
                        format!("the default version's document of {}", p.arn),
                    )),
            ),
        }
    }
    for (list, rtype) in [
        (&auth.users, USER),
        (&auth.groups, GROUP),
        (&auth.roles, ROLE),
    ] {
        for principal in list {
            for (name, doc) in &principal.inline {
                out.push(judge(
                    format!("{}/inline-policy/{name}", principal.arn),
                    rtype,
                    doc,
                    false,
                ));
            }
        }
    }
    out
}

fn allowed(ctx: &Ctx, p: &Principal) -> bool {
    ctx.t
        .admin_allow_list
        .iter()
        .any(|a| a == &p.name || a == &p.arn)
}

/// IAM-14: AdministratorAccess attached only to allow-listed principals.
fn iam_14_administrator_access(auth: &AuthorizationDetails, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for (list, rtype) in [
        (&auth.users, USER),
        (&auth.groups, GROUP),
        (&auth.roles, ROLE),
    ] {
        for p in list
            .iter()
            .filter(|p| p.attached.iter().any(|a| a == ADMIN_POLICY))
        {
            if allowed(ctx, p) {
                out.push(IAM_14.on(&Subject::new(rtype, &p.arn)).pass(
                    "AdministratorAccess attached, principal is on the break-glass allow-list",
                ));
            } else {
                out.push(IAM_14.on(&Subject::new(rtype, &p.arn)).fail("AdministratorAccess is attached and the principal is not on the break-glass allow-list"));
            }
        }
    }
    if out.iter().all(|f| f.status == Status::Pass) {
        out.push(
            IAM_14
                .on(&account(ctx.account))
                .pass("AdministratorAccess is attached to no principal outside the allow-list"),
        );
    }
    out
}

/// Every policy document that applies to a principal, with where it came from; and what
/// applies to it but could not be found in the details (an attached policy without its
/// document, a group not listed), which leaves its verdict unknown.
fn effective_documents<'a>(
    p: &'a Principal,
    policies: &Policies<'a>,
) -> (Vec<(String, &'a str)>, Vec<String>) {
    fn attached<'a>(
        docs: &mut Vec<(String, &'a str)>,
        unknown: &mut Vec<String>,
        list: &'a [String],
        via: &str,
        managed: &HashMap<&str, &'a str>,
    ) {
        for arn in list {
            if let Some(doc) = managed.get(arn.as_str()) {
                docs.push((format!("{via}{arn}"), doc));
            } else if arn == ADMIN_POLICY {
                // AWS managed policies appear in the details only when in use; this one's
                // meaning is fixed, so its absence from the listing changes nothing.
                docs.push((format!("{via}{arn}"), ADMIN_DOCUMENT));
            } else {
                unknown.push(format!("{via}{arn}: no document in the details"));
            }
        }
    }
    let managed = &policies.managed;
    let mut docs: Vec<(String, &str)> = Vec::new();
    let mut unknown = Vec::new();
    attached(&mut docs, &mut unknown, &p.attached, "", managed);
    for g in &p.groups {
        match policies.groups.get(g.as_str()) {
            Some(group) => {
                attached(
                    &mut docs,
                    &mut unknown,
                    &group.attached,
                    &format!("group {g}: "),
                    managed,
                );
                for (name, doc) in &group.inline {
                    docs.push((format!("group {g}: inline {name}"), doc));
                }
            }
            None => unknown.push(format!("group {g}: not in the details")),
        }
    }
    for (name, doc) in &p.inline {
        docs.push((format!("inline {name}"), doc));
    }
    (docs, unknown)
}

fn is_service_role(p: &Principal) -> bool {
    p.path.starts_with("/aws-service-role/")
}

/// LP-01..03 for every user and role: concerns over all policies that apply to them.
fn least_privilege(auth: &AuthorizationDetails, policies: &Policies, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let principals = auth.users.iter().map(|p| (p, USER)).chain(
        auth.roles
            .iter()
            .filter(|r| !is_service_role(r))
            .map(|p| (p, ROLE)),
    );
    for (p, rtype) in principals {
        let principal = Subject::new(rtype, &p.arn);
        let mut admin = Vec::new();
        let mut roles = Vec::new();
        let mut sensitive = Vec::new();
        let (documents, mut unreadable) = effective_documents(p, policies);
        for (source, doc) in documents {
            let analysis = policies.analysis(doc);
            let concerns = match &*analysis {
                Ok(concerns) => concerns,
                Err(e) => {
                    unreadable.push(format!("{source}: {e}"));
                    continue;
                }
            };
            for c in concerns {
                let what = format!("{source} {}", c.text);
                match c.concern {
                    ref k if k.is_admin() => admin.push(what),
                    Concern::PassRoleOnAny | Concern::AssumeRoleOnAny => roles.push(what),
                    Concern::SensitiveOnAny { .. } => sensitive.push(what),
                    _ => {}
                }
            }
        }
        let listed = allowed(ctx, p);
        // A policy that applies but could not be read may hold what the check looks for: no
        // PASS then, unless the principal is allow-listed or already fails.
        let unknown = (!unreadable.is_empty()).then(|| {
            ApiError::new(
                "iam:GetAccountAuthorizationDetails",
                AwsFailure::Other,
                None,
                format!(
                    "policies that apply could not be read: {}",
                    unreadable.join("; ")
                ),
            )
        });
        let judged = |id: CheckId, found: &[String], none: &str| {
            let verdict = id.on(&principal);
            match (found.is_empty(), listed, &unknown) {
                (false, false, _) => verdict.fail(found.join("; ")),
                (_, true, _) if !found.is_empty() => verdict.pass(format!(
                    "{}, but on the break-glass allow-list",
                    found.join("; ")
                )),
                (_, true, _) => verdict.pass(none.to_owned()),
                (true, false, Some(e)) => verdict.error(e),
                (true, false, None) => verdict.pass(none.to_owned()),
            }
        };
        let lp01 = match (admin.is_empty(), listed, &unknown) {
            (false, true, _) => LP_01
                .on(&principal)
                .pass("administrator-equivalent, but on the break-glass allow-list"),
            _ => judged(
                LP_01,
                &admin,
                "no administrator-equivalent statement applies",
            ),
        };
        out.push(lp01.with("unreadable_policies", unreadable.clone()));
        out.push(judged(LP_02, &roles, "no PassRole/AssumeRole on *"));
        out.push(judged(LP_03, &sensitive, "no sensitive action on *"));
    }
    out
}

/// The role CloudWatch's "share your CloudWatch data" settings create for the accounts allowed
/// to read this one's dashboards, metrics and alarms.
const CLOUDWATCH_SHARING_ROLE: &str = "CloudWatch-CrossAccountSharingRole";

/// IAM-27: CloudWatch cross-account sharing is off, i.e. the role it creates does not exist
/// (Prowler's `cloudwatch_cross_account_sharing_disabled`; a CloudWatch control judged from the
/// IAM details, which only the global IAM shard holds). The finding names the accounts the role
/// trusts.
fn iam_27_cloudwatch_sharing(auth: &AuthorizationDetails, ctx: &Ctx) -> Vec<Finding> {
    let sharing: Vec<Finding> = auth
        .roles
        .iter()
        .filter(|r| r.name == CLOUDWATCH_SHARING_ROLE)
        .map(|r| {
            let trusted = r
                .trust
                .as_deref()
                .map(trusted_principals)
                .unwrap_or_default();
            IAM_27
                .on(&Subject::new(ROLE, &r.arn))
                .fail(
                    "CloudWatch cross-account sharing is on: other accounts may read this \
                     account's CloudWatch data through this role",
                )
                .with("trusted", trusted)
        })
        .collect();
    if sharing.is_empty() {
        vec![IAM_27.on(&account(ctx.account)).pass(format!(
            "no {CLOUDWATCH_SHARING_ROLE}: CloudWatch data is not shared with other accounts"
        ))]
    } else {
        sharing
    }
}

/// The AWS principals a trust policy names (for a finding's detail; unreadable: none).
fn trusted_principals(trust: &str) -> Vec<String> {
    PolicyDocument::parse(trust)
        .map(|d| {
            d.statements
                .iter()
                .filter_map(|s| s.principal.as_ref())
                .flat_map(|p| match p {
                    vigil::policy::Principal::Anyone => vec!["*".to_owned()],
                    p => p.values("AWS").to_vec(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// AWS managed policies named by their path (`arn:PARTITION:iam::aws:policy/NAME`), so a
/// customer policy of the same name never counts.
const SUPPORT_POLICY: &str = ":iam::aws:policy/AWSSupportAccess";
const SECURITY_AUDIT_POLICY: &str = ":iam::aws:policy/SecurityAudit";
const CLOUDSHELL_POLICY: &str = ":iam::aws:policy/AWSCloudShellFullAccess";

fn is_aws_policy(arn: &str, suffix: &str) -> bool {
    arn.starts_with("arn:") && arn.ends_with(suffix) && arn.split(':').count() == 6
}

/// IAM-28 (AWSSupportAccess) and IAM-29 (SecurityAudit): some role has the AWS managed policy
/// attached (CIS: a role to manage incidents with AWS Support; one for security reviews). The
/// details list every principal's attached policy ARNs, AWS managed ones included, so the
/// answer is read, not guessed; one finding for the account naming the roles.
fn role_with(auth: &AuthorizationDetails, ctx: &Ctx, id: CheckId, policy: &str) -> Finding {
    let name = policy.rsplit('/').next().unwrap_or(policy);
    let roles: Vec<String> = auth
        .roles
        .iter()
        .filter(|r| r.attached.iter().any(|a| is_aws_policy(a, policy)))
        .map(|r| r.name.clone())
        .collect();
    id.on(&account(ctx.account))
        .pass_if(
            !roles.is_empty(),
            if roles.is_empty() {
                format!("no role has the AWS managed policy {name} attached")
            } else {
                format!("{name} is attached to role(s) {}", roles.join(", "))
            },
        )
        .with("roles", roles)
}

/// IAM-30: AWSCloudShellFullAccess (CloudShell with file upload and download: a way to move
/// data out) is attached to no user, group or role; each one it is attached to fails, and the
/// account passes when there is none.
fn iam_30_cloudshell_full_access(auth: &AuthorizationDetails, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for (list, rtype) in [
        (&auth.users, USER),
        (&auth.groups, GROUP),
        (&auth.roles, ROLE),
    ] {
        for p in list.iter().filter(|p| {
            p.attached
                .iter()
                .any(|a| is_aws_policy(a, CLOUDSHELL_POLICY))
        }) {
            out.push(IAM_30.on(&Subject::new(rtype, &p.arn)).fail(
                "AWSCloudShellFullAccess is attached (CloudShell with file upload and download)",
            ));
        }
    }
    if out.is_empty() {
        out.push(
            IAM_30
                .on(&account(ctx.account))
                .pass("AWSCloudShellFullAccess is attached to no user, group or role"),
        );
    }
    out
}

/// LP-04: role last used (or created, if never used) within the threshold.
fn lp_04_unused_role(role: &Principal, ctx: &Ctx) -> Finding {
    let limit = ctx.t.role_unused_days;
    match role.last_used.or(role.created) {
        None => LP_04
            .on(&Subject::new(ROLE, &role.arn))
            .error(&ApiError::incomplete(
                "iam:GetAccountAuthorizationDetails",
                format!("RoleLastUsed or CreateDate of {}", role.arn),
            )),
        Some(t) => {
            let days = ctx.days_since(t);
            let what = if role.last_used.is_some() {
                "last used"
            } else {
                "never used, created"
            };
            LP_04.on(&Subject::new(ROLE, &role.arn)).pass_if(
                days < limit,
                format!("{what} {days} day(s) ago (threshold {limit})"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;
    use crate::facts::{AccessKeyState, ManagedPolicy, PasswordPolicy, VirtualMfa};

    fn user(name: &str) -> CredentialRow {
        CredentialRow {
            user: name.into(),
            arn: format!("arn:aws:iam::111122223333:user/{name}"),
            user_creation_time: Some(days_ago(400)),
            password_enabled: Some(false),
            ..Default::default()
        }
    }

    fn key(active: bool, rotated: i64, used: Option<i64>) -> AccessKeyState {
        AccessKeyState {
            active,
            last_rotated: Some(days_ago(rotated)),
            last_used: used.map(days_ago),
        }
    }

    fn root(mfa: bool, key_active: bool, used: Option<i64>) -> CredentialRow {
        CredentialRow {
            user: "<root_account>".into(),
            arn: "arn:aws:iam::111122223333:root".into(),
            password_enabled: None,
            password_last_used: used.map(days_ago),
            mfa_active: mfa,
            keys: [key(key_active, 500, None), AccessKeyState::default()],
            ..Default::default()
        }
    }

    fn facts(rows: Vec<CredentialRow>, summary: &[(&str, i32)]) -> IamFacts {
        IamFacts {
            summary: Ok(summary.iter().map(|(k, v)| (k.to_string(), *v)).collect()),
            credential_report: Ok(CredentialReport {
                generated_at: Some(now()),
                rows,
            }),
            virtual_mfa: Ok(vec![]),
            password_policy: Ok(None),
            authorization: Ok(AuthorizationDetails::default()),
            server_certificates: Ok(vec![]),
        }
    }

    #[test]
    fn expired_server_certificates_fail_and_one_without_expiration_is_an_error() {
        let t = Thresholds::default();
        let cert =
            |name: &str, expiration: Option<chrono::DateTime<chrono::Utc>>| ServerCertificate {
                arn: format!("arn:aws:iam::111122223333:server-certificate/{name}"),
                name: name.into(),
                expiration,
            };
        let mut f = facts(vec![], &[]);
        f.server_certificates = Ok(vec![
            cert("valid", Some(now() + chrono::Duration::days(40))),
            cert("expired", Some(days_ago(3))),
            // Expired an hour ago: Prowler's whole-day count says 0 days and fails it too.
            cert("just-expired", Some(now() - chrono::Duration::hours(1))),
            cert("unknown", None),
        ]);
        let out = evaluate(&f, &ctx(&t));
        let arn = |n: &str| format!("arn:aws:iam::111122223333:server-certificate/{n}");
        assert_eq!(statuses(&out, "IAM-31").len(), 4);
        let valid = one(&out, "IAM-31", &arn("valid"));
        assert_eq!(valid.status, Status::Pass);
        assert!(valid.detail.contains("40 days left"), "{}", valid.detail);
        assert_eq!(valid.resource_type, ResourceType::Other);
        let expired = one(&out, "IAM-31", &arn("expired"));
        assert_eq!(expired.status, Status::Fail);
        assert!(expired.detail.contains("3 days ago"), "{}", expired.detail);
        assert_eq!(
            one(&out, "IAM-31", &arn("just-expired")).status,
            Status::Fail
        );
        let unknown = one(&out, "IAM-31", &arn("unknown"));
        assert_eq!(unknown.status, Status::Error);
        assert!(unknown.detail.contains("Expiration"), "{}", unknown.detail);

        f.server_certificates = Err(denied("iam:ListServerCertificates"));
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(
            statuses(&out, "IAM-31"),
            vec![(ROOT.to_owned(), Status::Error)]
        );
    }

    fn status_of(f: &[Finding], check: &str, resource: &str) -> Status {
        one(f, check, resource).status
    }

    const ROOT: &str = "arn:aws:iam::111122223333:root";

    #[test]
    fn root_checks_pass_and_fail() {
        let t = Thresholds::default();
        let good = facts(
            vec![root(true, false, Some(200))],
            &[("AccountMFAEnabled", 1), ("AccountAccessKeysPresent", 0)],
        );
        let f = evaluate(&good, &ctx(&t));
        assert_eq!(status_of(&f, "IAM-01", ROOT), Pass);
        assert_eq!(status_of(&f, "IAM-02", ROOT), Pass);
        assert_eq!(status_of(&f, "IAM-03", ROOT), Pass);
        assert_eq!(status_of(&f, "IAM-04", ROOT), Pass);

        let mut bad = facts(
            vec![root(false, true, Some(3))],
            &[("AccountMFAEnabled", 0), ("AccountAccessKeysPresent", 1)],
        );
        bad.virtual_mfa = Ok(vec![]);
        let f = evaluate(&bad, &ctx(&t));
        assert_eq!(status_of(&f, "IAM-01", ROOT), Fail);
        assert_eq!(status_of(&f, "IAM-02", ROOT), Fail);
        assert_eq!(status_of(&f, "IAM-03", ROOT), Fail);
        assert_eq!(status_of(&f, "IAM-04", ROOT), Fail);

        // MFA on but virtual: IAM-02 passes, IAM-03 fails.
        let mut virt = facts(
            vec![root(true, false, None)],
            &[("AccountMFAEnabled", 1), ("AccountAccessKeysPresent", 0)],
        );
        virt.virtual_mfa = Ok(vec![VirtualMfa {
            serial: "arn:aws:iam::111122223333:mfa/root-account-mfa-device".into(),
            user_arn: Some(ROOT.into()),
        }]);
        let f = evaluate(&virt, &ctx(&t));
        assert_eq!(status_of(&f, "IAM-02", ROOT), Pass);
        assert_eq!(status_of(&f, "IAM-03", ROOT), Fail);
    }

    #[test]
    fn user_mfa_must_be_hardware() {
        let t = Thresholds::default();
        let arn = |n: &str| format!("arn:aws:iam::111122223333:user/{n}");
        let mut token = user("token");
        token.mfa_active = true;
        let mut app = user("app");
        app.mfa_active = true;
        let none = user("none");
        let mut f = facts(vec![token, app, none], &[]);
        f.virtual_mfa = Ok(vec![VirtualMfa {
            serial: "arn:aws:iam::111122223333:mfa/app".into(),
            user_arn: Some(arn("app")),
        }]);
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(status_of(&out, "IAM-22", &arn("token")), Pass);
        assert_eq!(status_of(&out, "IAM-22", &arn("app")), Fail);
        assert_eq!(status_of(&out, "IAM-22", &arn("none")), Fail);

        // The virtual devices could not be listed: a user with MFA is unknown, never a pass;
        // one without MFA fails whatever the list says.
        f.virtual_mfa = Err(denied("iam:ListVirtualMFADevices"));
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(status_of(&out, "IAM-22", &arn("token")), Error);
        assert_eq!(status_of(&out, "IAM-22", &arn("none")), Fail);
    }

    #[test]
    fn root_usage_takes_the_latest_use_not_the_first() {
        let t = Thresholds::default();
        let mut row = root(true, false, Some(300));
        row.keys[1] = key(false, 400, Some(2));
        let f = evaluate(
            &facts(
                vec![row],
                &[("AccountMFAEnabled", 1), ("AccountAccessKeysPresent", 0)],
            ),
            &ctx(&t),
        );
        let finding = one(&f, "IAM-04", ROOT);
        assert_eq!(finding.status, Fail);
        assert!(
            finding.detail.contains("2 day(s) ago"),
            "{}",
            finding.detail
        );
    }

    #[test]
    fn missing_root_row_or_denied_summary_is_error_not_pass() {
        let t = Thresholds::default();
        let mut f = facts(vec![], &[]);
        f.summary = Err(denied("iam:GetAccountSummary"));
        let out = evaluate(&f, &ctx(&t));
        for id in ["IAM-01", "IAM-02", "IAM-03", "IAM-04"] {
            assert_eq!(status_of(&out, id, ROOT), Error, "{id}");
        }
        assert_eq!(
            one(&out, "IAM-01", ROOT).error.as_ref().unwrap().operation,
            "iam:GetAccountSummary"
        );
    }

    #[test]
    fn password_policy_requirements() {
        let t = Thresholds::default();
        let mut f = facts(vec![], &[("AccountMFAEnabled", 1)]);
        assert_eq!(status_of(&evaluate(&f, &ctx(&t)), "IAM-05", ROOT), Fail);
        let strong = PasswordPolicy {
            minimum_length: 14,
            reuse_prevention: Some(24),
            require_symbols: true,
            require_numbers: true,
            require_uppercase: true,
            require_lowercase: true,
            max_age_days: Some(90),
        };
        f.password_policy = Ok(Some(strong.clone()));
        assert_eq!(status_of(&evaluate(&f, &ctx(&t)), "IAM-05", ROOT), Pass);
        f.password_policy = Ok(Some(PasswordPolicy {
            minimum_length: 8,
            require_symbols: false,
            max_age_days: None,
            ..strong
        }));
        let out = evaluate(&f, &ctx(&t));
        let finding = one(&out, "IAM-05", ROOT);
        assert_eq!(finding.status, Fail);
        assert_eq!(
            finding.detail,
            "minimum length 8 < 14; symbols not required; passwords never expire"
        );
    }

    #[test]
    fn credential_checks_per_user() {
        let t = Thresholds::default();
        let mut good = user("good");
        good.password_enabled = Some(true);
        good.password_last_used = Some(days_ago(1));
        good.mfa_active = true;
        good.keys[0] = key(true, 10, Some(1));
        let mut bad = user("bad");
        bad.password_enabled = Some(true);
        bad.password_last_used = Some(days_ago(100));
        bad.keys = [key(true, 120, None), key(true, 5, Some(50))];
        let keyless = user("keyless");
        let f = evaluate(
            &facts(vec![good, bad, keyless], &[("AccountMFAEnabled", 1)]),
            &ctx(&t),
        );
        let arn = |n: &str| format!("arn:aws:iam::111122223333:user/{n}");
        for (check, g, b) in [
            ("IAM-06", Pass, Fail),
            ("IAM-07", Pass, Fail),
            ("IAM-08", Pass, Fail),
            ("IAM-09", Pass, Fail),
            ("IAM-10", Pass, Fail),
            ("IAM-11", Fail, Fail),
        ] {
            assert_eq!(status_of(&f, check, &arn("good")), g, "{check} good");
            assert_eq!(status_of(&f, check, &arn("bad")), b, "{check} bad");
        }
        assert_eq!(status_of(&f, "IAM-11", &arn("keyless")), Pass);
        assert_eq!(status_of(&f, "IAM-08", &arn("keyless")), Pass);
        assert!(
            statuses(&f, "IAM-06")
                .iter()
                .all(|(r, _)| r != &arn("keyless")),
            "no console password: IAM-06 not in scope"
        );
        assert_eq!(
            one(&f, "IAM-08", &arn("bad")).detail,
            "password unused for 100 days; access key 1 unused for 120 days; access key 2 unused for 50 days"
        );
    }

    #[test]
    fn denied_credential_report_errors_every_dependent_check() {
        let t = Thresholds::default();
        let mut f = facts(vec![], &[("AccountMFAEnabled", 1)]);
        f.credential_report = Err(denied("iam:GenerateCredentialReport"));
        let out = evaluate(&f, &ctx(&t));
        for id in [
            "IAM-04", "IAM-06", "IAM-07", "IAM-08", "IAM-09", "IAM-10", "IAM-11",
        ] {
            assert_eq!(status_of(&out, id, ROOT), Error, "{id}");
        }
    }

    fn principal(name: &str, kind: &str) -> Principal {
        Principal {
            name: name.into(),
            arn: format!("arn:aws:iam::111122223333:{kind}/{name}"),
            path: "/".into(),
            created: Some(days_ago(200)),
            ..Default::default()
        }
    }

    fn auth() -> AuthorizationDetails {
        let mut direct = principal("direct", "user");
        direct.attached = vec!["arn:aws:iam::111122223333:policy/star".into()];
        direct.inline = vec![(
            "passrole".into(),
            r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}}"#.into(),
        )];
        let mut grouped = principal("grouped", "user");
        grouped.groups = vec!["readers".into()];
        let mut readers = principal("readers", "group");
        readers.attached = vec!["arn:aws:iam::111122223333:policy/read".into()];
        let mut admin_role = principal("admin-role", "role");
        admin_role.attached = vec![ADMIN_POLICY.into()];
        admin_role.last_used = Some(days_ago(1));
        let mut notaction = principal("notaction-role", "role");
        notaction.inline = vec![(
            "na".into(),
            r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#.into(),
        )];
        let mut decrypt = principal("decrypt-role", "role");
        decrypt.inline = vec![(
            "d".into(),
            r#"{"Statement":[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["*"]}]}"#
                .into(),
        )];
        decrypt.last_used = Some(days_ago(10));
        let mut breakglass = principal("breakglass", "role");
        breakglass.attached = vec![ADMIN_POLICY.into()];
        breakglass.last_used = Some(days_ago(5));
        let mut service = principal("AWSServiceRoleForX", "role");
        service.path = "/aws-service-role/x/".into();
        service.attached = vec![ADMIN_POLICY.into()];
        AuthorizationDetails {
            users: vec![direct, grouped],
            groups: vec![readers],
            roles: vec![admin_role, notaction, decrypt, breakglass, service],
            policies: vec![
                ManagedPolicy { arn: "arn:aws:iam::111122223333:policy/star".into(), document: Some(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into()), attachment_count: 1 },
                ManagedPolicy { arn: "arn:aws:iam::111122223333:policy/read".into(), document: Some(r#"{"Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}]}"#.into()), attachment_count: 1 },
                ManagedPolicy { arn: "arn:aws:iam::111122223333:policy/unattached-star".into(), document: Some(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into()), attachment_count: 0 },
            ],
        }
    }

    /// Facts left out of the answers make the checks that need them ERROR, naming the fact:
    /// an unreadable report row, an active key without dates, a policy without its document,
    /// a group or attached policy missing from the details, a role without dates.
    #[test]
    fn unknown_facts_are_errors_not_passes() {
        let t = Thresholds::default();
        let mut garbled = user("garbled");
        garbled.unreadable = vec!["password_enabled=\"yes\"".into()];
        let mut undated = user("undated");
        undated.keys[0] = AccessKeyState {
            active: true,
            last_rotated: None,
            last_used: None,
        };
        let mut f = facts(vec![garbled, undated], &[]);
        let mut a = auth();
        let mut lost = principal("lost", "user");
        lost.groups = vec!["ghost-group".into()];
        lost.attached = vec!["arn:aws:iam::111122223333:policy/undocumented".into()];
        a.users.push(lost);
        a.policies.push(ManagedPolicy {
            arn: "arn:aws:iam::111122223333:policy/undocumented".into(),
            document: None,
            attachment_count: 1,
        });
        let mut dateless = principal("dateless", "role");
        dateless.created = None;
        a.roles.push(dateless);
        f.authorization = Ok(a);
        let out = evaluate(&f, &ctx(&t));
        let arn = |k: &str, n: &str| format!("arn:aws:iam::111122223333:{k}/{n}");
        for id in ["IAM-06", "IAM-07", "IAM-08", "IAM-09", "IAM-10", "IAM-11"] {
            let x = one(&out, id, &arn("user", "garbled"));
            assert_eq!(x.status, Error, "{id}");
            assert!(x.detail.contains("password_enabled"), "{}", x.detail);
        }
        assert_eq!(one(&out, "IAM-08", &arn("user", "undated")).status, Error);
        assert_eq!(one(&out, "IAM-10", &arn("user", "undated")).status, Error);
        assert_eq!(one(&out, "IAM-11", &arn("user", "undated")).status, Fail);
        let policy = one(
            &out,
            "IAM-13",
            "arn:aws:iam::111122223333:policy/undocumented",
        );
        assert_eq!(policy.status, Error);
        for id in ["LP-01", "LP-02", "LP-03"] {
            let x = one(&out, id, &arn("user", "lost"));
            assert_eq!(x.status, Error, "{id}");
            assert!(
                x.detail.contains("ghost-group") && x.detail.contains("undocumented"),
                "{}",
                x.detail
            );
        }
        assert_eq!(one(&out, "LP-04", &arn("role", "dateless")).status, Error);
    }

    #[test]
    fn least_privilege_checks() {
        let t = Thresholds {
            admin_allow_list: vec!["breakglass".into()],
            ..Thresholds::default()
        };
        let mut f = facts(vec![], &[("AccountMFAEnabled", 1)]);
        f.authorization = Ok(auth());
        let out = evaluate(&f, &ctx(&t));
        let a = |k: &str, n: &str| format!("arn:aws:iam::111122223333:{k}/{n}");
        assert_eq!(status_of(&out, "IAM-12", &a("user", "direct")), Fail);
        assert_eq!(status_of(&out, "IAM-12", &a("user", "grouped")), Pass);
        assert_eq!(
            status_of(&out, "IAM-13", "arn:aws:iam::111122223333:policy/star"),
            Fail
        );
        assert_eq!(
            status_of(&out, "IAM-13", "arn:aws:iam::111122223333:policy/read"),
            Pass
        );
        // Issue 12: an unattached customer policy with * on * is one attachment away from use
        // (Prowler's iam_customer_unattached_policy_no_administrative_privileges); it used to
        // be skipped.
        let unattached = one(
            &out,
            "IAM-13",
            "arn:aws:iam::111122223333:policy/unattached-star",
        );
        assert_eq!(unattached.status, Fail);
        assert!(
            unattached.detail.contains("not attached"),
            "{}",
            unattached.detail
        );
        assert_eq!(unattached.evidence["attached"], false);
        assert_eq!(
            status_of(
                &out,
                "IAM-13",
                &format!("{}/inline-policy/na", a("role", "notaction-role"))
            ),
            Pass,
            "NotAction is not *:* (LP-01 catches it)"
        );
        assert_eq!(status_of(&out, "IAM-14", &a("role", "admin-role")), Fail);
        assert_eq!(status_of(&out, "IAM-14", &a("role", "breakglass")), Pass);
        assert_eq!(status_of(&out, "LP-01", &a("user", "direct")), Fail);
        assert_eq!(status_of(&out, "LP-01", &a("role", "admin-role")), Fail);
        assert_eq!(status_of(&out, "LP-01", &a("role", "notaction-role")), Fail);
        assert_eq!(status_of(&out, "LP-01", &a("role", "breakglass")), Pass);
        assert_eq!(status_of(&out, "LP-01", &a("user", "grouped")), Pass);
        assert!(
            statuses(&out, "LP-01")
                .iter()
                .all(|(r, _)| !r.contains("AWSServiceRoleForX")),
            "service-linked roles are AWS's"
        );
        assert_eq!(status_of(&out, "LP-02", &a("user", "direct")), Fail);
        assert_eq!(status_of(&out, "LP-02", &a("user", "grouped")), Pass);
        assert_eq!(status_of(&out, "LP-03", &a("role", "decrypt-role")), Fail);
        assert_eq!(status_of(&out, "LP-03", &a("user", "grouped")), Pass);
        assert_eq!(
            status_of(&out, "LP-04", &a("role", "notaction-role")),
            Fail,
            "never used, created 200 days ago"
        );
        assert_eq!(status_of(&out, "LP-04", &a("role", "decrypt-role")), Pass);
    }

    #[test]
    fn admin_access_nowhere_passes_once_for_the_account() {
        let t = Thresholds::default();
        let mut f = facts(vec![], &[("AccountMFAEnabled", 1)]);
        f.authorization = Ok(AuthorizationDetails {
            users: vec![principal("u", "user")],
            ..Default::default()
        });
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(statuses(&out, "IAM-14"), vec![(ROOT.to_string(), Pass)]);
    }

    #[test]
    fn cloudwatch_sharing_role_fails_and_its_absence_passes() {
        let t = Thresholds::default();
        let mut f = facts(vec![], &[]);
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(statuses(&out, "IAM-27"), vec![(ROOT.to_string(), Pass)]);

        let mut a = auth();
        let mut sharing = principal("CloudWatch-CrossAccountSharingRole", "role");
        sharing.trust = Some(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}}"#.into(),
        );
        // The name is CloudWatch's, exactly: a role merely like it is not the sharing role.
        a.roles.push(sharing);
        a.roles
            .push(principal("cloudwatch-crossaccountsharingrole-copy", "role"));
        f.authorization = Ok(a);
        let out = evaluate(&f, &ctx(&t));
        let arn = "arn:aws:iam::111122223333:role/CloudWatch-CrossAccountSharingRole";
        assert_eq!(statuses(&out, "IAM-27"), vec![(arn.to_string(), Fail)]);
        assert_eq!(
            one(&out, "IAM-27", arn).evidence["trusted"],
            serde_json::json!(["arn:aws:iam::999988887777:root"])
        );

        f.authorization = Err(denied("iam:GetAccountAuthorizationDetails"));
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(statuses(&out, "IAM-27"), vec![(ROOT.to_string(), Error)]);
    }

    #[test]
    fn support_and_audit_roles_and_cloudshell_full_access() {
        let t = Thresholds::default();
        let mut f = facts(vec![], &[]);
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(statuses(&out, "IAM-28"), vec![(ROOT.to_string(), Fail)]);
        assert_eq!(statuses(&out, "IAM-29"), vec![(ROOT.to_string(), Fail)]);
        assert_eq!(statuses(&out, "IAM-30"), vec![(ROOT.to_string(), Pass)]);

        let mut a = auth();
        let mut support = principal("support", "role");
        support.attached = vec!["arn:aws:iam::aws:policy/AWSSupportAccess".into()];
        let mut auditor = principal("auditor", "role");
        auditor.attached = vec!["arn:aws-us-gov:iam::aws:policy/SecurityAudit".into()];
        // A customer policy named like the AWS one is not it, for either check.
        let mut lookalike = principal("lookalike", "user");
        lookalike.attached = vec![
            "arn:aws:iam::111122223333:policy/AWSCloudShellFullAccess".into(),
            "arn:aws:iam::111122223333:policy/AWSSupportAccess".into(),
        ];
        let mut shell = principal("shell-users", "group");
        shell.attached = vec!["arn:aws:iam::aws:policy/AWSCloudShellFullAccess".into()];
        a.roles.extend([support, auditor]);
        a.users.push(lookalike);
        a.groups.push(shell);
        f.authorization = Ok(a);
        let out = evaluate(&f, &ctx(&t));
        assert_eq!(statuses(&out, "IAM-28"), vec![(ROOT.to_string(), Pass)]);
        assert_eq!(
            one(&out, "IAM-28", ROOT).evidence["roles"],
            serde_json::json!(["support"])
        );
        assert_eq!(statuses(&out, "IAM-29"), vec![(ROOT.to_string(), Pass)]);
        assert_eq!(
            statuses(&out, "IAM-30"),
            vec![(
                "arn:aws:iam::111122223333:group/shell-users".to_string(),
                Fail
            )]
        );

        f.authorization = Err(denied("iam:GetAccountAuthorizationDetails"));
        let out = evaluate(&f, &ctx(&t));
        for check in ["IAM-28", "IAM-29", "IAM-30"] {
            assert_eq!(statuses(&out, check), vec![(ROOT.to_string(), Error)]);
        }
    }
}
