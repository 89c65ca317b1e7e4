//! The `saman` binary's parts, as a library so that integration tests drive the same code.

pub mod backup;
pub mod cli;
pub mod config;
pub mod crash;
pub mod demo;
pub mod folder;
pub mod jobs;
pub mod mailer;
pub mod people;
pub mod serve;
