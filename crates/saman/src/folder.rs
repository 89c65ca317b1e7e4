//! Model folders on disk.

use anyhow::{Context, bail};
use saman_domain::files::SourceFile;
use std::fs;
use std::path::Path;

/// Reads every file under `dir`, skipping hidden files and folders (such as `.git`).
pub fn read(dir: &Path) -> anyhow::Result<Vec<SourceFile>> {
    if !dir.is_dir() {
        bail!("{} er ikke en mappe", dir.display());
    }
    let mut files = Vec::new();
    read_into(dir, dir, &mut files)?;
    Ok(files)
}

fn read_into(root: &Path, dir: &Path, files: &mut Vec<SourceFile>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("kunne ikke lese {}", dir.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            read_into(root, &path, files)?;
        } else if kind.is_file() {
            let relative = path
                .strip_prefix(root)?
                .to_string_lossy()
                .replace('\\', "/");
            let bytes =
                fs::read(&path).with_context(|| format!("kunne ikke lese {}", path.display()))?;
            files.push(SourceFile {
                path: relative,
                bytes,
            });
        }
    }
    Ok(())
}

/// Writes files under `dir`, which must be empty or missing unless `replace`.
pub fn write(dir: &Path, files: &[SourceFile], replace: bool) -> anyhow::Result<()> {
    if dir.exists() {
        let has_files = fs::read_dir(dir)?.next().is_some();
        if has_files && !replace {
            bail!(
                "{} er ikke tom; bruk --replace for å skrive over",
                dir.display()
            );
        }
        if has_files {
            for entry in fs::read_dir(dir)? {
                let path = entry?.path();
                if path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                {
                    continue;
                }
                if path.is_dir() {
                    fs::remove_dir_all(&path)?;
                } else {
                    fs::remove_file(&path)?;
                }
            }
        }
    }
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &file.bytes)
            .with_context(|| format!("kunne ikke skrive {}", path.display()))?;
    }
    Ok(())
}
