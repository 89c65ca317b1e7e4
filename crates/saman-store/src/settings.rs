//! A tenant's settings and own pages (names, levels, priorities, logo, colour, contact,
//! "about the model", the accessibility statement, the relay log's rules) as one
//! versioned object, whose id is the tenant's.

use crate::model::now;
use crate::tenants::TenantId;
use crate::versions::Versioned;
use crate::{Result, StoreError};
use saman_domain::*;
use sqlx::AnyConnection;
use std::collections::HashMap;

impl Versioned for Tenant {
    const KIND: &'static str = "settings";
    const ALWAYS_LIVE: bool = true;

    fn slug(&self) -> &str {
        &self.slug
    }

    /// A tenant's settings are always in force; an edit waits as a draft until published.
    fn status(&self) -> Status {
        Status::Published
    }

    fn set_status(&mut self, _status: Status) {}

    fn review_date(&self) -> Option<time::Date> {
        None
    }

    fn set_review_date(&mut self, _date: Option<time::Date>) {}

    fn files_mut(&mut self) -> Vec<&mut FileContent> {
        self.logo.iter_mut().collect()
    }

    /// The tenant itself, by its slug.
    async fn ids(tx: &mut AnyConnection, tenant: &TenantId) -> Result<HashMap<String, String>> {
        let slug: String = sqlx::query_scalar("SELECT slug FROM tenants WHERE id = $1")
            .bind(&tenant.0)
            .fetch_one(tx)
            .await?;
        Ok(HashMap::from([(slug, tenant.0.clone())]))
    }

    async fn project(
        &self,
        tx: &mut AnyConnection,
        tenant: &TenantId,
        _id: &str,
        _status: Status,
    ) -> Result<()> {
        write_tenant(tx, tenant, self, false).await
    }

    async fn unproject(_tx: &mut AnyConnection, _tenant: &TenantId, _id: &str) -> Result<()> {
        Err(StoreError::Unsupported(
            "a tenant's settings are not deleted",
        ))
    }

    /// Everything the tenant has depends on its settings.
    async fn users_of(
        _tx: &mut AnyConnection,
        _tenant: &TenantId,
        _id: &str,
        _slug: &str,
    ) -> Result<Vec<String>> {
        Ok(vec!["tenant".into()])
    }
}

pub(crate) async fn write_tenant(
    tx: &mut AnyConnection,
    id: &TenantId,
    tenant: &Tenant,
    is_new: bool,
) -> Result<()> {
    let now = now();
    let sql = if is_new {
        "INSERT INTO tenants (id, slug, default_lang, municipality_numbers, primary_colour, contact_email, \
         logo_file_name, logo, model_version, created_at, updated_at, child_welfare_slug, \
         child_welfare_out_of_hours_slug, relay_youth_consent_age, relay_retention_days, relay_privacy_slug, \
         a11y_date, a11y_statement_url, search_synonyms, evaluation_threshold, evaluation_public) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    } else {
        "UPDATE tenants SET slug = $2, default_lang = $3, municipality_numbers = $4, primary_colour = $5, \
         contact_email = $6, logo_file_name = $7, logo = $8, updated_at = $9, \
         child_welfare_slug = $10, child_welfare_out_of_hours_slug = $11, \
         relay_youth_consent_age = $12, relay_retention_days = $13, relay_privacy_slug = $14, \
         a11y_date = $15, a11y_statement_url = $16, search_synonyms = $17, \
         evaluation_threshold = $18, evaluation_public = $19 WHERE id = $1"
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
        .bind(
            serde_json::to_string(&tenant.search_synonyms)
                .map_err(|e| StoreError::Corrupt(format!("search_synonyms: {e}")))?,
        )
        .bind(i64::from(tenant.evaluation.threshold))
        .bind(
            serde_json::to_string(&tenant.evaluation.public_figures)
                .map_err(|e| StoreError::Corrupt(format!("evaluation_public: {e}")))?,
        )
        .execute(&mut *tx)
        .await?;

    for table in ["tenant_texts", "tenant_about", "priorities"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1"))
            .bind(&id.0)
            .execute(&mut *tx)
            .await?;
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
            .execute(&mut *tx)
            .await?;
        }
        if let Some(about) = tenant.about.get(lang) {
            sqlx::query("INSERT INTO tenant_about (tenant_id, lang, body) VALUES ($1, $2, $3)")
                .bind(&id.0)
                .bind(lang.code())
                .bind(about)
                .execute(&mut *tx)
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
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
