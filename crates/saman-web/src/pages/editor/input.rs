//! The item editor's form: what the editor typed, kept as typed so a form with problems
//! comes back as it was sent, and turned into an item by the model's own rules.

use crate::i18n::Tr;
use saman_domain::rules::{self, FieldProblem, ModelProblem, References};
use saman_domain::*;

/// How many empty relation rows the form offers for new relations.
pub const NEW_RELATION_ROWS: usize = 3;

/// The item form as sent. Texts are per language, in `Lang::ALL` order.
#[derive(Debug, Clone, Default)]
pub struct ItemInput {
    pub slug: String,
    pub kind: String,
    pub title: [String; 2],
    pub summary: [String; 2],
    pub body: [String; 2],
    pub hours: [String; 2],
    pub levels: Vec<String>,
    pub targets: Vec<String>,
    pub prevention: Vec<String>,
    pub priorities: Vec<String>,
    pub owner: String,
    pub review_date: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub web: String,
    pub form: String,
    /// (relation type key, item slug); empty rows are ignored.
    pub relations: Vec<(String, String)>,
    /// The version the editor started from.
    pub base: String,
    /// The titles typed for a file to attach, kept when the upload is refused.
    pub attachment_titles: [String; 2],
    pub comment: String,
    pub csrf: String,
}

/// The index of a language in per-language arrays (`Lang::ALL` order).
pub fn lang_index(lang: Lang) -> usize {
    Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)
}

impl ItemInput {
    /// The form filled with an item.
    pub fn of(item: &Item, base: i64) -> ItemInput {
        let mut input = ItemInput {
            slug: item.slug.clone(),
            kind: item.kind.key().into(),
            levels: item.levels.iter().map(|l| l.key().into()).collect(),
            targets: item.target_groups.iter().map(|t| t.key().into()).collect(),
            prevention: item.prevention.iter().map(|p| p.key().into()).collect(),
            priorities: item.priorities.clone(),
            owner: item.owner.clone().unwrap_or_default(),
            review_date: item.review_date.map(format_iso_date).unwrap_or_default(),
            form: item.form.clone().unwrap_or_default(),
            relations: item
                .relations
                .iter()
                .map(|r| (r.kind.key().into(), r.to.clone()))
                .collect(),
            base: base.to_string(),
            ..ItemInput::default()
        };
        if let Some(c) = &item.contact {
            input.phone = c.phone.clone().unwrap_or_default();
            input.email = c.email.clone().unwrap_or_default();
            input.address = c.address.clone().unwrap_or_default();
            input.web = c.web.clone().unwrap_or_default();
        }
        for lang in Lang::ALL {
            if let Some(t) = item.text.get(lang) {
                let i = lang_index(lang);
                input.title[i] = t.title.clone();
                input.summary[i] = t.summary.clone();
                input.body[i] = t.body.clone();
                input.hours[i] = t.opening_hours.clone().unwrap_or_default();
            }
        }
        input
    }

    /// The form as a browser sends it (`application/x-www-form-urlencoded`).
    pub fn parse(body: &[u8]) -> ItemInput {
        let mut input = ItemInput::default();
        let mut relations: Vec<(usize, bool, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            let (name, lang) = match key.rsplit_once('-') {
                Some((name, code)) => match code.parse::<Lang>() {
                    Ok(lang) => (name.to_string(), Some(lang_index(lang))),
                    Err(_) => (key.to_string(), None),
                },
                None => (key.to_string(), None),
            };
            match (name.as_str(), lang) {
                ("title", Some(i)) => input.title[i] = value,
                ("summary", Some(i)) => input.summary[i] = value,
                ("body", Some(i)) => input.body[i] = normalize_newlines(&value),
                ("opening_hours", Some(i)) => input.hours[i] = value,
                ("slug", None) => input.slug = value.trim().to_string(),
                ("kind", None) => input.kind = value,
                ("level", None) => input.levels.push(value),
                ("target", None) => input.targets.push(value),
                ("prevention", None) => input.prevention.push(value),
                ("priority", None) => input.priorities.push(value),
                ("owner", None) => input.owner = value,
                ("review_date", None) => input.review_date = value.trim().to_string(),
                ("phone", None) => input.phone = value,
                ("email", None) => input.email = value,
                ("address", None) => input.address = value,
                ("web", None) => input.web = value,
                ("form", None) => input.form = value,
                ("base", None) => input.base = value,
                ("comment", None) => input.comment = value,
                ("csrf", None) => input.csrf = value,
                (other, None) => {
                    if let Some(i) = other
                        .strip_prefix("relation-type-")
                        .and_then(|n| n.parse().ok())
                    {
                        relations.push((i, true, value));
                    } else if let Some(i) = other
                        .strip_prefix("relation-to-")
                        .and_then(|n| n.parse().ok())
                    {
                        relations.push((i, false, value));
                    }
                }
                _ => {}
            }
        }
        let rows = relations
            .iter()
            .map(|(i, _, _)| i.saturating_add(1))
            .max()
            .unwrap_or(0);
        // Indexes are the browser's to send; only as many rows as a form can hold.
        let rows = rows.min(rules::limits::LIST + NEW_RELATION_ROWS);
        input.relations = vec![(String::new(), String::new()); rows];
        for (i, is_type, value) in relations {
            if let Some(row) = input.relations.get_mut(i) {
                if is_type {
                    row.0 = value;
                } else {
                    row.1 = value;
                }
            }
        }
        input
            .relations
            .retain(|(kind, to)| !kind.is_empty() && !to.is_empty());
        input
    }

    /// The item this input makes, with its attachments from `current`, or the problems
    /// with it: each with the id of its field and a message in the user's language.
    pub fn to_item(
        &self,
        tr: Tr,
        tenant: &Tenant,
        current: Option<&Item>,
        others: &[&Item],
    ) -> Result<Item, Vec<(String, String)>> {
        let mut problems: Vec<ModelProblem> = Vec::new();
        let mut push = |field: &'static str, lang: Option<Lang>, problem: FieldProblem| {
            problems.push(ModelProblem {
                place: rules::Place::Item(self.slug.clone()),
                lang,
                field,
                problem,
            })
        };
        let slug = match current {
            Some(item) => item.slug.clone(),
            None => {
                if !saman_domain::slug::is_valid(&self.slug) {
                    push("slug", None, FieldProblem::InvalidSlug);
                } else if others.iter().any(|o| o.slug == self.slug) {
                    push("slug", None, FieldProblem::SlugTaken);
                }
                self.slug.clone()
            }
        };
        let kind = Kind::from_key(&self.kind).unwrap_or(Kind::Document);
        // Others rely on a service being one: items it owns, the child welfare contacts.
        if let Some(current) = current
            && current.kind == Kind::Service
            && kind != Kind::Service
        {
            let owns = others
                .iter()
                .any(|o| o.owner.as_deref() == Some(&current.slug));
            let contact = [&tenant.child_welfare, &tenant.child_welfare_out_of_hours]
                .into_iter()
                .any(|c| c.as_deref() == Some(current.slug.as_str()));
            if owns || contact {
                push("kind", None, FieldProblem::ServiceInUse);
            }
        }
        let mut text = ByLang::default();
        for lang in Lang::ALL {
            let i = lang_index(lang);
            let any = [
                &self.title[i],
                &self.summary[i],
                &self.body[i],
                &self.hours[i],
            ]
            .iter()
            .any(|v| !v.trim().is_empty());
            if any {
                text.set(
                    lang,
                    ItemText {
                        title: self.title[i].trim().to_string(),
                        summary: self.summary[i].trim().to_string(),
                        body: self.body[i].trim_end().to_string(),
                        opening_hours: optional(&self.hours[i]),
                    },
                );
            }
        }
        if text.get(tenant.default_lang).is_none() {
            push(
                "title",
                Some(tenant.default_lang),
                FieldProblem::MissingDefaultLanguage,
            );
        }
        let review_date = match self.review_date.as_str() {
            "" => None,
            s => {
                let date = parse_iso_date(s);
                if date.is_none() {
                    push("review_date", None, FieldProblem::NotADate);
                }
                date
            }
        };
        let contact = Contact {
            phone: optional(&self.phone),
            email: optional(&self.email),
            address: optional(&self.address),
            web: optional(&self.web),
        };
        let item = Item {
            slug,
            kind,
            levels: keys_of(&self.levels, Level::ALL, Level::key),
            target_groups: keys_of(&self.targets, TargetGroup::ALL, TargetGroup::key),
            prevention: keys_of(&self.prevention, Prevention::ALL, Prevention::key),
            owner: optional(&self.owner),
            review_date,
            status: Status::Draft,
            priorities: tenant
                .priorities
                .iter()
                .filter(|p| self.priorities.contains(&p.key))
                .map(|p| p.key.clone())
                .collect(),
            text,
            contact: (!contact.is_empty()).then_some(contact),
            relations: self
                .relations
                .iter()
                .filter_map(|(kind, to)| {
                    Some(Relation {
                        kind: RelationType::from_key(kind)?,
                        to: to.clone(),
                    })
                })
                .collect(),
            attachments: current.map(|c| c.attachments.clone()).unwrap_or_default(),
            form: optional(&self.form).filter(|_| kind == Kind::Tool),
        };
        check_edited(&item, &mut problems);
        let refs = References::new(tenant, others.iter().copied().chain([&item]));
        rules::check_item_references(&item, &refs, &mut problems);
        if let Some(problem) = rules::check_line(&self.comment, rules::limits::SUMMARY) {
            problems.push(ModelProblem {
                place: rules::Place::Item(item.slug.clone()),
                lang: None,
                field: "comment",
                problem,
            });
        }
        if problems.is_empty() {
            Ok(item)
        } else {
            Err(problems.iter().map(|p| located(tr, p)).collect())
        }
    }
}

/// The model's rules for an item from the editor. Its attachments are the stored
/// version's (the form does not change them), checked when they came in, and carried
/// here without their contents, so they are not checked again.
pub fn check_edited(item: &Item, problems: &mut Vec<ModelProblem>) {
    let without_files = Item {
        attachments: Vec::new(),
        ..item.clone()
    };
    rules::check_item(&without_files, problems);
}

/// A trimmed value, or `None` if it is empty.
pub fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Browsers send line breaks in a textarea as CRLF; the model keeps LF.
pub fn normalize_newlines(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n")
}

/// The values of a closed set whose keys were sent, in the set's order.
fn keys_of<T: Copy>(sent: &[String], all: &[T], key: fn(T) -> &'static str) -> Vec<T> {
    all.iter()
        .copied()
        .filter(|v| sent.iter().any(|s| s == key(*v)))
        .collect()
}

/// A problem as (field id, "Label: message") in the user's language.
pub fn located(tr: Tr, problem: &ModelProblem) -> (String, String) {
    field_problem(tr, problem.field, problem.lang, &problem.problem)
}

/// What is wrong with a save's comment for the history (one line, not too long), at
/// the comment's field.
pub fn comment_problem(tr: Tr, comment: &str) -> Option<(String, String)> {
    rules::check_line(comment, rules::limits::SUMMARY)
        .map(|problem| field_problem(tr, "comment", None, &problem))
}

/// A field's problem as (field id, "Label: message"): the id is the field's name, with
/// its language for texts per language (`title-nn`).
pub fn field_problem(
    tr: Tr,
    field: &str,
    lang: Option<Lang>,
    problem: &FieldProblem,
) -> (String, String) {
    let id = match lang {
        Some(lang) => format!("{field}-{lang}"),
        None => field.to_string(),
    };
    let message = format!(
        "{}: {}",
        field_label(tr, field, lang),
        problem_text(tr, problem)
    );
    (id, message)
}

/// A field's label, with its language when it has one: "Tittel (nynorsk)".
pub fn field_label(tr: Tr, field: &str, lang: Option<Lang>) -> String {
    let label = tr.t(&format!("field-{field}"));
    match lang {
        Some(lang) => format!("{label} ({})", tr.t(&format!("lang-{lang}")).to_lowercase()),
        None => label,
    }
}

/// What is wrong, in the user's language.
pub fn problem_text(tr: Tr, problem: &FieldProblem) -> String {
    match problem {
        FieldProblem::Empty => tr.t("problem-empty"),
        FieldProblem::TooLong { max } => tr.t1("problem-too-long", "max", *max as i64),
        FieldProblem::LineBreak => tr.t("problem-line-break"),
        FieldProblem::ControlCharacter { .. } => tr.t("problem-control-character"),
        FieldProblem::LanguageMarker => tr.t("problem-language-marker"),
        FieldProblem::UnsafeLink { link } => tr.t1(
            "problem-unsafe-link",
            "link",
            link.chars().take(60).collect::<String>(),
        ),
        FieldProblem::NotWebAddress => tr.t("problem-not-web-address"),
        FieldProblem::NotEmailAddress => tr.t("problem-not-email"),
        FieldProblem::NotPhoneNumber => tr.t("problem-not-phone"),
        FieldProblem::TooMany { max } => tr.t1("problem-too-many", "max", *max as i64),
        FieldProblem::FileTooLarge { .. } => tr.t("problem-file-too-large"),
        FieldProblem::FileContent { .. } => tr.t("problem-file-content"),
        FieldProblem::FileType => tr.t("problem-file-type"),
        FieldProblem::UnknownReference { reference } => {
            tr.t1("problem-unknown-reference", "reference", reference.clone())
        }
        FieldProblem::NotAService { reference } => {
            tr.t1("problem-not-a-service", "reference", reference.clone())
        }
        FieldProblem::SelfRelation => tr.t("problem-self-relation"),
        FieldProblem::DuplicateRelation { reference } => {
            tr.t1("problem-duplicate-relation", "reference", reference.clone())
        }
        FieldProblem::InvalidSlug => tr.t("problem-invalid-slug"),
        FieldProblem::SlugTaken => tr.t("problem-slug-taken"),
        FieldProblem::MissingDefaultLanguage => tr.t("problem-missing-default-language"),
        FieldProblem::NotADate => tr.t("problem-not-a-date"),
        FieldProblem::NotANumber => tr.t("problem-not-a-number"),
        FieldProblem::InvalidFileName => tr.t("problem-invalid-file-name"),
        FieldProblem::FileExists => tr.t("problem-file-exists"),
        FieldProblem::NoFile => tr.t("problem-no-file"),
        FieldProblem::ServiceInUse => tr.t("problem-service-in-use"),
        FieldProblem::NoUrgentPath => tr.t("problem-no-urgent-path"),
        FieldProblem::StepInUse => tr.t("problem-step-in-use"),
        FieldProblem::NotAColour => tr.t("problem-not-a-colour"),
        FieldProblem::InUse => tr.t("problem-in-use"),
        FieldProblem::UnknownText { key } => tr.t1("problem-unknown-text", "key", key.clone()),
        FieldProblem::SynonymGroup => tr.t("problem-synonym-group"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_read_back_as_sent() {
        let body = "csrf=c&base=3&title-nb=PPT&title-nn=PPT&body-nb=a%0D%0Ab&level=kommune&level=individ\
                    &relation-type-1=se-ogsa&relation-to-1=bup&relation-type-0=&relation-to-0=\
                    &relation-type-9999999=se-ogsa&relation-to-9999999=x";
        let input = ItemInput::parse(body.as_bytes());
        assert_eq!(input.title, ["PPT".to_string(), "PPT".to_string()]);
        assert_eq!(input.body[0], "a\nb");
        assert_eq!(input.levels, ["kommune", "individ"]);
        assert_eq!(
            input.relations,
            [("se-ogsa".to_string(), "bup".to_string())]
        );
        assert_eq!(input.base, "3");
    }
}
