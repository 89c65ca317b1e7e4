//! The tenant's surveys, for editors: made from Saman's questions, worded in both
//! languages, opened and closed. Once anyone has answered, the questions are fixed (the
//! counts must keep meaning what they meant), and only the state can change.

use super::{Editor, audit_context, render, urls};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::csrf::{check_token, token_in};
use crate::error::{WebError, form_with_problems};
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::evaluation::survey::{
    Bilingual, MAX_QUESTIONS, Question, QuestionKind, Survey, SurveyKind,
};
use saman_store::{SurveyRecord, SurveyState};

/// Empty rows for new questions under the existing ones.
const NEW_ROWS: usize = 2;

pub struct SurveyRow {
    pub href: String,
    pub title: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "editor_surveys.html")]
struct SurveysPage {
    chrome: Chrome,
    csrf: String,
    action: String,
    rows: Vec<SurveyRow>,
}

/// A question's row in the form.
#[derive(Default, Clone)]
pub struct QuestionInput {
    pub key: String,
    pub kind: String,
    pub nb: String,
    pub nn: String,
    pub options_nb: String,
    pub options_nn: String,
}

#[derive(Default)]
pub struct SurveyInput {
    pub title: [String; 2],
    pub intro: [String; 2],
    pub state: String,
    pub questions: Vec<QuestionInput>,
}

#[derive(Template)]
#[template(path = "editor_survey.html")]
struct SurveyPage {
    chrome: Chrome,
    csrf: String,
    action: String,
    list_href: String,
    input: SurveyInput,
    /// Kind keys and labels for the questions' select.
    kinds: Vec<(String, String)>,
    states: Vec<(String, String)>,
    locked: bool,
    problems: Vec<(String, String)>,
}

impl SurveyPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The problem with question `n`'s `part` (`text` or `options`).
    fn question_problem(&self, n: &usize, part: &str) -> Option<&str> {
        self.problem(&format!("q-{n}-{part}"))
    }
}

fn input_of(record: &SurveyRecord) -> SurveyInput {
    let s = &record.survey;
    let lines = |options: &[Bilingual], nb: bool| {
        options
            .iter()
            .map(|o| if nb { o.nb.clone() } else { o.nn.clone() })
            .collect::<Vec<_>>()
            .join("\n")
    };
    SurveyInput {
        title: [s.title.nb.clone(), s.title.nn.clone()],
        intro: [s.intro.nb.clone(), s.intro.nn.clone()],
        state: record.state.key().into(),
        questions: s
            .questions
            .iter()
            .map(|q| QuestionInput {
                key: q.key.clone(),
                kind: q.kind.key().into(),
                nb: q.text.nb.clone(),
                nn: q.text.nn.clone(),
                options_nb: lines(&q.options, true),
                options_nn: lines(&q.options, false),
            })
            .chain(std::iter::repeat_n(QuestionInput::default(), NEW_ROWS))
            .collect(),
    }
}

fn parse(form: &[(String, String)]) -> SurveyInput {
    let mut input = SurveyInput::default();
    let mut rows: Vec<QuestionInput> = Vec::new();
    for (name, value) in form {
        let value = value.replace("\r\n", "\n");
        match name.as_str() {
            "title-nb" => input.title[0] = value,
            "title-nn" => input.title[1] = value,
            "intro-nb" => input.intro[0] = value,
            "intro-nn" => input.intro[1] = value,
            "state" => input.state = value,
            other => {
                let Some((n, field)) = other
                    .strip_prefix("q-")
                    .and_then(|rest| rest.split_once('-'))
                    .and_then(|(n, f)| Some((n.parse::<usize>().ok()?, f)))
                    .filter(|(n, _)| *n < MAX_QUESTIONS + NEW_ROWS)
                else {
                    continue;
                };
                if rows.len() <= n {
                    rows.resize(n + 1, QuestionInput::default());
                }
                let row = &mut rows[n];
                match field {
                    "key" => row.key = value,
                    "kind" => row.kind = value,
                    "nb" => row.nb = value,
                    "nn" => row.nn = value,
                    "options-nb" => row.options_nb = value,
                    "options-nn" => row.options_nn = value,
                    _ => {}
                }
            }
        }
    }
    input.questions = rows;
    input
}

impl SurveyInput {
    /// The survey this input makes (rows with no text left out), keeping `kind`.
    fn to_survey(&self, kind: SurveyKind) -> Survey {
        let mut questions: Vec<Question> = Vec::new();
        for row in &self.questions {
            if row.nb.trim().is_empty() && row.nn.trim().is_empty() {
                continue;
            }
            let lines = |text: &str| -> Vec<String> {
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            };
            let kind = QuestionKind::from_key(&row.kind).unwrap_or(QuestionKind::Scale);
            let (nb, nn) = (lines(&row.options_nb), lines(&row.options_nn));
            let options = if kind == QuestionKind::Choice {
                (0..nb.len().max(nn.len()))
                    .map(|i| Bilingual {
                        nb: nb.get(i).cloned().unwrap_or_default(),
                        nn: nn.get(i).cloned().unwrap_or_default(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            // New questions get the first free key.
            let key = if row.key.is_empty() {
                (1..)
                    .map(|n| format!("s{n}"))
                    .find(|k| {
                        !questions.iter().any(|q| &q.key == k)
                            && !self.questions.iter().any(|r| &r.key == k)
                    })
                    .unwrap_or_default()
            } else {
                row.key.clone()
            };
            questions.push(Question {
                key,
                kind,
                text: Bilingual {
                    nb: row.nb.trim().into(),
                    nn: row.nn.trim().into(),
                },
                options,
            });
        }
        Survey {
            kind,
            title: Bilingual {
                nb: self.title[0].trim().into(),
                nn: self.title[1].trim().into(),
            },
            intro: Bilingual {
                nb: self.intro[0].trim().into(),
                nn: self.intro[1].trim().into(),
            },
            questions,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let urls = urls(&allowed);
    let rows = state
        .store
        .surveys(&allowed.tenant.record.id)
        .await?
        .into_iter()
        .map(|r| SurveyRow {
            href: urls.at(&format!("/rediger/undersokelser/{}", r.id)),
            title: r.survey.title.get(allowed.lang).to_string(),
            state: tr.t(&format!("survey-state-{}", r.state.key())),
        })
        .collect();
    render(SurveysPage {
        chrome: Chrome::tenant(
            allowed.lang,
            tr.t("surveys-title"),
            &ctx,
            &allowed.tenant.record,
            "",
        ),
        csrf: allowed.user.session.csrf_token.clone(),
        action: urls.at("/rediger/undersokelser"),
        rows,
    })
}

#[derive(serde::Deserialize)]
pub struct NewSurvey {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
}

/// Makes a survey from Saman's questions, as a draft, and opens it in the editor.
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Form(form): Form<NewSurvey>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let survey = match SurveyKind::from_key(&form.kind) {
        Some(SurveyKind::User) => Survey::default_user(),
        Some(SurveyKind::Staff) => Survey::default_staff(),
        None => {
            return Err(WebError::BadRequest(
                Tr::new(allowed.lang).t("surveys-unknown-kind"),
            ));
        }
    };
    let id = state
        .store
        .create_survey(
            &allowed.tenant.record.id,
            &survey,
            &audit_context(&allowed, address),
        )
        .await?;
    Ok(Redirect::to(&urls(&allowed).at(&format!("/rediger/undersokelser/{id}"))).into_response())
}

fn page(
    allowed: &Editor,
    ctx: &Ctx,
    record: &SurveyRecord,
    input: SurveyInput,
    problems: Vec<(String, String)>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let urls = urls(allowed);
    render(SurveyPage {
        chrome: Chrome::tenant(
            allowed.lang,
            record.survey.title.get(allowed.lang).to_string(),
            ctx,
            &allowed.tenant.record,
            "",
        ),
        csrf: allowed.user.session.csrf_token.clone(),
        action: urls.at(&format!("/rediger/undersokelser/{}", record.id)),
        list_href: urls.at("/rediger/undersokelser"),
        input,
        kinds: QuestionKind::ALL
            .iter()
            .map(|k| {
                (
                    k.key().to_string(),
                    tr.t(&format!("survey-kind-{}", k.key())),
                )
            })
            .collect(),
        states: SurveyState::ALL
            .iter()
            .map(|s| {
                (
                    s.key().to_string(),
                    tr.t(&format!("survey-state-{}", s.key())),
                )
            })
            .collect(),
        locked: record.answered,
        problems,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_, _, id)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let record = state
        .store
        .survey(&allowed.tenant.record.id, &id)
        .await?
        .ok_or(WebError::NotFound)?;
    page(&allowed, &ctx, &record, input_of(&record), Vec::new())
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_, _, id)): Path<(String, String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, token_in(&form))?;
    let tenant = &allowed.tenant.record.id;
    let record = state
        .store
        .survey(tenant, &id)
        .await?
        .ok_or(WebError::NotFound)?;
    let tr = Tr::new(allowed.lang);
    let input = parse(&form);
    let state_chosen = SurveyState::from_key(&input.state);
    // Once answered, the questions stay as they are.
    let survey = if record.answered {
        record.survey.clone()
    } else {
        input.to_survey(record.survey.kind)
    };
    let mut problems: Vec<(String, String)> = survey
        .problems()
        .into_iter()
        .map(|(field, key)| (field, tr.t(key)))
        .collect();
    if state_chosen.is_none() {
        problems.push(("state".into(), tr.t("survey-problem-state")));
    }
    let (Some(chosen), true) = (state_chosen, problems.is_empty()) else {
        let mut input = input;
        input.questions.resize(
            input.questions.len().max(survey.questions.len() + NEW_ROWS),
            QuestionInput::default(),
        );
        return Ok(form_with_problems(page(
            &allowed, &ctx, &record, input, problems,
        )?));
    };
    state
        .store
        .save_survey(
            tenant,
            &id,
            &survey,
            chosen,
            &audit_context(&allowed, address),
        )
        .await?;
    Ok(Redirect::to(&urls(&allowed).at("/rediger/undersokelser")).into_response())
}
