//! The model's rules for text, links and files: what every field may hold, checked the
//! same way wherever a model comes from (model files today, the browser editor next).
//!
//! The checks return typed problems with where they are ([`ModelProblem`]); the file
//! reader turns them into a file and line, an editor into a message at the field.

use crate::forms::FormWording;
use crate::lang::{ByLang, Lang};
use crate::model::*;
use std::fmt;

/// Limits on what a model may hold. Documented in `docs/model-files.md`.
pub mod limits {
    /// One-line names: tenant and model names, titles, level names, labels.
    pub const NAME: usize = 200;
    /// One-line summaries and short texts: summaries, questions, responsible, deadline.
    pub const SUMMARY: usize = 600;
    /// The tenant's introduction (one paragraph, one line in the file).
    pub const INTRO: usize = 1_000;
    /// A Markdown body.
    pub const BODY: usize = 100_000;
    /// Contact details: phone, e-mail, address, opening hours.
    pub const CONTACT: usize = 200;
    /// A web address.
    pub const LINK: usize = 2_000;
    /// A Markdown or TOML file of the model.
    pub const TEXT_FILE_BYTES: usize = 512 * 1024;
    /// An attachment.
    pub const ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
    /// The tenant's logo.
    pub const LOGO_BYTES: usize = 1024 * 1024;
    /// The largest file of any kind; a folder reader need not read further than this.
    pub const ANY_FILE_BYTES: usize = ATTACHMENT_BYTES;
    /// All files of a model together.
    pub const MODEL_BYTES: usize = 200 * 1024 * 1024;
    /// Files in a model folder.
    pub const FILES: usize = 5_000;
    pub const ITEMS: usize = 2_000;
    pub const TIMELINE_ENTRIES: usize = 1_000;
    pub const GUIDES: usize = 50;
    pub const STEPS_PER_GUIDE: usize = 100;
    /// Relations, attachments, questions, decisions and similar lists per object.
    pub const LIST: usize = 100;
}

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    Empty,
    TooLong {
        max: usize,
    },
    /// A one-line field holds a line break.
    LineBreak,
    /// A control character other than line break and tab.
    ControlCharacter {
        code: u32,
    },
    /// A body line that would read as a language marker.
    LanguageMarker,
    /// A link with a scheme other than https, http, mailto and tel.
    UnsafeLink {
        link: String,
    },
    /// A web address that is not an absolute https or http address.
    NotWebAddress,
    NotEmailAddress,
    NotPhoneNumber,
    TooMany {
        max: usize,
    },
    FileTooLarge {
        max: usize,
    },
    /// The file's content is not what its name says.
    FileContent {
        expected: &'static str,
    },
    /// A file type that may not be attached.
    FileType,
    /// A reference to something the model does not have.
    UnknownReference {
        reference: String,
    },
    /// A reference to an item that must be a service and is not.
    NotAService {
        reference: String,
    },
    /// A relation from an item to itself.
    SelfRelation,
    /// The same relation twice.
    DuplicateRelation {
        reference: String,
    },
    /// A slug (an address) not of the allowed form.
    InvalidSlug,
    /// A slug another object already has.
    SlugTaken,
    /// No text in the tenant's default language.
    MissingDefaultLanguage,
    /// A date not of the form YYYY-MM-DD.
    NotADate,
    /// Not a whole number in the range allowed.
    NotANumber,
    /// A file name with characters other than a–z, A–Z, 0–9, `.`, `-` and `_`.
    InvalidFileName,
    /// A file of that name is already attached.
    FileExists,
    /// No file was chosen.
    NoFile,
    /// A service other parts of the model rely on being one (as owner or contact).
    ServiceInUse,
    /// An action guide without the path for suspected violence or abuse.
    NoUrgentPath,
    /// A step other steps' decisions lead to.
    StepInUse,
    /// A colour not of the form `#rrggbb`.
    NotAColour,
    /// Removed while other content still uses it.
    InUse,
    /// A text the form does not have.
    UnknownText {
        key: String,
    },
    /// A group of search synonyms with fewer than two terms, or a term with a comma.
    SynonymGroup,
}

impl FieldProblem {
    /// Text that occurs on the line the problem is on, to point at it in a file.
    pub fn needle(&self) -> Option<String> {
        match self {
            FieldProblem::ControlCharacter { code } => char::from_u32(*code).map(String::from),
            FieldProblem::UnsafeLink { link } => Some(link.chars().take(40).collect()),
            FieldProblem::UnknownReference { reference }
            | FieldProblem::NotAService { reference }
            | FieldProblem::DuplicateRelation { reference } => Some(format!("\"{reference}\"")),
            FieldProblem::UnknownText { key } => Some(format!("{key} =")),
            _ => None,
        }
    }
}

/// In bokmål, as the file reader reports it.
impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Empty => f.write_str("kan ikke være tom"),
            FieldProblem::TooLong { max } => write!(f, "er for lang: høyst {max} tegn"),
            FieldProblem::LineBreak => f.write_str("må være én linje, uten linjeskift"),
            FieldProblem::ControlCharacter { code } => {
                write!(f, "inneholder et kontrolltegn (U+{code:04X}); bare linjeskift og tabulator er tillatt")
            }
            FieldProblem::LanguageMarker => {
                f.write_str("en linje i teksten er et språkmerke (<!-- nb --> eller <!-- nn -->)")
            }
            FieldProblem::UnsafeLink { link } => write!(
                f,
                "lenken «{}» er ikke tillatt: bare https, http, mailto og tel kan brukes",
                link.chars().take(60).collect::<String>()
            ),
            FieldProblem::NotWebAddress => {
                f.write_str("må være en nettadresse som begynner med https:// eller http://")
            }
            FieldProblem::NotEmailAddress => f.write_str("er ikke en e-postadresse"),
            FieldProblem::NotPhoneNumber => {
                f.write_str("er ikke et telefonnummer: bruk sifre, mellomrom, +, - og parenteser")
            }
            FieldProblem::TooMany { max } => write!(f, "har for mange: høyst {max}"),
            FieldProblem::FileTooLarge { max } => {
                write!(f, "filen er for stor: høyst {}", human_bytes(*max))
            }
            FieldProblem::FileContent { expected } => {
                write!(f, "innholdet i filen er ikke {expected}, slik filnavnet sier")
            }
            FieldProblem::FileType => f.write_str(
                "denne filtypen kan ikke legges ved: bruk pdf, png, jpg, txt, md, docx, odt eller xlsx",
            ),
            FieldProblem::UnknownReference { reference } => write!(f, "«{reference}» finnes ikke"),
            FieldProblem::NotAService { reference } => {
                write!(f, "«{reference}» er ikke en tjeneste")
            }
            FieldProblem::SelfRelation => f.write_str("en relasjon kan ikke gå til innholdet selv"),
            FieldProblem::DuplicateRelation { reference } => {
                write!(f, "relasjonen til «{reference}» står to ganger")
            }
            FieldProblem::InvalidSlug => f.write_str(
                "må ha 2–80 tegn: små bokstaver a–z, sifre og bindestrek, ikke bindestrek først eller sist",
            ),
            FieldProblem::SlugTaken => f.write_str("er allerede brukt av annet innhold"),
            FieldProblem::MissingDefaultLanguage => f.write_str("mangler tekst på standardspråket"),
            FieldProblem::NotADate => f.write_str("er ikke en dato på formen ÅÅÅÅ-MM-DD"),
            FieldProblem::NotANumber => f.write_str("er ikke et helt tall i det tillatte området"),
            FieldProblem::InvalidFileName => f.write_str(
                "filnavnet kan bare ha bokstavene a–z, sifre, punktum, bindestrek og understrek",
            ),
            FieldProblem::FileExists => f.write_str("en fil med det navnet er allerede lagt ved"),
            FieldProblem::NoFile => f.write_str("ingen fil er valgt"),
            FieldProblem::UnknownText { key } => {
                write!(f, "skjemaet har ingen tekst «{key}»")
            }
            FieldProblem::SynonymGroup => f.write_str(
                "en gruppe må ha minst to ord eller uttrykk, og et ord eller uttrykk kan ikke ha komma",
            ),
            FieldProblem::ServiceInUse => {
                f.write_str("må være en tjeneste: annet innhold eller innstillingene viser til den som tjeneste")
            }
            FieldProblem::NoUrgentPath => f.write_str(
                "veilederen mangler stegen for mistanke om vold eller overgrep: et steg på nivå 0 som haster \
                 (urgent = true) med en beslutning som fører til bekymringsmelding eller politi",
            ),
            FieldProblem::NotAColour => f.write_str("må være en farge på formen #rrggbb"),
            FieldProblem::InUse => f.write_str("er i bruk i annet innhold og kan ikke fjernes"),
            FieldProblem::StepInUse => {
                f.write_str("andre steg har beslutninger som fører hit; endre dem først")
            }
        }
    }
}

fn human_bytes(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} kB", bytes / 1024)
    }
}

// ---------------------------------------------------------------------------
// Text

/// Checks a one-line field: no line breaks, no control characters, at most `max` chars.
pub fn check_line(value: &str, max: usize) -> Option<FieldProblem> {
    if value.contains(['\n', '\r']) {
        return Some(FieldProblem::LineBreak);
    }
    check_text(value, max)
}

/// Checks a one-line field that must not be empty.
pub fn check_required_line(value: &str, max: usize) -> Option<FieldProblem> {
    if value.trim().is_empty() {
        return Some(FieldProblem::Empty);
    }
    check_line(value, max)
}

/// Checks a multi-line text: line breaks and tabs are allowed, other control characters
/// are not (PostgreSQL cannot store NUL in text, and the others have no place in a text).
pub fn check_text(value: &str, max: usize) -> Option<FieldProblem> {
    if let Some(c) = value.chars().find(|c| is_forbidden_control(*c)) {
        return Some(FieldProblem::ControlCharacter { code: c as u32 });
    }
    if value.chars().count() > max {
        return Some(FieldProblem::TooLong { max });
    }
    None
}

fn is_forbidden_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Checks a Markdown body: a text, no line that reads as a language marker, and every
/// link and image with an allowed scheme.
pub fn check_body(value: &str) -> Vec<FieldProblem> {
    let mut problems: Vec<FieldProblem> = check_text(value, limits::BODY).into_iter().collect();
    if value.lines().any(is_language_marker) {
        problems.push(FieldProblem::LanguageMarker);
    }
    for link in markdown_links(value) {
        if safe_link(&link).is_none() {
            problems.push(FieldProblem::UnsafeLink { link });
        }
    }
    problems
}

/// A line that the model files use to start a language's section of a body.
pub fn is_language_marker(line: &str) -> bool {
    Lang::ALL
        .iter()
        .any(|lang| line.trim_end() == language_marker(*lang))
}

pub fn language_marker(lang: Lang) -> String {
    format!("<!-- {lang} -->")
}

/// Every link and image destination in a Markdown text.
pub fn markdown_links(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    Parser::new_ext(markdown, pulldown_cmark::Options::all())
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Links

/// The schemes a link may have.
pub const LINK_SCHEMES: [&str; 4] = ["https", "http", "mailto", "tel"];

/// The one rule for every link the model holds: returns the link as it may be put in an
/// `href`, or `None`. The scheme is found as a browser finds it (after trimming spaces and
/// control characters, case-folded); a link without a scheme is relative to the site.
pub fn safe_link(raw: &str) -> Option<&str> {
    let link = raw.trim_matches(|c: char| c <= ' ');
    if link.is_empty() || link.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    match scheme_of(link) {
        Some(scheme) if LINK_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) => Some(link),
        Some(_) => None,
        // "//host" and "\\host" leave the site without a scheme; only links may do that,
        // and they may as well say which scheme.
        None if link.starts_with("//") || link.starts_with("\\\\") || link.starts_with("/\\") => {
            None
        }
        None => Some(link),
    }
}

/// The scheme of a URL (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`, then `:`
/// before any `/`, `?` or `#`), if it has one.
fn scheme_of(link: &str) -> Option<&str> {
    let end = link.find([':', '/', '?', '#'])?;
    if link.as_bytes()[end] != b':' {
        return None;
    }
    let scheme = &link[..end];
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (first_is_letter && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some(scheme)
}

/// An absolute web address (https or http with a host), for a service's web site.
pub fn check_web_address(value: &str) -> Option<FieldProblem> {
    if let Some(p) = check_line(value, limits::LINK) {
        return Some(p);
    }
    let Some(link) = safe_link(value) else {
        return Some(FieldProblem::UnsafeLink {
            link: value.to_string(),
        });
    };
    let lower = link.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['/', '\\']) => None,
        _ => Some(FieldProblem::NotWebAddress),
    }
}

pub fn check_email(value: &str) -> Option<FieldProblem> {
    if let Some(p) = check_line(value, limits::CONTACT) {
        return Some(p);
    }
    let ok = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !value.contains(|c: char| c.is_whitespace() || "<>\"'(),;:\\[]?&=/".contains(c))
    });
    (!ok).then_some(FieldProblem::NotEmailAddress)
}

pub fn check_phone(value: &str) -> Option<FieldProblem> {
    if let Some(p) = check_line(value, limits::CONTACT) {
        return Some(p);
    }
    let ok = value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    (!ok).then_some(FieldProblem::NotPhoneNumber)
}

/// The `href` for an e-mail address that passed [`check_email`].
pub fn mailto_href(email: &str) -> Option<String> {
    check_email(email)
        .is_none()
        .then(|| format!("mailto:{email}"))
}

/// The `href` for a phone number that passed [`check_phone`].
pub fn tel_href(phone: &str) -> Option<String> {
    check_phone(phone).is_none().then(|| {
        let digits: String = phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{digits}")
    })
}

/// The `href` for a web address that passed [`check_web_address`].
pub fn web_href(web: &str) -> Option<&str> {
    check_web_address(web).is_none().then(|| web.trim())
}

/// How a Markdown text refers to an attachment of the model: `filer/<item>/<file>`,
/// as the file lies in the model folder. Only such images are shown as images.
pub fn attachment_reference(dest: &str) -> Option<(&str, &str)> {
    let rest = dest.strip_prefix("filer/")?;
    let (item, file) = rest.split_once('/')?;
    (crate::slug::is_valid(item) && !file.is_empty() && !file.contains(['/', '\\']))
        .then_some((item, file))
}

// ---------------------------------------------------------------------------
// Files

/// Whether a file name may be used for a file of the model: 1–100 characters of
/// a–z, A–Z, 0–9, `.`, `-` and `_`, not starting with `.`.
pub fn is_safe_file_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// What an attached file may be: its type by name, confirmed by its content.
pub fn check_attachment(file_name: &str, bytes: &[u8]) -> Option<FieldProblem> {
    if bytes.len() > limits::ATTACHMENT_BYTES {
        return Some(FieldProblem::FileTooLarge {
            max: limits::ATTACHMENT_BYTES,
        });
    }
    let ext = extension(file_name);
    let expected = match ext.as_str() {
        "pdf" => ("en PDF", bytes.starts_with(b"%PDF-")),
        "png" => ("et PNG-bilde", is_png(bytes)),
        "jpg" | "jpeg" => ("et JPEG-bilde", bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
        "docx" | "xlsx" | "odt" => ("et Office-dokument", bytes.starts_with(b"PK\x03\x04")),
        "txt" | "md" => (
            "tekst i UTF-8",
            std::str::from_utf8(bytes).is_ok_and(|t| check_text(t, usize::MAX).is_none()),
        ),
        _ => return Some(FieldProblem::FileType),
    };
    (!expected.1).then_some(FieldProblem::FileContent {
        expected: expected.0,
    })
}

/// The logo: an SVG or PNG image, checked by content.
pub fn check_logo(file_name: &str, bytes: &[u8]) -> Option<FieldProblem> {
    if bytes.len() > limits::LOGO_BYTES {
        return Some(FieldProblem::FileTooLarge {
            max: limits::LOGO_BYTES,
        });
    }
    let ok = match extension(file_name).as_str() {
        "png" => is_png(bytes),
        "svg" => std::str::from_utf8(bytes).is_ok_and(|t| t.contains("<svg")),
        _ => return Some(FieldProblem::FileType),
    };
    (!ok).then_some(FieldProblem::FileContent {
        expected: "et SVG- eller PNG-bilde",
    })
}

/// Whether an attachment is an image that a page may show.
pub fn is_image(file_name: &str) -> bool {
    matches!(extension(file_name).as_str(), "png" | "jpg" | "jpeg")
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

fn extension(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The model

/// Where in a model a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Model,
    Tenant,
    About,
    Item(String),
    Timeline(String),
    Guide(String),
    Step {
        guide: String,
        step: String,
    },
    /// A tenant's wording of the form with this key.
    Form(String),
}

/// A problem with one field of one object of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelProblem {
    pub place: Place,
    /// The language of the text, for texts that exist per language.
    pub lang: Option<Lang>,
    /// The field as the model files name it, e.g. `title`, `web`, `body`.
    pub field: &'static str,
    pub problem: FieldProblem,
}

/// Collects problems for one object.
struct Checker<'a> {
    place: Place,
    problems: &'a mut Vec<ModelProblem>,
}

impl Checker<'_> {
    fn push(&mut self, lang: Option<Lang>, field: &'static str, problem: Option<FieldProblem>) {
        if let Some(problem) = problem {
            self.problems.push(ModelProblem {
                place: self.place.clone(),
                lang,
                field,
                problem,
            });
        }
    }

    fn body(&mut self, lang: Lang, value: &str) {
        for problem in check_body(value) {
            self.push(Some(lang), "body", Some(problem));
        }
    }

    fn count(&mut self, field: &'static str, count: usize, max: usize) {
        self.push(
            None,
            field,
            (count > max).then_some(FieldProblem::TooMany { max }),
        );
    }

    /// Checks a value that exists per language.
    fn per_lang<T>(&mut self, values: &ByLang<T>, mut check: impl FnMut(&mut Self, Lang, &T)) {
        for lang in Lang::ALL {
            if let Some(value) = values.get(lang) {
                check(self, lang, value);
            }
        }
    }
}

/// Every rule for every field of a whole model.
pub fn check_bundle(bundle: &ModelBundle) -> Vec<ModelProblem> {
    let mut problems = Vec::new();
    let mut model = Checker {
        place: Place::Model,
        problems: &mut problems,
    };
    model.count("innhold", bundle.items.len(), limits::ITEMS);
    model.count("tidslinje", bundle.timeline.len(), limits::TIMELINE_ENTRIES);
    model.count("handlingsveileder", bundle.guides.len(), limits::GUIDES);
    check_tenant(&bundle.tenant, &mut problems);
    for item in &bundle.items {
        check_item(item, &mut problems);
    }
    for entry in &bundle.timeline {
        check_timeline(entry, &mut problems);
    }
    for guide in &bundle.guides {
        check_guide(guide, &mut problems);
    }
    for wording in &bundle.forms {
        check_form_wording(wording, &mut problems);
    }
    problems
}

/// A tenant's wording of a form: a form Saman has, texts the form has, each one line
/// or a paragraph as the text is, never empty (a text left out is Saman's).
pub fn check_form_wording(wording: &FormWording, problems: &mut Vec<ModelProblem>) {
    let mut c = Checker {
        place: Place::Form(wording.form.clone()),
        problems,
    };
    let Some(form) = crate::forms::form(&wording.form) else {
        c.push(
            None,
            "form",
            Some(FieldProblem::UnknownReference {
                reference: wording.form.clone(),
            }),
        );
        return;
    };
    c.per_lang(&wording.text, |c, lang, texts| {
        for (key, value) in texts {
            let Some(text) = form.text(key) else {
                c.push(
                    Some(lang),
                    "text",
                    Some(FieldProblem::UnknownText { key: key.clone() }),
                );
                continue;
            };
            let problem = if text.role.is_line() {
                check_required_line(value, text.role.max_chars())
            } else if value.trim().is_empty() {
                Some(FieldProblem::Empty)
            } else {
                check_text(value, text.role.max_chars())
            };
            c.push(Some(lang), &text.key, problem);
        }
    });
}

/// Whether a colour is of the form `#rrggbb`.
pub fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn check_tenant(tenant: &Tenant, problems: &mut Vec<ModelProblem>) {
    let mut c = Checker {
        place: Place::Tenant,
        problems,
    };
    if let Some(colour) = &tenant.primary_colour {
        c.push(
            None,
            "primary_colour",
            (!is_hex_colour(colour)).then_some(FieldProblem::NotAColour),
        );
    }
    c.per_lang(&tenant.text, |c, lang, t| {
        let l = Some(lang);
        c.push(l, "name", check_required_line(&t.name, limits::NAME));
        c.push(
            l,
            "model_name",
            check_required_line(&t.model_name, limits::NAME),
        );
        c.push(l, "intro", check_line(&t.intro, limits::INTRO));
        if let Some(levels) = &t.levels {
            for name in [&levels.municipality, &levels.service, &levels.individual] {
                c.push(l, "levels", check_required_line(name, limits::NAME));
            }
        }
        for problem in check_body(&t.accessibility_shortcomings) {
            c.push(l, "accessibility_shortcomings", Some(problem));
        }
    });
    if let Some(url) = &tenant.accessibility.statement_url {
        let problem = check_web_address(url).or_else(|| {
            (!url.trim().to_ascii_lowercase().starts_with("https://"))
                .then_some(FieldProblem::NotWebAddress)
        });
        c.push(None, "statement_url", problem);
    }
    if let Some(email) = &tenant.contact_email {
        c.push(None, "contact_email", check_email(email));
    }
    if let Some(logo) = &tenant.logo {
        c.push(None, "logo", check_logo(&logo.file_name, &logo.bytes));
    }
    c.count("priorities", tenant.priorities.len(), limits::LIST);
    c.count(
        "search_synonyms",
        tenant.search_synonyms.len(),
        limits::LIST,
    );
    let threshold = crate::evaluation::MIN_THRESHOLD..=crate::evaluation::MAX_THRESHOLD;
    c.push(
        None,
        "evaluation_threshold",
        (!threshold.contains(&tenant.evaluation.threshold)).then_some(FieldProblem::NotANumber),
    );
    for key in &tenant.evaluation.public_figures {
        c.push(
            None,
            "evaluation_public",
            crate::evaluation::Figure::from_key(key).is_none().then(|| {
                FieldProblem::UnknownReference {
                    reference: key.clone(),
                }
            }),
        );
    }
    for group in &tenant.search_synonyms {
        let malformed = group.len() < 2 || group.iter().any(|t| t.contains(','));
        c.push(
            None,
            "search_synonyms",
            malformed.then_some(FieldProblem::SynonymGroup),
        );
        c.count("search_synonyms", group.len(), 20);
        for term in group {
            c.push(
                None,
                "search_synonyms",
                check_required_line(term, limits::NAME),
            );
        }
    }
    for priority in &tenant.priorities {
        c.per_lang(&priority.label, |c, lang, label| {
            c.push(
                Some(lang),
                "priorities",
                check_required_line(label, limits::NAME),
            );
        });
    }
    let mut about = Checker {
        place: Place::About,
        problems: c.problems,
    };
    about.per_lang(&tenant.about, |c, lang, body| c.body(lang, body));
}

pub fn check_item(item: &Item, problems: &mut Vec<ModelProblem>) {
    let mut c = Checker {
        place: Place::Item(item.slug.clone()),
        problems,
    };
    c.per_lang(&item.text, |c, lang, t| {
        let l = Some(lang);
        c.push(l, "title", check_required_line(&t.title, limits::NAME));
        c.push(l, "summary", check_line(&t.summary, limits::SUMMARY));
        if let Some(hours) = &t.opening_hours {
            c.push(l, "opening_hours", check_line(hours, limits::CONTACT));
        }
        c.body(lang, &t.body);
    });
    if let Some(contact) = &item.contact {
        let fields = [
            (
                "phone",
                contact.phone.as_deref(),
                check_phone as fn(&str) -> _,
            ),
            ("email", contact.email.as_deref(), check_email),
            ("address", contact.address.as_deref(), |v| {
                check_line(v, limits::CONTACT)
            }),
            ("web", contact.web.as_deref(), check_web_address),
        ];
        for (field, value, check) in fields {
            if let Some(value) = value {
                c.push(None, field, check(value));
            }
        }
    }
    c.count("relations", item.relations.len(), limits::LIST);
    c.count("attachments", item.attachments.len(), limits::LIST);
    for attachment in &item.attachments {
        let file = &attachment.file;
        c.push(
            None,
            "attachments",
            check_attachment(&file.file_name, &file.bytes),
        );
        c.per_lang(&attachment.title, |c, lang, title| {
            c.push(
                Some(lang),
                "attachments",
                check_required_line(title, limits::NAME),
            );
        });
    }
}

/// What a model holds that an item may refer to: the items by slug, with their kind,
/// and the tenant's priorities.
pub struct References<'a> {
    kinds: std::collections::HashMap<&'a str, Kind>,
    priorities: std::collections::BTreeSet<&'a str>,
}

impl<'a> References<'a> {
    pub fn new(tenant: &'a Tenant, items: impl IntoIterator<Item = &'a Item>) -> Self {
        References {
            kinds: items
                .into_iter()
                .map(|i| (i.slug.as_str(), i.kind))
                .collect(),
            priorities: tenant.priorities.iter().map(|p| p.key.as_str()).collect(),
        }
    }

    pub fn kind_of(&self, slug: &str) -> Option<Kind> {
        self.kinds.get(slug).copied()
    }
}

/// Checks what an item refers to: its owner is a service, its relations go to other
/// items that exist, once each, and its priorities are the tenant's.
pub fn check_item_references(item: &Item, refs: &References, problems: &mut Vec<ModelProblem>) {
    let mut c = Checker {
        place: Place::Item(item.slug.clone()),
        problems,
    };
    if let Some(owner) = &item.owner {
        c.push(None, "owner", service_problem(refs, owner));
    }
    let mut seen = std::collections::BTreeSet::new();
    for relation in &item.relations {
        let reference = relation.to.clone();
        let problem = if relation.to == item.slug {
            Some(FieldProblem::SelfRelation)
        } else if refs.kind_of(&relation.to).is_none() {
            Some(FieldProblem::UnknownReference { reference })
        } else if !seen.insert((relation.kind, relation.to.as_str())) {
            Some(FieldProblem::DuplicateRelation { reference })
        } else {
            None
        };
        c.push(None, "relations", problem);
    }
    for key in &item.priorities {
        if !refs.priorities.contains(key.as_str()) {
            c.push(
                None,
                "priorities",
                Some(FieldProblem::UnknownReference {
                    reference: key.clone(),
                }),
            );
        }
    }
    if let Some(form) = &item.form
        && crate::forms::form(form).is_none()
    {
        c.push(
            None,
            "form",
            Some(FieldProblem::UnknownReference {
                reference: form.clone(),
            }),
        );
    }
}

pub fn check_timeline(entry: &TimelineEntry, problems: &mut Vec<ModelProblem>) {
    let mut c = Checker {
        place: Place::Timeline(entry.slug.clone()),
        problems,
    };
    c.per_lang(&entry.text, |c, lang, t| {
        c.push(
            Some(lang),
            "title",
            check_required_line(&t.title, limits::NAME),
        );
        c.body(lang, &t.body);
    });
}

pub fn check_guide(guide: &Guide, problems: &mut Vec<ModelProblem>) {
    let mut c = Checker {
        place: Place::Guide(guide.slug.clone()),
        problems,
    };
    c.per_lang(&guide.text, |c, lang, t| {
        c.push(
            Some(lang),
            "title",
            check_required_line(&t.title, limits::NAME),
        );
        c.push(
            Some(lang),
            "summary",
            check_line(&t.summary, limits::SUMMARY),
        );
        c.body(lang, &t.body);
    });
    for level in &guide.levels {
        c.per_lang(&level.name, |c, lang, name| {
            c.push(
                Some(lang),
                "levels",
                check_required_line(name, limits::NAME),
            );
        });
    }
    c.count("steps", guide.steps.len(), limits::STEPS_PER_GUIDE);
    for step in &guide.steps {
        check_step(&guide.slug, step, c.problems);
    }
}

/// Checks what the tenant's settings refer to: the child welfare services are services,
/// the privacy page exists, and the default language has its texts.
pub fn check_tenant_references(
    tenant: &Tenant,
    refs: &References,
    problems: &mut Vec<ModelProblem>,
) {
    let mut c = Checker {
        place: Place::Tenant,
        problems,
    };
    for (field, value) in [
        ("child_welfare", &tenant.child_welfare),
        (
            "child_welfare_out_of_hours",
            &tenant.child_welfare_out_of_hours,
        ),
    ] {
        if let Some(slug) = value {
            c.push(None, field, service_problem(refs, slug));
        }
    }
    if let Some(slug) = &tenant.relay.privacy_page
        && refs.kind_of(slug).is_none()
    {
        c.push(
            None,
            "privacy_page",
            Some(FieldProblem::UnknownReference {
                reference: slug.clone(),
            }),
        );
    }
    if tenant.text.get(tenant.default_lang).is_none() {
        c.push(
            Some(tenant.default_lang),
            "name",
            Some(FieldProblem::MissingDefaultLanguage),
        );
    }
}

/// Checks what a guide refers to and needs: its owner is a service, its steps' tools
/// and routines exist, decisions lead to steps of the guide, the default language is
/// there, and level 0 has the urgent path for suspected violence or abuse.
pub fn check_guide_references(
    guide: &Guide,
    refs: &References,
    default_lang: Lang,
    problems: &mut Vec<ModelProblem>,
) {
    let mut c = Checker {
        place: Place::Guide(guide.slug.clone()),
        problems,
    };
    if let Some(owner) = &guide.owner {
        c.push(None, "owner", service_problem(refs, owner));
    }
    if guide.text.get(default_lang).is_none() {
        c.push(
            Some(default_lang),
            "title",
            Some(FieldProblem::MissingDefaultLanguage),
        );
    }
    if !has_urgent_path(guide) {
        c.push(None, "steps", Some(FieldProblem::NoUrgentPath));
    }
    for step in &guide.steps {
        let mut c = Checker {
            place: Place::Step {
                guide: guide.slug.clone(),
                step: step.slug.clone(),
            },
            problems: c.problems,
        };
        for (field, slugs) in [("tools", &step.tools), ("relies_on", &step.relies_on)] {
            for slug in slugs {
                let unknown =
                    refs.kind_of(slug)
                        .is_none()
                        .then(|| FieldProblem::UnknownReference {
                            reference: slug.clone(),
                        });
                c.push(None, field, unknown);
            }
        }
        for decision in &step.decisions {
            if let DecisionTarget::Step(target) = &decision.target
                && guide.step(target).is_none()
            {
                c.push(
                    None,
                    "decisions",
                    Some(FieldProblem::UnknownReference {
                        reference: target.clone(),
                    }),
                );
            }
        }
        if step.text.get(default_lang).is_none() {
            c.push(
                Some(default_lang),
                "title",
                Some(FieldProblem::MissingDefaultLanguage),
            );
        }
    }
}

/// Whether level 0 has an urgent step with a decision to report or call the police.
pub fn has_urgent_path(guide: &Guide) -> bool {
    guide.steps.iter().any(|s| {
        s.urgent
            && s.level == 0
            && s.decisions.iter().any(|d| {
                matches!(
                    d.target,
                    DecisionTarget::Outcome(Outcome::ReportOfConcern | Outcome::Police)
                )
            })
    })
}

/// The slugs of the steps whose decisions lead to `step`.
pub fn steps_leading_to<'a>(guide: &'a Guide, step: &str) -> Vec<&'a str> {
    guide
        .steps
        .iter()
        .filter(|s| s.slug != step)
        .filter(|s| {
            s.decisions
                .iter()
                .any(|d| d.target == DecisionTarget::Step(step.to_string()))
        })
        .map(|s| s.slug.as_str())
        .collect()
}

fn service_problem(refs: &References, slug: &str) -> Option<FieldProblem> {
    match refs.kind_of(slug) {
        Some(Kind::Service) => None,
        Some(_) => Some(FieldProblem::NotAService {
            reference: slug.to_string(),
        }),
        None => Some(FieldProblem::UnknownReference {
            reference: slug.to_string(),
        }),
    }
}

fn check_step(guide: &str, step: &Step, problems: &mut Vec<ModelProblem>) {
    let mut c = Checker {
        place: Place::Step {
            guide: guide.to_string(),
            step: step.slug.clone(),
        },
        problems,
    };
    c.per_lang(&step.text, |c, lang, t| {
        let l = Some(lang);
        c.push(l, "title", check_required_line(&t.title, limits::NAME));
        c.push(l, "summary", check_line(&t.summary, limits::SUMMARY));
        c.push(
            l,
            "responsible",
            check_line(&t.responsible, limits::SUMMARY),
        );
        if let Some(deadline) = &t.deadline {
            c.push(l, "deadline", check_line(deadline, limits::SUMMARY));
        }
        c.count("questions", t.questions.len(), limits::LIST);
        for question in &t.questions {
            c.push(
                l,
                "questions",
                check_required_line(question, limits::SUMMARY),
            );
        }
        c.body(lang, &t.body);
    });
    c.count("decisions", step.decisions.len(), limits::LIST);
    for decision in &step.decisions {
        c.per_lang(&decision.label, |c, lang, label| {
            c.push(
                Some(lang),
                "decisions",
                check_required_line(label, limits::NAME),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_four_schemes_pass_however_they_are_written() {
        for ok in [
            "https://example.org/a?b#c",
            "HTTP://example.org",
            "mailto:post@example.org",
            "Tel:+4712345678",
            "/nb/fjordvik",
            "innhold/plan",
            "#seksjon",
            "  https://example.org  ",
        ] {
            assert!(safe_link(ok).is_some(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " \t javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "file:///etc/passwd",
            "//evil.example/x",
            "\\\\evil.example/x",
            "",
            "   ",
        ] {
            assert!(safe_link(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn web_addresses_are_absolute() {
        assert_eq!(check_web_address("https://fjordvik.kommune.no"), None);
        assert_eq!(
            check_web_address("fjordvik.kommune.no"),
            Some(FieldProblem::NotWebAddress)
        );
        assert!(matches!(
            check_web_address(" javascript:alert(1)"),
            Some(FieldProblem::UnsafeLink { .. })
        ));
        assert_eq!(
            check_web_address("https:///x"),
            Some(FieldProblem::NotWebAddress)
        );
    }

    #[test]
    fn contact_hrefs() {
        assert_eq!(
            tel_href("+47 12 34 56 78").as_deref(),
            Some("tel:+4712345678")
        );
        assert_eq!(tel_href("javascript:alert(1)"), None);
        assert_eq!(mailto_href("a@b.no").as_deref(), Some("mailto:a@b.no"));
        assert_eq!(mailto_href("a@b.no?body=x"), None);
    }

    #[test]
    fn text_rules() {
        assert_eq!(check_line("a\nb", 10), Some(FieldProblem::LineBreak));
        assert_eq!(
            check_text("a\u{0}b", 10),
            Some(FieldProblem::ControlCharacter { code: 0 })
        );
        assert_eq!(check_text("a\tb\nc", 10), None);
        assert_eq!(check_text("æøå", 3), None);
        assert_eq!(
            check_text("æøåx", 3),
            Some(FieldProblem::TooLong { max: 3 })
        );
        assert_eq!(check_required_line("  ", 3), Some(FieldProblem::Empty));
        assert_eq!(
            check_body("Tekst\n<!-- nn -->\nmer"),
            vec![FieldProblem::LanguageMarker]
        );
        assert_eq!(
            check_body("[x](javascript:alert(1)) ![y](data:image/png;base64,AA)"),
            vec![
                FieldProblem::UnsafeLink {
                    link: "javascript:alert(1)".into()
                },
                FieldProblem::UnsafeLink {
                    link: "data:image/png;base64,AA".into()
                }
            ]
        );
    }

    #[test]
    fn attachments_are_checked_by_content() {
        assert_eq!(check_attachment("a.pdf", b"%PDF-1.7\n"), None);
        assert_eq!(
            check_attachment("a.pdf", b"<html><script>"),
            Some(FieldProblem::FileContent { expected: "en PDF" })
        );
        assert_eq!(
            check_attachment("a.html", b"<html>"),
            Some(FieldProblem::FileType)
        );
        assert_eq!(
            check_attachment("a.svg", b"<svg/>"),
            Some(FieldProblem::FileType)
        );
        assert_eq!(check_attachment("a.txt", b"hei"), None);
        assert!(check_attachment("a.txt", b"h\0i").is_some());
        assert_eq!(
            check_attachment("a.txt", &vec![b'a'; limits::ATTACHMENT_BYTES + 1]),
            Some(FieldProblem::FileTooLarge {
                max: limits::ATTACHMENT_BYTES
            })
        );
    }

    #[test]
    fn attachment_references() {
        assert_eq!(
            attachment_reference("filer/plan/kart.png"),
            Some(("plan", "kart.png"))
        );
        assert_eq!(attachment_reference("https://x/filer/a/b.png"), None);
        assert_eq!(attachment_reference("filer/../x.png"), None);
        assert_eq!(attachment_reference("filer/plan/a/b.png"), None);
    }
}
