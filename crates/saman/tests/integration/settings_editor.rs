//! The tenant's settings and own pages in the editor: edited, previewed and published;
//! priorities reordered and removed only when unused; the accessibility statement's own
//! fields on the public page; the relay log's rules kept for administrators; bad input.

use crate::common::{Backend, TestApp, hidden};
use crate::editor::Editor;
use saman_domain::Tenant;
use saman_domain::access::Role;
use saman_store::SettingsState;

crate::on_both_backends!(
    settings_are_edited_published_and_shown,
    bad_settings_come_back_kept_and_only_administrators_set_relay_rules,
    the_logo_is_uploaded_checked_and_removed,
    the_tenants_search_synonyms_are_edited_and_searched,
    an_administrator_publishes_figures_on_the_public_page,
);

async fn settings(app: &TestApp) -> SettingsState {
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    app.store
        .editable_one::<Tenant>(&tenant.id, tenant.id.as_str())
        .await
        .unwrap()
        .expect("the settings have a history")
}

/// Every field of the settings form as the page filled it in.
fn form_of(page: &str) -> Vec<(String, String)> {
    let mut form = Vec::new();
    let tags = regex::Regex::new(r#"<input [^>]*>"#).unwrap();
    for tag in tags.find_iter(page).map(|m| m.as_str()) {
        // A checkbox is sent only when checked.
        if tag.contains("type=\"checkbox\"") && !tag.contains(" checked") {
            continue;
        }
        for (name, value) in regex_lite(tag, r#"name="([^"]+)"[^>]*value="([^"]*)""#) {
            if !name.starts_with("priority-remove") {
                form.push((name, html_unescape(&value)));
            }
        }
    }
    for (name, value) in regex_lite(
        page,
        r#"<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>"#,
    ) {
        form.push((name, html_unescape(&value)));
    }
    for (name, options) in regex_lite(
        page,
        r#"<select [^>]*name="([^"]+)"[^>]*>((?s:.*?))</select>"#,
    ) {
        if let Some((value, _)) =
            regex_lite(&options, r#"<option value="([^"]*)"( selected)>"#).pop()
        {
            form.push((name, value));
        }
    }
    form
}

fn regex_lite(text: &str, pattern: &str) -> Vec<(String, String)> {
    regex::Regex::new(pattern)
        .unwrap()
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn set(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    match form.iter_mut().find(|(k, _)| k == name) {
        Some(field) => field.1 = value.to_string(),
        None => form.push((name.to_string(), value.to_string())),
    }
}

async fn settings_are_edited_published_and_shown(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let before = settings(&app).await;
    let (status, _) = editor.get("/nb/testvik/rediger/innstillinger").await;
    assert_eq!(status, 303, "to the tenant's own settings");
    let href = format!("/nb/testvik/rediger/innstillinger/{}", before.id);
    let (status, page) = editor.get(&href).await;
    assert_eq!(status, 200);
    let (status, _) = editor.get(&format!("/nn{}", &href[3..])).await;
    assert_eq!(status, 200);
    let mut form = form_of(&page);
    assert_eq!(hidden(&page, "base"), before.head.to_string());
    set(
        &mut form,
        "about-nb",
        "Testvik samarbeider om barn og unge.",
    );
    set(
        &mut form,
        "accessibility_shortcomings-nb",
        "Noen PDF-er mangler merking.",
    );
    set(&mut form, "accessibility_date", "2026-10-01");
    set(
        &mut form,
        "statement_url",
        "https://uustatus.example/testvik",
    );
    // A new priority first, the old one after it.
    set(&mut form, "priority-key-1", "trivsel");
    set(
        &mut form,
        "priority-label-1-nb",
        "Trivsel i barnehage og skole",
    );
    set(&mut form, "priority-position-1", "0");
    let (status, body, location) = editor.post(&href, &form).await;
    assert_eq!(status, 303, "{body}");
    assert!(location.ends_with("?lagret=1"), "{location}");
    let saved = settings(&app).await;
    assert_eq!(saved.head, before.head + 1);
    let keys: Vec<&str> = saved
        .object
        .priorities
        .iter()
        .map(|p| p.key.as_str())
        .collect();
    assert_eq!(keys, ["trivsel", "vold"]);

    // A draft: the public pages keep the old until it is published.
    let about = format!("{}/nb/testvik/om", app.base);
    let text = reqwest::get(&about).await.unwrap().text().await.unwrap();
    assert!(!text.contains("Testvik samarbeider om barn og unge."));
    let (status, preview) = editor.get(&format!("{href}/forhandsvisning")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("Testvik samarbeider om barn og unge."));
    let csrf = hidden(&page, "csrf");
    let (status, _, location) = editor
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf),
                ("version".into(), saved.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?publisert=1"), "{location}");
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    assert_eq!(
        record.tenant.about.nb.as_deref(),
        Some("Testvik samarbeider om barn og unge."),
        "stored"
    );
    let text = reqwest::get(&about).await.unwrap().text().await.unwrap();
    assert!(
        text.contains("Testvik samarbeider om barn og unge."),
        "{text}"
    );
    assert!(text.contains("Trivsel i barnehage og skole"), "{text}");
    let a11y = reqwest::get(format!("{}/nb/testvik/tilgjengelighet", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        a11y.contains("Noen PDF-er mangler merking.")
            && a11y.contains("https://uustatus.example/testvik")
    );
    assert!(a11y.contains("1. oktober 2026"), "{a11y}");

    // The history compares the two versions.
    let (status, page) = editor.get(&format!("{href}/historikk")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<ins>") && page.contains("Kjente mangler"),
        "{page}"
    );
    // No unpublishing or deleting a tenant's settings.
    let (status, _) = editor.get(&format!("{href}/slett")).await;
    assert_eq!(status, 404);
}

async fn bad_settings_come_back_kept_and_only_administrators_set_relay_rules(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let before = settings(&app).await;
    let href = format!("/nb/testvik/rediger/innstillinger/{}", before.id);
    let (_, page) = editor.get(&href).await;
    assert!(
        !page.contains("name=\"youth_consent_age\""),
        "not for editors"
    );
    let mut form = form_of(&page);
    set(&mut form, "primary_colour", "blå");
    set(
        &mut form,
        "statement_url",
        "http://uustatus.example/testvik",
    );
    set(&mut form, "name-nb", "");
    // The priority "vold" is used by content: it cannot be removed.
    set(&mut form, "priority-remove-0", "ja");
    // An editor cannot change the relay log's rules, even by sending them.
    set(&mut form, "youth_consent_age", "15");
    let (status, page, _) = editor.post(&href, &form).await;
    assert_eq!(status, 422);
    for field in [
        "#primary_colour",
        "#statement_url",
        "#name-nb",
        "#priorities",
    ] {
        assert!(
            page.contains(&format!("href=\"{field}\"")),
            "{field}: {page}"
        );
    }
    assert!(page.contains("value=\"blå\""));
    assert_eq!(settings(&app).await.head, before.head, "nothing saved");

    let (_, page) = editor.get(&href).await;
    let mut form = form_of(&page);
    set(&mut form, "youth_consent_age", "15");
    let (status, page, _) = editor.post(&href, &form).await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(settings(&app).await.object.relay.youth_consent_age, 16);

    let admin = Editor::new(&app, "testvik", "admin@testvik.example", Role::TenantAdmin).await;
    let (_, page) = admin.get(&href).await;
    assert!(page.contains("name=\"youth_consent_age\""));
    let mut form = form_of(&page);
    set(&mut form, "youth_consent_age", "15");
    assert_eq!(admin.post(&href, &form).await.0, 303);
    let set_by_admin = settings(&app).await;
    assert_eq!(set_by_admin.object.relay.youth_consent_age, 15);

    // Nor by restoring an older version: the rules stay the administrator's.
    let (_, page) = editor.get(&href).await;
    let (status, _, _) = editor
        .post(
            &format!("{href}/gjenopprett"),
            &[
                ("csrf".into(), hidden(&page, "csrf")),
                ("version".into(), before.head.to_string()),
                ("base".into(), set_by_admin.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let restored = settings(&app).await;
    assert_eq!(restored.head, set_by_admin.head + 1, "restored");
    assert_eq!(restored.object.relay.youth_consent_age, 15);

    // A priority content uses cannot be dropped by leaving its row out either.
    let form: Vec<(String, String)> = form_of(&page)
        .into_iter()
        .filter(|(k, _)| !(k.starts_with("priority-") && k.ends_with("-0")))
        .map(|(k, v)| {
            if k == "base" {
                (k, restored.head.to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    let (status, page, _) = editor.post(&href, &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("er i bruk i annet innhold"), "{page}");
}

async fn the_logo_is_uploaded_checked_and_removed(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let before = settings(&app).await;
    let href = format!("/nb/testvik/rediger/innstillinger/{}", before.id);
    let (_, page) = editor.get(&href).await;
    let csrf = hidden(&page, "csrf");
    let base = before.head.to_string();
    let fields = [("csrf", csrf.as_str()), ("base", base.as_str())];
    // Not a PNG, whatever its name says: refused, and nothing saved.
    let (status, page, _) = editor
        .upload(
            &format!("{href}/logo"),
            &fields,
            ("logo.png", b"<svg>not a png</svg>"),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("href=\"#logo-file\""), "{page}");
    assert_eq!(settings(&app).await.head, before.head);
    // A real SVG: a draft until published, then served.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#;
    let (status, _, location) = editor
        .upload(&format!("{href}/logo"), &fields, ("ny-logo.svg", svg))
        .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?lagret=1"), "{location}");
    let draft = settings(&app).await;
    assert_eq!(draft.object.logo.as_ref().unwrap().file_name, "ny-logo.svg");
    let public = format!("{}/logo/testvik", app.base);
    assert_ne!(
        reqwest::get(&public)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        svg
    );
    let (status, _, _) = editor
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf.clone()),
                ("version".into(), draft.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        reqwest::get(&public)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        svg
    );
    // Removed: a version without a logo.
    let head = draft.head.to_string();
    let (status, _, _) = editor
        .upload(
            &format!("{href}/logo"),
            &[
                ("csrf", csrf.as_str()),
                ("base", head.as_str()),
                ("fjern", "ja"),
            ],
            ("", b""),
        )
        .await;
    assert_eq!(status, 303);
    assert!(settings(&app).await.object.logo.is_none());
}

async fn the_tenants_search_synonyms_are_edited_and_searched(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let before = settings(&app).await;
    let href = format!("/nb/testvik/rediger/innstillinger/{}", before.id);
    let (_, page) = editor.get(&href).await;
    let mut form = form_of(&page);
    set(
        &mut form,
        "search_synonyms",
        "Kvitrefugl, helsestasjonen\nbare ett",
    );
    let (status, body, _) = editor.post(&href, &form).await;
    assert_eq!(status, 422, "a line with one term is refused");
    assert!(
        body.contains("href=\"#search_synonyms\"") && body.contains("bare ett"),
        "{body}"
    );
    assert_eq!(settings(&app).await.head, before.head, "nothing saved");

    set(
        &mut form,
        "search_synonyms",
        "Kvitrefugl, helsestasjonen\r\n\r\nlos, ungdomslos",
    );
    let (status, body, _) = editor.post(&href, &form).await;
    assert_eq!(status, 303, "{body}");
    let saved = settings(&app).await;
    assert_eq!(
        saved.object.search_synonyms,
        [
            vec!["Kvitrefugl", "helsestasjonen"],
            vec!["los", "ungdomslos"]
        ]
    );
    let search = format!("{}/nb/testvik/sok?q=kvitrefugl", app.base);
    let found = |page: String| page.contains("href=\"/nb/testvik/innhold/helsestasjon\"");
    let page = reqwest::get(&search).await.unwrap().text().await.unwrap();
    assert!(!found(page), "a draft's synonyms are not used");
    let csrf = hidden(&page_of(&editor, &href).await, "csrf");
    let (status, _, _) = editor
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf),
                ("version".into(), saved.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let page = reqwest::get(&search).await.unwrap().text().await.unwrap();
    assert!(
        found(page),
        "published, the tenant's synonym finds the health station"
    );
}

async fn an_administrator_publishes_figures_on_the_public_page(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let public = format!("{}/nb/testvik/om-arbeidet", app.base);
    assert_eq!(
        reqwest::get(&public).await.unwrap().status(),
        404,
        "nothing published yet"
    );
    let before = settings(&app).await;
    let href = format!("/nb/testvik/rediger/innstillinger/{}", before.id);

    // An editor sees neither the threshold nor the figures, and cannot set them.
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (_, page) = editor.get(&href).await;
    assert!(!page.contains("name=\"evaluation_public\""));
    let mut form = form_of(&page);
    set(&mut form, "evaluation_threshold", "3");
    form.push(("evaluation_public".into(), "opened".into()));
    let (status, body, _) = editor.post(&href, &form).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        settings(&app).await.object.evaluation,
        before.object.evaluation
    );

    let admin = Editor::new(&app, "testvik", "admin@testvik.example", Role::TenantAdmin).await;
    let (_, page) = admin.get(&href).await;
    let mut form = form_of(&page);
    set(&mut form, "evaluation_threshold", "2");
    form.push(("evaluation_public".into(), "voice-share".into()));
    form.push(("evaluation_public".into(), "opened".into()));
    let (status, body, _) = admin.post(&href, &form).await;
    assert_eq!(status, 422, "a threshold under 3 is refused");
    assert!(body.contains("href=\"#evaluation_threshold\""), "{body}");
    assert!(
        body.contains("value=\"opened\" checked"),
        "the choice is kept"
    );
    set(&mut form, "evaluation_threshold", "6");
    let (status, body, _) = admin.post(&href, &form).await;
    assert_eq!(status, 303, "{body}");
    let saved = settings(&app).await;
    assert_eq!(saved.object.evaluation.threshold, 6);
    assert_eq!(
        saved.object.evaluation.public_figures,
        ["opened", "voice-share"]
    );
    assert_eq!(
        reqwest::get(&public).await.unwrap().status(),
        404,
        "a draft is not public"
    );

    let csrf = hidden(&page_of(&admin, &href).await, "csrf");
    let (status, _, _) = admin
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf),
                ("version".into(), saved.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let page = reqwest::get(&public).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("<h1 class=\"ds-heading\" data-size=\"xl\">Slik jobber vi</h1>"),
        "{page}"
    );
    assert!(page.contains("Logger opprettet") && page.contains("barnets stemme"));
    assert!(page.contains("under 6"), "the tenant's threshold: {page}");
    assert!(!page.contains("Aktive logger</th>"), "only what was chosen");
    let nn = reqwest::get(format!("{}/nn/testvik/om-arbeidet", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(nn.contains("Slik jobbar vi"));
    let home = reqwest::get(format!("{}/nb/testvik", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("href=\"/nb/testvik/om-arbeidet\""),
        "linked from every page"
    );
}

async fn page_of(editor: &Editor<'_>, href: &str) -> String {
    editor.get(href).await.1
}
