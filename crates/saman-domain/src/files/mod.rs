//! The model as files: a folder of Markdown files with TOML front matter.
//!
//! [`read_bundle`] validates a whole folder and returns every problem with its file and
//! line; [`write_bundle`] writes a model so that reading it back gives the same model
//! and writing that again gives the same bytes. The format is documented in
//! `docs/model-files.md`.

use crate::lang::{ByLang, Lang};
use crate::model::*;
use crate::{rules, slug};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

mod form;
mod guide;
pub use form::{FORMS_DIR, form_path};
pub use guide::{GUIDES_DIR, guide_path, step_path};

/// A file of a model folder: its path relative to the folder, with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Something wrong in a model folder, at a file and line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

pub const TENANT_FILE: &str = "tenant.toml";
pub const ABOUT_FILE: &str = "om-modellen.md";
pub const ITEMS_DIR: &str = "innhold";
pub const TIMELINE_DIR: &str = "tidslinje";
pub const FILES_DIR: &str = "filer";

// ---------------------------------------------------------------------------
// File shapes, as serde sees them. Field order is the order written on export.

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    slug: String,
    default_language: String,
    municipality_numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    primary_colour: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    logo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    child_welfare: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    child_welfare_out_of_hours: Option<String>,
    /// The tenant's own groups of words that mean the same to the search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    search_synonyms: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relay_log: Option<RelayLogFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evaluation: Option<EvaluationFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accessibility: Option<AccessibilityFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<TenantTextFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<TenantTextFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    priorities: Vec<PriorityFile>,
}

/// `[accessibility]` in tenant.toml: the municipality's own accessibility statement.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessibilityFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    statement_url: Option<String>,
}

/// `[relay_log]` in tenant.toml: the municipality's rules for its relay logs.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelayLogFile {
    youth_consent_age: u8,
    retention_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    privacy_page: Option<String>,
}

/// `[evaluation]` in tenant.toml: how the municipality's figures are shown.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluationFile {
    #[serde(default = "default_threshold")]
    threshold: u32,
    /// The figures on the public page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    public: Vec<String>,
}

fn default_threshold() -> u32 {
    crate::evaluation::DEFAULT_THRESHOLD
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantTextFile {
    name: String,
    model_name: String,
    #[serde(default)]
    intro: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    levels: Option<LevelNamesFile>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    accessibility_shortcomings: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelNamesFile {
    municipality: String,
    service: String,
    individual: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriorityFile {
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    levels: Vec<String>,
    #[serde(default)]
    target_groups: Vec<String>,
    #[serde(default)]
    prevention: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    review_date: Option<String>,
    status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    priorities: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    form: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<ItemTextFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<ItemTextFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<ContactFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    relations: Vec<RelationFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<AttachmentFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemTextFile {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opening_hours: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    web: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationFile {
    #[serde(rename = "type")]
    kind: String,
    to: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachmentFile {
    file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineFile {
    date: String,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<TitleFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<TitleFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TitleFile {
    title: String,
}

// ---------------------------------------------------------------------------
// Reading

/// Collects problems for one file, with line numbers relative to the whole file.
struct FileProblems<'a> {
    file: &'a str,
    /// The front matter text, to find the line a key or value is on.
    front: &'a str,
    /// The line the front matter starts on.
    front_line: usize,
    problems: &'a mut Vec<Problem>,
}

impl FileProblems<'_> {
    fn at_line(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }

    /// Reports a problem on the first front-matter line that mentions `needle`.
    fn near(&mut self, needle: &str, message: impl Into<String>) {
        let line = self
            .front
            .lines()
            .position(|l| l.contains(needle))
            .map_or(1, |i| self.front_line + i);
        self.at_line(line, message);
    }
}

/// Reads and validates a whole model folder. Either every file is right and the model
/// comes back, or every problem found is returned.
pub fn read_bundle(files: &[SourceFile]) -> Result<ModelBundle, Vec<Problem>> {
    let mut problems = Vec::new();
    // Attachments and the logo mark the files they use; any file left over is reported.
    let mut used: BTreeSet<&str> = BTreeSet::new();
    check_sizes(files, &mut used, &mut problems);
    let by_path: BTreeMap<&str, &[u8]> = files
        .iter()
        .filter(|f| !used.contains(f.path.as_str()))
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();

    let tenant = match by_path.get(TENANT_FILE) {
        None => {
            problems.push(Problem {
                file: TENANT_FILE.into(),
                line: 1,
                message: "mangler: mappen må ha en tenant.toml".into(),
            });
            None
        }
        Some(bytes) => {
            used.insert(TENANT_FILE);
            read_tenant(bytes, &by_path, &mut used, &mut problems)
        }
    };
    let about = match by_path.get(ABOUT_FILE) {
        Some(bytes) => {
            used.insert(ABOUT_FILE);
            as_text(ABOUT_FILE, bytes, &mut problems)
                .and_then(|text| sections(ABOUT_FILE, text, 1, &mut problems))
                .unwrap_or_default()
        }
        None => ByLang::default(),
    };

    let mut items = Vec::new();
    let mut timeline = Vec::new();
    let mut guide_files = Vec::new();
    let mut forms = Vec::new();
    for (path, bytes) in &by_path {
        if let Some(rest) = path.strip_prefix("innhold/") {
            used.insert(path);
            if let Some(item) = read_item(path, rest, bytes, &by_path, &mut used, &mut problems) {
                items.push(item);
            }
        } else if path.starts_with("handlingsveileder/") {
            used.insert(path);
            guide_files.push((*path, *bytes));
        } else if let Some(rest) = path.strip_prefix("tidslinje/") {
            used.insert(path);
            if let Some(entry) = read_timeline_entry(path, rest, bytes, &mut problems) {
                timeline.push(entry);
            }
        } else if let Some(rest) = path.strip_prefix("skjema/") {
            used.insert(path);
            if let Some(wording) = form::read_form(path, rest, bytes, &mut problems) {
                forms.push(wording);
            }
        }
    }
    for path in by_path.keys().filter(|p| !used.contains(*p)) {
        problems.push(Problem {
            file: path.to_string(),
            line: 1,
            message: "filen hører ikke til modellen: den er ikke innhold, tidslinje, handlingsveileder, skjema, logo eller et vedlegg som et innhold viser til".into(),
        });
    }

    let mut guides = guide::read_guides(&guide_files, &mut problems);

    let mut rule_problems = Vec::new();
    if items.len() > rules::limits::ITEMS {
        problems.push(Problem {
            file: ITEMS_DIR.into(),
            line: 1,
            message: format!("for mye innhold: høyst {}", rules::limits::ITEMS),
        });
    }
    if timeline.len() > rules::limits::TIMELINE_ENTRIES {
        problems.push(Problem {
            file: TIMELINE_DIR.into(),
            line: 1,
            message: format!(
                "for mange oppføringer i tidslinjen: høyst {}",
                rules::limits::TIMELINE_ENTRIES
            ),
        });
    }
    if guides.len() > rules::limits::GUIDES {
        problems.push(Problem {
            file: GUIDES_DIR.into(),
            line: 1,
            message: format!(
                "for mange handlingsveiledere: høyst {}",
                rules::limits::GUIDES
            ),
        });
    }
    if let Some(tenant) = &tenant {
        let mut tenant = tenant.clone();
        tenant.about = about.clone();
        rules::check_tenant(&tenant, &mut rule_problems);
    }
    for item in &items {
        rules::check_item(item, &mut rule_problems);
    }
    for entry in &timeline {
        rules::check_timeline(entry, &mut rule_problems);
    }
    for guide in &guides {
        rules::check_guide(guide, &mut rule_problems);
    }
    for wording in &forms {
        rules::check_form_wording(wording, &mut rule_problems);
    }
    for problem in rule_problems {
        problems.push(locate(&problem, &items, &guides, &by_path));
    }

    if let Some(tenant) = &tenant {
        check_default_language(tenant, &items, &timeline, &mut problems);
        check_references(tenant, &items, &guides, files, &mut problems);
    }
    match tenant {
        Some(mut tenant) if problems.is_empty() => {
            tenant.about = about;
            items.sort_by(|a, b| a.slug.cmp(&b.slug));
            timeline.sort_by(|a, b| a.slug.cmp(&b.slug));
            guides.sort_by(|a, b| a.slug.cmp(&b.slug));
            forms.sort_by(|a, b| a.form.cmp(&b.form));
            Ok(ModelBundle {
                tenant,
                items,
                timeline,
                guides,
                forms,
            })
        }
        _ => {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            Err(problems)
        }
    }
}

/// Refuses files over the size limits, and folders with too many files or bytes, before
/// anything is parsed. A refused file is marked used so that nothing else reports it.
fn check_sizes<'a>(
    files: &'a [SourceFile],
    used: &mut BTreeSet<&'a str>,
    problems: &mut Vec<Problem>,
) {
    use rules::limits;
    if files.len() > limits::FILES {
        problems.push(Problem {
            file: ".".into(),
            line: 1,
            message: format!("mappen har for mange filer: høyst {}", limits::FILES),
        });
    }
    let total: usize = files.iter().map(|f| f.bytes.len()).sum();
    if total > limits::MODEL_BYTES {
        problems.push(Problem {
            file: ".".into(),
            line: 1,
            message: format!(
                "filene er til sammen for store: høyst {} MB",
                limits::MODEL_BYTES / (1024 * 1024)
            ),
        });
    }
    for file in files {
        let is_text = file.path.ends_with(".md") || file.path.ends_with(".toml");
        let max = if is_text {
            limits::TEXT_FILE_BYTES
        } else {
            limits::ANY_FILE_BYTES
        };
        if file.bytes.len() > max {
            used.insert(&file.path);
            problems.push(Problem {
                file: file.path.clone(),
                line: 1,
                message: rules::FieldProblem::FileTooLarge { max }.to_string(),
            });
        }
    }
}

/// Turns a problem the model's rules found into a file and line.
fn locate(
    problem: &rules::ModelProblem,
    items: &[Item],
    guides: &[Guide],
    by_path: &BTreeMap<&str, &[u8]>,
) -> Problem {
    use rules::Place;
    let file = match &problem.place {
        Place::Model => problem.field.to_string(),
        Place::Tenant => TENANT_FILE.into(),
        Place::About => ABOUT_FILE.into(),
        Place::Item(slug) => items
            .iter()
            .find(|i| &i.slug == slug)
            .map_or_else(|| slug.clone(), item_path),
        Place::Timeline(slug) => format!("{TIMELINE_DIR}/{slug}.md"),
        Place::Guide(slug) => format!("{GUIDES_DIR}/{slug}/veileder.md"),
        Place::Step { guide, step } => guides
            .iter()
            .find(|g| &g.slug == guide)
            .and_then(|g| g.steps.iter().find(|s| &s.slug == step))
            .map_or_else(|| step.clone(), |s| step_path(guide, s)),
        Place::Form(key) => format!("{FORMS_DIR}/{key}.toml"),
    };
    let text = by_path
        .get(file.as_str())
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("");
    let line = line_of(text, problem);
    let field = match problem.lang {
        Some(lang) if problem.field != "body" => format!("[{lang}] {}", problem.field),
        Some(lang) => format!("teksten under <!-- {lang} -->"),
        None => problem.field.to_string(),
    };
    Problem {
        file,
        line,
        message: format!("{field}: {}", problem.problem),
    }
}

/// The line a rule's problem is on: the line with the offending text if it has one, else
/// the field's line (in its language's table), else the first line.
fn line_of(text: &str, problem: &rules::ModelProblem) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let find_from = |start: usize, pred: &dyn Fn(&str) -> bool| {
        lines
            .iter()
            .skip(start)
            .position(|l| pred(l))
            .map(|i| start + i + 1)
    };
    if let Some(needle) = problem.problem.needle()
        && let Some(line) = find_from(0, &|l: &str| l.contains(needle.as_str()))
    {
        return line;
    }
    let field = problem.field;
    if field == "body" {
        let marker = rules::language_marker(problem.lang.unwrap_or(Lang::Nb));
        return find_from(0, &|l: &str| l.trim_end() == marker).unwrap_or(1);
    }
    let is_field = |l: &str| {
        let l = l.trim_start();
        l.starts_with(field) || l.starts_with(&format!("[[{field}]]"))
    };
    let table_start = problem.lang.and_then(|lang| {
        let header = format!("[{lang}]");
        find_from(0, &|l: &str| l.trim() == header)
    });
    table_start
        .and_then(|start| find_from(start, &is_field))
        .or_else(|| find_from(0, &is_field))
        .unwrap_or(1)
}

fn as_text<'a>(path: &str, bytes: &'a [u8], problems: &mut Vec<Problem>) -> Option<&'a str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            problems.push(Problem {
                file: path.into(),
                line,
                message: "filen er ikke gyldig UTF-8-tekst".into(),
            });
            None
        }
    }
}

/// Parses TOML, reporting a syntax or shape error at its line.
fn parse_toml<T: for<'de> Deserialize<'de>>(
    path: &str,
    text: &str,
    first_line: usize,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(value) => Some(value),
        Err(e) => {
            let line = e
                .span()
                .map_or(0, |span| text[..span.start].matches('\n').count());
            problems.push(Problem {
                file: path.into(),
                line: first_line + line,
                message: format!("ugyldig TOML: {}", e.message()),
            });
            None
        }
    }
}

/// Splits a Markdown file into its TOML front matter (with the line it starts on) and
/// its body (with the line it starts on).
fn split_front_matter<'a>(
    path: &str,
    text: &'a str,
    problems: &mut Vec<Problem>,
) -> Option<(&'a str, &'a str, usize)> {
    let Some(after_open) = text.strip_prefix("+++\n") else {
        problems.push(Problem {
            file: path.into(),
            line: 1,
            message: "filen må begynne med en linje med +++ (starten på front matter)".into(),
        });
        return None;
    };
    let close = if after_open.starts_with("+++\n") || after_open == "+++" {
        Some(0)
    } else {
        after_open
            .find("\n+++\n")
            .map(|i| i + 1)
            .or_else(|| after_open.strip_suffix("\n+++").map(|s| s.len() + 1))
    };
    let Some(close) = close else {
        problems.push(Problem {
            file: path.into(),
            line: 1,
            message: "front matter er ikke avsluttet med en linje med +++".into(),
        });
        return None;
    };
    let front = &after_open[..close];
    let body = after_open[close..].strip_prefix("+++").unwrap_or("");
    let body = body.strip_prefix('\n').unwrap_or(body);
    let body_line = 3 + front.matches('\n').count();
    Some((front, body, body_line))
}

/// Reads a Markdown file: its TOML front matter as `T`, its language sections, and the
/// front matter text (to find the line a problem is on).
fn read_markdown<'a, T: for<'de> Deserialize<'de>>(
    path: &str,
    bytes: &'a [u8],
    problems: &mut Vec<Problem>,
) -> Option<(T, ByLang<String>, &'a str)> {
    let text = as_text(path, bytes, problems)?;
    let (front, body, body_line) = split_front_matter(path, text, problems)?;
    let file = parse_toml(path, front, 2, problems)?;
    let bodies = sections(path, body, body_line, problems)?;
    Some((file, bodies, front))
}

const MARKERS: [(&str, Lang); 2] = [("<!-- nb -->", Lang::Nb), ("<!-- nn -->", Lang::Nn)];

/// Splits a body into its language sections, marked by `<!-- nb -->` and `<!-- nn -->`.
fn sections(
    path: &str,
    body: &str,
    first_line: usize,
    problems: &mut Vec<Problem>,
) -> Option<ByLang<String>> {
    let mut result: ByLang<String> = ByLang::default();
    let mut current: Option<(Lang, Vec<&str>)> = None;
    let mut ok = true;
    let finish = |current: Option<(Lang, Vec<&str>)>, result: &mut ByLang<String>| {
        if let Some((lang, lines)) = current {
            result.set(lang, lines.join("\n").trim().to_string());
        }
    };
    for (i, line) in body.lines().enumerate() {
        if let Some((_, lang)) = MARKERS.iter().find(|(m, _)| line.trim_end() == *m) {
            let seen =
                result.get(*lang).is_some() || current.as_ref().is_some_and(|(l, _)| l == lang);
            if seen {
                problems.push(Problem {
                    file: path.into(),
                    line: first_line + i,
                    message: format!("språkdelen <!-- {lang} --> står to ganger"),
                });
                ok = false;
            }
            finish(current.take(), &mut result);
            current = Some((*lang, Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        } else if !line.trim().is_empty() {
            problems.push(Problem {
                file: path.into(),
                line: first_line + i,
                message:
                    "tekst før første språkmerke: start teksten med <!-- nb --> eller <!-- nn -->"
                        .into(),
            });
            ok = false;
            break;
        }
    }
    finish(current, &mut result);
    ok.then_some(result)
}

fn read_tenant<'a>(
    bytes: &[u8],
    by_path: &BTreeMap<&'a str, &[u8]>,
    used: &mut BTreeSet<&'a str>,
    problems: &mut Vec<Problem>,
) -> Option<Tenant> {
    let text = as_text(TENANT_FILE, bytes, problems)?;
    let file: TenantFile = parse_toml(TENANT_FILE, text, 1, problems)?;
    let mut p = FileProblems {
        file: TENANT_FILE,
        front: text,
        front_line: 1,
        problems,
    };
    if !slug::is_valid(&file.slug) || slug::RESERVED_TENANT_SLUGS.contains(&file.slug.as_str()) {
        p.near(
            "slug",
            format!(
                "ugyldig slug «{}»: bruk a–z, 0–9 og bindestrek, og ikke et av de reserverte ordene {}",
                file.slug,
                slug::RESERVED_TENANT_SLUGS.join(", ")
            ),
        );
    }
    let default_lang = file.default_language.parse::<Lang>().ok();
    if default_lang.is_none() {
        p.near("default_language", "default_language må være nb eller nn");
    }
    if file.municipality_numbers.is_empty() {
        p.near(
            "municipality_numbers",
            "municipality_numbers må ha minst ett kommunenummer",
        );
    }
    for number in &file.municipality_numbers {
        if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) {
            p.near(number, format!("kommunenummer «{number}» må ha fire sifre"));
        }
    }
    let logo = file.logo.as_ref().and_then(|name| {
        let lower = name.to_ascii_lowercase();
        if name.contains('/') || !(lower.ends_with(".svg") || lower.ends_with(".png")) {
            p.near(
                "logo",
                "logo må være en .svg- eller .png-fil i samme mappe som tenant.toml",
            );
            return None;
        }
        match by_path.get_key_value(name.as_str()) {
            Some((path, bytes)) => {
                used.insert(path);
                Some(FileContent {
                    file_name: name.clone(),
                    bytes: bytes.to_vec(),
                })
            }
            None => {
                p.near("logo", format!("fant ikke logofilen «{name}»"));
                None
            }
        }
    });
    let mut seen = BTreeSet::new();
    let priorities = file
        .priorities
        .into_iter()
        .map(|pr| {
            if !slug::is_valid(&pr.key) || !seen.insert(pr.key.clone()) {
                p.near(
                    &pr.key,
                    format!("prioritet «{}»: nøkkelen må være en unik slug", pr.key),
                );
            }
            Priority {
                key: pr.key,
                label: ByLang {
                    nb: pr.nb,
                    nn: pr.nn,
                },
            }
        })
        .collect();
    let text_of = |t: TenantTextFile| TenantText {
        name: t.name,
        model_name: t.model_name,
        intro: t.intro,
        levels: t.levels.map(|l| LevelNames {
            municipality: l.municipality,
            service: l.service,
            individual: l.individual,
        }),
        accessibility_shortcomings: t.accessibility_shortcomings,
    };
    let accessibility = match file.accessibility {
        None => Accessibility::default(),
        Some(a) => Accessibility {
            date: review_date(&mut p, a.date.as_deref()),
            statement_url: a.statement_url,
        },
    };
    let relay = match file.relay_log {
        None => RelaySettings::default(),
        Some(r) => {
            if !RelaySettings::YOUTH_CONSENT_AGES.contains(&r.youth_consent_age) {
                p.near(
                    "youth_consent_age",
                    "relay_log.youth_consent_age må være 15 eller 16".to_string(),
                );
            }
            if r.retention_days > RelaySettings::MAX_RETENTION_DAYS {
                p.near(
                    "retention_days",
                    format!(
                        "relay_log.retention_days kan være høyst {}",
                        RelaySettings::MAX_RETENTION_DAYS
                    ),
                );
            }
            RelaySettings {
                youth_consent_age: r.youth_consent_age,
                retention_days: r.retention_days,
                privacy_page: r.privacy_page,
            }
        }
    };
    Some(Tenant {
        slug: file.slug,
        default_lang: default_lang.unwrap_or(Lang::Nb),
        municipality_numbers: file.municipality_numbers,
        primary_colour: file.primary_colour,
        logo,
        contact_email: file.contact_email,
        child_welfare: file.child_welfare,
        child_welfare_out_of_hours: file.child_welfare_out_of_hours,
        relay,
        accessibility,
        search_synonyms: file.search_synonyms,
        evaluation: file
            .evaluation
            .map(|e| EvaluationSettings {
                threshold: e.threshold,
                public_figures: e.public,
            })
            .unwrap_or_default(),
        text: ByLang {
            nb: file.nb.map(text_of),
            nn: file.nn.map(text_of),
        },
        priorities,
        about: ByLang::default(),
    })
}

/// Parses a list of keys, reporting each unknown or repeated one.
fn keys<T: Copy + PartialEq>(
    p: &mut FileProblems,
    field: &str,
    values: &[String],
    from_key: fn(&str) -> Option<T>,
    allowed: String,
) -> Vec<T> {
    let mut out = Vec::new();
    for value in values {
        match from_key(value) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => p.near(value, format!("{field}: «{value}» står to ganger")),
            None => p.near(
                value,
                format!("{field}: ukjent verdi «{value}»; gyldige verdier er {allowed}"),
            ),
        }
    }
    out
}

/// Parses an optional review date, reporting one that is not `YYYY-MM-DD`.
fn review_date(p: &mut FileProblems, value: Option<&str>) -> Option<time::Date> {
    let value = value?;
    let date = parse_iso_date(value);
    if date.is_none() {
        p.near(
            "review_date",
            format!("review_date «{value}» er ikke en dato på formen ÅÅÅÅ-MM-DD"),
        );
    }
    date
}

fn status(p: &mut FileProblems, value: &str) -> Status {
    Status::from_key(value).unwrap_or_else(|| {
        p.near(
            "status",
            format!("status må være published eller draft, ikke «{value}»"),
        );
        Status::Draft
    })
}

/// Checks the body sections against the text tables: a body needs its language's title.
fn bodies_match_texts<T>(p: &mut FileProblems, texts: &ByLang<T>, bodies: &ByLang<String>) {
    for lang in Lang::ALL {
        if texts.get(lang).is_none() && bodies.get(lang).is_some_and(|b| !b.is_empty()) {
            p.near(
                "",
                format!(
                    "teksten under <!-- {lang} --> mangler tittel: legg til [{lang}] med title"
                ),
            );
        }
    }
}

fn read_item<'a>(
    path: &'a str,
    rest: &str,
    bytes: &[u8],
    by_path: &BTreeMap<&'a str, &[u8]>,
    used: &mut BTreeSet<&'a str>,
    problems: &mut Vec<Problem>,
) -> Option<Item> {
    let Some((kind_dir, file_name)) = rest.split_once('/') else {
        problems.push(Problem {
            file: path.into(),
            line: 1,
            message: "innhold må ligge i en mappe for sin type, f.eks. innhold/plan/".into(),
        });
        return None;
    };
    let Some(kind) = Kind::from_key(kind_dir) else {
        problems.push(Problem {
            file: path.into(),
            line: 1,
            message: format!(
                "ukjent type «{kind_dir}»; gyldige mapper er {}",
                Kind::keys()
            ),
        });
        return None;
    };
    let slug = slug_of(path, file_name, problems)?;
    let (file, bodies, front): (ItemFile, _, _) = read_markdown(path, bytes, problems)?;
    let mut p = FileProblems {
        file: path,
        front,
        front_line: 2,
        problems,
    };

    let levels = keys(
        &mut p,
        "levels",
        &file.levels,
        Level::from_key,
        Level::keys(),
    );
    if file.levels.is_empty() {
        p.near("levels", "levels må ha minst ett nivå");
    }
    let target_groups = keys(
        &mut p,
        "target_groups",
        &file.target_groups,
        TargetGroup::from_key,
        TargetGroup::keys(),
    );
    let prevention = keys(
        &mut p,
        "prevention",
        &file.prevention,
        Prevention::from_key,
        Prevention::keys(),
    );
    let review_date = review_date(&mut p, file.review_date.as_deref());
    let status = status(&mut p, &file.status);
    let is_service = kind == Kind::Service;
    if !is_service && file.contact.is_some() {
        p.near("[contact]", "bare tjenester kan ha [contact]");
    }
    if file.form.is_some() && kind != Kind::Tool {
        p.near("form", "bare verktøy kan ha form");
    }
    let texts = ByLang {
        nb: file.nb,
        nn: file.nn,
    };
    bodies_match_texts(&mut p, &texts, &bodies);
    for lang in Lang::ALL {
        if let Some(t) = texts.get(lang)
            && !is_service
            && t.opening_hours.is_some()
        {
            p.near("opening_hours", "bare tjenester kan ha opening_hours");
        }
    }
    let relations = file
        .relations
        .into_iter()
        .filter_map(|r| match RelationType::from_key(&r.kind) {
            Some(kind) => Some(Relation { kind, to: r.to }),
            None => {
                p.near(
                    &r.kind,
                    format!(
                        "ukjent relasjonstype «{}»; gyldige typer er {}",
                        r.kind,
                        RelationType::keys()
                    ),
                );
                None
            }
        })
        .collect();
    let attachments = file
        .attachments
        .into_iter()
        .filter_map(|a| {
            let attachment_path = format!("{FILES_DIR}/{slug}/{}", a.file);
            if !rules::is_safe_file_name(&a.file) {
                p.near(&a.file, format!("filnavnet «{}» kan bare ha a–z, A–Z, 0–9, punktum, bindestrek og understrek", a.file));
                return None;
            }
            let found = by_path.get_key_value(attachment_path.as_str());
            match found {
                Some((path, bytes)) => {
                    used.insert(path);
                    Some(Attachment {
                        file: FileContent {
                            file_name: a.file,
                            bytes: bytes.to_vec(),
                        },
                        title: ByLang { nb: a.nb, nn: a.nn },
                    })
                }
                None => {
                    p.near(&a.file, format!("fant ikke vedlegget {attachment_path}"));
                    None
                }
            }
        })
        .collect();
    let text = ByLang {
        nb: texts.nb.map(|t| item_text(t, &bodies, Lang::Nb)),
        nn: texts.nn.map(|t| item_text(t, &bodies, Lang::Nn)),
    };
    Some(Item {
        slug,
        kind,
        levels,
        target_groups,
        prevention,
        owner: file.owner,
        review_date,
        status,
        priorities: file.priorities,
        text,
        contact: file
            .contact
            .map(|c| Contact {
                phone: c.phone,
                email: c.email,
                address: c.address,
                web: c.web,
            })
            .filter(|c| !c.is_empty()),
        relations,
        attachments,
        form: file.form,
    })
}

fn item_text(t: ItemTextFile, bodies: &ByLang<String>, lang: Lang) -> ItemText {
    ItemText {
        title: t.title,
        summary: t.summary,
        body: bodies.get(lang).cloned().unwrap_or_default(),
        opening_hours: t.opening_hours,
    }
}

fn slug_of(path: &str, file_name: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let slug = file_name.strip_suffix(".md").filter(|s| slug::is_valid(s));
    if slug.is_none() {
        problems.push(Problem {
            file: path.into(),
            line: 1,
            message:
                "filnavnet må være en slug og slutte på .md: a–z, 0–9 og bindestrek, 2–80 tegn"
                    .into(),
        });
    }
    slug.map(str::to_string)
}

fn read_timeline_entry(
    path: &str,
    file_name: &str,
    bytes: &[u8],
    problems: &mut Vec<Problem>,
) -> Option<TimelineEntry> {
    let slug = slug_of(path, file_name, problems)?;
    let (file, bodies, front): (TimelineFile, _, _) = read_markdown(path, bytes, problems)?;
    let mut p = FileProblems {
        file: path,
        front,
        front_line: 2,
        problems,
    };
    let date = parse_iso_date(&file.date);
    if date.is_none() {
        p.near(
            "date",
            format!("date «{}» er ikke en dato på formen ÅÅÅÅ-MM-DD", file.date),
        );
    }
    let status = status(&mut p, &file.status);
    let titles = ByLang {
        nb: file.nb,
        nn: file.nn,
    };
    bodies_match_texts(&mut p, &titles, &bodies);
    let text_of = |t: Option<TitleFile>, lang| {
        t.map(|t| TimelineText {
            title: t.title,
            body: bodies.get(lang).cloned().unwrap_or_default(),
        })
    };
    Some(TimelineEntry {
        slug,
        date: date?,
        status,
        text: ByLang {
            nb: text_of(titles.nb, Lang::Nb),
            nn: text_of(titles.nn, Lang::Nn),
        },
    })
}

/// The tenant's default language must be complete everywhere.
fn check_default_language(
    tenant: &Tenant,
    items: &[Item],
    timeline: &[TimelineEntry],
    problems: &mut Vec<Problem>,
) {
    let lang = tenant.default_lang;
    let mut missing = |file: String| {
        problems.push(Problem {
            file,
            line: 1,
            message: format!("mangler tekst på standardspråket {lang}: legg til [{lang}]"),
        })
    };
    for item in items.iter().filter(|i| i.text.get(lang).is_none()) {
        missing(item_path(item));
    }
    for entry in timeline.iter().filter(|e| e.text.get(lang).is_none()) {
        missing(timeline_path(entry));
    }
}

/// Checks what crosses files: unique slugs, and that owners, relations and priorities
/// name things that exist.
fn check_references(
    tenant: &Tenant,
    items: &[Item],
    guides: &[Guide],
    files: &[SourceFile],
    problems: &mut Vec<Problem>,
) {
    let mut kinds: HashMap<&str, Kind> = HashMap::new();
    for item in items {
        if let Some(other) = kinds.insert(&item.slug, item.kind) {
            problems.push(Problem {
                file: item_path(item),
                line: 1,
                message: format!(
                    "slugen «{}» er også brukt av innhold av typen {}",
                    item.slug,
                    other.key()
                ),
            });
        }
    }
    let refs = rules::References::new(tenant, items);
    let mut rule_problems = Vec::new();
    rules::check_tenant_references(tenant, &refs, &mut rule_problems);
    for item in items {
        rules::check_item_references(item, &refs, &mut rule_problems);
    }
    for guide in guides {
        rules::check_guide_references(guide, &refs, tenant.default_lang, &mut rule_problems);
    }
    let by_path: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    for problem in rule_problems {
        problems.push(locate(&problem, items, guides, &by_path));
    }
}

// ---------------------------------------------------------------------------
// Writing

pub fn item_path(item: &Item) -> String {
    format!("{ITEMS_DIR}/{}/{}.md", item.kind.key(), item.slug)
}

pub fn timeline_path(entry: &TimelineEntry) -> String {
    format!("{TIMELINE_DIR}/{}.md", entry.slug)
}

/// Writes a model as files, sorted by path. [`read_bundle`] reads them back unchanged.
pub fn write_bundle(bundle: &ModelBundle) -> Vec<SourceFile> {
    let mut files = Vec::new();
    let tenant = &bundle.tenant;
    let text_file = |t: &TenantText| TenantTextFile {
        name: t.name.clone(),
        model_name: t.model_name.clone(),
        intro: t.intro.clone(),
        levels: t.levels.as_ref().map(|l| LevelNamesFile {
            municipality: l.municipality.clone(),
            service: l.service.clone(),
            individual: l.individual.clone(),
        }),
        accessibility_shortcomings: t.accessibility_shortcomings.clone(),
    };
    let tenant_file = TenantFile {
        slug: tenant.slug.clone(),
        default_language: tenant.default_lang.code().into(),
        municipality_numbers: tenant.municipality_numbers.clone(),
        primary_colour: tenant.primary_colour.clone(),
        logo: tenant.logo.as_ref().map(|l| l.file_name.clone()),
        contact_email: tenant.contact_email.clone(),
        child_welfare: tenant.child_welfare.clone(),
        child_welfare_out_of_hours: tenant.child_welfare_out_of_hours.clone(),
        search_synonyms: tenant.search_synonyms.clone(),
        evaluation: (tenant.evaluation != EvaluationSettings::default()).then(|| EvaluationFile {
            threshold: tenant.evaluation.threshold,
            public: tenant.evaluation.public_figures.clone(),
        }),
        relay_log: (tenant.relay != RelaySettings::default()).then(|| RelayLogFile {
            youth_consent_age: tenant.relay.youth_consent_age,
            retention_days: tenant.relay.retention_days,
            privacy_page: tenant.relay.privacy_page.clone(),
        }),
        accessibility: (tenant.accessibility != Accessibility::default()).then(|| {
            AccessibilityFile {
                date: tenant.accessibility.date.map(format_iso_date),
                statement_url: tenant.accessibility.statement_url.clone(),
            }
        }),
        nb: tenant.text.nb.as_ref().map(text_file),
        nn: tenant.text.nn.as_ref().map(text_file),
        priorities: tenant
            .priorities
            .iter()
            .map(|p| PriorityFile {
                key: p.key.clone(),
                nb: p.label.nb.clone(),
                nn: p.label.nn.clone(),
            })
            .collect(),
    };
    files.push(SourceFile {
        path: TENANT_FILE.into(),
        bytes: to_toml(&tenant_file).into_bytes(),
    });
    if let Some(logo) = &tenant.logo {
        files.push(SourceFile {
            path: logo.file_name.clone(),
            bytes: logo.bytes.clone(),
        });
    }
    let about = write_sections(&tenant.about);
    if !about.is_empty() {
        files.push(SourceFile {
            path: ABOUT_FILE.into(),
            bytes: about.into_bytes(),
        });
    }
    for item in &bundle.items {
        files.push(SourceFile {
            path: item_path(item),
            bytes: write_item(item).into_bytes(),
        });
        for a in &item.attachments {
            files.push(SourceFile {
                path: format!("{FILES_DIR}/{}/{}", item.slug, a.file.file_name),
                bytes: a.file.bytes.clone(),
            });
        }
    }
    for entry in &bundle.timeline {
        let file = TimelineFile {
            date: format_iso_date(entry.date),
            status: entry.status.key().into(),
            nb: entry.text.nb.as_ref().map(|t| TitleFile {
                title: t.title.clone(),
            }),
            nn: entry.text.nn.as_ref().map(|t| TitleFile {
                title: t.title.clone(),
            }),
        };
        let bodies = body_map(&entry.text, |t| &t.body);
        files.push(SourceFile {
            path: timeline_path(entry),
            bytes: with_front_matter(&file, &bodies).into_bytes(),
        });
    }
    guide::write_guides(&bundle.guides, &mut files);
    form::write_forms(&bundle.forms, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn write_item(item: &Item) -> String {
    let text_file = |t: &ItemText| ItemTextFile {
        title: t.title.clone(),
        summary: t.summary.clone(),
        opening_hours: t.opening_hours.clone(),
    };
    let keys_of = |keys: Vec<&str>| keys.into_iter().map(String::from).collect();
    let file = ItemFile {
        levels: keys_of(item.levels.iter().map(|l| l.key()).collect()),
        target_groups: keys_of(item.target_groups.iter().map(|t| t.key()).collect()),
        prevention: keys_of(item.prevention.iter().map(|p| p.key()).collect()),
        owner: item.owner.clone(),
        review_date: item.review_date.map(format_iso_date),
        status: item.status.key().into(),
        priorities: item.priorities.clone(),
        form: item.form.clone(),
        nb: item.text.nb.as_ref().map(text_file),
        nn: item.text.nn.as_ref().map(text_file),
        contact: item.contact.as_ref().map(|c| ContactFile {
            phone: c.phone.clone(),
            email: c.email.clone(),
            address: c.address.clone(),
            web: c.web.clone(),
        }),
        relations: item
            .relations
            .iter()
            .map(|r| RelationFile {
                kind: r.kind.key().into(),
                to: r.to.clone(),
            })
            .collect(),
        attachments: item
            .attachments
            .iter()
            .map(|a| AttachmentFile {
                file: a.file.file_name.clone(),
                nb: a.title.nb.clone(),
                nn: a.title.nn.clone(),
            })
            .collect(),
    };
    with_front_matter(&file, &body_map(&item.text, |t| &t.body))
}

fn body_map<T>(texts: &ByLang<T>, body: impl Fn(&T) -> &String) -> ByLang<String> {
    ByLang {
        nb: texts.nb.as_ref().map(&body).cloned(),
        nn: texts.nn.as_ref().map(&body).cloned(),
    }
}

fn to_toml<T: Serialize>(value: &T) -> String {
    // Every file shape is a struct of strings, lists and tables, which TOML can express.
    toml::to_string(value).expect("file shapes always serialize to TOML")
}

fn with_front_matter<T: Serialize>(front: &T, bodies: &ByLang<String>) -> String {
    format!("+++\n{}+++\n{}", to_toml(front), write_sections(bodies))
}

fn write_sections(bodies: &ByLang<String>) -> String {
    Lang::ALL
        .iter()
        .filter_map(|lang| {
            let body = bodies.get(*lang).filter(|b| !b.is_empty())?;
            Some(format!("<!-- {lang} -->\n{body}\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
