//! The action guide on the web: overview, steps, the printable summary, the "I am
//! worried" path and the audience pages.

use crate::common::{Backend, TestApp, fixture, import_folder};
use saman_store::ImportOutcome;

crate::on_both_backends!(
    guide_overview_shows_levels_steps_and_the_urgent_path,
    step_page_has_tools_deadline_and_what_next,
    printable_summary_lists_every_step,
    worry_path_leads_to_the_right_level_without_personal_data_in_the_address,
    worry_path_keeps_answers_going_back_and_asks_again_on_no_choice,
    audience_pages_for_everyone,
    a_changed_deadline_in_the_files_shows_on_the_step_page,
);

async fn guide_overview_shows_levels_steps_and_the_urgent_path(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let list = app.page("/nb/testvik/veileder").await;
    assert!(
        list.contains("/nb/testvik/veileder/generell")
            && list.contains("Handlingsveileder for ansatte")
    );
    let html = app.page("/nn/testvik/veileder/generell").await;
    assert!(html.contains("Handlingsrettleiar for tilsette"));
    for (level, name) in [
        (0, "Avklare uroa"),
        (1, "Tiltak i eiga teneste"),
        (2, "Enkel samhandling"),
        (3, "Brei samhandling"),
    ] {
        assert!(
            html.contains(&format!("id=\"niva-{level}\"")),
            "level {level}"
        );
        assert!(html.contains(name), "{name}");
    }
    let staircase = &html[html.find("class=\"staircase\"").unwrap()..];
    let concrete = staircase.find("Gjer uroa konkret").unwrap();
    let violence = staircase
        .find(">Mistanke om vald eller overgrep</a>")
        .unwrap();
    assert!(concrete < violence, "steps keep the guide's order");
    assert!(
        html.contains("Ikkje snakk med føresette om uroa"),
        "the urgent path is explicit"
    );
}

async fn step_page_has_tools_deadline_and_what_next(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let html = app
        .page("/nb/testvik/veileder/generell/steg/gjor-bekymringen-konkret")
        .await;
    assert!(html.contains("Beslutt innen 14 dager"));
    assert!(html.contains("Hva har du sett eller hørt?"));
    assert!(
        html.contains("/nb/testvik/innhold/skjema"),
        "the step's tool is at hand"
    );
    assert!(
        html.contains("/nb/testvik/innhold/samtalerutine"),
        "the routine it relies on"
    );
    assert!(
        html.contains("/nb/testvik/veileder/generell/steg/vold-og-overgrep"),
        "decision to a step"
    );
    assert!(
        html.contains("/nb/testvik/veileder/generell#niva-1"),
        "decision to a level"
    );
    assert!(html.contains("Saken avsluttes"), "decision to close");
    let urgent = app
        .page("/nb/testvik/veileder/generell/steg/vold-og-overgrep")
        .await;
    assert!(urgent.contains("Ikke snakk med foresatte"));
    assert!(
        urgent.contains("/nb/testvik/innhold/helsestasjon"),
        "report of concern leads to the tenant's child welfare service"
    );
    assert!(urgent.contains("02800"));
    for missing in [
        "/nb/testvik/veileder/finnes-ikke",
        "/nb/testvik/veileder/generell/steg/finnes-ikke",
        "/nb/testvik/veileder/generell/steg/lag-en-plan/mer",
    ] {
        assert_eq!(app.get(missing).await.0, 404, "{missing}");
    }
}

async fn printable_summary_lists_every_step(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let html = app.page("/nb/testvik/veileder/generell/utskrift").await;
    for step in [
        "Gjør bekymringen konkret",
        "Mistanke om vold eller overgrep",
        "Lag en plan",
        "Innhent samtykke",
        "Vurder individuell plan",
    ] {
        assert!(html.contains(step), "{step}");
    }
    assert!(html.contains("Stafettholderen") && html.contains("Observasjonsskjema"));
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn worry_path_leads_to_the_right_level_without_personal_data_in_the_address(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, false).await;
    let start = app.page("/nn/testvik/bekymret").await;
    assert!(start.contains("Er barnet i fare akkurat no?") && start.contains("method=\"post\""));
    assert!(start.contains("116 111"), "emergency numbers in sight");
    let path = "/nn/testvik/bekymret";
    let mut answers = String::new();
    for (question, choice) in [
        ("fare", "nei"),
        ("rolle", "ansatt"),
        ("vold", "nei"),
        ("avklart", "ja"),
        ("egen", "nei"),
        ("andre", "en-to"),
    ] {
        let (status, html) = post(
            &app,
            path,
            &[
                ("svar", &answers),
                ("sporsmal", question),
                ("valg", choice),
                ("handling", "neste"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        answers = extract_answers(&html);
    }
    let (_, html) = post(&app, path, &[("svar", &answers), ("handling", "neste")]).await;
    assert!(
        html.contains("Saka høyrer heime på nivå 2: Enkel samhandling"),
        "{html}"
    );
    assert!(html.contains("/nn/testvik/veileder/generell/steg/innhent-samtykke"));
    let (_, violence) = post(
        &app,
        path,
        &[
            ("svar", "fare=nei;rolle=ansatt"),
            ("sporsmal", "vold"),
            ("valg", "ja"),
        ],
    )
    .await;
    assert!(violence.contains("Kontakt barnevernet eller politiet no"));
    assert!(violence.contains("/nn/testvik/veileder/generell/steg/vold-og-overgrep"));
    let (_, danger) = post(
        &app,
        path,
        &[("svar", ""), ("sporsmal", "fare"), ("valg", "ja")],
    )
    .await;
    assert!(danger.contains("Ring 112 eller 113 no"));
    let (_, private) = post(
        &app,
        path,
        &[
            ("svar", "fare=nei"),
            ("sporsmal", "rolle"),
            ("valg", "privatperson"),
        ],
    )
    .await;
    assert!(private.contains("/nn/testvik/for/privatpersoner"));
}

fn extract_answers(html: &str) -> String {
    let marker = "name=\"svar\" value=\"";
    let start = html.find(marker).expect("the answers travel in the form") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

async fn worry_path_keeps_answers_going_back_and_asks_again_on_no_choice(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let path = "/nb/testvik/bekymret";
    let (status, html) = post(
        &app,
        path,
        &[
            ("svar", "fare=nei"),
            ("sporsmal", "rolle"),
            ("handling", "neste"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Du må rette dette før du kan gå videre")
            && html.contains("Velg ett av svarene.")
    );
    assert!(
        html.contains("href=\"#valg-ansatt\""),
        "the error summary links to the field"
    );
    assert_eq!(
        extract_answers(&html),
        "fare=nei",
        "earlier answers are kept"
    );
    let (_, back) = post(
        &app,
        path,
        &[("svar", "fare=nei;rolle=ansatt"), ("handling", "tilbake")],
    )
    .await;
    assert!(back.contains("Hvem er du?"));
    assert_eq!(extract_answers(&back), "fare=nei");
    let (status, tampered) = post(
        &app,
        path,
        &[
            ("svar", "fare=kanskje;<script>"),
            ("sporsmal", "x"),
            ("valg", "y"),
        ],
    )
    .await;
    assert_eq!(status, 200, "a tampered form restarts the path");
    assert!(tampered.contains("Er barnet i fare akkurat nå?") && !tampered.contains("<script>"));
}

async fn audience_pages_for_everyone(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let home = app.page("/nb/testvik").await;
    for audience in ["ansatte", "privatpersoner", "barn-og-unge", "foresatte"] {
        assert!(
            home.contains(&format!("/nb/testvik/for/{audience}")),
            "{audience} is reachable from home"
        );
        for lang in ["nb", "nn"] {
            app.page(&format!("/{lang}/testvik/for/{audience}")).await;
        }
    }
    let youth = app.page("/nn/testvik/for/barn-og-unge").await;
    for number in ["tel:112", "tel:113", "tel:110", "tel:116111", "tel:116117"] {
        assert!(youth.contains(number), "{number} on the youth page");
    }
    let employees = app.page("/nb/testvik/for/ansatte").await;
    assert!(
        employees.contains("/nb/testvik/veileder/generell")
            && employees.contains("Observasjonsskjema")
    );
    let private = app.page("/nb/testvik/for/privatpersoner").await;
    assert!(
        private.contains("+47 99 98 00 01"),
        "the child welfare contact of the tenant"
    );
    let guardians = app.page("/nb/testvik/for/foresatte").await;
    assert!(
        guardians.contains("Åpen barnehage"),
        "services for guardians"
    );
    assert_eq!(app.get("/nb/testvik/for/andre").await.0, 404);
}

async fn a_changed_deadline_in_the_files_shows_on_the_step_page(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let dir = tempfile::tempdir().unwrap();
    for file in saman::folder::read(&fixture("testvik")).unwrap() {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.bytes).unwrap();
    }
    let step = dir
        .path()
        .join("handlingsveileder/generell/0-gjor-bekymringen-konkret.md");
    let text = std::fs::read_to_string(&step).unwrap();
    std::fs::write(
        &step,
        text.replace("Beslutt innen 14 dager", "Beslutt innen 10 dager"),
    )
    .unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    let html = app
        .page("/nb/testvik/veileder/generell/steg/gjor-bekymringen-konkret")
        .await;
    assert!(html.contains("Beslutt innen 10 dager"));
}
