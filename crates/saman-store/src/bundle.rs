//! Importing and exporting a tenant's whole model (see `saman_domain::files`).

use crate::audit::{AuditContext, AuditRow, append_rows};
use crate::model::now;
use crate::tenants::{TenantId, TenantRecord};
use crate::versions::{Change, Versioned, bump_model_version, object_target, record_version};
use crate::{Result, Store, Visibility};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::*;
use sqlx::{Any, Transaction};
use std::collections::HashSet;

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
    /// exactly the bundle, in one transaction. An upsert: items and guides keep their
    /// ids, and only those that changed get a new version (live if the file says
    /// published), with `ctx`'s account or none as author. Importing what is stored
    /// changes nothing.
    pub async fn import_bundle(
        &self,
        bundle: &ModelBundle,
        ctx: &AuditContext,
    ) -> Result<ImportOutcome> {
        let existing = self.tenant_by_slug(&bundle.tenant.slug).await?;
        let current = match &existing {
            Some(record) => Some(self.export_bundle(record).await?),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        let tenant_id = match &existing {
            Some(record) => record.id.clone(),
            None => TenantId(uuid::Uuid::new_v4().to_string()),
        };
        let mut changed = false;
        if current.as_ref().map(|c| &c.tenant) != Some(&bundle.tenant) {
            write_tenant(&mut tx, &tenant_id, &bundle.tenant, existing.is_none()).await?;
            changed = true;
        }
        let current_items = current.as_ref().map_or(&[][..], |c| &c.items[..]);
        let mut objects =
            import_objects(&mut tx, &tenant_id, &bundle.items, current_items, ctx).await?;
        let current_guides = current.as_ref().map_or(&[][..], |c| &c.guides[..]);
        objects.extend(
            import_objects(&mut tx, &tenant_id, &bundle.guides, current_guides, ctx).await?,
        );
        let current_timeline = current.as_ref().map_or(&[][..], |c| &c.timeline[..]);
        objects.extend(
            import_objects(&mut tx, &tenant_id, &bundle.timeline, current_timeline, ctx).await?,
        );
        if !changed && objects.is_empty() {
            tx.rollback().await?;
            return Ok(ImportOutcome::Unchanged);
        }
        if existing.is_some() {
            bump_model_version(&mut tx, &tenant_id).await?;
        }
        let ctx = AuditContext {
            tenant: Some(tenant_id.clone()),
            ..ctx.clone()
        };
        let mut rows: Vec<AuditRow> = objects
            .iter()
            .map(|(target, action, details)| AuditRow {
                ctx: ctx.clone(),
                action: *action,
                target: target.clone(),
                outcome: Outcome::Success,
                details: details.clone(),
            })
            .collect();
        rows.push(AuditRow {
            ctx: ctx.clone(),
            action: AuditAction::ModelImported,
            target: format!("tenant:{}", tenant_id.0),
            outcome: Outcome::Success,
            details: format!("{} objects changed", objects.len()),
        });
        append_rows(&mut tx, self.secrets(), &rows).await?;
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
         child_welfare_out_of_hours_slug, relay_youth_consent_age, relay_retention_days, relay_privacy_slug, \
         a11y_date, a11y_statement_url) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $11, $12, $13, $14, $15, $16)"
    } else {
        "UPDATE tenants SET slug = $2, default_lang = $3, municipality_numbers = $4, primary_colour = $5, \
         contact_email = $6, logo_file_name = $7, logo = $8, updated_at = $9, \
         child_welfare_slug = $10, child_welfare_out_of_hours_slug = $11, \
         relay_youth_consent_age = $12, relay_retention_days = $13, relay_privacy_slug = $14, \
         a11y_date = $15, a11y_statement_url = $16 WHERE id = $1"
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
        .bind(tenant.accessibility.date.map(format_iso_date))
        .bind(&tenant.accessibility.statement_url)
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
                 level_service, level_individual, a11y_shortcomings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&id.0)
            .bind(lang.code())
            .bind(&text.name)
            .bind(&text.model_name)
            .bind(&text.intro)
            .bind(level(|l| &l.municipality))
            .bind(level(|l| &l.service))
            .bind(level(|l| &l.individual))
            .bind(&text.accessibility_shortcomings)
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

/// Brings the tenant's objects of a kind to `objects`: a version for every one that is
/// new or differs from `current` (or has no history yet), deletion for those no longer
/// there. Returns an audit row's (target, action, details) per object changed.
async fn import_objects<T: Versioned>(
    tx: &mut Transaction<'_, Any>,
    tenant: &TenantId,
    objects: &[T],
    current: &[T],
    ctx: &AuditContext,
) -> Result<Vec<(String, AuditAction, String)>> {
    let mut ids = T::ids(tx, tenant).await?;
    let with_history: HashSet<String> = sqlx::query_scalar(
        "SELECT id FROM model_objects WHERE tenant_id = $1 AND kind = $2 AND deleted_at IS NULL",
    )
    .bind(&tenant.0)
    .bind(T::KIND)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let mut changed = Vec::new();
    // What others need first, so that every relation finds the row it points to.
    for object in objects {
        let id = ids.get(object.slug()).cloned();
        let unchanged = id.as_ref().is_some_and(|id| with_history.contains(id))
            && current.iter().any(|c| c == object);
        if unchanged {
            continue;
        }
        let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        object.prepare(tx, tenant, &id, object.status()).await?;
        ids.insert(object.slug().to_string(), id.clone());
        changed.push((object, id));
    }
    let mut audit = Vec::new();
    for (object, id) in changed {
        let known: Option<i64> = sqlx::query_scalar("SELECT head FROM model_objects WHERE id = $1")
            .bind(&id)
            .fetch_optional(&mut **tx)
            .await?;
        let number = record_version(
            tx,
            tenant,
            &id,
            object,
            Change::Import,
            ctx.actor_id.as_deref(),
            known.is_none(),
        )
        .await?;
        object.project(tx, tenant, &id, object.status()).await?;
        audit.push((
            object_target::<T>(&id),
            AuditAction::ContentSaved,
            format!("{} v{number}", object.slug()),
        ));
    }
    for (slug, id) in &ids {
        if objects.iter().any(|o| o.slug() == slug) {
            continue;
        }
        T::unproject(tx, tenant, id).await?;
        sqlx::query("UPDATE model_objects SET deleted_at = $1, live = NULL WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        audit.push((
            object_target::<T>(id),
            AuditAction::ContentDeleted,
            slug.clone(),
        ));
    }
    Ok(audit)
}
