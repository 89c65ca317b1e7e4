//! A full disk: writes are refused with a clear page in the reader's language, nothing
//! is half-written, and Saman writes again once there is room, without a restart. The
//! disk is a small tmpfs (mounting one needs root, as in CI); SQLite's own file is on it.

use crate::common::{TestApp, TestDb};
use crate::editor::{Editor, form_of, set, state_of};
use saman_domain::access::Role;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A small tmpfs, unmounted when dropped (even when the test fails).
struct SmallDisk {
    folder: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: usize) -> Option<SmallDisk> {
        let folder = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(folder.path())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallDisk { folder })
    }

    fn path(&self) -> &Path {
        self.folder.path()
    }

    /// Fills what is left with a file; returns it.
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("fyll");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        // The last bytes, to the very end.
        while file.write_all(&[0u8; 512]).is_ok() {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.folder.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_clearly_and_saman_recovers() {
    let Some(disk) = SmallDisk::mount(64) else {
        assert!(
            std::env::var("SAMAN_TEST_REQUIRE_POSTGRES").is_err(),
            "CI runs as root and must be able to mount a small disk"
        );
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let app = TestApp::spawn_on(TestDb::sqlite_in(disk.path()), false, |_| {}).await;
    let editor = Editor::new(&app, "testvik", "redaktor@testvik.example", Role::Editor).await;
    let before = state_of(&app, "helsestasjon").await;
    let edit = format!("/nb/testvik/rediger/innhold/{}", before.id);
    let (_, page) = editor.get(&edit).await;
    let csrf = crate::common::hidden(&page, "csrf");
    let save = |head: i64, text: &str| {
        let mut form = form_of(&before.object, head, &csrf);
        set(&mut form, "body-nb", text);
        form
    };
    let (status, _, _) = editor
        .post(&edit, &save(before.head, "Før disken ble full."))
        .await;
    assert_eq!(status, 303, "saved while there is room");

    let filler = disk.fill();
    // Commits go to SQLite's log before the database file, and a log emptied by a
    // checkpoint is written again from its start without growing: until that room is
    // used up, writes still land (durably). Used up here with mails the outbox takes,
    // each smaller than the long text below, so what room is left cannot take it.
    let big = saman_store::Mail {
        to: "it@testvik.example".into(),
        subject: "Fyll".into(),
        text: "Fyll. ".repeat(2_000),
        html: "Fyll. ".repeat(2_000),
    };
    let mut refused = false;
    for _ in 0..5_000 {
        if let Err(e) = app.store.enqueue_mail(None, &big).await {
            assert!(
                matches!(&e, saman_store::StoreError::Database(db) if saman_store::is_storage_full(db)),
                "{e}"
            );
            refused = true;
            break;
        }
    }
    assert!(refused, "a write is refused once the disk is full");
    // A long text needs new pages in the database, and there are none.
    let long = "Ny tekst som ikke får plass. ".repeat(3000);
    let (status, page, _) = editor.post(&edit, &save(before.head + 1, &long)).await;
    assert_eq!(status, 507, "{page}");
    assert!(page.contains("Det er ikke plass til å lagre"), "{page}");
    assert!(page.contains("Feilkode"), "an id to give IT");
    assert!(!page.contains("disk is full"), "no internals on the page");
    let unchanged = state_of(&app, "helsestasjon").await;
    assert_eq!(unchanged.head, before.head + 1, "nothing half-written");

    // Room again: the same save goes through, without a restart.
    std::fs::remove_file(filler).unwrap();
    // Every connection in the pool writes again: the one whose transaction SQLite rolled
    // back itself was not put back believing it was still in one.
    let mail = saman_store::Mail {
        to: "it@testvik.example".into(),
        subject: "Disken".into(),
        text: "Plass igjen.".into(),
        html: "Plass igjen.".into(),
    };
    for _ in 0..16 {
        app.store.enqueue_mail(None, &mail).await.expect("a write");
    }
    let (status, page, _) = editor.post(&edit, &save(before.head + 1, &long)).await;
    assert_eq!(status, 303, "saved once there is room: {page}");
    assert_eq!(state_of(&app, "helsestasjon").await.head, before.head + 2);
    assert!(app.store.verify_audit(None).await.unwrap().is_none());
    assert!(app.store.integrity_check().await.unwrap());
}
