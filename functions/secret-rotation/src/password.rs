//! Password rules and user names for the pending credential.
//!
//! Passwords come from Secrets Manager's `GetRandomPassword` (a CSPRNG on AWS's side, and no
//! password generator of our own to get wrong); this module only decides the rules: length and
//! excluded characters per deployment, overridable per secret, checked against what the engine
//! accepts before anything is changed.

use crate::secret::{DbSecret, Engine};

/// The suffix alternating-users rotation appends to the original user name.
pub const CLONE_SUFFIX: &str = "_clone";

/// Printable ASCII, the alphabet `GetRandomPassword` draws from (without space).
const PRINTABLE: std::ops::RangeInclusive<u8> = b'!'..=b'~';

/// Fewer distinct characters than this makes guessing too easy, whatever the length.
const MIN_ALPHABET: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    pub length: u32,
    pub exclude_characters: String,
}

impl Default for PasswordRules {
    /// 32 characters without `/ @ " ' \`, the characters RDS refuses in master passwords and
    /// that break connection strings (the same exclusions as AWS's rotation templates).
    fn default() -> Self {
        PasswordRules {
            length: 32,
            exclude_characters: "/@\"'\\".to_owned(),
        }
    }
}

impl PasswordRules {
    /// The deployment's rules with the secret's own `passwordLength` / `excludeCharacters`
    /// applied, checked against the engine's limits.
    pub fn for_secret(&self, secret: &DbSecret) -> Result<PasswordRules, String> {
        let rules = PasswordRules {
            length: secret.password_length.unwrap_or(self.length),
            exclude_characters: secret
                .exclude_characters
                .clone()
                .unwrap_or_else(|| self.exclude_characters.clone()),
        };
        rules.check(secret.engine)?;
        Ok(rules)
    }

    pub fn check(&self, engine: Engine) -> Result<(), String> {
        let range = engine.password_len_range();
        if !range.contains(&self.length) {
            return Err(format!(
                "password length {} is outside what {} accepts ({}-{}); change passwordLength or VIGIL_PASSWORD_LENGTH",
                self.length,
                engine.as_str(),
                range.start(),
                range.end()
            ));
        }
        let alphabet = PRINTABLE
            .filter(|c| !self.exclude_characters.contains(char::from(*c)))
            .count();
        if alphabet < MIN_ALPHABET {
            return Err(format!(
                "excludeCharacters leaves only {alphabet} usable characters; at least {MIN_ALPHABET} are needed"
            ));
        }
        Ok(())
    }
}

/// For alternating users: the user the pending version will hold, given the current one.
/// `app` becomes `app_clone` and `app_clone` becomes `app` again.
pub fn alternate_username(current: &str, engine: Engine) -> Result<String, String> {
    let next = match current.strip_suffix(CLONE_SUFFIX) {
        Some(original) if !original.is_empty() => original.to_owned(),
        _ => format!("{current}{CLONE_SUFFIX}"),
    };
    let length = match engine {
        Engine::Postgres => next.len(),
        Engine::MySql | Engine::MariaDb => next.chars().count(),
    };
    if length > engine.max_username_len() {
        return Err(format!(
            "the alternate user name would be {length} long, over {}'s limit of {}; shorten the user name",
            engine.as_str(),
            engine.max_username_len()
        ));
    }
    Ok(next)
}

/// The original (non-clone) user of an alternating pair.
pub fn original_username(name: &str) -> &str {
    match name.strip_suffix(CLONE_SUFFIX) {
        Some(original) if !original.is_empty() => original,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(extra: &str) -> DbSecret {
        DbSecret::parse(
            &format!(r#"{{"engine":"mariadb","host":"h","username":"u","password":"p"{extra}}}"#),
            "AWSCURRENT",
        )
        .unwrap()
    }

    #[test]
    fn secret_overrides_deployment_rules() {
        let rules = PasswordRules::default()
            .for_secret(&secret(
                r#","passwordLength":"20","excludeCharacters":"abc""#,
            ))
            .unwrap();
        assert_eq!(rules.length, 20);
        assert_eq!(rules.exclude_characters, "abc");
    }

    #[test]
    fn length_is_checked_against_the_engine() {
        let err = PasswordRules::default()
            .for_secret(&secret(r#","passwordLength":64"#))
            .unwrap_err();
        assert!(err.contains("8-41"), "{err}");
        let pg = PasswordRules {
            length: 64,
            ..PasswordRules::default()
        };
        assert!(pg.check(Engine::Postgres).is_ok());
        assert!(
            PasswordRules { length: 7, ..pg }
                .check(Engine::Postgres)
                .is_err()
        );
    }

    #[test]
    fn excluding_almost_everything_is_refused() {
        let all: String = (b'!'..=b'~').map(char::from).skip(5).collect();
        let err = PasswordRules {
            length: 32,
            exclude_characters: all,
        }
        .check(Engine::Postgres)
        .unwrap_err();
        assert!(err.contains("only 5 usable"), "{err}");
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
}
