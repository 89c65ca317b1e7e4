//! Tenants: looked up by slug, the only way to get a [`TenantId`].

use crate::model::parse_lang;
use crate::{Result, Store, StoreError};
use saman_domain::{ByLang, Lang, LevelNames, Priority, Tenant, TenantText};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A tenant's internal id. Only the store makes these, from a tenant it found, so a
/// repository call always names a tenant that exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantId(pub(crate) String);

impl TenantId {
    /// The id as text, to compare with a role's tenant.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tenant as the site needs it: its id and its settings and texts. The logo's bytes
/// are not loaded; see [`Store::tenant_logo`].
#[derive(Debug, Clone)]
pub struct TenantRecord {
    pub id: TenantId,
    pub tenant: Tenant,
    pub has_logo: bool,
}

/// A line of the platform's list of tenants.
#[derive(Debug, Clone)]
pub struct TenantSummary {
    pub slug: String,
    pub default_lang: Lang,
    pub municipality_numbers: Vec<String>,
    pub text: ByLang<TenantText>,
}

impl TenantSummary {
    pub fn name(&self, lang: Lang) -> &str {
        self.text.pick(lang).map_or(&self.slug, |p| &p.value.name)
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

impl Store {
    /// All tenants, by slug.
    pub async fn list_tenants(&self) -> Result<Vec<TenantSummary>> {
        let rows = sqlx::query(
            "SELECT id, slug, default_lang, municipality_numbers FROM tenants ORDER BY slug",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tenants = Vec::with_capacity(rows.len());
        for row in rows {
            let id = TenantId(row.try_get("id")?);
            tenants.push(TenantSummary {
                slug: row.try_get("slug")?,
                default_lang: parse_lang(&row.try_get::<String, _>("default_lang")?)?,
                municipality_numbers: split_list(
                    &row.try_get::<String, _>("municipality_numbers")?,
                ),
                text: self.tenant_texts(&id).await?,
            });
        }
        tenants.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(tenants)
    }

    /// The tenant with this slug, if there is one.
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<TenantRecord>> {
        let Some(row) = sqlx::query(
            "SELECT id, slug, default_lang, municipality_numbers, primary_colour, contact_email, \
             child_welfare_slug, child_welfare_out_of_hours_slug, logo_file_name, \
             relay_youth_consent_age, relay_retention_days, relay_privacy_slug, a11y_date, a11y_statement_url, \
             search_synonyms, evaluation_threshold, evaluation_public FROM tenants WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id = TenantId(row.try_get("id")?);
        let has_logo = row
            .try_get::<Option<String>, _>("logo_file_name")?
            .is_some();
        let tenant = Tenant {
            slug: row.try_get("slug")?,
            default_lang: parse_lang(&row.try_get::<String, _>("default_lang")?)?,
            municipality_numbers: split_list(&row.try_get::<String, _>("municipality_numbers")?),
            primary_colour: row.try_get("primary_colour")?,
            logo: None,
            contact_email: row.try_get("contact_email")?,
            child_welfare: row.try_get("child_welfare_slug")?,
            child_welfare_out_of_hours: row.try_get("child_welfare_out_of_hours_slug")?,
            relay: saman_domain::model::RelaySettings {
                youth_consent_age: u8::try_from(row.try_get::<i64, _>("relay_youth_consent_age")?)
                    .map_err(|_| StoreError::Corrupt("relay_youth_consent_age".into()))?,
                retention_days: u32::try_from(row.try_get::<i64, _>("relay_retention_days")?)
                    .map_err(|_| StoreError::Corrupt("relay_retention_days".into()))?,
                privacy_page: row.try_get("relay_privacy_slug")?,
            },
            accessibility: saman_domain::model::Accessibility {
                date: row
                    .try_get::<Option<String>, _>("a11y_date")?
                    .as_deref()
                    .map(crate::model::parse_date)
                    .transpose()?,
                statement_url: row.try_get("a11y_statement_url")?,
            },
            search_synonyms: serde_json::from_str(&row.try_get::<String, _>("search_synonyms")?)
                .map_err(|e| StoreError::Corrupt(format!("search_synonyms: {e}")))?,
            evaluation: saman_domain::model::EvaluationSettings {
                threshold: u32::try_from(row.try_get::<i64, _>("evaluation_threshold")?)
                    .map_err(|_| StoreError::Corrupt("evaluation_threshold".into()))?,
                public_figures: serde_json::from_str(
                    &row.try_get::<String, _>("evaluation_public")?,
                )
                .map_err(|e| StoreError::Corrupt(format!("evaluation_public: {e}")))?,
            },
            text: self.tenant_texts(&id).await?,
            priorities: self.priorities(&id).await?,
            about: self.tenant_about(&id).await?,
        };
        Ok(Some(TenantRecord {
            id,
            tenant,
            has_logo,
        }))
    }

    /// The tenant's logo: file name and bytes.
    pub async fn tenant_logo(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<saman_domain::FileContent>> {
        let row = sqlx::query("SELECT logo_file_name, logo FROM tenants WHERE id = $1")
            .bind(&tenant.0)
            .fetch_one(&self.pool)
            .await?;
        let name: Option<String> = row.try_get("logo_file_name")?;
        let bytes: Option<Vec<u8>> = row.try_get("logo")?;
        Ok(name
            .zip(bytes)
            .map(|(file_name, bytes)| saman_domain::FileContent { file_name, bytes }))
    }

    async fn tenant_texts(&self, tenant: &TenantId) -> Result<ByLang<TenantText>> {
        let rows = sqlx::query(
            "SELECT lang, name, model_name, intro, level_municipality, level_service, level_individual, \
             a11y_shortcomings FROM tenant_texts WHERE tenant_id = $1",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        let mut texts = ByLang::default();
        for row in rows {
            texts.set(
                parse_lang(&row.try_get::<String, _>("lang")?)?,
                tenant_text(&row)?,
            );
        }
        Ok(texts)
    }

    async fn tenant_about(&self, tenant: &TenantId) -> Result<ByLang<String>> {
        let rows = sqlx::query("SELECT lang, body FROM tenant_about WHERE tenant_id = $1")
            .bind(&tenant.0)
            .fetch_all(&self.pool)
            .await?;
        let mut about = ByLang::default();
        for row in rows {
            about.set(
                parse_lang(&row.try_get::<String, _>("lang")?)?,
                row.try_get("body")?,
            );
        }
        Ok(about)
    }

    async fn priorities(&self, tenant: &TenantId) -> Result<Vec<Priority>> {
        let rows = sqlx::query(
            "SELECT key, label_nb, label_nn FROM priorities WHERE tenant_id = $1 ORDER BY position",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Priority {
                    key: row.try_get("key")?,
                    label: ByLang {
                        nb: row.try_get("label_nb")?,
                        nn: row.try_get("label_nn")?,
                    },
                })
            })
            .collect()
    }
}

fn tenant_text(row: &AnyRow) -> Result<TenantText> {
    let level = |col: &str| row.try_get::<Option<String>, _>(col);
    let levels = match (
        level("level_municipality")?,
        level("level_service")?,
        level("level_individual")?,
    ) {
        (Some(municipality), Some(service), Some(individual)) => Some(LevelNames {
            municipality,
            service,
            individual,
        }),
        (None, None, None) => None,
        _ => return Err(StoreError::Corrupt("level names are partly set".into())),
    };
    Ok(TenantText {
        name: row.try_get("name")?,
        model_name: row.try_get("model_name")?,
        intro: row.try_get("intro")?,
        levels,
        accessibility_shortcomings: row.try_get("a11y_shortcomings")?,
    })
}

impl Store {
    /// The slug of the tenant with this id (from a stored login flow).
    pub async fn tenant_slug(&self, id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT slug FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }
}
