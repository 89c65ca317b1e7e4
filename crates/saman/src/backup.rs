//! Restoring a backup and checking a database. `saman backup` (in the store) copies a
//! SQLite database consistently while Saman runs; PostgreSQL is backed up with its own
//! tools (pg_dump, base backups; see the README), and `saman check` checks either.

use crate::config::Settings;
use anyhow::{Context, bail};
use saman_store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Checks the database and says what it found: the database's own integrity check,
/// then every audit chain. Exits with 1 if either fails.
pub async fn check(store: &Store) -> anyhow::Result<ExitCode> {
    let sound = store.integrity_check().await?;
    if sound && store.backend() == saman_store::Backend::Postgres {
        // PostgreSQL checks its pages as it reads them; Saman's tables answered.
        println!("Databasen svarer, og tabellene kan leses.");
    } else if sound {
        println!("Databasen er hel.");
    } else {
        eprintln!("Databasen er skadet: integritetskontrollen feilet.");
    }
    let chains = report_audit(store.verify_audit(None).await?);
    Ok(if sound && chains {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Says whether the audit chains verified, as `saman check` and `saman audit verify`
/// print it; true if they did.
pub fn report_audit(broken: Option<saman_store::BrokenChain>) -> bool {
    match broken {
        None => {
            println!("Revisjonsloggen er hel: ingen rader er endret eller fjernet.");
            true
        }
        Some(broken) => {
            eprintln!(
                "Revisjonsloggen er brutt i {} ved rad {}: {}.",
                broken.chain.as_deref().unwrap_or("plattformens kjede"),
                broken.seq,
                broken.reason
            );
            false
        }
    }
}

/// Puts `backup` in place of the SQLite database, after checking a copy of it (and
/// bringing its schema up to date). The database it replaces is renamed, not deleted.
pub async fn restore(settings: &Settings, backup: &Path) -> anyhow::Result<ExitCode> {
    let Some(target) = saman_store::sqlite_file(&settings.database_url) else {
        bail!(
            "saman restore gjelder SQLite; PostgreSQL gjenopprettes med pg_restore eller fra en base backup (se README)"
        );
    };
    let target = target.to_path_buf();
    // Replacing the file under a running server would lose what it writes next.
    let addr = local_addr(&settings.addr);
    if answers(&addr).await {
        bail!("Saman kjører på {addr}: stopp den før du gjenoppretter");
    }
    if !backup.is_file() {
        bail!("fant ingen sikkerhetskopi i {}", backup.display());
    }
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("kunne ikke lage {}", folder.display()))?;
    }
    let trial = with_suffix(&target, ".gjenoppretter");
    remove_database(&trial)?;
    std::fs::copy(backup, &trial)
        .with_context(|| format!("kunne ikke kopiere {}", backup.display()))?;
    let checked = async {
        let store = Store::connect(&format!("sqlite:{}", trial.display()), settings.secrets()?)
            .await
            .context("sikkerhetskopien kan ikke åpnes som en Saman-database")?;
        let sound = store.integrity_check().await?;
        let chains = store.verify_audit(None).await?;
        store.close().await;
        if !sound {
            bail!("sikkerhetskopien er skadet: integritetskontrollen feilet");
        }
        if let Some(broken) = chains {
            bail!(
                "revisjonsloggen i sikkerhetskopien er brutt ved rad {}: {}",
                broken.seq,
                broken.reason
            );
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = checked {
        remove_database(&trial)?;
        return Err(e);
    }
    // Only Saman's user may read the restored database, whoever made the copy.
    #[cfg(unix)]
    std::fs::set_permissions(&trial, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    let kept = if target.exists() {
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let aside = with_suffix(&target, &format!(".for-gjenoppretting-{stamp}"));
        for suffix in ["", "-wal", "-shm"] {
            let from = with_suffix(&target, suffix);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, suffix))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(&trial, suffix);
        if from.exists() {
            std::fs::rename(&from, with_suffix(&target, suffix))?;
        }
    }
    println!(
        "Gjenopprettet fra {}; databasen er hel og revisjonsloggen likeså.",
        backup.display()
    );
    if let Some(aside) = kept {
        println!("Databasen som ble erstattet, ligger i {}.", aside.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a SQLite database with its write-ahead log, if they are there.
fn remove_database(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = with_suffix(path, suffix);
        if file.exists() {
            std::fs::remove_file(&file)?;
        }
    }
    Ok(())
}

/// The address to reach a server listening on `addr` from this machine: one listening
/// on every address answers on the loopback one.
pub fn local_addr(addr: &str) -> String {
    addr.replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]")
}

/// Whether a Saman answers ready at `addr` (GET /readyz), asked directly (no proxy).
pub async fn answers(addr: &str) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .no_proxy()
        .build()
    else {
        return false;
    };
    client
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}
