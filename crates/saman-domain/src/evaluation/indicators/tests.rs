use super::*;
use crate::evaluation::{Day, MeasureFacts};
use time::macros::date;

/// The figures count up to the first of January 2027: 2026 is a whole year.
const TODAY: Date = date!(2027 - 01 - 20);

fn day(year: i32, month: u8, day: u8) -> Date {
    Date::from_calendar_date(year, time::Month::try_from(month).unwrap(), day).unwrap()
}

fn log(opened: Date, level: u8, service: &str) -> LogFacts {
    LogFacts {
        plan: false,
        level,
        service: service.into(),
        age_band: AgeBand::Age6To12,
        opened_on: opened,
        consented_on: Some(opened + time::Duration::days(10)),
        first_measure_on: None,
        voice_on: None,
        closed_on: None,
        close_reason: None,
        measures: vec![],
        handovers: vec![],
        withdrawals: vec![],
        expiries: vec![],
    }
}

/// A busy 2026: in month m (1–12), 5 + (m − 1) % 3 logs at level 1 + (m − 1) % 3, each
/// consented to ten days after opening, with a measure due on the 28th (every fourth
/// not evaluated), closed three months on; and six logs in 2025 (five opened in spring,
/// one in autumn), closed in January 2026.
fn fixture() -> Vec<LogFacts> {
    let mut facts = Vec::new();
    for m in 1..=12u8 {
        let n = 5 + (m as usize - 1) % 3;
        for i in 0..n {
            let mut f = log(day(2026, m, 2 + i as u8), 1 + (m - 1) % 3, "skole");
            let due = day(2026, m, 28);
            f.measures = vec![MeasureFacts {
                due_on: due,
                evaluated_on: (i % 4 != 0).then_some(day(2026, m, 20)),
            }];
            f.voice_on = (i < 3).then_some(f.opened_on);
            if m <= 9 {
                f.closed_on = Some(day(2026, m + 3, 25));
                f.close_reason = Some("goal-reached".into());
            }
            facts.push(f);
        }
    }
    for i in 0..6 {
        let opened = if i < 5 {
            day(2025, 3 + i as u8, 1)
        } else {
            day(2025, 9, 1)
        };
        let mut f = log(opened, 1, "helse");
        f.closed_on = Some(day(2026, 1, 15));
        f.close_reason = Some(if i < 5 { "goal-reached" } else { "moved-away" }.into());
        f.withdrawals = if i == 0 {
            vec![Day(day(2025, 12, 1))]
        } else {
            vec![]
        };
        facts.push(f);
    }
    facts
}

fn row(d: &Dashboard, figure: Figure) -> &Row {
    d.rows.iter().find(|r| r.figure == figure).unwrap()
}

fn year_2026() -> Period {
    Period::from_key(PeriodKind::Year, "2026").unwrap()
}

#[test]
fn totals_beside_the_previous_period() {
    let d = Dashboard::compute(&fixture(), year_2026(), None, 5, TODAY);
    assert_eq!(d.previous.key(), "2025");
    // 5, 6, 7 a month, four times: 72, every month and term shown.
    assert_eq!(row(&d, Figure::Opened).this, Value::Count(Cell::Shown(72)));
    // 2025: 4 in spring (March to June) and 2 in autumn (July, September): both halves
    // under 5, the year 6, so either half could be 2, 3 or 4.
    assert_eq!(
        row(&d, Figure::Opened).previous,
        Value::Count(Cell::Shown(6))
    );
    // Active at some time in 2026: the 72 and the six of 2025 (closed in January).
    assert_eq!(row(&d, Figure::Active).this, Value::Count(Cell::Shown(78)));
    // Closed: none in February and March ("under 5", zero included), so the spring's
    // months would pin them at zero: the spring, and then the year, are hidden.
    assert_eq!(row(&d, Figure::Closed).this, Value::Count(Cell::Hidden));
    // One withdrawal in December 2025: under 5, and so is the year.
    assert_eq!(
        row(&d, Figure::Withdrawals).previous,
        Value::Count(Cell::Under)
    );
    assert_eq!(
        row(&d, Figure::ConsentDays).this,
        Value::Days {
            n: Cell::Shown(72),
            median: Some(10),
            p90: Some(10)
        }
    );
    // Nothing answered: no median.
    assert_eq!(
        row(&d, Figure::HandoverWait).this,
        Value::Days {
            n: Cell::Under,
            median: None,
            p90: None
        }
    );
    // Two late a month (24), 48 on time: both shown in every month's term and the
    // year, so the share is: 48 of 72.
    assert_eq!(row(&d, Figure::OnTimeShare).this, Value::Share(Some(67)));
    // Voice in three of each month's logs (36 of 78 active).
    assert_eq!(row(&d, Figure::VoiceShare).this, Value::Share(Some(46)));
    // No plans: the share is hidden (a part under 5).
    assert_eq!(row(&d, Figure::PlanShare).this, Value::Share(None));
    // Now: the 18 logs of October to December are open; two of each month's six
    // measures past due are not evaluated.
    assert_eq!(d.now.active, Cell::Shown(18));
    assert_eq!(d.now.overdue, Cell::Shown(6));
    assert_eq!(d.now.pending_handovers, Cell::Under);
    // The number closed is hidden, so its reasons are too.
    assert_eq!(d.reasons, None);
}

#[test]
fn a_changed_count_is_never_given_away_by_a_later_sum() {
    // The months of 2026 are shown as they end; the terms and the year are protected
    // against them without taking any back.
    let d = Dashboard::compute(&fixture(), year_2026(), None, 5, TODAY);
    let series = d.series.unwrap();
    assert_eq!(series.months.len(), 12);
    let shown: Vec<i64> = series
        .months
        .iter()
        .filter_map(|(_, v)| v.number())
        .collect();
    assert_eq!(shown, [5, 6, 7, 5, 6, 7, 5, 6, 7, 5, 6, 7]);
    for month in year_2026().months() {
        let m = Dashboard::compute(&fixture(), month, None, 5, TODAY);
        assert_eq!(
            row(&m, Figure::Opened).this,
            series.months.iter().find(|(p, _)| *p == month).unwrap().1,
            "a month shows the same count in its own view and in its year's chart"
        );
    }
    // A year not yet over is not shown at all.
    let this_year = Period::from_key(PeriodKind::Year, "2027").unwrap();
    let d = Dashboard::compute(&fixture(), this_year, None, 5, date!(2027 - 06 - 20));
    assert_eq!(row(&d, Figure::Opened).this, Value::Count(Cell::Hidden));
}

#[test]
fn groups_are_protected_per_figure_and_withheld_beside_a_hidden_total() {
    let d = Dashboard::compute(&fixture(), year_2026(), Some(Breakdown::Level), 5, TODAY);
    let (b, rows) = d.groups.unwrap();
    assert_eq!(b, Breakdown::Level);
    let opened: Vec<Value> = rows.iter().map(|r| r.this[0]).collect();
    // Level 1: 4 × 5, level 2: 4 × 6, level 3: 4 × 7.
    assert_eq!(
        opened,
        vec![
            Value::Count(Cell::Shown(20)),
            Value::Count(Cell::Shown(24)),
            Value::Count(Cell::Shown(28))
        ]
    );
    // In 2025 all six were at level 1: beside the shown 6, the two zeros would be
    // pinned, so the 6 is hidden too (it could be 5 or 6).
    assert_eq!(rows[0].previous[0], Value::Count(Cell::Hidden));
    assert_eq!(rows[1].previous[0], Value::Count(Cell::Under));
    // Broken down only for whole years.
    let term = Period::from_key(PeriodKind::Term, "2026-2").unwrap();
    let by_term = Dashboard::compute(&fixture(), term, Some(Breakdown::Level), 5, TODAY);
    assert!(by_term.groups.is_none());
    // The number closed in 2026 is hidden: its groups would give it away.
    let closed = Figure::by_group()
        .position(|f| f == Figure::Closed)
        .unwrap();
    assert!(rows.iter().all(|r| r.this[closed] == Value::Withheld));
}

#[test]
fn a_month_has_no_series() {
    let month = Period::from_key(PeriodKind::Month, "2026-05").unwrap();
    assert!(
        Dashboard::compute(&fixture(), month, None, 5, TODAY)
            .series
            .is_none()
    );
}

#[test]
fn percentiles_by_nearest_rank() {
    assert_eq!(percentile(&[], 50), None);
    assert_eq!(percentile(&[7], 90), Some(7));
    assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
    assert_eq!(percentile(&[5, 1, 4, 2, 3], 50), Some(3));
    assert_eq!(percentile(&(1..=10).collect::<Vec<_>>(), 90), Some(9));
}
