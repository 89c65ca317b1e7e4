//! What people search for on the tenant's site, per month: the most made searches and
//! those that found nothing, so that editors learn what content is missing. Counts
//! below 5 are shown as "under 5".

use super::{Editor, render, urls};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

/// Counts below this are shown as "under 5".
const SHOWN_FROM: i64 = 5;
/// How many searches each list shows.
const LISTED: usize = 30;

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    maned: String,
}

/// A list of searches with its heading and table caption.
pub struct SearchList {
    pub heading: String,
    pub caption: String,
    pub rows: Vec<SearchRow>,
}

pub struct SearchRow {
    pub query: String,
    pub href: String,
    pub count: String,
}

#[derive(Template)]
#[template(path = "editor_searches.html")]
struct SearchesPage {
    chrome: Chrome,
    months: Vec<(String, String, bool)>,
    lists: Vec<SearchList>,
}

fn shown(tr: Tr, count: i64) -> String {
    if count < SHOWN_FROM {
        tr.t("searches-under-5")
    } else {
        count.to_string()
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Query(query): Query<MonthQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let urls = urls(&allowed);
    let tenant = &allowed.tenant.record.id;
    // This instance's latest searches first, so the page is current.
    state.searches.flush(&state.store).await?;
    let this_month = crate::pages::search::this_month();
    let mut months = state.store.search_months(tenant).await?;
    if !months.contains(&this_month) {
        months.insert(0, this_month.clone());
    }
    let month = if months.contains(&query.maned) {
        query.maned
    } else {
        this_month
    };
    let counts = state.store.search_counts(tenant, &month).await?;
    let row = |c: &saman_store::SearchCount, count: i64| SearchRow {
        href: format!(
            "{}?{}",
            urls.at("/sok"),
            form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &c.query)
                .finish()
        ),
        query: c.query.clone(),
        count: shown(tr, count),
    };
    let top: Vec<SearchRow> = counts
        .iter()
        .take(LISTED)
        .map(|c| row(c, c.searches))
        .collect();
    let mut empty: Vec<&saman_store::SearchCount> =
        counts.iter().filter(|c| c.without_results > 0).collect();
    empty.sort_by_key(|c| std::cmp::Reverse(c.without_results));
    let without_results: Vec<SearchRow> = empty
        .into_iter()
        .take(LISTED)
        .map(|c| row(c, c.without_results))
        .collect();
    let months = months
        .into_iter()
        .map(|m| {
            let href = format!("{}?maned={m}", urls.at("/rediger/sok"));
            let current = m == month;
            (m, href, current)
        })
        .collect();
    render(SearchesPage {
        chrome: Chrome::tenant(
            allowed.lang,
            tr.t("searches-title"),
            &ctx,
            &allowed.tenant.record,
            "",
        ),
        lists: vec![
            SearchList {
                heading: tr.t1("searches-top", "month", month.clone()),
                caption: tr.t("searches-top-caption"),
                rows: top,
            },
            SearchList {
                heading: tr.t1("searches-empty", "month", month.clone()),
                caption: tr.t("searches-empty-caption"),
                rows: without_results,
            },
        ],
        months,
    })
}
