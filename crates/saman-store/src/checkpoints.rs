//! SQLite's write-ahead log is copied back into the database file by a checkpoint. Left
//! to itself, SQLite checkpoints inside the commit that takes the log past 1,000 pages:
//! with `synchronous = FULL` that is a copy and two flushes to disk in the middle of a
//! commit, and every read waiting for that commit's audit rows (audit_batch.rs) waits
//! with it. Under load that was about once a second, and it doubled a log page's p99
//! (bench/RESULTS.md). Here a task checkpoints every second instead, beside the writers
//! and readers (`PASSIVE` blocks neither). The automatic checkpoint stays as a backstop,
//! at a size this task keeps the log well under.

use crate::db::StoreParts;
use crate::{Backend, Store};
use std::sync::Weak;
use std::time::Duration;

/// How often the log is checkpointed.
const EVERY: Duration = Duration::from_secs(1);
/// The automatic checkpoint, in pages (of 4 KiB): only if the task falls behind.
pub(crate) const AUTOMATIC_AFTER_PAGES: u32 = 20_000;

/// Starts the task for a SQLite store. It holds the store weakly, and ends when the
/// store is dropped or closed.
pub(crate) fn start(store: &Store) {
    if store.backend() != Backend::Sqlite {
        return;
    }
    let store: Weak<StoreParts> = std::sync::Arc::downgrade(&store.0);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(store) = store.upgrade() else { return };
            if store.pool.is_closed() {
                return;
            }
            // Busy (another checkpoint running) or cut short by a reader is fine: the
            // next round goes on where this one stopped.
            let done = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&store.pool)
                .await;
            if let Err(e) = done
                && !store.pool.is_closed()
            {
                tracing::warn!(error = %e, "a checkpoint of the database's log failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use saman_domain::auth::keys::Secrets;

    #[tokio::test]
    async fn what_is_committed_reaches_the_database_file_within_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("saman.db");
        let store = Store::connect(
            &format!("sqlite:{}", file.display()),
            Secrets::from_bytes([1; 32]),
        )
        .await
        .unwrap();
        let automatic: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(automatic, i64::from(AUTOMATIC_AFTER_PAGES));

        let marker = "checkpointed-7d1f0c";
        sqlx::query("CREATE TABLE probe (v TEXT)")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO probe (v) VALUES ($1)")
            .bind(marker)
            .execute(&store.pool)
            .await
            .unwrap();
        // The pool's connections stay open, so nothing but the task (or a log of
        // 20,000 pages) copies the commit from the log into the file.
        let in_file = || {
            let bytes = std::fs::read(&file).unwrap();
            bytes.windows(marker.len()).any(|w| w == marker.as_bytes())
        };
        let mut waited = Duration::ZERO;
        while !in_file() && waited < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        assert!(in_file(), "the commit was not checkpointed into the file");
        store.close().await;
    }
}
