//! The mails Saman sends, in the recipient's language: plain text with the same as
//! simple HTML. They carry a link and never anything about a child.

use crate::i18n::Tr;
use saman_store::Mail;

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A mail of paragraphs with one link.
fn mail(to: &str, subject: String, paragraphs: &[String], link: &str, footer: String) -> Mail {
    let text = format!("{}\n\n{link}\n\n{footer}\n", paragraphs.join("\n\n"));
    let html = format!(
        "<!DOCTYPE html><html><body>{}<p><a href=\"{link}\">{link}</a></p><p>{}</p></body></html>",
        paragraphs
            .iter()
            .map(|p| format!("<p>{}</p>", escape(p)))
            .collect::<String>(),
        escape(&footer),
        link = escape(link)
    );
    Mail {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

/// An invitation to a tenant, with the link to set a password (or, for a person who
/// already has one, to log in).
pub fn invitation(
    tr: Tr,
    to: &str,
    tenant_name: &str,
    role: &str,
    link: &str,
    new_account: bool,
) -> Mail {
    let action = if new_account {
        tr.t("mail-invite-set-password")
    } else {
        tr.t("mail-invite-log-in")
    };
    mail(
        to,
        tr.t1("mail-invite-subject", "tenant", tenant_name.to_string()),
        &[
            tr.t("mail-greeting"),
            format!(
                "{} {action}",
                tr.ta(
                    "mail-invite-body",
                    [
                        ("tenant", tenant_name.to_string().into()),
                        ("role", role.to_string().into())
                    ]
                )
            ),
        ],
        link,
        tr.t("mail-footer"),
    )
}

pub fn password_reset(tr: Tr, to: &str, tenant_name: &str, link: &str) -> Mail {
    mail(
        to,
        tr.t1("mail-reset-subject", "tenant", tenant_name.to_string()),
        &[tr.t("mail-greeting"), tr.t("mail-reset-body")],
        link,
        tr.t("mail-reset-footer"),
    )
}

/// News in relay logs the person takes part in: a link to "my logs", nothing about
/// any child.
pub fn relay_news(tr: Tr, to: &str, tenant_name: &str, link: &str, count: usize) -> Mail {
    mail(
        to,
        tr.t1("mail-relay-subject", "tenant", tenant_name.to_string()),
        &[
            tr.t("mail-greeting"),
            tr.t1("mail-relay-body", "count", count as i64),
        ],
        link,
        tr.t("mail-relay-footer"),
    )
}

/// The mail about a person's relay log notifications, with the tenant's name in their
/// language (`names` by slug) and the link to "my logs" at `base_url`.
pub fn relay_notification_mail(
    pending: &saman_relay::storage::notifications::PendingMail,
    base_url: &str,
    tenant_name: &str,
) -> Mail {
    let tr = Tr::new(pending.language);
    let link = format!(
        "{base_url}{}",
        crate::urls::TenantUrls::new(pending.language, &pending.tenant_slug).relay_list()
    );
    relay_news(tr, &pending.email, tenant_name, &link, pending.count)
}

/// A reminder of the items of a tenant due for review, with the review page's address.
pub fn review_reminder_mail(
    reminder: &saman_store::ReviewReminder,
    base_url: &str,
    tenant_name: &str,
) -> Mail {
    let tr = Tr::new(reminder.language);
    let link = format!(
        "{base_url}{}",
        crate::urls::TenantUrls::new(reminder.language, &reminder.tenant_slug).at("/gjennomgang")
    );
    let items = reminder
        .items
        .iter()
        .map(|(title, date)| format!("– {title} ({})", tr.date(*date)))
        .collect::<Vec<_>>()
        .join("\n");
    mail(
        &reminder.email,
        tr.t1("mail-review-subject", "tenant", tenant_name.to_string()),
        &[tr.t("mail-greeting"), tr.t("mail-review-body"), items],
        &link,
        tr.t("mail-review-footer"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use saman_domain::Lang;

    #[test]
    fn mails_are_plain_and_escaped() {
        let m = invitation(
            Tr::new(Lang::Nn),
            "a@b.no",
            "Lauvdal <og> Strandheim",
            "redaktør",
            "http://x/nn/t/invitasjon/abc",
            true,
        );
        assert!(m.subject.contains("Lauvdal <og> Strandheim"));
        assert!(m.text.contains("http://x/nn/t/invitasjon/abc"));
        assert!(m.html.contains("Lauvdal &lt;og&gt; Strandheim"));
        assert!(!m.html.contains("<og>"));
    }

    #[test]
    fn relay_news_carries_a_link_and_nothing_else() {
        let m = relay_news(
            Tr::new(Lang::Nb),
            "a@b.no",
            "Fjordvik kommune",
            "http://x/nb/fjordvik/stafettlogg",
            3,
        );
        assert!(m.text.contains("http://x/nb/fjordvik/stafettlogg") && m.text.contains("3"));
        assert!(m.subject.contains("Fjordvik kommune"));
    }
}
