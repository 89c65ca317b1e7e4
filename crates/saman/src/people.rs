//! `saman user …` and `saman audit …`: provisioning people from the command line (the
//! first administrator, and scripts), and checking the audit log's chains.

use anyhow::{Context, bail};
use clap::Subcommand;
use saman_domain::Kind;
use saman_domain::access::Role;
use saman_domain::auth::password;
use saman_store::{AuditContext, NewUser, Store, Visibility};
use std::io::Read;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a person with a role in a tenant (the account is made if the e-mail is new).
    Add {
        /// The tenant's slug; not used for --role platform-admin.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// platform-admin, tenant-admin, editor, service-leader, employee, guardian or youth.
        #[arg(long)]
        role: String,
        /// A service (slug of a tjeneste item) the person belongs to; may be repeated.
        #[arg(long = "service", value_name = "SLUG")]
        services: Vec<String>,
        /// Read a password from standard input (one line); otherwise the person sets one
        /// from an invitation or a password reset.
        #[arg(long)]
        password_stdin: bool,
        /// For guardians and youth: the national identity number they log in with at
        /// ID-porten (checked, check digits included). It is never printed.
        #[arg(long)]
        pid: Option<String>,
    },
    /// List people and their roles.
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Deactivate an account; every session of it ends at once.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Remove an account's two-step login (a lost phone); it is set up again at the next login.
    ResetTwoStep {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chains; names the first row that does not fit.
    Verify {
        /// Only this tenant's chain.
        #[arg(long)]
        tenant: Option<String>,
    },
}

pub async fn user(store: &Store, command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add {
            tenant,
            email,
            name,
            role,
            services,
            password_stdin,
            pid,
        } => {
            let Some(role) = Role::from_key(&role) else {
                bail!("ukjent rolle «{role}»; gyldige roller er {}", Role::keys());
            };
            if saman_domain::rules::check_email(&email).is_some() {
                bail!("«{email}» er ikke en e-postadresse");
            }
            if name.trim().is_empty() {
                bail!("--name kan ikke være tom");
            }
            let record = match (role.is_platform(), tenant) {
                (true, None) => None,
                (true, Some(_)) => bail!("platform-admin gjelder hele plattformen: dropp --tenant"),
                (false, None) => bail!("--tenant må oppgis for rollen {role}"),
                (false, Some(slug)) => Some(
                    store
                        .tenant_by_slug(&slug)
                        .await?
                        .with_context(|| format!("fant ingen tenant med slug «{slug}»"))?,
                ),
            };
            if !services.is_empty() {
                let Some(record) = &record else {
                    bail!("--service gjelder bare roller i en tenant");
                };
                let model = store.model(&record.id, Visibility::All, false).await?;
                for slug in &services {
                    if !model
                        .items
                        .iter()
                        .any(|i| &i.slug == slug && i.kind == Kind::Service)
                    {
                        bail!("«{slug}» er ikke en tjeneste i {}", record.tenant.slug);
                    }
                }
            }
            let password_hash = if password_stdin {
                let mut input = String::new();
                std::io::stdin().read_to_string(&mut input)?;
                let password = input.lines().next().unwrap_or_default();
                if let Err(problem) = password::check(password, &email, &name) {
                    bail!("passordet kan ikke brukes: {}", password_problem(problem));
                }
                Some(password::hash(password))
            } else {
                None
            };
            let pid = match pid {
                Some(_) if !role.is_family() => bail!("--pid gjelder bare foresatte og ungdom"),
                Some(typed) => Some(saman_relay::pid::Pid::parse(&typed).map_err(|_| {
                    anyhow::anyhow!("--pid er ikke et gyldig fødselsnummer eller D-nummer")
                })?),
                None => None,
            };
            if let Some(pid) = &pid
                && let Some(holder) = store.account_by_pid(pid.as_str()).await?
                && holder.email.as_deref() != Some(saman_store::normalize_email(&email).as_str())
            {
                bail!("fødselsnummeret hører allerede til en annen konto");
            }
            let ctx = AuditContext::command_line(record.as_ref().map(|r| r.id.clone()));
            let account_id = store
                .add_user(
                    &NewUser {
                        email: &email,
                        name: &name,
                        language: record
                            .as_ref()
                            .map_or(saman_domain::Lang::Nb, |r| r.tenant.default_lang),
                        password_hash,
                        role,
                        tenant: record.as_ref().map(|r| &r.id),
                        services: &services,
                    },
                    &ctx,
                )
                .await?;
            if let Some(pid) = &pid {
                store.set_pid(&account_id, pid.as_str()).await?;
            }
            println!("{email}: {role} lagt til.");
        }
        UserCommand::List { tenant } => {
            let record = match &tenant {
                Some(slug) => Some(
                    store
                        .tenant_by_slug(slug)
                        .await?
                        .with_context(|| format!("fant ingen tenant med slug «{slug}»"))?,
                ),
                None => None,
            };
            for user in store.list_users(record.as_ref().map(|r| &r.id)).await? {
                let roles: Vec<&str> = user.roles.iter().map(|r| r.key()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    user.account.email.as_deref().unwrap_or("-"),
                    user.account.name,
                    user.tenant_slug.as_deref().unwrap_or("(plattform)"),
                    roles.join(","),
                    if user.services.is_empty() {
                        "-".into()
                    } else {
                        user.services.join(",")
                    },
                    match (user.account.active, user.account.has_two_step()) {
                        (false, _) => "deaktivert",
                        (true, true) => "aktiv, totrinn",
                        (true, false) => "aktiv",
                    }
                );
            }
        }
        UserCommand::Deactivate { email } => {
            let account = find(store, &email).await?;
            store
                .deactivate_account(&account.id, &AuditContext::command_line(None))
                .await?;
            println!("{email}: deaktivert, og alle økter er avsluttet.");
        }
        UserCommand::ResetTwoStep { email } => {
            let account = find(store, &email).await?;
            store
                .reset_two_step(&account.id, &AuditContext::command_line(None))
                .await?;
            println!(
                "{email}: totrinnsinnlogging er fjernet og settes opp igjen ved neste innlogging."
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn find(store: &Store, email: &str) -> anyhow::Result<saman_store::Account> {
    store
        .account_by_email(email)
        .await?
        .with_context(|| format!("fant ingen konto med e-post «{email}»"))
}

pub fn password_problem(problem: password::PasswordProblem) -> String {
    match problem {
        password::PasswordProblem::TooShort => {
            format!("det må ha minst {} tegn", password::MIN_LENGTH)
        }
        password::PasswordProblem::TooLong => {
            format!("det kan ha høyst {} tegn", password::MAX_LENGTH)
        }
        password::PasswordProblem::Common => "det er for vanlig og lett å gjette".into(),
        password::PasswordProblem::Personal => "det inneholder e-postadressen eller navnet".into(),
    }
}

pub async fn audit(store: &Store, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { tenant } => {
            let record = match &tenant {
                Some(slug) => Some(
                    store
                        .tenant_by_slug(slug)
                        .await?
                        .with_context(|| format!("fant ingen tenant med slug «{slug}»"))?,
                ),
                None => None,
            };
            let whole = crate::backup::report_audit(
                store.verify_audit(record.as_ref().map(|r| &r.id)).await?,
            );
            Ok(if whole {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
