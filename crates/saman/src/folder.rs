//! Model folders on disk.

use anyhow::{Context, bail};
use saman_domain::files::SourceFile;
use saman_domain::rules::limits;
use std::fs;
use std::io::Read;
use std::path::Path;

/// Reads every file under `dir`, skipping hidden files and folders (such as `.git`) and
/// symbolic links. No file is read further than the largest size a model file may have,
/// and reading stops once the folder is over the model's limits, so an oversized folder
/// costs no more memory than the limits; the model's reader then reports it.
pub fn read(dir: &Path) -> anyhow::Result<Vec<SourceFile>> {
    if !dir.is_dir() {
        bail!("{} er ikke en mappe", dir.display());
    }
    let mut files = Vec::new();
    read_into(dir, dir, &mut files)?;
    Ok(files)
}

fn over_limits(files: &[SourceFile]) -> bool {
    files.len() > limits::FILES
        || files.iter().map(|f| f.bytes.len()).sum::<usize>() > limits::MODEL_BYTES
}

fn read_into(root: &Path, dir: &Path, files: &mut Vec<SourceFile>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("kunne ikke lese {}", dir.display()))? {
        if over_limits(files) {
            return Ok(());
        }
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
            let mut bytes = Vec::new();
            fs::File::open(&path)
                .and_then(|f| {
                    f.take(limits::ANY_FILE_BYTES as u64 + 1)
                        .read_to_end(&mut bytes)
                })
                .with_context(|| format!("kunne ikke lese {}", path.display()))?;
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
