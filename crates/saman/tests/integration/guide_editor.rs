//! The guide editor over HTTP: a step edited, previewed and published; steps added,
//! moved and deleted; a guide's history and restore; two editors' conflict; the urgent
//! path kept; bad input; and import keeping the guide's id.

use crate::common::{Backend, TestApp, copy_dir, fixture, hidden, import_folder};
use crate::editor::{Editor, set};
use saman_domain::access::Role;
use saman_domain::{Guide, Lang, Step};
use saman_store::{AuditFilter, GuideState, ImportOutcome};

crate::on_both_backends!(
    an_editor_edits_a_step_and_publishes_the_guide,
    steps_are_added_moved_and_deleted_and_history_restores,
    a_stale_guide_save_gets_the_conflict_page_and_loses_nothing,
    a_guide_without_the_urgent_path_is_not_published,
    bad_step_input_comes_back_kept_with_messages,
    import_keeps_the_guides_id_and_versions_only_what_changed,
    guides_fall_due_for_review_are_reminded_and_confirmed,
    an_item_a_guide_draft_uses_is_not_deleted,
);

/// The guide form for a guide, as a browser would send it unchanged.
fn guide_form(guide: &Guide, base: i64, csrf: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("csrf".to_string(), csrf.to_string()),
        ("base".into(), base.to_string()),
        ("area".into(), guide.area.key().into()),
        ("owner".into(), guide.owner.clone().unwrap_or_default()),
        (
            "review_date".into(),
            guide
                .review_date
                .map(saman_domain::format_iso_date)
                .unwrap_or_default(),
        ),
    ];
    for lang in Lang::ALL {
        let l = lang.code();
        if let Some(text) = guide.text.get(lang) {
            form.push((format!("title-{l}"), text.title.clone()));
            form.push((format!("summary-{l}"), text.summary.clone()));
            form.push((format!("body-{l}"), text.body.clone()));
        }
        for level in &guide.levels {
            form.push((
                format!("level-name-{}-{l}", level.level),
                level.name.get(lang).cloned().unwrap_or_default(),
            ));
        }
    }
    form
}

async fn guide_state(app: &TestApp) -> GuideState {
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    app.store.editable::<Guide>(&tenant.id).await.unwrap()[0].clone()
}

/// The step form for a step, as a browser would send it unchanged.
fn step_form(step: &Step, base: i64, csrf: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("csrf".to_string(), csrf.to_string()),
        ("base".into(), base.to_string()),
        ("level".into(), step.level.to_string()),
        (
            "responsible_role".into(),
            step.responsible_role.key().into(),
        ),
        (
            "deadline_days".into(),
            step.deadline_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    ];
    if step.urgent {
        form.push(("urgent".into(), "ja".into()));
    }
    for tool in &step.tools {
        form.push(("tool".into(), tool.clone()));
    }
    for slug in &step.relies_on {
        form.push(("relies_on".into(), slug.clone()));
    }
    for lang in Lang::ALL {
        let Some(text) = step.text.get(lang).cloned() else {
            continue;
        };
        let l = lang.code();
        form.push((format!("title-{l}"), text.title));
        form.push((format!("summary-{l}"), text.summary));
        form.push((format!("responsible-{l}"), text.responsible));
        form.push((format!("deadline-{l}"), text.deadline.unwrap_or_default()));
        form.push((format!("questions-{l}"), text.questions.join("\n")));
        form.push((format!("body-{l}"), text.body));
    }
    for (i, d) in step.decisions.iter().enumerate() {
        let target = match &d.target {
            saman_domain::DecisionTarget::Step(s) => format!("step:{s}"),
            saman_domain::DecisionTarget::Level(l) => format!("level:{l}"),
            saman_domain::DecisionTarget::Outcome(o) => format!("outcome:{}", o.key()),
        };
        form.push((format!("decision-target-{i}"), target));
        form.push((
            format!("decision-label-{i}-nb"),
            d.label.nb.clone().unwrap_or_default(),
        ));
        form.push((
            format!("decision-label-{i}-nn"),
            d.label.nn.clone().unwrap_or_default(),
        ));
    }
    form
}

async fn an_editor_edits_a_step_and_publishes_the_guide(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let before = guide_state(&app).await;
    let (status, list) = editor.get("/nb/testvik/rediger").await;
    assert_eq!(status, 200);
    assert!(
        list.contains(&format!("/rediger/veileder/{}", before.id)),
        "{list}"
    );

    let href = format!("/nb/testvik/rediger/veileder/{}", before.id);
    for lang in ["nb", "nn"] {
        let (status, page) = editor
            .get(&format!("/{lang}/testvik/rediger/veileder/{}", before.id))
            .await;
        assert_eq!(status, 200, "{lang}");
        assert!(page.contains("Gjør bekymringen konkret") || page.contains("Gjer uroa konkret"));
    }
    let step = before
        .object
        .step("gjor-bekymringen-konkret")
        .unwrap()
        .clone();
    let step_href = format!("{href}/steg/{}", step.slug);
    let (status, page) = editor.get(&step_href).await;
    assert_eq!(status, 200);
    let csrf = hidden(&page, "csrf");
    let mut form = step_form(&step, before.head, &csrf);
    set(&mut form, "title-nb", "Skriv ned det du ser");
    form.push(("comment".into(), "Klarere tittel".into()));
    let (status, _, location) = editor.post(&step_href, &form).await;
    assert_eq!(status, 303, "save step");
    assert!(
        location.ends_with(&format!("{href}?lagret=1")),
        "{location}"
    );

    let after = guide_state(&app).await;
    assert_eq!(
        (after.id.as_str(), after.head),
        (before.id.as_str(), before.head + 1)
    );
    assert_eq!(after.live, Some(before.head), "a draft until published");
    // The public step page shows the live version; the preview, the draft.
    let public = format!(
        "{}/nb/testvik/veileder/generell/steg/{}",
        app.base, step.slug
    );
    let text = reqwest::get(&public).await.unwrap().text().await.unwrap();
    assert!(text.contains("Gjør bekymringen konkret") && !text.contains("Skriv ned det du ser"));
    let (status, preview) = editor.get(&format!("{href}/forhandsvisning")).await;
    assert_eq!(status, 200);
    assert!(
        preview.contains("Skriv ned det du ser"),
        "preview shows the draft"
    );

    let (status, _, location) = editor
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf.clone()),
                ("version".into(), after.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?publisert=1"), "{location}");
    let text = reqwest::get(&public).await.unwrap().text().await.unwrap();
    assert!(text.contains("Skriv ned det du ser"), "published");
    assert_eq!(guide_state(&app).await.live, Some(after.head));

    // Every change audited, with the guide as target.
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let audit = app
        .store
        .audit_entries(Some(&tenant.id), &AuditFilter::default())
        .await
        .unwrap();
    let target = format!("guide:{}", before.id);
    for action in ["content-saved", "content-published"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.target == target),
            "{action}"
        );
    }
}

async fn steps_are_added_moved_and_deleted_and_history_restores(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let start = guide_state(&app).await;
    let href = format!("/nb/testvik/rediger/veileder/{}", start.id);
    let (status, page) = editor.get(&format!("{href}/steg/ny?niva=0")).await;
    assert_eq!(status, 200);
    let csrf = hidden(&page, "csrf");
    let form: Vec<(String, String)> = [
        ("csrf", csrf.as_str()),
        ("base", &start.head.to_string()),
        ("slug", "snakk-med-leder"),
        ("level", "0"),
        ("responsible_role", "leder"),
        ("deadline_days", "3"),
        ("title-nb", "Snakk med lederen din"),
        ("title-nn", "Snakk med leiaren din"),
        ("decision-target-0", "level:1"),
        ("decision-label-0-nb", "Videre til nivå 1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (status, _, _) = editor.post(&format!("{href}/steg/ny"), &form).await;
    assert_eq!(status, 303, "new step");
    let added = guide_state(&app).await;
    let level0 = &added.object.levels[0].steps;
    assert_eq!(level0.last().map(String::as_str), Some("snakk-med-leder"));
    let new_step = added.object.step("snakk-med-leder").unwrap();
    assert_eq!(new_step.deadline_days, Some(3));
    assert_eq!(new_step.decisions.len(), 1);

    // Move it up: one place earlier in its level, a version of its own.
    let at = level0.len() - 1;
    let (status, _, location) = editor
        .post(
            &format!("{href}/steg/snakk-med-leder/flytt"),
            &[
                ("csrf".into(), csrf.clone()),
                ("base".into(), added.head.to_string()),
                ("retning".into(), "opp".into()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?lagret=1"), "{location}");
    let moved = guide_state(&app).await;
    assert_eq!(moved.head, added.head + 1);
    assert_eq!(moved.object.levels[0].steps[at - 1], "snakk-med-leder");

    // A step another step's decision leads to is not deleted.
    let (status, page, _) = editor
        .post(
            &format!("{href}/steg/vold-og-overgrep/slett"),
            &[
                ("csrf".into(), csrf.clone()),
                ("base".into(), moved.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(
        page.contains("andre steg har beslutninger som fører hit"),
        "{page}"
    );
    assert_eq!(guide_state(&app).await.head, moved.head);
    let (status, _, location) = editor
        .post(
            &format!("{href}/steg/snakk-med-leder/slett"),
            &[
                ("csrf".into(), csrf.clone()),
                ("base".into(), moved.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?steg-slettet=1"), "{location}");
    let deleted = guide_state(&app).await;
    assert!(deleted.object.step("snakk-med-leder").is_none());
    assert!(
        !deleted.object.levels[0]
            .steps
            .contains(&"snakk-med-leder".to_string())
    );

    // The history compares the version with the new step to the one before it.
    let (status, page) = editor
        .get(&format!(
            "{href}/historikk?fra={}&til={}",
            start.head, added.head
        ))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Steget «Snakk med lederen din»"), "{page}");
    assert!(page.contains("<ins>"), "words marked");
    let (status, _) = editor.get(&format!("/nn{}/historikk", &href[3..])).await;
    assert_eq!(status, 200);

    // Restoring the version with the step brings it back as a new draft.
    let (status, _, location) = editor
        .post(
            &format!("{href}/gjenopprett"),
            &[
                ("csrf".into(), csrf.clone()),
                ("version".into(), moved.head.to_string()),
                ("base".into(), deleted.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.contains("gjenopprettet="), "{location}");
    let restored = guide_state(&app).await;
    assert_eq!(restored.head, deleted.head + 1);
    assert_eq!(restored.object.levels, moved.object.levels);
}

async fn a_stale_guide_save_gets_the_conflict_page_and_loses_nothing(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let first = Editor::new(&app, "testvik", "en@testvik.example", Role::Editor).await;
    let second = Editor::new(&app, "testvik", "to@testvik.example", Role::TenantAdmin).await;
    let start = guide_state(&app).await;
    let step = start.object.step("lag-en-plan").unwrap().clone();
    let step_href = format!(
        "/nb/testvik/rediger/veileder/{}/steg/{}",
        start.id, step.slug
    );
    let (_, page) = first.get(&step_href).await;
    let mut mine = step_form(&step, start.head, &hidden(&page, "csrf"));
    let (_, page) = second.get(&step_href).await;
    let mut theirs = step_form(&step, start.head, &hidden(&page, "csrf"));
    set(
        &mut theirs,
        "summary-nb",
        "Lag planen sammen med foresatte.",
    );
    let (status, _, _) = second.post(&step_href, &theirs).await;
    assert_eq!(status, 303);
    set(&mut mine, "summary-nb", "Lag planen sammen med barnet.");
    let (status, page, _) = first.post(&step_href, &mine).await;
    assert_eq!(status, 409, "stale");
    assert!(
        page.contains("sammen med barnet"),
        "the editor's text is kept"
    );
    assert!(page.contains("foresatte"), "the other version is shown");
    assert_eq!(hidden(&page, "base"), (start.head + 1).to_string());
    assert_eq!(guide_state(&app).await.head, start.head + 1);

    // A move based on the old version does nothing and says so.
    let second_step = &start.object.levels[0].steps[1];
    let (status, _, location) = first
        .post(
            &format!(
                "/nb/testvik/rediger/veileder/{}/steg/{second_step}/flytt",
                start.id
            ),
            &[
                ("csrf".into(), hidden(&page, "csrf")),
                ("base".into(), start.head.to_string()),
                ("retning".into(), "opp".into()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?nyere=1"), "{location}");
    assert_eq!(guide_state(&app).await.head, start.head + 1);
}

async fn a_guide_without_the_urgent_path_is_not_published(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let start = guide_state(&app).await;
    let href = format!("/nb/testvik/rediger/veileder/{}", start.id);
    let step = start.object.step("vold-og-overgrep").unwrap().clone();
    let (_, page) = editor.get(&format!("{href}/steg/{}", step.slug)).await;
    let csrf = hidden(&page, "csrf");
    let form: Vec<(String, String)> = step_form(&step, start.head, &csrf)
        .into_iter()
        .filter(|(k, _)| k != "urgent")
        .collect();
    let (status, _, _) = editor
        .post(&format!("{href}/steg/{}", step.slug), &form)
        .await;
    assert_eq!(status, 303, "a draft may lack it");
    let draft = guide_state(&app).await;
    let (status, _, location) = editor
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf),
                ("version".into(), draft.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?mangler-hastesteg=1"), "{location}");
    assert_eq!(
        guide_state(&app).await.live,
        start.live,
        "nothing published"
    );
    let (_, page) = editor.get(&location.replace(&app.base, "")).await;
    assert!(page.contains("mistanke om vold eller overgrep"), "{page}");
}

async fn bad_step_input_comes_back_kept_with_messages(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let start = guide_state(&app).await;
    let href = format!("/nb/testvik/rediger/veileder/{}", start.id);
    let (_, page) = editor.get(&format!("{href}/steg/ny?niva=2")).await;
    let form: Vec<(String, String)> = [
        ("csrf", hidden(&page, "csrf").as_str()),
        ("base", &start.head.to_string()),
        ("slug", "Ikke gyldig"),
        ("level", "2"),
        ("responsible_role", "ansatt"),
        ("deadline_days", "fjorten"),
        ("title-nb", "Et nytt steg"),
        ("tool", "finnes-ikke"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (status, page, _) = editor.post(&format!("{href}/steg/ny"), &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("ds-error-summary"));
    // "ny" is the new-step form's own address.
    let mut as_ny = form.clone();
    as_ny.iter_mut().find(|(k, _)| k == "slug").unwrap().1 = "ny".into();
    let (status, ny_page, _) = editor.post(&format!("{href}/steg/ny"), &as_ny).await;
    assert_eq!(status, 422);
    assert!(ny_page.contains("href=\"#slug\""));
    assert!(page.contains("value=\"Ikke gyldig\"") && page.contains("value=\"fjorten\""));
    assert!(page.contains("href=\"#slug\"") && page.contains("href=\"#deadline_days\""));
    assert!(page.contains("«finnes-ikke» finnes ikke"), "{page}");
    assert_eq!(guide_state(&app).await.head, start.head, "nothing saved");
    // A new guide without a title in the default language is refused, kept.
    let (_, page) = editor.get("/nb/testvik/rediger/veileder/ny").await;
    let form: Vec<(String, String)> = [
        ("csrf", hidden(&page, "csrf").as_str()),
        ("base", ""),
        ("slug", "skole"),
        ("area", "skole"),
        ("title-nn", "Rettleiar for skulen"),
        ("review_date", "31.12.2027"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (status, page, _) = editor.post("/nb/testvik/rediger/veileder/ny", &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("Rettleiar for skulen") && page.contains("31.12.2027"));
    assert!(page.contains("href=\"#review_date\"") && page.contains("href=\"#title-nb\""));
}

async fn import_keeps_the_guides_id_and_versions_only_what_changed(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let before = guide_state(&app).await;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Unchanged
    );
    let path = dir
        .path()
        .join("handlingsveileder/generell/1-lag-en-plan.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("title = \"", "title = \"Ny: ", 1)).unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    let after = guide_state(&app).await;
    assert_eq!(after.id, before.id, "the guide keeps its id");
    assert_eq!(after.head, before.head + 1, "one version for the change");
    assert_eq!(after.live, Some(after.head), "published as the file says");
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let history = app
        .store
        .history::<Guide>(&tenant.id, &after.id)
        .await
        .unwrap();
    assert_eq!(history[0].change, saman_store::Change::Import);
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Unchanged
    );
}

async fn guides_fall_due_for_review_are_reminded_and_confirmed(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let start = guide_state(&app).await;
    let href = format!("/nb/testvik/rediger/veileder/{}", start.id);
    let (_, page) = editor.get(&href).await;
    let csrf = hidden(&page, "csrf");
    let mut form = guide_form(&start.object, start.head, &csrf);
    set(&mut form, "review_date", "2026-01-15");
    let (status, _, _) = editor.post(&href, &form).await;
    assert_eq!(status, 303, "guide saved");
    let due = guide_state(&app).await;
    assert_eq!(due.object.levels, start.object.levels, "the steps are kept");
    assert_eq!(due.object.text, start.object.text);
    editor
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf.clone()),
                ("version".into(), due.head.to_string()),
            ],
        )
        .await;

    // Reminded once, to the editors (the owning service has no leader).
    let compose = |r: &saman_store::ReviewReminder| saman_store::Mail {
        to: r.email.clone(),
        subject: r.tenant_slug.clone(),
        text: r
            .items
            .iter()
            .map(|(t, _)| t.clone())
            .collect::<Vec<_>>()
            .join(","),
        html: String::new(),
    };
    let today = saman_store::clock::today();
    assert!(
        app.store
            .send_review_reminders(today, compose)
            .await
            .unwrap()
            >= 1
    );
    assert_eq!(
        app.store
            .send_review_reminders(today, compose)
            .await
            .unwrap(),
        0
    );
    let outbox = app.store.outbox(20).await.unwrap();
    let title = &start.object.text.nb.as_ref().unwrap().title;
    assert!(
        outbox.iter().any(
            |m| m.mail.to == "redaktor@testvik.example" && m.mail.text.contains(title.as_str())
        ),
        "{outbox:?}"
    );

    // On the review page, overdue; "still correct" moves the date a year on, live.
    let (status, page) = editor.get("/nb/testvik/gjennomgang").await;
    assert_eq!(status, 200);
    assert!(page.contains(title.as_str()), "{page}");
    let (status, _, location) = editor
        .post(
            &format!("/nb/testvik/gjennomgang/{}", due.id),
            &[
                ("csrf".into(), csrf),
                ("version".into(), due.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?bekreftet=1"), "{location}");
    let confirmed = guide_state(&app).await;
    assert_eq!(confirmed.head, due.head + 1);
    assert_eq!(confirmed.live, Some(confirmed.head));
    assert_eq!(
        confirmed.object.review_date,
        Some(today + time::Duration::days(365))
    );
}

async fn an_item_a_guide_draft_uses_is_not_deleted(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let ctx = saman_store::AuditContext::command_line(None);
    let items = app
        .store
        .editable::<saman_domain::Item>(&tenant.id)
        .await
        .unwrap();
    let mut new_item = items[0].object.clone();
    new_item.slug = "ny-rutine".into();
    new_item.relations.clear();
    new_item.attachments.clear();
    let create = saman_store::Save {
        base: None,
        change: saman_store::Change::Create,
        restored_from: None,
        comment: None,
    };
    let saman_store::Saved::Version { id: item_id, .. } = app
        .store
        .save::<saman_domain::Item>(&tenant.id, None, &new_item, &create, &ctx)
        .await
        .unwrap()
    else {
        panic!("not saved")
    };
    // A draft of the guide uses it; the live guide does not.
    let guide = guide_state(&app).await;
    let mut draft = guide.object.clone();
    draft.steps[0].tools.push("ny-rutine".into());
    let edit = saman_store::Save {
        base: Some(guide.head),
        change: saman_store::Change::Edit,
        restored_from: None,
        comment: None,
    };
    app.store
        .save::<Guide>(&tenant.id, Some(&guide.id), &draft, &edit, &ctx)
        .await
        .unwrap();
    let deleted = app
        .store
        .delete::<saman_domain::Item>(&tenant.id, &item_id, &ctx)
        .await
        .unwrap();
    assert_eq!(
        deleted,
        saman_store::Deleted::InUse(vec![format!("guide:{}", guide.object.slug)])
    );
}
