//! The tenant's settings and own pages in the editor: names, the levels' names,
//! "about the model", priorities (added, renamed, reordered, removed), colour, contact,
//! the child welfare contacts, the accessibility statement's own fields, and, for the
//! tenant's administrators, the relay log's rules. One versioned object, like the rest.

use super::input::{field_problem, lang_index, located};
use super::objects::{EditQuery, Editable, StatusBox, conflict_of, current, editor_href};
use super::{Choice, Conflict, Editor, TextField, audit_context, render, urls};
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
use saman_domain::access::Role;
use saman_domain::history::{self, Field};
use saman_domain::rules::{self, FieldProblem, ModelProblem};
use saman_domain::*;
use saman_store::{Change, ItemState, Save, Saved, SettingsState};

/// How many empty rows the form offers for new priorities.
const NEW_PRIORITY_ROWS: usize = 2;

impl Editable for Tenant {
    const SEGMENT: &'static str = "innstillinger";

    fn title(&self, lang: Lang) -> String {
        self.name(lang).to_string()
    }

    fn fields(&self) -> Vec<Field> {
        history::settings_fields(self)
    }

    /// The relay log's rules are the administrators' to change, a restore included.
    fn restored_for(mut self, current: &Tenant, allowed: &Editor) -> Tenant {
        if !may_set_relay_rules(allowed) {
            self.relay = current.relay.clone();
        }
        self
    }

    fn check_restored(
        &self,
        _tenant: &Tenant,
        items: &[ItemState],
        _id: &str,
    ) -> Vec<ModelProblem> {
        check(self, items)
    }

    async fn restored_with_problems(
        state: &AppState,
        allowed: &Editor,
        ctx: &Ctx,
        current: SettingsState,
        restored: Tenant,
        problems: Vec<ModelProblem>,
    ) -> Result<Html<String>, WebError> {
        let tr = Tr::new(allowed.lang);
        let located = problems.iter().map(|p| located_here(tr, p)).collect();
        let input = SettingsInput::of(&restored, current.head);
        settings_form(state, allowed, ctx, current, input, located, None, None).await
    }
}

/// A problem as (field id, message), pointing at this page's fields: "about the model"
/// is its own page in the files, the `about` field here.
fn located_here(tr: Tr, problem: &ModelProblem) -> (String, String) {
    let (id, message) = located(tr, problem);
    match (&problem.place, problem.lang) {
        (rules::Place::About, Some(lang)) => (format!("about-{lang}"), message),
        (_, Some(lang)) if problem.field == "levels" => {
            (format!("level_municipality-{lang}"), message)
        }
        _ => (id, message),
    }
}

/// The model's rules for the settings, and what they refer to among `items`.
fn check(tenant: &Tenant, items: &[ItemState]) -> Vec<ModelProblem> {
    let mut problems = Vec::new();
    // The logo is not changed here, and the editor holds its name, not its contents.
    let without_logo = Tenant {
        logo: None,
        ..tenant.clone()
    };
    rules::check_tenant(&without_logo, &mut problems);
    let refs = rules::References::new(tenant, items.iter().map(|s| &s.object));
    rules::check_tenant_references(tenant, &refs, &mut problems);
    // A priority content still serves stays.
    let in_use = items
        .iter()
        .flat_map(|s| &s.object.priorities)
        .any(|key| !tenant.priorities.iter().any(|p| &p.key == key));
    if in_use {
        problems.push(ModelProblem {
            place: rules::Place::Tenant,
            lang: None,
            field: "priorities",
            problem: FieldProblem::InUse,
        });
    }
    problems
}

/// Whether the person may change the relay log's rules: the tenant's administrators.
fn may_set_relay_rules(allowed: &Editor) -> bool {
    allowed
        .user
        .actor
        .roles_in(Some(allowed.tenant.record.id.as_str()))
        .any(|r| r == Role::TenantAdmin)
}

/// A priority row as sent: key, labels, position; `existing` keys cannot be renamed.
#[derive(Debug, Clone, Default)]
pub struct PriorityInput {
    pub key: String,
    pub nb: String,
    pub nn: String,
    pub position: String,
    pub remove: bool,
    pub existing: bool,
}

/// The settings form as sent, kept as typed.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub name: [String; 2],
    pub model_name: [String; 2],
    pub intro: [String; 2],
    /// Municipality, service and individual level, per language.
    pub levels: [[String; 3]; 2],
    pub about: [String; 2],
    pub shortcomings: [String; 2],
    pub colour: String,
    pub email: String,
    pub child_welfare: String,
    pub out_of_hours: String,
    pub privacy_page: String,
    pub consent_age: String,
    pub retention_days: String,
    pub a11y_date: String,
    pub statement_url: String,
    /// The search synonyms, one group per line.
    pub synonyms: String,
    /// Counts below this are shown as "under" it in the figures.
    pub threshold: String,
    /// The figures (keys) on the public page.
    pub public_figures: Vec<String>,
    pub priorities: Vec<PriorityInput>,
    pub base: String,
    pub comment: String,
    pub csrf: String,
}

const LEVEL_FIELDS: [&str; 3] = ["level_municipality", "level_service", "level_individual"];

impl SettingsInput {
    fn of(tenant: &Tenant, base: i64) -> SettingsInput {
        let optional = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut input = SettingsInput {
            colour: optional(&tenant.primary_colour),
            email: optional(&tenant.contact_email),
            child_welfare: optional(&tenant.child_welfare),
            out_of_hours: optional(&tenant.child_welfare_out_of_hours),
            privacy_page: optional(&tenant.relay.privacy_page),
            consent_age: tenant.relay.youth_consent_age.to_string(),
            retention_days: tenant.relay.retention_days.to_string(),
            a11y_date: tenant
                .accessibility
                .date
                .map(format_iso_date)
                .unwrap_or_default(),
            statement_url: optional(&tenant.accessibility.statement_url),
            synonyms: saman_domain::search::synonyms_as_lines(&tenant.search_synonyms),
            threshold: tenant.evaluation.threshold.to_string(),
            public_figures: tenant.evaluation.public_figures.clone(),
            priorities: tenant
                .priorities
                .iter()
                .enumerate()
                .map(|(i, p)| PriorityInput {
                    key: p.key.clone(),
                    nb: p.label.nb.clone().unwrap_or_default(),
                    nn: p.label.nn.clone().unwrap_or_default(),
                    position: (i + 1).to_string(),
                    remove: false,
                    existing: true,
                })
                .collect(),
            base: base.to_string(),
            ..SettingsInput::default()
        };
        for lang in Lang::ALL {
            let i = lang_index(lang);
            if let Some(t) = tenant.text.get(lang) {
                input.name[i] = t.name.clone();
                input.model_name[i] = t.model_name.clone();
                input.intro[i] = t.intro.clone();
                input.shortcomings[i] = t.accessibility_shortcomings.clone();
                if let Some(l) = &t.levels {
                    input.levels[i] = [
                        l.municipality.clone(),
                        l.service.clone(),
                        l.individual.clone(),
                    ];
                }
            }
            input.about[i] = tenant.about.get(lang).cloned().unwrap_or_default();
        }
        input
    }

    fn parse(body: &[u8]) -> SettingsInput {
        let mut input = SettingsInput::default();
        // (row, column, value)
        let mut rows: Vec<(usize, &'static str, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            let (name, lang) = match key.rsplit_once('-') {
                Some((name, code)) => match code.parse::<Lang>() {
                    Ok(lang) => (name.to_string(), Some(lang_index(lang))),
                    Err(_) => (key.to_string(), None),
                },
                None => (key.to_string(), None),
            };
            match (name.as_str(), lang) {
                ("name", Some(i)) => input.name[i] = value,
                ("model_name", Some(i)) => input.model_name[i] = value,
                ("intro", Some(i)) => input.intro[i] = value,
                ("about", Some(i)) => input.about[i] = value.replace("\r\n", "\n"),
                ("accessibility_shortcomings", Some(i)) => {
                    input.shortcomings[i] = value.replace("\r\n", "\n")
                }
                (level, Some(i)) if LEVEL_FIELDS.contains(&level) => {
                    let n = LEVEL_FIELDS.iter().position(|f| *f == level).unwrap_or(0);
                    input.levels[i][n] = value;
                }
                ("primary_colour", None) => input.colour = value.trim().to_string(),
                ("contact_email", None) => input.email = value.trim().to_string(),
                ("child_welfare", None) => input.child_welfare = value,
                ("child_welfare_out_of_hours", None) => input.out_of_hours = value,
                ("privacy_page", None) => input.privacy_page = value,
                ("youth_consent_age", None) => input.consent_age = value,
                ("retention_days", None) => input.retention_days = value.trim().to_string(),
                ("accessibility_date", None) => input.a11y_date = value.trim().to_string(),
                ("statement_url", None) => input.statement_url = value.trim().to_string(),
                ("search_synonyms", None) => input.synonyms = value.replace("\r\n", "\n"),
                ("evaluation_threshold", None) => input.threshold = value.trim().to_string(),
                ("evaluation_public", None) => input.public_figures.push(value),
                ("base", None) => input.base = value,
                ("comment", None) => input.comment = value,
                ("csrf", None) => input.csrf = value,
                (other, lang) => {
                    let Some((column, row)) = other
                        .strip_prefix("priority-")
                        .and_then(|rest| rest.rsplit_once('-'))
                        .and_then(|(column, n)| Some((column, n.parse::<usize>().ok()?)))
                        .filter(|(_, n)| *n < rules::limits::LIST + NEW_PRIORITY_ROWS)
                    else {
                        continue;
                    };
                    let column = match (column, lang) {
                        ("key", None) => "key",
                        ("position", None) => "position",
                        ("remove", None) => "remove",
                        ("existing", None) => "existing",
                        _ => continue,
                    };
                    rows.push((row, column, value));
                }
            }
        }
        // Labels carry their language after the row: priority-label-0-nb.
        for (key, value) in form_urlencoded::parse(body) {
            if let Some((row, lang)) = key
                .strip_prefix("priority-label-")
                .and_then(|rest| rest.split_once('-'))
                .and_then(|(n, l)| Some((n.parse::<usize>().ok()?, l.parse::<Lang>().ok()?)))
                .filter(|(n, _)| *n < rules::limits::LIST + NEW_PRIORITY_ROWS)
            {
                let column = if lang == Lang::Nb { "nb" } else { "nn" };
                rows.push((row, column, value.into_owned()));
            }
        }
        let count = rows.iter().map(|(r, _, _)| r + 1).max().unwrap_or(0);
        input.priorities = vec![PriorityInput::default(); count];
        for (row, column, value) in rows {
            let p = &mut input.priorities[row];
            match column {
                "key" => p.key = value.trim().to_string(),
                "position" => p.position = value.trim().to_string(),
                "remove" => p.remove = value == "ja",
                "existing" => p.existing = value == "ja",
                "nb" => p.nb = value,
                _ => p.nn = value,
            }
        }
        input
            .priorities
            .retain(|p| !(p.key.is_empty() && p.nb.trim().is_empty() && p.nn.trim().is_empty()));
        input
    }

    /// The settings this input makes from `current`, or the problems. Without
    /// `relay_rules`, the relay log's rules stay as they are.
    fn to_tenant(
        &self,
        tr: Tr,
        current: &Tenant,
        items: &[ItemState],
        relay_rules: bool,
    ) -> Result<Tenant, Vec<(String, String)>> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut push = |field: &str, problem: FieldProblem| {
            problems.push(field_problem(tr, field, None, &problem))
        };
        let optional = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let mut tenant = current.clone();
        tenant.primary_colour = optional(&self.colour);
        tenant.contact_email = optional(&self.email);
        tenant.child_welfare = optional(&self.child_welfare);
        tenant.child_welfare_out_of_hours = optional(&self.out_of_hours);
        tenant.accessibility.statement_url = optional(&self.statement_url);
        tenant.search_synonyms = saman_domain::search::synonyms_from_lines(&self.synonyms);
        tenant.accessibility.date = match optional(&self.a11y_date) {
            None => None,
            Some(d) => parse_iso_date(&d).or_else(|| {
                push("accessibility_date", FieldProblem::NotADate);
                None
            }),
        };
        if relay_rules {
            tenant.relay.privacy_page = optional(&self.privacy_page);
            match self.consent_age.parse::<u8>() {
                Ok(age) if RelaySettings::YOUTH_CONSENT_AGES.contains(&age) => {
                    tenant.relay.youth_consent_age = age
                }
                _ => push("youth_consent_age", FieldProblem::NotANumber),
            }
            match self.retention_days.parse::<u32>() {
                Ok(days) if days <= RelaySettings::MAX_RETENTION_DAYS => {
                    tenant.relay.retention_days = days
                }
                _ => push("retention_days", FieldProblem::NotANumber),
            }
            let thresholds = evaluation::MIN_THRESHOLD..=evaluation::MAX_THRESHOLD;
            match self.threshold.parse::<u32>() {
                Ok(n) if thresholds.contains(&n) => tenant.evaluation.threshold = n,
                _ => push("evaluation_threshold", FieldProblem::NotANumber),
            }
            // In the figures' own order, each once.
            tenant.evaluation.public_figures = evaluation::Figure::all()
                .map(|f| f.key().to_string())
                .filter(|k| self.public_figures.contains(k))
                .collect();
        }
        let mut text = ByLang::default();
        let mut about = ByLang::default();
        for lang in Lang::ALL {
            let i = lang_index(lang);
            let written = [&self.name[i], &self.model_name[i], &self.intro[i]]
                .iter()
                .chain(self.levels[i].iter().collect::<Vec<_>>().iter())
                .any(|v| !v.trim().is_empty());
            if written || !self.shortcomings[i].trim().is_empty() {
                let [municipality, service, individual] = self.levels[i].clone();
                let levels = [&municipality, &service, &individual]
                    .iter()
                    .any(|l| !l.trim().is_empty())
                    .then(|| LevelNames {
                        municipality: municipality.trim().to_string(),
                        service: service.trim().to_string(),
                        individual: individual.trim().to_string(),
                    });
                text.set(
                    lang,
                    TenantText {
                        name: self.name[i].trim().to_string(),
                        model_name: self.model_name[i].trim().to_string(),
                        intro: self.intro[i].trim().to_string(),
                        levels,
                        accessibility_shortcomings: self.shortcomings[i].trim_end().to_string(),
                    },
                );
            }
            if !self.about[i].trim().is_empty() {
                about.set(lang, self.about[i].trim_end().to_string());
            }
        }
        tenant.text = text;
        tenant.about = about;
        // Priorities in the order of their positions; a removed one only if unused.
        let mut rows: Vec<(u32, usize, &PriorityInput)> = Vec::new();
        for (i, p) in self.priorities.iter().enumerate() {
            // Whether it may go, given the content that uses it, `check` says below.
            if p.remove && p.existing {
                continue;
            }
            let position = p.position.parse::<u32>().unwrap_or(u32::MAX);
            rows.push((position, i, p));
        }
        rows.sort_by_key(|(position, i, _)| (*position, *i));
        let mut keys = std::collections::BTreeSet::new();
        tenant.priorities = Vec::new();
        for (_, _, p) in rows {
            if !slug::is_valid(&p.key) {
                push("priorities", FieldProblem::InvalidSlug);
                continue;
            }
            if !keys.insert(p.key.clone()) {
                push("priorities", FieldProblem::SlugTaken);
                continue;
            }
            tenant.priorities.push(Priority {
                key: p.key.clone(),
                label: ByLang {
                    nb: optional(&p.nb),
                    nn: optional(&p.nn),
                },
            });
        }
        problems.extend(check(&tenant, items).iter().map(|p| located_here(tr, p)));
        problems.extend(super::input::comment_problem(tr, &self.comment));
        if problems.is_empty() {
            Ok(tenant)
        } else {
            Err(problems)
        }
    }
}

pub struct SettingsColumn {
    pub code: &'static str,
    pub name: String,
    pub missing: bool,
    pub fields: Vec<TextField>,
}

pub struct PriorityRow {
    pub index: usize,
    pub input: PriorityInput,
}

#[derive(Template)]
#[template(path = "editor_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    heading: String,
    action: String,
    csrf: String,
    input: SettingsInput,
    problems: Vec<(String, String)>,
    columns: Vec<SettingsColumn>,
    services: Vec<Choice>,
    out_of_hours: Vec<Choice>,
    pages: Vec<Choice>,
    priorities: Vec<PriorityRow>,
    relay_rules: bool,
    /// The figures an administrator may publish, those published checked.
    figures: Vec<Choice>,
    /// The logo's file name, if the tenant has one.
    logo: Option<String>,
    status_box: Option<StatusBox>,
    message: Option<String>,
    conflict: Option<Conflict>,
}

impl SettingsPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[allow(clippy::too_many_arguments)]
async fn settings_form(
    app: &AppState,
    allowed: &Editor,
    ctx: &Ctx,
    state: SettingsState,
    input: SettingsInput,
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
        .map(|(i, l)| {
            let mut fields: Vec<(&str, &String, usize, Option<String>)> = vec![
                ("name", &input.name[i], 1, None),
                ("model_name", &input.model_name[i], 1, None),
                ("intro", &input.intro[i], 3, None),
            ];
            for (n, field) in LEVEL_FIELDS.iter().enumerate() {
                let hint = (n == 0).then(|| tr.t("editor-levels-hint"));
                fields.push((field, &input.levels[i][n], 1, hint));
            }
            fields.push(("about", &input.about[i], 12, Some(tr.t("editor-body-hint"))));
            fields.push((
                "accessibility_shortcomings",
                &input.shortcomings[i],
                4,
                Some(tr.t("editor-shortcomings-hint")),
            ));
            SettingsColumn {
                code: l.code(),
                name: tr.t(&format!("lang-{l}")),
                missing: input.name[i].trim().is_empty(),
                fields: fields
                    .into_iter()
                    .map(|(name, value, rows, hint)| {
                        let id = format!("{name}-{l}");
                        TextField {
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
            }
        })
        .collect();
    let mut sorted: Vec<&Item> = items.iter().map(|s| &s.object).collect();
    sorted.sort_by_cached_key(|i| crate::views::norwegian_sort_key(&super::title_of(i, lang)));
    let choice = |item: &&Item, selected: &str| Choice {
        value: item.slug.clone(),
        label: super::title_of(item, lang),
        checked: item.slug == selected,
    };
    let services = |selected: &str| {
        sorted
            .iter()
            .filter(|i| i.kind == Kind::Service)
            .map(|i| choice(i, selected))
            .collect()
    };
    let mut priorities: Vec<PriorityRow> = input
        .priorities
        .iter()
        .cloned()
        .enumerate()
        .map(|(index, input)| PriorityRow { index, input })
        .collect();
    for _ in 0..NEW_PRIORITY_ROWS {
        priorities.push(PriorityRow {
            index: priorities.len(),
            input: PriorityInput {
                position: (priorities.len() + 1).to_string(),
                ..PriorityInput::default()
            },
        });
    }
    let heading = tr.t("settings-title");
    render(SettingsPage {
        chrome: Chrome::tenant(lang, heading.clone(), ctx, &allowed.tenant.record, ""),
        heading,
        action: editor_href::<Tenant>(allowed, &state.id),
        csrf: allowed.user.session.csrf_token.clone(),
        columns,
        services: services(&input.child_welfare),
        out_of_hours: services(&input.out_of_hours),
        pages: sorted
            .iter()
            .map(|i| choice(i, &input.privacy_page))
            .collect(),
        priorities,
        relay_rules: may_set_relay_rules(allowed),
        figures: evaluation::Figure::all()
            .map(|f| Choice {
                value: f.key().to_string(),
                label: tr.t(&format!("evaluation-figure-{}", f.key())),
                checked: input.public_figures.iter().any(|k| k == f.key()),
            })
            .collect(),
        logo: state.object.logo.as_ref().map(|l| l.file_name.clone()),
        status_box: Some(StatusBox::of(tr, &urls, &state, urls.at("/om"))),
        input,
        problems,
        message,
        conflict,
    })
}

/// The editor's own settings: `/rediger/innstillinger` leads to the tenant's.
pub async fn start(allowed: Editor) -> Response {
    Redirect::to(&editor_href::<Tenant>(
        &allowed,
        allowed.tenant.record.id.as_str(),
    ))
    .into_response()
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Query(query): Query<EditQuery>,
) -> Result<Html<String>, WebError> {
    let tr = Tr::new(allowed.lang);
    let current = current::<Tenant>(&state, &allowed, &id).await?;
    let message = query.message(tr);
    let input = SettingsInput::of(&current.object, current.head);
    settings_form(
        &state,
        &allowed,
        &ctx,
        current,
        input,
        Vec::new(),
        message,
        None,
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = SettingsInput::parse(&body);
    check_token(&allowed.user.session.csrf_token, &input.csrf)?;
    let tr = Tr::new(allowed.lang);
    let tenant_id = &allowed.tenant.record.id;
    let current = current::<Tenant>(&state, &allowed, &id).await?;
    let items = state.store.editable_items(tenant_id).await?;
    let relay_rules = may_set_relay_rules(&allowed);
    let tenant = match input.to_tenant(tr, &current.object, &items, relay_rules) {
        Ok(tenant) => tenant,
        Err(problems) => {
            let html =
                settings_form(&state, &allowed, &ctx, current, input, problems, None, None).await?;
            return Ok(form_with_problems(html));
        }
    };
    let save = Save {
        base: input.base.parse().ok(),
        change: Change::Edit,
        restored_from: None,
        comment: Some(input.comment.as_str()),
    };
    let audit = audit_context(&allowed, address);
    match state
        .store
        .save::<Tenant>(tenant_id, Some(&id), &tenant, &save, &audit)
        .await?
    {
        Saved::Version { .. } => Ok(Redirect::to(&format!(
            "{}?lagret=1",
            editor_href::<Tenant>(&allowed, &id)
        ))
        .into_response()),
        Saved::SlugTaken => Err(WebError::NotFound),
        Saved::Conflict(newer) => {
            let conflict = conflict_of(tr, &newer, &tenant);
            let mut input = input;
            input.base = newer.head.to_string();
            let html = settings_form(
                &state,
                &allowed,
                &ctx,
                *newer,
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

/// Uploads the tenant's logo (SVG or PNG, checked by its content), or removes it with
/// `fjern=ja`: a new draft version of the settings.
pub async fn logo(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    multipart: axum::extract::Multipart,
) -> Result<Response, WebError> {
    let tr = Tr::new(allowed.lang);
    let upload = super::attachments::read_upload(tr, multipart).await?;
    check_token(&allowed.user.session.csrf_token, &upload.csrf)?;
    let current = current::<Tenant>(&state, &allowed, &id).await?;
    let mut tenant = current.object.clone();
    tenant.logo = if upload.remove {
        None
    } else {
        let problem = match &upload.file {
            None => Some(FieldProblem::NoFile),
            Some((name, _)) if !rules::is_safe_file_name(name) => {
                Some(FieldProblem::InvalidFileName)
            }
            Some((name, bytes)) => rules::check_logo(name, bytes),
        };
        if let Some(problem) = problem {
            let (_, message) = field_problem(tr, "logo", None, &problem);
            let input = SettingsInput::of(&current.object, current.head);
            let problems = vec![("logo-file".to_string(), message)];
            let html =
                settings_form(&state, &allowed, &ctx, current, input, problems, None, None).await?;
            return Ok(form_with_problems(html));
        }
        upload
            .file
            .map(|(file_name, bytes)| FileContent { file_name, bytes })
    };
    let save = Save {
        base: upload.base.parse().ok(),
        change: Change::Edit,
        restored_from: None,
        comment: None,
    };
    let audit = audit_context(&allowed, address);
    let href = editor_href::<Tenant>(&allowed, &id);
    let outcome = match state
        .store
        .save::<Tenant>(&allowed.tenant.record.id, Some(&id), &tenant, &save, &audit)
        .await?
    {
        Saved::Version { .. } => "lagret=1",
        _ => "nyere=1",
    };
    Ok(Redirect::to(&format!("{href}?{outcome}")).into_response())
}

/// "About the model" with the draft settings, as the public will see it.
pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    allowed: Editor,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let current = current::<Tenant>(&state, &allowed, &id).await?;
    let published = &allowed.tenant;
    let mut record = published.record.clone();
    record.tenant = current.object;
    let draft = saman_store::Published {
        record,
        model: published.model.clone(),
    };
    let back = editor_href::<Tenant>(&allowed, &id);
    super::super::tenant::about_page(&draft, allowed.lang, &ctx, Some(back))
}
