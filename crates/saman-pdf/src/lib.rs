//! PDF documents typeset in memory with Typst, with embedded fonts and tags for
//! assistive technology. Nothing is written to disk: the bytes go straight back to
//! the caller.

use std::sync::LazyLock;
use typst::foundations::{Array, Dict, IntoValue, Str, Value};
use typst_as_lib::TypstEngine;
use typst_as_lib::TypstTemplateMainFile;

/// A filled-in form, with every text already in the reader's language.
#[derive(Debug, Clone)]
pub struct FormDocument {
    /// `nb` or `nn`: sets hyphenation and the document language.
    pub lang: String,
    pub title: String,
    /// E.g. the municipality and the date the document was made.
    pub subtitle: String,
    pub intro: String,
    /// Label and answer; an answer may have several lines.
    pub fields: Vec<(String, String)>,
    /// Labels under lines for signatures; empty for none.
    pub signatures: Vec<String>,
    pub footer: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("typesetting failed: {0}")]
    Typeset(String),
    #[error("PDF export failed: {0}")]
    Export(String),
}

static FORM_ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> = LazyLock::new(|| {
    TypstEngine::builder()
        .main_file(include_str!("form.typ"))
        .fonts(typst_assets::fonts())
        .build()
});

fn str_value(s: &str) -> Value {
    Str::from(s).into_value()
}

impl FormDocument {
    fn inputs(&self) -> Dict {
        let mut dict = Dict::new();
        dict.insert("lang".into(), str_value(&self.lang));
        dict.insert("title".into(), str_value(&self.title));
        dict.insert("subtitle".into(), str_value(&self.subtitle));
        dict.insert("intro".into(), str_value(&self.intro));
        dict.insert("footer".into(), str_value(&self.footer));
        let fields: Array = self
            .fields
            .iter()
            .map(|(label, value)| {
                let mut field = Dict::new();
                field.insert("label".into(), str_value(label));
                let lines: Array = value.lines().map(str_value).collect();
                field.insert("lines".into(), lines.into_value());
                field.into_value()
            })
            .collect();
        dict.insert("fields".into(), fields.into_value());
        let signatures: Array = self.signatures.iter().map(|s| str_value(s)).collect();
        dict.insert("signatures".into(), signatures.into_value());
        dict
    }

    /// Typesets the form as a tagged PDF.
    pub fn render(&self) -> Result<Vec<u8>, PdfError> {
        let document = FORM_ENGINE
            .compile_with_input(self.inputs())
            .output
            .map_err(|e| PdfError::Typeset(format!("{e:?}")))?;
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
            .map_err(|e| PdfError::Export(format!("{e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_norwegian_text_that_can_be_extracted() {
        let doc = FormDocument {
            lang: "nn".into(),
            title: "Samtykkeerklæring".into(),
            subtitle: "Lauvdal og Strandheim · 22. november 2026".into(),
            intro: "Eit skjema for samtykke.".into(),
            fields: vec![
                ("Barnet".into(), "Åse Ødegård".into()),
                ("Tenester".into(), "Skulen\nPPT\nHelsestasjonen".into()),
                ("Tom".into(), String::new()),
                (
                    "Markup blir ikkje tolka".into(),
                    "#set page(width: 1cm) *ikkje feit* $x$ <b>".into(),
                ),
            ],
            signatures: vec!["Stad og dato".into(), "Underskrift".into()],
            footer: "Laga med Saman".into(),
        };
        let pdf = doc.render().unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
        for expected in [
            "Samtykkeerklæring",
            "Åse Ødegård",
            "Helsestasjonen",
            "#set page(width: 1cm) *ikkje feit*",
            "Underskrift",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in {text:?}");
        }
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/StructTreeRoot"), "the PDF is tagged");
    }
}
