//! "I am worried about a child": one question per page, plain forms, no JavaScript.
//! The answers travel in the form (POST), so nothing is stored on the server and
//! nothing reaches the address, the logs or the browser history.

use super::guide::{
    LevelView, StepLink, guide_href, guide_title, level_views, ordered_guides, step_link,
};
use super::{find_tenant, parse_lang, render};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Html;
use saman_domain::worry::{Answers, Next, Outcome, Question, next};
use saman_domain::{Guide, Tenant};
use serde::Deserialize;

pub struct Choice {
    pub value: String,
    pub label: String,
    pub id: String,
}

pub struct ResultView {
    pub heading: String,
    pub text: String,
    pub alarm: bool,
    pub level: Option<LevelView>,
    pub steps: Vec<StepLink>,
    pub links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "worry.html")]
struct WorryPage {
    chrome: Chrome,
    action: String,
    answers: String,
    question_key: &'static str,
    question: String,
    hint: String,
    choices: Vec<Choice>,
    error: Option<String>,
    result: Option<ResultView>,
    step_number: usize,
}

#[derive(Deserialize, Default)]
pub struct WorryForm {
    #[serde(default)]
    svar: String,
    #[serde(default)]
    sporsmal: String,
    #[serde(default)]
    valg: String,
    #[serde(default)]
    handling: String,
}

pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    answer(
        State(state),
        ctx,
        Path((lang, slug)),
        Form(WorryForm::default()),
    )
    .await
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((lang, slug)): Path<(String, String)>,
    Form(form): Form<WorryForm>,
) -> Result<Html<String>, WebError> {
    let lang = parse_lang(&lang)?;
    let tr = Tr::new(lang);
    let published = find_tenant(&state, &slug).await?;
    let tenant = &published.record.tenant;
    let guides = ordered_guides(&published.model.guides);
    let guide_slugs: Vec<String> = guides.iter().map(|g| g.slug.clone()).collect();
    let mut answers = Answers::parse(&form.svar, &guide_slugs);
    let mut error = None;
    if form.handling == "tilbake" {
        answers.back();
    } else if !form.sporsmal.is_empty() {
        let asked = match next(&answers, &guide_slugs) {
            Next::Ask(q) if q.key() == form.sporsmal => Some(q),
            _ => None,
        };
        if let Some(question) = asked
            && !answers.accept(question, &form.valg, &guide_slugs)
        {
            error = Some(tr.t("worry-choose"));
        }
    }
    let mut chrome = Chrome::tenant(lang, tr.t("worry-title"), &ctx, &published.record, "");
    chrome.emergency = true;
    let action = crate::urls::TenantUrls::new(lang, &tenant.slug).worry();
    let step_number = answers.len() + 1;
    let page = match next(&answers, &guide_slugs) {
        Next::Ask(question) => WorryPage {
            question_key: question.key(),
            question: tr.t(&format!("worry-q-{}", question.key())),
            hint: tr.t(&format!("worry-q-{}-hint", question.key())),
            choices: choices(tr, question, &guides),
            error,
            result: None,
            answers: answers.encode(),
            chrome,
            action,
            step_number,
        },
        Next::Done(outcome) => WorryPage {
            question_key: "",
            question: String::new(),
            hint: String::new(),
            choices: Vec::new(),
            error: None,
            result: Some(result(
                tr,
                tenant,
                &published.model.guides,
                &published.model.items,
                outcome,
            )),
            answers: answers.encode(),
            chrome,
            action,
            step_number,
        },
    };
    render(page)
}

fn choices(tr: Tr, question: Question, guides: &[&Guide]) -> Vec<Choice> {
    let choice = |value: String, label: String| Choice {
        id: format!("valg-{value}"),
        value,
        label,
    };
    match question {
        Question::Guide => guides
            .iter()
            .map(|g| choice(g.slug.clone(), guide_title(tr, g).0))
            .collect(),
        q => q
            .fixed_answers()
            .iter()
            .map(|a| choice(a.to_string(), tr.t(&format!("worry-a-{}-{a}", q.key()))))
            .collect(),
    }
}

fn result(
    tr: Tr,
    tenant: &Tenant,
    guides: &[Guide],
    items: &[saman_domain::Item],
    outcome: Outcome,
) -> ResultView {
    let lang = tr.lang;
    let audience = |key: &str| {
        (
            crate::urls::TenantUrls::new(lang, &tenant.slug).audience(key),
            tr.t(&format!("audience-page-{key}")),
        )
    };
    let child_welfare = tenant
        .child_welfare
        .as_deref()
        .and_then(|cw| items.iter().find(|i| i.slug == cw))
        .map(|i| {
            (
                crate::urls::TenantUrls::new(lang, &tenant.slug).item(&i.slug),
                crate::views::item_link(tr, tenant, i).title,
            )
        });
    let guide_of = |slug: &str| guides.iter().find(|g| g.slug == slug);
    let mut view = ResultView {
        heading: String::new(),
        text: String::new(),
        alarm: false,
        level: None,
        steps: Vec::new(),
        links: Vec::new(),
    };
    match outcome {
        Outcome::Emergency => {
            view.heading = tr.t("worry-r-emergency");
            view.text = tr.t("worry-r-emergency-text");
            view.alarm = true;
            view.links.extend(child_welfare);
        }
        Outcome::PrivatePerson => {
            view.heading = tr.t("worry-r-private");
            view.text = tr.t("worry-r-private-text");
            view.links.push(audience("privatpersoner"));
            view.links.extend(child_welfare);
        }
        Outcome::Youth => {
            view.heading = tr.t("worry-r-youth");
            view.text = tr.t("worry-r-youth-text");
            view.links.push(audience("barn-og-unge"));
        }
        Outcome::Violence { guide } => {
            view.heading = tr.t("worry-r-violence");
            view.text = tr.t("worry-r-violence-text");
            view.alarm = true;
            if let Some(g) = guide_of(&guide) {
                view.steps = g
                    .steps
                    .iter()
                    .filter(|s| s.urgent)
                    .map(|s| step_link(tr, tenant, g, s))
                    .collect();
                view.links
                    .push((guide_href(lang, tenant, g), guide_title(tr, g).0));
            }
            view.links.extend(child_welfare);
        }
        Outcome::Level { guide, level } => {
            if let Some(g) = guide_of(&guide) {
                let level_view = level_views(tr, tenant, g).swap_remove(level as usize);
                view.heading = tr.ta(
                    "worry-r-level",
                    [
                        ("level", level.into()),
                        ("name", level_view.name.clone().into()),
                    ],
                );
                view.text = level_view.desc.clone();
                view.links.push((
                    format!("{}#niva-{level}", guide_href(lang, tenant, g)),
                    guide_title(tr, g).0,
                ));
                view.level = Some(level_view);
            }
        }
    }
    view
}
