//! Fillable forms: every form in both languages, errors that keep the input, a real
//! PDF in the reader's language, and none of what was typed stored anywhere.

use crate::common::{Backend, Binary, TestApp};

crate::on_both_backends!(
    every_form_is_there_in_both_languages,
    invalid_input_comes_back_with_errors_and_the_input_kept,
    a_filled_form_becomes_a_pdf_in_nynorsk_and_nothing_is_stored,
    tools_link_to_their_forms,
);

pub(crate) const CONSENT: &[(&str, &str)] = &[
    ("barn", "Åse Ødegård Ærø"),
    ("fodselsdato", "05.03.2019"),
    ("samtykker", "Kåre Ødegård, far"),
    ("formal", "Samarbeid om zylofantisk trivselsplan"),
    ("tjenester", "Lauvdal skule\nPPT\nHelsestasjonen"),
    ("gyldig", "2027-06-30"),
    ("trekke", "ja"),
];

async fn every_form_is_there_in_both_languages(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    for lang in ["nb", "nn"] {
        let list = app.page(&format!("/{lang}/testvik/skjema")).await;
        for form in [
            "observasjon",
            "samtale",
            "samtykke",
            "bekymringsmelding",
            "tiltaksplan",
        ] {
            assert!(list.contains(&format!("/{lang}/testvik/skjema/{form}")));
            let html = app.page(&format!("/{lang}/testvik/skjema/{form}")).await;
            assert!(
                html.contains("method=\"post\"")
                    && html.contains(&format!("<html lang=\"{lang}\""))
            );
        }
    }
    assert_eq!(app.get("/nb/testvik/skjema/finnes-ikke").await.0, 404);
}

async fn invalid_input_comes_back_with_errors_and_the_input_kept(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let response = app
        .client
        .post(format!("{}/nb/testvik/skjema/samtykke", app.base))
        .form(&[
            ("barn", "Åse <b>"),
            ("fodselsdato", "31.02.2019"),
            ("formal", "Samarbeid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Du må rette dette før du kan gå videre"));
    assert!(
        html.contains("href=\"#felt-fodselsdato\"")
            && html.contains("Barnets fødselsdato: skriv datoen som dd.mm.åååå.")
    );
    assert!(html.contains("Fyll inn den som samtykker."));
    assert!(
        html.contains("value=\"Åse &") && !html.contains("Åse <b>"),
        "the input is kept, escaped"
    );
    assert!(html.contains("value=\"31.02.2019\""));
    assert!(html.contains(">Samarbeid</textarea>"));
}

async fn a_filled_form_becomes_a_pdf_in_nynorsk_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let response = app
        .client
        .post(format!("{}/nn/testvik/skjema/samtykke", app.base))
        .form(CONSENT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let pdf = response.bytes().await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    for expected in [
        "Samtykke til samarbeid",
        "Namnet til barnet",
        "Åse Ødegård Ærø",
        "5. mars 2019",
        "Kåre Ødegård, far",
        "Helsestasjonen",
        "30. juni 2027",
        "Eg veit at eg kan trekkje samtykket tilbake",
        "Underskrift",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text:\n{text}"
        );
    }
    assert!(
        !stored_anywhere(&app, "Ødegård Ærø").await,
        "the form's content must not be stored"
    );
}

/// Whether any text column of any table holds `needle`, or (for SQLite) any byte of the
/// database files does.
async fn stored_anywhere(app: &TestApp, needle: &str) -> bool {
    use sqlx::{Connection, Row};
    if let Some(path) = app.db.url.strip_prefix("sqlite:") {
        let dir = std::path::Path::new(path).parent().unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                return true;
            }
        }
        return false;
    }
    let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    let columns = sqlx::query(
        "SELECT table_name, column_name FROM information_schema.columns \
         WHERE table_schema = 'public' AND data_type = 'text'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for column in columns {
        let (table, name): (String, String) = (column.get(0), column.get(1));
        let hits: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE {name} LIKE $1"
        ))
        .bind(format!("%{needle}%"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if hits > 0 {
            return true;
        }
    }
    false
}

async fn tools_link_to_their_forms(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let tool = app
        .page("/nn/lauvdal-strandheim/innhold/samtykkeskjema")
        .await;
    assert!(tool.contains("/nn/lauvdal-strandheim/skjema/samtykke"));
    let steps = app.page("/nb/fjordvik/veileder/generell").await;
    assert!(steps.contains("/steg/"));
}

/// The real binary with debug logs: the form's content reaches neither the logs, nor
/// the database files, nor the temporary folder.
#[test]
fn form_content_reaches_no_log_and_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut binary = Binary::start(&[
        ("SAMAN_LOG", "debug".as_ref()),
        ("TMPDIR", tmp.path().as_os_str()),
    ]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/nb/fjordvik/skjema/samtykke", binary.base))
            .form(CONSENT)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status.as_u16(), 200);
    let data = binary.dir.path().join("data");
    let (_, logs) = binary.stop();
    assert!(
        logs.contains("skjema"),
        "the request was logged by its route: {logs}"
    );
    for needle in ["Ødegård", "Ærø", "zylofantisk"] {
        assert!(!logs.contains(needle), "{needle} in the logs");
        for folder in [data.as_path(), tmp.path()] {
            for entry in walk(folder) {
                let bytes = std::fs::read(&entry).unwrap();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle} in {entry:?}"
                );
            }
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
