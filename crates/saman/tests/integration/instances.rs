//! Several instances on one database behave as one: a session from one is valid on
//! the other, a publish on one is shown and found on the other within a second, and
//! scheduled jobs run once, not once per instance.

use crate::common::{Backend, TestApp, hidden, within};
use crate::editor::{Editor, form_of, set, state_of};
use saman::jobs::{self, Run};
use saman_domain::access::Role;
use std::time::Duration;

crate::on_both_backends!(
    a_session_from_one_instance_is_valid_on_the_other_until_logged_out,
    a_publish_on_one_instance_is_shown_and_found_on_the_other_within_a_second,
    scheduled_jobs_run_once_however_many_instances_run_them,
    a_claim_left_by_an_instance_that_died_is_taken_over_once_stale,
);

/// GETs a page from an instance with a cookie; its status and body.
async fn get(client: &reqwest::Client, base: &str, path: &str, cookie: &str) -> (u16, String) {
    let r = client
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn a_session_from_one_instance_is_valid_on_the_other_until_logged_out(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let other = app.another_instance().await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let (status, page) = get(
        &other.client,
        &other.base,
        "/nb/testvik/rediger",
        editor.cookie(),
    )
    .await;
    assert_eq!(status, 200, "the other instance knows the session");
    assert!(page.contains("Test editor"), "{page}");

    // Logged out on the other instance, the session is gone on the first too.
    let csrf = hidden(&page, "csrf");
    let r = other
        .client
        .post(format!("{}/nb/testvik/logg-ut", other.base))
        .header("cookie", editor.cookie())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (status, _) = editor.get("/nb/testvik/rediger").await;
    assert_eq!(status, 303, "to the login page");
    let (status, _) = get(
        &other.client,
        &other.base,
        "/nb/testvik/rediger",
        editor.cookie(),
    )
    .await;
    assert_eq!(status, 303);
}

async fn a_publish_on_one_instance_is_shown_and_found_on_the_other_within_a_second(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, false).await;
    let other = app.another_instance().await;
    let public = "/nb/testvik/innhold/helsestasjon";
    let search = "/nb/testvik/sok?q=kveldsopent";
    let other_page = |path: &'static str| {
        let (client, base) = (other.client.clone(), other.base.clone());
        async move { get(&client, &base, path, "").await.1 }
    };
    // The other instance has the page and the search in memory before the change.
    for _ in 0..2 {
        assert!(!other_page(public).await.contains("kveldsopent"));
        assert!(!other_page(search).await.contains(public));
    }

    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let before = state_of(&app, "helsestasjon").await;
    let edit = format!("/nb/testvik/rediger/innhold/{}", before.id);
    let (_, page) = editor.get(&edit).await;
    let csrf = hidden(&page, "csrf");
    let mut form = form_of(&before.object, before.head, &csrf);
    set(&mut form, "summary-nb", "Nå kveldsopent hver torsdag.");
    let (status, _, _) = editor.post(&edit, &form).await;
    assert_eq!(status, 303, "saved");
    let publish = vec![
        ("csrf".to_string(), csrf.clone()),
        ("version".to_string(), (before.head + 1).to_string()),
    ];
    let (status, _, _) = editor.post(&format!("{edit}/publiser"), &publish).await;
    assert_eq!(status, 303, "published");
    assert!(
        app.page(public).await.contains("kveldsopent"),
        "at once where it was published"
    );

    let shown = within(Duration::from_secs(1), || async {
        other_page(public).await.contains("kveldsopent")
    })
    .await;
    assert!(
        shown.is_some(),
        "shown on the other instance within a second"
    );
    let found = within(Duration::from_secs(1), || async {
        other_page(search).await.contains(public)
    })
    .await;
    assert!(
        found.is_some(),
        "found on the other instance within a second"
    );
}

async fn scheduled_jobs_run_once_however_many_instances_run_them(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let other = app.another_instance().await;
    let base = app.base.as_str();
    for round in 0..2 {
        let (a, b) = tokio::join!(jobs::daily(&app.store), jobs::daily(&other.store));
        let mut runs = [a.unwrap(), b.unwrap()];
        runs.sort_by_key(|r| *r == Run::Elsewhere);
        let expected = if round == 0 {
            [Run::Done, Run::Elsewhere]
        } else {
            [Run::Elsewhere, Run::Elsewhere]
        };
        assert_eq!(runs, expected, "the daily jobs, round {round}");
        let (a, b) = tokio::join!(
            jobs::review_reminders(&app.store, base),
            jobs::review_reminders(&other.store, base)
        );
        let done = [a.unwrap(), b.unwrap()]
            .iter()
            .filter(|r| **r == Run::Done)
            .count();
        assert_eq!(
            done,
            usize::from(round == 0),
            "review reminders, round {round}"
        );
    }
    let (a, b) = tokio::join!(
        jobs::relay_notifications(&app.store, base),
        jobs::relay_notifications(&other.store, base)
    );
    let done = [a.unwrap(), b.unwrap()]
        .iter()
        .filter(|r| **r == Run::Done)
        .count();
    // Two runs in the same minute are one; a run at a minute's turn may make two.
    assert!(done >= 1, "relay notifications ran");
}

async fn a_claim_left_by_an_instance_that_died_is_taken_over_once_stale(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let other = app.another_instance().await;
    let hour = time::Duration::hours(1);
    // Claims are stored to the second: "stale after minus a second" is any claim at all.
    let any_age = time::Duration::seconds(-1);
    assert!(app.store.claim_job("test", "p1", hour).await.unwrap());
    // The first instance "dies" without finishing: not taken over while fresh.
    assert!(!other.store.claim_job("test", "p1", hour).await.unwrap());
    assert!(other.store.claim_job("test", "p1", any_age).await.unwrap());
    other.store.finish_job("test", "p1").await.unwrap();
    // A finished run is never run again; the dead instance's late finish changes nothing.
    assert!(!app.store.claim_job("test", "p1", any_age).await.unwrap());
    app.store.finish_job("test", "p1").await.unwrap();
    assert!(!other.store.claim_job("test", "p1", any_age).await.unwrap());
    assert!(app.store.claim_job("test", "p2", hour).await.unwrap());
}
