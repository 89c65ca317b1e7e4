//! Sealing a log's personal data at rest: each value with XChaCha20-Poly1305 under the
//! relay log's subkey of the platform key, bound to its place (the log, the row, the
//! column), so a database dump shows no name, number or text, and a sealed value copied
//! into another log does not open there.

use saman_domain::auth::keys::Secrets;

const PURPOSE: &str = "relay-log";

/// Where a sealed value belongs: `<log id>/<what>`.
pub fn place(log_id: &str, what: &str) -> String {
    format!("{log_id}/{what}")
}

pub fn seal(secrets: &Secrets, place: &str, value: &str) -> String {
    secrets.seal_at(PURPOSE, place, value.as_bytes())
}

/// Opens a sealed value; a value that does not open is corrupt (or of another key).
pub fn open(secrets: &Secrets, place: &str, sealed: &str) -> crate::Result<String> {
    let bytes = secrets
        .open_at(PURPOSE, place, sealed)
        .map_err(|e| crate::RelayError::Corrupt(format!("a sealed value at {place}: {e}")))?;
    String::from_utf8(bytes).map_err(|_| crate::RelayError::Corrupt(format!("{place}: not text")))
}

pub fn seal_json<T: serde::Serialize>(secrets: &Secrets, place: &str, value: &T) -> String {
    seal(
        secrets,
        place,
        &serde_json::to_string(value).expect("the log's own types always serialise"),
    )
}

pub fn open_json<T: serde::de::DeserializeOwned>(
    secrets: &Secrets,
    place: &str,
    sealed: &str,
) -> crate::Result<T> {
    // The parser's message could quote the opened value: it stays out of the error.
    serde_json::from_str(&open(secrets, place, sealed)?)
        .map_err(|_| crate::RelayError::Corrupt(format!("{place}: does not parse")))
}
