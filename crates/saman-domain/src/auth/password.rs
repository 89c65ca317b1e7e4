//! Passwords: Argon2id hashes with at least OWASP's parameters, and a policy that checks
//! length and a list of common passwords, not character classes (NIST SP 800-63B,
//! OWASP ASVS 2.1).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// OWASP's minimum for Argon2id: 19 MiB of memory, two passes, one lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("fixed, valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (algorithm, parameters and salt included).
pub fn hash(password: &str) -> String {
    let salt = SaltString::encode_b64(&super::secret::random_bytes::<16>())
        .expect("16 bytes make a valid salt");
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashes any password of allowed length")
        .to_string()
}

/// Whether `password` matches `phc`. A malformed hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of nothing anyone can type, to verify against when there is no account, so
/// that a login for an unknown e-mail takes as long as one for a known one.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&super::secret::new_token()))
}

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    /// The password is the person's e-mail address or name.
    Personal,
}

/// Checks a new password. Any characters are allowed; spaces too (pass phrases).
pub fn check(password: &str, email: &str, name: &str) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    let personal = [email.to_lowercase(), name.to_lowercase()];
    if personal
        .iter()
        .any(|p| !p.is_empty() && lower.contains(p.as_str()))
    {
        return Err(PasswordProblem::Personal);
    }
    // "Sommer2026!" is as common as "sommer": compare without digits and symbols at the
    // ends, and a password made of one short thing repeated.
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let common = COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for word in common {
        if lower == word || core == word || is_repetition_of(&lower, word) {
            return Err(PasswordProblem::Common);
        }
    }
    if is_repetitive(&lower) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// Whether `s` is `word` repeated (with digits or symbols between or around).
fn is_repetition_of(s: &str, word: &str) -> bool {
    let letters: String = s.chars().filter(|c| c.is_alphabetic()).collect();
    word.len() >= 4
        && !letters.is_empty()
        && letters.len().is_multiple_of(word.len())
        && letters == word.repeat(letters.len() / word.len())
}

/// A password of at most three different characters, or with a run of six or more
/// consecutive characters ("123456", "abcdef", "987654").
fn is_repetitive(s: &str) -> bool {
    let distinct: std::collections::BTreeSet<char> = s.chars().collect();
    let chars: Vec<u32> = s.chars().map(u32::from).collect();
    let run = |step: i64| {
        chars.windows(6).any(|w| {
            w.windows(2)
                .all(|p| i64::from(p[1]) - i64::from(p[0]) == step)
        })
    };
    distinct.len() <= 3 || run(1) || run(-1)
}

/// Common passwords and words (English and Norwegian); one per line, lower case.
const COMMON: &str = include_str!("common-passwords.txt");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let phc = hash("korrekt hest batteri stift");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("korrekt hest batteri stift", &phc));
        assert!(!verify("korrekt hest batteri stifT", &phc));
        assert!(!verify("x", "not a hash"));
        assert_ne!(hash("same password"), hash("same password"), "salted");
    }

    #[test]
    fn policy_checks_length_and_common_passwords_not_classes() {
        assert_eq!(check("kort", "", ""), Err(PasswordProblem::TooShort));
        assert_eq!(
            check(&"x".repeat(129), "", ""),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(
            check("passwordpassword", "", ""),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check("Sommerfugl2026!!", "", ""),
            Err(PasswordProblem::Common)
        );
        assert_eq!(check("123456789012", "", ""), Err(PasswordProblem::Common));
        assert_eq!(
            check("aaaaaaaaaaaaaa", "", ""),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check(
                "kari.nordmann@fjordvik.no!",
                "kari.nordmann@fjordvik.no",
                "Kari"
            ),
            Err(PasswordProblem::Personal)
        );
        // Only letters, only lower case: long enough and uncommon, so it is fine.
        assert_eq!(check("grønne epler på taket", "", ""), Ok(()));
        assert_eq!(
            check("tyttebærsyltetøy i kjelleren", "a@b.no", "Per"),
            Ok(())
        );
    }
}
