//! The published model of a tenant, as the public site reads it on every request.
//!
//! Reading a whole model takes several queries, so each instance keeps the last copy it
//! read of the tenants it served most recently, keyed by the tenant's model version
//! (raised by every publish and import). Which version is current is itself kept in memory ([`ModelVersions`]):
//! a watcher reads every tenant's version in one query four times a second, and this
//! instance's own model writes mark it stale at once, so a public page costs no
//! database round trip, a change on another instance shows within a second, and one
//! here shows at the next request. The database stays the only state.

use crate::recently_used::RecentlyUsed;
use crate::tenants::TenantRecord;
use crate::{Model, Result, Store, Visibility};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

/// How often the watcher reads every tenant's model version.
pub const MODEL_VERSION_POLL: Duration = Duration::from_millis(250);

/// What this instance knows of versions is trusted for this long after the last read
/// that succeeded; past it (a slow or failing database), every request asks.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// Every tenant's model version as this instance last read it. Versions only grow in
/// the database, so what is known only grows too: a read that finishes late cannot
/// put an older version back.
pub(crate) struct ModelVersions {
    /// Whether a watcher keeps `known` current; without one, every read asks the database.
    watched: AtomicBool,
    /// Raised by this instance's own model writes; `seen` is its value when the last
    /// successful read began. While it is behind, the next request reads again.
    changes: AtomicU64,
    seen: AtomicU64,
    /// When the last successful read began, in milliseconds since `epoch`.
    read_at: AtomicU64,
    epoch: std::time::Instant,
    known: RwLock<HashMap<String, i64>>,
    /// Raised whenever any tenant's version, or the set of tenants, changes.
    generation: AtomicU64,
}

impl Default for ModelVersions {
    fn default() -> Self {
        ModelVersions {
            watched: AtomicBool::new(false),
            changes: AtomicU64::new(0),
            seen: AtomicU64::new(0),
            read_at: AtomicU64::new(0),
            epoch: std::time::Instant::now(),
            known: RwLock::default(),
            generation: AtomicU64::new(0),
        }
    }
}

impl ModelVersions {
    fn get(&self, slug: &str) -> Option<i64> {
        let known = self.known.read().unwrap_or_else(|p| p.into_inner());
        known.get(slug).copied()
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether what is known may be used without asking the database.
    fn trusted(&self) -> bool {
        self.watched.load(Ordering::Acquire)
            && self.changes.load(Ordering::Acquire) == self.seen.load(Ordering::Acquire)
            && self
                .millis()
                .saturating_sub(self.read_at.load(Ordering::Acquire))
                <= TRUSTED_FOR.as_millis() as u64
    }

    /// Reads every tenant's version and takes what grew. A tenant no longer there is
    /// forgotten. Marks the read's start as seen, on success only.
    async fn read(&self, pool: &sqlx::AnyPool) -> Result<()> {
        let (changes, started) = (self.changes.load(Ordering::Acquire), self.millis());
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT slug, model_version FROM tenants")
            .fetch_all(pool)
            .await?;
        let fresh: HashMap<String, i64> = rows.into_iter().collect();
        {
            let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
            let mut changed = known.len() != fresh.len();
            known.retain(|slug, _| fresh.contains_key(slug));
            for (slug, version) in fresh {
                changed |= raise(&mut known, slug, version);
            }
            if changed {
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
        }
        self.seen.fetch_max(changes, Ordering::AcqRel);
        self.read_at.fetch_max(started, Ordering::AcqRel);
        Ok(())
    }

    fn note(&self, slug: &str, version: i64) {
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        if raise(&mut known, slug.to_string(), version) {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Takes `version` for `slug` if it is newer than what is known: whether it was.
fn raise(known: &mut HashMap<String, i64>, slug: String, version: i64) -> bool {
    let entry = known.entry(slug).or_insert(i64::MIN);
    let newer = version > *entry;
    if newer {
        *entry = version;
    }
    newer
}

impl std::fmt::Debug for ModelVersions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ModelVersions")
    }
}

/// A tenant with its published model.
#[derive(Debug)]
pub struct Published {
    pub record: TenantRecord,
    pub model: Model,
}

/// How many tenants' published models an instance keeps; the least recently used goes
/// first. Public pages mostly come from the page cache, which needs no model; a model
/// read again costs a few queries.
const KEPT_MODELS: usize = 32;

/// The published models this instance keeps, each with the version it was read at.
pub(crate) struct PublishedCache(Mutex<RecentlyUsed<(i64, Arc<Published>)>>);

impl Default for PublishedCache {
    fn default() -> Self {
        PublishedCache(Mutex::new(RecentlyUsed::new(KEPT_MODELS)))
    }
}

impl std::fmt::Debug for PublishedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublishedCache")
    }
}

impl PublishedCache {
    fn get(&self, slug: &str, version: i64) -> Option<Arc<Published>> {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.get(slug)
            .filter(|(v, _)| *v == version)
            .map(|(_, p)| p.clone())
    }

    fn put(&self, slug: &str, version: i64, published: Arc<Published>) {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.insert(slug, (version, published));
    }
}

impl Store {
    /// Keeps this store's knowledge of every tenant's model version current, from now
    /// until every copy of the store is dropped or its pool closed: what lets
    /// [`Store::model_version`] and [`Store::published`] answer from memory. Until its
    /// first read succeeds (it retries), every request asks the database.
    pub fn watch_model_versions(&self) {
        let versions: Weak<ModelVersions> = Arc::downgrade(&self.versions);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(MODEL_VERSION_POLL);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(versions) = versions.upgrade() else {
                    return;
                };
                if pool.is_closed() {
                    return;
                }
                let read = tokio::time::timeout(TRUSTED_FOR, versions.read(&pool)).await;
                match read {
                    Ok(Ok(())) => versions.watched.store(true, Ordering::Release),
                    Ok(Err(e)) => tracing::warn!(error = %e, "could not read the model versions"),
                    Err(_) => tracing::warn!("reading the model versions took over a second"),
                }
            }
        });
    }

    /// Marks what this instance knows of model versions stale, after a write of its own
    /// that raised one: the next read asks the database.
    pub fn model_changed(&self) {
        self.versions.changes.fetch_add(1, Ordering::AcqRel);
    }

    /// The tenant's current model version, if the tenant exists: from memory while
    /// watched and fresh, else from the database.
    pub async fn model_version(&self, slug: &str) -> Result<Option<i64>> {
        if self.versions.watched.load(Ordering::Acquire) {
            if !self.versions.trusted() {
                self.versions.read(&self.pool).await?;
            }
            if let Some(version) = self.versions.get(slug) {
                return Ok(Some(version));
            }
        }
        // Unknown here: a tenant made since the last read, or none at all.
        let Some(row) = sqlx::query("SELECT model_version FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let version: i64 = row.try_get("model_version")?;
        self.versions.note(slug, version);
        Ok(Some(version))
    }

    /// A number that changes whenever any tenant's model version, or the set of
    /// tenants, does (for pages that show every tenant).
    pub async fn models_generation(&self) -> Result<u64> {
        if !self.versions.trusted() {
            self.versions.read(&self.pool).await?;
        }
        Ok(self.versions.generation.load(Ordering::Acquire))
    }

    /// Makes every instance read the tenant's published model again at its next
    /// request (and so build its search index again). Whether the tenant exists.
    pub async fn refresh_published(&self, slug: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE tenants SET model_version = model_version + 1 WHERE slug = $1")
                .bind(slug)
                .execute(&self.pool)
                .await?;
        self.model_changed();
        Ok(done.rows_affected() > 0)
    }

    /// The tenant with this slug and its published model, if the tenant exists.
    pub async fn published(&self, slug: &str) -> Result<Option<Arc<Published>>> {
        let Some(version) = self.model_version(slug).await? else {
            return Ok(None);
        };
        if let Some(hit) = self.cache.get(slug, version) {
            return Ok(Some(hit));
        }
        // Read after the version: if a publish lands in between, the copy is newer
        // than its version says, and the next change reads it again.
        let Some(record) = self.tenant_by_slug(slug).await? else {
            return Ok(None);
        };
        let model = self.model(&record.id, Visibility::Published, false).await?;
        let published = Arc::new(Published { record, model });
        self.cache.put(slug, version, published.clone());
        Ok(Some(published))
    }
}

#[cfg(test)]
mod tests {
    use super::ModelVersions;

    #[test]
    fn a_known_version_never_goes_back() {
        let versions = ModelVersions::default();
        versions.note("fjordvik", 5);
        versions.note("fjordvik", 4);
        assert_eq!(versions.get("fjordvik"), Some(5));
        versions.note("fjordvik", 6);
        assert_eq!(versions.get("fjordvik"), Some(6));
    }

    #[test]
    fn nothing_is_trusted_until_watched_and_after_a_local_write() {
        let versions = ModelVersions::default();
        assert!(!versions.trusted());
        versions
            .watched
            .store(true, std::sync::atomic::Ordering::Release);
        versions
            .read_at
            .store(versions.millis(), std::sync::atomic::Ordering::Release);
        assert!(versions.trusted());
        versions
            .changes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        assert!(!versions.trusted(), "a local write asks the database again");
    }
}
