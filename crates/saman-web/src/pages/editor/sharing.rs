//! Building on another municipality's model: the tenant's administrators offer their
//! model or single guides to the platform's other tenants, browse what others offer,
//! and copy a guide (or a whole model) into their own as drafts.

use super::objects::{Editable, editor_href_in};
use super::{audit_context, render, urls};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::access::{Allowed, CanShareModel};
use crate::auth::csrf::check_token;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::*;
use saman_store::{Copied, Sharing};
use serde::Deserialize;

type Sharer = Allowed<CanShareModel>;

pub struct OwnGuide {
    pub id: String,
    pub title: String,
    pub published: bool,
    pub shared: bool,
}

pub struct OfferedGuide {
    pub id: String,
    pub title: String,
    pub area: String,
    pub steps_text: String,
    pub summary: String,
}

pub struct OfferView {
    pub tenant_slug: String,
    pub tenant_name: String,
    pub whole_model: bool,
    pub model_text: String,
    pub guides: Vec<OfferedGuide>,
}

#[derive(Template)]
#[template(path = "editor_sharing.html")]
struct SharingPage {
    chrome: Chrome,
    csrf: String,
    action: String,
    copy_action: String,
    model_shared: bool,
    guides: Vec<OwnGuide>,
    offers: Vec<OfferView>,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct SharingQuery {
    #[serde(default)]
    lagret: Option<String>,
    #[serde(default)]
    kopiert: Option<usize>,
    #[serde(default, rename = "ikke-delt")]
    not_offered: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Sharer,
    Query(query): Query<SharingQuery>,
) -> Result<Html<String>, WebError> {
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let tenant_id = &allowed.tenant.record.id;
    let sharing = state.store.sharing(tenant_id).await?;
    let own = state.store.editable::<Guide>(tenant_id).await?;
    let offers = state.store.offers(tenant_id).await?;
    let message = if query.lagret.is_some() {
        Some(tr.t("sharing-saved"))
    } else if query.not_offered.is_some() {
        Some(tr.t("sharing-not-offered"))
    } else {
        query
            .kopiert
            .map(|n| tr.t1("sharing-copied-model", "items", n as i64))
    };
    let urls = urls(&allowed);
    render(SharingPage {
        chrome: Chrome::tenant(
            lang,
            tr.t("sharing-title"),
            &ctx,
            &allowed.tenant.record,
            "",
        ),
        csrf: allowed.user.session.csrf_token.clone(),
        action: urls.at("/rediger/deling"),
        copy_action: urls.at("/rediger/deling/kopier"),
        model_shared: sharing.model,
        guides: own
            .iter()
            .map(|g| OwnGuide {
                id: g.id.clone(),
                title: g.object.title(lang),
                published: g.live.is_some(),
                shared: sharing.guides.contains(&g.id),
            })
            .collect(),
        offers: offers
            .into_iter()
            .map(|o| OfferView {
                tenant_name: o
                    .tenant_name
                    .pick(lang)
                    .map_or_else(|| o.tenant_slug.clone(), |p| p.value.clone()),
                tenant_slug: o.tenant_slug,
                whole_model: o.whole_model,
                model_text: tr.t1("sharing-model-offered", "items", o.items as i64),
                guides: o
                    .guides
                    .into_iter()
                    .map(|(id, g)| OfferedGuide {
                        id,
                        title: g.title(lang),
                        area: tr.t(&format!("guide-area-{}", g.area.key())),
                        steps_text: tr.t1("sharing-steps", "steps", g.steps.len() as i64),
                        summary: g
                            .text
                            .pick(lang)
                            .map(|p| p.value.summary.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
        message,
    })
}

/// Saves what the tenant offers: `modell=ja` for the whole model, `veileder=<id>` for
/// each guide.
pub async fn save(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Sharer,
    body: Bytes,
) -> Result<Response, WebError> {
    let mut csrf = String::new();
    let mut sharing = Sharing::default();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "modell" => sharing.model = value == "ja",
            "veileder" => {
                sharing.guides.insert(value.into_owned());
            }
            _ => {}
        }
    }
    check_token(&allowed.user.session.csrf_token, &csrf)?;
    let audit = audit_context(&allowed, address);
    state
        .store
        .set_sharing(&allowed.tenant.record.id, &sharing, &audit)
        .await?;
    Ok(Redirect::to(&urls(&allowed).at("/rediger/deling?lagret=1")).into_response())
}

#[derive(Deserialize)]
pub struct CopyForm {
    #[serde(default)]
    csrf: String,
    /// The offering tenant's slug.
    kommune: String,
    /// The guide's id; empty for the whole model.
    #[serde(default)]
    veileder: String,
}

/// Copies an offered guide, or a whole offered model, into the tenant as drafts.
pub async fn copy(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Sharer,
    axum::Form(form): axum::Form<CopyForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let audit = audit_context(&allowed, address);
    let guide = (!form.veileder.is_empty()).then_some(form.veileder.as_str());
    let urls = urls(&allowed);
    let copied = state
        .store
        .copy_shared(&allowed.tenant.record.id, &form.kommune, guide, &audit)
        .await?;
    let to = match copied {
        Copied::NotOffered => urls.at("/rediger/deling?ikke-delt=1"),
        Copied::Copied { guides, .. } if guide.is_some() && guides.len() == 1 => {
            format!("{}?kopiert=1", editor_href_in::<Guide>(&urls, &guides[0]))
        }
        Copied::Copied { guides, items } => {
            urls.at(&format!("/rediger/deling?kopiert={}", guides.len() + items))
        }
    };
    Ok(Redirect::to(&to).into_response())
}
