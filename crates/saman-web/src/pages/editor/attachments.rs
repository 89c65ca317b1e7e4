//! An item's attached files, from the editor: upload one (its type checked by its
//! content, not its name; a refused file says why) or remove one. Each is a new
//! version, a draft like any other edit.

use super::objects::current;
use super::{Editor, FormView, audit_context, item_form, urls};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::csrf::check_token;
use crate::error::{WebError, form_with_problems};
use crate::i18n::Tr;
use crate::views::Ctx;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use saman_domain::rules::{self, FieldProblem};
use saman_domain::*;
use saman_store::{Change, ItemState, Save, Saved};
use serde::Deserialize;

/// The largest upload a request may carry: an attachment at its limit and the fields.
pub const MAX_UPLOAD: usize = rules::limits::ATTACHMENT_BYTES + 64 * 1024;

/// What an upload form sent.
#[derive(Default)]
pub(super) struct Upload {
    pub csrf: String,
    pub base: String,
    pub titles: [String; 2],
    /// Another action the form asks for instead, e.g. removing the file.
    pub remove: bool,
    pub file: Option<(String, Vec<u8>)>,
}

pub(super) async fn read_upload(tr: Tr, mut multipart: Multipart) -> Result<Upload, WebError> {
    let bad = || WebError::BadRequest(tr.t("editor-upload-broken"));
    let mut upload = Upload::default();
    while let Some(part) = multipart.next_field().await.map_err(|_| bad())? {
        let name = part.name().unwrap_or_default().to_string();
        if name == "file" {
            // Only the name, never a path the browser may send with it.
            let file_name = part
                .file_name()
                .unwrap_or_default()
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_string();
            let bytes = part.bytes().await.map_err(|_| bad())?;
            if !file_name.is_empty() || !bytes.is_empty() {
                upload.file = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let value = part.text().await.map_err(|_| bad())?;
        match name.as_str() {
            "csrf" => upload.csrf = value,
            "base" => upload.base = value,
            "fjern" => upload.remove = value == "ja",
            "title-nb" => upload.titles[0] = value.trim().to_string(),
            "title-nn" => upload.titles[1] = value.trim().to_string(),
            _ => {}
        }
    }
    Ok(upload)
}

/// The problems with an upload, as (field id, message).
fn check_upload(tr: Tr, tenant: &Tenant, item: &Item, upload: &Upload) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut push = |field: &str, label: &str, lang: Option<Lang>, problem: FieldProblem| {
        problems.push((
            field.to_string(),
            format!(
                "{}: {}",
                super::input::field_label(tr, label, lang),
                super::input::problem_text(tr, &problem)
            ),
        ))
    };
    match &upload.file {
        None => push(
            "attachment-file",
            "attachment_file",
            None,
            FieldProblem::NoFile,
        ),
        Some((name, bytes)) => {
            if !rules::is_safe_file_name(name) {
                push(
                    "attachment-file",
                    "attachment_file",
                    None,
                    FieldProblem::InvalidFileName,
                );
            } else if item.attachments.iter().any(|a| &a.file.file_name == name) {
                push(
                    "attachment-file",
                    "attachment_file",
                    None,
                    FieldProblem::FileExists,
                );
            } else if let Some(problem) = rules::check_attachment(name, bytes) {
                push("attachment-file", "attachment_file", None, problem);
            }
        }
    }
    if item.attachments.len() >= rules::limits::LIST {
        push(
            "attachment-file",
            "attachments",
            None,
            FieldProblem::TooMany {
                max: rules::limits::LIST,
            },
        );
    }
    for (i, lang) in Lang::ALL.into_iter().enumerate() {
        let title = &upload.titles[i];
        let field = format!("attachment-title-{lang}");
        if title.is_empty() {
            if lang == tenant.default_lang {
                push(&field, "attachment_title", Some(lang), FieldProblem::Empty);
            }
        } else if let Some(problem) = rules::check_line(title, rules::limits::NAME) {
            push(&field, "attachment_title", Some(lang), problem);
        }
    }
    problems
}

/// Saves `item` as the next version after `base`; a newer version saved meanwhile sends
/// the editor back to the item, told so.
async fn save_files(
    state: &AppState,
    allowed: &Editor,
    address: String,
    current: &ItemState,
    base: Option<i64>,
    item: Item,
    comment: &str,
) -> Result<Response, WebError> {
    let save = Save {
        base,
        change: Change::Edit,
        restored_from: None,
        comment: Some(comment),
    };
    let audit = audit_context(allowed, address);
    let saved = state
        .store
        .save::<Item>(
            &allowed.tenant.record.id,
            Some(&current.id),
            &item,
            &save,
            &audit,
        )
        .await?;
    let outcome = match saved {
        Saved::Version { .. } => "lagret=1",
        _ => "nyere=1",
    };
    let to = urls(allowed).at(&format!("/rediger/innhold/{}?{outcome}", current.id));
    Ok(Redirect::to(&to).into_response())
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let tr = Tr::new(allowed.lang);
    let upload = read_upload(tr, multipart).await?;
    check_token(&allowed.user.session.csrf_token, &upload.csrf)?;
    let current = current::<Item>(&state, &allowed, &id).await?;
    let problems = check_upload(tr, &allowed.tenant.record.tenant, &current.object, &upload);
    if !problems.is_empty() {
        let mut input = super::input::ItemInput::of(&current.object, current.head);
        input.attachment_titles = upload.titles.clone();
        let view = FormView {
            problems,
            ..FormView::new(&allowed, &ctx, Some(current), input)
        };
        let html = item_form(&state, view).await?;
        return Ok(form_with_problems(html));
    }
    let Some((file_name, bytes)) = upload.file else {
        return Err(WebError::BadRequest(tr.t("editor-upload-broken")));
    };
    let mut item = current.object.clone();
    let title = |i: usize| Some(upload.titles[i].clone()).filter(|t| !t.is_empty());
    item.attachments.push(Attachment {
        file: FileContent {
            file_name: file_name.clone(),
            bytes,
        },
        title: ByLang {
            nb: title(0),
            nn: title(1),
        },
    });
    let comment = tr.t1("editor-attachment-added", "file", file_name);
    save_files(
        &state,
        &allowed,
        address,
        &current,
        upload.base.parse().ok(),
        item,
        &comment,
    )
    .await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    base: i64,
    file: String,
}

pub async fn remove(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let tr = Tr::new(allowed.lang);
    let current = current::<Item>(&state, &allowed, &id).await?;
    let mut item = current.object.clone();
    let before = item.attachments.len();
    item.attachments.retain(|a| a.file.file_name != form.file);
    if item.attachments.len() == before {
        return Err(WebError::NotFound);
    }
    let comment = tr.t1("editor-attachment-removed", "file", form.file.clone());
    save_files(
        &state,
        &allowed,
        address,
        &current,
        Some(form.base),
        item,
        &comment,
    )
    .await
}
