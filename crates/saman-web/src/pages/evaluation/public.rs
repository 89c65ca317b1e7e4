//! "How we work": the figures a municipality chooses to publish, for anyone, for the
//! last two whole years, protected as on the dashboard. Without chosen figures the page
//! does not exist.

use super::chart::{ChartSeries, bar_chart};
use super::{ChartView, Table, Words, period_label};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::pages::{find_tenant, parse_lang, render};
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use saman_domain::evaluation::{Dashboard, Figure, PeriodKind, Value, latest_whole};
use saman_store::clock;

#[derive(Template)]
#[template(path = "how_we_work.html")]
struct HowWeWorkPage {
    chrome: Chrome,
    intro: String,
    chart: Option<ChartView>,
    table: Table,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let record = &published.record;
    let settings = &record.tenant.evaluation;
    let figures: Vec<Figure> = settings
        .public_figures
        .iter()
        .filter_map(|k| Figure::from_key(k))
        .collect();
    if figures.is_empty() {
        return Err(WebError::NotFound);
    }
    let facts = state.facts.get(&state.store, &record.id).await?;
    let today = clock::today();
    let year = latest_whole(PeriodKind::Year, today);
    let dashboard = Dashboard::compute(&facts, year, None, settings.threshold, today);
    let threshold = dashboard.threshold;
    let words = Words {
        tr,
        threshold,
        model: &published.model,
    };
    let (this, before) = (period_label(tr, year), period_label(tr, year.previous()));
    let rows: Vec<_> = dashboard
        .rows
        .iter()
        .filter(|r| figures.contains(&r.figure))
        .collect();
    let counts: Vec<_> = rows
        .iter()
        .filter(|r| Figure::COUNTS.contains(&r.figure))
        .collect();
    let chart = (!counts.is_empty()).then(|| {
        let series = |name: &str, pick: fn(&saman_domain::evaluation::Row) -> Value| ChartSeries {
            name: name.to_string(),
            values: counts
                .iter()
                .map(|r| (pick(r).number(), words.value(pick(r))))
                .collect(),
        };
        let summary = tr.ta(
            "how-we-work-summary",
            [
                ("period", this.clone().into()),
                ("previous", before.clone().into()),
            ],
        );
        ChartView {
            svg: bar_chart(
                "chart-public",
                &summary,
                &counts
                    .iter()
                    .map(|r| words.figure(r.figure))
                    .collect::<Vec<_>>(),
                &[series(&this, |r| r.this), series(&before, |r| r.previous)],
            ),
            summary,
        }
    });
    render(HowWeWorkPage {
        chrome: Chrome::tenant(lang, tr.t("how-we-work-title"), &ctx, record, ""),
        intro: tr.t1("how-we-work-intro", "n", threshold),
        chart,
        table: Table {
            id: "table-public".into(),
            caption: tr.ta(
                "how-we-work-caption",
                [
                    ("period", this.clone().into()),
                    ("previous", before.clone().into()),
                ],
            ),
            head: vec![tr.t("evaluation-figure"), this, before],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        words.figure(r.figure),
                        words.value(r.this),
                        words.value(r.previous),
                    ]
                })
                .collect(),
            note: Some(tr.t("evaluation-days-note")),
            own_words: false,
        },
    })
}
