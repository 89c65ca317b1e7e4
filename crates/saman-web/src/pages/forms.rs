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
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use saman_domain::forms::{self, Answer, FORMS, FieldError, FieldKind};
use std::collections::HashMap;

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
            (
                crate::urls::TenantUrls::new(lang, &slug).form(f.key),
                tr.t(&format!("form-{}-title", f.key)),
                tr.t(&format!("form-{}-intro", f.key)),
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
    page(state, ctx, lang, slug, key, None).await
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    Path((lang, slug, key)): Path<(String, String, String)>,
    Form(input): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    // Typesetting is the heaviest thing a visitor can ask for: a limit per address.
    limits::check_and_count(&state, &[(limits::PDF_PER_ADDRESS, address.as_str())]).await?;
    page(state, ctx, lang, slug, key, Some(input)).await
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

async fn page(
    state: AppState,
    ctx: Ctx,
    lang: String,
    slug: String,
    key: String,
    input: Option<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let form = forms::form(&key).ok_or(WebError::NotFound)?;
    let published = find_tenant(&state, &slug).await?;
    let tenant = &published.record.tenant;
    let title = tr.t(&format!("form-{key}-title"));
    let label = |field: &str| tr.t(&format!("field-{key}-{field}"));

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
                    intro: tr.t(&format!("form-{key}-intro")),
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
                                    tr.t(&format!("field-{key}-{}-{option}", f.key))
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
                hint: tr
                    .maybe(&format!("field-{key}-{}-hint", f.key))
                    .or_else(|| (f.kind == FieldKind::Date).then(|| tr.t("form-date-format"))),
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
                            label: tr.t(&format!("field-{key}-{}-{o}", f.key)),
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
        chrome: Chrome::tenant(lang, title.clone(), &ctx, &published.record, ""),
        intro: tr.t(&format!("form-{key}-intro")),
        action: crate::urls::TenantUrls::new(lang, &tenant.slug).form(&key),
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
