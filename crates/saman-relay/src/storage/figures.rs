//! What the figures of evaluation need of the logs ([`LogFacts`]): read from the
//! metadata alone (dates, states, levels, services, age bands), never from a sealed
//! column, and kept without the log's id when a log is purged.

use super::{Relay, date_of};
use crate::{RelayError, Result};
use saman_domain::evaluation::{AgeBand, Day, HandoverFacts, LogFacts, MeasureFacts};
use saman_store::{TenantId, clock};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use time::Date;

/// A given version of a consent: when given, when it ends, when withdrawn.
type GivenConsent = (Date, Option<Date>, Option<Date>);

/// The date of a stored timestamp (`2026-11-26T09:05:07Z`).
fn day_of(timestamp: &str) -> Result<Date> {
    date_of(Some(timestamp.get(..10).unwrap_or(timestamp).to_string()))?
        .ok_or_else(|| RelayError::Corrupt(format!("timestamp {timestamp}")))
}

impl Relay {
    /// The facts of every log of the tenant: the live ones and those kept of purged logs.
    pub async fn evaluation_facts(&self, tenant: &TenantId) -> Result<Vec<LogFacts>> {
        let mut conn = self.store.pool().acquire().await?;
        let mut facts: Vec<LogFacts> = facts_of(&mut conn, tenant.as_str(), None)
            .await?
            .into_values()
            .collect();
        let kept: Vec<(String,)> =
            sqlx::query_as("SELECT facts FROM relay_log_facts WHERE tenant_id = $1")
                .bind(tenant.as_str())
                .fetch_all(&mut *conn)
                .await?;
        for (json,) in kept {
            facts.push(
                serde_json::from_str(&json)
                    .map_err(|e| RelayError::Corrupt(format!("kept facts: {e}")))?,
            );
        }
        Ok(facts)
    }
}

/// Keeps the facts of the log `log_id` before it is purged, with no link to it. Not of
/// a draft never consented to: nothing is kept of a log that never began.
pub(super) async fn keep_facts(conn: &mut AnyConnection, tenant: &str, log_id: &str) -> Result<()> {
    let logs = facts_of(conn, tenant, Some(log_id)).await?;
    for facts in logs.into_values().filter(|f| f.consented_on.is_some()) {
        let json = serde_json::to_string(&facts)
            .map_err(|e| RelayError::Corrupt(format!("facts: {e}")))?;
        sqlx::query("INSERT INTO relay_log_facts (id, tenant_id, facts) VALUES ($1, $2, $3)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(tenant)
            .bind(json)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The facts of the tenant's live logs (or of one), by log id.
async fn facts_of(
    conn: &mut AnyConnection,
    tenant: &str,
    log_id: Option<&str>,
) -> Result<HashMap<String, LogFacts>> {
    let one = log_id.unwrap_or("");
    let mut facts = HashMap::new();
    let logs = sqlx::query(
        "SELECT id, kind, level, holder_service, age_band, created_at, closed_at, close_reason \
         FROM relay_logs WHERE tenant_id = $1 AND ($2 = '' OR id = $2)",
    )
    .bind(tenant)
    .bind(one)
    .fetch_all(&mut *conn)
    .await?;
    for r in logs {
        let closed_at: Option<String> = r.try_get("closed_at")?;
        let level: i64 = r.try_get("level")?;
        facts.insert(
            r.try_get::<String, _>("id")?,
            LogFacts {
                plan: r.try_get::<String, _>("kind")? == "plan",
                level: u8::try_from(level).map_err(|_| RelayError::Corrupt("level".into()))?,
                service: r.try_get("holder_service")?,
                age_band: AgeBand::from_key(&r.try_get::<String, _>("age_band")?)
                    .unwrap_or(AgeBand::Unknown),
                opened_on: day_of(&r.try_get::<String, _>("created_at")?)?,
                consented_on: None,
                first_measure_on: None,
                voice_on: None,
                closed_on: closed_at.as_deref().map(day_of).transpose()?,
                close_reason: r.try_get("close_reason")?,
                measures: Vec::new(),
                handovers: Vec::new(),
                withdrawals: Vec::new(),
                expiries: Vec::new(),
            },
        );
    }

    let today = clock::today();
    let consents = sqlx::query(
        "SELECT log_id, version, status, given_on, ends_on, withdrawn_on FROM relay_consents \
         WHERE tenant_id = $1 AND ($2 = '' OR log_id = $2) ORDER BY log_id, version",
    )
    .bind(tenant)
    .bind(one)
    .fetch_all(&mut *conn)
    .await?;
    let mut given: HashMap<String, Vec<GivenConsent>> = HashMap::new();
    for r in consents {
        if r.try_get::<String, _>("status")? != "given" {
            continue;
        }
        let Some(given_on) = date_of(r.try_get("given_on")?)? else {
            continue;
        };
        given.entry(r.try_get("log_id")?).or_default().push((
            given_on,
            date_of(r.try_get("ends_on")?)?,
            date_of(r.try_get("withdrawn_on")?)?,
        ));
    }
    for (log, versions) in given {
        let Some(f) = facts.get_mut(&log) else {
            continue;
        };
        f.consented_on = versions.iter().map(|v| v.0).min();
        for (i, (_, ends, withdrawn)) in versions.iter().enumerate() {
            if let Some(w) = withdrawn {
                f.withdrawals.push(Day(*w));
            }
            // Ran out: its end date passed before it was withdrawn or a newer one given.
            if let Some(end) = ends.filter(|e| *e < today)
                && withdrawn.is_none_or(|w| w > end)
                && !versions[i + 1..].iter().any(|v| v.0 <= end)
            {
                f.expiries.push(Day(end));
            }
        }
    }

    let entries = sqlx::query(
        "SELECT log_id, id, kind, parent_id, due_on, created_at FROM relay_entries \
         WHERE tenant_id = $1 AND ($2 = '' OR log_id = $2) \
         AND kind IN ('measure', 'evaluation', 'voice') ORDER BY log_id, seq",
    )
    .bind(tenant)
    .bind(one)
    .fetch_all(&mut *conn)
    .await?;
    // A measure's place in its log's facts, and its first evaluation.
    let mut measures: HashMap<String, (String, usize)> = HashMap::new();
    let mut evaluations: Vec<(String, Date)> = Vec::new();
    for r in entries {
        let log: String = r.try_get("log_id")?;
        let Some(f) = facts.get_mut(&log) else {
            continue;
        };
        let on = day_of(&r.try_get::<String, _>("created_at")?)?;
        match r.try_get::<String, _>("kind")?.as_str() {
            "measure" => {
                f.first_measure_on = Some(f.first_measure_on.map_or(on, |d| d.min(on)));
                if let Some(due_on) = date_of(r.try_get("due_on")?)? {
                    measures.insert(r.try_get("id")?, (log, f.measures.len()));
                    f.measures.push(MeasureFacts {
                        due_on,
                        evaluated_on: None,
                    });
                }
            }
            "evaluation" => {
                if let Some(parent) = r.try_get::<Option<String>, _>("parent_id")? {
                    evaluations.push((parent, on));
                }
            }
            _ => f.voice_on = Some(f.voice_on.map_or(on, |d| d.min(on))),
        }
    }
    for (measure, on) in evaluations {
        if let Some((log, i)) = measures.get(&measure)
            && let Some(m) = facts.get_mut(log).and_then(|f| f.measures.get_mut(*i))
        {
            m.evaluated_on = Some(m.evaluated_on.map_or(on, |d| d.min(on)));
        }
    }

    let handovers = sqlx::query(
        "SELECT log_id, requested_at, answered_at FROM relay_handovers \
         WHERE tenant_id = $1 AND ($2 = '' OR log_id = $2)",
    )
    .bind(tenant)
    .bind(one)
    .fetch_all(&mut *conn)
    .await?;
    for r in handovers {
        let Some(f) = facts.get_mut(&r.try_get::<String, _>("log_id")?) else {
            continue;
        };
        let answered: Option<String> = r.try_get("answered_at")?;
        f.handovers.push(HandoverFacts {
            requested_on: day_of(&r.try_get::<String, _>("requested_at")?)?,
            answered_on: answered.as_deref().map(day_of).transpose()?,
        });
    }
    Ok(facts)
}
