//! Demo mode only: the outbox as a page, so a newcomer without a mail server can open
//! the invitation they just sent. Never routed outside demo mode.

use super::{parse_lang, render};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

pub struct MailView {
    pub to: String,
    pub subject: String,
    pub created: String,
    pub status: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "demo_mail.html")]
struct DemoMailPage {
    chrome: Chrome,
    mails: Vec<MailView>,
}

pub async fn mail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(lang): Path<String>,
) -> Result<Html<String>, WebError> {
    if !state.config.demo {
        return Err(WebError::NotFound);
    }
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let mails = state
        .store
        .outbox(50)
        .await?
        .into_iter()
        .map(|m| MailView {
            to: m.mail.to,
            subject: m.mail.subject,
            created: tr.date_time(&m.created_at),
            status: match m.sent_at {
                Some(at) => tr.t1("demo-mail-sent", "at", tr.date_time(&at)),
                None => tr.t("demo-mail-waiting"),
            },
            text: m.mail.text,
        })
        .collect();
    let mut chrome = Chrome::platform(
        lang,
        tr.t("demo-mail-title"),
        ctx.text_size,
        &ctx.path,
        None,
    );
    chrome.user = ctx.user.clone();
    render(DemoMailPage { chrome, mails })
}
