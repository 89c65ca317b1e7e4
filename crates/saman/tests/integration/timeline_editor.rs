//! The timeline's editor over HTTP: an entry written, previewed, published, changed,
//! compared, restored and deleted; bad input kept; import keeping its id.

use crate::common::{Backend, TestApp, copy_dir, fixture, hidden, import_folder};
use crate::editor::Editor;
use saman_domain::TimelineEntry;
use saman_domain::access::Role;
use saman_store::{AuditFilter, ImportOutcome, TimelineState};

crate::on_both_backends!(
    an_entry_is_written_published_changed_restored_and_deleted,
    bad_entry_input_comes_back_kept,
    import_keeps_the_entrys_id,
);

async fn entry(app: &TestApp, slug: &str) -> Option<TimelineState> {
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    app.store
        .editable::<TimelineEntry>(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.object.slug == slug)
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn an_entry_is_written_published_changed_restored_and_deleted(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (status, page) = editor.get("/nb/testvik/rediger/tidslinje/ny").await;
    assert_eq!(status, 200);
    let csrf = hidden(&page, "csrf");
    let (status, _, location) = editor
        .post(
            "/nb/testvik/rediger/tidslinje/ny",
            &form(&[
                ("csrf", &csrf),
                ("base", ""),
                ("slug", "ny-veileder"),
                ("date", "2026-11-20"),
                ("title-nb", "Ny veileder for skolene"),
                ("body-nb", "Skolene har fått en egen veileder."),
                ("title-nn", "Ny rettleiar for skulane"),
                ("body-nn", "Skulane har fått ein eigen rettleiar."),
            ]),
        )
        .await;
    assert_eq!(status, 303, "created");
    assert!(location.ends_with("?lagret=1"), "{location}");
    let created = entry(&app, "ny-veileder").await.unwrap();
    assert_eq!((created.head, created.live), (1, None));
    let public = format!("{}/nb/testvik/tidslinje", app.base);
    let text = reqwest::get(&public).await.unwrap().text().await.unwrap();
    assert!(
        !text.contains("Ny veileder for skolene"),
        "a draft is not public"
    );
    let href = format!("/nb/testvik/rediger/tidslinje/{}", created.id);
    let (status, preview) = editor.get(&format!("{href}/forhandsvisning")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("Ny veileder for skolene"));
    let publish = |version: i64| form(&[("csrf", &csrf), ("version", &version.to_string())]);
    let (status, _, _) = editor.post(&format!("{href}/publiser"), &publish(1)).await;
    assert_eq!(status, 303);
    let text = reqwest::get(&public).await.unwrap().text().await.unwrap();
    assert!(text.contains("Ny veileder for skolene"), "published");

    // Changed, compared word by word, and the old version restored.
    let (status, _, _) = editor
        .post(
            &href,
            &form(&[
                ("csrf", &csrf),
                ("base", "1"),
                ("date", "2026-11-20"),
                ("title-nb", "Ny veileder for skolene"),
                ("body-nb", "Skolene og SFO har fått en egen veileder."),
                ("title-nn", "Ny rettleiar for skulane"),
                ("body-nn", "Skulane har fått ein eigen rettleiar."),
            ]),
        )
        .await;
    assert_eq!(status, 303);
    let (status, page) = editor.get(&format!("{href}/historikk")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<ins>"), "{page}");
    let (status, _, location) = editor
        .post(
            &format!("{href}/gjenopprett"),
            &form(&[("csrf", &csrf), ("version", "1"), ("base", "2")]),
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.contains("gjenopprettet=1"), "{location}");
    let restored = entry(&app, "ny-veileder").await.unwrap();
    assert_eq!(restored.head, 3);
    assert_eq!(restored.object.text, created.object.text);

    // Deleted: gone from the public page, its history kept.
    let (status, _) = editor.get(&format!("{href}/slett")).await;
    assert_eq!(status, 200);
    let (status, _, location) = editor
        .post(&format!("{href}/slett"), &form(&[("csrf", &csrf)]))
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/rediger?slettet=1"), "{location}");
    assert!(entry(&app, "ny-veileder").await.is_none());
    let text = reqwest::get(&public).await.unwrap().text().await.unwrap();
    assert!(!text.contains("Ny veileder for skolene"));
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let audit = app
        .store
        .audit_entries(Some(&tenant.id), &AuditFilter::default())
        .await
        .unwrap();
    let target = format!("timeline:{}", created.id);
    for action in [
        "content-saved",
        "content-published",
        "content-restored",
        "content-deleted",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.target == target),
            "{action}"
        );
    }
}

async fn bad_entry_input_comes_back_kept(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (_, page) = editor.get("/nn/testvik/rediger/tidslinje/ny").await;
    let csrf = hidden(&page, "csrf");
    let (status, page, _) = editor
        .post(
            "/nn/testvik/rediger/tidslinje/ny",
            &form(&[
                ("csrf", &csrf),
                ("base", ""),
                ("slug", "start"),
                ("date", "20.11.2026"),
                ("title-nn", "Berre på nynorsk"),
            ]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("value=\"20.11.2026\"") && page.contains("Berre på nynorsk"));
    for field in ["#slug", "#date", "#title-nb"] {
        assert!(
            page.contains(&format!("href=\"{field}\"")),
            "{field}: {page}"
        );
    }
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    assert_eq!(
        app.store
            .editable::<TimelineEntry>(&tenant.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn import_keeps_the_entrys_id(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let before = entry(&app, "start").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    let path = dir.path().join("tidslinje/start.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("Vi er i gang.", "Vi er godt i gang.")).unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    let after = entry(&app, "start").await.unwrap();
    assert_eq!(after.id, before.id);
    assert_eq!(after.head, before.head + 1);
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Unchanged
    );
}
