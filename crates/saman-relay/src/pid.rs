//! Norwegian national identity numbers (fødselsnummer), D-numbers and the synthetic test
//! numbers of Skatteetaten's test population: eleven digits, a birth date, an individual
//! number that gives the century, and two check digits (modulus 11).

use std::fmt;
use time::{Date, Month};

/// A valid identity number. Its digits are personal data: `Debug` does not show them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Pid(String);

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pid(…)")
    }
}

/// What kind of identity number it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PidKind {
    /// A birth number (fødselsnummer).
    Birth,
    /// A D-number, for people without a birth number (the first digit plus 4).
    D,
    /// A synthetic number of the test population (the month plus 80).
    Synthetic,
}

/// Why a typed identity number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PidProblem {
    #[error("an identity number has eleven digits")]
    Length,
    #[error("the first six digits are not a date")]
    Date,
    #[error("the check digits do not match")]
    Checksum,
}

impl Pid {
    /// Reads an identity number as typed: spaces are allowed between the digits.
    pub fn parse(typed: &str) -> Result<Pid, PidProblem> {
        let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PidProblem::Length);
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let check = |weights: &[u32], n: usize| {
            let sum: u32 = weights.iter().zip(&d[..n]).map(|(w, x)| w * x).sum();
            match 11 - sum % 11 {
                11 => Some(0),
                10 => None,
                k => Some(k),
            }
        };
        let k1 = check(&[3, 7, 6, 1, 8, 9, 4, 5, 2], 9);
        let k2 = check(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2], 10);
        if k1 != Some(d[9]) || k2 != Some(d[10]) {
            return Err(PidProblem::Checksum);
        }
        let pid = Pid(digits);
        pid.birth_date().ok_or(PidProblem::Date)?;
        Ok(pid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> PidKind {
        let d = self.0.as_bytes();
        if d[0] >= b'4' {
            PidKind::D
        } else if d[2] >= b'8' {
            PidKind::Synthetic
        } else {
            PidKind::Birth
        }
    }

    /// The birth date the number holds.
    pub fn birth_date(&self) -> Option<Date> {
        let n = |i: usize| u32::from(self.0.as_bytes()[i] - b'0');
        let mut day = n(0) * 10 + n(1);
        let mut month = n(2) * 10 + n(3);
        if day > 40 {
            day -= 40;
        }
        if month > 80 {
            month -= 80;
        } else if month > 40 {
            // H-numbers (help numbers) add 40 to the month.
            month -= 40;
        }
        let year2 = (n(4) * 10 + n(5)) as i32;
        let individual = n(6) * 100 + n(7) * 10 + n(8);
        // The individual number tells the century (Skatteetaten's rules).
        let century = match individual {
            0..=499 => 1900,
            500..=749 if year2 >= 54 => 1800,
            900..=999 if year2 >= 40 => 1900,
            500..=999 if year2 <= 39 => 2000,
            _ => return None,
        };
        let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
        Date::from_calendar_date(century + year2, month, u8::try_from(day).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn valid_numbers_of_each_kind() {
        // Synthetic numbers of the test population (also used by the test ID-porten).
        let synthetic = Pid::parse("15898512379").unwrap();
        assert_eq!(synthetic.kind(), PidKind::Synthetic);
        assert_eq!(synthetic.birth_date(), Some(date!(1985 - 09 - 15)));
        assert_eq!(
            Pid::parse("158985 12379"),
            Ok(synthetic.clone()),
            "spaces are allowed"
        );
        assert!(
            format!("{synthetic:?}").contains('…'),
            "Debug never shows the digits"
        );
    }

    #[test]
    fn wrong_numbers_are_refused() {
        assert_eq!(Pid::parse("1589851237"), Err(PidProblem::Length));
        assert_eq!(Pid::parse("1589851237x"), Err(PidProblem::Length));
        assert_eq!(Pid::parse("15898512378"), Err(PidProblem::Checksum));
        assert_eq!(Pid::parse("15898512397"), Err(PidProblem::Checksum));
    }

    proptest::proptest! {
        /// Changing any one digit of a valid number makes it invalid (modulus 11 finds
        /// every single-digit error).
        #[test]
        fn one_changed_digit_is_always_found(position in 0usize..11, delta in 1u8..10) {
            let valid = "15898512379";
            let mut bytes = valid.as_bytes().to_vec();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            proptest::prop_assert!(Pid::parse(&changed).is_err(), "{changed}");
        }
    }
}
