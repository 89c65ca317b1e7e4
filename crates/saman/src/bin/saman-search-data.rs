//! Makes a large tenant for `bench/search`: "stortrask", a copy of the demo model of
//! Fjordvik with ITEMS items in all, the demo's items each repeated with a number and
//! its text joined with another's, so the words are real and the index is large.
//! Prints the tenant's slug.
//!
//!   SAMAN_DATABASE_URL=… SAMAN_SECRET_KEY=… saman-search-data ITEMS

use saman_store::{AuditContext, Store};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let items: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("usage: saman-search-data ITEMS"))?;
    let url = std::env::var("SAMAN_DATABASE_URL")?;
    let key = std::env::var("SAMAN_SECRET_KEY")?;
    let secrets = saman_domain::auth::keys::Secrets::from_base64(&key)
        .map_err(|e| anyhow::anyhow!("SAMAN_SECRET_KEY: {e}"))?;
    let store = Store::connect(&url, secrets).await?;
    let (_, files) = saman::demo::bundles()
        .into_iter()
        .find(|(name, _)| name.ends_with("fjordvik"))
        .ok_or_else(|| anyhow::anyhow!("the demo model fjordvik is missing"))?;
    let mut bundle = saman_domain::files::read_bundle(&files)
        .map_err(|p| anyhow::anyhow!("demo model: {}", p[0]))?;
    bundle.tenant.slug = "stortrask".into();
    for text in [&mut bundle.tenant.text.nb, &mut bundle.tenant.text.nn]
        .into_iter()
        .flatten()
    {
        text.name = "Stortrask kommune".into();
    }
    let demo = bundle.items.clone();
    let n = demo.len();
    for i in n..items {
        let base = &demo[i % n];
        let other = &demo[(i * 7 + 3) % n];
        let mut item = base.clone();
        item.slug = format!("{}-{i}", base.slug);
        item.relations.clear();
        item.attachments.clear();
        for lang in saman_domain::Lang::ALL {
            let (Some(mut text), Some(extra)) =
                (item.text.get(lang).cloned(), other.text.get(lang))
            else {
                continue;
            };
            text.title = format!("{} {}", text.title, i / n + 1);
            text.body = format!("{}\n\n{}", text.body, extra.body);
            item.text.set(lang, text);
        }
        bundle.items.push(item);
    }
    bundle.items.sort_by(|a, b| a.slug.cmp(&b.slug));
    let started = std::time::Instant::now();
    store
        .import_bundle(&bundle, &AuditContext::command_line(None))
        .await?;
    eprintln!(
        "stortrask: {} items imported in {} s",
        bundle.items.len(),
        started.elapsed().as_secs()
    );
    println!("stortrask");
    Ok(())
}
