//! The forms' wording: a tenant words the texts of the fillable forms (title, intro,
//! labels, hints, options) in its own way, in both languages. A text left empty is
//! Saman's; the wording is a versioned object like any other, and the forms and their
//! PDFs use it once it is published.

use super::input::problem_text;
use super::objects::{EditQuery, Editable, StatusBox, conflict_of, current, editor_href};
use super::{Conflict, Editor, TextField, audit_context, render, urls};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::csrf::check_token;
use crate::error::{WebError, form_with_problems, page_with_status};
use crate::i18n::Tr;
use crate::pages::forms::{Wording, describe, in_lang, role_label, saman_text};
use crate::urls::TenantUrls;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::forms::{self, FORMS, Form};
use saman_domain::history::{self, Field};
use saman_domain::rules::{self, ModelProblem};
use saman_domain::*;
use saman_store::{Change, FormState, ItemState, Save, Saved};
use serde::Deserialize;
use std::collections::BTreeMap;

impl Editable for FormWording {
    const SEGMENT: &'static str = "skjema";

    fn title(&self, lang: Lang) -> String {
        match forms::form(&self.form) {
            Some(form) => {
                Wording::of(Tr::new(lang), form, std::slice::from_ref(self)).text("title")
            }
            None => self.form.clone(),
        }
    }

    fn fields(&self) -> Vec<Field> {
        history::form_wording_fields(self)
    }

    fn field_label(&self, tr: Tr, name: &str, lang: Option<Lang>) -> String {
        let label = forms::form(&self.form)
            .and_then(|form| Some(describe(tr, form, form.text(name)?)))
            .unwrap_or_else(|| name.to_string());
        match lang {
            Some(lang) => in_lang(tr, &label, lang),
            None => label,
        }
    }

    fn check_restored(
        &self,
        _tenant: &Tenant,
        _items: &[ItemState],
        _id: &str,
    ) -> Vec<ModelProblem> {
        let mut problems = Vec::new();
        rules::check_form_wording(self, &mut problems);
        problems
    }

    async fn restored_with_problems(
        _state: &AppState,
        allowed: &Editor,
        ctx: &Ctx,
        current: FormState,
        restored: FormWording,
        problems: Vec<ModelProblem>,
    ) -> Result<Html<String>, WebError> {
        let tr = Tr::new(allowed.lang);
        let form = form_of(&current.object)?;
        let located = problems.iter().map(|p| locate(tr, form, p)).collect();
        let input = WordingInput::of(&restored, current.head);
        wording_form(
            allowed,
            ctx,
            form,
            Some(current),
            input,
            located,
            None,
            None,
        )
    }
}

fn form_of(wording: &FormWording) -> Result<&'static Form, WebError> {
    forms::form(&wording.form).ok_or(WebError::NotFound)
}

/// A problem as (field id, "What (language): what is wrong").
fn locate(tr: Tr, form: &Form, problem: &ModelProblem) -> (String, String) {
    let lang = problem.lang.unwrap_or(tr.lang);
    let label = match form.text(problem.field) {
        Some(text) => describe(tr, form, text),
        None => problem.field.to_string(),
    };
    (
        field_id(problem.field, lang),
        format!(
            "{}: {}",
            in_lang(tr, &label, lang),
            problem_text(tr, &problem.problem)
        ),
    )
}

/// The input of a text in a language; also its name in the form.
fn field_id(key: &str, lang: Lang) -> String {
    format!("t-{key}-{lang}")
}

/// A form's row in the editor's list: its wording if it has one, else a link to start
/// one.
pub struct FormRow {
    pub href: String,
    pub title: String,
    pub status: String,
}

pub fn form_rows(tr: Tr, urls: &TenantUrls, wordings: &[FormState]) -> Vec<FormRow> {
    FORMS
        .iter()
        .map(
            |form| match wordings.iter().find(|w| w.object.form == form.key) {
                Some(w) => FormRow {
                    href: editor_href_of(urls, &w.id),
                    title: w.object.title(tr.lang),
                    status: super::objects::status_text(tr, w),
                },
                None => FormRow {
                    href: urls.at(&format!("/rediger/skjema/ny?skjema={}", form.key)),
                    title: Wording::of(tr, form, &[]).text("title"),
                    status: tr.t("editor-form-saman-wording"),
                },
            },
        )
        .collect()
}

fn editor_href_of(urls: &TenantUrls, id: &str) -> String {
    super::objects::editor_href_in::<FormWording>(urls, id)
}

/// The wording form as sent, kept as typed.
#[derive(Debug, Clone, Default)]
pub struct WordingInput {
    pub form: String,
    /// Per language (in `Lang::ALL` order): text key to text as typed.
    pub texts: [BTreeMap<String, String>; 2],
    pub base: String,
    pub comment: String,
    pub csrf: String,
}

impl WordingInput {
    fn of(wording: &FormWording, base: i64) -> WordingInput {
        let mut input = WordingInput {
            form: wording.form.clone(),
            base: base.to_string(),
            ..WordingInput::default()
        };
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            if let Some(texts) = wording.text.get(lang) {
                input.texts[i] = texts.clone();
            }
        }
        input
    }

    fn parse(body: &[u8]) -> WordingInput {
        let mut input = WordingInput::default();
        for (key, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "form" => input.form = value,
                "base" => input.base = value,
                "comment" => input.comment = value,
                "csrf" => input.csrf = value,
                other => {
                    let Some(rest) = other.strip_prefix("t-") else {
                        continue;
                    };
                    for (i, lang) in Lang::ALL.into_iter().enumerate() {
                        if let Some(text_key) = rest.strip_suffix(&format!("-{lang}")) {
                            input.texts[i]
                                .insert(text_key.to_string(), value.replace("\r\n", "\n"));
                        }
                    }
                }
            }
        }
        input
    }

    fn value(&self, key: &str, lang: Lang) -> String {
        let i = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        self.texts[i].get(key).cloned().unwrap_or_default()
    }

    /// The wording, with every text left empty dropped (Saman's is used), or the
    /// problems found.
    fn to_wording(&self, tr: Tr, form: &Form) -> Result<FormWording, Vec<(String, String)>> {
        let mut text = ByLang::default();
        for lang in Lang::ALL {
            let own: BTreeMap<String, String> = form
                .texts()
                .iter()
                .filter_map(|t| {
                    let value = self.value(&t.key, lang);
                    let value = value.trim();
                    (!value.is_empty()).then(|| (t.key.clone(), value.to_string()))
                })
                .collect();
            if !own.is_empty() {
                text.set(lang, own);
            }
        }
        let wording = FormWording {
            form: form.key.to_string(),
            status: Status::Draft,
            text,
        };
        let mut problems = Vec::new();
        rules::check_form_wording(&wording, &mut problems);
        let mut located: Vec<(String, String)> =
            problems.iter().map(|p| locate(tr, form, p)).collect();
        located.extend(super::input::comment_problem(tr, &self.comment));
        if located.is_empty() {
            Ok(wording)
        } else {
            Err(located)
        }
    }
}

/// The texts of one part of the form (the form itself, or a field), each in both
/// languages.
pub struct TextGroup {
    pub legend: String,
    /// Per text, its field in each language with the language's code.
    pub rows: Vec<Vec<(&'static str, TextField)>>,
}

#[derive(Template)]
#[template(path = "editor_form.html")]
struct WordingPage {
    chrome: Chrome,
    heading: String,
    action: String,
    csrf: String,
    input: WordingInput,
    problems: Vec<(String, String)>,
    groups: Vec<TextGroup>,
    status_box: Option<StatusBox>,
    message: Option<String>,
    conflict: Option<Conflict>,
}

#[allow(clippy::too_many_arguments)]
fn wording_form(
    allowed: &Editor,
    ctx: &Ctx,
    form: &'static Form,
    state: Option<FormState>,
    input: WordingInput,
    problems: Vec<(String, String)>,
    message: Option<String>,
    conflict: Option<Conflict>,
) -> Result<Html<String>, WebError> {
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let urls = urls(allowed);
    let mut groups: Vec<TextGroup> = Vec::new();
    for text in form.texts() {
        let legend = match text.field {
            Some(field) => tr.t(&format!("field-{}-{field}", form.key)),
            None => tr.t("editor-form-whole"),
        };
        if groups.last().is_none_or(|g| g.legend != legend) {
            groups.push(TextGroup {
                legend,
                rows: Vec::new(),
            });
        }
        let role = role_label(tr, form, text);
        let row = Lang::ALL
            .into_iter()
            .map(|l| {
                let id = field_id(&text.key, l);
                let hint = match saman_text(Tr::new(l), form, text) {
                    Some(saman) => tr.t1("editor-form-saman-text", "text", saman),
                    None => tr.t("editor-form-no-saman-text"),
                };
                let field = TextField {
                    label: in_lang(tr, &role, l),
                    value: input.value(&text.key, l),
                    hint: Some(hint),
                    problem: problems
                        .iter()
                        .find(|(f, _)| *f == id)
                        .map(|(_, m)| m.clone()),
                    rows: if text.role.is_line() { 1 } else { 3 },
                    preview_label: None,
                    id,
                };
                (l.code(), field)
            })
            .collect();
        if let Some(group) = groups.last_mut() {
            group.rows.push(row);
        }
    }
    let (heading, action, status_box) = match &state {
        Some(s) => (
            s.object.title(lang),
            editor_href::<FormWording>(allowed, &s.id),
            Some(StatusBox::of(tr, &urls, s, urls.form(form.key))),
        ),
        None => (
            Wording::of(tr, form, &[]).text("title"),
            urls.at("/rediger/skjema/ny"),
            None,
        ),
    };
    render(WordingPage {
        chrome: Chrome::tenant(lang, heading.clone(), ctx, &allowed.tenant.record, ""),
        heading,
        action,
        csrf: allowed.user.session.csrf_token.clone(),
        input,
        problems,
        groups,
        status_box,
        message,
        conflict,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    skjema: String,
}

/// A new wording of a form: Saman's texts shown, nothing yet the tenant's own.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Query(query): Query<NewQuery>,
) -> Result<Response, WebError> {
    let form = forms::form(&query.skjema).ok_or(WebError::NotFound)?;
    if let Some(existing) = existing(&state, &allowed, form).await? {
        return Ok(
            Redirect::to(&editor_href::<FormWording>(&allowed, &existing.id)).into_response(),
        );
    }
    let input = WordingInput {
        form: form.key.to_string(),
        ..WordingInput::default()
    };
    Ok(wording_form(&allowed, &ctx, form, None, input, Vec::new(), None, None)?.into_response())
}

/// The tenant's wording of `form`, if it has one.
async fn existing(
    state: &AppState,
    allowed: &Editor,
    form: &Form,
) -> Result<Option<FormState>, WebError> {
    Ok(state
        .store
        .editable::<FormWording>(&allowed.tenant.record.id)
        .await?
        .into_iter()
        .find(|w| w.object.form == form.key))
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Query(query): Query<EditQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let current = current::<FormWording>(&state, &allowed, &id).await?;
    let form = form_of(&current.object)?;
    let input = WordingInput::of(&current.object, current.head);
    let message = query.message(tr);
    wording_form(
        &allowed,
        &ctx,
        form,
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
    let input = WordingInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    let form = forms::form(&input.form).ok_or(WebError::NotFound)?;
    save_input(&state, &ctx, address, &allowed, form, None, input).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = WordingInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    let current = current::<FormWording>(&state, &allowed, &id).await?;
    let form = form_of(&current.object)?;
    save_input(&state, &ctx, address, &allowed, form, Some(current), input).await
}

async fn save_input(
    state: &AppState,
    ctx: &Ctx,
    address: String,
    allowed: &Editor,
    form: &'static Form,
    current: Option<FormState>,
    input: WordingInput,
) -> Result<Response, WebError> {
    let tr = Tr::new(allowed.lang);
    let wording = match input.to_wording(tr, form) {
        Ok(wording) => wording,
        Err(problems) => {
            let html = wording_form(allowed, ctx, form, current, input, problems, None, None)?;
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
        .save::<FormWording>(&allowed.tenant.record.id, id, &wording, &save, &audit)
        .await?
    {
        Saved::Version { id, .. } => Ok(Redirect::to(&format!(
            "{}?lagret=1",
            editor_href::<FormWording>(allowed, &id)
        ))
        .into_response()),
        // Someone started the form's wording meanwhile: theirs is shown, to work on.
        Saved::SlugTaken => match existing(state, allowed, form).await? {
            Some(theirs) => Ok(Redirect::to(&format!(
                "{}?nyere=1",
                editor_href::<FormWording>(allowed, &theirs.id)
            ))
            .into_response()),
            None => Err(WebError::NotFound),
        },
        Saved::Conflict(newer) => {
            let conflict = conflict_of(tr, &newer, &wording);
            let mut input = input;
            input.base = newer.head.to_string();
            let html = wording_form(
                allowed,
                ctx,
                form,
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

/// The form with the draft wording, exactly as the public will see it.
pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let current = current::<FormWording>(&state, &allowed, &id).await?;
    let form = form_of(&current.object)?;
    let back = editor_href::<FormWording>(&allowed, &id);
    crate::pages::forms::page(
        &allowed.tenant,
        std::slice::from_ref(&current.object),
        allowed.lang,
        &ctx,
        form,
        None,
        Some(back),
    )
    .await
}
