//! Identity primitives with no I/O: password hashing and policy, two-step codes
//! (TOTP, RFC 6238), and random secrets that are stored only as hashes.

pub mod keys;
pub mod password;
pub mod secret;
pub mod totp;
