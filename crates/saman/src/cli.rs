//! The command line: what `saman --help` documents.

use crate::config::Settings;
use crate::{folder, people, serve};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use saman_store::{ImportOutcome, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "saman",
    version,
    about = "Saman: a municipality's collaboration model for children and youth, on the web",
    after_help = "Settings are read from defaults, then the file given by --config, then the \
environment (SAMAN_ADDR, SAMAN_DATABASE_URL, SAMAN_LOG_FORMAT, SAMAN_DEMO), then flags.\n\
Without a command, saman serves the platform."
)]
pub struct Cli {
    /// A TOML file with settings (addr, database_url, log_format, demo).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The database: sqlite:PATH (default sqlite:data/saman.db) or postgres://…
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the platform; loads the demo models into an empty database first.
    Serve {
        /// Address and port to listen on (default 127.0.0.1:8080).
        #[arg(long, value_name = "HOST:PORT")]
        addr: Option<String>,
        /// Do not load the demo models into an empty database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Create or update a tenant from a model folder. Nothing changes if any file has a problem.
    Import {
        /// The folder, as written by `saman export` (see docs/model-files.md).
        dir: PathBuf,
        /// Only check the folder and report problems; change nothing.
        #[arg(long)]
        check: bool,
    },
    /// Write a tenant's whole model to a folder of Markdown files.
    Export {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The folder to write; it must be empty or not exist, unless --replace.
        dir: PathBuf,
        /// Empty the folder first if it has files.
        #[arg(long)]
        replace: bool,
    },
    /// List the tenants in the database.
    Tenants,
    /// Copy the SQLite database to a new file while Saman runs (for PostgreSQL, use pg_dump).
    Backup {
        /// The file to write; it must not exist.
        file: PathBuf,
    },
    /// Put a backup made by `saman backup` in place of the SQLite database, once it is
    /// checked; the database it replaces is kept beside it. Stop Saman first.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// Check the database: its own integrity check and every audit chain.
    Check,
    /// Ask the server on this machine whether it is ready (GET /readyz on the `addr`
    /// setting); exits with 0 if it is. For container health checks.
    Ready,
    /// People: add, list, deactivate, reset two-step login.
    User {
        #[command(subcommand)]
        command: people::UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: people::AuditCommand,
    },
    /// Build the search index again: every running server builds each tenant's index
    /// anew from the database at its next search. Prints what each index holds.
    Reindex {
        /// Only this tenant (its slug).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Delete the closed relay logs whose retention period has ended (the server also
    /// does this once a day). Each deletion is audited, without the log's data.
    Purge,
    /// Write clearly fictional relay log history into a demo tenant, so the figures of
    /// evaluation show something. Refuses any tenant that is not one of the demo's.
    DemoHistory {
        /// The demo tenant's slug.
        #[arg(long, default_value = "fjordvik")]
        tenant: String,
        /// How many logs.
        #[arg(long, default_value_t = 400)]
        logs: usize,
        /// Over how many years back.
        #[arg(long, default_value_t = 3)]
        years: i64,
        /// The random generator's seed, to repeat a run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The platform's secret key: make a new one, or seal everything again under it.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Print a new random key (base64), for `secret_key`.
    Generate,
    /// Seal again, under `secret_key`, everything sealed with a key in
    /// `previous_secret_keys` (two-step secrets, every relay log's data).
    Rotate,
}

pub async fn run(cli: Cli, mut settings: Settings) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve {
        addr: None,
        no_demo: false,
    }) {
        Command::Serve { addr, no_demo } => {
            if let Some(addr) = addr {
                settings.addr = addr;
            }
            if no_demo {
                settings.demo = false;
            }
            serve::serve(settings).await?;
        }
        Command::Import { dir, check } => {
            let files = folder::read(&dir)?;
            let bundle = match saman_domain::files::read_bundle(&files) {
                Ok(bundle) => bundle,
                Err(problems) => {
                    for problem in &problems {
                        eprintln!("{}: {problem}", dir.display());
                    }
                    eprintln!("{} problem(er); ingenting er endret.", problems.len());
                    return Ok(ExitCode::from(1));
                }
            };
            if check {
                println!(
                    "{}: ingen problemer ({} innhold).",
                    dir.display(),
                    bundle.items.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let store = connect(&settings).await?;
            let outcome = store
                .import_bundle(&bundle, &saman_store::AuditContext::command_line(None))
                .await?;
            let what = match outcome {
                ImportOutcome::Created => "opprettet",
                ImportOutcome::Updated => "oppdatert",
                ImportOutcome::Unchanged => "uendret",
            };
            println!(
                "{}: {what} ({} innhold, {} i tidslinjen).",
                bundle.tenant.slug,
                bundle.items.len(),
                bundle.timeline.len()
            );
        }
        Command::Export {
            tenant,
            dir,
            replace,
        } => {
            let store = connect(&settings).await?;
            let Some(record) = store.tenant_by_slug(&tenant).await? else {
                bail!("fant ingen tenant med slug «{tenant}»");
            };
            let bundle = store.export_bundle(&record).await?;
            let files = saman_domain::files::write_bundle(&bundle);
            folder::write(&dir, &files, replace)?;
            println!(
                "{tenant}: skrev {} filer til {}.",
                files.len(),
                dir.display()
            );
        }
        Command::Reindex { tenant } => {
            let store = connect(&settings).await?;
            let slugs: Vec<String> = match tenant {
                Some(slug) => vec![slug],
                None => store
                    .list_tenants()
                    .await?
                    .into_iter()
                    .map(|t| t.slug)
                    .collect(),
            };
            for slug in slugs {
                if !store.refresh_published(&slug).await? {
                    bail!("fant ingen kommune med slug «{slug}»");
                }
                let Some(published) = store.published(&slug).await? else {
                    bail!("fant ingen kommune med slug «{slug}»");
                };
                let started = std::time::Instant::now();
                let index = saman_web::build_search_index(&published);
                println!(
                    "{slug}: {} dokumenter, {} ord, om lag {} kB, bygd på {} ms",
                    index.len(),
                    index.vocabulary_size(),
                    index.approximate_bytes() / 1024,
                    started.elapsed().as_millis()
                );
            }
        }
        Command::Tenants => {
            let store = connect(&settings).await?;
            for t in store.list_tenants().await? {
                println!(
                    "{}\t{}\t{}",
                    t.slug,
                    t.municipality_numbers.join(","),
                    t.name(t.default_lang)
                );
            }
        }
        Command::Backup { file } => {
            if file.exists() {
                bail!("{} finnes allerede", file.display());
            }
            let store = connect(&settings).await?;
            store.backup_sqlite(&file).await?;
            println!("Sikkerhetskopi skrevet til {}.", file.display());
        }
        Command::User { command } => {
            let store = connect(&settings).await?;
            return people::user(&store, command).await;
        }
        Command::Audit { command } => {
            let store = connect(&settings).await?;
            return people::audit(&store, command).await;
        }
        Command::Keys {
            command: KeysCommand::Generate,
        } => {
            println!("{}", saman_domain::auth::keys::Secrets::generate_base64());
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            if settings
                .previous_secret_keys
                .as_deref()
                .is_none_or(|k| k.trim().is_empty())
            {
                bail!(
                    "sett previous_secret_keys til nøkkelen (eller nøklene) som secret_key erstatter, \
                     og secret_key til den nye"
                );
            }
            let store = connect(&settings).await?;
            let accounts = store.reseal_account_secrets().await?;
            let surveys = store.reseal_survey_texts().await?;
            let relay = saman_relay::Relay::new(store).reseal_all().await?;
            println!(
                "Forseglet på nytt med gjeldende nøkkel: {accounts} verdi(er) i kontoer, \
                 {relay} verdi(er) i stafettlogger, {surveys} fritekstsvar i undersøkelser."
            );
        }
        Command::DemoHistory {
            tenant,
            logs,
            years,
            seed,
        } => {
            let store = connect(&settings).await?;
            if !(1..=20_000).contains(&logs) || !(1..=10).contains(&years) {
                bail!("--logs må være 1–20000 og --years 1–10");
            }
            let made = crate::demo::history(&store, &tenant, logs, years, seed).await?;
            println!(
                "{tenant}: {} fiktive logger med {} oppføringer over {years} år; {} eldre enn oppbevaringstiden er slettet, og bare tallene om dem er beholdt.",
                made.logs, made.entries, made.purged
            );
        }
        Command::Restore { file } => {
            return crate::backup::restore(&settings, &file).await;
        }
        Command::Ready => {
            // A server listening on every address answers on the loopback one.
            let addr = settings
                .addr
                .replace("0.0.0.0", "127.0.0.1")
                .replace("[::]", "[::1]");
            let ready = crate::backup::answers(&addr).await;
            return Ok(if ready {
                ExitCode::SUCCESS
            } else {
                eprintln!("Saman på {addr} er ikke klar.");
                ExitCode::from(1)
            });
        }
        Command::Check => {
            let store = connect(&settings).await?;
            return crate::backup::check(&store).await;
        }
        Command::Purge => {
            let store = connect(&settings).await?;
            let purged = saman_relay::Relay::new(store.clone()).purge_due().await?;
            println!("Slettet {purged} stafettlogg(er) med utløpt oppbevaringstid.");
            if purged > 0 && !journal_emptied(&store).await? {
                eprintln!(
                    "Databasens loggfil (SQLite) har fortsatt gamle kopier av det som ble \
                     slettet: lesere hindret tømmingen i over et halvt minutt. Serveren \
                     tømmer den ved neste daglige kjøring, eller kjør `saman purge` på nytt."
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How many times `saman purge` tries to empty SQLite's log file (each waits up to a
/// second for readers, then a second more).
const PURGE_EMPTYING_TRIES: u32 = 30;

/// Whether SQLite's log file is emptied of what a purge deleted: `purge_due` tried once;
/// a server's readers beside this command may keep it from that for a while.
async fn journal_emptied(store: &Store) -> anyhow::Result<bool> {
    for _ in 0..PURGE_EMPTYING_TRIES {
        if store.empty_journal().await? {
            return Ok(true);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    Ok(false)
}

pub async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    let secrets = settings.secrets()?;
    Store::connect(&settings.database_url, secrets)
        .await
        .with_context(|| {
            format!(
                "kunne ikke åpne databasen {}",
                settings.redacted_database_url()
            )
        })
}
