//! The `saman` binary: serves the platform and carries the admin commands.

use clap::Parser;
use saman::{cli, config};
use std::process::ExitCode;

// glibc's allocator showed as a sixth of a loaded server's time (many threads, many
// small allocations); mimalloc is built for that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let settings = match config::Settings::load(&cli) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("saman: ugyldig oppsett: {e}");
            return ExitCode::from(2);
        }
    };
    let _logs = config::init_logging(&settings);
    match cli::run(cli, settings).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("saman: {e:#}");
            ExitCode::FAILURE
        }
    }
}
