//! Several instances on one database behave as one: a session from one is valid on
//! the other, a publish on one is shown and found on the other within a second, and
//! scheduled jobs run once, not once per instance.

use crate::common::{Backend, TestApp, add_person, hidden, session_cookie, within};
use crate::editor::{Editor, form_of, set, state_of};
use saman::jobs::{self, Run};
use saman_domain::access::Role;
use std::time::Duration;

crate::on_both_backends!(
    a_session_from_one_instance_is_valid_on_the_other_until_logged_out,
    a_publish_on_one_instance_is_shown_and_found_on_the_other_within_a_second,
    scheduled_jobs_run_once_however_many_instances_run_them,
    a_claim_left_by_an_instance_that_died_is_taken_over_once_stale,
    a_session_kept_in_memory_is_forgotten_when_it_changes_anywhere,
    reads_audited_on_two_instances_and_changes_between_keep_one_unbroken_chain,
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
    // On PostgreSQL the first instance may keep the session in memory until the
    // database's announcement of the logout arrives: milliseconds.
    let gone = within(Duration::from_secs(2), || async {
        editor.get("/nb/testvik/rediger").await.0 == 303
    })
    .await;
    assert!(gone.is_some(), "to the login page");
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

/// On PostgreSQL each instance keeps the sessions of the pages it shows in memory; any
/// change to a session, its account, roles or services, made anywhere, even by hand in
/// the database, makes every instance forget it; and nothing is kept while an instance
/// cannot hear those changes. SQLite keeps nothing.
async fn a_session_kept_in_memory_is_forgotten_when_it_changes_anywhere(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let other = app.another_instance().await;
    let id = add_person(
        &app.store,
        Some("testvik"),
        "holdt@testvik.example",
        Role::Editor,
    )
    .await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let cookie = session_cookie(&app.store, &id, record.id.as_str()).await;
    let editing = "/nb/testvik/rediger";
    let client = app.client.clone();
    let status = || {
        let (client, base, cookie) = (client.clone(), app.base.clone(), cookie.clone());
        async move { get(&client, &base, editing, &cookie).await.0 }
    };
    let kept = || app.store.kept_sessions();
    if backend == Backend::Sqlite {
        assert_eq!(status().await, 200);
        assert_eq!(kept(), (false, 0), "SQLite keeps no session");
        return;
    }
    let wait = Duration::from_secs(5);
    let listening = || async { kept().0 };
    assert!(
        within(wait, listening).await.is_some(),
        "the instance listens"
    );
    // What the setup announced (the account's role) is heard before any page: an
    // announcement heard late would forget a session kept after it was made.
    let heard_so_far = || async {
        assert!(
            app.store.heard_session_changes_so_far(wait).await.unwrap(),
            "the instance hears its own mark"
        );
    };
    heard_so_far().await;
    assert_eq!(status().await, 200);
    assert_eq!(kept(), (true, 1), "a shown page keeps its session");
    assert_eq!(status().await, 200);
    // A request that may change something is not served from memory, and is answered
    // only once this instance has heard every change committed before it: a logout
    // holds here at once. One refused changes nothing, and nothing is forgotten.
    let someone = add_person(
        &app.store,
        Some("testvik"),
        "annen@testvik.example",
        Role::Editor,
    )
    .await;
    let someone_cookie = session_cookie(&app.store, &someone, record.id.as_str()).await;
    heard_so_far().await;
    assert_eq!(
        get(&client, &app.base, editing, &someone_cookie).await.0,
        200
    );
    assert_eq!(kept(), (true, 2));
    let log_out = |cookie: String, csrf: String| {
        let (client, base) = (client.clone(), app.base.clone());
        async move {
            client
                .post(format!("{base}/nb/testvik/logg-ut"))
                .header("cookie", cookie)
                .form(&[("csrf", csrf)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let refused = log_out(someone_cookie.clone(), "forged".into()).await;
    assert!(refused.is_client_error(), "{refused}");
    assert_eq!(kept(), (true, 2), "nothing changed");
    let token = someone_cookie.split('=').nth(1).unwrap();
    let csrf = app
        .store
        .session(token, Default::default())
        .await
        .unwrap()
        .unwrap()
        .csrf_token;
    assert!(log_out(someone_cookie.clone(), csrf).await.is_redirection());
    assert_eq!(
        kept(),
        (true, 1),
        "forgotten before the logout was answered"
    );
    let forgotten = || async { kept().1 == 0 };
    assert_eq!(
        get(&client, &app.base, editing, &someone_cookie).await.0,
        303
    );
    assert_eq!(status().await, 200);

    // Each change, made on the other instance's connection, is forgotten here, and the
    // page shows it. The raw statements stand for any code that may make them.
    let sql = |statement: &'static str| {
        let (store, id) = (other.store.clone(), id.clone());
        async move {
            sqlx::query(statement)
                .bind(id)
                .execute(store.pool())
                .await
                .unwrap();
        }
    };
    let changes: [(&str, u16); 7] = [
        // The account's services changed.
        (
            "INSERT INTO account_services (account_id, tenant_id, service_slug) \
             SELECT $1, id, 'helsestasjon' FROM tenants WHERE slug = 'testvik'",
            200,
        ),
        ("DELETE FROM account_services WHERE account_id = $1", 200),
        // The session changed (here: its second step no longer counted).
        (
            "UPDATE sessions SET complete = 0 WHERE account_id = $1",
            200,
        ),
        (
            "UPDATE sessions SET complete = 1 WHERE account_id = $1",
            200,
        ),
        // The role taken away: no editing (a signed-in reader gets 404).
        ("DELETE FROM account_roles WHERE account_id = $1", 404),
        // The role given back.
        (
            "INSERT INTO account_roles (account_id, tenant_id, role) \
             SELECT $1, id, 'editor' FROM tenants WHERE slug = 'testvik'",
            200,
        ),
        // The account deactivated: signed out, to the login page.
        ("UPDATE accounts SET active = 0 WHERE id = $1", 303),
    ];
    for (statement, expected) in changes {
        status().await;
        assert_eq!(kept(), (true, 1), "kept before: {statement}");
        sql(statement).await;
        assert!(within(wait, forgotten).await.is_some(), "{statement}");
        assert_eq!(status().await, expected, "{statement}");
    }

    // A session ended anywhere is forgotten too.
    sql("UPDATE accounts SET active = 1 WHERE id = $1").await;
    heard_so_far().await;
    assert_eq!(status().await, 200);
    assert_eq!(kept(), (true, 1));
    sql("DELETE FROM sessions WHERE account_id = $1").await;
    assert!(within(wait, forgotten).await.is_some());
    assert_eq!(status().await, 303);

    // Without its listening connection an instance keeps nothing; it listens again.
    let cookie2 = session_cookie(&app.store, &id, record.id.as_str()).await;
    let status2 = || {
        let (client, base, cookie) = (client.clone(), app.base.clone(), cookie2.clone());
        async move { get(&client, &base, editing, &cookie).await.0 }
    };
    assert_eq!(status2().await, 200);
    assert_eq!(kept(), (true, 1));
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'saman-sessions' AND datname = current_database()",
    )
    .execute(other.store.pool())
    .await
    .unwrap();
    let deaf = || async { kept() == (false, 0) };
    assert!(within(wait, deaf).await.is_some(), "nothing kept unheard");
    assert_eq!(status2().await, 200);
    assert!(within(wait, listening).await.is_some(), "listens again");
    assert_eq!(status2().await, 200);
    assert_eq!(kept(), (true, 1), "keeps again");
    // Its heartbeats (every 5 s, each heard before the next) keep it listening.
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(kept(), (true, 1), "still listening, the session still kept");
    // And hears again: a tenant's address changed forgets every session.
    sqlx::query("UPDATE tenants SET slug = slug WHERE slug = 'testvik'")
        .execute(other.store.pool())
        .await
        .unwrap();
    assert!(within(wait, forgotten).await.is_some());
    assert_eq!(status2().await, 200);
    sql("DELETE FROM sessions WHERE account_id = $1").await;
    assert!(within(wait, forgotten).await.is_some());
    assert_eq!(status2().await, 303);
}

/// Each instance writes its reads' audit rows in batches (on PostgreSQL in one statement
/// while its chain's head is where the instance left it); rows of reads on two
/// instances at once, and of changes between them, make one unbroken chain.
async fn reads_audited_on_two_instances_and_changes_between_keep_one_unbroken_chain(
    backend: Backend,
) {
    use saman_domain::audit::{AuditAction, Outcome};
    use saman_store::{AuditContext, AuditRow};
    let app = TestApp::spawn(backend, false).await;
    let other = app.another_instance().await;
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let ctx = AuditContext {
        tenant: Some(tenant.id.clone()),
        actor_id: Some("reader".into()),
        actor_role: Some("employee".into()),
        address: "127.0.0.1".into(),
    };
    let reads = |n: usize, round: usize| -> Vec<AuditRow> {
        (0..n)
            .map(|i| AuditRow {
                ctx: ctx.clone(),
                action: AuditAction::RelayRead,
                target: format!("relay:{round}-{i}"),
                outcome: Outcome::Success,
                details: String::new(),
            })
            .collect()
    };
    let count = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1")
            .bind(tenant.id.as_str())
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        n
    };
    let before = count().await;
    for round in 0..30 {
        // First one instance alone (the chain's head stays where it left it), then
        // both at once.
        if round < 10 {
            app.store.audit_reads(reads(5, round)).await.unwrap();
            continue;
        }
        let (a, b) = tokio::join!(
            app.store.audit_reads(reads(2, round)),
            other.store.audit_reads(reads(3, round)),
        );
        a.unwrap();
        b.unwrap();
        if round % 4 == 3 {
            // A change, written in its own transaction, moves the head meanwhile.
            app.store
                .audit(
                    &ctx,
                    AuditAction::Login,
                    "account:reader",
                    Outcome::Success,
                    "",
                )
                .await
                .unwrap();
        }
    }
    assert_eq!(count().await - before, 30 * 5 + 5);
    assert_eq!(
        app.store.verify_audit(Some(&tenant.id)).await.unwrap(),
        None
    );
}
