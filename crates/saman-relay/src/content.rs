//! What a relay log holds, and the rules for what may be written: the child and the
//! concern that open it, and its entries (goals, measures, evaluations, meeting notes,
//! notes, the child's own voice, messages, and the history of its level and holder).
//! Problems name the form field and a message key the pages translate.

use crate::pid::Pid;
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

/// Longest free text of an entry, in characters.
pub const MAX_TEXT: usize = 10_000;
/// Longest name, in characters.
pub const MAX_NAME: usize = 200;
/// At most this many guardians on a log.
pub const MAX_GUARDIANS: usize = 4;

/// A problem with what was typed: the field, and the key of its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: &'static str,
}

fn problem(field: &'static str, message: &'static str) -> Problem {
    Problem { field, message }
}

/// The child a log is about. Sealed as one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    pub name: String,
    #[serde(with = "iso_date")]
    pub birth_date: Date,
    /// The identity number's digits, if given.
    pub pid: Option<String>,
    /// A pregnant person, who consents for herself.
    #[serde(default)]
    pub pregnant: bool,
}

/// A guardian named on a log. Sealed as one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardian {
    pub name: String,
    pub pid: Option<String>,
}

/// How an evaluation judged a goal or measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Achieved {
    Yes,
    Partly,
    No,
}

impl Achieved {
    pub const ALL: [Achieved; 3] = [Achieved::Yes, Achieved::Partly, Achieved::No];

    pub fn key(self) -> &'static str {
        match self {
            Achieved::Yes => "yes",
            Achieved::Partly => "partly",
            Achieved::No => "no",
        }
    }

    pub fn from_key(key: &str) -> Option<Achieved> {
        Achieved::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// An entry's content. Sealed as one value; its kind is also stored plain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Content {
    Goal {
        text: String,
    },
    Measure {
        text: String,
        /// A person or a service.
        responsible: String,
        #[serde(with = "iso_date")]
        starts_on: Date,
        #[serde(with = "iso_date")]
        evaluate_on: Date,
    },
    Evaluation {
        achieved: Achieved,
        note: String,
        next_step: String,
    },
    Meeting {
        #[serde(with = "iso_date")]
        held_on: Date,
        present: String,
        summary: String,
        decisions: String,
    },
    /// A note by a professional or a guardian (the author's role tells which).
    Note {
        text: String,
    },
    /// The child's or youth's own words.
    Voice {
        text: String,
    },
    Message {
        text: String,
    },
    /// The BTI level changed.
    Level {
        from: u8,
        to: u8,
    },
    /// The baton passed.
    Holder {
        from: String,
        to: String,
    },
    /// The log became an individual plan, with this child coordinator.
    Plan {
        coordinator: String,
    },
}

impl Content {
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Goal { .. } => "goal",
            Content::Measure { .. } => "measure",
            Content::Evaluation { .. } => "evaluation",
            Content::Meeting { .. } => "meeting",
            Content::Note { .. } => "note",
            Content::Voice { .. } => "voice",
            Content::Message { .. } => "message",
            Content::Level { .. } => "level",
            Content::Holder { .. } => "holder",
            Content::Plan { .. } => "plan",
        }
    }

    /// The date the entry is due again, for the lists of what needs doing.
    pub fn due_on(&self) -> Option<Date> {
        match self {
            Content::Measure { evaluate_on, .. } => Some(*evaluate_on),
            _ => None,
        }
    }
}

/// Reads a date as typed: `2026-11-26` (a date field) or `26.11.2026`.
pub fn parse_date(typed: &str) -> Option<Date> {
    let typed = typed.trim();
    Date::parse(typed, format_description!("[year]-[month]-[day]"))
        .or_else(|_| {
            Date::parse(
                typed,
                format_description!("[day padding:none].[month padding:none].[year]"),
            )
        })
        .ok()
}

/// A date as stored and as a date field takes it.
pub fn date_text(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .expect("a date always formats")
}

/// Checks a required free text: present, not too long. Returns it trimmed.
pub fn required_text(
    problems: &mut Vec<Problem>,
    field: &'static str,
    typed: &str,
    max: usize,
) -> String {
    let text = typed.trim().to_string();
    if text.is_empty() {
        problems.push(problem(field, "relay-problem-required"));
    } else if text.chars().count() > max {
        problems.push(problem(field, "relay-problem-too-long"));
    }
    text
}

/// An optional free text: not too long.
pub fn optional_text(
    problems: &mut Vec<Problem>,
    field: &'static str,
    typed: &str,
    max: usize,
) -> String {
    let text = typed.trim().to_string();
    if text.chars().count() > max {
        problems.push(problem(field, "relay-problem-too-long"));
    }
    text
}

/// A required date.
pub fn required_date(
    problems: &mut Vec<Problem>,
    field: &'static str,
    typed: &str,
) -> Option<Date> {
    if typed.trim().is_empty() {
        problems.push(problem(field, "relay-problem-required"));
        return None;
    }
    let date = parse_date(typed);
    if date.is_none() {
        problems.push(problem(field, "relay-problem-date"));
    }
    date
}

/// An identity number, if one is typed: valid, and (for the child) on the birth date.
pub fn optional_pid(
    problems: &mut Vec<Problem>,
    field: &'static str,
    typed: &str,
    birth: Option<Date>,
) -> Option<String> {
    if typed.trim().is_empty() {
        return None;
    }
    match Pid::parse(typed) {
        Err(_) => {
            problems.push(problem(field, "relay-problem-pid"));
            None
        }
        Ok(pid) => {
            if let Some(birth) = birth
                && pid.birth_date() != Some(birth)
            {
                problems.push(problem(field, "relay-problem-pid-birth"));
            }
            Some(pid.as_str().to_string())
        }
    }
}

/// The child as typed on the form that opens a log.
pub fn check_child(
    problems: &mut Vec<Problem>,
    name: &str,
    birth: &str,
    pid: &str,
    pregnant: bool,
    today: Date,
) -> Option<Child> {
    let name = required_text(problems, "child-name", name, MAX_NAME);
    let birth_date = required_date(problems, "child-birth", birth);
    if let Some(b) = birth_date
        && (b > today || today.year() - b.year() > 30)
    {
        problems.push(problem("child-birth", "relay-problem-birth"));
    }
    let pid = optional_pid(problems, "child-pid", pid, birth_date);
    Some(Child {
        name,
        birth_date: birth_date?,
        pid,
        pregnant,
    })
}

mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::date_text(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_date(&text).ok_or_else(|| serde::de::Error::custom("not a date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_as_typed() {
        assert_eq!(parse_date("2026-11-26"), Some(date!(2026 - 11 - 26)));
        assert_eq!(parse_date(" 9.3.2012 "), Some(date!(2012 - 03 - 09)));
        assert_eq!(parse_date("31.02.2026"), None);
        assert_eq!(parse_date("i går"), None);
    }

    #[test]
    fn the_child_as_typed() {
        let today = date!(2026 - 11 - 26);
        let mut problems = Vec::new();
        let child = check_child(
            &mut problems,
            " Ida ",
            "09.03.2012",
            "098312 55029",
            false,
            today,
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(child.name, "Ida");
        assert_eq!(child.pid.as_deref(), Some("09831255029"));

        let mut problems = Vec::new();
        check_child(&mut problems, "", "10.03.2012", "09831255028", false, today);
        let fields: Vec<_> = problems.iter().map(|p| (p.field, p.message)).collect();
        assert_eq!(
            fields,
            [
                ("child-name", "relay-problem-required"),
                ("child-pid", "relay-problem-pid")
            ]
        );
        let mut problems = Vec::new();
        check_child(
            &mut problems,
            "Ida",
            "10.03.2012",
            "09831255029",
            false,
            today,
        );
        assert_eq!(problems[0].message, "relay-problem-pid-birth");
        let mut problems = Vec::new();
        check_child(&mut problems, "Ida", "01.01.2030", "", false, today);
        assert_eq!(problems[0].message, "relay-problem-birth");
    }

    #[test]
    fn content_round_trips_as_json() {
        let content = Content::Measure {
            text: "Leksehjelp to dager i uka".into(),
            responsible: "Skolen".into(),
            starts_on: date!(2026 - 11 - 01),
            evaluate_on: date!(2027 - 01 - 15),
        };
        let json = serde_json::to_string(&content).unwrap();
        assert!(json.contains("\"kind\":\"measure\"") && json.contains("2027-01-15"));
        assert_eq!(serde_json::from_str::<Content>(&json).unwrap(), content);
        assert_eq!(content.due_on(), Some(date!(2027 - 01 - 15)));
    }
}
