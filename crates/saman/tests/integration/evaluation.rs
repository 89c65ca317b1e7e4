//! The figures of the work: facts read from the relay logs' metadata alone and kept,
//! unlinkable, when a log is purged; the dashboard and its CSV for administrators and
//! service leaders only, its figures those the domain computes, small counts protected;
//! and `saman demo-history`, which refuses any tenant that is not the demo's.

use crate::common::*;
use crate::editor::Editor;
use crate::on_both_backends;
use saman_domain::access::{Actor, Assurance, Role};
use saman_domain::evaluation::{AgeBand, Cell, Dashboard, Figure, Period, PeriodKind, Value};

on_both_backends!(
    facts_come_from_the_logs_metadata_and_outlive_the_purge,
    demo_history_fills_the_dashboard_with_protected_figures,
);

async fn requester(app: &TestApp, email_or_pid: &str) -> saman_relay::Requester {
    let tenant = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let account = if email_or_pid.contains('@') {
        app.store.account_by_email(email_or_pid).await
    } else {
        app.store.account_by_pid(email_or_pid).await
    }
    .unwrap()
    .unwrap();
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

async fn facts_come_from_the_logs_metadata_and_outlive_the_purge(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let relay = saman_relay::Relay::new(app.store.clone());
    let tenant = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let today = saman_store::clock::today();

    // The demo's two logs in Fjordvik: Tobias's (consented, two measures, his own
    // words) and Sara's, waiting for a paper consent.
    let facts = relay.evaluation_facts(&tenant.id).await.unwrap();
    assert_eq!(facts.len(), 2, "{facts:?}");
    let active = facts.iter().find(|f| f.consented_on.is_some()).unwrap();
    assert_eq!((active.level, active.service.as_str()), (2, "skolene"));
    assert_eq!(active.age_band, AgeBand::Age13To15, "born 2013");
    assert!(active.first_measure_on.is_some() && active.voice_on.is_some());
    let mut due: Vec<_> = active.measures.iter().map(|m| m.due_on).collect();
    due.sort();
    assert_eq!(
        due,
        vec![
            today - time::Duration::days(5),
            today + time::Duration::days(30)
        ]
    );
    assert!(active.measures.iter().all(|m| m.evaluated_on.is_none()));
    let draft = facts.iter().find(|f| f.consented_on.is_none()).unwrap();
    assert_eq!((draft.level, draft.age_band), (1, AgeBand::Age6To12));

    // The first measure is evaluated, and the log closed.
    let holder = requester(&app, "ansatt@fjordvik.example").await;
    let my_logs = relay.my_logs(&holder).await.unwrap();
    let log_id = my_logs
        .iter()
        .find(|l| l.state == saman_relay::policy::LogState::Active)
        .unwrap()
        .id
        .clone();
    let view = relay.log(&holder, &log_id).await.unwrap().unwrap();
    let first_measure = view
        .entries
        .iter()
        .find(|e| e.content.kind() == "measure")
        .unwrap()
        .id
        .clone();
    let change = relay
        .add_entry(
            &holder,
            &log_id,
            &saman_relay::NewEntry {
                kind: "evaluation".into(),
                parent_id: first_measure,
                achieved: "partly".into(),
                text: "Litt bedre".into(),
                next_step: "Fortsette".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(matches!(change, saman_relay::Change::Done), "{change:?}");
    let change = relay
        .close(&holder, &log_id, "goal-reached", "Målet er nådd.", |_| {
            Ok(b"%PDF-1.7 test".to_vec())
        })
        .await
        .unwrap();
    assert!(matches!(change, saman_relay::Change::Done), "{change:?}");
    let before = relay.evaluation_facts(&tenant.id).await.unwrap();
    let closed = before
        .iter()
        .find(|f| f.closed_on.is_some())
        .unwrap()
        .clone();
    assert_eq!(closed.close_reason.as_deref(), Some("goal-reached"));
    assert_eq!(
        closed
            .measures
            .iter()
            .filter(|m| m.evaluated_on.is_some())
            .count(),
        1
    );

    // Purged after its retention period: the log is gone, its facts are kept, the same.
    sqlx::query("UPDATE relay_logs SET purge_after = '2000-01-01T00:00:00Z' WHERE id = $1")
        .bind(&log_id)
        .execute(app.store.pool())
        .await
        .unwrap();
    assert_eq!(relay.purge_due().await.unwrap(), 1);
    let after = relay.evaluation_facts(&tenant.id).await.unwrap();
    assert_eq!(after.len(), 2);
    assert!(
        after.contains(&closed),
        "the kept facts are the log's: {after:?}"
    );
    let kept: Vec<(String, String)> =
        sqlx::query_as("SELECT id, facts FROM relay_log_facts WHERE tenant_id = $1")
            .bind(tenant.id.as_str())
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert_eq!(kept.len(), 1);
    let (kept_id, json) = &kept[0];
    assert_ne!(kept_id, &log_id, "not the log's id");
    for linking in [
        log_id.as_str(),
        holder.account_id.as_str(),
        "Tobias",
        "Haugland",
        "17021356042",
    ] {
        assert!(!json.contains(linking), "{linking} in {json}");
    }
}

/// The text a count has on the page, as the dashboard words it.
fn shown(value: Value) -> String {
    match value {
        Value::Count(Cell::Shown(n)) => n.to_string(),
        Value::Count(Cell::Under) => "under 5".into(),
        Value::Count(Cell::Hidden) => "skjult".into(),
        other => panic!("not a count: {other:?}"),
    }
}

async fn demo_history_fills_the_dashboard_with_protected_figures(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    // Not the demo: refused, and nothing written.
    import_folder(&app.store, &fixture("testvik")).await;
    let out = run_saman(&app.db, &["demo-history", "--tenant", "testvik"], None);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ikke en demokommune"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_saman(&app.db, &["demo-history", "--logs", "300"], None);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("fjordvik: 300 fiktive logger"), "{stdout}");
    let tenant = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM relay_log_facts WHERE tenant_id = $1")
        .bind(tenant.id.as_str())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(kept > 0, "old closed logs were purged, their facts kept");

    // Who may see it: administrators and service leaders of the tenant.
    let admin = Editor::new(
        &app,
        "fjordvik",
        "admin9@fjordvik.example",
        Role::TenantAdmin,
    )
    .await;
    let leader = Editor::new(
        &app,
        "fjordvik",
        "leder9@fjordvik.example",
        Role::ServiceLeader,
    )
    .await;
    let editor = Editor::new(&app, "fjordvik", "red9@fjordvik.example", Role::Editor).await;
    let stranger = Editor::new(
        &app,
        "lauvdal-strandheim",
        "admin9@lauvdal.example",
        Role::TenantAdmin,
    )
    .await;
    for path in ["/nb/fjordvik/evaluering", "/nb/fjordvik/evaluering.csv"] {
        assert_eq!(editor.get(path).await.0, 404, "{path}");
        assert_eq!(stranger.get(path).await.0, 404, "{path}");
        assert_eq!(app.get(path).await.0, 303, "{path}");
    }

    // The page shows what the domain computes from the same facts.
    let relay = saman_relay::Relay::new(app.store.clone());
    let facts = relay.evaluation_facts(&tenant.id).await.unwrap();
    let today = saman_store::clock::today();
    let last_year = Period::containing(PeriodKind::Year, today).previous();
    let expected = Dashboard::compute(&facts, last_year, None, 5, today);
    let opened = expected
        .rows
        .iter()
        .find(|r| r.figure == Figure::Opened)
        .unwrap();
    let (status, page) = admin
        .get(&format!(
            "/nb/fjordvik/evaluering?periode=ar&tid={}",
            last_year.key()
        ))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(
            "<th scope=\"row\">Logger opprettet</th><td>{}</td><td>{}</td>",
            shown(opened.this),
            shown(opened.previous)
        )),
        "{page}"
    );
    assert!(page.contains("<svg") && page.contains("role=\"img\""));
    assert!(
        page.contains("id=\"table-months\""),
        "a year shows its months"
    );
    assert!(page.contains("Modellens helse") && page.contains("Søk uten treff"));

    // In nynorsk, per BTI level, for a service leader; by term, the breakdown waits
    // for the whole year.
    let (_, page) = leader
        .get("/nb/fjordvik/evaluering?periode=termin&inndeling=niva")
        .await;
    assert!(
        page.contains("deles inn") && !page.contains("id=\"table-groups\""),
        "{page}"
    );
    let (status, page) = leader
        .get("/nn/fjordvik/evaluering?periode=ar&inndeling=niva")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Tala etter BTI-nivå"), "{page}");
    assert!(page.contains("Nivå 3"));

    // The CSV: the same tables, for a spreadsheet.
    let response = reqwest::Client::new()
        .get(format!(
            "{}/nb/fjordvik/evaluering.csv?periode=ar&inndeling=alder",
            app.base
        ))
        .header("cookie", admin.cookie())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("Tall;") && csv.contains("Tallene etter aldersgruppe"),
        "{csv}"
    );

    // The yearly report: a PDF with the year's figures, by level, age band and service.
    let response = reqwest::Client::new()
        .get(format!(
            "{}/nn/fjordvik/evaluering/arsrapport.pdf?ar={}",
            app.base,
            last_year.key()
        ))
        .header("cookie", admin.cookie())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    for expected in [
        format!("Årsrapport {}", last_year.key()),
        "Loggar oppretta".to_string(),
        "Tala etter BTI-nivå".to_string(),
        "Tala etter aldersgruppe".to_string(),
        "Tala etter teneste".to_string(),
        "Helsa til modellen".to_string(),
    ] {
        assert!(text.contains(&expected), "{expected} in {text}");
    }
    assert_eq!(
        editor.get("/nb/fjordvik/evaluering/arsrapport.pdf").await.0,
        404
    );

    // Every read is in the audit log, by whom and as what; the refused ones are not
    // reads of anything.
    let reads: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor_role, details, target FROM audit_log WHERE tenant_id = $1 AND action = 'figures-read'",
    )
    .bind(tenant.id.as_str())
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    for what in ["page", "csv", "report"] {
        assert!(
            reads
                .iter()
                .any(|(_, d, t)| d == what && t.starts_with("figures:")),
            "{what} in {reads:?}"
        );
    }
    assert!(
        reads
            .iter()
            .any(|(role, d, _)| role == "service-leader" && d == "page")
    );
    assert!(
        reads
            .iter()
            .all(|(role, _, _)| role == "tenant-admin" || role == "service-leader")
    );

    // Nonsense in the address falls back to the defaults.
    let (status, _) = admin
        .get("/nb/fjordvik/evaluering?periode=%3Cscript%3E&tid=99999&inndeling=x")
        .await;
    assert_eq!(status, 200);

    // The tenant's own threshold.
    sqlx::query("UPDATE tenants SET evaluation_threshold = 10 WHERE id = $1")
        .bind(tenant.id.as_str())
        .execute(app.store.pool())
        .await
        .unwrap();
    app.store.refresh_published("fjordvik").await.unwrap();
    let (_, page) = admin.get("/nb/fjordvik/evaluering?periode=maned").await;
    assert!(page.contains("under 10"), "{page}");
}
