//! Saman's database: one code path over SQLite (embedded, the default) and PostgreSQL.
//!
//! Queries are plain SQL through sqlx's `Any` driver, written in the SQL both databases
//! speak; the schema is versioned in `migrations/` and applied at start. Every read or
//! write of tenant data takes a [`TenantId`], which only this crate can make, from a
//! tenant it has looked up: there is no way to query one tenant's data with another's.

mod audit;
mod audit_batch;
mod bundle;
mod checkpoints;
pub mod clock;
mod db;
mod forms;
mod guides;
mod items;
mod jobs;
mod limits;
mod model;
mod oidc;
mod outbox;
mod people;
mod published;
mod readers;
pub mod recently_used;
mod review;
mod search_counts;
mod session_cache;
mod sessions;
mod settings;
mod sharing;
mod surveys;
mod tenants;
mod timeline;
mod versions;

pub use audit::{
    AuditContext, AuditEntry, AuditFilter, AuditRow, BrokenChain, append as append_audit,
};
pub use bundle::ImportOutcome;
pub use db::{Backend, Store, sqlite_file};
pub use model::{Model, Visibility};
pub use oidc::OidcFlow;
pub use outbox::{Mail, OutboxMail, enqueue as enqueue_mail_in};
pub use people::{Account, NewUser, TokenPurpose, UserSummary, account_target, normalize_email};
pub use published::Published;
pub use readers::{Column, Columns, ReadOn, ReadRow};
pub use review::ReviewReminder;
pub use search_counts::SearchCount;
pub use sessions::{LiveSession, NewSession, Session, SessionLimits};
pub use sharing::{Copied, Offer, Provenance, Sharing};
pub use surveys::{SurveyAnswerer, SurveyRecord, SurveyResults, SurveyState, offer_user_survey};
pub use tenants::{TenantId, TenantRecord, TenantSummary};
pub use versions::{
    Change, Deleted, FormState, GuideState, ItemState, ObjectState, Save, Saved, SettingsState,
    TimelineState, VersionInfo, Versioned, item_target, object_target,
};

/// What can go wrong in the store. Details are for the logs, never for a page.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("unsupported database URL: expected sqlite:… or postgres://…")]
    UnsupportedUrl,
    #[error("stored data does not fit the model: {0}")]
    Corrupt(String),
    #[error("no such object")]
    NotFound,
    #[error("database error: {0}")]
    Read(String),
    #[error("the session ended meanwhile")]
    SessionEnded,
    #[error("the audit log could not be written: {0}")]
    Audit(String),
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    #[error("could not create the database folder: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Whether a database error says the disk (or the database's own size limit) is full:
/// SQLite's `SQLITE_FULL` (13), PostgreSQL's `disk_full` (53100). The write was rolled
/// back whole; it can be tried again when there is room.
pub fn is_storage_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some("13") | Some("53100"))
                || db.message().contains("database or disk is full")
        }
        sqlx::Error::Io(io) => io.raw_os_error() == Some(28), // ENOSPC
        _ => false,
    }
}

impl StoreError {
    /// Whether this failed because there is no room to write (see [`is_storage_full`]).
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::Database(e) => is_storage_full(e),
            StoreError::Io(e) => e.raw_os_error() == Some(28),
            StoreError::Audit(message) => message.contains("database or disk is full"),
            _ => false,
        }
    }
}
