//! The living model: every save of an object (an item, a guide, …) is a version, drafts
//! go live when published, and the tables the public site reads hold each object's live
//! version (or its newest, while it is not published).
//!
//! A save names the version it was based on; a save based on anything but the newest is
//! a conflict, found by one conditional update so two instances cannot both win. What
//! differs between kinds (their tables, what refers to them) is the [`Versioned`] trait.

use crate::audit::{AuditContext, AuditRow, append_rows};
use crate::model::now;
use crate::tenants::TenantId;
use crate::{Result, Store, StoreError};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;

/// An object of the model kept in versions. Its newest version is JSON in
/// `model_versions` (without file contents); `project` writes a version into the tables
/// the site reads.
pub trait Versioned:
    Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// Its kind in `model_objects` and in audit targets.
    const KIND: &'static str;

    /// Whether it is always in force: never unpublished or deleted (a tenant's settings).
    const ALWAYS_LIVE: bool = false;

    fn slug(&self) -> &str;
    fn status(&self) -> Status;
    fn set_status(&mut self, status: Status);
    fn review_date(&self) -> Option<time::Date>;
    fn set_review_date(&mut self, date: Option<time::Date>);

    /// Its files, whose contents are stored apart, once per content.
    fn files_mut(&mut self) -> Vec<&mut FileContent> {
        Vec::new()
    }

    /// The tenant's objects of this kind in the site's tables: id by slug.
    fn ids(
        tx: &mut AnyConnection,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<HashMap<String, String>>> + Send;

    /// Writes what others need to find it (such as the row relations point to) before
    /// any object of an import is projected. Nothing for most kinds.
    fn prepare(
        &self,
        _tx: &mut AnyConnection,
        _tenant: &TenantId,
        _id: &str,
        _status: Status,
    ) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }

    /// Writes this state into the tables the site reads, as `status`.
    fn project(
        &self,
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        status: Status,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Removes it from the tables the site reads.
    fn unproject(
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// What refers to the object with this id and slug and would break without it.
    fn users_of(
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        slug: &str,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
}

/// An object as the editor sees it: its newest version and where it stands.
#[derive(Debug, Clone)]
pub struct ObjectState<T> {
    pub id: String,
    /// The newest version; files carry names, not contents.
    pub object: T,
    pub head: i64,
    /// The version the public sees, if published.
    pub live: Option<i64>,
    pub saved_at: String,
    /// The name of whoever saved the newest version; `None` for an import.
    pub saved_by: Option<String>,
    /// Where it was copied from, if it was copied from another tenant.
    pub copied_from: Option<crate::Provenance>,
}

pub type ItemState = ObjectState<Item>;
pub type GuideState = ObjectState<Guide>;
pub type TimelineState = ObjectState<TimelineEntry>;
pub type SettingsState = ObjectState<Tenant>;
pub type FormState = ObjectState<FormWording>;

impl<T> ObjectState<T> {
    /// Whether the newest version is not what the public sees.
    pub fn has_draft(&self) -> bool {
        self.live != Some(self.head)
    }
}

/// One version in an object's history.
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
    /// Copied from another tenant's shared model.
    Copy,
}

impl Change {
    const ALL: [Change; 7] = [
        Change::Baseline,
        Change::Create,
        Change::Edit,
        Change::Restore,
        Change::Import,
        Change::Review,
        Change::Copy,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Change::Baseline => "baseline",
            Change::Create => "create",
            Change::Edit => "edit",
            Change::Restore => "restore",
            Change::Import => "import",
            Change::Review => "review",
            Change::Copy => "copy",
        }
    }

    fn from_key(key: &str) -> Result<Change> {
        Change::ALL
            .into_iter()
            .find(|c| c.key() == key)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown change {key:?}")))
    }
}

/// What a save is.
#[derive(Debug, Clone)]
pub struct Save<'a> {
    /// The version the editor started from; `None` for a new object.
    pub base: Option<i64>,
    pub change: Change,
    pub restored_from: Option<i64>,
    pub comment: Option<&'a str>,
}

/// What became of a save.
#[derive(Debug, Clone)]
pub enum Saved<T> {
    /// Saved as this version of the object with this id.
    Version { id: String, number: i64 },
    /// Someone saved a newer version first; nothing was written.
    Conflict(Box<ObjectState<T>>),
    /// Another object of the kind already has the slug.
    SlugTaken,
}

/// What became of a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// Other parts of the model refer to the object (their slugs, or `tenant`).
    InUse(Vec<String>),
}

/// The target an object's audit rows name.
pub fn object_target<T: Versioned>(id: &str) -> String {
    format!("{}:{id}", T::KIND)
}

/// The target an item's audit rows name.
pub fn item_target(id: &str) -> String {
    object_target::<Item>(id)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Every object of a kind of a tenant as the editor sees it (newest versions),
    /// sorted by slug.
    pub async fn editable<T: Versioned>(&self, tenant: &TenantId) -> Result<Vec<ObjectState<T>>> {
        self.states(tenant, None).await
    }

    /// One object as the editor sees it, if it is the tenant's, of the kind, and not
    /// deleted.
    pub async fn editable_one<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<ObjectState<T>>> {
        Ok(self.states(tenant, Some(id)).await?.pop())
    }

    /// Every item of a tenant as the editor sees it.
    pub async fn editable_items(&self, tenant: &TenantId) -> Result<Vec<ItemState>> {
        self.editable(tenant).await
    }

    async fn states<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: Option<&str>,
    ) -> Result<Vec<ObjectState<T>>> {
        let one = if id.is_some() { " AND o.id = $3" } else { "" };
        let sql = format!(
            "SELECT o.id, o.head, o.live, o.copied_from_tenant, o.copied_from_object, o.copied_from_version, \
             v.content, v.created_at, a.id AS author_id, a.name AS author_name \
             FROM model_objects o JOIN model_versions v ON v.object_id = o.id AND v.number = o.head \
             LEFT JOIN accounts a ON a.id = v.author_id \
             WHERE o.tenant_id = $1 AND o.kind = $2 AND o.deleted_at IS NULL{one}"
        );
        let mut query = sqlx::query(&sql).bind(&tenant.0).bind(T::KIND);
        if let Some(id) = id {
            query = query.bind(id);
        }
        let mut states: Vec<ObjectState<T>> = Vec::new();
        for row in query.fetch_all(&self.pool).await? {
            let author_id: Option<String> = row.try_get("author_id")?;
            let author_name: Option<String> = row.try_get("author_name")?;
            let from_tenant: Option<String> = row.try_get("copied_from_tenant")?;
            let from_object: Option<String> = row.try_get("copied_from_object")?;
            let from_version: Option<i64> = row.try_get("copied_from_version")?;
            states.push(ObjectState {
                copied_from: from_tenant.zip(from_object).zip(from_version).map(
                    |((tenant_slug, object_id), version)| crate::Provenance {
                        tenant_slug,
                        object_id,
                        version,
                    },
                ),
                id: row.try_get("id")?,
                object: parse_content(&row.try_get::<String, _>("content")?)?,
                head: row.try_get("head")?,
                live: row.try_get("live")?,
                saved_at: row.try_get("created_at")?,
                saved_by: author_id
                    .zip(author_name)
                    .map(|(id, name)| self.open_name(&id, &name)),
            });
        }
        states.sort_by(|a, b| a.object.slug().cmp(b.object.slug()));
        Ok(states)
    }

    /// An object's versions, newest first.
    pub async fn history<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Vec<VersionInfo>> {
        let rows = sqlx::query(
            "SELECT v.number, v.created_at, v.change, v.restored_from, v.comment, v.published_at, \
             a.id AS author_id, a.name AS author_name \
             FROM model_versions v JOIN model_objects o ON o.id = v.object_id \
             LEFT JOIN accounts a ON a.id = v.author_id \
             WHERE v.tenant_id = $1 AND v.object_id = $2 AND o.kind = $3 ORDER BY v.number DESC",
        )
        .bind(&tenant.0)
        .bind(id)
        .bind(T::KIND)
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

    /// An item's versions, newest first.
    pub async fn item_history(&self, tenant: &TenantId, id: &str) -> Result<Vec<VersionInfo>> {
        self.history::<Item>(tenant, id).await
    }

    /// One version of an object; files carry names, not contents.
    pub async fn version<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: &str,
        number: i64,
    ) -> Result<Option<T>> {
        let row = sqlx::query(
            "SELECT v.content FROM model_versions v JOIN model_objects o ON o.id = v.object_id \
             WHERE v.tenant_id = $1 AND v.object_id = $2 AND v.number = $3 AND o.kind = $4",
        )
        .bind(&tenant.0)
        .bind(id)
        .bind(number)
        .bind(T::KIND)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| parse_content(&r.try_get::<String, _>("content")?))
            .transpose()
    }

    /// Saves an object as a new version: a draft until published. An object that is not
    /// published shows its newest version to the editor's lists and exports at once.
    /// Files without contents keep the contents they had in the newest version.
    pub async fn save<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: Option<&str>,
        object: &T,
        save: &Save<'_>,
        ctx: &AuditContext,
    ) -> Result<Saved<T>> {
        let mut tx = self.begin_write().await?;
        let (id, number, live) = match id {
            None => {
                if T::ids(&mut tx, tenant).await?.contains_key(object.slug()) {
                    return Ok(Saved::SlugTaken);
                }
                let id = uuid::Uuid::new_v4().to_string();
                sqlx::query(
                    "INSERT INTO model_objects (id, tenant_id, kind, head, live) VALUES ($1, $2, $3, 1, NULL)",
                )
                .bind(&id)
                .bind(&tenant.0)
                .bind(T::KIND)
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
                .bind(T::KIND)
                .bind(base)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    tx.rollback().await?;
                    return match self.editable_one::<T>(tenant, id).await? {
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
        let mut object = object.clone();
        // A new object has no files; an edit keeps those of the version it was based
        // on, a restore those of the version restored.
        let from = match (save.restored_from, number) {
            (Some(restored), _) => FilesFrom::Version(restored),
            (None, 1) => FilesFrom::Bytes,
            (None, n) => FilesFrom::Version(n - 1),
        };
        let files = store_files(&mut tx, tenant, &id, &mut object, from).await?;
        insert_version(&mut tx, tenant, &id, number, &object, &files, save, ctx).await?;
        if live.is_none() {
            let bytes = file_bytes(&mut tx, tenant, &files).await?;
            with_bytes(&mut object, &bytes);
            match object.project(&mut tx, tenant, &id, Status::Draft).await {
                // Another editor took the slug between the check and this write.
                Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                    tx.rollback().await?;
                    return Ok(Saved::SlugTaken);
                }
                other => other?,
            }
        }
        let action = match save.change {
            Change::Restore => AuditAction::ContentRestored,
            _ => AuditAction::ContentSaved,
        };
        let details = format!("{} v{number}", object.slug());
        audit::<T>(&mut tx, self, ctx, tenant, action, &id, &details).await?;
        tx.commit().await?;
        Ok(Saved::Version { id, number })
    }

    /// Publishes an object's newest version, if it is `expected` (the version the editor
    /// saw). Returns false if there is no such object or a newer version was saved.
    pub async fn publish<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: &str,
        expected: i64,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(head) = lock_head::<T>(&mut tx, tenant, id).await? else {
            return Ok(false);
        };
        if head != expected {
            return Ok(false);
        }
        let object: T = load_with_files(&mut tx, tenant, id, head).await?;
        make_live(&mut tx, tenant, id, head, &object, ctx.actor_id.as_deref()).await?;
        let details = format!("{} v{head}", object.slug());
        audit::<T>(
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
        self.model_changed();
        Ok(true)
    }

    /// Takes an object off the public site; its newest version stays as a draft.
    pub async fn unpublish<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: &str,
        ctx: &AuditContext,
    ) -> Result<bool> {
        if T::ALWAYS_LIVE {
            return Err(StoreError::Unsupported("this kind is always published"));
        }
        let mut tx = self.begin_write().await?;
        let Some(head) = lock_head::<T>(&mut tx, tenant, id).await? else {
            return Ok(false);
        };
        let object: T = load_with_files(&mut tx, tenant, id, head).await?;
        sqlx::query("UPDATE model_objects SET live = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        object.project(&mut tx, tenant, id, Status::Draft).await?;
        bump_model_version(&mut tx, tenant).await?;
        let details = format!("{} v{head}", object.slug());
        audit::<T>(
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
        self.model_changed();
        Ok(true)
    }

    /// Deletes an object no other part of the model refers to. Its history is kept.
    pub async fn delete<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: &str,
        ctx: &AuditContext,
    ) -> Result<Deleted> {
        let mut tx = self.begin_write().await?;
        let Some(head) = lock_head::<T>(&mut tx, tenant, id).await? else {
            return Err(StoreError::NotFound);
        };
        let (object, _) = load_version::<T>(&mut tx, tenant, id, head).await?;
        let slug = object.slug().to_string();
        let users = T::users_of(&mut tx, tenant, id, &slug).await?;
        if !users.is_empty() {
            tx.rollback().await?;
            return Ok(Deleted::InUse(users));
        }
        T::unproject(&mut tx, tenant, id).await?;
        sqlx::query("UPDATE model_objects SET deleted_at = $1, live = NULL WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        bump_model_version(&mut tx, tenant).await?;
        audit::<T>(
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
        self.model_changed();
        Ok(Deleted::Deleted)
    }

    /// Gives the settings, and every item, guide, timeline entry and form wording, that have no history yet its first version, the state
    /// it is in now (objects from before versions were kept). Cheap when there are none.
    pub async fn ensure_history(&self) -> Result<usize> {
        let tenants: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT tenant_id FROM (SELECT tenant_id, id FROM items \
             UNION ALL SELECT tenant_id, id FROM guides \
             UNION ALL SELECT tenant_id, id FROM timeline_entries \
             UNION ALL SELECT tenant_id, id FROM form_wordings \
             UNION ALL SELECT id AS tenant_id, id FROM tenants) AS objects \
             WHERE id NOT IN (SELECT id FROM model_objects)",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut created = 0;
        for tenant in tenants.into_iter().map(TenantId) {
            let model = self.model(&tenant, crate::Visibility::All, true).await?;
            let settings = match self.tenant_slug(&tenant.0).await? {
                Some(slug) => match self.tenant_by_slug(&slug).await? {
                    Some(record) => Some(self.export_bundle(&record).await?.tenant),
                    None => None,
                },
                None => None,
            };
            let mut tx = self.begin_write().await?;
            created += baseline(&mut tx, &tenant, settings.as_slice()).await?;
            created += baseline(&mut tx, &tenant, &model.items).await?;
            created += baseline(&mut tx, &tenant, &model.guides).await?;
            created += baseline(&mut tx, &tenant, &model.timeline).await?;
            created += baseline(&mut tx, &tenant, &model.forms).await?;
            tx.commit().await?;
        }
        Ok(created)
    }
}

/// Records the current state of each object of `objects` that has no history yet.
async fn baseline<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    objects: &[T],
) -> Result<usize> {
    let ids = T::ids(tx, tenant).await?;
    let known: Vec<String> =
        sqlx::query_scalar("SELECT id FROM model_objects WHERE tenant_id = $1")
            .bind(&tenant.0)
            .fetch_all(&mut *tx)
            .await?;
    let mut created = 0;
    for object in objects {
        let Some(id) = ids.get(object.slug()) else {
            continue;
        };
        if known.contains(id) {
            continue;
        }
        record_version(tx, tenant, id, object, Change::Baseline, None, true).await?;
        created += 1;
    }
    Ok(created)
}

/// Records an imported or baseline state of an object as its next version, live if
/// it says it is published. `new_object` when the object has no history yet. Does not
/// project it.
pub(crate) async fn record_version<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    object: &T,
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
    let live = (object.status() == Status::Published).then_some(number);
    if new_object {
        sqlx::query("INSERT INTO model_objects (id, tenant_id, kind, head, live) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(&tenant.0)
            .bind(T::KIND)
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
    let mut stored = object.clone();
    let files = store_files(tx, tenant, id, &mut stored, FilesFrom::Bytes).await?;
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
    insert_version(tx, tenant, id, number, &stored, &files, &save, &ctx).await?;
    if live.is_some() {
        sqlx::query("UPDATE model_versions SET published_at = created_at, published_by = author_id WHERE object_id = $1 AND number = $2")
            .bind(id)
            .bind(number)
            .execute(&mut *tx)
            .await?;
    }
    Ok(number)
}

pub(crate) fn parse_content<T: Versioned>(content: &str) -> Result<T> {
    serde_json::from_str(content).map_err(|e| StoreError::Corrupt(format!("stored version: {e}")))
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_version<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
    object: &T,
    files: &BTreeMap<String, String>,
    save: &Save<'_>,
    ctx: &AuditContext,
) -> Result<()> {
    let mut content = object.clone();
    // Whether it is published belongs to the object, not to a version of it.
    content.set_status(Status::Published);
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
    /// The object's bytes, as they are (an import: an empty file is an empty file).
    Bytes,
    /// The files of this stored version, by name (the editor sends names, not contents),
    /// and the bytes of any file uploaded with the save.
    Version(i64),
}

/// Stores the object's file contents by hash and empties them in `object`.
pub(crate) async fn store_files<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    object: &mut T,
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
    for file in object.files_mut() {
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

pub(crate) fn with_bytes<T: Versioned>(object: &mut T, bytes: &HashMap<String, Vec<u8>>) {
    for file in object.files_mut() {
        if let Some(b) = bytes.get(&file.file_name) {
            file.bytes = b.clone();
        }
    }
}

pub(crate) async fn load_version<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
) -> Result<(T, BTreeMap<String, String>)> {
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
pub(crate) async fn load_with_files<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
) -> Result<T> {
    let (mut object, files) = load_version::<T>(tx, tenant, id, number).await?;
    let bytes = file_bytes(tx, tenant, &files).await?;
    with_bytes(&mut object, &bytes);
    Ok(object)
}

/// Makes version `number` of an object (`object`, with its files) the one the public
/// sees, on every instance at once.
pub(crate) async fn make_live<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
    number: i64,
    object: &T,
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
    object.project(tx, tenant, id, Status::Published).await?;
    bump_model_version(tx, tenant).await
}

/// Takes the object's row lock (a no-op update) and returns its newest version's number.
pub(crate) async fn lock_head<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<i64>> {
    let updated = sqlx::query(
        "UPDATE model_objects SET head = head WHERE id = $1 AND tenant_id = $2 AND kind = $3 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(&tenant.0)
    .bind(T::KIND)
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

pub(crate) async fn audit<T: Versioned>(
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
        target: object_target::<T>(id),
        outcome: Outcome::Success,
        details: details.to_string(),
    };
    append_rows(tx, store.secrets(), std::slice::from_ref(&row)).await?;
    Ok(())
}

impl Store {
    /// Whether any version of an object holds `text` (for the crash test, which looks
    /// for the edits it was told were saved).
    pub async fn version_mentions(&self, object: &str, text: &str) -> Result<bool> {
        let pattern = format!("%{text}%");
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT number FROM model_versions WHERE object_id = $1 AND content LIKE $2 LIMIT 1",
        )
        .bind(object)
        .bind(pattern)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }
}
