//! Mail waiting to be sent. A mail is written in the transaction of the event it is
//! about, so nothing is announced that did not happen and nothing that happened goes
//! unannounced; a sender claims due mail, sends it and marks it sent, retrying with
//! backoff, so an SMTP outage loses nothing and several instances send each mail once.

use crate::audit::begin;
use crate::clock;
use crate::tenants::TenantId;
use crate::{Result, Store};
use sqlx::Row;
use time::Duration;

/// A mail to send: plain text, and the same as simple HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: String,
    pub mail: Mail,
    pub attempts: i64,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

/// Wait before the next attempt: 30 s, 1, 2, 4 … minutes, at most an hour.
pub fn backoff(attempts: i64) -> Duration {
    let seconds = 30i64.saturating_mul(1 << attempts.clamp(0, 7));
    Duration::seconds(seconds.min(3600))
}

/// Puts a mail in the outbox, in the caller's transaction (the relay log's
/// notifications call this as they are mailed).
pub async fn enqueue(
    tx: &mut sqlx::AnyConnection,
    tenant: Option<&TenantId>,
    mail: &Mail,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = clock::to_text(clock::now());
    sqlx::query(
        "INSERT INTO outbox (id, tenant_id, recipient, subject, body_text, body_html, created_at, \
         attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $7)",
    )
    .bind(&id)
    .bind(tenant.map_or("", |t| t.0.as_str()))
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

fn outbox_mail(row: &sqlx::any::AnyRow) -> Result<OutboxMail> {
    Ok(OutboxMail {
        id: row.try_get("id")?,
        mail: Mail {
            to: row.try_get("recipient")?,
            subject: row.try_get("subject")?,
            text: row.try_get("body_text")?,
            html: row.try_get("body_html")?,
        },
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
        last_error: row.try_get("last_error")?,
    })
}

const COLUMNS: &str =
    "id, recipient, subject, body_text, body_html, attempts, created_at, sent_at, last_error";

impl Store {
    /// Adds a mail on its own (when there is no other change to make with it).
    pub async fn enqueue_mail(&self, tenant: Option<&TenantId>, mail: &Mail) -> Result<String> {
        let mut tx = begin(self).await?;
        let id = enqueue(&mut tx, tenant, mail).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` due mails for `lock_for`: no other sender takes them
    /// meanwhile. The claim re-checks each row, so two instances never claim one mail.
    pub async fn claim_due_mail(&self, limit: i64, lock_for: Duration) -> Result<Vec<OutboxMail>> {
        let now = clock::now();
        let (now_text, until) = (clock::to_text(now), clock::to_text(now + lock_for));
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
             AND (locked_until IS NULL OR locked_until < $1) ORDER BY created_at LIMIT $2",
        )
        .bind(&now_text)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for id in due {
            let row = sqlx::query(&format!(
                "UPDATE outbox SET locked_until = $1 WHERE id = $2 AND sent_at IS NULL \
                 AND (locked_until IS NULL OR locked_until < $3) RETURNING {COLUMNS}"
            ))
            .bind(&until)
            .bind(&id)
            .bind(&now_text)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                claimed.push(outbox_mail(&row)?);
            }
        }
        Ok(claimed)
    }

    /// Marks a mail sent and forgets its text: it may hold a live one-time link, which
    /// has no business lying in the database once delivered.
    pub async fn mark_mail_sent(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET sent_at = $1, locked_until = NULL, last_error = NULL, body_text = '', \
             body_html = '' WHERE id = $2",
        )
        .bind(clock::to_text(clock::now()))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again. The error is the SMTP server's
    /// answer, which names no person.
    pub async fn mark_mail_failed(&self, id: &str, error: &str) -> Result<()> {
        let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        let next = clock::now() + backoff(attempts);
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, locked_until = NULL, \
             last_error = $2 WHERE id = $3",
        )
        .bind(clock::to_text(next))
        .bind(error.chars().take(500).collect::<String>())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest mails, sent or not (for the demo's mail view and for operators).
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMail>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM outbox ORDER BY created_at DESC, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_mail).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_and_stops_at_an_hour() {
        assert_eq!(backoff(0).whole_seconds(), 30);
        assert_eq!(backoff(1).whole_seconds(), 60);
        assert_eq!(backoff(3).whole_seconds(), 240);
        assert_eq!(backoff(20).whole_seconds(), 3600);
    }
}
