//! The collaboration model: tenants, items on three levels, relations and the timeline.

use crate::lang::{ByLang, Lang};
use time::Date;

/// Defines a closed set of values, each with the stable key used in files and URLs.
macro_rules! keyed_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable key, as written in files and URLs.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn from_key(key: &str) -> Option<Self> {
                match key { $($key => Some($name::$variant),)+ _ => None }
            }

            /// All keys, for error messages.
            pub fn keys() -> String {
                Self::ALL.iter().map(|v| v.key()).collect::<Vec<_>>().join(", ")
            }
        }

        /// Stored by its key, as in files and URLs.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let key = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::from_key(&key).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown key {key:?}, expected one of {}", Self::keys()))
                })
            }
        }
    };
}
pub(crate) use keyed_enum;

keyed_enum! {
    /// The three levels of the model.
    Level {
        Municipality = "kommune",
        Service = "tjeneste",
        Individual = "individ",
    }
}

keyed_enum! {
    /// What an item of the model is.
    Kind {
        Plan = "plan",
        Routine = "rutine",
        Arena = "moteplass",
        Measure = "tiltak",
        Service = "tjeneste",
        Tool = "verktoy",
        Competence = "kompetanse",
        Document = "dokument",
    }
}

keyed_enum! {
    /// Whom an item is for.
    TargetGroup {
        Pregnant = "gravide",
        Age0To5 = "0-5",
        Age6To12 = "6-12",
        Age13To18 = "13-18",
        Age19To23 = "19-23",
        Guardians = "foresatte",
    }
}

keyed_enum! {
    /// The prevention type of an item.
    Prevention {
        Universal = "universell",
        Selective = "selektiv",
        Indicated = "indikert",
    }
}

keyed_enum! {
    /// A typed, directed relation between two items. The site shows it from both ends.
    RelationType {
        Anchors = "forankrer",
        HasMember = "har-deltaker",
        Uses = "bruker",
        Offers = "tilbyr",
        RefersTo = "viser-til",
        SeeAlso = "se-ogsa",
    }
}

keyed_enum! {
    /// Whether the public may see an item.
    Status {
        Published = "published",
        Draft = "draft",
    }
}

keyed_enum! {
    /// The service area an action guide is written for.
    GuideArea {
        General = "generell",
        Kindergarten = "barnehage",
        School = "skole",
        HealthStation = "helsestasjon",
        Other = "annet",
    }
}

keyed_enum! {
    /// Who is responsible for a step of the action guide.
    Role {
        Employee = "ansatt",
        Leader = "leder",
        RelayHolder = "stafettholder",
        Coordinator = "koordinator",
        ChildWelfare = "barnevern",
        Guardians = "foresatte",
    }
}

keyed_enum! {
    /// Where a path through the action guide can end.
    Outcome {
        Close = "avslutt",
        ReportOfConcern = "bekymringsmelding",
        Police = "politi",
    }
}

/// A published model: of one municipality, or of several that share one model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tenant {
    pub slug: String,
    pub default_lang: Lang,
    /// Four-digit municipality numbers the model covers.
    pub municipality_numbers: Vec<String>,
    /// `#rrggbb`.
    pub primary_colour: Option<String>,
    pub logo: Option<FileContent>,
    /// Where readers send feedback, e.g. on accessibility.
    pub contact_email: Option<String>,
    pub text: ByLang<TenantText>,
    pub priorities: Vec<Priority>,
    /// "About the model", Markdown.
    pub about: ByLang<String>,
    /// The service (slug) that receives reports of concern.
    pub child_welfare: Option<String>,
    /// The service (slug) to call about a child after hours.
    pub child_welfare_out_of_hours: Option<String>,
    /// The municipality's rules for its relay logs.
    pub relay: RelaySettings,
    /// The municipality's own part of the accessibility statement.
    pub accessibility: Accessibility,
    /// The tenant's own groups of words that mean the same to the search, beyond
    /// Saman's list (e.g. a local name for a service and its abbreviation).
    #[serde(default)]
    pub search_synonyms: Vec<Vec<String>>,
    /// How the municipality's figures are shown.
    #[serde(default)]
    pub evaluation: EvaluationSettings,
}

/// How a municipality's figures of its work are shown (see [`crate::evaluation`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EvaluationSettings {
    /// Counts below this are shown as "under" it.
    pub threshold: u32,
    /// The figures (keys of [`crate::evaluation::Figure`]) on the public page.
    pub public_figures: Vec<String>,
}

impl Default for EvaluationSettings {
    fn default() -> EvaluationSettings {
        EvaluationSettings {
            threshold: crate::evaluation::DEFAULT_THRESHOLD,
            public_figures: Vec::new(),
        }
    }
}

/// What the accessibility page says beyond the platform's own statement: when the
/// municipality last checked, and where its published statement is. Known shortcomings
/// of its own content are per language, in [`TenantText`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Accessibility {
    #[serde(with = "iso_date_option")]
    pub date: Option<Date>,
    /// The statement as published with the authority (uustatus.no), an https address.
    pub statement_url: Option<String>,
}

/// A municipality's settings for the relay log (stafettlogg).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelaySettings {
    /// From this age (15 or 16) a youth consents for themself.
    pub youth_consent_age: u8,
    /// Days a closed log is kept before it is deleted (its printout is archived in the
    /// child's file when it closes).
    pub retention_days: u32,
    /// The item (slug) that is the municipality's privacy page: its legal basis for
    /// processing, shown to families.
    pub privacy_page: Option<String>,
}

impl RelaySettings {
    pub const YOUTH_CONSENT_AGES: [u8; 2] = [15, 16];
    pub const MAX_RETENTION_DAYS: u32 = 3650;
}

impl Default for RelaySettings {
    fn default() -> RelaySettings {
        RelaySettings {
            youth_consent_age: 16,
            retention_days: 180,
            privacy_page: None,
        }
    }
}

impl Tenant {
    /// The tenant's name in `lang`, falling back to the other language.
    pub fn name(&self, lang: Lang) -> &str {
        self.text.pick(lang).map_or(&self.slug, |p| &p.value.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TenantText {
    pub name: String,
    pub model_name: String,
    pub intro: String,
    /// The tenant's own names for the three levels, if it renames them.
    pub levels: Option<LevelNames>,
    /// Known shortcomings of the municipality's own content, Markdown; empty if none.
    pub accessibility_shortcomings: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LevelNames {
    pub municipality: String,
    pub service: String,
    pub individual: String,
}

impl LevelNames {
    pub fn get(&self, level: Level) -> &str {
        match level {
            Level::Municipality => &self.municipality,
            Level::Service => &self.service,
            Level::Individual => &self.individual,
        }
    }
}

/// A priority of the plan period, e.g. "prevent violence and abuse".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Priority {
    pub key: String,
    pub label: ByLang<String>,
}

/// A named file with its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileContent {
    pub file_name: String,
    /// Not part of a stored version: versions name their files by content hash.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl FileContent {
    /// The media type, from the file name's extension.
    pub fn media_type(&self) -> &'static str {
        media_type_of(&self.file_name)
    }
}

/// The media type of a file name, from its extension; unknown ones are served as bytes.
pub fn media_type_of(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("pdf") => "application/pdf",
        Some("txt") | Some("md") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("odt") => "application/vnd.oasis.opendocument.text",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// One item of the model: a plan, routine, meeting arena, measure, service, tool,
/// competence programme or document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub slug: String,
    pub kind: Kind,
    pub levels: Vec<Level>,
    pub target_groups: Vec<TargetGroup>,
    pub prevention: Vec<Prevention>,
    /// Slug of the owning service.
    pub owner: Option<String>,
    #[serde(with = "iso_date_option")]
    pub review_date: Option<Date>,
    pub status: Status,
    /// Keys of the tenant's priorities this item serves.
    pub priorities: Vec<String>,
    pub text: ByLang<ItemText>,
    /// Contact details; services only.
    pub contact: Option<Contact>,
    pub relations: Vec<Relation>,
    pub attachments: Vec<Attachment>,
    /// The fillable form behind a tool (see [`crate::forms`]); tools only.
    pub form: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemText {
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// Services only.
    pub opening_hours: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub web: Option<String>,
}

impl Contact {
    pub fn is_empty(&self) -> bool {
        self.phone.is_none() && self.email.is_none() && self.address.is_none() && self.web.is_none()
    }
}

/// A relation from the item that holds it to the item `to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Relation {
    pub kind: RelationType,
    pub to: String,
}

/// A file attached to an item, such as a form to print.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub file: FileContent,
    pub title: ByLang<String>,
}

/// News of the model's development.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimelineEntry {
    pub slug: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub status: Status,
    /// Title and Markdown body.
    pub text: ByLang<TimelineText>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimelineText {
    pub title: String,
    pub body: String,
}

/// The BTI levels of an action guide, 0 to 3.
pub const GUIDE_LEVELS: [u8; 4] = [0, 1, 2, 3];

/// An action guide: from concern to action, level by level, step by step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Guide {
    pub slug: String,
    pub area: GuideArea,
    /// Slug of the owning service.
    pub owner: Option<String>,
    #[serde(with = "iso_date_option")]
    pub review_date: Option<Date>,
    pub status: Status,
    pub text: ByLang<GuideText>,
    /// Levels 0–3, in order, each with its steps in order.
    pub levels: Vec<GuideLevel>,
    /// All steps, sorted by slug.
    pub steps: Vec<Step>,
}

impl Guide {
    pub fn step(&self, slug: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.slug == slug)
    }

    /// The steps of a level, in the guide's order.
    pub fn steps_on(&self, level: u8) -> Vec<&Step> {
        self.levels
            .iter()
            .filter(|l| l.level == level)
            .flat_map(|l| l.steps.iter().filter_map(|slug| self.step(slug)))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GuideText {
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GuideLevel {
    pub level: u8,
    /// The level's short name in this guide, e.g. "Avklare bekymringen".
    pub name: ByLang<String>,
    /// Step slugs, in order.
    pub steps: Vec<String>,
}

/// One step of an action guide.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub slug: String,
    pub level: u8,
    pub responsible_role: Role,
    pub deadline_days: Option<u32>,
    /// The path for suspected violence or abuse: act at once, do not inform guardians.
    pub urgent: bool,
    /// Items (tools and forms) the step uses.
    pub tools: Vec<String>,
    /// Items (routines, arenas) the step relies on.
    pub relies_on: Vec<String>,
    pub text: ByLang<StepText>,
    pub decisions: Vec<Decision>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepText {
    pub title: String,
    pub summary: String,
    pub responsible: String,
    pub deadline: Option<String>,
    pub questions: Vec<String>,
    /// Markdown.
    pub body: String,
}

/// A decision that leads on from a step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub target: DecisionTarget,
    pub label: ByLang<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionTarget {
    Step(String),
    Level(u8),
    Outcome(Outcome),
}

/// A tenant's whole model: what `saman import` reads and `saman export` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelBundle {
    pub tenant: Tenant,
    pub items: Vec<Item>,
    pub timeline: Vec<TimelineEntry>,
    /// Sorted by slug.
    pub guides: Vec<Guide>,
    /// The tenant's own wording of forms, sorted by form.
    pub forms: Vec<crate::forms::FormWording>,
}

/// Formats a date as the files and the database store it: `YYYY-MM-DD`.
pub fn format_iso_date(date: Date) -> String {
    // The format description is a constant and `Date` always fits it.
    date.format(ISO_DATE)
        .expect("a Date always formats as YYYY-MM-DD")
}

/// Parses `YYYY-MM-DD`.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    Date::parse(s, ISO_DATE).ok()
}

/// `Option<Date>` as `YYYY-MM-DD` or null, for serde.
pub(crate) mod iso_date_option {
    use super::{Date, format_iso_date, parse_iso_date};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_some(&format_iso_date(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| {
                parse_iso_date(&s)
                    .ok_or_else(|| serde::de::Error::custom(format!("bad date {s:?}")))
            })
            .transpose()
    }
}

/// `Date` as `YYYY-MM-DD`, for serde.
pub(crate) mod iso_date {
    use super::{Date, format_iso_date, parse_iso_date};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_iso_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse_iso_date(&s).ok_or_else(|| serde::de::Error::custom(format!("bad date {s:?}")))
    }
}

const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_key(kind.key()), Some(*kind));
        }
        assert_eq!(TargetGroup::from_key("6-12"), Some(TargetGroup::Age6To12));
        assert_eq!(Level::from_key("fylke"), None);
    }

    #[test]
    fn iso_dates() {
        let d = parse_iso_date("2027-06-01").unwrap();
        assert_eq!(format_iso_date(d), "2027-06-01");
        assert!(parse_iso_date("01.06.2027").is_none());
        assert!(parse_iso_date("2027-02-30").is_none());
    }
}
