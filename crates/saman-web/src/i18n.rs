//! Interface text from the Fluent files in `locales/`, and Norwegian date formats.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use saman_domain::Lang;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "nb",
        // Unicode isolation marks around arguments would show up in plain text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static LANG_IDS: LazyLock<[LanguageIdentifier; 2]> = LazyLock::new(|| {
    // Both are valid BCP 47 tags.
    [
        "nb".parse().expect("nb is a language tag"),
        "nn".parse().expect("nn is a language tag"),
    ]
});

/// Every message of the Fluent files resolved once, by language, as a text without
/// arguments. A page shows hundreds of texts: looking one up here takes no lock (a
/// shared lock's count bounced between the cores on every lookup) and resolves nothing.
static RESOLVED: LazyLock<[HashMap<&'static str, String>; 2]> = LazyLock::new(|| {
    [
        resolve_all(Lang::Nb, include_str!("../locales/nb/main.ftl")),
        resolve_all(Lang::Nn, include_str!("../locales/nn/main.ftl")),
    ]
});

/// Resolves every text now (at start), not at the first page that needs one.
pub fn resolve_texts() {
    LazyLock::force(&RESOLVED);
}

fn resolve_all(lang: Lang, file: &'static str) -> HashMap<&'static str, String> {
    message_ids(file)
        .filter_map(|key| Some((key, LOCALES.try_lookup(id(lang), key)?)))
        .collect()
}

/// The ids of a Fluent file's messages (lines `id = …` at the start of a line).
fn message_ids(file: &str) -> impl Iterator<Item = &str> {
    file.lines()
        .filter_map(|l| l.split_once(" =").map(|(k, _)| k))
        .filter(|k| !k.starts_with([' ', '#', '-']) && !k.is_empty())
}

fn id(lang: Lang) -> &'static LanguageIdentifier {
    &LANG_IDS[lang as usize]
}

/// Translates interface text into one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The text for `key`; a missing key shows as itself (a unit test keeps none missing).
    pub fn t(&self, key: &str) -> String {
        self.maybe(key).unwrap_or_else(|| key.to_string())
    }

    /// The text for `key`, if there is one: for optional texts such as hints.
    pub fn maybe(&self, key: &str) -> Option<String> {
        match RESOLVED[self.lang as usize].get(key) {
            Some(text) => Some(text.clone()),
            // Not a message of this language's file: Fluent's fallback (bokmål), if any.
            None => LOCALES.try_lookup(id(self.lang), key),
        }
    }

    /// The text for `key` with one named argument.
    pub fn t1(
        &self,
        key: &str,
        name: &'static str,
        value: impl Into<FluentValue<'static>>,
    ) -> String {
        self.ta(key, [(name, value.into())])
    }

    /// The text for `key` with named arguments.
    pub fn ta<const N: usize>(
        &self,
        key: &str,
        args: [(&'static str, FluentValue<'static>); N],
    ) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'static>> = args
            .into_iter()
            .map(|(name, value)| (Cow::Borrowed(name), value))
            .collect();
        LOCALES
            .try_lookup_with_args(id(self.lang), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// A date as "1. juni 2027".
    /// A stored UTC time (`YYYY-MM-DDTHH:MM:SSZ`) as Norwegian local time, e.g.
    /// "26. november 2026 kl. 10.22".
    pub fn date_time(&self, stored: &str) -> String {
        let Some(utc) = saman_store::clock::from_text(stored) else {
            return stored.to_string();
        };
        let local = utc.to_offset(oslo_offset(utc));
        format!(
            "{} kl. {:02}.{:02}",
            self.date(local.date()),
            local.hour(),
            local.minute()
        )
    }

    pub fn date(&self, date: time::Date) -> String {
        format!(
            "{}. {} {}",
            date.day(),
            month_name(date.month()),
            date.year()
        )
    }
}

/// A month's name, the same in bokmål and nynorsk.
pub fn month_name(month: time::Month) -> &'static str {
    const MONTHS: [&str; 12] = [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    MONTHS[month as usize - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let nb: Vec<&str> = message_ids(include_str!("../locales/nb/main.ftl")).collect();
        let nn: Vec<&str> = message_ids(include_str!("../locales/nn/main.ftl")).collect();
        assert_eq!(nb, nn);
        assert!(nb.len() > 100);
        // What was resolved at start is what resolving gives (messages that need
        // arguments give nothing without them, there as here).
        for lang in [Lang::Nb, Lang::Nn] {
            for key in &nb {
                assert_eq!(
                    RESOLVED[lang as usize].get(key).cloned(),
                    LOCALES.try_lookup(id(lang), key),
                    "{key}"
                );
            }
            assert!(RESOLVED[lang as usize].len() > 1000);
        }
    }

    #[test]
    fn translates_and_formats() {
        assert_eq!(Tr::new(Lang::Nn).t("nav-services"), "Tenester");
        assert_eq!(Tr::new(Lang::Nb).t("nav-services"), "Tjenester");
        assert_eq!(
            Tr::new(Lang::Nb).t1("error-id", "id", "abc"),
            "Feilkode: abc"
        );
        let date = time::Date::from_calendar_date(2027, time::Month::June, 1).unwrap();
        assert_eq!(Tr::new(Lang::Nn).date(date), "1. juni 2027");
    }

    #[test]
    fn every_key_of_the_domain_has_a_text() {
        use saman_domain::*;
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            let mut keys: Vec<String> = Vec::new();
            keys.extend(
                Kind::ALL
                    .iter()
                    .flat_map(|k| [format!("kind-{}", k.key()), format!("kinds-{}", k.key())]),
            );
            keys.extend(
                TargetGroup::ALL
                    .iter()
                    .map(|t| format!("target-{}", t.key())),
            );
            keys.extend(
                Prevention::ALL
                    .iter()
                    .map(|p| format!("prevention-{}", p.key())),
            );
            keys.extend(RelationType::ALL.iter().flat_map(|r| {
                [
                    format!("rel-{}-out", r.key()),
                    format!("rel-{}-in", r.key()),
                ]
            }));
            for key in keys {
                assert_ne!(tr.t(&key), key, "{lang}: {key}");
            }
        }
    }
}

pub use saman_store::clock::oslo_offset;

#[cfg(test)]
mod oslo_tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn summer_and_winter_time() {
        assert_eq!(
            oslo_offset(datetime!(2026-01-15 12:00 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            oslo_offset(datetime!(2026-07-15 12:00 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            oslo_offset(datetime!(2026-03-29 00:59 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            oslo_offset(datetime!(2026-03-29 01:00 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            oslo_offset(datetime!(2026-10-25 00:59 UTC)).whole_hours(),
            2
        );
        assert_eq!(
            oslo_offset(datetime!(2026-10-25 01:00 UTC)).whole_hours(),
            1
        );
        let tr = Tr::new(Lang::Nb);
        assert_eq!(
            tr.date_time("2026-11-26T09:05:00Z"),
            "26. november 2026 kl. 10.05"
        );
    }
}
