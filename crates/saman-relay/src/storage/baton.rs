//! The baton: handing the log to a named successor, who must accept it (the holder
//! keeps it until then), and moving the log to an individual plan with a child
//! coordinator, keeping all its history.

use super::{
    Authorised, Change, Handover, Loaded, Relay, Requester, account_name, invalid, now_text, touch,
};
use crate::Result;
use crate::content::Content;
use crate::policy::RelayAction;
use saman_domain::audit::AuditAction;
use sqlx::AnyConnection;

/// A handover is flagged on "my logs" when it has waited this many days.
pub const HANDOVER_WAITS_TOO_LONG_DAYS: i64 = 7;

impl Relay {
    /// The holder names a successor in a service the consent covers. A handover to a
    /// service not covered needs a new consent first.
    pub async fn request_handover(&self, who: &Requester, id: &str, email: &str) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::Manage).await?
        else {
            return Ok(Change::NotFound);
        };
        // Managing is the coordinator's too, but only the holder hands over the baton.
        if log.holder_id != who.account_id {
            tx.rollback().await?;
            self.deny(who, id, RelayAction::Manage).await?;
            return Ok(Change::NotFound);
        }
        let (successor, service) = match self.covered_staff(&mut tx, who, &log, email).await? {
            Ok(found) => found,
            Err("relay-problem-participant-service") => {
                return Ok(invalid("handover-email", "relay-problem-handover-consent"));
            }
            Err(message) => return Ok(invalid("handover-email", message)),
        };
        if successor == log.holder_id {
            return Ok(invalid("handover-email", "relay-problem-handover-self"));
        }
        // A new handover replaces one still waiting.
        sqlx::query(
            "UPDATE relay_handovers SET outcome = 'withdrawn', answered_at = $1 \
             WHERE log_id = $2 AND outcome IS NULL",
        )
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO relay_handovers (id, log_id, tenant_id, from_id, to_id, to_service, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(id)
        .bind(who.tenant.as_str())
        .bind(&who.account_id)
        .bind(&successor)
        .bind(&service)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        touch(&mut tx, id).await?;
        super::notifications::notify(
            &mut tx,
            who.tenant.as_str(),
            std::slice::from_ref(&successor),
            id,
            "handover",
        )
        .await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayHandoverRequested,
            id,
            &format!("to={successor};to-service={service}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// The successor accepts (and holds the baton from now on; the former holder goes
    /// on taking part, writing) or declines (the holder keeps it).
    pub async fn answer_handover(&self, who: &Requester, id: &str, accept: bool) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::AnswerHandover).await?
        else {
            return Ok(Change::NotFound);
        };
        let Some(handover) = log.handover.clone() else {
            return Ok(Change::Conflict);
        };
        let answered = sqlx::query(
            "UPDATE relay_handovers SET outcome = $1, answered_at = $2 WHERE id = $3 AND outcome IS NULL",
        )
        .bind(if accept { "accepted" } else { "declined" })
        .bind(now_text())
        .bind(&handover.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if answered == 0 {
            return Ok(Change::Conflict);
        }
        if accept {
            self.pass_baton(&mut tx, who, &log, &handover, &basis)
                .await?;
        } else {
            touch(&mut tx, id).await?;
        }
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayHandoverAnswered,
            id,
            if accept {
                "answer=accepted"
            } else {
                "answer=declined"
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    async fn pass_baton(
        &self,
        tx: &mut AnyConnection,
        who: &Requester,
        log: &Loaded,
        handover: &Handover,
        basis: &super::Basis,
    ) -> Result<()> {
        let (from, to) = (log.holder_name.clone(), handover.to_name.clone());
        sqlx::query(
            "UPDATE relay_logs SET holder_id = $1, holder_service = $2, revision = revision + 1, \
             updated_at = $3 WHERE id = $4",
        )
        .bind(&handover.to_id)
        .bind(&handover.to_service)
        .bind(now_text())
        .bind(&log.id)
        .execute(&mut *tx)
        .await?;
        // The new holder is no longer a participant; the former one now is.
        sqlx::query("DELETE FROM relay_participants WHERE log_id = $1 AND account_id = $2")
            .bind(&log.id)
            .bind(&handover.to_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO relay_participants (log_id, tenant_id, account_id, service_slug, can_write, added_by, added_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6)",
        )
        .bind(&log.id)
        .bind(who.tenant.as_str())
        .bind(&log.holder_id)
        .bind(&log.holder_service)
        .bind(&who.account_id)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let content = Content::Holder { from, to };
        self.write_entry(tx, who, &log.id, None, basis, &content)
            .await
            .map(|_| ())
    }

    /// Moves the log to an individual plan with a child coordinator, in a service the
    /// consent covers, when the consent covers the move. Everything written stays.
    pub async fn move_to_plan(
        &self,
        who: &Requester,
        id: &str,
        revision: i64,
        coordinator_email: &str,
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::Manage).await?
        else {
            return Ok(Change::NotFound);
        };
        if log.kind == super::LogKind::Plan {
            return Ok(invalid("plan-email", "relay-problem-plan-already"));
        }
        if !log.current_consent().is_some_and(|c| c.covers_plan) {
            return Ok(invalid("plan-email", "relay-problem-plan-consent"));
        }
        let (coordinator, service) = match self
            .covered_staff(&mut tx, who, &log, coordinator_email)
            .await?
        {
            Ok(found) => found,
            Err(message) => return Ok(invalid("plan-email", message)),
        };
        let moved = sqlx::query(
            "UPDATE relay_logs SET kind = 'plan', coordinator_id = $1, coordinator_service = $2, \
             level = 3, revision = revision + 1, updated_at = $3 WHERE id = $4 AND revision = $5",
        )
        .bind(&coordinator)
        .bind(&service)
        .bind(now_text())
        .bind(id)
        .bind(revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Ok(Change::Conflict);
        }
        let content = Content::Plan {
            coordinator: account_name(&self.store, &mut tx, &coordinator).await?,
        };
        self.write_entry(&mut tx, who, id, None, &basis, &content)
            .await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayMovedToPlan,
            id,
            &format!("coordinator={coordinator};coordinator-service={service}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }
}

/// The parts an individual plan must have (forskrift om habilitering og rehabilitering,
/// individuell plan og koordinator § 21), and whether the log has each.
pub fn plan_parts(view: &super::LogView) -> Vec<(&'static str, bool)> {
    use crate::content::Content::*;
    let family_goal = view.entries.iter().any(|e| {
        matches!(e.content, Goal { .. })
            && (e.author_role == saman_domain::access::Role::Guardian.key()
                || e.author_role == saman_domain::access::Role::Youth.key())
    });
    let measures_with_responsible = view
        .entries
        .iter()
        .any(|e| matches!(&e.content, Measure { responsible, .. } if !responsible.is_empty()));
    let group = view.coordinator.is_some() && !view.participants.is_empty();
    let evaluation = view
        .entries
        .iter()
        .any(|e| matches!(e.content, Evaluation { .. }));
    vec![
        ("relay-plan-part-goals", family_goal),
        ("relay-plan-part-measures", measures_with_responsible),
        ("relay-plan-part-group", group),
        ("relay-plan-part-evaluation", evaluation),
    ]
}
