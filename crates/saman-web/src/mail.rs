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
}
