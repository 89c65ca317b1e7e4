//! Saman's web interface: server-rendered pages that work without JavaScript, in
//! bokmål and nynorsk, with the language as the first segment of every page's path.

mod assets;
mod error;
mod i18n;
mod markdown;
mod observe;
mod pages;
mod views;

use axum::Router;
use axum::routing::{get, post};
use saman_store::Store;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

pub use observe::install_metrics_recorder;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

/// The whole site. Routes that serve pages take the language first: `/{lang}/…`.
pub fn app(store: Store) -> Router {
    let state = AppState { store };
    let pages = Router::new()
        .route("/", get(pages::platform::root))
        .route("/{first}", get(pages::platform::front_or_tenant))
        .route("/{lang}/{tenant}", get(pages::tenant::home))
        .route("/{lang}/{tenant}/niva/{level}", get(pages::tenant::level))
        .route("/{lang}/{tenant}/innhold/{item}", get(pages::item::item))
        .route(
            "/{lang}/{tenant}/innhold/{item}/filer/{file}",
            get(pages::item::attachment),
        )
        .route("/{lang}/{tenant}/tjenester", get(pages::tenant::services))
        .route("/{lang}/{tenant}/veileder", get(pages::guide::guides))
        .route(
            "/{lang}/{tenant}/veileder/{guide}",
            get(pages::guide::guide),
        )
        .route(
            "/{lang}/{tenant}/veileder/{guide}/utskrift",
            get(pages::guide::print),
        )
        .route(
            "/{lang}/{tenant}/veileder/{guide}/steg/{step}",
            get(pages::guide::step),
        )
        .route(
            "/{lang}/{tenant}/bekymret",
            get(pages::worry::start).post(pages::worry::answer),
        )
        .route(
            "/{lang}/{tenant}/for/{audience}",
            get(pages::audience::audience),
        )
        .route("/{lang}/{tenant}/skjema", get(pages::forms::list))
        .route(
            "/{lang}/{tenant}/skjema/{form}",
            get(pages::forms::show).post(pages::forms::submit),
        )
        .route("/{lang}/{tenant}/tidslinje", get(pages::tenant::timeline))
        .route("/{lang}/{tenant}/om", get(pages::tenant::about))
        .route(
            "/{lang}/{tenant}/tilgjengelighet",
            get(pages::tenant::accessibility),
        )
        .route("/logo/{tenant}", get(pages::tenant::logo))
        .route(
            "/innstillinger/tekststorrelse",
            post(pages::settings::text_size),
        )
        .route("/assets/{file}", get(assets::serve))
        .fallback(error::fallback);
    let ops = Router::new()
        .route("/healthz", get(observe::healthz))
        .route("/readyz", get(observe::readyz))
        .route("/metrics", get(observe::metrics));
    pages
        .merge(ops)
        .layer(axum::middleware::from_fn(error::render_error_pages))
        .layer(axum::middleware::from_fn(observe::security_headers))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(observe::track_requests))
        .with_state(state)
}
