//! Made-up data at national scale for the benchmarks in `bench/`: logs and entries
//! written as the storage writes them (every child's data and text sealed the same way,
//! the same rows and columns), but in bulk and without the audit rows of making them.
//! Never used by the server.

use crate::Result;
use crate::content::{self, Child, Content, Guardian};
use crate::seal::{self, place};
use saman_store::{Store, TenantId, clock};
use std::collections::BTreeSet;

/// A small deterministic generator, so a run can be repeated.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Ida", "Noah", "Emma", "Jakob", "Nora", "Lukas", "Sara", "Emil", "Maja", "Oskar",
];
const LAST: &[&str] = &[
    "Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Dahl", "Lie", "Moen", "Haugen", "Strand",
];
const TEXTS: &[&str] = &[
    "Vi ble enige om å prøve en roligere start på dagen og se an neste uke.",
    "Eleven forteller at det er lettere når hen vet hva som skal skje i timene.",
    "Foresatte ønsker tettere kontakt med skolen og helsesykepleier.",
    "Tiltaket fungerer delvis; fraværet er lavere, men søvnen er fortsatt dårlig.",
    "Ny vurdering etter høstferien, med alle som deltar.",
];

/// Writes `logs` active logs held by `holder_id` in `service`, each with a given
/// consent naming `service` and `ppt`, one guardian, and `entries_per_log` entries
/// (goals, measures, evaluations, meeting notes, notes, the child's voice). Returns
/// the logs' ids.
#[allow(clippy::too_many_arguments)]
pub async fn generate_logs(
    store: &Store,
    tenant: &TenantId,
    holder_id: &str,
    service: &str,
    logs: usize,
    entries_per_log: usize,
    rng: &mut Rng,
) -> Result<Vec<String>> {
    let secrets = store.secrets();
    let now = clock::to_text(clock::now());
    let today = clock::today();
    let mut tx = store.begin_write().await?;
    let mut ids = Vec::with_capacity(logs);
    let services: BTreeSet<String> = [service.to_string(), "ppt".to_string()].into();
    let services_text = format!(
        ",{},",
        services.iter().cloned().collect::<Vec<_>>().join(",")
    );
    for _ in 0..logs {
        let id = uuid::Uuid::new_v4().to_string();
        let child = Child {
            name: format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
            birth_date: today - time::Duration::days(365 * 6 + rng.below(365 * 10) as i64),
            pid: None,
            pregnant: false,
        };
        sqlx::query(
            "INSERT INTO relay_logs (id, tenant_id, state, kind, child, child_pid_key, concern, level, \
             holder_id, holder_service, created_by, created_at, updated_at, revision) \
             VALUES ($1, $2, 'active', 'relay', $3, NULL, $4, $5, $6, $7, $6, $8, $8, 2)",
        )
        .bind(&id)
        .bind(tenant.as_str())
        .bind(seal::seal_json(secrets, &place(&id, "child"), &child))
        .bind(seal::seal(secrets, &place(&id, "concern"), rng.pick(TEXTS)))
        .bind(1 + rng.below(3) as i64)
        .bind(holder_id)
        .bind(service)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let guardian = Guardian {
            name: format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
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
        sqlx::query(
            "INSERT INTO relay_consents (log_id, tenant_id, version, status, consenter, services, covers, \
             given_how, given_on, requested_by, requested_at) \
             VALUES ($1, $2, 1, 'given', 'guardians', $3, $4, 'digital', $5, $6, $7)",
        )
        .bind(&id)
        .bind(tenant.as_str())
        .bind(&services_text)
        .bind(seal::seal(secrets, &place(&id, "consent/1/covers"), "Samarbeid mellom skole og PPT"))
        .bind(content::date_text(today))
        .bind(holder_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        // Entries in one statement per log.
        let mut goal: Option<String> = None;
        let mut measure: Option<String> = None;
        let mut rows = Vec::with_capacity(entries_per_log);
        for seq in 1..=entries_per_log {
            let entry_id = uuid::Uuid::new_v4().to_string();
            let text = rng.pick(TEXTS).to_string();
            let (content, parent) = match (seq % 10, &goal, &measure) {
                (1, _, _) => (Content::Goal { text }, None),
                (2, Some(g), _) => (
                    Content::Measure {
                        text,
                        responsible: "Kontaktlærer".into(),
                        starts_on: today - time::Duration::days(30),
                        evaluate_on: today + time::Duration::days(rng.below(60) as i64 - 20),
                    },
                    Some(g.clone()),
                ),
                (3, _, Some(m)) => (
                    Content::Evaluation {
                        achieved: content::Achieved::Partly,
                        note: text,
                        next_step: "Fortsette".into(),
                    },
                    Some(m.clone()),
                ),
                (4, _, _) => (
                    Content::Meeting {
                        held_on: today,
                        present: "Foresatte, kontaktlærer, PPT".into(),
                        summary: text,
                        decisions: "Nytt møte om seks uker".into(),
                    },
                    None,
                ),
                (7, _, _) => (Content::Voice { text }, None),
                _ => (Content::Note { text }, None),
            };
            match content {
                Content::Goal { .. } => goal = Some(entry_id.clone()),
                Content::Measure { .. } => measure = Some(entry_id.clone()),
                _ => {}
            }
            let body =
                seal::seal_json(secrets, &place(&id, &format!("entry/{entry_id}")), &content);
            rows.push((
                entry_id,
                seq as i64,
                content.kind(),
                parent,
                body,
                content.due_on(),
            ));
        }
        for chunk in rows.chunks(50) {
            let mut sql = String::from(
                "INSERT INTO relay_entries (id, log_id, tenant_id, seq, kind, parent_id, author_id, \
                 author_role, author_service, body, due_on, created_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 6;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, $1, $2, ${}, ${}, ${}, $3, 'employee', $4, ${}, ${}, $5)",
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11
                ));
            }
            let mut query = sqlx::query(&sql)
                .bind(&id)
                .bind(tenant.as_str())
                .bind(holder_id)
                .bind(service)
                .bind(&now);
            for (entry_id, seq, kind, parent, body, due) in chunk {
                query = query
                    .bind(entry_id)
                    .bind(*seq)
                    .bind(*kind)
                    .bind(parent.clone())
                    .bind(body)
                    .bind(due.map(content::date_text));
            }
            query.execute(&mut *tx).await?;
        }
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}
