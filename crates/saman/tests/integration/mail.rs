//! Mail: an invited person sets a password from the link and logs in, a forgotten
//! password is reset by mail, and the outbox survives an SMTP outage and sends each
//! mail once even when two senders run at the same time.

use crate::common::{
    Backend, PASSWORD, TestApp, add_person, cookie_client, hidden, session_cookie, signed_in_page,
};
use crate::smtp::TestSmtp;
use saman::mailer::Mailer;
use saman_domain::access::Role;
use saman_domain::auth::password;
use saman_store::{AuditContext, Mail, NewUser};

crate::on_both_backends!(
    an_invited_editor_sets_a_password_and_logs_in,
    a_forgotten_password_is_reset_by_mail_and_answers_never_tell,
    the_outbox_survives_an_outage_and_sends_each_mail_once,
);

/// The link in a mail's text.
fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no link in {text}"))
        .to_string()
}

async fn admin_cookie(app: &TestApp) -> String {
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let id = add_person(
        &app.store,
        Some("testvik"),
        "admin@testvik.example",
        Role::TenantAdmin,
    )
    .await;
    session_cookie(&app.store, &id, record.id.as_str()).await
}

async fn an_invited_editor_sets_a_password_and_logs_in(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let cookie = admin_cookie(&app).await;
    let admin = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = signed_in_page(&app, "/nb/testvik/admin/brukere", &cookie).await;
    let csrf = hidden(&page, "csrf");
    let invite = |form: Vec<(&'static str, String)>| {
        admin
            .post(format!("{}/nb/testvik/admin/brukere/inviter", app.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    // Problems come back at their fields, with the input kept.
    let response = invite(vec![
        ("csrf", csrf.clone()),
        ("email", "ikke en adresse".into()),
        ("name", "Rita Redaktør".into()),
        ("role", "guardian".into()),
        ("service", "finnes-ikke".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    for message in [
        "gyldig e-postadresse",
        "Velg en rolle",
        "bare tjenester fra listen",
    ] {
        assert!(page.contains(message), "{message}");
    }
    assert!(
        page.contains("value=\"Rita Redaktør\""),
        "the input is kept"
    );
    assert!(
        app.store.outbox(10).await.unwrap().is_empty(),
        "nothing was sent"
    );

    let response = invite(vec![
        ("csrf", csrf.clone()),
        ("email", "rita@testvik.example".into()),
        ("name", "Rita Redaktør".into()),
        ("role", "editor".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Invitasjonen til rita@testvik.example er sendt")
    );
    let outbox = app.store.outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    let mail = &outbox[0].mail;
    assert_eq!(mail.to, "rita@testvik.example");
    assert!(mail.subject.contains("Invitasjon"));
    assert!(mail.html.contains("<a href=\"http://"));
    let link = link_in(&mail.text);
    let path = link.strip_prefix(&app.base).unwrap().to_string();
    assert!(path.starts_with("/nb/testvik/invitasjon/"));

    // The person opens the link and sets a password.
    let rita = cookie_client();
    let page = rita.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Rita Redaktør"));
    let csrf = hidden(&page, "csrf");
    let response = rita
        .post(&link)
        .form(&[
            ("csrf", csrf.as_str()),
            ("new", PASSWORD),
            ("repeat", "noe annet helt"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let response = rita
        .post(&link)
        .form(&[
            ("csrf", csrf.as_str()),
            ("new", PASSWORD),
            ("repeat", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/nb/testvik/logg-inn?passord=satt"
    );
    // The link works once.
    let page = rita.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Lenken virker ikke lenger"));
    let account = app
        .store
        .account_by_email("rita@testvik.example")
        .await
        .unwrap()
        .unwrap();
    assert!(password::verify(
        PASSWORD,
        account.password_hash.as_deref().unwrap()
    ));

    // And the audit log has it all.
    let page = signed_in_page(&app, "/nb/testvik/admin/revisjon", &cookie).await;
    for event in [
        "invitert",
        "invitasjon tatt i bruk",
        "konto opprettet",
        "rolle gitt",
    ] {
        assert!(page.contains(event), "{event}");
    }
}

async fn a_forgotten_password_is_reset_by_mail_and_answers_never_tell(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    app.store
        .add_user(
            &NewUser {
                email: "glemsk@testvik.example",
                name: "Glenn Glemsk",
                language: saman_domain::Lang::Nn,
                password_hash: Some(password::hash(PASSWORD)),
                role: Role::Editor,
                tenant: Some(&record.id),
                services: &[],
            },
            &AuditContext::command_line(Some(record.id.clone())),
        )
        .await
        .unwrap();
    let browser = cookie_client();
    let mut answers = Vec::new();
    for email in ["ingen@testvik.example", "glemsk@testvik.example"] {
        let page = browser
            .get(format!("{}/nb/testvik/glemt-passord", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden(&page, "csrf");
        let response = browser
            .post(format!("{}/nb/testvik/glemt-passord", app.base))
            .form(&[("csrf", csrf.as_str()), ("email", email)])
            .send()
            .await
            .unwrap();
        answers.push((response.status(), response.text().await.unwrap()));
    }
    assert_eq!(
        answers[0], answers[1],
        "the same answer for an unknown address"
    );
    // The link is made after answering: wait for it.
    let mut outbox = Vec::new();
    for _ in 0..100 {
        outbox = app.store.outbox(10).await.unwrap();
        if !outbox.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].mail.to, "glemsk@testvik.example");
    assert!(
        outbox[0].mail.subject.starts_with("Nytt passord"),
        "in the person's language (nynorsk)"
    );
    assert!(
        outbox[0]
            .mail
            .text
            .contains("Nokon bad om eit nytt passord")
    );
    let link = link_in(&outbox[0].mail.text);
    let page = browser
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    let new_password = "ny sommerfuglvinge i lyngen";
    let response = browser
        .post(&link)
        .form(&[
            ("csrf", csrf.as_str()),
            ("new", new_password),
            ("repeat", new_password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let account = app
        .store
        .account_by_email("glemsk@testvik.example")
        .await
        .unwrap()
        .unwrap();
    assert!(password::verify(
        new_password,
        account.password_hash.as_deref().unwrap()
    ));
    assert!(!password::verify(
        PASSWORD,
        account.password_hash.as_deref().unwrap()
    ));
}

async fn the_outbox_survives_an_outage_and_sends_each_mail_once(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    for i in 0..3 {
        app.store
            .enqueue_mail(
                None,
                &Mail {
                    to: format!("mottaker{i}@testvik.example"),
                    subject: format!("Melding {i}"),
                    text: "Tekst".into(),
                    html: "<p>Tekst</p>".into(),
                },
            )
            .await
            .unwrap();
    }
    // The mail server is down: nothing is sent, nothing is lost.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = Mailer::new(
        &format!("smtp://127.0.0.1:{closed_port}"),
        "Saman <ikke-svar@saman.invalid>",
    )
    .unwrap();
    assert_eq!(down.send_due(&app.store).await.unwrap(), (0, 3));
    let outbox = app.store.outbox(10).await.unwrap();
    assert!(
        outbox
            .iter()
            .all(|m| m.sent_at.is_none() && m.attempts == 1 && m.last_error.is_some())
    );
    // Not due again until its backoff has passed.
    assert_eq!(down.send_due(&app.store).await.unwrap(), (0, 0));

    // The server answers, but refuses for now (451): still kept.
    let smtp = TestSmtp::start().await;
    smtp.refusing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    make_due(&app).await;
    let refusing = Mailer::new(&smtp.url(), "Saman <ikke-svar@saman.invalid>").unwrap();
    assert_eq!(refusing.send_due(&app.store).await.unwrap(), (0, 3));

    // It is back: two senders at once (two instances) send each mail exactly once.
    smtp.refusing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    make_due(&app).await;
    let a = Mailer::new(&smtp.url(), "Saman <ikke-svar@saman.invalid>").unwrap();
    let b = Mailer::new(&smtp.url(), "Saman <ikke-svar@saman.invalid>").unwrap();
    let (ra, rb) = tokio::join!(a.send_due(&app.store), b.send_due(&app.store));
    let sent = ra.unwrap().0 + rb.unwrap().0;
    assert_eq!(sent, 3);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 3, "{messages:?}");
    for i in 0..3 {
        assert_eq!(
            messages
                .iter()
                .filter(|m| m.contains(&format!("mottaker{i}@testvik.example")))
                .count(),
            1
        );
    }
    assert!(messages[0].contains("multipart/alternative"));
    assert!(
        app.store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .all(|m| m.sent_at.is_some())
    );
    assert_eq!(a.send_due(&app.store).await.unwrap(), (0, 0));
}

/// Moves every unsent mail's next attempt to now, as if its backoff had passed.
async fn make_due(app: &TestApp) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    sqlx::query("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE sent_at IS NULL")
        .execute(&mut conn)
        .await
        .unwrap();
}
