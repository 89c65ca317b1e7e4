//! The living model's items: every save is a version, drafts go live when published,
//! and the tables the public site reads hold each item's live version (or its newest,
//! while it is not published).
//!
//! A save names the version it was based on; a save based on anything but the newest is
//! a conflict, found by one conditional update so two instances cannot both win.

use crate::audit::{AuditContext, AuditRow, append_rows};
use crate::model::{join_keys, now};
use crate::tenants::TenantId;
use crate::{Result, Store, StoreError};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::*;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// The kind of an object in `model_objects`.
pub(crate) const ITEM: &str = "item";

/// An item as the editor sees it: its newest version and where it stands.
#[derive(Debug, Clone)]
pub struct ItemState {
    pub id: String,
    /// The newest version; attachments carry names and titles, not contents.
    pub item: Item,
    pub head: i64,
    /// The version the public sees, if published.
    pub live: Option<i64>,
    pub saved_at: String,
    /// The name of whoever saved the newest version; `None` for an import.
    pub saved_by: Option<String>,
}

impl ItemState {
    /// Whether the newest version is not what the public sees.
    pub fn has_draft(&self) -> bool {
        self.live != Some(self.head)
    }
}

/// One version in an item's history.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub number: i64,
    pub created_at: String,
    pub author: Option<String>,
    pub change: Change,
    pub restored_from: Option<i64>,
    pub comment: Option<String>,
    pub published_at: Option<String>,
}

/// How a version came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The state of the model when its history began.
    Baseline,
    Create,
    Edit,
    Restore,
    Import,
    /// Confirmed still correct: only the review date moved on.
    Review,
}

impl Change {
    pub fn key(self) -> &'static str {
        match self {
            Change::Baseline => "baseline",
            Change::Create => "create",
            Change::Edit => "edit",
            Change::Restore => "restore",
            Change::Import => "import",
            Change::Review => "review",
        }
    }

    fn from_key(key: &str) -> Result<Change> {
        Ok(match key {
            "baseline" => Change::Baseline,
            "create" => Change::Create,
            "edit" => Change::Edit,
            "restore" => Change::Restore,
            "import" => Change::Import,
            "review" => Change::Review,
            other => return Err(StoreError::Corrupt(format!("unknown change {other:?}"))),
        })
    }
}

/// What a save is.
#[derive(Debug, Clone)]
pub struct Save<'a> {
    /// The version the editor started from; `None` for a new item.
    pub base: Option<i64>,
    pub change: Change,
    pub restored_from: Option<i64>,
    pub comment: Option<&'a str>,
}

/// What became of a save.
#[derive(Debug, Clone)]
pub enum Saved {
    /// Saved as this version of the item with this id.
    Version { id: String, number: i64 },
    /// Someone saved a newer version first; nothing was written.
    Conflict(Box<ItemState>),
    /// Another item already has the slug.
    SlugTaken,
}

/// What became of a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// Other parts of the model refer to the item (their slugs, or `tenant`).
    InUse(Vec<String>),
}

/// The target an item's audit rows name.
pub fn item_target(id: &str) -> String {
    format!("item:{id}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Every item of a tenant as the editor sees it (newest versions), sorted by slug.
    pub async fn editable_items(&self, tenant: &TenantId) -> Result<Vec<ItemState>> {
        self.item_states(tenant, None).await
    }

    /// One item as the editor sees it, if it is the tenant's and not deleted.
    pub async fn editable_item(&self, tenant: &TenantId, id: &str) -> Result<Option<ItemState>> {
        Ok(self.item_states(tenant, Some(id)).await?.pop())
    }

    async fn item_states(&self, tenant: &TenantId, id: Option<&str>) -> Result<Vec<ItemState>> {
        let one = if id.is_some() { " AND o.id = $3" } else { "" };
        let sql = format!(
            "SELECT o.id, o.head, o.live, v.content, v.created_at, a.id AS author_id, a.name AS author_name \
             FROM model_objects o JOIN model_versions v ON v.object_id = o.id AND v.number = o.head \
             LEFT JOIN accounts a ON a.id = v.author_id \
             WHERE o.tenant_id = $1 AND o.kind = $2 AND o.deleted_at IS NULL{one}"
        );
        let mut query = sqlx::query(&sql).bind(&tenant.0).bind(ITEM);
        if let Some(id) = id {
            query = query.bind(id);
        }
        let mut states = Vec::new();
        for row in query.fetch_all(&self.pool).await? {
            let author_id: Option<String> = row.try_get("author_id")?;
            let author_name: Option<String> = row.try_get("author_name")?;
            states.push(ItemState {
                id: row.try_get("id")?,
                item: parse_content(&row.try_get::<String, _>("content")?)?,
                head: row.try_get("head")?,
                live: row.try_get("live")?,
                saved_at: row.try_get("created_at")?,
                saved_by: author_id
                    .zip(author_name)
                    .map(|(id, name)| self.open_name(&id, &name)),
            });
        }
        states.sort_by(|a, b| a.item.slug.cmp(&b.item.slug));
        Ok(states)
    }

    /// An item's versions, newest first.
    pub async fn item_history(&self, tenant: &TenantId, id: &str) -> Result<Vec<VersionInfo>> {
        let rows = sqlx::query(
            "SELECT v.number, v.created_at, v.change, v.restored_from, v.comment, v.published_at, \
             a.id AS author_id, a.name AS author_name \
             FROM model_versions v LEFT JOIN accounts a ON a.id = v.author_id \
             WHERE v.tenant_id = $1 AND v.object_id = $2 ORDER BY v.number DESC",
        )
        .bind(&tenant.0)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let author_id: Option<String> = row.try_get("author_id")?;
                let author_name: Option<String> = row.try_get("author_name")?;
                Ok(VersionInfo {
                    number: row.try_get("number")?,
                    created_at: row.try_get("created_at")?,
                    author: author_id
                        .zip(author_name)
                        .map(|(id, name)| self.open_name(&id, &name)),
                    change: Change::from_key(&row.try_get::<String, _>("change")?)?,
                    restored_from: row.try_get("restored_from")?,
                    comment: row.try_get("comment")?,
                    published_at: row.try_get("published_at")?,
                })
            })
            .collect()
    }

    /// One version of an item; attachments carry names, not contents.
    pub async fn item_version(
        &self,
        tenant: &TenantId,
        id: &str,
        number: i64,
    ) -> Result<Option<Item>> {
        let row = sqlx::query(
            "SELECT content FROM model_versions WHERE tenant_id = $1 AND object_id = $2 AND number = $3",
        )
        .bind(&tenant.0)
        .bind(id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| parse_content(&r.try_get::<String, _>("content")?))
            .transpose()
    }

    /// Saves an item as a new version: a draft until published. An item that is not
    /// published shows its newest version to the editor's lists and exports at once.
    /// Attachments without contents keep the contents they had in the newest version.
    pub async fn save_item(
        &self,
        tenant: &TenantId,
        id: Option<&str>,
        item: &Item,
        save: &Save<'_>,
        ctx: &AuditContext,
    ) -> Result<Saved> {
        let mut tx = self.begin_write().await?;
        let (id, number, live) = match id {
            None => {
                if slug_taken(&mut tx, tenant, &item.slug).await? {
                    return Ok(Saved::SlugTaken);
                }
                let id = uuid::Uuid::new_v4().to_string();
                sqlx::query(
                    "INSERT INTO model_objects (id, tenant_id, kind, head, live) VALUES ($1, $2, $3, 1, NULL)",
                )
                .bind(&id)
                .bind(&tenant.0)
                .bind(ITEM)
                .execute(&mut *tx)
                .await?;
                (id, 1, None)
            }
            Some(id) => {
                let base = save.base.unwrap_or(0);
                let updated = sqlx::query(
                    "UPDATE model_objects SET head = head + 1 \
                     WHERE id = $1 AND tenant_id = $2 AND kind = $3 AND head = $4 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(&tenant.0)
                .bind(ITEM)
                .bind(base)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    tx.rollback().await?;
                    return match self.editable_item(tenant, id).await? {
                        Some(current) => Ok(Saved::Conflict(Box::new(current))),
                        None => Err(StoreError::NotFound),
                    };
                }
                let live: Option<i64> =
                    sqlx::query_scalar("SELECT live FROM model_objects WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                (id.to_string(), base + 1, live)
            }
        };
        let mut item = item.clone();
        // A new item has no files; an edit keeps those of the version it was based on,
        // a restore those of the version restored.
        let from = match (save.restored_from, number) {
            (Some(restored), _) => FilesFrom::Version(restored),
            (None, 1) => FilesFrom::Bytes,
            (None, n) => FilesFrom::Version(n - 1),
        };
        let files = store_files(&mut tx, tenant, &id, &mut item, from).await?;
        insert_version(&mut tx, tenant, &id, number, &item, &files, save, ctx).await?;
        if live.is_none() {
            let bytes = file_bytes(&mut tx, tenant, &files).await?;
            with_bytes(&mut item, &bytes);
            match project_item(&mut tx, tenant, &id, &item, Status::Draft).await {
                // Another editor took the slug between the check and this write.
                Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                    tx.rollback().await?;
                    return Ok(Saved::SlugTaken);
                }
                other => other?,
            }
        }
        let action = if save.change == Change::Restore {
            AuditAction::ContentRestored
        } else {
            AuditAction::ContentSaved
        };
        audit(
            &mut tx,
            self,
            ctx,
            tenant,
            action,
            &id,
            &format!("{} v{number}", item.slug),
        )
        .await?;
        tx.commit().await?;
        Ok(Saved::Version { id, number })
    }

    /// Publishes an item's newest version, if it is `expected` (the version the editor
    /// saw). Returns false if there is no such item or a newer version was saved.
    pub async fn publish_item(
        &self,
        tenant: &TenantId,
        id: &str,
        expected: i64,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(head) = lock_head(&mut tx, tenant, id).await? else {
            return Ok(false);
        };
        if head != expected {
            return Ok(false);
        }
        let item = load_with_files(&mut tx, tenant, id, head).await?;
        make_live(&mut tx, tenant, id, head, &item, ctx.actor_id.as_deref()).await?;
        let details = format!("{} v{head}", item.slug);
        audit(
            &mut tx,
            self,
            ctx,
            tenant,
            AuditAction::ContentPublished,
            id,
            &details,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes an item off the public site; its newest version stays as a draft.
    pub async fn unpublish_item(
        &self,
        tenant: &TenantId,
        id: &str,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(head) = lock_head(&mut tx, tenant, id).await? else {
            return Ok(false);
        };
        let item = load_with_files(&mut tx, tenant, id, head).await?;
        sqlx::query("UPDATE model_objects SET live = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        project_item(&mut tx, tenant, id, &item, Status::Draft).await?;
        bump_model_version(&mut tx, tenant).await?;
        let details = format!("{} v{head}", item.slug);
        audit(
            &mut tx,
            self,
            ctx,
            tenant,
            AuditAction::ContentUnpublished,
            id,
            &details,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes an item no other part of the model refers to. Its history is kept.
    pub async fn delete_item(
        &self,
        tenant: &TenantId,
        id: &str,
        ctx: &AuditContext,
    ) -> Result<Deleted> {
        let mut tx = self.begin_write().await?;
        let Some(_) = lock_head(&mut tx, tenant, id).await? else {
            return Err(StoreError::NotFound);
        };
        let slug: String =
            sqlx::query_scalar("SELECT slug FROM items WHERE id = $1 AND tenant_id = $2")
                .bind(id)
                .bind(&tenant.0)
                .fetch_one(&mut *tx)
                .await?;
        let users = users_of(&mut tx, tenant, id, &slug).await?;
        if !users.is_empty() {
            tx.rollback().await?;
            return Ok(Deleted::InUse(users));
        }
        sqlx::query("DELETE FROM items WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(&tenant.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE model_objects SET deleted_at = $1, live = NULL WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        bump_model_version(&mut tx, tenant).await?;
        audit(
            &mut tx,
            self,
            ctx,
            tenant,
            AuditAction::ContentDeleted,
            id,
            &slug,
        )
        .await?;
        tx.commit().await?;
        Ok(Deleted::Deleted)
    }

    /// Gives every item that has no history yet its first version, the state it is in
    /// now (items from before versions were kept). Cheap when there are none.
    pub async fn ensure_item_history(&self) -> Result<usize> {
        let tenants: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT i.tenant_id FROM items i \
             LEFT JOIN model_objects o ON o.id = i.id WHERE o.id IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut created = 0;
        for tenant in tenants.into_iter().map(TenantId) {
            let model = self.model(&tenant, crate::Visibility::All, true).await?;
            let mut tx = self.begin_write().await?;
            let ids = item_ids(&mut tx, &tenant).await?;
            let known: Vec<String> =
                sqlx::query_scalar("SELECT id FROM model_objects WHERE tenant_id = $1")
                    .bind(&tenant.0)
                    .fetch_all(&mut *tx)
                    .await?;
            for item in &model.items {
                let Some(id) = ids.get(&item.slug) else {
                    continue;
                };
                if known.contains(id) {
                    continue;
                }
                record_version(
                    &mut tx,
                    tenant.clone(),
                    id,
                    item,
                    Change::Baseline,
                    None,
                    true,
                )
                .await?;
                created += 1;
            }
            tx.commit().await?;
        }
        Ok(created)
    }
}

/// Records an imported or baseline state of an item as its next version, live if the
/// item says it is published. `new_object` when the item has no history yet.
pub(crate) async fn record_version(
    tx: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
    item: &Item,
    change: Change,
    author: Option<&str>,
    new_object: bool,
) -> Result<i64> {
    let number: i64 = if new_object {
        1
    } else {
        // The update takes the row lock first, so a save meanwhile waits for this one.
        sqlx::query("UPDATE model_objects SET head = head + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query_scalar("SELECT head FROM model_objects WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
    };
    let live = (item.status == Status::Published).then_some(number);
    if new_object {
        sqlx::query("INSERT INTO model_objects (id, tenant_id, kind, head, live) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(&tenant.0)
            .bind(ITEM)
            .bind(number)
            .bind(live)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "UPDATE model_objects SET head = $1, live = $2, deleted_at = NULL WHERE id = $3",
        )
        .bind(number)
        .bind(live)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    let mut stored = item.clone();
    let files = store_files(tx, &tenant, id, &mut stored, FilesFrom::Bytes).await?;
    let ctx = AuditContext {
        actor_id: author.map(String::from),
        ..AuditContext::default()
    };
    let save = Save {
        base: None,
        change,
        restored_from: None,
        comment: None,
    };
    insert_version(tx, &tenant, id, number, &stored, &files, &save, &ctx).await?;
    if live.is_some() {
        sqlx::query("UPDATE model_versions SET published_at = created_at, published_by = author_id WHERE object_id = $1 AND number = $2")
            .bind(id)
            .bind(number)
            .execute(&mut *tx)
            .await?;
    }
    Ok(number)
}

pub(crate) fn parse_content(content: &str) -> Result<Item> {
    serde_json::from_str(content).map_err(|e| StoreError::Corrupt(format!("stored version: {e}")))
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_version(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
    item: &Item,
    files: &BTreeMap<String, String>,
    save: &Save<'_>,
    ctx: &AuditContext,
) -> Result<()> {
    let mut content = item.clone();
    // Whether it is published belongs to the object, not to a version of it.
    content.status = Status::Published;
    let content = serde_json::to_string(&content)
        .map_err(|e| StoreError::Corrupt(format!("version to JSON: {e}")))?;
    let files = serde_json::to_string(files)
        .map_err(|e| StoreError::Corrupt(format!("files to JSON: {e}")))?;
    sqlx::query(
        "INSERT INTO model_versions (object_id, tenant_id, number, created_at, author_id, change, \
         restored_from, comment, content, files) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(&tenant.0)
    .bind(number)
    .bind(now())
    .bind(&ctx.actor_id)
    .bind(save.change.key())
    .bind(save.restored_from)
    .bind(save.comment.filter(|c| !c.trim().is_empty()))
    .bind(content)
    .bind(files)
    .execute(tx)
    .await?;
    Ok(())
}

/// Where a version's file contents come from.
pub(crate) enum FilesFrom {
    /// The item's bytes, as they are (an import: an empty file is an empty file).
    Bytes,
    /// The files of this stored version, by name (the editor sends names, not contents),
    /// and the bytes of any file uploaded with the save.
    Version(i64),
}

/// Stores the item's file contents by hash and empties them in `item`.
pub(crate) async fn store_files(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    item: &mut Item,
    from: FilesFrom,
) -> Result<BTreeMap<String, String>> {
    let known: BTreeMap<String, String> = match from {
        FilesFrom::Bytes => BTreeMap::new(),
        FilesFrom::Version(number) => {
            let json: String = sqlx::query_scalar(
                "SELECT files FROM model_versions WHERE tenant_id = $1 AND object_id = $2 AND number = $3",
            )
            .bind(&tenant.0)
            .bind(id)
            .bind(number)
            .fetch_one(&mut *tx)
            .await?;
            serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("stored files: {e}")))?
        }
    };
    let mut files = BTreeMap::new();
    for attachment in &mut item.attachments {
        let file = &mut attachment.file;
        let hash = match from {
            FilesFrom::Bytes => put_file(&mut *tx, tenant, &file.bytes).await?,
            // A file uploaded with this save.
            FilesFrom::Version(_) if !file.bytes.is_empty() => {
                put_file(&mut *tx, tenant, &file.bytes).await?
            }
            FilesFrom::Version(number) => known.get(&file.file_name).cloned().ok_or_else(|| {
                StoreError::Corrupt(format!("version {number} has no file {:?}", file.file_name))
            })?,
        };
        file.bytes = Vec::new();
        files.insert(file.file_name.clone(), hash);
    }
    Ok(files)
}

async fn put_file(tx: &mut AnyConnection, tenant: &TenantId, bytes: &[u8]) -> Result<String> {
    let hash = sha256_hex(bytes);
    sqlx::query(
        "INSERT INTO model_files (tenant_id, sha256, content) VALUES ($1, $2, $3) \
         ON CONFLICT (tenant_id, sha256) DO NOTHING",
    )
    .bind(&tenant.0)
    .bind(&hash)
    .bind(bytes)
    .execute(tx)
    .await?;
    Ok(hash)
}

pub(crate) async fn file_bytes(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    files: &BTreeMap<String, String>,
) -> Result<HashMap<String, Vec<u8>>> {
    let mut out = HashMap::new();
    for (name, hash) in files {
        let bytes: Vec<u8> = sqlx::query_scalar(
            "SELECT content FROM model_files WHERE tenant_id = $1 AND sha256 = $2",
        )
        .bind(&tenant.0)
        .bind(hash)
        .fetch_one(&mut *tx)
        .await?;
        out.insert(name.clone(), bytes);
    }
    Ok(out)
}

pub(crate) fn with_bytes(item: &mut Item, bytes: &HashMap<String, Vec<u8>>) {
    for attachment in &mut item.attachments {
        if let Some(b) = bytes.get(&attachment.file.file_name) {
            attachment.file.bytes = b.clone();
        }
    }
}

pub(crate) async fn load_version(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
) -> Result<(Item, BTreeMap<String, String>)> {
    let row = sqlx::query(
        "SELECT content, files FROM model_versions WHERE tenant_id = $1 AND object_id = $2 AND number = $3",
    )
    .bind(&tenant.0)
    .bind(id)
    .bind(number)
    .fetch_one(tx)
    .await?;
    let files = serde_json::from_str(&row.try_get::<String, _>("files")?)
        .map_err(|e| StoreError::Corrupt(format!("stored files: {e}")))?;
    Ok((parse_content(&row.try_get::<String, _>("content")?)?, files))
}

/// A stored version with its files' contents.
pub(crate) async fn load_with_files(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
) -> Result<Item> {
    let (mut item, files) = load_version(tx, tenant, id, number).await?;
    let bytes = file_bytes(tx, tenant, &files).await?;
    with_bytes(&mut item, &bytes);
    Ok(item)
}

/// Makes version `number` of an item (`item`, with its files) the one the public sees,
/// on every instance at once.
pub(crate) async fn make_live(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
    item: &Item,
    published_by: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE model_objects SET live = $1 WHERE id = $2")
        .bind(number)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE model_versions SET published_at = $1, published_by = $2 \
         WHERE object_id = $3 AND number = $4 AND published_at IS NULL",
    )
    .bind(now())
    .bind(published_by)
    .bind(id)
    .bind(number)
    .execute(&mut *tx)
    .await?;
    project_item(tx, tenant, id, item, Status::Published).await?;
    bump_model_version(tx, tenant).await
}

/// Takes the item's row lock (a no-op update) and returns its newest version's number.
pub(crate) async fn lock_head(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<i64>> {
    let updated = sqlx::query(
        "UPDATE model_objects SET head = head WHERE id = $1 AND tenant_id = $2 AND kind = $3 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(&tenant.0)
    .bind(ITEM)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_scalar("SELECT head FROM model_objects WHERE id = $1")
            .bind(id)
            .fetch_one(tx)
            .await?,
    ))
}

async fn slug_taken(tx: &mut AnyConnection, tenant: &TenantId, slug: &str) -> Result<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM items WHERE tenant_id = $1 AND slug = $2")
            .bind(&tenant.0)
            .bind(slug)
            .fetch_optional(tx)
            .await?;
    Ok(found.is_some())
}

/// What refers to an item: items that relate to it or are owned by it, guide steps
/// that use it, and the tenant's settings.
async fn users_of(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    slug: &str,
) -> Result<Vec<String>> {
    let mut users: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT i.slug FROM items i \
         LEFT JOIN relations r ON r.from_item_id = i.id AND r.to_item_id = $2 \
         WHERE i.tenant_id = $1 AND i.id <> $2 AND (r.to_item_id IS NOT NULL OR i.owner_slug = $3)",
    )
    .bind(&tenant.0)
    .bind(id)
    .bind(slug)
    .fetch_all(&mut *tx)
    .await?;
    let guides: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT g.slug FROM guides g LEFT JOIN guide_steps s ON s.guide_id = g.id \
         WHERE g.tenant_id = $1 AND (g.owner_slug = $3 OR (',' || s.tools || ',') LIKE $2 \
         OR (',' || s.relies_on || ',') LIKE $2)",
    )
    .bind(&tenant.0)
    .bind(format!("%,{slug},%"))
    .bind(slug)
    .fetch_all(&mut *tx)
    .await?;
    users.extend(guides.into_iter().map(|g| format!("guide:{g}")));
    // Drafts not yet published that relate to it or are owned by it.
    let drafts: Vec<String> = sqlx::query_scalar(
        "SELECT v.content FROM model_objects o JOIN model_versions v ON v.object_id = o.id AND v.number = o.head \
         WHERE o.tenant_id = $1 AND o.id <> $2 AND o.deleted_at IS NULL AND (o.live IS NULL OR o.live <> o.head)",
    )
    .bind(&tenant.0)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for content in drafts {
        let draft = parse_content(&content)?;
        if draft.owner.as_deref() == Some(slug) || draft.relations.iter().any(|r| r.to == slug) {
            users.push(draft.slug);
        }
    }
    let in_settings: Option<String> = sqlx::query_scalar(
        "SELECT slug FROM tenants WHERE id = $1 AND (child_welfare_slug = $2 \
         OR child_welfare_out_of_hours_slug = $2 OR relay_privacy_slug = $2)",
    )
    .bind(&tenant.0)
    .bind(slug)
    .fetch_optional(&mut *tx)
    .await?;
    if in_settings.is_some() {
        users.push("tenant".into());
    }
    users.sort();
    users.dedup();
    Ok(users)
}

pub(crate) async fn bump_model_version(tx: &mut AnyConnection, tenant: &TenantId) -> Result<()> {
    sqlx::query(
        "UPDATE tenants SET model_version = model_version + 1, updated_at = $1 WHERE id = $2",
    )
    .bind(now())
    .bind(&tenant.0)
    .execute(tx)
    .await?;
    Ok(())
}

pub(crate) async fn audit(
    tx: &mut AnyConnection,
    store: &Store,
    ctx: &AuditContext,
    tenant: &TenantId,
    action: AuditAction,
    id: &str,
    details: &str,
) -> Result<()> {
    let row = AuditRow {
        ctx: AuditContext {
            tenant: Some(tenant.clone()),
            ..ctx.clone()
        },
        action,
        target: item_target(id),
        outcome: Outcome::Success,
        details: details.to_string(),
    };
    append_rows(tx, store.secrets(), std::slice::from_ref(&row)).await
}

/// The tenant's item ids by slug.
pub(crate) async fn item_ids(
    tx: &mut AnyConnection,
    tenant: &TenantId,
) -> Result<HashMap<String, String>> {
    let rows = sqlx::query("SELECT id, slug FROM items WHERE tenant_id = $1")
        .bind(&tenant.0)
        .fetch_all(tx)
        .await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get("slug")?, row.try_get("id")?)))
        .collect()
}

/// Writes an item into the tables the site reads: its row, texts, relations and files.
/// The items it relates to must have rows already.
pub(crate) async fn project_item(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    item: &Item,
    status: Status,
) -> Result<()> {
    upsert_item_row(tx, tenant, id, item, status).await?;
    let ids = item_ids(tx, tenant).await?;
    replace_item_parts(tx, tenant, id, item, &ids).await
}

/// The item's own row, inserted or updated.
pub(crate) async fn upsert_item_row(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    item: &Item,
    status: Status,
) -> Result<()> {
    let contact = item.contact.clone().unwrap_or_default();
    sqlx::query(
        "INSERT INTO items (id, tenant_id, slug, kind, levels, target_groups, prevention, owner_slug, \
         review_date, status, priorities, phone, email, address, web, updated_at, form_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, kind = excluded.kind, levels = excluded.levels, \
         target_groups = excluded.target_groups, prevention = excluded.prevention, \
         owner_slug = excluded.owner_slug, review_date = excluded.review_date, status = excluded.status, \
         priorities = excluded.priorities, phone = excluded.phone, email = excluded.email, \
         address = excluded.address, web = excluded.web, updated_at = excluded.updated_at, \
         form_key = excluded.form_key",
    )
    .bind(id)
    .bind(&tenant.0)
    .bind(&item.slug)
    .bind(item.kind.key())
    .bind(join_keys(&item.levels, Level::key))
    .bind(join_keys(&item.target_groups, TargetGroup::key))
    .bind(join_keys(&item.prevention, Prevention::key))
    .bind(&item.owner)
    .bind(item.review_date.map(format_iso_date))
    .bind(status.key())
    .bind(item.priorities.join(","))
    .bind(contact.phone)
    .bind(contact.email)
    .bind(contact.address)
    .bind(contact.web)
    .bind(now())
    .bind(&item.form)
    .execute(tx)
    .await?;
    Ok(())
}

/// Replaces the item's texts, relations and attachments. `ids`: item ids by slug.
pub(crate) async fn replace_item_parts(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    item: &Item,
    ids: &HashMap<String, String>,
) -> Result<()> {
    for table in ["item_texts", "attachments"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE item_id = $1 AND tenant_id = $2"
        ))
        .bind(id)
        .bind(&tenant.0)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM relations WHERE from_item_id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(&tenant.0)
        .execute(&mut *tx)
        .await?;
    for lang in Lang::ALL {
        let Some(text) = item.text.get(lang) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO item_texts (item_id, tenant_id, lang, title, summary, body, opening_hours) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&tenant.0)
        .bind(lang.code())
        .bind(&text.title)
        .bind(&text.summary)
        .bind(&text.body)
        .bind(&text.opening_hours)
        .execute(&mut *tx)
        .await?;
    }
    for (position, relation) in item.relations.iter().enumerate() {
        let to = ids.get(&relation.to).ok_or_else(|| {
            StoreError::Corrupt(format!("relation to {:?}, which has no row", relation.to))
        })?;
        sqlx::query(
            "INSERT INTO relations (tenant_id, from_item_id, to_item_id, kind, position) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&tenant.0)
        .bind(id)
        .bind(to)
        .bind(relation.kind.key())
        .bind(position as i64)
        .execute(&mut *tx)
        .await?;
    }
    for (position, attachment) in item.attachments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO attachments (item_id, tenant_id, file_name, position, title_nb, title_nn, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&tenant.0)
        .bind(&attachment.file.file_name)
        .bind(position as i64)
        .bind(&attachment.title.nb)
        .bind(&attachment.title.nn)
        .bind(&attachment.file.bytes)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
