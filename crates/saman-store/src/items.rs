//! Items as versioned objects: the tables the site reads them from, and what refers to
//! them.

use crate::model::{join_keys, now};
use crate::tenants::TenantId;
use crate::versions::{Versioned, parse_content};
use crate::{Result, StoreError};
use saman_domain::*;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

impl Versioned for Item {
    const KIND: &'static str = "item";

    fn slug(&self) -> &str {
        &self.slug
    }

    fn status(&self) -> Status {
        self.status
    }

    fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    fn review_date(&self) -> Option<time::Date> {
        self.review_date
    }

    fn set_review_date(&mut self, date: Option<time::Date>) {
        self.review_date = date;
    }

    fn files_mut(&mut self) -> Vec<&mut FileContent> {
        self.attachments.iter_mut().map(|a| &mut a.file).collect()
    }

    async fn ids(tx: &mut AnyConnection, tenant: &TenantId) -> Result<HashMap<String, String>> {
        item_ids(tx, tenant).await
    }

    /// The item's own row, so that relations to it find it.
    async fn prepare(
        &self,
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        status: Status,
    ) -> Result<()> {
        upsert_item_row(tx, tenant, id, self, status).await
    }

    /// Its row, texts, relations and files. The items it relates to must have rows.
    async fn project(
        &self,
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        status: Status,
    ) -> Result<()> {
        upsert_item_row(tx, tenant, id, self, status).await?;
        let ids = item_ids(tx, tenant).await?;
        replace_item_parts(tx, tenant, id, self, &ids).await
    }

    async fn unproject(tx: &mut AnyConnection, tenant: &TenantId, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM items WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(&tenant.0)
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn users_of(
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        slug: &str,
    ) -> Result<Vec<String>> {
        item_users(tx, tenant, id, slug).await
    }
}

/// What refers to an item: items that relate to it or are owned by it, guide steps
/// that use it, and the tenant's settings.
async fn item_users(
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
    // Drafts not yet published (items, guides, the settings) that name it: publishing
    // them later must not bring back a reference to what is gone.
    let drafts = sqlx::query(
        "SELECT o.kind, v.content FROM model_objects o \
         JOIN model_versions v ON v.object_id = o.id AND v.number = o.head \
         WHERE o.tenant_id = $1 AND o.id <> $2 AND o.deleted_at IS NULL \
         AND (o.live IS NULL OR o.live <> o.head)",
    )
    .bind(&tenant.0)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for row in drafts {
        let kind: String = row.try_get("kind")?;
        let content: String = row.try_get("content")?;
        let named = |s: &Option<String>| s.as_deref() == Some(slug);
        match kind.as_str() {
            Item::KIND => {
                let draft: Item = parse_content(&content)?;
                if named(&draft.owner) || draft.relations.iter().any(|r| r.to == slug) {
                    users.push(draft.slug);
                }
            }
            Guide::KIND => {
                let draft: Guide = parse_content(&content)?;
                let in_steps = draft
                    .steps
                    .iter()
                    .any(|s| s.tools.iter().chain(&s.relies_on).any(|t| t == slug));
                if named(&draft.owner) || in_steps {
                    users.push(format!("guide:{}", draft.slug));
                }
            }
            Tenant::KIND => {
                let draft: Tenant = parse_content(&content)?;
                let named_here = [
                    &draft.child_welfare,
                    &draft.child_welfare_out_of_hours,
                    &draft.relay.privacy_page,
                ];
                if named_here.into_iter().any(named) {
                    users.push("tenant".into());
                }
            }
            _ => {}
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

/// The tenant's item ids by slug.
async fn item_ids(tx: &mut AnyConnection, tenant: &TenantId) -> Result<HashMap<String, String>> {
    let rows = sqlx::query("SELECT id, slug FROM items WHERE tenant_id = $1")
        .bind(&tenant.0)
        .fetch_all(tx)
        .await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get("slug")?, row.try_get("id")?)))
        .collect()
}

/// The item's own row, inserted or updated.
async fn upsert_item_row(
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
async fn replace_item_parts(
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
