//! The figures of the work, for leaders and administrators: the relay logs' figures per
//! period (month, term, year) beside the previous period, broken down by BTI level,
//! service or age band, with charts and their tables; how things stand now; the
//! model's health; and searches that found nothing. Every figure is an aggregate from
//! the logs' metadata, small counts protected (`saman_domain::evaluation`). The same
//! tables download as CSV.

mod chart;
pub mod public;

use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::access::{Allowed, CanViewEvaluation};
use crate::error::WebError;
use crate::i18n::{Tr, month_name};
use crate::pages::editor::review::{Health, health};
use crate::pages::editor::title_of;
use crate::pages::render;
use crate::urls::TenantUrls;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chart::{ChartSeries, bar_chart};
use saman_domain::access::Role;
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::evaluation::survey::{QuestionKind, Respondent, Survey, SurveyKind, TEXTS_FROM};
use saman_domain::evaluation::{
    Breakdown, Cell, Dashboard, Figure, LogFacts, Period, PeriodKind, Value, is_whole,
    latest_whole, protect_count, protect_line,
};
use saman_store::clock;
use saman_store::{AuditContext, SurveyState, TenantId};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::Date;

type Leader = Allowed<CanViewEvaluation>;

/// How many years back the periods go, at most.
const YEARS_BACK: usize = 10;

#[derive(Deserialize, Default)]
pub struct FiguresQuery {
    #[serde(default)]
    periode: String,
    #[serde(default)]
    tid: String,
    #[serde(default)]
    inndeling: String,
}

/// A table, shown on the page and written to the CSV. The first cell of each row is
/// its header.
pub struct Table {
    pub id: String,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Said under the table, e.g. why it is withheld.
    pub note: Option<String>,
    /// People's own words (survey free texts): shown on the page only, never in the
    /// CSV or the PDF, which travel further.
    pub own_words: bool,
}

pub struct ChartView {
    /// Drawn by [`chart::bar_chart`], its texts escaped.
    pub svg: String,
    pub summary: String,
}

pub struct Section {
    pub id: String,
    pub heading: String,
    pub intro: Option<String>,
    /// Where to read more: (address, text).
    pub link: Option<(String, String)>,
    pub chart: Option<ChartView>,
    pub tables: Vec<Table>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    chrome: Chrome,
    intro: String,
    kinds: Vec<Choice>,
    periods: Vec<Choice>,
    breakdowns: Vec<Choice>,
    csv_href: String,
    report_href: String,
    report_label: String,
    sections: Vec<Section>,
}

/// What the reader chose, with defaults for what is missing or not understood.
struct Chosen {
    period: Period,
    breakdown: Option<Breakdown>,
}

fn choose(query: &FiguresQuery, today: Date) -> Chosen {
    let kind = PeriodKind::from_key(&query.periode).unwrap_or(PeriodKind::Year);
    let period = Period::from_key(kind, &query.tid)
        .filter(|p| is_whole(*p, today))
        .unwrap_or_else(|| latest_whole(kind, today));
    Chosen {
        period,
        breakdown: Breakdown::from_key(&query.inndeling),
    }
}

/// The periods to choose from: back to the first log (three years at least).
fn periods_back(kind: PeriodKind, today: Date, facts: &[LogFacts]) -> Vec<Period> {
    let earliest = facts
        .iter()
        .map(|f| f.opened_on)
        .min()
        .unwrap_or(today)
        .min(today - time::Duration::days(3 * 365));
    let horizon = today - time::Duration::days(YEARS_BACK as i64 * 365);
    let earliest = earliest.max(horizon);
    latest_whole(kind, today)
        .back(YEARS_BACK * 12)
        .into_iter()
        .take_while(|p| p.end > earliest)
        .collect()
}

pub fn period_label(tr: Tr, period: Period) -> String {
    let year = period.start.year();
    match period.kind {
        PeriodKind::Month => format!("{} {year}", month_name(period.start.month())),
        PeriodKind::Term => tr.t1(
            if period.start.month() == time::Month::January {
                "evaluation-term-1"
            } else {
                "evaluation-term-2"
            },
            "year",
            year.to_string(),
        ),
        PeriodKind::Year => year.to_string(),
    }
}

/// How figures are worded for one reader.
pub(super) struct Words<'a> {
    pub(super) tr: Tr,
    pub(super) threshold: i64,
    /// For the services' names.
    pub(super) model: &'a saman_store::Model,
}

impl Words<'_> {
    fn cell(&self, cell: Cell) -> String {
        match cell {
            Cell::Shown(n) => n.to_string(),
            Cell::Under => self.tr.t1("evaluation-under", "n", self.threshold),
            Cell::Hidden => self.tr.t("evaluation-hidden"),
        }
    }

    pub(super) fn value(&self, value: Value) -> String {
        match value {
            Value::Count(cell) => self.cell(cell),
            Value::Days {
                median: Some(median),
                p90: Some(p90),
                ..
            } => format!("{median} / {p90}"),
            Value::Days { n, .. } => self.tr.t1("evaluation-too-few", "n", self.cell(n)),
            Value::Share(Some(percent)) => format!("{percent} %"),
            Value::Share(None) => self.tr.t("evaluation-share-hidden"),
            Value::Withheld => self.tr.t("evaluation-withheld"),
        }
    }

    /// The change from `before` to `now`, where both are shown.
    fn change(&self, figure: Figure, now: Value, before: Value) -> String {
        let (Some(now), Some(before)) = (now.number(), before.number()) else {
            return String::new();
        };
        let difference = now - before;
        let signed = match difference {
            d if d > 0 => format!("+{d}"),
            d if d < 0 => format!("−{}", -d),
            _ => "0".to_string(),
        };
        if Figure::SHARES.contains(&figure) {
            self.tr.t1("evaluation-points", "n", signed)
        } else {
            signed
        }
    }

    pub(super) fn figure(&self, figure: Figure) -> String {
        self.tr.t(&format!("evaluation-figure-{}", figure.key()))
    }

    fn group(&self, breakdown: Breakdown, key: &str) -> String {
        match breakdown {
            Breakdown::Level => self.tr.t(&format!("relay-level-{key}")),
            Breakdown::AgeBand => self.tr.t(&format!("evaluation-age-{key}")),
            Breakdown::Service => self
                .model
                .items
                .iter()
                .find(|i| i.slug == key)
                .map_or_else(|| key.to_string(), |i| title_of(i, self.tr.lang)),
        }
    }
}

fn row_of(dashboard: &Dashboard, figure: Figure) -> Option<&saman_domain::evaluation::Row> {
    dashboard.rows.iter().find(|r| r.figure == figure)
}

/// The relay logs' figures, as sections of tables and charts.
/// The relay logs' figures. `chosen_breakdown`: what the reader asked to break them
/// down by (shown for whole years only).
fn log_sections(
    words: &Words,
    dashboard: &Dashboard,
    chosen_breakdown: Option<Breakdown>,
) -> Vec<Section> {
    let tr = words.tr;
    let this = period_label(tr, dashboard.period);
    let before = period_label(tr, dashboard.previous);
    let mut sections = Vec::new();

    let key_rows: Vec<Vec<String>> = dashboard
        .rows
        .iter()
        .map(|r| {
            vec![
                words.figure(r.figure),
                words.value(r.this),
                words.value(r.previous),
                words.change(r.figure, r.this, r.previous),
            ]
        })
        .collect();
    let charted = [
        Figure::Opened,
        Figure::Active,
        Figure::Closed,
        Figure::Handovers,
    ];
    let series_of = |name: &str, pick: fn(&saman_domain::evaluation::Row) -> Value| ChartSeries {
        name: name.to_string(),
        values: charted
            .iter()
            .filter_map(|f| row_of(dashboard, *f))
            .map(|r| (pick(r).number(), words.value(pick(r))))
            .collect(),
    };
    let opened = row_of(dashboard, Figure::Opened);
    let summary = tr.ta(
        "evaluation-key-summary",
        [
            (
                "now",
                opened
                    .map(|r| words.value(r.this))
                    .unwrap_or_default()
                    .into(),
            ),
            ("period", this.clone().into()),
            (
                "before",
                opened
                    .map(|r| words.value(r.previous))
                    .unwrap_or_default()
                    .into(),
            ),
            ("previous", before.clone().into()),
        ],
    );
    sections.push(Section {
        id: "logs".into(),
        heading: tr.t1("evaluation-logs-heading", "period", this.clone()),
        intro: Some(tr.t("evaluation-logs-intro")),
        link: None,
        chart: Some(ChartView {
            svg: bar_chart(
                "chart-logs",
                &summary,
                &charted.map(|f| words.figure(f)),
                &[
                    series_of(&this, |r| r.this),
                    series_of(&before, |r| r.previous),
                ],
            ),
            summary,
        }),
        tables: vec![Table {
            id: "table-logs".into(),
            caption: tr.t1("evaluation-logs-caption", "period", this.clone()),
            head: vec![
                tr.t("evaluation-figure"),
                this.clone(),
                before.clone(),
                tr.t("evaluation-change"),
            ],
            rows: key_rows,
            note: Some(tr.t("evaluation-days-note")),
            own_words: false,
        }],
    });

    if let Some(series) = &dashboard.series {
        let shown = series
            .months
            .iter()
            .filter_map(|(m, v)| v.number().map(|n| (m, n)))
            .max_by_key(|(_, n)| *n);
        let summary = match shown {
            Some((month, n)) => tr.ta(
                "evaluation-series-summary",
                [
                    ("period", this.clone().into()),
                    ("month", period_label(tr, *month).into()),
                    ("n", n.into()),
                ],
            ),
            None => tr.t1("evaluation-series-none", "period", this.clone()),
        };
        let labels: Vec<String> = series
            .months
            .iter()
            .map(|(m, _)| period_label(tr, *m))
            .collect();
        sections.push(Section {
            id: "months".into(),
            heading: tr.t1("evaluation-series-heading", "period", this.clone()),
            intro: None,
            link: None,
            chart: Some(ChartView {
                svg: bar_chart(
                    "chart-months",
                    &summary,
                    &labels,
                    &[ChartSeries {
                        name: this.clone(),
                        values: series
                            .months
                            .iter()
                            .map(|(_, v)| (v.number(), words.value(*v)))
                            .collect(),
                    }],
                ),
                summary,
            }),
            tables: vec![Table {
                id: "table-months".into(),
                caption: tr.t1("evaluation-series-caption", "period", this.clone()),
                head: vec![tr.t("evaluation-month"), words.figure(Figure::Opened)],
                rows: series
                    .months
                    .iter()
                    .zip(&labels)
                    .map(|((_, v), label)| vec![label.clone(), words.value(*v)])
                    .collect(),
                note: None,
                own_words: false,
            }],
        });
    }

    if let (Some(breakdown), None) = (chosen_breakdown, &dashboard.groups) {
        sections.push(Section {
            id: "groups".into(),
            heading: tr.t1(
                "evaluation-groups-heading",
                "by",
                tr.t(&format!("evaluation-by-{}", breakdown.key())),
            ),
            intro: Some(tr.t("evaluation-groups-years-only")),
            link: None,
            chart: None,
            tables: Vec::new(),
        });
    }
    if let Some((breakdown, groups)) = &dashboard.groups {
        let by = tr.t(&format!("evaluation-by-{}", breakdown.key()));
        let head: Vec<String> = std::iter::once(by.clone())
            .chain(Figure::by_group().map(|f| words.figure(f)))
            .collect();
        let totals = |pick: fn(&saman_domain::evaluation::Row) -> Value| -> Vec<String> {
            std::iter::once(tr.t("evaluation-all"))
                .chain(Figure::by_group().map(|f| {
                    row_of(dashboard, f)
                        .map(|r| words.value(pick(r)))
                        .unwrap_or_default()
                }))
                .collect()
        };
        let table = |id: &str,
                     period: &str,
                     values: fn(&saman_domain::evaluation::GroupRow) -> &Vec<Value>,
                     total: Vec<String>| Table {
            id: id.into(),
            caption: tr.ta(
                "evaluation-groups-caption",
                [
                    ("by", by.clone().into()),
                    ("period", period.to_string().into()),
                ],
            ),
            head: head.clone(),
            rows: groups
                .iter()
                .map(|g| {
                    std::iter::once(words.group(*breakdown, &g.group))
                        .chain(values(g).iter().map(|v| words.value(*v)))
                        .collect()
                })
                .chain(std::iter::once(total))
                .collect(),
            note: None,
            own_words: false,
        };
        let names: Vec<String> = groups
            .iter()
            .map(|g| words.group(*breakdown, &g.group))
            .collect();
        let opened = |values: fn(&saman_domain::evaluation::GroupRow) -> &Vec<Value>,
                      name: &str| ChartSeries {
            name: name.to_string(),
            values: groups
                .iter()
                .map(|g| (values(g)[0].number(), words.value(values(g)[0])))
                .collect(),
        };
        let most = groups
            .iter()
            .zip(&names)
            .filter_map(|(g, name)| g.this[0].number().map(|n| (name, n)))
            .max_by_key(|(_, n)| *n);
        let summary = match most {
            Some((name, n)) => tr.ta(
                "evaluation-groups-summary",
                [
                    ("by", by.clone().into()),
                    ("period", this.clone().into()),
                    ("group", name.clone().into()),
                    ("n", n.into()),
                ],
            ),
            None => tr.ta(
                "evaluation-groups-none",
                [("by", by.clone().into()), ("period", this.clone().into())],
            ),
        };
        sections.push(Section {
            id: "groups".into(),
            heading: tr.t1("evaluation-groups-heading", "by", by.clone()),
            intro: Some(tr.t("evaluation-groups-intro")),
            link: None,
            chart: Some(ChartView {
                svg: bar_chart(
                    "chart-groups",
                    &summary,
                    &names,
                    &[opened(|g| &g.this, &this), opened(|g| &g.previous, &before)],
                ),
                summary,
            }),
            tables: vec![
                table("table-groups", &this, |g| &g.this, totals(|r| r.this)),
                table(
                    "table-groups-previous",
                    &before,
                    |g| &g.previous,
                    totals(|r| r.previous),
                ),
            ],
        });
    }

    let mut reasons = Table {
        id: "table-reasons".into(),
        caption: tr.t1("evaluation-reasons-caption", "period", this.clone()),
        head: vec![tr.t("evaluation-reason"), tr.t("evaluation-count")],
        rows: Vec::new(),
        note: None,
        own_words: false,
    };
    match &dashboard.reasons {
        Some(rows) => {
            reasons.rows = rows
                .iter()
                .map(|(key, cell)| {
                    let label = if key.is_empty() {
                        tr.t("evaluation-reason-unknown")
                    } else {
                        tr.t(&format!("relay-close-{key}"))
                    };
                    vec![label, words.cell(*cell)]
                })
                .collect();
            if rows.is_empty() {
                reasons.note = Some(tr.t("evaluation-none-closed"));
            }
        }
        None => reasons.note = Some(tr.t("evaluation-withheld-note")),
    }
    let now = &dashboard.now;
    sections.push(Section {
        id: "now".into(),
        heading: tr.t("evaluation-now-heading"),
        intro: None,
        link: None,
        chart: None,
        tables: vec![
            Table {
                id: "table-now".into(),
                caption: tr.t("evaluation-now-caption"),
                head: vec![tr.t("evaluation-figure"), tr.t("evaluation-count")],
                rows: vec![
                    vec![tr.t("evaluation-now-active"), words.cell(now.active)],
                    vec![tr.t("evaluation-now-overdue"), words.cell(now.overdue)],
                    vec![
                        tr.t("evaluation-now-pending"),
                        words.cell(now.pending_handovers),
                    ],
                ],
                note: None,
                own_words: false,
            },
            reasons,
        ],
    });
    sections
}

/// The model's own health: reviews past due per owner, and the checks' counts.
fn health_section(tr: Tr, health: Health, review_href: String) -> Section {
    let mut owners = Table {
        id: "table-past-due".into(),
        caption: tr.t("evaluation-past-due-caption"),
        head: vec![tr.t("evaluation-owner"), tr.t("evaluation-count")],
        rows: health
            .past_due_by_owner
            .into_iter()
            .map(|(owner, n)| vec![owner, n.to_string()])
            .collect(),
        note: None,
        own_words: false,
    };
    if owners.rows.is_empty() {
        owners.note = Some(tr.t("evaluation-past-due-none"));
    }
    Section {
        id: "model".into(),
        heading: tr.t("evaluation-model-heading"),
        intro: Some(tr.t("evaluation-model-intro")),
        link: Some((review_href, tr.t("evaluation-model-link"))),
        chart: None,
        tables: vec![
            owners,
            Table {
                id: "table-health".into(),
                caption: tr.t("evaluation-health-caption"),
                head: vec![tr.t("evaluation-check"), tr.t("evaluation-count")],
                rows: health
                    .lists
                    .into_iter()
                    .map(|(check, found)| vec![check, found.len().to_string()])
                    .collect(),
                note: None,
                own_words: false,
            },
        ],
    }
}

/// Searches, and searches that found nothing, in the period and the one before.
async fn search_section(
    state: &AppState,
    tr: Tr,
    allowed: &Leader,
    dashboard: &Dashboard,
) -> Result<Section, WebError> {
    state.searches.flush(&state.store).await?;
    let mut totals = Vec::new();
    for period in [dashboard.period, dashboard.previous] {
        let months = period.months();
        let (first, last) = (months[0].key(), months[months.len() - 1].key());
        totals.push(
            state
                .store
                .search_totals(&allowed.tenant.record.id, &first, &last)
                .await?,
        );
    }
    Ok(Section {
        id: "searches".into(),
        heading: tr.t("evaluation-searches-heading"),
        intro: Some(tr.t("evaluation-searches-intro")),
        link: None,
        chart: None,
        tables: vec![Table {
            id: "table-searches".into(),
            caption: tr.t("evaluation-searches-caption"),
            head: vec![
                tr.t("evaluation-figure"),
                period_label(tr, dashboard.period),
                period_label(tr, dashboard.previous),
            ],
            rows: vec![
                vec![
                    tr.t("evaluation-searches"),
                    totals[0].0.to_string(),
                    totals[1].0.to_string(),
                ],
                vec![
                    tr.t("evaluation-searches-empty"),
                    totals[0].1.to_string(),
                    totals[1].1.to_string(),
                ],
            ],
            note: None,
            own_words: false,
        }],
    })
}

/// How long a tenant's facts are kept: the figures count whole months, and "how it
/// stands now" may be this old.
const FACTS_KEPT_FOR: Duration = Duration::from_secs(60);
/// How many tenants' facts are kept at most (the least recently read go first).
const FACTS_TENANTS_KEPT: usize = 32;

/// Each tenant's facts for the figures, read from the database at most once a minute:
/// reading ten thousand logs' metadata takes most of a dashboard's time.
#[derive(Default)]
pub struct FactsCache(Mutex<KeptFacts>);

/// Per tenant (by id): when its facts were read, and the facts.
type KeptFacts = HashMap<String, (Instant, Arc<Vec<LogFacts>>)>;

impl FactsCache {
    pub async fn get(
        &self,
        store: &saman_store::Store,
        tenant: &TenantId,
    ) -> Result<Arc<Vec<LogFacts>>, WebError> {
        let key = tenant.as_str().to_string();
        if let Some((read, facts)) = self.lock().get(&key)
            && read.elapsed() < FACTS_KEPT_FOR
        {
            return Ok(facts.clone());
        }
        let facts = Arc::new(
            saman_relay::Relay::new(store.clone())
                .evaluation_facts(tenant)
                .await
                .map_err(|e| WebError::Internal(format!("figures: {e}")))?,
        );
        let mut kept = self.lock();
        kept.insert(key, (Instant::now(), facts.clone()));
        while kept.len() > FACTS_TENANTS_KEPT {
            let oldest = kept
                .iter()
                .min_by_key(|(_, (read, _))| *read)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => kept.remove(&k),
                None => break,
            };
        }
        Ok(facts)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptFacts> {
        // A panic while holding it leaves only a cache behind: go on with it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn load_facts(state: &AppState, allowed: &Leader) -> Result<Arc<Vec<LogFacts>>, WebError> {
    state
        .facts
        .get(&state.store, &allowed.tenant.record.id)
        .await
}

/// Everything the page and the CSV show.
async fn sections(
    state: &AppState,
    allowed: &Leader,
    query: &FiguresQuery,
) -> Result<(Chosen, Arc<Vec<LogFacts>>, Vec<Section>), WebError> {
    let today = clock::today();
    let chosen = choose(query, today);
    let facts = load_facts(state, allowed).await?;
    let sections = sections_for(state, allowed, &facts, &chosen, today).await?;
    Ok((chosen, facts, sections))
}

fn words(allowed: &Leader) -> Words<'_> {
    Words {
        tr: Tr::new(allowed.lang),
        threshold: i64::from(allowed.tenant.record.tenant.evaluation.threshold),
        model: &allowed.tenant.model,
    }
}

async fn sections_for(
    state: &AppState,
    allowed: &Leader,
    facts: &[LogFacts],
    chosen: &Chosen,
    today: Date,
) -> Result<Vec<Section>, WebError> {
    let words = words(allowed);
    let tr = words.tr;
    let threshold = allowed.tenant.record.tenant.evaluation.threshold;
    let dashboard = Dashboard::compute(facts, chosen.period, chosen.breakdown, threshold, today);
    let mut sections = log_sections(&words, &dashboard, chosen.breakdown);
    let tenant_id = &allowed.tenant.record.id;
    let states = state.store.editable_items(tenant_id).await?;
    let guides = state
        .store
        .editable::<saman_domain::Guide>(tenant_id)
        .await?;
    let urls = TenantUrls::new(allowed.lang, &allowed.tenant.record.tenant.slug);
    sections.push(health_section(
        tr,
        health(tr, allowed, &states, &guides, today),
        urls.at("/gjennomgang"),
    ));
    sections.extend(survey_sections(state, allowed, &words, &dashboard, today).await?);
    sections.push(search_section(state, tr, allowed, &dashboard).await?);
    Ok(sections)
}

/// The surveys' results for the period the dashboard shows (a term for the user
/// survey, a year for the staff survey) beside the one before: per group of
/// respondents, how many answered, and per question how they answered, each question's
/// counts protected as a line; free texts only from groups of at least
/// [`survey::TEXTS_FROM`].
async fn survey_sections(
    state: &AppState,
    allowed: &Leader,
    words: &Words<'_>,
    dashboard: &Dashboard,
    today: Date,
) -> Result<Vec<Section>, WebError> {
    let tr = words.tr;
    let tenant = &allowed.tenant.record.id;
    let last_day = (dashboard.period.end - time::Duration::days(1)).min(today);
    let mut sections = Vec::new();
    for record in state.store.surveys(tenant).await? {
        if record.state == SurveyState::Draft {
            continue;
        }
        let survey = &record.survey;
        let results = state.store.survey_results(tenant, &record.id).await?;
        // Only periods that are over: results that change as answers come in would
        // show whoever just answered.
        let mut this = Survey::period_of(survey.kind, last_day);
        if this.end > today {
            this = this.previous();
        }
        let periods = [this, this.previous()];
        let labels = periods.map(|p| period_label(tr, p));
        let count = |period: Period, group: Respondent, question: &str, answer: &str| -> i64 {
            results
                .counts
                .iter()
                .filter(|c| c.0 == period.key() && c.1 == group && c.2 == question && c.3 == answer)
                .map(|c| c.4)
                .sum()
        };
        let groups: &[Respondent] = match survey.kind {
            SurveyKind::User => &[Respondent::Guardian, Respondent::Youth],
            SurveyKind::Staff => &[Respondent::Staff],
        };
        let mut tables = Vec::new();
        for &group in groups {
            let group_name = tr.t(&format!("survey-group-{}", group.key()));
            let answered = periods.map(|p| count(p, group, "", ""));
            tables.push(Table {
                id: format!("survey-{}-{}", record.id, group.key()),
                caption: tr.t1("survey-answered-caption", "group", group_name.clone()),
                head: vec![
                    tr.t("evaluation-figure"),
                    labels[0].clone(),
                    labels[1].clone(),
                ],
                rows: vec![vec![
                    tr.t("survey-answered"),
                    words.cell(protect_count(answered[0], words.threshold)),
                    words.cell(protect_count(answered[1], words.threshold)),
                ]],
                note: None,
                own_words: false,
            });
            for (i, question) in survey.questions.iter().enumerate() {
                let options = question.option_keys();
                let id = format!("survey-{}-{}-{}", record.id, group.key(), question.key);
                let caption = format!("{} ({group_name})", question.text.get(tr.lang));
                if options.is_empty() {
                    let enough = answered[0] >= TEXTS_FROM.max(words.threshold);
                    tables.push(Table {
                        id,
                        caption,
                        head: vec![tr.t("survey-text-answer")],
                        rows: if enough {
                            results
                                .texts
                                .iter()
                                .filter(|t| {
                                    t.0 == this.key() && t.1 == group && t.2 == question.key
                                })
                                .map(|t| vec![t.3.clone()])
                                .collect()
                        } else {
                            Vec::new()
                        },
                        note: (!enough).then(|| {
                            tr.t1("survey-texts-hidden", "n", TEXTS_FROM.max(words.threshold))
                        }),
                        own_words: true,
                    });
                    continue;
                }
                let cells = periods.map(|p| {
                    let counts: Vec<i64> = options
                        .iter()
                        .map(|o| count(p, group, &question.key, o))
                        .collect();
                    protect_line(&counts, words.threshold)
                });
                let mut rows: Vec<Vec<String>> = options
                    .iter()
                    .enumerate()
                    .map(|(n, o)| {
                        let mut row = vec![crate::pages::surveys::option_label(tr, survey, i, o)];
                        row.extend(cells.iter().map(|c| match c {
                            Some(c) => words.cell(c[n]),
                            None => tr.t("evaluation-withheld"),
                        }));
                        row
                    })
                    .collect();
                if question.kind == QuestionKind::Scale {
                    let mut row = vec![tr.t("survey-mean")];
                    for (p, shown) in periods.iter().zip(&cells) {
                        let counts: Vec<i64> = options
                            .iter()
                            .map(|o| count(*p, group, &question.key, o))
                            .collect();
                        let n: i64 = counts.iter().sum();
                        let sum: i64 = counts.iter().zip(1..).map(|(c, v)| c * v).sum();
                        // A mean beside hidden counts would give them away: only where
                        // every option's count is shown.
                        let all_shown = shown
                            .as_ref()
                            .is_some_and(|c| c.iter().all(|c| c.shown().is_some()));
                        row.push(if all_shown && n > 0 {
                            format!("{:.1}", sum as f64 / n as f64).replace('.', ",")
                        } else {
                            tr.t1("evaluation-too-few", "n", words.cell(Cell::Under))
                        });
                    }
                    rows.push(row);
                }
                tables.push(Table {
                    id,
                    caption,
                    head: vec![tr.t("survey-answer"), labels[0].clone(), labels[1].clone()],
                    rows,
                    note: None,
                    own_words: false,
                });
            }
        }
        sections.push(Section {
            id: format!("survey-{}", record.id),
            heading: survey.title.get(tr.lang).to_string(),
            intro: Some(tr.t(&format!("survey-results-intro-{}", survey.kind.key()))),
            link: None,
            chart: None,
            tables,
        });
    }
    Ok(sections)
}

/// Audits a read of the figures (`what`: the page, the CSV or the report, and the
/// period): aggregates only, but who looked at what is still kept.
async fn audit_read(
    state: &AppState,
    allowed: &Leader,
    address: String,
    what: &str,
    period: Period,
) -> Result<(), WebError> {
    let tenant = &allowed.tenant.record.id;
    let admin = allowed
        .user
        .actor
        .roles_in(Some(tenant.as_str()))
        .any(|r| r == Role::TenantAdmin);
    let role = if admin {
        Role::TenantAdmin
    } else {
        Role::ServiceLeader
    };
    let ctx = AuditContext {
        tenant: Some(tenant.clone()),
        actor_id: Some(allowed.user.account.id.clone()),
        actor_role: Some(role.key().into()),
        address,
    };
    state
        .store
        .audit(
            &ctx,
            AuditAction::FiguresRead,
            &format!("figures:{}", period.key()),
            Outcome::Success,
            what,
        )
        .await?;
    Ok(())
}

fn query_string(period: Period, breakdown: Option<Breakdown>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("periode", period.kind.key());
    q.append_pair("tid", &period.key());
    if let Some(b) = breakdown {
        q.append_pair("inndeling", b.key());
    }
    q.finish()
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Leader,
    Query(query): Query<FiguresQuery>,
) -> Result<Html<String>, WebError> {
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let today = clock::today();
    let (chosen, facts, sections) = sections(&state, &allowed, &query).await?;
    audit_read(&state, &allowed, address, "page", chosen.period).await?;
    let urls = TenantUrls::new(lang, &allowed.tenant.record.tenant.slug);
    let kinds = PeriodKind::ALL
        .into_iter()
        .map(|k| Choice {
            value: k.key().into(),
            label: tr.t(&format!("evaluation-kind-{}", k.key())),
            selected: k == chosen.period.kind,
        })
        .collect();
    let periods = periods_back(chosen.period.kind, today, &facts)
        .into_iter()
        .map(|p| Choice {
            value: p.key(),
            label: period_label(tr, p),
            selected: p == chosen.period,
        })
        .collect();
    let breakdowns = std::iter::once(Choice {
        value: String::new(),
        label: tr.t("evaluation-by-none"),
        selected: chosen.breakdown.is_none(),
    })
    .chain(Breakdown::ALL.into_iter().map(|b| Choice {
        value: b.key().into(),
        label: tr.t(&format!("evaluation-by-{}", b.key())),
        selected: chosen.breakdown == Some(b),
    }))
    .collect();
    render(EvaluationPage {
        chrome: Chrome::tenant(
            lang,
            tr.t("evaluation-title"),
            &ctx,
            &allowed.tenant.record,
            "",
        ),
        intro: tr.t1(
            "evaluation-intro",
            "n",
            i64::from(allowed.tenant.record.tenant.evaluation.threshold),
        ),
        kinds,
        periods,
        breakdowns,
        csv_href: format!(
            "{}?{}",
            urls.at("/evaluering.csv"),
            query_string(chosen.period, chosen.breakdown)
        ),
        report_href: format!(
            "{}?ar={}",
            urls.at("/evaluering/arsrapport.pdf"),
            chosen.period.start.year()
        ),
        report_label: tr.t1(
            "evaluation-report-link",
            "year",
            chosen.period.start.year().to_string(),
        ),
        sections,
    })
}

/// One CSV field: quoted when it holds the separator, a quote or a line break.
fn csv_field(text: &str) -> String {
    // A spreadsheet would run a cell starting like a formula: make it plain text.
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The tables as CSV: separated by semicolons (what spreadsheets in Norway expect),
/// with a byte order mark so they read it as UTF-8; each table after its caption.
fn csv_of(sections: &[Section]) -> String {
    let mut out = String::from("\u{feff}");
    for table in sections
        .iter()
        .flat_map(|s| &s.tables)
        .filter(|t| !t.own_words)
    {
        out.push_str(&csv_field(&table.caption));
        out.push_str("\r\n");
        for row in std::iter::once(&table.head).chain(&table.rows) {
            let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
            out.push_str(&fields.join(";"));
            out.push_str("\r\n");
        }
        if let Some(note) = &table.note {
            out.push_str(&csv_field(note));
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
    }
    out
}

pub async fn csv(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Leader,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, WebError> {
    let (chosen, _, sections) = sections(&state, &allowed, &query).await?;
    audit_read(&state, &allowed, address, "csv", chosen.period).await?;
    let name = format!(
        "saman-tal-{}-{}.csv",
        allowed.tenant.record.tenant.slug,
        chosen.period.key()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        csv_of(&sections),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    ar: String,
}

/// The yearly report as PDF, for the municipal council and grant reporting: the year's
/// figures beside the year before, by BTI level, age band and service, with the charts.
pub async fn report(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Leader,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let today = clock::today();
    let year = Period::from_key(PeriodKind::Year, &query.ar)
        .filter(|p| is_whole(*p, today))
        .unwrap_or_else(|| latest_whole(PeriodKind::Year, today));
    audit_read(&state, &allowed, address, "report", year).await?;
    let facts = load_facts(&state, &allowed).await?;
    let chosen = Chosen {
        period: year,
        breakdown: Some(Breakdown::Level),
    };
    let mut sections = sections_for(&state, &allowed, &facts, &chosen, today).await?;
    let words = words(&allowed);
    let threshold = allowed.tenant.record.tenant.evaluation.threshold;
    let at = sections
        .iter()
        .position(|s| s.id == "groups")
        .map_or(sections.len(), |i| i + 1);
    for (i, breakdown) in [Breakdown::AgeBand, Breakdown::Service]
        .into_iter()
        .enumerate()
    {
        let dashboard = Dashboard::compute(&facts, year, Some(breakdown), threshold, today);
        if let Some(groups) = log_sections(&words, &dashboard, Some(breakdown))
            .into_iter()
            .find(|s| s.id == "groups")
        {
            sections.insert(at + i, groups);
        }
    }
    let tr = words.tr;
    let tenant = &allowed.tenant.record.tenant;
    let document = saman_pdf::ReportDocument {
        lang: allowed.lang.code().into(),
        title: tr.t1(
            "evaluation-report-title",
            "year",
            year.start.year().to_string(),
        ),
        subtitle: format!("{} · {}", tenant.name(allowed.lang), tr.date(today)),
        intro: tr.t1("evaluation-intro", "n", words.threshold),
        sections: sections
            .into_iter()
            .map(|s| saman_pdf::ReportSection {
                heading: s.heading,
                intro: s.intro.unwrap_or_default(),
                // The page's charts take the page's font; the PDF's, the report's.
                charts: s
                    .chart
                    .map(|c| {
                        (
                            c.svg.replacen(
                                "font-family=\"inherit\"",
                                "font-family=\"Libertinus Serif\"",
                                1,
                            ),
                            c.summary,
                        )
                    })
                    .into_iter()
                    .collect(),
                tables: s
                    .tables
                    .into_iter()
                    .filter(|t| !t.own_words)
                    .map(|t| saman_pdf::ReportTable {
                        caption: t.caption,
                        head: t.head,
                        rows: t.rows,
                        note: t.note.unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
        footer: tr.t("evaluation-report-footer"),
    };
    let pdf = tokio::task::spawn_blocking(move || document.render())
        .await
        .map_err(|e| WebError::Internal(format!("report: {e}")))?
        .map_err(|e| WebError::Internal(format!("report: {}", e.kind())))?;
    let name = format!("saman-arsrapport-{}-{}.pdf", tenant.slug, year.start.year());
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_field("12"), "12");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("@x;y"), "\"'@x;y\"");
    }

    #[test]
    fn unknown_choices_fall_back() {
        let today = time::macros::date!(2026 - 11 - 20);
        let chosen = choose(
            &FiguresQuery {
                periode: "x".into(),
                tid: "2031".into(),
                inndeling: "y".into(),
            },
            today,
        );
        // The latest whole year: 2026 is not over.
        assert_eq!(chosen.period.key(), "2025");
        assert!(chosen.breakdown.is_none());
        let term = choose(
            &FiguresQuery {
                periode: "termin".into(),
                tid: "2026-2".into(),
                inndeling: String::new(),
            },
            today,
        );
        assert_eq!(term.period.key(), "2026-1", "the autumn is not over");
        let chosen = choose(
            &FiguresQuery {
                periode: "maned".into(),
                tid: "2025-03".into(),
                inndeling: "alder".into(),
            },
            today,
        );
        assert_eq!(chosen.period.key(), "2025-03");
        assert_eq!(chosen.breakdown, Some(Breakdown::AgeBand));
    }
}
