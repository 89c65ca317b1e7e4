//! The figures of one period, beside the previous period: totals, groups (BTI level,
//! service or age band), logs opened month by month, and how things stand now. Every
//! count goes through [`super::suppress`] before it leaves this module.

use super::suppress::{Cell, Published, protect_count, protect_line, protect_sums};
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
    /// Measures whose evaluation date fell in the period.
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
    /// By group, for whole years only: a group's months and terms would add up to its
    /// year across tables that are protected apart.
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
    /// The tally of `period`, of what happened before `as_of`.
    fn of<'a>(facts: impl Iterator<Item = &'a LogFacts>, period: Period, as_of: Date) -> Tally {
        let mut t = Tally::default();
        let within = |d: Date| period.contains(d) && d < as_of;
        // "Active in the period" as far as it has gone.
        let so_far = Period {
            end: period.end.min(as_of),
            ..period
        };
        for f in facts {
            if within(f.opened_on) {
                t.opened += 1;
            }
            if so_far.start < so_far.end && f.active_in(so_far) {
                t.active += 1;
                t.plan += i64::from(f.plan);
                t.voice += i64::from(f.voice_on.is_some_and(|v| v < so_far.end));
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
            for m in f.measures.iter().filter(|m| within(m.due_on)) {
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

/// Below this many values the 90th percentile is the largest one: one case's exact
/// figure, so it is not shown.
pub const P90_FROM: usize = 10;

fn days_value(n: Cell, values: &[i64]) -> Value {
    let shown = n.shown().is_some();
    Value::Days {
        n,
        median: shown.then(|| percentile(values, 50)).flatten(),
        p90: (shown && values.len() >= P90_FROM)
            .then(|| percentile(values, 90))
            .flatten(),
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
fn group_values(tallies: &[Tally], threshold: i64, total_shown: &[bool]) -> Vec<Vec<Value>> {
    let mut values = vec![Vec::new(); tallies.len()];
    for (figure, shown) in Figure::by_group().zip(total_shown) {
        let counts: Vec<i64> = tallies.iter().map(|t| t.count(figure)).collect();
        let cells = protect_line(&counts, threshold).filter(|_| *shown);
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

/// The day the figures count up to (not including): the first of this month. Figures
/// change once a month, not with each event: a count that moved since yesterday would
/// point at what happened today.
pub fn figures_as_of(today: Date) -> Date {
    Period::containing(PeriodKind::Month, today).start
}

/// Whether `period` is over as the figures count ([`figures_as_of`]): only whole periods
/// are shown, so that a figure never changes as the period goes on.
pub fn is_whole(period: Period, today: Date) -> bool {
    period.end <= figures_as_of(today)
}

/// The latest whole period of `kind`.
pub fn latest_whole(kind: PeriodKind, today: Date) -> Period {
    let as_of = figures_as_of(today);
    let mut period = Period::containing(kind, as_of.previous_day().unwrap_or(as_of));
    while period.end > as_of {
        period = period.previous();
    }
    period
}

/// What adds up from months into terms and years: the counts, and the two parts of the
/// share evaluated on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sum {
    Count(Figure),
    OnTime,
    Late,
}

impl Sum {
    fn of(self, tally: &Tally) -> i64 {
        match self {
            Sum::Count(figure) => tally.count(figure),
            Sum::OnTime => tally.on_time,
            Sum::Late => tally.measures_due - tally.on_time,
        }
    }
}

/// The counts that add up from months, protected together for every month, term and
/// year the dashboard shows ([`protect_sums`]): a count hidden in one view is hidden in
/// every view, so none can be worked out by setting a year against its terms or a term
/// against its months.
struct Calendar {
    years: Vec<Period>,
    /// Per year: the tallies of its twelve months (empty where still to come).
    months: Vec<Vec<Tally>>,
    as_of: Date,
    threshold: i64,
}

/// Per year: cells 0–11 its months, 12–13 its terms, 14 the year.
const CELLS_PER_YEAR: usize = 15;

impl Calendar {
    fn new(facts: &[LogFacts], periods: &[Period], as_of: Date, threshold: i64) -> Calendar {
        let mut whole_years: Vec<Period> = periods
            .iter()
            .map(|p| Period::containing(PeriodKind::Year, p.start))
            .collect();
        whole_years.sort_by_key(|p| p.start);
        whole_years.dedup();
        let months = whole_years
            .iter()
            .map(|year| {
                year.months()
                    .into_iter()
                    .map(|m| {
                        if m.start < as_of {
                            Tally::of(facts.iter(), m, as_of)
                        } else {
                            Tally::default()
                        }
                    })
                    .collect()
            })
            .collect();
        Calendar {
            years: whole_years,
            months,
            as_of,
            threshold,
        }
    }

    /// Every cell of `sum`, protected. Months are shown once over, terms and years
    /// once they are over (before that they are not shown at all); what is still to come
    /// is known to be nothing.
    fn protect(&self, sum: Sum) -> Vec<Cell> {
        let mut values = Vec::new();
        let mut published = Vec::new();
        let mut lines = Vec::new();
        let state = |p: Period, level: u8| {
            if p.start >= self.as_of {
                Published::Known
            } else if p.end <= self.as_of {
                Published::Level(level)
            } else {
                Published::No
            }
        };
        for (y, year) in self.years.iter().enumerate() {
            let base = y * CELLS_PER_YEAR;
            let month_values: Vec<i64> = self.months[y].iter().map(|t| sum.of(t)).collect();
            values.extend(&month_values);
            published.extend(year.months().into_iter().map(|m| state(m, 0)));
            let first_term = Period::containing(PeriodKind::Term, year.start);
            for (half, term) in [
                first_term,
                Period::containing(PeriodKind::Term, first_term.end),
            ]
            .into_iter()
            .enumerate()
            {
                let range = half * 6..half * 6 + 6;
                values.push(month_values[range.clone()].iter().sum());
                published.push(state(term, 1));
                lines.push((range.map(|m| base + m).collect(), base + 12 + half));
            }
            values.push(month_values.iter().sum());
            published.push(state(*year, 2));
            lines.push((vec![base + 12, base + 13], base + 14));
        }
        protect_sums(&values, &published, &lines, self.threshold)
    }

    /// The cell of `period` among `cells`.
    fn cell(&self, cells: &[Cell], period: Period) -> Cell {
        let Some(y) = self
            .years
            .iter()
            .position(|y| y.start.year() == period.start.year())
        else {
            return Cell::Under;
        };
        let base = y * CELLS_PER_YEAR;
        let month = period.start.month() as usize - 1;
        cells[match period.kind {
            PeriodKind::Month => base + month,
            PeriodKind::Term => base + 12 + month / 6,
            PeriodKind::Year => base + 14,
        }]
    }
}

impl Dashboard {
    /// The figures of `period` (up to [`figures_as_of`] `today`), beside the period
    /// before.
    pub fn compute(
        facts: &[LogFacts],
        period: Period,
        breakdown: Option<Breakdown>,
        threshold: u32,
        today: Date,
    ) -> Dashboard {
        let threshold = i64::from(threshold);
        let as_of = figures_as_of(today);
        let previous = period.previous();
        let this_tally = Tally::of(facts.iter(), period, as_of);
        let previous_tally = Tally::of(facts.iter(), previous, as_of);
        let calendar = Calendar::new(facts, &[period, previous], as_of, threshold);
        let additive = |figure: Figure| {
            Figure::COUNTS.contains(&figure)
                && !matches!(figure, Figure::Active | Figure::Plan | Figure::Voice)
                || Figure::DAYS.contains(&figure)
        };
        let protected: Vec<(Figure, Vec<Cell>)> = Figure::by_group()
            .filter(|f| additive(*f))
            .map(|f| (f, calendar.protect(Sum::Count(f))))
            .collect();
        let on_time = calendar.protect(Sum::OnTime);
        let late = calendar.protect(Sum::Late);
        // A figure's count for the whole tenant in a period: from the calendar where it
        // adds up over time, else protected on its own.
        let total_cell = |figure: Figure, p: Period, tally: &Tally| -> Cell {
            match protected.iter().find(|(f, _)| *f == figure) {
                Some((_, cells)) => calendar.cell(cells, p),
                None => protect_count(tally.count(figure), threshold),
            }
        };
        let value = |figure: Figure, p: Period, tally: &Tally| -> Value {
            if figure == Figure::OnTimeShare {
                let shown = calendar.cell(&on_time, p).shown().is_some()
                    && calendar.cell(&late, p).shown().is_some();
                let (part, whole) = tally.share(figure);
                return Value::Share(
                    (shown && whole > 0).then(|| (part * 200 + whole) / (whole * 2)),
                );
            }
            if Figure::SHARES.contains(&figure) {
                return tally.value(figure, threshold);
            }
            let n = total_cell(figure, p, tally);
            if Figure::DAYS.contains(&figure) {
                days_value(n, tally.days(figure))
            } else {
                Value::Count(n)
            }
        };
        let rows = Figure::all()
            .map(|figure| Row {
                figure,
                this: value(figure, period, &this_tally),
                previous: value(figure, previous, &previous_tally),
            })
            .collect();
        // Every reason any log was closed for, zeros included: a reason listed only when
        // used would say "at least one". Shown only beside a shown number closed.
        let mut reason_keys: Vec<String> = facts
            .iter()
            .filter_map(|f| f.close_reason.clone())
            .collect();
        reason_keys.sort();
        reason_keys.dedup();
        let reason_counts: Vec<i64> = reason_keys
            .iter()
            .map(|k| this_tally.reasons.get(k).copied().unwrap_or(0))
            .collect();
        let closed_shown = total_cell(Figure::Closed, period, &this_tally)
            .shown()
            .is_some();
        let reasons = protect_line(&reason_counts, threshold)
            .filter(|_| closed_shown || reason_counts.iter().sum::<i64>() < threshold)
            .map(|cells| reason_keys.into_iter().zip(cells).collect());
        let groups = breakdown
            .filter(|_| period.kind == PeriodKind::Year)
            .map(|b| {
                let keys = b.groups(facts);
                let in_groups = |p: Period, whole: &Tally| -> Vec<Vec<Value>> {
                    let tallies: Vec<Tally> = keys
                        .iter()
                        .map(|k| Tally::of(facts.iter().filter(|f| &b.group_of(f) == k), p, as_of))
                        .collect();
                    // A column beside a hidden total would give the total away.
                    let total_shown: Vec<bool> = Figure::by_group()
                        .map(|f| total_cell(f, p, whole).shown().is_some())
                        .collect();
                    group_values(&tallies, threshold, &total_shown)
                };
                let this = in_groups(period, &this_tally);
                let before = in_groups(previous, &previous_tally);
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
            let opened = protected
                .iter()
                .find(|(f, _)| *f == Figure::Opened)
                .map(|(_, c)| c.clone())
                .unwrap_or_default();
            Series {
                months: period
                    .months()
                    .into_iter()
                    .filter(|m| m.start < as_of)
                    .map(|m| (m, Value::Count(calendar.cell(&opened, m))))
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
