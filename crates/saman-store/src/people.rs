//! Accounts, their roles per tenant and the services they belong to. Every change is
//! audited in its own transaction.

use crate::audit::{AuditContext, append, begin};
use crate::clock;
use crate::outbox::Mail;
use crate::tenants::TenantId;
use crate::{Columns, Result, Store, StoreError};
use saman_domain::Lang;
use saman_domain::access::{Grant, Role};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::auth::keys::Secrets;
use sqlx::Row;

/// A person who can log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub email: Option<String>,
    pub name: String,
    pub password_hash: Option<String>,
    pub language: Lang,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub active: bool,
}

impl Account {
    pub fn has_two_step(&self) -> bool {
        self.totp_secret.is_some()
    }
}

/// A line of a tenant's list of people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub account: Account,
    /// `None` for the platform.
    pub tenant_slug: Option<String>,
    pub roles: Vec<Role>,
    pub services: Vec<String>,
}

/// A person to add: an account (made if the e-mail is new) and a role in a tenant.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub language: Lang,
    pub password_hash: Option<String>,
    pub role: Role,
    /// `None` for the platform administrator's role.
    pub tenant: Option<&'a TenantId>,
    pub services: &'a [String],
}

const ACCOUNT_COLUMNS: &str =
    "id, email, name, password_hash, language, totp_secret, totp_last_step, active";

/// The same columns, of an account joined as `a`.
pub(crate) const ACCOUNT_COLUMNS_OF_A: &str = "a.id, a.email, a.name, a.password_hash, a.language, \
     a.totp_secret, a.totp_last_step, a.active";

/// A grant from its stored tenant id ("" for the platform) and role key.
pub(crate) fn grant_of(tenant: String, role: &str) -> Result<Grant> {
    Ok(Grant {
        tenant_id: (!tenant.is_empty()).then_some(tenant),
        role: Role::from_key(role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
    })
}

/// An account from its row; the two-step secret is stored sealed, and opened here.
pub(crate) fn account_of(secrets: &Secrets, row: &impl Columns) -> Result<Account> {
    let sealed: Option<String> = row.value("totp_secret")?;
    let totp_secret = sealed
        .map(|s| {
            secrets
                .open(TOTP_PURPOSE, &s)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| StoreError::Corrupt("a two-step secret does not open".into()))
        })
        .transpose()?;
    let id: String = row.value("id")?;
    let stored: String = row.value("name")?;
    let name = if stored.starts_with("x1.") {
        secrets
            .open_at(crate::oidc::NAME_PURPOSE, &id, &stored)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| StoreError::Corrupt("an account's name does not open".into()))?
    } else {
        stored
    };
    Ok(Account {
        id,
        email: row.value("email")?,
        name,
        password_hash: row.value("password_hash")?,
        language: crate::model::parse_lang(&row.value::<String>("language")?)?,
        totp_secret,
        totp_last_step: row.value("totp_last_step")?,
        active: row.value::<i64>("active")? == 1,
    })
}

/// E-mail addresses are compared without case and surrounding space.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    pub async fn account(&self, id: &str) -> Result<Option<Account>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|r| account_of(&self.secrets, r))
            .transpose()
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1"
        ))
        .bind(normalize_email(email))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|r| account_of(&self.secrets, r))
            .transpose()
    }

    /// Every role the account holds, in every tenant and on the platform.
    pub async fn grants(&self, account_id: &str) -> Result<Vec<Grant>> {
        let rows = sqlx::query(
            "SELECT tenant_id, role FROM account_roles WHERE account_id = $1 ORDER BY tenant_id, role",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                grant_of(
                    row.try_get("tenant_id")?,
                    &row.try_get::<String, _>("role")?,
                )
            })
            .collect()
    }

    /// Adds a person: makes the account if the e-mail is new, then gives the role (and
    /// services) in the tenant. Returns the account id.
    pub async fn add_user(&self, new: &NewUser<'_>, ctx: &AuditContext) -> Result<String> {
        let mut tx = begin(self).await?;
        let (account_id, _) = add_user_in(&mut tx, &self.secrets, new, ctx).await?;
        tx.commit().await?;
        Ok(account_id)
    }

    /// Invites a person: adds them as [`Store::add_user`] does, with a one-time link
    /// (stored as `token_hash`) and the mail that carries it, all in one transaction.
    /// Returns whether the account is new (an existing one keeps its password).
    pub async fn invite(
        &self,
        new: &NewUser<'_>,
        token_hash: &str,
        expires: time::OffsetDateTime,
        mail_for: impl FnOnce(bool) -> Mail,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = begin(self).await?;
        let (account_id, created) = add_user_in(&mut tx, &self.secrets, new, ctx).await?;
        insert_token(
            &mut tx,
            token_hash,
            TokenPurpose::Invite,
            &account_id,
            new.tenant,
            expires,
        )
        .await?;
        crate::outbox::enqueue(&mut tx, new.tenant, &mail_for(created)).await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::Invited,
            &account_target(&account_id),
            Outcome::Success,
            new.role.key(),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Starts a password reset: a one-time link and the mail that carries it.
    pub async fn request_password_reset(
        &self,
        account_id: &str,
        tenant: &TenantId,
        token_hash: &str,
        expires: time::OffsetDateTime,
        mail: &Mail,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = begin(self).await?;
        insert_token(
            &mut tx,
            token_hash,
            TokenPurpose::PasswordReset,
            account_id,
            Some(tenant),
            expires,
        )
        .await?;
        crate::outbox::enqueue(&mut tx, Some(tenant), mail).await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::PasswordResetRequested,
            &account_target(account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account a live one-time link belongs to (not used, not expired).
    pub async fn token_account(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
    ) -> Result<Option<Account>> {
        let account_id: Option<String> = sqlx::query_scalar(
            "SELECT account_id FROM tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL \
             AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.key())
        .bind(clock::to_text(clock::now()))
        .fetch_optional(&self.pool)
        .await?;
        match account_id {
            Some(id) => self.account(&id).await,
            None => Ok(None),
        }
    }

    /// Uses a one-time link to set a password: the link is spent (even by two requests
    /// at once, only one succeeds), every session of the account ends. Returns the
    /// account id, or `None` if the link is unknown, used or expired.
    pub async fn set_password_with_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        password_hash: &str,
        ctx: &AuditContext,
    ) -> Result<Option<String>> {
        let now = clock::to_text(clock::now());
        let mut tx = begin(self).await?;
        let account_id: Option<String> = sqlx::query_scalar(
            "UPDATE tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
             AND expires_at > $1 RETURNING account_id",
        )
        .bind(&now)
        .bind(token_hash)
        .bind(purpose.key())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(account_id) = account_id else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3 AND active = 1",
        )
        .bind(password_hash)
        .bind(&now)
        .bind(&account_id)
        .execute(&mut *tx)
        .await?;
        end_access(&mut tx, &account_id, None).await?;
        let action = match purpose {
            TokenPurpose::Invite => AuditAction::InviteAccepted,
            TokenPurpose::PasswordReset => AuditAction::PasswordChanged,
        };
        let ctx = AuditContext {
            actor_id: Some(account_id.clone()),
            ..ctx.clone()
        };
        append(
            &mut tx,
            &self.secrets,
            &ctx,
            action,
            &account_target(&account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(Some(account_id))
    }

    /// Gives an existing account a role in a tenant (families, whose accounts are
    /// known by their identity number rather than an e-mail address).
    pub async fn grant_role(
        &self,
        account_id: &str,
        tenant: &TenantId,
        role: Role,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = begin(self).await?;
        sqlx::query(
            "INSERT INTO account_roles (account_id, tenant_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(account_id)
        .bind(&tenant.0)
        .bind(role.key())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::RoleGranted,
            &account_target(account_id),
            Outcome::Success,
            role.key(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets which of the `manageable` roles, and which services, an account has in a
    /// tenant: each role given or taken and a change of services is audited.
    pub async fn set_roles_and_services(
        &self,
        account_id: &str,
        tenant: &TenantId,
        manageable: &[Role],
        roles: &[Role],
        services: &[String],
        ctx: &AuditContext,
    ) -> Result<()> {
        let current: Vec<Role> = self
            .grants(account_id)
            .await?
            .into_iter()
            .filter(|g| g.tenant_id.as_deref() == Some(tenant.0.as_str()))
            .map(|g| g.role)
            .collect();
        let current_services = self.services_of(account_id, tenant).await?;
        let target = account_target(account_id);
        let mut tx = begin(self).await?;
        for role in manageable {
            let (has, wants) = (current.contains(role), roles.contains(role));
            if has && !wants {
                sqlx::query("DELETE FROM account_roles WHERE account_id = $1 AND tenant_id = $2 AND role = $3")
                    .bind(account_id)
                    .bind(&tenant.0)
                    .bind(role.key())
                    .execute(&mut *tx)
                    .await?;
                append(
                    &mut tx,
                    &self.secrets,
                    ctx,
                    AuditAction::RoleRevoked,
                    &target,
                    Outcome::Success,
                    role.key(),
                )
                .await?;
            } else if wants && !has {
                sqlx::query(
                    "INSERT INTO account_roles (account_id, tenant_id, role) VALUES ($1, $2, $3)",
                )
                .bind(account_id)
                .bind(&tenant.0)
                .bind(role.key())
                .execute(&mut *tx)
                .await?;
                append(
                    &mut tx,
                    &self.secrets,
                    ctx,
                    AuditAction::RoleGranted,
                    &target,
                    Outcome::Success,
                    role.key(),
                )
                .await?;
            }
        }
        let mut wanted: Vec<String> = services.to_vec();
        wanted.sort();
        wanted.dedup();
        if wanted != current_services {
            sqlx::query("DELETE FROM account_services WHERE account_id = $1 AND tenant_id = $2")
                .bind(account_id)
                .bind(&tenant.0)
                .execute(&mut *tx)
                .await?;
            for service in &wanted {
                sqlx::query("INSERT INTO account_services (account_id, tenant_id, service_slug) VALUES ($1, $2, $3)")
                    .bind(account_id)
                    .bind(&tenant.0)
                    .bind(service)
                    .execute(&mut *tx)
                    .await?;
            }
            append(
                &mut tx,
                &self.secrets,
                ctx,
                AuditAction::ServicesChanged,
                &target,
                Outcome::Success,
                &wanted.join(","),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The services an account belongs to in a tenant, sorted.
    pub async fn services_of(&self, account_id: &str, tenant: &TenantId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT service_slug FROM account_services WHERE account_id = $1 AND tenant_id = $2 ORDER BY service_slug",
        )
        .bind(account_id)
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn reactivate_account(&self, account_id: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = begin(self).await?;
        sqlx::query("UPDATE accounts SET active = 1, updated_at = $1 WHERE id = $2")
            .bind(clock::to_text(clock::now()))
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::AccountReactivated,
            &account_target(account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The people with a role in a tenant (or, for `None`, everyone with any role).
    pub async fn list_users(&self, tenant: Option<&TenantId>) -> Result<Vec<UserSummary>> {
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT r.tenant_id, t.slug, a.{cols} FROM account_roles r \
             JOIN accounts a ON a.id = r.account_id LEFT JOIN tenants t ON t.id = r.tenant_id \
             WHERE ($1 = '*' OR r.tenant_id = $1) ORDER BY a.name, a.id",
            cols = ACCOUNT_COLUMNS.replace(", ", ", a.")
        ))
        .bind(tenant.map_or("*", |t| t.0.as_str()))
        .fetch_all(&self.pool)
        .await?;
        let mut users = Vec::new();
        for row in &rows {
            let account = account_of(&self.secrets, row)?;
            let tenant_id: String = row.try_get("tenant_id")?;
            let roles = self
                .grants(&account.id)
                .await?
                .into_iter()
                .filter(|g| g.tenant_id.as_deref().unwrap_or("") == tenant_id)
                .map(|g| g.role)
                .collect();
            let services = sqlx::query_scalar(
                "SELECT service_slug FROM account_services WHERE account_id = $1 AND tenant_id = $2 \
                 ORDER BY service_slug",
            )
            .bind(&account.id)
            .bind(&tenant_id)
            .fetch_all(&self.pool)
            .await?;
            users.push(UserSummary {
                account,
                tenant_slug: row.try_get("slug")?,
                roles,
                services,
            });
        }
        Ok(users)
    }

    /// Deactivates an account and ends every session of it at once.
    pub async fn deactivate_account(&self, account_id: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = begin(self).await?;
        sqlx::query("UPDATE accounts SET active = 0, updated_at = $1 WHERE id = $2")
            .bind(clock::to_text(clock::now()))
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        end_access(&mut tx, account_id, None).await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::AccountDeactivated,
            &account_target(account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes two-step login (for a person who lost their phone): they set it up again
    /// at their next login. Ends their sessions.
    pub async fn reset_two_step(&self, account_id: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = begin(self).await?;
        sqlx::query(
            "UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(clock::to_text(clock::now()))
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        end_access(&mut tx, account_id, None).await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::TwoStepReset,
            &account_target(account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password and ends every other session of the account.
    pub async fn set_password(
        &self,
        account_id: &str,
        password_hash: &str,
        keep_session_hash: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = begin(self).await?;
        sqlx::query("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(clock::to_text(clock::now()))
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        end_access(&mut tx, account_id, keep_session_hash).await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::PasswordChanged,
            &account_target(account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns two-step login on with a confirmed secret (stored sealed) and new recovery
    /// codes (stored as keyed hashes).
    pub async fn enable_two_step(
        &self,
        account_id: &str,
        secret: &str,
        confirmed_step: i64,
        recovery_codes: &[String],
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = begin(self).await?;
        sqlx::query(
            "UPDATE accounts SET totp_secret = $1, totp_last_step = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(self.secrets.seal(TOTP_PURPOSE, secret.as_bytes()))
        .bind(confirmed_step)
        .bind(clock::to_text(clock::now()))
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        replace_recovery_codes(&mut tx, &self.secrets, account_id, recovery_codes).await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::TwoStepEnabled,
            &account_target(account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn renew_recovery_codes(
        &self,
        account_id: &str,
        recovery_codes: &[String],
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = begin(self).await?;
        replace_recovery_codes(&mut tx, &self.secrets, account_id, recovery_codes).await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::RecoveryCodesRenewed,
            &account_target(account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that a TOTP time step was used; false if it (or a later one) already was,
    /// so a code cannot be used twice, not even by two instances at once.
    pub async fn use_totp_step(&self, account_id: &str, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uses up a recovery code; false if it is unknown or used.
    pub async fn use_recovery_code(&self, account_id: &str, code: &str) -> Result<bool> {
        let code_hash = recovery_code_hash(&self.secrets, code);
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 \
             AND used_at IS NULL",
        )
        .bind(clock::to_text(clock::now()))
        .bind(account_id)
        .bind(&code_hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many unused recovery codes the account has left.
    pub async fn recovery_codes_left(&self, account_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?)
    }
}

/// Recovery codes are kept as keyed hashes: a copy of the database alone cannot be
/// used to test guesses.
fn recovery_code_hash(secrets: &Secrets, code: &str) -> String {
    secrets.mac_hex("recovery-code", code.as_bytes())
}

/// The purpose the two-step secrets are sealed under.
const TOTP_PURPOSE: &str = "totp-secret";

async fn replace_recovery_codes(
    tx: &mut sqlx::AnyConnection,
    secrets: &Secrets,
    account_id: &str,
    codes: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    for code in codes {
        sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
            .bind(account_id)
            .bind(recovery_code_hash(secrets, code))
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// How the audit log names an account: by id, never by e-mail or name.
pub fn account_target(account_id: &str) -> String {
    format!("account:{account_id}")
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Invite,
    PasswordReset,
}

impl TokenPurpose {
    fn key(self) -> &'static str {
        match self {
            TokenPurpose::Invite => "invite",
            TokenPurpose::PasswordReset => "password-reset",
        }
    }
}

async fn insert_token(
    tx: &mut sqlx::AnyConnection,
    token_hash: &str,
    purpose: TokenPurpose,
    account_id: &str,
    tenant: Option<&TenantId>,
    expires: time::OffsetDateTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tokens (token_hash, purpose, account_id, tenant_id, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(purpose.key())
    .bind(account_id)
    .bind(tenant.map_or("", |t| t.0.as_str()))
    .bind(clock::to_text(expires))
    .bind(clock::to_text(clock::now()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Makes the account if the e-mail is new and gives the role and services; returns the
/// account id and whether it was made.
async fn add_user_in(
    tx: &mut sqlx::AnyConnection,
    secrets: &Secrets,
    new: &NewUser<'_>,
    ctx: &AuditContext,
) -> Result<(String, bool)> {
    let email = normalize_email(new.email);
    let now = clock::to_text(clock::now());
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
    let created = existing.is_none();
    let account_id = match existing {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO accounts (id, email, name, password_hash, language, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
            )
            .bind(&id)
            .bind(&email)
            .bind(new.name.trim())
            .bind(new.password_hash.as_deref())
            .bind(new.language.code())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            append(
                tx,
                secrets,
                ctx,
                AuditAction::AccountCreated,
                &account_target(&id),
                Outcome::Success,
                "",
            )
            .await?;
            id
        }
    };
    let tenant_key = new.tenant.map_or("", |t| t.0.as_str());
    sqlx::query(
        "INSERT INTO account_roles (account_id, tenant_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&account_id)
    .bind(tenant_key)
    .bind(new.role.key())
    .execute(&mut *tx)
    .await?;
    append(
        tx,
        secrets,
        ctx,
        AuditAction::RoleGranted,
        &account_target(&account_id),
        Outcome::Success,
        new.role.key(),
    )
    .await?;
    if let Some(tenant) = new.tenant
        && !new.services.is_empty()
    {
        for service in new.services {
            sqlx::query(
                "INSERT INTO account_services (account_id, tenant_id, service_slug) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&account_id)
            .bind(&tenant.0)
            .bind(service)
            .execute(&mut *tx)
            .await?;
        }
        append(
            tx,
            secrets,
            ctx,
            AuditAction::ServicesChanged,
            &account_target(&account_id),
            Outcome::Success,
            &new.services.join(","),
        )
        .await?;
    }
    Ok((account_id, created))
}

/// Ends an account's sessions (but `keep`, the one making the change) and spends its
/// live one-time links: after a password is set or changed, two-step login is reset or
/// the account is deactivated, nothing from before may be used to get in.
async fn end_access(
    tx: &mut sqlx::AnyConnection,
    account_id: &str,
    keep: Option<&str>,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2")
        .bind(account_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE tokens SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL")
        .bind(clock::to_text(clock::now()))
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Store {
    /// Seals again, under the current key, every two-step secret and family account
    /// name sealed with an earlier one (`saman keys rotate`). Returns how many.
    pub async fn reseal_account_secrets(&self) -> Result<usize> {
        let names: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM accounts WHERE name LIKE 'x1.%'")
                .fetch_all(&self.pool)
                .await?;
        let mut resealed = 0;
        for (id, sealed) in names {
            if !self.secrets.sealed_with_older_key(&sealed) {
                continue;
            }
            let name = self.open_name(&id, &sealed);
            sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2 AND name = $3")
                .bind(self.seal_name(&id, &name))
                .bind(&id)
                .bind(&sealed)
                .execute(&self.pool)
                .await?;
            resealed += 1;
        }
        Ok(resealed + self.reseal_totp_secrets().await?)
    }

    async fn reseal_totp_secrets(&self) -> Result<usize> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, totp_secret FROM accounts WHERE totp_secret IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        let mut count = 0;
        for (id, sealed) in rows {
            if !self.secrets.sealed_with_older_key(&sealed) {
                continue;
            }
            let secret = self
                .secrets
                .open(TOTP_PURPOSE, &sealed)
                .map_err(|e| StoreError::Corrupt(format!("two-step secret of {id}: {e}")))?;
            sqlx::query("UPDATE accounts SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
                .bind(self.secrets.seal(TOTP_PURPOSE, &secret))
                .bind(&id)
                .bind(&sealed)
                .execute(&self.pool)
                .await?;
            count += 1;
        }
        Ok(count)
    }
}
