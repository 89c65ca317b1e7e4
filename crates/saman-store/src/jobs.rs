//! Scheduled jobs (reminders, purge, notification mail) that must run once however
//! many instances share the database: each run is claimed for its period (a day, a
//! minute) by inserting a row the primary key keeps single. A claim whose instance died
//! before finishing may be taken over once it is older than the job allows.

use crate::{Result, Store, clock};
use time::Duration;

impl Store {
    /// Claims the run of `job` for `period` for this instance. False if another
    /// instance has it (or had it and finished), or started it less than `stale_after`
    /// ago.
    pub async fn claim_job(&self, job: &str, period: &str, stale_after: Duration) -> Result<bool> {
        let now = clock::now();
        let inserted = sqlx::query(
            "INSERT INTO job_runs (job, period, instance, started_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job, period) DO NOTHING",
        )
        .bind(job)
        .bind(period)
        .bind(self.instance())
        .bind(clock::to_text(now))
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(true);
        }
        let taken_over = sqlx::query(
            "UPDATE job_runs SET instance = $3, started_at = $4 \
             WHERE job = $1 AND period = $2 AND finished_at IS NULL AND started_at < $5",
        )
        .bind(job)
        .bind(period)
        .bind(self.instance())
        .bind(clock::to_text(now))
        .bind(clock::to_text(now - stale_after))
        .execute(&self.pool)
        .await?;
        Ok(taken_over.rows_affected() == 1)
    }

    /// Marks this instance's run of `job` for `period` done.
    pub async fn finish_job(&self, job: &str, period: &str) -> Result<()> {
        sqlx::query(
            "UPDATE job_runs SET finished_at = $3 WHERE job = $1 AND period = $2 AND instance = $4",
        )
        .bind(job)
        .bind(period)
        .bind(clock::to_text(clock::now()))
        .bind(self.instance())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets runs started before `before` (they only keep jobs from running twice).
    pub async fn forget_job_runs(&self, before: time::OffsetDateTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM job_runs WHERE started_at < $1")
            .bind(clock::to_text(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
