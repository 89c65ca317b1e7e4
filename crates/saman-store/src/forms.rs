//! A tenant's own wording of the fillable forms as versioned objects (kind "form", slug
//! the form's key): the table the site reads them from.

use crate::model::{Visibility, parse_status};
use crate::tenants::TenantId;
use crate::versions::Versioned;
use crate::{Result, Store, StoreError};
use saman_domain::*;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

impl Versioned for FormWording {
    const KIND: &'static str = "form";

    fn slug(&self) -> &str {
        &self.form
    }

    fn status(&self) -> Status {
        self.status
    }

    fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    /// A form's wording follows the form, which Saman keeps.
    fn review_date(&self) -> Option<time::Date> {
        None
    }

    fn set_review_date(&mut self, _date: Option<time::Date>) {}

    async fn ids(tx: &mut AnyConnection, tenant: &TenantId) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT id, form_key FROM form_wordings WHERE tenant_id = $1")
            .bind(&tenant.0)
            .fetch_all(tx)
            .await?;
        rows.into_iter()
            .map(|row| Ok((row.try_get("form_key")?, row.try_get("id")?)))
            .collect()
    }

    async fn project(
        &self,
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        status: Status,
    ) -> Result<()> {
        let texts = serde_json::to_string(&self.text)
            .map_err(|e| StoreError::Corrupt(format!("form wording as JSON: {e}")))?;
        sqlx::query(
            "INSERT INTO form_wordings (id, tenant_id, form_key, status, texts) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET form_key = excluded.form_key, status = excluded.status, \
             texts = excluded.texts",
        )
        .bind(id)
        .bind(&tenant.0)
        .bind(&self.form)
        .bind(status.key())
        .bind(texts)
        .execute(tx)
        .await?;
        Ok(())
    }

    async fn unproject(tx: &mut AnyConnection, tenant: &TenantId, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM form_wordings WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(&tenant.0)
            .execute(tx)
            .await?;
        Ok(())
    }

    /// Without its wording a form uses Saman's: nothing breaks.
    async fn users_of(
        _tx: &mut AnyConnection,
        _tenant: &TenantId,
        _id: &str,
        _slug: &str,
    ) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

impl Store {
    /// The tenant's wordings of forms, sorted by form.
    pub(crate) async fn form_wordings(
        &self,
        tenant: &TenantId,
        visibility: Visibility,
    ) -> Result<Vec<FormWording>> {
        let rows =
            sqlx::query("SELECT form_key, status, texts FROM form_wordings WHERE tenant_id = $1")
                .bind(&tenant.0)
                .fetch_all(&self.pool)
                .await?;
        let mut wordings = Vec::new();
        for row in rows {
            let status = parse_status(&row.try_get::<String, _>("status")?)?;
            if visibility == Visibility::Published && status != Status::Published {
                continue;
            }
            let texts: String = row.try_get("texts")?;
            wordings.push(FormWording {
                form: row.try_get("form_key")?,
                status,
                text: serde_json::from_str(&texts)
                    .map_err(|e| StoreError::Corrupt(format!("form wording: {e}")))?,
            });
        }
        wordings.sort_by(|a, b| a.form.cmp(&b.form));
        Ok(wordings)
    }
}
