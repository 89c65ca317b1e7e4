//! Connections taken out of the pool for reads (PostgreSQL's, and a SQLite database's in
//! memory, which only the pool's connections see). sqlx's pool tests every
//! connection as it is given back: a round trip of its own. A read that finished cannot
//! have left its connection in a bad state, so such a connection goes back untested
//! ([`Reader::done`]); one given up in the middle (an error, a request dropped while
//! waiting) is tested as the pool would, and closed if that fails.

use super::READERS;
use crate::db::{CONNECTION_WAIT as WAIT, IDLE_BEFORE_TEST};
use crate::{Backend, Result, Store};
use sqlx::AnyConnection;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A connection this old is closed when given back (as the pool's are, so a database
/// that moved, or a changed schema's cached statements, are not kept for ever).
const MAX_AGE: Duration = Duration::from_secs(30 * 60);

#[derive(Debug)]
pub(crate) struct Readers {
    idle: Mutex<Vec<Kept>>,
    permits: Arc<Semaphore>,
}

#[derive(Debug)]
struct Kept {
    connection: AnyConnection,
    opened: Instant,
    idle_since: Instant,
}

impl Readers {
    pub(super) fn new() -> Arc<Readers> {
        Arc::new(Readers {
            idle: Mutex::new(Vec::with_capacity(READERS)),
            permits: Arc::new(Semaphore::new(READERS)),
        })
    }

    fn take_idle(&self) -> Option<Kept> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    fn give_back(&self, mut kept: Kept) {
        if sqlx::Connection::is_in_transaction(&kept.connection)
            || kept.opened.elapsed() > MAX_AGE
            || self.permits.is_closed()
        {
            return;
        }
        kept.idle_since = Instant::now();
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(kept);
    }

    /// Waits for the readers in use, then closes them all; no reader is given out after.
    pub(crate) async fn close(&self) {
        // Fair: queued before any later request's reader.
        let all = tokio::time::timeout(WAIT, self.permits.acquire_many(READERS as u32)).await;
        self.permits.close();
        drop(all);
        while let Some(kept) = self.take_idle() {
            let _ = sqlx::Connection::close(kept.connection).await;
        }
    }
}

/// A connection for one read. Give it back with [`Reader::done`] once the read has
/// finished.
pub(super) struct Reader {
    kept: Option<Kept>,
    readers: Arc<Readers>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Reader {
    /// A connection for a single read statement (not a transaction), waiting at most as
    /// long as for the pool.
    pub(super) async fn take(store: &Store, readers: &Arc<Readers>) -> Result<Reader> {
        tokio::time::timeout(WAIT, Reader::take_waiting(store, readers.clone()))
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
    }

    async fn take_waiting(store: &Store, readers: Arc<Readers>) -> Result<Reader> {
        let permit = readers
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let mut found = None;
        while let Some(mut kept) = readers.take_idle() {
            if kept.idle_since.elapsed() < IDLE_BEFORE_TEST
                || sqlx::Connection::ping(&mut kept.connection).await.is_ok()
            {
                found = Some(kept);
                break;
            }
        }
        let kept = match found {
            Some(kept) => kept,
            // Opened by the pool, so it is set up as the pool's are (SQLite's pragmas),
            // then taken out of it (the pool opens another in its place when needed),
            // and made read-only for good.
            None => {
                let mut connection = store.pool.acquire().await?.detach();
                let read_only = match store.backend() {
                    Backend::Postgres => "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                    Backend::Sqlite => "PRAGMA query_only = ON",
                };
                sqlx::Executor::execute(&mut connection, read_only).await?;
                Kept {
                    connection,
                    opened: Instant::now(),
                    idle_since: Instant::now(),
                }
            }
        };
        Ok(Reader {
            kept: Some(kept),
            readers,
            permit: Some(permit),
        })
    }
}

impl Reader {
    /// The connection, for one read statement.
    pub(super) fn connection(&mut self) -> &mut AnyConnection {
        &mut self.kept.as_mut().expect("taken only when done").connection
    }

    /// The read has finished: the connection may serve the next.
    pub(super) fn done(mut self) {
        if let Some(kept) = self.kept.take() {
            self.readers.give_back(kept);
        }
    }
}

/// Given up before [`Reader::done`]: the connection is tested in the background, as
/// the pool tests its own (a statement cut off is finished or drained first), and kept
/// only if it answers; its place is held until then.
impl Drop for Reader {
    fn drop(&mut self) {
        let (Some(mut kept), Ok(runtime)) =
            (self.kept.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let readers = self.readers.clone();
        let permit = self.permit.take();
        runtime.spawn(async move {
            let answers = tokio::time::timeout(WAIT, sqlx::Connection::ping(&mut kept.connection));
            if matches!(answers.await, Ok(Ok(()))) {
                readers.give_back(kept);
            }
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saman_domain::auth::keys::Secrets;

    fn idle(readers: &Readers) -> usize {
        readers.idle.lock().unwrap().len()
    }

    // Taken readers serve PostgreSQL (and a SQLite database in memory); the pool they
    // come from is tried here on a SQLite file, which every machine has.
    #[tokio::test]
    async fn only_a_finished_read_gives_its_connection_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("saman.db").display());
        let store = Store::connect(&url, Secrets::from_bytes([1; 32]))
            .await
            .unwrap();
        let readers = Readers::new();
        let take = || Reader::take(&store, &readers);

        let mut reader = take().await.unwrap();
        sqlx::query("SELECT 1")
            .execute(reader.connection())
            .await
            .unwrap();
        reader.done();
        assert_eq!(idle(&readers), 1, "a finished read's connection is kept");

        let mut reader = take().await.unwrap();
        assert_eq!(idle(&readers), 0, "and used again");
        let failed = sqlx::query("SELECT * FROM no_such_table")
            .execute(reader.connection())
            .await;
        assert!(failed.is_err());
        drop(reader);
        // Tested in the background, and kept, as it still answers.
        for _ in 0..100 {
            if idle(&readers) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            idle(&readers),
            1,
            "one given up answers its test and is kept"
        );

        // Set up as the pool's are, and read-only.
        let mut reader = take().await.unwrap();
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(reader.connection())
            .await
            .unwrap();
        assert_eq!(foreign_keys, 1);
        let write = sqlx::query("CREATE TABLE written (v TEXT)")
            .execute(reader.connection())
            .await;
        assert!(write.is_err(), "a reader cannot write");
        drop(reader);

        // No more at once than there are readers: the next waits.
        let mut held = Vec::new();
        for _ in 0..READERS {
            held.push(take().await.unwrap());
        }
        let waiting = tokio::time::timeout(Duration::from_millis(200), take()).await;
        assert!(waiting.is_err(), "one more reader waits");
        held.pop().unwrap().done();
        let one_more = tokio::time::timeout(Duration::from_secs(5), take()).await;
        assert!(one_more.is_ok(), "and gets the one given back");
        drop(one_more);
        drop(held);

        // Closed: none given out after.
        readers.close().await;
        assert_eq!(idle(&readers), 0);
        assert!(take().await.is_err());
        store.close().await;
    }
}
