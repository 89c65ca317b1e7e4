//! The outbox's sender: takes due mail from the outbox, sends it over SMTP, and marks
//! it sent, or failed with a time to try again. Several instances may run it at once:
//! the outbox's claim makes sure each mail is taken by one.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use saman_store::{OutboxMail, Store};
use std::time::Duration;

/// How many mails one round takes, and how long a claim holds.
const BATCH: i64 = 20;
const CLAIM: time::Duration = time::Duration::minutes(2);

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp://host:port` (plain, for a relay on the local network), `smtp://…?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:465` (TLS).
    pub fn new(smtp_url: &str, from: &str) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail_from: {e}"))?;
        Ok(Mailer { transport, from })
    }

    /// Sends every due mail once; returns how many were sent and how many failed.
    pub async fn send_due(&self, store: &Store) -> anyhow::Result<(usize, usize)> {
        let (mut sent, mut failed) = (0, 0);
        for mail in store.claim_due_mail(BATCH, CLAIM).await? {
            match self.send(&mail).await {
                Ok(()) => {
                    store.mark_mail_sent(&mail.id).await?;
                    sent += 1;
                }
                Err(e) => {
                    // The error names the server's answer; the recipient is not logged.
                    tracing::warn!(mail = mail.id, attempts = mail.attempts + 1, error = %e, "sending mail failed; will retry");
                    store.mark_mail_failed(&mail.id, &e.to_string()).await?;
                    failed += 1;
                }
            }
        }
        Ok((sent, failed))
    }

    async fn send(&self, mail: &OutboxMail) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mail.mail.to.parse()?)
            .subject(mail.mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.mail.text.clone(),
                mail.mail.html.clone(),
            ))?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// Sends due mail every few seconds until the process stops.
pub async fn run(store: Store, mailer: Mailer) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = mailer.send_due(&store).await {
            tracing::error!(error = %e, "the outbox could not be read");
        }
    }
}
