//! Password rules for the pending credential.
//!
//! The rules (length and excluded characters per deployment, overridable per secret) are
//! checked against what the engine accepts before anything is changed. Passwords are drawn
//! here, uniformly from the printable ASCII characters the rules allow, by the thread-local
//! CSPRNG of `rand` (ChaCha12, seeded and reseeded from the operating system), with at least
//! one of each character class the alphabet still has, as `GetRandomPassword` with
//! `RequireEachIncludedType` does. Drawing them here instead of calling `GetRandomPassword`
//! saves a Secrets Manager call per rotation and the only IAM grant the function needed on
//! `Resource: "*"`.

use rand::Rng;
use secrecy::SecretString;

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

impl PasswordRules {
    /// A new password under these rules (checked with [`PasswordRules::check`] first).
    pub(crate) fn generate(&self) -> SecretString {
        let alphabet: Vec<char> = PRINTABLE
            .map(char::from)
            .filter(|c| !self.exclude_characters.contains(*c))
            .collect();
        let classes: [fn(&char) -> bool; 4] = [
            char::is_ascii_lowercase,
            char::is_ascii_uppercase,
            char::is_ascii_digit,
            char::is_ascii_punctuation,
        ];
        let wanted: Vec<_> = classes
            .iter()
            .filter(|class| alphabet.iter().any(class))
            .collect();
        let mut rng = rand::rng();
        loop {
            let password: String = (0..self.length)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            if wanted
                .iter()
                .all(|class| password.chars().any(|c| class(&c)))
            {
                return SecretString::from(password);
            }
        }
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
    fn generated_passwords_follow_the_rules() {
        use secrecy::ExposeSecret;
        let rules = PasswordRules {
            length: 12,
            exclude_characters: "abcdefghijklmnopqrstuvwxyz/@".into(),
        };
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let password = rules.generate();
            let text = password.expose_secret();
            assert_eq!(text.chars().count(), 12);
            assert!(
                !text.chars().any(|c| rules.exclude_characters.contains(c)),
                "{text}"
            );
            assert!(text.chars().any(|c| c.is_ascii_uppercase()));
            assert!(text.chars().any(|c| c.is_ascii_digit()));
            assert!(text.chars().any(|c| c.is_ascii_punctuation()));
            assert!(text.chars().all(|c| c.is_ascii_graphic()));
            seen.insert(text.to_owned());
        }
        assert_eq!(seen.len(), 200, "no repeats");
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
