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
//! the whole log and truncates its file. A truncating checkpoint holds writers back
//! while it waits for readers, so when readers keep it from finishing, this task tries
//! again with a short wait, at growing intervals, instead of holding writers back for
//! long. At start the task empties the log once, for what a process that stopped
//! before it could have left.

use crate::db::{BUSY_TIMEOUT, StoreParts};
use crate::{Backend, Result, Store};
use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// How often the log is checkpointed.
const EVERY: Duration = Duration::from_secs(1);
/// The automatic checkpoint, in pages (of 4 KiB): only if the task falls behind.
pub(crate) const AUTOMATIC_AFTER_PAGES: u32 = 20_000;
/// How long an emptying waits for readers, holding writers back: right after a purge,
/// and in the task's retries.
const WAIT_AFTER_DELETING: Duration = Duration::from_secs(1);
const WAIT_IN_TASK: Duration = Duration::from_millis(100);
/// The longest interval between the task's tries at emptying the log.
const LONGEST_RETRY: Duration = Duration::from_secs(60);

/// Whether the log file holds deleted rows: asked for (`wanted`) and done (`emptied`)
/// are counted, so that an emptying that began before a later deletion's request does
/// not count for it.
#[derive(Debug, Default)]
pub(crate) struct Emptying {
    wanted: AtomicU64,
    emptied: AtomicU64,
}

impl Emptying {
    /// On SQLite the log is emptied once at start.
    pub(crate) fn new(backend: Backend) -> Emptying {
        Emptying {
            wanted: AtomicU64::new(u64::from(backend == Backend::Sqlite)),
            emptied: AtomicU64::new(0),
        }
    }

    fn pending(&self) -> bool {
        self.emptied.load(Ordering::SeqCst) < self.wanted.load(Ordering::SeqCst)
    }
}

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
        let mut retry_in = EVERY;
        let mut next_try = Instant::now();
        let mut warned = false;
        loop {
            every.tick().await;
            let Some(store) = store.upgrade() else { return };
            if store.pool.is_closed() {
                return;
            }
            let done = if store.journal.pending() && Instant::now() >= next_try {
                truncate(&store, WAIT_IN_TASK).await.map(|emptied| {
                    if emptied {
                        retry_in = EVERY;
                        warned = false;
                    } else {
                        next_try = Instant::now() + retry_in;
                        retry_in = (retry_in * 2).min(LONGEST_RETRY);
                        if !warned {
                            warned = true;
                            tracing::warn!(
                                "the database's log file still holds deleted rows: readers \
                                 keep it from being emptied; trying again at growing intervals"
                            );
                        }
                    }
                })
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
/// it, waiting for them at most `wait` (and holding new writers back meanwhile). Says
/// whether it did.
async fn truncate(store: &StoreParts, wait: Duration) -> Result<bool> {
    let asked_before = store.journal.wanted.load(Ordering::SeqCst);
    let mut conn = store.pool.acquire().await?;
    let set_wait = |wait: Duration| format!("PRAGMA busy_timeout = {}", wait.as_millis());
    sqlx::query(&set_wait(wait)).execute(&mut *conn).await?;
    // The row: whether readers kept it from finishing, and the log's pages.
    let checkpoint = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut *conn)
        .await;
    if sqlx::query(&set_wait(BUSY_TIMEOUT))
        .execute(&mut *conn)
        .await
        .is_err()
    {
        // Not back in the pool with a wait other than every connection's.
        conn.close_on_drop();
    }
    let emptied = checkpoint?.0 == 0;
    if emptied {
        store
            .journal
            .emptied
            .fetch_max(asked_before, Ordering::SeqCst);
    }
    Ok(emptied)
}

impl Store {
    /// Leaves nothing of deleted rows in SQLite's write-ahead log file: checkpoints it
    /// and truncates it now, waiting a second at most for readers. Says whether it did;
    /// if not, this process's checkpoint task goes on trying (said in the log). On
    /// PostgreSQL it does nothing: its own write-ahead log is recycled by its settings.
    pub async fn empty_journal(&self) -> Result<bool> {
        if self.backend() != Backend::Sqlite {
            return Ok(true);
        }
        self.journal.wanted.fetch_add(1, Ordering::SeqCst);
        let emptied = truncate(self, WAIT_AFTER_DELETING).await?;
        if !emptied {
            tracing::warn!(
                "the database's log file could not be emptied yet (readers); \
                 the checkpoint task goes on trying"
            );
        }
        Ok(emptied)
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
        let (_dir, file, store) = store_with(marker).await;
        sqlx::query("DELETE FROM probe")
            .execute(&store.pool)
            .await
            .unwrap();
        assert!(
            anywhere(&file, marker),
            "the test's marker was written somewhere"
        );
        assert!(store.empty_journal().await.unwrap());
        assert!(
            !anywhere(&file, marker),
            "the deleted row is still in the database's files"
        );
        assert!(!store.journal.pending());
        store.close().await;
    }

    /// While a reader keeps the log from being emptied, the task goes on trying, and
    /// empties it once the reader has finished.
    #[tokio::test]
    async fn a_journal_readers_hold_on_to_is_emptied_when_they_let_go() {
        let marker = "held-8c2e47";
        let (_dir, file, store) = store_with(marker).await;
        sqlx::query("DELETE FROM probe")
            .execute(&store.pool)
            .await
            .unwrap();
        // A read transaction that stays open, begun right after a write (in the same
        // call, so that no checkpoint of the task comes between): it reads from the log
        // file, which cannot be emptied under it.
        let reader = rusqlite::Connection::open(&file).unwrap();
        reader
            .execute_batch("INSERT INTO probe VALUES ('later'); BEGIN; SELECT COUNT(*) FROM probe;")
            .unwrap();
        assert!(
            !store.empty_journal().await.unwrap(),
            "a reader keeps the log file from being emptied"
        );
        assert!(store.journal.pending());
        reader.execute_batch("COMMIT").unwrap();
        let mut waited = Duration::ZERO;
        while store.journal.pending() && waited < Duration::from_secs(15) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        assert!(!store.journal.pending(), "the task emptied the log file");
        assert!(!anywhere(&file, marker));
        store.close().await;
    }

    /// Whether `marker` is in the database file or its log file.
    fn anywhere(file: &std::path::Path, marker: &str) -> bool {
        let mut bytes = std::fs::read(file).unwrap();
        let log = file.with_file_name("saman.db-wal");
        bytes.extend(std::fs::read(log).unwrap_or_default());
        bytes.windows(marker.len()).any(|w| w == marker.as_bytes())
    }
}
