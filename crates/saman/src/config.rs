//! Settings: defaults, then an optional TOML file, then SAMAN_* environment variables,
//! then command-line flags.

use crate::cli::Cli;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Where to listen.
    pub addr: String,
    /// `sqlite:PATH` or `postgres://…`.
    pub database_url: String,
    /// Or a file holding it (a container secret), so that the database's password is
    /// in no environment variable; used unless `--database-url` is given.
    pub database_url_file: Option<String>,
    /// `text` or `json`.
    pub log_format: String,
    /// Load the demo models into an empty database.
    pub demo: bool,
    /// The address people reach Saman at, e.g. `https://saman.fjordvik.no`; with
    /// https, cookies are Secure and `__Host-` prefixed and HSTS is sent.
    pub public_url: Option<String>,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after login, however busy.
    pub session_absolute_hours: i64,
    /// Proxies whose X-Forwarded-For is believed (IP addresses).
    pub trusted_proxies: Vec<String>,
    /// Where mail is sent: `smtp://host:25`, `smtp://host:587?tls=required` or
    /// `smtps://user:password@host:465`. Without it, mail waits in the outbox.
    pub smtp_url: Option<String>,
    /// The sender of Saman's mail.
    pub mail_from: String,
    /// Serve `/metrics` on this address of its own (e.g. `127.0.0.1:9090`).
    pub metrics_addr: Option<String>,
    /// Or serve `/metrics` on the main address to requests with this bearer token.
    pub metrics_token: Option<String>,
    /// The memory the rendered-page cache may use, in MiB (0 keeps no pages).
    pub page_cache_mb: usize,
    /// ID-porten (for guardians and youth): the issuer, e.g. `https://idporten.no`, and
    /// the client registered for Saman. Without them (in the demo), the built-in test
    /// ID-porten is used.
    pub idporten_issuer: Option<String>,
    pub idporten_client_id: Option<String>,
    pub idporten_client_secret: Option<String>,
    /// The platform's secret key (32 bytes, base64): keys the audit chain and seals
    /// secrets at rest. Every instance needs the same one. Never put it in the database.
    pub secret_key: Option<String>,
    /// Or a file holding it; with SQLite, `saman.key` beside the database is made at the
    /// first start if there is none.
    pub secret_key_file: Option<String>,
    /// The keys `secret_key` replaced, newest first, comma-separated: what they sealed
    /// still opens until `saman keys rotate` has sealed it again, and keyed hashes stay
    /// under the oldest (so keep that one here).
    pub previous_secret_keys: Option<String>,
    /// Each tenant's own directory for staff (OpenID Connect, e.g. Entra ID), by tenant
    /// slug; set in the settings file as `[tenant_oidc.SLUG]`.
    #[serde(default)]
    pub tenant_oidc: std::collections::BTreeMap<String, TenantOidc>,
}

/// A tenant's own directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantOidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// What the login button calls it, e.g. "Fjordvik kommune (Entra ID)".
    pub label: String,
    /// Let the directory's own second factor (`amr` with `mfa`) stand in for Saman's
    /// two-step login; only for a directory that enforces one.
    #[serde(default)]
    pub trust_mfa: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: "127.0.0.1:8080".into(),
            database_url: "sqlite:data/saman.db".into(),
            database_url_file: None,
            log_format: "text".into(),
            demo: true,
            public_url: None,
            session_idle_minutes: 30,
            session_absolute_hours: 10,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            mail_from: "Saman <ikke-svar@saman.invalid>".into(),
            metrics_addr: None,
            metrics_token: None,
            page_cache_mb: 64,
            idporten_issuer: None,
            idporten_client_id: None,
            idporten_client_secret: None,
            tenant_oidc: Default::default(),
            secret_key: None,
            secret_key_file: None,
            previous_secret_keys: None,
        }
    }
}

impl Settings {
    pub fn load(cli: &Cli) -> Result<Settings, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &cli.config {
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Env::prefixed("SAMAN_").only(&[
            "addr",
            "database_url",
            "database_url_file",
            "log_format",
            "demo",
            "public_url",
            "session_idle_minutes",
            "session_absolute_hours",
            "trusted_proxies",
            "smtp_url",
            "mail_from",
            "metrics_addr",
            "metrics_token",
            "page_cache_mb",
            "idporten_issuer",
            "idporten_client_id",
            "idporten_client_secret",
            "secret_key",
            "secret_key_file",
            "previous_secret_keys",
        ]));
        if let Some(url) = &cli.database_url {
            figment = figment.merge(("database_url", url));
        }
        let mut settings: Settings = figment.extract().map_err(Box::new)?;
        if let (None, Some(file)) = (&cli.database_url, &settings.database_url_file) {
            // The file's text is never shown: it holds a password.
            let url = std::fs::read_to_string(file).map_err(|e| {
                Box::new(figment::Error::from(format!(
                    "database_url_file {file}: {}",
                    e.kind()
                )))
            })?;
            settings.database_url = url.trim().to_string();
        }
        if settings.session_idle_minutes < 1 || settings.session_absolute_hours < 1 {
            return Err(Box::new(figment::Error::from(
                "session_idle_minutes and session_absolute_hours must be at least 1".to_string(),
            )));
        }
        let idporten = [
            &settings.idporten_issuer,
            &settings.idporten_client_id,
            &settings.idporten_client_secret,
        ];
        if idporten.iter().any(|v| v.is_some()) && !idporten.iter().all(|v| v.is_some()) {
            return Err(Box::new(figment::Error::from(
                "idporten_issuer, idporten_client_id and idporten_client_secret must be set together".to_string(),
            )));
        }
        if settings.demo
            && settings
                .public_url
                .as_deref()
                .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
        {
            return Err(Box::new(figment::Error::from(
                "demo mode is for trying Saman on your own machine: its accounts have a published \
                 password and its test ID-porten lets anyone in. Start with --no-demo (SAMAN_DEMO=false) \
                 on a public https address"
                    .to_string(),
            )));
        }
        if let Some(bad) = settings
            .trusted_proxies
            .iter()
            .find(|p| p.parse::<std::net::IpAddr>().is_err())
        {
            return Err(Box::new(figment::Error::from(format!(
                "trusted_proxies: {bad:?} is not an IP address"
            ))));
        }
        if !matches!(settings.log_format.as_str(), "text" | "json") {
            return Err(Box::new(figment::Error::from(
                "log_format must be text or json".to_string(),
            )));
        }
        Ok(settings)
    }

    /// The platform's secret key: `secret_key`, or the file `secret_key_file`, or (with
    /// SQLite) `saman.key` beside the database, made with a new random key if missing.
    pub fn secrets(&self) -> anyhow::Result<saman_domain::auth::keys::Secrets> {
        let previous = self
            .previous_secret_keys
            .iter()
            .flat_map(|keys| keys.split(','))
            .filter(|k| !k.trim().is_empty())
            .map(|k| {
                saman_domain::auth::keys::Secrets::from_base64(k)
                    .map_err(|e| anyhow::anyhow!("previous_secret_keys: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(self.current_secret()?.with_previous(previous))
    }

    fn current_secret(&self) -> anyhow::Result<saman_domain::auth::keys::Secrets> {
        use saman_domain::auth::keys::Secrets;
        if let Some(key) = &self.secret_key {
            return Secrets::from_base64(key).map_err(|e| anyhow::anyhow!("secret_key: {e}"));
        }
        let file = match (
            &self.secret_key_file,
            self.database_url.strip_prefix("sqlite:"),
        ) {
            (Some(file), _) => std::path::PathBuf::from(file),
            (None, Some(db)) => {
                let db = db.trim_start_matches("//");
                let db = db.split('?').next().unwrap_or(db);
                std::path::Path::new(db)
                    .parent()
                    .unwrap_or(std::path::Path::new("."))
                    .join("saman.key")
            }
            (None, None) => anyhow::bail!(
                "set secret_key (or secret_key_file): the same key on every instance that shares the database"
            ),
        };
        if !file.exists() {
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)?;
            }
            write_private(&file, &Secrets::generate_base64())?;
            tracing::info!(file = %file.display(), "made a new secret key; back it up with the database");
        }
        let text = std::fs::read_to_string(&file)
            .map_err(|e| anyhow::anyhow!("secret key file {}: {e}", file.display()))?;
        Secrets::from_base64(&text)
            .map_err(|e| anyhow::anyhow!("secret key file {}: {e}", file.display()))
    }

    /// What the web layer needs of these settings.
    pub fn web(&self) -> saman_web::WebConfig {
        saman_web::WebConfig {
            warm_search: false,
            page_cache_bytes: Some(self.page_cache_mb.saturating_mul(1024 * 1024)),
            public_url: self.public_url.clone(),
            sessions: saman_store::SessionLimits {
                idle: time::Duration::minutes(self.session_idle_minutes),
                absolute: time::Duration::hours(self.session_absolute_hours),
            },
            trusted_proxies: self
                .trusted_proxies
                .iter()
                .filter_map(|p| p.parse().ok())
                .collect(),
            demo: self.demo,
            metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
            idporten: match (
                &self.idporten_issuer,
                &self.idporten_client_id,
                &self.idporten_client_secret,
            ) {
                (Some(issuer), Some(id), Some(secret)) => {
                    Some(saman_web::auth::oidc::ProviderConfig {
                        issuer: issuer.clone(),
                        client_id: id.clone(),
                        client_secret: secret.clone(),
                        required_acr: Some(saman_web::auth::oidc::IDPORTEN_HIGH.into()),
                    })
                }
                _ => None,
            },
            test_idporten: false,
            tenant_oidc: self
                .tenant_oidc
                .iter()
                .map(|(slug, t)| {
                    let provider = saman_web::auth::oidc::ProviderConfig {
                        issuer: t.issuer.clone(),
                        client_id: t.client_id.clone(),
                        client_secret: t.client_secret.clone(),
                        required_acr: None,
                    };
                    let directory = saman_web::TenantDirectory {
                        provider,
                        label: t.label.clone(),
                        trust_mfa: t.trust_mfa,
                    };
                    (slug.clone(), directory)
                })
                .collect(),
        }
    }

    /// The database URL without a password, for messages.
    pub fn redacted_database_url(&self) -> String {
        redact_password(&self.database_url)
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

/// Sets up the logs: to standard error, written by a thread of their own through a
/// buffer, so that a loaded server does not make a system call per request line. The
/// guard flushes what is left when dropped: keep it until the process ends.
pub fn init_logging(settings: &Settings) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SAMAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Lines wait for the writer rather than being dropped when it falls behind.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if settings.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
    guard
}

/// Writes a file only its owner may read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{Settings, redact_password};
    use clap::Parser;

    #[test]
    fn the_database_address_can_come_from_a_file_and_the_flag_wins() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("database_url");
        std::fs::write(&secret, "postgres://saman:hemmelig@db/saman\n").unwrap();
        let config = dir.path().join("saman.toml");
        std::fs::write(
            &config,
            format!("database_url_file = {:?}\n", secret.display().to_string()),
        )
        .unwrap();
        let config = config.display().to_string();

        let cli = crate::cli::Cli::parse_from(["saman", "--config", &config]);
        let settings = Settings::load(&cli).unwrap();
        assert_eq!(settings.database_url, "postgres://saman:hemmelig@db/saman");

        let cli = crate::cli::Cli::parse_from([
            "saman",
            "--config",
            &config,
            "--database-url",
            "sqlite:other.db",
        ]);
        assert_eq!(
            Settings::load(&cli).unwrap().database_url,
            "sqlite:other.db"
        );

        std::fs::remove_file(&secret).unwrap();
        let cli = crate::cli::Cli::parse_from(["saman", "--config", &config]);
        let error = Settings::load(&cli).unwrap_err().to_string();
        assert!(error.contains("database_url_file"), "{error}");
        assert!(!error.contains("hemmelig"));
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact_password("postgres://saman:hemmelig@db/saman"),
            "postgres://saman:***@db/saman"
        );
        assert_eq!(
            redact_password("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact_password("sqlite:data/saman.db"),
            "sqlite:data/saman.db"
        );
    }
}
