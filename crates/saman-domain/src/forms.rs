//! The fillable forms behind the guide's tools: what each form asks, and how its
//! answers are checked. The answers are personal data: they live only in the request
//! that turns them into a PDF, and are never stored or logged.

use crate::ByLang;
use crate::model::{Status, parse_iso_date};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

/// What kind of input a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Line,
    /// Several lines.
    Text,
    /// A date, as dd.mm.åååå or åååå-mm-dd.
    Date,
    /// One of a few options, by key.
    Choice(&'static [&'static str]),
    /// A box that must be ticked.
    Confirm,
}

/// One field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

const fn field(key: &'static str, kind: FieldKind, required: bool) -> Field {
    Field {
        key,
        kind,
        required,
    }
}

use FieldKind::*;

/// A fillable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    /// The key, as named by a tool item's `form` and in the address.
    pub key: &'static str,
    pub fields: &'static [Field],
    /// Whether the PDF ends with lines for signatures.
    pub signatures: bool,
}

/// The forms Saman can fill in: the tools the action guide uses.
pub const FORMS: &[Form] = &[
    Form {
        key: "observasjon",
        signatures: false,
        fields: &[
            field("barn", Line, true),
            field("alder", Line, false),
            field("tjeneste", Line, false),
            field("periode", Line, false),
            field("observert", Text, true),
            field("hyppighet", Text, false),
            field("trivsel", Text, false),
            field("tidligere", Text, false),
            field("drotet", Text, false),
            field("observator", Line, true),
            field("dato", Date, true),
        ],
    },
    Form {
        key: "samtale",
        signatures: false,
        fields: &[
            field("barn", Line, true),
            field("dato", Date, true),
            field("tilstede", Line, false),
            field("fortalt", Text, true),
            field("viktig", Text, false),
            field("avtaler", Text, false),
            field("samtaleleder", Line, true),
        ],
    },
    Form {
        key: "samtykke",
        signatures: true,
        fields: &[
            field("barn", Line, true),
            field("fodselsdato", Date, false),
            field("samtykker", Line, true),
            field("formal", Text, true),
            field("tjenester", Text, true),
            field("gyldig", Date, false),
            field("trekke", Confirm, true),
        ],
    },
    Form {
        key: "bekymringsmelding",
        signatures: true,
        fields: &[
            field("barn", Line, true),
            field("fodselsdato", Date, false),
            field("adresse", Line, false),
            field("foresatte", Line, false),
            field("melder", Line, true),
            field("bekymring", Text, true),
            field("observert", Text, true),
            field("gjort", Text, false),
            field("informert", Choice(&["ja", "nei", "vold"]), true),
            field("barnets-mening", Text, false),
        ],
    },
    Form {
        key: "tiltaksplan",
        signatures: false,
        fields: &[
            field("barn", Line, true),
            field("dato", Date, true),
            field("deltakere", Text, false),
            field("mal", Text, true),
            field("tiltak", Text, true),
            field("evaluering", Date, false),
            field("stafettholder", Line, false),
        ],
    },
];

pub fn form(key: &str) -> Option<&'static Form> {
    FORMS.iter().find(|f| f.key == key)
}

/// What a text of a form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRole {
    Title,
    Intro,
    /// A field's label.
    Label,
    /// The help under a field's label.
    Hint,
    /// The label of one of a choice's options.
    Option,
}

impl TextRole {
    /// Whether the text is one line (a title or label) rather than a paragraph.
    pub fn is_line(self) -> bool {
        !matches!(self, TextRole::Intro | TextRole::Hint)
    }

    /// The longest text of this kind.
    pub fn max_chars(self) -> usize {
        if self.is_line() {
            crate::rules::limits::NAME
        } else {
            crate::rules::limits::INTRO
        }
    }
}

/// A text of a form that a tenant may word in its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormText {
    /// Its key in a tenant's wording: `title`, `intro`, a field's key, `{field}-hint`
    /// or `{field}-{option}`.
    pub key: String,
    pub role: TextRole,
    /// The field it belongs to, for labels, hints and options.
    pub field: Option<&'static str>,
}

impl FormText {
    /// The key of Saman's own wording of the text in the locale files.
    pub fn default_key(&self, form: &str) -> String {
        match self.role {
            TextRole::Title | TextRole::Intro => format!("form-{form}-{}", self.key),
            _ => format!("field-{form}-{}", self.key),
        }
    }
}

/// Every form's texts, in the order the form shows them; built once.
static TEXTS: std::sync::LazyLock<Vec<Vec<FormText>>> = std::sync::LazyLock::new(|| {
    FORMS
        .iter()
        .map(|form| {
            let text = |key: String, role, field| FormText { key, role, field };
            let mut texts = vec![
                text("title".into(), TextRole::Title, None),
                text("intro".into(), TextRole::Intro, None),
            ];
            for f in form.fields {
                texts.push(text(f.key.into(), TextRole::Label, Some(f.key)));
                texts.push(text(format!("{}-hint", f.key), TextRole::Hint, Some(f.key)));
                if let Choice(options) = f.kind {
                    for option in options {
                        texts.push(text(
                            format!("{}-{option}", f.key),
                            TextRole::Option,
                            Some(f.key),
                        ));
                    }
                }
            }
            texts
        })
        .collect()
});

impl Form {
    /// The texts a tenant may word in its own way, in the order the form shows them.
    pub fn texts(&self) -> &'static [FormText] {
        let index = FORMS
            .iter()
            .position(|f| f.key == self.key)
            .expect("every form is in FORMS");
        &TEXTS[index]
    }

    /// The text with this key, if the form has it.
    pub fn text(&self, key: &str) -> Option<&'static FormText> {
        self.texts().iter().find(|t| t.key == key)
    }
}

/// A tenant's own wording of a form's texts, per language, replacing Saman's. A text
/// left out is Saman's, and so is every text while the wording is not published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormWording {
    /// The form's key.
    pub form: String,
    pub status: Status,
    /// Text key (see [`FormText::key`]) to the tenant's text.
    pub text: ByLang<BTreeMap<String, String>>,
}

/// Longest accepted answers, so a form cannot be used to feed the server huge inputs.
pub const MAX_LINE: usize = 200;
pub const MAX_TEXT: usize = 5000;

/// What is wrong with one field's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldError {
    Missing,
    TooLong(usize),
    NotADate,
    NotAnOption,
}

/// A checked answer, ready for the PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Empty,
    Text(String),
    Date(Date),
    Choice(&'static str),
    Confirmed,
}

/// Checks every field's raw answer; returns the answers in field order, or every error.
pub fn check(
    form: &Form,
    raw: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Answer>, Vec<(&'static str, FieldError)>> {
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for f in form.fields {
        let value = raw(f.key).unwrap_or_default();
        let value = value.trim();
        let result = match (f.kind, value.is_empty()) {
            (_, true) if f.required => Err(FieldError::Missing),
            (_, true) => Ok(Answer::Empty),
            (Line, _) if value.chars().count() > MAX_LINE => Err(FieldError::TooLong(MAX_LINE)),
            (Text, _) if value.chars().count() > MAX_TEXT => Err(FieldError::TooLong(MAX_TEXT)),
            (Line | Text, _) => Ok(Answer::Text(value.replace("\r\n", "\n"))),
            (Date, _) => parse_date(value)
                .map(Answer::Date)
                .ok_or(FieldError::NotADate),
            (Choice(options), _) => options
                .iter()
                .find(|o| **o == value)
                .map(|o| Answer::Choice(o))
                .ok_or(FieldError::NotAnOption),
            (Confirm, _) => Ok(Answer::Confirmed),
        };
        match result {
            Ok(answer) => answers.push(answer),
            Err(e) => errors.push((f.key, e)),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// Reads dd.mm.åååå (as people write dates) or åååå-mm-dd (as date inputs send them).
pub fn parse_date(s: &str) -> Option<Date> {
    if let Some(date) = parse_iso_date(s) {
        return Some(date);
    }
    let mut parts = s.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn dates_in_both_forms() {
        assert_eq!(parse_date("05.03.2026"), parse_date("2026-03-05"));
        assert!(parse_date("5.3.2026").is_some());
        for bad in [
            "31.02.2026",
            "2026/03/05",
            "05.03.26",
            "i morgen",
            "1.1.1.2026",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn checks_every_field() {
        let consent = form("samtykke").unwrap();
        let raw: HashMap<&str, &str> = HashMap::from([
            ("barn", "Åse"),
            ("fodselsdato", "32.01.2020"),
            ("formal", "x"),
        ]);
        let errors = check(consent, |k| raw.get(k).map(|v| v.to_string())).unwrap_err();
        assert_eq!(
            errors,
            vec![
                ("fodselsdato", FieldError::NotADate),
                ("samtykker", FieldError::Missing),
                ("tjenester", FieldError::Missing),
                ("trekke", FieldError::Missing),
            ]
        );
        let long = "a".repeat(MAX_LINE + 1);
        let raw: HashMap<&str, String> = HashMap::from([
            ("barn", long),
            ("samtykker", "Mor".into()),
            ("formal", "Samarbeid".into()),
            ("tjenester", "Skole\nPPT".into()),
            ("trekke", "ja".into()),
        ]);
        let errors = check(consent, |k| raw.get(k).cloned()).unwrap_err();
        assert_eq!(errors, vec![("barn", FieldError::TooLong(MAX_LINE))]);
    }

    #[test]
    fn choices_must_be_options() {
        let report = form("bekymringsmelding").unwrap();
        let raw = |k: &str| match k {
            "barn" | "melder" | "bekymring" | "observert" => Some("tekst".to_string()),
            "informert" => Some("kanskje".to_string()),
            _ => None,
        };
        assert_eq!(
            check(report, raw).unwrap_err(),
            vec![("informert", FieldError::NotAnOption)]
        );
    }

    #[test]
    fn text_keys_are_unique_and_name_their_field() {
        for form in FORMS {
            let texts = form.texts();
            for (i, t) in texts.iter().enumerate() {
                assert!(texts[i + 1..].iter().all(|u| u.key != t.key), "{}", t.key);
                assert_eq!(form.text(&t.key), Some(t));
            }
        }
        let report = form("bekymringsmelding").unwrap();
        let option = report.text("informert-vold").unwrap();
        assert_eq!(option.role, TextRole::Option);
        assert_eq!(option.field, Some("informert"));
        assert_eq!(
            option.default_key(report.key),
            "field-bekymringsmelding-informert-vold"
        );
        assert_eq!(
            report.text("title").unwrap().default_key(report.key),
            "form-bekymringsmelding-title"
        );
        assert!(report.text("finnes-ikke").is_none());
    }

    #[test]
    fn form_keys_are_unique() {
        for (i, f) in FORMS.iter().enumerate() {
            assert!(FORMS[i + 1..].iter().all(|g| g.key != f.key));
        }
    }
}
