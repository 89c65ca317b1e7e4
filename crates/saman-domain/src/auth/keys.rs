//! The platform's secret key, from configuration and never in the database, and what is
//! made from it: keyed hashes (the audit chain, recovery codes) and sealed values
//! (ChaCha20-Poly1305, e.g. two-step secrets; XChaCha20-Poly1305, the relay log's
//! content). Each use has its own subkey, and a sealed value names the key it was sealed
//! with, so keys can be rotated.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use sha2::Sha256;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// The secret key and its id, and the keys it replaced (for opening what they sealed
/// until `saman keys rotate` has sealed it again).
#[derive(Clone)]
pub struct Secrets {
    key_id: String,
    master: [u8; 32],
    /// Earlier keys, newest first: (id, key).
    previous: Vec<(String, [u8; 32])>,
    /// Keyed hashes (the audit chain, recovery codes, identity-number lookups) stay
    /// under the first key ever configured, the last of the earlier keys: they cannot
    /// be made again from what is stored.
    hash_master: [u8; 32],
    /// The subkeys derived so far, shared by the clones.
    subkeys: Arc<Subkeys>,
}

/// Subkeys derived so far, each by its key (0 the current one, then the earlier ones in
/// order) and purpose. A log page opens dozens of sealed values, and deriving each
/// one's subkey again (an HMAC) was a few per cent of its time. The purposes are the
/// code's own constants: a few at most are kept, and any beyond are derived each time.
#[derive(Default)]
struct Subkeys(RwLock<Vec<(usize, String, [u8; 32])>>);

/// At most this many subkeys are kept.
const KEPT_SUBKEYS: usize = 32;

impl Subkeys {
    fn of(&self, key: usize, master: &[u8; 32], purpose: &str) -> [u8; 32] {
        let kept_of = |kept: &[(usize, String, [u8; 32])]| {
            kept.iter()
                .find(|(k, p, _)| *k == key && p == purpose)
                .map(|(_, _, subkey)| *subkey)
        };
        if let Some(subkey) = kept_of(&self.0.read().unwrap_or_else(PoisonError::into_inner)) {
            return subkey;
        }
        let subkey = hmac(master, purpose.as_bytes());
        let mut kept = self.0.write().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have kept it meanwhile.
        if kept.len() < KEPT_SUBKEYS && kept_of(&kept).is_none() {
            kept.push((key, purpose.to_string(), subkey));
        }
        subkey
    }
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

fn key_id_of(master: &[u8; 32]) -> String {
    super::secret::hex(&hmac(master, b"saman key id")[..4])
}

impl Secrets {
    pub fn from_bytes(master: [u8; 32]) -> Secrets {
        Secrets {
            key_id: key_id_of(&master),
            master,
            previous: Vec::new(),
            hash_master: master,
            subkeys: Arc::default(),
        }
    }

    /// This key, with the keys it replaced (newest first): what they sealed still opens,
    /// and keyed hashes stay under the oldest.
    pub fn with_previous(self, previous: Vec<Secrets>) -> Secrets {
        let hash_master = previous.last().map_or(self.master, |oldest| oldest.master);
        Secrets {
            previous: previous.into_iter().map(|p| (p.key_id, p.master)).collect(),
            hash_master,
            // The earlier keys' places in the list changed.
            subkeys: Arc::default(),
            ..self
        }
    }

    /// Whether a sealed value was sealed with another key than the current one.
    pub fn sealed_with_older_key(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1).is_some_and(|id| id != self.key_id)
    }

    /// The subkey for `purpose` of the key named `key_id`.
    fn subkey_of(&self, key_id: &str, purpose: &str) -> Result<[u8; 32], KeyError> {
        if key_id == self.key_id {
            return Ok(self.subkey(purpose));
        }
        let (i, (_, master)) = self
            .previous
            .iter()
            .enumerate()
            .find(|(_, (id, _))| id == key_id)
            .ok_or(KeyError::OtherKey("not a configured key"))?;
        Ok(self.subkeys.of(i + 1, master, purpose))
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
        self.subkeys.of(0, &self.master, purpose)
    }

    /// A keyed hash (HMAC-SHA256) for one purpose, as hex: without the key, nobody can
    /// make or check one.
    pub fn mac_hex(&self, purpose: &str, data: &[u8]) -> String {
        let key = hmac(&self.hash_master, purpose.as_bytes());
        super::secret::hex(&hmac(&key, data))
    }

    /// Seals a value for one purpose: `v1.<key id>.<nonce and ciphertext>`.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let nonce = super::secret::random_bytes::<12>();
        let mut out = nonce.to_vec();
        out.extend(chacha_seal(&self.subkey(purpose), nonce, b"", plaintext));
        format!("v1.{}.{}", self.key_id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed with [`Secrets::seal`] for the same purpose.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let v = self.unpack::<12>("v1", purpose, sealed)?;
        chacha_open(&v.subkey, v.nonce, b"", &v.ciphertext)
    }

    /// A sealed value's parts, from `<format>.<key id>.<nonce and ciphertext>`.
    fn unpack<const NONCE: usize>(
        &self,
        format: &str,
        purpose: &str,
        sealed: &str,
    ) -> Result<Unpacked<NONCE>, KeyError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(found), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(KeyError::Malformed);
        };
        if found != format {
            return Err(KeyError::Malformed);
        }
        let subkey = self.subkey_of(key_id, purpose)?;
        let mut bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| KeyError::Malformed)?;
        // A nonce and a tag at the least.
        if bytes.len() < NONCE + 16 {
            return Err(KeyError::Malformed);
        }
        let ciphertext = bytes.split_off(NONCE);
        let nonce = bytes.try_into().expect("split at the nonce's length");
        Ok(Unpacked {
            subkey,
            nonce,
            ciphertext,
        })
    }
}

impl Secrets {
    /// Seals a value bound to its place (XChaCha20-Poly1305 with a 192-bit random
    /// nonce, so billions of values may share a key): `x1.<key id>.<nonce and
    /// ciphertext>`. `place` (e.g. a row's id and column) is authenticated but not
    /// stored, so a sealed value moved to another row does not open there.
    pub fn seal_at(&self, purpose: &str, place: &str, plaintext: &[u8]) -> String {
        let nonce = super::secret::random_bytes::<24>();
        let (key, short_nonce) = xchacha(&self.subkey(purpose), &nonce);
        let mut out = nonce.to_vec();
        out.extend(chacha_seal(&key, short_nonce, place.as_bytes(), plaintext));
        format!("x1.{}.{}", self.key_id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed with [`Secrets::seal_at`] for the same purpose and place.
    pub fn open_at(&self, purpose: &str, place: &str, sealed: &str) -> Result<Vec<u8>, KeyError> {
        let v = self.unpack::<24>("x1", purpose, sealed)?;
        let (key, short_nonce) = xchacha(&v.subkey, &v.nonce);
        chacha_open(&key, short_nonce, place.as_bytes(), &v.ciphertext)
    }
}

/// A sealed value's parts: the subkey for its purpose of the key it names, its nonce,
/// and its ciphertext with the tag.
struct Unpacked<const NONCE: usize> {
    subkey: [u8; 32],
    nonce: [u8; NONCE],
    ciphertext: Vec<u8>,
}

// The cipher itself is ring's ChaCha20-Poly1305 (RFC 8439): on short values, which is
// what a relay log holds, it opens one about six times as fast as the pure-Rust crate
// did (a log page opens dozens). The format is unchanged: what either sealed, the
// other opens (tested below).

/// ChaCha20-Poly1305: the ciphertext with its tag appended.
fn chacha_seal(key: &[u8; 32], nonce: [u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut sealed = plaintext.to_vec();
    cipher(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut sealed,
        )
        .expect("ChaCha20-Poly1305 seals any value that fits in memory");
    sealed
}

fn chacha_open(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, KeyError> {
    let mut buffer = ciphertext.to_vec();
    let opened = cipher(key)
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buffer,
        )
        .map_err(|_| KeyError::Tampered)?
        .len();
    buffer.truncate(opened);
    Ok(buffer)
}

fn cipher(key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, key).expect("a 32-byte key"))
}

/// XChaCha20 (draft-irtf-cfrg-xchacha): the key HChaCha20 makes of the key and the
/// first 16 bytes of the 24-byte nonce, and the ChaCha20 nonce of four zero bytes and
/// the last 8.
fn xchacha(key: &[u8; 32], nonce: &[u8; 24]) -> ([u8; 32], [u8; 12]) {
    let mut head = [0; 16];
    head.copy_from_slice(&nonce[..16]);
    let subkey = chacha20::hchacha::<chacha20::cipher::consts::U10>(key.into(), &head.into());
    let mut short_nonce = [0; 12];
    short_nonce[4..].copy_from_slice(&nonce[16..]);
    (subkey.into(), short_nonce)
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
    fn earlier_keys_open_what_they_sealed_and_keep_the_hashes() {
        let old = Secrets::from_bytes([1; 32]);
        let sealed = old.seal_at("relay-log", "log-1/child", b"Ida");
        let hash = old.mac_hex("pid", b"09831255029");
        let new = Secrets::from_bytes([2; 32]);
        assert!(new.open_at("relay-log", "log-1/child", &sealed).is_err());
        let rotated = Secrets::from_bytes([2; 32]).with_previous(vec![old]);
        assert!(rotated.sealed_with_older_key(&sealed));
        assert_eq!(
            rotated
                .open_at("relay-log", "log-1/child", &sealed)
                .unwrap(),
            b"Ida"
        );
        let resealed = rotated.seal_at("relay-log", "log-1/child", b"Ida");
        assert!(!rotated.sealed_with_older_key(&resealed));
        assert!(resealed.starts_with(&format!("x1.{}.", new.key_id())));
        assert_eq!(rotated.mac_hex("pid", b"09831255029"), hash, "hashes stay");
    }

    #[test]
    fn kept_subkeys_are_those_of_their_key() {
        let oldest = Secrets::from_bytes([1; 32]);
        let older = Secrets::from_bytes([2; 32]);
        let by_oldest = oldest.seal_at("relay-log", "log-1/child", b"Ida");
        let by_older = older.seal_at("relay-log", "log-1/child", b"Ola");
        let current = Secrets::from_bytes([3; 32]);
        let by_current = current.seal_at("relay-log", "log-1/child", b"Kari");
        let rotated = current.with_previous(vec![older, oldest]);
        // Derived the first time, kept the second: the same either way.
        for _ in 0..2 {
            for (sealed, text) in [
                (&by_oldest, &b"Ida"[..]),
                (&by_older, b"Ola"),
                (&by_current, b"Kari"),
            ] {
                assert_eq!(
                    rotated.open_at("relay-log", "log-1/child", sealed).unwrap(),
                    text
                );
            }
            assert_eq!(rotated.subkey("relay-log"), hmac(&[3; 32], b"relay-log"));
        }
        // Beyond the kept ones, subkeys are derived each time.
        let key = Secrets::from_bytes([4; 32]);
        for i in 0..KEPT_SUBKEYS + 8 {
            let purpose = format!("purpose-{i}");
            let sealed = key.seal(&purpose, b"x");
            assert_eq!(key.open(&purpose, &sealed).unwrap(), b"x");
            assert_eq!(key.subkey(&purpose), hmac(&[4; 32], purpose.as_bytes()));
        }
        assert_eq!(key.subkeys.0.read().unwrap().len(), KEPT_SUBKEYS);
    }

    /// Everything sealed before the cipher moved to ring was sealed by the RustCrypto
    /// crate `chacha20poly1305`: both ways, each opens what the other sealed.
    #[test]
    fn the_format_is_that_of_the_chacha20poly1305_crate() {
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        use chacha20poly1305::{ChaCha20Poly1305, XChaCha20Poly1305, XNonce};
        let key = Secrets::from_bytes([5; 32]);
        let subkey = key.subkey("relay-log");
        for text in ["", "Ida", &"ø".repeat(300)] {
            let ours = key.seal_at("relay-log", "log-1/entry", text.as_bytes());
            let bytes = URL_SAFE_NO_PAD
                .decode(ours.rsplit('.').next().unwrap())
                .unwrap();
            let (nonce, ciphertext) = bytes.split_at(24);
            let payload = |msg| Payload {
                msg,
                aad: b"log-1/entry",
            };
            let crate_cipher = XChaCha20Poly1305::new(&subkey.into());
            assert_eq!(
                crate_cipher
                    .decrypt(XNonce::from_slice(nonce), payload(ciphertext))
                    .unwrap(),
                text.as_bytes()
            );
            let mut theirs = nonce.to_vec();
            theirs.extend(
                crate_cipher
                    .encrypt(XNonce::from_slice(nonce), payload(text.as_bytes()))
                    .unwrap(),
            );
            let theirs = format!("x1.{}.{}", key.key_id(), URL_SAFE_NO_PAD.encode(theirs));
            assert_eq!(
                key.open_at("relay-log", "log-1/entry", &theirs).unwrap(),
                text.as_bytes()
            );
            let nonce = [3; 12];
            let mut short = nonce.to_vec();
            short.extend(
                ChaCha20Poly1305::new(&key.subkey("totp").into())
                    .encrypt(&nonce.into(), text.as_bytes())
                    .unwrap(),
            );
            let short = format!("v1.{}.{}", key.key_id(), URL_SAFE_NO_PAD.encode(short));
            assert_eq!(key.open("totp", &short).unwrap(), text.as_bytes());
            let ours = key.seal("totp", text.as_bytes());
            let bytes = URL_SAFE_NO_PAD
                .decode(ours.rsplit('.').next().unwrap())
                .unwrap();
            let (nonce, ciphertext) = bytes.split_at(12);
            assert_eq!(
                ChaCha20Poly1305::new(&key.subkey("totp").into())
                    .decrypt(nonce.into(), ciphertext)
                    .unwrap(),
                text.as_bytes()
            );
        }
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
