//! Search over a tenant's published model: a results page that works without
//! JavaScript, and suggestions for the search field's combobox. The index is built in
//! memory from the published model the first time a version of it is searched, so a
//! publish on any instance is searchable on every instance at its next search, and pages
//! that do not search pay nothing.

use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::pages::forms::Wording;
use crate::urls::TenantUrls;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use saman_domain::forms::{FORMS, TextRole};
use saman_domain::search::text::plain_text;
use saman_domain::search::{
    Audience, DocKind, DocText, Document, Found, Index, SAMAN_SYNONYMS, Synonyms, passage,
};
use saman_domain::{Lang, Level, TargetGroup};
use saman_store::recently_used::RecentlyUsed;
use saman_store::{Published, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

/// The longest query taken; the rest is cut.
const MAX_QUERY: usize = 200;
const PER_PAGE: usize = 20;
/// How many suggestions the search field shows.
const SUGGESTED: usize = 6;
/// How many tenants' indexes an instance keeps; the least recently searched goes first.
const KEPT_INDEXES: usize = 32;
/// The longest passage shown under a result, in characters.
const PASSAGE: usize = 220;

static SAMAN: LazyLock<Synonyms> = LazyLock::new(|| Synonyms::parse(SAMAN_SYNONYMS));

/// Each tenant's index, for the published model it was built from.
pub struct SearchIndexes {
    kept: Mutex<RecentlyUsed<Kept>>,
}

impl Default for SearchIndexes {
    fn default() -> Self {
        SearchIndexes {
            kept: Mutex::new(RecentlyUsed::new(KEPT_INDEXES)),
        }
    }
}

struct Kept {
    /// Which copy of the model the index was built from: not kept alive by the index,
    /// so that models and indexes are bounded each by their own limit. (A weak pointer
    /// keeps the address taken, so another copy can never be mistaken for it.)
    model: Weak<Published>,
    index: Arc<Index>,
}

impl SearchIndexes {
    /// The index of `published`, built now if this copy of the model has none.
    pub fn of(&self, published: &Arc<Published>) -> Arc<Index> {
        let slug = &published.record.tenant.slug;
        {
            let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(k) = kept
                .get(slug)
                .filter(|k| std::ptr::eq(k.model.as_ptr(), Arc::as_ptr(published)))
            {
                return k.index.clone();
            }
        }
        // Built outside the lock: other tenants' searches go on meanwhile.
        let index = Arc::new(build_index(published));
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.insert(
            slug,
            Kept {
                model: Arc::downgrade(published),
                index: index.clone(),
            },
        );
        index
    }
}

/// A tenant's index: its published documents, with Saman's synonyms and its own.
pub fn build_index(published: &Published) -> Index {
    let mut synonyms = SAMAN.clone();
    for group in &published.record.tenant.search_synonyms {
        synonyms.add(group.iter().map(String::as_str));
    }
    Index::build(documents(published), synonyms)
}

/// Builds the indexes of the first tenants (as many as are kept), one at a time, so the
/// first searches after a start do not wait for them.
pub async fn warm(state: AppState) {
    let tenants = match state.store.list_tenants().await {
        Ok(tenants) => tenants,
        Err(e) => {
            tracing::warn!(error = %e, "search indexes not built at start");
            return;
        }
    };
    let started = std::time::Instant::now();
    let mut built = 0;
    for tenant in tenants.into_iter().take(KEPT_INDEXES) {
        if let Ok(Some(published)) = state.store.published(&tenant.slug).await {
            let search = state.search.clone();
            // Building is CPU work: off the request threads.
            let done = tokio::task::spawn_blocking(move || {
                search.of(&published);
            })
            .await;
            built += usize::from(done.is_ok());
        }
    }
    tracing::info!(
        tenants = built,
        ms = started.elapsed().as_millis() as u64,
        "search indexes built"
    );
}

/// Searches counted in memory and written in batches, so that a search never waits for
/// a write. Kept per tenant, month and query: never who searched, or when.
#[derive(Default)]
pub struct SearchCounter {
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    counts: HashMap<(TenantId, String, String), (i64, i64)>,
    since: Option<std::time::Instant>,
}

/// How long counts wait in memory before they are written, at most.
const COUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

impl SearchCounter {
    /// Counts a search made on the results page; writes the batch when it is due.
    pub fn count(&self, store: &saman_store::Store, tenant: &TenantId, query: &str, found: bool) {
        let Some(query) = counted_query(query) else {
            return;
        };
        let month = this_month();
        let due = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let since = *pending.since.get_or_insert_with(std::time::Instant::now);
            let entry = pending
                .counts
                .entry((tenant.clone(), month, query))
                .or_default();
            entry.0 += 1;
            entry.1 += i64::from(!found);
            since.elapsed() >= COUNT_EVERY || pending.counts.len() >= 1000
        };
        if due {
            let store = store.clone();
            let batch = self.take();
            tokio::spawn(async move {
                if let Err(e) = store.add_search_counts(&batch).await {
                    tracing::warn!(error = %e, "search counts not written");
                }
            });
        }
    }

    /// Writes what is counted now (before the counts are read).
    pub async fn flush(&self, store: &saman_store::Store) -> Result<(), WebError> {
        let batch = self.take();
        Ok(store.add_search_counts(&batch).await?)
    }

    fn take(&self) -> Vec<(TenantId, String, String, i64, i64)> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.since = None;
        pending
            .counts
            .drain()
            .map(|((tenant, month, query), (n, empty))| (tenant, month, query, n, empty))
            .collect()
    }
}

/// The month searches are counted in now, `YYYY-MM`.
pub fn this_month() -> String {
    saman_store::clock::today().to_string()[..7].to_string()
}

/// A query as it is counted: lower case, single spaces; not counted when it is long or
/// looks like it names someone (an e-mail address, a phone or identity number).
fn counted_query(query: &str) -> Option<String> {
    let query = query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let digits = query
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    (!query.is_empty() && query.chars().count() <= 60 && !query.contains('@') && digits < 5)
        .then_some(query)
}

/// Everything of the published model the search finds: items (with a service's contact
/// details), guides and their steps, forms (in the tenant's wording) and the timeline.
pub fn documents(published: &Published) -> Vec<Document> {
    let model = &published.model;
    let mut docs = Vec::new();
    for item in &model.items {
        let texts = Lang::ALL
            .into_iter()
            .filter_map(|lang| {
                let t = item.text.get(lang)?;
                let mut body = plain_text(&t.body);
                let contact = item.contact.iter().flat_map(|c| {
                    [&c.phone, &c.email, &c.address, &c.web]
                        .into_iter()
                        .flatten()
                });
                for extra in t.opening_hours.iter().chain(contact) {
                    body.push('\n');
                    body.push_str(extra);
                }
                Some(DocText {
                    lang,
                    title: t.title.clone(),
                    summary: t.summary.clone(),
                    body,
                })
            })
            .collect();
        docs.push(Document {
            key: item.slug.clone(),
            kind: DocKind::Item(item.kind),
            levels: item.levels.clone(),
            target_groups: item.target_groups.clone(),
            texts,
        });
    }
    for guide in &model.guides {
        docs.push(Document {
            key: format!("veileder:{}", guide.slug),
            kind: DocKind::Guide,
            levels: Vec::new(),
            target_groups: Vec::new(),
            texts: Lang::ALL
                .into_iter()
                .filter_map(|lang| {
                    let t = guide.text.get(lang)?;
                    Some(DocText {
                        lang,
                        title: t.title.clone(),
                        summary: t.summary.clone(),
                        body: plain_text(&t.body),
                    })
                })
                .collect(),
        });
        for step in &guide.steps {
            docs.push(Document {
                key: format!("steg:{}/{}", guide.slug, step.slug),
                kind: DocKind::Step,
                levels: Vec::new(),
                target_groups: Vec::new(),
                texts: Lang::ALL
                    .into_iter()
                    .filter_map(|lang| {
                        let t = step.text.get(lang)?;
                        let mut body = plain_text(&t.body);
                        for extra in std::iter::once(&t.responsible).chain(&t.questions) {
                            body.push('\n');
                            body.push_str(extra);
                        }
                        Some(DocText {
                            lang,
                            title: t.title.clone(),
                            summary: t.summary.clone(),
                            body,
                        })
                    })
                    .collect(),
            });
        }
    }
    for form in FORMS {
        docs.push(Document {
            key: format!("skjema:{}", form.key),
            kind: DocKind::Form,
            levels: Vec::new(),
            target_groups: Vec::new(),
            texts: Lang::ALL
                .into_iter()
                .map(|lang| {
                    let wording = Wording::of(Tr::new(lang), form, &model.forms);
                    let body = form
                        .texts()
                        .iter()
                        .filter(|t| !matches!(t.role, TextRole::Title | TextRole::Intro))
                        .map(|t| wording.text(&t.key))
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join("\n");
                    DocText {
                        lang,
                        title: wording.text("title"),
                        summary: wording.text("intro"),
                        body,
                    }
                })
                .collect(),
        });
    }
    for entry in &model.timeline {
        docs.push(Document {
            key: format!("tidslinje:{}", entry.slug),
            kind: DocKind::Timeline,
            levels: Vec::new(),
            target_groups: Vec::new(),
            texts: Lang::ALL
                .into_iter()
                .filter_map(|lang| {
                    let t = entry.text.get(lang)?;
                    Some(DocText {
                        lang,
                        title: t.title.clone(),
                        summary: String::new(),
                        body: plain_text(&t.body),
                    })
                })
                .collect(),
        });
    }
    docs
}

/// The page a document is, from its key.
pub fn href(urls: &TenantUrls, key: &str) -> String {
    match key.split_once(':') {
        Some(("steg", rest)) => match rest.split_once('/') {
            Some((guide, step)) => format!("{}/steg/{step}", urls.guide(guide)),
            None => urls.guide(rest),
        },
        Some(("veileder", guide)) => urls.guide(guide),
        Some(("skjema", form)) => urls.form(form),
        Some(("tidslinje", entry)) => format!("{}#{entry}", urls.at("/tidslinje")),
        _ => urls.item(key),
    }
}

#[derive(Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    niva: String,
    #[serde(default)]
    malgruppe: String,
    #[serde(default, rename = "for")]
    audience: String,
    #[serde(default)]
    side: usize,
}

impl SearchParams {
    fn text(&self) -> String {
        self.q.trim().chars().take(MAX_QUERY).collect()
    }

    /// This search with one filter set (or cleared, with an empty value), as an address.
    fn with(&self, base: &str, name: &str, value: &str) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        pairs.append_pair("q", &self.text());
        for (n, v) in [
            ("type", &self.kind),
            ("niva", &self.niva),
            ("malgruppe", &self.malgruppe),
            ("for", &self.audience),
        ] {
            let v = if n == name { value } else { v.as_str() };
            if !v.is_empty() {
                pairs.append_pair(n, v);
            }
        }
        format!("{base}?{}", pairs.finish())
    }
}

/// One filter value with its count, as a link that sets it (or clears it, if set).
pub struct FilterLink {
    pub label: String,
    pub count: usize,
    pub href: String,
    pub current: bool,
}

pub struct FilterGroup {
    pub heading: String,
    pub links: Vec<FilterLink>,
}

pub struct ResultView {
    pub href: String,
    pub title: Vec<(String, bool)>,
    pub kind: String,
    pub lang: Option<Lang>,
    pub passage: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    action: String,
    query: String,
    searched: bool,
    summary: String,
    results: Vec<ResultView>,
    filters: Vec<FilterGroup>,
    did_you_mean: Option<(String, String)>,
    services_href: String,
    worry_href: String,
    previous_href: Option<String>,
    next_href: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let urls = TenantUrls::new(lang, &slug);
    let action = urls.at("/sok");
    let text = params.text();
    let mut page = SearchPage {
        chrome: Chrome::tenant(lang, tr.t("search-title"), &ctx, &published.record, ""),
        action: action.clone(),
        query: text.clone(),
        searched: !text.is_empty(),
        summary: String::new(),
        results: Vec::new(),
        filters: Vec::new(),
        did_you_mean: None,
        services_href: urls.services(),
        worry_href: urls.worry(),
        previous_href: None,
        next_href: None,
    };
    if text.is_empty() {
        return Ok(render(page)?.into_response());
    }
    let index = state.search.of(&published);
    let found = index.search(&saman_domain::search::Query {
        text: &text,
        lang: Some(lang),
        kind: Some(params.kind.as_str()).filter(|k| !k.is_empty()),
        level: Level::from_key(&params.niva),
        target_group: TargetGroup::from_key(&params.malgruppe),
        audience: Audience::from_key(&params.audience),
        count_filters: true,
        limit: Some((params.side + 1) * PER_PAGE + 1),
    });
    // Counted once per search: not again for its filters and pages. The page cache
    // counts it again each time it serves the page.
    let count = (params.side == 0
        && params.kind.is_empty()
        && params.niva.is_empty()
        && params.malgruppe.is_empty()
        && params.audience.is_empty())
    .then(|| {
        let (searches, store) = (state.searches.clone(), state.store.clone());
        let (tenant, text, found) = (
            published.record.id.clone(),
            text.clone(),
            !found.hits.is_empty(),
        );
        move || searches.count(&store, &tenant, &text, found)
    });
    if let Some(count) = &count {
        count();
    }
    page.chrome.title = tr.t1("search-title-for", "query", text.clone());
    page.summary = match found.total {
        0 => tr.t1("search-none", "query", text.clone()),
        n => tr.ta(
            "search-count",
            [("count", n.into()), ("query", text.clone().into())],
        ),
    };
    page.did_you_mean = found.did_you_mean.clone().map(|d| {
        (
            SearchParams {
                q: d.clone(),
                ..SearchParams::default()
            }
            .with(&action, "", ""),
            d,
        )
    });
    page.filters = filters(tr, &published, &params, &action, &found);
    let start = params.side * PER_PAGE;
    if params.side > 0 {
        page.previous_href = Some(page_href(&params, &action, params.side - 1));
    }
    if found.hits.len() > start + PER_PAGE {
        page.next_href = Some(page_href(&params, &action, params.side + 1));
    }
    page.results = found
        .hits
        .iter()
        .skip(start)
        .take(PER_PAGE)
        .map(|hit| {
            let text = hit
                .doc
                .texts
                .iter()
                .find(|t| t.lang == hit.lang)
                .or(hit.doc.texts.first());
            let (title, passage_runs) = match text {
                Some(t) => {
                    // From the body where it has a match, else the summary.
                    let from_body = passage(&t.body, &found.words, PASSAGE);
                    let runs = if from_body.iter().any(|(_, marked)| *marked) {
                        from_body
                    } else {
                        passage(&t.summary, &found.words, PASSAGE)
                    };
                    (passage(&t.title, &found.words, MAX_QUERY * 2), runs)
                }
                None => (vec![(hit.doc.key.clone(), false)], Vec::new()),
            };
            ResultView {
                href: href(&urls, &hit.doc.key),
                title,
                kind: kind_label(tr, hit.doc.kind),
                lang: (hit.lang != lang).then_some(hit.lang),
                passage: passage_runs,
            }
        })
        .collect();
    let mut response = render(page)?.into_response();
    // What someone typed is theirs: no shared cache keeps it.
    response
        .extensions_mut()
        .insert(crate::page_cache::NotShared);
    if let Some(count) = count {
        response
            .extensions_mut()
            .insert(crate::page_cache::OnHit(Arc::new(count)));
    }
    Ok(response)
}

fn page_href(params: &SearchParams, action: &str, side: usize) -> String {
    let base = params.with(action, "", "");
    if side == 0 {
        base
    } else {
        format!("{base}&side={side}")
    }
}

/// What a result is, for a person: "Tjeneste", "Steg i handlingsveilederen".
fn kind_label(tr: Tr, kind: DocKind) -> String {
    match kind {
        DocKind::Item(kind) => tr.t(&format!("kind-{}", kind.key())),
        other => tr.t(&format!("search-kind-{}", other.key())),
    }
}

/// The filters, each value with the number of results it would give.
fn filters(
    tr: Tr,
    published: &Published,
    params: &SearchParams,
    action: &str,
    found: &Found,
) -> Vec<FilterGroup> {
    let tenant = &published.record.tenant;
    let group = |heading: &str, name: &str, current: &str, values: Vec<(String, String, usize)>| {
        FilterGroup {
            heading: tr.t(heading),
            links: values
                .into_iter()
                .map(|(key, label, count)| {
                    let is_current = key == current;
                    FilterLink {
                        label,
                        count,
                        href: params.with(action, name, if is_current { "" } else { &key }),
                        current: is_current,
                    }
                })
                .collect(),
        }
    };
    vec![
        group(
            "search-filter-kind",
            "type",
            &params.kind,
            found
                .kinds
                .iter()
                .map(|(k, n)| {
                    let label = DocKind::from_key(k).map_or(k.to_string(), |d| kind_label(tr, d));
                    (k.to_string(), label, *n)
                })
                .collect(),
        ),
        group(
            "search-filter-audience",
            "for",
            &params.audience,
            found
                .audiences
                .iter()
                .map(|(a, n)| {
                    (
                        a.key().to_string(),
                        tr.t(&format!("audience-page-{}", a.key())),
                        *n,
                    )
                })
                .collect(),
        ),
        group(
            "search-filter-level",
            "niva",
            &params.niva,
            found
                .levels
                .iter()
                .map(|(l, n)| {
                    (
                        l.key().to_string(),
                        crate::views::level_name(tr, tenant, *l),
                        *n,
                    )
                })
                .collect(),
        ),
        group(
            "search-filter-target",
            "malgruppe",
            &params.malgruppe,
            found
                .target_groups
                .iter()
                .map(|(t, n)| {
                    (
                        t.key().to_string(),
                        tr.t(&format!("target-{}", t.key())),
                        *n,
                    )
                })
                .collect(),
        ),
    ]
    .into_iter()
    .filter(|g| !g.links.is_empty())
    .collect()
}

/// A suggestion for the search field, as the combobox shows it.
#[derive(Serialize)]
pub struct Suggestion {
    pub title: String,
    pub kind: String,
    pub href: String,
}

#[derive(Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
}

/// The suggestions, with the message that tells a screen reader how many there are.
#[derive(Serialize)]
pub struct Suggestions {
    pub status: String,
    pub items: Vec<Suggestion>,
}

/// The best few results for what is typed so far, for the search field's suggestions.
pub async fn suggestions(
    State(state): State<AppState>,
    Path((lang, slug)): Path<(String, String)>,
    Query(params): Query<SuggestParams>,
) -> Result<Json<Suggestions>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let text: String = params.q.trim().chars().take(MAX_QUERY).collect();
    let published = find_tenant(&state, &slug).await?;
    let urls = TenantUrls::new(lang, &slug);
    let items: Vec<Suggestion> = if text.chars().count() < 2 {
        Vec::new()
    } else {
        let index = state.search.of(&published);
        let found = index.search(&saman_domain::search::Query {
            text: &text,
            lang: Some(lang),
            limit: Some(SUGGESTED),
            ..Default::default()
        });
        found
            .hits
            .iter()
            .map(|hit| Suggestion {
                title: hit
                    .doc
                    .texts
                    .iter()
                    .find(|t| t.lang == lang)
                    .or(hit.doc.texts.first())
                    .map_or_else(|| hit.doc.key.clone(), |t| t.title.clone()),
                kind: kind_label(tr, hit.doc.kind),
                href: href(&urls, &hit.doc.key),
            })
            .collect()
    };
    Ok(Json(Suggestions {
        status: tr.t1("search-suggestions-count", "count", items.len() as i64),
        items,
    }))
}

#[cfg(test)]
mod tests {
    use super::counted_query;

    #[test]
    fn queries_that_may_name_someone_are_not_counted() {
        assert_eq!(
            counted_query("  Bekymrings  Melding "),
            Some("bekymrings melding".into())
        );
        assert_eq!(counted_query("ola@example.no"), None);
        assert_eq!(counted_query("ring 41234567"), None);
        assert_eq!(counted_query("12345678901"), None);
        assert_eq!(counted_query("tiltak 2026"), Some("tiltak 2026".into()));
        assert_eq!(counted_query(&"a".repeat(61)), None);
        assert_eq!(counted_query("   "), None);
    }
}
