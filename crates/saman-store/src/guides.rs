//! Action guides in the database: reading them with the model, and writing them as
//! versioned objects.

use crate::model::{parse_date, parse_keys, parse_lang, parse_status};
use crate::tenants::TenantId;
use crate::versions::Versioned;
use crate::{Result, Store, StoreError, Visibility};
use saman_domain::*;
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

fn level_of(value: i64) -> Result<u8> {
    u8::try_from(value)
        .ok()
        .filter(|l| *l <= 3)
        .ok_or_else(|| corrupt("level", &value.to_string()))
}

impl Store {
    /// A tenant's guides. With [`Visibility::Published`], draft guides are left out, and
    /// so are references to items that are not in `present`.
    pub(crate) async fn guides(
        &self,
        tenant: &TenantId,
        visibility: Visibility,
        present: &HashSet<String>,
    ) -> Result<Vec<Guide>> {
        let rows = sqlx::query("SELECT id, slug, area, owner_slug, review_date, status FROM guides WHERE tenant_id = $1")
            .bind(&tenant.0)
            .fetch_all(&self.pool)
            .await?;
        let mut guides = Vec::new();
        let mut guide_index: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let status = parse_status(&row.try_get::<String, _>("status")?)?;
            if visibility == Visibility::Published && status != Status::Published {
                continue;
            }
            let area: String = row.try_get("area")?;
            let review_date: Option<String> = row.try_get("review_date")?;
            let owner: Option<String> = row.try_get("owner_slug")?;
            guide_index.insert(row.try_get("id")?, guides.len());
            guides.push(Guide {
                slug: row.try_get("slug")?,
                area: GuideArea::from_key(&area).ok_or_else(|| corrupt("guide area", &area))?,
                owner: owner.filter(|o| present.contains(o)),
                review_date: review_date.as_deref().map(parse_date).transpose()?,
                status,
                text: ByLang::default(),
                levels: Vec::new(),
                steps: Vec::new(),
            });
        }

        let rows = sqlx::query(
            "SELECT guide_id, lang, title, summary, body FROM guide_texts WHERE tenant_id = $1",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            if let Some(&g) = guide_index.get(&row.try_get::<String, _>("guide_id")?) {
                guides[g].text.set(
                    parse_lang(&row.try_get::<String, _>("lang")?)?,
                    GuideText {
                        title: row.try_get("title")?,
                        summary: row.try_get("summary")?,
                        body: row.try_get("body")?,
                    },
                );
            }
        }

        let rows = sqlx::query(
            "SELECT guide_id, level, name_nb, name_nn FROM guide_levels WHERE tenant_id = $1",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            if let Some(&g) = guide_index.get(&row.try_get::<String, _>("guide_id")?) {
                guides[g].levels.push(GuideLevel {
                    level: level_of(row.try_get("level")?)?,
                    name: ByLang {
                        nb: row.try_get("name_nb")?,
                        nn: row.try_get("name_nn")?,
                    },
                    steps: Vec::new(),
                });
            }
        }

        let rows = sqlx::query(
            "SELECT id, guide_id, slug, level, position, responsible_role, deadline_days, urgent, tools, relies_on \
             FROM guide_steps WHERE tenant_id = $1",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        let mut step_index: HashMap<String, (usize, usize)> = HashMap::new();
        let mut positions: Vec<(usize, u8, i64, String)> = Vec::new();
        for row in rows {
            let Some(&g) = guide_index.get(&row.try_get::<String, _>("guide_id")?) else {
                continue;
            };
            let role: String = row.try_get("responsible_role")?;
            let keep_present =
                |keys: Vec<String>| keys.into_iter().filter(|k| present.contains(k)).collect();
            let slug: String = row.try_get("slug")?;
            let level = level_of(row.try_get("level")?)?;
            let deadline_days: Option<i64> = row.try_get("deadline_days")?;
            positions.push((g, level, row.try_get("position")?, slug.clone()));
            step_index.insert(row.try_get("id")?, (g, guides[g].steps.len()));
            guides[g].steps.push(Step {
                slug,
                level,
                responsible_role: Role::from_key(&role).ok_or_else(|| corrupt("role", &role))?,
                deadline_days: deadline_days.map(|d| d as u32),
                urgent: row.try_get::<i64, _>("urgent")? != 0,
                tools: keep_present(parse_keys(&row.try_get::<String, _>("tools")?, |k| {
                    Some(k.to_string())
                })?),
                relies_on: keep_present(parse_keys(
                    &row.try_get::<String, _>("relies_on")?,
                    |k| Some(k.to_string()),
                )?),
                text: ByLang::default(),
                decisions: Vec::new(),
            });
        }
        positions.sort();
        for (g, level, _, slug) in positions {
            if let Some(l) = guides[g].levels.iter_mut().find(|l| l.level == level) {
                l.steps.push(slug);
            }
        }

        let rows = sqlx::query(
            "SELECT step_id, lang, title, summary, responsible, deadline, questions, body FROM step_texts WHERE tenant_id = $1",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            if let Some(&(g, s)) = step_index.get(&row.try_get::<String, _>("step_id")?) {
                let questions: String = row.try_get("questions")?;
                guides[g].steps[s].text.set(
                    parse_lang(&row.try_get::<String, _>("lang")?)?,
                    StepText {
                        title: row.try_get("title")?,
                        summary: row.try_get("summary")?,
                        responsible: row.try_get("responsible")?,
                        deadline: row.try_get("deadline")?,
                        questions: questions.lines().map(String::from).collect(),
                        body: row.try_get("body")?,
                    },
                );
            }
        }

        let rows = sqlx::query(
            "SELECT step_id, position, target_kind, target, label_nb, label_nn FROM step_decisions \
             WHERE tenant_id = $1 ORDER BY step_id, position",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            if let Some(&(g, s)) = step_index.get(&row.try_get::<String, _>("step_id")?) {
                let kind: String = row.try_get("target_kind")?;
                let target: String = row.try_get("target")?;
                let target = match kind.as_str() {
                    "step" => DecisionTarget::Step(target),
                    "level" => DecisionTarget::Level(level_of(
                        target.parse().map_err(|_| corrupt("level", &target))?,
                    )?),
                    "outcome" => DecisionTarget::Outcome(
                        Outcome::from_key(&target).ok_or_else(|| corrupt("outcome", &target))?,
                    ),
                    other => return Err(corrupt("decision target", other)),
                };
                guides[g].steps[s].decisions.push(Decision {
                    target,
                    label: ByLang {
                        nb: row.try_get("label_nb")?,
                        nn: row.try_get("label_nn")?,
                    },
                });
            }
        }

        for guide in &mut guides {
            guide.levels.sort_by_key(|l| l.level);
            guide.steps.sort_by(|a, b| a.slug.cmp(&b.slug));
        }
        guides.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(guides)
    }
}

impl Versioned for Guide {
    const KIND: &'static str = "guide";

    fn slug(&self) -> &str {
        &self.slug
    }

    fn status(&self) -> Status {
        self.status
    }

    fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    fn review_date(&self) -> Option<time::Date> {
        self.review_date
    }

    fn set_review_date(&mut self, date: Option<time::Date>) {
        self.review_date = date;
    }

    async fn ids(tx: &mut AnyConnection, tenant: &TenantId) -> Result<HashMap<String, String>> {
        let rows = sqlx::query("SELECT id, slug FROM guides WHERE tenant_id = $1")
            .bind(&tenant.0)
            .fetch_all(tx)
            .await?;
        rows.into_iter()
            .map(|row| Ok((row.try_get("slug")?, row.try_get("id")?)))
            .collect()
    }

    async fn project(
        &self,
        tx: &mut AnyConnection,
        tenant: &TenantId,
        id: &str,
        status: Status,
    ) -> Result<()> {
        project_guide(tx, tenant, id, self, status).await
    }

    async fn unproject(tx: &mut AnyConnection, tenant: &TenantId, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM guides WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(&tenant.0)
            .execute(tx)
            .await?;
        Ok(())
    }

    /// Nothing else in the model points to a guide: the paths to it are made from the
    /// tenant's guides as they are.
    async fn users_of(
        _tx: &mut AnyConnection,
        _tenant: &TenantId,
        _id: &str,
        _slug: &str,
    ) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// Writes a guide into the tables the site reads. Its steps keep their ids (by slug)
/// across versions.
async fn project_guide(
    tx: &mut AnyConnection,
    tenant: &TenantId,
    guide_id: &str,
    guide: &Guide,
    status: Status,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO guides (id, tenant_id, slug, area, owner_slug, review_date, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, area = excluded.area, \
         owner_slug = excluded.owner_slug, review_date = excluded.review_date, status = excluded.status",
    )
    .bind(guide_id)
    .bind(&tenant.0)
    .bind(&guide.slug)
    .bind(guide.area.key())
    .bind(&guide.owner)
    .bind(guide.review_date.map(format_iso_date))
    .bind(status.key())
    .execute(&mut *tx)
    .await?;
    let step_ids: HashMap<String, String> =
        sqlx::query("SELECT id, slug FROM guide_steps WHERE guide_id = $1")
            .bind(guide_id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|row| Ok((row.try_get("slug")?, row.try_get("id")?)))
            .collect::<Result<_>>()?;
    // Texts and decisions of steps go with their steps.
    for table in ["guide_texts", "guide_levels", "guide_steps"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE guide_id = $1 AND tenant_id = $2"
        ))
        .bind(guide_id)
        .bind(&tenant.0)
        .execute(&mut *tx)
        .await?;
    }
    for lang in Lang::ALL {
        let Some(text) = guide.text.get(lang) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO guide_texts (guide_id, tenant_id, lang, title, summary, body) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(guide_id)
        .bind(&tenant.0)
        .bind(lang.code())
        .bind(&text.title)
        .bind(&text.summary)
        .bind(&text.body)
        .execute(&mut *tx)
        .await?;
    }
    for level in &guide.levels {
        sqlx::query(
            "INSERT INTO guide_levels (guide_id, tenant_id, level, name_nb, name_nn) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(guide_id)
        .bind(&tenant.0)
        .bind(i64::from(level.level))
        .bind(&level.name.nb)
        .bind(&level.name.nn)
        .execute(&mut *tx)
        .await?;
    }
    for step in &guide.steps {
        let position = guide
            .levels
            .iter()
            .find_map(|l| l.steps.iter().position(|s| *s == step.slug))
            .unwrap_or_default();
        let step_id = step_ids
            .get(&step.slug)
            .cloned()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        sqlx::query(
            "INSERT INTO guide_steps (id, guide_id, tenant_id, slug, level, position, responsible_role, \
             deadline_days, urgent, tools, relies_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&step_id)
        .bind(guide_id)
        .bind(&tenant.0)
        .bind(&step.slug)
        .bind(i64::from(step.level))
        .bind(position as i64)
        .bind(step.responsible_role.key())
        .bind(step.deadline_days.map(i64::from))
        .bind(i64::from(step.urgent))
        .bind(step.tools.join(","))
        .bind(step.relies_on.join(","))
        .execute(&mut *tx)
        .await?;
        for lang in Lang::ALL {
            let Some(text) = step.text.get(lang) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO step_texts (step_id, tenant_id, lang, title, summary, responsible, deadline, questions, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&step_id)
            .bind(&tenant.0)
            .bind(lang.code())
            .bind(&text.title)
            .bind(&text.summary)
            .bind(&text.responsible)
            .bind(&text.deadline)
            .bind(text.questions.join("\n"))
            .bind(&text.body)
            .execute(&mut *tx)
            .await?;
        }
        for (position, decision) in step.decisions.iter().enumerate() {
            let (kind, target) = match &decision.target {
                DecisionTarget::Step(s) => ("step", s.clone()),
                DecisionTarget::Level(l) => ("level", l.to_string()),
                DecisionTarget::Outcome(o) => ("outcome", o.key().to_string()),
            };
            sqlx::query(
                "INSERT INTO step_decisions (step_id, tenant_id, position, target_kind, target, label_nb, label_nn) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&step_id)
            .bind(&tenant.0)
            .bind(position as i64)
            .bind(kind)
            .bind(target)
            .bind(&decision.label.nb)
            .bind(&decision.label.nn)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}
