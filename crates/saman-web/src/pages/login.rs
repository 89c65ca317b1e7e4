//! Logging in and out: e-mail and password for staff, then the second step (a code from
//! an authenticator app, or a recovery code) for every role that needs it, set up at
//! the first login. Every answer to a failed attempt is the same, whatever failed.

use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::auth::access::{SignedIn, login_path, second_step_path};
use crate::auth::csrf::check_token;
use crate::auth::limits::{self, LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, SECOND_STEP_PER_ACCOUNT};
use crate::auth::session::{login_csrf_cookie, session_cookie};
use crate::auth::{ClientAddress, cookie_header, read_cookie};
use crate::error::WebError;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use saman_domain::Lang;
use saman_domain::access::{Action, may};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::auth::{password, secret, totp};
use saman_store::{AuditContext, Published, account_target};
use serde::Deserialize;
use sha2::Sha256;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    action: String,
    forgot: String,
    /// Set after a password was set from a mail's link.
    notice: Option<String>,
    /// The ID-porten button's text, when ID-porten is set up.
    idporten: Option<String>,
    /// The name of the tenant's own directory, when staff may log in with it.
    directory: Option<String>,
    csrf: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// The token of a form before login (login, forgotten password, a mail's link): the
/// pre-session cookie's, made if missing.
pub fn login_token(headers: &HeaderMap, https: bool) -> (String, Option<HeaderValue>) {
    match read_cookie(headers, login_csrf_cookie(https)) {
        Some(token) if token.len() == 43 => (token.to_string(), None),
        _ => {
            let token = secret::new_token();
            let cookie = cookie_header(login_csrf_cookie(https), &token, https, None);
            (token, Some(cookie))
        }
    }
}

/// Adds cookies to a response that must not be stored.
pub fn with_headers(
    mut response: Response,
    cookies: impl IntoIterator<Item = HeaderValue>,
) -> Response {
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether a session must do its second step before anything private: its roles need
/// one, or the person has set one up.
pub fn second_step_due(user: &SignedIn) -> bool {
    !user.session.complete && (user.actor.needs_second_step() || user.account.has_two_step())
}

/// Where a person goes once logged in: their start page, or their account if they
/// hold no role in this tenant.
pub fn landing(user_may_enter: bool, lang: Lang, slug: &str) -> String {
    if user_may_enter {
        crate::urls::TenantUrls::new(lang, slug).start()
    } else {
        crate::urls::TenantUrls::new(lang, slug).account()
    }
}

pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    signed_in: Option<axum::Extension<SignedIn>>,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    if let Some(axum::Extension(user)) = signed_in {
        let to = if !second_step_due(&user) {
            landing(
                may(
                    &user.actor,
                    Action::EnterTenant,
                    Some(published.record.id.as_str()),
                ),
                lang,
                &slug,
            )
        } else {
            second_step_path(lang, &slug)
        };
        return Ok(Redirect::to(&to).into_response());
    }
    let (csrf, cookie) = login_token(&headers, state.config.https());
    let page = login_view(&state, lang, &ctx, &published, csrf, String::new(), None)?;
    Ok(with_headers(page.into_response(), cookie))
}

fn login_view(
    state: &AppState,
    lang: Lang,
    ctx: &Ctx,
    published: &Published,
    csrf: String,
    email: String,
    error: Option<String>,
) -> Result<axum::response::Html<String>, WebError> {
    let tr = crate::i18n::Tr::new(lang);
    let password_set = ctx.query.as_deref() == Some("passord=satt");
    render(LoginPage {
        chrome: Chrome::tenant(lang, tr.t("login-title"), ctx, &published.record, ""),
        action: login_path(lang, &published.record.tenant.slug),
        forgot: crate::urls::TenantUrls::new(lang, &published.record.tenant.slug).forgot_password(),
        notice: password_set.then(|| tr.t("login-password-set")),
        directory: state
            .config
            .tenant_oidc
            .get(&published.record.tenant.slug)
            .map(|d| d.label.clone()),
        idporten: state.config.idporten.as_ref().map(|_| {
            tr.t(if state.config.test_idporten {
                "idporten-test-button"
            } else {
                "idporten-button"
            })
        }),
        csrf,
        email,
        error,
    })
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Path((lang, slug)): Path<(String, String)>,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let https = state.config.https();
    let expected = read_cookie(&headers, login_csrf_cookie(https)).unwrap_or("");
    check_token(expected, &form.csrf)?;
    let limits = [
        (LOGIN_PER_ADDRESS, address.as_str()),
        (LOGIN_PER_ACCOUNT, form.email.as_str()),
    ];
    limits::check_and_count(&state, &limits).await?;
    let tenant_id = published.record.id.clone();
    let audit = |actor: Option<String>| AuditContext {
        tenant: Some(tenant_id.clone()),
        actor_id: actor,
        actor_role: None,
        address: address.clone(),
    };
    let account = state.store.account_by_email(&form.email).await?;
    // Verify against a dummy hash when there is no account, so both take as long.
    let hash = account
        .as_ref()
        .and_then(|a| a.password_hash.as_deref())
        .unwrap_or(password::dummy_hash())
        .to_string();
    let typed = form.password.clone();
    let matches = crate::auth::password_work(move || password::verify(&typed, &hash)).await?;
    let account = account.filter(|a| matches && a.active && a.password_hash.is_some());
    let Some(account) = account else {
        let target = state
            .store
            .account_by_email(&form.email)
            .await?
            .map_or_else(|| "account:unknown".to_string(), |a| account_target(&a.id));
        state
            .store
            .audit(
                &audit(None),
                AuditAction::LoginFailed,
                &target,
                Outcome::Failure,
                "password",
            )
            .await?;
        let tr = crate::i18n::Tr::new(lang);
        let page = login_view(
            &state,
            lang,
            &ctx,
            &published,
            form.csrf,
            form.email,
            Some(tr.t("login-failed")),
        )?;
        return Ok(with_headers(crate::error::form_with_problems(page), None));
    };
    let grants = state.store.grants(&account.id).await?;
    let needs_second = account.has_two_step() || grants.iter().any(|g| g.role.requires_two_step());
    // A password is one factor: the session is "complete" (strong) only once a second
    // factor is proven, so a role that needs two steps, given later, does not count in
    // a password-only session.
    let new = state
        .store
        .open_session(
            &account.id,
            tenant_id.as_str(),
            false,
            "password",
            headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
            state.config.sessions,
        )
        .await?;
    state
        .store
        .audit(
            &audit(Some(account.id.clone())),
            AuditAction::Login,
            &account_target(&account.id),
            Outcome::Success,
            if needs_second {
                "password, second step pending"
            } else {
                "password"
            },
        )
        .await?;
    let to = if needs_second {
        second_step_path(lang, &slug)
    } else {
        let actor = saman_domain::access::Actor {
            account_id: account.id.clone(),
            grants,
            assurance: saman_domain::access::Assurance::Password,
        };
        landing(
            may(&actor, Action::EnterTenant, Some(tenant_id.as_str())),
            lang,
            &slug,
        )
    };
    Ok(with_headers(
        Redirect::to(&to).into_response(),
        [
            cookie_header(session_cookie(https), &new.token, https, None),
            cookie_header(login_csrf_cookie(https), "", https, Some(0)),
        ],
    ))
}

#[derive(Template)]
#[template(path = "second_step.html")]
struct SecondStepPage {
    chrome: Chrome,
    action: String,
    csrf: String,
    /// Set up two-step login now (no secret yet): the QR code and the secret as text.
    setup: Option<Setup>,
    error: Option<String>,
}

struct Setup {
    qr_svg: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    chrome: Chrome,
    codes: Vec<String>,
    next: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// The secret offered at setup: derived from the session's own secret token, so the
/// server keeps nothing between showing it and confirming it, and nobody can swap it.
fn setup_secret(session_csrf: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(session_csrf.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"saman totp setup");
    totp::base32_encode(&mac.finalize().into_bytes()[..20])
}

fn qr_svg(uri: &str) -> Result<String, WebError> {
    let code =
        qrcode::QrCode::new(uri.as_bytes()).map_err(|e| WebError::Internal(format!("qr: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

fn second_step_view(
    lang: Lang,
    ctx: &Ctx,
    published: &Published,
    user: &SignedIn,
    error: Option<String>,
) -> Result<axum::response::Html<String>, WebError> {
    let tr = crate::i18n::Tr::new(lang);
    let setup = if user.account.has_two_step() {
        None
    } else {
        let secret = setup_secret(&user.session.csrf_token);
        let issuer = format!("Saman {}", published.record.tenant.name(lang));
        let account = user
            .account
            .email
            .clone()
            .unwrap_or_else(|| user.account.name.clone());
        Some(Setup {
            qr_svg: qr_svg(&totp::provisioning_uri(&secret, &issuer, &account))?,
            secret,
        })
    };
    let title = if setup.is_some() {
        "two-step-setup-title"
    } else {
        "two-step-title"
    };
    render(SecondStepPage {
        chrome: Chrome::tenant(lang, tr.t(title), ctx, &published.record, ""),
        action: second_step_path(lang, &published.record.tenant.slug),
        csrf: user.session.csrf_token.clone(),
        setup,
        error,
    })
}

pub async fn second_step_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Option<axum::Extension<SignedIn>>,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    // A session that may still need its second step; without one, log in first.
    let Some(axum::Extension(user)) = user else {
        return Ok(Redirect::to(&login_path(lang, &slug)).into_response());
    };
    if user.session.complete {
        return Ok(
            Redirect::to(&crate::urls::TenantUrls::new(lang, &slug).start()).into_response(),
        );
    }
    // A person without two-step login may set it up here even if no role needs it.
    Ok(second_step_view(lang, &ctx, &published, &user, None)?.into_response())
}

pub async fn second_step(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    user: Option<axum::Extension<SignedIn>>,
    Path((lang, slug)): Path<(String, String)>,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    // A session that may still need its second step; without one, log in first.
    let Some(axum::Extension(user)) = user else {
        return Ok(Redirect::to(&login_path(lang, &slug)).into_response());
    };
    check_token(&user.session.csrf_token, &form.csrf)?;
    if user.session.complete {
        return Ok(
            Redirect::to(&crate::urls::TenantUrls::new(lang, &slug).start()).into_response(),
        );
    }
    let limit = [(SECOND_STEP_PER_ACCOUNT, user.account.id.as_str())];
    limits::check_and_count(&state, &limit).await?;
    let tr = crate::i18n::Tr::new(lang);
    let ctx_audit = AuditContext {
        tenant: Some(published.record.id.clone()),
        actor_id: Some(user.account.id.clone()),
        actor_role: None,
        address,
    };
    let target = account_target(&user.account.id);
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let mut recovery_codes = Vec::new();
    let ok = match &user.account.totp_secret {
        Some(secret) => {
            let last = user.account.totp_last_step.map(|s| s.max(0) as u64);
            match totp::verify(secret, &form.code, now, last) {
                Some(step) => {
                    state
                        .store
                        .use_totp_step(&user.account.id, step as i64)
                        .await?
                }
                None => {
                    let code = secret::normalize_recovery_code(&form.code);
                    let used = code.len() == 11
                        && state
                            .store
                            .use_recovery_code(&user.account.id, &code)
                            .await?;
                    if used {
                        state
                            .store
                            .audit(
                                &ctx_audit,
                                AuditAction::RecoveryCodeUsed,
                                &target,
                                Outcome::Success,
                                "",
                            )
                            .await?;
                    }
                    used
                }
            }
        }
        None => {
            let secret = setup_secret(&user.session.csrf_token);
            match totp::verify(&secret, &form.code, now, None) {
                Some(step) => {
                    recovery_codes = (0..10).map(|_| secret::new_recovery_code()).collect();
                    state
                        .store
                        .enable_two_step(
                            &user.account.id,
                            &secret,
                            step as i64,
                            &recovery_codes,
                            &ctx_audit,
                        )
                        .await?;
                    true
                }
                None => false,
            }
        }
    };
    if !ok {
        state
            .store
            .audit(
                &ctx_audit,
                AuditAction::LoginFailed,
                &target,
                Outcome::Failure,
                "second step",
            )
            .await?;
        let page = second_step_view(lang, &ctx, &published, &user, Some(tr.t("two-step-failed")))?;
        return Ok(crate::error::form_with_problems(page));
    }
    // A new session id now that the person holds more privilege.
    let new = state
        .store
        .renew_session(&user.session, true, state.config.sessions)
        .await?;
    state
        .store
        .audit(
            &ctx_audit,
            AuditAction::Login,
            &target,
            Outcome::Success,
            "second step",
        )
        .await?;
    let https = state.config.https();
    let actor = saman_domain::access::Actor {
        assurance: saman_domain::access::Assurance::Strong,
        ..user.actor.clone()
    };
    let next = landing(
        may(
            &actor,
            Action::EnterTenant,
            Some(published.record.id.as_str()),
        ),
        lang,
        &slug,
    );
    let cookie = cookie_header(session_cookie(https), &new.token, https, None);
    let response = if recovery_codes.is_empty() {
        Redirect::to(&next).into_response()
    } else {
        let mut chrome_ctx = ctx;
        // The frame shows the new session (its form token), set by this very answer.
        let urls = crate::urls::TenantUrls::new(lang, &slug);
        chrome_ctx.user = Some(crate::views::UserChrome {
            name: user.account.name.clone(),
            csrf: new.session.csrf_token.clone(),
            account_href: urls.account(),
            logout_href: urls.at("/logg-ut"),
        });
        render(RecoveryCodesPage {
            chrome: Chrome::tenant(
                lang,
                tr.t("recovery-codes-title"),
                &chrome_ctx,
                &published.record,
                "",
            ),
            codes: recovery_codes,
            next,
        })?
        .into_response()
    };
    Ok(with_headers(response, [cookie]))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    user: Option<axum::Extension<SignedIn>>,
    Path((lang, slug)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let https = state.config.https();
    let home = crate::urls::TenantUrls::new(lang, &slug).home();
    if let Some(axum::Extension(user)) = user {
        check_token(&user.session.csrf_token, &form.csrf)?;
        let tenant = state.store.tenant_by_slug(&slug).await?.map(|t| t.id);
        let ctx = AuditContext {
            tenant,
            actor_id: Some(user.account.id.clone()),
            actor_role: None,
            address,
        };
        state.store.end_session(&user.session, &ctx).await?;
    }
    Ok(with_headers(
        Redirect::to(&home).into_response(),
        [cookie_header(session_cookie(https), "", https, Some(0))],
    ))
}

/// Ends a login at a provider: opens the session, audits the login (`how` says which),
/// and sends the person on to `to` with the session's cookie.
#[allow(clippy::too_many_arguments)]
pub async fn open_session_and_go(
    state: &AppState,
    headers: &HeaderMap,
    account_id: &str,
    tenant_id: &str,
    strong: bool,
    method: &str,
    audit: AuditContext,
    how: &str,
    to: &str,
) -> Result<Response, WebError> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let new = state
        .store
        .open_session(
            account_id,
            tenant_id,
            strong,
            method,
            user_agent,
            state.config.sessions,
        )
        .await?;
    let audit = AuditContext {
        actor_id: Some(account_id.to_string()),
        ..audit
    };
    state
        .store
        .audit(
            &audit,
            AuditAction::Login,
            &account_target(account_id),
            Outcome::Success,
            how,
        )
        .await?;
    let https = state.config.https();
    Ok(with_headers(
        Redirect::to(to).into_response(),
        [cookie_header(
            session_cookie(https),
            &new.token,
            https,
            None,
        )],
    ))
}
