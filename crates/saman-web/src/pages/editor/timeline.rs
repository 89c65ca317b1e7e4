//! The timeline's editor: news of the model's development, one entry at a time, in both
//! languages, each save a version like any other object's.

use super::input::{field_problem, lang_index, located};
use super::objects::{EditQuery, Editable, StatusBox, conflict_of, current, editor_href};
use super::{Conflict, Editor, TextField, audit_context, render, urls};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::csrf::check_token;
use crate::error::{WebError, form_with_problems, page_with_status};
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::history::{self, Field};
use saman_domain::rules::{self, FieldProblem, ModelProblem};
use saman_domain::*;
use saman_store::{Change, ItemState, Save, Saved, TimelineState};

impl Editable for TimelineEntry {
    const SEGMENT: &'static str = "tidslinje";

    fn title(&self, lang: Lang) -> String {
        self.text
            .pick(lang)
            .map_or_else(|| self.slug.clone(), |p| p.value.title.clone())
    }

    fn fields(&self) -> Vec<Field> {
        history::timeline_fields(self)
    }

    fn check_restored(
        &self,
        tenant: &Tenant,
        _items: &[ItemState],
        _id: &str,
    ) -> Vec<ModelProblem> {
        check(self, tenant)
    }

    async fn restored_with_problems(
        _state: &AppState,
        allowed: &Editor,
        ctx: &Ctx,
        current: TimelineState,
        restored: TimelineEntry,
        problems: Vec<ModelProblem>,
    ) -> Result<Html<String>, WebError> {
        let tr = Tr::new(allowed.lang);
        let located = problems.iter().map(|p| located(tr, p)).collect();
        let input = EntryInput::of(&restored, current.head);
        entry_form(allowed, ctx, Some(current), input, located, None, None)
    }
}

/// The model's rules for an entry, with its text in the tenant's default language.
fn check(entry: &TimelineEntry, tenant: &Tenant) -> Vec<ModelProblem> {
    let mut problems = Vec::new();
    rules::check_timeline(entry, &mut problems);
    if entry.text.get(tenant.default_lang).is_none() {
        problems.push(ModelProblem {
            place: rules::Place::Timeline(entry.slug.clone()),
            lang: Some(tenant.default_lang),
            field: "title",
            problem: FieldProblem::MissingDefaultLanguage,
        });
    }
    problems
}

/// The entry form as sent, kept as typed.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub slug: String,
    pub date: String,
    pub title: [String; 2],
    pub body: [String; 2],
    pub base: String,
    pub comment: String,
    pub csrf: String,
}

impl EntryInput {
    fn of(entry: &TimelineEntry, base: i64) -> EntryInput {
        let mut input = EntryInput {
            slug: entry.slug.clone(),
            date: format_iso_date(entry.date),
            base: base.to_string(),
            ..EntryInput::default()
        };
        for lang in Lang::ALL {
            if let Some(t) = entry.text.get(lang) {
                input.title[lang_index(lang)] = t.title.clone();
                input.body[lang_index(lang)] = t.body.clone();
            }
        }
        input
    }

    fn parse(body: &[u8]) -> EntryInput {
        let mut input = EntryInput::default();
        for (key, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "slug" => input.slug = value.trim().to_string(),
                "date" => input.date = value.trim().to_string(),
                "base" => input.base = value,
                "comment" => input.comment = value,
                "csrf" => input.csrf = value,
                other => {
                    for lang in Lang::ALL {
                        let i = lang_index(lang);
                        if other == format!("title-{lang}") {
                            input.title[i] = value.clone();
                        } else if other == format!("body-{lang}") {
                            input.body[i] = value.replace("\r\n", "\n");
                        }
                    }
                }
            }
        }
        input
    }

    fn to_entry(
        &self,
        tr: Tr,
        tenant: &Tenant,
        current: Option<&TimelineEntry>,
        taken: &[String],
    ) -> Result<TimelineEntry, Vec<(String, String)>> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut push = |field: &str, problem: FieldProblem| {
            problems.push(field_problem(tr, field, None, &problem))
        };
        let slug = match current {
            Some(e) => e.slug.clone(),
            None => {
                if !slug::is_valid(&self.slug) {
                    push("slug", FieldProblem::InvalidSlug);
                } else if taken.contains(&self.slug) {
                    push("slug", FieldProblem::SlugTaken);
                }
                self.slug.clone()
            }
        };
        let date = parse_iso_date(&self.date).unwrap_or_else(|| {
            push("date", FieldProblem::NotADate);
            time::Date::MIN
        });
        let mut text = ByLang::default();
        for lang in Lang::ALL {
            let i = lang_index(lang);
            if !self.title[i].trim().is_empty() || !self.body[i].trim().is_empty() {
                text.set(
                    lang,
                    TimelineText {
                        title: self.title[i].trim().to_string(),
                        body: self.body[i].trim_end().to_string(),
                    },
                );
            }
        }
        let entry = TimelineEntry {
            slug,
            date,
            status: Status::Draft,
            text,
        };
        problems.extend(check(&entry, tenant).iter().map(|p| located(tr, p)));
        problems.extend(super::input::comment_problem(tr, &self.comment));
        if problems.is_empty() {
            Ok(entry)
        } else {
            Err(problems)
        }
    }
}

pub struct EntryColumn {
    pub code: &'static str,
    pub name: String,
    pub missing: bool,
    pub fields: Vec<TextField>,
}

#[derive(Template)]
#[template(path = "editor_timeline.html")]
struct EntryPage {
    chrome: Chrome,
    heading: String,
    action: String,
    csrf: String,
    is_new: bool,
    input: EntryInput,
    problems: Vec<(String, String)>,
    columns: Vec<EntryColumn>,
    status_box: Option<StatusBox>,
    message: Option<String>,
    conflict: Option<Conflict>,
}

impl EntryPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn entry_form(
    allowed: &Editor,
    ctx: &Ctx,
    state: Option<TimelineState>,
    input: EntryInput,
    problems: Vec<(String, String)>,
    message: Option<String>,
    conflict: Option<Conflict>,
) -> Result<Html<String>, WebError> {
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let urls = urls(allowed);
    let problem_of = |id: &str| {
        problems
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, m)| m.clone())
    };
    let columns = Lang::ALL
        .iter()
        .enumerate()
        .map(|(i, l)| EntryColumn {
            code: l.code(),
            name: tr.t(&format!("lang-{l}")),
            missing: input.title[i].trim().is_empty(),
            fields: [
                ("title", &input.title[i], 1, None),
                ("body", &input.body[i], 8, Some(tr.t("editor-body-hint"))),
            ]
            .into_iter()
            .map(|(name, value, rows, hint)| {
                let id = format!("{name}-{l}");
                TextField {
                    label: tr.t(&format!("field-{name}")),
                    value: value.clone(),
                    hint,
                    problem: problem_of(&id),
                    rows,
                    preview_label: super::markdown_preview(tr, name, *l),
                    id,
                }
            })
            .collect(),
        })
        .collect();
    let (heading, action, status_box) = match &state {
        Some(s) => (
            s.object.title(lang),
            editor_href::<TimelineEntry>(allowed, &s.id),
            Some(StatusBox::of(
                tr,
                &urls,
                s,
                urls.at(&format!("/tidslinje#{}", s.object.slug)),
            )),
        ),
        None => (
            tr.t("editor-new-entry-title"),
            urls.at("/rediger/tidslinje/ny"),
            None,
        ),
    };
    render(EntryPage {
        chrome: Chrome::tenant(lang, heading.clone(), ctx, &allowed.tenant.record, ""),
        heading,
        action,
        csrf: allowed.user.session.csrf_token.clone(),
        is_new: state.is_none(),
        columns,
        status_box,
        input,
        problems,
        message,
        conflict,
    })
}

pub async fn new_form(ctx: Ctx, allowed: Editor) -> Result<Html<String>, WebError> {
    let input = EntryInput {
        date: format_iso_date(saman_store::clock::today()),
        ..EntryInput::default()
    };
    entry_form(&allowed, &ctx, None, input, Vec::new(), None, None)
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Query(query): Query<EditQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let current = current::<TimelineEntry>(&state, &allowed, &id).await?;
    let message = query.message(tr);
    let input = EntryInput::of(&current.object, current.head);
    entry_form(
        &allowed,
        &ctx,
        Some(current),
        input,
        Vec::new(),
        message,
        None,
    )
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = EntryInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    save_input(&state, &ctx, address, &allowed, None, input).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = EntryInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    let current = current::<TimelineEntry>(&state, &allowed, &id).await?;
    save_input(&state, &ctx, address, &allowed, Some(current), input).await
}

async fn save_input(
    state: &AppState,
    ctx: &Ctx,
    address: String,
    allowed: &Editor,
    current: Option<TimelineState>,
    input: EntryInput,
) -> Result<Response, WebError> {
    let tr = Tr::new(allowed.lang);
    let tenant_id = &allowed.tenant.record.id;
    let taken: Vec<String> = state
        .store
        .editable::<TimelineEntry>(tenant_id)
        .await?
        .into_iter()
        .map(|e| e.object.slug)
        .collect();
    let entry = match input.to_entry(
        tr,
        &allowed.tenant.record.tenant,
        current.as_ref().map(|c| &c.object),
        &taken,
    ) {
        Ok(entry) => entry,
        Err(problems) => {
            let html = entry_form(allowed, ctx, current, input, problems, None, None)?;
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
        .save::<TimelineEntry>(tenant_id, id, &entry, &save, &audit)
        .await?
    {
        Saved::Version { id, .. } => Ok(Redirect::to(&format!(
            "{}?lagret=1",
            editor_href::<TimelineEntry>(allowed, &id)
        ))
        .into_response()),
        Saved::SlugTaken => {
            let problems = vec![field_problem(tr, "slug", None, &FieldProblem::SlugTaken)];
            let html = entry_form(allowed, ctx, current, input, problems, None, None)?;
            Ok(form_with_problems(html))
        }
        Saved::Conflict(newer) => {
            let conflict = conflict_of(tr, &newer, &entry);
            let mut input = input;
            input.base = newer.head.to_string();
            let html = entry_form(
                allowed,
                ctx,
                Some(*newer),
                input,
                Vec::new(),
                None,
                Some(conflict),
            )?;
            Ok(page_with_status(StatusCode::CONFLICT, html))
        }
    }
}

/// The timeline page with the draft in it, as the public will see it.
pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let current = current::<TimelineEntry>(&state, &allowed, &id).await?;
    let published = &allowed.tenant;
    let mut model = published.model.clone();
    model.timeline.retain(|e| e.slug != current.object.slug);
    model.timeline.push(current.object.clone());
    let draft = saman_store::Published {
        record: published.record.clone(),
        model,
    };
    let back = editor_href::<TimelineEntry>(&allowed, &id);
    super::super::tenant::timeline_page(&draft, allowed.lang, &ctx, Some(back))
}
