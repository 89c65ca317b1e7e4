//! Health, readiness, metrics, headers, migrations, and the binary's start and stop.

use crate::common::{Backend, TestApp, TestDb};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let (status, metrics) = app.get("/metrics").await;
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
    let first = saman_store::Store::connect(&db.url).await.unwrap();
    first.close().await;
    // A second start finds the schema in place and applies nothing again.
    let store = saman_store::Store::connect(&db.url).await.unwrap();
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
    assert_eq!(versions, vec![1, 2, 3]);
}

/// The real binary starts with the demo models, prints where it is, and stops cleanly
/// on SIGTERM.
#[test]
fn the_binary_serves_the_demo_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_saman"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env(
            "SAMAN_DATABASE_URL",
            format!("sqlite:{}", dir.path().join("data/saman.db").display()),
        )
        .env("SAMAN_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        // A file, not a pipe: logs would fill a pipe nobody reads and stall the server.
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    let body = reqwest::blocking_get(&format!("{url}/nb"));
    assert!(
        body.contains("Fjordvik kommune") && body.contains("Lauvdal"),
        "demo models are loaded"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "saman did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let logs = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert!(
        logs.contains("\"saman stopped\""),
        "structured logs: {logs}"
    );
    assert!(
        dir.path().join("data/saman.db").exists(),
        "the SQLite file is created with its folder"
    );
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
