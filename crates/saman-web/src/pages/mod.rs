//! The page handlers, one module per area of the site.

pub mod account;
pub mod admin;
pub mod audience;
pub mod demo;
pub mod editor;
pub mod evaluation;
pub mod forms;
pub mod guide;
pub mod idporten;
pub mod invite;
pub mod item;
pub mod login;
pub mod platform;
pub mod relay;
mod relay_archive;
pub mod search;
pub mod settings;
pub mod staff_oidc;
pub mod surveys;
pub mod tenant;
pub mod worry;

use crate::AppState;
use crate::error::WebError;
use askama::Template;
use axum::response::Html;
use saman_domain::Lang;
use saman_store::Published;
use std::sync::Arc;

/// The language of a path's first segment; anything else is an unknown page.
pub fn parse_lang(segment: &str) -> Result<Lang, WebError> {
    segment.parse().map_err(|_| WebError::NotFound)
}

/// The tenant named in the path with its published model, or an unknown page.
pub async fn find_tenant(state: &AppState, slug: &str) -> Result<Arc<Published>, WebError> {
    state.store.published(slug).await?.ok_or(WebError::NotFound)
}

pub fn render(page: impl Template) -> Result<Html<String>, WebError> {
    page.render()
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}
