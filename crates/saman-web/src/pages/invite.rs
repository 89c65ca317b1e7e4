//! One-time links: an administrator invites a person (who sets a password from the
//! mail), and a person who forgot their password asks for a new one. The answers never
//! tell whether an e-mail address has an account.

use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::auth::access::{Allowed, CanManageUsers, login_path};
use crate::auth::csrf::check_token;
use crate::auth::limits::{self, INVITE_PER_ACCOUNT, RESET_PER_ADDRESS, RESET_PER_EMAIL};
use crate::auth::session::login_csrf_cookie;
use crate::auth::{ClientAddress, read_cookie};
use crate::error::{WebError, form_with_problems};
use crate::i18n::Tr;
use crate::pages::account::password_problem_text;
use crate::pages::login::{login_token, with_headers};
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use saman_domain::Lang;
use saman_domain::access::Role;
use saman_domain::auth::{password, secret};
use saman_store::{AuditContext, NewUser, Published, TokenPurpose};
use serde::Deserialize;

/// How long links last.
const INVITE_HOURS: i64 = 72;
const RESET_MINUTES: i64 = 60;

/// The roles a tenant's administrator may give from the browser. Families get theirs
/// through ID-porten and a relay log's consent, never from an administrator.
pub const INVITABLE: [Role; 4] = [
    Role::TenantAdmin,
    Role::Editor,
    Role::ServiceLeader,
    Role::Employee,
];

/// What the invite form holds, kept when it comes back with problems.
#[derive(Debug, Default, Clone)]
pub struct InviteInput {
    pub email: String,
    pub name: String,
    pub role: String,
    pub services: Vec<String>,
}

/// A problem with a field of the invite form: the field's id and the message.
pub type FieldProblem = (&'static str, String);

/// Checks an invite form; returns the role and services, or every problem.
pub fn check_invite(
    tr: Tr,
    input: &InviteInput,
    services: &[String],
) -> Result<(Role, Vec<String>), Vec<FieldProblem>> {
    let mut problems = Vec::new();
    if saman_domain::rules::check_email(input.email.trim()).is_some() {
        problems.push(("invite-email", tr.t("invite-error-email")));
    }
    if saman_domain::rules::check_required_line(&input.name, saman_domain::rules::limits::NAME)
        .is_some()
    {
        problems.push(("invite-name", tr.t("invite-error-name")));
    }
    let role = Role::from_key(&input.role).filter(|r| INVITABLE.contains(r));
    if role.is_none() {
        problems.push(("invite-role-tenant-admin", tr.t("invite-error-role")));
    }
    let chosen: Vec<String> = input
        .services
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect();
    if chosen.iter().any(|s| !services.contains(s)) {
        problems.push(("invite-services", tr.t("invite-error-services")));
    }
    match role {
        Some(role) if problems.is_empty() => {
            let chosen = if role.has_services() {
                chosen
            } else {
                Vec::new()
            };
            Ok((role, chosen))
        }
        _ => Err(problems),
    }
}

/// Parses the invite form by hand: `service` repeats.
fn invite_input(body: &str) -> (String, InviteInput) {
    let mut csrf = String::new();
    let mut input = InviteInput::default();
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "csrf" => csrf = value,
            "email" => input.email = value,
            "name" => input.name = value,
            "role" => input.role = value,
            "service" => input.services.push(value),
            _ => {}
        }
    }
    (csrf, input)
}

/// The tenant's services (slug and name), for the invite form.
pub fn services_of(published: &Published, lang: Lang) -> Vec<(String, String)> {
    let mut services: Vec<(String, String)> = published
        .model
        .items
        .iter()
        .filter(|i| i.kind == saman_domain::Kind::Service)
        .map(|i| {
            let name = i
                .text
                .pick(lang)
                .map_or(i.slug.clone(), |p| p.value.title.clone());
            (i.slug.clone(), name)
        })
        .collect();
    services.sort_by(|a, b| a.1.cmp(&b.1));
    services
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Allowed<CanManageUsers>,
    body: String,
) -> Result<Response, WebError> {
    let (csrf, input) = invite_input(&body);
    check_token(&allowed.user.session.csrf_token, &csrf)?;
    limits::check_and_count(
        &state,
        &[(INVITE_PER_ACCOUNT, allowed.user.account.id.as_str())],
    )
    .await?;
    let Allowed {
        user, tenant, lang, ..
    } = &allowed;
    let tr = Tr::new(*lang);
    let slugs: Vec<String> = services_of(tenant, *lang)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let (role, services) = match check_invite(tr, &input, &slugs) {
        Ok(checked) => checked,
        Err(problems) => {
            let page =
                super::admin::users_view(&state, &ctx, &allowed, input, problems, None).await?;
            return Ok(form_with_problems(page));
        }
    };
    let token = secret::new_token();
    let tenant_name = tenant.record.tenant.name(*lang).to_string();
    let link = format!(
        "{}/{lang}/{}/invitasjon/{token}",
        state.config.base_url(),
        tenant.record.tenant.slug
    );
    let email = input.email.trim().to_string();
    let role_name = tr.t(&format!("role-{}", role.key()));
    let login_link = format!(
        "{}{}",
        state.config.base_url(),
        login_path(*lang, &tenant.record.tenant.slug)
    );
    let audit = AuditContext {
        tenant: Some(tenant.record.id.clone()),
        actor_id: Some(user.account.id.clone()),
        actor_role: Some(super::admin::acting_role(&allowed).key().into()),
        address,
    };
    state
        .store
        .invite(
            &NewUser {
                email: &email,
                name: input.name.trim(),
                language: *lang,
                password_hash: None,
                role,
                tenant: Some(&tenant.record.id),
                services: &services,
            },
            &secret::token_hash(&token),
            time::OffsetDateTime::now_utc() + time::Duration::hours(INVITE_HOURS),
            |created| {
                let link = if created { &link } else { &login_link };
                crate::mail::invitation(tr, &email, &tenant_name, &role_name, link, created)
            },
            &audit,
        )
        .await?;
    let page = super::admin::users_view(
        &state,
        &ctx,
        &allowed,
        InviteInput::default(),
        Vec::new(),
        Some(tr.t1("invite-sent", "email", email.clone())),
    )
    .await?;
    Ok(page.into_response())
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    chrome: Chrome,
    heading: String,
    intro: String,
    action: String,
    csrf: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    heading: String,
    body: String,
    link: Option<(String, String)>,
}

fn message(
    lang: Lang,
    ctx: &Ctx,
    published: &Published,
    heading: &str,
    body: &str,
    link: Option<(String, String)>,
) -> Result<Response, WebError> {
    let tr = Tr::new(lang);
    Ok(render(MessagePage {
        chrome: Chrome::tenant(lang, tr.t(heading), ctx, &published.record, ""),
        heading: tr.t(heading),
        body: tr.t(body),
        link,
    })?
    .into_response())
}

fn set_password_view(
    lang: Lang,
    ctx: &Ctx,
    published: &Published,
    purpose: TokenPurpose,
    name: &str,
    csrf: String,
    error: Option<String>,
) -> Result<axum::response::Html<String>, WebError> {
    let tr = Tr::new(lang);
    let (heading, intro) = match purpose {
        TokenPurpose::Invite => (
            "set-password-invite-title",
            tr.t1("set-password-invite-intro", "name", name.to_string()),
        ),
        TokenPurpose::PasswordReset => {
            ("set-password-reset-title", tr.t("set-password-reset-intro"))
        }
    };
    render(SetPasswordPage {
        chrome: Chrome::tenant(lang, tr.t(heading), ctx, &published.record, ""),
        heading: tr.t(heading),
        intro,
        action: ctx.path.clone(),
        csrf,
        error,
    })
}

pub async fn invite_link(
    state: State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((lang, slug, token)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    link_page(state, ctx, headers, lang, slug, TokenPurpose::Invite, token).await
}

pub async fn reset_link(
    state: State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((lang, slug, token)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    link_page(
        state,
        ctx,
        headers,
        lang,
        slug,
        TokenPurpose::PasswordReset,
        token,
    )
    .await
}

/// The page a link in a mail opens: set a password.
async fn link_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    lang: String,
    slug: String,
    purpose: TokenPurpose,
    token: String,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let Some(account) = state
        .store
        .token_account(&secret::token_hash(&token), purpose)
        .await?
    else {
        return message(
            lang,
            &ctx,
            &published,
            "link-expired-title",
            "link-expired-body",
            Some((
                crate::urls::TenantUrls::new(lang, &slug).forgot_password(),
                Tr::new(lang).t("forgot-title"),
            )),
        );
    };
    let (csrf, cookie) = login_token(&headers, state.config.https());
    let page = set_password_view(lang, &ctx, &published, purpose, &account.name, csrf, None)?;
    Ok(with_headers(page.into_response(), cookie))
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn invite_set_password(
    state: State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    address: ClientAddress,
    Path((lang, slug, token)): Path<(String, String, String)>,
    form: Form<SetPasswordForm>,
) -> Result<Response, WebError> {
    set_password(
        state,
        ctx,
        headers,
        address,
        (lang, slug, TokenPurpose::Invite, token),
        form,
    )
    .await
}

pub async fn reset_set_password(
    state: State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    address: ClientAddress,
    Path((lang, slug, token)): Path<(String, String, String)>,
    form: Form<SetPasswordForm>,
) -> Result<Response, WebError> {
    set_password(
        state,
        ctx,
        headers,
        address,
        (lang, slug, TokenPurpose::PasswordReset, token),
        form,
    )
    .await
}

async fn set_password(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    (lang, slug, purpose, token): (String, String, TokenPurpose, String),
    Form(form): Form<SetPasswordForm>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    check_token(
        read_cookie(&headers, login_csrf_cookie(state.config.https())).unwrap_or(""),
        &form.csrf,
    )?;
    let token_hash = secret::token_hash(&token);
    let Some(account) = state.store.token_account(&token_hash, purpose).await? else {
        return message(
            lang,
            &ctx,
            &published,
            "link-expired-title",
            "link-expired-body",
            None,
        );
    };
    let tr = Tr::new(lang);
    let problem = if form.new != form.repeat {
        Some(tr.t("password-error-repeat"))
    } else {
        password::check(
            &form.new,
            account.email.as_deref().unwrap_or(""),
            &account.name,
        )
        .err()
        .map(|p| password_problem_text(tr, p))
    };
    if let Some(problem) = problem {
        let page = set_password_view(
            lang,
            &ctx,
            &published,
            purpose,
            &account.name,
            form.csrf,
            Some(problem),
        )?;
        return Ok(form_with_problems(page));
    }
    let new = form.new.clone();
    let hash = crate::auth::password_work(move || password::hash(&new)).await?;
    let audit = AuditContext {
        tenant: Some(published.record.id.clone()),
        actor_id: None,
        actor_role: None,
        address,
    };
    if state
        .store
        .set_password_with_token(&token_hash, purpose, &hash, &audit)
        .await?
        .is_none()
    {
        return message(
            lang,
            &ctx,
            &published,
            "link-expired-title",
            "link-expired-body",
            None,
        );
    }
    Ok(Redirect::to(&format!("{}?passord=satt", login_path(lang, &slug))).into_response())
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    chrome: Chrome,
    action: String,
    csrf: String,
}

pub async fn forgot_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let (csrf, cookie) = login_token(&headers, state.config.https());
    let tr = Tr::new(lang);
    let page = render(ForgotPage {
        chrome: Chrome::tenant(lang, tr.t("forgot-title"), &ctx, &published.record, ""),
        action: crate::urls::TenantUrls::new(lang, &slug).forgot_password(),
        csrf,
    })?;
    Ok(with_headers(page.into_response(), cookie))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Sends a link if the address has an active account; answers the same either way.
pub async fn forgot(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Path((lang, slug)): Path<(String, String)>,
    Form(form): Form<ForgotForm>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    check_token(
        read_cookie(&headers, login_csrf_cookie(state.config.https())).unwrap_or(""),
        &form.csrf,
    )?;
    limits::check_and_count(
        &state,
        &[
            (RESET_PER_ADDRESS, address.as_str()),
            (RESET_PER_EMAIL, form.email.as_str()),
        ],
    )
    .await?;
    // The answer is the same, and as quick, whether or not the address has an account:
    // the work of making and sending a link is done after answering.
    let (state2, email, address2, published2) = (
        state.clone(),
        form.email.clone(),
        address.clone(),
        published.clone(),
    );
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&state2, lang, &published2, &email, address2).await {
            tracing::error!(error = ?e, "a password reset link could not be made");
        }
    });
    message(
        lang,
        &ctx,
        &published,
        "forgot-sent-title",
        "forgot-sent-body",
        None,
    )
}

/// Makes a password reset link and its mail, if the address has an active account.
async fn send_reset_link(
    state: &AppState,
    lang: Lang,
    published: &Published,
    email: &str,
    address: String,
) -> Result<(), WebError> {
    let slug = &published.record.tenant.slug;
    let Some(account) = state
        .store
        .account_by_email(email)
        .await?
        .filter(|a| a.active)
    else {
        return Ok(());
    };
    let Some(email) = account.email.clone() else {
        return Ok(());
    };
    let token = secret::new_token();
    let link = format!(
        "{}/{lang}/{slug}/nytt-passord/{token}",
        state.config.base_url()
    );
    let tr = Tr::new(account.language);
    let mail = crate::mail::password_reset(
        tr,
        &email,
        published.record.tenant.name(account.language),
        &link,
    );
    let audit = AuditContext {
        tenant: Some(published.record.id.clone()),
        actor_id: Some(account.id.clone()),
        actor_role: None,
        address,
    };
    state
        .store
        .request_password_reset(
            &account.id,
            &published.record.id,
            &secret::token_hash(&token),
            time::OffsetDateTime::now_utc() + time::Duration::minutes(RESET_MINUTES),
            &mail,
            &audit,
        )
        .await?;
    Ok(())
}
