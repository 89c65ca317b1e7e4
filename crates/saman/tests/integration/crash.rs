//! The crash test, a few cycles: the server is killed with SIGKILL under concurrent
//! writes, and every write it acknowledged is there afterwards, with the audit chains
//! whole and the database sound. `saman-crash-test` runs it at length.

use crate::common::{Backend, TestDb, test_secret_key};

crate::on_both_backends!(no_acknowledged_write_is_lost_when_the_server_is_killed);

async fn no_acknowledged_write_is_lost_when_the_server_is_killed(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let setup = saman::crash::Setup {
        binary: env!("CARGO_BIN_EXE_saman").into(),
        database_url: db.url.clone(),
        secret_key: test_secret_key(),
        log_dir: dir.path().to_path_buf(),
    };
    let report = saman::crash::run(&setup, 3, 7).await.unwrap();
    assert_eq!(report.cycles, 3);
    assert!(report.acknowledged > 0, "{report}");
    assert_eq!(report.lost, 0, "{report}");
    assert!(report.intact, "{report}");
}
