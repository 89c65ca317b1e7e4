//! The server's scheduled jobs. However many instances share the database, each run
//! happens once: an instance claims the run for its period first (`Store::claim_job`),
//! and the instance that claims it does it. The outbox's sender needs no claim: it
//! claims each mail (see [`crate::mailer`]).

use saman_store::Store;
use std::time::Duration;

/// The daily work: reminders of consents ending and evaluations overdue, deletion of
/// relay logs past their retention, of old survey invitations and of old claims.
pub const DAILY: &str = "daily";
/// Review reminders to the owners of items and guides, daily.
pub const REVIEW_REMINDERS: &str = "review-reminders";
/// Relay log notification mail (a link only), every minute.
pub const RELAY_NOTIFICATIONS: &str = "relay-notifications";

/// A claim older than this whose instance has not finished is taken over: that
/// instance died (daily jobs) or is stuck.
const DAILY_STALE: time::Duration = time::Duration::hours(1);
const MINUTE_STALE: time::Duration = time::Duration::minutes(5);

/// Claims are kept this long, then forgotten.
const KEEP_CLAIMS: time::Duration = time::Duration::days(30);

/// Whether a job ran here, or was another instance's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    Done,
    Elsewhere,
}

/// Runs `work` if this instance claims `job` for `period`, and marks it finished when
/// it succeeded (a failed run may be tried again by any instance once stale).
async fn once<F>(
    store: &Store,
    job: &str,
    period: &str,
    stale: time::Duration,
    work: F,
) -> anyhow::Result<Run>
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    if !store.claim_job(job, period, stale).await? {
        return Ok(Run::Elsewhere);
    }
    work.await?;
    store.finish_job(job, period).await?;
    Ok(Run::Done)
}

/// Today's daily work, unless another instance has done it.
pub async fn daily(store: &Store) -> anyhow::Result<Run> {
    let today = saman_store::clock::today();
    once(store, DAILY, &today.to_string(), DAILY_STALE, async {
        let relay = saman_relay::Relay::new(store.clone());
        relay.daily_reminders().await?;
        let purged = relay.purge_due().await;
        // Also what a `saman purge` beside this server deleted, if it could not empty
        // SQLite's log file itself (readers kept it from that).
        store.empty_journal().await?;
        let purged = purged?;
        if purged > 0 {
            tracing::info!(purged, "purged relay logs after their retention period");
        }
        store.purge_survey_invitations(today).await?;
        store
            .forget_job_runs(saman_store::clock::now() - KEEP_CLAIMS)
            .await?;
        Ok(())
    })
    .await
}

/// Today's review reminders, unless another instance has sent them.
pub async fn review_reminders(store: &Store, base_url: &str) -> anyhow::Result<Run> {
    let today = saman_store::clock::today();
    once(
        store,
        REVIEW_REMINDERS,
        &today.to_string(),
        DAILY_STALE,
        async {
            let tenants = store.list_tenants().await?;
            let compose = |reminder: &saman_store::ReviewReminder| {
                let name = tenants
                    .iter()
                    .find(|t| t.slug == reminder.tenant_slug)
                    .map_or(reminder.tenant_slug.as_str(), |t| t.name(reminder.language));
                saman_web::review_reminder_mail(reminder, base_url, name)
            };
            let sent = store.send_review_reminders(today, compose).await?;
            if sent > 0 {
                tracing::info!(sent, "review reminders queued");
            }
            Ok(())
        },
    )
    .await
}

/// This minute's relay log notification mail, unless another instance has queued it.
pub async fn relay_notifications(store: &Store, base_url: &str) -> anyhow::Result<Run> {
    let now = saman_store::clock::now();
    let minute = format!("{}T{:02}:{:02}", now.date(), now.hour(), now.minute());
    once(store, RELAY_NOTIFICATIONS, &minute, MINUTE_STALE, async {
        let tenants = store.list_tenants().await?;
        let compose = |pending: &saman_relay::storage::notifications::PendingMail| {
            let name = tenants
                .iter()
                .find(|t| t.slug == pending.tenant_slug)
                .map_or(pending.tenant_slug.as_str(), |t| t.name(pending.language));
            saman_web::relay_notification_mail(pending, base_url, name)
        };
        saman_relay::Relay::new(store.clone())
            .mail_notifications(compose)
            .await?;
        Ok(())
    })
    .await
}

/// Runs the jobs until the process stops: the daily ones are tried every hour (first a
/// minute after start, so that a start is not slowed), so that each day has its run
/// even when instances restart; notifications every minute.
pub fn spawn_all(store: Store, base_url: String) {
    let (daily_store, daily_base) = (store.clone(), base_url.clone());
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(60),
            Duration::from_secs(60 * 60),
        );
        loop {
            every_hour.tick().await;
            if let Err(e) = daily(&daily_store).await {
                tracing::error!("the daily jobs failed: {e}");
            }
            if let Err(e) = review_reminders(&daily_store, &daily_base).await {
                tracing::error!("review reminders failed: {e}");
            }
        }
    });
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            if let Err(e) = relay_notifications(&store, &base_url).await {
                tracing::error!("mailing relay notifications failed: {e}");
            }
        }
    });
}
