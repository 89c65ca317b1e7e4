//! What changed between two versions of an object of the model: the object as a list
//! of named fields, and for each field that differs, the words removed and added.

use crate::lang::Lang;
use crate::model::*;

/// One field of an object as readable text. `name` is the field as the model files and
/// the rules name it (`title`, `body`, `web`, …); `lang` is set for texts per language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub lang: Option<Lang>,
    pub value: String,
}

/// A run of words of one side of a change, marked if it is not on the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub changed: bool,
}

/// A field whose value differs between two versions, with each side's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub name: &'static str,
    pub lang: Option<Lang>,
    /// The old value, with the words that were removed marked.
    pub old: Vec<Span>,
    /// The new value, with the words that were added marked.
    pub new: Vec<Span>,
}

/// An item as fields, in the order the editor shows them. Whether it is published is
/// not a field: that belongs to the object, not to a version of it.
pub fn item_fields(item: &Item) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut push = |name, lang, value: String| fields.push(Field { name, lang, value });
    for lang in Lang::ALL {
        let text = item.text.get(lang);
        push(
            "title",
            Some(lang),
            text.map(|t| t.title.clone()).unwrap_or_default(),
        );
        push(
            "summary",
            Some(lang),
            text.map(|t| t.summary.clone()).unwrap_or_default(),
        );
        push(
            "body",
            Some(lang),
            text.map(|t| t.body.clone()).unwrap_or_default(),
        );
        push(
            "opening_hours",
            Some(lang),
            text.and_then(|t| t.opening_hours.clone())
                .unwrap_or_default(),
        );
    }
    push("kind", None, item.kind.key().into());
    push("levels", None, keys(&item.levels, |l| l.key()));
    push(
        "target_groups",
        None,
        keys(&item.target_groups, |t| t.key()),
    );
    push("prevention", None, keys(&item.prevention, |p| p.key()));
    push("owner", None, item.owner.clone().unwrap_or_default());
    push(
        "review_date",
        None,
        item.review_date.map(format_iso_date).unwrap_or_default(),
    );
    push("priorities", None, item.priorities.join(", "));
    let contact = item.contact.clone().unwrap_or_default();
    push("phone", None, contact.phone.unwrap_or_default());
    push("email", None, contact.email.unwrap_or_default());
    push("address", None, contact.address.unwrap_or_default());
    push("web", None, contact.web.unwrap_or_default());
    push("form", None, item.form.clone().unwrap_or_default());
    push(
        "relations",
        None,
        item.relations
            .iter()
            .map(|r| format!("{} {}", r.kind.key(), r.to))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    push(
        "attachments",
        None,
        item.attachments
            .iter()
            .map(|a| a.file.file_name.clone())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    fields
}

fn keys<T: Copy>(values: &[T], key: fn(&T) -> &'static str) -> String {
    values.iter().map(key).collect::<Vec<_>>().join(", ")
}

/// The fields that differ between two versions of one object, words marked.
pub fn changes(old: &[Field], new: &[Field]) -> Vec<FieldChange> {
    let empty = String::new();
    let mut out = Vec::new();
    for field in new {
        let before = old
            .iter()
            .find(|f| f.name == field.name && f.lang == field.lang)
            .map_or(&empty, |f| &f.value);
        if *before != field.value {
            let (old_spans, new_spans) = word_diff(before, &field.value);
            out.push(FieldChange {
                name: field.name,
                lang: field.lang,
                old: old_spans,
                new: new_spans,
            });
        }
    }
    out
}

/// Each side of a change as runs of words, the ones not on the other side marked.
pub fn word_diff(old: &str, new: &str) -> (Vec<Span>, Vec<Span>) {
    use similar::{ChangeTag, TextDiff};
    // Bodies can be long: past the deadline the diff is coarser, never slow.
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_millis(100))
        .diff_words(old, new);
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                push_span(&mut before, text, false);
                push_span(&mut after, text, false);
            }
            ChangeTag::Delete => push_span(&mut before, text, true),
            ChangeTag::Insert => push_span(&mut after, text, true),
        }
    }
    (before, after)
}

/// Appends to the last run when it is marked the same way, so a page shows few runs.
/// A space between two changed words joins their runs.
fn push_span(spans: &mut Vec<Span>, text: &str, changed: bool) {
    if let Some(last) = spans.last_mut()
        && (last.changed == changed || (text.trim().is_empty() && last.changed))
    {
        last.text.push_str(text);
        return;
    }
    spans.push(Span {
        text: text.to_string(),
        changed,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.text.as_str()).collect()
    }

    fn marked(spans: &[Span]) -> Vec<&str> {
        spans
            .iter()
            .filter(|s| s.changed)
            .map(|s| s.text.trim())
            .collect()
    }

    #[test]
    fn a_word_diff_marks_only_the_words_that_changed() {
        let (old, new) = word_diff(
            "Helsestasjonen er åpen mandag til fredag.",
            "Helsestasjonen er åpen tirsdag til torsdag.",
        );
        assert_eq!(text(&old), "Helsestasjonen er åpen mandag til fredag.");
        assert_eq!(text(&new), "Helsestasjonen er åpen tirsdag til torsdag.");
        assert_eq!(marked(&old), ["mandag", "fredag."]);
        assert_eq!(marked(&new), ["tirsdag", "torsdag."]);
    }

    #[test]
    fn unchanged_fields_are_not_changes() {
        let a = vec![
            Field {
                name: "title",
                lang: Some(Lang::Nb),
                value: "PPT".into(),
            },
            Field {
                name: "web",
                lang: None,
                value: "https://a.example".into(),
            },
        ];
        let mut b = a.clone();
        b[1].value = "https://b.example".into();
        let found = changes(&a, &b);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "web");
        assert!(changes(&a, &a.clone()).is_empty());
    }

    #[test]
    fn a_field_only_in_the_new_version_is_all_added() {
        let new = vec![Field {
            name: "summary",
            lang: Some(Lang::Nn),
            value: "Ny tekst".into(),
        }];
        let found = changes(&[], &new);
        assert_eq!(found[0].old, Vec::<Span>::new());
        assert_eq!(marked(&found[0].new), ["Ny tekst"]);
    }
}
