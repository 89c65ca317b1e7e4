//! The forms' wording over HTTP: a tenant's own texts for a form written, previewed,
//! published (the form page and its PDF use them), compared, restored and unpublished
//! (Saman's texts again); bad input kept; import keeping the wording's id.

use crate::common::{Backend, TestApp, copy_dir, fixture, hidden, import_folder};
use crate::editor::Editor;
use saman_domain::FormWording;
use saman_domain::access::Role;
use saman_store::{AuditFilter, FormState, ImportOutcome};

crate::on_both_backends!(
    a_wording_is_written_published_used_in_the_pdf_restored_and_unpublished,
    bad_wording_comes_back_kept_and_nothing_is_saved,
    import_keeps_the_wordings_id,
);

async fn wording(app: &TestApp, form: &str) -> Option<FormState> {
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    app.store
        .editable::<FormWording>(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.object.form == form)
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn public(app: &TestApp, path: &str) -> String {
    reqwest::get(format!("{}{path}", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn a_wording_is_written_published_used_in_the_pdf_restored_and_unpublished(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (status, list) = editor.get("/nb/testvik/rediger").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("/rediger/skjema/ny?skjema=samtale") && list.contains("Samans tekster"),
        "a form without the tenant's wording is offered: {list}"
    );
    assert!(
        list.contains("Observasjonsskjema for barnehagen"),
        "the imported wording is listed by its title"
    );
    let (status, page) = editor
        .get("/nb/testvik/rediger/skjema/ny?skjema=samtale")
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Samans tekst: «Samtale med barnet»"),
        "{page}"
    );
    assert!(
        page.contains("Samans tekst: «Førenamnet til barnet»") && page.contains("id=\"t-barn-nn\""),
        "Saman's text in each language beside its field"
    );
    let csrf = hidden(&page, "csrf");
    let (status, _, location) = editor
        .post(
            "/nb/testvik/rediger/skjema/ny",
            &form(&[
                ("csrf", &csrf),
                ("base", ""),
                ("form", "samtale"),
                ("t-title-nb", "Elevsamtale"),
                ("t-barn-nb", "Elevens fornavn"),
                ("t-barn-nn", "Førenamnet til eleven"),
                ("t-fortalt-hint-nb", "Skriv elevens egne ord."),
                ("t-intro-nn", "  "),
            ]),
        )
        .await;
    assert_eq!(status, 303, "created");
    assert!(location.ends_with("?lagret=1"), "{location}");
    let created = wording(&app, "samtale").await.unwrap();
    assert_eq!((created.head, created.live), (1, None));
    let nb = created.object.text.nb.as_ref().unwrap();
    assert_eq!(nb.len(), 3);
    assert_eq!(
        created
            .object
            .text
            .nn
            .as_ref()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["barn"],
        "an empty text is Saman's, not saved"
    );
    assert!(
        !public(&app, "/nb/testvik/skjema/samtale")
            .await
            .contains("Elevsamtale"),
        "a draft is not public"
    );
    let href = format!("/nb/testvik/rediger/skjema/{}", created.id);
    let (status, preview) = editor.get(&format!("{href}/forhandsvisning")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("Elevsamtale") && preview.contains("Skriv elevens egne ord."));
    assert!(preview.contains("preview-banner"));
    assert!(
        !preview.contains("Lag PDF"),
        "the preview makes no PDF (it would be in the published words)"
    );

    let publish = |version: i64| form(&[("csrf", &csrf), ("version", &version.to_string())]);
    let (status, _, _) = editor.post(&format!("{href}/publiser"), &publish(1)).await;
    assert_eq!(status, 303);
    let page = public(&app, "/nb/testvik/skjema/samtale").await;
    assert!(page.contains("Elevsamtale") && page.contains("Elevens fornavn"));
    assert!(
        page.contains("Dato for samtalen"),
        "a text left empty is Saman's"
    );
    assert!(
        public(&app, "/nb/testvik/skjema")
            .await
            .contains("Elevsamtale")
    );
    let nn = public(&app, "/nn/testvik/skjema/samtale").await;
    assert!(nn.contains("Førenamnet til eleven") && !nn.contains("Elevsamtale"));

    // The PDF is made with the tenant's words.
    let response = app
        .client
        .post(format!("{}/nb/testvik/skjema/samtale", app.base))
        .form(&[
            ("barn", "Åse"),
            ("dato", "05.03.2026"),
            ("fortalt", "Det går bra."),
            ("samtaleleder", "Kari"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let pdf = response.bytes().await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    for expected in ["Elevsamtale", "Elevens fornavn", "Åse", "Det går bra."] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }

    // Changed, compared, and the first version restored.
    let (status, _, _) = editor
        .post(
            &href,
            &form(&[
                ("csrf", &csrf),
                ("base", "1"),
                ("form", "samtale"),
                ("t-title-nb", "Samtale med eleven"),
                ("t-barn-nb", "Elevens fornavn"),
                ("t-barn-nn", "Førenamnet til eleven"),
            ]),
        )
        .await;
    assert_eq!(status, 303);
    let (status, history) = editor.get(&format!("{href}/historikk")).await;
    assert_eq!(status, 200);
    assert!(history.contains("Tittel (bokmål)"), "{history}");
    assert!(
        history.contains("Hva fortalte barnet?: hjelpetekst (bokmål)"),
        "{history}"
    );
    assert!(
        public(&app, "/nb/testvik/skjema/samtale")
            .await
            .contains("Elevsamtale"),
        "the published version is served while the edit is a draft"
    );
    let (status, _, location) = editor
        .post(
            &format!("{href}/gjenopprett"),
            &form(&[("csrf", &csrf), ("version", "1"), ("base", "2")]),
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.contains("gjenopprettet=1"), "{location}");
    let restored = wording(&app, "samtale").await.unwrap();
    assert_eq!(restored.head, 3);
    assert_eq!(restored.object.text, created.object.text);

    // Unpublished: Saman's texts again.
    let (status, _, _) = editor
        .post(&format!("{href}/avpubliser"), &form(&[("csrf", &csrf)]))
        .await;
    assert_eq!(status, 303);
    let page = public(&app, "/nb/testvik/skjema/samtale").await;
    assert!(page.contains("Samtale med barnet") && !page.contains("Elevsamtale"));

    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let audit = app
        .store
        .audit_entries(Some(&tenant.id), &AuditFilter::default())
        .await
        .unwrap();
    let target = format!("form:{}", created.id);
    for action in [
        "content-saved",
        "content-published",
        "content-restored",
        "content-unpublished",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.target == target),
            "{action}"
        );
    }
}

async fn bad_wording_comes_back_kept_and_nothing_is_saved(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (_, page) = editor
        .get("/nn/testvik/rediger/skjema/ny?skjema=samtale")
        .await;
    let csrf = hidden(&page, "csrf");
    let long = "å".repeat(1001);
    let (status, page, _) = editor
        .post(
            "/nn/testvik/rediger/skjema/ny",
            &form(&[
                ("csrf", &csrf),
                ("base", ""),
                ("form", "samtale"),
                ("t-title-nb", "To\nlinjer"),
                ("t-intro-nn", &long),
                ("t-barn-nn", "Namnet til eleven"),
            ]),
        )
        .await;
    assert_eq!(status, 422);
    for field in ["#t-title-nb", "#t-intro-nn"] {
        assert!(
            page.contains(&format!("href=\"{field}\"")),
            "{field}: {page}"
        );
    }
    assert!(
        page.contains("Tittel (bokmål): "),
        "the message names the text: {page}"
    );
    assert!(page.contains(&long) && page.contains("value=\"Namnet til eleven\""));
    assert!(wording(&app, "samtale").await.is_none(), "nothing saved");
    let (status, page, _) = editor
        .post(
            "/nn/testvik/rediger/skjema/ny",
            &form(&[
                ("csrf", &csrf),
                ("form", "samtale"),
                ("t-barn-nn", "Namnet til eleven"),
                ("comment", "ny\u{0}linje"),
            ]),
        )
        .await;
    assert_eq!(status, 422, "a comment is checked like any text");
    assert!(page.contains("href=\"#comment\""), "{page}");
    assert!(wording(&app, "samtale").await.is_none(), "nothing saved");

    // A form Saman does not have, and a wording for a form that has one already.
    let (status, _, _) = editor
        .post(
            "/nn/testvik/rediger/skjema/ny",
            &form(&[
                ("csrf", &csrf),
                ("form", "finnes-ikke"),
                ("t-title-nb", "X"),
            ]),
        )
        .await;
    assert_eq!(status, 404);
    let existing = wording(&app, "observasjon").await.unwrap();
    let (status, _, location) = editor
        .post(
            "/nn/testvik/rediger/skjema/ny",
            &form(&[
                ("csrf", &csrf),
                ("form", "observasjon"),
                ("t-title-nb", "X"),
            ]),
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.contains(&existing.id) && location.ends_with("?nyere=1"));
    assert_eq!(
        wording(&app, "observasjon").await.unwrap().head,
        existing.head
    );
    let (status, _) = editor
        .get("/nn/testvik/rediger/skjema/ny?skjema=observasjon")
        .await;
    assert_eq!(status, 303, "a form with a wording opens it");

    // Without the form's token nothing is saved.
    let (status, _, _) = editor
        .post(
            &format!("/nn/testvik/rediger/skjema/{}", existing.id),
            &form(&[("csrf", "feil"), ("base", "1"), ("t-title-nb", "X")]),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        wording(&app, "observasjon").await.unwrap().head,
        existing.head
    );
}

async fn import_keeps_the_wordings_id(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let before = wording(&app, "observasjon").await.unwrap();
    assert_eq!(before.live, Some(before.head), "imported as published");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    let path = dir.path().join("skjema/observasjon.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("Barnets fornavn", "Barnets navn")).unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    let after = wording(&app, "observasjon").await.unwrap();
    assert_eq!(after.id, before.id);
    assert_eq!(after.head, before.head + 1);
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Unchanged
    );
    assert!(
        public(&app, "/nb/testvik/skjema/observasjon")
            .await
            .contains("Barnets navn"),
        "the imported wording is served at once"
    );
    // Without the file, the wording is gone and Saman's texts are back.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    assert!(wording(&app, "observasjon").await.is_none());
    assert!(
        public(&app, "/nb/testvik/skjema/observasjon")
            .await
            .contains("Barnets fornavn eller initialer")
    );
}
