//! A signed-in person's own pages: the start page in a tenant, and the account page
//! (password, two-step login, recovery codes, active sessions, log out everywhere).

use super::render;
use crate::AppState;
use crate::auth::access::{Allowed, CanEnterTenant, SignedIn, lang_and_tenant, login_path};
use crate::auth::csrf::check_token;
use crate::auth::session::session_cookie;
use crate::auth::{ClientAddress, cookie_header};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use saman_domain::access::{Action, Role, may};
use saman_domain::auth::{password, secret};
use saman_store::{AuditContext, Published};
use serde::Deserialize;

pub struct Link {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    chrome: Chrome,
    name: String,
    roles: Vec<String>,
    links: Vec<Link>,
    family: bool,
    /// "My logs", for those who can take part in a relay log.
    relay_href: Option<String>,
    /// What is new in their logs: text, link, when.
    notices: Vec<(String, String, String)>,
    /// Surveys they are asked to answer.
    surveys: Vec<Link>,
}

pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Allowed<CanEnterTenant>,
) -> Result<Response, WebError> {
    let open_surveys = crate::pages::surveys::to_answer(&state, &allowed).await?;
    let Allowed {
        user, tenant, lang, ..
    } = allowed;
    let tr = Tr::new(lang);
    let tenant_id = tenant.record.id.as_str();
    let urls = crate::urls::TenantUrls::new(lang, &tenant.record.tenant.slug);
    let roles: Vec<Role> = user.actor.roles_in(Some(tenant_id)).collect();
    let mut links = Vec::new();
    for (action, path, key) in [
        (Action::ManageUsers, "/admin/brukere", "admin-users-title"),
        (Action::ViewAudit, "/admin/revisjon", "admin-audit-title"),
        (Action::EditContent, "/rediger", "editor-title"),
        (Action::ReviewContent, "/gjennomgang", "review-title"),
        (Action::ViewEvaluation, "/evaluering", "evaluation-title"),
    ] {
        if may(&user.actor, action, Some(tenant_id)) {
            links.push(Link {
                href: urls.at(path),
                label: tr.t(key),
            });
        }
    }
    links.push(Link {
        href: urls.account(),
        label: tr.t("account-title"),
    });
    let surveys: Vec<Link> = open_surveys
        .into_iter()
        .map(|(record, _)| Link {
            href: urls.at(&format!("/undersokelse/{}", record.id)),
            label: tr.t1(
                "survey-invited",
                "title",
                record.survey.title.get(lang).to_string(),
            ),
        })
        .collect();
    let notices = if roles.iter().any(|r| {
        matches!(
            r,
            Role::Employee | Role::ServiceLeader | Role::Guardian | Role::Youth
        )
    }) {
        let relay = saman_relay::Relay::new(state.store.clone());
        let who = super::relay::requester_of(&user, &tenant.record, "");
        relay
            .notifications(&who)
            .await?
            .into_iter()
            .map(|n| {
                (
                    tr.t(&format!("relay-notice-{}", n.kind)),
                    urls.relay_log(&n.log_id),
                    tr.date_time(&n.created_at),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(StartPage {
        notices,
        surveys,
        chrome: Chrome::tenant(lang, tr.t("start-title"), &ctx, &tenant.record, ""),
        name: user.account.name.clone(),
        family: roles.iter().all(|r| r.is_family()),
        relay_href: roles
            .iter()
            .any(|r| {
                matches!(
                    r,
                    Role::Employee | Role::ServiceLeader | Role::Guardian | Role::Youth
                )
            })
            .then(|| urls.relay_list()),
        roles: roles
            .iter()
            .map(|r| tr.t(&format!("role-{}", r.key())))
            .collect(),
        links,
    })?
    .into_response())
}

pub struct SessionView {
    pub started: String,
    pub last_seen: String,
    pub browser: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    roles: Vec<String>,
    csrf: String,
    base: String,
    two_step: bool,
    codes_left: i64,
    sessions: Vec<SessionView>,
    password_error: Option<String>,
    message: Option<String>,
    /// For the platform administrator: the platform's administration.
    platform_href: Option<String>,
    /// For those with an e-mail address who may take part in relay logs: whether their
    /// notifications come in a daily digest.
    relay_digest: Option<bool>,
}

/// The tenant of the path, for pages that any signed-in person may see.
async fn path_tenant(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(saman_domain::Lang, std::sync::Arc<Published>), WebError> {
    let (lang, slug) = lang_and_tenant(&ctx.path).ok_or(WebError::NotFound)?;
    let published = state
        .store
        .published(slug)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((lang, published))
}

async fn account_view(
    state: &AppState,
    ctx: &Ctx,
    user: &SignedIn,
    password_error: Option<String>,
    message: Option<String>,
) -> Result<axum::response::Html<String>, WebError> {
    let (lang, published) = path_tenant(state, ctx).await?;
    let tr = Tr::new(lang);
    let mut roles = Vec::new();
    for grant in &user.actor.grants {
        let place = match &grant.tenant_id {
            None => tr.t("role-platform"),
            Some(id) if id == published.record.id.as_str() => {
                published.record.tenant.name(lang).to_string()
            }
            Some(_) => tr.t("role-other-tenant"),
        };
        roles.push(format!(
            "{} ({place})",
            tr.t(&format!("role-{}", grant.role.key()))
        ));
    }
    let sessions = state
        .store
        .sessions_of(&user.account.id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            started: tr.date_time(&s.created_at),
            last_seen: tr.date_time(&s.last_seen_at),
            browser: browser_name(&s.user_agent),
            current: s.id_hash == user.session.id_hash,
        })
        .collect();
    render(AccountPage {
        chrome: Chrome::tenant(lang, tr.t("account-title"), ctx, &published.record, ""),
        name: user.account.name.clone(),
        email: user.account.email.clone().unwrap_or_default(),
        roles,
        csrf: user.session.csrf_token.clone(),
        base: crate::urls::TenantUrls::new(lang, &published.record.tenant.slug).home(),
        two_step: user.account.has_two_step(),
        codes_left: state.store.recovery_codes_left(&user.account.id).await?,
        sessions,
        password_error,
        message,
        relay_digest: if user.account.email.is_some()
            && user.actor.grants.iter().any(|g| {
                matches!(
                    g.role,
                    Role::Employee | Role::ServiceLeader | Role::Guardian | Role::Youth
                )
            }) {
            Some(
                saman_relay::Relay::new(state.store.clone())
                    .digest(&user.account.id)
                    .await?,
            )
        } else {
            None
        },
        platform_href: saman_domain::access::may(
            &user.actor,
            saman_domain::access::Action::ManagePlatform,
            None,
        )
        .then(|| crate::urls::platform_admin(lang)),
    })
}

/// A short name of the browser from its user agent, to tell sessions apart.
fn browser_name(user_agent: &str) -> String {
    for (needle, name) in [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ] {
        if user_agent.contains(needle) {
            return name.to_string();
        }
    }
    if user_agent.is_empty() {
        "–".into()
    } else {
        user_agent.chars().take(40).collect()
    }
}

pub async fn account(
    State(state): State<AppState>,
    ctx: Ctx,
    user: SignedIn,
) -> Result<Response, WebError> {
    Ok(account_view(&state, &ctx, &user, None, None)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

fn audit_ctx(published: &Published, user: &SignedIn, address: String) -> AuditContext {
    AuditContext {
        tenant: Some(published.record.id.clone()),
        actor_id: Some(user.account.id.clone()),
        actor_role: None,
        address,
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    user: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    check_token(&user.session.csrf_token, &form.csrf)?;
    let (lang, published) = path_tenant(&state, &ctx).await?;
    let tr = Tr::new(lang);
    let current_hash = user.account.password_hash.clone().unwrap_or_default();
    let current = form.current.clone();
    let current_ok =
        crate::auth::password_work(move || password::verify(&current, &current_hash)).await?;
    let email = user.account.email.clone().unwrap_or_default();
    let problem = if user.account.password_hash.is_some() && !current_ok {
        Some(tr.t("password-error-current"))
    } else if form.new != form.repeat {
        Some(tr.t("password-error-repeat"))
    } else {
        password::check(&form.new, &email, &user.account.name)
            .err()
            .map(|p| password_problem_text(tr, p))
    };
    if let Some(problem) = problem {
        let page = account_view(&state, &ctx, &user, Some(problem), None).await?;
        return Ok(crate::error::form_with_problems(page));
    }
    let new = form.new.clone();
    let hash = crate::auth::password_work(move || password::hash(&new)).await?;
    let audit = audit_ctx(&published, &user, address);
    state
        .store
        .set_password(&user.account.id, &hash, Some(&user.session.id_hash), &audit)
        .await?;
    // A new session id after a change of credentials; the other sessions are ended.
    let renewed = state
        .store
        .renew_session(&user.session, user.session.complete, state.config.sessions)
        .await?;
    let https = state.config.https();
    let mut response = Redirect::to(&format!(
        "/{lang}/{}/konto?endret=passord",
        published.record.tenant.slug
    ))
    .into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(session_cookie(https), &renewed.token, https, None),
    );
    Ok(response)
}

pub fn password_problem_text(tr: Tr, problem: password::PasswordProblem) -> String {
    match problem {
        password::PasswordProblem::TooShort => {
            tr.t1("password-error-short", "min", password::MIN_LENGTH as i64)
        }
        password::PasswordProblem::TooLong => {
            tr.t1("password-error-long", "max", password::MAX_LENGTH as i64)
        }
        password::PasswordProblem::Common => tr.t("password-error-common"),
        password::PasswordProblem::Personal => tr.t("password-error-personal"),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    user: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_token(&user.session.csrf_token, &form.csrf)?;
    let (lang, published) = path_tenant(&state, &ctx).await?;
    state
        .store
        .end_all_sessions(&user.account.id, &audit_ctx(&published, &user, address))
        .await?;
    let https = state.config.https();
    let mut response =
        Redirect::to(&login_path(lang, &published.record.tenant.slug)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(session_cookie(https), "", https, Some(0)),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    chrome: Chrome,
    codes: Vec<String>,
    next: String,
}

pub async fn renew_recovery_codes(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    user: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_token(&user.session.csrf_token, &form.csrf)?;
    let (lang, published) = path_tenant(&state, &ctx).await?;
    if !user.account.has_two_step() {
        return Err(WebError::NotFound);
    }
    let codes: Vec<String> = (0..10).map(|_| secret::new_recovery_code()).collect();
    state
        .store
        .renew_recovery_codes(
            &user.account.id,
            &codes,
            &audit_ctx(&published, &user, address),
        )
        .await?;
    let tr = Tr::new(lang);
    Ok(render(RecoveryCodesPage {
        chrome: Chrome::tenant(
            lang,
            tr.t("recovery-codes-title"),
            &ctx,
            &published.record,
            "",
        ),
        codes,
        next: crate::urls::TenantUrls::new(lang, &published.record.tenant.slug).account(),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct DigestForm {
    csrf: String,
    #[serde(default)]
    digest: Option<String>,
}

/// Chooses whether relay log notifications come by e-mail at once or once a day.
pub async fn set_relay_digest(
    State(state): State<AppState>,
    ctx: Ctx,
    user: SignedIn,
    Form(form): Form<DigestForm>,
) -> Result<Response, WebError> {
    check_token(&user.session.csrf_token, &form.csrf)?;
    saman_relay::Relay::new(state.store.clone())
        .set_digest(&user.account.id, form.digest.as_deref() == Some("on"))
        .await?;
    let (lang, _) = path_tenant(&state, &ctx).await?;
    let message = Tr::new(lang).t("account-digest-saved");
    Ok(account_view(&state, &ctx, &user, None, Some(message))
        .await?
        .into_response())
}
