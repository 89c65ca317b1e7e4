//! Closing a log: with a reason and a note, it becomes read only, and a complete PDF/A
//! of it is made for the child's file (with its checksum and metadata an archive system
//! can take in, see docs/relay-archive.md). After the municipality's retention period
//! `saman purge` deletes it, leaving only audit rows that name no one.

use super::{Authorised, Change, Closed, LogView, Relay, Requester, now_text, target};
use crate::consent::Consenter;
use crate::content::{self, Problem};
use crate::policy::{LogState, RelayAction};
use crate::seal::{self, place};
use crate::{RelayError, Result};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::evaluation::survey::Respondent;
use saman_store::{AuditContext, append_audit, clock};
use serde::Serialize;
use sqlx::Row;

/// Why a log is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    GoalReached,
    ConcernGone,
    /// Work goes on in an individual plan outside Saman.
    IndividualPlan,
    MovedAway,
    ConsentWithdrawn,
}

impl CloseReason {
    pub const ALL: [CloseReason; 5] = [
        CloseReason::GoalReached,
        CloseReason::ConcernGone,
        CloseReason::IndividualPlan,
        CloseReason::MovedAway,
        CloseReason::ConsentWithdrawn,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CloseReason::GoalReached => "goal-reached",
            CloseReason::ConcernGone => "concern-gone",
            CloseReason::IndividualPlan => "individual-plan",
            CloseReason::MovedAway => "moved-away",
            CloseReason::ConsentWithdrawn => "consent-withdrawn",
        }
    }

    pub fn from_key(key: &str) -> Option<CloseReason> {
        CloseReason::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// What an archive system needs beside the PDF: who it is about, what it is, and how
/// to check it. Made on request from the sealed data; never stored in the clear.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveMeta {
    pub schema: &'static str,
    pub log_id: String,
    pub municipality: String,
    /// `relay` or `plan`.
    pub kind: &'static str,
    pub opened_at: String,
    pub closed_at: String,
    pub close_reason: String,
    pub child: ArchiveChild,
    pub holder: ArchivePerson,
    pub document: ArchiveDocument,
    /// When the log itself is deleted from Saman.
    pub purge_after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArchiveChild {
    pub name: String,
    pub birth_date: String,
    pub identity_number: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArchivePerson {
    pub name: String,
    pub service: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArchiveDocument {
    pub file_name: &'static str,
    pub content_type: &'static str,
    pub conformance: &'static str,
    pub bytes: usize,
    pub sha256: String,
    pub created_at: String,
}

/// Days a draft waits for its first consent before it is deleted.
pub const DRAFT_DAYS: i64 = 90;

/// The archive's file name, the same for every log (it holds no name).
pub const ARCHIVE_FILE_NAME: &str = "stafettlogg.pdf";

/// Who is offered the user survey when the log closes (by their identity numbers'
/// keyed hashes): only those the log was theirs to see. The guardians while they are
/// the ones who consent (once the youth, or a pregnant person, consents for themself,
/// the guardians may not even learn the log existed), and the child from the age they
/// find their log (a pregnant person as an expecting parent).
fn survey_invitees(who: &Requester, log: &super::Loaded) -> Vec<(String, Respondent)> {
    let mut people: Vec<(String, Respondent)> = Vec::new();
    if who.consenter_for(&log.child) == Consenter::Guardians {
        people.extend(
            log.guardians
                .iter()
                .filter(|(_, key)| !key.is_empty())
                .map(|(_, key)| (key.clone(), Respondent::Guardian)),
        );
    }
    let age = crate::age::age_on(log.child.birth_date, clock::today());
    if let Some(child) = &log.child_pid_key {
        if log.child.pregnant {
            people.push((child.clone(), Respondent::Guardian));
        } else if age >= crate::policy::VOICE_AGE {
            people.push((child.clone(), Respondent::Youth));
        }
    }
    people
}

impl Relay {
    /// Closes the log. `render` typesets the complete log (as it stands, closed) as
    /// PDF/A; the file is kept sealed with the log until it is purged.
    pub async fn close(
        &self,
        who: &Requester,
        id: &str,
        reason: &str,
        note: &str,
        render: impl FnOnce(&LogView) -> std::result::Result<Vec<u8>, String>,
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::Close).await?
        else {
            return Ok(Change::NotFound);
        };
        let mut problems = Vec::new();
        let reason = CloseReason::from_key(reason);
        if reason.is_none() {
            problems.push(Problem {
                field: "close-reason",
                message: "relay-problem-close-reason",
            });
        }
        let note = content::required_text(&mut problems, "close-note", note, content::MAX_TEXT);
        let (Some(reason), true) = (reason, problems.is_empty()) else {
            return Ok(Change::Invalid(problems));
        };
        let invitees = survey_invitees(who, &log);
        let now = clock::now();
        let closed = Closed {
            at: clock::to_text(now),
            reason: reason.key().to_string(),
            note: note.clone(),
            purge_after: clock::to_text(
                now + time::Duration::days(i64::from(who.settings.retention_days)),
            ),
        };
        let secrets = self.store.secrets();
        let closed_rows = sqlx::query(
            "UPDATE relay_logs SET state = 'closed', closed_at = $1, close_reason = $2, closing_note = $3, \
             purge_after = $4, revision = revision + 1, updated_at = $1 WHERE id = $5 AND state <> 'closed'",
        )
        .bind(&closed.at)
        .bind(&closed.reason)
        .bind(seal::seal(secrets, &place(id, "closing-note"), &note))
        .bind(&closed.purge_after)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if closed_rows == 0 {
            return Ok(Change::Conflict);
        }
        // The archive holds everything, whoever closes it: it goes to the child's file.
        // It is made after the log's row is locked, so nothing written meanwhile is
        // left out.
        let entries = self.entries(&mut tx, id).await?;
        let mut view = self.view(who, log, entries, basis.clone(), super::Scope::All)?;
        view.state = LogState::Closed;
        view.closed = Some(closed.clone());
        let pdf = render(&view).map_err(RelayError::Archive)?;
        // Nothing waits on a closed log.
        sqlx::query(
            "UPDATE relay_consents SET status = 'declined' WHERE log_id = $1 AND status = 'requested'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE relay_handovers SET outcome = 'withdrawn', answered_at = $1 WHERE log_id = $2 AND outcome IS NULL",
        )
        .bind(&closed.at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        saman_store::offer_user_survey(&mut tx, who.tenant.as_str(), &invitees, clock::today())
            .await?;
        let file_id = uuid::Uuid::new_v4().to_string();
        let sha256 = saman_domain::auth::secret::sha256_hex(&pdf);
        sqlx::query(
            "INSERT INTO relay_files (id, log_id, tenant_id, purpose, name, content, content_type, sha256, created_at) \
             VALUES ($1, $2, $3, 'archive', $4, $5, 'application/pdf', $6, $7)",
        )
        .bind(&file_id)
        .bind(id)
        .bind(who.tenant.as_str())
        .bind(seal::seal(secrets, &place(id, &format!("file/{file_id}/name")), ARCHIVE_FILE_NAME))
        .bind(seal::seal(
            secrets,
            &place(id, &format!("file/{file_id}/content")),
            &super::base64_of(&pdf),
        ))
        .bind(&sha256)
        .bind(&closed.at)
        .execute(&mut *tx)
        .await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayClosed,
            id,
            &format!("reason={};sha256={sha256}", reason.key()),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// The archive of a closed log and its metadata, for those who read it.
    pub async fn archive(
        &self,
        who: &Requester,
        id: &str,
        municipality: &str,
    ) -> Result<Option<(Vec<u8>, ArchiveMeta)>> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::Read).await?
        else {
            return Ok(None);
        };
        let Some(closed) = log.closed.clone() else {
            return Ok(None);
        };
        let Some(row) = sqlx::query(
            "SELECT id, content, sha256, created_at FROM relay_files WHERE log_id = $1 AND purpose = 'archive'",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let file_id: String = row.try_get("id")?;
        let content = seal::open(
            self.store.secrets(),
            &place(id, &format!("file/{file_id}/content")),
            &row.try_get::<String, _>("content")?,
        )?;
        let pdf = super::bytes_of_base64(&content)?;
        let sha256: String = row.try_get("sha256")?;
        if saman_domain::auth::secret::sha256_hex(&pdf) != sha256 {
            return Err(RelayError::Corrupt(format!(
                "the archive of {id} does not match its checksum"
            )));
        }
        let holder = ArchivePerson {
            name: super::account_name(&self.store, &mut tx, &log.holder_id).await?,
            service: log.holder_service.clone(),
        };
        let meta = ArchiveMeta {
            schema: "saman-relay-archive/1",
            log_id: log.id.clone(),
            municipality: municipality.to_string(),
            kind: log.kind.key(),
            opened_at: log.created_at.clone(),
            closed_at: closed.at,
            close_reason: closed.reason,
            child: ArchiveChild {
                name: log.child.name.clone(),
                birth_date: content::date_text(log.child.birth_date),
                identity_number: log.child.pid.clone(),
            },
            holder,
            document: ArchiveDocument {
                file_name: ARCHIVE_FILE_NAME,
                content_type: "application/pdf",
                conformance: "PDF/A-2b",
                bytes: pdf.len(),
                sha256,
                created_at: row.try_get("created_at")?,
            },
            purge_after: closed.purge_after,
        };
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayFileRead,
            id,
            "file=archive",
        )
        .await?;
        tx.commit().await?;
        Ok(Some((pdf, meta)))
    }

    /// Deletes every closed log whose retention period has ended, with everything it
    /// holds, and audits each deletion by the log's id alone; on SQLite, the database's
    /// log file is then emptied of what was deleted. Returns how many.
    pub async fn purge_due(&self) -> Result<usize> {
        // Closed logs after their retention period, and drafts never consented to after
        // DRAFT_DAYS: a child's data is not kept for a log that never began.
        let draft_cutoff = clock::to_text(clock::now() - time::Duration::days(DRAFT_DAYS));
        let due: Vec<(String, String)> = sqlx::query_as(
            "SELECT l.id, t.slug FROM relay_logs l JOIN tenants t ON t.id = l.tenant_id \
             WHERE (l.state = 'closed' AND l.purge_after <= $1) \
             OR (l.state = 'draft' AND l.updated_at <= $2)",
        )
        .bind(now_text())
        .bind(&draft_cutoff)
        .fetch_all(self.store.pool())
        .await?;
        let mut purged = 0;
        let mut failed = None;
        for (id, slug) in &due {
            match self.purge_one(id, slug).await {
                Ok(()) => purged += 1,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // SQLite's log file would keep the deleted pages' old images (sealed values that
        // still open with the key in use) until later writes overwrite them: emptied for
        // what was purged, even when a later log failed.
        if purged > 0 {
            self.store.empty_journal().await?;
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(purged),
        }
    }

    /// Deletes one log with everything it holds, keeping its facts, in one transaction.
    async fn purge_one(&self, id: &str, slug: &str) -> Result<()> {
        let tenant = self
            .store
            .tenant_by_slug(slug)
            .await?
            .ok_or_else(|| RelayError::Corrupt(format!("the tenant of log {id}")))?;
        let mut tx = self.store.begin_write().await?;
        super::figures::keep_facts(&mut tx, tenant.id.as_str(), id).await?;
        for table in [
            "relay_files",
            "relay_entries",
            "relay_handovers",
            "relay_consents",
            "relay_participants",
            "relay_guardians",
            "relay_notifications",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE log_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM relay_logs WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let ctx = AuditContext {
            tenant: Some(tenant.id.clone()),
            actor_id: None,
            actor_role: Some("system".into()),
            address: "local".into(),
        };
        append_audit(
            &mut tx,
            self.store.secrets(),
            &ctx,
            AuditAction::RelayPurged,
            &target(id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        tracing::info!(log = %id, "purged a relay log after its retention period");
        Ok(())
    }
}
