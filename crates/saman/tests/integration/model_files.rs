//! The model as files: import, export, round trips and validation, through the store
//! and through the real `saman import` and `saman export` commands.

use crate::common::{
    Backend, TestApp, TestDb, copy_dir, examples, fixture, import_folder, run_saman,
};
use saman_store::ImportOutcome;
use std::path::Path;

crate::on_both_backends!(
    import_is_idempotent,
    a_failed_import_changes_nothing,
    export_import_export_is_identical_through_the_commands,
    demo_models_export_exactly_as_shipped,
    a_changed_file_updates_the_site,
    an_import_through_another_instance_shows_within_a_second,
);

fn assert_same_folders(a: &Path, b: &Path) {
    let a_files = saman::folder::read(a).unwrap();
    let mut b_files = saman::folder::read(b).unwrap();
    let mut a_files = a_files;
    a_files.sort_by(|x, y| x.path.cmp(&y.path));
    b_files.sort_by(|x, y| x.path.cmp(&y.path));
    let a_paths: Vec<_> = a_files.iter().map(|f| &f.path).collect();
    let b_paths: Vec<_> = b_files.iter().map(|f| &f.path).collect();
    assert_eq!(a_paths, b_paths);
    for (x, y) in a_files.iter().zip(&b_files) {
        assert!(x.bytes == y.bytes, "{} differs", x.path);
    }
}

async fn import_is_idempotent(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    assert_eq!(
        import_folder(&app.store, &fixture("testvik")).await,
        ImportOutcome::Unchanged
    );
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let before = app.store.export_bundle(&record).await.unwrap();
    assert_eq!(
        import_folder(&app.store, &fixture("testvik")).await,
        ImportOutcome::Unchanged
    );
    assert_eq!(app.store.export_bundle(&record).await.unwrap(), before);
}

async fn a_failed_import_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    let plan = dir.path().join("innhold/plan/oppvekstplan.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace("title = \"Oppvekstplan\"", "title = \"Ny tittel\""),
    )
    .unwrap();
    let routine = dir.path().join("innhold/rutine/samtalerutine.md");
    let text = std::fs::read_to_string(&routine).unwrap();
    std::fs::write(
        &routine,
        text.replace("to = \"skjema\"", "to = \"finnes-ikke\"")
            .replace("2027-06-01", "2027-13-01"),
    )
    .unwrap();

    let output = run_saman(&app.db, &["import", dir.path().to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("innhold/rutine/samtalerutine.md:6: review_date «2027-13-01»"),
        "{stderr}"
    );
    assert!(
        stderr.contains("innhold/rutine/samtalerutine.md:15: relations: «finnes-ikke» finnes ikke"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 problem(er); ingenting er endret."),
        "{stderr}"
    );
    let html = app.page("/nb/testvik/innhold/oppvekstplan").await;
    assert!(html.contains("Oppvekstplan") && !html.contains("Ny tittel"));

    let output = run_saman(
        &app.db,
        &["import", "--check", fixture("testvik").to_str().unwrap()],
        None,
    );
    assert!(output.status.success());
}

async fn export_import_export_is_identical_through_the_commands(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let out = tempfile::tempdir().unwrap();
    for tenant in ["testvik", "fjordvik", "lauvdal-strandheim"] {
        let first = out.path().join(format!("{tenant}-1"));
        let second = out.path().join(format!("{tenant}-2"));
        let exported = run_saman(
            &app.db,
            &["export", "--tenant", tenant, first.to_str().unwrap()],
            None,
        );
        assert!(exported.status.success(), "{exported:?}");
        // Into a fresh database, then out again.
        let fresh = TestDb::new(backend).await;
        let imported = run_saman(&fresh, &["import", first.to_str().unwrap()], None);
        assert!(imported.status.success(), "{imported:?}");
        assert!(String::from_utf8_lossy(&imported.stdout).contains("opprettet"));
        let again = run_saman(&fresh, &["import", first.to_str().unwrap()], None);
        assert!(
            String::from_utf8_lossy(&again.stdout).contains("uendret"),
            "{again:?}"
        );
        let exported = run_saman(
            &fresh,
            &["export", "--tenant", tenant, second.to_str().unwrap()],
            None,
        );
        assert!(exported.status.success(), "{exported:?}");
        assert_same_folders(&first, &second);
    }
    let refused = run_saman(
        &app.db,
        &[
            "export",
            "--tenant",
            "testvik",
            out.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(
        !refused.status.success(),
        "a folder with files is not overwritten without --replace"
    );
    let unknown = run_saman(
        &app.db,
        &[
            "export",
            "--tenant",
            "finnes-ikke",
            out.path().join("x").to_str().unwrap(),
        ],
        None,
    );
    assert!(!unknown.status.success());
}

async fn demo_models_export_exactly_as_shipped(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let out = tempfile::tempdir().unwrap();
    for tenant in ["fjordvik", "lauvdal-strandheim"] {
        let dir = out.path().join(tenant);
        assert!(
            run_saman(
                &app.db,
                &["export", "--tenant", tenant, dir.to_str().unwrap()],
                None,
            )
            .status
            .success()
        );
        assert_same_folders(&examples().join(tenant), &dir);
    }
}

#[tokio::test]
async fn sqlite_backup_is_a_working_database() {
    let app = TestApp::spawn(Backend::Sqlite, false).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kopi.db");
    let output = run_saman(&app.db, &["backup", file.to_str().unwrap()], None);
    assert!(output.status.success(), "{output:?}");
    let copy = saman_store::Store::connect(
        &format!("sqlite:{}", file.display()),
        crate::common::test_secrets(),
    )
    .await
    .unwrap();
    assert!(copy.tenant_by_slug("testvik").await.unwrap().is_some());
    let again = run_saman(&app.db, &["backup", file.to_str().unwrap()], None);
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
}

async fn a_changed_file_updates_the_site(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    let routine = dir.path().join("innhold/rutine/samtalerutine.md");
    let text = std::fs::read_to_string(&routine).unwrap();
    std::fs::write(&routine, text.replace("2027-06-01", "2028-01-15")).unwrap();
    std::fs::remove_file(dir.path().join("innhold/tjeneste/aapen-barnehage.md")).unwrap();
    assert_eq!(
        import_folder(&app.store, dir.path()).await,
        ImportOutcome::Updated
    );
    let html = app.page("/nb/testvik/innhold/samtalerutine").await;
    assert!(html.contains("15. januar 2028"));
    let (status, _) = app.get("/nb/testvik/innhold/aapen-barnehage").await;
    assert_eq!(
        status, 404,
        "an item removed from the files is removed from the site"
    );
}

async fn an_import_through_another_instance_shows_within_a_second(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    assert!(
        app.page("/nb/testvik/innhold/oppvekstplan")
            .await
            .contains("Oppvekstplan")
    );
    // A second instance on the same database, as behind a load balancer.
    let other = saman_store::Store::connect(&app.db.url, crate::common::test_secrets())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("testvik"), dir.path());
    let plan = dir.path().join("innhold/plan/oppvekstplan.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace("title = \"Oppvekstplan\"", "title = \"Oppvekstplan 2027\""),
    )
    .unwrap();
    assert_eq!(
        import_folder(&other, dir.path()).await,
        ImportOutcome::Updated
    );
    let shown = crate::common::within(std::time::Duration::from_secs(1), || async {
        app.page("/nb/testvik/innhold/oppvekstplan")
            .await
            .contains("Oppvekstplan 2027")
    })
    .await;
    assert!(shown.is_some(), "shown here within a second");
}
