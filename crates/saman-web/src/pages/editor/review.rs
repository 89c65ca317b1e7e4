//! Keeping the model true: the items due for review, for their owners and the editors,
//! with "still correct" to move a review date on; and, for editors, the model's health:
//! reviews past due per owner, texts missing a translation, relations to what the public
//! cannot see, and published items nothing connects to.

use super::objects::{Editable, editor_href_in};
use super::{title_of, urls};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::access::{Allowed, CanReviewContent};
use crate::auth::csrf::check_token;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::pages::render;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::access::{Action, Role, may, may_review_item};
use saman_domain::*;
use saman_store::{AuditContext, GuideState, ItemState};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

type Reviewer = Allowed<CanReviewContent>;

/// How far ahead the list shows reviews coming due.
const DUE_WITHIN_DAYS: i64 = 30;

pub struct DueRow {
    pub id: String,
    pub title: String,
    pub edit_href: Option<String>,
    pub public_href: String,
    pub date: String,
    pub overdue: bool,
    pub version: i64,
}

pub struct OwnerGroup {
    pub owner: String,
    pub rows: Vec<DueRow>,
}

pub struct Link {
    pub href: String,
    pub text: String,
}

/// The model's health, for editors.
pub struct Health {
    pub past_due_by_owner: Vec<(String, usize)>,
    /// Each check with its heading and the items it found.
    pub lists: Vec<(String, Vec<Link>)>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    chrome: Chrome,
    groups: Vec<OwnerGroup>,
    csrf: String,
    action_base: String,
    message: Option<String>,
    health: Option<Health>,
}

#[derive(Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    bekreftet: Option<String>,
    #[serde(default)]
    nyere: Option<String>,
}

pub(crate) fn owner_name(states: &[ItemState], owner: Option<&str>, lang: Lang, tr: Tr) -> String {
    owner
        .and_then(|o| states.iter().find(|s| s.object.slug == o))
        .map_or_else(|| tr.t("review-no-owner"), |s| title_of(&s.object, lang))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Reviewer,
    Query(query): Query<ReviewQuery>,
) -> Result<Html<String>, WebError> {
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let tenant_id = &allowed.tenant.record.id;
    let actor = &allowed.user.actor;
    let editor = may(actor, Action::EditContent, Some(tenant_id.as_str()));
    let services = state
        .store
        .services_of(&allowed.user.account.id, tenant_id)
        .await?;
    let states = state.store.editable_items(tenant_id).await?;
    let guides = state.store.editable::<Guide>(tenant_id).await?;
    let today = saman_store::clock::today();
    let horizon = today + time::Duration::days(DUE_WITHIN_DAYS);
    let urls = urls(&allowed);
    let mut groups: BTreeMap<String, Vec<DueRow>> = BTreeMap::new();
    for s in &states {
        let Some(date) = s.object.review_date.filter(|d| *d <= horizon) else {
            continue;
        };
        let owner = s.object.owner.as_deref();
        if !may_review_item(actor, tenant_id.as_str(), owner, &services) {
            continue;
        }
        groups
            .entry(owner_name(&states, owner, lang, tr))
            .or_default()
            .push(DueRow {
                id: s.id.clone(),
                title: title_of(&s.object, lang),
                edit_href: editor.then(|| urls.at(&format!("/rediger/innhold/{}", s.id))),
                public_href: urls.item(&s.object.slug),
                date: tr.date(date),
                overdue: date < today,
                version: s.head,
            });
    }
    for g in &guides {
        let Some(date) = g.object.review_date.filter(|d| *d <= horizon) else {
            continue;
        };
        let owner = g.object.owner.as_deref();
        if !may_review_item(actor, tenant_id.as_str(), owner, &services) {
            continue;
        }
        groups
            .entry(owner_name(&states, owner, lang, tr))
            .or_default()
            .push(DueRow {
                id: g.id.clone(),
                title: g.object.title(lang),
                edit_href: editor.then(|| editor_href_in::<Guide>(&urls, &g.id)),
                public_href: urls.guide(&g.object.slug),
                date: tr.date(date),
                overdue: date < today,
                version: g.head,
            });
    }
    let groups = groups
        .into_iter()
        .map(|(owner, mut rows)| {
            rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.title.cmp(&b.title)));
            OwnerGroup { owner, rows }
        })
        .collect();
    let message = if query.bekreftet.is_some() {
        Some(tr.t("review-confirmed"))
    } else {
        query.nyere.map(|_| tr.t("editor-newer-saved"))
    };
    render(ReviewPage {
        chrome: Chrome::tenant(lang, tr.t("review-title"), &ctx, &allowed.tenant.record, ""),
        groups,
        csrf: allowed.user.session.csrf_token.clone(),
        action_base: urls.at("/gjennomgang"),
        message,
        health: editor.then(|| health(tr, &allowed, &states, &guides, today)),
    })
}

/// The model's health, for editors here and for leaders on the figures' page.
pub(crate) fn health<P>(
    tr: Tr,
    allowed: &Allowed<P>,
    states: &[ItemState],
    guides: &[GuideState],
    today: time::Date,
) -> Health {
    let lang = allowed.lang;
    let urls = urls(allowed);
    let link = |s: &ItemState| Link {
        href: urls.at(&format!("/rediger/innhold/{}", s.id)),
        text: title_of(&s.object, lang),
    };
    let guide_link = |g: &GuideState| Link {
        href: editor_href_in::<Guide>(&urls, &g.id),
        text: g.object.title(lang),
    };
    let mut past_due: BTreeMap<String, usize> = BTreeMap::new();
    let past_due_owners = states
        .iter()
        .filter(|s| s.object.review_date.is_some_and(|d| d < today))
        .map(|s| s.object.owner.as_deref())
        .chain(
            guides
                .iter()
                .filter(|g| g.object.review_date.is_some_and(|d| d < today))
                .map(|g| g.object.owner.as_deref()),
        );
    for owner in past_due_owners {
        *past_due
            .entry(owner_name(states, owner, lang, tr))
            .or_default() += 1;
    }
    let mut lists: Vec<(String, Vec<Link>)> = Lang::ALL
        .into_iter()
        .map(|l| {
            (
                tr.t(&format!("editor-missing-{l}")),
                states
                    .iter()
                    .filter(|s| s.object.text.get(l).is_none())
                    .map(link)
                    .chain(
                        guides
                            .iter()
                            .filter(|g| {
                                g.object.text.get(l).is_none()
                                    || g.object.steps.iter().any(|s| s.text.get(l).is_none())
                            })
                            .map(guide_link),
                    )
                    .collect(),
            )
        })
        .collect();
    let public: HashSet<&str> = states
        .iter()
        .filter(|s| s.live.is_some())
        .map(|s| s.object.slug.as_str())
        .collect();
    // Published items whose relations or owner point to something the public cannot see.
    let hidden_relations: Vec<Link> = states
        .iter()
        .filter(|s| {
            s.live.is_some()
                && (s
                    .object
                    .relations
                    .iter()
                    .any(|r| !public.contains(r.to.as_str()))
                    || s.object
                        .owner
                        .as_deref()
                        .is_some_and(|o| !public.contains(o)))
        })
        .map(link)
        .collect();
    let model = &allowed.tenant.model;
    let mut connected: HashSet<&str> = HashSet::new();
    for s in states {
        for r in &s.object.relations {
            connected.insert(&s.object.slug);
            connected.insert(&r.to);
        }
        if let Some(owner) = &s.object.owner {
            connected.insert(&s.object.slug);
            connected.insert(owner);
        }
    }
    for guide in &model.guides {
        for step in &guide.steps {
            connected.extend(step.tools.iter().chain(&step.relies_on).map(String::as_str));
        }
    }
    let unconnected: Vec<Link> = states
        .iter()
        .filter(|s| s.live.is_some() && !connected.contains(s.object.slug.as_str()))
        .map(link)
        .collect();
    let without_review: Vec<Link> = states
        .iter()
        .filter(|s| s.object.review_date.is_none())
        .map(link)
        .collect();
    lists.push((tr.t("health-hidden-relations"), hidden_relations));
    lists.push((tr.t("health-unconnected"), unconnected));
    lists.push((tr.t("health-without-review"), without_review));
    // A guide neither confirmed nor changed since the year began: guides go stale.
    let year = today.year().to_string();
    let not_reviewed: Vec<Link> = guides
        .iter()
        .filter(|g| !g.saved_at.starts_with(&year))
        .map(guide_link)
        .collect();
    lists.push((tr.t("health-guides-not-reviewed"), not_reviewed));
    Health {
        past_due_by_owner: past_due.into_iter().collect(),
        lists,
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    version: i64,
}

/// "Still correct": the review date moves a year on from today.
pub async fn confirm(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Reviewer,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let tenant_id = &allowed.tenant.record.id;
    // An item, or else a guide, of the tenant.
    let (owner, is_guide) = match state.store.editable_one::<Item>(tenant_id, &id).await? {
        Some(item) => (item.object.owner, false),
        None => {
            let guide = state
                .store
                .editable_one::<Guide>(tenant_id, &id)
                .await?
                .ok_or(WebError::NotFound)?;
            (guide.object.owner, true)
        }
    };
    let services = state
        .store
        .services_of(&allowed.user.account.id, tenant_id)
        .await?;
    let actor = &allowed.user.actor;
    if !may_review_item(actor, tenant_id.as_str(), owner.as_deref(), &services) {
        return Err(WebError::NotFound);
    }
    let role = [Role::TenantAdmin, Role::Editor, Role::ServiceLeader]
        .into_iter()
        .find(|r| {
            actor
                .roles_in(Some(tenant_id.as_str()))
                .any(|held| held == *r)
        })
        .unwrap_or(Role::Editor);
    let audit = AuditContext {
        tenant: Some(tenant_id.clone()),
        actor_id: Some(allowed.user.account.id.clone()),
        actor_role: Some(role.key().into()),
        address,
    };
    let next = saman_store::clock::today() + time::Duration::days(365);
    let store = &state.store;
    let confirmed = if is_guide {
        store
            .confirm_review::<Guide>(tenant_id, &id, form.version, next, &audit)
            .await?
    } else {
        store
            .confirm_review::<Item>(tenant_id, &id, form.version, next, &audit)
            .await?
    };
    let outcome = if confirmed { "bekreftet=1" } else { "nyere=1" };
    Ok(Redirect::to(&urls(&allowed).at(&format!("/gjennomgang?{outcome}"))).into_response())
}
