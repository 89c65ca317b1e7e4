//! Loading logs for the policy and the pages. One statement gives up to
//! [`IDS_PER_QUERY`] logs, each row with everything the policy needs: its pending
//! handover, the names of holder, coordinator and successor, the asker's unseen
//! notifications, and its guardians, participants and consents, each as one JSON value
//! (see [`saman_store::Backend::json_rows`]); and what the [`Purpose`] needs besides. A
//! statement costs a round trip to the database: a page pays it once, however much its
//! logs hold. Reads for a page or a list run on the store's read-only readers
//! ([`ReadOn::Readers`]); a change loads its log inside its own transaction.

use super::{
    Closed, ConsentStatus, ConsentView, EntryView, Handover, IDS_PER_QUERY, Loaded, LogKind, Relay,
    Requester, consenter_of, date_of, placeholders, services_of_text,
};
use crate::consent::{Consent, Given};
use crate::content::{self, Child, Content, Guardian};
use crate::policy::{LogState, Participant};
use crate::seal::{self, place};
use crate::{RelayError, Result};
use saman_domain::access::Role;
use saman_store::clock;
use saman_store::{Backend, Columns, ReadOn, ReadRow};
use serde::Deserialize;

/// What a log is loaded for, and so what is loaded with it besides what the policy needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// A line of a list: the overdue evaluations are counted.
    List,
    /// Its page: its entries too (the page finds what is overdue among them).
    Read,
    /// A change: nothing more (a long log's entries are most of its size).
    Change,
}

/// A guardian's row, as its JSON array.
#[derive(Deserialize)]
struct GuardianRow(i64, String, String);

/// A participant's row: added at, account, service, can write, name as stored.
#[derive(Deserialize)]
struct ParticipantRow(String, String, String, i64, String);

/// A consent's row, as its JSON array (the columns of [`CONSENT_COLUMNS`], in order).
#[derive(Deserialize)]
struct ConsentRow {
    version: i64,
    status: String,
    consenter: String,
    services: String,
    covers: String,
    covers_plan: i64,
    given_how: Option<String>,
    signed_by: Option<String>,
    scan_file_id: Option<String>,
    given_on: Option<String>,
    ends_on: Option<String>,
    withdrawn_on: Option<String>,
    requested_at: String,
    given_by: Option<String>,
    given_by_name: Option<String>,
}

const CONSENT_COLUMNS: &str = "c.version, c.status, c.consenter, c.services, c.covers, \
    c.covers_plan, c.given_how, c.signed_by, c.scan_file_id, c.given_on, c.ends_on, \
    c.withdrawn_on, c.requested_at, c.given_by, \
    (SELECT a.name FROM accounts a WHERE a.id = c.given_by)";

/// An entry's row: seq, id, parent, author's role and service, sealed body, written at,
/// author, author's name as stored.
#[derive(Deserialize)]
struct EntryRow(
    i64,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
);

// Names are looked up by their key, row by row: a join let PostgreSQL's planner read
// every account (a hash join) to name twenty entries, 4.7 ms against 0.35 ms.
const ENTRY_COLUMNS: &str = "e.seq, e.id, e.parent_id, e.author_role, e.author_service, \
    e.body, e.created_at, e.author_id, \
    COALESCE((SELECT a.name FROM accounts a WHERE a.id = e.author_id), '')";

/// The query of a log's entries (the log's id given by `log`) as one JSON text of their
/// [`EntryRow`]s, as [`Backend::json_rows`] gives it. PostgreSQL's `json_build_array`
/// looks up the type of each value on every row, the largest part of a log page's
/// statement; so there the text is joined by hand. Every value but the author's name
/// (escaped by `to_json`) is a number, an id, a role's key, a slug, a timestamp or a
/// sealed value (base64url), none of which JSON escapes.
fn entries_query(backend: Backend, log: &str) -> String {
    let from = format!("FROM relay_entries e WHERE e.log_id = {log}");
    match backend {
        Backend::Sqlite => backend.json_rows(ENTRY_COLUMNS, &from),
        Backend::Postgres => format!(
            "SELECT COALESCE('[' || string_agg('[' || e.seq || ',\"' || e.id || '\",' \
             || COALESCE('\"' || e.parent_id || '\"', 'null') || ',\"' || e.author_role \
             || '\",\"' || e.author_service || '\",\"' || e.body || '\",\"' || e.created_at \
             || '\",' || COALESCE('\"' || e.author_id || '\"', 'null') || ',' \
             || to_json(COALESCE((SELECT a.name FROM accounts a WHERE a.id = e.author_id), ''))::text \
             || ']', ',') || ']', '[]') {from}"
        ),
    }
}

impl Relay {
    /// A log with everything the policy needs, and what `purpose` needs.
    pub(super) async fn load(
        &self,
        on: &mut ReadOn<'_>,
        who: &Requester,
        id: &str,
        purpose: Purpose,
    ) -> Result<Option<Loaded>> {
        Ok(self
            .load_part(on, who, &[id.to_string()], purpose)
            .await?
            .pop())
    }

    /// Logs of the asker's tenant with everything the policy and a list of them need, in
    /// the order of `ids`; those not found are left out.
    pub(super) async fn load_many(
        &self,
        on: &mut ReadOn<'_>,
        who: &Requester,
        ids: &[String],
    ) -> Result<Vec<Loaded>> {
        let mut loaded = Vec::with_capacity(ids.len());
        for (i, part) in ids.chunks(IDS_PER_QUERY).enumerate() {
            // On SQLite each part is read right here, without a pause: between parts,
            // other requests get their turn on this thread.
            if i > 0 {
                tokio::task::yield_now().await;
            }
            loaded.extend(self.load_part(on, who, part, Purpose::List).await?);
        }
        Ok(loaded)
    }

    /// Up to [`IDS_PER_QUERY`] logs in one statement.
    async fn load_part(
        &self,
        on: &mut ReadOn<'_>,
        who: &Requester,
        ids: &[String],
        purpose: Purpose,
    ) -> Result<Vec<Loaded>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let backend = self.store.backend();
        let guardians = backend.json_rows(
            "g.position, g.person, g.pid_key",
            "FROM relay_guardians g WHERE g.log_id = l.id",
        );
        let participants = backend.json_rows(
            "p.added_at, p.account_id, p.service_slug, p.can_write, \
             COALESCE((SELECT a.name FROM accounts a WHERE a.id = p.account_id), '')",
            "FROM relay_participants p WHERE p.log_id = l.id",
        );
        let consents = backend.json_rows(
            CONSENT_COLUMNS,
            "FROM relay_consents c WHERE c.log_id = l.id",
        );
        let entries = match purpose {
            Purpose::Read => format!("({})", entries_query(backend, "l.id")),
            Purpose::List | Purpose::Change => "NULL".to_string(),
        };
        // Today is the last parameter, after the ids, and only for a list.
        let today = 3 + ids.len();
        let overdue = match purpose {
            Purpose::List => format!(
                "(SELECT COUNT(*) FROM relay_entries m WHERE m.log_id = l.id AND m.kind = 'measure' \
                 AND m.due_on < ${today} AND NOT EXISTS (SELECT 1 FROM relay_entries e \
                 WHERE e.parent_id = m.id AND e.kind = 'evaluation'))"
            ),
            Purpose::Read | Purpose::Change => "NULL".to_string(),
        };
        let sql = format!(
            "SELECT l.id, l.state, l.kind, l.child, l.child_pid_key, l.concern, l.level, l.holder_id, \
             l.holder_service, l.coordinator_id, l.coordinator_service, l.revision, l.created_at, \
             l.closed_at, l.close_reason, l.closing_note, l.purge_after, \
             holder.name AS holder_name, coordinator.name AS coordinator_name, \
             h.id AS handover_id, h.to_id AS handover_to, h.to_service AS handover_service, \
             h.requested_at AS handover_at, successor.name AS successor_name, \
             (SELECT COUNT(*) FROM relay_notifications n WHERE n.account_id = $2 \
              AND n.log_id = l.id AND n.seen_at IS NULL) AS unseen, \
             {overdue} AS overdue, ({guardians}) AS guardians, \
             ({participants}) AS participants, ({consents}) AS consents, {entries} AS entries \
             FROM relay_logs l \
             LEFT JOIN accounts holder ON holder.id = l.holder_id \
             LEFT JOIN accounts coordinator ON coordinator.id = l.coordinator_id \
             LEFT JOIN relay_handovers h ON h.log_id = l.id AND h.outcome IS NULL \
             LEFT JOIN accounts successor ON successor.id = h.to_id \
             WHERE l.tenant_id = $1 AND l.id IN ({})",
            placeholders(3, ids.len())
        );
        let today = content::date_text(clock::today());
        let mut params = vec![who.tenant.as_str(), who.account_id.as_str()];
        params.extend(ids.iter().map(String::as_str));
        if purpose == Purpose::List {
            params.push(&today);
        }
        let rows = self.store.read_on(on, &sql, &params).await?;
        let mut loaded = rows
            .iter()
            .map(|row| self.loaded_of(row))
            .collect::<Result<Vec<Loaded>>>()?;
        loaded.sort_by_key(|l| ids.iter().position(|id| *id == l.id));
        Ok(loaded)
    }

    /// A log from its row.
    fn loaded_of(&self, row: &ReadRow) -> Result<Loaded> {
        let secrets = self.store.secrets();
        let id: String = row.value("id")?;
        let state_key: String = row.value("state")?;
        let state = LogState::from_key(&state_key)
            .ok_or_else(|| RelayError::Corrupt(format!("log state {state_key}")))?;
        let child: Child = seal::open_json(
            secrets,
            &place(&id, "child"),
            &row.value::<String>("child")?,
        )?;
        // Family accounts' names are sealed to their account.
        let name = |account: Option<&str>, column: &str| -> Result<String> {
            let stored: Option<String> = row.value(column)?;
            Ok(match (account, stored) {
                (Some(account), Some(stored)) => self.store.open_name(account, &stored),
                _ => String::new(),
            })
        };
        let holder_id: String = row.value("holder_id")?;
        let coordinator_id: Option<String> = row.value("coordinator_id")?;
        let handover = match row.value::<Option<String>>("handover_id")? {
            Some(handover_id) => {
                let to_id: String = row.value("handover_to")?;
                Some(Handover {
                    id: handover_id,
                    to_name: name(Some(&to_id), "successor_name")?,
                    to_id,
                    to_service: row.value("handover_service")?,
                    requested_at: row.value("handover_at")?,
                })
            }
            None => None,
        };
        let closed = match row.value::<Option<String>>("closed_at")? {
            None => None,
            Some(at) => Some(Closed {
                at,
                reason: row
                    .value::<Option<String>>("close_reason")?
                    .unwrap_or_default(),
                note: row
                    .value::<Option<String>>("closing_note")?
                    .map(|n| seal::open(secrets, &place(&id, "closing-note"), &n))
                    .transpose()?
                    .unwrap_or_default(),
                purge_after: row
                    .value::<Option<String>>("purge_after")?
                    .unwrap_or_default(),
            }),
        };
        let (participants, participant_names) =
            self.participants_of(&row.value::<String>("participants")?)?;
        let kind_key: String = row.value("kind")?;
        Ok(Loaded {
            kind: LogKind::from_key(&kind_key)
                .ok_or_else(|| RelayError::Corrupt(format!("log kind {kind_key}")))?,
            coordinator_service: row.value("coordinator_service")?,
            coordinator_name: name(coordinator_id.as_deref(), "coordinator_name")?,
            holder_name: name(Some(&holder_id), "holder_name")?,
            unseen: row.value("unseen")?,
            overdue: row.value("overdue")?,
            closed,
            handover,
            state,
            child,
            child_pid_key: row.value("child_pid_key")?,
            concern_sealed: row.value("concern")?,
            level: u8::try_from(row.value::<i64>("level")?).unwrap_or(1),
            holder_id,
            holder_service: row.value("holder_service")?,
            coordinator_id,
            revision: row.value("revision")?,
            created_at: row.value("created_at")?,
            guardians: self.guardians_of(&id, &row.value::<String>("guardians")?)?,
            participants,
            participant_names,
            consents: self.consents_of(&id, &row.value::<String>("consents")?)?,
            entries: row.value("entries")?,
            id,
        })
    }

    /// A log's guardians, in their order, with their identity numbers' keys.
    fn guardians_of(&self, id: &str, json: &str) -> Result<Vec<(Guardian, String)>> {
        let mut rows: Vec<GuardianRow> = parse(json, "guardians")?;
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter()
            .map(|GuardianRow(position, person, pid_key)| {
                let guardian: Guardian = seal::open_json(
                    self.store.secrets(),
                    &place(id, &format!("guardian/{position}")),
                    &person,
                )?;
                Ok((guardian, pid_key))
            })
            .collect()
    }

    /// A log's participants in the order they were added, and their names.
    fn participants_of(&self, json: &str) -> Result<(Vec<Participant>, Vec<String>)> {
        let mut rows: Vec<ParticipantRow> = parse(json, "participants")?;
        rows.sort_unstable_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        Ok(rows
            .into_iter()
            .map(|ParticipantRow(_, account_id, service, can_write, name)| {
                let name = self.store.open_name(&account_id, &name);
                let participant = Participant {
                    account_id,
                    service,
                    can_write: can_write == 1,
                };
                (participant, name)
            })
            .unzip())
    }

    /// A log's consents, newest first.
    fn consents_of(&self, id: &str, json: &str) -> Result<Vec<ConsentView>> {
        let mut rows: Vec<ConsentRow> = parse(json, "consents")?;
        rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.version));
        let secrets = self.store.secrets();
        let today = clock::today();
        rows.into_iter()
            .map(|r| {
                let base = format!("consent/{}", r.version);
                let covers = seal::open(secrets, &place(id, &format!("{base}/covers")), &r.covers)?;
                let signed_by = r
                    .signed_by
                    .map(|s| seal::open(secrets, &place(id, &format!("{base}/signed-by")), &s))
                    .transpose()?;
                let given = match r.given_how.as_deref() {
                    Some("paper") => Given::OnPaper {
                        scanned_file: r.scan_file_id.unwrap_or_default(),
                    },
                    _ => Given::Digitally,
                };
                let given_on = date_of(r.given_on)?.unwrap_or_else(|| {
                    clock::from_text(&r.requested_at).map_or(today, |t| t.date())
                });
                let consent = Consent {
                    version: u32::try_from(r.version).unwrap_or(0),
                    consenter: consenter_of(&r.consenter)?,
                    services: services_of_text(&r.services),
                    covers,
                    given,
                    given_on,
                    ends_on: date_of(r.ends_on)?,
                    withdrawn_on: date_of(r.withdrawn_on)?,
                };
                Ok(ConsentView {
                    state: consent.state(today),
                    consent,
                    status: ConsentStatus::from_key(&r.status)?,
                    covers_plan: r.covers_plan == 1,
                    given_by: match signed_by {
                        Some(signed) => Some(signed),
                        None => r.given_by_name.map(|name| {
                            self.store
                                .open_name(r.given_by.as_deref().unwrap_or_default(), &name)
                        }),
                    },
                })
            })
            .collect()
    }

    /// A log's entries, in the order written; only those written in the role `by`, if
    /// given (the others are not opened).
    pub(super) fn entries_of(
        &self,
        log_id: &str,
        json: &str,
        by: Option<Role>,
    ) -> Result<Vec<EntryView>> {
        let mut rows: Vec<EntryRow> = parse(json, "entries")?;
        if let Some(role) = by {
            rows.retain(|r| r.3 == role.key());
        }
        rows.sort_unstable_by_key(|r| r.0);
        let secrets = self.store.secrets();
        rows.into_iter()
            .map(
                |EntryRow(
                    _,
                    id,
                    parent_id,
                    author_role,
                    author_service,
                    body,
                    created_at,
                    author_id,
                    name,
                )| {
                    let content: Content =
                        seal::open_json(secrets, &place(log_id, &format!("entry/{id}")), &body)?;
                    Ok(EntryView {
                        parent_id,
                        author_name: self
                            .store
                            .open_name(author_id.as_deref().unwrap_or_default(), &name),
                        author_role,
                        author_service,
                        created_at,
                        content,
                        id,
                    })
                },
            )
            .collect()
    }

    /// A log's entries, in the order written, read on their own.
    pub(super) async fn entries(
        &self,
        conn: &mut sqlx::AnyConnection,
        log_id: &str,
    ) -> Result<Vec<EntryView>> {
        let sql = entries_query(self.store.backend(), "$1");
        let json: String = sqlx::query_scalar(&sql)
            .bind(log_id)
            .fetch_one(&mut *conn)
            .await?;
        self.entries_of(log_id, &json, None)
    }
}

fn parse<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<Vec<T>> {
    serde_json::from_str(json).map_err(|e| RelayError::Corrupt(format!("{what} of a log: {e}")))
}
