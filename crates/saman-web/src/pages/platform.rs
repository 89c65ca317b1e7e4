//! The platform's own pages: the list of tenants, and the redirects into it.

use super::{find_tenant, render};
use crate::AppState;
use crate::error::WebError;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use saman_domain::Lang;

pub struct TenantEntry {
    pub href: String,
    pub name: String,
    pub model_name: String,
    pub numbers: String,
}

#[derive(Template)]
#[template(path = "platform.html")]
struct PlatformPage {
    chrome: Chrome,
    tenants: Vec<TenantEntry>,
}

pub async fn root() -> Redirect {
    Redirect::to("/nb")
}

/// `/nb` and `/nn` are the platform's front page; `/{tenant}` leads to the tenant's
/// home in its default language.
pub async fn front_or_tenant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first): Path<String>,
) -> Result<Response, WebError> {
    let Ok(lang) = first.parse::<Lang>() else {
        let published = find_tenant(&state, &first).await?;
        let record = &published.record;
        let lang = record.tenant.default_lang;
        return Ok(
            Redirect::to(&crate::urls::TenantUrls::new(lang, &record.tenant.slug).home())
                .into_response(),
        );
    };
    let mut chrome = Chrome::platform(
        lang,
        chrome_title(lang),
        ctx.text_size,
        &ctx.path,
        ctx.query.as_deref(),
    );
    chrome.user = ctx.user.clone();
    let tenants = state
        .store
        .list_tenants()
        .await?
        .into_iter()
        .map(|t| TenantEntry {
            href: crate::urls::TenantUrls::new(lang, &t.slug).home(),
            name: t.name(lang).to_string(),
            model_name: t
                .text
                .pick(lang)
                .map(|p| p.value.model_name.clone())
                .unwrap_or_default(),
            numbers: chrome.tr.t1(
                "platform-numbers",
                "numbers",
                t.municipality_numbers.join(", "),
            ),
        })
        .collect();
    Ok(render(PlatformPage { chrome, tenants })?.into_response())
}

fn chrome_title(lang: Lang) -> String {
    crate::i18n::Tr::new(lang).t("platform-title")
}
