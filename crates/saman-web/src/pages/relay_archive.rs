//! The archive printout of a closed relay log: everything it holds, in the reader's
//! language, as a document for the child's file (PDF/A, typeset by saman-pdf).

use crate::i18n::Tr;
use saman_pdf::FormDocument;
use saman_relay::content::Content;
use saman_relay::{ConsentStatus, LogView};

/// The log as one document: the child, the people, consent, goals with measures and
/// evaluations, every entry in order, and how it was closed.
pub fn document(
    tr: Tr,
    municipality: &str,
    log: &LogView,
    service_name: impl Fn(&str) -> String,
) -> FormDocument {
    let mut fields = Vec::new();
    let mut field = |label: String, value: String| fields.push((label, value));
    let child = &log.child;
    let mut about = format!(
        "{}\n{}: {}",
        child.name,
        tr.t("relay-born"),
        tr.date(child.birth_date)
    );
    if let Some(pid) = &child.pid {
        about.push_str(&format!("\n{}: {pid}", tr.t("relay-archive-pid")));
    }
    field(tr.t("relay-child"), about);
    field(
        tr.t("relay-guardians"),
        log.guardians
            .iter()
            .map(|g| g.name.clone())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    field(tr.t("relay-concern"), log.concern.clone());
    field(
        tr.t("relay-level"),
        tr.t(&format!("relay-level-{}", log.level)),
    );
    field(
        tr.t("relay-holder"),
        format!(
            "{} ({})",
            log.holder_name,
            service_name(&log.holder_service)
        ),
    );
    if let Some((name, service)) = &log.coordinator {
        field(
            tr.t("relay-coordinator"),
            format!("{name} ({})", service_name(service)),
        );
    }
    field(
        tr.t("relay-people"),
        log.participants
            .iter()
            .map(|p| format!("{} ({})", p.name, service_name(&p.service)))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let consents = log
        .consents
        .iter()
        .filter(|c| c.status == ConsentStatus::Given)
        .map(|c| {
            let mut line = format!(
                "{} {}: {} – {}",
                tr.t("relay-consent-version"),
                c.consent.version,
                tr.date(c.consent.given_on),
                c.consent
                    .services
                    .iter()
                    .map(|s| service_name(s))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if let Some(by) = &c.given_by {
                line.push_str(&format!(" ({by})"));
            }
            if let Some(w) = c.consent.withdrawn_on {
                line.push_str(&format!(
                    ", {} {}",
                    tr.t("relay-consent-withdrawn"),
                    tr.date(w)
                ));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n");
    field(tr.t("relay-consent"), consents);
    for e in &log.entries {
        let who = if e.author_service.is_empty() {
            format!(
                "{} ({})",
                e.author_name,
                tr.t(&format!("role-{}", e.author_role))
            )
        } else {
            format!("{} ({})", e.author_name, service_name(&e.author_service))
        };
        let label = format!(
            "{} · {} · {}",
            tr.t(&format!("relay-entry-{}", e.content.kind())),
            who,
            tr.date_time(&e.created_at)
        );
        field(label, entry_text(tr, &e.content));
    }
    if let Some(closed) = &log.closed {
        field(
            tr.t("relay-closed"),
            format!(
                "{}: {}\n{}",
                tr.date_time(&closed.at),
                tr.t(&format!("relay-close-{}", closed.reason)),
                closed.note
            ),
        );
    }
    FormDocument {
        lang: tr.lang.code().into(),
        title: format!(
            "{} – {}",
            tr.t(if log.kind == saman_relay::LogKind::Plan {
                "relay-archive-title-plan"
            } else {
                "relay-archive-title"
            }),
            child.name
        ),
        subtitle: municipality.to_string(),
        intro: tr.t("relay-archive-intro"),
        fields,
        signatures: Vec::new(),
        footer: tr.t("relay-archive-footer"),
    }
}

fn entry_text(tr: Tr, content: &Content) -> String {
    match content {
        Content::Goal { text }
        | Content::Note { text }
        | Content::Voice { text }
        | Content::Message { text } => text.clone(),
        Content::Measure {
            text,
            responsible,
            starts_on,
            evaluate_on,
        } => format!(
            "{text}\n{}: {responsible}\n{}: {}\n{}: {}",
            tr.t("relay-measure-responsible"),
            tr.t("relay-measure-starts"),
            tr.date(*starts_on),
            tr.t("relay-measure-evaluate"),
            tr.date(*evaluate_on)
        ),
        Content::Evaluation {
            achieved,
            note,
            next_step,
        } => format!(
            "{}\n{note}\n{}: {next_step}",
            tr.t(&format!("relay-achieved-{}", achieved.key())),
            tr.t("relay-evaluation-next")
        ),
        Content::Meeting {
            held_on,
            present,
            summary,
            decisions,
        } => format!(
            "{}\n{}: {present}\n{}: {summary}\n{}: {decisions}",
            tr.date(*held_on),
            tr.t("relay-meeting-present"),
            tr.t("relay-meeting-summary"),
            tr.t("relay-meeting-decisions")
        ),
        Content::Level { from, to } => format!("{from} → {to}"),
        Content::Holder { from, to } => format!("{from} → {to}"),
        Content::Plan { coordinator } => format!("{}: {coordinator}", tr.t("relay-coordinator")),
    }
}

/// A printout of the log as it stands (not an archive), for a meeting or a family that
/// reads on paper.
pub fn printout(
    tr: Tr,
    municipality: &str,
    log: &LogView,
    service_name: impl Fn(&str) -> String,
) -> FormDocument {
    FormDocument {
        intro: tr.t("relay-print-intro"),
        ..document(tr, municipality, log, service_name)
    }
}

/// An empty log to fill in by hand, for a family that declines a digital one: the
/// relay holder records in Saman what was written, on the family's behalf.
pub fn empty_log(tr: Tr, municipality: &str) -> FormDocument {
    let blank = "\n\n\n\n".to_string();
    let fields = [
        "relay-child",
        "relay-born",
        "relay-guardians",
        "relay-concern",
        "relay-level",
        "relay-holder",
        "relay-consent-services",
        "relay-entry-goal",
        "relay-entry-measure",
        "relay-measure-responsible",
        "relay-measure-evaluate",
        "relay-entry-evaluation",
        "relay-entry-meeting",
        "relay-entry-voice",
    ]
    .iter()
    .map(|key| (tr.t(key), blank.clone()))
    .collect();
    FormDocument {
        lang: tr.lang.code().into(),
        title: tr.t("relay-archive-title"),
        subtitle: municipality.to_string(),
        intro: tr.t("relay-print-empty-intro"),
        fields,
        signatures: vec![
            tr.t("relay-print-signature-holder"),
            tr.t("relay-print-signature-family"),
        ],
        footer: tr.t("relay-archive-footer"),
    }
}

/// A service's name in the page's language, by its slug.
pub type ServiceName<'a> = dyn Fn(&str) -> String + 'a;

/// The consent form in one of its languages: empty, or filled from a log's consent
/// waiting for an answer (or its current one).
pub fn consent_form(
    text: &saman_relay::consent_form::ConsentFormText,
    municipality: &str,
    date: impl Fn(time::Date) -> String,
    log: Option<(&LogView, &ServiceName)>,
) -> FormDocument {
    let mut fields = Vec::new();
    let blank = "\n\n".to_string();
    match log {
        None => {
            fields.push((text.child.clone(), blank.clone()));
            fields.push((text.born.clone(), blank.clone()));
            fields.push((text.guardians.clone(), blank.clone()));
            fields.push((text.services.clone(), "\n\n\n".into()));
            fields.push((text.covers.clone(), "\n\n\n".into()));
            fields.push((text.until.clone(), blank));
        }
        Some((log, service_name)) => {
            let consent = log.pending_consent().or(log.current_consent());
            fields.push((text.child.clone(), log.child.name.clone()));
            fields.push((text.born.clone(), date(log.child.birth_date)));
            fields.push((
                text.guardians.clone(),
                log.guardians
                    .iter()
                    .map(|g| g.name.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
            fields.push((
                text.services.clone(),
                consent
                    .map(|c| {
                        c.consent
                            .services
                            .iter()
                            .map(|s| service_name(s))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
            ));
            fields.push((
                text.covers.clone(),
                consent
                    .map(|c| c.consent.covers.clone())
                    .unwrap_or_default(),
            ));
            fields.push((
                text.until.clone(),
                consent
                    .and_then(|c| c.consent.ends_on)
                    .map_or_else(|| text.no_end.clone(), date),
            ));
        }
    }
    fields.push((text.rights_label.clone(), text.rights.clone()));
    FormDocument {
        lang: text.language.clone(),
        title: text.title.clone(),
        subtitle: municipality.to_string(),
        intro: text.intro.clone(),
        fields,
        signatures: text.signatures.clone(),
        footer: text.footer.clone(),
    }
}
