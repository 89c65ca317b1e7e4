//! A tenant's pages: home with the model figure, the levels, the services directory,
//! the timeline, "about the model", the accessibility statement and the logo.

use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::markdown::model_html;
use crate::views::{
    Chrome, ContactView, Ctx, ItemLink, Linked, item_link, level_key, level_name,
    norwegian_sort_key,
};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use saman_domain::{Item, Kind, Lang, Level, Prevention, TargetGroup, Tenant};
use serde::Deserialize;

pub struct KindCount {
    pub label: String,
    pub count: usize,
    pub href: String,
}

pub struct LevelBox {
    pub key: &'static str,
    pub name: String,
    pub desc: String,
    pub href: String,
    pub count: String,
    pub kinds: Vec<KindCount>,
}

pub struct Entry {
    pub href: String,
    pub title: String,
    pub desc: String,
}

pub struct News {
    pub date: String,
    pub iso_date: String,
    pub title: String,
    pub lang: Option<&'static str>,
    pub body: String,
    pub anchor: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    model_name: String,
    intro: String,
    levels: Vec<LevelBox>,
    audiences: Vec<Entry>,
    news: Vec<News>,
    priorities: Vec<String>,
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let (record, model) = (&published.record, &published.model);
    let tenant = &record.tenant;
    let tr = Tr::new(lang);
    let text = tenant.text.pick(lang).map(|p| p.value);
    let model_name = text.map_or_else(|| tenant.name(lang).to_string(), |t| t.model_name.clone());
    let chrome = Chrome::tenant(lang, model_name.clone(), &ctx, record, "nav-home");
    let levels = Level::ALL
        .iter()
        .map(|level| {
            let href = chrome.href(&format!("/niva/{}", level.key()));
            let on_level: Vec<&Item> = model
                .items
                .iter()
                .filter(|i| i.levels.contains(level))
                .collect();
            LevelBox {
                key: level.key(),
                name: level_name(tr, tenant, *level),
                desc: tr.t(&format!("{}-desc", level_key(*level))),
                count: tr.t1("home-model-count", "count", on_level.len()),
                kinds: Kind::ALL
                    .iter()
                    .filter_map(|kind| {
                        let count = on_level.iter().filter(|i| i.kind == *kind).count();
                        (count > 0).then(|| KindCount {
                            label: tr.t(&format!("kinds-{}", kind.key())),
                            count,
                            href: format!("{href}#{}", kind.key()),
                        })
                    })
                    .collect(),
                href,
            }
        })
        .collect();
    let audiences = [
        ("audience-employee", "/for/ansatte"),
        ("audience-private", "/for/privatpersoner"),
        ("audience-youth", "/for/barn-og-unge"),
        ("audience-guardian", "/for/foresatte"),
    ]
    .into_iter()
    .map(|(key, path)| Entry {
        href: chrome.href(path),
        title: tr.t(key),
        desc: tr.t(&format!("{key}-desc")),
    })
    .collect();
    let news = timeline_entries(tr, &chrome, &published)
        .into_iter()
        .take(3)
        .collect();
    let priorities = tenant
        .priorities
        .iter()
        .filter_map(|p| p.label.pick(lang).map(|l| l.value.clone()))
        .collect();
    render(HomePage {
        intro: text.map(|t| t.intro.clone()).unwrap_or_default(),
        model_name,
        chrome,
        levels,
        audiences,
        news,
        priorities,
    })
}

/// Timeline entries, newest first.
fn timeline_entries(tr: Tr, chrome: &Chrome, published: &saman_store::Published) -> Vec<News> {
    let mut entries: Vec<_> = published
        .model
        .timeline
        .iter()
        .filter_map(|e| e.text.pick(tr.lang).map(|p| (e, p)))
        .map(|(e, p)| News {
            date: tr.date(e.date),
            iso_date: saman_domain::format_iso_date(e.date),
            title: p.value.title.clone(),
            lang: p.is_fallback(tr.lang).then(|| p.lang.code()),
            body: model_html(&p.value.body, tr.lang, published),
            anchor: chrome.href(&format!("/tidslinje#{}", e.slug)),
        })
        .collect();
    entries.sort_by(|a, b| b.iso_date.cmp(&a.iso_date));
    entries
}

/// The filters of the level and services pages. Empty means "all".
#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    malgruppe: String,
    #[serde(default)]
    forebygging: String,
}

fn parse_filter<T>(
    tr: Tr,
    value: &str,
    from_key: fn(&str) -> Option<T>,
) -> Result<Option<T>, WebError> {
    if value.is_empty() {
        return Ok(None);
    }
    from_key(value).map(Some).ok_or_else(|| {
        WebError::BadRequest(tr.t1(
            "bad-filter",
            "value",
            value.chars().take(40).collect::<String>(),
        ))
    })
}

pub struct FilterOption {
    pub key: &'static str,
    pub label: String,
    pub selected: bool,
}

fn options<T: Copy + PartialEq>(
    tr: Tr,
    all: &[T],
    key: fn(T) -> &'static str,
    prefix: &str,
    chosen: Option<T>,
) -> Vec<FilterOption> {
    all.iter()
        .map(|v| FilterOption {
            key: key(*v),
            label: tr.t(&format!("{prefix}-{}", key(*v))),
            selected: chosen == Some(*v),
        })
        .collect()
}

pub struct Card {
    pub link: ItemLink,
    pub summary: String,
    pub tags: Vec<String>,
}

pub struct KindGroup {
    pub key: &'static str,
    pub heading: String,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "level.html")]
struct LevelPage {
    chrome: Chrome,
    heading: String,
    desc: String,
    target_options: Vec<FilterOption>,
    prevention_options: Vec<FilterOption>,
    filtered: bool,
    showing: String,
    groups: Vec<KindGroup>,
}

fn card(tr: Tr, tenant: &Tenant, item: &Item) -> Card {
    Card {
        link: item_link(tr, tenant, item),
        summary: item
            .text
            .pick(tr.lang)
            .map(|p| p.value.summary.clone())
            .unwrap_or_default(),
        tags: item
            .target_groups
            .iter()
            .map(|t| tr.t(&format!("target-{}", t.key())))
            .collect(),
    }
}

fn by_title(tr: Tr, items: &mut [&Item]) {
    items.sort_by_cached_key(|i| {
        norwegian_sort_key(i.text.pick(tr.lang).map_or(&i.slug, |p| &p.value.title))
    });
}

pub async fn level(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug, level)): Path<(String, String, String)>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let level = Level::from_key(&level).ok_or(WebError::NotFound)?;
    let Query(filter) = filter.map_err(|_| WebError::BadRequest(String::new()))?;
    let target = parse_filter(tr, &filter.malgruppe, TargetGroup::from_key)?;
    let prevention = parse_filter(tr, &filter.forebygging, Prevention::from_key)?;
    let published = find_tenant(&state, &slug).await?;
    let (record, model) = (&published.record, &published.model);
    let tenant = &record.tenant;
    let heading = level_name(tr, tenant, level);
    let on_level: Vec<&Item> = model
        .items
        .iter()
        .filter(|i| i.levels.contains(&level))
        .collect();
    let mut shown: Vec<&Item> = on_level
        .iter()
        .copied()
        .filter(|i| target.is_none_or(|t| i.target_groups.contains(&t)))
        .filter(|i| prevention.is_none_or(|p| i.prevention.contains(&p)))
        .collect();
    by_title(tr, &mut shown);
    let groups = Kind::ALL
        .iter()
        .map(|kind| KindGroup {
            key: kind.key(),
            heading: tr.t(&format!("kinds-{}", kind.key())),
            cards: shown
                .iter()
                .filter(|i| i.kind == *kind)
                .map(|i| card(tr, tenant, i))
                .collect(),
        })
        .filter(|g| !g.cards.is_empty())
        .collect();
    render(LevelPage {
        chrome: Chrome::tenant(lang, heading.clone(), &ctx, record, ""),
        desc: tr.t(&format!("{}-desc", level_key(level))),
        heading,
        target_options: options(tr, TargetGroup::ALL, TargetGroup::key, "target", target),
        prevention_options: options(
            tr,
            Prevention::ALL,
            Prevention::key,
            "prevention",
            prevention,
        ),
        filtered: target.is_some() || prevention.is_some(),
        showing: showing_text(tr, shown.len(), on_level.len()),
        groups,
    })
}

fn showing_text(tr: Tr, count: usize, total: usize) -> String {
    tr.ta(
        "filter-showing",
        [("count", count.into()), ("total", total.into())],
    )
}

pub struct ServiceEntry {
    pub link: ItemLink,
    pub summary: String,
    pub contact: ContactView,
    pub opening_hours: Option<String>,
}

pub struct Letter {
    pub letter: String,
    pub services: Vec<ServiceEntry>,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    chrome: Chrome,
    target_options: Vec<FilterOption>,
    filtered: bool,
    letters: Vec<Letter>,
}

pub async fn services(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let Query(filter) = filter.map_err(|_| WebError::BadRequest(String::new()))?;
    let target = parse_filter(tr, &filter.malgruppe, TargetGroup::from_key)?;
    let published = find_tenant(&state, &slug).await?;
    let (record, model) = (&published.record, &published.model);
    let mut services: Vec<&Item> = model
        .items
        .iter()
        .filter(|i| i.kind == Kind::Service)
        .filter(|i| target.is_none_or(|t| i.target_groups.contains(&t)))
        .collect();
    by_title(tr, &mut services);
    let mut letters: Vec<Letter> = Vec::new();
    for item in services {
        let link = item_link(tr, &record.tenant, item);
        let letter = link
            .title
            .chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default();
        let text = item.text.pick(lang).map(|p| p.value);
        let entry = ServiceEntry {
            link,
            summary: text.map(|t| t.summary.clone()).unwrap_or_default(),
            contact: ContactView::of(item.contact.as_ref()),
            opening_hours: text.and_then(|t| t.opening_hours.clone()),
        };
        match letters.last_mut() {
            Some(last) if last.letter == letter => last.services.push(entry),
            _ => letters.push(Letter {
                letter,
                services: vec![entry],
            }),
        }
    }
    render(ServicesPage {
        chrome: Chrome::tenant(lang, tr.t("services-title"), &ctx, record, "nav-services"),
        target_options: options(tr, TargetGroup::ALL, TargetGroup::key, "target", target),
        filtered: target.is_some(),
        letters,
    })
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    chrome: Chrome,
    entries: Vec<News>,
    /// On an editor's preview of a draft: where the editor goes back to.
    preview_back: Option<String>,
}

pub async fn timeline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    timeline_page(&published, lang, &ctx, None)
}

/// The timeline as the public sees it, in `published` (for a preview, a model with the
/// draft in it).
pub fn timeline_page(
    published: &saman_store::Published,
    lang: Lang,
    ctx: &Ctx,
    preview_back: Option<String>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(lang);
    let record = &published.record;
    let chrome = Chrome::tenant(lang, tr.t("timeline-title"), ctx, record, "nav-timeline");
    let entries = timeline_entries(tr, &chrome, published);
    render(TimelinePage {
        chrome,
        entries,
        preview_back,
    })
}

pub struct LevelAbout {
    pub name: String,
    pub desc: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    chrome: Chrome,
    /// On an editor's preview of draft settings: where the editor goes back to.
    preview_back: Option<String>,
    body: String,
    body_lang: Option<&'static str>,
    levels: Vec<LevelAbout>,
    priorities: Vec<String>,
    numbers: String,
}

pub async fn about(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    about_page(&published, lang, &ctx, None)
}

/// "About the model" as the public sees it, in `published` (for a preview, with the
/// draft settings in it).
pub fn about_page(
    published: &saman_store::Published,
    lang: Lang,
    ctx: &Ctx,
    preview_back: Option<String>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(lang);
    let record = &published.record;
    let tenant = &record.tenant;
    let chrome = Chrome::tenant(lang, tr.t("about-title"), ctx, record, "nav-about");
    let about = tenant.about.pick(lang);
    render(AboutPage {
        preview_back,
        body: about
            .map(|p| model_html(p.value, lang, published))
            .unwrap_or_default(),
        body_lang: about.filter(|p| p.is_fallback(lang)).map(|p| p.lang.code()),
        levels: Level::ALL
            .iter()
            .map(|l| LevelAbout {
                name: level_name(tr, tenant, *l),
                desc: tr.t(&format!("{}-desc", level_key(*l))),
                href: chrome.href(&format!("/niva/{}", l.key())),
            })
            .collect(),
        priorities: tenant
            .priorities
            .iter()
            .filter_map(|p| p.label.pick(lang).map(|l| l.value.clone()))
            .collect(),
        numbers: tenant.municipality_numbers.join(", "),
        chrome,
    })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    chrome: Chrome,
    intro: String,
    email: Option<Linked>,
    /// The municipality's own known shortcomings, as HTML, and their language if not
    /// the page's.
    shortcomings: Option<(String, Option<&'static str>)>,
    /// When the municipality last checked its statement.
    checked: Option<String>,
    /// Its statement as published with the authority.
    statement_url: Option<String>,
}

pub async fn accessibility(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let record = &published.record;
    let tenant = &record.tenant;
    render(AccessibilityPage {
        intro: tr.t1("a11y-intro", "name", tenant.name(lang).to_string()),
        email: tenant.contact_email.as_deref().map(Linked::email),
        shortcomings: tenant
            .text
            .pick(lang)
            .filter(|p| !p.value.accessibility_shortcomings.trim().is_empty())
            .map(|p| {
                (
                    model_html(&p.value.accessibility_shortcomings, lang, &published),
                    p.is_fallback(lang).then(|| p.lang.code()),
                )
            }),
        checked: tenant.accessibility.date.map(|d| tr.date(d)),
        statement_url: tenant.accessibility.statement_url.clone(),
        chrome: Chrome::tenant(lang, tr.t("a11y-title"), &ctx, record, ""),
    })
}

pub async fn logo(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, WebError> {
    let published = find_tenant(&state, &slug).await?;
    let record = &published.record;
    let logo = state
        .store
        .tenant_logo(&record.id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, logo.media_type()),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::CONTENT_SECURITY_POLICY, crate::observe::FILE_POLICY),
        ],
        logo.bytes,
    ))
}
