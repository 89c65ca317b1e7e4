//! Search over HTTP on the demo: Norwegian in both written forms, synonyms, typos and
//! filters; only the tenant's published content; a change searchable at once; and the
//! relevance test set (tests/fixtures/search-relevance.toml), which must pass at 95%.

use crate::common::{Backend, TestApp, hidden, run_saman};
use crate::editor::Editor;
use saman_domain::access::Role;
use saman_domain::search::{Index, Query, SAMAN_SYNONYMS, Synonyms};

crate::on_both_backends!(
    the_demo_is_found_in_both_written_forms_with_typos_and_synonyms,
    editors_see_what_is_searched_per_month_and_nobody_who,
    only_the_tenants_published_content_is_found_and_an_edit_at_once,
    the_relevance_test_set_passes,
    reindex_makes_every_server_build_the_index_again,
);

async fn results(app: &TestApp, path: &str) -> String {
    let (status, page) = app.get(path).await;
    assert_eq!(status, 200, "{path}");
    page
}

/// The results' addresses, in order.
fn hits(page: &str) -> Vec<String> {
    let Some(list) = page.split("<ol class=\"search-hits\">").nth(1) else {
        return Vec::new();
    };
    let list = list.split("</ol>").next().unwrap_or("");
    list.split("<h2 class=\"ds-heading\" data-size=\"xs\"><a class=\"ds-link\" href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

async fn the_demo_is_found_in_both_written_forms_with_typos_and_synonyms(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let page = results(&app, "/nb/fjordvik/sok?q=helsesjukepleiar").await;
    let found = hits(&page);
    assert!(
        found[..3.min(found.len())].contains(&"/nb/fjordvik/innhold/helsestasjon".to_string()),
        "a nynorsk word on a bokmål page finds the health station: {found:?}"
    );
    assert!(page.contains("<mark>"), "the matched words are marked");

    let page = results(&app, "/nb/fjordvik/sok?q=bekymrigsmelding").await;
    let found = hits(&page);
    assert!(
        found
            .iter()
            .take(5)
            .any(|h| h.ends_with("/skjema/bekymringsmelding")),
        "a typo finds the report-of-concern form: {found:?}"
    );
    assert!(
        found.iter().any(|h| h.contains("/steg/")),
        "and the steps that use it: {found:?}"
    );
    assert!(page.contains("Mente du"), "and suggests the word");

    let page = results(&app, "/nn/fjordvik/sok?q=PPT").await;
    assert_eq!(
        hits(&page).first().map(String::as_str),
        Some("/nn/fjordvik/innhold/ppt"),
        "an abbreviation"
    );

    // The tenant's own synonyms (Fjordvik's tenant.toml).
    let page = results(&app, "/nb/fjordvik/sok?q=Familiens+hus").await;
    assert_eq!(
        hits(&page).first().map(String::as_str),
        Some("/nb/fjordvik/innhold/familiesenteret"),
        "a tenant's own synonym"
    );

    // Filters keep their counts, and a filtered search finds only that kind.
    let page = results(&app, "/nb/fjordvik/sok?q=samtykke&type=skjema").await;
    let found = hits(&page);
    assert!(
        !found.is_empty() && found.iter().all(|h| h.contains("/skjema/")),
        "{found:?}"
    );
    assert!(
        page.contains("aria-current=\"true\""),
        "the filter in force is marked"
    );

    // A broad search comes in pages of twenty.
    let first = results(&app, "/nb/fjordvik/sok?q=barn").await;
    assert_eq!(hits(&first).len(), 20);
    assert!(first.contains("Neste side") && !first.contains("Forrige side"));
    let second = results(&app, "/nb/fjordvik/sok?q=barn&side=1").await;
    assert!(second.contains("Forrige side"));
    assert!(
        hits(&second).iter().all(|h| !hits(&first).contains(h)),
        "no page repeats another"
    );

    // Nothing found: help instead.
    let page = results(&app, "/nb/fjordvik/sok?q=xyzzyqq").await;
    assert!(hits(&page).is_empty());
    assert!(page.contains("Ingen treff") && page.contains("/nb/fjordvik/tjenester"));
    assert!(page.contains("/nb/fjordvik/bekymret"));

    // The search field's suggestions.
    let suggestions: serde_json::Value = app
        .client
        .get(format!(
            "{}/nn/fjordvik/sok/forslag?q=helsesøster",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        suggestions["status"].as_str().unwrap().contains("forslag"),
        "{suggestions}"
    );
    let first = &suggestions["items"][0];
    assert_eq!(
        first["href"], "/nn/fjordvik/innhold/helsestasjon",
        "{suggestions}"
    );
    assert!(first["title"].as_str().is_some_and(|t| !t.is_empty()));

    // An empty search is the page with its field; a huge one is cut, not refused.
    let page = results(&app, "/nb/fjordvik/sok").await;
    assert!(page.contains("id=\"search-page-q\"") && hits(&page).is_empty());
    let long = "mobbing ".repeat(500);
    results(&app, &format!("/nb/fjordvik/sok?q={long}")).await;
    let (status, _) = app.get("/nb/finnes-ikke/sok?q=ppt").await;
    assert_eq!(status, 404);
}

async fn only_the_tenants_published_content_is_found_and_an_edit_at_once(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    // Another tenant's words are not found here.
    let lauvdal = results(&app, "/nb/lauvdal-strandheim/sok?q=Fjordvik").await;
    assert!(
        hits(&lauvdal)
            .iter()
            .all(|h| h.starts_with("/nb/lauvdal-strandheim/")),
        "{lauvdal}"
    );
    // A published edit is searchable at once; its draft before that is not.
    let editor = Editor::new(&app, "fjordvik", "redaktor2@fjordvik.example", Role::Editor).await;
    let record = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let ppt = app
        .store
        .editable_items(&record.id)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.object.slug == "ppt")
        .unwrap();
    let href = format!("/nb/fjordvik/rediger/innhold/{}", ppt.id);
    let (_, form) = editor.get(&href).await;
    let csrf = hidden(&form, "csrf");
    let mut fields = crate::editor::form_of(&ppt.object, ppt.head, &csrf);
    crate::editor::set(
        &mut fields,
        "summary-nb",
        "Sakkyndig vurdering og kvitrefugl-samtaler.",
    );
    let (status, _, _) = editor.post(&href, &fields).await;
    assert_eq!(status, 303, "saved as a draft");
    assert!(
        hits(&results(&app, "/nb/fjordvik/sok?q=kvitrefugl").await).is_empty(),
        "a draft is not searchable"
    );
    let state = app
        .store
        .editable_items(&record.id)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.object.slug == "ppt")
        .unwrap();
    let (status, _, _) = editor
        .post(
            &format!("{href}/publiser"),
            &[
                ("csrf".into(), csrf),
                ("version".into(), state.head.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        hits(&results(&app, "/nb/fjordvik/sok?q=kvitrefugl").await),
        ["/nb/fjordvik/innhold/ppt"],
        "published, it is found at once"
    );
}

#[derive(serde::Deserialize)]
struct RelevanceSet {
    query: Vec<RelevanceQuery>,
}

#[derive(serde::Deserialize)]
struct RelevanceQuery {
    tenant: String,
    lang: String,
    q: String,
    expect: Vec<String>,
    #[serde(default)]
    why: String,
}

async fn the_relevance_test_set_passes(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/search-relevance.toml"
    );
    let set: RelevanceSet = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(set.query.len() >= 60, "at least 60 queries");
    let nynorsk = set.query.iter().filter(|q| q.lang == "nn").count();
    assert!(nynorsk * 2 >= set.query.len() - 4, "about half nynorsk");
    let mut indexes = std::collections::HashMap::new();
    for tenant in ["fjordvik", "lauvdal-strandheim"] {
        let published = app.store.published(tenant).await.unwrap().unwrap();
        let docs = saman_web::search_documents(&published);
        indexes.insert(tenant, Index::build(docs, Synonyms::parse(SAMAN_SYNONYMS)));
    }
    let mut failed = Vec::new();
    for q in &set.query {
        let index = &indexes[q.tenant.as_str()];
        let found = index.search(&Query {
            text: &q.q,
            lang: q.lang.parse().ok(),
            ..Query::default()
        });
        let top: Vec<&str> = found
            .hits
            .iter()
            .take(3)
            .map(|h| h.doc.key.as_str())
            .collect();
        if !q.expect.iter().all(|e| top.contains(&e.as_str())) {
            failed.push(format!(
                "{} {} «{}»: expected {:?}, got {:?} ({})",
                q.tenant, q.lang, q.q, q.expect, top, q.why
            ));
        }
    }
    let passed = set.query.len() - failed.len();
    let share = passed as f64 / set.query.len() as f64;
    println!(
        "search relevance: {passed} of {} queries ({:.1} %) have every expected result in the top 3",
        set.query.len(),
        share * 100.0
    );
    for f in &failed {
        println!("  missed: {f}");
    }
    assert!(
        share >= 0.95,
        "relevance {:.1} % is under 95 %:\n{}",
        share * 100.0,
        failed.join("\n")
    );
}

async fn editors_see_what_is_searched_per_month_and_nobody_who(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    for _ in 0..6 {
        results(&app, "/nb/fjordvik/sok?q=Mobbing").await;
    }
    results(&app, "/nb/fjordvik/sok?q=fotballbane").await;
    results(&app, "/nb/fjordvik/sok?q=ola%40example.no").await;
    results(&app, "/nb/fjordvik/sok?q=ring+41234567").await;
    // Filters and further pages of a search are not counted again.
    results(&app, "/nb/fjordvik/sok?q=mobbing&type=rutine").await;
    results(&app, "/nb/lauvdal-strandheim/sok?q=lauvdalsord").await;

    let editor = Editor::new(&app, "fjordvik", "redaktor3@fjordvik.example", Role::Editor).await;
    let (status, page) = editor.get("/nb/fjordvik/rediger/sok").await;
    assert_eq!(status, 200);
    let (top, empty) = page.split_once("Søk uten treff i ").unwrap();
    assert!(top.contains(">mobbing</a></td><td>6<"), "{page}");
    assert!(top.contains(">fotballbane</a></td><td>under 5<"), "{page}");
    assert!(
        empty.contains(">fotballbane</a>") && !empty.contains(">mobbing</a>"),
        "{page}"
    );
    for hidden in ["ola@example.no", "41234567", "lauvdalsord"] {
        assert!(!page.contains(hidden), "{hidden} is not shown");
    }
    let tenant = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let month = saman_store::clock::today().to_string()[..7].to_string();
    let counts = app.store.search_counts(&tenant.id, &month).await.unwrap();
    assert_eq!(counts.len(), 2, "{counts:?}");

    let employee = Editor::new(&app, "fjordvik", "ansatt@fjordvik.example", Role::Employee).await;
    let (status, _) = employee.get("/nb/fjordvik/rediger/sok").await;
    assert_eq!(status, 404, "editors only");
    let (status, _) = app.get("/nb/fjordvik/rediger/sok").await;
    assert_eq!(status, 303, "to the login");
}

async fn reindex_makes_every_server_build_the_index_again(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let version = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.published("fjordvik").await.unwrap().unwrap() }
    };
    let before = version(&app).await;
    results(&app, "/nb/fjordvik/sok?q=ppt").await;
    let out = run_saman(&app.db, &["reindex"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("fjordvik: ") && l.contains("dokumenter")),
        "{printed}"
    );
    assert!(printed.contains("lauvdal-strandheim: "), "{printed}");
    // The server learns of the command's change within a second, as of another
    // instance's.
    let read_again = crate::common::within(std::time::Duration::from_secs(2), || {
        let (app, before) = (&app, &before);
        async move { !std::sync::Arc::ptr_eq(before, &version(app).await) }
    })
    .await;
    assert!(read_again.is_some(), "the model is read again");
    assert_eq!(
        hits(&results(&app, "/nb/fjordvik/sok?q=ppt").await)
            .first()
            .map(String::as_str),
        Some("/nb/fjordvik/innhold/ppt")
    );
    let out = run_saman(&app.db, &["reindex", "--tenant", "finnes-ikke"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("finnes-ikke"));
}
