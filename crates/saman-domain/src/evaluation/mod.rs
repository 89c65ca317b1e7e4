//! Documenting and evaluating the work: figures from the relay logs' metadata (dates,
//! states, levels, services, age bands; never their texts), per period and group,
//! each beside the previous period, with small counts protected ([`suppress`]).

mod indicators;
pub mod period;
pub mod suppress;
pub mod survey;

pub use indicators::{
    Breakdown, Dashboard, Figure, GroupRow, Now, P90_FROM, Row, Series, Value, figures_as_of,
    is_whole, latest_whole, percentile,
};
pub use period::{Period, PeriodKind};
pub use suppress::{Cell, Published, protect_count, protect_line, protect_sums};

use crate::model::{iso_date, iso_date_option, keyed_enum};
use serde::{Deserialize, Serialize};
use time::Date;

/// The default threshold: counts below it are shown as "under 5".
pub const DEFAULT_THRESHOLD: u32 = 5;
/// The lowest threshold a tenant may set.
pub const MIN_THRESHOLD: u32 = 3;
/// The highest threshold a tenant may set.
pub const MAX_THRESHOLD: u32 = 20;

keyed_enum! {
    /// The child's age when the log was opened, in the bands the figures use. Kept
    /// plain with the log (its birth date is sealed).
    AgeBand {
        Pregnant = "gravide",
        Age0To5 = "0-5",
        Age6To12 = "6-12",
        Age13To15 = "13-15",
        Age16To18 = "16-18",
        Age19Plus = "19-23",
        /// Logs opened before the band was kept.
        Unknown = "ukjent",
    }
}

impl AgeBand {
    pub fn of_age(years: u8) -> AgeBand {
        match years {
            0..=5 => AgeBand::Age0To5,
            6..=12 => AgeBand::Age6To12,
            13..=15 => AgeBand::Age13To15,
            16..=18 => AgeBand::Age16To18,
            _ => AgeBand::Age19Plus,
        }
    }
}

/// What the figures need to know of one log: dates, states and groups, nothing it
/// says. Read from the live tables while the log exists, and kept (without the log's
/// id) when it is purged, so figures go back further than the logs themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFacts {
    /// An individual plan (opened as a log and moved).
    pub plan: bool,
    /// The BTI level (1–3), the latest.
    pub level: u8,
    /// The holder's service (slug), the latest.
    pub service: String,
    pub age_band: AgeBand,
    #[serde(with = "iso_date")]
    pub opened_on: Date,
    /// When consent was first given.
    #[serde(with = "iso_date_option")]
    pub consented_on: Option<Date>,
    #[serde(with = "iso_date_option")]
    pub first_measure_on: Option<Date>,
    /// When the child's own voice was first recorded.
    #[serde(with = "iso_date_option")]
    pub voice_on: Option<Date>,
    #[serde(with = "iso_date_option")]
    pub closed_on: Option<Date>,
    /// The closing reason's key.
    pub close_reason: Option<String>,
    pub measures: Vec<MeasureFacts>,
    pub handovers: Vec<HandoverFacts>,
    pub withdrawals: Vec<Day>,
    pub expiries: Vec<Day>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureFacts {
    #[serde(with = "iso_date")]
    pub due_on: Date,
    /// When it was first evaluated.
    #[serde(with = "iso_date_option")]
    pub evaluated_on: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverFacts {
    #[serde(with = "iso_date")]
    pub requested_on: Date,
    /// When the successor answered (or the holder withdrew it).
    #[serde(with = "iso_date_option")]
    pub answered_on: Option<Date>,
}

/// A date, as `YYYY-MM-DD` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Day(#[serde(with = "iso_date")] pub Date);

impl LogFacts {
    /// Whether the log was active (consented to, not yet closed) at some time in `period`.
    pub fn active_in(&self, period: Period) -> bool {
        self.consented_on.is_some_and(|c| c < period.end)
            && self.closed_on.is_none_or(|c| c >= period.start)
    }

    /// Whether it is active now.
    pub fn active_now(&self) -> bool {
        self.consented_on.is_some() && self.closed_on.is_none()
    }
}
