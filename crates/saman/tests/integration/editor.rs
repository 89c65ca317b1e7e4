//! The living model's editor over HTTP: edit, draft, preview, publish, the conflict of
//! two editors, history with a word diff, restore, bad input, delete, who may, and
//! import as an upsert that keeps ids and writes versions only for what changed.

use crate::common::{
    Backend, TestApp, add_person, copy_dir, fixture, hidden, import_folder, session_cookie,
};
use saman_domain::access::Role;
use saman_domain::{Item, Lang};
use saman_store::{AuditFilter, ImportOutcome, ItemState};

crate::on_both_backends!(
    an_editor_edits_previews_publishes_and_restores,
    attachments_survive_edits_imports_and_restores,
    publishing_a_version_not_seen_publishes_nothing,
    reviews_are_confirmed_by_their_owners_and_reminded_once,
    files_are_attached_by_their_content_and_removed,
    items_from_before_versions_get_their_first_version_at_start,
    a_stale_save_gets_the_conflict_page_and_loses_nothing,
    bad_input_comes_back_kept_with_messages_and_nothing_is_saved,
    only_the_tenants_editors_may_edit_and_forms_need_their_token,
    items_in_use_are_not_deleted_and_new_ones_are,
    import_is_an_upsert_that_writes_versions_only_for_what_changed,
    the_markdown_preview_renders_as_the_public_site_for_the_tenants_editors_only,
);

pub(crate) struct Editor<'a> {
    app: &'a TestApp,
    cookie: String,
    client: reqwest::Client,
}

impl Editor<'_> {
    pub(crate) async fn new<'a>(
        app: &'a TestApp,
        tenant: &str,
        email: &str,
        role: Role,
    ) -> Editor<'a> {
        let id = add_person(&app.store, Some(tenant), email, role).await;
        let record = app.store.tenant_by_slug(tenant).await.unwrap().unwrap();
        Editor {
            app,
            cookie: session_cookie(&app.store, &id, record.id.as_str()).await,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// A client signed in as an existing account (e.g. one of the demo's people).
    pub(crate) async fn existing<'a>(app: &'a TestApp, tenant: &str, account: &str) -> Editor<'a> {
        let record = app.store.tenant_by_slug(tenant).await.unwrap().unwrap();
        Editor {
            app,
            cookie: session_cookie(&app.store, account, record.id.as_str()).await,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    pub(crate) fn cookie(&self) -> &str {
        &self.cookie
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.app.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
    ) -> (u16, String, String) {
        let r = self
            .client
            .post(format!("{}{path}", self.app.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status().as_u16(), r.text().await.unwrap(), location)
    }

    /// Posts a multipart form with one file, as a browser's upload form does.
    pub(crate) async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> (u16, String, String) {
        let boundary = "----saman-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .client
            .post(format!("{}{path}", self.app.base))
            .header("cookie", &self.cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (r.status().as_u16(), r.text().await.unwrap(), location)
    }

    async fn csrf(&self) -> String {
        let (_, page) = self.get("/nb/testvik/rediger/ny").await;
        hidden(&page, "csrf")
    }
}

pub(crate) async fn state_of(app: &TestApp, slug: &str) -> ItemState {
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    app.store
        .editable_items(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.object.slug == slug)
        .unwrap()
}

/// The editor's form for an item, as a browser would send it unchanged.
pub(crate) use saman::crash::item_form as form_of;

pub(crate) fn set(form: &mut [(String, String)], name: &str, value: &str) {
    form.iter_mut().find(|(k, _)| k == name).unwrap().1 = value.to_string();
}

async fn an_editor_edits_previews_publishes_and_restores(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (status, list) = editor.get("/nb/testvik/rediger").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("Helsestasjon") && list.contains("Mangler nynorsk"),
        "{list}"
    );
    let (status, _) = editor.get("/nn/testvik/rediger").await;
    assert_eq!(status, 200);

    let before = state_of(&app, "helsestasjon").await;
    let edit = format!("/nb/testvik/rediger/innhold/{}", before.id);
    let (status, page) = editor.get(&edit).await;
    assert_eq!(status, 200);
    let csrf = hidden(&page, "csrf");
    assert_eq!(hidden(&page, "base"), before.head.to_string());

    let mut form = form_of(&before.object, before.head, &csrf);
    set(
        &mut form,
        "summary-nb",
        "For gravide, småbarn og foreldre hver tirsdag.",
    );
    set(
        &mut form,
        "summary-nn",
        "For gravide, småborn og foreldre kvar tysdag.",
    );
    form.push(("comment".into(), "Ny åpningsdag".into()));
    let (status, _, location) = editor.post(&edit, &form).await;
    assert_eq!(status, 303, "save");
    assert!(location.ends_with("?lagret=1"), "{location}");
    let after = state_of(&app, "helsestasjon").await;
    assert_eq!(
        (after.id.as_str(), after.head),
        (before.id.as_str(), before.head + 1)
    );
    assert_eq!(
        after.live,
        Some(before.head),
        "the published version is unchanged"
    );

    // A draft is not public; the preview shows it as the public will see it.
    let public = app.page("/nb/testvik/innhold/helsestasjon").await;
    assert!(public.contains("For gravide og småbarn.") && !public.contains("hver tirsdag"));
    let (status, preview) = editor.get(&format!("{edit}/forhandsvisning")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("hver tirsdag") && preview.contains("Forhåndsvisning av et utkast"));

    // Publish: the public page changes at once.
    let publish = |version: i64| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("version".to_string(), version.to_string()),
        ]
    };
    let (status, _, location) = editor
        .post(&format!("{edit}/publiser"), &publish(after.head))
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?publisert=1"), "{location}");
    let public = app.page("/nb/testvik/innhold/helsestasjon").await;
    assert!(public.contains("hver tirsdag"), "{public}");
    let public_nn = app.page("/nn/testvik/innhold/helsestasjon").await;
    assert!(public_nn.contains("kvar tysdag"));

    // The history shows the words that changed, and who changed them.
    let (status, history) = editor.get(&format!("{edit}/historikk")).await;
    assert_eq!(status, 200);
    assert!(history.contains("Ny åpningsdag") && history.contains("Test editor"));
    assert!(
        history.contains("<del>") && history.contains("hver tirsdag"),
        "{history}"
    );
    assert!(history.contains("<ins><span class=\"ds-sr-only\">[lagt til: </span>"));

    // Restore the first version: a new draft; published, the old text is back.
    let restore = vec![
        ("csrf".to_string(), csrf.clone()),
        ("version".to_string(), before.head.to_string()),
        ("base".to_string(), after.head.to_string()),
    ];
    let (status, _, location) = editor.post(&format!("{edit}/gjenopprett"), &restore).await;
    assert_eq!(status, 303);
    assert!(location.contains("gjenopprettet="), "{location}");
    let restored = state_of(&app, "helsestasjon").await;
    assert_eq!(restored.head, before.head + 2);
    assert_eq!(restored.object.text, before.object.text);
    editor
        .post(&format!("{edit}/publiser"), &publish(restored.head))
        .await;
    let public = app.page("/nb/testvik/innhold/helsestasjon").await;
    assert!(public.contains("For gravide og småbarn.") && !public.contains("hver tirsdag"));

    // The health station is the tenant's child welfare contact: it stays public, and
    // stays a service.
    let csrf_form = vec![("csrf".to_string(), csrf.clone())];
    let (_, _, location) = editor.post(&format!("{edit}/avpubliser"), &csrf_form).await;
    assert!(location.ends_with("?i-bruk=1"), "{location}");
    assert_eq!(app.get("/nb/testvik/innhold/helsestasjon").await.0, 200);
    let now = state_of(&app, "helsestasjon").await;
    let mut form = form_of(&now.object, now.head, &csrf);
    set(&mut form, "kind", "tiltak");
    let (status, page, _) = editor.post(&edit, &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("må være en tjeneste"), "{page}");

    // Unpublish: gone from the public site, still in the editor.
    let routine = state_of(&app, "samtalerutine").await;
    let routine_edit = format!("/nb/testvik/rediger/innhold/{}", routine.id);
    let (_, _, location) = editor
        .post(&format!("{routine_edit}/avpubliser"), &csrf_form)
        .await;
    assert!(location.ends_with("?avpublisert=1"), "{location}");
    let (status, _) = app.get("/nb/testvik/innhold/samtalerutine").await;
    assert_eq!(status, 404);
    assert_eq!(state_of(&app, "samtalerutine").await.live, None);

    // Every change is in the audit log, by the editor.
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let rows = app
        .store
        .audit_entries(Some(&tenant.id), &AuditFilter::default())
        .await
        .unwrap();
    let target = format!("item:{}", before.id);
    for action in ["content-saved", "content-published", "content-restored"] {
        assert!(
            rows.iter().any(|r| r.action == action
                && r.target == target
                && r.actor_role.as_deref() == Some("editor")),
            "{action}"
        );
    }
    assert!(
        rows.iter().any(
            |r| r.action == "content-unpublished" && r.target == format!("item:{}", routine.id)
        )
    );
    assert!(
        app.store
            .verify_audit(Some(&tenant.id))
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_stale_save_gets_the_conflict_page_and_loses_nothing(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let first = Editor::new(&app, "testvik", "en@testvik.example", Role::Editor).await;
    let second = Editor::new(&app, "testvik", "to@testvik.example", Role::TenantAdmin).await;
    let start = state_of(&app, "samtalerutine").await;
    let edit = format!("/nb/testvik/rediger/innhold/{}", start.id);

    let mut mine = form_of(&start.object, start.head, &first.csrf().await);
    set(&mut mine, "summary-nb", "Slik snakker vi med barn og unge.");
    let mut theirs = form_of(&start.object, start.head, &second.csrf().await);
    set(
        &mut theirs,
        "summary-nb",
        "Slik snakker vi med barn i barnehagen.",
    );

    let (status, _, _) = first.post(&edit, &mine).await;
    assert_eq!(status, 303);
    let (status, page, _) = second.post(&edit, &theirs).await;
    assert_eq!(status, 409, "the stale save is a conflict");
    assert!(page.contains("Noen andre har lagret endringer i mellomtiden"));
    // Both versions, side by side, their different words marked.
    assert!(page.contains("<del>") && page.contains("<ins>"), "{page}");
    assert!(
        page.contains("unge") && page.contains("barnehagen."),
        "both versions shown"
    );
    let now = state_of(&app, "samtalerutine").await;
    assert_eq!(now.head, start.head + 1, "nothing was written");
    assert_eq!(
        now.object.text.nb.as_ref().unwrap().summary,
        "Slik snakker vi med barn og unge."
    );
    // The form came back with their text and the newer version as its base: saving it
    // now keeps both versions in the history.
    assert_eq!(hidden(&page, "base"), now.head.to_string());
    let mut merged = theirs.clone();
    set(&mut merged, "base", &now.head.to_string());
    set(
        &mut merged,
        "summary-nb",
        "Slik snakker vi med barn og unge i barnehagen.",
    );
    let (status, _, _) = second.post(&edit, &merged).await;
    assert_eq!(status, 303);
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let history = app.store.item_history(&tenant.id, &start.id).await.unwrap();
    assert_eq!(history.len() as i64, start.head + 2);
}

async fn bad_input_comes_back_kept_with_messages_and_nothing_is_saved(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let start = state_of(&app, "helsestasjon").await;
    let edit = format!("/nn/testvik/rediger/innhold/{}", start.id);
    let mut form = form_of(&start.object, start.head, &editor.csrf().await);
    set(&mut form, "title-nb", "");
    set(&mut form, "summary-nb", "");
    set(&mut form, "body-nb", "");
    set(&mut form, "opening_hours-nb", "");
    set(&mut form, "web", "ftp://helsestasjon.example");
    set(
        &mut form,
        "summary-nn",
        "Teksten min <script>alert(1)</script>",
    );
    set(&mut form, "review_date", "31.12.2027");
    form.push(("relation-type-0".into(), "se-ogsa".into()));
    form.push(("relation-to-0".into(), "finst-ikkje".into()));
    let (status, page, _) = editor.post(&edit, &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("ds-error-summary"));
    for message in [
        "manglar tekst på hovudspråket til kommunen",
        "«ftp://helsestasjon.example» er ikkje tillaten",
        "er ikkje ein dato",
        "«finst-ikkje» finst ikkje",
    ] {
        assert!(page.contains(message), "{message} in {page}");
    }
    assert!(page.contains("href=\"#title-nb\"") && page.contains("href=\"#web\""));
    // The input is kept, escaped.
    assert!(page.contains("ftp://helsestasjon.example") && page.contains("31.12.2027"));
    assert!(
        page.contains("Teksten min &#60;script&#62;")
            || page.contains("Teksten min &lt;script&gt;")
    );
    assert_eq!(state_of(&app, "helsestasjon").await.head, start.head);
}

async fn only_the_tenants_editors_may_edit_and_forms_need_their_token(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let item = state_of(&app, "helsestasjon").await;
    let fjordvik = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let other_item = app.store.editable_items(&fjordvik.id).await.unwrap()[0]
        .id
        .clone();
    let employee = Editor::new(&app, "testvik", "ansatt@testvik.example", Role::Employee).await;
    let outsider = Editor::new(&app, "fjordvik", "red@fjordvik.example", Role::Editor).await;
    let editor = Editor::new(&app, "testvik", "red@testvik.example", Role::Editor).await;
    for path in [
        "/nb/testvik/rediger".to_string(),
        format!("/nb/testvik/rediger/innhold/{}", item.id),
        format!("/nb/testvik/rediger/innhold/{}/historikk", item.id),
    ] {
        assert_eq!(employee.get(&path).await.0, 404, "employee {path}");
        assert_eq!(
            outsider.get(&path).await.0,
            404,
            "other tenant's editor {path}"
        );
        let (status, _) = app.get(&path).await;
        assert_eq!(status, 303, "anonymous {path} goes to the login");
    }
    // Another tenant's item through this tenant's editor: not found.
    for suffix in ["", "/historikk", "/forhandsvisning", "/slett"] {
        let path = format!("/nb/testvik/rediger/innhold/{other_item}{suffix}");
        assert_eq!(editor.get(&path).await.0, 404, "{path}");
    }
    let csrf = editor.csrf().await;
    let (status, _, _) = editor
        .post(
            &format!("/nb/testvik/rediger/innhold/{other_item}/publiser"),
            &[
                ("csrf".into(), csrf.clone()),
                ("version".into(), "1".into()),
            ],
        )
        .await;
    assert_eq!(status, 404);
    // A forged or missing form token changes nothing.
    let path = format!("/nb/testvik/rediger/innhold/{}/avpubliser", item.id);
    for token in ["", "forged"] {
        let (status, _, _) = editor.post(&path, &[("csrf".into(), token.into())]).await;
        assert_eq!(status, 403, "token {token:?}");
    }
    let mut form = form_of(&item.object, item.head, "forged");
    set(&mut form, "summary-nb", "Forfalsket");
    let (status, _, _) = editor
        .post(&format!("/nb/testvik/rediger/innhold/{}", item.id), &form)
        .await;
    assert_eq!(status, 403);
    let now = state_of(&app, "helsestasjon").await;
    assert_eq!((now.head, now.live), (item.head, item.live));
}

async fn items_in_use_are_not_deleted_and_new_ones_are(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let csrf = editor.csrf().await;
    // The health station owns the routine: it stays.
    let used = state_of(&app, "helsestasjon").await;
    let (status, page, _) = editor
        .post(
            &format!("/nb/testvik/rediger/innhold/{}/slett", used.id),
            &[("csrf".into(), csrf.clone())],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Rutine for samtaler"), "{page}");
    assert!(
        app.page("/nb/testvik/innhold/helsestasjon")
            .await
            .contains("Helsestasjon")
    );

    // A new item: created as a draft, then deleted.
    let form: Vec<(String, String)> = [
        ("csrf", csrf.as_str()),
        ("slug", "foreldrekurs"),
        ("kind", "tiltak"),
        ("title-nb", "Foreldrekurs"),
        ("summary-nb", "Kurs for foreldre."),
        ("level", "individ"),
        ("relation-type-0", "se-ogsa"),
        ("relation-to-0", "helsestasjon"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (status, _, location) = editor.post("/nb/testvik/rediger/ny", &form).await;
    assert_eq!(status, 303, "create");
    let created = state_of(&app, "foreldrekurs").await;
    assert!(location.contains(&created.id));
    assert_eq!((created.head, created.live), (1, None));
    assert_eq!(app.get("/nb/testvik/innhold/foreldrekurs").await.0, 404);
    // The same slug again is refused at the field.
    let (status, page, _) = editor.post("/nb/testvik/rediger/ny", &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("er allerede brukt av annet innhold"));
    let (status, _, location) = editor
        .post(
            &format!("/nb/testvik/rediger/innhold/{}/slett", created.id),
            &[("csrf".into(), csrf.clone())],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/rediger?slettet=1"));
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    assert!(
        app.store
            .editable_one::<Item>(&tenant.id, &created.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        editor
            .get(&format!("/nb/testvik/rediger/innhold/{}", created.id))
            .await
            .0,
        404
    );
}

async fn import_is_an_upsert_that_writes_versions_only_for_what_changed(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let before = app.store.editable_items(&tenant.id).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Unchanged
    );
    let plan = dir.path().join("innhold/plan/oppvekstplan.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace("title = \"Oppvekstplan\"", "title = \"Oppvekstplan 2027\""),
    )
    .unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    let after = app.store.editable_items(&tenant.id).await.unwrap();
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.id, b.id, "ids are kept");
        let expected = if a.object.slug == "oppvekstplan" {
            b.head + 1
        } else {
            b.head
        };
        assert_eq!(a.head, expected, "{}", a.object.slug);
    }
    let plan_state = after
        .iter()
        .find(|s| s.object.slug == "oppvekstplan")
        .unwrap();
    assert_eq!(plan_state.live, Some(plan_state.head));
    let history = app
        .store
        .item_history(&tenant.id, &plan_state.id)
        .await
        .unwrap();
    assert_eq!(history[0].change, saman_store::Change::Import);
    assert!(
        app.page("/nb/testvik/innhold/oppvekstplan")
            .await
            .contains("Oppvekstplan 2027")
    );
    // The same folder again changes nothing.
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Unchanged
    );
    let again = app.store.editable_items(&tenant.id).await.unwrap();
    assert!(again.iter().zip(&after).all(|(x, y)| x.head == y.head));
    let (status, html) = app.get("/nb/testvik/innhold/oppvekstplan").await;
    assert_eq!(status, 200);
    assert!(html.contains("Oppvekstplan 2027"));
}

async fn attachments_survive_edits_imports_and_restores(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    let tool = dir.path().join("innhold/verktoy/skjema.md");
    let text = std::fs::read_to_string(&tool).unwrap();
    std::fs::write(
        &tool,
        text.replacen(
            "[[attachments]]",
            "[[attachments]]\nfile = \"skjema.pdf\"\nnb = \"Skjemaet som PDF\"\n\n[[attachments]]",
            1,
        ),
    )
    .unwrap();
    let pdf = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    std::fs::write(dir.path().join("filer/skjema/skjema.pdf"), pdf).unwrap();
    let txt = dir.path().join("filer/skjema/skjema.txt");
    std::fs::write(&txt, "versjon A\n").unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    let imported = state_of(&app, "skjema").await;

    // An item with a PDF can be edited: the form does not touch its files.
    let csrf = editor.csrf().await;
    let edit = format!("/nb/testvik/rediger/innhold/{}", imported.id);
    let mut form = form_of(&imported.object, imported.head, &csrf);
    set(&mut form, "summary-nb", "Skjemaet, også som PDF.");
    let (status, page, _) = editor.post(&edit, &form).await;
    assert_eq!(status, 303, "{page}");
    let edited = state_of(&app, "skjema").await;
    let publish = |version: i64| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("version".to_string(), version.to_string()),
        ]
    };
    editor
        .post(&format!("{edit}/publiser"), &publish(edited.head))
        .await;
    let file = |name: &'static str| {
        let app = &app;
        async move {
            let r = reqwest::get(format!(
                "{}/nb/testvik/innhold/skjema/filer/{name}",
                app.base
            ))
            .await
            .unwrap();
            assert_eq!(r.status(), 200, "{name}");
            r.bytes().await.unwrap().to_vec()
        }
    };
    assert_eq!(file("skjema.pdf").await, pdf);
    assert_eq!(file("skjema.txt").await, b"versjon A\n");

    // A new import changes the text file; restoring the edited version brings its
    // file back as it was then.
    std::fs::write(&txt, "versjon B\n").unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    assert_eq!(file("skjema.txt").await, b"versjon B\n");
    let now = state_of(&app, "skjema").await;
    let restore = vec![
        ("csrf".to_string(), csrf.clone()),
        ("version".to_string(), edited.head.to_string()),
        ("base".to_string(), now.head.to_string()),
    ];
    let (status, _, _) = editor.post(&format!("{edit}/gjenopprett"), &restore).await;
    assert_eq!(status, 303);
    let restored = state_of(&app, "skjema").await;
    editor
        .post(&format!("{edit}/publiser"), &publish(restored.head))
        .await;
    assert_eq!(file("skjema.txt").await, b"versjon A\n");
    assert_eq!(file("skjema.pdf").await, pdf);
    assert!(
        app.page("/nb/testvik/innhold/skjema")
            .await
            .contains("Skjemaet, også som PDF.")
    );
}

async fn publishing_a_version_not_seen_publishes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let csrf = editor.csrf().await;
    let start = state_of(&app, "helsestasjon").await;
    let edit = format!("/nb/testvik/rediger/innhold/{}", start.id);
    let mut form = form_of(&start.object, start.head, &csrf);
    set(&mut form, "summary-nb", "En annen redaktør skrev dette.");
    let (status, page, _) = editor.post(&edit, &form).await;
    assert_eq!(status, 303, "{page}");
    // The editor saw the version before that save, and publishes it.
    let stale = vec![
        ("csrf".to_string(), csrf.clone()),
        ("version".to_string(), start.head.to_string()),
    ];
    let (status, _, location) = editor.post(&format!("{edit}/publiser"), &stale).await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?nyere=1"), "{location}");
    assert_eq!(state_of(&app, "helsestasjon").await.live, start.live);
    assert!(
        !app.page("/nb/testvik/innhold/helsestasjon")
            .await
            .contains("En annen redaktør")
    );
    let (_, page) = editor.get(&format!("{edit}?nyere=1")).await;
    assert!(page.contains("Noen har lagret en nyere versjon"));
}

async fn leader_of(app: &TestApp, email: &str, service: &str) -> String {
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let id = app
        .store
        .add_user(
            &saman_store::NewUser {
                email,
                name: "Leder",
                language: Lang::Nb,
                password_hash: None,
                role: Role::ServiceLeader,
                tenant: Some(&tenant.id),
                services: &[service.to_string()],
            },
            &saman_store::AuditContext::command_line(Some(tenant.id.clone())),
        )
        .await
        .unwrap();
    session_cookie(&app.store, &id, tenant.id.as_str()).await
}

async fn reviews_are_confirmed_by_their_owners_and_reminded_once(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let csrf = editor.csrf().await;
    // The routine, owned by the health station, falls due.
    let routine = state_of(&app, "samtalerutine").await;
    let edit = format!("/nb/testvik/rediger/innhold/{}", routine.id);
    let mut form = form_of(&routine.object, routine.head, &csrf);
    set(&mut form, "review_date", "2026-01-15");
    assert_eq!(editor.post(&edit, &form).await.0, 303);
    let due = state_of(&app, "samtalerutine").await;
    let publish = vec![
        ("csrf".to_string(), csrf.clone()),
        ("version".to_string(), due.head.to_string()),
    ];
    editor.post(&format!("{edit}/publiser"), &publish).await;

    let mut leader = Editor::new(&app, "testvik", "x@testvik.example", Role::Employee).await;
    leader.cookie = leader_of(&app, "leder.helse@testvik.example", "helsestasjon").await;
    let mut other = Editor::new(&app, "testvik", "y@testvik.example", Role::Employee).await;
    other.cookie = leader_of(&app, "leder.barnehage@testvik.example", "aapen-barnehage").await;
    let employee = Editor::new(&app, "testvik", "ansatt@testvik.example", Role::Employee).await;

    // The reminder goes to the owning service's leader, once.
    let compose = |r: &saman_store::ReviewReminder| saman_store::Mail {
        to: r.email.clone(),
        subject: format!("{} {}", r.tenant_slug, r.items.len()),
        text: r
            .items
            .iter()
            .map(|(t, _)| t.clone())
            .collect::<Vec<_>>()
            .join(","),
        html: String::new(),
    };
    let today = saman_store::clock::today();
    assert_eq!(
        app.store
            .send_review_reminders(today, compose)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.store
            .send_review_reminders(today, compose)
            .await
            .unwrap(),
        0
    );
    let outbox = app.store.outbox(10).await.unwrap();
    let reminder = outbox
        .iter()
        .find(|m| m.mail.to == "leder.helse@testvik.example")
        .expect("a reminder to the leader");
    assert!(reminder.mail.text.contains("Rutine for samtaler"));
    assert!(
        !outbox
            .iter()
            .any(|m| m.mail.to == "leder.barnehage@testvik.example")
    );

    // The leader sees it and confirms it; the other service's leader neither.
    let (status, page) = leader.get("/nb/testvik/gjennomgang").await;
    assert_eq!(status, 200);
    assert!(page.contains("Rutine for samtaler") && !page.contains("Modellens helse"));
    let (status, page) = other.get("/nn/testvik/gjennomgang").await;
    assert_eq!(status, 200);
    assert!(!page.contains("Rutine for samtaler"));
    assert_eq!(employee.get("/nb/testvik/gjennomgang").await.0, 404);
    let confirm = format!("/nb/testvik/gjennomgang/{}", routine.id);
    let leader_csrf = hidden(&leader.get("/nb/testvik/gjennomgang").await.1, "csrf");
    let other_csrf = hidden(&other.get("/nb/testvik/gjennomgang").await.1, "csrf").to_string();
    let (status, _, _) = other
        .post(
            &confirm,
            &[
                ("csrf".into(), other_csrf),
                ("version".into(), due.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 404, "another service's leader");
    let (status, _, location) = leader
        .post(
            &confirm,
            &[
                ("csrf".into(), leader_csrf),
                ("version".into(), due.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?bekreftet=1"), "{location}");
    let confirmed = state_of(&app, "samtalerutine").await;
    let next = today + time::Duration::days(365);
    assert_eq!(confirmed.object.review_date, Some(next));
    assert_eq!(confirmed.live, Some(confirmed.head), "live at once");
    assert_eq!(confirmed.object.text, due.object.text);
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let history = app
        .store
        .item_history(&tenant.id, &routine.id)
        .await
        .unwrap();
    assert_eq!(history[0].change, saman_store::Change::Review);
    let rows = app
        .store
        .audit_entries(Some(&tenant.id), &AuditFilter::default())
        .await
        .unwrap();
    assert!(rows.iter().any(
        |r| r.action == "content-reviewed" && r.actor_role.as_deref() == Some("service-leader")
    ));

    // The editor sees the model's health.
    let (status, page) = editor.get("/nb/testvik/gjennomgang").await;
    assert_eq!(status, 200);
    assert!(page.contains("Modellens helse") && page.contains("Mangler nynorsk"));
}

async fn files_are_attached_by_their_content_and_removed(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let csrf = editor.csrf().await;
    let start = state_of(&app, "helsestasjon").await;
    assert!(start.object.attachments.is_empty());
    let edit = format!("/nb/testvik/rediger/innhold/{}", start.id);
    let upload = format!("{edit}/vedlegg");
    let base = start.head.to_string();
    let fields = |title: &'static str| {
        let (csrf, base) = (csrf.clone(), base.clone());
        move || {
            vec![
                ("csrf".to_string(), csrf.clone()),
                ("base".to_string(), base.clone()),
                ("title-nb".to_string(), title.to_string()),
            ]
        }
    };
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let send = |fields: Vec<(String, String)>, name: &'static str, bytes: &'static [u8]| {
        let editor = &editor;
        let upload = upload.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            editor.upload(&upload, &fields, (name, bytes)).await
        }
    };

    // Refused, each with its reason, the title kept, nothing saved.
    let (status, page, _) = send(
        fields("Plan for helsestasjonen")(),
        "plan.pdf",
        b"not a pdf at all",
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("innholdet i filen er ikke det filnavnet sier"),
        "{page}"
    );
    assert!(page.contains("value=\"Plan for helsestasjonen\""));
    let (status, page, _) = send(fields("Plan")(), "min plan.pdf", pdf).await;
    assert_eq!(status, 422);
    assert!(page.contains("filnavnet kan bare ha"));
    let (status, page, _) = send(fields("")(), "plan.pdf", pdf).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tittel på filen (bokmål): må fylles ut"),
        "{page}"
    );
    let (status, page, _) = send(fields("Program")(), "program.exe", b"MZ\x90\x00").await;
    assert_eq!(status, 422);
    assert!(page.contains("denne filtypen kan ikke legges ved"));
    assert_eq!(state_of(&app, "helsestasjon").await.head, start.head);

    // A forged token changes nothing.
    let forged = vec![
        ("csrf".to_string(), "forged".to_string()),
        ("base".to_string(), base.clone()),
        ("title-nb".to_string(), "x".to_string()),
    ];
    assert_eq!(send(forged, "plan.pdf", pdf).await.0, 403);

    // A PDF that is one, with a path the browser sent: kept as its name only.
    let (status, _, location) = send(
        fields("Plan for helsestasjonen")(),
        "C:\\Users\\x\\plan.pdf",
        pdf,
    )
    .await;
    assert_eq!(status, 303, "upload");
    assert!(location.ends_with("?lagret=1"), "{location}");
    let with_file = state_of(&app, "helsestasjon").await;
    assert_eq!(with_file.head, start.head + 1);
    assert_eq!(with_file.object.attachments[0].file.file_name, "plan.pdf");
    assert_eq!(
        with_file.object.attachments[0].title.nb.as_deref(),
        Some("Plan for helsestasjonen")
    );
    let public_file = format!(
        "{}/nb/testvik/innhold/helsestasjon/filer/plan.pdf",
        app.base
    );
    assert_eq!(
        reqwest::get(&public_file).await.unwrap().status(),
        404,
        "a draft's file is not public"
    );
    let publish = |v: i64| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("version".to_string(), v.to_string()),
        ]
    };
    editor
        .post(&format!("{edit}/publiser"), &publish(with_file.head))
        .await;
    let served = reqwest::get(&public_file).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().to_vec(), pdf.to_vec());

    // The same name again is refused; removing it is a new version.
    let again = vec![
        ("csrf".to_string(), csrf.clone()),
        ("base".to_string(), with_file.head.to_string()),
        ("title-nb".to_string(), "x".to_string()),
    ];
    let (status, page, _) = send(again, "plan.pdf", pdf).await;
    assert_eq!(status, 422);
    assert!(page.contains("en fil med det navnet er allerede lagt ved"));
    let remove = vec![
        ("csrf".to_string(), csrf.clone()),
        ("base".to_string(), with_file.head.to_string()),
        ("file".to_string(), "plan.pdf".to_string()),
    ];
    let (status, _, _) = editor.post(&format!("{edit}/vedlegg/fjern"), &remove).await;
    assert_eq!(status, 303);
    let removed = state_of(&app, "helsestasjon").await;
    assert!(removed.object.attachments.is_empty());
    editor
        .post(&format!("{edit}/publiser"), &publish(removed.head))
        .await;
    assert_eq!(reqwest::get(&public_file).await.unwrap().status(), 404);
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let history = app.store.item_history(&tenant.id, &start.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|v| v.comment.as_deref() == Some("Fil lagt ved: plan.pdf"))
    );
}

async fn items_from_before_versions_get_their_first_version_at_start(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let before = app.store.editable_items(&tenant.id).await.unwrap();
    assert!(!before.is_empty());
    // As a database from before versions were kept: items without history.
    sqlx::query("DELETE FROM model_objects WHERE tenant_id = $1")
        .bind(tenant.id.as_str())
        .execute(app.store.pool())
        .await
        .unwrap();
    assert!(
        app.store
            .editable_items(&tenant.id)
            .await
            .unwrap()
            .is_empty()
    );
    let restarted = saman_store::Store::connect(&app.db.url, crate::common::test_secrets())
        .await
        .unwrap();
    let after = restarted.editable_items(&tenant.id).await.unwrap();
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((a.id.as_str(), &a.object), (b.id.as_str(), &b.object));
        assert_eq!(a.head, 1);
        assert_eq!(a.live.is_some(), b.live.is_some());
    }
    let history = restarted
        .item_history(&tenant.id, &after[0].id)
        .await
        .unwrap();
    assert_eq!(history[0].change, saman_store::Change::Baseline);
    // A second start finds nothing to do.
    let again = saman_store::Store::connect(&app.db.url, crate::common::test_secrets())
        .await
        .unwrap();
    assert_eq!(again.ensure_history().await.unwrap(), 0);
}

async fn the_markdown_preview_renders_as_the_public_site_for_the_tenants_editors_only(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, true).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (status, page) = editor.get("/nb/testvik/rediger/tidslinje/ny").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("data-markdown-preview=\"Forhåndsvisning: Tekst (bokmål)\"")
            && page.contains("<script src=\"/assets/editor.js\" defer></script>"),
        "a Markdown text offers its live preview"
    );
    let script = reqwest::get(format!("{}/assets/editor.js", app.base))
        .await
        .unwrap();
    assert_eq!(script.headers()["content-type"], "text/javascript");
    let csrf = hidden(&page, "csrf");
    let text = "## Overskrift\n\n<script>alert(1)</script>\n\n[farlig](javascript:alert(1)) [trygg](https://example.org)";
    let preview = |path: &'static str, csrf: String, text: String| {
        let editor = &editor;
        async move {
            editor
                .post(path, &[("csrf".into(), csrf), ("text".into(), text)])
                .await
        }
    };
    let (status, html, _) =
        preview("/nb/testvik/rediger/markdown", csrf.clone(), text.into()).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<h2") && html.contains("Overskrift"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;") && !html.contains("<script"),
        "{html}"
    );
    assert!(
        !html.contains("javascript:") && html.contains("href=\"https://example.org\""),
        "{html}"
    );

    let (status, _, _) = preview("/nb/testvik/rediger/markdown", "feil".into(), text.into()).await;
    assert_eq!(status, 403, "the form's token is needed");
    let (status, _, _) = preview("/nb/fjordvik/rediger/markdown", csrf.clone(), text.into()).await;
    assert_eq!(status, 404, "another tenant's editor is not ours");
    let long = "a".repeat(saman_domain::rules::limits::BODY + 1);
    let (status, _, _) = preview("/nb/testvik/rediger/markdown", csrf.clone(), long).await;
    assert_eq!(status, 413);

    // A script asking without pause is slowed down.
    let mut last = 0;
    for _ in 0..125 {
        last = preview("/nb/testvik/rediger/markdown", csrf.clone(), "x".into())
            .await
            .0;
    }
    assert_eq!(last, 429, "at most 120 previews a minute");

    let employee = Editor::new(&app, "testvik", "ansatt@testvik.example", Role::Employee).await;
    let (_, start) = employee.get("/nb/testvik/start").await;
    let csrf = hidden(&start, "csrf");
    let (status, _, _) = employee
        .post(
            "/nb/testvik/rediger/markdown",
            &[("csrf".into(), csrf), ("text".into(), "x".into())],
        )
        .await;
    assert_eq!(status, 404, "only editors");
}
