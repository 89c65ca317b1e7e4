//! Timestamps as the people tables store them: UTC, to the second, in one fixed-width
//! text form, so that comparing the text compares the times on both databases.

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

pub fn to_text(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .expect("a UTC time always formats")
}

pub fn from_text(s: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(s, FORMAT)
        .ok()
        .map(|t| t.assume_utc())
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Norway's offset from UTC at a moment: summer time (UTC+2) from 01:00 UTC on the last
/// Sunday of March to 01:00 UTC on the last Sunday of October, otherwise UTC+1.
pub fn oslo_offset(utc: time::OffsetDateTime) -> time::UtcOffset {
    let last_sunday = |month: time::Month| {
        let mut day = time::Date::from_calendar_date(utc.year(), month, month.length(utc.year()))
            .expect("the last day of a month is a date");
        while day.weekday() != time::Weekday::Sunday {
            day = day.previous_day().expect("not the first day of all time");
        }
        day.with_hms(1, 0, 0).expect("01:00 is a time").assume_utc()
    };
    let summer = utc >= last_sunday(time::Month::March) && utc < last_sunday(time::Month::October);
    time::UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).expect("1 and 2 hours are offsets")
}

/// Today's date in Norway.
pub fn today() -> time::Date {
    let now = now();
    now.to_offset(oslo_offset(now)).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sorts() {
        let t = time::macros::datetime!(2026-11-26 09:05:07 UTC);
        assert_eq!(to_text(t), "2026-11-26T09:05:07Z");
        assert_eq!(from_text("2026-11-26T09:05:07Z"), Some(t));
        assert!(to_text(t) < to_text(t + time::Duration::seconds(1)));
    }
}
