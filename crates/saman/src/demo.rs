//! The demo models, built into the binary from `examples/` so that a first start needs
//! nothing but the binary.

use include_dir::{Dir, include_dir};
use saman_domain::Lang;
use saman_domain::access::Role;
use saman_domain::files::SourceFile;
use saman_store::{AuditContext, NewUser, Store};

static EXAMPLES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../examples");

/// Each demo model's folder name and files.
pub fn bundles() -> Vec<(String, Vec<SourceFile>)> {
    EXAMPLES
        .dirs()
        .map(|dir| {
            let mut files = Vec::new();
            collect(dir, dir.path(), &mut files);
            (dir.path().display().to_string(), files)
        })
        .collect()
}

fn collect(dir: &Dir<'static>, root: &std::path::Path, out: &mut Vec<SourceFile>) {
    for file in dir.files() {
        let relative = file.path().strip_prefix(root).unwrap_or(file.path());
        out.push(SourceFile {
            path: relative.to_string_lossy().replace('\\', "/"),
            bytes: file.contents().to_vec(),
        });
    }
    for sub in dir.dirs() {
        collect(sub, root, out);
    }
}

/// The slugs of the demo's tenants.
pub fn slugs() -> Vec<String> {
    bundles()
        .into_iter()
        .filter_map(|(_, files)| saman_domain::files::read_bundle(&files).ok())
        .map(|bundle| bundle.tenant.slug)
        .collect()
}

/// Loads the demo models if the database has no tenants yet.
pub async fn load_demo_if_empty(store: &Store) -> anyhow::Result<()> {
    if !store.list_tenants().await?.is_empty() {
        return Ok(());
    }
    for (name, files) in bundles() {
        let bundle = saman_domain::files::read_bundle(&files)
            .map_err(|problems| anyhow::anyhow!("demo model {name} is invalid: {}", problems[0]))?;
        store.import_bundle(&bundle).await?;
        tracing::info!(tenant = bundle.tenant.slug, "loaded demo model");
    }
    load_demo_people(store).await?;
    Ok(())
}

/// The password of every demo account; the README gives it. Demo only: a server started
/// without the demo has no such accounts.
pub const DEMO_PASSWORD: &str = "demo-passord-saman";

/// A demo person: tenant (none for the platform), e-mail, name, role, services.
type DemoPerson = (
    Option<&'static str>,
    &'static str,
    &'static str,
    Role,
    &'static [&'static str],
);

/// Fictional people for every staff role in both demo tenants, and a platform
/// administrator.
const DEMO_PEOPLE: &[DemoPerson] = &[
    (
        None,
        "plattform@saman.example",
        "Petter Plattform",
        Role::PlatformAdmin,
        &[],
    ),
    (
        Some("fjordvik"),
        "admin@fjordvik.example",
        "Astrid Aune",
        Role::TenantAdmin,
        &[],
    ),
    (
        Some("fjordvik"),
        "redaktor@fjordvik.example",
        "Rune Rasmussen",
        Role::Editor,
        &[],
    ),
    (
        Some("fjordvik"),
        "leder@fjordvik.example",
        "Liv Lunde",
        Role::ServiceLeader,
        &["helsestasjon"],
    ),
    (
        Some("fjordvik"),
        "ansatt@fjordvik.example",
        "Emil Eide",
        Role::Employee,
        &["skolene", "ppt"],
    ),
    (
        Some("lauvdal-strandheim"),
        "admin@lauvdal-strandheim.example",
        "Brita Berge",
        Role::TenantAdmin,
        &[],
    ),
    (
        Some("lauvdal-strandheim"),
        "redaktor@lauvdal-strandheim.example",
        "Nils Nesheim",
        Role::Editor,
        &[],
    ),
    (
        Some("lauvdal-strandheim"),
        "leiar@lauvdal-strandheim.example",
        "Kari Kvamme",
        Role::ServiceLeader,
        &["helsestasjon-lauvdal"],
    ),
    (
        Some("lauvdal-strandheim"),
        "tilsett@lauvdal-strandheim.example",
        "Olav Øvrebø",
        Role::Employee,
        &["lauvdal-skule"],
    ),
];

/// Fictional families: tenant, synthetic identity number (as in the test ID-porten),
/// name, role.
const DEMO_FAMILIES: &[(&str, &str, &str, Role)] = &[
    ("fjordvik", "15898512379", "Hanne Haugland", Role::Guardian),
    ("fjordvik", "03889245602", "Tobias Haugland", Role::Youth),
    (
        "lauvdal-strandheim",
        "22881178986",
        "Marit Lien",
        Role::Guardian,
    ),
    (
        "lauvdal-strandheim",
        "07901223453",
        "Eirik Lien",
        Role::Youth,
    ),
];

async fn load_demo_people(store: &Store) -> anyhow::Result<()> {
    let hash = saman_domain::auth::password::hash(DEMO_PASSWORD);
    for (tenant, email, name, role, services) in DEMO_PEOPLE {
        let record = match tenant {
            Some(slug) => Some(
                store
                    .tenant_by_slug(slug)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo tenant {slug} is missing"))?,
            ),
            None => None,
        };
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        store
            .add_user(
                &NewUser {
                    email,
                    name,
                    language: record.as_ref().map_or(Lang::Nb, |r| r.tenant.default_lang),
                    password_hash: Some(hash.clone()),
                    role: *role,
                    tenant: record.as_ref().map(|r| &r.id),
                    services: &services,
                },
                &AuditContext::command_line(record.as_ref().map(|r| r.id.clone())),
            )
            .await?;
    }
    // Families, who log in with the demo's test ID-porten as these fictional persons.
    for (slug, pid, name, role) in DEMO_FAMILIES {
        let record = store
            .tenant_by_slug(slug)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo tenant {slug} is missing"))?;
        let id = store
            .create_pid_account(pid, name, record.tenant.default_lang)
            .await?;
        store
            .grant_role(
                &id,
                &record.id,
                *role,
                &AuditContext::command_line(Some(record.id.clone())),
            )
            .await?;
    }
    tracing::info!("loaded demo people");
    Ok(())
}
