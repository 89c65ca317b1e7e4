//! What changed between two versions of an object of the model: the object as a list
//! of named fields, and for each field that differs, the words removed and added.

use crate::lang::Lang;
use crate::model::*;

/// One field of an object as readable text. `name` is the field as the model files and
/// the rules name it (`title`, `body`, `web`, …); `lang` is set for texts per language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The part of the object the field belongs to, e.g. a guide's step (its slug);
    /// `None` for the object's own fields.
    pub part: Option<String>,
    pub name: &'static str,
    pub lang: Option<Lang>,
    pub value: String,
}

impl Field {
    fn is_same_field(&self, other: &Field) -> bool {
        self.part == other.part && self.name == other.name && self.lang == other.lang
    }
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
    pub part: Option<String>,
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
    let mut push = |name, lang, value: String| {
        fields.push(Field {
            part: None,
            name,
            lang,
            value,
        })
    };
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

/// A tenant's settings and own pages as fields.
pub fn settings_fields(tenant: &Tenant) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut push = |name, lang, value: String| {
        fields.push(Field {
            part: None,
            name,
            lang,
            value,
        })
    };
    for lang in Lang::ALL {
        let text = tenant.text.get(lang);
        let get = |f: fn(&TenantText) -> String| text.map(f).unwrap_or_default();
        push("name", Some(lang), get(|t| t.name.clone()));
        push("model_name", Some(lang), get(|t| t.model_name.clone()));
        push("intro", Some(lang), get(|t| t.intro.clone()));
        push(
            "levels",
            Some(lang),
            get(|t| {
                t.levels.as_ref().map_or_else(String::new, |l| {
                    format!("{}, {}, {}", l.municipality, l.service, l.individual)
                })
            }),
        );
        push(
            "about",
            Some(lang),
            tenant.about.get(lang).cloned().unwrap_or_default(),
        );
        push(
            "accessibility_shortcomings",
            Some(lang),
            get(|t| t.accessibility_shortcomings.clone()),
        );
    }
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    push(
        "municipality_numbers",
        None,
        tenant.municipality_numbers.join(", "),
    );
    push("primary_colour", None, optional(&tenant.primary_colour));
    push("contact_email", None, optional(&tenant.contact_email));
    push(
        "logo",
        None,
        tenant
            .logo
            .as_ref()
            .map(|l| l.file_name.clone())
            .unwrap_or_default(),
    );
    push(
        "priorities",
        None,
        tenant
            .priorities
            .iter()
            .map(|p| {
                let label = p
                    .label
                    .nb
                    .as_deref()
                    .or(p.label.nn.as_deref())
                    .unwrap_or("");
                format!("{}: {label}", p.key)
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    push("child_welfare", None, optional(&tenant.child_welfare));
    push(
        "child_welfare_out_of_hours",
        None,
        optional(&tenant.child_welfare_out_of_hours),
    );
    push(
        "youth_consent_age",
        None,
        tenant.relay.youth_consent_age.to_string(),
    );
    push(
        "retention_days",
        None,
        tenant.relay.retention_days.to_string(),
    );
    push("privacy_page", None, optional(&tenant.relay.privacy_page));
    push(
        "accessibility_date",
        None,
        tenant
            .accessibility
            .date
            .map(format_iso_date)
            .unwrap_or_default(),
    );
    push(
        "statement_url",
        None,
        optional(&tenant.accessibility.statement_url),
    );
    push(
        "search_synonyms",
        None,
        crate::search::synonyms_as_lines(&tenant.search_synonyms),
    );
    push(
        "evaluation_threshold",
        None,
        tenant.evaluation.threshold.to_string(),
    );
    push(
        "evaluation_public",
        None,
        tenant.evaluation.public_figures.join(", "),
    );
    fields
}

/// A timeline entry as fields.
pub fn timeline_fields(entry: &TimelineEntry) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut push = |name, lang, value: String| {
        fields.push(Field {
            part: None,
            name,
            lang,
            value,
        })
    };
    for lang in Lang::ALL {
        let text = entry.text.get(lang);
        push(
            "title",
            Some(lang),
            text.map(|t| t.title.clone()).unwrap_or_default(),
        );
        push(
            "body",
            Some(lang),
            text.map(|t| t.body.clone()).unwrap_or_default(),
        );
    }
    push("date", None, format_iso_date(entry.date));
    fields
}

/// A tenant's wording of a form as fields: each text the form has, per language, empty
/// where Saman's own wording is used.
pub fn form_wording_fields(wording: &crate::forms::FormWording) -> Vec<Field> {
    let Some(form) = crate::forms::form(&wording.form) else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    for text in form.texts() {
        for lang in Lang::ALL {
            fields.push(Field {
                part: None,
                name: &text.key,
                lang: Some(lang),
                value: wording
                    .text
                    .get(lang)
                    .and_then(|t| t.get(&text.key))
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    fields
}

/// An action guide as fields: its own, then each level's name and steps in order,
/// then each step's (with the step's slug as the part).
pub fn guide_fields(guide: &Guide) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut push = |part: Option<&str>, name, lang, value: String| {
        fields.push(Field {
            part: part.map(String::from),
            name,
            lang,
            value,
        })
    };
    for lang in Lang::ALL {
        let text = guide.text.get(lang);
        push(
            None,
            "title",
            Some(lang),
            text.map(|t| t.title.clone()).unwrap_or_default(),
        );
        push(
            None,
            "summary",
            Some(lang),
            text.map(|t| t.summary.clone()).unwrap_or_default(),
        );
        push(
            None,
            "body",
            Some(lang),
            text.map(|t| t.body.clone()).unwrap_or_default(),
        );
    }
    push(None, "area", None, guide.area.key().into());
    push(None, "owner", None, guide.owner.clone().unwrap_or_default());
    push(
        None,
        "review_date",
        None,
        guide.review_date.map(format_iso_date).unwrap_or_default(),
    );
    for level in &guide.levels {
        let part = format!("{}", level.level);
        for lang in Lang::ALL {
            push(
                Some(&part),
                "level_name",
                Some(lang),
                level.name.get(lang).cloned().unwrap_or_default(),
            );
        }
        push(Some(&part), "steps", None, level.steps.join("\n"));
    }
    for step in &guide.steps {
        let part = Some(step.slug.as_str());
        for lang in Lang::ALL {
            let text = step.text.get(lang);
            let get = |f: fn(&StepText) -> String| text.map(f).unwrap_or_default();
            push(part, "title", Some(lang), get(|t| t.title.clone()));
            push(part, "summary", Some(lang), get(|t| t.summary.clone()));
            push(
                part,
                "responsible",
                Some(lang),
                get(|t| t.responsible.clone()),
            );
            push(
                part,
                "deadline",
                Some(lang),
                get(|t| t.deadline.clone().unwrap_or_default()),
            );
            push(
                part,
                "questions",
                Some(lang),
                get(|t| t.questions.join("\n")),
            );
            push(part, "body", Some(lang), get(|t| t.body.clone()));
        }
        push(
            part,
            "responsible_role",
            None,
            step.responsible_role.key().into(),
        );
        push(
            part,
            "deadline_days",
            None,
            step.deadline_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
        push(
            part,
            "urgent",
            None,
            if step.urgent { "ja" } else { "nei" }.into(),
        );
        push(part, "tools", None, step.tools.join(", "));
        push(part, "relies_on", None, step.relies_on.join(", "));
        push(
            part,
            "decisions",
            None,
            step.decisions
                .iter()
                .map(|d| {
                    let target = match &d.target {
                        DecisionTarget::Step(s) => s.clone(),
                        DecisionTarget::Level(l) => format!("nivå {l}"),
                        DecisionTarget::Outcome(o) => o.key().to_string(),
                    };
                    let label = d
                        .label
                        .nb
                        .as_deref()
                        .or(d.label.nn.as_deref())
                        .unwrap_or("");
                    format!("{label} → {target}")
                })
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    fields
}

fn keys<T: Copy>(values: &[T], key: fn(&T) -> &'static str) -> String {
    values.iter().map(key).collect::<Vec<_>>().join(", ")
}

/// The fields that differ between two versions of one object, words marked.
pub fn changes(old: &[Field], new: &[Field]) -> Vec<FieldChange> {
    let empty = String::new();
    let mut out = Vec::new();
    let mut push = |field: &Field, before: &str, after: &str| {
        if before != after {
            let (old_spans, new_spans) = word_diff(before, after);
            out.push(FieldChange {
                part: field.part.clone(),
                name: field.name,
                lang: field.lang,
                old: old_spans,
                new: new_spans,
            });
        }
    };
    for field in new {
        let before = old
            .iter()
            .find(|f| f.is_same_field(field))
            .map_or(&empty, |f| &f.value);
        push(field, before, &field.value);
    }
    // Fields of a part that is gone, such as a deleted step.
    for field in old
        .iter()
        .filter(|f| !new.iter().any(|n| n.is_same_field(f)))
    {
        push(field, &field.value, &empty);
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
                part: None,
                name: "title",
                lang: Some(Lang::Nb),
                value: "PPT".into(),
            },
            Field {
                part: None,
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
            part: None,
            name: "summary",
            lang: Some(Lang::Nn),
            value: "Ny tekst".into(),
        }];
        let found = changes(&[], &new);
        assert_eq!(found[0].old, Vec::<Span>::new());
        assert_eq!(marked(&found[0].new), ["Ny tekst"]);
    }

    #[test]
    fn a_part_that_is_gone_is_all_removed() {
        let old = vec![Field {
            part: Some("steg-a".into()),
            name: "title",
            lang: Some(Lang::Nb),
            value: "Kartlegg".into(),
        }];
        let found = changes(&old, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].part.as_deref(), Some("steg-a"));
        assert_eq!(marked(&found[0].old), ["Kartlegg"]);
        assert!(found[0].new.is_empty());
    }
}
