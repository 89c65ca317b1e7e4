//! The relay log (stafettlogg): the log that follows a child across services, opened
//! only with consent, read by the guardians, protected like health data.
//!
//! This crate holds its rules, without I/O: national identity numbers, the child's age
//! and voice, and consent (who gives it, what it covers, when it ends). Storage,
//! encryption and the pages build on these (see issue 7).

pub mod age;
pub mod consent;
pub mod pid;
