//! Integration tests: the real server on a free port, against a fresh database.
//!
//! Every test runs on SQLite, and on PostgreSQL when `SAMAN_TEST_POSTGRES_URL` names a
//! server where the tests may create databases. With `SAMAN_TEST_REQUIRE_POSTGRES=1`
//! (as in CI) a PostgreSQL test fails instead of being skipped when that is missing.

mod backup;
mod common;
mod crash;
mod disk_full;
mod editor;
mod evaluation;
mod form_wording;
mod forms;
mod guide;
mod guide_editor;
mod hostile;
mod idporten;
mod instances;
mod mail;
mod model_files;
mod operations;
mod page_cache;
mod people;
mod relay;
mod search;
mod settings_editor;
mod sharing;
mod site;
mod smtp;
mod surveys;
mod timeline_editor;

/// Declares each listed `async fn(Backend)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::common::postgres_available() {
                        super::$name($crate::common::Backend::Postgres).await
                    }
                }
            )+
        }
    };
}
