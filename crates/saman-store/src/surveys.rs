//! Surveys: their content and state, the families offered one, and the answers, kept
//! as counts and sealed free texts with nothing that links them to who answered.

use crate::audit::{AuditContext, append};
use crate::{Result, Store, StoreError, TenantId, clock};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::evaluation::survey::{Answer, Respondent, Survey, SurveyKind};
use sqlx::Row;
use time::Date;

const TEXT_PURPOSE: &str = "survey-text";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyState {
    Draft,
    Open,
    Closed,
}

impl SurveyState {
    pub const ALL: [SurveyState; 3] = [SurveyState::Draft, SurveyState::Open, SurveyState::Closed];

    pub fn key(self) -> &'static str {
        match self {
            SurveyState::Draft => "draft",
            SurveyState::Open => "open",
            SurveyState::Closed => "closed",
        }
    }

    pub fn from_key(key: &str) -> Option<SurveyState> {
        SurveyState::ALL.into_iter().find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone)]
pub struct SurveyRecord {
    pub id: String,
    pub survey: Survey,
    pub state: SurveyState,
    /// Whether anyone has answered: then its questions are fixed, so that the counts
    /// keep meaning what they meant.
    pub answered: bool,
}

/// Who answers: a family member by the keyed hash of their identity number (they
/// must have been offered it), or a member of staff by account (once a period).
pub enum SurveyAnswerer<'a> {
    Family { pid_key: &'a str },
    Staff { account_id: &'a str },
}

/// A survey's answers: counts `(period, respondent, question, answer, count)` (the
/// respondents themselves under an empty question), and free texts `(period,
/// respondent, question, text)`.
#[derive(Debug, Clone, Default)]
pub struct SurveyResults {
    pub counts: Vec<(String, Respondent, String, String, i64)>,
    pub texts: Vec<(String, Respondent, String, String)>,
}

impl Store {
    fn survey_of(&self, row: &sqlx::any::AnyRow) -> Result<SurveyRecord> {
        let survey: Survey = serde_json::from_str(&row.try_get::<String, _>("content")?)
            .map_err(|e| StoreError::Corrupt(format!("survey: {e}")))?;
        Ok(SurveyRecord {
            id: row.try_get("id")?,
            survey,
            state: SurveyState::from_key(&row.try_get::<String, _>("state")?)
                .ok_or_else(|| StoreError::Corrupt("survey state".into()))?,
            answered: row.try_get::<i64, _>("answered")? > 0,
        })
    }

    const SURVEY_COLUMNS: &'static str = "id, content, state, \
        (SELECT COUNT(*) FROM survey_counts c WHERE c.survey_id = surveys.id) AS answered";

    /// The tenant's surveys, user surveys first.
    pub async fn surveys(&self, tenant: &TenantId) -> Result<Vec<SurveyRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM surveys WHERE tenant_id = $1 ORDER BY kind DESC, updated_at",
            Self::SURVEY_COLUMNS
        ))
        .bind(tenant.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| self.survey_of(r)).collect()
    }

    pub async fn survey(&self, tenant: &TenantId, id: &str) -> Result<Option<SurveyRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM surveys WHERE tenant_id = $1 AND id = $2",
            Self::SURVEY_COLUMNS
        ))
        .bind(tenant.as_str())
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.survey_of(&r)).transpose()
    }

    /// Creates a survey (as a draft), audited. Returns its id.
    pub async fn create_survey(
        &self,
        tenant: &TenantId,
        survey: &Survey,
        ctx: &AuditContext,
    ) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO surveys (id, tenant_id, kind, content, state, updated_at) VALUES ($1, $2, $3, $4, 'draft', $5)",
        )
        .bind(&id)
        .bind(tenant.as_str())
        .bind(survey.kind.key())
        .bind(content_json(survey)?)
        .bind(clock::to_text(clock::now()))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::SurveySaved,
            &format!("survey:{id}"),
            Outcome::Success,
            "created",
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves a survey's content and state, audited. The content is kept as it was once
    /// anyone has answered. Opening a survey closes the tenant's other open survey of
    /// the same kind. `false` if there is no such survey.
    pub async fn save_survey(
        &self,
        tenant: &TenantId,
        id: &str,
        survey: &Survey,
        state: SurveyState,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let answered: Option<i64> = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM survey_counts c WHERE c.survey_id = s.id) FROM surveys s \
             WHERE s.tenant_id = $1 AND s.id = $2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(answered) = answered else {
            return Ok(false);
        };
        if state == SurveyState::Open {
            sqlx::query(
                "UPDATE surveys SET state = 'closed' WHERE tenant_id = $1 AND kind = $2 AND state = 'open' AND id <> $3",
            )
            .bind(tenant.as_str())
            .bind(survey.kind.key())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let now = clock::to_text(clock::now());
        if answered > 0 {
            sqlx::query("UPDATE surveys SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(state.key())
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "UPDATE surveys SET content = $1, state = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(content_json(survey)?)
            .bind(state.key())
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::SurveySaved,
            &format!("survey:{id}"),
            Outcome::Success,
            &format!("state={}", state.key()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The open surveys this person may answer now: as a family member, those offered
    /// them; as staff, the staff survey they have not answered this period.
    pub async fn surveys_to_answer(
        &self,
        tenant: &TenantId,
        pid_key: Option<&str>,
        staff_account: Option<&str>,
        today: Date,
    ) -> Result<Vec<(SurveyRecord, Respondent)>> {
        let mut out = Vec::new();
        for record in self.surveys(tenant).await? {
            if record.state != SurveyState::Open {
                continue;
            }
            match record.survey.kind {
                SurveyKind::User => {
                    let Some(pid_key) = pid_key else { continue };
                    let respondent: Option<String> = sqlx::query_scalar(
                        "SELECT respondent FROM survey_invitations WHERE survey_id = $1 AND pid_key = $2 AND expires_on >= $3",
                    )
                    .bind(&record.id)
                    .bind(pid_key)
                    .bind(today.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some(r) = respondent.as_deref().and_then(Respondent::from_key) {
                        out.push((record, r));
                    }
                }
                SurveyKind::Staff => {
                    let Some(account) = staff_account else {
                        continue;
                    };
                    let period = Survey::period_of(SurveyKind::Staff, today).key();
                    let done: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND period = $2 AND account_id = $3",
                    )
                    .bind(&record.id)
                    .bind(&period)
                    .bind(account)
                    .fetch_one(&self.pool)
                    .await?;
                    if done == 0 {
                        out.push((record, Respondent::Staff));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Records an answer: the family's invitation is used up (or the staff member
    /// marked as having answered this period), then the answer is added to the counts
    /// and texts. Not audited, by design: an audit row would say who answered
    /// when. `false` if this person may not answer (not offered, or already answered).
    pub async fn record_answer(
        &self,
        tenant: &TenantId,
        survey_id: &str,
        answerer: SurveyAnswerer<'_>,
        answer: &Answer,
        today: Date,
    ) -> Result<bool> {
        let Some(record) = self.survey(tenant, survey_id).await? else {
            return Ok(false);
        };
        if record.state != SurveyState::Open {
            return Ok(false);
        }
        let period = Survey::period_of(record.survey.kind, today).key();
        // The right to answer is used up in a transaction of its own, and the answer
        // added in another: no row written with the answer shares a transaction with one
        // that names the person.
        let mut tx = self.begin_write().await?;
        let respondent = match (record.survey.kind, answerer) {
            (SurveyKind::User, SurveyAnswerer::Family { pid_key }) => {
                let respondent: Option<String> = sqlx::query_scalar(
                    "DELETE FROM survey_invitations WHERE survey_id = $1 AND pid_key = $2 AND expires_on >= $3 \
                     RETURNING respondent",
                )
                .bind(survey_id)
                .bind(pid_key)
                .bind(today.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                match respondent.as_deref().and_then(Respondent::from_key) {
                    Some(r) => r,
                    None => return Ok(false),
                }
            }
            (SurveyKind::Staff, SurveyAnswerer::Staff { account_id }) => {
                let inserted = sqlx::query(
                    "INSERT INTO survey_responses (survey_id, period, account_id) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(survey_id)
                .bind(&period)
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(false);
                }
                Respondent::Staff
            }
            _ => return Ok(false),
        };
        tx.commit().await?;
        let mut tx = self.begin_write().await?;
        let counted = std::iter::once(("", ""))
            .chain(answer.choices.iter().map(|(q, a)| (q.as_str(), a.as_str())));
        for (question, option) in counted {
            sqlx::query(
                "INSERT INTO survey_counts (survey_id, period, respondent, question, answer, count) \
                 VALUES ($1, $2, $3, $4, $5, 1) \
                 ON CONFLICT (survey_id, period, respondent, question, answer) \
                 DO UPDATE SET count = survey_counts.count + 1",
            )
            .bind(survey_id)
            .bind(&period)
            .bind(respondent.key())
            .bind(question)
            .bind(option)
            .execute(&mut *tx)
            .await?;
        }
        for (question, text) in &answer.texts {
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO survey_texts (id, survey_id, period, respondent, question, text) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(survey_id)
            .bind(&period)
            .bind(respondent.key())
            .bind(question)
            .bind(self.secrets.seal_at(TEXT_PURPOSE, &id, text.as_bytes()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A survey's answers, for its results (which protect small groups).
    pub async fn survey_results(
        &self,
        tenant: &TenantId,
        survey_id: &str,
    ) -> Result<SurveyResults> {
        if self.survey(tenant, survey_id).await?.is_none() {
            return Ok(SurveyResults::default());
        }
        let mut results = SurveyResults::default();
        let rows = sqlx::query(
            "SELECT period, respondent, question, answer, count FROM survey_counts WHERE survey_id = $1",
        )
        .bind(survey_id)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let Some(respondent) = Respondent::from_key(&r.try_get::<String, _>("respondent")?)
            else {
                continue;
            };
            results.counts.push((
                r.try_get("period")?,
                respondent,
                r.try_get("question")?,
                r.try_get("answer")?,
                r.try_get("count")?,
            ));
        }
        let rows = sqlx::query(
            "SELECT id, period, respondent, question, text FROM survey_texts WHERE survey_id = $1",
        )
        .bind(survey_id)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let Some(respondent) = Respondent::from_key(&r.try_get::<String, _>("respondent")?)
            else {
                continue;
            };
            let id: String = r.try_get("id")?;
            let text = self
                .secrets
                .open_at(TEXT_PURPOSE, &id, &r.try_get::<String, _>("text")?)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| StoreError::Corrupt("a survey text does not open".into()))?;
            results.texts.push((
                r.try_get("period")?,
                respondent,
                r.try_get("question")?,
                text,
            ));
        }
        // In no order that could follow when they were given.
        results.texts.sort_by(|a, b| a.3.cmp(&b.3));
        Ok(results)
    }

    /// Seals again, under the current key, every free-text answer sealed with an
    /// earlier one (`saman keys rotate`). Returns how many.
    pub async fn reseal_survey_texts(&self) -> Result<usize> {
        let texts: Vec<(String, String)> = sqlx::query_as("SELECT id, text FROM survey_texts")
            .fetch_all(&self.pool)
            .await?;
        let mut resealed = 0;
        for (id, sealed) in texts {
            if !self.secrets.sealed_with_older_key(&sealed) {
                continue;
            }
            let text = self
                .secrets
                .open_at(TEXT_PURPOSE, &id, &sealed)
                .map_err(|_| StoreError::Corrupt("a survey text does not open".into()))?;
            sqlx::query("UPDATE survey_texts SET text = $1 WHERE id = $2 AND text = $3")
                .bind(self.secrets.seal_at(TEXT_PURPOSE, &id, &text))
                .bind(&id)
                .bind(&sealed)
                .execute(&self.pool)
                .await?;
            resealed += 1;
        }
        Ok(resealed)
    }

    /// Deletes invitations nobody answered in time (with the daily purge).
    pub async fn purge_survey_invitations(&self, today: Date) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM survey_invitations WHERE expires_on < $1")
                .bind(today.to_string())
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

/// How long a family has to answer the user survey after a log closes.
pub const INVITATION_DAYS: i64 = 60;

/// Offers the tenant's open user survey, if it has one, to these family members (by
/// the keyed hash of their identity numbers), in the caller's transaction: when a log
/// closes. One invitation per person and survey.
pub async fn offer_user_survey(
    conn: &mut sqlx::AnyConnection,
    tenant: &str,
    people: &[(String, Respondent)],
    today: Date,
) -> Result<()> {
    let survey: Option<String> = sqlx::query_scalar(
        "SELECT id FROM surveys WHERE tenant_id = $1 AND kind = $2 AND state = 'open'",
    )
    .bind(tenant)
    .bind(SurveyKind::User.key())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(survey) = survey else {
        return Ok(());
    };
    let expires = (today + time::Duration::days(INVITATION_DAYS)).to_string();
    for (pid_key, respondent) in people {
        sqlx::query(
            "INSERT INTO survey_invitations (survey_id, pid_key, respondent, expires_on) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&survey)
        .bind(pid_key)
        .bind(respondent.key())
        .bind(&expires)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn content_json(survey: &Survey) -> Result<String> {
    serde_json::to_string(survey).map_err(|e| StoreError::Corrupt(format!("survey: {e}")))
}
