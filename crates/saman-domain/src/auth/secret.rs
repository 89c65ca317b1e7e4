//! Random secrets (session ids, one-time links, recovery codes) and their hashes. The
//! database keeps only the hash, so a copy of it opens no session and no link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 32 random bytes from the operating system, URL-safe base64 (43 characters).
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Without the operating system's randomness nothing secure can be made: stop.
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}

/// SHA-256 as lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// The hash a token is stored and looked up by.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A recovery code as people read and type it: ten characters in two groups, from an
/// alphabet without look-alikes (no 0/O, 1/I/L).
pub fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let bytes = random_bytes::<10>();
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A recovery code as typed (any case, with or without the dash) in the stored form.
pub fn normalize_recovery_code(typed: &str) -> String {
    let clean: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if clean.len() == 10 {
        format!("{}-{}", &clean[..5], &clean[5..])
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn recovery_codes() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            normalize_recovery_code(&code.to_lowercase().replace('-', " ")),
            code
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
    }
}
