//! Audit rows of reads, written together. Every read of a relay log must be in the
//! audit log before its data is shown, and each is a write to the tenant's hash chain:
//! one transaction (and one disk flush) per read would make reads wait in a line for
//! the write lock. Here one writer takes the rows of all reads waiting at that moment
//! and writes them in one transaction; each read goes on once its rows are committed.

use crate::audit::{AuditRow, append_rows};
use crate::{Backend, Result, Store, StoreError};
use saman_domain::auth::keys::Secrets;
use sqlx::AnyPool;
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
        let outcome = write(&writer, &mut connection, &batches).await;
        // Given back when it broke, and when nothing waits: a store that is closed
        // (a command's, a test's) must not keep a connection open for ever.
        if outcome.is_err() || receiver.is_empty() {
            connection = None;
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
    batches: &[Batch],
) -> Result<()> {
    if connection.is_none() {
        *connection = Some(writer.pool.acquire().await?);
    }
    let conn = connection.as_mut().expect("just taken");
    let mut tx = match writer.backend {
        Backend::Sqlite => sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?,
        Backend::Postgres => sqlx::Connection::begin(&mut **conn).await?,
    };
    let rows: Vec<AuditRow> = batches
        .iter()
        .flat_map(|b| b.rows.iter().cloned())
        .collect();
    append_rows(&mut tx, &writer.secrets, &rows).await?;
    tx.commit().await?;
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
