//! Entry pages for each audience: employees, private persons, children and youth, and
//! guardians. The texts are the platform's; the services, guides and tools are the
//! tenant's own.

use super::guide::{guide_href, guide_title, ordered_guides};
use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::views::{Chrome, ContactView, Ctx, ItemLink, item_link, norwegian_sort_key};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use saman_domain::{Item, Kind, TargetGroup};

/// The audiences, by their path segment.
pub const AUDIENCES: [&str; 4] = ["ansatte", "privatpersoner", "barn-og-unge", "foresatte"];

pub struct ContactCard {
    pub link: ItemLink,
    pub contact: ContactView,
    pub opening_hours: Option<String>,
}

#[derive(Template)]
#[template(path = "audience.html")]
struct AudiencePage {
    chrome: Chrome,
    audience: &'static str,
    heading: String,
    intro: String,
    worry_href: String,
    guides: Vec<(String, String)>,
    tools: Vec<ItemLink>,
    routines: Vec<ItemLink>,
    services: Vec<ItemLink>,
    child_welfare: Vec<ContactCard>,
    services_href: String,
}

fn sorted_links<'a>(
    tr: Tr,
    tenant: &saman_domain::Tenant,
    items: impl Iterator<Item = &'a Item>,
) -> Vec<ItemLink> {
    let mut links: Vec<ItemLink> = items.map(|i| item_link(tr, tenant, i)).collect();
    links.sort_by_cached_key(|l| norwegian_sort_key(&l.title));
    links
}

pub async fn audience(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug, key)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let audience = AUDIENCES
        .into_iter()
        .find(|a| *a == key)
        .ok_or(WebError::NotFound)?;
    let published = find_tenant(&state, &slug).await?;
    let tenant = &published.record.tenant;
    let items = &published.model.items;
    let of_kind = |kind: Kind| items.iter().filter(move |i| i.kind == kind);
    let services_for = |groups: &[TargetGroup]| {
        sorted_links(
            tr,
            tenant,
            of_kind(Kind::Service).filter(|i| i.target_groups.iter().any(|t| groups.contains(t))),
        )
    };
    let card = |slug: &Option<String>| {
        let item = items.iter().find(|i| Some(&i.slug) == slug.as_ref())?;
        Some(ContactCard {
            link: item_link(tr, tenant, item),
            contact: ContactView::of(item.contact.as_ref()),
            opening_hours: item
                .text
                .pick(lang)
                .and_then(|p| p.value.opening_hours.clone()),
        })
    };
    let mut page = AudiencePage {
        heading: tr.t(&format!("audience-page-{audience}")),
        intro: tr.t(&format!("audience-{audience}-intro")),
        worry_href: crate::urls::TenantUrls::new(lang, &tenant.slug).worry(),
        guides: Vec::new(),
        tools: Vec::new(),
        routines: Vec::new(),
        services: Vec::new(),
        child_welfare: [&tenant.child_welfare, &tenant.child_welfare_out_of_hours]
            .into_iter()
            .filter_map(card)
            .collect(),
        services_href: crate::urls::TenantUrls::new(lang, &tenant.slug).services(),
        chrome: Chrome::tenant(
            lang,
            tr.t(&format!("audience-page-{audience}")),
            &ctx,
            &published.record,
            "",
        ),
        audience,
    };
    match audience {
        "ansatte" => {
            page.guides = ordered_guides(&published.model.guides)
                .into_iter()
                .map(|g| (guide_href(lang, tenant, g), guide_title(tr, g).0))
                .collect();
            page.tools = sorted_links(tr, tenant, of_kind(Kind::Tool));
            page.routines = sorted_links(tr, tenant, of_kind(Kind::Routine));
        }
        "barn-og-unge" => {
            page.chrome.emergency = true;
            page.services = services_for(&[
                TargetGroup::Age6To12,
                TargetGroup::Age13To18,
                TargetGroup::Age19To23,
            ]);
        }
        "foresatte" => {
            page.services = services_for(&[
                TargetGroup::Guardians,
                TargetGroup::Pregnant,
                TargetGroup::Age0To5,
            ])
        }
        _ => {}
    }
    render(page)
}
