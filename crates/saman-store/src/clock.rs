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
