//! Makes a large municipality's relay logs for `bench/evaluation`: LOGS fictional logs
//! opened over the past YEARS years (default 1) in the demo tenant Fjordvik (as `saman
//! demo-history` writes them), and prints a session cookie of its administrator for the
//! benchmark.
//!
//!   SAMAN_DATABASE_URL=… SAMAN_SECRET_KEY=… saman-evaluation-data LOGS [YEARS]

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let logs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("usage: saman-evaluation-data LOGS [YEARS]"))?;
    let years: i64 = std::env::args()
        .nth(2)
        .map_or(Ok(1), |a| a.parse())
        .map_err(|_| anyhow::anyhow!("usage: saman-evaluation-data LOGS [YEARS]"))?;
    let url = std::env::var("SAMAN_DATABASE_URL")?;
    let key = std::env::var("SAMAN_SECRET_KEY")?;
    let secrets = saman_domain::auth::keys::Secrets::from_base64(&key)
        .map_err(|e| anyhow::anyhow!("SAMAN_SECRET_KEY: {e}"))?;
    let store = saman_store::Store::connect(&url, secrets).await?;
    let started = std::time::Instant::now();
    let made = saman::demo::history(&store, "fjordvik", logs, years, 20261206).await?;
    eprintln!(
        "made {} logs with {} entries in {:.0} s ({} purged, their facts kept)",
        made.logs,
        made.entries,
        started.elapsed().as_secs_f64(),
        made.purged
    );
    let tenant = store
        .tenant_by_slug("fjordvik")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo tenant is missing"))?;
    let admin = store
        .account_by_email("admin@fjordvik.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo administrator is missing"))?;
    let session = store
        .open_session(
            &admin.id,
            tenant.id.as_str(),
            true,
            "password",
            "bench",
            Default::default(),
        )
        .await?;
    println!("COOKIE=saman_session={}", session.token);
    Ok(())
}
