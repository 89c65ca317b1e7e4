//! Importing and exporting a tenant's whole model (see `saman_domain::files`).

use crate::model::{join_keys, now};
use crate::tenants::{TenantId, TenantRecord};
use crate::{Result, Store, Visibility};
use saman_domain::*;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Created,
    Updated,
    /// The stored model was already identical: nothing was written.
    Unchanged,
}

impl Store {
    /// A tenant's whole model, drafts and files included.
    pub async fn export_bundle(&self, record: &TenantRecord) -> Result<ModelBundle> {
        let mut tenant = record.tenant.clone();
        tenant.logo = self.tenant_logo(&record.id).await?;
        let model = self.model(&record.id, Visibility::All, true).await?;
        Ok(ModelBundle {
            tenant,
            items: model.items,
            timeline: model.timeline,
            guides: model.guides,
        })
    }

    /// Creates or updates the tenant named in `bundle` so that its stored model is
    /// exactly the bundle, in one transaction. Items keep their ids across imports.
    pub async fn import_bundle(&self, bundle: &ModelBundle) -> Result<ImportOutcome> {
        let existing = self.tenant_by_slug(&bundle.tenant.slug).await?;
        if let Some(record) = &existing
            && self.export_bundle(record).await? == *bundle
        {
            return Ok(ImportOutcome::Unchanged);
        }
        let mut tx = self.begin_write().await?;
        let tenant_id = match &existing {
            Some(record) => record.id.clone(),
            None => TenantId(uuid::Uuid::new_v4().to_string()),
        };
        write_tenant(&mut tx, &tenant_id, &bundle.tenant, existing.is_none()).await?;
        write_items(&mut tx, &tenant_id, &bundle.items).await?;
        write_timeline(&mut tx, &tenant_id, &bundle.timeline).await?;
        crate::guides::write_guides(&mut tx, &tenant_id, &bundle.guides).await?;
        tx.commit().await?;
        Ok(if existing.is_some() {
            ImportOutcome::Updated
        } else {
            ImportOutcome::Created
        })
    }
}

pub(crate) async fn delete_for_tenant(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    tenant: &TenantId,
) -> Result<()> {
    sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1"))
        .bind(&tenant.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn write_tenant(
    tx: &mut Transaction<'_, Any>,
    id: &TenantId,
    tenant: &Tenant,
    is_new: bool,
) -> Result<()> {
    let now = now();
    let sql = if is_new {
        "INSERT INTO tenants (id, slug, default_lang, municipality_numbers, primary_colour, contact_email, \
         logo_file_name, logo, model_version, created_at, updated_at, child_welfare_slug, \
         child_welfare_out_of_hours_slug, relay_youth_consent_age, relay_retention_days, relay_privacy_slug) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $11, $12, $13, $14)"
    } else {
        "UPDATE tenants SET slug = $2, default_lang = $3, municipality_numbers = $4, primary_colour = $5, \
         contact_email = $6, logo_file_name = $7, logo = $8, updated_at = $9, \
         model_version = model_version + 1, child_welfare_slug = $10, child_welfare_out_of_hours_slug = $11, \
         relay_youth_consent_age = $12, relay_retention_days = $13, relay_privacy_slug = $14 WHERE id = $1"
    };
    sqlx::query(sql)
        .bind(&id.0)
        .bind(&tenant.slug)
        .bind(tenant.default_lang.code())
        .bind(tenant.municipality_numbers.join(","))
        .bind(&tenant.primary_colour)
        .bind(&tenant.contact_email)
        .bind(tenant.logo.as_ref().map(|l| l.file_name.clone()))
        .bind(tenant.logo.as_ref().map(|l| l.bytes.clone()))
        .bind(&now)
        .bind(&tenant.child_welfare)
        .bind(&tenant.child_welfare_out_of_hours)
        .bind(i64::from(tenant.relay.youth_consent_age))
        .bind(i64::from(tenant.relay.retention_days))
        .bind(&tenant.relay.privacy_page)
        .execute(&mut **tx)
        .await?;

    for table in ["tenant_texts", "tenant_about", "priorities"] {
        delete_for_tenant(tx, table, id).await?;
    }
    for lang in Lang::ALL {
        if let Some(text) = tenant.text.get(lang) {
            let level = |f: fn(&LevelNames) -> &String| text.levels.as_ref().map(|l| f(l).clone());
            sqlx::query(
                "INSERT INTO tenant_texts (tenant_id, lang, name, model_name, intro, level_municipality, \
                 level_service, level_individual) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&id.0)
            .bind(lang.code())
            .bind(&text.name)
            .bind(&text.model_name)
            .bind(&text.intro)
            .bind(level(|l| &l.municipality))
            .bind(level(|l| &l.service))
            .bind(level(|l| &l.individual))
            .execute(&mut **tx)
            .await?;
        }
        if let Some(about) = tenant.about.get(lang) {
            sqlx::query("INSERT INTO tenant_about (tenant_id, lang, body) VALUES ($1, $2, $3)")
                .bind(&id.0)
                .bind(lang.code())
                .bind(about)
                .execute(&mut **tx)
                .await?;
        }
    }
    for (position, priority) in tenant.priorities.iter().enumerate() {
        sqlx::query(
            "INSERT INTO priorities (tenant_id, key, position, label_nb, label_nn) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id.0)
        .bind(&priority.key)
        .bind(position as i64)
        .bind(&priority.label.nb)
        .bind(&priority.label.nn)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn write_items(
    tx: &mut Transaction<'_, Any>,
    tenant: &TenantId,
    items: &[Item],
) -> Result<()> {
    let rows = sqlx::query("SELECT id, slug FROM items WHERE tenant_id = $1")
        .bind(&tenant.0)
        .fetch_all(&mut **tx)
        .await?;
    let mut ids: HashMap<String, String> = HashMap::new();
    for row in rows {
        ids.insert(row.try_get("slug")?, row.try_get("id")?);
    }
    for table in ["relations", "attachments", "item_texts"] {
        delete_for_tenant(tx, table, tenant).await?;
    }
    for (slug, id) in &ids {
        if !items.iter().any(|i| &i.slug == slug) {
            sqlx::query("DELETE FROM items WHERE tenant_id = $1 AND id = $2")
                .bind(&tenant.0)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }

    let now = now();
    for item in items {
        let existing = ids.get(&item.slug).cloned();
        let id = existing
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let sql = if existing.is_some() {
            "UPDATE items SET slug = $3, kind = $4, levels = $5, target_groups = $6, prevention = $7, \
             owner_slug = $8, review_date = $9, status = $10, priorities = $11, phone = $12, email = $13, \
             address = $14, web = $15, updated_at = $16, form_key = $17 WHERE id = $1 AND tenant_id = $2"
        } else {
            "INSERT INTO items (id, tenant_id, slug, kind, levels, target_groups, prevention, owner_slug, \
             review_date, status, priorities, phone, email, address, web, updated_at, form_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        };
        let contact = item.contact.clone().unwrap_or_default();
        sqlx::query(sql)
            .bind(&id)
            .bind(&tenant.0)
            .bind(&item.slug)
            .bind(item.kind.key())
            .bind(join_keys(&item.levels, Level::key))
            .bind(join_keys(&item.target_groups, TargetGroup::key))
            .bind(join_keys(&item.prevention, Prevention::key))
            .bind(&item.owner)
            .bind(item.review_date.map(format_iso_date))
            .bind(item.status.key())
            .bind(item.priorities.join(","))
            .bind(contact.phone)
            .bind(contact.email)
            .bind(contact.address)
            .bind(contact.web)
            .bind(&now)
            .bind(&item.form)
            .execute(&mut **tx)
            .await?;
        ids.insert(item.slug.clone(), id);
    }

    for item in items {
        let id = &ids[&item.slug];
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
            .execute(&mut **tx)
            .await?;
        }
        for (position, relation) in item.relations.iter().enumerate() {
            sqlx::query(
                "INSERT INTO relations (tenant_id, from_item_id, to_item_id, kind, position) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&tenant.0)
            .bind(id)
            .bind(&ids[&relation.to])
            .bind(relation.kind.key())
            .bind(position as i64)
            .execute(&mut **tx)
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
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn write_timeline(
    tx: &mut Transaction<'_, Any>,
    tenant: &TenantId,
    entries: &[TimelineEntry],
) -> Result<()> {
    delete_for_tenant(tx, "timeline_texts", tenant).await?;
    delete_for_tenant(tx, "timeline_entries", tenant).await?;
    for entry in entries {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO timeline_entries (id, tenant_id, slug, entry_date, status) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(&tenant.0)
        .bind(&entry.slug)
        .bind(format_iso_date(entry.date))
        .bind(entry.status.key())
        .execute(&mut **tx)
        .await?;
        for lang in Lang::ALL {
            let Some(text) = entry.text.get(lang) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO timeline_texts (entry_id, tenant_id, lang, title, body) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(&tenant.0)
            .bind(lang.code())
            .bind(&text.title)
            .bind(&text.body)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
