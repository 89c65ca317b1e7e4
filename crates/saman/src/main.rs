//! The `saman` binary: serves the platform and carries the admin commands.

mod cli;
mod config;
mod demo;
mod folder;
mod serve;

use clap::Parser;
use std::process::ExitCode;

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
    config::init_logging(&settings);
    match cli::run(cli, settings).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("saman: {e:#}");
            ExitCode::FAILURE
        }
    }
}
