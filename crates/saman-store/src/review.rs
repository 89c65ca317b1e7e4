//! Keeping the model true: confirming an item still correct moves its review date on
//! (a version of its own), and items whose review falls due are mailed to their owners.

use crate::audit::AuditContext;
use crate::outbox::{Mail, enqueue};
use crate::tenants::TenantId;
use crate::versions::{
    Change, FilesFrom, Save, Versioned, audit, file_bytes, insert_version, load_version, lock_head,
    make_live, store_files, with_bytes,
};
use crate::{Result, Store};
use saman_domain::audit::AuditAction;
use saman_domain::*;
use sqlx::Row;
use std::collections::BTreeMap;
use time::Date;

/// A reminder to one person of the items of one tenant that are due for review.
#[derive(Debug, Clone)]
pub struct ReviewReminder {
    pub tenant_slug: String,
    pub email: String,
    pub language: Lang,
    /// Titles (in the person's language where there is one) and review dates.
    pub items: Vec<(String, Date)>,
}

impl Store {
    /// Records that an object is still correct: a new version with the review date moved
    /// to `next`, live at once if its newest version was live. Only if the newest
    /// version is `expected` (the one the person saw); returns false otherwise.
    pub async fn confirm_review<T: Versioned>(
        &self,
        tenant: &TenantId,
        id: &str,
        expected: i64,
        next: Date,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(head) = lock_head::<T>(&mut tx, tenant, id).await? else {
            return Ok(false);
        };
        if head != expected {
            return Ok(false);
        }
        let live: Option<i64> = sqlx::query_scalar("SELECT live FROM model_objects WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let (mut object, _) = load_version::<T>(&mut tx, tenant, id, head).await?;
        object.set_review_date(Some(next));
        let number = head + 1;
        sqlx::query("UPDATE model_objects SET head = $1 WHERE id = $2")
            .bind(number)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let files = store_files(&mut tx, tenant, id, &mut object, FilesFrom::Version(head)).await?;
        let save = Save {
            base: Some(head),
            change: Change::Review,
            restored_from: None,
            comment: None,
        };
        insert_version(&mut tx, tenant, id, number, &object, &files, &save, ctx).await?;
        let bytes = file_bytes(&mut tx, tenant, &files).await?;
        with_bytes(&mut object, &bytes);
        match live {
            Some(live) if live == head => {
                make_live(
                    &mut tx,
                    tenant,
                    id,
                    number,
                    &object,
                    ctx.actor_id.as_deref(),
                )
                .await?;
            }
            // A draft of a published item stays a draft; the public page keeps its date
            // until the draft is published.
            Some(_) => {}
            None => object.project(&mut tx, tenant, id, Status::Draft).await?,
        }
        let details = format!("{} v{number} {}", object.slug(), format_iso_date(next));
        audit::<T>(
            &mut tx,
            self,
            ctx,
            tenant,
            AuditAction::ContentReviewed,
            id,
            &details,
        )
        .await?;
        tx.commit().await?;
        self.model_changed();
        Ok(true)
    }

    /// Finds the items and guides whose review date has come (on or before `today`) and that have
    /// not been reminded of for that date, marks them reminded, and puts one mail per
    /// person in the outbox, made by `compose`: to the leaders of the owning service, or
    /// the tenant's editors when it has none (or the item has no owner). Runs once per
    /// item and date however many instances run it. Returns the mails queued.
    pub async fn send_review_reminders(
        &self,
        today: Date,
        compose: impl Fn(&ReviewReminder) -> Mail,
    ) -> Result<usize> {
        // Items and guides alike: their rows in the site's tables hold the date.
        let due = sqlx::query(
            "SELECT i.id, i.tenant_id, t.slug AS tenant_slug, i.slug, i.owner_slug, i.review_date, o.kind \
             FROM (SELECT id, tenant_id, slug, owner_slug, review_date FROM items \
                   UNION ALL SELECT id, tenant_id, slug, owner_slug, review_date FROM guides) i \
             JOIN tenants t ON t.id = i.tenant_id JOIN model_objects o ON o.id = i.id \
             WHERE i.review_date IS NOT NULL AND i.review_date <= $1 AND o.deleted_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM review_reminders r WHERE r.object_id = i.id \
             AND r.review_date = i.review_date) ORDER BY i.tenant_id, i.review_date",
        )
        .bind(format_iso_date(today))
        .fetch_all(&self.pool)
        .await?;
        let mut sent = 0;
        let mut by_tenant: BTreeMap<String, Vec<sqlx::any::AnyRow>> = BTreeMap::new();
        for row in due {
            by_tenant
                .entry(row.try_get("tenant_id")?)
                .or_default()
                .push(row);
        }
        for (tenant_id, rows) in by_tenant {
            let tenant = TenantId(tenant_id);
            let mut tx = self.begin_write().await?;
            // (email, language) → items
            let mut mails: BTreeMap<(String, String), Vec<(String, Date)>> = BTreeMap::new();
            let mut tenant_slug = String::new();
            for row in rows {
                let id: String = row.try_get("id")?;
                let date_text: String = row.try_get("review_date")?;
                tenant_slug = row.try_get("tenant_slug")?;
                let Some(date) = parse_iso_date(&date_text) else {
                    continue;
                };
                let claimed = sqlx::query(
                    "INSERT INTO review_reminders (object_id, tenant_id, review_date, sent_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (object_id, review_date) DO NOTHING",
                )
                .bind(&id)
                .bind(&tenant.0)
                .bind(&date_text)
                .bind(crate::model::now())
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() == 0 {
                    continue;
                }
                let owner: Option<String> = row.try_get("owner_slug")?;
                for (email, language) in owners(&mut tx, &tenant, owner.as_deref()).await? {
                    let kind: String = row.try_get("kind")?;
                    let sql = if kind == Guide::KIND {
                        "SELECT title FROM guide_texts WHERE guide_id = $1 \
                         ORDER BY CASE WHEN lang = $2 THEN 0 ELSE 1 END LIMIT 1"
                    } else {
                        "SELECT title FROM item_texts WHERE item_id = $1 \
                         ORDER BY CASE WHEN lang = $2 THEN 0 ELSE 1 END LIMIT 1"
                    };
                    let title: Option<String> = sqlx::query_scalar(sql)
                        .bind(&id)
                        .bind(&language)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let title = title.unwrap_or_else(|| row.try_get("slug").unwrap_or_default());
                    mails
                        .entry((email, language))
                        .or_default()
                        .push((title, date));
                }
            }
            for ((email, language), items) in mails {
                let reminder = ReviewReminder {
                    tenant_slug: tenant_slug.clone(),
                    email,
                    language: language.parse().unwrap_or(Lang::Nb),
                    items,
                };
                enqueue(&mut tx, Some(&tenant), &compose(&reminder)).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}

/// Who is reminded of an item's review: the active leaders of its owning service, or
/// else the tenant's active editors. (email, language) each.
async fn owners(
    tx: &mut sqlx::AnyConnection,
    tenant: &TenantId,
    owner: Option<&str>,
) -> Result<Vec<(String, String)>> {
    let people = |sql: &'static str| {
        sqlx::query(sql)
            .bind(tenant.0.clone())
            .bind(owner.unwrap_or("").to_string())
    };
    let leaders = people(
        "SELECT DISTINCT a.email, a.language FROM accounts a \
         JOIN account_roles r ON r.account_id = a.id AND r.role = 'service-leader' \
         JOIN account_services s ON s.account_id = a.id AND s.tenant_id = r.tenant_id \
         WHERE r.tenant_id = $1 AND s.service_slug = $2 AND a.active = 1 AND a.email IS NOT NULL",
    )
    .fetch_all(&mut *tx)
    .await?;
    let rows = if leaders.is_empty() {
        people(
            "SELECT DISTINCT a.email, a.language FROM accounts a \
             JOIN account_roles r ON r.account_id = a.id AND r.role = 'editor' \
             WHERE r.tenant_id = $1 AND $2 = $2 AND a.active = 1 AND a.email IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?
    } else {
        leaders
    };
    rows.iter()
        .map(|r| Ok((r.try_get("email")?, r.try_get("language")?)))
        .collect()
}
