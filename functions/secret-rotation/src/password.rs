//! Password rules for the pending credential.
//!
//! Passwords come from Secrets Manager's `GetRandomPassword` (a CSPRNG on AWS's side, and no
//! password generator of our own to get wrong); this module only decides the rules: length and
//! excluded characters per deployment, overridable per secret, checked against what the engine
//! accepts before anything is changed.

use crate::facts::{DbSecret, Engine};

/// Printable ASCII, the alphabet `GetRandomPassword` draws from (without space).
const PRINTABLE: std::ops::RangeInclusive<u8> = b'!'..=b'~';

/// Fewer distinct characters than this makes guessing too easy, whatever the length.
const MIN_ALPHABET: usize = 20;

/// How generated passwords are made: their length and the characters they never contain.
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
    pub(crate) fn for_secret(&self, secret: &DbSecret) -> Result<PasswordRules, String> {
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

    pub(crate) fn check(&self, engine: Engine) -> Result<(), String> {
        let range = engine.password_len_range();
        if !range.contains(&self.length) {
            return Err(format!(
                "password length {} is outside what {engine} accepts ({}-{}); change passwordLength or VIGIL_PASSWORD_LENGTH",
                self.length,
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
}
