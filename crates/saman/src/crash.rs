//! The crash test: no write that Saman acknowledged is ever lost.
//!
//! Each cycle starts the real `saman` binary on the database, sends it concurrent
//! writes over HTTP (relay log entries from a relay holder, item edits from editors),
//! and kills it with SIGKILL at a random moment. With the server down, it then checks
//! that every write the server answered with success is in the database, that every
//! audit chain verifies, and that the database passes its integrity check. Writes in
//! flight when the server died may or may not be there: only acknowledged ones count.
//!
//! Run by `saman-crash-test` (the long run) and by the integration tests (a few cycles).

use anyhow::{Context, bail};
use saman_domain::access::{Actor, Assurance, Role};
use saman_domain::{Item, Lang, format_iso_date};
use saman_store::{AuditContext, Backend, NewUser, Store};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TENANT: &str = "fjordvik";
const RELAY_WRITERS: usize = 4;
const EDIT_WRITERS: usize = 2;

/// What a run found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub cycles: usize,
    pub acknowledged: usize,
    pub lost: usize,
    /// Whether every audit chain verified and the database passed its check after
    /// every cycle.
    pub intact: bool,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cycles run: {}, writes acknowledged: {}, writes lost: {}, audit chains and database: {}",
            self.cycles,
            self.acknowledged,
            self.lost,
            if self.intact { "intact" } else { "BROKEN" }
        )
    }
}

/// What the test needs to know: where the binary and the database are, and the key.
pub struct Setup {
    pub binary: PathBuf,
    pub database_url: String,
    pub secret_key: String,
    /// Where the server's logs go, one file per cycle overwritten.
    pub log_dir: PathBuf,
}

struct People {
    holder: String,
    holder_cookie: String,
    editor_cookies: Vec<String>,
    items: Vec<String>,
}

/// Runs `cycles` crash cycles on an empty database; loads the demo into it first.
pub async fn run(setup: &Setup, cycles: usize, seed: u64) -> anyhow::Result<Report> {
    let people = prepare(setup).await?;
    let mut rng = saman_relay::bench_data::Rng::new(seed);
    let mut report = Report {
        intact: true,
        ..Report::default()
    };
    for cycle in 0..cycles {
        let log = new_log(setup, &people.holder).await?;
        let acknowledged = load_then_kill(setup, &people, &log, cycle, &mut rng).await?;
        let (lost, intact) = check(setup, &people, &log, &acknowledged).await?;
        report.cycles += 1;
        report.acknowledged += acknowledged.len();
        report.lost += lost;
        report.intact &= intact;
        if lost > 0 || !intact {
            eprintln!("cycle {cycle}: {lost} lost, intact: {intact}");
        }
    }
    Ok(report)
}

async fn connect(setup: &Setup) -> anyhow::Result<Store> {
    let secrets = saman_domain::auth::keys::Secrets::from_base64(&setup.secret_key)
        .map_err(|e| anyhow::anyhow!("secret key: {e}"))?;
    Ok(Store::connect(&setup.database_url, secrets).await?)
}

/// The demo, a relay holder, and an editor per edit writer, each with a session.
async fn prepare(setup: &Setup) -> anyhow::Result<People> {
    let store = connect(setup).await?;
    if !store.list_users(None).await?.is_empty() {
        bail!("the database has people in it: the crash test needs an empty one");
    }
    crate::demo::load_demo_if_empty(&store).await?;
    let tenant = store
        .tenant_by_slug(TENANT)
        .await?
        .context("the demo tenant")?;
    let add = |email: String, role: Role, services: Vec<String>| {
        let (store, tenant) = (store.clone(), tenant.clone());
        async move {
            let id = store
                .add_user(
                    &NewUser {
                        email: &email,
                        name: "Krasj Test",
                        language: Lang::Nb,
                        password_hash: None,
                        role,
                        tenant: Some(&tenant.id),
                        services: &services,
                    },
                    &AuditContext::command_line(Some(tenant.id.clone())),
                )
                .await?;
            let session = store
                .open_session(
                    &id,
                    tenant.id.as_str(),
                    true,
                    "password",
                    "crash",
                    Default::default(),
                )
                .await?;
            anyhow::Ok((id, format!("saman_session={}", session.token)))
        }
    };
    let (holder, holder_cookie) = add(
        "holder@krasj.example".into(),
        Role::Employee,
        vec!["skolene".into()],
    )
    .await?;
    let mut editor_cookies = Vec::new();
    for i in 0..EDIT_WRITERS {
        editor_cookies.push(
            add(format!("editor{i}@krasj.example"), Role::Editor, vec![])
                .await?
                .1,
        );
    }
    let items = store
        .editable_items(&tenant.id)
        .await?
        .into_iter()
        .take(EDIT_WRITERS)
        .map(|state| state.id)
        .collect();
    store.close().await;
    Ok(People {
        holder,
        holder_cookie,
        editor_cookies,
        items,
    })
}

/// A new active log with consent for this cycle's entries.
async fn new_log(setup: &Setup, holder: &str) -> anyhow::Result<String> {
    let store = connect(setup).await?;
    let tenant = store.tenant_by_slug(TENANT).await?.context("tenant")?;
    let mut rng = saman_relay::bench_data::Rng::new(1);
    let ids = saman_relay::bench_data::generate_logs(
        &store, &tenant.id, holder, "skolene", 1, 0, &mut rng,
    )
    .await?;
    store.close().await;
    ids.into_iter().next().context("a log")
}

/// The server, started; its address read from its first line.
struct Server {
    child: std::process::Child,
    base: String,
}

/// A server left behind by a run that failed would hold its database connections.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(setup: &Setup) -> anyhow::Result<Server> {
    let mut child = std::process::Command::new(&setup.binary)
        .args(["serve", "--no-demo", "--addr", "127.0.0.1:0"])
        .env("SAMAN_DATABASE_URL", &setup.database_url)
        .env("SAMAN_SECRET_KEY", &setup.secret_key)
        .env("SAMAN_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(setup.log_dir.join("server.log"))?)
        .spawn()
        .with_context(|| format!("starting {}", setup.binary.display()))?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .with_context(|| format!("no address in {line:?}"))?
        .trim_end_matches('/')
        .to_string();
    Ok(Server { child, base })
}

/// One write the server acknowledged, to look for afterwards.
#[derive(Debug, Clone)]
enum Write {
    Entry(String),
    Edit { item: String, marker: String },
}

/// Starts the server, writes to it from several clients, and kills it at a random
/// moment. Returns the writes it acknowledged.
async fn load_then_kill(
    setup: &Setup,
    people: &People,
    log: &str,
    cycle: usize,
    rng: &mut saman_relay::bench_data::Rng,
) -> anyhow::Result<Vec<Write>> {
    let mut server = start(setup)?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    // Ready before the load: on a busy machine a start can take a while.
    let mut ready = false;
    for _ in 0..600 {
        let answer = client.get(format!("{}/readyz", server.base)).send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !ready {
        bail!("the server did not get ready within a minute");
    }
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut writers = tokio::task::JoinSet::new();
    let csrf = token(&client, &server.base, &people.holder_cookie).await?;
    for w in 0..RELAY_WRITERS {
        let (client, base, cookie) = (
            client.clone(),
            server.base.clone(),
            people.holder_cookie.clone(),
        );
        let (csrf, log, acknowledged) = (csrf.clone(), log.to_string(), acknowledged.clone());
        writers.spawn(async move {
            for n in 0.. {
                let text = format!("krasj {cycle}-{w}-{n}");
                let sent = client
                    .post(format!("{base}/nb/{TENANT}/stafettlogg/{log}/innslag"))
                    .header("cookie", &cookie)
                    .form(&[("csrf", csrf.as_str()), ("kind", "note"), ("text", &text)])
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().as_u16() == 303 => {
                        acknowledged.lock().unwrap().push(Write::Entry(text));
                    }
                    Ok(r) => panic!("an entry was refused: {}", r.status()),
                    Err(_) => return,
                }
            }
        });
    }
    let store = connect(setup).await?;
    let tenant = store.tenant_by_slug(TENANT).await?.context("tenant")?;
    for (w, (cookie, item)) in people.editor_cookies.iter().zip(&people.items).enumerate() {
        let state = store
            .editable_items(&tenant.id)
            .await?
            .into_iter()
            .find(|s| &s.id == item)
            .context("the item")?;
        let csrf = token(&client, &server.base, cookie).await?;
        let (client, base, cookie) = (client.clone(), server.base.clone(), cookie.clone());
        let (item, acknowledged) = (item.clone(), acknowledged.clone());
        writers.spawn(async move {
            let mut object = state.object;
            let mut base_version = state.head;
            for n in 0.. {
                let marker = format!("krasj-{cycle}-{w}-{n}");
                if let Some(text) = object.text.nb.as_mut() {
                    text.summary = format!("Oppdatert ({marker}).");
                }
                let form = item_form(&object, base_version, &csrf);
                let sent = client
                    .post(format!("{base}/nb/{TENANT}/rediger/innhold/{item}"))
                    .header("cookie", &cookie)
                    .form(&form)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().as_u16() == 303 => {
                        base_version += 1;
                        acknowledged.lock().unwrap().push(Write::Edit {
                            item: item.clone(),
                            marker,
                        });
                    }
                    Ok(r) => panic!("an edit was refused: {}", r.status()),
                    Err(_) => return,
                }
            }
        });
    }
    store.close().await;
    let alive = 100 + rng.below(1400);
    tokio::time::sleep(Duration::from_millis(alive)).await;
    server.child.kill()?;
    server.child.wait()?;
    drop(server);
    while let Some(done) = writers.join_next().await {
        if let Err(e) = done
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    Ok(acknowledged)
}

/// The form token of a signed-in person's session, from a page that carries it.
async fn token(client: &reqwest::Client, base: &str, cookie: &str) -> anyhow::Result<String> {
    let page = client
        .get(format!("{base}/nb/{TENANT}/konto"))
        .header("cookie", cookie)
        .send()
        .await?
        .text()
        .await?;
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .find(marker)
        .context("no form token on the account page")?
        + marker.len();
    Ok(page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string())
}

/// Counts the acknowledged writes that are not in the database, and checks the audit
/// chains and the database itself.
async fn check(
    setup: &Setup,
    people: &People,
    log: &str,
    acknowledged: &[Write],
) -> anyhow::Result<(usize, bool)> {
    let store = connect(setup).await?;
    let tenant = store.tenant_by_slug(TENANT).await?.context("tenant")?;
    let relay = saman_relay::Relay::new(store.clone());
    let actor = Actor {
        account_id: people.holder.clone(),
        grants: store.grants(&people.holder).await?,
        assurance: Assurance::Strong,
    };
    let who = relay.requester(&actor, &tenant, "crash-test").await?;
    let view = relay.log(&who, log).await?.context("the cycle's log")?;
    let entries: std::collections::HashSet<String> = view
        .entries
        .iter()
        .filter_map(|e| match &e.content {
            saman_relay::content::Content::Note { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    // A write never made must be found missing, or the check itself is broken.
    let canary = Write::Entry("aldri skrevet".into());
    if entries.contains("aldri skrevet")
        || store
            .version_mentions(&people.items[0], "aldri-skrevet")
            .await?
    {
        bail!("the check finds writes that were never made: {canary:?}");
    }
    let mut lost = 0;
    for write in acknowledged {
        let there = match write {
            Write::Entry(text) => entries.contains(text),
            Write::Edit { item, marker } => store.version_mentions(item, marker).await?,
        };
        if !there {
            eprintln!("lost: {write:?}");
            lost += 1;
        }
    }
    let chains = store.verify_audit(None).await?.is_none();
    let database = store.integrity_check().await?;
    store.close().await;
    Ok((lost, chains && database))
}

/// The editor's form for an item, as a browser sends it unchanged (`base` is the
/// version it was read at).
pub fn item_form(item: &Item, base: i64, csrf: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("csrf".to_string(), csrf.to_string()),
        ("base".into(), base.to_string()),
        ("kind".into(), item.kind.key().into()),
    ];
    for lang in Lang::ALL {
        if let Some(t) = item.text.get(lang) {
            form.push((format!("title-{lang}"), t.title.clone()));
            form.push((format!("summary-{lang}"), t.summary.clone()));
            form.push((format!("body-{lang}"), t.body.clone()));
            form.push((
                format!("opening_hours-{lang}"),
                t.opening_hours.clone().unwrap_or_default(),
            ));
        }
    }
    form.extend(item.levels.iter().map(|l| ("level".into(), l.key().into())));
    form.extend(
        item.target_groups
            .iter()
            .map(|t| ("target".into(), t.key().into())),
    );
    form.extend(
        item.prevention
            .iter()
            .map(|p| ("prevention".into(), p.key().into())),
    );
    form.extend(
        item.priorities
            .iter()
            .map(|p| ("priority".into(), p.clone())),
    );
    form.push(("owner".into(), item.owner.clone().unwrap_or_default()));
    form.push((
        "review_date".into(),
        item.review_date.map(format_iso_date).unwrap_or_default(),
    ));
    if let Some(c) = &item.contact {
        for (name, value) in [
            ("phone", &c.phone),
            ("email", &c.email),
            ("address", &c.address),
            ("web", &c.web),
        ] {
            form.push((name.into(), value.clone().unwrap_or_default()));
        }
    }
    form.push(("form".into(), item.form.clone().unwrap_or_default()));
    for (i, r) in item.relations.iter().enumerate() {
        form.push((format!("relation-type-{i}"), r.kind.key().into()));
        form.push((format!("relation-to-{i}"), r.to.clone()));
    }
    form
}

/// A fresh database for a run: a SQLite file in `dir`, or the given URL.
pub fn database_url(dir: &Path, given: Option<String>) -> String {
    given.unwrap_or_else(|| format!("sqlite:{}", dir.join("saman.db").display()))
}

/// Whether the backend of a URL is SQLite (for the report).
pub fn backend_name(url: &str) -> &'static str {
    match Backend::of_url(url) {
        Some(Backend::Postgres) => "PostgreSQL",
        _ => "SQLite",
    }
}
