//! Reads on SQLite, run where they are asked. sqlx runs each SQLite connection on a
//! thread of its own, so every statement and every row crosses between threads: two
//! context switches at least, more than the read itself costs for the small reads here.
//! These connections (rusqlite, on the same SQLite library) are used by one read at a
//! time, on the caller's thread, and the read holds no lock but SQLite's own. They
//! cannot write (`query_only`), and stay unchanged by what they read.

use super::{Column, READERS};
use crate::{Result, StoreError};
use rusqlite::types::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Statements kept prepared on each connection: the few reads there are, and a list's
/// reads for each number of logs it names.
const PREPARED: usize = 64;

#[derive(Debug)]
pub(crate) struct Readers {
    file: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    in_use: AtomicUsize,
    closed: AtomicBool,
}

impl Readers {
    pub(super) fn new(file: &Path) -> Readers {
        Readers {
            file: file.to_path_buf(),
            idle: Mutex::new(Vec::with_capacity(READERS)),
            in_use: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// One statement's rows. A connection that failed is closed rather than kept.
    pub(super) fn read(&self, sql: &str, params: &[&str]) -> Result<Vec<super::ReadRow>> {
        self.in_use.fetch_add(1, Ordering::SeqCst);
        let read = self.read_counted(sql, params);
        self.in_use.fetch_sub(1, Ordering::SeqCst);
        read
    }

    fn read_counted(&self, sql: &str, params: &[&str]) -> Result<Vec<super::ReadRow>> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(sqlx::Error::PoolClosed.into());
        }
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.open()?,
        };
        let rows = run(&connection, sql, params)?;
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < READERS && !self.closed.load(Ordering::SeqCst) {
            idle.push(connection);
        }
        Ok(rows)
    }

    fn open(&self) -> Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        // Opened read-only: it can write nothing, not even a checkpoint when it closes
        // (which would also delete the log file, were the database replaced meanwhile).
        // The store made the file, its log and its schema; `query_only` is a second lock.
        let connection = rusqlite::Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.pragma_update(None, "query_only", true)?;
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.set_prepared_statement_cache_capacity(PREPARED);
        Ok(connection)
    }

    /// Closes the kept connections once the reads under way have finished (they take
    /// milliseconds; one waiting on a lock may take up to the busy timeout, and waiting
    /// here is bounded at a second).
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
) -> Result<Vec<super::ReadRow>> {
    super::only_a_query(sql)?;
    let mut statement = connection.prepare_cached(sql)?;
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
        )));
    }
    let names: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut rows = statement.raw_query();
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
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

    fn idle(store: &Store) -> usize {
        match &*store.readers {
            AnyReaders::Sqlite(readers) => readers.idle.lock().unwrap().len(),
            AnyReaders::Taken(_) => panic!("a SQLite file is read by SQLite readers"),
        }
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
