//! Backups taken while Saman writes: `saman backup` (SQLite) or pg_dump (PostgreSQL),
//! restored, and checked (`saman check`: the database's integrity and every audit
//! chain). A damaged backup is refused, and the database it would replace is kept.

use crate::common::{Backend, TestApp, TestDb, test_secret_key};
use crate::editor::{Editor, form_of, set, state_of};
use saman_domain::access::Role;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

crate::on_both_backends!(a_backup_taken_under_load_restores_and_verifies);

/// Runs `saman` with a database URL and the tests' key.
fn saman(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_saman"))
        .args(args)
        .env("SAMAN_SECRET_KEY", test_secret_key())
        .env("SAMAN_DATABASE_URL", url)
        // No server answers there: restore refuses while one runs on its address.
        .env("SAMAN_ADDR", "127.0.0.1:9")
        .output()
        .unwrap()
}

fn succeeded(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn a_backup_taken_under_load_restores_and_verifies(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend, false).await);
    // An editor saves drafts of an item, one after another, through the backup.
    let (stop, saved) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let load = {
        let (app, stop, saved) = (app.clone(), stop.clone(), saved.clone());
        tokio::spawn(async move {
            let editor =
                Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
            let state = state_of(&app, "helsestasjon").await;
            let edit = format!("/nb/testvik/rediger/innhold/{}", state.id);
            let (_, page) = editor.get(&edit).await;
            let csrf = crate::common::hidden(&page, "csrf");
            let mut head = state.head;
            while !stop.load(Ordering::Relaxed) {
                let mut form = form_of(&state.object, head, &csrf);
                set(&mut form, "summary-nb", &format!("Utkast {head}."));
                let (status, _, _) = editor.post(&edit, &form).await;
                assert_eq!(status, 303, "saved");
                head += 1;
                saved.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while saved.load(Ordering::Relaxed) < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let restored = TestDb::new(backend).await;
    let url = app.db.url.clone();
    let copy = dir.path().join("kopi");
    let copy_arg = copy.to_string_lossy().to_string();
    let taken = tokio::task::spawn_blocking(move || match backend {
        Backend::Sqlite => saman(&url, &["backup", &copy_arg]),
        Backend::Postgres => std::process::Command::new("pg_dump")
            .args(["-Fc", "-f", &copy_arg, &url])
            .output()
            .unwrap(),
    })
    .await
    .unwrap();
    succeeded(&taken);
    let during = saved.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();
    assert!(during >= 5, "writes went on during the backup");

    match backend {
        Backend::Sqlite => {
            // A damaged file is refused, and nothing is replaced.
            let damaged = dir.path().join("skadet");
            std::fs::write(&damaged, b"SQLite format 3\0 but not really").unwrap();
            let out = saman(&restored.url, &["restore", &damaged.to_string_lossy()]);
            assert!(!out.status.success());
            assert!(!saman_store::sqlite_file(&restored.url).unwrap().exists());
            let printed = succeeded(&saman(&restored.url, &["restore", &copy.to_string_lossy()]));
            assert!(printed.contains("Gjenopprettet"), "{printed}");
            // Restoring again keeps the database it replaces.
            let printed = succeeded(&saman(&restored.url, &["restore", &copy.to_string_lossy()]));
            assert!(printed.contains("ligger i"), "{printed}");
        }
        Backend::Postgres => {
            let out = std::process::Command::new("pg_restore")
                .args(["--no-owner", "-d", &restored.url, &copy.to_string_lossy()])
                .output()
                .unwrap();
            succeeded(&out);
        }
    }
    let printed = succeeded(&saman(&restored.url, &["check"]));
    let sound = match backend {
        Backend::Sqlite => "Databasen er hel",
        Backend::Postgres => "tabellene kan leses",
    };
    assert!(
        printed.contains(sound) && printed.contains("Revisjonsloggen er hel"),
        "{printed}"
    );
    // The copy holds what was saved before it began, and nothing half-saved after.
    let store = saman_store::Store::connect(&restored.url, crate::common::test_secrets())
        .await
        .unwrap();
    let tenant = store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let item = store
        .editable_items(&tenant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.object.slug == "helsestasjon")
        .unwrap();
    let drafts = usize::try_from(item.head - 1).unwrap();
    assert!(
        (5..=during + 1).contains(&drafts),
        "{drafts} drafts of {during}"
    );
    assert!(store.verify_audit(None).await.unwrap().is_none());
}
