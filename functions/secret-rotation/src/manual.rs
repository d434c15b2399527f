//! The manual override behind the `vigil-rotation` CLI, for when applications fail after a
//! rotation: `status` (versions and labels, a stuck AWSPENDING explained, whether each
//! version logs in) and `rollback` (back to AWSPREVIOUS). Which steps a rollback takes is
//! decided without I/O ([`plan`]); every step is printed, and nothing is changed unless asked
//! to (`--yes`). No password is ever printed.

use std::fmt::Write as _;

use crate::collect;
use crate::deps::Deps;
use crate::engines::{Login, Role, Session};
use crate::error::Error;
use crate::facts::{CURRENT, DbSecret, PENDING, PREVIOUS, SecretMeta, Version};
use crate::steps::{Scheme, log_in_as, target};

/// One step of a rollback, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackStep {
    /// Log in as the current credential and set the user's password back to AWSPREVIOUS's.
    RestorePassword { username: String },
    /// Prove AWSPREVIOUS's credential logs in.
    ProvePrevious { username: String },
    /// Move AWSCURRENT to the previous version.
    MoveCurrent { from: String, to: String },
}

impl std::fmt::Display for RollbackStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RollbackStep::RestorePassword { username } => write!(
                f,
                "log in as the AWSCURRENT credential and set the password of user {username:?} back to the AWSPREVIOUS one"
            ),
            RollbackStep::ProvePrevious { username } => write!(
                f,
                "log in as user {username:?} with the AWSPREVIOUS password"
            ),
            RollbackStep::MoveCurrent { from, to } => write!(
                f,
                "move AWSCURRENT from version {from} to version {to} (AWSPREVIOUS then labels {from})"
            ),
        }
    }
}

/// The steps that take `current` back to `previous`, or why that cannot be done.
pub(crate) fn plan(
    meta: &SecretMeta,
    current: &Version,
    previous: Option<&Version>,
) -> Result<Vec<RollbackStep>, String> {
    if let Some(pending) = meta.version_with(PENDING)
        && pending != current.id
    {
        return Err(format!(
            "a rotation is under way (AWSPENDING on version {pending}); let it finish, or remove that label, before rolling back"
        ));
    }
    let Some(previous) = previous else {
        return Err(
            "the secret has no AWSPREVIOUS version (it was never rotated, or that version was removed); there is nothing to roll back to"
                .into(),
        );
    };
    let move_current = RollbackStep::MoveCurrent {
        from: current.id.clone(),
        to: previous.id.clone(),
    };
    let prove = RollbackStep::ProvePrevious {
        username: previous.secret.username.clone(),
    };
    match Scheme::of(&current.secret) {
        Scheme::AlternatingUsers => Ok(vec![prove, move_current]),
        Scheme::SingleUser if previous.secret.username == current.secret.username => Ok(vec![
            RollbackStep::RestorePassword {
                username: current.secret.username.clone(),
            },
            prove,
            move_current,
        ]),
        Scheme::SingleUser => Err(format!(
            "AWSPREVIOUS names user {:?}, AWSCURRENT user {:?}; a single-user rollback sets the same user's password back",
            previous.secret.username, current.secret.username
        )),
        scheme => Err(format!(
            "rollback covers single-user and alternating-users secrets; a {scheme} secret holds two passwords during rotation: rotate it again instead (aws secretsmanager rotate-secret)"
        )),
    }
}

/// What `status` found, as the lines it prints.
pub async fn status(deps: &Deps, secret_id: &str) -> Result<String, Error> {
    let meta = deps.secrets.describe(secret_id).await?;
    let mut out = String::new();
    let _ = writeln!(out, "secret {}", meta.arn);
    let _ = writeln!(
        out,
        "rotation {}",
        if meta.rotation_enabled {
            "enabled"
        } else {
            "not enabled"
        }
    );
    if meta.owning_service.is_some() {
        let _ = writeln!(
            out,
            "managed by {}: it rotates this secret itself",
            meta.owning_service.as_deref().unwrap_or_default()
        );
    }
    let mut versions: Vec<(&String, &Vec<String>)> = meta.versions.iter().collect();
    versions.sort_by_key(|(_, labels)| {
        [CURRENT, PENDING, PREVIOUS]
            .iter()
            .position(|l| labels.iter().any(|x| x == l))
            .unwrap_or(3)
    });
    for (version, labels) in versions {
        if labels.is_empty() {
            continue;
        }
        let _ = writeln!(out, "version {version}: {}", labels.join(", "));
        let value = collect::secret(deps, &meta.arn, None, Some(version), &labels.join(",")).await;
        let line = match value {
            Ok(None) => "  no value (a rotation's createSecret has not stored one)".to_owned(),
            Err(e) => format!("  value cannot be used: {e}"),
            Ok(Some(v)) => login_line(deps, &meta.arn, &v.secret).await,
        };
        let _ = writeln!(out, "{line}");
    }
    if let Some(pending) = meta.version_with(PENDING)
        && meta
            .labels(pending)
            .is_some_and(|labels| !labels.iter().any(|l| l == CURRENT))
    {
        let _ = writeln!(
            out,
            "stuck: AWSPENDING is on version {pending} without AWSCURRENT: a rotation started and did not finish. Secrets Manager retries it; if it keeps failing, fix the cause (see the rotation alert) and rotate again, or remove the label: aws secretsmanager update-secret-version-stage --secret-id {} --version-stage AWSPENDING --remove-from-version-id {pending}",
            meta.arn
        );
    }
    Ok(out)
}

async fn login_line(deps: &Deps, arn: &str, secret: &DbSecret) -> String {
    let who = format!("  user {:?} ({})", secret.username, Scheme::of(secret));
    if secret.host.is_none()
        && secret.db_instance_identifier.is_none()
        && secret.db_cluster_identifier.is_none()
    {
        return format!("{who}: no host in the secret, login not checked");
    }
    match target(deps, secret, arn).await {
        Err(e) => format!("{who}: database not found: {e}"),
        Ok(target) => match log_in_as(&target, Role::Current, secret).await {
            Ok(_) => format!("{who}: logs in"),
            Err(e) => format!("{who}: does not log in: {e}"),
        },
    }
}

/// Rolls `secret_id` back to AWSPREVIOUS: prints the plan, and carries it out, printing each
/// step as it is done, only when `yes`.
pub async fn rollback(
    deps: &Deps,
    secret_id: &str,
    yes: bool,
    print: &mut dyn FnMut(&str),
) -> Result<(), Error> {
    let meta = deps.secrets.describe(secret_id).await?;
    let refuse = |reason: String| Error::Rollback {
        secret: meta.arn.clone(),
        reason,
    };
    let current = collect::secret(deps, &meta.arn, Some(CURRENT), None, CURRENT)
        .await?
        .ok_or_else(|| refuse("the secret has no AWSCURRENT value".into()))?;
    let previous = collect::secret(deps, &meta.arn, Some(PREVIOUS), None, PREVIOUS).await?;
    let steps = plan(&meta, &current, previous.as_ref()).map_err(refuse)?;
    let previous = previous.expect("a plan needs AWSPREVIOUS");
    print(&format!(
        "rollback of {} ({} steps):",
        meta.arn,
        steps.len()
    ));
    for (n, step) in steps.iter().enumerate() {
        print(&format!("  {}. {step}", n + 1));
    }
    if !yes {
        print("nothing was changed; run again with --yes to carry this out");
        return Ok(());
    }
    let target = target(deps, &current.secret, &meta.arn).await?;
    for (n, step) in steps.iter().enumerate() {
        print(&format!("[{}/{}] {step} ...", n + 1, steps.len()));
        match step {
            RollbackStep::RestorePassword { username } => {
                let login = Login {
                    role: Role::Current,
                    username: &current.secret.username,
                    password: &current.secret.password,
                };
                let mut session = Session::open(&target, login).await?;
                let set = session
                    .set_own_password(username, &previous.secret.password)
                    .await;
                session.close().await;
                set?;
            }
            RollbackStep::ProvePrevious { .. } => {
                log_in_as(&target, Role::Previous, &previous.secret).await?;
            }
            RollbackStep::MoveCurrent { from, to } => {
                deps.secrets
                    .move_label(&meta.arn, CURRENT, Some(to), Some(from))
                    .await?;
            }
        }
        print("      done");
    }
    print("rolled back: AWSCURRENT is the previous credential, and it logs in");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: &str, user: &str, extra: &str) -> Version {
        Version {
            arn: "arn".into(),
            id: id.into(),
            secret: DbSecret::parse(
                &format!(r#"{{"engine":"postgres","host":"h","username":"{user}","password":"p"{extra}}}"#),
                "x",
            )
            .unwrap(),
        }
    }

    fn meta(pairs: &[(&str, &str)]) -> SecretMeta {
        let labelled: Vec<(&str, &[&str])> = pairs
            .iter()
            .map(|(v, l)| (*v, std::slice::from_ref(l)))
            .collect();
        SecretMeta::with_versions(&labelled)
    }

    #[test]
    fn single_user_restores_the_password_then_moves_the_label() {
        let m = meta(&[("new", CURRENT), ("old", PREVIOUS)]);
        let steps = plan(
            &m,
            &version("new", "app", ""),
            Some(&version("old", "app", "")),
        )
        .unwrap();
        assert_eq!(steps.len(), 3);
        assert!(matches!(steps[0], RollbackStep::RestorePassword { .. }));
        assert_eq!(
            steps[2],
            RollbackStep::MoveCurrent {
                from: "new".into(),
                to: "old".into()
            }
        );
        assert!(!steps.iter().any(|s| s.to_string().contains("\"p\"")));
    }

    #[test]
    fn alternating_users_only_prove_and_move() {
        let m = meta(&[("new", CURRENT), ("old", PREVIOUS)]);
        let admin = r#","masterarn":"arn:admin""#;
        let steps = plan(
            &m,
            &version("new", "app_clone", admin),
            Some(&version("old", "app", admin)),
        )
        .unwrap();
        assert!(matches!(steps[0], RollbackStep::ProvePrevious { .. }));
        assert_eq!(steps.len(), 2);
    }

    #[test]
    fn refuses_without_previous_or_during_a_rotation() {
        let m = meta(&[("new", CURRENT)]);
        let err = plan(&m, &version("new", "app", ""), None).unwrap_err();
        assert!(err.contains("no AWSPREVIOUS"), "{err}");
        let busy = meta(&[("new", CURRENT), ("old", PREVIOUS), ("next", PENDING)]);
        let err = plan(
            &busy,
            &version("new", "app", ""),
            Some(&version("old", "app", "")),
        )
        .unwrap_err();
        assert!(err.contains("rotation is under way"), "{err}");
    }
}
