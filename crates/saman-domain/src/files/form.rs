//! A tenant's wording of the fillable forms as files: `skjema/<form>.toml`, with the
//! status and a table per language of text key to text (see `docs/model-files.md`).

use super::{FileProblems, Problem, SourceFile, as_text, parse_toml, status, to_toml};
use crate::forms::{self, FormWording};
use crate::lang::ByLang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMS_DIR: &str = "skjema";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFile {
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<BTreeMap<String, String>>,
}

pub fn form_path(wording: &FormWording) -> String {
    format!("{FORMS_DIR}/{}.toml", wording.form)
}

/// Reads `skjema/<file_name>`; the rules (known texts, lengths) are checked with the
/// rest of the model.
pub(super) fn read_form(
    path: &str,
    file_name: &str,
    bytes: &[u8],
    problems: &mut Vec<Problem>,
) -> Option<FormWording> {
    let key = file_name.strip_suffix(".toml");
    let Some(key) = key.filter(|k| forms::form(k).is_some()) else {
        let known: Vec<&str> = forms::FORMS.iter().map(|f| f.key).collect();
        problems.push(Problem {
            file: path.into(),
            line: 1,
            message: format!(
                "filnavnet må være et skjema Saman har, med .toml: {}",
                known.join(", ")
            ),
        });
        return None;
    };
    let text = as_text(path, bytes, problems)?;
    let file: FormFile = parse_toml(path, text, 1, problems)?;
    let mut p = FileProblems {
        file: path,
        front: text,
        front_line: 1,
        problems,
    };
    let status = status(&mut p, &file.status);
    Some(FormWording {
        form: key.to_string(),
        status,
        text: ByLang {
            nb: file.nb,
            nn: file.nn,
        },
    })
}

pub(super) fn write_forms(wordings: &[FormWording], files: &mut Vec<SourceFile>) {
    for wording in wordings {
        let file = FormFile {
            status: wording.status.key().into(),
            nb: wording.text.nb.clone(),
            nn: wording.text.nn.clone(),
        };
        files.push(SourceFile {
            path: form_path(wording),
            bytes: to_toml(&file).into_bytes(),
        });
    }
}
