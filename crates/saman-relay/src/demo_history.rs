//! Clearly fictional history for a demo tenant, so the figures of evaluation show
//! something real: relay logs over the past years, opened, consented to, with goals,
//! measures and evaluations, the child's voice, handovers, withdrawals and expiries, and
//! closed, each at its own time. Written as the storage writes them (every name and text
//! sealed), in bulk. Logs past their retention period are then purged as the server
//! would, which keeps only their facts. Used by `saman demo-history` alone, which
//! refuses tenants that are not the demo's.

use crate::bench_data::Rng;
use crate::content::{self, Achieved, Child, Content, Guardian};
use crate::seal::{self, place};
use crate::storage::CloseReason;
use crate::{Relay, Result};
use saman_domain::audit::{AuditAction, Outcome};
use saman_store::{AuditContext, Store, TenantId, append_audit, clock};
use sqlx::AnyConnection;
use time::{Date, Duration};

const FIRST: &[&str] = &[
    "Fiktiv-Ida",
    "Fiktiv-Noah",
    "Fiktiv-Emma",
    "Fiktiv-Jakob",
    "Fiktiv-Nora",
    "Fiktiv-Lukas",
];
const LAST: &[&str] = &["Eksempel", "Prøvesen", "Demostad", "Øvingsdal"];

/// What was made.
pub struct History {
    pub logs: usize,
    pub entries: usize,
    /// Logs past their retention period, purged at once (their facts kept).
    pub purged: usize,
}

fn at(day: Date) -> String {
    clock::to_text(day.with_hms(9, 0, 0).expect("nine is an hour").assume_utc())
}

struct Writer<'a> {
    conn: &'a mut AnyConnection,
    store: &'a Store,
    tenant: &'a TenantId,
    log: String,
    holder: &'a str,
    service: &'a str,
    seq: i64,
    entries: usize,
}

impl Writer<'_> {
    async fn entry(&mut self, content: &Content, parent: Option<&str>, on: Date) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        self.seq += 1;
        let body = seal::seal_json(
            self.store.secrets(),
            &place(&self.log, &format!("entry/{id}")),
            content,
        );
        sqlx::query(
            "INSERT INTO relay_entries (id, log_id, tenant_id, seq, kind, parent_id, author_id, \
             author_role, author_service, body, due_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'employee', $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(&self.log)
        .bind(self.tenant.as_str())
        .bind(self.seq)
        .bind(content.kind())
        .bind(parent)
        .bind(self.holder)
        .bind(self.service)
        .bind(body)
        .bind(content.due_on().map(content::date_text))
        .bind(at(on))
        .execute(&mut *self.conn)
        .await?;
        self.entries += 1;
        Ok(id)
    }
}

/// Writes `logs` fictional logs opened over the past `years`, held by `holder_id` in
/// one of `services`, with `retention_days` before closed logs are purged.
#[allow(clippy::too_many_arguments)]
pub async fn generate(
    relay: &Relay,
    store: &Store,
    tenant: &TenantId,
    holder_id: &str,
    services: &[String],
    logs: usize,
    years: i64,
    retention_days: u32,
    seed: u64,
) -> Result<History> {
    let mut rng = Rng::new(seed);
    let today = clock::today();
    let secrets = store.secrets();
    let mut tx = store.begin_write().await?;
    let mut entries = 0;
    for _ in 0..logs {
        let id = uuid::Uuid::new_v4().to_string();
        let opened = today - Duration::days(rng.below((years * 365) as u64) as i64);
        let pregnant = rng.below(30) == 0;
        let age_days = if pregnant {
            365 * 25
        } else {
            rng.below(365 * 18) as i64 + 30
        };
        let child = Child {
            name: format!(
                "{} {}",
                FIRST[rng.below(FIRST.len() as u64) as usize],
                LAST[rng.below(LAST.len() as u64) as usize]
            ),
            birth_date: opened - Duration::days(age_days),
            pid: None,
            pregnant,
        };
        let band = crate::storage::age_band(&child, opened);
        let level = [1, 1, 2, 2, 3][rng.below(5) as usize];
        let service = &services[rng.below(services.len() as u64) as usize];
        // Nine in ten are consented to, after one day to a month.
        let consented = (rng.below(10) > 0)
            .then(|| opened + Duration::days(1 + rng.below(30) as i64))
            .filter(|d| *d <= today);
        let plan = consented.is_some() && level == 3 && rng.below(4) == 0;
        // Most logs older than two months are closed, after two months to a year.
        let closed = consented
            .filter(|_| rng.below(10) < 7)
            .map(|c| c + Duration::days(60 + rng.below(330) as i64))
            .filter(|d| *d <= today);
        let reason = CloseReason::ALL[[0, 0, 0, 1, 1, 2, 3, 4][rng.below(8) as usize]];
        let state = match (consented, closed) {
            (None, _) => "draft",
            (Some(_), None) => "active",
            (Some(_), Some(_)) => "closed",
        };
        let last = closed.unwrap_or(today).min(today);
        sqlx::query(
            "INSERT INTO relay_logs (id, tenant_id, state, kind, child, child_pid_key, concern, level, \
             holder_id, holder_service, created_by, created_at, updated_at, revision, closed_at, \
             close_reason, closing_note, purge_after, age_band) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $8, $10, $11, 2, $12, $13, $14, $15, $16)",
        )
        .bind(&id)
        .bind(tenant.as_str())
        .bind(state)
        .bind(if plan { "plan" } else { "relay" })
        .bind(seal::seal_json(secrets, &place(&id, "child"), &child))
        .bind(seal::seal(secrets, &place(&id, "concern"), "(Fiktivt eksempel laget for demoen.)"))
        .bind(i64::from(level))
        .bind(holder_id)
        .bind(service)
        .bind(at(opened))
        .bind(at(last))
        .bind(closed.map(at))
        .bind(closed.map(|_| reason.key()))
        .bind(closed.map(|_| seal::seal(secrets, &place(&id, "closing-note"), "(Fiktivt.)")))
        .bind(closed.map(|c| at(c + Duration::days(i64::from(retention_days)))))
        .bind(band.key())
        .execute(&mut *tx)
        .await?;
        let guardian = Guardian {
            name: format!(
                "{} {}",
                FIRST[rng.below(FIRST.len() as u64) as usize],
                LAST[0]
            ),
            pid: None,
        };
        sqlx::query(
            "INSERT INTO relay_guardians (log_id, tenant_id, position, person, pid_key) VALUES ($1, $2, 0, $3, '')",
        )
        .bind(&id)
        .bind(tenant.as_str())
        .bind(seal::seal_json(secrets, &place(&id, "guardian/0"), &guardian))
        .execute(&mut *tx)
        .await?;
        // The consent: one in twenty withdrawn, one in twenty running out.
        let withdrawn = consented
            .filter(|_| rng.below(20) == 0)
            .map(|c| c + Duration::days(20 + rng.below(100) as i64))
            .filter(|d| *d <= last);
        let ends = consented
            .filter(|_| withdrawn.is_none() && rng.below(20) == 0)
            .map(|c| c + Duration::days(30 + rng.below(200) as i64))
            .filter(|d| *d < last);
        sqlx::query(
            "INSERT INTO relay_consents (log_id, tenant_id, version, status, consenter, services, covers, \
             given_how, given_on, ends_on, withdrawn_on, withdrawn_by, requested_by, requested_at) \
             VALUES ($1, $2, 1, $3, 'guardians', $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(tenant.as_str())
        .bind(if consented.is_some() { "given" } else { "requested" })
        .bind(format!(",{service},"))
        .bind(seal::seal(secrets, &place(&id, "consent/1/covers"), "(Fiktivt.)"))
        .bind(consented.map(|_| "digital"))
        .bind(consented.map(content::date_text))
        .bind(ends.map(content::date_text))
        .bind(withdrawn.map(content::date_text))
        .bind(withdrawn.map(|_| holder_id))
        .bind(holder_id)
        .bind(at(opened))
        .execute(&mut *tx)
        .await?;
        let Some(consented) = consented else { continue };
        let mut w = Writer {
            conn: &mut tx,
            store,
            tenant,
            log: id.clone(),
            holder: holder_id,
            service,
            seq: 0,
            entries: 0,
        };
        let goal = w
            .entry(
                &Content::Goal {
                    text: "(Fiktivt mål.)".into(),
                },
                None,
                consented,
            )
            .await?;
        let mut day = consented + Duration::days(3 + rng.below(40) as i64);
        for _ in 0..1 + rng.below(3) {
            if day > last {
                break;
            }
            let evaluate_on = day + Duration::days(30 + rng.below(90) as i64);
            let measure = w
                .entry(
                    &Content::Measure {
                        text: "(Fiktivt tiltak.)".into(),
                        responsible: "Kontaktlærer".into(),
                        starts_on: day,
                        evaluate_on,
                    },
                    Some(&goal),
                    day,
                )
                .await?;
            // Three in four evaluated, most of them by the date.
            let evaluated = evaluate_on - Duration::days(14) + Duration::days(rng.below(24) as i64);
            if rng.below(4) > 0 && evaluated <= last {
                w.entry(
                    &Content::Evaluation {
                        achieved: Achieved::ALL[rng.below(3) as usize],
                        note: "(Fiktivt.)".into(),
                        next_step: "(Fiktivt.)".into(),
                    },
                    Some(&measure),
                    evaluated,
                )
                .await?;
            }
            day += Duration::days(20 + rng.below(60) as i64);
        }
        if rng.below(10) < 6 {
            let heard = consented + Duration::days(rng.below(60) as i64);
            if heard <= last {
                w.entry(
                    &Content::Voice {
                        text: "(Fiktivt.)".into(),
                    },
                    None,
                    heard,
                )
                .await?;
            }
        }
        entries += w.entries;
        // One in four hands the baton on.
        let asked = consented + Duration::days(10 + rng.below(120) as i64);
        if rng.below(4) == 0 && asked <= last {
            let answered = Some(asked + Duration::days(rng.below(12) as i64))
                .filter(|d| *d <= last && (closed.is_some() || rng.below(5) > 0));
            sqlx::query(
                "INSERT INTO relay_handovers (id, log_id, tenant_id, from_id, to_id, to_service, \
                 requested_at, outcome, answered_at) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&id)
            .bind(tenant.as_str())
            .bind(holder_id)
            .bind(service)
            .bind(at(asked))
            .bind(answered.map(|_| "accepted"))
            .bind(answered.map(at))
            .execute(&mut *tx)
            .await?;
        }
    }
    append_audit(
        &mut tx,
        secrets,
        &AuditContext::command_line(Some(tenant.clone())),
        AuditAction::DemoHistoryGenerated,
        &format!("tenant:{}", tenant.as_str()),
        Outcome::Success,
        &format!("logs={logs}"),
    )
    .await?;
    tx.commit().await?;
    let purged = relay.purge_due().await?;
    Ok(History {
        logs,
        entries,
        purged,
    })
}
