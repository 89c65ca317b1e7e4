//! Fillable forms that become a PDF. The answers are personal data: they are checked,
//! typeset in memory and streamed back, and never stored, logged or put in an address.

use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::limits;
use crate::error::{KeepBody, WebError};
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form as PostedForm;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use saman_domain::forms::{
    self, Answer, FORMS, Field, FieldError, FieldKind, Form, FormText, TextRole,
};
use saman_domain::{FormWording, Lang};
use saman_store::Published;
use std::collections::{BTreeMap, HashMap};

/// A form's texts as a tenant words them: its own where it has them, else Saman's.
pub struct Wording<'a> {
    tr: Tr,
    form: &'static Form,
    own: Option<&'a BTreeMap<String, String>>,
}

impl<'a> Wording<'a> {
    /// The form in the reader's language, with the tenant's wording among `wordings`.
    pub fn of(tr: Tr, form: &'static Form, wordings: &'a [FormWording]) -> Wording<'a> {
        let own = wordings
            .iter()
            .find(|w| w.form == form.key)
            .and_then(|w| w.text.get(tr.lang));
        Wording { tr, form, own }
    }

    /// The text with this key (see [`FormText::key`]); empty for a hint neither has.
    pub fn text(&self, key: &str) -> String {
        self.own
            .and_then(|own| own.get(key))
            .cloned()
            .or_else(|| {
                let text = self.form.text(key)?;
                saman_text(self.tr, self.form, text)
            })
            .unwrap_or_default()
    }

    /// A field's help: the tenant's or Saman's; for a date, always with its format.
    fn hint(&self, field: &Field) -> Option<String> {
        let key = format!("{}-hint", field.key);
        let hint = self.text(&key);
        let own = self.own.is_some_and(|own| own.contains_key(&key));
        if own && field.kind == FieldKind::Date {
            return Some(format!("{hint} {}", self.tr.t("form-date-format")));
        }
        Some(hint).filter(|h| !h.is_empty())
    }
}

/// Saman's own wording of a text, in `tr`'s language; `None` for a hint it has none of.
pub fn saman_text(tr: Tr, form: &Form, text: &FormText) -> Option<String> {
    let key = text.default_key(form.key);
    match text.role {
        TextRole::Hint => tr.maybe(&key).or_else(|| {
            let field = form.fields.iter().find(|f| Some(f.key) == text.field)?;
            (field.kind == FieldKind::Date).then(|| tr.t("form-date-format"))
        }),
        _ => Some(tr.t(&key)),
    }
}

/// What a text is, for a person: "Tittel", "Barnets navn: hjelpetekst".
pub fn describe(tr: Tr, form: &Form, text: &FormText) -> String {
    let role = role_label(tr, form, text);
    match text.field {
        Some(field) => format!(
            "{}: {}",
            tr.t(&format!("field-{}-{field}", form.key)),
            role.to_lowercase()
        ),
        None => role,
    }
}

/// What a text is within its field: "Ledetekst", "Valget «Ja»".
pub fn role_label(tr: Tr, form: &Form, text: &FormText) -> String {
    match text.role {
        TextRole::Title => tr.t("form-text-title"),
        TextRole::Intro => tr.t("form-text-intro"),
        TextRole::Label => tr.t("form-text-label"),
        TextRole::Hint => tr.t("form-text-hint"),
        TextRole::Option => tr.t1(
            "form-text-option",
            "option",
            saman_text(tr, form, text).unwrap_or_default(),
        ),
    }
}

/// The language a text is shown in, for labels: "Tittel (nynorsk)".
pub fn in_lang(tr: Tr, label: &str, lang: Lang) -> String {
    format!("{label} ({})", tr.t(&format!("lang-{lang}")).to_lowercase())
}

pub struct OptionView {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

pub struct FieldView {
    pub key: &'static str,
    pub id: String,
    pub label: String,
    pub hint: Option<String>,
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
    pub options: Vec<OptionView>,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    chrome: Chrome,
    title: String,
    intro: String,
    action: String,
    fields: Vec<FieldView>,
    errors: Vec<(String, String)>,
    /// On an editor's preview of a draft wording: where the editor goes back to.
    preview_back: Option<String>,
}

#[derive(Template)]
#[template(path = "forms.html")]
struct FormsPage {
    chrome: Chrome,
    forms: Vec<(String, String, String)>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<impl IntoResponse, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let forms = FORMS
        .iter()
        .map(|f| {
            let wording = Wording::of(tr, f, &published.model.forms);
            (
                crate::urls::TenantUrls::new(lang, &slug).form(f.key),
                wording.text("title"),
                wording.text("intro"),
            )
        })
        .collect();
    render(FormsPage {
        chrome: Chrome::tenant(lang, tr.t("forms-title"), &ctx, &published.record, ""),
        forms,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug, key)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let form = forms::form(&key).ok_or(WebError::NotFound)?;
    let published = find_tenant(&state, &slug).await?;
    page(
        &published,
        &published.model.forms,
        lang,
        &ctx,
        form,
        None,
        None,
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    Path((lang, slug, key)): Path<(String, String, String)>,
    PostedForm(input): PostedForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    // Typesetting is the heaviest thing a visitor can ask for: a limit per address.
    limits::check_and_count(&state, &[(limits::PDF_PER_ADDRESS, address.as_str())]).await?;
    let lang = parse_lang(&lang)?;
    let form = forms::form(&key).ok_or(WebError::NotFound)?;
    let published = find_tenant(&state, &slug).await?;
    page(
        &published,
        &published.model.forms,
        lang,
        &ctx,
        form,
        Some(input),
        None,
    )
    .await
}

fn error_text(tr: Tr, label: &str, error: FieldError) -> String {
    match error {
        FieldError::Missing => tr.t1("form-error-missing", "label", label.to_lowercase()),
        FieldError::TooLong(max) => tr.ta(
            "form-error-too-long",
            [("label", label.to_string().into()), ("max", max.into())],
        ),
        FieldError::NotADate => tr.t1("form-error-date", "label", label.to_string()),
        FieldError::NotAnOption => tr.t1("form-error-option", "label", label.to_lowercase()),
    }
}

/// The form in `published`'s wording among `wordings` (for a preview, the draft's):
/// empty, filled with `input` and its errors, or, when `input` is all right, the PDF.
pub async fn page(
    published: &Published,
    wordings: &[FormWording],
    lang: Lang,
    ctx: &Ctx,
    form: &'static Form,
    input: Option<HashMap<String, String>>,
    preview_back: Option<String>,
) -> Result<Response, WebError> {
    let tr = Tr::new(lang);
    let key = form.key;
    let tenant = &published.record.tenant;
    let wording = Wording::of(tr, form, wordings);
    let title = wording.text("title");
    let label = |field: &str| wording.text(field);

    let mut errors: Vec<(&'static str, FieldError)> = Vec::new();
    if let Some(input) = &input {
        match forms::check(form, |k| input.get(k).cloned()) {
            Ok(answers) => {
                let document = saman_pdf::FormDocument {
                    lang: lang.code().into(),
                    title: title.clone(),
                    subtitle: format!(
                        "{} · {}",
                        tenant.name(lang),
                        tr.t1(
                            "form-pdf-made",
                            "date",
                            tr.date(time::OffsetDateTime::now_utc().date())
                        )
                    ),
                    intro: wording.text("intro"),
                    fields: form
                        .fields
                        .iter()
                        .zip(answers)
                        .map(|(f, answer)| {
                            let value = match answer {
                                Answer::Empty => String::new(),
                                Answer::Text(text) => text,
                                Answer::Date(date) => tr.date(date),
                                Answer::Choice(option) => {
                                    wording.text(&format!("{}-{option}", f.key))
                                }
                                Answer::Confirmed => tr.t("form-confirmed"),
                            };
                            (label(f.key), value)
                        })
                        .collect(),
                    signatures: if form.signatures {
                        vec![tr.t("form-sign-place-date"), tr.t("form-sign-signature")]
                    } else {
                        Vec::new()
                    },
                    footer: tr.t("form-pdf-footer"),
                };
                // Typesetting takes a while: keep it off the request threads.
                let pdf = tokio::task::spawn_blocking(move || document.render())
                    .await
                    .map_err(|e| WebError::Internal(format!("pdf task: {e}")))?
                    .map_err(|e| WebError::Internal(e.to_string()))?;
                return Ok((
                    [
                        (header::CONTENT_TYPE, "application/pdf".to_string()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{key}.pdf\""),
                        ),
                        (header::CACHE_CONTROL, "no-store".to_string()),
                    ],
                    pdf,
                )
                    .into_response());
            }
            Err(found) => errors = found,
        }
    }

    let value_of = |field: &str| {
        input
            .as_ref()
            .and_then(|i| i.get(field))
            .cloned()
            .unwrap_or_default()
    };
    let fields: Vec<FieldView> = form
        .fields
        .iter()
        .map(|f| {
            let value = value_of(f.key);
            FieldView {
                key: f.key,
                id: format!("felt-{}", f.key),
                label: label(f.key),
                hint: wording.hint(f),
                kind: match f.kind {
                    FieldKind::Line => "line",
                    FieldKind::Text => "text",
                    FieldKind::Date => "date",
                    FieldKind::Choice(_) => "choice",
                    FieldKind::Confirm => "confirm",
                },
                required: f.required,
                error: errors
                    .iter()
                    .find(|(k, _)| *k == f.key)
                    .map(|(_, e)| error_text(tr, &label(f.key), *e)),
                options: match f.kind {
                    FieldKind::Choice(options) => options
                        .iter()
                        .map(|o| OptionView {
                            value: o,
                            label: wording.text(&format!("{}-{o}", f.key)),
                            checked: value == *o,
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                value,
            }
        })
        .collect();
    let summary = fields
        .iter()
        .filter_map(|f| {
            f.error
                .clone()
                .map(|e| (format!("#{}", first_input_id(f)), e))
        })
        .collect();
    let html = render(FormPage {
        chrome: Chrome::tenant(lang, title.clone(), ctx, &published.record, ""),
        intro: wording.text("intro"),
        action: crate::urls::TenantUrls::new(lang, &tenant.slug).form(key),
        preview_back,
        title,
        fields,
        errors: summary,
    })?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = (status, html).into_response();
    response.extensions_mut().insert(KeepBody);
    Ok(response)
}

/// The element an error summary link moves focus to: the field, or its first option.
fn first_input_id(field: &FieldView) -> String {
    match field.options.first() {
        Some(option) => format!("{}-{}", field.id, option.value),
        None => field.id.clone(),
    }
}
