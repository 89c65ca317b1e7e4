//! The platform's secret key, from configuration and never in the database, and what is
//! made from it: keyed hashes (the audit chain, recovery codes) and sealed values
//! (ChaCha20-Poly1305, e.g. two-step secrets; later the relay log's content). Each use
//! has its own subkey, and a sealed value names the key it was sealed with, so keys can
//! be rotated.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// The secret key and its id.
#[derive(Clone)]
pub struct Secrets {
    key_id: String,
    master: [u8; 32],
}

/// The key is never shown.
impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets(key {})", self.key_id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the secret key must be 32 bytes in base64")]
    BadKey,
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value was sealed with another key ({0})")]
    OtherKey(&'static str),
    #[error("the sealed value does not open: changed, or the wrong key")]
    Tampered,
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

impl Secrets {
    pub fn from_bytes(master: [u8; 32]) -> Secrets {
        let key_id = super::secret::hex(&hmac(&master, b"saman key id")[..4]);
        Secrets { key_id, master }
    }

    /// A key as configuration holds it: 32 bytes in standard base64.
    pub fn from_base64(text: &str) -> Result<Secrets, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyError::BadKey)?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadKey)?;
        Ok(Secrets::from_bytes(master))
    }

    /// A new random key, in base64 for configuration.
    pub fn generate_base64() -> String {
        STANDARD.encode(super::secret::random_bytes::<32>())
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn subkey(&self, purpose: &str) -> [u8; 32] {
        hmac(&self.master, purpose.as_bytes())
    }

    /// A keyed hash (HMAC-SHA256) for one purpose, as hex: without the key, nobody can
    /// make or check one.
    pub fn mac_hex(&self, purpose: &str, data: &[u8]) -> String {
        super::secret::hex(&hmac(&self.subkey(purpose), data))
    }

    /// Seals a value for one purpose: `v1.<key id>.<nonce and ciphertext>`.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let cipher = ChaCha20Poly1305::new(&self.subkey(purpose).into());
        let nonce_bytes = super::secret::random_bytes::<12>();
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce_bytes), plaintext)
            .expect("ChaCha20-Poly1305 seals any value that fits in memory");
        let mut out = nonce_bytes.to_vec();
        out.extend(sealed);
        format!("v1.{}.{}", self.key_id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed with [`Secrets::seal`] for the same purpose.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(KeyError::Malformed);
        };
        if key_id != self.key_id {
            return Err(KeyError::OtherKey("not the configured key"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| KeyError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(KeyError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        ChaCha20Poly1305::new(&self.subkey(purpose).into())
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| KeyError::Tampered)
    }
}

impl Secrets {
    /// Seals a value bound to its place (XChaCha20-Poly1305 with a 192-bit random
    /// nonce, so billions of values may share a key): `x1.<key id>.<nonce and
    /// ciphertext>`. `place` (e.g. a row's id and column) is authenticated but not
    /// stored, so a sealed value moved to another row does not open there.
    pub fn seal_at(&self, purpose: &str, place: &str, plaintext: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new(&self.subkey(purpose).into());
        let nonce_bytes = super::secret::random_bytes::<24>();
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce_bytes),
                Payload {
                    msg: plaintext,
                    aad: place.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any value that fits in memory");
        let mut out = nonce_bytes.to_vec();
        out.extend(sealed);
        format!("x1.{}.{}", self.key_id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed with [`Secrets::seal_at`] for the same purpose and place.
    pub fn open_at(&self, purpose: &str, place: &str, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("x1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(KeyError::Malformed);
        };
        if key_id != self.key_id {
            return Err(KeyError::OtherKey("not the configured key"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| KeyError::Malformed)?;
        if bytes.len() < 24 + 16 {
            return Err(KeyError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        XChaCha20Poly1305::new(&self.subkey(purpose).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_purpose() {
        let key = Secrets::from_base64(&Secrets::generate_base64()).unwrap();
        let sealed = key.seal("totp", b"JBSWY3DPEHPK3PXP");
        assert!(sealed.starts_with(&format!("v1.{}.", key.key_id())));
        assert_ne!(
            sealed,
            key.seal("totp", b"JBSWY3DPEHPK3PXP"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open("totp", &sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(
            key.open("relay", &sealed),
            Err(KeyError::Tampered),
            "another purpose"
        );
        let other = Secrets::from_base64(&Secrets::generate_base64()).unwrap();
        assert!(other.open("totp", &sealed).is_err());
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            key.open("totp", &String::from_utf8(tampered).unwrap())
                .is_err()
        );
        assert_eq!(key.open("totp", "klartekst"), Err(KeyError::Malformed));
    }

    #[test]
    fn values_sealed_at_a_place_open_only_there() {
        let key = Secrets::from_bytes([9; 32]);
        let sealed = key.seal_at("relay", "log-1:child", b"Ola Nordmann");
        assert!(sealed.starts_with(&format!("x1.{}.", key.key_id())));
        assert_eq!(
            key.open_at("relay", "log-1:child", &sealed).unwrap(),
            b"Ola Nordmann"
        );
        assert_eq!(
            key.open_at("relay", "log-2:child", &sealed),
            Err(KeyError::Tampered),
            "moved to another row"
        );
        assert_eq!(
            key.open_at("totp", "log-1:child", &sealed),
            Err(KeyError::Tampered)
        );
        assert!(
            Secrets::from_bytes([8; 32])
                .open_at("relay", "log-1:child", &sealed)
                .is_err()
        );
        assert_eq!(
            key.open_at("relay", "log-1:child", "v1.x.y"),
            Err(KeyError::Malformed)
        );
    }

    #[test]
    fn keyed_hashes_and_bad_keys() {
        let key = Secrets::from_bytes([7; 32]);
        assert_eq!(key.mac_hex("a", b"x"), key.mac_hex("a", b"x"));
        assert_ne!(key.mac_hex("a", b"x"), key.mac_hex("b", b"x"));
        assert_ne!(
            key.mac_hex("a", b"x"),
            Secrets::from_bytes([8; 32]).mac_hex("a", b"x")
        );
        assert_eq!(Secrets::from_base64("kort").unwrap_err(), KeyError::BadKey);
        assert!(!format!("{key:?}").contains("7, 7"), "Debug hides the key");
    }
}
