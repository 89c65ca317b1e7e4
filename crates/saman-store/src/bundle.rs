//! Importing and exporting a tenant's whole model (see `saman_domain::files`).

use crate::audit::{AuditContext, AuditRow, append_rows};
use crate::model::now;
use crate::settings::write_tenant;
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
            forms: model.forms,
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
        if existing.is_none() {
            // The row everything else belongs to; its first version comes below.
            write_tenant(&mut tx, &tenant_id, &bundle.tenant, true).await?;
        }
        let current_tenant = current.as_ref().map(|c| std::slice::from_ref(&c.tenant));
        let mut objects = import_objects(
            &mut tx,
            &tenant_id,
            std::slice::from_ref(&bundle.tenant),
            current_tenant.unwrap_or_default(),
            ctx,
        )
        .await?;
        let current_items = current.as_ref().map_or(&[][..], |c| &c.items[..]);
        objects
            .extend(import_objects(&mut tx, &tenant_id, &bundle.items, current_items, ctx).await?);
        let current_guides = current.as_ref().map_or(&[][..], |c| &c.guides[..]);
        objects.extend(
            import_objects(&mut tx, &tenant_id, &bundle.guides, current_guides, ctx).await?,
        );
        let current_timeline = current.as_ref().map_or(&[][..], |c| &c.timeline[..]);
        objects.extend(
            import_objects(&mut tx, &tenant_id, &bundle.timeline, current_timeline, ctx).await?,
        );
        let current_forms = current.as_ref().map_or(&[][..], |c| &c.forms[..]);
        objects
            .extend(import_objects(&mut tx, &tenant_id, &bundle.forms, current_forms, ctx).await?);
        if objects.is_empty() {
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
        self.model_changed();
        Ok(if existing.is_some() {
            ImportOutcome::Updated
        } else {
            ImportOutcome::Created
        })
    }
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
