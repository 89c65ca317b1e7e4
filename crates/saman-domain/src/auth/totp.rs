//! Two-step login codes: TOTP (RFC 6238) with HMAC-SHA1, six digits and 30-second
//! steps, which every authenticator app understands.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const DIGITS: u32 = 6;
pub const STEP_SECONDS: u64 = 30;

/// A new secret of 20 random bytes (160 bits, as RFC 4226 recommends), in base32.
pub fn new_secret() -> String {
    base32_encode(&super::secret::random_bytes::<20>())
}

/// The code for a time step.
pub fn code_at(secret: &[u8], step: u64) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        hash[offset],
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]) & 0x7fff_ffff;
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// Checks a typed code against the steps just before, at and after `now` (clocks drift),
/// never accepting a step at or before `last_used`. Returns the step that matched.
pub fn verify(
    secret_base32: &str,
    typed: &str,
    unix_seconds: u64,
    last_used: Option<u64>,
) -> Option<u64> {
    let secret = base32_decode(secret_base32)?;
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .filter(|step| last_used.is_none_or(|last| *step > last))
        .find(|step| {
            super::secret::constant_time_eq(code_at(&secret, *step).as_bytes(), typed.as_bytes())
        })
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn provisioning_uri(secret_base32: &str, issuer: &str, account: &str) -> String {
    let issuer_enc = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer_enc}:{}?secret={secret_base32}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(account)
    )
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let value = BASE32
            .iter()
            .position(|b| *b as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B, SHA-1 (the last six digits of its eight-digit codes).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(secret, step_of(time)), code, "at {time}");
        }
    }

    #[test]
    fn verify_allows_drift_and_refuses_reuse() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(base32_decode(&secret).unwrap(), b"12345678901234567890");
        let step = verify(&secret, "287 082", 59, None).unwrap();
        assert_eq!(step, 1);
        assert_eq!(
            verify(&secret, "287082", 59 + 30, None),
            Some(1),
            "one step late"
        );
        assert_eq!(verify(&secret, "287082", 59, Some(1)), None, "used once");
        assert_eq!(verify(&secret, "287082", 59 + 90, None), None, "too late");
        assert_eq!(verify(&secret, "28708", 59, None), None);
        assert_eq!(verify("!!", "287082", 59, None), None);
    }

    #[test]
    fn base32_round_trips() {
        for len in 0..25 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37) as u8).collect();
            assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        }
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn provisioning_uri_is_escaped() {
        let uri = provisioning_uri("ABC", "Saman Fjordvik", "a@b.no");
        assert_eq!(
            uri,
            "otpauth://totp/Saman%20Fjordvik:a%40b.no?secret=ABC&issuer=Saman%20Fjordvik&algorithm=SHA1&digits=6&period=30"
        );
    }
}
