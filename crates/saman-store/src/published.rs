//! The published model of a tenant, as the public site reads it on every request.
//!
//! Reading a whole model takes several queries, so each instance keeps the last copy it
//! read per tenant. Every call still asks the database for the tenant's model version
//! (raised by every import), so an import shows at once on every instance, and the
//! database stays the only state.

use crate::tenants::TenantRecord;
use crate::{Model, Result, Store, Visibility};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A tenant with its published model.
#[derive(Debug)]
pub struct Published {
    pub record: TenantRecord,
    pub model: Model,
}

#[derive(Default)]
pub(crate) struct PublishedCache(Mutex<HashMap<String, (i64, Arc<Published>)>>);

impl std::fmt::Debug for PublishedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublishedCache")
    }
}

impl PublishedCache {
    fn get(&self, slug: &str, version: i64) -> Option<Arc<Published>> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.get(slug)
            .filter(|(v, _)| *v == version)
            .map(|(_, p)| p.clone())
    }

    fn put(&self, slug: &str, version: i64, published: Arc<Published>) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.insert(slug.to_string(), (version, published));
    }
}

impl Store {
    /// Makes every instance read the tenant's published model again at its next
    /// request (and so build its search index again). Whether the tenant exists.
    pub async fn refresh_published(&self, slug: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE tenants SET model_version = model_version + 1 WHERE slug = $1")
                .bind(slug)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The tenant with this slug and its published model, if the tenant exists.
    pub async fn published(&self, slug: &str) -> Result<Option<Arc<Published>>> {
        let Some(row) = sqlx::query("SELECT model_version FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let version: i64 = row.try_get("model_version")?;
        if let Some(hit) = self.cache.get(slug, version) {
            return Ok(Some(hit));
        }
        // Read after the version: if an import lands in between, the copy is newer
        // than its version says, and the next call reads it again.
        let Some(record) = self.tenant_by_slug(slug).await? else {
            return Ok(None);
        };
        let model = self.model(&record.id, Visibility::Published, false).await?;
        let published = Arc::new(Published { record, model });
        self.cache.put(slug, version, published.clone());
        Ok(Some(published))
    }
}
