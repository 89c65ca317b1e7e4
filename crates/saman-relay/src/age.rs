//! The child's age, and what it means: who consents, and how the child's own view
//! counts. Children have the right to be heard (the Children Act § 31, the Convention on
//! the Rights of the Child art. 12): from 7 their view is asked, from 12 it carries great
//! weight. From the age the municipality sets (15 or 16), the youth consents for
//! themself.

use time::Date;

/// Whole years from `birth` to `on`.
pub fn age_on(birth: Date, on: Date) -> u8 {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    u8::try_from(years.max(0)).unwrap_or(u8::MAX)
}

/// From which age a youth consents for themself: a setting of each municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YouthConsentAge {
    Fifteen,
    Sixteen,
}

impl YouthConsentAge {
    pub fn years(self) -> u8 {
        match self {
            YouthConsentAge::Fifteen => 15,
            YouthConsentAge::Sixteen => 16,
        }
    }
}

/// How the child's own view counts at an age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ViewWeight {
    /// Under 7: the child is heard as the child can be.
    Heard,
    /// From 7: the child's view is asked for and recorded.
    Asked,
    /// From 12: the child's view carries great weight.
    GreatWeight,
}

pub fn view_weight(age: u8) -> ViewWeight {
    match age {
        0..=6 => ViewWeight::Heard,
        7..=11 => ViewWeight::Asked,
        _ => ViewWeight::GreatWeight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_counts_whole_years_and_birthdays() {
        let birth = date!(2011 - 03 - 15);
        assert_eq!(age_on(birth, date!(2026 - 03 - 14)), 14);
        assert_eq!(age_on(birth, date!(2026 - 03 - 15)), 15);
        assert_eq!(age_on(date!(2012 - 02 - 29), date!(2026 - 02 - 28)), 13);
        assert_eq!(age_on(date!(2012 - 02 - 29), date!(2026 - 03 - 01)), 14);
        assert_eq!(age_on(birth, date!(2000 - 01 - 01)), 0, "before birth is 0");
    }

    #[test]
    fn the_childs_view() {
        assert_eq!(view_weight(6), ViewWeight::Heard);
        assert_eq!(view_weight(7), ViewWeight::Asked);
        assert_eq!(view_weight(12), ViewWeight::GreatWeight);
    }
}
