//! Extractors through which handlers ask the policy. A handler of a private page takes
//! [`Allowed<P>`] for the permission `P` it needs, so it cannot run without asking; a
//! route table test walks every private route with every role. An anonymous visitor is
//! sent to the login page; a signed-in person who may not is told the page is not there.

use crate::AppState;
use crate::error::WebError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use saman_domain::Lang;
use saman_domain::access::{Action, Actor, may};
use saman_store::{Account, Published, Session};
use std::marker::PhantomData;
use std::sync::Arc;

/// A signed-in person: their account, session and roles.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub account: Account,
    pub session: Session,
    pub actor: Actor,
    /// The slug of the tenant the session was opened at (empty for none): where the
    /// person's account page and logout are, on pages outside any tenant.
    pub tenant_slug: String,
    /// The key of the account's identity number, for one that logged in with it.
    pub pid_key: Option<String>,
    /// The account's services: (tenant id, service slug).
    pub services: Vec<(String, String)>,
}

/// Why a private page is not shown.
pub enum Denied {
    /// Not signed in, or not done with the second step: to this address.
    Redirect(String),
    NotFound,
    Error(WebError),
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        match self {
            Denied::Redirect(to) => Redirect::to(&to).into_response(),
            Denied::NotFound => WebError::NotFound.into_response(),
            Denied::Error(e) => e.into_response(),
        }
    }
}

/// The language and tenant slug of a path `/{lang}/{tenant}/…`.
pub fn lang_and_tenant(path: &str) -> Option<(Lang, &str)> {
    let mut parts = path.split('/').skip(1);
    let lang = parts.next()?.parse().ok()?;
    let tenant = parts.next().filter(|t| !t.is_empty())?;
    Some((lang, tenant))
}

/// Where a person logs in at this tenant.
pub fn login_path(lang: Lang, tenant: &str) -> String {
    crate::urls::TenantUrls::new(lang, tenant).login()
}

/// Where a person with a password-only session finishes logging in.
pub fn second_step_path(lang: Lang, tenant: &str) -> String {
    crate::urls::TenantUrls::new(lang, tenant).second_step()
}

/// Any signed-in person whose login is complete (every step their roles need).
impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Denied;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Denied> {
        let (lang, tenant) = lang_and_tenant(parts.uri.path()).ok_or(Denied::NotFound)?;
        let signed_in = parts
            .extensions
            .get::<SignedIn>()
            .cloned()
            .ok_or_else(|| Denied::Redirect(login_path(lang, tenant)))?;
        if crate::pages::login::second_step_due(&signed_in) {
            return Err(Denied::Redirect(second_step_path(lang, tenant)));
        }
        Ok(signed_in)
    }
}

/// A permission a private page needs.
pub trait Permission {
    const ACTION: Action;
}

macro_rules! permission {
    ($name:ident, $action:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $name;
        impl Permission for $name {
            const ACTION: Action = $action;
        }
    };
}

permission!(
    CanEnterTenant,
    Action::EnterTenant,
    "Any role in the tenant."
);
permission!(
    CanManageUsers,
    Action::ManageUsers,
    "Administer the tenant's people."
);
permission!(
    CanViewAudit,
    Action::ViewAudit,
    "Read the tenant's audit log."
);
permission!(
    CanEditContent,
    Action::EditContent,
    "Edit the tenant's model."
);
permission!(
    CanShareModel,
    Action::ShareModel,
    "Offer the tenant's model to others and copy theirs in."
);
permission!(
    CanViewEvaluation,
    Action::ViewEvaluation,
    "See the figures of the work."
);
permission!(
    CanReviewContent,
    Action::ReviewContent,
    "See the items due for review, and confirm them."
);

/// A signed-in person whom the policy allows `P` in the tenant of the path.
pub struct Allowed<P> {
    pub user: SignedIn,
    pub tenant: Arc<Published>,
    pub lang: Lang,
    _permission: PhantomData<P>,
}

impl<P: Permission> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = Denied;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Denied> {
        let (lang, slug) = lang_and_tenant(parts.uri.path()).ok_or(Denied::NotFound)?;
        let slug = slug.to_string();
        let tenant = state
            .store
            .published(&slug)
            .await
            .map_err(|e| Denied::Error(e.into()))?
            .ok_or(Denied::NotFound)?;
        let user = SignedIn::from_request_parts(parts, state).await?;
        if !may(&user.actor, P::ACTION, Some(tenant.record.id.as_str())) {
            return Err(Denied::NotFound);
        }
        Ok(Allowed {
            user,
            tenant,
            lang,
            _permission: PhantomData,
        })
    }
}
