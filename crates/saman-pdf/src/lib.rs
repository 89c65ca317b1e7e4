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
    /// The typesetter panicked: caught here, so a request fails cleanly instead of
    /// taking a worker down.
    #[error("the typesetter panicked: {0}")]
    Panicked(String),
}

/// The most bytes of any one text given to the typesetter; a longer text is cut at a
/// character boundary and marked with an ellipsis. The PDF writer (krilla 0.8) panics on
/// a run of text over 64 KiB; callers check their inputs with tighter limits, and this
/// bounds the work even if one forgets.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;

static FORM_ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> = LazyLock::new(|| {
    TypstEngine::builder()
        .main_file(include_str!("form.typ"))
        .fonts(typst_assets::fonts())
        .build()
});

static REPORT_ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> = LazyLock::new(|| {
    TypstEngine::builder()
        .main_file(include_str!("report.typ"))
        .fonts(typst_assets::fonts())
        .build()
});

/// A report of figures, every text already in the reader's language: sections of
/// charts and tables (the figures' yearly report).
#[derive(Debug, Clone)]
pub struct ReportDocument {
    pub lang: String,
    pub title: String,
    pub subtitle: String,
    pub intro: String,
    pub sections: Vec<ReportSection>,
    pub footer: String,
}

#[derive(Debug, Clone)]
pub struct ReportSection {
    pub heading: String,
    pub intro: String,
    /// Charts as SVG, each with the text that says what it shows.
    pub charts: Vec<(String, String)>,
    pub tables: Vec<ReportTable>,
}

#[derive(Debug, Clone)]
pub struct ReportTable {
    pub caption: String,
    pub head: Vec<String>,
    /// Rows as long as `head`.
    pub rows: Vec<Vec<String>>,
    pub note: String,
}

impl ReportDocument {
    fn inputs(&self) -> Dict {
        let strs = |v: &[String]| -> Value {
            v.iter()
                .map(|s| str_value(s))
                .collect::<Array>()
                .into_value()
        };
        let mut dict = Dict::new();
        dict.insert("lang".into(), str_value(&self.lang));
        dict.insert("title".into(), str_value(&self.title));
        dict.insert("subtitle".into(), str_value(&self.subtitle));
        dict.insert("intro".into(), str_value(&self.intro));
        dict.insert("footer".into(), str_value(&self.footer));
        let sections: Array = self
            .sections
            .iter()
            .map(|s| {
                let mut section = Dict::new();
                section.insert("heading".into(), str_value(&s.heading));
                section.insert("intro".into(), str_value(&s.intro));
                let charts: Array = s
                    .charts
                    .iter()
                    .map(|(svg, alt)| {
                        let mut chart = Dict::new();
                        // The SVG is the server's own drawing, not typed text: whole.
                        chart.insert("svg".into(), Str::from(svg.as_str()).into_value());
                        chart.insert("alt".into(), str_value(alt));
                        chart.into_value()
                    })
                    .collect();
                section.insert("charts".into(), charts.into_value());
                let tables: Array = s
                    .tables
                    .iter()
                    .map(|t| {
                        let mut table = Dict::new();
                        table.insert("caption".into(), str_value(&t.caption));
                        table.insert("head".into(), strs(&t.head));
                        let width = t.head.len();
                        let rows: Array = t
                            .rows
                            .iter()
                            .map(|r| {
                                let mut cells = r.clone();
                                cells.resize(width, String::new());
                                strs(&cells)
                            })
                            .collect();
                        table.insert("rows".into(), rows.into_value());
                        table.insert("note".into(), str_value(&t.note));
                        table.into_value()
                    })
                    .collect();
                section.insert("tables".into(), tables.into_value());
                section.into_value()
            })
            .collect();
        dict.insert("sections".into(), sections.into_value());
        dict
    }

    /// Typesets the report as a tagged PDF.
    pub fn render(&self) -> Result<Vec<u8>, PdfError> {
        typeset(
            &REPORT_ENGINE,
            self.inputs(),
            typst_pdf::PdfOptions::default(),
        )
    }
}

/// A text as the typesetter gets it: control characters other than line breaks and
/// tabs dropped, and at most [`MAX_TEXT_BYTES`].
fn str_value(s: &str) -> Value {
    let mut text = String::with_capacity(s.len().min(MAX_TEXT_BYTES + 3));
    for c in s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
    {
        if text.len() + c.len_utf8() > MAX_TEXT_BYTES {
            text.push('…');
            break;
        }
        text.push(c);
    }
    Str::from(text).into_value()
}

impl PdfError {
    /// What kind of failure, without the typesetter's message (which may quote the
    /// document's text): for logs of documents with personal data.
    pub fn kind(&self) -> &'static str {
        match self {
            PdfError::Typeset(_) => "typesetting failed",
            PdfError::Export(_) => "PDF export failed",
            PdfError::Panicked(_) => "the typesetter panicked",
        }
    }
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

    /// Typesets the form as a tagged PDF. A panic in the typesetter comes back as
    /// [`PdfError::Panicked`].
    pub fn render(&self) -> Result<Vec<u8>, PdfError> {
        self.render_with(typst_pdf::PdfOptions::default())
    }

    /// Typesets the document for an archive: PDF/A-2b (tagged, fonts embedded, XMP
    /// metadata), with a stable identifier and its time of making (UTC).
    pub fn render_archive(
        &self,
        ident: &str,
        made_at: (i32, u8, u8, u8, u8, u8),
    ) -> Result<Vec<u8>, PdfError> {
        let (y, mo, d, h, mi, s) = made_at;
        let datetime = typst::foundations::Datetime::from_ymd_hms(y, mo, d, h, mi, s)
            .ok_or_else(|| PdfError::Export("not a time".into()))?;
        let standards = typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_2b])
            .map_err(|e| PdfError::Export(format!("{e:?}")))?;
        self.render_with(typst_pdf::PdfOptions {
            ident: typst::foundations::Smart::Custom(ident.to_string()),
            timestamp: Some(typst_pdf::Timestamp::new_utc(datetime)),
            standards,
            ..Default::default()
        })
    }

    fn render_with(&self, options: typst_pdf::PdfOptions) -> Result<Vec<u8>, PdfError> {
        typeset(&FORM_ENGINE, self.inputs(), options)
    }
}

/// Typesets `inputs` with `engine`. A panic in the typesetter comes back as
/// [`PdfError::Panicked`].
fn typeset(
    engine: &TypstEngine<TypstTemplateMainFile>,
    inputs: Dict,
    options: typst_pdf::PdfOptions,
) -> Result<Vec<u8>, PdfError> {
    let typeset = move || {
        let document = engine
            .compile_with_input(inputs)
            .output
            .map_err(|e| PdfError::Typeset(format!("{e:?}")))?;
        typst_pdf::pdf(&document, &options).map_err(|e| PdfError::Export(format!("{e:?}")))
    };
    // The engine holds only caches that a failed run leaves usable, so it is safe to go
    // on after a panic.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(typeset)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(PdfError::Panicked(message))
    })
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

    #[test]
    fn reports_have_charts_and_tables() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 20\" font-family=\"Libertinus Serif\"><rect width=\"60\" height=\"10\" fill=\"#1f4e79\"/><text x=\"64\" y=\"10\">12</text></svg>";
        let doc = ReportDocument {
            lang: "nn".into(),
            title: "Årsrapport 2025".into(),
            subtitle: "Lauvdal og Strandheim".into(),
            intro: "Tal om arbeidet.".into(),
            sections: vec![ReportSection {
                heading: "Stafettloggane".into(),
                intro: String::new(),
                charts: vec![(svg.into(), "Loggar oppretta: 12".into())],
                tables: vec![ReportTable {
                    caption: "Loggar i 2025".into(),
                    head: vec!["Tal".into(), "2025".into(), "2024".into()],
                    rows: vec![vec![
                        "Loggar oppretta".into(),
                        "12".into(),
                        "under 5".into(),
                    ]],
                    note: "Tider i dagar.".into(),
                }],
            }],
            footer: "Laga med Saman".into(),
        };
        let pdf = doc.render().unwrap();
        let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
        for expected in [
            "Årsrapport 2025",
            "Loggar oppretta",
            "under 5",
            "Tider i dagar.",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in {text:?}");
        }
        assert!(String::from_utf8_lossy(&pdf).contains("/StructTreeRoot"));
    }

    #[test]
    fn archives_are_pdf_a() {
        let doc = FormDocument {
            lang: "nb".into(),
            title: "Stafettlogg".into(),
            subtitle: "Fjordvik kommune".into(),
            intro: String::new(),
            fields: vec![("Mål".into(), "Trives på skolen".into())],
            signatures: Vec::new(),
            footer: "Laget med Saman".into(),
        };
        let pdf = doc
            .render_archive("log-1", (2026, 11, 26, 9, 5, 0))
            .unwrap();
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("pdfaid:part") && raw.contains("/StructTreeRoot"));
        assert!(
            pdf_extract::extract_text_from_mem(&pdf)
                .unwrap()
                .contains("Trives på skolen")
        );
    }

    /// Every Unicode class the typesetter must survive, at and beyond the lengths the
    /// model and the forms allow.
    #[test]
    fn extreme_inputs_make_a_pdf() {
        let classes = [
            "e\u{301}\u{302}\u{303}a\u{20dd}",             // combining marks
            "שלום עליכם مرحبا بالعالم",                    // right to left
            "\u{202e}snoitcerid\u{202c} \u{200f}\u{200e}", // direction overrides
            "👩‍👩‍👧‍👦🏳️‍🌈🇳🇴",                                      // emoji sequences
            "中文字符 日本語 한국어",                      // CJK
            "𝕳𝖊𝖑𝖑𝖔 𐍈 \u{fffd} \u{feff}",                   // astral and special
            "\u{0}\u{7}\u{1b}[31m\u{85}",                  // control characters
        ];
        let mixed: String = classes.concat();
        // One long word without spaces, of multi-byte letters, cannot be broken at a space.
        let words = [
            "ø".repeat(40_000),
            "中".repeat(3_000),
            "e\u{301}".repeat(2_000),
            "Ærøskøbingstrandheimsålesundkommunenessøbøl".repeat(40),
            "Lauvdal og Strandheim kommune ".repeat(500),
        ];
        for (word, lang) in words.iter().flat_map(|w| [(w, "nb"), (w, "nn")]) {
            let doc = FormDocument {
                lang: lang.into(),
                title: word.clone(),
                subtitle: word.clone(),
                intro: word.clone(),
                fields: vec![(word.clone(), word.clone())],
                signatures: vec![word.clone()],
                footer: word.clone(),
            };
            let pdf = doc.render().unwrap_or_else(|e| {
                panic!("{lang} {}: {e}", word.chars().take(3).collect::<String>())
            });
            assert!(pdf.starts_with(b"%PDF-"));
        }
        let long = |n: usize| mixed.chars().cycle().take(n).collect::<String>();
        for (name_len, value_len) in [(200, 4_000), (1_000, 20_000), (40_000, 100_000)] {
            let doc = FormDocument {
                lang: "nb".into(),
                title: long(name_len),
                subtitle: format!("{} · 1. januar 2027", long(name_len)),
                intro: long(value_len),
                fields: classes
                    .iter()
                    .map(|c| (c.to_string(), format!("{}\n{}", long(value_len / 10), c)))
                    .collect(),
                signatures: vec![long(name_len), long(name_len)],
                footer: long(name_len),
            };
            let pdf = doc
                .render()
                .unwrap_or_else(|e| panic!("{name_len}/{value_len}: {e}"));
            assert!(pdf.starts_with(b"%PDF-"));
        }
    }
}
