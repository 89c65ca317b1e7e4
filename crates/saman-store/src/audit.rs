//! The audit log: append-only rows in one hash chain per tenant (and one for the
//! platform), each written in the transaction of the change it records. Editing or
//! removing a row breaks the chain, and [`Store::verify_audit`] names the first row
//! that no longer fits.

use crate::clock;
use crate::tenants::TenantId;
use crate::{Result, Store};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::auth::keys::Secrets;
use sqlx::{Any, AnyConnection, Row, Transaction};

/// The chain of the platform (events not about one tenant).
const PLATFORM_CHAIN: &str = "";
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acts, from where, and in which tenant: what every audited change needs.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    pub tenant: Option<TenantId>,
    pub actor_id: Option<String>,
    /// The role the actor acted as (e.g. `tenant-admin`), or how (e.g. `cli`).
    pub actor_role: Option<String>,
    /// The client's address as the trusted proxy settings determine it.
    pub address: String,
}

impl AuditContext {
    /// A change made from the command line on this machine.
    pub fn command_line(tenant: Option<TenantId>) -> AuditContext {
        AuditContext {
            tenant,
            actor_id: None,
            actor_role: Some("cli".into()),
            address: "local".into(),
        }
    }
}

/// One row of the audit log, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub address: String,
    pub details: String,
}

/// Where a chain stops fitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenChain {
    /// The tenant's slug, or `None` for the platform's chain.
    pub chain: Option<String>,
    pub seq: i64,
    pub reason: &'static str,
}

fn chain_key(tenant: Option<&TenantId>) -> &str {
    tenant.map_or(PLATFORM_CHAIN, |t| t.0.as_str())
}

/// A row's link in the chain: a keyed hash (HMAC, with a key held outside the database)
/// of the row and the link before it, so that nobody who can only reach the database
/// can rewrite a row and its chain.
#[allow(clippy::too_many_arguments)]
fn row_hash(
    secrets: &Secrets,
    prev: &str,
    chain: &str,
    seq: i64,
    at: &str,
    actor_id: Option<&str>,
    actor_role: Option<&str>,
    action: &str,
    target: &str,
    outcome: &str,
    address: &str,
    details: &str,
) -> String {
    // Fields are separated by a character no field can hold (the unit separator).
    let text = [
        prev,
        chain,
        &seq.to_string(),
        at,
        actor_id.unwrap_or(""),
        actor_role.unwrap_or(""),
        action,
        target,
        outcome,
        address,
        details,
    ]
    .join("\u{1f}");
    secrets.mac_hex("audit-chain", text.as_bytes())
}

/// Appends a row to the chain of `ctx.tenant`, inside the caller's transaction (the
/// relay log's storage calls this for every write).
pub async fn append(
    tx: &mut AnyConnection,
    secrets: &Secrets,
    ctx: &AuditContext,
    action: AuditAction,
    target: &str,
    outcome: Outcome,
    details: &str,
) -> Result<()> {
    let row = AuditRow {
        ctx: ctx.clone(),
        action,
        target: target.to_string(),
        outcome,
        details: details.to_string(),
    };
    append_rows(tx, secrets, std::slice::from_ref(&row)).await?;
    Ok(())
}

/// An audit row to write.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub ctx: AuditContext,
    pub action: AuditAction,
    pub target: String,
    pub outcome: Outcome,
    pub details: String,
}

/// Rows in one INSERT: twelve parameters each, well under both databases' limits.
pub(crate) const ROWS_PER_INSERT: usize = 50;

/// The columns of an audit row as written, in the order of [`bind_rows`].
const COLUMNS: &str = "tenant_id, seq, at, actor_id, actor_role, action, target, outcome, \
                       address, details, prev_hash, hash";

/// A chain's head: the number and the hash of its last row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub seq: i64,
    pub hash: String,
}

/// A row linked into its chain: its number, the hash of the row before, and its own.
struct Linked<'a> {
    row: &'a AuditRow,
    seq: i64,
    prev: String,
    hash: String,
}

/// The chain a row belongs to.
pub(crate) fn chain_of(row: &AuditRow) -> &str {
    chain_key(row.ctx.tenant.as_ref())
}

/// Links rows of one chain after `head`, at time `at`; gives them and the new head.
fn link<'a>(
    secrets: &Secrets,
    chain: &str,
    head: &Head,
    rows: &[&'a AuditRow],
    at: &str,
) -> (Vec<Linked<'a>>, Head) {
    let mut head = head.clone();
    let linked = rows
        .iter()
        .map(|row| {
            head.seq += 1;
            let hash = row_hash(
                secrets,
                &head.hash,
                chain,
                head.seq,
                at,
                row.ctx.actor_id.as_deref(),
                row.ctx.actor_role.as_deref(),
                row.action.key(),
                &row.target,
                row.outcome.key(),
                &row.ctx.address,
                &row.details,
            );
            Linked {
                row,
                seq: head.seq,
                prev: std::mem::replace(&mut head.hash, hash.clone()),
                hash,
            }
        })
        .collect();
    (linked, head)
}

/// The placeholders of `rows` rows of twelve values: `($1, …), (…)` numbered from
/// `first`, or plain `?` on SQLite (sqlx looks up each numbered parameter's name by a
/// scan over all of them, which made a long insert's binding quadratic there: 5% of a
/// loaded server's time in the profile of "my logs").
fn placeholders(rows: usize, first: usize, numbered: bool) -> String {
    (0..rows)
        .map(|i| {
            let p: Vec<String> = (0..12)
                .map(|k| {
                    if numbered {
                        format!("${}", first + i * 12 + k)
                    } else {
                        "?".to_string()
                    }
                })
                .collect();
            format!("({})", p.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds linked rows' values, in the order of [`COLUMNS`].
fn bind_rows<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    chain: &'q str,
    at: &'q str,
    rows: &'q [Linked<'q>],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for linked in rows {
        let row = linked.row;
        query = query
            .bind(chain)
            .bind(linked.seq)
            .bind(at)
            .bind(row.ctx.actor_id.as_deref())
            .bind(row.ctx.actor_role.as_deref())
            .bind(row.action.key())
            .bind(&row.target)
            .bind(row.outcome.key())
            .bind(&row.ctx.address)
            .bind(&row.details)
            .bind(&linked.prev)
            .bind(&linked.hash);
    }
    query
}

/// Appends rows, in order, to their tenants' chains inside the caller's transaction:
/// per chain, the head is taken once for all its rows. Gives each chain's new head.
pub(crate) async fn append_rows(
    tx: &mut AnyConnection,
    secrets: &Secrets,
    rows: &[AuditRow],
) -> Result<Vec<(String, Head)>> {
    let mut chains: Vec<&str> = rows.iter().map(chain_of).collect();
    chains.sort_unstable();
    chains.dedup();
    let numbered = tx.backend_name() != "SQLite";
    let mut heads = Vec::with_capacity(chains.len());
    for chain in chains {
        let of_chain: Vec<&AuditRow> = rows.iter().filter(|r| chain_of(r) == chain).collect();
        // Takes the chain's head (made at genesis for a new chain) and moves it past
        // these rows in one statement; locking the head row orders concurrent writers
        // of one chain.
        let taken = sqlx::query(
            "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET seq = audit_heads.seq + excluded.seq \
             RETURNING seq, hash",
        )
        .bind(chain)
        .bind(of_chain.len() as i64)
        .bind(GENESIS)
        .fetch_one(&mut *tx)
        .await?;
        let before = Head {
            seq: taken.try_get::<i64, _>("seq")? - of_chain.len() as i64,
            hash: taken.try_get("hash")?,
        };
        let at = clock::to_text(clock::now());
        let (linked, head) = link(secrets, chain, &before, &of_chain, &at);
        for part in linked.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO audit_log ({COLUMNS}) VALUES {}",
                placeholders(part.len(), 1, numbered)
            );
            bind_rows(sqlx::query(&sql), chain, &at, part)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE audit_heads SET hash = $1 WHERE tenant_id = $2")
            .bind(&head.hash)
            .bind(chain)
            .execute(&mut *tx)
            .await?;
        heads.push((chain.to_string(), head));
    }
    Ok(heads)
}

/// Appends rows of one chain after `after`, in one statement that is its own
/// transaction (PostgreSQL; at most [`ROWS_PER_INSERT`] rows): the head moves and the
/// rows are written only if the head is still `after`. Gives the new head, or `None`
/// when another writer had moved it (nothing is written; the caller takes the head in
/// a transaction instead). One round trip where the transaction takes five.
pub(crate) async fn append_after(
    conn: &mut AnyConnection,
    secrets: &Secrets,
    chain: &str,
    after: &Head,
    rows: &[&AuditRow],
) -> Result<Option<Head>> {
    debug_assert!(rows.len() <= ROWS_PER_INSERT);
    let at = clock::to_text(clock::now());
    let (linked, head) = link(secrets, chain, after, rows, &at);
    let sql = format!(
        "WITH head AS (UPDATE audit_heads SET seq = $1, hash = $2 \
         WHERE tenant_id = $3 AND seq = $4 AND hash = $5 RETURNING 1) \
         INSERT INTO audit_log ({COLUMNS}) SELECT * FROM (VALUES {}) AS v \
         WHERE EXISTS (SELECT 1 FROM head)",
        placeholders(linked.len(), 6, true)
    );
    let query = sqlx::query(&sql)
        .bind(head.seq)
        .bind(&head.hash)
        .bind(chain)
        .bind(after.seq)
        .bind(&after.hash);
    let written = bind_rows(query, chain, &at, &linked)
        .execute(&mut *conn)
        .await?;
    Ok((written.rows_affected() == linked.len() as u64).then_some(head))
}

/// Filters for reading the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<String>,
    /// Inclusive, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// What the rows are about, e.g. `relay:<log id>`.
    pub target: Option<String>,
    pub limit: i64,
}

impl Store {
    /// Records an event that changes nothing else (a login, a failed login, a logout).
    pub async fn audit(
        &self,
        ctx: &AuditContext,
        action: AuditAction,
        target: &str,
        outcome: Outcome,
        details: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            action,
            target,
            outcome,
            details,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest rows of a tenant's audit log (or the platform's), newest first.
    pub async fn audit_entries(
        &self,
        tenant: Option<&TenantId>,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT l.seq, l.at, l.actor_id, a.name AS actor_name, l.actor_role, l.action, l.target, \
             l.outcome, l.address, l.details FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_id \
             WHERE l.tenant_id = $1 AND ($2 = '' OR l.action = $2) AND ($3 = '' OR l.actor_id = $3) \
             AND ($4 = '' OR l.at >= $4) AND ($5 = '' OR l.at < $5) AND ($7 = '' OR l.target = $7) \
             ORDER BY l.seq DESC LIMIT $6",
        )
        .bind(chain_key(tenant))
        .bind(filter.action.as_deref().unwrap_or(""))
        .bind(filter.actor_id.as_deref().unwrap_or(""))
        .bind(filter.from.as_deref().unwrap_or(""))
        .bind(filter.to.as_deref().map_or(String::new(), |d| format!("{d}T99")))
        .bind(if filter.limit > 0 { filter.limit } else { 200 })
        .bind(filter.target.as_deref().unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    seq: row.try_get("seq")?,
                    at: row.try_get("at")?,
                    actor_id: row.try_get("actor_id")?,
                    actor_name: row.try_get::<Option<String>, _>("actor_name")?.map(|n| {
                        self.open_name(
                            &row.try_get::<Option<String>, _>("actor_id")
                                .ok()
                                .flatten()
                                .unwrap_or_default(),
                            &n,
                        )
                    }),
                    actor_role: row.try_get("actor_role")?,
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    outcome: row.try_get("outcome")?,
                    address: row.try_get("address")?,
                    details: row.try_get("details")?,
                })
            })
            .collect()
    }

    /// Checks every chain (or one tenant's): each row's hash, its link to the row
    /// before, that no number is missing, and that the chain ends where its head says.
    /// Returns the first row that does not fit.
    pub async fn verify_audit(&self, tenant: Option<&TenantId>) -> Result<Option<BrokenChain>> {
        let chains: Vec<String> = match tenant {
            Some(t) => vec![t.0.clone()],
            // Every chain that has a head or a row: removing one of them cannot hide it.
            None => {
                sqlx::query_scalar(
                    "SELECT tenant_id FROM audit_heads UNION SELECT tenant_id FROM audit_log ORDER BY 1",
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        for chain in chains {
            if let Some(broken) = self.verify_chain(&chain).await? {
                return Ok(Some(broken));
            }
        }
        Ok(None)
    }

    async fn verify_chain(&self, chain: &str) -> Result<Option<BrokenChain>> {
        let slug: Option<String> = if chain.is_empty() {
            None
        } else {
            sqlx::query_scalar("SELECT slug FROM tenants WHERE id = $1")
                .bind(chain)
                .fetch_optional(&self.pool)
                .await?
                .or_else(|| Some(chain.to_string()))
        };
        let broken = |seq, reason| {
            Ok(Some(BrokenChain {
                chain: slug.clone(),
                seq,
                reason,
            }))
        };
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, actor_role, action, target, outcome, address, details, \
             prev_hash, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq",
        )
        .bind(chain)
        .fetch_all(&self.pool)
        .await?;
        let mut expected_prev = GENESIS.to_string();
        let mut expected_seq = 1;
        for row in &rows {
            let seq: i64 = row.try_get("seq")?;
            if seq != expected_seq {
                return broken(expected_seq, "a row is missing");
            }
            let prev: String = row.try_get("prev_hash")?;
            if prev != expected_prev {
                return broken(seq, "the link to the row before does not match");
            }
            let get = |name: &str| -> Result<String> { Ok(row.try_get::<String, _>(name)?) };
            let opt = |name: &str| -> Result<Option<String>> {
                Ok(row.try_get::<Option<String>, _>(name)?)
            };
            let hash = row_hash(
                &self.secrets,
                &prev,
                chain,
                seq,
                &get("at")?,
                opt("actor_id")?.as_deref(),
                opt("actor_role")?.as_deref(),
                &get("action")?,
                &get("target")?,
                &get("outcome")?,
                &get("address")?,
                &get("details")?,
            );
            if hash != get("hash")? {
                return broken(seq, "the row was changed");
            }
            expected_prev = hash;
            expected_seq += 1;
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1")
            .bind(chain)
            .fetch_optional(&self.pool)
            .await?;
        match head {
            Some(head) => {
                let head_seq: i64 = head.try_get("seq")?;
                let head_hash: String = head.try_get("hash")?;
                if head_seq != expected_seq - 1 || head_hash != expected_prev {
                    return broken(expected_seq, "rows at the end are missing");
                }
            }
            None if !rows.is_empty() => return broken(expected_seq, "the chain's head is missing"),
            None => {}
        }
        Ok(None)
    }
}

/// Opens a transaction; a small helper so callers need not name the database type.
pub(crate) async fn begin(store: &Store) -> Result<Transaction<'static, Any>> {
    store.begin_write().await
}
