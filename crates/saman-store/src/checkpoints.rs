//! SQLite's write-ahead log is copied back into the database file by a checkpoint. Left
//! to itself, SQLite checkpoints inside the commit that takes the log past 1,000 pages:
//! with `synchronous = FULL` that is a copy and two flushes to disk in the middle of a
//! commit, and every read waiting for that commit's audit rows (audit_batch.rs) waits
//! with it. Under load that was about once a second, and it doubled a log page's p99
//! (bench/RESULTS.md). Here a task checkpoints every second instead, beside the writers
//! and readers (`PASSIVE` blocks neither). The automatic checkpoint stays as a backstop,
//! at a size this task keeps the log well under.
//!
//! A checkpoint copies pages into the file but leaves the log file's old page images
//! in place until later writes overwrite them, and those include rows since deleted.
//! After a deletion that must leave nothing behind (a purged relay log, whose sealed
//! values would open with the key still in use), [`Store::empty_journal`] checkpoints
//! the whole log and truncates its file; if readers keep it from that, this task tries
//! again every second instead of its passive checkpoint until it succeeds.

use crate::db::StoreParts;
use crate::{Backend, Result, Store};
use std::sync::Weak;
use std::sync::atomic::Ordering;
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
            let done = if store.journal_to_empty.load(Ordering::SeqCst) {
                truncate(&store).await.map(|_| ())
            } else {
                // Busy (another checkpoint running) or cut short by a reader is fine:
                // the next round goes on where this one stopped.
                sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&store.pool)
                    .await
                    .map(|_| ())
                    .map_err(Into::into)
            };
            if let Err(e) = done
                && !store.pool.is_closed()
            {
                tracing::warn!(error = %e, "a checkpoint of the database's log failed");
            }
        }
    });
}

/// Checkpoints the whole log and truncates its file, once no reader needs what is in
/// it (SQLite waits for them up to the busy timeout, and holds new writers back
/// meanwhile: reads take milliseconds, and this runs after a purge and once a day, not
/// in every round). Says whether it did; when it did, nothing is left for the task to
/// empty.
async fn truncate(store: &StoreParts) -> Result<bool> {
    // The row: whether readers kept it from finishing, and the log's pages.
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&store.pool)
        .await?;
    let emptied = busy == 0;
    if emptied {
        store.journal_to_empty.store(false, Ordering::SeqCst);
    }
    Ok(emptied)
}

impl Store {
    /// Leaves nothing of deleted rows in SQLite's write-ahead log file: checkpoints it
    /// and truncates it now, or, while readers keep it from that, has the checkpoint
    /// task do so as soon as they let it (said in the server's log). PostgreSQL keeps
    /// no such file beside its tables.
    pub async fn empty_journal(&self) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Ok(());
        }
        self.journal_to_empty.store(true, Ordering::SeqCst);
        if !truncate(self).await? {
            tracing::warn!(
                "the database's log file could not be emptied yet (readers); \
                 the checkpoint task goes on trying"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saman_domain::auth::keys::Secrets;
    use std::path::PathBuf;

    /// A store on a file in a new folder, with a table `probe` holding `marker`.
    async fn store_with(marker: &str) -> (tempfile::TempDir, PathBuf, Store) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("saman.db");
        let store = Store::connect(
            &format!("sqlite:{}", file.display()),
            Secrets::from_bytes([1; 32]),
        )
        .await
        .unwrap();
        sqlx::query("CREATE TABLE probe (v TEXT)")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO probe (v) VALUES ($1)")
            .bind(marker)
            .execute(&store.pool)
            .await
            .unwrap();
        (dir, file, store)
    }

    #[tokio::test]
    async fn what_is_committed_reaches_the_database_file_within_seconds() {
        let marker = "checkpointed-7d1f0c";
        let (_dir, file, store) = store_with(marker).await;
        let automatic: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(automatic, i64::from(AUTOMATIC_AFTER_PAGES));
        let limit: i64 = sqlx::query_scalar("PRAGMA journal_size_limit")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(limit, 64 << 20, "the log file is cut back after a burst");
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

    /// A deleted row's old page images stay in the log file after a checkpoint, until
    /// overwritten; emptying the journal leaves them nowhere.
    #[tokio::test]
    async fn an_emptied_journal_keeps_nothing_of_deleted_rows() {
        let marker = "deleted-3f9a51";
        let (dir, file, store) = store_with(marker).await;
        sqlx::query("DELETE FROM probe")
            .execute(&store.pool)
            .await
            .unwrap();
        let anywhere = || {
            let mut bytes = std::fs::read(&file).unwrap();
            bytes.extend(std::fs::read(dir.path().join("saman.db-wal")).unwrap_or_default());
            bytes.windows(marker.len()).any(|w| w == marker.as_bytes())
        };
        assert!(anywhere(), "the test's marker was written somewhere");
        store.empty_journal().await.unwrap();
        assert!(
            !anywhere(),
            "the deleted row is still in the database's files"
        );
        assert!(!store.journal_to_empty.load(Ordering::SeqCst));
        store.close().await;
    }
}
