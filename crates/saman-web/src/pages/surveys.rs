//! Answering a survey: a family member offered the user survey when a log closed, or a
//! member of staff the year's staff survey. The form asks each question in the reader's
//! language; every question may be skipped. Nobody else sees the page (404).

use crate::AppState;
use crate::auth::access::{Allowed, CanEnterTenant};
use crate::auth::csrf::{check_token, token_in};
use crate::error::{WebError, form_with_problems};
use crate::i18n::Tr;
use crate::pages::render;
use crate::urls::TenantUrls;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use saman_domain::access::Role;
use saman_domain::evaluation::survey::{Answer, MAX_ANSWER, QuestionKind, Respondent, Survey};
use saman_store::{SurveyAnswerer, SurveyRecord, clock};

type Person = Allowed<CanEnterTenant>;

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct QuestionView {
    pub key: String,
    pub text: String,
    /// Radio buttons for a closed question; none for free text.
    pub options: Vec<OptionView>,
    pub typed: String,
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    chrome: Chrome,
    title: String,
    intro: String,
    action: String,
    csrf: String,
    max_answer: usize,
    questions: Vec<QuestionView>,
    problems: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct ThanksPage {
    chrome: Chrome,
    heading: String,
    body: String,
    link: Option<(String, String)>,
}

/// The open surveys this person may answer, with the group they answer as.
pub async fn to_answer(
    state: &AppState,
    person: &Person,
) -> Result<Vec<(SurveyRecord, Respondent)>, WebError> {
    let tenant = &person.tenant.record.id;
    let roles: Vec<Role> = person.user.actor.roles_in(Some(tenant.as_str())).collect();
    let pid_key = if roles.iter().any(|r| r.is_family()) {
        state.store.account_pid_key(&person.user.account.id).await?
    } else {
        None
    };
    let staff = roles
        .iter()
        .any(|r| matches!(r, Role::Employee | Role::ServiceLeader))
        .then_some(person.user.account.id.as_str());
    Ok(state
        .store
        .surveys_to_answer(tenant, pid_key.as_deref(), staff, clock::today())
        .await?)
}

/// The label of a closed question's option.
pub(crate) fn option_label(tr: Tr, survey: &Survey, question: usize, option: &str) -> String {
    let lang = tr.lang;
    let q = &survey.questions[question];
    match q.kind {
        QuestionKind::Scale => tr.t(&format!("survey-scale-{option}")),
        QuestionKind::YesNo => tr.t(&format!("survey-{option}")),
        QuestionKind::Choice => option
            .parse::<usize>()
            .ok()
            .and_then(|n| q.options.get(n.wrapping_sub(1)))
            .map(|o| o.get(lang).to_string())
            .unwrap_or_default(),
        QuestionKind::Text => String::new(),
    }
}

fn questions(
    tr: Tr,
    survey: &Survey,
    form: &[(String, String)],
    problems: &[String],
) -> Vec<QuestionView> {
    let lang = tr.lang;
    survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let typed = form
                .iter()
                .find(|(k, _)| k.strip_prefix("q-") == Some(q.key.as_str()))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            QuestionView {
                key: q.key.clone(),
                text: q.text.get(lang).to_string(),
                options: q
                    .option_keys()
                    .into_iter()
                    .map(|o| OptionView {
                        label: option_label(tr, survey, i, &o),
                        checked: typed == o,
                        value: o,
                    })
                    .collect(),
                problem: problems
                    .contains(&q.key)
                    .then(|| tr.t1("survey-problem-long", "max", MAX_ANSWER)),
                typed,
            }
        })
        .collect()
}

async fn find(
    state: &AppState,
    person: &Person,
    id: &str,
) -> Result<(SurveyRecord, Respondent), WebError> {
    to_answer(state, person)
        .await?
        .into_iter()
        .find(|(r, _)| r.id == id)
        .ok_or(WebError::NotFound)
}

fn page_of(
    person: &Person,
    ctx: &Ctx,
    record: &SurveyRecord,
    form: &[(String, String)],
    problems: &[String],
) -> Result<Html<String>, WebError> {
    let lang = person.lang;
    let tr = Tr::new(lang);
    let survey = &record.survey;
    let urls = TenantUrls::new(lang, &person.tenant.record.tenant.slug);
    let questions = questions(tr, survey, form, problems);
    render(SurveyPage {
        chrome: Chrome::tenant(
            lang,
            survey.title.get(lang).to_string(),
            ctx,
            &person.tenant.record,
            "",
        ),
        title: survey.title.get(lang).to_string(),
        intro: survey.intro.get(lang).to_string(),
        action: urls.at(&format!("/undersokelse/{}", record.id)),
        csrf: person.user.session.csrf_token.clone(),
        max_answer: MAX_ANSWER,
        problems: questions
            .iter()
            .filter_map(|q| q.problem.clone().map(|p| (format!("q-{}", q.key), p)))
            .collect(),
        questions,
    })
}

pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    person: Person,
    Path((_, _, id)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let (record, _) = find(&state, &person, &id).await?;
    page_of(&person, &ctx, &record, &[], &[])
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    person: Person,
    Path((_, _, id)): Path<(String, String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    check_token(&person.user.session.csrf_token, token_in(&form))?;
    let (record, respondent) = find(&state, &person, &id).await?;
    let answer = match Answer::read(&record.survey, &form) {
        Ok(answer) => answer,
        Err(problems) => {
            return Ok(form_with_problems(page_of(
                &person, &ctx, &record, &form, &problems,
            )?));
        }
    };
    let pid_key = state.store.account_pid_key(&person.user.account.id).await?;
    let answerer = match (respondent, pid_key.as_deref()) {
        (Respondent::Staff, _) => SurveyAnswerer::Staff {
            account_id: &person.user.account.id,
        },
        (_, Some(pid_key)) => SurveyAnswerer::Family { pid_key },
        (_, None) => return Err(WebError::NotFound),
    };
    let tenant = &person.tenant.record.id;
    if !state
        .store
        .record_answer(tenant, &record.id, answerer, &answer, clock::today())
        .await?
    {
        return Err(WebError::NotFound);
    }
    let lang = person.lang;
    let tr = Tr::new(lang);
    let urls = TenantUrls::new(lang, &person.tenant.record.tenant.slug);
    Ok(render(ThanksPage {
        chrome: Chrome::tenant(lang, tr.t("survey-thanks"), &ctx, &person.tenant.record, ""),
        heading: tr.t("survey-thanks"),
        body: tr.t("survey-thanks-body"),
        link: Some((urls.at("/start"), tr.t("survey-back"))),
    })?
    .into_response())
}
