//! Consent to share information between named services: what lifts the services' duty
//! of confidentiality towards each other for one child's relay log. (The municipality's
//! legal basis for processing the data is its own, stated on its privacy page; the age
//! rules here concern consent, not that basis.)
//!
//! A consent names exactly the services that may take part. It may end on a date, and
//! may be withdrawn at any time by whoever gave it. It is versioned: adding a service,
//! or handing the baton to someone in a service not covered, needs a new version that
//! covers it. Access is decided from the newest version, on the day of the request.

use crate::age::{YouthConsentAge, age_on};
use std::collections::BTreeSet;
use time::{Date, Duration};

/// Who gives consent for this log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consenter {
    /// The guardians (those with parental responsibility).
    Guardians,
    /// The youth, from the municipality's age for that.
    Youth,
    /// A pregnant person, for herself.
    PregnantPerson,
}

/// Who gives consent for a child born on `birth`, on `today`.
pub fn who_consents(
    birth: Date,
    today: Date,
    youth_age: YouthConsentAge,
    pregnant: bool,
) -> Consenter {
    if pregnant {
        Consenter::PregnantPerson
    } else if age_on(birth, today) >= youth_age.years() {
        Consenter::Youth
    } else {
        Consenter::Guardians
    }
}

/// How a consent was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// Approved by the consenter, logged in with ID-porten.
    Digitally,
    /// On a signed paper form, recorded by the relay holder with the scan attached.
    OnPaper { scanned_file: String },
}

/// One version of a log's consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub version: u32,
    pub consenter: Consenter,
    /// The services (by slug) that may take part.
    pub services: BTreeSet<String>,
    /// What the consent covers, in the consenter's words or the form's.
    pub covers: String,
    pub given: Given,
    pub given_on: Date,
    /// The last day it holds, if it ends.
    pub ends_on: Option<Date>,
    pub withdrawn_on: Option<Date>,
}

/// Where a consent stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    /// It holds, and does not end within the reminder window.
    Active,
    /// It holds, but ends within the reminder window: remind the consenter.
    EndsSoon {
        days_left: i64,
    },
    /// It has ended: access is suspended until it is renewed.
    Expired,
    Withdrawn,
}

/// How long before its end a consent is reminded of.
pub const REMINDER_WINDOW: Duration = Duration::days(30);

impl Consent {
    pub fn state(&self, today: Date) -> ConsentState {
        if self.withdrawn_on.is_some_and(|d| d <= today) {
            return ConsentState::Withdrawn;
        }
        match self.ends_on {
            Some(end) if today > end => ConsentState::Expired,
            Some(end) if end - today <= REMINDER_WINDOW => ConsentState::EndsSoon {
                days_left: (end - today).whole_days(),
            },
            _ => ConsentState::Active,
        }
    }

    pub fn holds(&self, today: Date) -> bool {
        matches!(
            self.state(today),
            ConsentState::Active | ConsentState::EndsSoon { .. }
        )
    }

    pub fn covers_service(&self, service: &str) -> bool {
        self.services.contains(service)
    }
}

/// The newest version of a log's consent.
pub fn current(versions: &[Consent]) -> Option<&Consent> {
    versions.iter().max_by_key(|c| c.version)
}

/// Whether a service may take part in the log today: the newest consent holds and
/// names the service. An older version never gives access.
pub fn service_may_take_part(versions: &[Consent], service: &str, today: Date) -> bool {
    current(versions).is_some_and(|c| c.holds(today) && c.covers_service(service))
}

/// Whether handing the baton to someone in `service` needs a new consent first.
pub fn handover_needs_new_consent(versions: &[Consent], service: &str, today: Date) -> bool {
    !service_may_take_part(versions, service, today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn consent(version: u32, services: &[&str], ends_on: Option<Date>) -> Consent {
        Consent {
            version,
            consenter: Consenter::Guardians,
            services: services.iter().map(|s| s.to_string()).collect(),
            covers: "Samarbeid om trivsel på skolen".into(),
            given: Given::Digitally,
            given_on: date!(2026 - 09 - 01),
            ends_on,
            withdrawn_on: None,
        }
    }

    #[test]
    fn who_consents_follows_the_age_rule() {
        let birth = date!(2011 - 03 - 15);
        let today = date!(2026 - 06 - 01); // 15 years old
        assert_eq!(
            who_consents(birth, today, YouthConsentAge::Fifteen, false),
            Consenter::Youth
        );
        assert_eq!(
            who_consents(birth, today, YouthConsentAge::Sixteen, false),
            Consenter::Guardians
        );
        assert_eq!(
            who_consents(birth, today, YouthConsentAge::Sixteen, true),
            Consenter::PregnantPerson
        );
    }

    #[test]
    fn only_named_services_with_a_holding_consent_take_part() {
        let today = date!(2026 - 10 - 01);
        let versions = vec![consent(1, &["skolen", "ppt"], Some(date!(2027 - 06 - 30)))];
        assert!(service_may_take_part(&versions, "skolen", today));
        assert!(!service_may_take_part(&versions, "barnevernet", today));
        assert!(handover_needs_new_consent(
            &versions,
            "helsestasjonen",
            today
        ));
        assert!(
            !service_may_take_part(&[], "skolen", today),
            "no consent, no access"
        );
    }

    #[test]
    fn the_newest_version_decides() {
        let today = date!(2026 - 10 - 01);
        // Version 2 took PPT out: PPT loses access, even though version 1 named it.
        let versions = vec![
            consent(1, &["skolen", "ppt"], None),
            consent(2, &["skolen"], None),
        ];
        assert!(!service_may_take_part(&versions, "ppt", today));
        assert!(service_may_take_part(&versions, "skolen", today));
    }

    #[test]
    fn expiry_reminders_and_withdrawal() {
        let end = date!(2026 - 12 - 31);
        let c = consent(1, &["skolen"], Some(end));
        assert_eq!(c.state(date!(2026 - 10 - 01)), ConsentState::Active);
        assert_eq!(
            c.state(date!(2026 - 12 - 11)),
            ConsentState::EndsSoon { days_left: 20 }
        );
        assert!(c.holds(end), "it holds on its last day");
        assert_eq!(c.state(date!(2027 - 01 - 01)), ConsentState::Expired);
        assert!(!service_may_take_part(
            std::slice::from_ref(&c),
            "skolen",
            date!(2027 - 01 - 01)
        ));
        let withdrawn = Consent {
            withdrawn_on: Some(date!(2026 - 10 - 05)),
            ..c
        };
        assert!(withdrawn.holds(date!(2026 - 10 - 04)));
        assert_eq!(
            withdrawn.state(date!(2026 - 10 - 05)),
            ConsentState::Withdrawn
        );
        assert!(!service_may_take_part(
            &[withdrawn],
            "skolen",
            date!(2026 - 10 - 05)
        ));
    }
}
