use super::*;
use crate::evaluation::{Day, HandoverFacts, MeasureFacts};
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 20);

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

/// Twelve logs opened in 2026 (eight at level 2 in school, four at level 3 in health),
/// and six in 2025.
fn fixture() -> Vec<LogFacts> {
    let mut facts = Vec::new();
    for i in 0..8 {
        let mut f = log(
            date!(2026 - 02 - 01) + time::Duration::days(i * 7),
            2,
            "skole",
        );
        f.first_measure_on = Some(f.opened_on + time::Duration::days(20 + i));
        f.voice_on = (i % 2 == 0).then_some(f.opened_on + time::Duration::days(15));
        f.measures = vec![MeasureFacts {
            due_on: date!(2026 - 06 - 01),
            evaluated_on: (i < 6).then_some(date!(2026 - 05 - 30)),
        }];
        facts.push(f);
    }
    for i in 0..4 {
        let mut f = log(date!(2026 - 09 - 01) + time::Duration::days(i), 3, "helse");
        f.plan = true;
        f.handovers = vec![HandoverFacts {
            requested_on: date!(2026 - 10 - 01),
            answered_on: (i > 0).then_some(date!(2026 - 10 - 04)),
        }];
        facts.push(f);
    }
    for i in 0..6 {
        let mut f = log(
            date!(2025 - 03 - 01) + time::Duration::days(i * 30),
            1,
            "skole",
        );
        f.closed_on = Some(date!(2026 - 01 - 15));
        f.close_reason = Some(if i < 5 { "goal-reached" } else { "moved-away" }.into());
        f.withdrawals = if i == 0 {
            vec![Day(date!(2025 - 12 - 01))]
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

#[test]
fn totals_beside_the_previous_period() {
    let year = Period::containing(PeriodKind::Year, TODAY);
    let d = Dashboard::compute(&fixture(), year, None, 5, TODAY);
    assert_eq!(d.previous.key(), "2025");
    assert_eq!(row(&d, Figure::Opened).this, Value::Count(Cell::Shown(12)));
    assert_eq!(
        row(&d, Figure::Opened).previous,
        Value::Count(Cell::Shown(6))
    );
    // All 18 were active in 2026 (the six of 2025 until January).
    assert_eq!(row(&d, Figure::Active).this, Value::Count(Cell::Shown(18)));
    assert_eq!(row(&d, Figure::Closed).this, Value::Count(Cell::Shown(6)));
    assert_eq!(row(&d, Figure::Closed).previous, Value::Count(Cell::Under));
    assert_eq!(
        row(&d, Figure::Withdrawals).previous,
        Value::Count(Cell::Under)
    );
    assert_eq!(
        row(&d, Figure::ConsentDays).this,
        Value::Days {
            n: Cell::Shown(12),
            median: Some(10),
            p90: Some(10)
        }
    );
    // First measures 20..27 days after opening, consent after 10: 10..17 days. Of
    // eight, the 90th percentile would be the largest: one log's own figure.
    assert_eq!(
        row(&d, Figure::MeasureDays).this,
        Value::Days {
            n: Cell::Shown(8),
            median: Some(13),
            p90: None
        }
    );
    // Three answered handovers: under 5, so no median.
    assert_eq!(
        row(&d, Figure::HandoverWait).this,
        Value::Days {
            n: Cell::Under,
            median: None,
            p90: None
        }
    );
    // 6 of 8 measures evaluated on time: the 2 late are under 5, so the share is hidden.
    assert_eq!(row(&d, Figure::OnTimeShare).this, Value::Share(None));
    // 4 plans of 18 active: under 5.
    assert_eq!(row(&d, Figure::PlanShare).this, Value::Share(None));
    // Voice in 4 of 18: under 5 too.
    assert_eq!(row(&d, Figure::VoiceShare).this, Value::Share(None));
    assert_eq!(d.now.active, Cell::Shown(12));
    assert_eq!(d.now.overdue, Cell::Under);
    assert_eq!(d.now.pending_handovers, Cell::Under);
    // Six closed: five for one reason, one for another. The one is under 5, so the
    // five is hidden too: together they are 6, so the "under 5" is 0 or 1.
    assert_eq!(
        d.reasons,
        Some(vec![
            ("goal-reached".into(), Cell::Hidden),
            ("moved-away".into(), Cell::Under)
        ])
    );
}

#[test]
fn shares_show_when_both_parts_reach_the_threshold() {
    let mut facts = fixture();
    for f in facts.iter_mut().take(5) {
        f.voice_on = Some(f.opened_on);
    }
    let year = Period::containing(PeriodKind::Year, TODAY);
    let d = Dashboard::compute(&facts, year, None, 5, TODAY);
    // Voice in 6 of 18 (five set here plus the 7th of the first eight): 33 %.
    assert_eq!(row(&d, Figure::VoiceShare).this, Value::Share(Some(33)));
}

#[test]
fn groups_are_protected_per_figure() {
    let year = Period::containing(PeriodKind::Year, TODAY);
    let d = Dashboard::compute(&fixture(), year, Some(Breakdown::Level), 5, TODAY);
    let (b, rows) = d.groups.unwrap();
    assert_eq!(b, Breakdown::Level);
    let opened: Vec<Value> = rows.iter().map(|r| r.this[0]).collect();
    // Level 1: 0, level 2: 8, level 3: 4. Two "under 5" could sum to 4 either way, but
    // 0 + 4 = 4 with both under 5 lets 0..4 each: not pinned.
    assert_eq!(
        opened,
        vec![
            Value::Count(Cell::Under),
            Value::Count(Cell::Shown(8)),
            Value::Count(Cell::Under)
        ]
    );
    // In 2025 all six were level 1: beside a shown 6 the two zeros would be pinned,
    // so the 6 is hidden as well (it could be 5 or 6).
    assert_eq!(rows[0].previous[0], Value::Count(Cell::Hidden));
    assert_eq!(rows[1].previous[0], Value::Count(Cell::Under));
}

#[test]
fn months_of_a_year_add_up_to_its_total_safely() {
    let year = Period::containing(PeriodKind::Year, TODAY);
    let d = Dashboard::compute(&fixture(), year, None, 5, TODAY);
    let series = d.series.unwrap();
    assert_eq!(series.months.len(), 10, "only months that are over");
    let month = Period::containing(PeriodKind::Month, TODAY);
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
