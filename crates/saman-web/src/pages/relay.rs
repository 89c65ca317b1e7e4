//! The relay log's pages: "my logs", opening a log, the log page with its forms, consent
//! for families and professionals, and the access log. Handlers never decide who may do
//! what, and never touch the log's tables: they hand the request to
//! [`saman_relay::Relay`], which asks the policy and audits, and show what it answers.
//! What someone may not see is "not found".

use super::render;
use crate::AppState;
use crate::auth::ClientAddress;
use crate::auth::access::{Allowed, CanEnterTenant, SignedIn};
use crate::auth::csrf::check_token;
use crate::error::{WebError, form_with_problems, page_with_status};
use crate::i18n::Tr;
use crate::urls::TenantUrls;
use crate::views::{Chrome, Ctx};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use saman_relay::content::{Achieved, Content, Problem};
use saman_relay::policy::{Basis, LogState, RelayAction};
use saman_relay::{
    Change, ConsentForm, ConsentStatus, HolderCounts, LogSummary, LogView, NewEntry, NewLog, Relay,
    Requester,
};
use saman_store::TenantRecord;
use std::collections::HashMap;

impl From<saman_relay::RelayError> for WebError {
    fn from(e: saman_relay::RelayError) -> Self {
        if e.is_storage_full() {
            return WebError::StorageFull(e.to_string());
        }
        WebError::Internal(e.to_string())
    }
}

/// What a relay page needs: the signed-in person in the tenant, as the relay log sees
/// them, and the tenant's services by slug and name.
pub struct Context {
    allowed: Allowed<CanEnterTenant>,
    relay: Relay,
    who: Requester,
    services: Vec<(String, String)>,
}

/// Any signed-in person in the tenant of the path; what they may do with a log is the
/// relay log's policy's to decide.
impl FromRequestParts<AppState> for Context {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let allowed = Allowed::<CanEnterTenant>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ClientAddress(address) = match ClientAddress::from_request_parts(parts, state).await {
            Ok(address) => address,
            Err(never) => match never {},
        };
        let relay = Relay::new(state.store.clone());
        let who = requester_of(&allowed.user, &allowed.tenant.record, &address);
        let services = super::invite::services_of(&allowed.tenant, allowed.lang);
        Ok(Context {
            allowed,
            relay,
            who,
            services,
        })
    }
}

/// A signed-in person as the relay log sees them in `tenant`: all of it from their
/// session, loaded with its request.
pub fn requester_of(user: &SignedIn, tenant: &TenantRecord, address: &str) -> Requester {
    Relay::requester_of(
        &user.actor,
        user.pid_key.clone(),
        &user.services,
        tenant,
        address,
    )
}

/// A posted form of a relay page: the [`Context`], and the form's fields once its
/// token has been checked.
pub struct Posted {
    c: Context,
    fields: Vec<(String, String)>,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let c = Context::from_request_parts(&mut parts, state).await?;
        let body = String::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = pairs(&body);
        check_token(c.csrf(), field(&fields, "csrf")).map_err(IntoResponse::into_response)?;
        Ok(Posted { c, fields })
    }
}

impl Context {
    fn tr(&self) -> Tr {
        Tr::new(self.allowed.lang)
    }

    fn urls(&self) -> TenantUrls {
        TenantUrls::new(self.allowed.lang, &self.allowed.tenant.record.tenant.slug)
    }

    fn chrome(&self, ctx: &Ctx, title: String) -> Chrome {
        Chrome::tenant(
            self.allowed.lang,
            title,
            ctx,
            &self.allowed.tenant.record,
            "",
        )
    }

    fn municipality(&self) -> &str {
        self.allowed.tenant.record.tenant.name(self.allowed.lang)
    }

    fn csrf(&self) -> &str {
        &self.allowed.user.session.csrf_token
    }

    fn service_slugs(&self) -> Vec<String> {
        self.services.iter().map(|(s, _)| s.clone()).collect()
    }

    fn service_name(&self, slug: &str) -> String {
        self.services
            .iter()
            .find(|(s, _)| s == slug)
            .map_or_else(|| slug.to_string(), |(_, n)| n.clone())
    }
}

/// A message at the top of a log's page: a confirmation, or a problem (a conflict, an
/// action no longer offered), which is announced at once and coloured as one.
pub struct Notice {
    pub text: String,
    problem: bool,
}

impl Notice {
    fn saved(text: String) -> Notice {
        Notice {
            text,
            problem: false,
        }
    }

    fn problem(text: String) -> Notice {
        Notice {
            text,
            problem: true,
        }
    }

    pub fn color(&self) -> &'static str {
        if self.problem { "danger" } else { "info" }
    }

    pub fn role(&self) -> &'static str {
        if self.problem { "alert" } else { "status" }
    }
}

/// A form's input and problems, so the page can come back with both.
#[derive(Default)]
pub struct FormState {
    /// Which form on the page the input belongs to.
    form: String,
    input: HashMap<String, String>,
    checked: Vec<(String, String)>,
    /// (field id, message), in the order of the form.
    problems: Vec<(String, String)>,
}

impl FormState {
    fn from_pairs(form: &str, pairs: &[(String, String)]) -> FormState {
        let mut state = FormState {
            form: form.to_string(),
            ..Default::default()
        };
        for (k, v) in pairs {
            state.input.insert(k.clone(), v.clone());
            state.checked.push((k.clone(), v.clone()));
        }
        state
    }

    fn with_problems(mut self, tr: Tr, prefix: &str, problems: &[Problem]) -> FormState {
        self.problems = problems
            .iter()
            .map(|p| (format!("{prefix}{}", p.field), tr.t(p.message)))
            .collect();
        self
    }

    /// The problems' messages as one text, if there are any.
    fn problem_text(&self) -> Option<String> {
        let messages: Vec<&str> = self.problems.iter().map(|(_, m)| m.as_str()).collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    }

    /// The value typed into `name` on `form`, if that form came back.
    pub fn val(&self, form: &str, name: &str) -> &str {
        if self.form == form {
            self.input.get(name).map_or("", String::as_str)
        } else {
            ""
        }
    }

    /// Whether a checkbox was checked on `form` when it came back.
    pub fn was_checked(&self, form: &str, name: &str, value: &str) -> bool {
        self.form == form && self.checked.iter().any(|(k, v)| k == name && v == value)
    }

    /// Whether `form` came back (to keep its details open).
    pub fn is(&self, form: &str) -> bool {
        self.form == form
    }

    pub fn err(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn problems(&self) -> &[(String, String)] {
        &self.problems
    }
}

fn pairs(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

// ---------------------------------------------------------------------------------
// My logs

pub struct SummaryRow {
    href: Option<String>,
    child: String,
    holder: String,
    service: String,
    level: u8,
    state: String,
    consent: String,
    needs: Vec<String>,
}

#[derive(Template)]
#[template(path = "relay_list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<SummaryRow>,
    new_href: Option<String>,
    /// For service leaders: their services' overview.
    overview_href: Option<String>,
    family: bool,
    /// For professionals: the empty consent form per language, and an empty log.
    consent_forms: Vec<(String, String, String)>,
    empty_log_href: Option<String>,
}

pub async fn list(ctx: Ctx, c: Context) -> Result<Response, WebError> {
    let tr = c.tr();
    let urls = c.urls();
    let mut summaries = c.relay.my_logs(&c.who).await?;
    // What needs doing first: overdue evaluations, consents to answer or renew.
    summaries.sort_by_key(|s| {
        (
            s.overdue == 0,
            !s.consent_requested && !s.handover_to_me,
            !matches!(
                s.consent,
                Some(
                    saman_relay::consent::ConsentState::EndsSoon { .. }
                        | saman_relay::consent::ConsentState::Expired
                )
            ),
        )
    });
    let rows = summaries
        .into_iter()
        .map(|s| summary_row(&c, tr, &urls, s))
        .collect();
    Ok(render(ListPage {
        chrome: c.chrome(&ctx, tr.t("relay-list-title")),
        rows,
        new_href: c.who.is_professional().then(|| urls.relay_new()),
        overview_href: (!saman_relay::policy::overseen_services(&c.who.roles, &c.who.services)
            .is_empty())
        .then(|| urls.relay_overview(1)),
        family: !c.who.is_professional(),
        consent_forms: if c.who.is_professional() {
            consent_form_links(&urls.at("/stafettlogg/samtykkeskjema"))
        } else {
            Vec::new()
        },
        empty_log_href: c
            .who
            .is_professional()
            .then(|| urls.at("/stafettlogg/tom-utskrift")),
    })?
    .into_response())
}

/// A list's line, with what needs doing first.
fn summary_row(c: &Context, tr: Tr, urls: &TenantUrls, s: LogSummary) -> SummaryRow {
    let mut needs = Vec::new();
    if s.overdue > 0 {
        needs.push(tr.t1("relay-needs-overdue", "count", s.overdue as i64));
    }
    if s.consent_requested {
        needs.push(tr.t("relay-needs-consent"));
    }
    if s.handover_to_me {
        needs.push(tr.t("relay-needs-handover"));
    }
    if let Some(days) = s
        .handover_waiting
        .filter(|d| *d >= saman_relay::storage::baton::HANDOVER_WAITS_TOO_LONG_DAYS)
    {
        needs.push(tr.t1("relay-needs-handover-waiting", "days", days));
    }
    SummaryRow {
        href: s.child_name.is_some().then(|| urls.relay_log(&s.id)),
        child: s.child_name.unwrap_or_default(),
        holder: s.holder_name,
        service: c.service_name(&s.holder_service),
        level: s.level,
        state: tr.t(&format!("relay-state-{}", s.state.key())),
        consent: consent_state_text(tr, s.consent),
        needs,
    }
}

fn consent_state_text(tr: Tr, state: Option<saman_relay::consent::ConsentState>) -> String {
    use saman_relay::consent::ConsentState::*;
    match state {
        None => tr.t("relay-consent-none"),
        Some(Active) => tr.t("relay-consent-active"),
        Some(EndsSoon { days_left }) => tr.t1("relay-consent-ends-soon", "days", days_left),
        Some(Expired) => tr.t("relay-consent-expired"),
        Some(Withdrawn) => tr.t("relay-consent-withdrawn"),
    }
}

// ---------------------------------------------------------------------------------
// A service leader's overview

/// One holder's line in a service's table.
struct HolderRow {
    name: String,
    counts: HolderCounts,
}

/// One service the leader leads, with its holders.
struct ServiceTable {
    name: String,
    holders: Vec<HolderRow>,
    total: HolderCounts,
}

#[derive(Template)]
#[template(path = "relay_overview.html")]
struct OverviewPage {
    chrome: Chrome,
    services: Vec<ServiceTable>,
    rows: Vec<SummaryRow>,
    readable_caption: String,
    page: usize,
    previous_href: Option<String>,
    next_href: Option<String>,
    list_href: String,
}

/// The page asked for in `?side=N`; anything else is the first.
fn page_asked(query: Option<&str>) -> usize {
    query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("side="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

pub async fn overview(ctx: Ctx, c: Context) -> Result<Response, WebError> {
    let tr = c.tr();
    let urls = c.urls();
    let overview = c
        .relay
        .service_overview(&c.who, page_asked(ctx.query.as_deref()))
        .await?
        .ok_or(WebError::NotFound)?;
    let services = overview
        .services
        .into_iter()
        .map(|s| {
            let total = s.total();
            ServiceTable {
                name: c.service_name(&s.service),
                holders: s
                    .holders
                    .into_iter()
                    .map(|h| HolderRow {
                        name: if h.holder_name.is_empty() {
                            tr.t("relay-overview-unknown-holder")
                        } else {
                            h.holder_name.clone()
                        },
                        counts: h,
                    })
                    .collect(),
                total,
            }
        })
        .collect();
    let rows = overview
        .readable
        .into_iter()
        .map(|s| summary_row(&c, tr, &urls, s))
        .collect();
    let page = overview.page;
    Ok(render(OverviewPage {
        chrome: c.chrome(&ctx, tr.t("relay-overview-title")),
        services,
        rows,
        readable_caption: tr.t1("relay-overview-readable-caption", "page", page as i64),
        page,
        previous_href: (page > 1).then(|| urls.relay_overview(page - 1)),
        next_href: overview.more.then(|| urls.relay_overview(page + 1)),
        list_href: urls.relay_list(),
    })?
    .into_response())
}

// ---------------------------------------------------------------------------------
// Opening a log

pub struct Choice {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "relay_new.html")]
struct NewPage {
    chrome: Chrome,
    action: String,
    csrf: String,
    form: FormState,
    holder_services: Vec<Choice>,
    services: Vec<Choice>,
    levels: Vec<Choice>,
    guardian_rows: Vec<usize>,
}

fn new_page(c: &Context, ctx: &Ctx, form: FormState) -> Result<Html<String>, WebError> {
    let tr = c.tr();
    let holder_services = c
        .who
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| Choice {
            value: s.clone(),
            label: c.service_name(s),
            checked: form.was_checked("new", "holder_service", s)
                || (form.form.is_empty() && i == 0),
        })
        .collect();
    let services = c
        .services
        .iter()
        .map(|(slug, name)| Choice {
            value: slug.clone(),
            label: name.clone(),
            checked: form.was_checked("new", "service", slug),
        })
        .collect();
    let levels = (1..=3)
        .map(|l| Choice {
            value: l.to_string(),
            label: tr.t(&format!("relay-level-{l}")),
            checked: form.was_checked("new", "level", &l.to_string())
                || (form.form.is_empty() && l == 2),
        })
        .collect();
    render(NewPage {
        chrome: c.chrome(ctx, tr.t("relay-new-title")),
        action: c.urls().relay_new(),
        csrf: c.csrf().to_string(),
        form,
        holder_services,
        services,
        levels,
        guardian_rows: vec![1, 2],
    })
}

pub async fn new_form(ctx: Ctx, c: Context) -> Result<Response, WebError> {
    if !c.who.is_professional() || c.who.services.is_empty() {
        return Err(WebError::NotFound);
    }
    Ok(new_page(&c, &ctx, FormState::default())?.into_response())
}

pub async fn open(ctx: Ctx, Posted { c, fields: p }: Posted) -> Result<Response, WebError> {
    if !c.who.is_professional() || c.who.services.is_empty() {
        return Err(WebError::NotFound);
    }
    let new = NewLog {
        child_name: field(&p, "child_name").into(),
        child_birth: field(&p, "child_birth").into(),
        child_pid: field(&p, "child_pid").into(),
        pregnant: field(&p, "pregnant") == "on",
        guardians: (1..=2)
            .map(|i| {
                (
                    field(&p, &format!("guardian_{i}_name")).to_string(),
                    field(&p, &format!("guardian_{i}_pid")).to_string(),
                )
            })
            .collect(),
        concern: field(&p, "concern").into(),
        level: field(&p, "level").into(),
        holder_service: field(&p, "holder_service").into(),
        services: all(&p, "service"),
    };
    match c.relay.open(&c.who, &new, &c.service_slugs()).await? {
        Ok(id) => Ok(Redirect::to(&c.urls().relay_log(&id)).into_response()),
        Err(problems) => {
            let form = FormState::from_pairs("new", &p).with_problems(c.tr(), "", &problems);
            Ok(form_with_problems(new_page(&c, &ctx, form)?))
        }
    }
}

// ---------------------------------------------------------------------------------
// The log page

pub struct ConsentRow {
    version: u32,
    services: String,
    covers: String,
    given: String,
    until: String,
    state: String,
    scan_href: Option<String>,
}

pub struct EvaluationRow {
    achieved: String,
    note: String,
    next_step: String,
    by: String,
}

pub struct MeasureRow {
    text: String,
    responsible: String,
    starts: String,
    evaluate: String,
    overdue: bool,
    evaluations: Vec<EvaluationRow>,
}

pub struct GoalRow {
    id: String,
    text: String,
    by: String,
    measures: Vec<MeasureRow>,
}

pub struct EntryRow {
    kind: String,
    by: String,
    at: String,
    /// The child's or youth's own words.
    voice: bool,
    heading: Option<String>,
    paragraphs: Vec<(String, String)>,
}

pub struct PersonRow {
    name: String,
    service: String,
    access: String,
}

/// A link to an action's page.
pub struct ActionLink {
    href: String,
    title: String,
}

#[derive(Template)]
#[template(path = "relay_log.html")]
struct LogPage {
    chrome: Chrome,
    base: String,
    csrf: String,
    message: Option<Notice>,
    form: FormState,
    child: String,
    facts: Vec<(String, String)>,
    concern: String,
    reads_all: bool,
    /// The consent no longer covers the holder: only renewal or closing.
    suspended: bool,
    pending: Option<ConsentRow>,
    consents: Vec<ConsentRow>,
    current_services: Vec<(String, String)>,
    people: Vec<PersonRow>,
    goals: Vec<GoalRow>,
    measures: Vec<(String, String)>,
    entries: Vec<EntryRow>,
    achieved: Vec<Choice>,
    privacy_href: Option<String>,
    may_write: bool,
    may_voice: bool,
    may_note: bool,
    may_message: bool,
    may_answer: bool,
    may_withdraw: bool,
    may_access_log: bool,
    may_answer_handover: bool,
    is_family: bool,
    is_plan: bool,
    /// "waiting for X (service) since …", while a handover waits.
    handover: Option<String>,
    plan_parts: Vec<(String, bool)>,
    closed: Option<ClosedView>,
    /// Links to the pages of what is done now and then, by the section they stand in:
    /// those the log offers the person (the same rule as the pages themselves).
    consent_actions: Vec<ActionLink>,
    people_actions: Vec<ActionLink>,
    close_action: Option<ActionLink>,
    /// The consent form to print, per language: (address, language code, its name).
    consent_forms: Vec<(String, String, String)>,
    print_href: Option<String>,
}

/// The consent form's languages, as links to `base` with `?sprak=`.
fn consent_form_links(base: &str) -> Vec<(String, String, String)> {
    saman_relay::consent_form::languages()
        .iter()
        .map(|f| {
            let href = format!("{base}?sprak={}", f.language);
            (href, f.language.clone(), f.name.clone())
        })
        .collect()
}

pub struct ClosedView {
    summary: String,
    note: String,
    archive_href: String,
    meta_href: String,
}

impl LogPage {
    fn base_href(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }
}

fn author(tr: Tr, c: &Context, name: &str, role: &str, service: &str) -> String {
    let role_text = tr.t(&format!("role-{role}"));
    if service.is_empty() {
        format!("{name} ({role_text})")
    } else {
        format!("{name} ({})", c.service_name(service))
    }
}

fn consent_row(tr: Tr, c: &Context, log_id: &str, v: &saman_relay::ConsentView) -> ConsentRow {
    let consent = &v.consent;
    let how = match &consent.given {
        saman_relay::consent::Given::Digitally => tr.t("relay-consent-digital"),
        saman_relay::consent::Given::OnPaper { .. } => tr.t("relay-consent-paper"),
    };
    let given = match (v.status, &v.given_by) {
        (ConsentStatus::Given, Some(by)) => format!("{how}, {by}, {}", tr.date(consent.given_on)),
        (ConsentStatus::Given, None) => format!("{how}, {}", tr.date(consent.given_on)),
        _ => String::new(),
    };
    let state = match v.status {
        ConsentStatus::Given => consent_state_text(tr, Some(v.state)),
        other => tr.t(&format!("relay-consent-status-{}", other.key())),
    };
    let scan_href = match &consent.given {
        saman_relay::consent::Given::OnPaper { scanned_file } if !scanned_file.is_empty() => {
            Some(c.urls().relay_file(log_id, scanned_file))
        }
        _ => None,
    };
    ConsentRow {
        version: consent.version,
        services: consent
            .services
            .iter()
            .map(|s| c.service_name(s))
            .collect::<Vec<_>>()
            .join(", "),
        covers: consent.covers.clone(),
        given,
        until: consent
            .ends_on
            .map_or_else(|| tr.t("relay-consent-no-end"), |d| tr.date(d)),
        state,
        scan_href,
    }
}

fn log_page(
    c: &Context,
    ctx: &Ctx,
    log: &LogView,
    form: FormState,
    message: Option<Notice>,
) -> Result<Html<String>, WebError> {
    let tr = c.tr();
    let urls = c.urls();
    let today = saman_store::clock::today();
    let age = saman_relay::age::age_on(log.child.birth_date, today);
    let mut facts = vec![(
        tr.t("relay-born"),
        format!(
            "{} ({})",
            tr.date(log.child.birth_date),
            tr.t1("relay-age", "years", i64::from(age))
        ),
    )];
    if log.scope != saman_relay::Scope::OwnVoice {
        facts.push((
            tr.t("relay-state"),
            tr.t(&format!("relay-state-{}", log.state.key())),
        ));
        facts.push((
            tr.t("relay-level"),
            tr.t(&format!("relay-level-{}", log.level)),
        ));
        facts.push((
            tr.t("relay-holder"),
            format!(
                "{} ({})",
                log.holder_name,
                c.service_name(&log.holder_service)
            ),
        ));
        if !log.guardians.is_empty() {
            facts.push((
                tr.t("relay-guardians"),
                log.guardians
                    .iter()
                    .map(|g| g.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        facts.push((
            tr.t("relay-consenter"),
            tr.t(match log.consenter {
                saman_relay::consent::Consenter::Guardians => "relay-consenter-guardians",
                saman_relay::consent::Consenter::Youth => "relay-consenter-youth",
                saman_relay::consent::Consenter::PregnantPerson => "relay-consenter-pregnant",
            }),
        ));
    }
    let consents: Vec<ConsentRow> = log
        .consents
        .iter()
        .map(|v| consent_row(tr, c, &log.id, v))
        .collect();
    let pending = log
        .pending_consent()
        .map(|v| consent_row(tr, c, &log.id, v));
    let current_services = log
        .current_consent()
        .filter(|v| v.consent.withdrawn_on.is_none())
        .map(|v| {
            v.consent
                .services
                .iter()
                .map(|s| (s.clone(), c.service_name(s)))
                .collect()
        })
        .unwrap_or_default();
    let mut people = vec![PersonRow {
        name: log.holder_name.clone(),
        service: c.service_name(&log.holder_service),
        access: tr.t("relay-access-holder"),
    }];
    people.extend(log.participants.iter().map(|p| PersonRow {
        name: p.name.clone(),
        service: c.service_name(&p.service),
        access: tr.t(if p.can_write {
            "relay-access-write"
        } else {
            "relay-access-read"
        }),
    }));

    // Goals with their measures and evaluations; everything else in order.
    let by = |e: &saman_relay::EntryView| {
        author(tr, c, &e.author_name, &e.author_role, &e.author_service)
    };
    let mut goals = Vec::new();
    let mut entries = Vec::new();
    let mut measures = Vec::new();
    for e in &log.entries {
        if let Content::Goal { text } = &e.content {
            goals.push(GoalRow {
                id: e.id.clone(),
                text: text.clone(),
                by: by(e),
                measures: Vec::new(),
            });
        }
    }
    for e in &log.entries {
        match &e.content {
            Content::Goal { .. } => {}
            Content::Measure {
                text,
                responsible,
                starts_on,
                evaluate_on,
            } => {
                let evaluations: Vec<EvaluationRow> = log
                    .entries
                    .iter()
                    .filter(|x| x.parent_id.as_deref() == Some(&e.id))
                    .filter_map(|x| match &x.content {
                        Content::Evaluation {
                            achieved,
                            note,
                            next_step,
                        } => Some(EvaluationRow {
                            achieved: tr.t(&format!("relay-achieved-{}", achieved.key())),
                            note: note.clone(),
                            next_step: next_step.clone(),
                            by: format!("{}, {}", by(x), tr.date_time(&x.created_at)),
                        }),
                        _ => None,
                    })
                    .collect();
                measures.push((e.id.clone(), text.clone()));
                let row = MeasureRow {
                    text: text.clone(),
                    responsible: responsible.clone(),
                    starts: tr.date(*starts_on),
                    evaluate: tr.date(*evaluate_on),
                    overdue: *evaluate_on < today && evaluations.is_empty(),
                    evaluations,
                };
                if let Some(goal) = goals
                    .iter_mut()
                    .find(|g| Some(&g.id) == e.parent_id.as_ref())
                {
                    goal.measures.push(row);
                }
            }
            Content::Evaluation { .. } => {}
            other => entries.push(entry_row(tr, other, by(e), tr.date_time(&e.created_at))),
        }
    }
    let achieved = Achieved::ALL
        .iter()
        .map(|a| Choice {
            value: a.key().into(),
            label: tr.t(&format!("relay-achieved-{}", a.key())),
            checked: form.was_checked("evaluation", "achieved", a.key()),
        })
        .collect();
    let tenant = &c.allowed.tenant.record.tenant;
    let privacy_href = tenant
        .relay
        .privacy_page
        .as_deref()
        .map(|slug| urls.item(slug));
    let is_family = matches!(log.basis, Basis::Guardian | Basis::Youth);
    let offered = |actions: &[ActionPage]| -> Vec<ActionLink> {
        actions
            .iter()
            .filter(|a| a.offered(log, &c.who.account_id))
            .map(|a| ActionLink {
                href: format!("{}{}", urls.relay_log(&log.id), a.path()),
                title: tr.t(a.title()),
            })
            .collect()
    };
    render(LogPage {
        chrome: c.chrome(ctx, log.child.name.clone()),
        base: urls.relay_log(&log.id),
        csrf: c.csrf().to_string(),
        message,
        form,
        child: log.child.name.clone(),
        facts,
        concern: log.concern.clone(),
        reads_all: log.scope == saman_relay::Scope::All,
        suspended: log.scope == saman_relay::Scope::Suspended,
        pending,
        consents,
        current_services,
        people,
        goals,
        measures,
        entries,
        achieved,
        privacy_href,
        may_write: log.may(RelayAction::WriteEntry),
        may_voice: log.may(RelayAction::Voice),
        may_note: log.may(RelayAction::GuardianNote),
        may_message: log.may(RelayAction::Message),
        may_answer: log.may(RelayAction::AnswerConsent),
        may_withdraw: log.may(RelayAction::WithdrawConsent) && log.state != LogState::Draft,
        may_access_log: log.may(RelayAction::ReadAccessLog),
        is_family,
        may_answer_handover: log.may(RelayAction::AnswerHandover),
        is_plan: log.kind == saman_relay::LogKind::Plan,
        handover: log.handover.as_ref().map(|h| {
            tr.ta(
                "relay-handover-waiting",
                [
                    ("name", h.to_name.clone().into()),
                    ("service", c.service_name(&h.to_service).into()),
                    ("since", tr.date_time(&h.requested_at).into()),
                ],
            )
        }),
        plan_parts: if log.kind == saman_relay::LogKind::Plan {
            saman_relay::storage::baton::plan_parts(log)
                .into_iter()
                .map(|(key, present)| (tr.t(key), present))
                .collect()
        } else {
            Vec::new()
        },
        closed: log.closed.as_ref().map(|closed| ClosedView {
            summary: tr.ta(
                "relay-closed-summary",
                [
                    ("date", tr.date_time(&closed.at).into()),
                    (
                        "reason",
                        tr.t(&format!("relay-close-{}", closed.reason)).into(),
                    ),
                    ("purge", tr.date_time(&closed.purge_after).into()),
                ],
            ),
            note: closed.note.clone(),
            archive_href: format!("{}/arkiv", urls.relay_log(&log.id)),
            meta_href: format!("{}/arkiv.json", urls.relay_log(&log.id)),
        }),
        consent_forms: if log.may(RelayAction::ManageConsent) {
            consent_form_links(&format!("{}/samtykkeskjema", urls.relay_log(&log.id)))
        } else {
            Vec::new()
        },
        consent_actions: offered(&[ActionPage::ConsentRequest, ActionPage::ConsentPaper]),
        people_actions: offered(&[
            ActionPage::Participant,
            ActionPage::Handover,
            ActionPage::Plan,
            ActionPage::Level,
        ]),
        close_action: offered(&[ActionPage::Close]).pop(),
        print_href: (log.scope == saman_relay::Scope::All)
            .then(|| format!("{}/utskrift", urls.relay_log(&log.id))),
    })
}

fn entry_row(tr: Tr, content: &Content, by: String, at: String) -> EntryRow {
    let p = |key: &str, text: &str| (tr.t(key), text.to_string());
    let (heading, paragraphs, voice) = match content {
        Content::Meeting {
            held_on,
            present,
            summary,
            decisions,
        } => (
            Some(tr.t1("relay-meeting-heading", "date", tr.date(*held_on))),
            vec![
                p("relay-meeting-present", present),
                p("relay-meeting-summary", summary),
                p("relay-meeting-decisions", decisions),
            ],
            false,
        ),
        Content::Note { text } | Content::Message { text } => {
            (None, vec![(String::new(), text.clone())], false)
        }
        Content::Voice { text } => (None, vec![(String::new(), text.clone())], true),
        Content::Level { from, to } => (
            None,
            vec![(
                String::new(),
                format!(
                    "{} → {}",
                    tr.t(&format!("relay-level-{from}")),
                    tr.t(&format!("relay-level-{to}"))
                ),
            )],
            false,
        ),
        Content::Holder { from, to } => {
            (None, vec![(String::new(), format!("{from} → {to}"))], false)
        }
        Content::Plan { coordinator } => (
            None,
            vec![(tr.t("relay-coordinator"), coordinator.clone())],
            false,
        ),
        Content::Goal { .. } | Content::Measure { .. } | Content::Evaluation { .. } => {
            (None, Vec::new(), false)
        }
    };
    EntryRow {
        kind: tr.t(&format!("relay-entry-{}", content.kind())),
        by,
        at,
        voice,
        heading,
        paragraphs: paragraphs
            .into_iter()
            .filter(|(_, t)| !t.is_empty())
            .collect(),
    }
}

pub async fn log(
    ctx: Ctx,
    c: Context,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let log = c.relay.log(&c.who, &id).await?.ok_or(WebError::NotFound)?;
    let message = ctx
        .query
        .as_deref()
        .and_then(|q| q.strip_prefix("lagret="))
        .and_then(|key| SAVED.iter().find(|k| **k == key))
        .map(|key| Notice::saved(c.tr().t(&format!("relay-saved-{key}"))));
    Ok(log_page(&c, &ctx, &log, FormState::default(), message)?.into_response())
}

/// The page a form was sent from, again: an action's own page (`from`), or the log page.
/// An action the log no longer offers (a plan sent twice, a log closed meanwhile) comes
/// back on the log page, with its problems as the page's message: its fields are not
/// there to link to.
fn form_page(
    c: &Context,
    ctx: &Ctx,
    log: &LogView,
    from: Option<ActionPage>,
    form: FormState,
    message: Option<Notice>,
) -> Result<Html<String>, WebError> {
    match from {
        Some(action) if action.offered(log, &c.who.account_id) => {
            action_form(c, ctx, log, action, form, message)
        }
        Some(_) => {
            let message = message.or_else(|| form.problem_text().map(Notice::problem));
            log_page(c, ctx, log, FormState::default(), message)
        }
        None => log_page(c, ctx, log, form, message),
    }
}

// ---------------------------------------------------------------------------------
// A page of its own for each thing done seldom to a log

/// What is done to a log now and then, each on a page of its own with its one form,
/// which posts to the page's own address. The log page links to those the person may
/// do: it stays short to read and quick to serve (these forms were over half of it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ActionPage {
    ConsentRequest,
    ConsentPaper,
    Participant,
    Handover,
    Plan,
    Level,
    Close,
}

impl ActionPage {
    /// Its form's name (as in [`FormState`] and the template).
    fn form(self) -> &'static str {
        match self {
            ActionPage::ConsentRequest => "consent-request",
            ActionPage::ConsentPaper => "consent-paper",
            ActionPage::Participant => "participant",
            ActionPage::Handover => "handover",
            ActionPage::Plan => "plan",
            ActionPage::Level => "level",
            ActionPage::Close => "close",
        }
    }

    /// The prefix of its fields' ids (the consent forms share their fields' names).
    fn field_prefix(self) -> &'static str {
        match self {
            ActionPage::ConsentRequest => "consent-request-",
            ActionPage::ConsentPaper => "consent-paper-",
            _ => "",
        }
    }

    /// The confirmation the log page shows once it is done (one of [`SAVED`]).
    fn saved(self) -> &'static str {
        match self {
            ActionPage::ConsentRequest | ActionPage::ConsentPaper => "consent",
            ActionPage::Participant => "participant",
            ActionPage::Handover => "handover",
            ActionPage::Plan => "plan",
            ActionPage::Level => "level",
            ActionPage::Close => "closed",
        }
    }

    /// Its route: its address below the log's.
    pub(crate) fn route(self) -> String {
        format!("/{{lang}}/{{tenant}}/stafettlogg/{{log}}{}", self.path())
    }

    /// Its address below the log's.
    fn path(self) -> &'static str {
        match self {
            ActionPage::ConsentRequest => "/samtykke",
            ActionPage::ConsentPaper => "/samtykke/papir",
            ActionPage::Participant => "/deltakere",
            ActionPage::Handover => "/stafett",
            ActionPage::Plan => "/individuell-plan",
            ActionPage::Level => "/niva",
            ActionPage::Close => "/avslutt",
        }
    }

    /// Its title, also the text of the log page's link to it.
    fn title(self) -> &'static str {
        match self {
            ActionPage::ConsentRequest => "relay-consent-request",
            ActionPage::ConsentPaper => "relay-consent-paper-record",
            ActionPage::Participant => "relay-add-participant",
            ActionPage::Handover => "relay-handover-request",
            ActionPage::Plan => "relay-plan-move",
            ActionPage::Level => "relay-change-level",
            ActionPage::Close => "relay-close",
        }
    }

    /// Whether the log, as read for `account_id`, offers it: the same rules as the log
    /// page's links (the change itself is decided again by the policy when posted).
    fn offered(self, log: &LogView, account_id: &str) -> bool {
        let manages = log.scope == saman_relay::Scope::All && log.may(RelayAction::Manage);
        match self {
            ActionPage::ConsentRequest | ActionPage::ConsentPaper => {
                log.scope != saman_relay::Scope::OwnVoice && log.may(RelayAction::ManageConsent)
            }
            ActionPage::Participant | ActionPage::Level => manages,
            ActionPage::Handover => manages && log.holder_id == account_id,
            ActionPage::Plan => manages && log.kind != saman_relay::LogKind::Plan,
            ActionPage::Close => log.may(RelayAction::Close),
        }
    }
}

#[derive(Template)]
#[template(path = "relay_action.html")]
struct ActionForm {
    chrome: Chrome,
    base: String,
    csrf: String,
    child: String,
    title: &'static str,
    form_key: &'static str,
    /// Its address below the log's.
    path: &'static str,
    message: Option<Notice>,
    form: FormState,
    revision: i64,
    services: Vec<Choice>,
    levels: Vec<Choice>,
    close_reasons: Vec<Choice>,
}

impl ActionForm {
    fn base_href(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }
}

/// An action's page (its GET), for whoever the log offers it to; anyone else gets 404.
pub(crate) fn action_page(action: ActionPage) -> axum::routing::MethodRouter<AppState> {
    axum::routing::get(
        move |ctx: Ctx, c: Context, Path((_lang, _slug, id)): Path<(String, String, String)>| async move {
            let log = c.relay.log(&c.who, &id).await?.ok_or(WebError::NotFound)?;
            let page = action_form(&c, &ctx, &log, action, FormState::default(), None)?;
            Ok::<Response, WebError>(page.into_response())
        },
    )
}

fn action_form(
    c: &Context,
    ctx: &Ctx,
    log: &LogView,
    action: ActionPage,
    form: FormState,
    message: Option<Notice>,
) -> Result<Html<String>, WebError> {
    if !action.offered(log, &c.who.account_id) {
        return Err(WebError::NotFound);
    }
    let tr = c.tr();
    let choices = |keys: &mut dyn Iterator<Item = (String, String)>, field: &str| -> Vec<Choice> {
        keys.map(|(value, label)| Choice {
            checked: form.was_checked(action.form(), field, &value),
            value,
            label,
        })
        .collect()
    };
    let mut services = choices(&mut c.services.iter().cloned(), "service");
    if form.form != action.form() {
        // Not sent yet: the services of the consent in force (or asked for) are ticked.
        let consent = log.current_consent().or(log.pending_consent());
        for s in &mut services {
            s.checked = consent.is_some_and(|v| v.consent.services.contains(&s.value));
        }
    }
    let mut levels = choices(
        &mut (1..=3).map(|l| (l.to_string(), tr.t(&format!("relay-level-{l}")))),
        "level",
    );
    if form.form != action.form() {
        for l in &mut levels {
            l.checked = l.value == log.level.to_string();
        }
    }
    let close_reasons = choices(
        &mut saman_relay::CloseReason::ALL.iter().map(|r| {
            (
                r.key().to_string(),
                tr.t(&format!("relay-close-{}", r.key())),
            )
        }),
        "reason",
    );
    let title = action.title();
    render(ActionForm {
        chrome: c.chrome(ctx, format!("{} – {}", tr.t(title), log.child.name)),
        base: c.urls().relay_log(&log.id),
        csrf: c.csrf().to_string(),
        child: log.child.name.clone(),
        title,
        form_key: action.form(),
        path: action.path(),
        message,
        form,
        revision: log.revision,
        services,
        levels,
        close_reasons,
    })
}

/// The confirmations a change redirects with (`?lagret=…`).
const SAVED: [&str; 9] = [
    "entry",
    "consent",
    "withdrawn",
    "participant",
    "level",
    "declined",
    "handover",
    "plan",
    "closed",
];

/// After a change sent from the log page (`from` None) or an action's page: back to the
/// log (303), with a confirmation; or the page it was sent from again, with the problems
/// (422) or a conflict (409); or not found.
async fn after_change(
    c: &Context,
    ctx: &Ctx,
    id: &str,
    change: Change,
    form: FormState,
    from: Option<ActionPage>,
    saved: &str,
) -> Result<Response, WebError> {
    let tr = c.tr();
    match change {
        Change::Done => {
            Ok(Redirect::to(&format!("{}?lagret={saved}", c.urls().relay_log(id))).into_response())
        }
        Change::NotFound => Err(WebError::NotFound),
        Change::Invalid(problems) => {
            let log = c.relay.log(&c.who, id).await?.ok_or(WebError::NotFound)?;
            let prefix = from.map_or("", ActionPage::field_prefix);
            let form = form.with_problems(tr, prefix, &problems);
            Ok(form_with_problems(form_page(
                c, ctx, &log, from, form, None,
            )?))
        }
        Change::Conflict => {
            let log = c.relay.log(&c.who, id).await?.ok_or(WebError::NotFound)?;
            let page = form_page(
                c,
                ctx,
                &log,
                from,
                form,
                Some(Notice::problem(tr.t("relay-conflict"))),
            )?;
            // Kept as it is: the form, its input and the message, not the error page.
            Ok(page_with_status(axum::http::StatusCode::CONFLICT, page))
        }
    }
}

/// After a change sent from `action`'s page, with what was `posted` on it.
async fn after_action(
    c: &Context,
    ctx: &Ctx,
    id: &str,
    change: Change,
    action: ActionPage,
    posted: &[(String, String)],
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(action.form(), posted);
    after_change(c, ctx, id, change, form, Some(action), action.saved()).await
}

pub async fn add_entry(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let entry = NewEntry {
        kind: field(&p, "kind").into(),
        text: field(&p, "text").into(),
        parent_id: field(&p, "parent").into(),
        responsible: field(&p, "responsible").into(),
        starts_on: field(&p, "starts_on").into(),
        evaluate_on: field(&p, "evaluate_on").into(),
        achieved: field(&p, "achieved").into(),
        next_step: field(&p, "next_step").into(),
        held_on: field(&p, "held_on").into(),
        present: field(&p, "present").into(),
        decisions: field(&p, "decisions").into(),
    };
    let change = c.relay.add_entry(&c.who, &id, &entry).await?;
    let form = FormState::from_pairs(&entry.kind, &p);
    after_change(&c, &ctx, &id, change, form, None, "entry").await
}

pub async fn change_level(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let revision = field(&p, "revision").parse().unwrap_or(-1);
    let change = c
        .relay
        .change_level(&c.who, &id, revision, field(&p, "level"))
        .await?;
    after_action(&c, &ctx, &id, change, ActionPage::Level, &p).await
}

pub async fn add_participant(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let change = c
        .relay
        .add_participant(
            &c.who,
            &id,
            field(&p, "email"),
            field(&p, "can_write") == "on",
        )
        .await?;
    after_action(&c, &ctx, &id, change, ActionPage::Participant, &p).await
}

pub async fn request_consent(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let form = ConsentForm {
        services: all(&p, "service"),
        covers: field(&p, "covers").into(),
        covers_plan: field(&p, "covers_plan") == "on",
        ends_on: field(&p, "ends_on").into(),
        ..Default::default()
    };
    let change = c
        .relay
        .request_consent(&c.who, &id, &form, &c.service_slugs())
        .await?;
    after_action(&c, &ctx, &id, change, ActionPage::ConsentRequest, &p).await
}

/// Largest scanned consent form, in bytes.
pub const MAX_SCAN: usize = 10 * 1024 * 1024;

pub async fn paper_consent(
    ctx: Ctx,
    c: Context,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut p = Vec::new();
    let mut scan = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|_| WebError::BadRequest(c.tr().t("relay-problem-upload")))?
    {
        let name = part.name().unwrap_or_default().to_string();
        if name == "scan" {
            let file_name = part.file_name().unwrap_or("skjema").to_string();
            let bytes = part
                .bytes()
                .await
                .map_err(|_| WebError::BadRequest(c.tr().t("relay-problem-upload")))?;
            scan = Some((file_name, bytes.to_vec()));
        } else {
            let value = part
                .text()
                .await
                .map_err(|_| WebError::BadRequest(c.tr().t("relay-problem-upload")))?;
            p.push((name, value));
        }
    }
    check_token(c.csrf(), field(&p, "csrf"))?;
    let form = ConsentForm {
        services: all(&p, "service"),
        covers: field(&p, "covers").into(),
        covers_plan: field(&p, "covers_plan") == "on",
        ends_on: field(&p, "ends_on").into(),
        signed_by: field(&p, "signed_by").into(),
        given_on: field(&p, "given_on").into(),
        scan,
    };
    let change = c
        .relay
        .record_paper_consent(&c.who, &id, &form, &c.service_slugs())
        .await?;
    after_action(&c, &ctx, &id, change, ActionPage::ConsentPaper, &p).await
}

pub async fn answer_consent(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let version = field(&p, "version").parse().unwrap_or(0);
    let give = field(&p, "answer") == "give";
    let change = c.relay.answer_consent(&c.who, &id, version, give).await?;
    let saved = if give { "consent" } else { "declined" };
    after_change(&c, &ctx, &id, change, FormState::default(), None, saved).await
}

pub async fn withdraw_consent(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    // "all" withdraws the whole consent; otherwise the services ticked.
    let services = if field(&p, "scope") == "all" {
        Vec::new()
    } else {
        all(&p, "service")
    };
    if field(&p, "scope") != "all" && services.is_empty() {
        let problems = [Problem {
            field: "withdraw",
            message: "relay-problem-withdraw-choose",
        }];
        return after_change(
            &c,
            &ctx,
            &id,
            Change::Invalid(problems.to_vec()),
            FormState::from_pairs("withdraw", &p),
            None,
            "withdrawn",
        )
        .await;
    }
    let change = c.relay.withdraw_consent(&c.who, &id, &services).await?;
    after_change(
        &c,
        &ctx,
        &id,
        change,
        FormState::from_pairs("withdraw", &p),
        None,
        "withdrawn",
    )
    .await
}

pub async fn scan(
    c: Context,
    Path((_lang, _slug, id, file)): Path<(String, String, String, String)>,
) -> Result<Response, WebError> {
    let (_, content_type, bytes) = c
        .relay
        .consent_scan(&c.who, &id, &file)
        .await?
        .ok_or(WebError::NotFound)?;
    // The file name may hold a name: it stays out of the headers.
    let extension = match content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"samtykke.{extension}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------
// The access log

pub struct AccessLine {
    at: String,
    who: String,
    what: String,
    basis: String,
    refused: bool,
}

#[derive(Template)]
#[template(path = "relay_access.html")]
struct AccessPage {
    chrome: Chrome,
    back: String,
    lines: Vec<AccessLine>,
}

pub async fn access_log(
    ctx: Ctx,
    c: Context,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let rows = c
        .relay
        .access_log(&c.who, &id)
        .await?
        .ok_or(WebError::NotFound)?;
    let tr = c.tr();
    let lines = rows
        .into_iter()
        .map(|r| {
            let who = match (&r.service, r.who.is_empty()) {
                (Some(s), false) => format!("{} ({})", r.who, c.service_name(s)),
                (None, false) => format!("{} ({})", r.who, tr.t(&format!("role-{}", r.role))),
                (_, true) => tr.t("relay-access-unknown"),
            };
            let mut what = tr.t(&format!("relay-did-{}", r.action));
            if let Some(kind) = &r.what {
                let detail = tr.t(&format!("relay-what-{kind}"));
                what = format!("{what} ({detail})");
            }
            let basis = match (r.basis.as_str(), &r.consent) {
                (_, _) if r.refused => tr.t("relay-basis-refused"),
                ("guardian", _) => tr.t("relay-basis-guardian"),
                ("youth", _) => tr.t("relay-basis-youth"),
                ("overview", _) => tr.t("relay-basis-overview"),
                (_, Some(v)) => tr.t1(
                    "relay-basis-consent",
                    "version",
                    v.parse::<i64>().unwrap_or(0),
                ),
                (_, None) => tr.t("relay-basis-holder-draft"),
            };
            AccessLine {
                at: tr.date_time(&r.at),
                who,
                what,
                basis,
                refused: r.refused,
            }
        })
        .collect();
    Ok(render(AccessPage {
        chrome: c.chrome(&ctx, tr.t("relay-access-title")),
        back: c.urls().relay_log(&id),
        lines,
    })?
    .into_response())
}

// ---------------------------------------------------------------------------------
// The baton, the individual plan, closing

pub async fn request_handover(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let change = c
        .relay
        .request_handover(&c.who, &id, field(&p, "email"))
        .await?;
    after_action(&c, &ctx, &id, change, ActionPage::Handover, &p).await
}

pub async fn answer_handover(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let accept = field(&p, "answer") == "accept";
    let change = c.relay.answer_handover(&c.who, &id, accept).await?;
    if !accept && change == Change::Done {
        // Declined: the log is no longer for this person to read.
        return Ok(Redirect::to(&c.urls().relay_list()).into_response());
    }
    after_change(
        &c,
        &ctx,
        &id,
        change,
        FormState::default(),
        None,
        "handover",
    )
    .await
}

pub async fn move_to_plan(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let revision = field(&p, "revision").parse().unwrap_or(-1);
    let change = c
        .relay
        .move_to_plan(&c.who, &id, revision, field(&p, "email"))
        .await?;
    after_action(&c, &ctx, &id, change, ActionPage::Plan, &p).await
}

pub async fn close(
    ctx: Ctx,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
    Posted { c, fields: p }: Posted,
) -> Result<Response, WebError> {
    let tr = c.tr();
    let municipality = c
        .allowed
        .tenant
        .record
        .tenant
        .name(c.allowed.lang)
        .to_string();
    let render = |log: &LogView| {
        super::relay_archive::document(tr, &municipality, log, |s| c.service_name(s))
            .render_archive(&log.id, archive_time())
            // The typesetter's message may quote the log's text: only its kind is kept.
            .map_err(|e| e.kind().to_string())
    };
    let change = c
        .relay
        .close(&c.who, &id, field(&p, "reason"), field(&p, "note"), render)
        .await?;
    after_action(&c, &ctx, &id, change, ActionPage::Close, &p).await
}

/// Now, as the PDF's time of making.
fn archive_time() -> (i32, u8, u8, u8, u8, u8) {
    let now = saman_store::clock::now();
    (
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
    )
}

pub async fn archive(
    c: Context,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let slug = c.allowed.tenant.record.tenant.slug.clone();
    let (pdf, _) = c
        .relay
        .archive(&c.who, &id, &slug)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(pdf_download(pdf, saman_relay::storage::ARCHIVE_FILE_NAME))
}

pub async fn archive_meta(
    c: Context,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let slug = c.allowed.tenant.record.tenant.slug.clone();
    let (_, meta) = c
        .relay
        .archive(&c.who, &id, &slug)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"stafettlogg.json\"".to_string(),
            ),
        ],
        serde_json::to_string_pretty(&meta).map_err(|e| WebError::Internal(e.to_string()))?,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------
// On paper: the consent form and printouts

/// A PDF to download, with a file name that names no one.
fn pdf_download(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn render_pdf(doc: saman_pdf::FormDocument) -> Result<Vec<u8>, WebError> {
    // The typesetter's message may quote the log's text: only its kind is logged.
    doc.render()
        .map_err(|e| WebError::Internal(format!("pdf: {}", e.kind())))
}

/// The language of the consent form asked for (`?sprak=en`), or the page's.
fn consent_form_text(
    ctx: &Ctx,
    c: &Context,
) -> Result<&'static saman_relay::consent_form::ConsentFormText, WebError> {
    let asked = ctx
        .query
        .as_deref()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "sprak")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_else(|| c.allowed.lang.code().to_string());
    saman_relay::consent_form::in_language(&asked).ok_or(WebError::NotFound)
}

/// The empty consent form, to print for a family that consents on paper.
pub async fn empty_consent_form(ctx: Ctx, c: Context) -> Result<Response, WebError> {
    if !c.who.is_professional() {
        return Err(WebError::NotFound);
    }
    let text = consent_form_text(&ctx, &c)?;
    let tr = c.tr();
    let doc = super::relay_archive::consent_form(text, c.municipality(), |d| tr.date(d), None);
    Ok(pdf_download(
        render_pdf(doc)?,
        &format!("samtykke-{}.pdf", text.language),
    ))
}

/// The consent form filled from a log, to print and sign.
pub async fn filled_consent_form(
    ctx: Ctx,
    c: Context,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let text = consent_form_text(&ctx, &c)?;
    let log = c.relay.log(&c.who, &id).await?.ok_or(WebError::NotFound)?;
    if log.scope == saman_relay::Scope::OwnVoice || !log.may(RelayAction::ManageConsent) {
        return Err(WebError::NotFound);
    }
    let tr = c.tr();
    let service_name = |s: &str| c.service_name(s);
    let doc = super::relay_archive::consent_form(
        text,
        c.municipality(),
        |d| tr.date(d),
        Some((&log, &service_name)),
    );
    Ok(pdf_download(
        render_pdf(doc)?,
        &format!("samtykke-{}.pdf", text.language),
    ))
}

/// The log as it stands, printed, for those who read it.
pub async fn printout(
    c: Context,
    Path((_lang, _slug, id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let log = c.relay.log(&c.who, &id).await?.ok_or(WebError::NotFound)?;
    if log.scope != saman_relay::Scope::All {
        return Err(WebError::NotFound);
    }
    let doc = super::relay_archive::printout(c.tr(), c.municipality(), &log, |s| c.service_name(s));
    Ok(pdf_download(render_pdf(doc)?, "stafettlogg-utskrift.pdf"))
}

/// An empty log to fill in by hand.
pub async fn empty_log(c: Context) -> Result<Response, WebError> {
    if !c.who.is_professional() {
        return Err(WebError::NotFound);
    }
    let doc = super::relay_archive::empty_log(c.tr(), c.municipality());
    Ok(pdf_download(render_pdf(doc)?, "stafettlogg-tom.pdf"))
}

#[cfg(test)]
mod tests {
    use crate::i18n::Tr;
    use saman_domain::Lang;

    /// Every text key the relay pages use, literally or made from the relay log's own
    /// vocabulary, has a text in both languages.
    #[test]
    fn every_relay_text_exists_in_bokmal_and_nynorsk() {
        let sources = [
            include_str!("relay.rs"),
            include_str!("relay_archive.rs"),
            include_str!("../../templates/relay_log.html"),
            include_str!("../../templates/relay_list.html"),
            include_str!("../../templates/relay_new.html"),
            include_str!("../../templates/relay_access.html"),
            include_str!("../../templates/relay_action.html"),
            include_str!("../../../saman-relay/src/content.rs"),
            include_str!("../../../saman-relay/src/storage/mod.rs"),
            include_str!("../../../saman-relay/src/storage/baton.rs"),
            include_str!("../../../saman-relay/src/storage/closing.rs"),
        ];
        let mut keys: Vec<String> = Vec::new();
        for source in sources {
            for piece in source.split('"').skip(1).step_by(2) {
                if piece.starts_with("relay-")
                    && piece.len() > "relay-".len()
                    && piece
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !piece.ends_with('-')
                {
                    keys.push(piece.to_string());
                }
            }
        }
        use saman_relay::content::{Achieved, Content};
        for state in ["draft", "active", "closed"] {
            keys.push(format!("relay-state-{state}"));
        }
        for level in 1..=3 {
            keys.push(format!("relay-level-{level}"));
        }
        for a in Achieved::ALL {
            keys.push(format!("relay-achieved-{}", a.key()));
        }
        for status in ["requested", "given", "declined"] {
            keys.push(format!("relay-consent-status-{status}"));
        }
        let kinds = [
            Content::Goal {
                text: String::new(),
            }
            .kind(),
            "measure",
            "evaluation",
            "meeting",
            "note",
            "voice",
            "message",
            "level",
            "holder",
            "plan",
        ];
        for kind in kinds {
            keys.push(format!("relay-entry-{kind}"));
        }
        for r in saman_relay::CloseReason::ALL {
            keys.push(format!("relay-close-{}", r.key()));
        }
        for kind in saman_relay::storage::notifications::KINDS {
            keys.push(format!("relay-notice-{kind}"));
        }
        for key in super::SAVED {
            keys.push(format!("relay-saved-{key}"));
        }
        for action in saman_domain::audit::AuditAction::ALL {
            if action.key().starts_with("relay-") {
                keys.push(format!("relay-did-{}", action.key()));
            }
        }
        // Class names and ids in the templates that look like keys.
        let not_texts = [
            "relay-box",
            "relay-form",
            "relay-goal",
            "relay-measure",
            "relay-evaluation",
            "relay-entries",
            "relay-entry",
            "relay-log",
            "relay-archive",
            "relay-problem",
        ];
        keys.retain(|k| !not_texts.contains(&k.as_str()));
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in &keys {
                // Every argument any relay text takes, so texts with arguments resolve.
                let text = tr.ta(
                    key,
                    [
                        ("count", 1.into()),
                        ("days", 1.into()),
                        ("years", 1.into()),
                        ("version", 1.into()),
                        ("date", "x".into()),
                        ("name", "x".into()),
                        ("service", "x".into()),
                        ("since", "x".into()),
                        ("reason", "x".into()),
                        ("purge", "x".into()),
                        ("page", 1.into()),
                    ],
                );
                assert_ne!(text, *key, "{lang}: {key}");
            }
        }
    }
}
