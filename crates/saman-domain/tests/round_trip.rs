//! Property tests of the model-as-files format: any model the rules allow, with
//! arbitrary text in every field, is written and read back unchanged, and export →
//! import → export gives identical files. The reader never panics on any input.

use proptest::prelude::*;
use saman_domain::files::{SourceFile, read_bundle, write_bundle};
use saman_domain::rules::{check_bundle, is_language_marker, limits};
use saman_domain::*;
use std::path::Path;

/// The test model of the binary's integration tests: every kind of file there is.
fn fixture() -> ModelBundle {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../saman/tests/fixtures/testvik");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    read_bundle(&files).expect("the fixture model is valid")
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<SourceFile>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            files.push(SourceFile {
                path: path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                bytes: std::fs::read(&path).unwrap(),
            });
        }
    }
}

/// Any character a text may hold: everything but control characters (line breaks and
/// tabs are added separately where allowed), with the characters that matter to the
/// file format (quotes, backslashes, `+`, `<`, `#`, `[`) made likely.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>().prop_filter("no control characters", |c| !c.is_control()),
        2 => prop::sample::select(vec![
            '"', '\'', '\\', '+', '<', '>', '!', '-', '#', '[', ']', '=', ' ', 'æ', 'ø', 'å',
            '\u{202e}', '\u{2028}', '\u{feff}', '𝄞', '👩', 'ع', '中', 'e', '\u{301}',
        ]),
    ]
}

fn line(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(text_char(), 0..max).prop_map(|chars| chars.into_iter().collect())
}

/// A body: lines of arbitrary text, some of them tricky for the format, trimmed as the
/// model keeps bodies.
fn body() -> impl Strategy<Value = String> {
    let body_line = prop_oneof![
        6 => line(30),
        1 => Just("+++".to_string()),
        1 => Just("\t+++ ".to_string()),
        1 => Just("<!-- nb --> tekst".to_string()),
        1 => Just(" <!-- nn -->".to_string()),
        1 => Just("[lenke](https://example.org) ![bilde](filer/x/y.png)".to_string()),
        1 => Just(String::new()),
    ];
    prop::collection::vec(body_line, 0..8)
        .prop_map(|lines| {
            // Trimming can turn a line into a marker, so drop markers until none is left.
            let mut body = lines.join("\n").trim().to_string();
            while body.lines().any(is_language_marker) {
                body = body
                    .lines()
                    .filter(|l| !is_language_marker(l))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim()
                    .to_string();
            }
            body
        })
        // Random characters can make a link with a scheme that is not allowed (`<W.:>`).
        .prop_filter("a body the rules allow", |body| {
            saman_domain::rules::check_body(body).is_empty()
        })
}

/// Texts to fill a model with, used in turn.
#[derive(Debug, Clone)]
struct Texts {
    lines: Vec<String>,
    bodies: Vec<String>,
    next_line: usize,
    next_body: usize,
}

impl Texts {
    fn line(&mut self, required: bool, max: usize) -> String {
        let mut s = self.lines[self.next_line % self.lines.len()].clone();
        self.next_line += 1;
        if required && s.trim().is_empty() {
            s.insert(0, 'x');
        }
        s.chars().take(max).collect()
    }

    fn body(&mut self) -> String {
        let s = self.bodies[self.next_body % self.bodies.len()].clone();
        self.next_body += 1;
        s
    }
}

fn texts() -> impl Strategy<Value = Texts> {
    (
        prop::collection::vec(line(60), 20..60),
        prop::collection::vec(body(), 5..15),
    )
        .prop_map(|(lines, bodies)| Texts {
            lines,
            bodies,
            next_line: 0,
            next_body: 0,
        })
}

/// Puts generated text into every text field of the model.
fn fill(mut bundle: ModelBundle, mut t: Texts) -> ModelBundle {
    use limits::*;
    for text in [&mut bundle.tenant.text.nb, &mut bundle.tenant.text.nn]
        .into_iter()
        .flatten()
    {
        text.name = t.line(true, NAME);
        text.model_name = t.line(true, NAME);
        text.intro = t.line(false, INTRO);
        text.levels = Some(LevelNames {
            municipality: t.line(true, NAME),
            service: t.line(true, NAME),
            individual: t.line(true, NAME),
        });
    }
    for p in &mut bundle.tenant.priorities {
        for label in [&mut p.label.nb, &mut p.label.nn].into_iter().flatten() {
            *label = t.line(true, NAME);
        }
    }
    // An about text exists in a language only if it is not empty, as the files write it.
    for about in [&mut bundle.tenant.about.nb, &mut bundle.tenant.about.nn] {
        *about = Some(t.body()).filter(|b| !b.is_empty());
    }
    for item in &mut bundle.items {
        let is_service = item.kind == Kind::Service;
        for text in [&mut item.text.nb, &mut item.text.nn].into_iter().flatten() {
            text.title = t.line(true, NAME);
            text.summary = t.line(false, SUMMARY);
            text.body = t.body();
            if is_service {
                text.opening_hours = Some(t.line(false, CONTACT));
            }
        }
        if let Some(contact) = &mut item.contact {
            contact.address = Some(t.line(false, CONTACT));
        }
        for a in &mut item.attachments {
            for title in [&mut a.title.nb, &mut a.title.nn].into_iter().flatten() {
                *title = t.line(true, NAME);
            }
        }
    }
    for entry in &mut bundle.timeline {
        for text in [&mut entry.text.nb, &mut entry.text.nn]
            .into_iter()
            .flatten()
        {
            text.title = t.line(true, NAME);
            text.body = t.body();
        }
    }
    for wording in &mut bundle.forms {
        let form = saman_domain::forms::form(&wording.form).expect("the fixture's forms exist");
        for texts in [&mut wording.text.nb, &mut wording.text.nn]
            .into_iter()
            .flatten()
        {
            for (key, value) in texts.iter_mut() {
                let role = form.text(key).expect("the fixture's texts exist").role;
                *value = t.line(true, role.max_chars());
            }
        }
    }
    for guide in &mut bundle.guides {
        for text in [&mut guide.text.nb, &mut guide.text.nn]
            .into_iter()
            .flatten()
        {
            text.title = t.line(true, NAME);
            text.summary = t.line(false, SUMMARY);
            text.body = t.body();
        }
        for level in &mut guide.levels {
            for name in [&mut level.name.nb, &mut level.name.nn]
                .into_iter()
                .flatten()
            {
                *name = t.line(true, NAME);
            }
        }
        for step in &mut guide.steps {
            for text in [&mut step.text.nb, &mut step.text.nn].into_iter().flatten() {
                text.title = t.line(true, NAME);
                text.summary = t.line(false, SUMMARY);
                text.responsible = t.line(false, SUMMARY);
                text.deadline = Some(t.line(false, SUMMARY));
                text.questions = vec![t.line(true, SUMMARY), t.line(true, SUMMARY)];
                text.body = t.body();
            }
            for d in &mut step.decisions {
                for label in [&mut d.label.nb, &mut d.label.nn].into_iter().flatten() {
                    *label = t.line(true, NAME);
                }
            }
        }
    }
    bundle
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_allowed_model_round_trips(texts in texts()) {
        let bundle = fill(fixture(), texts);
        let problems = check_bundle(&bundle);
        prop_assert!(problems.is_empty(), "the generator makes only allowed models: {problems:?}");
        let files = write_bundle(&bundle);
        let read = read_bundle(&files);
        prop_assert!(read.is_ok(), "the written model reads back: {:?}", read.err());
        let read = read.unwrap();
        prop_assert_eq!(&read, &bundle);
        prop_assert_eq!(write_bundle(&read), files);
    }

    #[test]
    fn the_reader_never_panics(
        path in prop_oneof![
            Just("tenant.toml".to_string()),
            Just("om-modellen.md".to_string()),
            Just("innhold/plan/x.md".to_string()),
            Just("innhold/tjeneste/x.md".to_string()),
            Just("tidslinje/x.md".to_string()),
            Just("handlingsveileder/g/veileder.md".to_string()),
            Just("handlingsveileder/g/0-x.md".to_string()),
            "[a-z./]{0,30}",
        ],
        cut in 0usize..4000,
        noise in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut files = write_bundle(&fixture());
        // Replace or add one file: a fixture file cut and followed by noise.
        let base = files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.bytes.clone())
            .unwrap_or_default();
        let mut bytes = base[..cut.min(base.len())].to_vec();
        bytes.extend(noise);
        files.retain(|f| f.path != path);
        files.push(SourceFile { path, bytes });
        let _ = read_bundle(&files);
    }
}

/// Defect 5 of the hostile-content issue: a short text with a line break and a `+++`
/// line was accepted, and then exported so that it ended the front matter.
#[test]
fn a_summary_with_a_front_matter_line_is_refused() {
    let mut files = write_bundle(&fixture());
    let file = files
        .iter_mut()
        .find(|f| f.path == "innhold/plan/oppvekstplan.md")
        .unwrap();
    let text = String::from_utf8(file.bytes.clone()).unwrap();
    // Escapes keep the front matter one line per key, as an author may write it.
    let text = text.replacen(
        r#"summary = "Planen for oppvekst.""#,
        r#"summary = "Første linje\n+++\nlevels = []""#,
        1,
    );
    file.bytes = text.into_bytes();
    let problems = read_bundle(&files).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.file == "innhold/plan/oppvekstplan.md"
                && p.message.contains("summary")
                && p.message.contains("linjeskift")
                && p.line == 10),
        "{problems:#?}"
    );
}
