//! Timeline entries as versioned objects: the tables the site reads them from.

use crate::Result;
use crate::tenants::TenantId;
use crate::versions::Versioned;
use saman_domain::*;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

impl Versioned for TimelineEntry {
    const KIND: &'static str = "timeline";

    fn slug(&self) -> &str {
        &self.slug
    }

    fn status(&self) -> Status {
        self.status
    }

    fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    /// News is not reviewed: it tells what happened when.
    fn review_date(&self) -> Option<time::Date> {
        None
    }

    fn set_review_date(&mut self, _date: Option<time::Date>) {}

    async fn ids(tx: &mut AnyConnection, tenant: &TenantId) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT id, slug FROM timeline_entries WHERE tenant_id = $1")
            .bind(&tenant.0)
            .fetch_all(tx)
            .await?;
        rows.into_iter()
            .map(|row| Ok((row.try_get("slug")?, row.try_get("id")?)))
            .collect()
    }

    async fn project(
        &self,
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        status: Status,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO timeline_entries (id, tenant_id, slug, entry_date, status) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, entry_date = excluded.entry_date, \
             status = excluded.status",
        )
        .bind(id)
        .bind(&tenant.0)
        .bind(&self.slug)
        .bind(format_iso_date(self.date))
        .bind(status.key())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM timeline_texts WHERE entry_id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(&tenant.0)
            .execute(&mut *tx)
            .await?;
        for lang in Lang::ALL {
            let Some(text) = self.text.get(lang) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO timeline_texts (entry_id, tenant_id, lang, title, body) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&tenant.0)
            .bind(lang.code())
            .bind(&text.title)
            .bind(&text.body)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    async fn unproject(tx: &mut AnyConnection, tenant: &TenantId, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM timeline_entries WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(&tenant.0)
            .execute(tx)
            .await?;
        Ok(())
    }

    /// Nothing in the model points to a timeline entry.
    async fn users_of(
        _tx: &mut AnyConnection,
        _tenant: &TenantId,
        _id: &str,
        _slug: &str,
    ) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}
