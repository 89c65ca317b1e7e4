//! What people should know about the logs they take part in: a new entry, a baton
//! waiting for them, a consent to answer, ending or ended, an evaluation overdue. Each
//! is a row naming a kind and a log (never anything about the child), shown on the
//! person's start page until they open the log, and mailed with a link only, at once
//! or in a daily digest as the person chooses.

use super::{Loaded, Relay, Requester, now_text};
use crate::Result;
use crate::consent::ConsentState;
use saman_domain::Lang;
use saman_store::{Mail, clock};
use sqlx::{AnyConnection, Row};

/// The kinds of notification.
pub const KINDS: [&str; 6] = [
    "entry",
    "handover",
    "consent-requested",
    "consent-expiring",
    "consent-expired",
    "evaluation-overdue",
];

/// A notification on someone's start page.
#[derive(Debug, Clone)]
pub struct Notification {
    pub log_id: String,
    pub kind: String,
    pub created_at: String,
}

/// Mail to send one person about their notifications in one tenant.
#[derive(Debug, Clone)]
pub struct PendingMail {
    pub email: String,
    pub language: Lang,
    pub tenant_slug: String,
    pub count: usize,
}

/// The accounts of a log's guardians (those who have logged in, found by the keyed
/// hash of their identity number).
async fn guardian_accounts(conn: &mut AnyConnection, log_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT a.id FROM relay_guardians g JOIN accounts a ON a.pid = g.pid_key \
         WHERE g.log_id = $1 AND g.pid_key <> ''",
    )
    .bind(log_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Records a notification for each of `accounts` (once per person, log, kind and day).
pub(super) async fn notify(
    conn: &mut AnyConnection,
    tenant_id: &str,
    accounts: &[String],
    log_id: &str,
    kind: &str,
) -> Result<()> {
    let day = crate::content::date_text(clock::today());
    for account in accounts {
        sqlx::query(
            "INSERT INTO relay_notifications (id, tenant_id, account_id, log_id, kind, day, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant_id)
        .bind(account)
        .bind(log_id)
        .bind(kind)
        .bind(&day)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Relay {
    /// Everyone taking part in the log, and its guardians, except `who`: those told of
    /// a new entry.
    pub(super) async fn notify_taking_part(
        &self,
        conn: &mut AnyConnection,
        who: &Requester,
        log: &Loaded,
        kind: &str,
    ) -> Result<()> {
        // Only those who may read it now: participants whose service the consent still
        // names, and the guardians while they are the ones who consent.
        let given = log.given();
        let today = clock::today();
        let mut accounts: Vec<String> = std::iter::once(log.holder_id.clone())
            .chain(log.coordinator_id.clone())
            .chain(
                log.participants
                    .iter()
                    .filter(|p| crate::consent::service_may_take_part(&given, &p.service, today))
                    .map(|p| p.account_id.clone()),
            )
            .collect();
        if who.consenter_for(&log.child) == crate::consent::Consenter::Guardians {
            accounts.extend(guardian_accounts(conn, &log.id).await?);
        }
        accounts.retain(|a| *a != who.account_id);
        accounts.sort();
        accounts.dedup();
        notify(conn, who.tenant.as_str(), &accounts, &log.id, kind).await
    }

    /// Those who give the log's consent (its guardians, or the youth), told that a
    /// consent waits for them.
    pub(super) async fn notify_consenters(
        &self,
        conn: &mut AnyConnection,
        who: &Requester,
        log_id: &str,
        child_pid_key: Option<&str>,
        consenter: crate::consent::Consenter,
    ) -> Result<()> {
        let accounts = match consenter {
            crate::consent::Consenter::Guardians => guardian_accounts(conn, log_id).await?,
            _ => match child_pid_key {
                Some(key) => {
                    sqlx::query_scalar("SELECT id FROM accounts WHERE pid = $1")
                        .bind(key)
                        .fetch_all(&mut *conn)
                        .await?
                }
                None => Vec::new(),
            },
        };
        notify(
            conn,
            who.tenant.as_str(),
            &accounts,
            log_id,
            "consent-requested",
        )
        .await
    }

    /// This person's notifications in the tenant not yet seen (opening the log sees
    /// them), newest first.
    pub async fn notifications(&self, who: &Requester) -> Result<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT log_id, kind, created_at FROM relay_notifications \
             WHERE tenant_id = $1 AND account_id = $2 AND seen_at IS NULL \
             ORDER BY created_at DESC LIMIT 50",
        )
        .bind(who.tenant.as_str())
        .bind(&who.account_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Notification {
                    log_id: r.try_get("log_id")?,
                    kind: r.try_get("kind")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Marks what this person was told about a log as seen.
    pub(super) async fn mark_seen(
        &self,
        conn: &mut AnyConnection,
        who: &Requester,
        log_id: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE relay_notifications SET seen_at = $1 \
             WHERE account_id = $2 AND log_id = $3 AND seen_at IS NULL",
        )
        .bind(now_text())
        .bind(&who.account_id)
        .bind(log_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The daily reminders: consents ending within the reminder window or ended (to
    /// the holder and those who consent), and evaluations overdue (to the holder).
    /// Returns how many were recorded.
    pub async fn daily_reminders(&self) -> Result<usize> {
        let today = clock::today();
        let mut conn = self.store.pool().acquire().await?;
        let mut count = 0;
        let consents = sqlx::query(
            "SELECT c.log_id, l.tenant_id, l.holder_id, l.child_pid_key, c.consenter, c.ends_on \
             FROM relay_consents c JOIN relay_logs l ON l.id = c.log_id \
             WHERE l.state = 'active' AND c.status = 'given' AND c.withdrawn_on IS NULL \
             AND c.ends_on IS NOT NULL AND c.version = (SELECT MAX(version) FROM relay_consents \
             WHERE log_id = c.log_id AND status = 'given')",
        )
        .fetch_all(&mut *conn)
        .await?;
        for row in consents {
            let log_id: String = row.try_get("log_id")?;
            let tenant_id: String = row.try_get("tenant_id")?;
            let Some(ends_on) = crate::content::parse_date(&row.try_get::<String, _>("ends_on")?)
            else {
                continue;
            };
            let consent = crate::consent::Consent {
                version: 0,
                consenter: crate::consent::Consenter::Guardians,
                services: Default::default(),
                covers: String::new(),
                given: crate::consent::Given::Digitally,
                given_on: today,
                ends_on: Some(ends_on),
                withdrawn_on: None,
            };
            let kind = match consent.state(today) {
                ConsentState::EndsSoon { .. } => "consent-expiring",
                ConsentState::Expired => "consent-expired",
                _ => continue,
            };
            let mut accounts = vec![row.try_get::<String, _>("holder_id")?];
            if row.try_get::<String, _>("consenter")? == "guardians" {
                accounts.extend(guardian_accounts(&mut conn, &log_id).await?);
            } else if let Some(key) = row.try_get::<Option<String>, _>("child_pid_key")? {
                accounts.extend(
                    sqlx::query_scalar::<_, String>("SELECT id FROM accounts WHERE pid = $1")
                        .bind(key)
                        .fetch_all(&mut *conn)
                        .await?,
                );
            }
            if kind == "consent-expired" {
                // Told once, not every day until it is renewed.
                let told: Vec<String> = sqlx::query_scalar(
                    "SELECT account_id FROM relay_notifications WHERE log_id = $1 AND kind = 'consent-expired'",
                )
                .bind(&log_id)
                .fetch_all(&mut *conn)
                .await?;
                accounts.retain(|a| !told.contains(a));
            }
            notify(&mut conn, &tenant_id, &accounts, &log_id, kind).await?;
            count += accounts.len();
        }
        let overdue = sqlx::query(
            "SELECT DISTINCT l.id, l.tenant_id, l.holder_id FROM relay_entries m \
             JOIN relay_logs l ON l.id = m.log_id WHERE l.state = 'active' AND m.kind = 'measure' \
             AND m.due_on < $1 AND NOT EXISTS (SELECT 1 FROM relay_entries e \
             WHERE e.parent_id = m.id AND e.kind = 'evaluation')",
        )
        .bind(crate::content::date_text(today))
        .fetch_all(&mut *conn)
        .await?;
        for row in overdue {
            let holder: String = row.try_get("holder_id")?;
            notify(
                &mut conn,
                &row.try_get::<String, _>("tenant_id")?,
                &[holder],
                &row.try_get::<String, _>("id")?,
                "evaluation-overdue",
            )
            .await?;
            count += 1;
        }
        Ok(count)
    }

    /// Mails the notifications not yet mailed, one mail per person and tenant: at once
    /// for most, once a day for those who chose a digest. `compose` writes the mail
    /// (a link, no personal data); it goes to the outbox in the transaction that marks
    /// the notifications mailed. Returns how many mails.
    pub async fn mail_notifications(
        &self,
        compose: impl Fn(&PendingMail) -> Mail,
    ) -> Result<usize> {
        let day_ago = clock::to_text(clock::now() - time::Duration::days(1));
        let mut tx = self.store.begin_write().await?;
        let due = sqlx::query(
            "SELECT n.account_id, n.tenant_id, a.email, a.language, t.slug, COUNT(*) AS count \
             FROM relay_notifications n JOIN accounts a ON a.id = n.account_id \
             JOIN tenants t ON t.id = n.tenant_id \
             WHERE n.mailed_at IS NULL AND n.seen_at IS NULL AND a.email IS NOT NULL AND a.active = 1 \
             AND (a.relay_digest = 0 OR NOT EXISTS (SELECT 1 FROM relay_notifications d \
             WHERE d.account_id = n.account_id AND d.mailed_at > $1)) \
             GROUP BY n.account_id, n.tenant_id, a.email, a.language, t.slug",
        )
        .bind(&day_ago)
        .fetch_all(&mut *tx)
        .await?;
        let now = now_text();
        let mut mailed = 0;
        for row in &due {
            let account: String = row.try_get("account_id")?;
            let tenant_id: String = row.try_get("tenant_id")?;
            let pending = PendingMail {
                email: row.try_get("email")?,
                language: row
                    .try_get::<String, _>("language")?
                    .parse()
                    .unwrap_or(Lang::Nb),
                tenant_slug: row.try_get("slug")?,
                count: usize::try_from(row.try_get::<i64, _>("count")?).unwrap_or(1),
            };
            // Marked first: a run on another instance that got here first has
            // marked them (PostgreSQL waits for it, then finds none), and no mail goes twice.
            let marked = sqlx::query(
                "UPDATE relay_notifications SET mailed_at = $1 WHERE account_id = $2 \
                 AND tenant_id = $3 AND mailed_at IS NULL AND seen_at IS NULL",
            )
            .bind(&now)
            .bind(&account)
            .bind(&tenant_id)
            .execute(&mut *tx)
            .await?;
            if marked.rows_affected() == 0 {
                continue;
            }
            let tenant = self.store.tenant_by_slug(&pending.tenant_slug).await?;
            saman_store::enqueue_mail_in(
                &mut tx,
                tenant.as_ref().map(|t| &t.id),
                &compose(&pending),
            )
            .await?;
            mailed += 1;
        }
        tx.commit().await?;
        Ok(mailed)
    }

    /// Whether this person wants their notifications in a daily digest.
    pub async fn digest(&self, account_id: &str) -> Result<bool> {
        let digest: Option<i64> =
            sqlx::query_scalar("SELECT relay_digest FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(self.store.pool())
                .await?;
        Ok(digest == Some(1))
    }

    pub async fn set_digest(&self, account_id: &str, digest: bool) -> Result<()> {
        sqlx::query("UPDATE accounts SET relay_digest = $1 WHERE id = $2")
            .bind(i64::from(digest))
            .bind(account_id)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }
}
