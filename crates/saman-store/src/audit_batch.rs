//! Audit rows of reads, written together. Every read of a relay log must be in the
//! audit log before its data is shown, and each is a write to the tenant's hash chain:
//! one transaction (and one disk flush) per read would make reads wait in a line for
//! the write lock. Here one writer takes the rows of all reads waiting at that moment
//! and writes them in one transaction; each read goes on once its rows are committed.
//!
//! On PostgreSQL the writer remembers each chain's head as it left it: while nobody
//! else has written to the chain since, the next rows go in one statement instead of a
//! transaction of five round trips ([`append_after`]).

use crate::audit::{AuditRow, Head, ROWS_PER_INSERT, append_after, append_rows, chain_of};
use crate::{Backend, Result, Store, StoreError};
use saman_domain::auth::keys::Secrets;
use sqlx::AnyPool;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// One caller's rows, and where to say they are committed.
pub(crate) struct Batch {
    rows: Vec<AuditRow>,
    done: oneshot::Sender<std::result::Result<(), String>>,
}

/// At most this many rows in one transaction.
const MAX_ROWS: usize = 1000;

/// What the writer needs of its store; not the store itself, which owns the writer's
/// sender: the writer ends when the store is dropped, and with it its pool.
struct Writer {
    pool: AnyPool,
    backend: Backend,
    secrets: Arc<Secrets>,
}

pub(crate) fn start(store: &Store) -> mpsc::Sender<Batch> {
    let (sender, receiver) = mpsc::channel(4096);
    let writer = Writer {
        pool: store.pool.clone(),
        backend: store.backend(),
        secrets: store.secrets.clone(),
    };
    tokio::spawn(write_batches(writer, receiver));
    sender
}

async fn write_batches(writer: Writer, mut receiver: mpsc::Receiver<Batch>) {
    // A connection of its own while reads keep coming, so the writer never queues
    // behind the reads that wait for it.
    let mut connection: Option<sqlx::pool::PoolConnection<sqlx::Any>> = None;
    // Each chain's head as this writer left it (PostgreSQL).
    let mut heads: HashMap<String, Head> = HashMap::new();
    while let Some(first) = receiver.recv().await {
        let mut batches = vec![first];
        let mut rows = batches[0].rows.len();
        while rows < MAX_ROWS {
            match receiver.try_recv() {
                Ok(batch) => {
                    rows += batch.rows.len();
                    batches.push(batch);
                }
                Err(_) => break,
            }
        }
        let outcome = write(&writer, &mut connection, &mut heads, &batches).await;
        // Given back when it broke, and when nothing waits: a store that is closed
        // (a command's, a test's) must not keep a connection open for ever.
        if outcome.is_err() || receiver.is_empty() {
            connection = None;
        }
        // After a failure nobody knows where the chains stand (a statement may have
        // been committed with its answer lost): they are read again.
        if outcome.is_err() {
            heads.clear();
        }
        let outcome = outcome.map_err(|e| e.to_string());
        for batch in batches {
            let _ = batch.done.send(outcome.clone());
        }
    }
}

async fn write(
    writer: &Writer,
    connection: &mut Option<sqlx::pool::PoolConnection<sqlx::Any>>,
    heads: &mut HashMap<String, Head>,
    batches: &[Batch],
) -> Result<()> {
    if connection.is_none() {
        *connection = Some(writer.pool.acquire().await?);
    }
    let conn = connection.as_mut().expect("just taken");
    let rows: Vec<&AuditRow> = batches.iter().flat_map(|b| b.rows.iter()).collect();
    // One chain, whose head this writer left: one statement, if still there.
    let chain = rows.first().map(|r| chain_of(r));
    if let Some(chain) = chain.filter(|c| rows.iter().all(|r| chain_of(r) == *c))
        && let Some(after) = heads.get(chain)
        && rows.len() <= ROWS_PER_INSERT
    {
        match append_after(conn, &writer.secrets, chain, after, &rows).await? {
            Some(head) => {
                heads.insert(chain.to_string(), head);
                return Ok(());
            }
            None => {
                heads.remove(chain);
            }
        }
    }
    let mut tx = match writer.backend {
        Backend::Sqlite => sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?,
        Backend::Postgres => sqlx::Connection::begin(&mut **conn).await?,
    };
    let rows: Vec<AuditRow> = rows.into_iter().cloned().collect();
    let moved = append_rows(&mut tx, &writer.secrets, &rows).await?;
    tx.commit().await?;
    // SQLite has one writer at a time and each transaction takes the head at once:
    // nothing to gain there.
    if writer.backend == Backend::Postgres {
        heads.extend(moved);
    }
    Ok(())
}

impl Store {
    /// Writes audit rows of reads (nothing else changes with them), together with the
    /// rows of other reads waiting at the same moment; returns once they are committed.
    pub async fn audit_reads(&self, rows: Vec<AuditRow>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let sender = self.audit_writer.get_or_init(|| start(self)).clone();
        let (done, committed) = oneshot::channel();
        sender
            .send(Batch { rows, done })
            .await
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?;
        committed
            .await
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?
            .map_err(StoreError::Audit)
    }
}
