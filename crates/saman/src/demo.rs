//! The demo models, built into the binary from `examples/` so that a first start needs
//! nothing but the binary.

use include_dir::{Dir, include_dir};
use saman_domain::files::SourceFile;
use saman_store::Store;

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
    Ok(())
}
