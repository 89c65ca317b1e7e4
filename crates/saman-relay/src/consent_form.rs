//! The printable consent form, for families who consent on paper. Its texts are data:
//! one file per language in `consent-forms/` (bokmål, nynorsk and English to begin
//! with); a new file is a new language of the form.

use include_dir::{Dir, include_dir};
use serde::Deserialize;
use std::sync::LazyLock;

static FORMS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/consent-forms");

/// The texts of the form in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentFormText {
    /// The language's code (BCP 47), as the document states it.
    pub language: String,
    /// The language's name in itself, for choosing.
    pub name: String,
    pub title: String,
    pub intro: String,
    pub child: String,
    pub born: String,
    pub guardians: String,
    pub services: String,
    pub covers: String,
    pub until: String,
    pub no_end: String,
    pub rights: String,
    pub rights_label: String,
    pub signatures: Vec<String>,
    pub footer: String,
}

/// Every language of the form, bokmål first, then nynorsk, then by code: read once (a
/// log page lists them).
pub fn languages() -> &'static [ConsentFormText] {
    static LANGUAGES: LazyLock<Vec<ConsentFormText>> = LazyLock::new(|| {
        let mut forms: Vec<ConsentFormText> = FORMS
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .map(|f| {
                let text = f.contents_utf8().expect("consent forms are UTF-8 (tested)");
                toml::from_str(text).expect("consent forms parse (tested)")
            })
            .collect();
        let order = |code: &str| match code {
            "nb" => 0,
            "nn" => 1,
            _ => 2,
        };
        forms.sort_by(|a, b| {
            (order(&a.language), &a.language).cmp(&(order(&b.language), &b.language))
        });
        forms
    });
    &LANGUAGES
}

/// The form in a language, if there is one.
pub fn in_language(code: &str) -> Option<&'static ConsentFormText> {
    languages().iter().find(|f| f.language == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_file_is_complete_and_the_three_are_there() {
        for file in FORMS.files() {
            let text = file.contents_utf8().expect("UTF-8");
            let form: ConsentFormText =
                toml::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", file.path().display()));
            assert_eq!(
                file.path().file_stem().unwrap().to_str().unwrap(),
                form.language,
                "the file is named after its language"
            );
            assert!(!form.title.is_empty() && form.signatures.len() >= 2);
        }
        let codes: Vec<&str> = languages().iter().map(|f| f.language.as_str()).collect();
        assert_eq!(codes, ["nb", "nn", "en"]);
        assert!(in_language("se").is_none());
    }
}
