//! One item of the model, with everything it connects to, and its attached files.

use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::markdown::model_html;
use crate::views::{Chrome, ContactView, Ctx, ItemLink, item_link, level_name};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use saman_domain::{Item, RelationType, Tenant, media_type_of};
use saman_store::Published;

pub struct LevelLink {
    pub href: String,
    pub name: String,
}

pub struct ConnectionGroup {
    pub label: String,
    pub links: Vec<ItemLink>,
}

pub struct AttachmentLink {
    pub href: String,
    pub title: String,
    pub file_name: String,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    chrome: Chrome,
    title: String,
    kind: String,
    summary: String,
    body: String,
    /// Set when the text is shown in the other language.
    text_lang: Option<&'static str>,
    levels: Vec<LevelLink>,
    targets: Vec<String>,
    prevention: Vec<String>,
    owner: Option<ItemLink>,
    review: Option<String>,
    priorities: Vec<String>,
    contact: Option<ContactView>,
    opening_hours: Option<String>,
    attachments: Vec<AttachmentLink>,
    connections: Vec<ConnectionGroup>,
    form_href: Option<String>,
    /// On an editor's preview of a draft: where the editor goes back to.
    preview_back: Option<String>,
}

pub async fn item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug, item_slug)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let item = published
        .model
        .items
        .iter()
        .find(|i| i.slug == item_slug)
        .ok_or(WebError::NotFound)?;
    item_page(&published, item, lang, &ctx, None)
}

/// An item's page as the public sees it, in `published` (for a preview, a model with
/// the draft in it, and where the editor goes back to).
pub fn item_page(
    published: &Published,
    item: &Item,
    lang: saman_domain::Lang,
    ctx: &Ctx,
    preview_back: Option<String>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(lang);
    let (record, model) = (&published.record, &published.model);
    let tenant = &record.tenant;
    let text = item.text.pick(lang).ok_or(WebError::NotFound)?;
    let find = |slug: &str| model.items.iter().find(|i| i.slug == slug);
    let urls = crate::urls::TenantUrls::new(lang, &tenant.slug);
    render(ItemPage {
        chrome: Chrome::tenant(lang, text.value.title.clone(), ctx, record, ""),
        title: text.value.title.clone(),
        kind: tr.t(&format!("kind-{}", item.kind.key())),
        summary: text.value.summary.clone(),
        body: model_html(&text.value.body, lang, published),
        text_lang: text.is_fallback(lang).then(|| text.lang.code()),
        levels: item
            .levels
            .iter()
            .map(|l| LevelLink {
                href: urls.level(l.key()),
                name: level_name(tr, tenant, *l),
            })
            .collect(),
        targets: item
            .target_groups
            .iter()
            .map(|t| tr.t(&format!("target-{}", t.key())))
            .collect(),
        prevention: item
            .prevention
            .iter()
            .map(|p| tr.t(&format!("prevention-{}", p.key())))
            .collect(),
        owner: item
            .owner
            .as_deref()
            .and_then(find)
            .map(|o| item_link(tr, tenant, o)),
        review: item.review_date.map(|d| tr.date(d)),
        priorities: tenant
            .priorities
            .iter()
            .filter(|p| item.priorities.contains(&p.key))
            .filter_map(|p| p.label.pick(lang).map(|l| l.value.clone()))
            .collect(),
        contact: item.contact.as_ref().map(|c| ContactView::of(Some(c))),
        opening_hours: text.value.opening_hours.clone(),
        attachments: item
            .attachments
            .iter()
            .map(|a| AttachmentLink {
                href: urls.attachment(&item.slug, &a.file.file_name),
                title: a
                    .title
                    .pick(lang)
                    .map_or_else(|| a.file.file_name.clone(), |p| p.value.clone()),
                file_name: a.file.file_name.clone(),
            })
            .collect(),
        connections: connections(tr, tenant, item, &model.items),
        form_href: item_link(tr, tenant, item).form_href,
        preview_back,
    })
}

/// Everything an item connects to, from both ends of every relation, grouped by how.
fn connections(tr: Tr, tenant: &Tenant, item: &Item, items: &[Item]) -> Vec<ConnectionGroup> {
    let link = |i: &Item| item_link(tr, tenant, i);
    let mut groups = Vec::new();
    let mut push = |label: String, links: Vec<ItemLink>| {
        if !links.is_empty() {
            groups.push(ConnectionGroup { label, links });
        }
    };
    for kind in RelationType::ALL {
        let outgoing = item
            .relations
            .iter()
            .filter(|r| r.kind == *kind)
            .filter_map(|r| items.iter().find(|i| i.slug == r.to))
            .map(link)
            .collect();
        push(tr.t(&format!("rel-{}-out", kind.key())), outgoing);
    }
    for kind in RelationType::ALL {
        let incoming = items
            .iter()
            .filter(|other| {
                other
                    .relations
                    .iter()
                    .any(|r| r.kind == *kind && r.to == item.slug)
            })
            .map(link)
            .collect();
        push(tr.t(&format!("rel-{}-in", kind.key())), incoming);
    }
    let owned = items
        .iter()
        .filter(|other| other.owner.as_deref() == Some(item.slug.as_str()))
        .map(link)
        .collect();
    push(tr.t("rel-owns"), owned);
    groups
}

pub async fn attachment(
    State(state): State<AppState>,
    Path((lang, slug, item_slug, file)): Path<(String, String, String, String)>,
) -> Result<impl IntoResponse, WebError> {
    parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let record = &published.record;
    let content = state
        .store
        .attachment(&record.id, &item_slug, &file)
        .await?
        .ok_or(WebError::NotFound)?;
    // The name is one the tenant chose and the importer checked; quotes are dropped.
    let disposition = format!(
        "inline; filename=\"{}\"",
        content.file_name.replace(['"', '\\'], "")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                media_type_of(&content.file_name).to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CONTENT_SECURITY_POLICY,
                crate::observe::FILE_POLICY.to_string(),
            ),
        ],
        content.bytes,
    ))
}
