//! The public site, page by page.

use crate::common::{Backend, TestApp};

crate::on_both_backends!(
    every_page_of_both_demo_tenants_answers_in_both_languages,
    item_page_shows_relations_from_both_ends_and_owner,
    drafts_are_invisible_everywhere,
    missing_translation_falls_back_and_says_so,
    markdown_is_rendered_without_raw_html,
    level_filters_select_items_and_reject_unknown_values,
    services_directory_is_sorted_norwegian_and_filterable,
    unknown_pages_are_404_in_the_right_language,
    one_tenants_items_are_not_reachable_through_another,
    attachments_and_logo_are_served,
    text_size_is_kept_in_a_cookie_and_never_redirects_elsewhere,
    timeline_about_and_accessibility_pages,
);

async fn every_page_of_both_demo_tenants_answers_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let (status, _) = app.get("/").await;
    assert_eq!(status, 303);
    for lang in ["nb", "nn"] {
        let front = app.page(&format!("/{lang}")).await;
        assert!(front.contains(&format!("<html lang=\"{lang}\"")));
        assert!(front.contains("Fjordvik kommune") && front.contains("/lauvdal-strandheim"));
        for tenant in ["fjordvik", "lauvdal-strandheim"] {
            let base = format!("/{lang}/{tenant}");
            let home = app.page(&base).await;
            assert!(home.contains(&format!("<html lang=\"{lang}\"")), "{base}");
            for level in ["kommune", "tjeneste", "individ"] {
                assert!(
                    home.contains(&format!("{base}/niva/{level}")),
                    "{base} links {level}"
                );
                app.page(&format!("{base}/niva/{level}")).await;
            }
            for page in ["tjenester", "tidslinje", "om", "tilgjengelighet"] {
                app.page(&format!("{base}/{page}")).await;
            }
            let model = app
                .store
                .model(
                    &app.store.tenant_by_slug(tenant).await.unwrap().unwrap().id,
                    saman_store::Visibility::Published,
                    false,
                )
                .await
                .unwrap();
            assert!(
                model.items.len() >= 66,
                "{tenant} has a complete demo model"
            );
            for item in &model.items {
                app.page(&format!("{base}/innhold/{}", item.slug)).await;
            }
        }
    }
    // The tenant's own address leads to its default language.
    let response = app
        .client
        .get(format!("{}/lauvdal-strandheim", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/nn/lauvdal-strandheim");
}

async fn item_page_shows_relations_from_both_ends_and_owner(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let routine = app.page("/nb/testvik/innhold/samtalerutine").await;
    assert!(routine.contains("Bruker") && routine.contains("/nb/testvik/innhold/skjema"));
    assert!(
        routine.contains("Er forankret i") && routine.contains("/nb/testvik/innhold/oppvekstplan")
    );
    assert!(
        routine.contains("Ansvarlig tjeneste")
            && routine.contains("/nb/testvik/innhold/helsestasjon")
    );
    assert!(
        routine.contains("1. juni 2027"),
        "review date in Norwegian format"
    );
    let tool = app.page("/nn/testvik/innhold/skjema").await;
    assert!(tool.contains("Blir brukt i") && tool.contains("/nn/testvik/innhold/samtalerutine"));
    let service = app.page("/nb/testvik/innhold/helsestasjon").await;
    assert!(service.contains("Har ansvar for") && service.contains("Rutine for samtaler"));
    assert!(service.contains("tel:+4799980001") && service.contains("Hverdager 08–15"));
    let plan = app.page("/nb/testvik/innhold/oppvekstplan").await;
    assert!(plan.contains("Forebygge vold"), "priorities are shown");
}

async fn drafts_are_invisible_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let (status, _) = app.get("/nb/testvik/innhold/hemmelig-utkast").await;
    assert_eq!(status, 404);
    for page in [
        "/nb/testvik/innhold/oppvekstplan",
        "/nb/testvik/niva/tjeneste",
        "/nb/testvik",
    ] {
        let html = app.page(page).await;
        assert!(
            !html.contains("hemmelig-utkast") && !html.contains("Utkast som ikke"),
            "{page}"
        );
    }
}

async fn missing_translation_falls_back_and_says_so(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let html = app.page("/nn/testvik/innhold/samtalerutine").await;
    assert!(html.contains("<html lang=\"nn\""));
    assert!(
        html.contains("finst ikkje på nynorsk"),
        "the fallback is announced"
    );
    assert!(
        html.contains("lang=\"nb\">Rutine for samtaler</h1>"),
        "the bokmål text is marked as bokmål"
    );
    let level = app.page("/nn/testvik/niva/individ").await;
    assert!(level.contains("lang=\"nb\">Rutine for samtaler</a>"));
    let complete = app.page("/nb/testvik/innhold/samtalerutine").await;
    assert!(!complete.contains("finnes ikke på bokmål"));
}

async fn markdown_is_rendered_without_raw_html(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let html = app.page("/nb/testvik/innhold/oppvekstplan").await;
    assert!(html.contains("<h2>Mål</h2>"));
    assert!(!html.contains("<script>alert"), "raw HTML must not pass");
    assert!(html.contains("&lt;script&gt;"));
}

async fn level_filters_select_items_and_reject_unknown_values(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let all = app.page("/nb/testvik/niva/tjeneste").await;
    assert!(
        all.contains("Helsestasjon")
            && all.contains("Rutine for samtaler")
            && all.contains("Åpen barnehage")
    );
    let filtered = app.page("/nb/testvik/niva/tjeneste?malgruppe=6-12").await;
    assert!(filtered.contains("Rutine for samtaler"));
    assert!(!filtered.contains("Åpen barnehage") && !filtered.contains(">Helsestasjon<"));
    assert!(filtered.contains("Viser 1 av 3."));
    let both = app
        .page("/nb/testvik/niva/tjeneste?malgruppe=0-5&forebygging=universell")
        .await;
    assert!(both.contains(">Helsestasjon<") && !both.contains("Åpen barnehage"));
    let empty = app
        .page("/nb/testvik/niva/tjeneste?malgruppe=&forebygging=")
        .await;
    assert!(empty.contains("Viser 3 av 3."));
    let (status, html) = app.get("/nn/testvik/niva/tjeneste?malgruppe=voksne").await;
    assert_eq!(status, 400);
    assert!(html.contains("Filteret «voksne» finst ikkje.") && html.contains("<html lang=\"nn\""));
    let (status, _) = app
        .get("/nb/testvik/niva/tjeneste?malgruppe=%ZZ&forebygging=%00")
        .await;
    assert_eq!(status, 400);
    let (status, _) = app.get("/nb/testvik/niva/fylke").await;
    assert_eq!(status, 404);
}

async fn services_directory_is_sorted_norwegian_and_filterable(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let html = app.page("/nb/testvik/tjenester").await;
    let h = html.find(">Helsestasjon<").unwrap();
    let a = html.find(">Åpen barnehage<").unwrap();
    assert!(h < a, "Å sorts after H");
    assert!(html.contains("helsestasjon@testvik.example") && html.contains("Testvegen 1"));
    let guardians = app.page("/nb/testvik/tjenester?malgruppe=foresatte").await;
    assert!(guardians.contains("Åpen barnehage") && !guardians.contains(">Helsestasjon<"));
    let nn = app.page("/nn/testvik/tjenester").await;
    assert!(nn.contains("Open barnehage") && nn.contains("Kvardagar 08–15"));
}

async fn unknown_pages_are_404_in_the_right_language(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    for (path, text) in [
        ("/nb/finnes-ikke", "Vi fant ikke siden"),
        ("/nn/finst-ikkje", "Vi fann ikkje sida"),
        ("/nn/testvik/innhold/finst-ikkje", "Vi fann ikkje sida"),
        ("/en/testvik", "Vi fant ikke siden"),
        ("/nb/testvik/noe/annet/helt", "Vi fant ikke siden"),
        ("/assets/finnes-ikke.css", "Vi fant ikke siden"),
    ] {
        let (status, html) = app.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains(text), "{path}: {html}");
    }
    let response = app
        .client
        .post(format!("{}/nb/testvik", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
}

async fn one_tenants_items_are_not_reachable_through_another(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    // `samtalerutine` belongs to testvik only.
    let (status, _) = app.get("/nb/fjordvik/innhold/samtalerutine").await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get("/nb/fjordvik/innhold/skjema/filer/skjema.txt")
        .await;
    assert_eq!(status, 404);
    let fjordvik = app.page("/nb/fjordvik/tjenester").await;
    assert!(!fjordvik.contains("testvik"));
}

async fn attachments_and_logo_are_served(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let html = app.page("/nb/testvik/innhold/skjema").await;
    assert!(
        html.contains("/nb/testvik/innhold/skjema/filer/skjema.txt")
            && html.contains("Skjemaet som tekst")
    );
    let response = app
        .client
        .get(format!(
            "{}/nb/testvik/innhold/skjema/filer/skjema.txt",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "Observasjon: æøå ÆØÅ\n");
    let (status, _) = app.get("/nb/testvik/innhold/skjema/filer/annet.txt").await;
    assert_eq!(status, 404);
    let response = app
        .client
        .get(format!("{}/logo/testvik", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<title>Testvik</title>")
    );
    assert!(
        html.contains("src=\"/logo/testvik\"") && html.contains("alt=\"Logo for Testvik kommune\"")
    );
    let (status, _) = app.get("/logo/fjordvik").await;
    assert_eq!(status, 404, "no such tenant");
}

async fn text_size_is_kept_in_a_cookie_and_never_redirects_elsewhere(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let url = format!("{}/innstillinger/tekststorrelse", app.base);
    let response = app
        .client
        .post(&url)
        .form(&[("size", "larger"), ("back", "/nn/testvik/om")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/nn/testvik/om");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("saman_tekst=larger;"));
    let html = app
        .client
        .get(format!("{}/nn/testvik/om", app.base))
        .header("cookie", "saman_tekst=larger")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("class=\"text-larger\""));
    for evil in [
        "//evil.example/x",
        "https://evil.example",
        "/ok\r\nSet-Cookie: x=y",
        "/\\evil",
    ] {
        let response = app
            .client
            .post(&url)
            .form(&[("size", "large"), ("back", evil)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "{evil:?}");
        assert_eq!(response.headers()["location"], "/", "{evil:?}");
    }
    let response = app
        .client
        .post(&url)
        .form(&[("size", "enorm"), ("back", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let response = app
        .client
        .post(&url)
        .form(&[("back", "/")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
}

async fn timeline_about_and_accessibility_pages(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let timeline = app.page("/nn/testvik/tidslinje").await;
    assert!(timeline.contains("Prosjektet startar") && timeline.contains("1. februar 2026"));
    assert!(timeline.contains("Vi er i gang på nynorsk."));
    let home = app.page("/nb/testvik").await;
    assert!(
        home.contains("Prosjektet starter"),
        "the latest timeline entries are on the home page"
    );
    let about = app.page("/nn/testvik/om").await;
    assert!(about.contains("Om testmodellen på nynorsk.") && about.contains("9998"));
    let a11y = app.page("/nb/testvik/tilgjengelighet").await;
    assert!(a11y.contains("WCAG 2.1") && a11y.contains("mailto:post@testvik.example"));
}
