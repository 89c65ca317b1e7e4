//! The guide editor: a guide's own texts, owner, review date and level names; its steps
//! level by level, added, edited, moved and deleted. Every save is a version of the
//! whole guide, so a step's history is its guide's.

use super::input::{field_problem, lang_index, located, normalize_newlines, optional};
use super::objects::{
    EditQuery, Editable, StatusBox, conflict_of, current, editor_href, editor_href_in, saved_text,
    status_text,
};
use super::{Choice, Conflict, Editor, audit_context, render, urls};
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
use saman_domain::rules::{self, FieldProblem, ModelProblem, Place};
use saman_domain::*;
use saman_store::{Change, GuideState, ItemState, ObjectState, Save, Saved};

impl Editable for Guide {
    const SEGMENT: &'static str = "veileder";

    fn title(&self, lang: Lang) -> String {
        self.text
            .pick(lang)
            .map_or_else(|| self.slug.clone(), |p| p.value.title.clone())
    }

    fn fields(&self) -> Vec<Field> {
        history::guide_fields(self)
    }

    /// A level's number as "Nivå 2", a step's slug as its title.
    fn part_label(&self, tr: Tr, part: &str) -> String {
        if let Ok(level) = part.parse::<u8>() {
            return tr.t1("guide-level", "level", level);
        }
        self.step(part).map_or_else(
            || part.to_string(),
            |s| tr.t1("editor-step-named", "title", step_title(s, tr.lang)),
        )
    }

    /// The worry path sends suspected violence or abuse to level 0's urgent step.
    fn publish_blocker(&self) -> Option<&'static str> {
        (!rules::has_urgent_path(self)).then_some("mangler-hastesteg")
    }

    fn check_restored(&self, tenant: &Tenant, items: &[ItemState], _id: &str) -> Vec<ModelProblem> {
        let mut problems = Vec::new();
        rules::check_guide(self, &mut problems);
        let refs = rules::References::new(tenant, items.iter().map(|s| &s.object));
        rules::check_guide_references(self, &refs, tenant.default_lang, &mut problems);
        problems
    }

    async fn restored_with_problems(
        state: &AppState,
        allowed: &Editor,
        ctx: &Ctx,
        current: GuideState,
        restored: Guide,
        problems: Vec<ModelProblem>,
    ) -> Result<Html<String>, WebError> {
        // The form holds the guide's own fields, not its steps: show the current version,
        // what stands in the way of the old one, and restore nothing.
        let tr = Tr::new(allowed.lang);
        let located = problems
            .iter()
            .map(|p| locate_anywhere(tr, &restored, p))
            .collect();
        let input = GuideInput::of(&current.object, current.head);
        let message = Some(tr.t("editor-restore-refused"));
        guide_form(
            state,
            allowed,
            ctx,
            Some(current),
            input,
            located,
            message,
            None,
        )
        .await
    }
}

pub(super) fn step_title(step: &Step, lang: Lang) -> String {
    step.text
        .pick(lang)
        .map_or_else(|| step.slug.clone(), |p| p.value.title.clone())
}

/// A problem anywhere in a guide, as (field id, "Step: label: message").
fn locate_anywhere(tr: Tr, guide: &Guide, problem: &ModelProblem) -> (String, String) {
    let (id, message) = located(tr, problem);
    match &problem.place {
        Place::Step { step, .. } => (id, format!("{}: {message}", guide.part_label(tr, step))),
        _ => (id, message),
    }
}

/// Parses a form body into (name, language index, value): `title-nb` is ("title", 0).
pub(super) fn fields_of(body: &[u8]) -> Vec<(String, Option<usize>, String)> {
    form_urlencoded::parse(body)
        .map(|(key, value)| {
            let value = value.into_owned();
            match key.rsplit_once('-') {
                Some((name, code)) => match code.parse::<Lang>() {
                    Ok(lang) => (name.to_string(), Some(lang_index(lang)), value),
                    Err(_) => (key.into_owned(), None, value),
                },
                None => (key.into_owned(), None, value),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The guide form

/// The guide form as sent, kept as typed.
#[derive(Debug, Clone, Default)]
pub struct GuideInput {
    pub slug: String,
    pub area: String,
    pub owner: String,
    pub review_date: String,
    pub title: [String; 2],
    pub summary: [String; 2],
    pub body: [String; 2],
    /// Per level 0–3, per language.
    pub level_names: [[String; 2]; 4],
    pub base: String,
    pub comment: String,
    pub csrf: String,
}

impl GuideInput {
    pub(super) fn of(guide: &Guide, base: i64) -> GuideInput {
        let mut input = GuideInput {
            slug: guide.slug.clone(),
            area: guide.area.key().into(),
            owner: guide.owner.clone().unwrap_or_default(),
            review_date: guide.review_date.map(format_iso_date).unwrap_or_default(),
            base: base.to_string(),
            ..GuideInput::default()
        };
        for lang in Lang::ALL {
            let i = lang_index(lang);
            if let Some(t) = guide.text.get(lang) {
                input.title[i] = t.title.clone();
                input.summary[i] = t.summary.clone();
                input.body[i] = t.body.clone();
            }
            for level in &guide.levels {
                if let Some(name) = level.name.get(lang) {
                    input.level_names[usize::from(level.level.min(3))][i] = name.clone();
                }
            }
        }
        input
    }

    pub fn parse(body: &[u8]) -> GuideInput {
        let mut input = GuideInput::default();
        for (name, lang, value) in fields_of(body) {
            match (name.as_str(), lang) {
                ("title", Some(i)) => input.title[i] = value,
                ("summary", Some(i)) => input.summary[i] = value,
                ("body", Some(i)) => input.body[i] = normalize_newlines(&value),
                ("slug", None) => input.slug = value.trim().to_string(),
                ("area", None) => input.area = value,
                ("owner", None) => input.owner = value,
                ("review_date", None) => input.review_date = value.trim().to_string(),
                ("base", None) => input.base = value,
                ("comment", None) => input.comment = value,
                ("csrf", None) => input.csrf = value,
                (other, Some(i)) => {
                    if let Some(level) = other
                        .strip_prefix("level-name-")
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|n| *n < 4)
                    {
                        input.level_names[level][i] = value;
                    }
                }
                _ => {}
            }
        }
        input
    }

    /// The guide this input makes from `current` (its steps kept), or the problems.
    fn to_guide(
        &self,
        tr: Tr,
        tenant: &Tenant,
        current: Option<&Guide>,
        items: &[ItemState],
        taken: &[String],
    ) -> Result<Guide, Vec<(String, String)>> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut push = |field: &str, lang: Option<Lang>, problem: FieldProblem| {
            problems.push(field_problem(tr, field, lang, &problem))
        };
        let slug = match current {
            Some(g) => g.slug.clone(),
            None => {
                if !slug::is_valid(&self.slug) {
                    push("slug", None, FieldProblem::InvalidSlug);
                } else if taken.contains(&self.slug) {
                    push("slug", None, FieldProblem::SlugTaken);
                }
                self.slug.clone()
            }
        };
        let review_date = match optional(&self.review_date) {
            None => None,
            Some(d) => match parse_iso_date(&d) {
                Some(date) => Some(date),
                None => {
                    push("review_date", None, FieldProblem::NotADate);
                    None
                }
            },
        };
        let mut text = ByLang::default();
        let mut levels: Vec<GuideLevel> = GUIDE_LEVELS
            .iter()
            .map(|l| GuideLevel {
                level: *l,
                name: ByLang::default(),
                steps: current
                    .and_then(|g| g.levels.iter().find(|x| x.level == *l))
                    .map(|x| x.steps.clone())
                    .unwrap_or_default(),
            })
            .collect();
        for lang in Lang::ALL {
            let i = lang_index(lang);
            let written = [&self.title[i], &self.summary[i], &self.body[i]]
                .iter()
                .any(|v| !v.trim().is_empty());
            if written {
                text.set(
                    lang,
                    GuideText {
                        title: self.title[i].trim().to_string(),
                        summary: self.summary[i].trim().to_string(),
                        body: self.body[i].trim_end().to_string(),
                    },
                );
            }
            for (level, names) in levels.iter_mut().zip(&self.level_names) {
                if let Some(name) = optional(&names[i]) {
                    level.name.set(lang, name);
                }
            }
        }
        let guide = Guide {
            slug,
            area: GuideArea::from_key(&self.area).unwrap_or(GuideArea::General),
            owner: optional(&self.owner),
            review_date,
            status: Status::Draft,
            text,
            levels,
            steps: current.map(|g| g.steps.clone()).unwrap_or_default(),
        };
        let mut rule_problems = Vec::new();
        rules::check_guide(&guide, &mut rule_problems);
        let refs = rules::References::new(tenant, items.iter().map(|s| &s.object));
        rules::check_guide_references(&guide, &refs, tenant.default_lang, &mut rule_problems);
        for problem in rule_problems
            .iter()
            .filter(|p| matches!(p.place, Place::Guide(_)))
            // The urgent path is asked for when the guide is published, not per save.
            .filter(|p| p.problem != FieldProblem::NoUrgentPath)
        {
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

/// A level of the guide as its editor lists it: its steps in order, each movable.
pub struct LevelSteps {
    pub level: u8,
    pub heading: String,
    pub new_step_href: String,
    pub steps: Vec<StepRow>,
}

pub struct StepRow {
    pub title: String,
    pub href: String,
    pub urgent: bool,
    pub first: bool,
    pub last: bool,
    pub missing: Vec<String>,
}

pub struct LevelNameField {
    pub id: String,
    pub label: String,
    pub value: String,
}

pub struct GuideColumn {
    pub code: &'static str,
    pub name: String,
    pub missing: bool,
    pub fields: Vec<super::TextField>,
    pub level_names: Vec<LevelNameField>,
}

#[derive(Template)]
#[template(path = "editor_guide.html")]
struct GuidePage {
    chrome: Chrome,
    heading: String,
    action: String,
    csrf: String,
    is_new: bool,
    input: GuideInput,
    problems: Vec<(String, String)>,
    columns: Vec<GuideColumn>,
    areas: Vec<Choice>,
    owners: Vec<Choice>,
    levels: Vec<LevelSteps>,
    head: i64,
    status_box: Option<StatusBox>,
    message: Option<String>,
    conflict: Option<Conflict>,
}

impl GuidePage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn missing_languages<T>(tr: Tr, text: &ByLang<T>) -> Vec<String> {
    Lang::ALL
        .into_iter()
        .filter(|l| text.get(*l).is_none())
        .map(|l| tr.t(&format!("editor-missing-{l}")))
        .collect()
}

/// Services to choose an owner from, sorted by title.
fn service_choices(items: &[ItemState], lang: Lang, selected: &str) -> Vec<Choice> {
    let mut services: Vec<Choice> = items
        .iter()
        .filter(|s| s.object.kind == Kind::Service)
        .map(|s| Choice {
            value: s.object.slug.clone(),
            label: super::title_of(&s.object, lang),
            checked: s.object.slug == selected,
        })
        .collect();
    services.sort_by_cached_key(|c| crate::views::norwegian_sort_key(&c.label));
    services
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn guide_form(
    app: &AppState,
    allowed: &Editor,
    ctx: &Ctx,
    state: Option<GuideState>,
    input: GuideInput,
    problems: Vec<(String, String)>,
    message: Option<String>,
    conflict: Option<Conflict>,
) -> Result<Html<String>, WebError> {
    let lang = allowed.lang;
    let tr = Tr::new(lang);
    let urls = urls(allowed);
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
        .map(|(i, l)| GuideColumn {
            code: l.code(),
            name: tr.t(&format!("lang-{l}")),
            missing: input.title[i].trim().is_empty(),
            fields: [
                ("title", &input.title[i], 1, None),
                ("summary", &input.summary[i], 3, None),
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
            level_names: GUIDE_LEVELS
                .iter()
                .map(|level| LevelNameField {
                    id: format!("level-name-{level}-{l}"),
                    label: tr.t1("editor-level-name", "level", *level),
                    value: input.level_names[usize::from(*level)][i].clone(),
                })
                .collect(),
        })
        .collect();
    let (heading, action, status_box, levels, head) = match &state {
        Some(s) => {
            let href = editor_href::<Guide>(allowed, &s.id);
            let levels = s
                .object
                .levels
                .iter()
                .map(|level| {
                    let steps: Vec<&Step> = level
                        .steps
                        .iter()
                        .filter_map(|slug| s.object.step(slug))
                        .collect();
                    let count = steps.len();
                    LevelSteps {
                        level: level.level,
                        heading: match level.name.pick(lang) {
                            Some(name) => format!(
                                "{}: {}",
                                tr.t1("guide-level", "level", level.level),
                                name.value
                            ),
                            None => tr.t1("guide-level", "level", level.level),
                        },
                        new_step_href: format!("{href}/steg/ny?niva={}", level.level),
                        steps: steps
                            .into_iter()
                            .enumerate()
                            .map(|(n, step)| StepRow {
                                title: step_title(step, lang),
                                href: format!("{href}/steg/{}", step.slug),
                                urgent: step.urgent,
                                first: n == 0,
                                last: n + 1 == count,
                                missing: missing_languages(tr, &step.text),
                            })
                            .collect(),
                    }
                })
                .collect();
            (
                s.object.title(lang),
                href,
                Some(StatusBox::of(tr, &urls, s, urls.guide(&s.object.slug))),
                levels,
                s.head,
            )
        }
        None => (
            tr.t("editor-new-guide-title"),
            urls.at("/rediger/veileder/ny"),
            None,
            Vec::new(),
            0,
        ),
    };
    render(GuidePage {
        chrome: Chrome::tenant(lang, heading.clone(), ctx, &allowed.tenant.record, ""),
        heading,
        action,
        csrf: allowed.user.session.csrf_token.clone(),
        is_new: state.is_none(),
        areas: GuideArea::ALL
            .iter()
            .map(|a| Choice {
                value: a.key().into(),
                label: tr.t(&format!("guide-area-{}", a.key())),
                checked: a.key() == input.area,
            })
            .collect(),
        owners: service_choices(&items, lang, &input.owner),
        columns,
        levels,
        head,
        status_box,
        input,
        problems,
        message,
        conflict,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
) -> Result<Html<String>, WebError> {
    let input = GuideInput {
        area: GuideArea::General.key().into(),
        ..GuideInput::default()
    };
    guide_form(&state, &allowed, &ctx, None, input, Vec::new(), None, None).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Query(query): Query<EditQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let current = current::<Guide>(&state, &allowed, &id).await?;
    let message = query.message(tr);
    let input = GuideInput::of(&current.object, current.head);
    guide_form(
        &state,
        &allowed,
        &ctx,
        Some(current),
        input,
        Vec::new(),
        message,
        None,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = GuideInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    save_guide_input(&state, &ctx, address, &allowed, None, input).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = GuideInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    let current = current::<Guide>(&state, &allowed, &id).await?;
    save_guide_input(&state, &ctx, address, &allowed, Some(current), input).await
}

async fn save_guide_input(
    state: &AppState,
    ctx: &Ctx,
    address: String,
    allowed: &Editor,
    current: Option<GuideState>,
    input: GuideInput,
) -> Result<Response, WebError> {
    let tr = Tr::new(allowed.lang);
    let tenant_id = &allowed.tenant.record.id;
    let items = state.store.editable_items(tenant_id).await?;
    let taken: Vec<String> = state
        .store
        .editable::<Guide>(tenant_id)
        .await?
        .into_iter()
        .map(|g| g.object.slug)
        .collect();
    let guide = match input.to_guide(
        tr,
        &allowed.tenant.record.tenant,
        current.as_ref().map(|c| &c.object),
        &items,
        &taken,
    ) {
        Ok(guide) => guide,
        Err(problems) => {
            let html =
                guide_form(state, allowed, ctx, current, input, problems, None, None).await?;
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
        .save::<Guide>(tenant_id, id, &guide, &save, &audit)
        .await?
    {
        Saved::Version { id, .. } => Ok(Redirect::to(&format!(
            "{}?lagret=1",
            editor_href::<Guide>(allowed, &id)
        ))
        .into_response()),
        Saved::SlugTaken => {
            let problems = vec![field_problem(tr, "slug", None, &FieldProblem::SlugTaken)];
            let html =
                guide_form(state, allowed, ctx, current, input, problems, None, None).await?;
            Ok(form_with_problems(html))
        }
        Saved::Conflict(newer) => {
            let conflict = conflict_of(tr, &newer, &guide);
            let mut input = input;
            input.base = newer.head.to_string();
            let html = guide_form(
                state,
                allowed,
                ctx,
                Some(*newer),
                input,
                Vec::new(),
                None,
                Some(conflict),
            )
            .await?;
            Ok(page_with_status(StatusCode::CONFLICT, html))
        }
    }
}

pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let current = current::<Guide>(&state, &allowed, &id).await?;
    let published = &allowed.tenant;
    let mut model = published.model.clone();
    model.guides.retain(|g| g.slug != current.object.slug);
    model.guides.push(current.object.clone());
    let draft = saman_store::Published {
        record: published.record.clone(),
        model,
    };
    let back = editor_href::<Guide>(&allowed, &id);
    super::super::guide::guide_page(&draft, &current.object, allowed.lang, &ctx, Some(back))
}

/// A guide row in the editor's list.
pub struct GuideRow {
    pub href: String,
    pub title: String,
    pub area: String,
    pub status: String,
    pub missing: Vec<String>,
    pub saved: String,
}

pub fn guide_rows(
    tr: Tr,
    urls: &crate::urls::TenantUrls,
    guides: &[ObjectState<Guide>],
) -> Vec<GuideRow> {
    guides
        .iter()
        .map(|g| GuideRow {
            href: editor_href_in::<Guide>(urls, &g.id),
            title: g.object.title(tr.lang),
            area: tr.t(&format!("guide-area-{}", g.object.area.key())),
            status: status_text(tr, g),
            missing: missing_languages(tr, &g.object.text),
            saved: saved_text(tr, g),
        })
        .collect()
}
