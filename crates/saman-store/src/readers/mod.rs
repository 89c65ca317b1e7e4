//! Connections kept for the reads every signed-in request makes: its session, and a
//! relay log with everything it holds. A read is one statement, never a transaction,
//! with text parameters (`$1`, `$2`, …), and gives its rows as [`ReadRow`]s; nothing
//! else can be done on a reader, and a reader cannot write (SQLite's `query_only`,
//! PostgreSQL's read-only transactions).
//!
//! Why not the pool: sqlx's pool tests every connection as it is given back, and on
//! SQLite every statement and row crosses to the connection's own thread and back.
//! With a session and a log read per request, those crossings were most of a loaded
//! server's context switches. So:
//! - on SQLite ([`sqlite`]), a read runs right where it is asked, on a connection of
//!   its own (a log page's read takes a few hundred microseconds);
//! - on PostgreSQL ([`taken`]), a few connections are taken out of the pool and
//!   given back untested once a read has finished.

mod sqlite;
mod taken;

use crate::{Backend, Result, Store, StoreError};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::sync::Arc;

/// How many kept connections: on PostgreSQL they are half of an instance's connections,
/// beside the pool, and serve sessions, log pages and "my logs" alike; on SQLite at
/// least this many are kept idle, or one for each thread the machine runs at once.
/// Eight rather than four on PostgreSQL: with a log page's two reads per request, four
/// left requests waiting for a reader while the database had a core to spare (about 7 %
/// more log pages a second with eight, at 64 connections; 16 or more gave no more).
pub(crate) const READERS: usize = 8;

#[derive(Debug)]
pub(crate) enum Readers {
    Taken(Arc<taken::Readers>),
    Sqlite(sqlite::Readers),
}

impl Readers {
    /// Readers of `pool`'s database: on SQLite, of the file its connections opened (as
    /// SQLite itself names it, whatever the URL's spelling); a database in memory is the
    /// pool's own and is read through taken connections.
    pub(crate) async fn new(backend: Backend, pool: &sqlx::AnyPool) -> Result<Arc<Readers>> {
        let file: Option<String> = match backend {
            Backend::Sqlite => {
                sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_optional(pool)
                    .await?
            }
            Backend::Postgres => None,
        };
        Ok(Arc::new(match file.filter(|file| !file.is_empty()) {
            Some(file) => Readers::Sqlite(sqlite::Readers::new(file.into())),
            None => Readers::Taken(taken::Readers::new()),
        }))
    }

    /// Waits for the reads under way, then closes every kept connection; no read is
    /// served after.
    pub(crate) async fn close(&self) {
        match self {
            Readers::Taken(readers) => readers.close().await,
            Readers::Sqlite(readers) => readers.close().await,
        }
    }
}

/// Where a read statement runs: on a connection the caller holds (inside its
/// transaction, say), or on the kept readers.
pub enum ReadOn<'a> {
    Connection(&'a mut AnyConnection),
    Readers,
}

impl Store {
    /// The rows of one read statement with text parameters, on a kept reader.
    pub async fn read(&self, sql: &str, params: &[&str]) -> Result<Vec<ReadRow>> {
        match &*self.readers {
            Readers::Sqlite(readers) => readers.read(sql, params).await,
            Readers::Taken(readers) => {
                only_a_query(sql)?;
                let mut reader = taken::Reader::take(self, readers).await?;
                let rows = fetch_all(reader.connection(), sql, params).await?;
                reader.done();
                Ok(rows)
            }
        }
    }

    /// The rows of one read statement, on `on`.
    pub async fn read_on(
        &self,
        on: &mut ReadOn<'_>,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<ReadRow>> {
        match on {
            ReadOn::Connection(conn) => fetch_all(conn, sql, params).await,
            ReadOn::Readers => self.read(sql, params).await,
        }
    }
}

/// A read is one query: nothing that could change a connection (a `PRAGMA`, a `SET`,
/// an `ATTACH`) is run on a reader, whatever the connection itself would refuse; and no
/// second statement (rusqlite would run the first and leave the rest unread). A `;`
/// inside a quoted text is refused too: the reads here have none.
fn only_a_query(sql: &str) -> Result<()> {
    let first = sql.split_whitespace().next().unwrap_or_default();
    let is_query = first.eq_ignore_ascii_case("SELECT") || first.eq_ignore_ascii_case("WITH");
    if is_query && !sql.trim_end().trim_end_matches(';').contains(';') {
        Ok(())
    } else {
        Err(StoreError::Read("a read is one SELECT statement".into()))
    }
}

async fn fetch_all(conn: &mut AnyConnection, sql: &str, params: &[&str]) -> Result<Vec<ReadRow>> {
    let query = params
        .iter()
        .fold(sqlx::query(sql), |query, param| query.bind(*param));
    Ok(query
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(ReadRow::Any)
        .collect())
}

/// A row of a read: from sqlx (PostgreSQL, or a caller's connection) or from a SQLite
/// reader.
pub enum ReadRow {
    Any(AnyRow),
    Sqlite(sqlite::Row),
}

/// A type a column can be read as, from either database.
pub trait Column:
    for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

/// A row's columns by name, whichever database gave it.
pub trait Columns {
    fn value<T: Column>(&self, name: &str) -> Result<T>;
}

impl Columns for AnyRow {
    fn value<T: Column>(&self, name: &str) -> Result<T> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
}

impl Columns for ReadRow {
    fn value<T: Column>(&self, name: &str) -> Result<T> {
        match self {
            ReadRow::Any(row) => row.value(name),
            ReadRow::Sqlite(row) => row.value(name),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Read(e.to_string())
    }
}
