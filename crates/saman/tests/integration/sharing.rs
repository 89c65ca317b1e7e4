//! Building on another municipality's model: a new tenant starts from a copy of a demo
//! guide; only what is offered, and only its published version, is copied, and only by
//! the tenant's administrators.

use crate::common::{Backend, TestApp, add_person, hidden, import_folder, session_cookie};
use crate::editor::Editor;
use saman_domain::access::Role;
use saman_domain::{Guide, Item};
use saman_store::{AuditFilter, Copied, Sharing};

crate::on_both_backends!(
    a_new_tenant_starts_from_a_copy_of_a_demo_guide,
    only_what_is_offered_and_published_is_copied,
    only_administrators_share_and_copy,
);

/// A new municipality: settings and nothing else.
async fn new_tenant(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tenant.toml"),
        "slug = \"nyvik\"\ndefault_language = \"nb\"\nmunicipality_numbers = [\"9997\"]\n\n\
         [nb]\nname = \"Nyvik kommune\"\nmodel_name = \"Samhandlingsmodellen\"\nintro = \"Under arbeid.\"\n",
    )
    .unwrap();
    import_folder(&app.store, dir.path()).await;
}

async fn fjordvik_school_guide(app: &TestApp) -> saman_store::GuideState {
    let fjordvik = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    app.store
        .editable::<Guide>(&fjordvik.id)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.object.slug == "skole")
        .unwrap()
}

async fn a_new_tenant_starts_from_a_copy_of_a_demo_guide(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    new_tenant(&app).await;
    let nyvik = app.store.tenant_by_slug("nyvik").await.unwrap().unwrap();
    let admin = Editor::new(&app, "nyvik", "admin@nyvik.example", Role::TenantAdmin).await;
    let source = fjordvik_school_guide(&app).await;

    // The demo's Fjordvik offers its whole model.
    let (status, page) = admin.get("/nb/nyvik/rediger/deling").await;
    assert_eq!(status, 200);
    assert!(page.contains("Handlingsveileder for skolene"), "{page}");
    let (status, _) = admin.get("/nn/nyvik/rediger/deling").await;
    assert_eq!(status, 200);
    let csrf = hidden(&page, "csrf");
    let (status, _, location) = admin
        .post(
            "/nb/nyvik/rediger/deling/kopier",
            &[
                ("csrf".into(), csrf.clone()),
                ("kommune".into(), "fjordvik".into()),
                ("veileder".into(), source.id.clone()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(
        location.contains("/nb/nyvik/rediger/veileder/") && location.ends_with("?kopiert=1"),
        "{location}"
    );

    let guides = app.store.editable::<Guide>(&nyvik.id).await.unwrap();
    assert_eq!(guides.len(), 1);
    let copy = &guides[0];
    assert_ne!(copy.id, source.id, "a new object");
    assert_eq!(copy.live, None, "a draft");
    assert_eq!(copy.object.steps, source.object.steps, "all of it");
    let provenance = copy.copied_from.as_ref().unwrap();
    assert_eq!(
        (
            provenance.tenant_slug.as_str(),
            provenance.object_id.as_str(),
            Some(provenance.version)
        ),
        ("fjordvik", source.id.as_str(), source.live)
    );
    // The tools and routines its steps use came with it, as drafts.
    let items = app.store.editable::<Item>(&nyvik.id).await.unwrap();
    let used: std::collections::BTreeSet<&str> = copy
        .object
        .steps
        .iter()
        .flat_map(|s| s.tools.iter().chain(&s.relies_on))
        .map(String::as_str)
        .collect();
    assert!(!used.is_empty());
    for slug in &used {
        let item = items.iter().find(|i| i.object.slug == *slug).unwrap();
        assert_eq!(item.live, None, "{slug} is a draft");
        assert_eq!(item.copied_from.as_ref().unwrap().tenant_slug, "fjordvik");
    }
    assert_eq!(items.len(), used.len(), "nothing else");

    // The editor page says where it came from; the public site shows nothing yet.
    let href = location.replace(&app.base, "");
    let (status, page) = admin.get(&href).await;
    assert_eq!(status, 200);
    assert!(page.contains("Kopiert fra fjordvik"), "{page}");
    let public = format!("{}/nb/nyvik/veileder/skole", app.base);
    assert_eq!(reqwest::get(&public).await.unwrap().status(), 404);
    let (status, _, _) = admin
        .post(
            &format!("{}/publiser", href.split('?').next().unwrap()),
            &[
                ("csrf".into(), csrf),
                ("version".into(), copy.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(reqwest::get(&public).await.unwrap().status(), 200);

    let audit = app
        .store
        .audit_entries(Some(&nyvik.id), &AuditFilter::default())
        .await
        .unwrap();
    let copied = audit
        .iter()
        .filter(|e| e.action == "content-copied")
        .count();
    assert_eq!(copied, 1 + used.len());
    // The offering tenant's log says its guide was taken.
    let fjordvik = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let theirs = app
        .store
        .audit_entries(Some(&fjordvik.id), &AuditFilter::default())
        .await
        .unwrap();
    let to_nyvik = format!("tenant:{}", nyvik.id.as_str());
    assert!(
        theirs
            .iter()
            .any(|e| e.action == "content-copied" && e.target == to_nyvik)
    );
    // History: the first version says it was copied.
    let history = app
        .store
        .history::<Guide>(&nyvik.id, &copy.id)
        .await
        .unwrap();
    assert_eq!(history.last().unwrap().change, saman_store::Change::Copy);
}

async fn only_what_is_offered_and_published_is_copied(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    new_tenant(&app).await;
    let nyvik = app.store.tenant_by_slug("nyvik").await.unwrap().unwrap();
    let testvik = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let ctx = saman_store::AuditContext::command_line(None);
    let source = fjordvik_school_guide(&app).await;

    // Testvik offers nothing: its guide cannot be copied, nor its model.
    let testvik_guide = app.store.editable::<Guide>(&testvik.id).await.unwrap()[0].clone();
    for guide in [Some(testvik_guide.id.as_str()), None] {
        let copied = app
            .store
            .copy_shared(&nyvik.id, "testvik", guide, &ctx)
            .await
            .unwrap();
        assert_eq!(copied, Copied::NotOffered);
    }
    // Refusals are audited: probing leaves a trace.
    let refused = app
        .store
        .audit_entries(Some(&nyvik.id), &AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "content-copied" && e.outcome == "failure")
        .count();
    assert_eq!(refused, 2);
    // Nor can a tenant copy from itself, or a guide of one tenant through another.
    let fjordvik = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let own = app
        .store
        .copy_shared(&fjordvik.id, "fjordvik", Some(&source.id), &ctx)
        .await
        .unwrap();
    assert_eq!(own, Copied::NotOffered);
    let through = app
        .store
        .copy_shared(&nyvik.id, "fjordvik", Some(&testvik_guide.id), &ctx)
        .await
        .unwrap();
    assert_eq!(through, Copied::NotOffered);

    // Testvik offers its guide alone: now it is copied, its draft never.
    let mut draft = testvik_guide.object.clone();
    draft.text.nb.as_mut().unwrap().title = "Et hemmelig utkast".into();
    let save = saman_store::Save {
        base: Some(testvik_guide.head),
        change: saman_store::Change::Edit,
        restored_from: None,
        comment: None,
    };
    app.store
        .save::<Guide>(&testvik.id, Some(&testvik_guide.id), &draft, &save, &ctx)
        .await
        .unwrap();
    let sharing = Sharing {
        model: false,
        guides: [testvik_guide.id.clone()].into(),
    };
    app.store
        .set_sharing(&testvik.id, &sharing, &ctx)
        .await
        .unwrap();
    let offers = app.store.offers(&nyvik.id).await.unwrap();
    let offered = offers.iter().find(|o| o.tenant_slug == "testvik").unwrap();
    assert!(!offered.whole_model);
    assert_eq!(offered.guides.len(), 1);
    assert_ne!(
        offered.guides[0].1.text.nb.as_ref().unwrap().title,
        "Et hemmelig utkast"
    );
    let copied = app
        .store
        .copy_shared(&nyvik.id, "testvik", Some(&testvik_guide.id), &ctx)
        .await
        .unwrap();
    let Copied::Copied { guides, .. } = copied else {
        panic!("not copied")
    };
    let copy = app
        .store
        .editable_one::<Guide>(&nyvik.id, &guides[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        copy.object.text.nb.as_ref().unwrap().title,
        testvik_guide.object.text.nb.as_ref().unwrap().title
    );
    // A second copy gets a slug of its own.
    let Copied::Copied { guides, .. } = app
        .store
        .copy_shared(&nyvik.id, "testvik", Some(&testvik_guide.id), &ctx)
        .await
        .unwrap()
    else {
        panic!("not copied")
    };
    let again = app
        .store
        .editable_one::<Guide>(&nyvik.id, &guides[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.object.slug, format!("{}-kopi", copy.object.slug));

    // Withdrawn: no longer offered, no longer copied.
    app.store
        .set_sharing(&testvik.id, &Sharing::default(), &ctx)
        .await
        .unwrap();
    assert!(
        app.store
            .offers(&nyvik.id)
            .await
            .unwrap()
            .iter()
            .all(|o| o.tenant_slug != "testvik")
    );
    let copied = app
        .store
        .copy_shared(&nyvik.id, "testvik", Some(&testvik_guide.id), &ctx)
        .await
        .unwrap();
    assert_eq!(copied, Copied::NotOffered);

    // The whole model of Fjordvik: every published item and guide, as drafts.
    let Copied::Copied { guides, items } = app
        .store
        .copy_shared(&nyvik.id, "fjordvik", None, &ctx)
        .await
        .unwrap()
    else {
        panic!("not copied")
    };
    let published_guides = app
        .store
        .editable::<Guide>(&fjordvik.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|g| g.live.is_some())
        .count();
    assert_eq!(guides.len(), published_guides);
    assert!(items > 10, "{items}");
    let nyvik_items = app.store.editable::<Item>(&nyvik.id).await.unwrap();
    assert!(nyvik_items.iter().all(|i| i.live.is_none()));
}

async fn only_administrators_share_and_copy(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    new_tenant(&app).await;
    let nyvik = app.store.tenant_by_slug("nyvik").await.unwrap().unwrap();
    let source = fjordvik_school_guide(&app).await;
    let editor = Editor::new(&app, "nyvik", "redaktor@nyvik.example", Role::Editor).await;
    let (status, _) = editor.get("/nb/nyvik/rediger/deling").await;
    assert_eq!(status, 404, "an editor does not share");
    let (status, list) = editor.get("/nb/nyvik/rediger").await;
    assert_eq!(status, 200);
    assert!(!list.contains("/rediger/deling"), "nor is offered the link");
    let csrf = hidden(&list, "csrf");
    let (status, _, _) = editor
        .post(
            "/nb/nyvik/rediger/deling/kopier",
            &[
                ("csrf".into(), csrf),
                ("kommune".into(), "fjordvik".into()),
                ("veileder".into(), source.id.clone()),
            ],
        )
        .await;
    assert_eq!(status, 404);
    assert!(
        app.store
            .editable::<Guide>(&nyvik.id)
            .await
            .unwrap()
            .is_empty()
    );

    // An administrator's form needs its token; a guide of another tenant is ignored.
    let admin = Editor::new(&app, "nyvik", "admin@nyvik.example", Role::TenantAdmin).await;
    let (_, page) = admin.get("/nb/nyvik/rediger/deling").await;
    let (status, _, _) = admin
        .post(
            "/nb/nyvik/rediger/deling",
            &[
                ("csrf".into(), "feil".into()),
                ("modell".into(), "ja".into()),
            ],
        )
        .await;
    assert_ne!(status, 303, "a forged form");
    assert!(!app.store.sharing(&nyvik.id).await.unwrap().model);
    let (status, _, _) = admin
        .post(
            "/nb/nyvik/rediger/deling",
            &[
                ("csrf".into(), hidden(&page, "csrf")),
                ("modell".into(), "ja".into()),
                ("veileder".into(), source.id.clone()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let sharing = app.store.sharing(&nyvik.id).await.unwrap();
    assert!(sharing.model && sharing.guides.is_empty(), "{sharing:?}");
    let fjordvik = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    assert!(
        app.store
            .sharing(&fjordvik.id)
            .await
            .unwrap()
            .guides
            .is_empty()
    );
    // Someone of another tenant is not let in.
    let other = add_person(
        &app.store,
        Some("fjordvik"),
        "admin2@fjordvik.example",
        Role::TenantAdmin,
    )
    .await;
    let cookie = session_cookie(&app.store, &other, fjordvik.id.as_str()).await;
    let r = reqwest::Client::new()
        .get(format!("{}/nb/nyvik/rediger/deling", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
