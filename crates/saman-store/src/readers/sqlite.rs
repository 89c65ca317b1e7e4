//! Reads on SQLite, run where they are asked. sqlx runs each SQLite connection on a
//! thread of its own, so every statement and every row crosses between threads: two
//! context switches at least, more than the read itself costs for the small reads here.
//! These connections (rusqlite, on the same SQLite library) are used by one read at a
//! time, on the caller's thread, and the read holds no lock but SQLite's own. They
//! cannot write (`query_only`), and stay unchanged by what they read.

use super::{Column, READERS};
use crate::{Result, StoreError};
use rusqlite::types::Value;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Statements kept prepared on each connection: the few reads there are, and a list's
/// reads for each number of logs it names.
const PREPARED: usize = 64;
/// How long a read waits for a database that is locked (in WAL mode only while a
/// crashed writer's log is recovered), in steps that give the thread back meanwhile:
/// SQLite's own busy handler would sleep on it, and a runtime has only a few.
const BUSY_WAIT: Duration = Duration::from_secs(5);
const FIRST_BUSY_STEP: Duration = Duration::from_millis(5);
const LONGEST_BUSY_STEP: Duration = Duration::from_millis(50);

#[derive(Debug)]
pub(crate) struct Readers {
    file: PathBuf,
    /// At most as many as reads have run at once: a read runs to its end on the thread
    /// that asked it, so no more than there are threads (and never more than `kept`).
    idle: Mutex<Vec<rusqlite::Connection>>,
    kept: usize,
    in_use: AtomicUsize,
    closed: AtomicBool,
}

/// Counts a read under way for as long as it lives, however it ends.
struct InUse<'a>(&'a AtomicUsize);

impl<'a> InUse<'a> {
    fn count(in_use: &'a AtomicUsize) -> InUse<'a> {
        in_use.fetch_add(1, Ordering::SeqCst);
        InUse(in_use)
    }
}

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why one try at a read failed.
enum Failed {
    /// The database was locked: worth another try.
    Busy,
    Other(StoreError),
}

impl<E: Into<StoreError>> From<E> for Failed {
    fn from(e: E) -> Failed {
        Failed::Other(e.into())
    }
}

fn failed(e: rusqlite::Error) -> Failed {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Failed::Busy
        }
        _ => Failed::Other(e.into()),
    }
}

impl Readers {
    /// Readers of the database in `file`, as the store's own connection names it.
    pub(super) fn new(file: PathBuf) -> Readers {
        let threads = std::thread::available_parallelism().map_or(READERS, |n| n.get());
        let kept = threads.max(READERS);
        Readers {
            file,
            idle: Mutex::new(Vec::with_capacity(kept)),
            kept,
            in_use: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// One statement's rows. A connection that failed is closed rather than kept (one
    /// that found the database locked is kept).
    pub(super) async fn read(&self, sql: &str, params: &[&str]) -> Result<Vec<super::ReadRow>> {
        super::only_a_query(sql)?;
        let started = Instant::now();
        let mut step = FIRST_BUSY_STEP;
        loop {
            match self.try_read(sql, params) {
                Ok(rows) => return Ok(rows),
                Err(Failed::Busy) if started.elapsed() < BUSY_WAIT => {
                    tokio::time::sleep(step).await;
                    step = (step * 2).min(LONGEST_BUSY_STEP);
                }
                Err(Failed::Busy) => {
                    return Err(StoreError::Read("the database stayed locked".into()));
                }
                Err(Failed::Other(e)) => return Err(e),
            }
        }
    }

    fn try_read(
        &self,
        sql: &str,
        params: &[&str],
    ) -> std::result::Result<Vec<super::ReadRow>, Failed> {
        let _in_use = InUse::count(&self.in_use);
        if self.closed.load(Ordering::SeqCst) {
            return Err(Failed::Other(sqlx::Error::PoolClosed.into()));
        }
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.open().map_err(failed)?,
        };
        let rows = run(&connection, sql, params);
        // A locked database leaves the connection as it was: kept for the next try.
        if let Ok(_) | Err(Failed::Busy) = rows {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < self.kept && !self.closed.load(Ordering::SeqCst) {
                idle.push(connection);
            }
        }
        rows
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        // Opened read-only: it can write nothing, not even a checkpoint when it closes
        // (which would also delete the log file, were the database replaced meanwhile).
        // The store made the file, its log and its schema; `query_only` is a second lock.
        let connection = rusqlite::Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.pragma_update(None, "query_only", true)?;
        // No waiting inside SQLite: `read` waits, and gives the thread back meanwhile.
        connection.busy_timeout(Duration::ZERO)?;
        connection.set_prepared_statement_cache_capacity(PREPARED);
        Ok(connection)
    }

    /// Closes the kept connections once the reads under way have finished (each runs
    /// to its end without waiting, in milliseconds; waiting here is bounded at a second).
    pub(super) async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for _ in 0..1000 {
            if self.in_use.load(Ordering::SeqCst) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

fn run(
    connection: &rusqlite::Connection,
    sql: &str,
    params: &[&str],
) -> std::result::Result<Vec<super::ReadRow>, Failed> {
    let mut statement = connection.prepare_cached(sql).map_err(failed)?;
    // Numbered as sqlx numbers them: `$1` is the first parameter, wherever it stands.
    for (i, param) in params.iter().enumerate() {
        let index = statement
            .parameter_index(&format!("${}", i + 1))?
            .ok_or_else(|| {
                StoreError::Read(format!("the statement has no parameter ${}", i + 1))
            })?;
        statement.raw_bind_parameter(index, *param)?;
    }
    if statement.parameter_count() != params.len() {
        return Err(StoreError::Read(format!(
            "the statement takes {} parameters, {} were given",
            statement.parameter_count(),
            params.len()
        ))
        .into());
    }
    let names: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut rows = statement.raw_query();
    let mut read = Vec::new();
    while let Some(row) = rows.next().map_err(failed)? {
        let values = (0..names.len())
            .map(|i| row.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<Value>>>()?;
        read.push(super::ReadRow::Sqlite(Row {
            names: names.clone(),
            values,
        }));
    }
    Ok(read)
}

/// A row of a SQLite read, with its columns' names.
pub struct Row {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    pub(super) fn value<T: Column>(&self, name: &str) -> Result<T> {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| StoreError::Read(format!("no column {name}")))?;
        T::column_result((&self.values[i]).into())
            .map_err(|e| StoreError::Read(format!("column {name}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use crate::readers::Readers as AnyReaders;
    use crate::{Columns, Store};
    use saman_domain::auth::keys::Secrets;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn idle(store: &Store) -> usize {
        match &*store.readers {
            AnyReaders::Sqlite(readers) => readers.idle.lock().unwrap().len(),
            AnyReaders::Taken(_) => panic!("a SQLite file is read by SQLite readers"),
        }
    }

    /// A locked database is waited for in steps that give the thread back: on this
    /// test's runtime of one thread, a ticking task goes on while the read waits.
    #[tokio::test]
    async fn a_locked_database_is_waited_for_without_holding_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("locked.db");
        // A rollback journal, not WAL: there a writer's exclusive lock keeps readers out.
        // SQLite is configured before its first use here, as the store does.
        crate::db::without_memory_statistics();
        let writer = rusqlite::Connection::open(&file).unwrap();
        writer
            .execute_batch(
                "CREATE TABLE probe (a TEXT); INSERT INTO probe VALUES ('before'); \
                 BEGIN EXCLUSIVE; UPDATE probe SET a = 'after';",
            )
            .unwrap();
        let readers = super::Readers::new(file);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let unlocking = std::thread::spawn(move || {
            released.recv().unwrap();
            writer.execute_batch("COMMIT").unwrap();
        });
        let ticks = std::sync::Arc::new(AtomicUsize::new(0));
        let ticker = tokio::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    if ticks.fetch_add(1, Ordering::SeqCst) == 10 {
                        release.send(()).unwrap();
                    }
                }
            }
        });
        let rows = readers.read("SELECT a FROM probe", &[]).await.unwrap();
        assert_eq!(rows[0].value::<String>("a").unwrap(), "after");
        assert!(
            ticks.load(Ordering::SeqCst) > 10,
            "the thread was given back"
        );
        ticker.abort();
        unlocking.join().unwrap();
    }

    #[tokio::test]
    async fn reads_bind_by_number_cannot_write_and_end_with_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("saman.db").display());
        let store = Store::connect(&url, Secrets::from_bytes([1; 32]))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE probe (a TEXT, b INTEGER, c TEXT)")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO probe VALUES ('x', 1, NULL), ('y', 2, 'z')")
            .execute(&store.pool)
            .await
            .unwrap();

        // `$2` before `$1`: bound by number, as sqlx binds them.
        let rows = store
            .read(
                "SELECT a, b, c FROM probe WHERE b = CAST($2 AS INTEGER) OR a = $1 ORDER BY a",
                &["x", "2"],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].value::<String>("a").unwrap(), "x");
        assert_eq!(rows[0].value::<i64>("b").unwrap(), 1);
        assert_eq!(rows[0].value::<Option<String>>("c").unwrap(), None);
        assert_eq!(
            rows[1].value::<Option<String>>("c").unwrap().as_deref(),
            Some("z")
        );
        assert!(rows[0].value::<String>("no_such_column").is_err());
        assert!(
            rows[0].value::<i64>("a").is_err(),
            "text is not read as a number"
        );
        assert_eq!(idle(&store), 1, "a finished read's connection is kept");
        // `$1` is not `$10`: a list's read binds hundreds.
        let rows = store
            .read(
                "SELECT $11 AS eleven, $10 AS ten, $1 || $2 || $3 || $4 || $5 || $6 || $7 || $8 || $9 AS rest",
                &["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"],
            )
            .await
            .unwrap();
        assert_eq!(rows[0].value::<String>("eleven").unwrap(), "k");
        assert_eq!(rows[0].value::<String>("ten").unwrap(), "j");
        assert_eq!(rows[0].value::<String>("rest").unwrap(), "abcdefghi");

        let wrong = store.read("SELECT a FROM probe WHERE a = $1", &[]).await;
        assert!(wrong.is_err(), "every parameter must be given");
        let write = store.read("DELETE FROM probe", &[]).await;
        assert!(write.is_err(), "a reader cannot write");
        for unlock in [
            "PRAGMA query_only = OFF",
            "SELECT 1; PRAGMA query_only = OFF",
            "ATTACH DATABASE 'other.db' AS other",
        ] {
            assert!(
                store.read(unlock, &[]).await.is_err(),
                "{unlock} is refused"
            );
        }
        assert_eq!(idle(&store), 0, "failed reads' connections are not kept");
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM probe")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(count, 2);
        store.read("SELECT a FROM probe", &[]).await.unwrap();
        assert_eq!(idle(&store), 1, "a new one is opened, and kept");

        store.close().await;
        assert_eq!(idle(&store), 0);
        assert!(
            store.read("SELECT 1", &[]).await.is_err(),
            "none after closing"
        );
    }
}
