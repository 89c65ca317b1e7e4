//! The living model's editor: editors and the tenant's administrators create and edit
//! items in both languages, save drafts, preview, publish, compare versions and restore
//! one. Every save is a version (saman_store::versions); every change is audited.

pub mod attachments;
pub mod forms;
pub mod guides;
mod input;
pub mod objects;
pub mod review;
pub mod searches;
pub mod settings;
pub mod sharing;
pub mod steps;
pub mod surveys;
pub mod timeline;

use super::render;
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::access::{Allowed, CanEditContent};
use crate::auth::csrf::check_token;
use crate::error::{WebError, form_with_problems, page_with_status};
use crate::i18n::Tr;
use crate::urls::TenantUrls;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use input::{ItemInput, NEW_RELATION_ROWS};
use objects::{EditQuery, Editable, StatusBox, conflict_of, current, saved_text, status_text};
use saman_domain::access::Role;
use saman_domain::history::{self, Span};
use saman_domain::*;
use saman_store::{AuditContext, Change, ItemState, Save, Saved};
use serde::Deserialize;

type Editor = Allowed<CanEditContent>;

/// Who acts, for the audit log: as the tenant's administrator if they are one.
fn audit_context<P>(allowed: &Allowed<P>, address: String) -> AuditContext {
    let tenant_id = allowed.tenant.record.id.as_str();
    let admin = allowed
        .user
        .actor
        .roles_in(Some(tenant_id))
        .any(|r| r == Role::TenantAdmin);
    AuditContext {
        tenant: Some(allowed.tenant.record.id.clone()),
        actor_id: Some(allowed.user.account.id.clone()),
        actor_role: Some(
            if admin {
                Role::TenantAdmin
            } else {
                Role::Editor
            }
            .key()
            .into(),
        ),
        address,
    }
}

fn urls<P>(allowed: &Allowed<P>) -> TenantUrls {
    TenantUrls::new(allowed.lang, &allowed.tenant.record.tenant.slug)
}

/// The item's title in the language asked for, or in the other, or its slug.
pub(crate) fn title_of(item: &Item, lang: Lang) -> String {
    item.text
        .pick(lang)
        .map_or_else(|| item.slug.clone(), |p| p.value.title.clone())
}

impl Editable for Item {
    const SEGMENT: &'static str = "innhold";

    fn title(&self, lang: Lang) -> String {
        title_of(self, lang)
    }

    fn fields(&self) -> Vec<history::Field> {
        history::item_fields(self)
    }

    /// Its child welfare contacts, and the privacy page shown to families: the worry
    /// path and the relay log link to them.
    fn named_in_settings(&self, tenant: &Tenant) -> bool {
        [
            &tenant.child_welfare,
            &tenant.child_welfare_out_of_hours,
            &tenant.relay.privacy_page,
        ]
        .into_iter()
        .any(|named| named.as_deref() == Some(self.slug.as_str()))
    }

    fn check_restored(
        &self,
        tenant: &Tenant,
        items: &[ItemState],
        id: &str,
    ) -> Vec<rules::ModelProblem> {
        let mut problems = Vec::new();
        input::check_edited(self, &mut problems);
        let others = items.iter().filter(|s| s.id != id).map(|s| &s.object);
        let refs = rules::References::new(tenant, others.chain([self]));
        rules::check_item_references(self, &refs, &mut problems);
        problems
    }

    async fn restored_with_problems(
        state: &AppState,
        allowed: &Editor,
        ctx: &Ctx,
        current: ItemState,
        restored: Item,
        problems: Vec<rules::ModelProblem>,
    ) -> Result<Html<String>, WebError> {
        let tr = Tr::new(allowed.lang);
        let input = ItemInput::of(&restored, current.head);
        let view = FormView {
            problems: problems.iter().map(|p| input::located(tr, p)).collect(),
            ..FormView::new(allowed, ctx, Some(current), input)
        };
        item_form(state, view).await
    }
}

// ---------------------------------------------------------------------------
// The list

pub struct ItemRow {
    pub href: String,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub missing: Vec<String>,
    pub saved: String,
}

pub struct KindOption {
    pub key: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "editor_list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ItemRow>,
    guides: Vec<guides::GuideRow>,
    new_guide_href: String,
    /// For the tenant's administrators: sharing with other tenants.
    sharing_href: Option<String>,
    timeline: Vec<TimelineRow>,
    new_entry_href: String,
    forms: Vec<forms::FormRow>,
    settings_href: String,
    kinds: Vec<KindOption>,
    new_href: String,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    slettet: Option<String>,
}

fn missing_languages(tr: Tr, item: &Item) -> Vec<String> {
    Lang::ALL
        .into_iter()
        .filter(|l| item.text.get(*l).is_none())
        .map(|l| tr.t(&format!("editor-missing-{l}")))
        .collect()
}

fn kind_options(tr: Tr, selected: &str) -> Vec<KindOption> {
    Kind::ALL
        .iter()
        .map(|k| KindOption {
            key: k.key(),
            label: tr.t(&format!("kind-{}", k.key())),
            selected: k.key() == selected,
        })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let urls = urls(&allowed);
    let states = state
        .store
        .editable_items(&allowed.tenant.record.id)
        .await?;
    let mut rows: Vec<ItemRow> = states
        .iter()
        .map(|s| ItemRow {
            href: urls.at(&format!("/rediger/innhold/{}", s.id)),
            title: title_of(&s.object, allowed.lang),
            kind: tr.t(&format!("kind-{}", s.object.kind.key())),
            status: status_text(tr, s),
            missing: missing_languages(tr, &s.object),
            saved: saved_text(tr, s),
        })
        .collect();
    rows.sort_by_cached_key(|r| crate::views::norwegian_sort_key(&r.title));
    let guide_states = state
        .store
        .editable::<Guide>(&allowed.tenant.record.id)
        .await?;
    let entries = state
        .store
        .editable::<TimelineEntry>(&allowed.tenant.record.id)
        .await?;
    let wordings = state
        .store
        .editable::<FormWording>(&allowed.tenant.record.id)
        .await?;
    render(ListPage {
        chrome: Chrome::tenant(
            allowed.lang,
            tr.t("editor-title"),
            &ctx,
            &allowed.tenant.record,
            "",
        ),
        rows,
        guides: guides::guide_rows(tr, &urls, &guide_states),
        new_guide_href: urls.at("/rediger/veileder/ny"),
        sharing_href: saman_domain::access::may(
            &allowed.user.actor,
            saman_domain::access::Action::ShareModel,
            Some(allowed.tenant.record.id.as_str()),
        )
        .then(|| urls.at("/rediger/deling")),
        timeline: timeline_rows(tr, &urls, &entries),
        new_entry_href: urls.at("/rediger/tidslinje/ny"),
        forms: forms::form_rows(tr, &urls, &wordings),
        settings_href: urls.at("/rediger/innstillinger"),
        kinds: kind_options(tr, ""),
        new_href: urls.at("/rediger/ny"),
        message: query.slettet.map(|_| tr.t("editor-deleted")),
    })
}

/// A timeline entry in the editor's list.
pub struct TimelineRow {
    pub href: String,
    pub title: String,
    pub date: String,
    pub status: String,
    pub missing: Vec<String>,
}

/// The timeline's entries, newest first.
fn timeline_rows(
    tr: Tr,
    urls: &TenantUrls,
    entries: &[saman_store::TimelineState],
) -> Vec<TimelineRow> {
    let mut sorted: Vec<_> = entries.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.object.date));
    sorted
        .into_iter()
        .map(|e| TimelineRow {
            href: objects::editor_href_in::<TimelineEntry>(urls, &e.id),
            title: e.object.title(tr.lang),
            date: tr.date(e.object.date),
            status: status_text(tr, e),
            missing: Lang::ALL
                .into_iter()
                .filter(|l| e.object.text.get(*l).is_none())
                .map(|l| tr.t(&format!("editor-missing-{l}")))
                .collect(),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The form

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct LangColumn {
    pub code: &'static str,
    pub name: String,
    pub fields: Vec<TextField>,
    pub missing: bool,
}

/// The texts written in Markdown, by their field names.
const MARKDOWN_FIELDS: [&str; 3] = ["body", "about", "accessibility_shortcomings"];

/// The live preview's name for a field written in Markdown; `None` for other fields.
fn markdown_preview(tr: Tr, field: &str, lang: Lang) -> Option<String> {
    MARKDOWN_FIELDS.contains(&field).then(|| {
        tr.t1(
            "editor-markdown-preview",
            "field",
            input::field_label(tr, field, Some(lang)),
        )
    })
}

#[derive(Deserialize)]
pub struct MarkdownForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// A Markdown text as the public site will show it, for the editor's live preview:
/// the same renderer and rules, with images from the tenant's published attachments.
pub async fn markdown(
    State(state): State<AppState>,
    allowed: Editor,
    axum::Form(form): axum::Form<MarkdownForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    // Rendering is work a script could ask for without pause: a limit per account.
    crate::auth::limits::check_and_count(
        &state,
        &[(
            crate::auth::limits::MARKDOWN_PER_ACCOUNT,
            allowed.user.account.id.as_str(),
        )],
    )
    .await?;
    if form.text.chars().count() > rules::limits::BODY {
        return Ok(StatusCode::PAYLOAD_TOO_LARGE.into_response());
    }
    let html = crate::markdown::model_html(&form.text, allowed.lang, &allowed.tenant);
    Ok(Html(html).into_response())
}

/// A text field of one language's column.
pub struct TextField {
    pub id: String,
    pub label: String,
    pub value: String,
    pub hint: Option<String>,
    pub problem: Option<String>,
    /// 1 for a one-line input.
    pub rows: usize,
    /// For a Markdown text: the name of its live preview, which JavaScript adds.
    pub preview_label: Option<String>,
}

impl TextField {
    pub fn described_by(&self) -> Option<String> {
        let ids: Vec<String> = [
            self.hint.as_ref().map(|_| format!("{}-hint", self.id)),
            self.problem.as_ref().map(|_| format!("{}-error", self.id)),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A one-line field of the contact details.
pub struct ContactField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub kind: &'static str,
    pub problem: Option<String>,
}

pub struct RelationRow {
    pub index: usize,
    pub kind: String,
    pub to: String,
}

/// An attached file in the editor: its name and its title in the page's language.
pub struct AttachmentRow {
    pub name: String,
    pub title: String,
}

/// One field where the stored version and the editor's differ, for the conflict page.
pub struct ChangeRow {
    pub label: String,
    pub old: Vec<Span>,
    pub new: Vec<Span>,
}

pub struct Conflict {
    pub version: i64,
    pub saved: String,
    pub changes: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "editor_item.html")]
struct ItemPage {
    chrome: Chrome,
    heading: String,
    action: String,
    csrf: String,
    is_new: bool,
    input: ItemInput,
    problems: Vec<(String, String)>,
    columns: Vec<LangColumn>,
    kinds: Vec<KindOption>,
    levels: Vec<Choice>,
    targets: Vec<Choice>,
    prevention: Vec<Choice>,
    priorities: Vec<Choice>,
    owners: Vec<Choice>,
    contact: Vec<ContactField>,
    forms: Vec<Choice>,
    relation_kinds: Vec<Choice>,
    relation_targets: Vec<Choice>,
    relations: Vec<RelationRow>,
    attachments: Vec<AttachmentRow>,
    state: Option<ItemState>,
    status_box: Option<StatusBox>,
    base_href: String,
    message: Option<String>,
    conflict: Option<Conflict>,
}

impl ItemPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn attachment_problem(&self, lang: &str) -> Option<&str> {
        self.problem(&format!("attachment-title-{lang}"))
    }

    fn attachment_title(&self, index: &usize) -> &str {
        self.input
            .attachment_titles
            .get(*index)
            .map_or("", String::as_str)
    }
}

fn choices<T: Copy>(
    all: &[T],
    key: fn(T) -> &'static str,
    label: impl Fn(T) -> String,
    sent: &[String],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: key(*v).into(),
            label: label(*v),
            checked: sent.iter().any(|s| s == key(*v)),
        })
        .collect()
}

struct FormView<'a> {
    allowed: &'a Editor,
    ctx: &'a Ctx,
    state: Option<ItemState>,
    input: ItemInput,
    problems: Vec<(String, String)>,
    message: Option<String>,
    conflict: Option<Conflict>,
}

impl<'a> FormView<'a> {
    /// The form of an item (or a new one) with `input`, no problems and no message.
    fn new(
        allowed: &'a Editor,
        ctx: &'a Ctx,
        state: Option<ItemState>,
        input: ItemInput,
    ) -> FormView<'a> {
        FormView {
            allowed,
            ctx,
            state,
            input,
            problems: Vec::new(),
            message: None,
            conflict: None,
        }
    }
}

async fn item_form(app: &AppState, view: FormView<'_>) -> Result<Html<String>, WebError> {
    let FormView {
        allowed,
        ctx,
        state,
        input,
        problems,
        message,
        conflict,
    } = view;
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let tenant = &allowed.tenant.record.tenant;
    let urls = urls(allowed);
    let all = app.store.editable_items(&allowed.tenant.record.id).await?;
    let mut others: Vec<&Item> = all
        .iter()
        .filter(|s| state.as_ref().is_none_or(|st| st.id != s.id))
        .map(|s| &s.object)
        .collect();
    others.sort_by_cached_key(|i| crate::views::norwegian_sort_key(&title_of(i, lang)));
    let option = |item: &&Item, selected: &str| Choice {
        value: item.slug.clone(),
        label: format!(
            "{} ({})",
            title_of(item, lang),
            tr.t(&format!("kind-{}", item.kind.key()))
        ),
        checked: item.slug == selected,
    };
    let mut relations: Vec<RelationRow> = input
        .relations
        .iter()
        .enumerate()
        .map(|(index, (kind, to))| RelationRow {
            index,
            kind: kind.clone(),
            to: to.clone(),
        })
        .collect();
    for _ in 0..NEW_RELATION_ROWS {
        relations.push(RelationRow {
            index: relations.len(),
            kind: String::new(),
            to: String::new(),
        });
    }
    let columns = Lang::ALL
        .iter()
        .enumerate()
        .map(|(i, l)| LangColumn {
            code: l.code(),
            name: tr.t(&format!("lang-{l}")),
            fields: [
                ("title", &input.title[i], 1, None),
                ("summary", &input.summary[i], 3, None),
                ("body", &input.body[i], 14, Some(tr.t("editor-body-hint"))),
                ("opening_hours", &input.hours[i], 1, None),
            ]
            .into_iter()
            .map(|(name, value, rows, hint)| {
                let id = format!("{name}-{l}");
                TextField {
                    label: tr.t(&format!("field-{name}")),
                    value: value.clone(),
                    hint,
                    problem: problems
                        .iter()
                        .find(|(f, _)| *f == id)
                        .map(|(_, m)| m.clone()),
                    rows,
                    preview_label: markdown_preview(tr, name, *l),
                    id,
                }
            })
            .collect(),
            missing: input.title[i].trim().is_empty(),
        })
        .collect();
    let (heading, action, status_box, attachments) = match &state {
        Some(s) => (
            title_of(&s.object, lang),
            urls.at(&format!("/rediger/innhold/{}", s.id)),
            Some(StatusBox::of(tr, &urls, s, urls.item(&s.object.slug))),
            s.object
                .attachments
                .iter()
                .map(|a| AttachmentRow {
                    name: a.file.file_name.clone(),
                    title: a
                        .title
                        .pick(lang)
                        .map_or_else(String::new, |t| t.value.clone()),
                })
                .collect(),
        ),
        None => (
            tr.t("editor-new-title"),
            urls.at("/rediger/ny"),
            None,
            Vec::new(),
        ),
    };
    let contact = [
        ("phone", &input.phone, "tel"),
        ("email", &input.email, "email"),
        ("address", &input.address, "text"),
        ("web", &input.web, "url"),
    ]
    .into_iter()
    .map(|(name, value, kind)| ContactField {
        name,
        label: tr.t(&format!("field-{name}")),
        value: value.clone(),
        kind,
        problem: problems
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone()),
    })
    .collect();
    let page = ItemPage {
        chrome: Chrome::tenant(lang, heading.clone(), ctx, &allowed.tenant.record, ""),
        heading,
        action: action.clone(),
        csrf: allowed.user.session.csrf_token.clone(),
        is_new: state.is_none(),
        columns,
        kinds: kind_options(tr, &input.kind),
        levels: choices(
            Level::ALL,
            Level::key,
            |l| crate::views::level_name(tr, tenant, l),
            &input.levels,
        ),
        targets: choices(
            TargetGroup::ALL,
            TargetGroup::key,
            |t| tr.t(&format!("target-{}", t.key())),
            &input.targets,
        ),
        prevention: choices(
            Prevention::ALL,
            Prevention::key,
            |p| tr.t(&format!("prevention-{}", p.key())),
            &input.prevention,
        ),
        priorities: tenant
            .priorities
            .iter()
            .map(|p| Choice {
                value: p.key.clone(),
                label: p
                    .label
                    .pick(lang)
                    .map_or_else(|| p.key.clone(), |l| l.value.clone()),
                checked: input.priorities.contains(&p.key),
            })
            .collect(),
        owners: others
            .iter()
            .filter(|i| i.kind == Kind::Service)
            .map(|i| option(i, &input.owner))
            .collect(),
        contact,
        forms: saman_domain::forms::FORMS
            .iter()
            .map(|f| Choice {
                value: f.key.into(),
                label: crate::pages::forms::Wording::of(tr, f, &allowed.tenant.model.forms)
                    .text("title"),
                checked: f.key == input.form,
            })
            .collect(),
        relation_kinds: RelationType::ALL
            .iter()
            .map(|k| Choice {
                value: k.key().into(),
                label: tr.t(&format!("rel-{}-out", k.key())),
                checked: false,
            })
            .collect(),
        relation_targets: others.iter().map(|i| option(i, "")).collect(),
        relations,
        attachments,
        base_href: action,
        status_box,
        state,
        input,
        problems,
        message,
        conflict,
    };
    render(page)
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default, rename = "type")]
    kind: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Query(query): Query<NewQuery>,
) -> Result<Html<String>, WebError> {
    let kind = Kind::from_key(&query.kind).unwrap_or(Kind::Document);
    let input = ItemInput {
        kind: kind.key().into(),
        ..ItemInput::default()
    };
    item_form(&state, FormView::new(&allowed, &ctx, None, input)).await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = ItemInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    save_input(&state, &ctx, address, &allowed, None, input).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Query(query): Query<EditQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let current = current::<Item>(&state, &allowed, &id).await?;
    let message = query.message(tr);
    let input = ItemInput::of(&current.object, current.head);
    let view = FormView {
        message,
        ..FormView::new(&allowed, &ctx, Some(current), input)
    };
    item_form(&state, view).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = ItemInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    let current = current::<Item>(&state, &allowed, &id).await?;
    save_input(&state, &ctx, address, &allowed, Some(current), input).await
}

/// Checks the input by the model's rules and saves it as a new version; a form with
/// problems, or a save based on a version someone else has replaced, comes back.
async fn save_input(
    state: &AppState,
    ctx: &Ctx,
    address: String,
    allowed: &Editor,
    current: Option<ItemState>,
    input: ItemInput,
) -> Result<Response, WebError> {
    let tr = Tr::new(allowed.lang);
    let tenant_id = &allowed.tenant.record.id;
    let all = state.store.editable_items(tenant_id).await?;
    let others: Vec<&Item> = all
        .iter()
        .filter(|s| current.as_ref().is_none_or(|c| c.id != s.id))
        .map(|s| &s.object)
        .collect();
    let view = |state: Option<ItemState>, input, problems, conflict| FormView {
        problems,
        conflict,
        ..FormView::new(allowed, ctx, state, input)
    };
    let item = match input.to_item(
        tr,
        &allowed.tenant.record.tenant,
        current.as_ref().map(|c| &c.object),
        &others,
    ) {
        Ok(item) => item,
        Err(problems) => {
            let html = item_form(state, view(current, input, problems, None)).await?;
            return Ok(form_with_problems(html));
        }
    };
    let save = Save {
        base: input.base.parse().ok(),
        change: if current.is_some() {
            Change::Edit
        } else {
            Change::Create
        },
        restored_from: None,
        comment: Some(input.comment.as_str()),
    };
    let audit = audit_context(allowed, address);
    let id = current.as_ref().map(|c| c.id.as_str());
    match state
        .store
        .save::<Item>(tenant_id, id, &item, &save, &audit)
        .await?
    {
        Saved::Version { id, .. } => Ok(Redirect::to(
            &urls(allowed).at(&format!("/rediger/innhold/{id}?lagret=1")),
        )
        .into_response()),
        Saved::SlugTaken => {
            let problems = vec![input::field_problem(
                tr,
                "slug",
                None,
                &rules::FieldProblem::SlugTaken,
            )];
            let html = item_form(state, view(current, input, problems, None)).await?;
            Ok(form_with_problems(html))
        }
        Saved::Conflict(newer) => {
            let conflict = conflict_of(tr, &newer, &item);
            // The form keeps what this editor wrote; saving it now replaces the newer
            // version, which stays in the history.
            let mut input = input;
            input.base = newer.head.to_string();
            // 409, so that scripts and tests see the save did not happen.
            let html =
                item_form(state, view(Some(*newer), input, Vec::new(), Some(conflict))).await?;
            Ok(page_with_status(StatusCode::CONFLICT, html))
        }
    }
}

// ---------------------------------------------------------------------------
// Preview, publish, unpublish, delete

pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let current = current::<Item>(&state, &allowed, &id).await?;
    let published = &allowed.tenant;
    let mut model = published.model.clone();
    model.items.retain(|i| i.slug != current.object.slug);
    model.items.push(current.object.clone());
    model.items.sort_by(|a, b| a.slug.cmp(&b.slug));
    let draft = saman_store::Published {
        record: published.record.clone(),
        model,
    };
    let back = urls(&allowed).at(&format!("/rediger/innhold/{id}"));
    super::item::item_page(&draft, &current.object, allowed.lang, &ctx, Some(back))
}
