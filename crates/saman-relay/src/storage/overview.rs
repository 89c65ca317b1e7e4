//! A service leader's view of their services. It stays the same size however many logs
//! a service has:
//! - how many open logs each holder in the services holds, how many of them wait for
//!   consent, and how many handovers wait, for the services the policy lets them
//!   oversee ([`policy::overseen_services`]): what the leader may know of a log they
//!   do not read (that it exists, who holds it), counted. The counts name no child and
//!   open no log, so the view is audited once, not in any log's access log;
//! - the logs the services may read by consent, a page at a time, newest change first.
//!   Each line shown is audited, as any list's line is.

use super::{LogSummary, Relay, Requester, placeholders, waiting_days_since};
use crate::Result;
use crate::content;
use crate::policy::{self, LogState, RelayAction};
use saman_domain::access::Role;
use saman_domain::audit::{AuditAction, Outcome};
use saman_store::clock;
use saman_store::{Columns, ReadOn};
use std::collections::BTreeMap;

/// Logs on one page of the readable list.
pub const OVERVIEW_PAGE_SIZE: usize = 25;

/// The highest page asked for that is taken as asked (beyond it, the last one).
const LAST_PAGE: usize = 10_000;

/// What a service leader sees of their services.
#[derive(Debug, Clone)]
pub struct ServiceOverview {
    /// Each service they lead, in the order of their services, with its holders.
    pub services: Vec<ServiceCounts>,
    /// This page of the logs their services may read.
    pub readable: Vec<LogSummary>,
    /// The page shown, from 1.
    pub page: usize,
    /// Whether a later page has more.
    pub more: bool,
}

/// The holders of open logs in one service.
#[derive(Debug, Clone)]
pub struct ServiceCounts {
    pub service: String,
    /// By name.
    pub holders: Vec<HolderCounts>,
}

/// One holder's open logs in a service, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolderCounts {
    pub holder_name: String,
    pub open: usize,
    /// Opened, and waiting for the first consent.
    pub awaiting_consent: usize,
    /// The baton is offered to a successor who has not answered.
    pub handovers_waiting: usize,
    /// … for longer than a handover should wait.
    pub handovers_waiting_too_long: usize,
}

impl ServiceCounts {
    /// The service's counts, all holders together.
    pub fn total(&self) -> HolderCounts {
        let mut total = HolderCounts::default();
        for h in &self.holders {
            total.open += h.open;
            total.awaiting_consent += h.awaiting_consent;
            total.handovers_waiting += h.handovers_waiting;
            total.handovers_waiting_too_long += h.handovers_waiting_too_long;
        }
        total
    }
}

impl Relay {
    /// A service leader's view of the services they lead, with `page` of the readable
    /// logs; `None` for anyone else (the page is then not found).
    pub async fn service_overview(
        &self,
        who: &Requester,
        page: usize,
    ) -> Result<Option<ServiceOverview>> {
        let overseen = policy::overseen_services(&who.roles, &who.services);
        if overseen.is_empty() {
            return Ok(None);
        }
        let page = page.clamp(1, LAST_PAGE);
        let services = self.holder_counts(who, overseen).await?;
        let mut ids = self.readable_ids(who, overseen, page).await?;
        let more = ids.len() > OVERVIEW_PAGE_SIZE;
        ids.truncate(OVERVIEW_PAGE_SIZE);
        let logs = self.load_many(&mut ReadOn::Readers, who, &ids).await?;
        // The counts name no log, so no log's access log has them: the view is audited
        // once, in the tenant's audit log, with the lines shown.
        let view = saman_store::AuditRow {
            ctx: who.audit(Role::ServiceLeader.key()),
            action: AuditAction::RelayOverviewRead,
            target: format!("relay-overview:{}", overseen.join(",")),
            outcome: Outcome::Success,
            details: format!("page={page}"),
        };
        // The policy decides each line, as everywhere: only those the leader reads.
        let readable = self
            .summaries(who, logs, RelayAction::Read, Some(view))
            .await?;
        Ok(Some(ServiceOverview {
            services,
            readable,
            page,
            more,
        }))
    }

    /// The open logs held in the `overseen` services, counted by service and holder.
    async fn holder_counts(
        &self,
        who: &Requester,
        overseen: &[String],
    ) -> Result<Vec<ServiceCounts>> {
        // A handover's time as a value of its own: a log is one row however many wait.
        let sql = format!(
            "SELECT l.holder_id, l.holder_service, l.state, a.name AS holder_name, \
             (SELECT MIN(h.requested_at) FROM relay_handovers h \
              WHERE h.log_id = l.id AND h.outcome IS NULL) AS handover_at \
             FROM relay_logs l LEFT JOIN accounts a ON a.id = l.holder_id \
             WHERE l.tenant_id = $1 AND l.state <> 'closed' AND l.holder_service IN ({})",
            placeholders(2, overseen.len())
        );
        let mut params = vec![who.tenant.as_str()];
        params.extend(overseen.iter().map(String::as_str));
        let mut counted: BTreeMap<(String, String), HolderCounts> = BTreeMap::new();
        for row in self.store.read(&sql, &params).await? {
            let holder_id: String = row.value("holder_id")?;
            let service: String = row.value("holder_service")?;
            let counts = match counted.entry((service, holder_id)) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let stored: Option<String> = row.value("holder_name")?;
                    let holder_name = stored
                        .map(|n| self.store.open_name(&e.key().1, &n))
                        .unwrap_or_default();
                    e.insert(HolderCounts {
                        holder_name,
                        ..HolderCounts::default()
                    })
                }
            };
            counts.open += 1;
            if row.value::<String>("state")? == LogState::Draft.key() {
                counts.awaiting_consent += 1;
            }
            if let Some(at) = row.value::<Option<String>>("handover_at")? {
                counts.handovers_waiting += 1;
                if waiting_days_since(&at) >= super::baton::HANDOVER_WAITS_TOO_LONG_DAYS {
                    counts.handovers_waiting_too_long += 1;
                }
            }
        }
        Ok(overseen
            .iter()
            .map(|service| {
                let mut holders: Vec<HolderCounts> = counted
                    .iter()
                    .filter(|((s, _), _)| s == service)
                    .map(|(_, counts)| counts.clone())
                    .collect();
                holders.sort_by(|a, b| a.holder_name.cmp(&b.holder_name));
                ServiceCounts {
                    service: service.clone(),
                    holders,
                }
            })
            .collect())
    }

    /// The ids of `page` of the active logs whose consent lets one of the `overseen`
    /// services read them today, newest change first, and one more if there is a next
    /// page. This only narrows the candidates so that a page is full; the policy still
    /// decides each line (so a page may show fewer, never more).
    async fn readable_ids(
        &self,
        who: &Requester,
        overseen: &[String],
        page: usize,
    ) -> Result<Vec<String>> {
        let names_a_service = (0..overseen.len())
            .map(|i| format!("c.services LIKE ${}", 3 + i))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!(
            "SELECT l.id FROM relay_logs l WHERE l.tenant_id = $1 AND l.state = 'active' \
             AND EXISTS (SELECT 1 FROM relay_consents c WHERE c.log_id = l.id \
             AND c.status = 'given' AND c.version = (SELECT MAX(n.version) FROM relay_consents n \
             WHERE n.log_id = l.id AND n.status = 'given') \
             AND (c.withdrawn_on IS NULL OR c.withdrawn_on > $2) \
             AND (c.ends_on IS NULL OR c.ends_on >= $2) AND ({names_a_service})) \
             ORDER BY l.updated_at DESC, l.id LIMIT {} OFFSET {}",
            OVERVIEW_PAGE_SIZE + 1,
            (page - 1) * OVERVIEW_PAGE_SIZE
        );
        let today = content::date_text(clock::today());
        let patterns: Vec<String> = overseen.iter().map(|s| format!("%,{s},%")).collect();
        let mut params = vec![who.tenant.as_str(), today.as_str()];
        params.extend(patterns.iter().map(String::as_str));
        self.store
            .read(&sql, &params)
            .await?
            .iter()
            .map(|row| Ok(row.value::<String>("id")?))
            .collect()
    }
}
