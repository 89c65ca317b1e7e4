//! The tenant's administration: its people (roles, services, deactivation) and its
//! audit log. Only the tenant's administrators (and the platform's, for people) enter.

use super::render;
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::access::{Allowed, CanManageUsers, CanViewAudit};
use crate::auth::csrf::check_token;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::pages::invite::{INVITABLE, InviteInput, services_of};
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::access::Role;
use saman_domain::audit::AuditAction;
use saman_store::{AuditContext, AuditFilter};
use serde::Deserialize;

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub services: String,
    pub active: bool,
    pub two_step: bool,
}

pub struct RoleOption {
    pub key: &'static str,
    pub label: String,
    pub checked: bool,
}

pub struct ServiceOption {
    pub slug: String,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    csrf: String,
    base: String,
    input: InviteInput,
    roles: Vec<RoleOption>,
    services: Vec<ServiceOption>,
    problems: Vec<(&'static str, String)>,
    message: Option<String>,
}

impl UsersPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Allowed<CanManageUsers>,
) -> Result<Response, WebError> {
    Ok(users_view(
        &state,
        &ctx,
        &allowed,
        InviteInput::default(),
        Vec::new(),
        None,
    )
    .await?
    .into_response())
}

/// The people of the tenant and the invite form (with its input and problems).
pub async fn users_view(
    state: &AppState,
    ctx: &Ctx,
    allowed: &Allowed<CanManageUsers>,
    input: InviteInput,
    problems: Vec<(&'static str, String)>,
    message: Option<String>,
) -> Result<Html<String>, WebError> {
    let Allowed {
        user, tenant, lang, ..
    } = allowed;
    let lang = *lang;
    let tr = Tr::new(lang);
    let users = state
        .store
        .list_users(Some(&tenant.record.id))
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.account.id.clone(),
            name: u.account.name.clone(),
            email: u.account.email.clone().unwrap_or_default(),
            roles: u
                .roles
                .iter()
                .map(|r| tr.t(&format!("role-{}", r.key())))
                .collect::<Vec<_>>()
                .join(", "),
            services: u.services.join(", "),
            active: u.account.active,
            two_step: u.account.has_two_step(),
        })
        .collect();
    let roles = INVITABLE
        .iter()
        .map(|r| RoleOption {
            key: r.key(),
            label: tr.t(&format!("role-{}", r.key())),
            checked: input.role == r.key(),
        })
        .collect();
    let services = services_of(tenant, lang)
        .into_iter()
        .map(|(slug, name)| ServiceOption {
            checked: input.services.contains(&slug),
            slug,
            name,
        })
        .collect();
    render(UsersPage {
        chrome: Chrome::tenant(lang, tr.t("admin-users-title"), ctx, &tenant.record, ""),
        users,
        csrf: user.session.csrf_token.clone(),
        base: crate::urls::TenantUrls::new(lang, &tenant.record.tenant.slug).home(),
        input,
        roles,
        services,
        problems,
        message,
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Deactivates a person who holds a role in this tenant; anyone else is not found here.
pub async fn deactivate(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Allowed<CanManageUsers>,
    Path((_lang, _slug, account_id)): Path<(String, String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    managed_account(&state, &allowed, &account_id).await?;
    let role = acting_role(&allowed);
    let Allowed {
        user, tenant, lang, ..
    } = allowed;
    let ctx = AuditContext {
        tenant: Some(tenant.record.id.clone()),
        actor_id: Some(user.account.id.clone()),
        actor_role: Some(role.key().into()),
        address,
    };
    state.store.deactivate_account(&account_id, &ctx).await?;
    Ok(Redirect::to(&format!(
        "/{lang}/{}/admin/brukere",
        tenant.record.tenant.slug
    ))
    .into_response())
}

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub address: String,
}

pub struct ActionOption {
    pub key: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<AuditRow>,
    actions: Vec<ActionOption>,
    from: String,
    to: String,
    error: Option<String>,
    /// On the platform's page: the tenants, to manage their people.
    tenants: Vec<TenantLink>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    hendelse: String,
    #[serde(default)]
    fra: String,
    #[serde(default)]
    til: String,
}

pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Allowed<CanViewAudit>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let Allowed { tenant, lang, .. } = allowed;
    let chrome = Chrome::tenant(
        lang,
        Tr::new(lang).t("admin-audit-title"),
        &ctx,
        &tenant.record,
        "",
    );
    audit_page(&state, chrome, Some(&tenant.record.id), query, Vec::new()).await
}

pub struct TenantLink {
    pub href: String,
    pub name: String,
}

/// A chain of the audit log (a tenant's, or the platform's for `None`), filtered.
async fn audit_page(
    state: &AppState,
    chrome: Chrome,
    chain: Option<&saman_store::TenantId>,
    query: AuditQuery,
    tenants: Vec<TenantLink>,
) -> Result<Response, WebError> {
    let tr = chrome.tr;
    let action = AuditAction::from_key(&query.hendelse);
    let date_ok = |d: &str| d.is_empty() || saman_domain::parse_iso_date(d).is_some();
    let error = (!date_ok(&query.fra) || !date_ok(&query.til)).then(|| tr.t("audit-error-date"));
    let filter = AuditFilter {
        action: action.map(|a| a.key().to_string()),
        actor_id: None,
        from: (error.is_none() && !query.fra.is_empty()).then(|| query.fra.clone()),
        to: (error.is_none() && !query.til.is_empty()).then(|| query.til.clone()),
        target: None,
        limit: 500,
    };
    let rows = state
        .store
        .audit_entries(chain, &filter)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: tr.date_time(&e.at),
            actor: e.actor_name.unwrap_or_else(|| {
                if e.actor_role.as_deref() == Some("cli") {
                    tr.t("audit-actor-cli")
                } else {
                    "–".into()
                }
            }),
            role: e.actor_role.filter(|r| r != "cli").unwrap_or_default(),
            action: AuditAction::from_key(&e.action).map_or(e.action.clone(), |a| {
                tr.t(&format!("audit-action-{}", a.key()))
            }),
            target: e.target,
            outcome: tr.t(&format!("audit-outcome-{}", e.outcome)),
            address: e.address,
        })
        .collect();
    let page = render(AuditPage {
        chrome,
        rows,
        actions: AuditAction::ALL
            .iter()
            .map(|a| ActionOption {
                key: a.key(),
                label: tr.t(&format!("audit-action-{}", a.key())),
                selected: Some(*a) == action,
            })
            .collect(),
        from: query.fra,
        to: query.til,
        error,
        tenants,
    })?;
    Ok(page.into_response())
}

/// The platform's administration: its audit log, and the tenants whose people it may
/// manage. Only for the platform administrator; an anonymous visitor is sent to the
/// platform's front page, where each municipality has its login.
pub async fn platform(
    State(state): State<AppState>,
    ctx: Ctx,
    user: Option<axum::Extension<crate::auth::SignedIn>>,
    Path(lang): Path<String>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let lang = super::parse_lang(&lang)?;
    let Some(axum::Extension(user)) = user else {
        return Ok(Redirect::to(&crate::urls::platform_front(lang)).into_response());
    };
    if crate::pages::login::second_step_due(&user) {
        let slug = state
            .store
            .tenant_slug(&user.session.tenant_id)
            .await?
            .ok_or(WebError::NotFound)?;
        return Ok(
            Redirect::to(&crate::auth::access::second_step_path(lang, &slug)).into_response(),
        );
    }
    if !saman_domain::access::may(
        &user.actor,
        saman_domain::access::Action::ManagePlatform,
        None,
    ) {
        return Err(WebError::NotFound);
    }
    let tr = Tr::new(lang);
    let tenants = state
        .store
        .list_tenants()
        .await?
        .into_iter()
        .map(|t| TenantLink {
            href: crate::urls::TenantUrls::new(lang, &t.slug).admin_users(),
            name: t.name(lang).to_string(),
        })
        .collect();
    let mut chrome = Chrome::platform(
        lang,
        tr.t("platform-admin-title"),
        ctx.text_size,
        &ctx.path,
        ctx.query.as_deref(),
    );
    chrome.user = ctx.user.clone();
    audit_page(&state, chrome, None, query, tenants).await
}

/// A person the administrator may manage here: one with a role in this tenant, and not
/// the administrator themself. A tenant administrator may not manage someone who also
/// holds a role elsewhere (another tenant, or the platform): deactivating them would
/// lock them out there too. Only the platform administrator may. Anyone else is not
/// found.
async fn managed_account(
    state: &AppState,
    allowed: &Allowed<CanManageUsers>,
    account_id: &str,
) -> Result<saman_store::Account, WebError> {
    let tenant_id = allowed.tenant.record.id.as_str();
    let grants = state.store.grants(account_id).await?;
    let in_tenant = grants
        .iter()
        .any(|g| g.tenant_id.as_deref() == Some(tenant_id));
    let elsewhere = grants
        .iter()
        .any(|g| g.tenant_id.as_deref() != Some(tenant_id));
    let platform_admin = acting_role(allowed) == Role::PlatformAdmin;
    if !in_tenant || account_id == allowed.user.account.id || (elsewhere && !platform_admin) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .account(account_id)
        .await?
        .ok_or(WebError::NotFound)
}

/// The role an administrator acts as here: the tenant's administrator, or else the
/// platform's.
pub fn acting_role(allowed: &Allowed<CanManageUsers>) -> Role {
    let tenant_id = allowed.tenant.record.id.as_str();
    if allowed
        .user
        .actor
        .roles_in(Some(tenant_id))
        .any(|r| r == Role::TenantAdmin)
    {
        Role::TenantAdmin
    } else {
        Role::PlatformAdmin
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    chrome: Chrome,
    name: String,
    email: String,
    active: bool,
    two_step: bool,
    roles: Vec<RoleOption>,
    services: Vec<ServiceOption>,
    csrf: String,
    action: String,
    back: String,
    message: Option<String>,
}

async fn user_view(
    state: &AppState,
    ctx: &Ctx,
    allowed: &Allowed<CanManageUsers>,
    account: &saman_store::Account,
    message: Option<String>,
) -> Result<Html<String>, WebError> {
    let Allowed {
        user, tenant, lang, ..
    } = allowed;
    let lang = *lang;
    let tr = Tr::new(lang);
    let roles_here: Vec<saman_domain::access::Role> = state
        .store
        .grants(&account.id)
        .await?
        .into_iter()
        .filter(|g| g.tenant_id.as_deref() == Some(tenant.record.id.as_str()))
        .map(|g| g.role)
        .collect();
    let services_here = state
        .store
        .services_of(&account.id, &tenant.record.id)
        .await?;
    let urls = crate::urls::TenantUrls::new(lang, &tenant.record.tenant.slug);
    render(UserPage {
        chrome: Chrome::tenant(lang, account.name.clone(), ctx, &tenant.record, ""),
        name: account.name.clone(),
        email: account.email.clone().unwrap_or_default(),
        active: account.active,
        two_step: account.has_two_step(),
        roles: INVITABLE
            .iter()
            .map(|r| RoleOption {
                key: r.key(),
                label: tr.t(&format!("role-{}", r.key())),
                checked: roles_here.contains(r),
            })
            .collect(),
        services: services_of(tenant, lang)
            .into_iter()
            .map(|(slug, name)| ServiceOption {
                checked: services_here.contains(&slug),
                slug,
                name,
            })
            .collect(),
        csrf: user.session.csrf_token.clone(),
        action: urls.admin_user(&account.id),
        back: urls.admin_users(),
        message,
    })
}

pub async fn user(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Allowed<CanManageUsers>,
    Path((_lang, _slug, account_id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let account = managed_account(&state, &allowed, &account_id).await?;
    Ok(user_view(&state, &ctx, &allowed, &account, None)
        .await?
        .into_response())
}

/// Saves the roles and services of a person in this tenant.
pub async fn save_user(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Allowed<CanManageUsers>,
    Path((_lang, _slug, account_id)): Path<(String, String, String)>,
    body: String,
) -> Result<Response, WebError> {
    let (mut csrf, mut roles, mut services) = (String::new(), Vec::new(), Vec::new());
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "role" => roles.extend(
                saman_domain::access::Role::from_key(&value).filter(|r| INVITABLE.contains(r)),
            ),
            "service" => services.push(value.into_owned()),
            _ => {}
        }
    }
    check_token(&allowed.user.session.csrf_token, &csrf)?;
    let account = managed_account(&state, &allowed, &account_id).await?;
    let known: Vec<String> = services_of(&allowed.tenant, allowed.lang)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    services.retain(|s| known.contains(s));
    if !roles.iter().any(|r| r.has_services()) {
        services.clear();
    }
    let tenant_id = allowed.tenant.record.id.clone();
    let ctx_audit = AuditContext {
        tenant: Some(tenant_id.clone()),
        actor_id: Some(allowed.user.account.id.clone()),
        actor_role: Some(acting_role(&allowed).key().into()),
        address,
    };
    state
        .store
        .set_roles_and_services(
            &account.id,
            &tenant_id,
            &INVITABLE,
            &roles,
            &services,
            &ctx_audit,
        )
        .await?;
    let tr = Tr::new(allowed.lang);
    Ok(user_view(
        &state,
        &ctx,
        &allowed,
        &account,
        Some(tr.t("admin-user-saved")),
    )
    .await?
    .into_response())
}

pub async fn reactivate(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Allowed<CanManageUsers>,
    Path((_lang, _slug, account_id)): Path<(String, String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let account = managed_account(&state, &allowed, &account_id).await?;
    let ctx = AuditContext {
        tenant: Some(allowed.tenant.record.id.clone()),
        actor_id: Some(allowed.user.account.id.clone()),
        actor_role: Some(acting_role(&allowed).key().into()),
        address,
    };
    state.store.reactivate_account(&account.id, &ctx).await?;
    Ok(Redirect::to(&format!(
        "/{}/{}/admin/brukere/{}",
        allowed.lang, allowed.tenant.record.tenant.slug, account.id
    ))
    .into_response())
}
