//! "I am worried about a child": a few questions that lead to the right level of the
//! action guide. Pure rules: the web layer keeps the answers in the form, never on the
//! server and never in the address.

/// A question of the path, in the order they may be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// Is the child in danger right now?
    Danger,
    /// Who are you: an employee, a private person, or a child or youth yourself?
    Role,
    /// Which guide fits where you work? Asked only when the tenant has several.
    Guide,
    /// Do you suspect violence, abuse or serious neglect?
    Violence,
    /// Is the concern clarified: do you know what it is about?
    Clarified,
    /// Can your own service give the help the child needs?
    OwnService,
    /// How many other services are needed?
    OtherServices,
}

impl Question {
    pub fn key(self) -> &'static str {
        match self {
            Question::Danger => "fare",
            Question::Role => "rolle",
            Question::Guide => "veileder",
            Question::Violence => "vold",
            Question::Clarified => "avklart",
            Question::OwnService => "egen",
            Question::OtherServices => "andre",
        }
    }

    /// The answers it takes; for [`Question::Guide`], the tenant's guide slugs.
    pub fn fixed_answers(self) -> &'static [&'static str] {
        match self {
            Question::Danger | Question::Violence | Question::Clarified | Question::OwnService => {
                &["ja", "nei"]
            }
            Question::Role => &["ansatt", "privatperson", "ung"],
            Question::OtherServices => &["en-to", "flere"],
            Question::Guide => &[],
        }
    }

    fn from_key(key: &str) -> Option<Question> {
        ALL.iter().copied().find(|q| q.key() == key)
    }
}

const ALL: [Question; 7] = [
    Question::Danger,
    Question::Role,
    Question::Guide,
    Question::Violence,
    Question::Clarified,
    Question::OwnService,
    Question::OtherServices,
];

/// Where the path ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The child is in danger now: call the emergency numbers.
    Emergency,
    /// A private person: what to do and whom to call.
    PrivatePerson,
    /// A child or youth: whom to talk to.
    Youth,
    /// Suspected violence or abuse: the guide's urgent path.
    Violence { guide: String },
    /// A level of the guide, 0–3.
    Level { guide: String, level: u8 },
}

/// The next step of the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Ask(Question),
    Done(Outcome),
}

/// Answers so far, in order. Parsed from the form; anything unknown is dropped, so a
/// tampered form can only restart the path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers(Vec<(Question, String)>);

impl Answers {
    /// Reads `fare=nei;rolle=ansatt`, keeping only answers valid for the tenant's guides.
    pub fn parse(s: &str, guides: &[String]) -> Answers {
        let mut answers = Answers::default();
        for pair in s.split(';').filter(|p| !p.is_empty()) {
            let Some((q, a)) = pair.split_once('=') else {
                break;
            };
            let Some(question) = Question::from_key(q) else {
                break;
            };
            if !answers.accept(question, a, guides) {
                break;
            }
        }
        answers
    }

    /// Adds an answer if it is the one the path asks next and a valid one.
    pub fn accept(&mut self, question: Question, answer: &str, guides: &[String]) -> bool {
        let valid = match question {
            Question::Guide => guides.iter().any(|g| g == answer),
            q => q.fixed_answers().contains(&answer),
        };
        if valid && next(self, guides) == Next::Ask(question) {
            self.0.push((question, answer.to_string()));
            true
        } else {
            false
        }
    }

    /// Drops the last answer: the way back.
    pub fn back(&mut self) {
        self.0.pop();
    }

    pub fn get(&self, question: Question) -> Option<&str> {
        self.0
            .iter()
            .find(|(q, _)| *q == question)
            .map(|(_, a)| a.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The form value that carries the answers to the next page.
    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|(q, a)| format!("{}={a}", q.key()))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// What comes after `answers`, given the tenant's guides (slugs, the general one first).
pub fn next(answers: &Answers, guides: &[String]) -> Next {
    let answer = |q| answers.get(q);
    match answer(Question::Danger) {
        None => return Next::Ask(Question::Danger),
        Some("ja") => return Next::Done(Outcome::Emergency),
        _ => {}
    }
    match answer(Question::Role) {
        None => return Next::Ask(Question::Role),
        Some("privatperson") => return Next::Done(Outcome::PrivatePerson),
        Some("ung") => return Next::Done(Outcome::Youth),
        _ => {}
    }
    let guide = match (guides, answer(Question::Guide)) {
        ([], _) => return Next::Done(Outcome::PrivatePerson),
        ([only], _) => only.clone(),
        (_, Some(chosen)) => chosen.to_string(),
        (_, None) => return Next::Ask(Question::Guide),
    };
    let level = |level| {
        Next::Done(Outcome::Level {
            guide: guide.clone(),
            level,
        })
    };
    match answer(Question::Violence) {
        None => return Next::Ask(Question::Violence),
        Some("ja") => return Next::Done(Outcome::Violence { guide }),
        _ => {}
    }
    match answer(Question::Clarified) {
        None => return Next::Ask(Question::Clarified),
        Some("nei") => return level(0),
        _ => {}
    }
    match answer(Question::OwnService) {
        None => return Next::Ask(Question::OwnService),
        Some("ja") => return level(1),
        _ => {}
    }
    match answer(Question::OtherServices) {
        None => Next::Ask(Question::OtherServices),
        Some("en-to") => level(2),
        _ => level(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(steps: &[(Question, &str)], guides: &[String]) -> Next {
        let mut answers = Answers::default();
        for (q, a) in steps {
            assert!(answers.accept(*q, a, guides), "{q:?}={a} not accepted");
        }
        let parsed = Answers::parse(&answers.encode(), guides);
        assert_eq!(parsed, answers, "answers survive the form");
        next(&answers, guides)
    }

    #[test]
    fn paths() {
        let one = vec!["generell".to_string()];
        let two = vec!["generell".to_string(), "skole".to_string()];
        use Question::*;
        assert_eq!(walk(&[], &one), Next::Ask(Danger));
        assert_eq!(
            walk(&[(Danger, "ja")], &one),
            Next::Done(Outcome::Emergency)
        );
        assert_eq!(
            walk(&[(Danger, "nei"), (Role, "ung")], &one),
            Next::Done(Outcome::Youth)
        );
        assert_eq!(
            walk(&[(Danger, "nei"), (Role, "ansatt")], &one),
            Next::Ask(Violence),
            "one guide: no choice"
        );
        assert_eq!(
            walk(&[(Danger, "nei"), (Role, "ansatt")], &two),
            Next::Ask(Guide)
        );
        let violence = walk(
            &[
                (Danger, "nei"),
                (Role, "ansatt"),
                (Guide, "skole"),
                (Violence, "ja"),
            ],
            &two,
        );
        assert_eq!(
            violence,
            Next::Done(Outcome::Violence {
                guide: "skole".into()
            })
        );
        let base = [(Danger, "nei"), (Role, "ansatt"), (Violence, "nei")];
        let level = |extra: &[(Question, &str)]| {
            let steps: Vec<_> = base.iter().chain(extra).copied().collect();
            walk(&steps, &one)
        };
        let at = |level| {
            Next::Done(Outcome::Level {
                guide: "generell".into(),
                level,
            })
        };
        assert_eq!(level(&[(Clarified, "nei")]), at(0));
        assert_eq!(level(&[(Clarified, "ja"), (OwnService, "ja")]), at(1));
        assert_eq!(
            level(&[
                (Clarified, "ja"),
                (OwnService, "nei"),
                (OtherServices, "en-to")
            ]),
            at(2)
        );
        assert_eq!(
            level(&[
                (Clarified, "ja"),
                (OwnService, "nei"),
                (OtherServices, "flere")
            ]),
            at(3)
        );
    }

    #[test]
    fn only_the_next_valid_answer_is_taken() {
        let one = vec!["generell".to_string()];
        let mut answers = Answers::default();
        assert!(
            !answers.accept(Question::Role, "ansatt", &one),
            "not asked yet"
        );
        assert!(
            !answers.accept(Question::Danger, "kanskje", &one),
            "not an answer"
        );
        assert!(answers.accept(Question::Danger, "nei", &one));
        assert!(
            !answers.accept(Question::Danger, "ja", &one),
            "already answered"
        );
        answers.back();
        assert!(answers.is_empty());
        let tampered = Answers::parse("fare=nei;vold=ja;rolle=ansatt", &one);
        assert_eq!(
            tampered.encode(),
            "fare=nei",
            "parsing stops at the first answer out of turn"
        );
        assert_eq!(
            Answers::parse("fare=nei;rolle=ansatt;veileder=hemmelig", &one).len(),
            2
        );
    }
}
