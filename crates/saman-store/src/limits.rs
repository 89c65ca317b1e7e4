//! Rate limits shared by every instance: attempts are rows in the database, counted per
//! key (an address, a hashed e-mail address, an account) over a window.

use crate::clock;
use crate::{Result, Store};
use time::Duration;

impl Store {
    /// Records an attempt under `key`, and forgets this key's attempts older than a day.
    pub async fn record_attempt(&self, key: &str) -> Result<()> {
        let now = clock::now();
        sqlx::query("INSERT INTO login_attempts (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(clock::to_text(now))
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM login_attempts WHERE key = $1 AND at < $2")
            .bind(key)
            .bind(clock::to_text(now - Duration::days(1)))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many attempts were recorded under `key` within `window`.
    pub async fn attempts_within(&self, key: &str, window: Duration) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE key = $1 AND at > $2")
                .bind(key)
                .bind(clock::to_text(clock::now() - window))
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
