//! What the editor does alike for every kind of object (items, guides): publish,
//! unpublish, delete, history with comparison, and restore. What differs between kinds
//! is the [`Editable`] trait.

use super::{ChangeRow, Conflict, Editor, audit_context, render, urls};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::csrf::check_token;
use crate::error::{WebError, form_with_problems, page_with_status};
use crate::i18n::Tr;
use crate::urls::TenantUrls;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::history::{self, Field};
use saman_domain::rules::ModelProblem;
use saman_domain::*;
use saman_store::{Change, Deleted, ItemState, ObjectState, Save, Saved, Versioned};
use serde::Deserialize;
use std::future::Future;

/// A kind of object the editor edits.
pub trait Editable: Versioned {
    /// Its editor is at `/rediger/{SEGMENT}/{id}`.
    const SEGMENT: &'static str;

    /// Its title in the language asked for, or in the other, or its slug.
    fn title(&self, lang: Lang) -> String;

    /// It as fields, for comparing versions.
    fn fields(&self) -> Vec<Field>;

    /// A field's name (see [`Field::name`]) for a person, with its language.
    fn field_label(&self, tr: Tr, name: &str, lang: Option<Lang>) -> String {
        super::input::field_label(tr, name, lang)
    }

    /// A part's name (see [`Field::part`]) for a person, e.g. a step's title.
    fn part_label(&self, _tr: Tr, part: &str) -> String {
        part.to_string()
    }

    /// Why it may not be published as it is: the query its editor shows the reason
    /// for. `None` when it may.
    fn publish_blocker(&self) -> Option<&'static str> {
        None
    }

    /// What restoring `self` over `current` saves, for this person: by default `self`.
    fn restored_for(self, _current: &Self, _allowed: &Editor) -> Self {
        self
    }

    /// Whether the tenant's settings name it, so that it must stay published.
    fn named_in_settings(&self, _tenant: &Tenant) -> bool {
        false
    }

    /// What is wrong with an old version against the model as it is now (the
    /// tenant's items; `id` is this object's).
    fn check_restored(&self, tenant: &Tenant, items: &[ItemState], id: &str) -> Vec<ModelProblem>;

    /// The editor's page for `current`, filled with the restored version `restored`
    /// and its problems shown.
    fn restored_with_problems(
        state: &AppState,
        allowed: &Editor,
        ctx: &Ctx,
        current: ObjectState<Self>,
        restored: Self,
        problems: Vec<ModelProblem>,
    ) -> impl Future<Output = Result<Html<String>, WebError>> + Send;
}

/// Where an object stands and what can be done with it, at the top of its editor.
pub struct StatusBox {
    pub status: String,
    pub base_href: String,
    pub public_href: Option<String>,
    pub has_draft: bool,
    pub head: i64,
    pub published: bool,
    /// Whether it can be unpublished and deleted.
    pub deletable: bool,
    /// "Copied from …", for an object copied from another tenant.
    pub copied_from: Option<String>,
}

impl StatusBox {
    pub fn of<T: Editable>(
        tr: Tr,
        urls: &TenantUrls,
        state: &ObjectState<T>,
        public_href: String,
    ) -> StatusBox {
        StatusBox {
            status: status_text(tr, state),
            base_href: editor_href_in::<T>(urls, &state.id),
            public_href: state.live.map(|_| public_href),
            has_draft: state.has_draft(),
            head: state.head,
            published: state.live.is_some(),
            deletable: !T::ALWAYS_LIVE,
            copied_from: state.copied_from.as_ref().map(|p| {
                tr.ta(
                    "editor-copied-from",
                    [
                        ("tenant", p.tenant_slug.clone().into()),
                        ("version", p.version.into()),
                    ],
                )
            }),
        }
    }
}

/// Whether an object is published, and which version.
pub fn status_text<T>(tr: Tr, state: &ObjectState<T>) -> String {
    match state.live {
        Some(live) if live == state.head => tr.t1("editor-status-published", "version", live),
        Some(live) => tr.ta(
            "editor-status-draft-of-published",
            [("version", state.head.into()), ("live", live.into())],
        ),
        None => tr.t1("editor-status-unpublished", "version", state.head),
    }
}

/// When and by whom the newest version was saved.
pub fn saved_text<T>(tr: Tr, state: &ObjectState<T>) -> String {
    let at = tr.date_time(&state.saved_at);
    match &state.saved_by {
        Some(name) => format!("{at}, {name}"),
        None => format!("{at}, {}", tr.t("editor-by-import")),
    }
}

/// What an editor's page was sent back with, to tell what happened.
#[derive(Deserialize, Default)]
pub struct EditQuery {
    #[serde(default)]
    lagret: Option<String>,
    #[serde(default)]
    publisert: Option<String>,
    #[serde(default)]
    avpublisert: Option<String>,
    #[serde(default)]
    gjenopprettet: Option<i64>,
    #[serde(default)]
    nyere: Option<String>,
    #[serde(default, rename = "i-bruk")]
    in_use: Option<String>,
    #[serde(default, rename = "steg-slettet")]
    step_deleted: Option<String>,
    #[serde(default, rename = "mangler-hastesteg")]
    no_urgent_path: Option<String>,
    #[serde(default)]
    kopiert: Option<String>,
}

impl EditQuery {
    /// The message the page shows, in the reader's language.
    pub fn message(&self, tr: Tr) -> Option<String> {
        [
            (self.lagret.is_some(), "editor-saved"),
            (self.publisert.is_some(), "editor-published"),
            (self.avpublisert.is_some(), "editor-unpublished"),
            (self.nyere.is_some(), "editor-newer-saved"),
            (self.in_use.is_some(), "editor-named-in-settings"),
            (self.step_deleted.is_some(), "editor-step-deleted"),
            (self.no_urgent_path.is_some(), "problem-no-urgent-path"),
            (self.kopiert.is_some(), "sharing-copied-guide"),
        ]
        .into_iter()
        .find(|(asked, _)| *asked)
        .map(|(_, key)| tr.t(key))
        .or_else(|| {
            self.gjenopprettet
                .map(|v| tr.t1("editor-restored", "version", v))
        })
    }
}

/// The address of an object's editor.
pub fn editor_href<T: Editable>(allowed: &Editor, id: &str) -> String {
    editor_href_in::<T>(&urls(allowed), id)
}

pub fn editor_href_in<T: Editable>(urls: &TenantUrls, id: &str) -> String {
    urls.at(&format!("/rediger/{}/{id}", T::SEGMENT))
}

/// The object with this id of the editor's tenant, or 404.
pub async fn current<T: Editable>(
    state: &AppState,
    allowed: &Editor,
    id: &str,
) -> Result<ObjectState<T>, WebError> {
    state
        .store
        .editable_one::<T>(&allowed.tenant.record.id, id)
        .await?
        .ok_or(WebError::NotFound)
}

/// A stale save: the version saved meanwhile, beside what this editor wrote.
pub fn conflict_of<T: Editable>(tr: Tr, newer: &ObjectState<T>, mine: &T) -> Conflict {
    Conflict {
        version: newer.head,
        saved: saved_text(tr, newer),
        changes: change_rows(tr, &newer.object, mine),
    }
}

/// The fields that differ from `old` to `new`, labelled for a person.
pub fn change_rows<T: Editable>(tr: Tr, old: &T, new: &T) -> Vec<ChangeRow> {
    history::changes(&old.fields(), &new.fields())
        .into_iter()
        .map(|c| {
            let label = new.field_label(tr, c.name, c.lang);
            ChangeRow {
                label: match &c.part {
                    Some(part) => {
                        let named = [new, old]
                            .iter()
                            .map(|o| o.part_label(tr, part))
                            .find(|l| l != part)
                            .unwrap_or_else(|| part.clone());
                        format!("{named}: {label}")
                    }
                    None => label,
                },
                old: c.old,
                new: c.new,
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    csrf: String,
    version: i64,
}

/// Publishes the version the editor saw; if a newer one was saved meanwhile, the
/// editor is shown the object again, with a message, to look before publishing.
pub async fn publish<T: Editable>(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Form(form): Form<VersionForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let current = current::<T>(&state, &allowed, &id).await?;
    if let Some(blocker) = current.object.publish_blocker() {
        let to = format!("{}?{blocker}=1", editor_href::<T>(&allowed, &id));
        return Ok(Redirect::to(&to).into_response());
    }
    let audit = audit_context(&allowed, address);
    let published = state
        .store
        .publish::<T>(&allowed.tenant.record.id, &id, form.version, &audit)
        .await?;
    let outcome = if published { "publisert=1" } else { "nyere=1" };
    Ok(Redirect::to(&format!("{}?{outcome}", editor_href::<T>(&allowed, &id))).into_response())
}

pub async fn unpublish<T: Editable>(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let current = current::<T>(&state, &allowed, &id).await?;
    let href = editor_href::<T>(&allowed, &id);
    if current
        .object
        .named_in_settings(&allowed.tenant.record.tenant)
    {
        return Ok(Redirect::to(&format!("{href}?i-bruk=1")).into_response());
    }
    let audit = audit_context(&allowed, address);
    if !state
        .store
        .unpublish::<T>(&allowed.tenant.record.id, &id, &audit)
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("{href}?avpublisert=1")).into_response())
}

#[derive(Template)]
#[template(path = "editor_delete.html")]
struct DeletePage {
    chrome: Chrome,
    action: String,
    back: String,
    csrf: String,
    in_use: Vec<String>,
}

pub async fn delete_confirm<T: Editable>(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let current = current::<T>(&state, &allowed, &id).await?;
    delete_page(&ctx, &allowed, &current, Vec::new())
}

fn delete_page<T: Editable>(
    ctx: &Ctx,
    allowed: &Editor,
    current: &ObjectState<T>,
    in_use: Vec<String>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let title = current.object.title(allowed.lang);
    let back = editor_href::<T>(allowed, &current.id);
    render(DeletePage {
        chrome: Chrome::tenant(
            allowed.lang,
            tr.t1("editor-delete-title", "title", title),
            ctx,
            &allowed.tenant.record,
            "",
        ),
        action: format!("{back}/slett"),
        back,
        csrf: allowed.user.session.csrf_token.clone(),
        in_use,
    })
}

pub async fn delete<T: Editable>(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let current = current::<T>(&state, &allowed, &id).await?;
    let audit = audit_context(&allowed, address);
    match state
        .store
        .delete::<T>(&allowed.tenant.record.id, &id, &audit)
        .await?
    {
        Deleted::Deleted => {
            Ok(Redirect::to(&urls(&allowed).at("/rediger?slettet=1")).into_response())
        }
        Deleted::InUse(users) => {
            let tr = Tr::new(allowed.lang);
            let all = state
                .store
                .editable_items(&allowed.tenant.record.id)
                .await?;
            let names = users
                .iter()
                .map(|user| match all.iter().find(|s| &s.object.slug == user) {
                    Some(s) => s.object.title(allowed.lang),
                    None if user == "tenant" => tr.t("editor-in-use-settings"),
                    None => {
                        let guide = user.strip_prefix("guide:").unwrap_or(user);
                        tr.t1("editor-in-use-guide", "guide", guide.to_string())
                    }
                })
                .collect();
            let html = delete_page(&ctx, &allowed, &current, names)?;
            Ok(page_with_status(StatusCode::CONFLICT, html))
        }
    }
}

// ---------------------------------------------------------------------------
// History

pub struct VersionRow {
    pub number: i64,
    pub at: String,
    pub author: String,
    pub change: String,
    pub comment: String,
    pub published: bool,
    pub is_head: bool,
    pub is_live: bool,
    pub from: bool,
    pub to: bool,
}

#[derive(Template)]
#[template(path = "editor_history.html")]
struct HistoryPage {
    chrome: Chrome,
    title: String,
    back: String,
    action: String,
    csrf: String,
    head: i64,
    versions: Vec<VersionRow>,
    compared: Option<(i64, i64)>,
    from_heading: String,
    to_heading: String,
    changes: Vec<ChangeRow>,
}

#[derive(Deserialize)]
pub struct CompareQuery {
    #[serde(default)]
    fra: Option<i64>,
    #[serde(default)]
    til: Option<i64>,
}

pub async fn history<T: Editable>(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Query(query): Query<CompareQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let tenant_id = &allowed.tenant.record.id;
    let current = current::<T>(&state, &allowed, &id).await?;
    let versions = state.store.history::<T>(tenant_id, &id).await?;
    // By default, the newest version against the one before it.
    let to = query.til.unwrap_or(current.head);
    let from = query.fra.unwrap_or(to.saturating_sub(1));
    let compared = (from >= 1 && from != to).then_some((from, to));
    let mut changes = Vec::new();
    if let Some((from, to)) = compared {
        let old = state
            .store
            .version::<T>(tenant_id, &id, from)
            .await?
            .ok_or(WebError::NotFound)?;
        let new = state
            .store
            .version::<T>(tenant_id, &id, to)
            .await?
            .ok_or(WebError::NotFound)?;
        changes = change_rows(tr, &old, &new);
    }
    let back = editor_href::<T>(&allowed, &id);
    let title = current.object.title(allowed.lang);
    render(HistoryPage {
        chrome: Chrome::tenant(
            allowed.lang,
            tr.t1("editor-history-title", "title", title.clone()),
            &ctx,
            &allowed.tenant.record,
            "",
        ),
        title,
        action: format!("{back}/historikk"),
        back,
        csrf: allowed.user.session.csrf_token.clone(),
        head: current.head,
        versions: versions
            .iter()
            .map(|v| VersionRow {
                number: v.number,
                at: tr.date_time(&v.created_at),
                author: v.author.clone().unwrap_or_else(|| tr.t("editor-by-import")),
                change: match v.restored_from {
                    Some(n) if v.change == Change::Restore => {
                        tr.t1("editor-change-restore-of", "version", n)
                    }
                    _ => tr.t(&format!("editor-change-{}", v.change.key())),
                },
                comment: v.comment.clone().unwrap_or_default(),
                published: v.published_at.is_some(),
                is_head: v.number == current.head,
                is_live: Some(v.number) == current.live,
                from: compared.is_some_and(|(f, _)| f == v.number),
                to: compared.is_some_and(|(_, t)| t == v.number),
            })
            .collect(),
        from_heading: compared.map_or_else(String::new, |(f, _)| {
            tr.t1("editor-version-n", "version", f)
        }),
        to_heading: compared.map_or_else(String::new, |(_, t)| {
            tr.t1("editor-version-n", "version", t)
        }),
        compared,
        changes,
    })
}

#[derive(Deserialize)]
pub struct RestoreForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    /// The newest version when the history was shown.
    base: i64,
}

/// Restores a version as a new draft. A version that refers to what is gone since
/// comes back in the form with the problems shown, for the editor to fix and save.
pub async fn restore<T: Editable>(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let tenant_id = &allowed.tenant.record.id;
    let current = current::<T>(&state, &allowed, &id).await?;
    let old = state
        .store
        .version::<T>(tenant_id, &id, form.version)
        .await?
        .ok_or(WebError::NotFound)?
        .restored_for(&current.object, &allowed);
    let items = state.store.editable_items(tenant_id).await?;
    let problems = old.check_restored(&allowed.tenant.record.tenant, &items, &id);
    if !problems.is_empty() {
        let html =
            T::restored_with_problems(&state, &allowed, &ctx, current, old, problems).await?;
        return Ok(form_with_problems(html));
    }
    let save = Save {
        base: Some(form.base),
        change: Change::Restore,
        restored_from: Some(form.version),
        comment: None,
    };
    let audit = audit_context(&allowed, address);
    match state
        .store
        .save::<T>(tenant_id, Some(&id), &old, &save, &audit)
        .await?
    {
        Saved::Version { .. } => Ok(Redirect::to(&format!(
            "{}?gjenopprettet={}",
            editor_href::<T>(&allowed, &id),
            form.version
        ))
        .into_response()),
        // Someone saved meanwhile: show the history again, with their version on top.
        _ => Ok(
            Redirect::to(&format!("{}/historikk", editor_href::<T>(&allowed, &id))).into_response(),
        ),
    }
}
