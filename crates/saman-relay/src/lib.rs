//! The relay log (stafettlogg): the log that follows a child across services, opened
//! only with consent, read by the guardians, protected like health data.
//!
//! Everything about it is here, to be read and reviewed as one: its rules (identity
//! numbers, the child's age and voice, consent, what a log holds), the policy that
//! decides every access ([`policy`]), and its storage ([`storage`]), which seals the
//! child's data at rest ([`seal`]) and audits every read and write. Nothing else reaches
//! its tables.

pub mod age;
pub mod bench_data;
pub mod consent;
pub mod consent_form;
pub mod content;
pub mod demo_history;
pub mod pid;
pub mod policy;
pub mod seal;
pub mod storage;

pub use storage::{
    AccessRow, ArchiveMeta, Change, CloseReason, Closed, ConsentForm, ConsentStatus, ConsentView,
    EntryView, HandoverView, HolderCounts, LogKind, LogSummary, LogView, NewEntry, NewLog,
    ParticipantView, Relay, Requester, Scope, ServiceCounts, ServiceOverview,
};

/// What can go wrong in the relay log's storage. Details are for the logs, and never
/// hold a child's data (only ids of logs and rows).
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Store(#[from] saman_store::StoreError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored relay data does not fit: {0}")]
    Corrupt(String),
    #[error("the archive could not be made: {0}")]
    Archive(String),
}

impl RelayError {
    /// Whether this failed because there is no room to write.
    pub fn is_storage_full(&self) -> bool {
        match self {
            RelayError::Store(e) => e.is_storage_full(),
            RelayError::Database(e) => saman_store::is_storage_full(e),
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, RelayError>;
