//! Health, readiness, metrics, headers, migrations, and the binary's start and stop.

use crate::common::{Backend, Binary, METRICS_TOKEN, TestApp, TestDb};

crate::on_both_backends!(
    health_readiness_and_metrics,
    every_response_carries_security_headers,
    migrations_are_versioned_and_run_once,
);

async fn health_readiness_and_metrics(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    assert_eq!(app.get("/healthz").await, (200, "ok".to_string()));
    assert_eq!(app.get("/readyz").await, (200, "ready".to_string()));
    app.page("/nb/testvik").await;
    app.get("/nb/testvik/innhold/finnes-ikke").await;
    // Not public: without the token, or with a wrong one, it is not there.
    assert_eq!(app.get("/metrics").await.0, 404);
    let with = |token: &str| {
        app.client
            .get(format!("{}/metrics", app.base))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(with("wrong").await.unwrap().status(), 404);
    let response = with(METRICS_TOKEN).await.unwrap();
    let status = response.status().as_u16();
    let metrics = response.text().await.unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics
            .contains(r#"http_requests_total{method="GET",route="/{lang}/{tenant}",status="200"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"route="/{lang}/{tenant}/innhold/{item}",status="404""#),
        "{metrics}"
    );
    assert!(
        metrics.contains("http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("finnes-ikke"),
        "concrete paths never reach the metrics"
    );
    app.store.close().await;
    let (status, _) = app.get("/readyz").await;
    assert_eq!(status, 503, "not ready without a database");
}

async fn every_response_carries_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    for path in ["/nb", "/nb/testvik", "/nb/finnes-ikke", "/assets/saman.css"] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    }
}

async fn migrations_are_versioned_and_run_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let first = saman_store::Store::connect(&db.url, crate::common::test_secrets())
        .await
        .unwrap();
    first.close().await;
    // A second start finds the schema in place and applies nothing again.
    let store = saman_store::Store::connect(&db.url, crate::common::test_secrets())
        .await
        .unwrap();
    assert_eq!(
        store.backend() == saman_store::Backend::Postgres,
        backend == Backend::Postgres
    );
    store.close().await;
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(versions, (1..=17).collect::<Vec<i64>>());
}

/// The real binary starts with the demo models, prints where it is, and stops cleanly
/// on SIGTERM.
#[test]
fn the_binary_serves_the_demo_and_stops_on_sigterm() {
    let mut binary = Binary::start(&[("SAMAN_LOG_FORMAT", "json".as_ref())]);
    let body = reqwest::blocking_get(&format!("{}/nb", binary.base));
    assert!(
        body.contains("Fjordvik kommune") && body.contains("Lauvdal"),
        "demo models are loaded"
    );
    let database = binary.dir.path().join("data/saman.db");
    assert!(
        database.exists(),
        "the SQLite file is created with its folder"
    );
    // The container's health check asks the server on its address.
    let addr = binary.base.trim_start_matches("http://").to_string();
    let ready = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_saman"))
            .arg("ready")
            .env("SAMAN_ADDR", &addr)
            .status()
            .unwrap()
            .success()
    };
    assert!(ready(), "saman ready while it serves");
    let (status, logs) = binary.stop();
    assert!(status.success(), "{status:?}");
    assert!(!ready(), "not ready once stopped");
    assert!(
        logs.contains("\"saman stopped\""),
        "structured logs: {logs}"
    );
}

/// SIGTERM under load: requests the server is working on when it is told to stop are
/// answered in full (here PDFs, which take a while to make), and no answer is cut off
/// or an error; after that, the server takes no new connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_at_sigterm_all_finish() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut binary = Binary::start(&[]);
    let client = ::reqwest::Client::new();
    let answered = Arc::new(AtomicUsize::new(0));
    let mut load = tokio::task::JoinSet::new();
    for c in 0..8 {
        let (client, base, answered) = (client.clone(), binary.base.clone(), answered.clone());
        load.spawn(async move {
            let paths = [
                "/nb/fjordvik/innhold/helsestasjon",
                "/nb/fjordvik/sok?q=mobbing",
            ];
            for n in 0.. {
                let path = paths[(c + n) % paths.len()];
                // After the stop, a request may find the server gone; an answer it
                // does get is whole and not an error.
                let Ok(response) = client.get(format!("{base}{path}")).send().await else {
                    return;
                };
                assert_eq!(response.status().as_u16(), 200, "{path}");
                if response.bytes().await.is_err() {
                    return;
                }
                answered.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while answered.load(Ordering::Relaxed) < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut pdfs = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let (client, base) = (client.clone(), binary.base.clone());
        pdfs.spawn(async move {
            let response = client
                .post(format!("{base}/nb/fjordvik/skjema/samtykke"))
                .form(crate::forms::CONSENT)
                .send()
                .await
                .expect("taken before the stop, answered after it");
            assert_eq!(response.status().as_u16(), 200);
            let body = response.bytes().await.expect("the whole PDF");
            assert!(body.starts_with(b"%PDF") && body.len() > 1000);
        });
    }
    // The PDFs are being made when the server is told to stop.
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let (status, _) = tokio::task::spawn_blocking(move || binary.stop())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    while let Some(done) = pdfs.join_next().await {
        done.unwrap();
    }
    while let Some(done) = load.join_next().await {
        done.unwrap();
    }
}

mod reqwest {
    /// A blocking GET without pulling in reqwest's blocking feature.
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}
