//! The relay log's storage: the only code that reaches its tables. Every operation
//! loads the log, asks the policy ([`crate::policy::decide`]), and does what is allowed
//! in one transaction with its audit row, the basis of the access in its details. What
//! the policy refuses is answered as "not found", and the refusal is audited too.

use crate::consent::{Consent, ConsentState, Consenter};
use crate::content::{self, Child, Content, Guardian, Problem};
use crate::policy::{self, Basis, LogFacts, LogState, Participant, RelayAction, Viewer};
use crate::seal::{self, place};
use crate::{RelayError, Result};

pub mod baton;
mod closing;
mod figures;
mod loading;
mod overview;
use loading::Purpose;
pub mod notifications;
mod rotation;

pub use closing::{ARCHIVE_FILE_NAME, ArchiveMeta, CloseReason};
pub use overview::{HolderCounts, OVERVIEW_PAGE_SIZE, ServiceCounts, ServiceOverview};
use saman_domain::access::{Actor, Role};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::model::RelaySettings;
use saman_store::{AuditContext, ReadOn, Store, TenantId, TenantRecord, append_audit, clock};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;
use time::Date;

/// The relay log, over the platform's store.
#[derive(Clone, Debug)]
pub struct Relay {
    store: Store,
}

/// The person asking, in one tenant: who they are, their roles there, their services,
/// the keyed hash of their identity number (families), and where they ask from.
#[derive(Debug, Clone)]
pub struct Requester {
    pub account_id: String,
    pub roles: Vec<Role>,
    pub services: Vec<String>,
    pid_key: Option<String>,
    pub address: String,
    tenant: TenantId,
    settings: RelaySettings,
}

impl Requester {
    /// The role this person acts as, for the audit log.
    fn acting_role(&self, basis: &Basis) -> &'static str {
        match basis {
            Basis::Guardian => Role::Guardian.key(),
            Basis::Youth => Role::Youth.key(),
            Basis::ServiceLeader { .. } | Basis::Overview { .. } => Role::ServiceLeader.key(),
            _ if self.roles.contains(&Role::Employee) => Role::Employee.key(),
            _ => Role::ServiceLeader.key(),
        }
    }

    fn audit(&self, role: &str) -> AuditContext {
        AuditContext {
            tenant: Some(self.tenant.clone()),
            actor_id: Some(self.account_id.clone()),
            actor_role: Some(role.to_string()),
            address: self.address.clone(),
        }
    }

    /// Who consents for `child` today, under this tenant's age rule.
    pub(crate) fn consenter_for(&self, child: &Child) -> Consenter {
        crate::consent::who_consents(
            child.birth_date,
            clock::today(),
            self.youth_consent_age(),
            child.pregnant,
        )
    }

    fn youth_consent_age(&self) -> crate::age::YouthConsentAge {
        policy::youth_consent_age(self.settings.youth_consent_age)
    }

    /// Employees and service leaders: those who open logs and take part in them.
    pub fn is_professional(&self) -> bool {
        self.roles
            .iter()
            .any(|r| matches!(r, Role::Employee | Role::ServiceLeader))
    }
}

/// How a change went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Done,
    /// Not there, or not for this person.
    NotFound,
    /// What was typed does not hold: the form comes back with these.
    Invalid(Vec<Problem>),
    /// The log changed since the form was made: nothing was saved.
    Conflict,
}

/// What an employee types to open a log.
#[derive(Debug, Clone, Default)]
pub struct NewLog {
    pub child_name: String,
    pub child_birth: String,
    pub child_pid: String,
    pub pregnant: bool,
    /// Up to [`content::MAX_GUARDIANS`] guardians: name and identity number.
    pub guardians: Vec<(String, String)>,
    pub concern: String,
    pub level: String,
    /// The service the holder works in.
    pub holder_service: String,
    /// The services to ask consent for.
    pub services: Vec<String>,
}

/// A consent to ask for, or one given on paper.
#[derive(Debug, Clone, Default)]
pub struct ConsentForm {
    pub services: Vec<String>,
    pub covers: String,
    /// It also covers moving the log to an individual plan.
    pub covers_plan: bool,
    pub ends_on: String,
    /// For a paper consent: who signed it, and when.
    pub signed_by: String,
    pub given_on: String,
    /// For a paper consent: the scanned form.
    pub scan: Option<(String, Vec<u8>)>,
}

/// One version of a log's consent, as the pages show it.
#[derive(Debug, Clone)]
pub struct ConsentView {
    pub consent: Consent,
    pub status: ConsentStatus,
    pub state: ConsentState,
    /// It also covers moving the log to an individual plan.
    pub covers_plan: bool,
    /// Who signed a paper consent, or the name of who gave it digitally.
    pub given_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    Requested,
    Given,
    Declined,
}

impl ConsentStatus {
    pub fn key(self) -> &'static str {
        match self {
            ConsentStatus::Requested => "requested",
            ConsentStatus::Given => "given",
            ConsentStatus::Declined => "declined",
        }
    }

    fn from_key(key: &str) -> Result<ConsentStatus> {
        match key {
            "requested" => Ok(ConsentStatus::Requested),
            "given" => Ok(ConsentStatus::Given),
            "declined" => Ok(ConsentStatus::Declined),
            other => Err(RelayError::Corrupt(format!("consent status {other}"))),
        }
    }
}

/// An entry, as the pages show it.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub id: String,
    pub parent_id: Option<String>,
    pub author_name: String,
    pub author_role: String,
    pub author_service: String,
    pub created_at: String,
    pub content: Content,
}

#[derive(Debug, Clone)]
pub struct ParticipantView {
    pub account_id: String,
    pub name: String,
    pub service: String,
    pub can_write: bool,
}

/// A log, as the person asking may see it.
#[derive(Debug, Clone)]
pub struct LogView {
    pub id: String,
    pub state: LogState,
    pub child: Child,
    pub concern: String,
    pub level: u8,
    pub holder_id: String,
    pub holder_name: String,
    pub holder_service: String,
    pub guardians: Vec<Guardian>,
    pub participants: Vec<ParticipantView>,
    /// Newest first.
    pub consents: Vec<ConsentView>,
    pub entries: Vec<EntryView>,
    pub revision: i64,
    pub created_at: String,
    pub kind: LogKind,
    /// The child coordinator of an individual plan: name and service.
    pub coordinator: Option<(String, String)>,
    /// A handover waiting for the successor's answer.
    pub handover: Option<HandoverView>,
    pub closed: Option<Closed>,
    pub consenter: Consenter,
    /// The basis on which this person reads it.
    pub basis: Basis,
    /// What this person may do with it.
    pub allowed: Vec<RelayAction>,
    /// How much of it this person sees.
    pub scope: Scope,
}

impl LogView {
    pub fn may(&self, action: RelayAction) -> bool {
        self.allowed.contains(&action)
    }

    /// The newest given consent, if any.
    pub fn current_consent(&self) -> Option<&ConsentView> {
        self.consents
            .iter()
            .find(|c| c.status == ConsentStatus::Given)
    }

    /// A requested consent waiting for an answer.
    pub fn pending_consent(&self) -> Option<&ConsentView> {
        self.consents
            .iter()
            .find(|c| c.status == ConsentStatus::Requested)
    }
}

fn action_key(action: RelayAction) -> &'static str {
    match action {
        RelayAction::SeeExistence => "see",
        RelayAction::Read => "read",
        RelayAction::WriteEntry => "write",
        RelayAction::Message => "message",
        RelayAction::GuardianNote => "guardian-note",
        RelayAction::Voice => "voice",
        RelayAction::AnswerHandover => "answer-handover",
        RelayAction::ManageConsent => "manage-consent",
        RelayAction::AnswerConsent => "answer-consent",
        RelayAction::WithdrawConsent => "withdraw-consent",
        RelayAction::Manage => "manage",
        RelayAction::Close => "close",
        RelayAction::ReadAccessLog => "access-log",
    }
}

/// How much of a log a person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// A child under the consent age: their own voice.
    OwnVoice,
    /// The holder while the consent does not cover their service (expired or
    /// withdrawn): who the log is about and its consent, to renew it or close the log.
    Suspended,
}

impl Scope {
    fn audit_details(self) -> &'static str {
        match self {
            Scope::All => "",
            Scope::OwnVoice => "view=voice",
            Scope::Suspended => "view=suspended",
        }
    }
}

/// Whether a log is a relay log or has become an individual plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Relay,
    /// An individual plan (individuell plan) with a child coordinator.
    Plan,
}

impl LogKind {
    pub fn key(self) -> &'static str {
        match self {
            LogKind::Relay => "relay",
            LogKind::Plan => "plan",
        }
    }

    fn from_key(key: &str) -> Option<LogKind> {
        [LogKind::Relay, LogKind::Plan]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// How and when a log was closed.
#[derive(Debug, Clone)]
pub struct Closed {
    /// When (UTC, as stored).
    pub at: String,
    pub reason: String,
    pub note: String,
    /// When `saman purge` deletes it (UTC, as stored).
    pub purge_after: String,
}

/// A handover of the baton as stored: the successor and their service.
#[derive(Debug, Clone)]
struct Handover {
    id: String,
    to_id: String,
    to_name: String,
    to_service: String,
    requested_at: String,
}

impl Handover {
    fn waiting_days(&self) -> i64 {
        waiting_days_since(&self.requested_at)
    }
}

/// Whole days since a handover was requested at `requested_at` (as stored).
fn waiting_days_since(requested_at: &str) -> i64 {
    clock::from_text(requested_at).map_or(0, |t| (clock::now() - t).whole_days())
}

/// A handover waiting for the successor, as the pages show it.
#[derive(Debug, Clone)]
pub struct HandoverView {
    pub to_name: String,
    pub to_service: String,
    pub requested_at: String,
    pub waiting_days: i64,
}

/// A line of "my logs".
#[derive(Debug, Clone)]
pub struct LogSummary {
    pub id: String,
    pub state: LogState,
    /// The child's name, for those who may read the log; `None` for an overview.
    pub child_name: Option<String>,
    pub holder_name: String,
    pub holder_service: String,
    pub level: u8,
    pub consent: Option<ConsentState>,
    pub consent_requested: bool,
    /// The baton waits for this person to accept it.
    pub handover_to_me: bool,
    /// For the holder: days their handover has waited for the successor.
    pub handover_waiting: Option<i64>,
    /// Measures whose evaluation date has passed.
    pub overdue: usize,
    pub basis: Basis,
}

/// A line of a log's access log, for the family.
#[derive(Debug, Clone)]
pub struct AccessRow {
    pub at: String,
    pub who: String,
    pub role: String,
    pub action: String,
    pub service: Option<String>,
    pub consent: Option<String>,
    pub basis: String,
    pub what: Option<String>,
    pub refused: bool,
}

/// A log as loaded, before the policy has looked at it.
pub(crate) struct Loaded {
    id: String,
    state: LogState,
    child: Child,
    child_pid_key: Option<String>,
    concern_sealed: String,
    level: u8,
    holder_id: String,
    holder_service: String,
    coordinator_id: Option<String>,
    coordinator_service: Option<String>,
    kind: LogKind,
    revision: i64,
    created_at: String,
    closed: Option<Closed>,
    holder_name: String,
    coordinator_name: String,
    guardians: Vec<(Guardian, String)>,
    participants: Vec<Participant>,
    /// The participants' names, in the same order.
    participant_names: Vec<String>,
    /// Newest first.
    consents: Vec<ConsentView>,
    handover: Option<Handover>,
    /// The asker's notifications about the log not yet seen.
    unseen: i64,
    /// Measures past their evaluation date and not evaluated: counted for a list only.
    overdue: Option<i64>,
    /// The entries as loaded (JSON), when loaded to be read.
    entries: Option<String>,
}

impl Loaded {
    fn given(&self) -> Vec<Consent> {
        self.consents
            .iter()
            .filter(|c| c.status == ConsentStatus::Given)
            .map(|c| c.consent.clone())
            .collect()
    }

    /// The newest given consent.
    fn current_consent(&self) -> Option<&ConsentView> {
        self.consents
            .iter()
            .find(|c| c.status == ConsentStatus::Given)
    }
}

/// An account's name, for the pages ("" if it is gone); family names are stored sealed.
async fn account_name(store: &Store, conn: &mut AnyConnection, account_id: &str) -> Result<String> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(name.map_or_else(String::new, |n| store.open_name(account_id, &n)))
}

/// An audit row's details: the basis, and what else the row says.
fn audit_details(basis: &Basis, extra: &str) -> String {
    let mut details = basis.audit_details();
    if !extra.is_empty() {
        details.push(';');
        details.push_str(extra);
    }
    details
}

fn target(log_id: &str) -> String {
    format!("relay:{log_id}")
}

fn services_text(services: &BTreeSet<String>) -> String {
    // Surrounded by commas so `LIKE '%,slug,%'` finds exactly one service.
    format!(
        ",{},",
        services.iter().cloned().collect::<Vec<_>>().join(",")
    )
}

fn services_of_text(text: &str) -> BTreeSet<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn consenter_key(c: Consenter) -> &'static str {
    match c {
        Consenter::Guardians => "guardians",
        Consenter::Youth => "youth",
        Consenter::PregnantPerson => "pregnant",
    }
}

fn consenter_of(key: &str) -> Result<Consenter> {
    match key {
        "guardians" => Ok(Consenter::Guardians),
        "youth" => Ok(Consenter::Youth),
        "pregnant" => Ok(Consenter::PregnantPerson),
        other => Err(RelayError::Corrupt(format!("consenter {other}"))),
    }
}

fn date_of(text: Option<String>) -> Result<Option<Date>> {
    text.map(|t| content::parse_date(&t).ok_or_else(|| RelayError::Corrupt(format!("date {t}"))))
        .transpose()
}

/// At most this many logs' ids in one query's `IN (…)` list (well under SQLite's
/// limit of parameters; a service leader may see thousands of logs).
const IDS_PER_QUERY: usize = 500;

/// Numbered parameters `$first, …` for `count` values of an `IN (…)` list.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The child's age band when the log is opened, kept plain for the figures.
pub(crate) fn age_band(child: &Child, today: Date) -> saman_domain::evaluation::AgeBand {
    use saman_domain::evaluation::AgeBand;
    if child.pregnant {
        AgeBand::Pregnant
    } else {
        AgeBand::of_age(crate::age::age_on(child.birth_date, today))
    }
}

fn now_text() -> String {
    clock::to_text(clock::now())
}

impl Relay {
    pub fn new(store: Store) -> Relay {
        Relay { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The person asking, as the store knows them, in `tenant` (one query; a signed-in
    /// request has what it needs from its session: [`Relay::requester_of`]).
    pub async fn requester(
        &self,
        actor: &Actor,
        tenant: &TenantRecord,
        address: &str,
    ) -> Result<Requester> {
        let rows = sqlx::query(
            "SELECT a.pid, s.service_slug FROM accounts a LEFT JOIN account_services s \
             ON s.account_id = a.id AND s.tenant_id = $2 WHERE a.id = $1 ORDER BY s.service_slug",
        )
        .bind(&actor.account_id)
        .bind(tenant.id.as_str())
        .fetch_all(self.store.pool())
        .await?;
        let pid_key: Option<String> = match rows.first() {
            Some(row) => row.try_get("pid")?,
            None => None,
        };
        let services = rows
            .iter()
            .filter_map(|r| r.try_get::<Option<String>, _>("service_slug").transpose())
            .map(|slug| slug.map(|slug| (tenant.id.as_str().to_string(), slug)))
            .collect::<std::result::Result<Vec<(String, String)>, _>>()?;
        Ok(Self::requester_of(
            actor, pid_key, &services, tenant, address,
        ))
    }

    /// The person asking in `tenant`, from what their session holds: the key of their
    /// identity number (if they logged in with one) and their services, as (tenant id,
    /// slug) in every tenant; only those of `tenant` count (slugs are a tenant's own).
    pub fn requester_of(
        actor: &Actor,
        pid_key: Option<String>,
        services: &[(String, String)],
        tenant: &TenantRecord,
        address: &str,
    ) -> Requester {
        let mut services: Vec<String> = services
            .iter()
            .filter(|(t, _)| t == tenant.id.as_str())
            .map(|(_, slug)| slug.clone())
            .collect();
        services.sort_unstable();
        Requester {
            account_id: actor.account_id.clone(),
            roles: actor.roles_in(Some(tenant.id.as_str())).collect(),
            services,
            pid_key,
            address: address.to_string(),
            tenant: tenant.id.clone(),
            settings: tenant.tenant.relay.clone(),
        }
    }

    // -----------------------------------------------------------------------------
    // Deciding (loading is in `loading.rs`)

    fn viewer<'a>(&self, who: &'a Requester, log: &Loaded) -> Viewer<'a> {
        let pid_key = who.pid_key.as_deref();
        Viewer {
            account_id: &who.account_id,
            roles: &who.roles,
            services: &who.services,
            is_guardian: pid_key.is_some_and(|k| log.guardians.iter().any(|(_, g)| g == k)),
            is_child: pid_key.is_some() && log.child_pid_key.as_deref() == pid_key,
        }
    }

    fn decide(&self, who: &Requester, log: &Loaded, action: RelayAction) -> Option<Basis> {
        let given = log.given();
        let facts = LogFacts {
            state: log.state,
            holder_id: &log.holder_id,
            holder_service: &log.holder_service,
            coordinator_id: log.coordinator_id.as_deref(),
            coordinator_service: log.coordinator_service.as_deref(),
            successor: log
                .handover
                .as_ref()
                .map(|h| (h.to_id.as_str(), h.to_service.as_str())),
            participants: &log.participants,
            consents: &given,
            child_birth: log.child.birth_date,
            pregnant: log.child.pregnant,
            youth_consent_age: who.youth_consent_age(),
            closed_on: log
                .closed
                .as_ref()
                .and_then(|c| clock::from_text(&c.at))
                .map(|t| t.to_offset(clock::oslo_offset(t)).date()),
        };
        policy::decide(&self.viewer(who, log), &facts, action, clock::today())
    }

    /// Opens a write transaction, loads the log and asks the policy whether `action` is
    /// allowed. A refusal of a log that exists is audited after the transaction is
    /// rolled back, in one of its own.
    async fn authorise(
        &self,
        who: &Requester,
        id: &str,
        action: RelayAction,
    ) -> Result<Option<Authorised>> {
        let mut tx = self.store.begin_write().await?;
        let on = &mut ReadOn::Connection(&mut tx);
        let Some(log) = self.load(on, who, id, Purpose::Change).await? else {
            return Ok(None);
        };
        if let Some(basis) = self.decide(who, &log, action) {
            return Ok(Some(Authorised { tx, log, basis }));
        }
        tx.rollback().await?;
        self.deny(who, id, action).await?;
        Ok(None)
    }

    /// Audits a refused access to a log that exists (with other reads' rows).
    async fn deny(&self, who: &Requester, id: &str, action: RelayAction) -> Result<()> {
        self.store
            .audit_reads(vec![saman_store::AuditRow {
                ctx: who.audit(who.roles.first().map_or("none", |r| r.key())),
                action: AuditAction::RelayDenied,
                target: target(id),
                outcome: Outcome::Failure,
                details: format!("action={}", action_key(action)),
            }])
            .await?;
        Ok(())
    }

    /// The audit row of a read, with its basis.
    fn read_row(
        &self,
        who: &Requester,
        basis: &Basis,
        log_id: &str,
        extra: &str,
    ) -> saman_store::AuditRow {
        saman_store::AuditRow {
            ctx: who.audit(who.acting_role(basis)),
            action: AuditAction::RelayRead,
            target: target(log_id),
            outcome: Outcome::Success,
            details: audit_details(basis, extra),
        }
    }

    async fn audit(
        &self,
        conn: &mut AnyConnection,
        who: &Requester,
        basis: &Basis,
        action: AuditAction,
        log_id: &str,
        extra: &str,
    ) -> Result<()> {
        let details = audit_details(basis, extra);
        append_audit(
            conn,
            self.store.secrets(),
            &who.audit(who.acting_role(basis)),
            action,
            &target(log_id),
            Outcome::Success,
            &details,
        )
        .await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------
    // Opening and reading

    /// Opens a log as a draft, with the first consent requested. The opener becomes
    /// the relay holder, in one of their own services.
    pub async fn open(
        &self,
        who: &Requester,
        new: &NewLog,
        tenant_services: &[String],
    ) -> Result<std::result::Result<String, Vec<Problem>>> {
        if !who.is_professional() {
            return Ok(Err(vec![Problem {
                field: "holder-service",
                message: "relay-problem-not-professional",
            }]));
        }
        let today = clock::today();
        let mut problems = Vec::new();
        let child = content::check_child(
            &mut problems,
            &new.child_name,
            &new.child_birth,
            &new.child_pid,
            new.pregnant,
            today,
        );
        let mut guardians = Vec::new();
        for (i, (name, pid)) in new
            .guardians
            .iter()
            .enumerate()
            .take(content::MAX_GUARDIANS)
        {
            if name.trim().is_empty() && pid.trim().is_empty() {
                continue;
            }
            let (name_field, pid_field) = GUARDIAN_FIELDS[i];
            let name = content::required_text(&mut problems, name_field, name, content::MAX_NAME);
            let pid = content::optional_pid(&mut problems, pid_field, pid, None);
            guardians.push(Guardian { name, pid });
        }
        let concern =
            content::required_text(&mut problems, "concern", &new.concern, content::MAX_TEXT);
        let level = match new.level.trim() {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            _ => {
                problems.push(Problem {
                    field: "level",
                    message: "relay-problem-level",
                });
                0
            }
        };
        if !who.services.contains(&new.holder_service) {
            problems.push(Problem {
                field: "holder-service",
                message: "relay-problem-holder-service",
            });
        }
        let mut services: BTreeSet<String> = new
            .services
            .iter()
            .filter(|s| tenant_services.contains(s))
            .cloned()
            .collect();
        if new.services.iter().any(|s| !tenant_services.contains(s)) {
            problems.push(Problem {
                field: "services",
                message: "relay-problem-services",
            });
        }
        services.insert(new.holder_service.clone());
        if let Some(c) = &child
            && guardians.is_empty()
            && who.consenter_for(c) == Consenter::Guardians
        {
            problems.push(Problem {
                field: "guardian-1-name",
                message: "relay-problem-guardian",
            });
        }
        let (Some(child), true) = (child, problems.is_empty()) else {
            return Ok(Err(problems));
        };

        let secrets = self.store.secrets();
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_text();
        let consenter = who.consenter_for(&child);
        let child_pid_key = child.pid.as_deref().map(|p| self.store.pid_key(p));
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO relay_logs (id, tenant_id, state, kind, child, child_pid_key, concern, level, \
             holder_id, holder_service, created_by, created_at, updated_at, revision, age_band) \
             VALUES ($1, $2, 'draft', 'relay', $3, $4, $5, $6, $7, $8, $7, $9, $9, 1, $10)",
        )
        .bind(&id)
        .bind(who.tenant.as_str())
        .bind(seal::seal_json(secrets, &place(&id, "child"), &child))
        .bind(&child_pid_key)
        .bind(seal::seal(secrets, &place(&id, "concern"), &concern))
        .bind(i64::from(level))
        .bind(&who.account_id)
        .bind(&new.holder_service)
        .bind(&now)
        .bind(age_band(&child, today).key())
        .execute(&mut *tx)
        .await?;
        for (position, guardian) in guardians.iter().enumerate() {
            sqlx::query(
                "INSERT INTO relay_guardians (log_id, tenant_id, position, person, pid_key) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(who.tenant.as_str())
            .bind(position as i64)
            .bind(seal::seal_json(secrets, &place(&id, &format!("guardian/{position}")), guardian))
            .bind(guardian.pid.as_deref().map(|p| self.store.pid_key(p)).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
        }
        let terms = Terms {
            services,
            covers: concern.clone(),
            covers_plan: false,
            ends_on: None,
        };
        insert_consent_request(&mut tx, secrets, who, &id, 1, consenter, &terms).await?;
        self.notify_consenters(&mut tx, who, &id, child_pid_key.as_deref(), consenter)
            .await?;
        let basis = Basis::Holder {
            service: new.holder_service.clone(),
            consent: None,
        };
        self.audit(&mut tx, who, &basis, AuditAction::RelayOpened, &id, "")
            .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Reads a log, if this person may; the read is audited with its basis.
    pub async fn log(&self, who: &Requester, id: &str) -> Result<Option<LogView>> {
        // The child under the consent age reads only their own voice: that is a "voice"
        // view of the log, allowed by the Voice action.
        // A read needs no write lock until its audit row: the log is read in one
        // statement (on a reader), and handed out only once the read is in the audit log.
        let loaded = self
            .load(&mut ReadOn::Readers, who, id, Purpose::Read)
            .await?;
        let Some(log) = loaded else {
            return Ok(None);
        };
        let allowed = [
            (RelayAction::Read, Scope::All),
            (RelayAction::Voice, Scope::OwnVoice),
            (RelayAction::ManageConsent, Scope::Suspended),
        ]
        .into_iter()
        .find_map(|(action, scope)| self.decide(who, &log, action).map(|b| (b, scope)));
        let Some((basis, scope)) = allowed else {
            self.deny(who, id, RelayAction::Read).await?;
            return Ok(None);
        };
        let unseen = log.unseen;
        let entries_json = log.entries.as_deref().ok_or_else(|| {
            RelayError::Corrupt("a log to be read was loaded without its entries".into())
        })?;
        // Only what the scope shows is opened.
        let entries = match scope {
            Scope::All => self.entries_of(&log.id, entries_json, None)?,
            Scope::OwnVoice => self.entries_of(&log.id, entries_json, Some(Role::Youth))?,
            Scope::Suspended => Vec::new(),
        };
        let view = self.view(who, log, entries, basis.clone(), scope)?;
        self.store
            .audit_reads(vec![self.read_row(
                who,
                &basis,
                &view.id,
                scope.audit_details(),
            )])
            .await?;
        if unseen > 0 {
            let mut conn = self.store.pool().acquire().await?;
            self.mark_seen(&mut conn, who, &view.id).await?;
        }
        Ok(Some(view))
    }

    /// The log as `who` may see it on `basis`, within `scope`.
    fn view(
        &self,
        who: &Requester,
        log: Loaded,
        mut entries: Vec<EntryView>,
        basis: Basis,
        scope: Scope,
    ) -> Result<LogView> {
        let reads_all = scope == Scope::All;
        let secrets = self.store.secrets();
        let concern = if reads_all {
            seal::open(secrets, &place(&log.id, "concern"), &log.concern_sealed)?
        } else {
            String::new()
        };

        match scope {
            Scope::All => {}
            Scope::OwnVoice => entries.retain(|e| {
                matches!(e.content, Content::Voice { .. }) && e.author_role == Role::Youth.key()
            }),
            Scope::Suspended => entries.clear(),
        }
        // While suspended the holder sees the consent and whom to ask, to renew it.
        let sees_consent = scope != Scope::OwnVoice;
        let participants = log
            .participants
            .iter()
            .zip(&log.participant_names)
            .map(|(p, name)| ParticipantView {
                account_id: p.account_id.clone(),
                name: name.clone(),
                service: p.service.clone(),
                can_write: p.can_write,
            })
            .collect();
        let coordinator = log
            .coordinator_service
            .as_ref()
            .filter(|_| log.coordinator_id.is_some())
            .map(|service| (log.coordinator_name.clone(), service.clone()));
        let handover = log.handover.as_ref().map(|h| HandoverView {
            to_name: h.to_name.clone(),
            to_service: h.to_service.clone(),
            requested_at: h.requested_at.clone(),
            waiting_days: h.waiting_days(),
        });
        let allowed = RelayAction::ALL
            .into_iter()
            .filter(|a| self.decide(who, &log, *a).is_some())
            .collect();
        let consenter = who.consenter_for(&log.child);
        Ok(LogView {
            consents: if sees_consent {
                log.consents
            } else {
                Vec::new()
            },
            kind: log.kind,
            coordinator,
            handover: handover.filter(|_| reads_all),
            closed: log.closed,
            guardians: if sees_consent {
                log.guardians.iter().map(|(g, _)| g.clone()).collect()
            } else {
                Vec::new()
            },
            id: log.id,
            state: log.state,
            child: log.child,
            concern,
            level: log.level,
            holder_id: log.holder_id,
            holder_name: log.holder_name,
            holder_service: log.holder_service,
            participants,
            entries,
            revision: log.revision,
            created_at: log.created_at,
            consenter,
            basis,
            allowed,
            scope,
        })
    }

    /// The logs this person takes part in or holds, and their family's logs. Each line
    /// shown is audited. (A service leader's view of their services is
    /// [`Relay::service_overview`].)
    pub async fn my_logs(&self, who: &Requester) -> Result<Vec<LogSummary>> {
        let mut candidates: Vec<String> = sqlx::query_scalar(
            // Each way of taking part by its own index: ORs across them made the
            // databases read every log of the tenant.
            "SELECT l.id FROM relay_logs l WHERE l.tenant_id = $1 AND l.id IN (\
             SELECT id FROM relay_logs WHERE tenant_id = $1 AND holder_id = $2 \
             UNION ALL SELECT id FROM relay_logs WHERE tenant_id = $1 AND coordinator_id = $2 \
             UNION ALL SELECT log_id FROM relay_participants WHERE tenant_id = $1 AND account_id = $2 \
             UNION ALL SELECT log_id FROM relay_handovers WHERE tenant_id = $1 AND to_id = $2 AND outcome IS NULL) \
             ORDER BY l.updated_at DESC, l.id",
        )
        .bind(who.tenant.as_str())
        .bind(&who.account_id)
        .fetch_all(self.store.pool())
        .await?;
        if let Some(key) = &who.pid_key {
            let family: Vec<String> = sqlx::query_scalar(
                "SELECT l.id FROM relay_logs l WHERE l.tenant_id = $1 AND l.id IN (\
                 SELECT id FROM relay_logs WHERE tenant_id = $1 AND child_pid_key = $2 \
                 UNION ALL SELECT log_id FROM relay_guardians WHERE tenant_id = $1 AND pid_key = $2) \
                 ORDER BY l.updated_at DESC, l.id",
            )
            .bind(who.tenant.as_str())
            .bind(key)
            .fetch_all(self.store.pool())
            .await?;
            candidates.extend(family);
        }
        let mut seen = BTreeSet::new();
        candidates.retain(|id| seen.insert(id.clone()));

        let logs = self
            .load_many(&mut ReadOn::Readers, who, &candidates)
            .await?;
        self.summaries(who, logs, RelayAction::SeeExistence, None)
            .await
    }

    /// The lines of a list of `logs`, those the asker may do `shown_if` with; each line
    /// is audited, together with `view` (the view itself, if it is audited too).
    async fn summaries(
        &self,
        who: &Requester,
        logs: Vec<Loaded>,
        shown_if: RelayAction,
        view: Option<saman_store::AuditRow>,
    ) -> Result<Vec<LogSummary>> {
        let today = clock::today();
        let mut out = Vec::new();
        for log in logs {
            let Some(basis) = self.decide(who, &log, shown_if) else {
                continue;
            };
            // Logs a leader only knows exist are counted on their overview, not listed.
            if matches!(basis, Basis::Overview { .. }) {
                continue;
            }
            let reads = self.decide(who, &log, RelayAction::Read).is_some();
            let given = log.given();
            let current = crate::consent::current(&given);
            out.push(LogSummary {
                id: log.id.clone(),
                state: log.state,
                child_name: (reads || matches!(basis, Basis::Youth | Basis::Guardian))
                    .then(|| log.child.name.clone()),
                holder_name: log.holder_name.clone(),
                holder_service: log.holder_service.clone(),
                level: log.level,
                consent: current.map(|c| c.state(today)),
                consent_requested: log
                    .consents
                    .iter()
                    .any(|c| c.status == ConsentStatus::Requested),
                handover_to_me: log
                    .handover
                    .as_ref()
                    .is_some_and(|h| h.to_id == who.account_id),
                handover_waiting: log
                    .handover
                    .as_ref()
                    .filter(|_| log.holder_id == who.account_id)
                    .map(Handover::waiting_days),
                // Only those who may read the log see what is due in it.
                overdue: if reads {
                    log.overdue.unwrap_or_default() as usize
                } else {
                    0
                },
                basis,
            });
        }
        let rows = view
            .into_iter()
            .chain(
                out.iter()
                    .map(|line| self.read_row(who, &line.basis, &line.id, "view=list")),
            )
            .collect();
        self.store.audit_reads(rows).await?;
        Ok(out)
    }

    // -----------------------------------------------------------------------------
    // Consent

    /// Asks for a new consent version (more services, another period, a renewal). It
    /// gives nothing until the consenter gives it.
    pub async fn request_consent(
        &self,
        who: &Requester,
        id: &str,
        form: &ConsentForm,
        tenant_services: &[String],
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::ManageConsent).await?
        else {
            return Ok(Change::NotFound);
        };
        let mut problems = Vec::new();
        let terms = check_terms(&mut problems, form, tenant_services, &log.holder_service);
        if !problems.is_empty() {
            return Ok(Change::Invalid(problems));
        }
        let version = next_version(&log);
        // A newer request replaces one still waiting.
        sqlx::query("UPDATE relay_consents SET status = 'declined' WHERE log_id = $1 AND status = 'requested'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let consenter = who.consenter_for(&log.child);
        insert_consent_request(
            &mut tx,
            self.store.secrets(),
            who,
            id,
            version,
            consenter,
            &terms,
        )
        .await?;
        touch(&mut tx, id).await?;
        self.notify_consenters(&mut tx, who, id, log.child_pid_key.as_deref(), consenter)
            .await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayConsentRequested,
            id,
            &format!("version={version}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// Records a consent given on a signed paper form, with its scan.
    pub async fn record_paper_consent(
        &self,
        who: &Requester,
        id: &str,
        form: &ConsentForm,
        tenant_services: &[String],
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::ManageConsent).await?
        else {
            return Ok(Change::NotFound);
        };
        let mut problems = Vec::new();
        let terms = check_terms(&mut problems, form, tenant_services, &log.holder_service);
        let signed_by = content::required_text(
            &mut problems,
            "signed-by",
            &form.signed_by,
            content::MAX_NAME,
        );
        let given_on = content::required_date(&mut problems, "given-on", &form.given_on);
        if given_on.is_some_and(|d| d > clock::today()) {
            problems.push(Problem {
                field: "given-on",
                message: "relay-problem-future",
            });
        }
        let scan = match &form.scan {
            Some((name, bytes)) if !bytes.is_empty() => match scan_type(bytes) {
                Some(content_type) => Some((name.clone(), bytes.clone(), content_type)),
                None => {
                    problems.push(Problem {
                        field: "scan",
                        message: "relay-problem-scan-type",
                    });
                    None
                }
            },
            _ => {
                problems.push(Problem {
                    field: "scan",
                    message: "relay-problem-scan",
                });
                None
            }
        };
        let (Some(given_on), Some((scan_name, scan_bytes, content_type)), true) =
            (given_on, scan, problems.is_empty())
        else {
            return Ok(Change::Invalid(problems));
        };
        let secrets = self.store.secrets();
        let version = next_version(&log);
        let file_id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO relay_files (id, log_id, tenant_id, purpose, name, content, content_type, sha256, created_at) \
             VALUES ($1, $2, $3, 'consent-scan', $4, $5, $6, $7, $8)",
        )
        .bind(&file_id)
        .bind(id)
        .bind(who.tenant.as_str())
        .bind(seal::seal(secrets, &place(id, &format!("file/{file_id}/name")), &scan_name))
        .bind(seal::seal(secrets, &place(id, &format!("file/{file_id}/content")), &base64_of(&scan_bytes)))
        .bind(content_type)
        .bind(saman_domain::auth::secret::sha256_hex(&scan_bytes))
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE relay_consents SET status = 'declined' WHERE log_id = $1 AND status = 'requested'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let consenter = who.consenter_for(&log.child);
        insert_consent_request(&mut tx, secrets, who, id, version, consenter, &terms).await?;
        sqlx::query(
            "UPDATE relay_consents SET status = 'given', given_how = 'paper', signed_by = $1, scan_file_id = $2, \
             given_on = $3 WHERE log_id = $4 AND version = $5",
        )
        .bind(seal::seal(secrets, &place(id, &format!("consent/{version}/signed-by")), &signed_by))
        .bind(&file_id)
        .bind(content::date_text(given_on))
        .bind(id)
        .bind(i64::from(version))
        .execute(&mut *tx)
        .await?;
        activate(&mut tx, id).await?;
        // Those who consent learn of a consent recorded in their name.
        self.notify_consenters(&mut tx, who, id, log.child_pid_key.as_deref(), consenter)
            .await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayConsentGiven,
            id,
            &format!("version={version};given=paper"),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// The consenter gives (or declines) the consent waiting for them, logged in.
    pub async fn answer_consent(
        &self,
        who: &Requester,
        id: &str,
        version: u32,
        give: bool,
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::AnswerConsent).await?
        else {
            return Ok(Change::NotFound);
        };
        let waiting = log
            .consents
            .iter()
            .any(|c| c.consent.version == version && c.status == ConsentStatus::Requested);
        if !waiting {
            // Answered already, or replaced by a newer request.
            return Ok(Change::Conflict);
        }
        let today = content::date_text(clock::today());
        let answered = sqlx::query(
            "UPDATE relay_consents SET status = $1, given_how = 'digital', given_by = $2, given_on = $3, \
             consenter = $4 WHERE log_id = $5 AND version = $6 AND status = 'requested'",
        )
        .bind(if give { "given" } else { "declined" })
        .bind(&who.account_id)
        .bind(&today)
        .bind(consenter_key(who.consenter_for(&log.child)))
        .bind(id)
        .bind(i64::from(version))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if answered != 1 {
            // Replaced by a newer request meanwhile.
            return Ok(Change::Conflict);
        }
        if give {
            activate(&mut tx, id).await?;
        } else {
            touch(&mut tx, id).await?;
        }
        self.mark_seen(&mut tx, who, id).await?;
        let action = if give {
            AuditAction::RelayConsentGiven
        } else {
            AuditAction::RelayConsentDeclined
        };
        self.audit(
            &mut tx,
            who,
            &basis,
            action,
            id,
            &format!("version={version};given=digital"),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// Withdraws consent: for some services (a new version without them, given at once
    /// by whoever withdraws), or for all (the consent ends today). Each service no
    /// longer covered loses access on its next request.
    pub async fn withdraw_consent(
        &self,
        who: &Requester,
        id: &str,
        services: &[String],
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self
            .authorise(who, id, RelayAction::WithdrawConsent)
            .await?
        else {
            return Ok(Change::NotFound);
        };
        let given = log.given();
        let Some(current) = crate::consent::current(&given).filter(|c| c.withdrawn_on.is_none())
        else {
            return Ok(Change::Invalid(vec![Problem {
                field: "withdraw",
                message: "relay-problem-no-consent",
            }]));
        };
        let today = content::date_text(clock::today());
        let remaining: BTreeSet<String> = current
            .services
            .iter()
            .filter(|s| !services.contains(s))
            .cloned()
            .collect();
        // A closed log's consent is withdrawn whole: nothing is given anew.
        let all = services.is_empty()
            || remaining.is_empty()
            || !remaining.contains(&log.holder_service)
            || log.state == LogState::Closed;
        // What waited for an answer is answered by the withdrawal.
        sqlx::query(
            "UPDATE relay_consents SET status = 'declined' WHERE log_id = $1 AND status = 'requested'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if services.iter().any(|s| !current.services.contains(s)) {
            return Ok(Change::Invalid(vec![Problem {
                field: "withdraw",
                message: "relay-problem-services",
            }]));
        }
        if all {
            sqlx::query(
                "UPDATE relay_consents SET withdrawn_on = $1, withdrawn_by = $2 WHERE log_id = $3 AND version = $4",
            )
            .bind(&today)
            .bind(&who.account_id)
            .bind(id)
            .bind(i64::from(current.version))
            .execute(&mut *tx)
            .await?;
        } else {
            let version = next_version(&log);
            insert_consent_request(
                &mut tx,
                self.store.secrets(),
                who,
                id,
                version,
                current.consenter,
                &Terms {
                    services: remaining,
                    covers: current.covers.clone(),
                    covers_plan: log.current_consent().is_some_and(|c| c.covers_plan),
                    ends_on: current.ends_on,
                },
            )
            .await?;
            sqlx::query(
                "UPDATE relay_consents SET status = 'given', given_how = 'digital', given_by = $1, given_on = $2 \
                 WHERE log_id = $3 AND version = $4",
            )
            .bind(&who.account_id)
            .bind(&today)
            .bind(id)
            .bind(i64::from(version))
            .execute(&mut *tx)
            .await?;
        }
        touch(&mut tx, id).await?;
        let withdrawn: Vec<&str> = if all {
            current.services.iter().map(String::as_str).collect()
        } else {
            services.iter().map(String::as_str).collect()
        };
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayConsentWithdrawn,
            id,
            &format!("services={}", withdrawn.join(",")),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    // -----------------------------------------------------------------------------
    // Taking part and writing

    /// Adds a professional of a service the consent covers, reading or also writing.
    pub async fn add_participant(
        &self,
        who: &Requester,
        id: &str,
        email: &str,
        can_write: bool,
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::Manage).await?
        else {
            return Ok(Change::NotFound);
        };
        let (account_id, service) = match self.covered_staff(&mut tx, who, &log, email).await? {
            Ok(found) => found,
            Err(message) => return Ok(invalid("participant-email", message)),
        };
        if account_id == log.holder_id
            || log.participants.iter().any(|p| p.account_id == account_id)
        {
            return Ok(invalid(
                "participant-email",
                "relay-problem-participant-already",
            ));
        }
        sqlx::query(
            "INSERT INTO relay_participants (log_id, tenant_id, account_id, service_slug, can_write, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(who.tenant.as_str())
        .bind(&account_id)
        .bind(&service)
        .bind(i64::from(can_write))
        .bind(&who.account_id)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        touch(&mut tx, id).await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayParticipantAdded,
            id,
            &format!("participant={account_id};write={can_write}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// A professional of this tenant, found by e-mail, who works in a service the log's
    /// consent names: their account and that service, or the problem's message key.
    async fn covered_staff(
        &self,
        conn: &mut AnyConnection,
        who: &Requester,
        log: &Loaded,
        email: &str,
    ) -> Result<std::result::Result<(String, String), &'static str>> {
        let email = saman_store::normalize_email(email);
        let Some(account) = self
            .store
            .account_by_email(&email)
            .await?
            .filter(|a| a.active)
        else {
            return Ok(Err("relay-problem-participant"));
        };
        let roles: Vec<String> = sqlx::query_scalar(
            "SELECT role FROM account_roles WHERE account_id = $1 AND tenant_id = $2",
        )
        .bind(&account.id)
        .bind(who.tenant.as_str())
        .fetch_all(&mut *conn)
        .await?;
        if !roles
            .iter()
            .any(|r| r == Role::Employee.key() || r == Role::ServiceLeader.key())
        {
            return Ok(Err("relay-problem-participant"));
        }
        let given = log.given();
        let current = crate::consent::current(&given).filter(|c| c.holds(clock::today()));
        let services = self.store.services_of(&account.id, &who.tenant).await?;
        Ok(services
            .into_iter()
            .find(|s| current.is_some_and(|c| c.covers_service(s)))
            .map(|service| (account.id, service))
            .ok_or("relay-problem-participant-service"))
    }

    /// Adds an entry. What kind of entry one may add follows from the policy: a
    /// guardian's note, the youth's voice, a professional's goals and measures.
    pub async fn add_entry(&self, who: &Requester, id: &str, entry: &NewEntry) -> Result<Change> {
        let action = match entry.kind.as_str() {
            "voice" => RelayAction::Voice,
            "message" => RelayAction::Message,
            // A family's own notes and goals (the goals an individual plan must hold).
            "note" | "goal" if who.roles.contains(&Role::Guardian) && !who.is_professional() => {
                RelayAction::GuardianNote
            }
            "goal" if !who.is_professional() => RelayAction::Voice,
            _ => RelayAction::WriteEntry,
        };
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, action).await?
        else {
            return Ok(Change::NotFound);
        };
        // Hold the log while writing: an entry never lands in a log closed meanwhile.
        if !lock_open(&mut tx, id).await? {
            return Ok(Change::NotFound);
        }
        let existing = self.entries(&mut tx, id).await?;
        let (content, parent) = match check_entry(entry, &existing) {
            Ok(checked) => checked,
            Err(problems) => return Ok(Change::Invalid(problems)),
        };
        let entry_id = self
            .write_entry(&mut tx, who, &log.id, parent.as_deref(), &basis, &content)
            .await?;
        self.notify_taking_part(&mut tx, who, &log, "entry").await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayEntryAdded,
            id,
            &format!("entry={entry_id};kind={}", content.kind()),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// Writes an entry as `who`, on `basis` (which gives its author's role and service),
    /// sealed, as the log's next in order. Returns its id.
    async fn write_entry(
        &self,
        conn: &mut AnyConnection,
        who: &Requester,
        log_id: &str,
        parent_id: Option<&str>,
        basis: &Basis,
        content: &Content,
    ) -> Result<String> {
        // Touching the log first takes its row lock (on PostgreSQL; SQLite's write
        // transactions are one at a time anyway): two entries written at once to one log
        // take their places in turn instead of both counting the same next place.
        touch(conn, log_id).await?;
        let entry_id = uuid::Uuid::new_v4().to_string();
        // PostgreSQL reads these values back into JSON unescaped (loading.rs,
        // `entries_query`): ids, a role's key, a service's slug, a sealed body and a
        // timestamp only, never free text.
        sqlx::query(
            "INSERT INTO relay_entries (id, log_id, tenant_id, seq, kind, parent_id, author_id, author_role, \
             author_service, body, due_on, created_at) VALUES ($1, $2, $3, \
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM relay_entries WHERE log_id = $2), \
             $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&entry_id)
        .bind(log_id)
        .bind(who.tenant.as_str())
        .bind(content.kind())
        .bind(parent_id)
        .bind(&who.account_id)
        .bind(who.acting_role(basis))
        .bind(basis.service().unwrap_or(""))
        .bind(seal::seal_json(
            self.store.secrets(),
            &place(log_id, &format!("entry/{entry_id}")),
            content,
        ))
        .bind(content.due_on().map(content::date_text))
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        Ok(entry_id)
    }

    /// Changes the BTI level; the form's revision must still be the log's.
    pub async fn change_level(
        &self,
        who: &Requester,
        id: &str,
        revision: i64,
        level: &str,
    ) -> Result<Change> {
        let Some(Authorised {
            mut tx, log, basis, ..
        }) = self.authorise(who, id, RelayAction::Manage).await?
        else {
            return Ok(Change::NotFound);
        };
        let to = match level.trim() {
            "1" => 1u8,
            "2" => 2,
            "3" => 3,
            _ => {
                return Ok(Change::Invalid(vec![Problem {
                    field: "level",
                    message: "relay-problem-level",
                }]));
            }
        };
        if to == log.level {
            return Ok(Change::Done);
        }
        let changed = sqlx::query(
            "UPDATE relay_logs SET level = $1, revision = revision + 1, updated_at = $2 \
             WHERE id = $3 AND revision = $4",
        )
        .bind(i64::from(to))
        .bind(now_text())
        .bind(id)
        .bind(revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(Change::Conflict);
        }
        let content = Content::Level {
            from: log.level,
            to,
        };
        self.write_entry(&mut tx, who, id, None, &basis, &content)
            .await?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayLevelChanged,
            id,
            &format!("level={to}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Change::Done)
    }

    /// The scanned paper consent, for those who read the log.
    pub async fn consent_scan(
        &self,
        who: &Requester,
        id: &str,
        file_id: &str,
    ) -> Result<Option<(String, String, Vec<u8>)>> {
        let Some(Authorised {
            mut tx,
            log: _,
            basis,
            ..
        }) = self.authorise(who, id, RelayAction::Read).await?
        else {
            return Ok(None);
        };
        let Some(row) = sqlx::query(
            "SELECT name, content, content_type FROM relay_files WHERE log_id = $1 AND id = $2 AND tenant_id = $3",
        )
        .bind(id)
        .bind(file_id)
        .bind(who.tenant.as_str())
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let secrets = self.store.secrets();
        let name = seal::open(
            secrets,
            &place(id, &format!("file/{file_id}/name")),
            &row.try_get::<String, _>("name")?,
        )?;
        let content = seal::open(
            secrets,
            &place(id, &format!("file/{file_id}/content")),
            &row.try_get::<String, _>("content")?,
        )?;
        let bytes = bytes_of_base64(&content)?;
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayFileRead,
            id,
            &format!("file={file_id}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((name, row.try_get("content_type")?, bytes)))
    }

    /// Who read or changed the log, when, on which basis: for the guardians and the
    /// youth. Reading it is itself audited.
    pub async fn access_log(&self, who: &Requester, id: &str) -> Result<Option<Vec<AccessRow>>> {
        let Some(Authorised {
            mut tx,
            log: _,
            basis,
            ..
        }) = self.authorise(who, id, RelayAction::ReadAccessLog).await?
        else {
            return Ok(None);
        };
        self.audit(
            &mut tx,
            who,
            &basis,
            AuditAction::RelayAccessLogRead,
            id,
            "",
        )
        .await?;
        tx.commit().await?;
        let filter = saman_store::AuditFilter {
            target: Some(target(id)),
            limit: 10_000,
            ..Default::default()
        };
        let entries = self.store.audit_entries(Some(&who.tenant), &filter).await?;
        Ok(Some(
            entries
                .into_iter()
                .map(|e| {
                    let field = |name: &str| {
                        e.details
                            .split(';')
                            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                            .map(String::from)
                    };
                    AccessRow {
                        at: e.at.clone(),
                        who: e.actor_name.clone().unwrap_or_default(),
                        role: e.actor_role.clone().unwrap_or_default(),
                        service: field("service"),
                        consent: field("consent"),
                        basis: field("basis").unwrap_or_default(),
                        what: field("kind").or_else(|| field("view")),
                        refused: e.outcome == Outcome::Failure.key(),
                        action: e.action,
                    }
                })
                .collect(),
        ))
    }
}

/// A request the policy allowed: its transaction, the log, and the basis.
struct Authorised {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    log: Loaded,
    basis: Basis,
}

/// An entry as typed on one of the log page's forms.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    pub kind: String,
    pub text: String,
    pub parent_id: String,
    pub responsible: String,
    pub starts_on: String,
    pub evaluate_on: String,
    pub achieved: String,
    pub next_step: String,
    pub held_on: String,
    pub present: String,
    pub decisions: String,
}

const GUARDIAN_FIELDS: [(&str, &str); content::MAX_GUARDIANS] = [
    ("guardian-1-name", "guardian-1-pid"),
    ("guardian-2-name", "guardian-2-pid"),
    ("guardian-3-name", "guardian-3-pid"),
    ("guardian-4-name", "guardian-4-pid"),
];

/// Checks an entry as typed, against the entries it may refer to.
fn check_entry(
    entry: &NewEntry,
    existing: &[EntryView],
) -> std::result::Result<(Content, Option<String>), Vec<Problem>> {
    use content::{MAX_TEXT, optional_text, required_date, required_text};
    let mut p = Vec::new();
    let parent_of_kind = |p: &mut Vec<Problem>, kind: &str, field: &'static str| {
        let found = existing
            .iter()
            .find(|e| e.id == entry.parent_id && e.content.kind() == kind)
            .map(|e| e.id.clone());
        if found.is_none() {
            p.push(Problem {
                field,
                message: "relay-problem-parent",
            });
        }
        found
    };
    let (content, parent) = match entry.kind.as_str() {
        "goal" => (
            Content::Goal {
                text: required_text(&mut p, "goal-text", &entry.text, MAX_TEXT),
            },
            None,
        ),
        "measure" => {
            let parent = parent_of_kind(&mut p, "goal", "measure-goal");
            let text = required_text(&mut p, "measure-text", &entry.text, MAX_TEXT);
            let responsible = required_text(
                &mut p,
                "measure-responsible",
                &entry.responsible,
                content::MAX_NAME,
            );
            let starts_on = required_date(&mut p, "measure-starts", &entry.starts_on);
            let evaluate_on = required_date(&mut p, "measure-evaluate", &entry.evaluate_on);
            if let (Some(s), Some(e)) = (starts_on, evaluate_on)
                && e < s
            {
                p.push(Problem {
                    field: "measure-evaluate",
                    message: "relay-problem-evaluate-before-start",
                });
            }
            match (starts_on, evaluate_on) {
                (Some(starts_on), Some(evaluate_on)) => (
                    Content::Measure {
                        text,
                        responsible,
                        starts_on,
                        evaluate_on,
                    },
                    parent,
                ),
                _ => return Err(p),
            }
        }
        "evaluation" => {
            let parent = parent_of_kind(&mut p, "measure", "evaluation-measure");
            let achieved = content::Achieved::from_key(&entry.achieved);
            if achieved.is_none() {
                p.push(Problem {
                    field: "evaluation-achieved-yes",
                    message: "relay-problem-achieved",
                });
            }
            let note = required_text(&mut p, "evaluation-text", &entry.text, MAX_TEXT);
            let next_step = optional_text(&mut p, "evaluation-next", &entry.next_step, MAX_TEXT);
            match achieved {
                Some(achieved) => (
                    Content::Evaluation {
                        achieved,
                        note,
                        next_step,
                    },
                    parent,
                ),
                None => return Err(p),
            }
        }
        "meeting" => {
            let held_on = required_date(&mut p, "meeting-date", &entry.held_on);
            let present = required_text(&mut p, "meeting-present", &entry.present, MAX_TEXT);
            let summary = required_text(&mut p, "meeting-summary", &entry.text, MAX_TEXT);
            let decisions = optional_text(&mut p, "meeting-decisions", &entry.decisions, MAX_TEXT);
            match held_on {
                Some(held_on) => (
                    Content::Meeting {
                        held_on,
                        present,
                        summary,
                        decisions,
                    },
                    None,
                ),
                None => return Err(p),
            }
        }
        "note" => (
            Content::Note {
                text: required_text(&mut p, "note-text", &entry.text, MAX_TEXT),
            },
            None,
        ),
        "voice" => (
            Content::Voice {
                text: required_text(&mut p, "voice-text", &entry.text, MAX_TEXT),
            },
            None,
        ),
        "message" => (
            Content::Message {
                text: required_text(&mut p, "message-text", &entry.text, MAX_TEXT),
            },
            None,
        ),
        _ => {
            return Err(vec![Problem {
                field: "kind",
                message: "relay-problem-kind",
            }]);
        }
    };
    if p.is_empty() {
        Ok((content, parent))
    } else {
        Err(p)
    }
}

/// What a consent names, covers, and how long it lasts, as typed: the services must be
/// the model's and include the holder's.
fn check_terms(
    problems: &mut Vec<Problem>,
    form: &ConsentForm,
    tenant_services: &[String],
    holder_service: &str,
) -> Terms {
    if form.services.iter().any(|s| !tenant_services.contains(s)) {
        problems.push(Problem {
            field: "services",
            message: "relay-problem-services",
        });
    }
    let services: BTreeSet<String> = form
        .services
        .iter()
        .filter(|s| tenant_services.contains(s))
        .cloned()
        .collect();
    if !services.contains(holder_service) {
        problems.push(Problem {
            field: "services",
            message: "relay-problem-holder-not-covered",
        });
    }
    let covers = content::required_text(problems, "covers", &form.covers, content::MAX_TEXT);
    let ends_on = match form.ends_on.trim() {
        "" => None,
        typed => {
            let date = content::parse_date(typed);
            match date {
                None => problems.push(Problem {
                    field: "ends-on",
                    message: "relay-problem-date",
                }),
                Some(d) if d <= clock::today() => problems.push(Problem {
                    field: "ends-on",
                    message: "relay-problem-past",
                }),
                Some(_) => {}
            }
            date
        }
    };
    Terms {
        services,
        covers,
        covers_plan: form.covers_plan,
        ends_on,
    }
}

/// What a consent version names and covers, and until when.
struct Terms {
    services: BTreeSet<String>,
    covers: String,
    covers_plan: bool,
    ends_on: Option<Date>,
}

/// A form's one problem, at `field`.
fn invalid(field: &'static str, message: &'static str) -> Change {
    Change::Invalid(vec![Problem { field, message }])
}

fn next_version(log: &Loaded) -> u32 {
    log.consents
        .iter()
        .map(|c| c.consent.version)
        .max()
        .unwrap_or(0)
        + 1
}

/// What a scanned form may be: PDF, PNG or JPEG, known by its first bytes.
fn scan_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn bytes_of_base64(text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| RelayError::Corrupt("a sealed file is not base64".into()))
}

async fn insert_consent_request(
    conn: &mut AnyConnection,
    secrets: &saman_domain::auth::keys::Secrets,
    who: &Requester,
    log_id: &str,
    version: u32,
    consenter: Consenter,
    terms: &Terms,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO relay_consents (log_id, tenant_id, version, status, consenter, services, covers, \
         covers_plan, ends_on, requested_by, requested_at) \
         VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(log_id)
    .bind(who.tenant.as_str())
    .bind(i64::from(version))
    .bind(consenter_key(consenter))
    .bind(services_text(&terms.services))
    .bind(seal::seal(
        secrets,
        &place(log_id, &format!("consent/{version}/covers")),
        &terms.covers,
    ))
    .bind(i64::from(terms.covers_plan))
    .bind(terms.ends_on.map(content::date_text))
    .bind(&who.account_id)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks an active log changed, taking its row's lock for the rest of the transaction;
/// false if it is no longer active.
async fn lock_open(conn: &mut AnyConnection, log_id: &str) -> Result<bool> {
    let locked =
        sqlx::query("UPDATE relay_logs SET updated_at = $1 WHERE id = $2 AND state = 'active'")
            .bind(now_text())
            .bind(log_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(locked == 1)
}

/// Marks the log changed (for "my logs" order).
async fn touch(conn: &mut AnyConnection, log_id: &str) -> Result<()> {
    sqlx::query("UPDATE relay_logs SET updated_at = $1 WHERE id = $2")
        .bind(now_text())
        .bind(log_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A draft becomes active with its first given consent.
async fn activate(conn: &mut AnyConnection, log_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE relay_logs SET state = CASE WHEN state = 'draft' THEN 'active' ELSE state END, \
         updated_at = $1, revision = revision + 1 WHERE id = $2",
    )
    .bind(now_text())
    .bind(log_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
