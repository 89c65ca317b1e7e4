//! Makes national-scale relay log data for `bench/relay`: tenants (copies of the demo
//! model), a holder per twenty logs, and logs with their entries sealed as in
//! production. Prints shell lines for the benchmark: a session cookie of one holder,
//! one of their logs, the tenant, and a session cookie of the tenant's schools' service
//! leader (every log there is held in the schools, with consent naming them).
//!
//!   SAMAN_DATABASE_URL=… SAMAN_SECRET_KEY=… saman-bench-data TENANTS LOGS ENTRIES
//!   SAMAN_DATABASE_URL=… SAMAN_SECRET_KEY=… saman-bench-data session
//!
//! For an empty database only: it refuses one that has people in it. `session` opens
//! new sessions for the same holder and leader in data made before (sessions end after
//! half an hour without use; the leader is added to data made without one), and prints
//! their cookie lines.

use saman_domain::Lang;
use saman_domain::access::Role;
use saman_relay::bench_data::{Rng, generate_logs};
use saman_store::{AuditContext, NewUser, Store};

const LOGS_PER_HOLDER: usize = 20;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("session") {
        return new_session().await;
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow::anyhow!("usage: saman-bench-data TENANTS LOGS ENTRIES"))?;
    let [tenants, logs, entries] = args[..] else {
        anyhow::bail!("usage: saman-bench-data TENANTS LOGS ENTRIES");
    };
    let store = connect().await?;
    if !store.list_users(None).await?.is_empty() {
        anyhow::bail!("the database has people in it: use an empty one");
    }
    let (_, files) = saman::demo::bundles()
        .into_iter()
        .find(|(name, _)| name.ends_with("fjordvik"))
        .ok_or_else(|| anyhow::anyhow!("the demo model fjordvik is missing"))?;
    let model = saman_domain::files::read_bundle(&files)
        .map_err(|p| anyhow::anyhow!("demo model: {}", p[0]))?;
    let entries_per_log = entries / logs.max(1);
    let mut rng = Rng::new(20261126);
    let started = std::time::Instant::now();
    let mut first: Option<(String, String, saman_store::TenantId)> = None;
    for t in 0..tenants {
        let mut bundle = model.clone();
        bundle.tenant.slug = format!("bench-{t:03}");
        store
            .import_bundle(&bundle, &saman_store::AuditContext::command_line(None))
            .await?;
        let record = store
            .tenant_by_slug(&bundle.tenant.slug)
            .await?
            .ok_or_else(|| anyhow::anyhow!("tenant {t} is missing"))?;
        // This tenant's share of the logs, spread over holders of twenty.
        let share = logs / tenants + usize::from(t < logs % tenants);
        let mut made = 0;
        let mut h = 0;
        while made < share {
            let n = LOGS_PER_HOLDER.min(share - made);
            let holder = store
                .add_user(
                    &NewUser {
                        email: &holder_email(h, &bundle.tenant.slug),
                        name: &format!("Holder {h}"),
                        language: Lang::Nb,
                        password_hash: None,
                        role: Role::Employee,
                        tenant: Some(&record.id),
                        services: &["skolene".to_string()],
                    },
                    &AuditContext::command_line(Some(record.id.clone())),
                )
                .await?;
            let ids = generate_logs(
                &store,
                &record.id,
                &holder,
                "skolene",
                n,
                entries_per_log,
                &mut rng,
            )
            .await?;
            if first.is_none() {
                let token = open_session(&store, &holder, record.id.as_str()).await?;
                first = Some((token, ids[0].clone(), record.id.clone()));
            }
            made += n;
            h += 1;
        }
        if t % 25 == 0 {
            eprintln!(
                "{} tenants, {:.0} s",
                t + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let (token, log, tenant) = first.ok_or_else(|| anyhow::anyhow!("no logs were made"))?;
    let leader = leader_session(&store, &tenant).await?;
    eprintln!(
        "made {tenants} tenants, {logs} logs, {} entries in {:.0} s",
        entries_per_log * logs,
        started.elapsed().as_secs_f64()
    );
    println!("COOKIE=saman_session={token}");
    println!("LOG={log}");
    println!("TENANT={FIRST_TENANT}");
    println!("LEADER_COOKIE=saman_session={leader}");
    Ok(())
}

/// The slug of the tenant whose people the benchmark logs in as.
const FIRST_TENANT: &str = "bench-000";

/// A session of the schools' service leader in `tenant`, added if not there yet.
async fn leader_session(store: &Store, tenant: &saman_store::TenantId) -> anyhow::Result<String> {
    let email = format!("leader@{FIRST_TENANT}.example");
    let leader = match store.account_by_email(&email).await? {
        Some(account) => account.id,
        None => {
            store
                .add_user(
                    &NewUser {
                        email: &email,
                        name: "Leader",
                        language: Lang::Nb,
                        password_hash: None,
                        role: Role::ServiceLeader,
                        tenant: Some(tenant),
                        services: &["skolene".to_string()],
                    },
                    &AuditContext::command_line(Some(tenant.clone())),
                )
                .await?
        }
    };
    open_session(store, &leader, tenant.as_str()).await
}

fn holder_email(holder: usize, tenant: &str) -> String {
    format!("holder{holder}@{tenant}.example")
}

async fn open_session(store: &Store, account_id: &str, tenant_id: &str) -> anyhow::Result<String> {
    let session = store
        .open_session(
            account_id,
            tenant_id,
            true,
            "password",
            "bench",
            Default::default(),
        )
        .await?;
    Ok(session.token)
}

/// New sessions for the first holder of the first tenant and its leader, in data made
/// before.
async fn new_session() -> anyhow::Result<()> {
    let store = connect().await?;
    let record = store
        .tenant_by_slug(FIRST_TENANT)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no data made by saman-bench-data here"))?;
    let holder = store
        .account_by_email(&holder_email(0, FIRST_TENANT))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no data made by saman-bench-data here"))?;
    let token = open_session(&store, &holder.id, record.id.as_str()).await?;
    let leader = leader_session(&store, &record.id).await?;
    println!("COOKIE=saman_session={token}");
    println!("LEADER_COOKIE=saman_session={leader}");
    Ok(())
}

async fn connect() -> anyhow::Result<Store> {
    let url = std::env::var("SAMAN_DATABASE_URL")?;
    let key = std::env::var("SAMAN_SECRET_KEY")?;
    let secrets = saman_domain::auth::keys::Secrets::from_base64(&key)
        .map_err(|e| anyhow::anyhow!("SAMAN_SECRET_KEY: {e}"))?;
    Ok(Store::connect(&url, secrets).await?)
}
