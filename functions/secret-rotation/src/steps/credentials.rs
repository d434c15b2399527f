//! Which credential the pending version may hold, decided without I/O: how the secret's
//! credential changes ([`Scheme`]), the user it names (alternating users flip `app` ↔
//! `app_clone`; everyone else keeps the name) and the database it points at (the one AWSCURRENT
//! names, so no password is ever sent elsewhere).

use serde::Serialize;

use crate::facts::{DbSecret, Engine};

/// How a secret's credential is rotated; its serde name is the one answers and the CLI use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Scheme {
    /// A SQL user changes its own password.
    SingleUser,
    /// An admin (`masterarn`) sets the password of the other user of an `app`/`app_clone` pair.
    AlternatingUsers,
    /// A Redis/Valkey ACL user holds the old and the new password until finishSecret.
    RedisAcl,
    /// An ElastiCache RBAC user, changed through the ElastiCache API, likewise.
    ElastiCacheUser,
}

serde_plain::derive_display_from_serialize!(Scheme);

impl Scheme {
    pub(crate) fn of(secret: &DbSecret) -> Scheme {
        match secret.engine {
            Engine::Redis => Scheme::RedisAcl,
            Engine::ElastiCache => Scheme::ElastiCacheUser,
            _ if secret.is_alternating() => Scheme::AlternatingUsers,
            _ => Scheme::SingleUser,
        }
    }
}

/// The suffix alternating-users rotation appends to the original user name.
const CLONE_SUFFIX: &str = "_clone";

/// For alternating users: the user the pending version will hold, given the current one.
/// `app` becomes `app_clone` and `app_clone` becomes `app` again.
pub(crate) fn alternate_username(current: &str, engine: Engine) -> Result<String, String> {
    let next = match current.strip_suffix(CLONE_SUFFIX) {
        Some(original) if !original.is_empty() => original.to_owned(),
        _ => format!("{current}{CLONE_SUFFIX}"),
    };
    let length = match engine {
        Engine::Postgres => next.len(),
        _ => next.chars().count(),
    };
    if length > engine.max_username_len() {
        return Err(format!(
            "the alternate user name would be {length} long, over {engine}'s limit of {}; shorten the user name",
            engine.max_username_len()
        ));
    }
    Ok(next)
}

/// The original (non-clone) user of an alternating pair.
pub(crate) fn original_username(name: &str) -> &str {
    match name.strip_suffix(CLONE_SUFFIX) {
        Some(original) if !original.is_empty() => original,
        _ => name,
    }
}

/// The user the pending value must name: the other user of the pair for alternating users,
/// the same user otherwise. Never the current user of an alternating pair: changing its
/// password would lock out every application that holds AWSCURRENT, which alternating users
/// exist to avoid.
pub(crate) fn pending_user_allowed(current: &DbSecret, pending: &DbSecret) -> Result<(), String> {
    if current.is_alternating() {
        let expected = alternate_username(&current.username, current.engine)?;
        if pending.username != expected {
            return Err(format!(
                "alternating users: the pending user must be {expected:?}, not {:?}",
                pending.username
            ));
        }
    } else if pending.username != current.username {
        return Err("single user: the pending value names a different user than AWSCURRENT".into());
    }
    Ok(())
}

/// The pending credential must point at the same database as the current one: a pending
/// value edited to point elsewhere would otherwise receive the current or admin password.
pub(crate) fn same_database(
    current: &DbSecret,
    other: &DbSecret,
    what: &str,
) -> Result<(), String> {
    let mismatch = |field: &str| {
        Err(format!(
            "{what} names a different {field} than AWSCURRENT; a credential is only ever sent to the database the current secret names"
        ))
    };
    if current.engine != other.engine {
        return mismatch("engine");
    }
    if current.host != other.host {
        return mismatch("host");
    }
    if current.port != other.port {
        return mismatch("port");
    }
    if current.db_instance_identifier != other.db_instance_identifier
        || current.db_cluster_identifier != other.db_cluster_identifier
    {
        return mismatch("RDS identifier");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_follows_engine_and_masterarn() {
        let parse = |text: &str| DbSecret::parse(text, "AWSCURRENT").unwrap();
        let base = r#""host":"h","username":"u","password":"p""#;
        assert_eq!(
            Scheme::of(&parse(&format!(r#"{{"engine":"postgres",{base}}}"#))),
            Scheme::SingleUser
        );
        assert_eq!(
            Scheme::of(&parse(&format!(
                r#"{{"engine":"mysql","masterarn":"a",{base}}}"#
            ))),
            Scheme::AlternatingUsers
        );
        let redis = parse(&format!(r#"{{"engine":"valkey","masterarn":"a",{base}}}"#));
        assert_eq!(Scheme::of(&redis), Scheme::RedisAcl);
        assert!(
            !redis.is_alternating(),
            "a Redis masterarn only runs ACL SETUSER"
        );
        let cache = parse(
            r#"{"username":"u","password":"p","user_arn":"arn:aws:elasticache:us-east-1:1:user:u"}"#,
        );
        assert_eq!(Scheme::of(&cache), Scheme::ElastiCacheUser);
        assert_eq!(Scheme::RedisAcl.to_string(), "redis-acl");
    }

    #[test]
    fn alternating_names_flip_and_respect_limits() {
        assert_eq!(
            alternate_username("app", Engine::Postgres).unwrap(),
            "app_clone"
        );
        assert_eq!(
            alternate_username("app_clone", Engine::Postgres).unwrap(),
            "app"
        );
        assert_eq!(
            alternate_username("_clone", Engine::Postgres).unwrap(),
            "_clone_clone"
        );
        assert_eq!(original_username("app_clone"), "app");
        let long = "u".repeat(27);
        assert!(alternate_username(&long, Engine::MariaDb).is_err());
        assert!(alternate_username(&long, Engine::Postgres).is_ok());
        // PostgreSQL counts bytes: 20 three-byte characters are 60 bytes, plus 6 is over 63.
        let wide = "é".repeat(20);
        assert!(alternate_username(&wide, Engine::MariaDb).is_ok());
        assert!(alternate_username(&"€".repeat(20), Engine::Postgres).is_err());
    }

    #[test]
    fn pending_must_name_the_same_database() {
        let base = r#""engine":"postgres","port":5432,"username":"u","password":"p""#;
        let current = DbSecret::parse(&format!(r#"{{{base},"host":"db"}}"#), "AWSCURRENT").unwrap();
        let same = DbSecret::parse(&format!(r#"{{{base},"host":"db"}}"#), "AWSPENDING").unwrap();
        let evil = DbSecret::parse(&format!(r#"{{{base},"host":"evil"}}"#), "AWSPENDING").unwrap();
        assert!(same_database(&current, &same, "AWSPENDING").is_ok());
        let err = same_database(&current, &evil, "AWSPENDING").unwrap_err();
        assert!(err.contains("different host"), "{err}");
    }

    #[test]
    fn pending_user_is_the_other_of_the_pair_or_the_same_single_user() {
        let secret = |user: &str, masterarn: bool| {
            let admin = if masterarn {
                r#","masterarn":"arn:admin""#
            } else {
                ""
            };
            DbSecret::parse(
                &format!(r#"{{"engine":"postgres","host":"db","username":"{user}","password":"p"{admin}}}"#),
                "AWSCURRENT",
            )
            .unwrap()
        };
        assert!(pending_user_allowed(&secret("app", true), &secret("app_clone", true)).is_ok());
        let err = pending_user_allowed(&secret("app", true), &secret("app", true)).unwrap_err();
        assert!(err.contains("must be \"app_clone\""), "{err}");
        assert!(pending_user_allowed(&secret("app", false), &secret("app", false)).is_ok());
        let err = pending_user_allowed(&secret("app", false), &secret("other", false)).unwrap_err();
        assert!(err.contains("different user"), "{err}");
    }
}
