//! A guide's steps in the editor: added, edited, moved within their level and deleted.
//! Every change is a version of the whole guide (see [`super::guides`]).

use super::guides::{GuideInput, fields_of, guide_form, step_title};
use super::input::{
    field_problem, lang_index, located, normalize_newlines, optional, problem_text,
};
use super::objects::{Editable, conflict_of, current, editor_href};
use super::{Choice, Conflict, Editor, audit_context, render};
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::csrf::check_token;
use crate::error::{WebError, form_with_problems, page_with_status};
use crate::i18n::Tr;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_domain::rules::{self, FieldProblem, ModelProblem, Place};
use saman_domain::*;
use saman_store::{Change, GuideState, ItemState, Save, Saved};
use serde::Deserialize;

/// How many empty decision rows the step form offers.
const NEW_DECISION_ROWS: usize = 2;

/// The step form as sent, kept as typed.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub slug: String,
    pub level: String,
    pub role: String,
    pub deadline_days: String,
    pub urgent: bool,
    pub tools: Vec<String>,
    pub relies_on: Vec<String>,
    pub title: [String; 2],
    pub summary: [String; 2],
    pub responsible: [String; 2],
    pub deadline: [String; 2],
    /// One question per line.
    pub questions: [String; 2],
    pub body: [String; 2],
    /// (target, label nb, label nn); the target is `step:…`, `level:…` or `outcome:…`.
    pub decisions: Vec<(String, String, String)>,
    pub base: String,
    pub comment: String,
    pub csrf: String,
}

fn target_key(target: &DecisionTarget) -> String {
    match target {
        DecisionTarget::Step(s) => format!("step:{s}"),
        DecisionTarget::Level(l) => format!("level:{l}"),
        DecisionTarget::Outcome(o) => format!("outcome:{}", o.key()),
    }
}

fn parse_target(key: &str) -> Option<DecisionTarget> {
    let (kind, value) = key.split_once(':')?;
    match kind {
        "step" => slug::is_valid(value).then(|| DecisionTarget::Step(value.to_string())),
        "level" => value
            .parse::<u8>()
            .ok()
            .filter(|l| GUIDE_LEVELS.contains(l))
            .map(DecisionTarget::Level),
        "outcome" => Outcome::from_key(value).map(DecisionTarget::Outcome),
        _ => None,
    }
}

impl StepInput {
    fn of(step: &Step, base: i64) -> StepInput {
        let mut input = StepInput {
            slug: step.slug.clone(),
            level: step.level.to_string(),
            role: step.responsible_role.key().into(),
            deadline_days: step
                .deadline_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            urgent: step.urgent,
            tools: step.tools.clone(),
            relies_on: step.relies_on.clone(),
            decisions: step
                .decisions
                .iter()
                .map(|d| {
                    (
                        target_key(&d.target),
                        d.label.nb.clone().unwrap_or_default(),
                        d.label.nn.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            base: base.to_string(),
            ..StepInput::default()
        };
        for lang in Lang::ALL {
            if let Some(t) = step.text.get(lang) {
                let i = lang_index(lang);
                input.title[i] = t.title.clone();
                input.summary[i] = t.summary.clone();
                input.responsible[i] = t.responsible.clone();
                input.deadline[i] = t.deadline.clone().unwrap_or_default();
                input.questions[i] = t.questions.join("\n");
                input.body[i] = t.body.clone();
            }
        }
        input
    }

    fn parse(body: &[u8]) -> StepInput {
        let mut input = StepInput::default();
        // (row, column, value): column 0 the target, 1 and 2 the labels.
        let mut decisions: Vec<(usize, usize, String)> = Vec::new();
        for (name, lang, value) in fields_of(body) {
            match (name.as_str(), lang) {
                ("title", Some(i)) => input.title[i] = value,
                ("summary", Some(i)) => input.summary[i] = value,
                ("responsible", Some(i)) => input.responsible[i] = value,
                ("deadline", Some(i)) => input.deadline[i] = value,
                ("questions", Some(i)) => input.questions[i] = normalize_newlines(&value),
                ("body", Some(i)) => input.body[i] = normalize_newlines(&value),
                ("slug", None) => input.slug = value.trim().to_string(),
                ("level", None) => input.level = value,
                ("responsible_role", None) => input.role = value,
                ("deadline_days", None) => input.deadline_days = value.trim().to_string(),
                ("urgent", None) => input.urgent = value == "ja",
                ("tool", None) => input.tools.push(value),
                ("relies_on", None) => input.relies_on.push(value),
                ("base", None) => input.base = value,
                ("comment", None) => input.comment = value,
                ("csrf", None) => input.csrf = value,
                (other, lang) => {
                    let row = |prefix: &str| {
                        other
                            .strip_prefix(prefix)
                            .and_then(|n| n.parse::<usize>().ok())
                            .filter(|n| *n < rules::limits::LIST + NEW_DECISION_ROWS)
                    };
                    if let (Some(r), None) = (row("decision-target-"), lang) {
                        decisions.push((r, 0, value));
                    } else if let (Some(r), Some(i)) = (row("decision-label-"), lang) {
                        decisions.push((r, 1 + i, value));
                    }
                }
            }
        }
        let rows = decisions.iter().map(|(r, _, _)| r + 1).max().unwrap_or(0);
        input.decisions = vec![Default::default(); rows];
        for (r, column, value) in decisions {
            let row = &mut input.decisions[r];
            match column {
                0 => row.0 = value,
                1 => row.1 = value,
                _ => row.2 = value,
            }
        }
        input
            .decisions
            .retain(|(t, nb, nn)| !(t.is_empty() && nb.trim().is_empty() && nn.trim().is_empty()));
        input
    }

    /// The guide with this step in it (replacing the step `editing`, or added at the
    /// end of its level), or the problems with the step.
    fn apply(
        &self,
        tr: Tr,
        tenant: &Tenant,
        guide: &Guide,
        editing: Option<&str>,
        items: &[ItemState],
    ) -> Result<Guide, Vec<(String, String)>> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut push = |field: &str, lang: Option<Lang>, problem: FieldProblem| {
            problems.push(field_problem(tr, field, lang, &problem))
        };
        let slug = match editing {
            Some(slug) => slug.to_string(),
            None => {
                // `ny` is the address of the form for a new step.
                if !slug::is_valid(&self.slug) || self.slug == "ny" {
                    push("slug", None, FieldProblem::InvalidSlug);
                } else if guide.step(&self.slug).is_some() {
                    push("slug", None, FieldProblem::SlugTaken);
                }
                self.slug.clone()
            }
        };
        let level = self
            .level
            .parse::<u8>()
            .ok()
            .filter(|l| GUIDE_LEVELS.contains(l))
            .unwrap_or(0);
        let deadline_days = match optional(&self.deadline_days) {
            None => None,
            Some(d) => match d.parse::<u32>() {
                Ok(days) if days <= 3650 => Some(days),
                _ => {
                    push("deadline_days", None, FieldProblem::NotANumber);
                    None
                }
            },
        };
        let mut decisions = Vec::new();
        for (target, nb, nn) in &self.decisions {
            match parse_target(target) {
                Some(target) => decisions.push(Decision {
                    target,
                    label: ByLang {
                        nb: optional(nb),
                        nn: optional(nn),
                    },
                }),
                None => push("decisions", None, FieldProblem::Empty),
            }
        }
        let mut text = ByLang::default();
        for lang in Lang::ALL {
            let i = lang_index(lang);
            let written = [
                &self.title[i],
                &self.summary[i],
                &self.responsible[i],
                &self.deadline[i],
                &self.questions[i],
                &self.body[i],
            ]
            .iter()
            .any(|v| !v.trim().is_empty());
            if written {
                text.set(
                    lang,
                    StepText {
                        title: self.title[i].trim().to_string(),
                        summary: self.summary[i].trim().to_string(),
                        responsible: self.responsible[i].trim().to_string(),
                        deadline: optional(&self.deadline[i]),
                        questions: self.questions[i]
                            .lines()
                            .map(str::trim)
                            .filter(|q| !q.is_empty())
                            .map(String::from)
                            .collect(),
                        body: self.body[i].trim_end().to_string(),
                    },
                );
            }
        }
        let step = Step {
            slug: slug.clone(),
            level,
            responsible_role: Role::from_key(&self.role).unwrap_or(Role::Employee),
            deadline_days,
            urgent: self.urgent,
            tools: self.tools.clone(),
            relies_on: self.relies_on.clone(),
            text,
            decisions,
        };
        let mut guide = guide.clone();
        guide.steps.retain(|s| s.slug != slug);
        guide.steps.push(step);
        guide.steps.sort_by(|a, b| a.slug.cmp(&b.slug));
        let in_level = guide
            .levels
            .iter()
            .any(|l| l.level == level && l.steps.contains(&slug));
        if !in_level {
            for l in &mut guide.levels {
                l.steps.retain(|s| *s != slug);
            }
            if let Some(l) = guide.levels.iter_mut().find(|l| l.level == level) {
                l.steps.push(slug.clone());
            }
        }
        let mut rule_problems = Vec::new();
        rules::check_guide(&guide, &mut rule_problems);
        let refs = rules::References::new(tenant, items.iter().map(|s| &s.object));
        rules::check_guide_references(&guide, &refs, tenant.default_lang, &mut rule_problems);
        let this_step =
            |p: &&ModelProblem| matches!(&p.place, Place::Step { step, .. } if *step == slug);
        for problem in rule_problems.iter().filter(this_step) {
            problems.push(located(tr, problem));
        }
        problems.extend(super::input::comment_problem(tr, &self.comment));
        if problems.is_empty() {
            Ok(guide)
        } else {
            Err(problems)
        }
    }
}

pub struct StepColumn {
    pub code: &'static str,
    pub name: String,
    pub missing: bool,
    pub fields: Vec<super::TextField>,
}

pub struct DecisionRow {
    pub index: usize,
    pub target: String,
    pub nb: String,
    pub nn: String,
}

#[derive(Template)]
#[template(path = "editor_step.html")]
struct StepPage {
    chrome: Chrome,
    heading: String,
    guide_title: String,
    guide_href: String,
    action: String,
    csrf: String,
    is_new: bool,
    input: StepInput,
    problems: Vec<(String, String)>,
    columns: Vec<StepColumn>,
    levels: Vec<Choice>,
    roles: Vec<Choice>,
    tools: Vec<Choice>,
    relies_on: Vec<Choice>,
    targets: Vec<Choice>,
    decisions: Vec<DecisionRow>,
    conflict: Option<Conflict>,
}

impl StepPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

struct StepView<'a> {
    allowed: &'a Editor,
    ctx: &'a Ctx,
    guide: &'a GuideState,
    /// The slug of the step edited; `None` for a new one.
    editing: Option<&'a str>,
    input: StepInput,
    problems: Vec<(String, String)>,
    conflict: Option<Conflict>,
}

async fn step_form(app: &AppState, view: StepView<'_>) -> Result<Html<String>, WebError> {
    let StepView {
        allowed,
        ctx,
        guide,
        editing,
        input,
        problems,
        conflict,
    } = view;
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let items = app.store.editable_items(&allowed.tenant.record.id).await?;
    let problem_of = |id: &str| {
        problems
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, m)| m.clone())
    };
    let columns = Lang::ALL
        .iter()
        .enumerate()
        .map(|(i, l)| StepColumn {
            code: l.code(),
            name: tr.t(&format!("lang-{l}")),
            missing: input.title[i].trim().is_empty(),
            fields: [
                ("title", &input.title[i], 1, None),
                ("summary", &input.summary[i], 3, None),
                (
                    "responsible",
                    &input.responsible[i],
                    1,
                    Some(tr.t("editor-responsible-hint")),
                ),
                (
                    "deadline",
                    &input.deadline[i],
                    1,
                    Some(tr.t("editor-deadline-hint")),
                ),
                (
                    "questions",
                    &input.questions[i],
                    5,
                    Some(tr.t("editor-questions-hint")),
                ),
                ("body", &input.body[i], 10, Some(tr.t("editor-body-hint"))),
            ]
            .into_iter()
            .map(|(name, value, rows, hint)| {
                let id = format!("{name}-{l}");
                super::TextField {
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
    // Tools are tools and documents; routines and the rest are what a step relies on.
    // Whatever the step names already is offered, whatever its kind.
    let item_choices = |tools: bool, sent: &[String]| {
        let mut choices: Vec<Choice> = items
            .iter()
            .map(|s| &s.object)
            .filter(|i| {
                let is_tool = matches!(i.kind, Kind::Tool | Kind::Document);
                is_tool == tools || sent.contains(&i.slug)
            })
            .map(|i| Choice {
                value: i.slug.clone(),
                label: format!(
                    "{} ({})",
                    super::title_of(i, lang),
                    tr.t(&format!("kind-{}", i.kind.key()))
                ),
                checked: sent.contains(&i.slug),
            })
            .collect();
        choices.sort_by_cached_key(|c| crate::views::norwegian_sort_key(&c.label));
        choices
    };
    let mut targets: Vec<Choice> = guide
        .object
        .steps
        .iter()
        .filter(|s| Some(s.slug.as_str()) != editing)
        .map(|s| Choice {
            value: format!("step:{}", s.slug),
            label: tr.t1("editor-step-named", "title", step_title(s, lang)),
            checked: false,
        })
        .collect();
    targets.extend(GUIDE_LEVELS.iter().map(|l| Choice {
        value: format!("level:{l}"),
        label: tr.t1("guide-go-to-level", "level", *l),
        checked: false,
    }));
    targets.extend(Outcome::ALL.iter().map(|o| Choice {
        value: format!("outcome:{}", o.key()),
        label: tr.t(&format!("editor-outcome-{}", o.key())),
        checked: false,
    }));
    let mut decisions: Vec<DecisionRow> = input
        .decisions
        .iter()
        .enumerate()
        .map(|(index, (target, nb, nn))| DecisionRow {
            index,
            target: target.clone(),
            nb: nb.clone(),
            nn: nn.clone(),
        })
        .collect();
    for _ in 0..NEW_DECISION_ROWS {
        decisions.push(DecisionRow {
            index: decisions.len(),
            target: String::new(),
            nb: String::new(),
            nn: String::new(),
        });
    }
    let guide_href = editor_href::<Guide>(allowed, &guide.id);
    let (heading, action) = match editing {
        Some(slug) => (
            guide
                .object
                .step(slug)
                .map_or_else(|| slug.to_string(), |s| step_title(s, lang)),
            format!("{guide_href}/steg/{slug}"),
        ),
        None => (
            tr.t("editor-new-step-title"),
            format!("{guide_href}/steg/ny"),
        ),
    };
    render(StepPage {
        chrome: Chrome::tenant(lang, heading.clone(), ctx, &allowed.tenant.record, ""),
        heading,
        guide_title: guide.object.title(lang),
        guide_href,
        action,
        csrf: allowed.user.session.csrf_token.clone(),
        is_new: editing.is_none(),
        levels: GUIDE_LEVELS
            .iter()
            .map(|l| Choice {
                value: l.to_string(),
                label: tr.t1("guide-level", "level", *l),
                checked: l.to_string() == input.level,
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Choice {
                value: r.key().into(),
                label: tr.t(&format!("role-{}", r.key())),
                checked: r.key() == input.role,
            })
            .collect(),
        tools: item_choices(true, &input.tools),
        relies_on: item_choices(false, &input.relies_on),
        targets,
        decisions,
        columns,
        input,
        problems,
        conflict,
    })
}

#[derive(Deserialize)]
pub struct NewStepQuery {
    #[serde(default)]
    niva: Option<u8>,
}

pub async fn new_step_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Query(query): Query<NewStepQuery>,
) -> Result<Html<String>, WebError> {
    let guide = current::<Guide>(&state, &allowed, &id).await?;
    let input = StepInput {
        level: query.niva.filter(|l| *l <= 3).unwrap_or(0).to_string(),
        role: Role::Employee.key().into(),
        base: guide.head.to_string(),
        ..StepInput::default()
    };
    let view = StepView {
        allowed: &allowed,
        ctx: &ctx,
        guide: &guide,
        editing: None,
        input,
        problems: Vec::new(),
        conflict: None,
    };
    step_form(&state, view).await
}

pub async fn edit_step_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id, step)): Path<(String, String, String, String)>,
) -> Result<Html<String>, WebError> {
    let guide = current::<Guide>(&state, &allowed, &id).await?;
    let found = guide.object.step(&step).ok_or(WebError::NotFound)?;
    let input = StepInput::of(found, guide.head);
    let view = StepView {
        allowed: &allowed,
        ctx: &ctx,
        guide: &guide,
        editing: Some(&step),
        input,
        problems: Vec::new(),
        conflict: None,
    };
    step_form(&state, view).await
}

pub async fn create_step(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = StepInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    save_step_input(&state, &ctx, address, &allowed, &id, None, input).await
}

pub async fn save_step(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id, step)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = StepInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    save_step_input(&state, &ctx, address, &allowed, &id, Some(&step), input).await
}

async fn save_step_input(
    state: &AppState,
    ctx: &Ctx,
    address: String,
    allowed: &Editor,
    id: &str,
    editing: Option<&str>,
    input: StepInput,
) -> Result<Response, WebError> {
    let tr = Tr::new(allowed.lang);
    let tenant_id = &allowed.tenant.record.id;
    let guide = current::<Guide>(state, allowed, id).await?;
    if let Some(slug) = editing
        && guide.object.step(slug).is_none()
    {
        return Err(WebError::NotFound);
    }
    let items = state.store.editable_items(tenant_id).await?;
    let changed = match input.apply(
        tr,
        &allowed.tenant.record.tenant,
        &guide.object,
        editing,
        &items,
    ) {
        Ok(changed) => changed,
        Err(problems) => {
            let view = StepView {
                allowed,
                ctx,
                guide: &guide,
                editing,
                input,
                problems,
                conflict: None,
            };
            return Ok(form_with_problems(step_form(state, view).await?));
        }
    };
    let save = Save {
        base: input.base.parse().ok(),
        change: Change::Edit,
        restored_from: None,
        comment: Some(input.comment.as_str()),
    };
    let audit = audit_context(allowed, address);
    match state
        .store
        .save::<Guide>(tenant_id, Some(id), &changed, &save, &audit)
        .await?
    {
        Saved::Version { .. } => Ok(Redirect::to(&format!(
            "{}?lagret=1",
            editor_href::<Guide>(allowed, id)
        ))
        .into_response()),
        Saved::SlugTaken => Err(WebError::NotFound),
        Saved::Conflict(newer) => {
            let conflict = conflict_of(tr, &newer, &changed);
            let mut input = input;
            input.base = newer.head.to_string();
            let view = StepView {
                allowed,
                ctx,
                guide: &newer,
                editing,
                input,
                problems: Vec::new(),
                conflict: Some(conflict),
            };
            let html = step_form(state, view).await?;
            Ok(page_with_status(StatusCode::CONFLICT, html))
        }
    }
}

#[derive(Deserialize)]
pub struct StepActionForm {
    #[serde(default)]
    csrf: String,
    base: i64,
    /// For a move: `opp` or `ned`.
    #[serde(default)]
    retning: String,
}

/// Moves a step up or down within its level: a new version of the guide.
pub async fn move_step(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id, step)): Path<(String, String, String, String)>,
    Form(form): Form<StepActionForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let guide = current::<Guide>(&state, &allowed, &id).await?;
    let mut changed = guide.object.clone();
    let level = changed
        .levels
        .iter_mut()
        .find(|l| l.steps.contains(&step))
        .ok_or(WebError::NotFound)?;
    let at = level.steps.iter().position(|s| *s == step).unwrap_or(0);
    let to = match form.retning.as_str() {
        "opp" => at.checked_sub(1),
        "ned" => Some(at + 1).filter(|t| *t < level.steps.len()),
        _ => None,
    };
    let href = editor_href::<Guide>(&allowed, &id);
    let Some(to) = to else {
        return Ok(Redirect::to(&href).into_response());
    };
    level.steps.swap(at, to);
    let tr = Tr::new(allowed.lang);
    let title = guide
        .object
        .step(&step)
        .map(|s| step_title(s, tr.lang))
        .unwrap_or_default();
    let comment = tr.t1("editor-step-moved", "title", title);
    let change = ButtonChange {
        base: form.base,
        guide: &changed,
        comment: &comment,
        done: "lagret=1",
    };
    save_change(&state, &allowed, address, &guide, change).await
}

/// Deletes a step no other step's decisions lead to.
pub async fn delete_step(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id, step)): Path<(String, String, String, String)>,
    Form(form): Form<StepActionForm>,
) -> Result<Response, WebError> {
    check_token(&allowed.user.session.csrf_token, &form.csrf)?;
    let tr = Tr::new(allowed.lang);
    let guide = current::<Guide>(&state, &allowed, &id).await?;
    let found = guide.object.step(&step).ok_or(WebError::NotFound)?;
    let title = step_title(found, tr.lang);
    let leading = rules::steps_leading_to(&guide.object, &step);
    if !leading.is_empty() {
        let names: Vec<String> = leading
            .iter()
            .map(|s| guide.object.part_label(tr, s))
            .collect();
        let problems = vec![(
            "steps".to_string(),
            format!(
                "{title}: {} ({})",
                problem_text(tr, &FieldProblem::StepInUse),
                names.join(", ")
            ),
        )];
        let input = GuideInput::of(&guide.object, guide.head);
        let html = guide_form(
            &state,
            &allowed,
            &ctx,
            Some(guide),
            input,
            problems,
            None,
            None,
        )
        .await?;
        return Ok(page_with_status(StatusCode::CONFLICT, html));
    }
    let mut changed = guide.object.clone();
    changed.steps.retain(|s| s.slug != step);
    for level in &mut changed.levels {
        level.steps.retain(|s| *s != step);
    }
    let comment = tr.t1("editor-step-deleted-comment", "title", title);
    let change = ButtonChange {
        base: form.base,
        guide: &changed,
        comment: &comment,
        done: "steg-slettet=1",
    };
    save_change(&state, &allowed, address, &guide, change).await
}

/// A change made by a button (a move, a deletion).
struct ButtonChange<'a> {
    /// The version the editor saw.
    base: i64,
    guide: &'a Guide,
    comment: &'a str,
    /// The query that tells the guide's page what was done.
    done: &'a str,
}

/// Saves a change made by a button on the version the editor saw; if someone saved
/// meanwhile, nothing is saved and the editor sees the newer version.
async fn save_change(
    state: &AppState,
    allowed: &Editor,
    address: String,
    current: &GuideState,
    change: ButtonChange<'_>,
) -> Result<Response, WebError> {
    let save = Save {
        base: Some(change.base),
        change: Change::Edit,
        restored_from: None,
        comment: Some(change.comment),
    };
    let audit = audit_context(allowed, address);
    let href = editor_href::<Guide>(allowed, &current.id);
    let outcome = match state
        .store
        .save::<Guide>(
            &allowed.tenant.record.id,
            Some(&current.id),
            change.guide,
            &save,
            &audit,
        )
        .await?
    {
        Saved::Version { .. } => change.done,
        _ => "nyere=1",
    };
    Ok(Redirect::to(&format!("{href}?{outcome}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_form_is_read_back_as_sent() {
        let body = b"slug=ny&level=2&responsible_role=leder&urgent=ja&tool=skjema&relies_on=rutine\
&title-nb=Tittel&questions-nn=Ein%0D%0ATo&decision-target-0=level%3A3&decision-label-0-nb=Videre\
&decision-target-1=&decision-label-1-nb=&decision-target-999999=step%3Ax";
        let input = StepInput::parse(body);
        assert_eq!(input.slug, "ny");
        assert_eq!(input.level, "2");
        assert!(input.urgent);
        assert_eq!(input.tools, ["skjema"]);
        assert_eq!(input.questions[1], "Ein\nTo");
        assert_eq!(
            input.decisions,
            [("level:3".into(), "Videre".into(), String::new())]
        );
    }

    #[test]
    fn decision_targets_round_trip_and_refuse_what_is_not_one() {
        for target in [
            DecisionTarget::Step("vurder".into()),
            DecisionTarget::Level(2),
            DecisionTarget::Outcome(Outcome::Police),
        ] {
            assert_eq!(parse_target(&target_key(&target)), Some(target));
        }
        for bad in ["level:9", "outcome:fengsel", "step:Ikke gyldig", "x", ""] {
            assert_eq!(parse_target(bad), None, "{bad}");
        }
    }
}
