//! The periods figures are counted in: a month, a term (January–June, July–December)
//! or a year, each compared with the one before.

use time::{Date, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Month,
    Term,
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 3] = [PeriodKind::Month, PeriodKind::Term, PeriodKind::Year];

    /// The key in addresses and texts' ids.
    pub fn key(self) -> &'static str {
        match self {
            PeriodKind::Month => "maned",
            PeriodKind::Term => "termin",
            PeriodKind::Year => "ar",
        }
    }

    pub fn from_key(key: &str) -> Option<PeriodKind> {
        PeriodKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A period: from `start` up to, not including, `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    pub start: Date,
    pub end: Date,
}

fn first_of(year: i32, month: Month) -> Date {
    Date::from_calendar_date(year, month, 1).expect("the first of a month is a date")
}

impl Period {
    /// The period of `kind` that `date` falls in.
    pub fn containing(kind: PeriodKind, date: Date) -> Period {
        let year = date.year();
        let (start, end) = match kind {
            PeriodKind::Month => {
                let start = first_of(year, date.month());
                let end = match date.month() {
                    Month::December => first_of(year + 1, Month::January),
                    m => first_of(year, m.next()),
                };
                (start, end)
            }
            PeriodKind::Term if (date.month() as u8) < 7 => {
                (first_of(year, Month::January), first_of(year, Month::July))
            }
            PeriodKind::Term => (
                first_of(year, Month::July),
                first_of(year + 1, Month::January),
            ),
            PeriodKind::Year => (
                first_of(year, Month::January),
                first_of(year + 1, Month::January),
            ),
        };
        Period { kind, start, end }
    }

    /// The period of the same kind just before.
    pub fn previous(self) -> Period {
        Period::containing(
            self.kind,
            self.start
                .previous_day()
                .expect("not the first day of all time"),
        )
    }

    pub fn contains(self, date: Date) -> bool {
        self.start <= date && date < self.end
    }

    /// `2026-11`, `2026-2` (the second term) or `2026`.
    pub fn key(self) -> String {
        let year = self.start.year();
        match self.kind {
            PeriodKind::Month => format!("{year}-{:02}", self.start.month() as u8),
            PeriodKind::Term => format!(
                "{year}-{}",
                if self.start.month() == Month::January {
                    1
                } else {
                    2
                }
            ),
            PeriodKind::Year => year.to_string(),
        }
    }

    pub fn from_key(kind: PeriodKind, key: &str) -> Option<Period> {
        let (year, rest) = match key.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (key, None),
        };
        // Far from the ends of the calendar, so the next period always exists.
        let year: i32 = year.parse().ok().filter(|y| (1900..=3000).contains(y))?;
        let month = match (kind, rest) {
            (PeriodKind::Year, None) => 1,
            (PeriodKind::Term, Some("1")) => 1,
            (PeriodKind::Term, Some("2")) => 7,
            (PeriodKind::Month, Some(m)) if m.len() == 2 => m.parse().ok()?,
            _ => return None,
        };
        let month = Month::try_from(month).ok()?;
        Some(Period::containing(kind, first_of(year, month)))
    }

    /// The `count` periods of this kind ending with this one, newest first.
    pub fn back(self, count: usize) -> Vec<Period> {
        std::iter::successors(Some(self), |p| Some(p.previous()))
            .take(count)
            .collect()
    }

    /// The months of this period, oldest first.
    pub fn months(self) -> Vec<Period> {
        let mut months = Vec::new();
        let mut month = Period::containing(PeriodKind::Month, self.start);
        while month.start < self.end {
            months.push(month);
            month = Period::containing(PeriodKind::Month, month.end);
        }
        months
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_and_their_previous() {
        let d = date!(2026 - 01 - 15);
        let month = Period::containing(PeriodKind::Month, d);
        assert_eq!(
            (month.start, month.end),
            (date!(2026 - 01 - 01), date!(2026 - 02 - 01))
        );
        assert_eq!(month.previous().key(), "2025-12");
        let term = Period::containing(PeriodKind::Term, date!(2026 - 09 - 01));
        assert_eq!(term.key(), "2026-2");
        assert_eq!(term.previous().key(), "2026-1");
        assert_eq!(term.previous().previous().key(), "2025-2");
        let year = Period::containing(PeriodKind::Year, d);
        assert_eq!(year.previous().key(), "2025");
        assert_eq!(year.months().len(), 12);
        assert_eq!(term.months().len(), 6);
        for p in [month, term, year] {
            assert_eq!(Period::from_key(p.kind, &p.key()), Some(p));
        }
        assert_eq!(Period::from_key(PeriodKind::Month, "2026-13"), None);
        assert_eq!(Period::from_key(PeriodKind::Term, "2026-3"), None);
        assert_eq!(Period::from_key(PeriodKind::Year, "2026-1"), None);
        assert_eq!(Period::from_key(PeriodKind::Year, "x"), None);
        assert_eq!(Period::from_key(PeriodKind::Month, "9999-12"), None);
        assert_eq!(Period::from_key(PeriodKind::Year, "9999"), None);
        assert!(month.contains(d) && !month.contains(month.end));
    }
}
