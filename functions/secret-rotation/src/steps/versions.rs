//! Where the event's token stands among the secret's versions, decided without I/O.

use crate::facts::{CURRENT, PENDING, SecretMeta};

/// Where the event's token stands among the secret's versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VersionState {
    Current { also_pending: bool },
    Pending,
    NotAVersion,
    Other(Vec<String>),
}

pub(crate) fn version_state(meta: &SecretMeta, token: &str) -> VersionState {
    match meta.labels(token) {
        None => VersionState::NotAVersion,
        Some(labels) if labels.iter().any(|l| l == CURRENT) => VersionState::Current {
            also_pending: labels.iter().any(|l| l == PENDING),
        },
        Some(labels) if labels.iter().any(|l| l == PENDING) => VersionState::Pending,
        Some(labels) => VersionState::Other(labels.to_vec()),
    }
}

/// A version other than `token` that holds AWSPENDING without being AWSCURRENT: what an
/// earlier rotation that never finished leaves behind, and what makes Secrets Manager refuse
/// to start a new one.
pub(crate) fn stale_pending<'m>(meta: &'m SecretMeta, token: &str) -> Option<&'m str> {
    let pending = meta.version_with(PENDING)?;
    let is_current = meta
        .labels(pending)
        .is_some_and(|labels| labels.iter().any(|l| l == CURRENT));
    (pending != token && !is_current).then_some(pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &[&str])]) -> SecretMeta {
        SecretMeta::with_versions(pairs)
    }

    #[test]
    fn classifies_the_token() {
        let m = meta(&[
            ("cur", &["AWSCURRENT"]),
            ("pend", &["AWSPENDING"]),
            ("prev", &["AWSPREVIOUS"]),
            ("both", &["AWSCURRENT", "AWSPENDING"]),
        ]);
        assert_eq!(
            version_state(&m, "cur"),
            VersionState::Current {
                also_pending: false
            }
        );
        assert_eq!(
            version_state(&m, "both"),
            VersionState::Current { also_pending: true }
        );
        assert_eq!(version_state(&m, "pend"), VersionState::Pending);
        assert_eq!(version_state(&m, "nope"), VersionState::NotAVersion);
        assert_eq!(
            version_state(&m, "prev"),
            VersionState::Other(vec!["AWSPREVIOUS".into()])
        );
    }

    #[test]
    fn stale_pending_is_another_unfinished_version() {
        let stuck = meta(&[("cur", &["AWSCURRENT"]), ("old", &["AWSPENDING"])]);
        assert_eq!(stale_pending(&stuck, "new"), Some("old"));
        assert_eq!(stale_pending(&stuck, "old"), None);
        let done = meta(&[("cur", &["AWSCURRENT", "AWSPENDING"])]);
        assert_eq!(stale_pending(&done, "new"), None);
    }
}
