//! The test harness: fresh databases, a running server, a client.

use saman_domain::files::read_bundle;
use saman_store::Store;
use std::path::{Path, PathBuf};

/// The platform's secret key in tests (the binary gets it as `SAMAN_SECRET_KEY`).
pub fn test_secrets() -> saman_domain::auth::keys::Secrets {
    saman_domain::auth::keys::Secrets::from_bytes([42; 32])
}

/// [`test_secrets`] as configuration holds it.
pub fn test_secret_key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([42u8; 32])
}

/// The bearer token `/metrics` answers to in tests.
pub const METRICS_TOKEN: &str = "test-metrics-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

const POSTGRES_URL: &str = "SAMAN_TEST_POSTGRES_URL";
const REQUIRE_POSTGRES: &str = "SAMAN_TEST_REQUIRE_POSTGRES";

/// Whether the PostgreSQL variant of a test should run; panics if it is required but
/// not configured, so that CI cannot skip it silently.
pub fn postgres_available() -> bool {
    let configured = std::env::var(POSTGRES_URL).is_ok_and(|u| !u.is_empty());
    if !configured && std::env::var(REQUIRE_POSTGRES).is_ok_and(|v| v == "1") {
        panic!("{REQUIRE_POSTGRES}=1 but {POSTGRES_URL} is not set");
    }
    if !configured {
        eprintln!("skipped: set {POSTGRES_URL} to run the PostgreSQL tests");
    }
    configured
}

/// A database that exists for one test: a SQLite file in a temporary folder, or a
/// PostgreSQL database created for it and dropped afterwards.
pub struct TestDb {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder");
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite:{}", dir.path().join("saman.db").display()),
                postgres: None,
                _dir: dir,
            },
            Backend::Postgres => {
                use sqlx::Connection;
                let admin = std::env::var(POSTGRES_URL).expect("checked by postgres_available");
                let name = format!("saman_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin}: {e}"));
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                TestDb {
                    url: format!("{base}/{name}"),
                    postgres: Some((admin, name)),
                    _dir: dir,
                }
            }
        }
    }
}

impl TestDb {
    /// A SQLite database in a folder of the caller's (e.g. on a small disk).
    pub fn sqlite_in(folder: &Path) -> TestDb {
        TestDb {
            url: format!("sqlite:{}", folder.join("saman.db").display()),
            postgres: None,
            _dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            // Drop runs outside async; a small runtime of its own removes the database.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut conn)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A running Saman with its database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub db: TestDb,
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

impl TestApp {
    /// Starts Saman on a free port with a fresh database holding the demo models (if
    /// `demo`) and the fixture `testvik`.
    pub async fn spawn(backend: Backend, demo: bool) -> TestApp {
        TestApp::spawn_with(backend, demo, None).await
    }

    /// As [`TestApp::spawn`], with ID-porten at the given provider (otherwise the
    /// built-in test ID-porten on the same server).
    pub async fn spawn_with(
        backend: Backend,
        demo: bool,
        idporten: Option<saman_web::auth::oidc::ProviderConfig>,
    ) -> TestApp {
        TestApp::spawn_configured(backend, demo, |config| config.idporten = idporten).await
    }

    /// As [`TestApp::spawn`], with the web settings changed by `configure`.
    pub async fn spawn_configured(
        backend: Backend,
        demo: bool,
        configure: impl FnOnce(&mut saman_web::WebConfig),
    ) -> TestApp {
        TestApp::spawn_on(TestDb::new(backend).await, demo, configure).await
    }

    /// As [`TestApp::spawn_configured`], on a database of the caller's.
    pub async fn spawn_on(
        db: TestDb,
        demo: bool,
        configure: impl FnOnce(&mut saman_web::WebConfig),
    ) -> TestApp {
        saman_web::install_metrics_recorder();
        let store = Store::connect(&db.url, test_secrets())
            .await
            .expect("the test database opens");
        if demo {
            saman::demo::load_demo_if_empty(&store)
                .await
                .expect("the demo models load");
        }
        import_folder(&store, &fixture("testvik")).await;
        let base = serve(store.clone(), configure).await;
        TestApp {
            base,
            client: no_redirects(),
            store,
            db,
        }
    }

    /// Another instance of Saman on the same database, with a pool of its own, as a
    /// second server behind a load balancer.
    pub async fn another_instance(&self) -> Instance {
        let store = Store::connect(&self.db.url, test_secrets())
            .await
            .expect("the test database opens again");
        let base = serve(store.clone(), |_| {}).await;
        Instance {
            base,
            client: no_redirects(),
            store,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// GETs a page that must answer 200, and returns its HTML.
    pub async fn page(&self, path: &str) -> String {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path} answered {status}:\n{body}");
        body
    }
}

/// Serves Saman on a free port over `store`; returns its address.
async fn serve(store: Store, configure: impl FnOnce(&mut saman_web::WebConfig)) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = saman_web::WebConfig {
        public_url: Some(format!("http://{addr}")),
        demo: true,
        metrics_token: Some(METRICS_TOKEN.into()),
        ..Default::default()
    };
    configure(&mut config);
    let app = saman_web::app(store, config);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    format!("http://{addr}")
}

/// A client that follows no redirects, as the tests read them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A second instance beside a [`TestApp`] (which owns the database).
pub struct Instance {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
}

/// Waits until `check` holds, asking every 20 ms, for at most `within`; returns how
/// long it took, or `None` if it never held.
pub async fn within<F, Fut>(
    within: std::time::Duration,
    mut check: F,
) -> Option<std::time::Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    loop {
        if check().await {
            return Some(started.elapsed());
        }
        if started.elapsed() > within {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Copies a model folder.
pub fn copy_dir(from: &Path, to: &Path) {
    for file in saman::folder::read(from).unwrap() {
        let path = to.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.bytes).unwrap();
    }
}

pub async fn import_folder(store: &Store, dir: &Path) -> saman_store::ImportOutcome {
    let files = saman::folder::read(dir).unwrap();
    let bundle = read_bundle(&files).unwrap_or_else(|p| panic!("{dir:?} is invalid: {p:?}"));
    store
        .import_bundle(&bundle, &saman_store::AuditContext::command_line(None))
        .await
        .unwrap()
}

/// The real `saman` binary, serving on a free port with a SQLite database in a folder
/// of its own. Its logs go to a file: a pipe nobody reads would fill and stall it.
pub struct Binary {
    child: std::process::Child,
    pub base: String,
    /// Holds the database (under `data/`) and the logs.
    pub dir: tempfile::TempDir,
}

impl Binary {
    pub fn start(env: &[(&str, &std::ffi::OsStr)]) -> Binary {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_saman"));
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env(
                "SAMAN_DATABASE_URL",
                format!("sqlite:{}", dir.path().join("data/saman.db").display()),
            )
            .env("SAMAN_SECRET_KEY", test_secret_key())
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Binary { child, base, dir }
    }

    /// Sends SIGTERM and waits up to ten seconds; returns the exit status and the logs.
    pub fn stop(&mut self) -> (std::process::ExitStatus, String) {
        std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "saman did not stop on SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let logs = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap();
        (status, logs)
    }
}

// ---------------------------------------------------------------------------
// People: accounts, sessions and the pages' forms, for the tests of logins.

/// The password of the people the tests add.
pub const PASSWORD: &str = "blåbærsyltetøy på brødskiva";

/// A browser: keeps cookies, follows no redirects.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of a hidden input in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Adds a person with a role in a tenant (or on the platform), with [`PASSWORD`].
pub async fn add_person(
    store: &Store,
    tenant: Option<&str>,
    email: &str,
    role: saman_domain::access::Role,
) -> String {
    let record = match tenant {
        Some(slug) => Some(store.tenant_by_slug(slug).await.unwrap().unwrap()),
        None => None,
    };
    store
        .add_user(
            &saman_store::NewUser {
                email,
                name: &format!("Test {}", role.key()),
                language: saman_domain::Lang::Nb,
                password_hash: Some(saman_domain::auth::password::hash(PASSWORD)),
                role,
                tenant: record.as_ref().map(|r| &r.id),
                services: &[],
            },
            &saman_store::AuditContext::command_line(record.as_ref().map(|r| r.id.clone())),
        )
        .await
        .unwrap()
}

/// Opens a session with every login step done for an account, directly, and returns
/// its cookie: for tests of what a signed-in person may do, not of how they log in.
pub async fn session_cookie(store: &Store, account: &str, tenant_id: &str) -> String {
    let new = store
        .open_session(
            account,
            tenant_id,
            true,
            "password",
            "test",
            Default::default(),
        )
        .await
        .unwrap();
    format!("saman_session={}", new.token)
}

/// A page as a signed-in person (by session cookie) gets it, following no redirect.
pub async fn signed_in_page(app: &TestApp, path: &str, cookie: &str) -> String {
    app.client
        .get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Runs the `saman` binary with a command, on a test database, with the test key.
pub fn run_saman(db: &TestDb, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_saman"))
        .args(args)
        .env("SAMAN_SECRET_KEY", test_secret_key())
        .env("SAMAN_DATABASE_URL", &db.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}
