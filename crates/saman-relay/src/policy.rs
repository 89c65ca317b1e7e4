//! Who may do what with one relay log: the policy every read and write of a log asks,
//! beside the platform's general policy (`saman_domain::access`). It answers with the
//! basis of the access (which consent, which role), which the audit log records, or
//! with nothing: then the log is "not found".
//!
//! - Professionals take part through a service: the holder's, or a participant's. They
//!   read only while the newest given consent holds and names their service; writers
//!   write only while the log is open. A service leader sees that a log exists in their
//!   service and who holds it, and reads only if the consent names their service.
//! - Guardians read their child's log, add notes, give or withdraw consent when they are
//!   the ones to consent, close it, and read its access log.
//! - The youth writes "my voice" from 12 and reads the log and its access log from the
//!   municipality's consent age, when they also give the consent.
//! - Nobody else: not the municipality's administrators, not the platform's.

use crate::age::{YouthConsentAge, age_on};
use crate::consent::{Consent, Consenter, current};
use saman_domain::access::Role;
use time::Date;

/// From this age the child writes in "my voice" (their view carries great weight).
pub const VOICE_AGE: u8 = 12;

/// Where a log is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogState {
    /// Opened, waiting for the first consent: it holds nothing but what opened it.
    Draft,
    Active,
    /// Read only, until its retention period ends.
    Closed,
}

impl LogState {
    pub fn key(self) -> &'static str {
        match self {
            LogState::Draft => "draft",
            LogState::Active => "active",
            LogState::Closed => "closed",
        }
    }

    pub fn from_key(key: &str) -> Option<LogState> {
        [LogState::Draft, LogState::Active, LogState::Closed]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// What someone asks to do with a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelayAction {
    /// See that the log exists, and who holds it (a service leader's overview).
    SeeExistence,
    /// Read the whole log.
    Read,
    /// Add goals, measures, evaluations, meeting notes, professional notes.
    WriteEntry,
    /// Write a message to the others taking part.
    Message,
    /// A guardian's note.
    GuardianNote,
    /// The child's or youth's own words.
    Voice,
    /// Accept or decline the baton, as the successor named.
    AnswerHandover,
    /// Ask for a new consent, or record one given on paper.
    ManageConsent,
    /// Give or decline a requested consent, logged in.
    AnswerConsent,
    WithdrawConsent,
    /// Add or remove participants, change the level.
    Manage,
    Close,
    ReadAccessLog,
}

impl RelayAction {
    pub const ALL: [RelayAction; 13] = [
        RelayAction::SeeExistence,
        RelayAction::Read,
        RelayAction::WriteEntry,
        RelayAction::Message,
        RelayAction::GuardianNote,
        RelayAction::Voice,
        RelayAction::AnswerHandover,
        RelayAction::ManageConsent,
        RelayAction::AnswerConsent,
        RelayAction::WithdrawConsent,
        RelayAction::Manage,
        RelayAction::Close,
        RelayAction::ReadAccessLog,
    ];
}

/// The person asking, as far as the log is concerned.
#[derive(Debug, Clone)]
pub struct Viewer<'a> {
    pub account_id: &'a str,
    /// The roles that count in the log's tenant (two-step roles only after two steps).
    pub roles: &'a [Role],
    /// The services the person works in (employees and service leaders).
    pub services: &'a [String],
    /// The person logged in with the identity number of a guardian named on the log.
    pub is_guardian: bool,
    /// The person logged in with the child's own identity number.
    pub is_child: bool,
}

/// A professional taking part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub account_id: String,
    pub service: String,
    pub can_write: bool,
}

/// What the policy needs to know about a log.
#[derive(Debug, Clone)]
pub struct LogFacts<'a> {
    pub state: LogState,
    pub holder_id: &'a str,
    pub holder_service: &'a str,
    pub coordinator_id: Option<&'a str>,
    pub coordinator_service: Option<&'a str>,
    /// The successor named in a handover waiting for an answer: account and service.
    pub successor: Option<(&'a str, &'a str)>,
    pub participants: &'a [Participant],
    /// The given versions of the consent (requested ones give nothing).
    pub consents: &'a [Consent],
    pub child_birth: Date,
    pub pregnant: bool,
    pub youth_consent_age: YouthConsentAge,
    /// The day a closed log was closed.
    pub closed_on: Option<Date>,
}

impl LogFacts<'_> {
    /// Who consents for this log today.
    pub fn consenter(&self, today: Date) -> Consenter {
        crate::consent::who_consents(
            self.child_birth,
            today,
            self.youth_consent_age,
            self.pregnant,
        )
    }

    /// Whether a service takes part today. A closed log keeps (read only) the services
    /// its consent named and held on the day it closed, until that consent is
    /// withdrawn: a consent that had ended then gives nothing after.
    fn covers(&self, service: &str, today: Date) -> bool {
        match self.state {
            LogState::Draft => false,
            LogState::Active => {
                crate::consent::service_may_take_part(self.consents, service, today)
            }
            LogState::Closed => {
                let closed_on = self.closed_on.unwrap_or(today);
                current(self.consents).is_some_and(|c| {
                    c.withdrawn_on.is_none_or(|w| w > today)
                        && c.holds(closed_on)
                        && c.covers_service(service)
                })
            }
        }
    }
}

/// Why an access is allowed: what the audit log records beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The relay holder (or child coordinator), in their service, under a consent
    /// version (none while the log is a draft).
    Holder {
        service: String,
        consent: Option<u32>,
    },
    Participant {
        service: String,
        consent: u32,
    },
    /// A service leader whose service the consent names.
    ServiceLeader {
        service: String,
        consent: u32,
    },
    /// A service leader who sees only that the log exists in their service.
    Overview {
        service: String,
    },
    Guardian,
    Youth,
}

impl Basis {
    /// As the audit log's details record it: `basis=…;service=…;consent=…`.
    pub fn audit_details(&self) -> String {
        let (basis, service, consent) = match self {
            Basis::Holder { service, consent } => ("holder", Some(service), *consent),
            Basis::Participant { service, consent } => {
                ("participant", Some(service), Some(*consent))
            }
            Basis::ServiceLeader { service, consent } => {
                ("service-leader", Some(service), Some(*consent))
            }
            Basis::Overview { service } => ("overview", Some(service), None),
            Basis::Guardian => ("guardian", None, None),
            Basis::Youth => ("youth", None, None),
        };
        let mut out = format!("basis={basis}");
        if let Some(s) = service {
            out.push_str(&format!(";service={s}"));
        }
        if let Some(v) = consent {
            out.push_str(&format!(";consent={v}"));
        }
        out
    }

    /// The service the access was made through, if any.
    pub fn service(&self) -> Option<&str> {
        match self {
            Basis::Holder { service, .. }
            | Basis::Participant { service, .. }
            | Basis::ServiceLeader { service, .. }
            | Basis::Overview { service } => Some(service),
            Basis::Guardian | Basis::Youth => None,
        }
    }
}

/// The policy: on which basis `viewer` may do `action` with the log today, if at all.
pub fn decide(viewer: &Viewer, log: &LogFacts, action: RelayAction, today: Date) -> Option<Basis> {
    use RelayAction::*;
    let open = log.state != LogState::Closed;
    let consent_version = current(log.consents).map(|c| c.version);
    let professional = viewer
        .roles
        .iter()
        .any(|r| matches!(r, Role::Employee | Role::ServiceLeader));

    // The family: the child's guardians, and the child from the ages the law sets.
    let consenter = log.consenter(today);
    // Guardians take part while they are the ones who consent: once the youth (or a
    // pregnant person) consents for themself, the log is theirs alone.
    if viewer.is_guardian && viewer.roles.contains(&Role::Guardian) {
        if consenter != Consenter::Guardians {
            return None;
        }
        let allowed = match action {
            SeeExistence | Read | ReadAccessLog => true,
            GuardianNote | Message => log.state == LogState::Active,
            AnswerConsent => open,
            // Withdrawal ends access also to a closed log.
            WithdrawConsent => true,
            Close => open,
            WriteEntry | Voice | ManageConsent | Manage | AnswerHandover => false,
        };
        return allowed.then_some(Basis::Guardian);
    }
    if viewer.is_child && viewer.roles.contains(&Role::Youth) {
        let age = age_on(log.child_birth, today);
        let reads = age >= log.youth_consent_age.years() || log.pregnant;
        let consents = consenter != Consenter::Guardians;
        let allowed = match action {
            // From 12 the child finds their log, to write in it.
            SeeExistence => reads || age >= VOICE_AGE,
            Read | ReadAccessLog | Message => {
                reads && (action != Message || log.state == LogState::Active)
            }
            Voice => age >= VOICE_AGE && log.state == LogState::Active,
            AnswerConsent | Close => consents && open,
            WithdrawConsent => consents,
            WriteEntry | GuardianNote | ManageConsent | Manage | AnswerHandover => false,
        };
        return allowed.then_some(Basis::Youth);
    }
    if !professional {
        return None;
    }

    // The holder (or the child coordinator of an individual plan) keeps the log going
    // whatever the consent says, but reads its content only while the consent covers
    // their service.
    let service = if viewer.account_id == log.holder_id {
        Some(log.holder_service)
    } else if log.coordinator_id == Some(viewer.account_id) {
        log.coordinator_service
    } else {
        None
    };
    // Only while they still work in that service.
    if let Some(service) = service.filter(|s| viewer.services.iter().any(|v| v == s)) {
        let covered = log.covers(service, today);
        let basis = Basis::Holder {
            service: service.to_string(),
            consent: consent_version,
        };
        let allowed = match action {
            SeeExistence => true,
            ManageConsent | Close => open,
            Read => covered || log.state == LogState::Draft,
            WriteEntry | Message | Manage => covered && log.state == LogState::Active,
            // What the child said, recorded by the holder on the child's behalf.
            Voice => covered && log.state == LogState::Active,
            GuardianNote | AnswerConsent | WithdrawConsent | ReadAccessLog | AnswerHandover => {
                false
            }
        };
        return allowed.then_some(basis);
    }

    // The successor named in a waiting handover reads the log to decide, and answers.
    if let Some((successor, service)) = log.successor
        && successor == viewer.account_id
        && viewer.services.iter().any(|s| s == service)
        && log.covers(service, today)
    {
        let basis = Basis::Participant {
            service: service.to_string(),
            consent: consent_version.unwrap_or(0),
        };
        let allowed = match action {
            SeeExistence | Read => true,
            AnswerHandover => log.state == LogState::Active,
            _ => false,
        };
        // A participant named as successor keeps what they had meanwhile.
        if allowed {
            return Some(basis);
        }
    }

    if let Some(p) = log
        .participants
        .iter()
        .find(|p| p.account_id == viewer.account_id)
        && viewer.services.contains(&p.service)
        && log.covers(&p.service, today)
    {
        let basis = Basis::Participant {
            service: p.service.clone(),
            consent: consent_version.unwrap_or(0),
        };
        let allowed = match action {
            SeeExistence | Read => true,
            Message => log.state == LogState::Active,
            WriteEntry | Voice => p.can_write && log.state == LogState::Active,
            _ => false,
        };
        return allowed.then_some(basis);
    }

    if viewer.roles.contains(&Role::ServiceLeader)
        && let Some(service) = viewer.services.iter().find(|s| log.covers(s, today))
    {
        let basis = Basis::ServiceLeader {
            service: service.clone(),
            consent: consent_version.unwrap_or(0),
        };
        return matches!(action, SeeExistence | Read).then_some(basis);
    }
    if action == SeeExistence
        && overseen_services(viewer.roles, viewer.services)
            .iter()
            .any(|s| s == log.holder_service)
    {
        return Some(Basis::Overview {
            service: log.holder_service.to_string(),
        });
    }
    None
}

/// The services in whose logs someone with `roles` and `services` sees only that they
/// exist and who holds them (as [`Basis::Overview`]), and so may count them: a service
/// leader's own services, for the logs held in them.
pub fn overseen_services<'a>(roles: &[Role], services: &'a [String]) -> &'a [String] {
    if roles.contains(&Role::ServiceLeader) {
        services
    } else {
        &[]
    }
}

/// The youth consent age as the tenant's setting gives it (15 or 16; anything else is
/// refused when the model is read, so 16 is only a safe fallback).
pub fn youth_consent_age(years: u8) -> YouthConsentAge {
    if years == 15 {
        YouthConsentAge::Fifteen
    } else {
        YouthConsentAge::Sixteen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Given;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn consent(services: &[&str]) -> Consent {
        Consent {
            version: 1,
            consenter: Consenter::Guardians,
            services: services.iter().map(|s| s.to_string()).collect(),
            covers: String::new(),
            given: Given::Digitally,
            given_on: date!(2026 - 09 - 01),
            ends_on: None,
            withdrawn_on: None,
        }
    }

    fn facts<'a>(
        state: LogState,
        consents: &'a [Consent],
        participants: &'a [Participant],
    ) -> LogFacts<'a> {
        LogFacts {
            state,
            holder_id: "holder",
            holder_service: "skolen",
            coordinator_id: None,
            coordinator_service: None,
            successor: None,
            participants,
            consents,
            child_birth: date!(2012 - 03 - 09),
            pregnant: false,
            youth_consent_age: YouthConsentAge::Sixteen,
            closed_on: Some(TODAY),
        }
    }

    fn viewer<'a>(id: &'a str, roles: &'a [Role], services: &'a [String]) -> Viewer<'a> {
        Viewer {
            account_id: id,
            roles,
            services,
            is_guardian: false,
            is_child: false,
        }
    }

    #[test]
    fn administrators_see_nothing() {
        let consents = [consent(&["skolen"])];
        let log = facts(LogState::Active, &consents, &[]);
        for role in [Role::TenantAdmin, Role::PlatformAdmin, Role::Editor] {
            for action in RelayAction::ALL {
                assert_eq!(
                    decide(&viewer("admin", &[role], &[]), &log, action, TODAY),
                    None,
                    "{role} {action:?}"
                );
            }
        }
    }

    #[test]
    fn participants_read_only_while_their_service_is_covered() {
        let services = vec!["ppt".to_string()];
        let participants = [Participant {
            account_id: "p".into(),
            service: "ppt".into(),
            can_write: true,
        }];
        let covered = [consent(&["skolen", "ppt"])];
        let log = facts(LogState::Active, &covered, &participants);
        let p = viewer("p", &[Role::Employee], &services);
        assert!(decide(&p, &log, RelayAction::Read, TODAY).is_some());
        assert!(decide(&p, &log, RelayAction::WriteEntry, TODAY).is_some());
        assert_eq!(decide(&p, &log, RelayAction::Manage, TODAY), None);
        // Withdrawn for PPT: a newer version without it.
        let mut narrower = consent(&["skolen"]);
        narrower.version = 2;
        let versions = [covered[0].clone(), narrower];
        let log = facts(LogState::Active, &versions, &participants);
        assert_eq!(decide(&p, &log, RelayAction::Read, TODAY), None);
        // Expired: suspended for every service, the holder reads no content either.
        let mut expired = consent(&["skolen", "ppt"]);
        expired.ends_on = Some(date!(2026 - 11 - 01));
        let expired = [expired];
        let log = facts(LogState::Active, &expired, &participants);
        assert_eq!(decide(&p, &log, RelayAction::Read, TODAY), None);
        let school = vec!["skolen".to_string()];
        let holder = viewer("holder", &[Role::Employee], &school);
        assert_eq!(decide(&holder, &log, RelayAction::Read, TODAY), None);
        assert!(decide(&holder, &log, RelayAction::ManageConsent, TODAY).is_some());
    }

    #[test]
    fn a_participant_outside_their_service_reads_nothing() {
        let participants = [Participant {
            account_id: "p".into(),
            service: "ppt".into(),
            can_write: false,
        }];
        let consents = [consent(&["skolen", "ppt"])];
        let log = facts(LogState::Active, &consents, &participants);
        // Moved to another service since: the participation no longer counts.
        let services = vec!["helsestasjonen".to_string()];
        let p = viewer("p", &[Role::Employee], &services);
        assert_eq!(decide(&p, &log, RelayAction::Read, TODAY), None);
    }

    #[test]
    fn a_service_leader_sees_existence_and_reads_only_when_covered() {
        let services = vec!["skolen".to_string()];
        let leader = viewer("leader", &[Role::ServiceLeader], &services);
        let draft = facts(LogState::Draft, &[], &[]);
        assert!(matches!(
            decide(&leader, &draft, RelayAction::SeeExistence, TODAY),
            Some(Basis::Overview { .. })
        ));
        assert_eq!(decide(&leader, &draft, RelayAction::Read, TODAY), None);
        let consents = [consent(&["skolen"])];
        let active = facts(LogState::Active, &consents, &[]);
        assert!(matches!(
            decide(&leader, &active, RelayAction::Read, TODAY),
            Some(Basis::ServiceLeader { .. })
        ));
        assert_eq!(
            decide(&leader, &active, RelayAction::WriteEntry, TODAY),
            None
        );
    }

    #[test]
    fn only_a_service_leader_oversees_their_services() {
        let services = vec!["skolen".to_string()];
        assert_eq!(
            overseen_services(&[Role::ServiceLeader], &services),
            services.as_slice()
        );
        for role in [Role::Employee, Role::TenantAdmin, Role::Guardian] {
            assert!(overseen_services(&[role], &services).is_empty(), "{role:?}");
        }
        // An employee of the holder's service does not see a log they take no part in.
        let employee = viewer("e", &[Role::Employee], &services);
        let draft = facts(LogState::Draft, &[], &[]);
        assert_eq!(
            decide(&employee, &draft, RelayAction::SeeExistence, TODAY),
            None
        );
    }

    #[test]
    fn the_family_by_age() {
        let consents = [consent(&["skolen"])];
        let log = facts(LogState::Active, &consents, &[]);
        let guardian = Viewer {
            is_guardian: true,
            ..viewer("g", &[Role::Guardian], &[])
        };
        for action in [
            RelayAction::Read,
            RelayAction::GuardianNote,
            RelayAction::AnswerConsent,
            RelayAction::WithdrawConsent,
            RelayAction::Close,
            RelayAction::ReadAccessLog,
        ] {
            assert_eq!(
                decide(&guardian, &log, action, TODAY),
                Some(Basis::Guardian),
                "{action:?}"
            );
        }
        assert_eq!(
            decide(&guardian, &log, RelayAction::WriteEntry, TODAY),
            None
        );
        // A guardian role without being this child's guardian: nothing.
        let stranger = viewer("s", &[Role::Guardian], &[]);
        assert_eq!(decide(&stranger, &log, RelayAction::Read, TODAY), None);
        // The child is 14: writes "my voice", does not read the log.
        let youth = Viewer {
            is_child: true,
            ..viewer("y", &[Role::Youth], &[])
        };
        assert_eq!(
            decide(&youth, &log, RelayAction::Voice, TODAY),
            Some(Basis::Youth)
        );
        assert_eq!(decide(&youth, &log, RelayAction::Read, TODAY), None);
        // At 16 the youth reads, and consents instead of the guardians.
        let later = date!(2028 - 03 - 09);
        assert!(decide(&youth, &log, RelayAction::Read, later).is_some());
        assert!(decide(&youth, &log, RelayAction::WithdrawConsent, later).is_some());
        for action in RelayAction::ALL {
            assert_eq!(
                decide(&guardian, &log, action, later),
                None,
                "the log is the youth's once they consent: {action:?}"
            );
        }
    }

    #[test]
    fn the_successor_reads_and_answers_only_while_named_and_covered() {
        let consents = [consent(&["skolen", "ppt"])];
        let mut log = facts(LogState::Active, &consents, &[]);
        let services = vec!["ppt".to_string()];
        let next = viewer("next", &[Role::Employee], &services);
        assert_eq!(decide(&next, &log, RelayAction::Read, TODAY), None);
        log.successor = Some(("next", "ppt"));
        assert!(decide(&next, &log, RelayAction::AnswerHandover, TODAY).is_some());
        assert!(decide(&next, &log, RelayAction::Read, TODAY).is_some());
        assert_eq!(decide(&next, &log, RelayAction::WriteEntry, TODAY), None);
        log.successor = Some(("next", "barnevernet"));
        assert_eq!(decide(&next, &log, RelayAction::Read, TODAY), None);
    }

    #[test]
    fn the_coordinator_works_through_their_own_service() {
        let consents = [consent(&["skolen", "koordinerende"])];
        let mut log = facts(LogState::Active, &consents, &[]);
        log.coordinator_id = Some("coord");
        log.coordinator_service = Some("koordinerende");
        let services = vec!["koordinerende".to_string()];
        let coordinator = viewer("coord", &[Role::Employee], &services);
        assert!(decide(&coordinator, &log, RelayAction::WriteEntry, TODAY).is_some());
        // Moved to another service: the coordinator's access goes with it.
        let elsewhere = viewer("coord", &[Role::Employee], &[]);
        assert_eq!(decide(&elsewhere, &log, RelayAction::Read, TODAY), None);
        log.coordinator_service = Some("nav");
        assert_eq!(decide(&coordinator, &log, RelayAction::Read, TODAY), None);
    }

    #[test]
    fn closing_does_not_bring_back_an_ended_consent() {
        let mut ended = consent(&["skolen"]);
        ended.ends_on = Some(date!(2026 - 06 - 30));
        let consents = [ended];
        let mut log = facts(LogState::Closed, &consents, &[]);
        log.closed_on = Some(date!(2026 - 08 - 01));
        let school = vec!["skolen".to_string()];
        let holder = viewer("holder", &[Role::Employee], &school);
        assert_eq!(decide(&holder, &log, RelayAction::Read, TODAY), None);
        log.closed_on = Some(date!(2026 - 06 - 01));
        assert!(decide(&holder, &log, RelayAction::Read, TODAY).is_some());
    }

    #[test]
    fn a_closed_log_is_read_only() {
        let consents = [consent(&["skolen"])];
        let log = facts(LogState::Closed, &consents, &[]);
        let school = vec!["skolen".to_string()];
        let holder = viewer("holder", &[Role::Employee], &school);
        assert!(decide(&holder, &log, RelayAction::Read, TODAY).is_some());
        for action in [
            RelayAction::WriteEntry,
            RelayAction::Manage,
            RelayAction::ManageConsent,
            RelayAction::Close,
        ] {
            assert_eq!(decide(&holder, &log, action, TODAY), None, "{action:?}");
        }
    }
}
