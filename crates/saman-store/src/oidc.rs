//! OpenID Connect logins in progress, and family accounts known by their national
//! identity number. A flow is taken exactly once: a replayed answer finds nothing.

use crate::audit::begin;
use crate::clock;
use crate::people::Account;
use crate::{Result, Store};
use saman_domain::Lang;
use sqlx::Row;
use time::Duration;

/// What Saman remembers between sending a person to the provider and their return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcFlow {
    pub provider: String,
    pub tenant_id: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub lang: Lang,
    /// The hash of the value of a cookie set in the browser that started the flow.
    pub browser_hash: String,
}

/// How long a person may take at the provider.
const FLOW_LIFETIME: Duration = Duration::minutes(10);

/// The purpose family account names are sealed for.
pub(crate) const NAME_PURPOSE: &str = "account-name";

impl Store {
    pub async fn start_oidc_flow(&self, state: &str, flow: &OidcFlow) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_flows (state, provider, tenant_id, nonce, pkce_verifier, lang, created_at, browser_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(state)
        .bind(&flow.provider)
        .bind(&flow.tenant_id)
        .bind(&flow.nonce)
        .bind(&flow.pkce_verifier)
        .bind(flow.lang.code())
        .bind(clock::to_text(clock::now()))
        .bind(&flow.browser_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the flow a `state` names, if it is live; it cannot be taken again.
    pub async fn take_oidc_flow(&self, state: &str) -> Result<Option<OidcFlow>> {
        let mut tx = begin(self).await?;
        let row = sqlx::query(
            "DELETE FROM oidc_flows WHERE state = $1 RETURNING provider, tenant_id, nonce, pkce_verifier, lang, created_at, browser_hash",
        )
        .bind(state)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oidc_flows WHERE created_at < $1")
            .bind(clock::to_text(clock::now() - FLOW_LIFETIME))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let created: String = row.try_get("created_at")?;
        if clock::from_text(&created).is_none_or(|t| clock::now() - t > FLOW_LIFETIME) {
            return Ok(None);
        }
        Ok(Some(OidcFlow {
            provider: row.try_get("provider")?,
            tenant_id: row.try_get("tenant_id")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            lang: crate::model::parse_lang(&row.try_get::<String, _>("lang")?)?,
            browser_hash: row.try_get("browser_hash")?,
        }))
    }

    /// A family account's name as stored: sealed, bound to the account, since a youth's
    /// own account bears the child's name. Staff names are stored as they are.
    pub fn seal_name(&self, account_id: &str, name: &str) -> String {
        self.secrets
            .seal_at(NAME_PURPOSE, account_id, name.as_bytes())
    }

    /// An account's name as shown, from its stored form (sealed for families).
    pub fn open_name(&self, account_id: &str, stored: &str) -> String {
        if !stored.starts_with("x1.") {
            return stored.to_string();
        }
        self.secrets
            .open_at(NAME_PURPOSE, account_id, stored)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default()
    }

    /// The keyed hash an identity number is stored and looked up as: the database never
    /// holds the number itself, and without the platform key nobody can test a guess.
    pub fn pid_key(&self, pid: &str) -> String {
        self.secrets.mac_hex("pid", pid.as_bytes())
    }

    /// The keyed hash of a family account's identity number, if it has one.
    pub async fn account_pid_key(&self, account_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT pid FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    pub async fn account_by_pid(&self, pid: &str) -> Result<Option<Account>> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE pid = $1")
            .bind(self.pid_key(pid))
            .fetch_optional(&self.pool)
            .await?;
        match id {
            Some(id) => self.account(&id).await,
            None => Ok(None),
        }
    }

    /// Links an identity number to an account (a family account made from the command
    /// line or the demo), or makes an account for it on the first login.
    pub async fn set_pid(&self, account_id: &str, pid: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET pid = $1, updated_at = $2 WHERE id = $3")
            .bind(self.pid_key(pid))
            .bind(clock::to_text(clock::now()))
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_pid_account(&self, pid: &str, name: &str, lang: Lang) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = clock::to_text(clock::now());
        sqlx::query(
            "INSERT INTO accounts (id, email, name, pid, language, active, created_at, updated_at) \
             VALUES ($1, NULL, $2, $3, $4, 1, $5, $5)",
        )
        .bind(&id)
        .bind(self.seal_name(&id, name))
        .bind(self.pid_key(pid))
        .bind(lang.code())
        .bind(&now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }
}

impl Store {
    /// The account linked to a provider's subject.
    pub async fn account_by_subject(&self, issuer: &str, subject: &str) -> Result<Option<Account>> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT account_id FROM account_subjects WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => self.account(&id).await,
            None => Ok(None),
        }
    }

    pub async fn link_subject(&self, issuer: &str, subject: &str, account_id: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO account_subjects (issuer, subject, account_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(issuer)
        .bind(subject)
        .bind(account_id)
        .bind(clock::to_text(clock::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
