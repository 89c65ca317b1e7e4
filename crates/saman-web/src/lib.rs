//! Saman's web interface: server-rendered pages that work without JavaScript, in
//! bokmål and nynorsk, with the language as the first segment of every page's path.

mod assets;
pub mod auth;
mod config;
mod error;
mod i18n;
mod mail;
mod markdown;
mod observe;
mod page_cache;
mod pages;
pub mod test_idp;
pub mod urls;
mod views;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use saman_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use config::{TenantDirectory, WebConfig};
pub use mail::{relay_notification_mail, review_reminder_mail};
pub use observe::install_metrics_recorder;
/// The documents the search indexes for a published model (for tests and measurements).
pub use pages::search::{build_index as build_search_index, documents as search_documents};

/// What every handler shares. Cheap to clone: one reference count (every request
/// clones it once per middleware and handler, on every core).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// What an [`AppState`] holds.
pub struct AppParts {
    pub store: Store,
    pub config: Arc<WebConfig>,
    /// Each tenant's search index, built from its published model when first searched.
    pub search: Arc<pages::search::SearchIndexes>,
    /// Searches counted per month, written in batches.
    pub searches: Arc<pages::search::SearchCounter>,
    /// Each tenant's facts for the figures of evaluation, kept a minute.
    pub facts: Arc<pages::evaluation::FactsCache>,
    /// Public pages as rendered, kept while the model they show is current.
    pub pages: Arc<page_cache::PageCache>,
}

/// The whole site, as `saman serve` and the tests run it. Routes that serve pages take
/// the language first: `/{lang}/…`. Routers are split by who may enter them: the public
/// site, a signed-in person's own pages, and a tenant's administration.
pub fn app(store: Store, config: WebConfig) -> Router {
    let mut config = config;
    // The demo's families log in at the built-in test ID-porten, on this same site.
    let test_idp = (config.demo && config.idporten.is_none()).then(|| {
        let issuer = format!("{}/test-idporten", config.base_url());
        config.idporten = Some(auth::oidc::ProviderConfig {
            issuer: issuer.clone(),
            client_id: test_idp::DEMO_CLIENT_ID.into(),
            client_secret: test_idp::DEMO_CLIENT_SECRET.into(),
            required_acr: Some(auth::oidc::IDPORTEN_HIGH.into()),
        });
        config.test_idporten = true;
        test_idp::TestIdp::new(&issuer)
    });
    let page_cache_limit = config
        .page_cache_bytes
        .unwrap_or(page_cache::DEFAULT_LIMIT_BYTES);
    let state = AppState(Arc::new(AppParts {
        store,
        config: Arc::new(config),
        search: Arc::default(),
        searches: Arc::default(),
        facts: Arc::default(),
        pages: Arc::new(page_cache::PageCache::new(page_cache_limit)),
    }));
    // Public pages then learn of a publish without asking the database each time.
    state.store.watch_model_versions();
    // And signed-in pages take their session from memory while every change is heard.
    state.store.watch_sessions();
    // The interface texts, once, before the first page rather than during it.
    i18n::resolve_texts();
    if state.config.warm_search {
        tokio::spawn(pages::search::warm(state.clone()));
    }
    let public = public_routes();
    let no_store = || {
        SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        )
    };
    let login = Router::new()
        .route(
            "/{lang}/{tenant}/logg-inn",
            get(pages::login::login_page).post(pages::login::login),
        )
        .route(
            "/{lang}/{tenant}/logg-inn/totrinn",
            get(pages::login::second_step_page).post(pages::login::second_step),
        )
        .route("/{lang}/{tenant}/logg-ut", post(pages::login::logout))
        .route(
            "/{lang}/{tenant}/logg-inn/idporten",
            get(pages::idporten::start),
        )
        .route("/idporten/svar", get(pages::idporten::callback))
        .route(
            "/{lang}/{tenant}/logg-inn/kommune",
            get(pages::staff_oidc::start),
        )
        .route("/oidc/svar", get(pages::staff_oidc::callback))
        .route(
            "/{lang}/{tenant}/glemt-passord",
            get(pages::invite::forgot_page).post(pages::invite::forgot),
        )
        .route(
            "/{lang}/{tenant}/invitasjon/{token}",
            get(pages::invite::invite_link).post(pages::invite::invite_set_password),
        )
        .route(
            "/{lang}/{tenant}/nytt-passord/{token}",
            get(pages::invite::reset_link).post(pages::invite::reset_set_password),
        )
        .layer(no_store());
    let signed_in = Router::new()
        .route("/{lang}/{tenant}/start", get(pages::account::start))
        .route("/{lang}/{tenant}/konto", get(pages::account::account))
        .route(
            "/{lang}/{tenant}/konto/passord",
            post(pages::account::change_password),
        )
        .route(
            "/{lang}/{tenant}/konto/logg-ut-overalt",
            post(pages::account::logout_everywhere),
        )
        .route(
            "/{lang}/{tenant}/konto/varsler",
            post(pages::account::set_relay_digest),
        )
        .route(
            "/{lang}/{tenant}/konto/gjenopprettingskoder",
            post(pages::account::renew_recovery_codes),
        )
        .layer(no_store());
    // The relay log: every route asks saman_relay, which asks the policy.
    use pages::relay::ActionPage;
    let relay = Router::new()
        .route("/{lang}/{tenant}/stafettlogg", get(pages::relay::list))
        .route(
            "/{lang}/{tenant}/stafettlogg/oversikt",
            get(pages::relay::overview),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/ny",
            get(pages::relay::new_form).post(pages::relay::open),
        )
        .route("/{lang}/{tenant}/stafettlogg/{log}", get(pages::relay::log))
        .route(
            "/{lang}/{tenant}/stafettlogg/samtykkeskjema",
            get(pages::relay::empty_consent_form),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/tom-utskrift",
            get(pages::relay::empty_log),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/samtykkeskjema",
            get(pages::relay::filled_consent_form),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/utskrift",
            get(pages::relay::printout),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/innslag",
            post(pages::relay::add_entry),
        )
        .route(
            &ActionPage::Level.route(),
            pages::relay::action_page(ActionPage::Level).post(pages::relay::change_level),
        )
        .route(
            &ActionPage::Participant.route(),
            pages::relay::action_page(ActionPage::Participant).post(pages::relay::add_participant),
        )
        .route(
            &ActionPage::ConsentRequest.route(),
            pages::relay::action_page(ActionPage::ConsentRequest)
                .post(pages::relay::request_consent),
        )
        .route(
            &ActionPage::ConsentPaper.route(),
            pages::relay::action_page(ActionPage::ConsentPaper)
                .post(pages::relay::paper_consent)
                .layer(axum::extract::DefaultBodyLimit::max(
                    pages::relay::MAX_SCAN + 64 * 1024,
                )),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/samtykke/svar",
            post(pages::relay::answer_consent),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/samtykke/trekk",
            post(pages::relay::withdraw_consent),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/tilgangslogg",
            get(pages::relay::access_log),
        )
        .route(
            &ActionPage::Handover.route(),
            pages::relay::action_page(ActionPage::Handover).post(pages::relay::request_handover),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/stafett/svar",
            post(pages::relay::answer_handover),
        )
        .route(
            &ActionPage::Plan.route(),
            pages::relay::action_page(ActionPage::Plan).post(pages::relay::move_to_plan),
        )
        .route(
            &ActionPage::Close.route(),
            pages::relay::action_page(ActionPage::Close).post(pages::relay::close),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/arkiv",
            get(pages::relay::archive),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/arkiv.json",
            get(pages::relay::archive_meta),
        )
        .route(
            "/{lang}/{tenant}/stafettlogg/{log}/filer/{file}",
            get(pages::relay::scan),
        )
        .layer(no_store());
    let administration = Router::new()
        .route("/{lang}/{tenant}/admin/brukere", get(pages::admin::users))
        .route(
            "/{lang}/{tenant}/admin/brukere/inviter",
            post(pages::invite::invite),
        )
        .route(
            "/{lang}/{tenant}/admin/brukere/{account}",
            get(pages::admin::user).post(pages::admin::save_user),
        )
        .route(
            "/{lang}/{tenant}/admin/brukere/{account}/deaktiver",
            post(pages::admin::deactivate),
        )
        .route(
            "/{lang}/{tenant}/admin/brukere/{account}/aktiver",
            post(pages::admin::reactivate),
        )
        .route("/{lang}/{tenant}/admin/revisjon", get(pages::admin::audit))
        // Surveys: for those offered one.
        .route(
            "/{lang}/{tenant}/undersokelse/{survey}",
            get(pages::surveys::form).post(pages::surveys::answer),
        )
        // The figures of the work: for administrators and service leaders.
        .route("/{lang}/{tenant}/evaluering", get(pages::evaluation::page))
        .route(
            "/{lang}/{tenant}/evaluering.csv",
            get(pages::evaluation::csv),
        )
        .route(
            "/{lang}/{tenant}/evaluering/arsrapport.pdf",
            get(pages::evaluation::report),
        )
        // Reviews: for editors, and for service leaders of the owning services.
        .route(
            "/{lang}/{tenant}/gjennomgang",
            get(pages::editor::review::page),
        )
        .route(
            "/{lang}/{tenant}/gjennomgang/{item}",
            post(pages::editor::review::confirm),
        )
        // The living model's editor.
        .route("/{lang}/{tenant}/rediger", get(pages::editor::list))
        .route(
            "/{lang}/{tenant}/rediger/ny",
            get(pages::editor::new_form).post(pages::editor::create),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}",
            get(pages::editor::edit_form).post(pages::editor::save),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/forhandsvisning",
            get(pages::editor::preview),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/publiser",
            post(pages::editor::objects::publish::<saman_domain::Item>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/avpubliser",
            post(pages::editor::objects::unpublish::<saman_domain::Item>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/slett",
            get(pages::editor::objects::delete_confirm::<saman_domain::Item>)
                .post(pages::editor::objects::delete::<saman_domain::Item>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/historikk",
            get(pages::editor::objects::history::<saman_domain::Item>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/gjenopprett",
            post(pages::editor::objects::restore::<saman_domain::Item>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/vedlegg",
            post(pages::editor::attachments::upload).layer(axum::extract::DefaultBodyLimit::max(
                pages::editor::attachments::MAX_UPLOAD,
            )),
        )
        .route(
            "/{lang}/{tenant}/rediger/innhold/{item}/vedlegg/fjern",
            post(pages::editor::attachments::remove),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/ny",
            get(pages::editor::guides::new_form).post(pages::editor::guides::create),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}",
            get(pages::editor::guides::edit_form).post(pages::editor::guides::save),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/forhandsvisning",
            get(pages::editor::guides::preview),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/publiser",
            post(pages::editor::objects::publish::<saman_domain::Guide>),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/avpubliser",
            post(pages::editor::objects::unpublish::<saman_domain::Guide>),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/slett",
            get(pages::editor::objects::delete_confirm::<saman_domain::Guide>)
                .post(pages::editor::objects::delete::<saman_domain::Guide>),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/historikk",
            get(pages::editor::objects::history::<saman_domain::Guide>),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/gjenopprett",
            post(pages::editor::objects::restore::<saman_domain::Guide>),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/steg/ny",
            get(pages::editor::steps::new_step_form).post(pages::editor::steps::create_step),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/steg/{step}",
            get(pages::editor::steps::edit_step_form).post(pages::editor::steps::save_step),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/steg/{step}/flytt",
            post(pages::editor::steps::move_step),
        )
        .route(
            "/{lang}/{tenant}/rediger/veileder/{item}/steg/{step}/slett",
            post(pages::editor::steps::delete_step),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/ny",
            get(pages::editor::timeline::new_form).post(pages::editor::timeline::create),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/{item}",
            get(pages::editor::timeline::edit_form).post(pages::editor::timeline::save),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/{item}/forhandsvisning",
            get(pages::editor::timeline::preview),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/{item}/publiser",
            post(pages::editor::objects::publish::<saman_domain::TimelineEntry>),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/{item}/avpubliser",
            post(pages::editor::objects::unpublish::<saman_domain::TimelineEntry>),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/{item}/slett",
            get(pages::editor::objects::delete_confirm::<saman_domain::TimelineEntry>)
                .post(pages::editor::objects::delete::<saman_domain::TimelineEntry>),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/{item}/historikk",
            get(pages::editor::objects::history::<saman_domain::TimelineEntry>),
        )
        .route(
            "/{lang}/{tenant}/rediger/tidslinje/{item}/gjenopprett",
            post(pages::editor::objects::restore::<saman_domain::TimelineEntry>),
        )
        .route(
            "/{lang}/{tenant}/rediger/sok",
            get(pages::editor::searches::page),
        )
        .route(
            "/{lang}/{tenant}/rediger/undersokelser",
            get(pages::editor::surveys::list).post(pages::editor::surveys::create),
        )
        .route(
            "/{lang}/{tenant}/rediger/undersokelser/{item}",
            get(pages::editor::surveys::edit_form).post(pages::editor::surveys::save),
        )
        .route(
            "/{lang}/{tenant}/rediger/markdown",
            post(pages::editor::markdown),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/ny",
            get(pages::editor::forms::new_form).post(pages::editor::forms::create),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/{item}",
            get(pages::editor::forms::edit_form).post(pages::editor::forms::save),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/{item}/forhandsvisning",
            get(pages::editor::forms::preview),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/{item}/publiser",
            post(pages::editor::objects::publish::<saman_domain::FormWording>),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/{item}/avpubliser",
            post(pages::editor::objects::unpublish::<saman_domain::FormWording>),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/{item}/slett",
            get(pages::editor::objects::delete_confirm::<saman_domain::FormWording>)
                .post(pages::editor::objects::delete::<saman_domain::FormWording>),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/{item}/historikk",
            get(pages::editor::objects::history::<saman_domain::FormWording>),
        )
        .route(
            "/{lang}/{tenant}/rediger/skjema/{item}/gjenopprett",
            post(pages::editor::objects::restore::<saman_domain::FormWording>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innstillinger",
            get(pages::editor::settings::start),
        )
        .route(
            "/{lang}/{tenant}/rediger/innstillinger/{item}",
            get(pages::editor::settings::edit_form).post(pages::editor::settings::save),
        )
        .route(
            "/{lang}/{tenant}/rediger/innstillinger/{item}/logo",
            post(pages::editor::settings::logo).layer(axum::extract::DefaultBodyLimit::max(
                pages::editor::attachments::MAX_UPLOAD,
            )),
        )
        .route(
            "/{lang}/{tenant}/rediger/innstillinger/{item}/forhandsvisning",
            get(pages::editor::settings::preview),
        )
        .route(
            "/{lang}/{tenant}/rediger/innstillinger/{item}/publiser",
            post(pages::editor::objects::publish::<saman_domain::Tenant>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innstillinger/{item}/historikk",
            get(pages::editor::objects::history::<saman_domain::Tenant>),
        )
        .route(
            "/{lang}/{tenant}/rediger/innstillinger/{item}/gjenopprett",
            post(pages::editor::objects::restore::<saman_domain::Tenant>),
        )
        .route(
            "/{lang}/{tenant}/rediger/deling",
            get(pages::editor::sharing::page).post(pages::editor::sharing::save),
        )
        .route(
            "/{lang}/{tenant}/rediger/deling/kopier",
            post(pages::editor::sharing::copy),
        )
        .route("/{lang}/plattform", get(pages::admin::platform))
        .layer(no_store());
    // The demo's mail view exists only in demo mode.
    let demo = if state.config.demo {
        Router::new()
            .route("/{lang}/demo/e-post", get(pages::demo::mail))
            .layer(no_store())
    } else {
        Router::new()
    };
    let demo = match &test_idp {
        Some(idp) => demo.nest_service("/test-idporten", idp.router()),
        None => demo,
    };
    let pages = public
        .merge(demo)
        .merge(login)
        .merge(signed_in)
        .merge(relay)
        .merge(administration)
        .fallback(error::fallback);
    let ops = Router::new()
        .route("/healthz", get(observe::healthz))
        .route("/readyz", get(observe::readyz))
        .route("/metrics", get(observe::metrics_with_token));
    pages
        .merge(ops)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache::serve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session::load_session,
        ))
        .layer(axum::middleware::from_fn(auth::csrf::same_origin_only))
        .layer(axum::middleware::from_fn(error::render_error_pages))
        .layer(axum::middleware::from_fn(observe::security_headers))
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(not_from_page_cache()),
        )
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(observe::track_requests))
        .with_state(state)
}

/// The metrics alone, for a listener of their own (the `metrics_addr` setting), which
/// should be reachable only from the monitoring network.
pub fn metrics_app() -> Router {
    Router::new().route("/metrics", get(observe::metrics))
}

/// The public site: the model, the action guide, forms, and the reader's settings.
fn public_routes() -> Router<AppState> {
    let platform = Router::new()
        .route("/", get(pages::platform::root))
        .route("/{first}", get(pages::platform::front_or_tenant))
        .layer(cacheable(page_cache::Cacheable::AllTenants));
    let assets = Router::new()
        .route("/assets/{file}", get(assets::serve))
        .layer(cacheable(page_cache::Cacheable::Static));
    // Pages that show the tenant's published model and nothing else.
    let model = Router::new()
        .route("/{lang}/{tenant}", get(pages::tenant::home))
        .route("/{lang}/{tenant}/niva/{level}", get(pages::tenant::level))
        .route("/{lang}/{tenant}/innhold/{item}", get(pages::item::item))
        .route("/{lang}/{tenant}/tjenester", get(pages::tenant::services))
        .route("/{lang}/{tenant}/sok", get(pages::search::page))
        .route(
            "/{lang}/{tenant}/sok/forslag",
            get(pages::search::suggestions),
        )
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
        .layer(cacheable(page_cache::Cacheable::TenantModel));
    // Not kept: the figures change with the relay logs, and files are served as they are.
    let uncached = Router::new()
        .route(
            "/{lang}/{tenant}/om-arbeidet",
            get(pages::evaluation::public::page),
        )
        .route(
            "/{lang}/{tenant}/innhold/{item}/filer/{file}",
            get(pages::item::attachment),
        )
        .route("/logo/{tenant}", get(pages::tenant::logo))
        .route(
            "/innstillinger/tekststorrelse",
            post(pages::settings::text_size),
        );
    platform.merge(assets).merge(model).merge(uncached)
}

/// Marks a router's responses as pages the page cache may keep, depending on `on`.
fn cacheable(
    on: page_cache::Cacheable,
) -> tower::util::MapResponseLayer<
    impl Fn(axum::response::Response) -> axum::response::Response + Clone,
> {
    tower::util::MapResponseLayer::new(move |mut response: axum::response::Response| {
        response.extensions_mut().insert(on);
        response
    })
}

/// Compression for what the page cache did not answer: a cached page comes with its
/// encoding chosen and its `ETag` for exactly those bytes, which compressing again would
/// make wrong.
fn not_from_page_cache() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{DefaultPredicate, Predicate};
    DefaultPredicate::new().and(
        |_: axum::http::StatusCode,
         _: axum::http::Version,
         headers: &axum::http::HeaderMap,
         _: &axum::http::Extensions| !headers.contains_key(axum::http::header::ETAG),
    )
}
