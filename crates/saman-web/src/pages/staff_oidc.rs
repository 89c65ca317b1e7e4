//! Staff log in with their municipality's own directory (e.g. Entra ID), set up per
//! tenant. The directory proves who they are; only an administrator gives roles. A
//! person is matched by the directory's subject once linked, or the first time by a
//! verified e-mail address that has an account here.

use super::idporten::{CallbackQuery, Returned, failed, returned, send_to_provider};
use super::login::{landing, open_session_and_go};
use super::{find_tenant, parse_lang};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::access::second_step_path;
use crate::auth::oidc::OidcError;
use crate::error::WebError;
use crate::views::Ctx;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use saman_domain::access::{Action, Actor, Assurance, may};
use saman_domain::audit::{AuditAction, Outcome};
use saman_store::account_target;

/// The kind of login in a stored flow.
const KIND: &str = "tenant-directory";

pub async fn start(
    State(state): State<AppState>,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let published = find_tenant(&state, &slug).await?;
    let provider = state
        .config
        .tenant_oidc
        .get(&slug)
        .map(|d| d.provider.clone())
        .ok_or(WebError::NotFound)?;
    send_to_provider(&state, lang, &published, KIND, &provider).await
}

pub async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    let back = returned(&state, &ctx, &headers, address, query, KIND, |s, slug| {
        s.config.tenant_oidc.get(slug).map(|d| d.provider.clone())
    })
    .await?;
    let Returned {
        flow,
        slug,
        published,
        claims,
        audit,
        issuer,
    } = match back {
        Ok(back) => back,
        Err(page) => return Ok(page),
    };
    let tenant_id = published.record.id.as_str().to_string();
    let in_this_tenant =
        |g: &saman_domain::access::Grant| g.tenant_id.as_deref() == Some(tenant_id.as_str());
    // Linked before by subject, or now by a verified e-mail address, but only for an
    // account that belongs to this tenant alone: a directory cannot claim someone who
    // also works elsewhere or runs the platform.
    let mut account = state.store.account_by_subject(&issuer, &claims.sub).await?;
    if account.is_none()
        && claims.email_verified == Some(true)
        && let Some(email) = &claims.email
        && let Some(found) = state.store.account_by_email(email).await?
        && state
            .store
            .grants(&found.id)
            .await?
            .iter()
            .all(in_this_tenant)
    {
        state
            .store
            .link_subject(&issuer, &claims.sub, &found.id)
            .await?;
        account = Some(found);
    }
    // Only the roles in this tenant count for a session from its directory.
    let grants: Vec<_> = match &account {
        Some(a) => state.store.grants(&a.id).await?,
        None => Vec::new(),
    }
    .into_iter()
    .filter(in_this_tenant)
    .filter(|g| !g.role.is_family())
    .collect();
    let target = account
        .as_ref()
        .map_or("account:unknown".to_string(), |a| account_target(&a.id));
    let Some(account) = account.filter(|a| a.active && !grants.is_empty()) else {
        state
            .store
            .audit(
                &audit,
                AuditAction::LoginFailed,
                &target,
                Outcome::Failure,
                "tenant directory: no account or role here",
            )
            .await?;
        return failed(&state, &ctx, flow.lang, Some(&slug), OidcError::NoPerson).await;
    };
    // The directory's own second factor counts only where the tenant trusts it to
    // enforce one; otherwise Saman's two-step login is asked for where it is needed.
    let trust_mfa = state
        .config
        .tenant_oidc
        .get(&slug)
        .is_some_and(|d| d.trust_mfa);
    let directory_mfa = trust_mfa && claims.amr.iter().any(|m| m == "mfa");
    let needs_second = !directory_mfa
        && (account.has_two_step() || grants.iter().any(|g| g.role.requires_two_step()));
    let how = if directory_mfa {
        "tenant directory, with its second factor"
    } else {
        "tenant directory"
    };
    let to = if needs_second {
        second_step_path(flow.lang, &slug)
    } else {
        let assurance = if directory_mfa {
            Assurance::Strong
        } else {
            Assurance::Password
        };
        let actor = Actor {
            account_id: account.id.clone(),
            grants,
            assurance,
        };
        landing(
            may(&actor, Action::EnterTenant, Some(&tenant_id)),
            flow.lang,
            &slug,
        )
    };
    open_session_and_go(
        &state,
        &headers,
        &account.id,
        &tenant_id,
        directory_mfa,
        "oidc",
        audit,
        how,
        &to,
    )
    .await
}
