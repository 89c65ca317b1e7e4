//! The action guide: the list of guides, a guide's overview as a staircase of levels,
//! one page per step, and a printable one-page summary.

use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::markdown::model_html;
use crate::views::{Chrome, Ctx, ItemLink, item_link};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use saman_domain::{
    DecisionTarget, GUIDE_LEVELS, Guide, GuideArea, Item, Lang, Outcome, Step, Tenant,
};

/// Guides in the order readers meet them: the general one first.
pub fn ordered_guides(guides: &[Guide]) -> Vec<&Guide> {
    let mut ordered: Vec<&Guide> = guides.iter().collect();
    ordered.sort_by_key(|g| (g.area != GuideArea::General, g.slug.clone()));
    ordered
}

pub fn guide_href(lang: Lang, tenant: &Tenant, guide: &Guide) -> String {
    crate::urls::TenantUrls::new(lang, &tenant.slug).guide(&guide.slug)
}

pub fn step_href(lang: Lang, tenant: &Tenant, guide: &Guide, step: &Step) -> String {
    format!("{}/steg/{}", guide_href(lang, tenant, guide), step.slug)
}

pub fn guide_title(tr: Tr, guide: &Guide) -> (String, Option<&'static str>) {
    match guide.text.pick(tr.lang) {
        Some(p) => (
            p.value.title.clone(),
            p.is_fallback(tr.lang).then(|| p.lang.code()),
        ),
        None => (guide.slug.clone(), None),
    }
}

/// A link to a step, with its title in the reader's language or the other one.
pub struct StepLink {
    pub href: String,
    pub title: String,
    pub lang: Option<&'static str>,
    pub summary: String,
    pub urgent: bool,
}

pub fn step_link(tr: Tr, tenant: &Tenant, guide: &Guide, step: &Step) -> StepLink {
    let picked = step.text.pick(tr.lang);
    StepLink {
        href: step_href(tr.lang, tenant, guide, step),
        title: picked.map_or_else(|| step.slug.clone(), |p| p.value.title.clone()),
        lang: picked
            .filter(|p| p.is_fallback(tr.lang))
            .map(|p| p.lang.code()),
        summary: picked.map(|p| p.value.summary.clone()).unwrap_or_default(),
        urgent: step.urgent,
    }
}

/// A level of a guide as the staircase shows it.
pub struct LevelView {
    pub number: u8,
    pub label: String,
    pub name: String,
    pub desc: String,
    pub anchor: String,
    pub steps: Vec<StepLink>,
}

pub fn level_views(tr: Tr, tenant: &Tenant, guide: &Guide) -> Vec<LevelView> {
    GUIDE_LEVELS
        .iter()
        .map(|&number| {
            let name = guide
                .levels
                .iter()
                .find(|l| l.level == number)
                .and_then(|l| l.name.pick(tr.lang).map(|p| p.value.clone()))
                .unwrap_or_else(|| tr.t(&format!("bti-{number}-name")));
            LevelView {
                number,
                label: tr.t1("guide-level", "level", number),
                name,
                desc: tr.t(&format!("bti-{number}-desc")),
                anchor: format!("niva-{number}"),
                steps: guide
                    .steps_on(number)
                    .into_iter()
                    .map(|s| step_link(tr, tenant, guide, s))
                    .collect(),
            }
        })
        .collect()
}

pub struct GuideEntry {
    pub href: String,
    pub title: String,
    pub lang: Option<&'static str>,
    pub summary: String,
    pub area: String,
}

#[derive(Template)]
#[template(path = "guides.html")]
struct GuidesPage {
    chrome: Chrome,
    guides: Vec<GuideEntry>,
}

pub async fn guides(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let tenant = &published.record.tenant;
    let guides = ordered_guides(&published.model.guides)
        .into_iter()
        .map(|g| {
            let (title, title_lang) = guide_title(tr, g);
            GuideEntry {
                href: guide_href(lang, tenant, g),
                title,
                lang: title_lang,
                summary: g
                    .text
                    .pick(lang)
                    .map(|p| p.value.summary.clone())
                    .unwrap_or_default(),
                area: tr.t(&format!("guide-area-{}", g.area.key())),
            }
        })
        .collect();
    render(GuidesPage {
        chrome: Chrome::tenant(
            lang,
            tr.t("guides-title"),
            &ctx,
            &published.record,
            "nav-guide",
        ),
        guides,
    })
}

fn find_guide<'a>(guides: &'a [Guide], slug: &str) -> Result<&'a Guide, WebError> {
    guides
        .iter()
        .find(|g| g.slug == slug)
        .ok_or(WebError::NotFound)
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    chrome: Chrome,
    title: String,
    title_lang: Option<&'static str>,
    summary: String,
    body: String,
    levels: Vec<LevelView>,
    urgent: Vec<StepLink>,
    print_href: String,
    worry_href: String,
    owner: Option<ItemLink>,
    review: Option<String>,
    /// On an editor's preview of a draft: where the editor goes back to.
    preview_back: Option<String>,
}

pub async fn guide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug, guide_slug)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let guide = find_guide(&published.model.guides, &guide_slug)?;
    guide_page(&published, guide, lang, &ctx, None)
}

/// A guide's page as the public sees it, in `published` (for a preview, a model with
/// the draft in it).
pub fn guide_page(
    published: &saman_store::Published,
    guide: &Guide,
    lang: Lang,
    ctx: &Ctx,
    preview_back: Option<String>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(lang);
    let tenant = &published.record.tenant;
    let (title, title_lang) = guide_title(tr, guide);
    let text = guide.text.pick(lang);
    let items = &published.model.items;
    render(GuidePage {
        chrome: Chrome::tenant(lang, title.clone(), ctx, &published.record, "nav-guide"),
        summary: text.map(|p| p.value.summary.clone()).unwrap_or_default(),
        body: text
            .map(|p| model_html(&p.value.body, lang, published))
            .unwrap_or_default(),
        levels: level_views(tr, tenant, guide),
        urgent: guide
            .steps
            .iter()
            .filter(|s| s.urgent)
            .map(|s| step_link(tr, tenant, guide, s))
            .collect(),
        print_href: format!("{}/utskrift", guide_href(lang, tenant, guide)),
        worry_href: crate::urls::TenantUrls::new(lang, &tenant.slug).worry(),
        owner: guide
            .owner
            .as_deref()
            .and_then(|o| find_item(items, o))
            .map(|o| item_link(tr, tenant, o)),
        review: guide.review_date.map(|d| tr.date(d)),
        preview_back,
        title,
        title_lang,
    })
}

fn find_item<'a>(items: &'a [Item], slug: &str) -> Option<&'a Item> {
    items.iter().find(|i| i.slug == slug)
}

/// Who is responsible for a step: the guide's words, or else the role's name.
fn responsible(tr: Tr, step: &Step) -> String {
    step.text
        .pick(tr.lang)
        .map(|p| p.value.responsible.clone())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| tr.t(&format!("role-{}", step.responsible_role.key())))
}

/// A step's deadline: the guide's words, or else the number of days.
fn deadline(tr: Tr, step: &Step) -> Option<String> {
    step.text
        .pick(tr.lang)
        .and_then(|p| p.value.deadline.clone())
        .or_else(|| {
            step.deadline_days
                .map(|d| tr.t1("guide-deadline-days", "days", d))
        })
}

/// A decision as a link onward.
pub struct DecisionView {
    pub label: String,
    pub label_lang: Option<&'static str>,
    pub href: String,
    pub note: String,
    pub alarm: bool,
}

#[derive(Template)]
#[template(path = "step.html")]
struct StepPage {
    chrome: Chrome,
    guide_title: String,
    guide_href: String,
    level: LevelView,
    title: String,
    text_lang: Option<&'static str>,
    summary: String,
    responsible: String,
    deadline: Option<String>,
    questions: Vec<String>,
    body: String,
    urgent: bool,
    tools: Vec<ItemLink>,
    relies_on: Vec<ItemLink>,
    decisions: Vec<DecisionView>,
    previous: Option<StepLink>,
    following: Option<StepLink>,
}

pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug, guide_slug, step_slug)): Path<(String, String, String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let tenant = &published.record.tenant;
    let items = &published.model.items;
    let guide = find_guide(&published.model.guides, &guide_slug)?;
    let step = guide.step(&step_slug).ok_or(WebError::NotFound)?;
    let text = step.text.pick(lang).ok_or(WebError::NotFound)?;
    let (guide_title, _) = guide_title(tr, guide);
    let base = guide_href(lang, tenant, guide);
    let level = level_views(tr, tenant, guide).swap_remove(step.level as usize);
    let in_order: Vec<&Step> = GUIDE_LEVELS
        .iter()
        .flat_map(|l| guide.steps_on(*l))
        .collect();
    let index = in_order
        .iter()
        .position(|s| s.slug == step.slug)
        .unwrap_or(0);
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| in_order.get(i))
            .map(|s| step_link(tr, tenant, guide, s))
    };
    let links = |slugs: &[String]| -> Vec<ItemLink> {
        slugs
            .iter()
            .filter_map(|s| find_item(items, s))
            .map(|i| item_link(tr, tenant, i))
            .collect()
    };
    let decisions = step
        .decisions
        .iter()
        .map(|d| {
            let label = d.label.pick(lang);
            let (href, note, alarm) = match &d.target {
                DecisionTarget::Step(s) => (
                    guide
                        .step(s)
                        .map(|s| step_href(lang, tenant, guide, s))
                        .unwrap_or_else(|| base.clone()),
                    String::new(),
                    false,
                ),
                DecisionTarget::Level(l) => (
                    format!("{base}#niva-{l}"),
                    tr.t1("guide-go-to-level", "level", *l),
                    false,
                ),
                DecisionTarget::Outcome(Outcome::ReportOfConcern) => (
                    tenant
                        .child_welfare
                        .as_deref()
                        .map(|cw| crate::urls::TenantUrls::new(lang, &tenant.slug).item(cw))
                        .unwrap_or_else(|| {
                            crate::urls::TenantUrls::new(lang, &tenant.slug)
                                .audience("privatpersoner")
                        }),
                    tr.t("outcome-bekymringsmelding-note"),
                    true,
                ),
                DecisionTarget::Outcome(Outcome::Police) => {
                    (String::new(), tr.t("outcome-politi-note"), true)
                }
                DecisionTarget::Outcome(Outcome::Close) => {
                    (String::new(), tr.t("outcome-avslutt-note"), false)
                }
            };
            DecisionView {
                label: label.map(|p| p.value.clone()).unwrap_or_default(),
                label_lang: label.filter(|p| p.is_fallback(lang)).map(|p| p.lang.code()),
                href,
                note,
                alarm,
            }
        })
        .collect();
    render(StepPage {
        chrome: Chrome::tenant(
            lang,
            text.value.title.clone(),
            &ctx,
            &published.record,
            "nav-guide",
        ),
        guide_title,
        guide_href: base,
        title: text.value.title.clone(),
        text_lang: text.is_fallback(lang).then(|| text.lang.code()),
        summary: text.value.summary.clone(),
        responsible: responsible(tr, step),
        deadline: deadline(tr, step),
        questions: text.value.questions.clone(),
        body: model_html(&text.value.body, lang, &published),
        urgent: step.urgent,
        tools: links(&step.tools),
        relies_on: links(&step.relies_on),
        decisions,
        previous: neighbour(index.checked_sub(1)),
        following: neighbour(Some(index + 1)),
        level,
    })
}

pub struct PrintStep {
    pub title: String,
    pub lang: Option<&'static str>,
    pub responsible: String,
    pub deadline: String,
    pub tools: String,
    pub urgent: bool,
}

pub struct PrintLevel {
    pub label: String,
    pub name: String,
    pub steps: Vec<PrintStep>,
}

#[derive(Template)]
#[template(path = "guide_print.html")]
struct PrintPage {
    chrome: Chrome,
    title: String,
    title_lang: Option<&'static str>,
    guide_href: String,
    levels: Vec<PrintLevel>,
}

pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug, guide_slug)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let tenant = &published.record.tenant;
    let items = &published.model.items;
    let guide = find_guide(&published.model.guides, &guide_slug)?;
    let (title, title_lang) = guide_title(tr, guide);
    let levels = level_views(tr, tenant, guide)
        .into_iter()
        .map(|level| PrintLevel {
            steps: guide
                .steps_on(level.number)
                .into_iter()
                .map(|step| {
                    let text = step.text.pick(lang);
                    let t = text.map(|p| p.value);
                    PrintStep {
                        title: t.map_or_else(|| step.slug.clone(), |t| t.title.clone()),
                        lang: text.filter(|p| p.is_fallback(lang)).map(|p| p.lang.code()),
                        responsible: responsible(tr, step),
                        deadline: deadline(tr, step).unwrap_or_default(),
                        tools: step
                            .tools
                            .iter()
                            .filter_map(|s| find_item(items, s))
                            .map(|i| item_link(tr, tenant, i).title)
                            .collect::<Vec<_>>()
                            .join(", "),
                        urgent: step.urgent,
                    }
                })
                .collect(),
            label: level.label,
            name: level.name,
        })
        .collect();
    render(PrintPage {
        chrome: Chrome::tenant(lang, title.clone(), &ctx, &published.record, "nav-guide"),
        guide_href: guide_href(lang, tenant, guide),
        title,
        title_lang,
        levels,
    })
}
