//! The crash test's long run: kills a loaded server with SIGKILL, again and again, and
//! checks that no acknowledged write is lost (see `saman::crash`).
//!
//!   saman-crash-test [CYCLES]            a fresh SQLite database (default 200 cycles)
//!   SAMAN_DATABASE_URL=postgres://… saman-crash-test 200   (an empty database)
//!
//! Needs the `saman` binary beside it (cargo build --release --bins).

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    let cycles: usize = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("usage: saman-crash-test [CYCLES]"))?,
        None => 200,
    };
    let dir = tempfile::tempdir()?;
    let setup = saman::crash::Setup {
        binary: std::env::current_exe()?.with_file_name("saman"),
        database_url: saman::crash::database_url(
            dir.path(),
            std::env::var("SAMAN_DATABASE_URL").ok(),
        ),
        secret_key: saman_domain::auth::keys::Secrets::generate_base64(),
        log_dir: dir.path().to_path_buf(),
    };
    let started = std::time::Instant::now();
    let report = match saman::crash::run(&setup, cycles, 20261206).await {
        Ok(report) => report,
        Err(e) => {
            // What the last server said, for the reason.
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!(
                "the last server's log:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
            return Err(e);
        }
    };
    println!(
        "crash test on {}: {report} ({:.0} s)",
        saman::crash::backend_name(&setup.database_url),
        started.elapsed().as_secs_f64()
    );
    Ok(if report.lost == 0 && report.intact {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}
