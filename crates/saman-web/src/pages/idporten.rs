//! Guardians and youth log in with ID-porten at the level "high". The level is checked
//! by us, from the signed ID token; a lower level is refused with a message saying how
//! to log in instead. The national identity number links the login to the person.

use super::login::{landing, open_session_and_go};
use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::auth::oidc::{self, OidcError};
use crate::auth::read_cookie;
use crate::auth::session::oidc_cookie;
use crate::auth::{ClientAddress, cookie_header};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use saman_domain::Lang;
use saman_domain::access::{Action, Actor, Assurance, may};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::auth::secret;
use saman_store::{AuditContext, OidcFlow, account_target};
use serde::Deserialize;

const PROVIDER: &str = "idporten";

/// Sends the person to ID-porten.
pub async fn start(
    State(state): State<AppState>,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let provider = state.config.idporten.clone().ok_or(WebError::NotFound)?;
    send_to_provider(&state, lang, &published, PROVIDER, &provider).await
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

#[derive(Template)]
#[template(path = "login_failed.html")]
struct FailedPage {
    chrome: Chrome,
    heading: String,
    body: String,
    retry: String,
}

/// A login that came back from a provider with a checked ID token.
pub struct Returned {
    pub flow: OidcFlow,
    pub slug: String,
    pub published: std::sync::Arc<saman_store::Published>,
    pub claims: oidc::IdClaims,
    pub audit: AuditContext,
    pub issuer: String,
}

/// Takes the flow the answer's `state` names (once), exchanges the code and checks the
/// ID token with the provider `provider_of` gives for the flow's tenant. A failure is
/// audited and answered with a page in the person's language.
pub async fn returned(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    address: String,
    query: CallbackQuery,
    kind: &str,
    provider_of: impl Fn(&AppState, &str) -> Option<oidc::ProviderConfig>,
) -> Result<Result<Returned, Response>, WebError> {
    // The state is taken once: a replayed or forged answer finds no flow. The flow must
    // also come back to the browser that started it (its cookie), so nobody can hand
    // the answer of their own login to someone else.
    let browser = read_cookie(headers, oidc_cookie(state.config.https())).unwrap_or("");
    let browser_hash = secret::sha256_hex(browser.as_bytes());
    let flow = match state.store.take_oidc_flow(&query.state).await? {
        Some(flow)
            if flow.provider == kind
                && !browser.is_empty()
                && secret::constant_time_eq(
                    flow.browser_hash.as_bytes(),
                    browser_hash.as_bytes(),
                ) =>
        {
            flow
        }
        _ => {
            return Ok(Err(
                failed(state, ctx, Lang::Nb, None, OidcError::State).await?
            ));
        }
    };
    let slug = state
        .store
        .tenant_slug(&flow.tenant_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let published = find_tenant(state, &slug).await?;
    let audit = AuditContext {
        tenant: Some(published.record.id.clone()),
        actor_id: None,
        actor_role: None,
        address,
    };
    let provider = provider_of(state, &slug).ok_or(WebError::NotFound)?;
    let claims = async {
        if !query.error.is_empty() {
            return Err(OidcError::TokenRefused(
                query.error.chars().take(60).collect(),
            ));
        }
        let http = oidc::http_client();
        let discovery = oidc::discover(&http, &provider.issuer).await?;
        let id_token = oidc::exchange_code(
            &http,
            &discovery,
            &provider,
            &query.code,
            &flow.pkce_verifier,
            &callback_uri(state, kind),
        )
        .await?;
        oidc::verify_id_token(&http, &discovery, &provider, &id_token, &flow.nonce).await
    }
    .await;
    match claims {
        Ok(claims) => Ok(Ok(Returned {
            flow,
            slug,
            published,
            claims,
            audit,
            issuer: provider.issuer,
        })),
        Err(e) => {
            state
                .store
                .audit(
                    &audit,
                    AuditAction::LoginFailed,
                    "account:unknown",
                    Outcome::Failure,
                    &format!("{kind}: {e}"),
                )
                .await?;
            Ok(Err(failed(state, ctx, flow.lang, Some(&slug), e).await?))
        }
    }
}

/// Where a provider sends the person back to, per kind of login.
pub fn callback_uri(state: &AppState, kind: &str) -> String {
    match kind {
        PROVIDER => format!("{}/idporten/svar", state.config.base_url()),
        _ => format!("{}/oidc/svar", state.config.base_url()),
    }
}

/// Starts a login at a provider: a flow with state, nonce and PKCE verifier, and the
/// redirect to the provider's login.
pub async fn send_to_provider(
    state: &AppState,
    lang: Lang,
    published: &saman_store::Published,
    kind: &str,
    provider: &oidc::ProviderConfig,
) -> Result<Response, WebError> {
    let http = oidc::http_client();
    let discovery = oidc::discover(&http, &provider.issuer)
        .await
        .map_err(|e| WebError::Internal(format!("{kind}: {e}")))?;
    let (flow_state, nonce, verifier, browser) = (
        secret::new_token(),
        secret::new_token(),
        secret::new_token(),
        secret::new_token(),
    );
    state
        .store
        .start_oidc_flow(
            &flow_state,
            &OidcFlow {
                provider: kind.into(),
                tenant_id: published.record.id.as_str().to_string(),
                nonce: nonce.clone(),
                pkce_verifier: verifier.clone(),
                lang,
                browser_hash: secret::sha256_hex(browser.as_bytes()),
            },
        )
        .await?;
    let url = oidc::authorize_url(
        &discovery,
        provider,
        &callback_uri(state, kind),
        &flow_state,
        &nonce,
        &verifier,
        lang.code(),
    );
    let https = state.config.https();
    let mut response = Redirect::to(&url).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(oidc_cookie(https), &browser, https, Some(600)),
    );
    Ok(response)
}

/// ID-porten's answer: the code is exchanged and the ID token checked.
pub async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    let back = returned(&state, &ctx, &headers, address, query, PROVIDER, |s, _| {
        s.config.idporten.clone()
    })
    .await?;
    let Returned {
        flow,
        slug,
        published,
        claims,
        audit,
        ..
    } = match back {
        Ok(back) => back,
        Err(page) => return Ok(page),
    };
    let claims = match Some(claims).filter(|c| {
        c.pid
            .as_deref()
            .is_some_and(|p| p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()))
    }) {
        Some(claims) => claims,
        None => {
            state
                .store
                .audit(
                    &audit,
                    AuditAction::LoginFailed,
                    "account:unknown",
                    Outcome::Failure,
                    "idporten: no pid",
                )
                .await?;
            return failed(&state, &ctx, flow.lang, Some(&slug), OidcError::NoPerson).await;
        }
    };
    let pid = claims.pid.unwrap_or_default();
    let account = match state.store.account_by_pid(&pid).await? {
        Some(account) => account,
        // Nobody is made an account just by logging in: a family's account comes with
        // a relay log (or from an administrator), so an identity number is stored only
        // for someone the municipality already works with.
        None => {
            state
                .store
                .audit(
                    &audit,
                    AuditAction::LoginFailed,
                    "account:unknown",
                    Outcome::Failure,
                    "idporten: no account",
                )
                .await?;
            return failed(
                &state,
                &ctx,
                flow.lang,
                Some(&slug),
                OidcError::UnknownPerson,
            )
            .await;
        }
    };
    if !account.active {
        state
            .store
            .audit(
                &audit,
                AuditAction::LoginFailed,
                &account_target(&account.id),
                Outcome::Failure,
                "idporten: deactivated",
            )
            .await?;
        return failed(&state, &ctx, flow.lang, Some(&slug), OidcError::NoPerson).await;
    }
    let actor = Actor {
        account_id: account.id.clone(),
        grants: state.store.grants(&account.id).await?,
        assurance: Assurance::Strong,
    };
    let tenant_id = published.record.id.as_str();
    let to = landing(
        may(&actor, Action::EnterTenant, Some(tenant_id)),
        flow.lang,
        &slug,
    );
    open_session_and_go(
        &state,
        &headers,
        &account.id,
        tenant_id,
        true,
        PROVIDER,
        audit,
        "idporten, level high",
        &to,
    )
    .await
}

/// A failed login, said in the person's language. A level too low is explained.
pub async fn failed(
    state: &AppState,
    ctx: &Ctx,
    lang: Lang,
    slug: Option<&str>,
    error: OidcError,
) -> Result<Response, WebError> {
    tracing::warn!(reason = %error, "an ID-porten login failed");
    let tr = Tr::new(lang);
    let (heading, body) = match error {
        OidcError::LevelTooLow(_) => ("idporten-level-title", "idporten-level-body"),
        OidcError::UnknownPerson => ("idporten-unknown-title", "idporten-unknown-body"),
        _ => ("idporten-failed-title", "idporten-failed-body"),
    };
    let retry = slug.map_or_else(
        || crate::urls::platform_front(lang),
        |s| crate::urls::TenantUrls::new(lang, s).login(),
    );
    let chrome = match slug {
        Some(slug) => {
            let published = find_tenant(state, slug).await?;
            Chrome::tenant(lang, tr.t(heading), ctx, &published.record, "")
        }
        None => Chrome::platform(lang, tr.t(heading), ctx.text_size, &ctx.path, None),
    };
    let page = render(FailedPage {
        chrome,
        heading: tr.t(heading),
        body: tr.t(body),
        retry,
    })?;
    let mut response = (StatusCode::UNAUTHORIZED, page).into_response();
    response.extensions_mut().insert(crate::error::KeepBody);
    Ok(response)
}
