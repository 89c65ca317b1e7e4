//! How often each search was made per month, and how often it found nothing, with
//! nothing that says who searched (see `0012_search_counts.sql`).

use crate::tenants::TenantId;
use crate::{Result, Store};
use sqlx::Row;

/// A search's counts in a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCount {
    pub query: String,
    pub searches: i64,
    pub without_results: i64,
}

impl Store {
    /// Adds counts, each `(tenant, month, query, searches, without results)`, in one
    /// transaction.
    pub async fn add_search_counts(
        &self,
        counts: &[(TenantId, String, String, i64, i64)],
    ) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (tenant, month, query, searches, without) in counts {
            sqlx::query(
                "INSERT INTO search_counts (tenant_id, month, query, searches, without_results) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, month, query) DO UPDATE SET \
                 searches = search_counts.searches + excluded.searches, \
                 without_results = search_counts.without_results + excluded.without_results",
            )
            .bind(&tenant.0)
            .bind(month)
            .bind(query)
            .bind(searches)
            .bind(without)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A tenant's searches in a month (`YYYY-MM`), most made first.
    pub async fn search_counts(&self, tenant: &TenantId, month: &str) -> Result<Vec<SearchCount>> {
        let rows = sqlx::query(
            "SELECT query, searches, without_results FROM search_counts \
             WHERE tenant_id = $1 AND month = $2 ORDER BY searches DESC, query LIMIT 500",
        )
        .bind(&tenant.0)
        .bind(month)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(SearchCount {
                    query: row.try_get("query")?,
                    searches: row.try_get("searches")?,
                    without_results: row.try_get("without_results")?,
                })
            })
            .collect()
    }

    /// All searches, and those that found nothing, in the months `from` to `to` (both
    /// `YYYY-MM`, inclusive).
    pub async fn search_totals(
        &self,
        tenant: &TenantId,
        from: &str,
        to: &str,
    ) -> Result<(i64, i64)> {
        let (searches, empty): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT CAST(SUM(searches) AS BIGINT), CAST(SUM(without_results) AS BIGINT) FROM search_counts \
             WHERE tenant_id = $1 AND month >= $2 AND month <= $3",
        )
        .bind(&tenant.0)
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        Ok((searches.unwrap_or(0), empty.unwrap_or(0)))
    }

    /// The months a tenant has counts for, newest first.
    pub async fn search_months(&self, tenant: &TenantId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT month FROM search_counts WHERE tenant_id = $1 ORDER BY month DESC",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?)
    }
}
