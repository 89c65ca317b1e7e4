//! Building on another municipality's model: a tenant offers its whole model, or single
//! guides, to the platform's other tenants, and they copy what is offered into their
//! own model as drafts, with where it came from kept. Only published versions are ever
//! offered or copied: a draft never leaves its tenant.

use crate::audit::{AuditContext, AuditRow, append_rows};
use crate::tenants::TenantId;
use crate::versions::{Change, Versioned, load_with_files, object_target, record_version};
use crate::{Result, Store};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::*;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeSet, HashMap};

/// What a tenant offers to others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sharing {
    /// The whole model: every published item and guide.
    pub model: bool,
    /// The ids of the guides offered one by one.
    pub guides: BTreeSet<String>,
}

/// Another tenant's offer, as a tenant browsing the platform sees it.
#[derive(Debug, Clone)]
pub struct Offer {
    pub tenant_slug: String,
    pub tenant_name: ByLang<String>,
    pub whole_model: bool,
    /// Published items, when the whole model is offered.
    pub items: usize,
    /// The published guides offered: (object id, guide).
    pub guides: Vec<(String, Guide)>,
}

/// Where a copied object came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The tenant's slug when it was copied.
    pub tenant_slug: String,
    pub object_id: String,
    pub version: i64,
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copied {
    /// Copied as drafts: the new guides' ids, and how many items came with them.
    Copied { guides: Vec<String>, items: usize },
    /// The tenant does not offer that (or there is no such tenant or guide).
    NotOffered,
}

/// A published object of the source tenant, to copy.
struct Source<T> {
    id: String,
    version: i64,
    object: T,
}

impl Store {
    /// What the tenant offers to others.
    pub async fn sharing(&self, tenant: &TenantId) -> Result<Sharing> {
        let model: i64 = sqlx::query_scalar("SELECT model_shared FROM tenants WHERE id = $1")
            .bind(&tenant.0)
            .fetch_one(&self.pool)
            .await?;
        let guides = sqlx::query_scalar(
            "SELECT id FROM model_objects WHERE tenant_id = $1 AND kind = $2 AND shared = 1 \
             AND deleted_at IS NULL",
        )
        .bind(&tenant.0)
        .bind(Guide::KIND)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        Ok(Sharing {
            model: model != 0,
            guides,
        })
    }

    /// Sets what the tenant offers: the whole model or not, and which of its guides
    /// (ids of other kinds or tenants are ignored). Audited.
    pub async fn set_sharing(
        &self,
        tenant: &TenantId,
        sharing: &Sharing,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE tenants SET model_shared = $1 WHERE id = $2")
            .bind(i64::from(sharing.model))
            .bind(&tenant.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE model_objects SET shared = 0 WHERE tenant_id = $1")
            .bind(&tenant.0)
            .execute(&mut *tx)
            .await?;
        for id in &sharing.guides {
            sqlx::query(
                "UPDATE model_objects SET shared = 1 WHERE id = $1 AND tenant_id = $2 AND kind = $3",
            )
            .bind(id)
            .bind(&tenant.0)
            .bind(Guide::KIND)
            .execute(&mut *tx)
            .await?;
        }
        let row = AuditRow {
            ctx: AuditContext {
                tenant: Some(tenant.clone()),
                ..ctx.clone()
            },
            action: AuditAction::SharingChanged,
            target: format!("tenant:{}", tenant.0),
            outcome: Outcome::Success,
            details: format!(
                "model {}, guides [{}]",
                if sharing.model {
                    "shared"
                } else {
                    "not shared"
                },
                sharing
                    .guides
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        append_rows(&mut tx, self.secrets(), std::slice::from_ref(&row)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the platform's other tenants offer, by tenant slug.
    pub async fn offers(&self, except: &TenantId) -> Result<Vec<Offer>> {
        let rows = sqlx::query(
            "SELECT o.id, o.live, t.slug, t.model_shared, v.content \
             FROM model_objects o JOIN tenants t ON t.id = o.tenant_id \
             JOIN model_versions v ON v.object_id = o.id AND v.number = o.live \
             WHERE o.tenant_id <> $1 AND o.kind = $2 AND o.deleted_at IS NULL \
             AND (o.shared = 1 OR t.model_shared = 1) ORDER BY t.slug",
        )
        .bind(&except.0)
        .bind(Guide::KIND)
        .fetch_all(&self.pool)
        .await?;
        let names: HashMap<String, ByLang<String>> = self
            .list_tenants()
            .await?
            .into_iter()
            .map(|t| {
                let name = ByLang {
                    nb: t.text.nb.as_ref().map(|x| x.name.clone()),
                    nn: t.text.nn.as_ref().map(|x| x.name.clone()),
                };
                (t.slug, name)
            })
            .collect();
        let mut offers: Vec<Offer> = Vec::new();
        for row in rows {
            let slug: String = row.try_get("slug")?;
            if offers.last().is_none_or(|o| o.tenant_slug != slug) {
                offers.push(Offer {
                    tenant_name: names.get(&slug).cloned().unwrap_or_default(),
                    tenant_slug: slug.clone(),
                    whole_model: row.try_get::<i64, _>("model_shared")? != 0,
                    items: 0,
                    guides: Vec::new(),
                });
            }
            let guide: Guide =
                crate::versions::parse_content(&row.try_get::<String, _>("content")?)?;
            if let Some(offer) = offers.last_mut() {
                offer.guides.push((row.try_get("id")?, guide));
            }
        }
        // Models offered whole, with no guide published, are offers too.
        let whole: Vec<String> = sqlx::query_scalar(
            "SELECT slug FROM tenants WHERE id <> $1 AND model_shared = 1 ORDER BY slug",
        )
        .bind(&except.0)
        .fetch_all(&self.pool)
        .await?;
        for slug in whole {
            if !offers.iter().any(|o| o.tenant_slug == slug) {
                offers.push(Offer {
                    tenant_name: names.get(&slug).cloned().unwrap_or_default(),
                    tenant_slug: slug,
                    whole_model: true,
                    items: 0,
                    guides: Vec::new(),
                });
            }
        }
        for offer in offers.iter_mut().filter(|o| o.whole_model) {
            let items: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM model_objects o JOIN tenants t ON t.id = o.tenant_id \
                 WHERE t.slug = $1 AND o.kind = $2 AND o.live IS NOT NULL AND o.deleted_at IS NULL",
            )
            .bind(&offer.tenant_slug)
            .bind(Item::KIND)
            .fetch_one(&self.pool)
            .await?;
            offer.items = usize::try_from(items).unwrap_or(0);
        }
        offers.sort_by(|a, b| a.tenant_slug.cmp(&b.tenant_slug));
        Ok(offers)
    }

    /// Copies into `target`, as drafts, what the tenant `source_slug` offers: the guide
    /// `guide` (with the items its steps use that `target` lacks), or with `None` the
    /// whole model. References that would point nowhere in `target` are dropped; a
    /// guide whose slug is taken gets a new one. One transaction, audited in both
    /// tenants; a refused copy is audited too.
    pub async fn copy_shared(
        &self,
        target: &TenantId,
        source_slug: &str,
        guide: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<Copied> {
        let copied = self.copy_offered(target, source_slug, guide, ctx).await?;
        if copied == Copied::NotOffered {
            let asked: String = format!("{source_slug}/{}", guide.unwrap_or("model"))
                .chars()
                .take(120)
                .collect();
            let row = AuditRow {
                ctx: AuditContext {
                    tenant: Some(target.clone()),
                    ..ctx.clone()
                },
                action: AuditAction::ContentCopied,
                target: format!("tenant:{}", target.0),
                outcome: Outcome::Failure,
                details: format!("not offered: {asked}"),
            };
            let mut tx = self.begin_write().await?;
            append_rows(&mut tx, self.secrets(), std::slice::from_ref(&row)).await?;
            tx.commit().await?;
        }
        Ok(copied)
    }

    async fn copy_offered(
        &self,
        target: &TenantId,
        source_slug: &str,
        guide: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<Copied> {
        let Some(source) = self.tenant_by_slug(source_slug).await? else {
            return Ok(Copied::NotOffered);
        };
        if source.id == *target {
            return Ok(Copied::NotOffered);
        }
        let mut tx = self.begin_write().await?;
        let model_shared: i64 =
            sqlx::query_scalar("SELECT model_shared FROM tenants WHERE id = $1")
                .bind(&source.id.0)
                .fetch_one(&mut *tx)
                .await?;
        let guides: Vec<Source<Guide>> = match guide {
            Some(id) => {
                let offered: Option<i64> = sqlx::query_scalar(
                    "SELECT live FROM model_objects WHERE id = $1 AND tenant_id = $2 AND kind = $3 \
                     AND deleted_at IS NULL AND live IS NOT NULL AND (shared = 1 OR $4 = 1)",
                )
                .bind(id)
                .bind(&source.id.0)
                .bind(Guide::KIND)
                .bind(model_shared)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(version) = offered else {
                    tx.rollback().await?;
                    return Ok(Copied::NotOffered);
                };
                let object = load_with_files(&mut tx, &source.id, id, version).await?;
                vec![Source {
                    id: id.to_string(),
                    version,
                    object,
                }]
            }
            None if model_shared == 1 => published(&mut tx, &source.id).await?,
            None => {
                tx.rollback().await?;
                return Ok(Copied::NotOffered);
            }
        };
        // The items to bring: the whole model's, or those the guide's steps use.
        let wanted: Option<BTreeSet<String>> = guide.map(|_| {
            guides
                .iter()
                .flat_map(|g| g.object.steps.iter())
                .flat_map(|s| s.tools.iter().chain(&s.relies_on))
                .cloned()
                .collect()
        });
        let source_items = published_items(&mut tx, &source.id, wanted.as_ref()).await?;
        let existing = Item::ids(&mut tx, target).await?;
        let items: Vec<&Source<Item>> = source_items
            .iter()
            .filter(|i| !existing.contains_key(&i.object.slug))
            .collect();
        let present: BTreeSet<String> = existing
            .keys()
            .cloned()
            .chain(items.iter().map(|i| i.object.slug.clone()))
            .collect();
        let priorities: BTreeSet<String> =
            sqlx::query_scalar("SELECT key FROM priorities WHERE tenant_id = $1")
                .bind(&target.0)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let mut audit = Vec::new();
        let mut copied_items = Vec::new();
        for source_item in &items {
            let mut item = source_item.object.clone();
            item.status = Status::Draft;
            item.owner = item.owner.filter(|o| present.contains(o));
            item.relations.retain(|r| present.contains(&r.to));
            item.priorities.retain(|p| priorities.contains(p));
            let id = uuid::Uuid::new_v4().to_string();
            item.prepare(&mut tx, target, &id, Status::Draft).await?;
            copied_items.push((id, item, *source_item));
        }
        for (id, item, from) in &copied_items {
            copy_version(
                &mut tx,
                target,
                id,
                item,
                &source_slug_of(&source),
                from,
                ctx,
            )
            .await?;
            audit.push((object_target::<Item>(id), item.slug.clone()));
        }
        let mut taken: BTreeSet<String> = Guide::ids(&mut tx, target).await?.into_keys().collect();
        let mut guide_ids = Vec::new();
        for from in &guides {
            let mut copy = from.object.clone();
            copy.status = Status::Draft;
            copy.slug = free_slug(&copy.slug, &taken);
            taken.insert(copy.slug.clone());
            copy.owner = copy.owner.filter(|o| present.contains(o));
            for step in &mut copy.steps {
                step.tools.retain(|s| present.contains(s));
                step.relies_on.retain(|s| present.contains(s));
            }
            let id = uuid::Uuid::new_v4().to_string();
            copy_version(
                &mut tx,
                target,
                &id,
                &copy,
                &source_slug_of(&source),
                from,
                ctx,
            )
            .await?;
            audit.push((object_target::<Guide>(&id), copy.slug.clone()));
            guide_ids.push(id);
        }
        let copies = audit.len();
        let target_ctx = AuditContext {
            tenant: Some(target.clone()),
            ..ctx.clone()
        };
        let mut rows: Vec<AuditRow> = audit
            .into_iter()
            .map(|(target, slug)| AuditRow {
                ctx: target_ctx.clone(),
                action: AuditAction::ContentCopied,
                target,
                outcome: Outcome::Success,
                details: format!("{slug} from {source_slug}"),
            })
            .collect();
        // The offering tenant's log says who took what it shared.
        rows.push(AuditRow {
            ctx: AuditContext {
                tenant: Some(source.id.clone()),
                ..ctx.clone()
            },
            action: AuditAction::ContentCopied,
            target: format!("tenant:{}", target.0),
            outcome: Outcome::Success,
            details: format!("{copies} objects copied to another tenant"),
        });
        append_rows(&mut tx, self.secrets(), &rows).await?;
        tx.commit().await?;
        Ok(Copied::Copied {
            guides: guide_ids,
            items: copied_items.len(),
        })
    }
}

fn source_slug_of(source: &crate::tenants::TenantRecord) -> String {
    source.tenant.slug.clone()
}

/// The tenant's published items, with their files; only those with a slug in `only`
/// if given.
async fn published_items(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    only: Option<&BTreeSet<String>>,
) -> Result<Vec<Source<Item>>> {
    let rows = sqlx::query(
        "SELECT o.id, o.live, i.slug FROM model_objects o JOIN items i ON i.id = o.id \
         WHERE o.tenant_id = $1 AND o.kind = $2 AND o.live IS NOT NULL AND o.deleted_at IS NULL \
         ORDER BY o.id",
    )
    .bind(&tenant.0)
    .bind(Item::KIND)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let slug: String = row.try_get("slug")?;
        if only.is_some_and(|only| !only.contains(&slug)) {
            continue;
        }
        let id: String = row.try_get("id")?;
        let version: i64 = row.try_get("live")?;
        let object = load_with_files(tx, tenant, &id, version).await?;
        out.push(Source {
            id,
            version,
            object,
        });
    }
    Ok(out)
}

/// The tenant's published objects of a kind, as they are published, with their files.
async fn published<T: Versioned>(
    tx: &mut AnyConnection,
    tenant: &TenantId,
) -> Result<Vec<Source<T>>> {
    let rows = sqlx::query(
        "SELECT id, live FROM model_objects WHERE tenant_id = $1 AND kind = $2 \
         AND live IS NOT NULL AND deleted_at IS NULL ORDER BY id",
    )
    .bind(&tenant.0)
    .bind(T::KIND)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let version: i64 = row.try_get("live")?;
        let object = load_with_files(tx, tenant, &id, version).await?;
        out.push(Source {
            id,
            version,
            object,
        });
    }
    Ok(out)
}

/// Records a copy as the first version of a new object in `target`, a draft, with
/// where it came from.
async fn copy_version<T: Versioned>(
    tx: &mut AnyConnection,
    target: &TenantId,
    id: &str,
    object: &T,
    source_slug: &str,
    from: &Source<T>,
    ctx: &AuditContext,
) -> Result<()> {
    record_version(
        tx,
        target,
        id,
        object,
        Change::Copy,
        ctx.actor_id.as_deref(),
        true,
    )
    .await?;
    object.project(tx, target, id, Status::Draft).await?;
    sqlx::query(
        "UPDATE model_objects SET copied_from_tenant = $1, copied_from_object = $2, \
         copied_from_version = $3 WHERE id = $4",
    )
    .bind(source_slug)
    .bind(&from.id)
    .bind(from.version)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

/// `slug`, or `slug-kopi`, `slug-kopi-2`, … if it is taken.
fn free_slug(slug: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(slug) {
        return slug.to_string();
    }
    // Room for the suffix within a slug's 80 characters (slugs are ASCII).
    let slug = slug[..slug.len().min(68)].trim_end_matches('-');
    let mut candidate = format!("{slug}-kopi");
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{slug}-kopi-{n}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_slug_gets_a_copy_suffix() {
        let taken: BTreeSet<String> = ["skole".into(), "skole-kopi".into()].into();
        assert_eq!(free_slug("generell", &taken), "generell");
        assert_eq!(free_slug("skole", &taken), "skole-kopi-2");
    }
}
