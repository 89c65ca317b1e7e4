//! The figures of one period, beside the previous period: totals, groups (BTI level,
//! service or age band), logs opened month by month, and how things stand now. Every
//! count goes through [`super::suppress`] before it leaves this module.

use super::suppress::{Cell, protect_count, protect_line};
use super::{AgeBand, LogFacts, Period, PeriodKind};
use std::collections::BTreeMap;
use time::Date;

/// What the figures can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Level,
    Service,
    AgeBand,
}

impl Breakdown {
    pub const ALL: [Breakdown; 3] = [Breakdown::Level, Breakdown::Service, Breakdown::AgeBand];

    pub fn key(self) -> &'static str {
        match self {
            Breakdown::Level => "niva",
            Breakdown::Service => "teneste",
            Breakdown::AgeBand => "alder",
        }
    }

    pub fn from_key(key: &str) -> Option<Breakdown> {
        Breakdown::ALL.into_iter().find(|b| b.key() == key)
    }

    /// The group (its key) a log falls in.
    fn group_of(self, facts: &LogFacts) -> String {
        match self {
            Breakdown::Level => facts.level.to_string(),
            Breakdown::Service => facts.service.clone(),
            Breakdown::AgeBand => facts.age_band.key().to_string(),
        }
    }

    /// Every group, in order: those always shown, and those the logs name.
    fn groups(self, facts: &[LogFacts]) -> Vec<String> {
        match self {
            Breakdown::Level => ["1", "2", "3"].map(String::from).to_vec(),
            Breakdown::AgeBand => AgeBand::ALL.iter().map(|b| b.key().to_string()).collect(),
            Breakdown::Service => {
                let mut services: Vec<String> = facts.iter().map(|f| f.service.clone()).collect();
                services.sort();
                services.dedup();
                services
            }
        }
    }
}

/// One figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Logs opened.
    Opened,
    /// Logs active (consented to and not closed) at some time in the period.
    Active,
    Closed,
    /// Active logs that are individual plans.
    Plan,
    /// Active logs where the child's own voice is recorded.
    Voice,
    /// Measures whose evaluation date fell in the period (up to today).
    MeasuresDue,
    /// Handovers of the baton asked for.
    Handovers,
    /// Consents withdrawn.
    Withdrawals,
    /// Consents that ran out.
    Expiries,
    /// Days from opening to consent, for logs consented to in the period.
    ConsentDays,
    /// Days from consent to the first measure, for first measures in the period.
    MeasureDays,
    /// Days a handover waited for its answer, for answers in the period.
    HandoverWait,
    /// Share of active logs that are individual plans.
    PlanShare,
    /// Share of active logs with the child's own voice recorded.
    VoiceShare,
    /// Share of measures due that were evaluated by their date.
    OnTimeShare,
}

impl Figure {
    /// Counts: they add up over groups, so they are shown per group.
    pub const COUNTS: [Figure; 9] = [
        Figure::Opened,
        Figure::Active,
        Figure::Closed,
        Figure::Plan,
        Figure::Voice,
        Figure::MeasuresDue,
        Figure::Handovers,
        Figure::Withdrawals,
        Figure::Expiries,
    ];
    /// Durations in days: the number counted is shown per group, the median and 90th
    /// percentile only where that number is shown.
    pub const DAYS: [Figure; 3] = [
        Figure::ConsentDays,
        Figure::MeasureDays,
        Figure::HandoverWait,
    ];
    /// Shares: shown for the whole only (per group, a share would give away a small
    /// count through the group's total).
    pub const SHARES: [Figure; 3] = [Figure::PlanShare, Figure::VoiceShare, Figure::OnTimeShare];

    /// The figures shown per group, in order.
    pub fn by_group() -> impl Iterator<Item = Figure> {
        Figure::COUNTS.into_iter().chain(Figure::DAYS)
    }

    /// Every figure, in the order the totals show them.
    pub fn all() -> impl Iterator<Item = Figure> {
        Figure::by_group().chain(Figure::SHARES)
    }

    /// The key, for texts' ids and the CSV.
    pub fn key(self) -> &'static str {
        match self {
            Figure::Opened => "opened",
            Figure::Active => "active",
            Figure::Closed => "closed",
            Figure::Plan => "plan",
            Figure::Voice => "voice",
            Figure::MeasuresDue => "measures-due",
            Figure::Handovers => "handovers",
            Figure::Withdrawals => "withdrawals",
            Figure::Expiries => "expiries",
            Figure::ConsentDays => "consent-days",
            Figure::MeasureDays => "measure-days",
            Figure::HandoverWait => "handover-wait",
            Figure::PlanShare => "plan-share",
            Figure::VoiceShare => "voice-share",
            Figure::OnTimeShare => "on-time-share",
        }
    }

    pub fn from_key(key: &str) -> Option<Figure> {
        Figure::all().find(|f| f.key() == key)
    }
}

/// A figure as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Count(Cell),
    Days {
        /// How many the median is of.
        n: Cell,
        median: Option<i64>,
        p90: Option<i64>,
    },
    /// Whole percent, when both the part and the rest are at least the threshold.
    Share(Option<i64>),
    /// Not shown: only hiding a total could have protected the groups.
    Withheld,
}

impl Value {
    /// The number the value stands for, when shown: a count, a median, a percent.
    pub fn number(self) -> Option<i64> {
        match self {
            Value::Count(c) => c.shown(),
            Value::Days { median, .. } => median,
            Value::Share(p) => p,
            Value::Withheld => None,
        }
    }
}

/// A figure for the whole tenant, this period and the previous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub figure: Figure,
    pub this: Value,
    pub previous: Value,
}

/// A group's figures ([`Figure::by_group`]), this period and the previous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// The group's key: a level, a service's slug or an age band.
    pub group: String,
    pub this: Vec<Value>,
    pub previous: Vec<Value>,
}

/// Logs opened per month of the period (a term or a year), protected against the
/// period's total shown beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub months: Vec<(Period, Value)>,
}

/// How things stand today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub active: Cell,
    /// Measures of active logs past their evaluation date, not evaluated.
    pub overdue: Cell,
    /// Handovers waiting for an answer.
    pub pending_handovers: Cell,
}

/// Everything the dashboard shows of one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub period: Period,
    pub previous: Period,
    pub threshold: i64,
    pub rows: Vec<Row>,
    /// Closing reasons (keys) of the logs closed in the period; `None` when withheld.
    pub reasons: Option<Vec<(String, Cell)>>,
    pub groups: Option<(Breakdown, Vec<GroupRow>)>,
    /// For terms and years.
    pub series: Option<Series>,
    pub now: Now,
}

/// The raw numbers of one period (and group): never shown as they are.
#[derive(Debug, Default, Clone)]
struct Tally {
    opened: i64,
    active: i64,
    closed: i64,
    plan: i64,
    voice: i64,
    measures_due: i64,
    on_time: i64,
    handovers: i64,
    withdrawals: i64,
    expiries: i64,
    consent_days: Vec<i64>,
    measure_days: Vec<i64>,
    handover_wait: Vec<i64>,
    reasons: BTreeMap<String, i64>,
}

fn days(from: Date, to: Date) -> i64 {
    (to - from).whole_days().max(0)
}

impl Tally {
    fn of<'a>(facts: impl Iterator<Item = &'a LogFacts>, period: Period, today: Date) -> Tally {
        let mut t = Tally::default();
        let within = |d: Date| period.contains(d) && d <= today;
        for f in facts {
            if within(f.opened_on) {
                t.opened += 1;
            }
            if f.active_in(period) {
                t.active += 1;
                t.plan += i64::from(f.plan);
                t.voice += i64::from(f.voice_on.is_some_and(|v| v < period.end));
            }
            if f.closed_on.is_some_and(within) {
                t.closed += 1;
                let reason = f.close_reason.clone().unwrap_or_default();
                *t.reasons.entry(reason).or_default() += 1;
            }
            if let Some(consented) = f.consented_on.filter(|d| within(*d)) {
                t.consent_days.push(days(f.opened_on, consented));
            }
            if let (Some(consented), Some(first)) = (f.consented_on, f.first_measure_on)
                && within(first)
            {
                t.measure_days.push(days(consented, first));
            }
            for m in f
                .measures
                .iter()
                .filter(|m| within(m.due_on) && m.due_on < today)
            {
                t.measures_due += 1;
                t.on_time += i64::from(m.evaluated_on.is_some_and(|e| e <= m.due_on));
            }
            for h in &f.handovers {
                if within(h.requested_on) {
                    t.handovers += 1;
                }
                if let Some(answered) = h.answered_on.filter(|d| within(*d)) {
                    t.handover_wait.push(days(h.requested_on, answered));
                }
            }
            t.withdrawals += f.withdrawals.iter().filter(|d| within(d.0)).count() as i64;
            t.expiries += f.expiries.iter().filter(|d| within(d.0)).count() as i64;
        }
        t
    }

    fn count(&self, figure: Figure) -> i64 {
        match figure {
            Figure::Opened => self.opened,
            Figure::Active => self.active,
            Figure::Closed => self.closed,
            Figure::Plan => self.plan,
            Figure::Voice => self.voice,
            Figure::MeasuresDue => self.measures_due,
            Figure::Handovers => self.handovers,
            Figure::Withdrawals => self.withdrawals,
            Figure::Expiries => self.expiries,
            Figure::ConsentDays => self.consent_days.len() as i64,
            Figure::MeasureDays => self.measure_days.len() as i64,
            Figure::HandoverWait => self.handover_wait.len() as i64,
            Figure::PlanShare | Figure::VoiceShare | Figure::OnTimeShare => 0,
        }
    }

    fn days(&self, figure: Figure) -> &[i64] {
        match figure {
            Figure::ConsentDays => &self.consent_days,
            Figure::MeasureDays => &self.measure_days,
            Figure::HandoverWait => &self.handover_wait,
            _ => &[],
        }
    }

    /// A share's part and whole.
    fn share(&self, figure: Figure) -> (i64, i64) {
        match figure {
            Figure::PlanShare => (self.plan, self.active),
            Figure::VoiceShare => (self.voice, self.active),
            Figure::OnTimeShare => (self.on_time, self.measures_due),
            _ => (0, 0),
        }
    }

    /// The figure for the whole, protected on its own.
    fn value(&self, figure: Figure, threshold: i64) -> Value {
        if Figure::SHARES.contains(&figure) {
            let (part, whole) = self.share(figure);
            let shown = part >= threshold && whole - part >= threshold;
            return Value::Share(shown.then(|| (part * 200 + whole) / (whole * 2)));
        }
        let n = protect_count(self.count(figure), threshold);
        if Figure::DAYS.contains(&figure) {
            days_value(n, self.days(figure))
        } else {
            Value::Count(n)
        }
    }
}

fn days_value(n: Cell, values: &[i64]) -> Value {
    let shown = n.shown().is_some();
    Value::Days {
        n,
        median: shown.then(|| percentile(values, 50)).flatten(),
        p90: shown.then(|| percentile(values, 90)).flatten(),
    }
}

/// The `p`th percentile by nearest rank.
pub fn percentile(values: &[i64], p: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// Each group's figures, each figure protected as a line over the groups.
fn group_values(tallies: &[Tally], threshold: i64) -> Vec<Vec<Value>> {
    let mut values = vec![Vec::new(); tallies.len()];
    for figure in Figure::by_group() {
        let counts: Vec<i64> = tallies.iter().map(|t| t.count(figure)).collect();
        let cells = protect_line(&counts, threshold);
        for (i, tally) in tallies.iter().enumerate() {
            let value = match &cells {
                None => Value::Withheld,
                Some(cells) if Figure::DAYS.contains(&figure) => {
                    days_value(cells[i], tally.days(figure))
                }
                Some(cells) => Value::Count(cells[i]),
            };
            values[i].push(value);
        }
    }
    values
}

impl Dashboard {
    pub fn compute(
        facts: &[LogFacts],
        period: Period,
        breakdown: Option<Breakdown>,
        threshold: u32,
        today: Date,
    ) -> Dashboard {
        let threshold = i64::from(threshold);
        let previous = period.previous();
        let this_tally = Tally::of(facts.iter(), period, today);
        let previous_tally = Tally::of(facts.iter(), previous, today);
        let rows = Figure::all()
            .map(|figure| Row {
                figure,
                this: this_tally.value(figure, threshold),
                previous: previous_tally.value(figure, threshold),
            })
            .collect();
        let reason_counts: Vec<i64> = this_tally.reasons.values().copied().collect();
        let reasons = protect_line(&reason_counts, threshold)
            .map(|cells| this_tally.reasons.keys().cloned().zip(cells).collect());
        let groups = breakdown.map(|b| {
            let keys = b.groups(facts);
            let tallies_in = |p: Period| -> Vec<Tally> {
                keys.iter()
                    .map(|k| Tally::of(facts.iter().filter(|f| &b.group_of(f) == k), p, today))
                    .collect()
            };
            let this = group_values(&tallies_in(period), threshold);
            let before = group_values(&tallies_in(previous), threshold);
            let rows = keys
                .into_iter()
                .zip(this.into_iter().zip(before))
                .map(|(group, (this, previous))| GroupRow {
                    group,
                    this,
                    previous,
                })
                .collect();
            (b, rows)
        });
        let series = (period.kind != PeriodKind::Month).then(|| {
            let months: Vec<Period> = period
                .months()
                .into_iter()
                .filter(|m| m.start <= today)
                .collect();
            let counts: Vec<i64> = months
                .iter()
                .map(|m| Tally::of(facts.iter(), *m, today).opened)
                .collect();
            let cells = protect_line(&counts, threshold);
            Series {
                months: months
                    .into_iter()
                    .enumerate()
                    .map(|(i, m)| {
                        (
                            m,
                            cells
                                .as_ref()
                                .map_or(Value::Withheld, |c| Value::Count(c[i])),
                        )
                    })
                    .collect(),
            }
        });
        let active_now: Vec<&LogFacts> = facts.iter().filter(|f| f.active_now()).collect();
        let overdue = active_now
            .iter()
            .flat_map(|f| &f.measures)
            .filter(|m| m.due_on < today && m.evaluated_on.is_none())
            .count() as i64;
        let pending = facts
            .iter()
            .filter(|f| f.closed_on.is_none())
            .flat_map(|f| &f.handovers)
            .filter(|h| h.answered_on.is_none())
            .count() as i64;
        Dashboard {
            period,
            previous,
            threshold,
            rows,
            reasons,
            groups,
            series,
            now: Now {
                active: protect_count(active_now.len() as i64, threshold),
                overdue: protect_count(overdue, threshold),
                pending_handovers: protect_count(pending, threshold),
            },
        }
    }
}

#[cfg(test)]
mod tests;
