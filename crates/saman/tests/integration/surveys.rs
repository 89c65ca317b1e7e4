//! Surveys: offered to a log's guardian and youth when it closes, answered once, and
//! kept so that nothing links an answer to a person, a log or a time; the staff survey
//! once a year; results protected; and the questions edited in both languages, fixed
//! once anyone has answered.

use crate::common::*;
use crate::editor::Editor;
use crate::on_both_backends;
use saman_domain::access::{Actor, Assurance, Role};

on_both_backends!(
    a_closed_log_offers_the_survey_and_answers_cannot_be_linked,
    surveys_are_edited_in_both_languages_and_fixed_once_answered,
);

const GUARDIAN_PID: &str = "15898512379";
const YOUTH_PID: &str = "17021356042";

async fn requester(app: &TestApp, email: &str) -> saman_relay::Requester {
    let tenant = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let account = app.store.account_by_email(email).await.unwrap().unwrap();
    let actor = Actor {
        grants: app.store.grants(&account.id).await.unwrap(),
        account_id: account.id,
        assurance: Assurance::Strong,
    };
    saman_relay::Relay::new(app.store.clone())
        .requester(&actor, &tenant, "test")
        .await
        .unwrap()
}

async fn survey_id(app: &TestApp, kind: &str) -> String {
    let tenant = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    app.store
        .surveys(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.survey.kind.key() == kind && s.state == saman_store::SurveyState::Open)
        .unwrap()
        .id
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn a_closed_log_offers_the_survey_and_answers_cannot_be_linked(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let user_survey = survey_id(&app, "bruker").await;
    let staff_survey = survey_id(&app, "ansatte").await;
    let guardian_account = app
        .store
        .account_by_pid(GUARDIAN_PID)
        .await
        .unwrap()
        .unwrap();
    let guardian = Editor::existing(&app, "fjordvik", &guardian_account.id).await;
    let path = format!("/nb/fjordvik/undersokelse/{user_survey}");
    assert_eq!(
        guardian.get(&path).await.0,
        404,
        "not offered before the log closes"
    );

    // The holder closes the demo's active log.
    let relay = saman_relay::Relay::new(app.store.clone());
    let holder = requester(&app, "ansatt@fjordvik.example").await;
    let log_id = relay
        .my_logs(&holder)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.state == saman_relay::policy::LogState::Active)
        .unwrap()
        .id;
    let change = relay
        .close(&holder, &log_id, "goal-reached", "Målet er nådd.", |_| {
            Ok(b"%PDF-1.7".to_vec())
        })
        .await
        .unwrap();
    assert!(matches!(change, saman_relay::Change::Done));

    // The guardian is offered it on the start page, answers, and cannot answer twice.
    let (_, start) = guardian.get("/nb/fjordvik/start").await;
    assert!(start.contains(&format!("href=\"{path}\"")), "{start}");
    let (status, page) = guardian.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Følte du deg hørt?") && page.contains("type=\"radio\""));
    let csrf = hidden(&page, "csrf");
    let (status, _, _) = guardian
        .post(&path, &form(&[("csrf", "forged"), ("q-heard", "5")]))
        .await;
    assert_eq!(status, 403, "a forged token is refused");
    let too_long = "x".repeat(2001);
    let (status, page, _) = guardian
        .post(
            &path,
            &form(&[("csrf", &csrf), ("q-heard", "5"), ("q-better", &too_long)]),
        )
        .await;
    assert_eq!(status, 422, "too long a text comes back");
    assert!(page.contains("value=\"5\" checked"), "with the choice kept");
    let secret_words = "Takk for god hjelp fra helsesykepleier";
    let (status, page, _) = guardian
        .post(
            &path,
            &form(&[
                ("csrf", &csrf),
                ("q-heard", "5"),
                ("q-in-time", "3"),
                ("q-better", secret_words),
            ]),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Takk for svarene"));
    let (status, _, _) = guardian
        .post(&path, &form(&[("csrf", &csrf), ("q-heard", "1")]))
        .await;
    assert_eq!(status, 404, "the invitation is used up");

    // The youth was offered it too (13 when the log opened).
    let youth_account = app.store.account_by_pid(YOUTH_PID).await.unwrap().unwrap();
    let youth = Editor::existing(&app, "fjordvik", &youth_account.id).await;
    let (status, page) = youth.get(&path).await;
    assert_eq!(status, 200);
    let (status, _, _) = youth
        .post(
            &path,
            &form(&[("csrf", &hidden(&page, "csrf")), ("q-who-to-ask", "ja")]),
        )
        .await;
    assert_eq!(status, 200);

    // Staff answer the staff survey once a year; families never see it.
    let employee_account = app
        .store
        .account_by_email("ansatt@fjordvik.example")
        .await
        .unwrap()
        .unwrap();
    let employee = Editor::existing(&app, "fjordvik", &employee_account.id).await;
    let staff_path = format!("/nb/fjordvik/undersokelse/{staff_survey}");
    assert_eq!(guardian.get(&staff_path).await.0, 404);
    assert_eq!(
        employee.get(&path).await.0,
        404,
        "staff are not offered the user survey"
    );
    let (_, page) = employee.get(&staff_path).await;
    let csrf = hidden(&page, "csrf");
    let (status, _, _) = employee
        .post(
            &staff_path,
            &form(&[("csrf", &csrf), ("q-knows-what-to-do", "4")]),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, _) = employee
        .post(
            &staff_path,
            &form(&[("csrf", &csrf), ("q-knows-what-to-do", "4")]),
        )
        .await;
    assert_eq!(status, 404, "once a year");

    // Nothing stored with an answer links it to a person, a log or a time.
    let pid_key = app.store.pid_key(GUARDIAN_PID);
    let mut dump = String::new();
    for table in ["survey_counts", "survey_texts", "survey_invitations"] {
        let rows: Vec<serde_json::Value> = dump_table(&app, table).await;
        dump.push_str(&serde_json::to_string(&rows).unwrap());
    }
    for linking in [
        log_id.as_str(),
        guardian_account.id.as_str(),
        youth_account.id.as_str(),
        employee_account.id.as_str(),
        pid_key.as_str(),
        secret_words,
        &saman_store::clock::today().to_string(),
    ] {
        assert!(!dump.contains(linking), "{linking} in {dump}");
    }
    assert!(dump.contains("\"heard\""), "the dump is real: {dump}");

    // The results: two families answered, which shows as "under 5", and the free text
    // waits for ten.
    let admin = Editor::existing(
        &app,
        "fjordvik",
        &app.store
            .account_by_email("admin@fjordvik.example")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await;
    let (status, page) = admin.get("/nb/fjordvik/evaluering?periode=termin").await;
    assert_eq!(status, 200);
    assert!(page.contains("Hvordan var samarbeidet?"), "{page}");
    assert!(page.contains("Fritekstsvarene vises når minst 10"));
    assert!(!page.contains(secret_words));
    let answered = page
        .split("Hvor mange som svarte (foresatte)")
        .nth(1)
        .unwrap();
    assert!(
        answered
            .split("</table>")
            .next()
            .unwrap()
            .contains("<td>under 5</td>")
    );
}

/// Every row of a table as JSON values of text, for scanning.
async fn dump_table(app: &TestApp, table: &str) -> Vec<serde_json::Value> {
    use sqlx::{Column, Row};
    let rows = sqlx::query(&format!("SELECT * FROM {table}"))
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let mut object = serde_json::Map::new();
            for (i, column) in r.columns().iter().enumerate() {
                let value = r
                    .try_get::<String, _>(i)
                    .or_else(|_| r.try_get::<i64, _>(i).map(|n| n.to_string()))
                    .unwrap_or_default();
                object.insert(column.name().to_string(), value.into());
            }
            serde_json::Value::Object(object)
        })
        .collect()
}

async fn surveys_are_edited_in_both_languages_and_fixed_once_answered(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let editor = Editor::new(&app, "fjordvik", "red7@fjordvik.example", Role::Editor).await;
    let (status, list) = editor.get("/nb/fjordvik/rediger/undersokelser").await;
    assert_eq!(status, 200);
    assert!(list.contains("Hvordan var samarbeidet?") && list.contains("(åpen)"));
    let csrf = hidden(&list, "csrf");
    let (status, _, location) = editor
        .post(
            "/nb/fjordvik/rediger/undersokelser",
            &form(&[("csrf", &csrf), ("kind", "ansatte")]),
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = editor.get(&location).await;
    assert!(page.contains("Vet du hva du skal gjøre"));

    // A question without its nynorsk comes back with the problem and the input kept.
    let mut fields = form(&[
        ("csrf", &csrf),
        ("state", "open"),
        ("title-nb", "Ansatteundersøkelse 2027"),
        ("title-nn", "Tilsetteundersøking 2027"),
        ("intro-nb", ""),
        ("intro-nn", ""),
        ("q-0-key", "knows-what-to-do"),
        ("q-0-kind", "skala"),
        ("q-0-nb", "Vet du hva du skal gjøre?"),
        ("q-0-nn", ""),
        ("q-1-kind", "valg"),
        ("q-1-nb", "Hvor jobber du?"),
        ("q-1-nn", "Kvar jobbar du?"),
        ("q-1-options-nb", "Skole\nBarnehage"),
        ("q-1-options-nn", "Skule\nBarnehage"),
    ]);
    let (status, page, _) = editor.post(&location, &fields).await;
    assert_eq!(status, 422);
    assert!(page.contains("href=\"#q-0-text\"") && page.contains("Ansatteundersøkelse 2027"));
    fields[9].1 = "Veit du kva du skal gjere?".into();
    let (status, page, _) = editor.post(&location, &fields).await;
    assert_eq!(status, 303, "{page}");
    let tenant = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let surveys = app.store.surveys(&tenant.id).await.unwrap();
    let open_staff: Vec<_> = surveys
        .iter()
        .filter(|s| s.survey.kind.key() == "ansatte" && s.state == saman_store::SurveyState::Open)
        .collect();
    assert_eq!(open_staff.len(), 1, "opening one closes the other");
    let new = open_staff[0];
    assert_eq!(new.survey.questions.len(), 2);
    assert_eq!(new.survey.questions[1].options[1].nn, "Barnehage");

    // Answered in nynorsk by an employee; then the questions are fixed.
    let employee = Editor::new(&app, "fjordvik", "ans7@fjordvik.example", Role::Employee).await;
    let path = format!("/nn/fjordvik/undersokelse/{}", new.id);
    let (status, page) = employee.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Kvar jobbar du?") && page.contains("Skule"));
    let (status, _, _) = employee
        .post(
            &path,
            &form(&[("csrf", &hidden(&page, "csrf")), ("q-s1", "2")]),
        )
        .await;
    assert_eq!(status, 200);
    fields[8].1 = "Endret spørsmål".into();
    fields[1].1 = "closed".into();
    let (status, _, _) = editor.post(&location, &fields).await;
    assert_eq!(status, 303);
    let saved = app
        .store
        .survey(&tenant.id, &new.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        saved.survey.questions[0].text.nb, "Vet du hva du skal gjøre?",
        "fixed"
    );
    assert_eq!(saved.state, saman_store::SurveyState::Closed, "but closed");
    let (_, page) = editor.get(&location).await;
    assert!(page.contains("Noen har svart"));

    // Only editors and administrators edit surveys.
    assert_eq!(
        employee.get("/nb/fjordvik/rediger/undersokelser").await.0,
        404
    );
}
