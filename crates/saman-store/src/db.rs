//! Connecting, configuring and migrating the database.

use crate::{Result, StoreError};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::time::Duration;

/// Which database a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// A query that gives the rows of `SELECT {columns} {from}` as one JSON text, an
    /// array of arrays (`[]` when there are none), in no particular order. Many small
    /// rows cost far more one by one than as one value, above all on SQLite through
    /// sqlx, where every row crosses from the database's thread to the caller's.
    pub fn json_rows(self, columns: &str, from: &str) -> String {
        match self {
            Backend::Sqlite => {
                format!("SELECT COALESCE(json_group_array(json_array({columns})), '[]') {from}")
            }
            Backend::Postgres => {
                format!("SELECT COALESCE(json_agg(json_build_array({columns}))::text, '[]') {from}")
            }
        }
    }
}

/// The database, shared by all requests. Cheap to clone: one reference count, however
/// many parts it holds (every request clones it several times, on every core).
#[derive(Clone, Debug)]
pub struct Store(pub(crate) std::sync::Arc<StoreParts>);

impl std::ops::Deref for Store {
    type Target = StoreParts;

    fn deref(&self) -> &StoreParts {
        &self.0
    }
}

/// What a [`Store`] holds.
#[derive(Debug)]
pub struct StoreParts {
    pub(crate) pool: AnyPool,
    backend: Backend,
    pub(crate) cache: std::sync::Arc<crate::published::PublishedCache>,
    /// This instance (this process's pool), in the claims of scheduled jobs.
    instance: std::sync::Arc<str>,
    /// Every tenant's model version, as this instance last read it.
    pub(crate) versions: std::sync::Arc<crate::published::ModelVersions>,
    /// The platform's secret key: keys the audit chain and seals secrets at rest.
    pub(crate) secrets: std::sync::Arc<saman_domain::auth::keys::Secrets>,
    /// The writer of reads' audit rows, started at the first.
    pub(crate) audit_writer:
        std::sync::Arc<std::sync::OnceLock<tokio::sync::mpsc::Sender<crate::audit_batch::Batch>>>,
    /// Connections for the reads every signed-in request makes, beside the pool.
    pub(crate) readers: std::sync::Arc<crate::readers::Readers>,
    /// Whether SQLite's log file must be emptied of deleted rows (checkpoints.rs).
    pub(crate) journal: crate::checkpoints::Emptying,
    /// Live sessions kept in memory while this instance hears their changes (PostgreSQL).
    pub(crate) kept_sessions: std::sync::Arc<crate::session_cache::Kept>,
}

/// A schema version: the SQL for each backend. Shared migrations are portable SQL in
/// `migrations/` (with `${bytes}` for BLOB/BYTEA); later ones keep a file per backend
/// in `migrations/sqlite/` and `migrations/postgres/`, so each may use what its database
/// does best (triggers, functions). A script runs whole, in one transaction.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// A migration written once for both databases.
macro_rules! shared {
    ($version:expr, $name:expr, $file:expr) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/", $file)),
            postgres: include_str!(concat!("../migrations/", $file)),
        }
    };
}

/// A migration with a file per database.
macro_rules! per_backend {
    ($version:expr, $name:expr, $file:expr) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../migrations/postgres/", $file)),
        }
    };
}

/// Schema versions, applied in order and recorded in `schema_migrations`.
const MIGRATIONS: &[Migration] = &[
    shared!(1, "initial schema", "0001_initial.sql"),
    shared!(2, "action guides", "0002_action_guides.sql"),
    shared!(3, "forms behind tools", "0003_item_forms.sql"),
    shared!(4, "people, sessions, audit and outbox", "0004_people.sql"),
    per_backend!(5, "an append-only audit log", "0005_audit_append_only.sql"),
    shared!(
        6,
        "accounts of a tenant's own directory",
        "0006_oidc_subjects.sql"
    ),
    shared!(7, "the relay log", "0007_relay_log.sql"),
    shared!(8, "the relay log's lookups", "0008_relay_lookups.sql"),
    shared!(9, "versions of the model", "0009_model_versions.sql"),
    shared!(
        10,
        "sharing models, and the accessibility statement",
        "0010_sharing.sql"
    ),
    shared!(
        11,
        "the tenant's wording of forms",
        "0011_form_wordings.sql"
    ),
    shared!(
        12,
        "counts of searches, and a tenant's own search synonyms",
        "0012_search_counts.sql"
    ),
    shared!(
        13,
        "the figures of evaluation: age bands and the facts kept of purged logs",
        "0013_evaluation.sql"
    ),
    shared!(14, "anonymous surveys", "0014_surveys.sql"),
    shared!(15, "scheduled jobs run once", "0015_job_runs.sql"),
    per_backend!(
        16,
        "changes of sessions announced",
        "0016_session_changes.sql"
    ),
    shared!(
        17,
        "a person's logs and their overdue measures found by index",
        "0017_relay_list_lookups.sql"
    ),
];

/// A connection idle for longer is tested before it is used (a database restarted, a
/// firewall that drops quiet connections); the pool's and the readers' alike.
pub(crate) const IDLE_BEFORE_TEST: Duration = Duration::from_secs(30);
/// How long a SQLite statement waits for a lock another connection holds.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request waits for a connection, from the pool or the readers.
pub(crate) const CONNECTION_WAIT: Duration = Duration::from_secs(10);

impl Store {
    /// Connects to `url`, creating a SQLite file and its folder if needed, and brings the
    /// schema up to date. `secrets` is the platform's key, from configuration.
    pub async fn connect(url: &str, secrets: saman_domain::auth::keys::Secrets) -> Result<Store> {
        install_default_drivers();
        let backend = Backend::of_url(url).ok_or(StoreError::UnsupportedUrl)?;
        // A connection is tested with a ping before use only when it has been idle for a
        // while (a database restarted, a firewall that drops quiet connections): pinging
        // before every use was a round trip of its own for every statement a request
        // makes. sqlx also tests each connection when it is given back.
        let mut options = AnyPoolOptions::new()
            .acquire_timeout(CONNECTION_WAIT)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_TEST {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            });
        // On PostgreSQL an instance keeps to 16 connections, the readers (readers/)
        // among them; on SQLite a connection is a thread, and no server counts them.
        options = options.max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16 - crate::readers::READERS as u32,
        });
        let url = match backend {
            Backend::Sqlite => {
                without_memory_statistics();
                create_sqlite_folder(url)?;
                options = options.after_connect(|conn, _| {
                    Box::pin(async move {
                        // WAL lets readers run beside a writer; FULL makes each commit
                        // durable; foreign keys are off by default in SQLite; secure
                        // delete overwrites what is deleted (a purged relay log); the
                        // log is checkpointed by a task of its own (checkpoints.rs), and
                        // its file cut back to 64 MiB when it starts over after a burst.
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {}; \
                                 PRAGMA secure_delete = ON; PRAGMA wal_autocheckpoint = {}; \
                                 PRAGMA journal_size_limit = 67108864;",
                                BUSY_TIMEOUT.as_millis(),
                                crate::checkpoints::AUTOMATIC_AFTER_PAGES
                            )
                            .as_str(),
                        )
                        .await?;
                        Ok(())
                    })
                });
                with_create_mode(url)
            }
            Backend::Postgres => url.to_string(),
        };
        // A connection goes back to the pool only out of any transaction. When SQLite
        // rolls a transaction back on its own (a full disk, SQLITE_FULL), sqlx's own
        // rollback fails and it goes on counting the transaction as open: every later
        // BEGIN on that connection would fail. Such a connection is closed instead.
        // Normally no transaction is open here, and this costs nothing.
        options = options.after_release(|conn, _| {
            Box::pin(async move {
                if !sqlx::Connection::is_in_transaction(&*conn) {
                    return Ok(true);
                }
                // A dropped transaction's rollback may still be on its way: let it land.
                let _ = conn.execute("SELECT 1").await;
                Ok(!sqlx::Connection::is_in_transaction(&*conn))
            })
        });
        let pool = options.connect(&url).await?;
        let readers = crate::readers::Readers::new(backend, &pool).await?;
        let store = Store(std::sync::Arc::new(StoreParts {
            pool,
            backend,
            cache: Default::default(),
            versions: Default::default(),
            instance: uuid::Uuid::new_v4().to_string().into(),
            secrets: std::sync::Arc::new(secrets),
            audit_writer: Default::default(),
            readers,
            journal: crate::checkpoints::Emptying::new(backend),
            kept_sessions: Default::default(),
        }));
        store.migrate().await?;
        crate::checkpoints::start(&store);
        Ok(store)
    }

    /// This instance's name in the claims of scheduled jobs: new at each connect.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for the relay log's storage (crate saman-relay), which keeps
    /// its queries beside its rules. Nothing else outside this crate should need it.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a transaction that read first and then wrote could find
    /// another writer in between and fail with "database is locked", which waiting
    /// cannot cure. PostgreSQL locks rows as they are written.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The platform key, for the relay log's sealing.
    pub fn secrets(&self) -> &saman_domain::auth::keys::Secrets {
        &self.secrets
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Applies the migrations not yet applied, and brings data from before them up to
    /// date. On PostgreSQL an advisory lock keeps instances that start together from
    /// doing either at the same time.
    async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock(7426260001)")
                .execute(&mut *conn)
                .await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (\
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .await?;
            let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
                .fetch_all(&mut *conn)
                .await?;
            for migration in MIGRATIONS {
                if applied.contains(&migration.version) {
                    continue;
                }
                let (version, name) = (migration.version, migration.name);
                tracing::info!(version, name, "applying database migration");
                let (sql, bytes_type) = match self.backend {
                    Backend::Sqlite => (migration.sqlite, "BLOB"),
                    Backend::Postgres => (migration.postgres, "BYTEA"),
                };
                let sql = sql.replace("${bytes}", bytes_type);
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                sqlx::raw_sql(&sql).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(version)
                .bind(name)
                .bind(crate::model::now())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            // On the pool's other connections; this one holds the lock meanwhile.
            self.key_plain_identity_numbers().await?;
            self.ensure_history().await?;
            Ok::<_, StoreError>(())
        }
        .await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock(7426260001)")
                .execute(&mut *conn)
                .await?;
        }
        result
    }

    /// Databases from before identity numbers were stored as keyed hashes hold them
    /// plain (eleven digits): replace each by its key. A key is 64 hex digits, so this
    /// finds nothing the second time. Family accounts' names are sealed the same way.
    async fn key_plain_identity_numbers(&self) -> Result<()> {
        let plain: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, pid FROM accounts WHERE pid IS NOT NULL AND length(pid) = 11",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, pid) in plain {
            sqlx::query("UPDATE accounts SET pid = $1 WHERE id = $2")
                .bind(self.pid_key(&pid))
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        // Family accounts' names likewise (a youth's account bears the child's name).
        let names: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, name FROM accounts WHERE pid IS NOT NULL AND name NOT LIKE 'x1.%'",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, name) in names {
            sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2")
                .bind(self.seal_name(&id, &name))
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Writes a consistent copy of a SQLite database to `path` (which must not exist),
    /// while the database stays in use. PostgreSQL is backed up with its own tools.
    pub async fn backup_sqlite(&self, path: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported("backup of PostgreSQL: use pg_dump"));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the database's own check finds it sound: SQLite's `integrity_check`
    /// (every page, index and constraint). PostgreSQL checks its pages as it reads
    /// them and recovers from its write-ahead log; here it must answer a query on
    /// every table that matters.
    pub async fn integrity_check(&self) -> Result<bool> {
        match self.backend {
            Backend::Sqlite => {
                let answer: String = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(answer == "ok")
            }
            Backend::Postgres => {
                for table in [
                    "tenants",
                    "accounts",
                    "audit_log",
                    "model_versions",
                    "relay_entries",
                ] {
                    sqlx::query(&format!("SELECT count(*) FROM {table}"))
                        .fetch_one(&self.pool)
                        .await?;
                }
                Ok(true)
            }
        }
    }

    /// Closes the pool and the readers, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.readers.close().await;
        self.pool.close().await;
    }
}

/// The file of a `sqlite:` URL, without query options.
pub fn sqlite_file(url: &str) -> Option<&Path> {
    (Backend::of_url(url) == Some(Backend::Sqlite)).then(|| Path::new(sqlite_path(url)))
}

/// The file part of a `sqlite:` URL, without query options.
fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or(rest)
}

/// SQLite counts every allocation it makes under one mutex for the whole process, for
/// statistics Saman never asks for: with reads on every thread, threads waited on that
/// mutex (futex calls in a log page's profile). Turned off once, before the first
/// connection: SQLite takes it only before it initialises, and refuses it harmlessly
/// after (a process that opened a database another way first).
pub(crate) fn without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int, as passed. sqlite3_config must
        // not run beside any other use of SQLite in the process: the process reaches
        // SQLite only through the store, which calls this before its first connection
        // (tests that open a file directly call it first), and Once keeps it to one call.
        let status = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            )
        };
        if status != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(
                status,
                "SQLite was initialised already: memory statistics stay on"
            );
        }
    });
}

fn create_sqlite_folder(url: &str) -> Result<()> {
    let path = sqlite_path(url);
    if path != ":memory:"
        && let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

/// Asks SQLite to create the file if it does not exist yet.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_and_sqlite_paths() {
        assert_eq!(
            Backend::of_url("sqlite:data/saman.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::of_url("mysql://x"), None);
        assert_eq!(
            sqlite_path("sqlite://data/saman.db?mode=rwc"),
            "data/saman.db"
        );
        assert_eq!(with_create_mode("sqlite:a.db"), "sqlite:a.db?mode=rwc");
    }
}
