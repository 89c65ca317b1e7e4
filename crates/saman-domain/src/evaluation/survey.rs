//! Anonymous surveys: a user survey offered to guardians and youth when a log closes,
//! and a yearly staff survey of competence and confidence. Their questions are the
//! tenant's content, in bokmål and nynorsk. Answers are kept as counts per question and
//! option (and free texts, on their own), per period and group of respondents: nothing
//! stored with an answer says who gave it, from which log, or when beyond the period.

use crate::lang::Lang;
use crate::model::keyed_enum;
use serde::{Deserialize, Serialize};
use time::Date;

use super::{Period, PeriodKind};

keyed_enum! {
    /// Which survey.
    SurveyKind {
        /// To guardians and youth when a log closes.
        User = "bruker",
        /// Once a year, to employees and service leaders.
        Staff = "ansatte",
    }
}

keyed_enum! {
    /// Who answered: the groups results are shown for.
    Respondent {
        Guardian = "foresatte",
        Youth = "ungdom",
        Staff = "ansatte",
    }
}

keyed_enum! {
    /// What a question asks for.
    QuestionKind {
        /// 1 (not at all) to 5 (completely).
        Scale = "skala",
        YesNo = "ja-nei",
        /// One of the question's own options.
        Choice = "valg",
        /// Free text.
        Text = "tekst",
    }
}

/// A text in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub nb: String,
    pub nn: String,
}

impl Bilingual {
    pub fn new(nb: &str, nn: &str) -> Bilingual {
        Bilingual {
            nb: nb.into(),
            nn: nn.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nb => &self.nb,
            Lang::Nn => &self.nn,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the survey: counts are kept by it.
    pub key: String,
    pub kind: QuestionKind,
    pub text: Bilingual,
    /// A choice question's options.
    #[serde(default)]
    pub options: Vec<Bilingual>,
}

impl Question {
    /// The keys of the answers a closed question takes; none for free text.
    pub fn option_keys(&self) -> Vec<String> {
        match self.kind {
            QuestionKind::Scale => (1..=5).map(|n| n.to_string()).collect(),
            QuestionKind::YesNo => vec!["ja".into(), "nei".into()],
            QuestionKind::Choice => (1..=self.options.len()).map(|n| n.to_string()).collect(),
            QuestionKind::Text => Vec::new(),
        }
    }
}

/// A survey's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    pub kind: SurveyKind,
    pub title: Bilingual,
    pub intro: Bilingual,
    pub questions: Vec<Question>,
}

/// At most this many questions, and this many characters in a free-text answer.
pub const MAX_QUESTIONS: usize = 20;
pub const MAX_ANSWER: usize = 2000;
/// A title, a question or an option: one line of at most this many characters.
pub const MAX_LINE: usize = 300;
/// At most this many options to a choice.
pub const MAX_OPTIONS: usize = 20;
/// Free-text answers are shown only for groups of at least this many respondents (and
/// never below the tenant's threshold).
pub const TEXTS_FROM: i64 = 10;

fn question(key: &str, kind: QuestionKind, nb: &str, nn: &str) -> Question {
    Question {
        key: key.into(),
        kind,
        text: Bilingual::new(nb, nn),
        options: Vec::new(),
    }
}

impl Survey {
    /// Saman's user survey, for a tenant to start from.
    pub fn default_user() -> Survey {
        use QuestionKind::*;
        Survey {
            kind: SurveyKind::User,
            title: Bilingual::new("Hvordan var samarbeidet?", "Korleis var samarbeidet?"),
            intro: Bilingual::new(
                "Stafettloggen er avsluttet. Svarene dine er anonyme: de lagres uten navn, uten logg og uten tidspunkt, og vises bare sammen med mange andres.",
                "Stafettloggen er avslutta. Svara dine er anonyme: dei blir lagra utan namn, utan logg og utan tidspunkt, og blir berre viste saman med mange andre sine.",
            ),
            questions: vec![
                question("heard", Scale, "Følte du deg hørt?", "Kjende du deg høyrd?"),
                question(
                    "in-time",
                    Scale,
                    "Kom hjelpen tidsnok?",
                    "Kom hjelpa tidsnok?",
                ),
                question(
                    "who-to-ask",
                    YesNo,
                    "Visste du hvem du kunne spørre?",
                    "Visste du kven du kunne spørje?",
                ),
                question(
                    "better",
                    Text,
                    "Hva kunne vi gjort bedre?",
                    "Kva kunne vi gjort betre?",
                ),
            ],
        }
    }

    /// Saman's staff survey, for a tenant to start from.
    pub fn default_staff() -> Survey {
        use QuestionKind::*;
        Survey {
            kind: SurveyKind::Staff,
            title: Bilingual::new(
                "Årets undersøkelse for ansatte",
                "Årets undersøking for tilsette",
            ),
            intro: Bilingual::new(
                "Om hvor trygg du er i arbeidet med barn og unge vi er bekymret for. Svarene er anonyme og vises bare som summer.",
                "Om kor trygg du er i arbeidet med barn og unge vi er uroleg for. Svara er anonyme og blir berre viste som summar.",
            ),
            questions: vec![
                question(
                    "knows-what-to-do",
                    Scale,
                    "Vet du hva du skal gjøre når du er bekymret for et barn?",
                    "Veit du kva du skal gjere når du er uroleg for eit barn?",
                ),
                question(
                    "knows-the-model",
                    Scale,
                    "Kjenner du kommunens samhandlingsmodell og handlingsveileder?",
                    "Kjenner du samhandlingsmodellen og handlingsrettleiaren til kommunen?",
                ),
                question(
                    "confident-talking",
                    Scale,
                    "Er du trygg på å snakke med barn og foreldre om det du er bekymret for?",
                    "Er du trygg på å snakke med barn og foreldre om det du er uroleg for?",
                ),
                question(
                    "competence",
                    Text,
                    "Hvilken kompetanse trenger du mer av?",
                    "Kva kompetanse treng du meir av?",
                ),
            ],
        }
    }

    /// The period an answer given on `day` is counted in: a term for the user survey,
    /// a year for the staff survey (answered once a year).
    pub fn period_of(kind: SurveyKind, day: Date) -> Period {
        match kind {
            SurveyKind::User => Period::containing(PeriodKind::Term, day),
            SurveyKind::Staff => Period::containing(PeriodKind::Year, day),
        }
    }

    /// Problems with the content, by field: every text in both languages, keys unique,
    /// a choice with two options at least.
    pub fn problems(&self) -> Vec<(String, &'static str)> {
        let mut problems = Vec::new();
        let blank = |b: &Bilingual| b.nb.trim().is_empty() || b.nn.trim().is_empty();
        // At most `max` characters, on one line unless `lines`, no control characters.
        let unfit = |b: &Bilingual, max: usize, lines: bool| {
            [&b.nb, &b.nn].iter().any(|t| {
                t.chars().count() > max
                    || t.chars()
                        .any(|c| c.is_control() && !(lines && matches!(c, '\n' | '\t')))
            })
        };
        if blank(&self.title) {
            problems.push(("title".into(), "survey-problem-both-languages"));
        }
        if unfit(&self.title, MAX_LINE, false) {
            problems.push(("title".into(), "survey-problem-unfit"));
        }
        if unfit(&self.intro, MAX_ANSWER, true) {
            problems.push(("intro-nb".into(), "survey-problem-unfit"));
        }
        if self.questions.is_empty() {
            problems.push(("questions".into(), "survey-problem-no-questions"));
        }
        if self.questions.len() > MAX_QUESTIONS {
            problems.push(("questions".into(), "survey-problem-too-many"));
        }
        for (i, q) in self.questions.iter().enumerate() {
            if blank(&q.text) {
                problems.push((format!("q-{i}-text"), "survey-problem-both-languages"));
            }
            if unfit(&q.text, MAX_LINE, false)
                || q.options.iter().any(|o| unfit(o, MAX_LINE, false))
            {
                problems.push((format!("q-{i}-text"), "survey-problem-unfit"));
            }
            if q.options.len() > MAX_OPTIONS {
                problems.push((format!("q-{i}-options"), "survey-problem-too-many-options"));
            }
            if q.kind == QuestionKind::Choice
                && (q.options.len() < 2 || q.options.iter().any(blank))
            {
                problems.push((format!("q-{i}-options"), "survey-problem-options"));
            }
            if self.questions[..i].iter().any(|o| o.key == q.key) || q.key.is_empty() {
                problems.push((format!("q-{i}-text"), "survey-problem-key"));
            }
        }
        problems
    }
}

/// One person's answer, checked against the survey: the option chosen per closed
/// question (unanswered ones left out), and the free texts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub choices: Vec<(String, String)>,
    pub texts: Vec<(String, String)>,
}

impl Answer {
    /// Reads a submitted form (`q-{key}` fields). Unknown fields and options are
    /// ignored; a text longer than [`MAX_ANSWER`] is a problem for that question.
    pub fn read(survey: &Survey, form: &[(String, String)]) -> Result<Answer, Vec<String>> {
        let mut answer = Answer::default();
        let mut problems = Vec::new();
        for q in &survey.questions {
            let Some(value) = form
                .iter()
                .find(|(k, _)| k.strip_prefix("q-") == Some(q.key.as_str()))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            if q.kind == QuestionKind::Text {
                if value.chars().count() > MAX_ANSWER {
                    problems.push(q.key.clone());
                } else {
                    answer.texts.push((q.key.clone(), value.to_string()));
                }
            } else if q.option_keys().iter().any(|o| o == value) {
                answer.choices.push((q.key.clone(), value.to_string()));
            }
        }
        if problems.is_empty() {
            Ok(answer)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_whole_and_answers_are_read_strictly() {
        for survey in [Survey::default_user(), Survey::default_staff()] {
            assert_eq!(survey.problems(), vec![]);
        }
        let survey = Survey::default_user();
        let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let answer = Answer::read(
            &survey,
            &form(&[
                ("q-heard", "4"),
                ("q-in-time", "9"),
                ("q-who-to-ask", "ja"),
                ("q-better", "  Mer tid  "),
                ("q-unknown", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(
            answer.choices,
            vec![
                ("heard".into(), "4".into()),
                ("who-to-ask".into(), "ja".into())
            ]
        );
        assert_eq!(answer.texts, vec![("better".into(), "Mer tid".into())]);
        let long = "x".repeat(MAX_ANSWER + 1);
        assert_eq!(
            Answer::read(&survey, &form(&[("q-better", &long)])),
            Err(vec!["better".to_string()])
        );
        let mut broken = Survey::default_staff();
        broken.questions[1].key = broken.questions[0].key.clone();
        broken.questions[2].text.nn.clear();
        broken.questions.push(Question {
            key: "c".into(),
            kind: QuestionKind::Choice,
            text: Bilingual::new("a", "a"),
            options: vec![Bilingual::new("one", "ein")],
        });
        let fields: Vec<String> = broken.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["q-1-text", "q-2-text", "q-4-options"]);
    }
}
