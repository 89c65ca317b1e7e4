//! Sessions, in the database so that any instance serves them. The cookie holds a
//! random token; the table holds its hash. A session ends at its idle timeout, at its
//! absolute lifetime, at logout, and when its account is deactivated. On PostgreSQL an
//! instance keeps the sessions of the pages it shows in memory while it hears every
//! change to them (session_cache.rs).

use crate::audit::{AuditContext, append, begin};
use crate::clock;
use crate::{Columns, Result, Store, StoreError};
use saman_domain::audit::{AuditAction, Outcome};
use saman_domain::auth::secret::{new_token, token_hash};
use time::{Duration, OffsetDateTime};

/// How long a request that may have changed something waits for this instance to hear
/// the changes committed so far ([`Store::settle_kept_sessions`]).
pub const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// How long sessions last: both are settings.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: Duration::minutes(30),
            absolute: Duration::hours(10),
        }
    }
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: String,
    /// The tenant id it was opened at, empty for the platform.
    pub tenant_id: String,
    /// Whether every login step is done.
    pub complete: bool,
    /// `password`, `oidc` or `idporten`.
    pub method: String,
    pub csrf_token: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub user_agent: String,
}

/// A live session with what every signed-in request needs of its account.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub session: Session,
    pub account: crate::Account,
    /// Every role the account holds, in every tenant and on the platform.
    pub grants: Vec<saman_domain::access::Grant>,
    /// The slug of the tenant the session was opened at ("" for the platform).
    pub tenant_slug: String,
    /// The key of the account's identity number, for an account that logged in with one.
    pub pid_key: Option<String>,
    /// The account's services: (tenant id, service slug), in no particular order.
    pub services: Vec<(String, String)>,
}

/// What a new session gives back: the token for the cookie, and the session.
pub struct NewSession {
    pub token: String,
    pub session: Session,
}

impl Store {
    /// Opens a session. The caller has already checked who the person is.
    pub async fn open_session(
        &self,
        account_id: &str,
        tenant_id: &str,
        complete: bool,
        method: &str,
        user_agent: &str,
        limits: SessionLimits,
    ) -> Result<NewSession> {
        let mut tx = begin(self).await?;
        let new = insert_session(
            &mut tx, account_id, tenant_id, complete, method, user_agent, limits,
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// The session a token names, if it is live; touches it (at most once a minute).
    pub async fn session(&self, token: &str, limits: SessionLimits) -> Result<Option<Session>> {
        Ok(self.live_session(token, limits).await?.map(|l| l.session))
    }

    /// The session a token names, if it is live, with its account, the account's roles
    /// and services, and the slug of the tenant it was opened at, as the database has it
    /// now: for every request that may change something. One query, and a touch of the
    /// session (at most once a minute).
    pub async fn live_session(
        &self,
        token: &str,
        limits: SessionLimits,
    ) -> Result<Option<LiveSession>> {
        self.read_live_session(token_hash(token), limits).await
    }

    /// The same, from memory when this instance keeps the session (on PostgreSQL, while
    /// it hears every change to sessions: session_cache.rs): for requests that only show
    /// something. A session that looks ended is asked of the database, which decides (it
    /// may have been used on another instance since it was kept).
    pub async fn kept_live_session(
        &self,
        token: &str,
        limits: SessionLimits,
    ) -> Result<Option<LiveSession>> {
        let hash = token_hash(token);
        if let Some(kept) = self.kept_sessions.get(&hash) {
            let now = clock::now();
            let last_seen = clock::from_text(&kept.live.session.last_seen_at);
            if is_live(last_seen, Some(kept.expires_at), now, limits) {
                let now_text = clock::to_text(now);
                if needs_touch(last_seen, now) {
                    // The touch is announced: this instance forgets the session too.
                    self.touch_session(&hash, &now_text).await?;
                }
                let mut live = kept.live;
                live.session.last_seen_at = now_text;
                return Ok(Some(live));
            }
        }
        self.read_live_session(hash, limits).await
    }

    async fn touch_session(&self, hash: &str, now: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn read_live_session(
        &self,
        hash: String,
        limits: SessionLimits,
    ) -> Result<Option<LiveSession>> {
        // Taken before the read: what is announced meanwhile keeps the result from memory.
        let generation = self.kept_sessions.generation();
        let services = self.backend().json_rows(
            "sv.tenant_id, sv.service_slug",
            "FROM account_services sv WHERE sv.account_id = s.account_id",
        );
        // One row per role (or one with no role): the session's columns repeat.
        let query = format!(
            "SELECT s.id_hash, s.account_id, s.tenant_id, s.complete, s.method, s.csrf_token, \
             s.created_at, s.last_seen_at, s.expires_at, s.user_agent, {}, a.pid AS pid_key, \
             ({services}) AS services, \
             COALESCE(t.slug, '') AS tenant_slug, r.tenant_id AS grant_tenant, r.role AS grant_role \
             FROM sessions s JOIN accounts a ON a.id = s.account_id \
             LEFT JOIN tenants t ON t.id = s.tenant_id \
             LEFT JOIN account_roles r ON r.account_id = s.account_id \
             WHERE s.id_hash = $1 AND a.active = 1 ORDER BY r.tenant_id, r.role",
            crate::people::ACCOUNT_COLUMNS_OF_A
        );
        let rows = self.read(&query, &[&hash]).await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let now = clock::now();
        let last_seen: String = row.value("last_seen_at")?;
        let expires: String = row.value("expires_at")?;
        let last_seen_at = clock::from_text(&last_seen);
        let expires_at = clock::from_text(&expires);
        let (Some(expires_at), true) = (expires_at, is_live(last_seen_at, expires_at, now, limits))
        else {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(&hash)
                .execute(&self.pool)
                .await?;
            return Ok(None);
        };
        let now_text = clock::to_text(now);
        let touched = needs_touch(last_seen_at, now);
        if touched {
            self.touch_session(&hash, &now_text).await?;
        }
        let mut grants = Vec::new();
        for r in &rows {
            if let Some(role) = r.value::<Option<String>>("grant_role")? {
                let tenant: String = r
                    .value::<Option<String>>("grant_tenant")?
                    .unwrap_or_default();
                grants.push(crate::people::grant_of(tenant, &role)?);
            }
        }
        let mut live = LiveSession {
            account: crate::people::account_of(&self.secrets, row)?,
            grants,
            tenant_slug: row.value("tenant_slug")?,
            pid_key: row.value("pid_key")?,
            services: serde_json::from_str(&row.value::<String>("services")?)
                .map_err(|e| StoreError::Corrupt(format!("an account's services: {e}")))?,
            session: Session {
                // Kept as the database has it (a touch was announced, and forgets it).
                last_seen_at: if touched { now_text.clone() } else { last_seen },
                ..session_of(row)?
            },
        };
        if let Some(generation) = generation {
            self.kept_sessions
                .keep(generation, hash, live.clone(), expires_at);
        }
        live.session.last_seen_at = now_text;
        Ok(Some(live))
    }

    /// Hears every change to sessions from now on, and keeps sessions in memory while it
    /// does (PostgreSQL only; session_cache.rs), until every copy of the store is dropped.
    pub fn watch_sessions(&self) {
        if self.backend() != crate::Backend::Postgres {
            return;
        }
        let url = self.pool.connect_options().database_url.clone();
        match url.as_str().parse::<sqlx::postgres::PgConnectOptions>() {
            Ok(options) => crate::session_cache::listen(
                &self.kept_sessions,
                options,
                self.pool.clone(),
                self.instance(),
            ),
            Err(e) => tracing::warn!(error = %e, "sessions are not kept: no connection options"),
        }
    }

    /// After a request that may have changed something, before it is answered: waits
    /// until this instance has heard every change to sessions committed so far, so that
    /// the change holds here at once for everyone it touched (the asker's own logout,
    /// an account an administrator deactivated, a role taken away), however late the
    /// announcement would otherwise have come. If that is not heard within
    /// [`SETTLE_WAIT`], every kept session is forgotten instead. Nothing to do where
    /// nothing is kept.
    pub async fn settle_kept_sessions(&self) {
        if !self.kept_sessions.listening() {
            return;
        }
        let heard = self.heard_session_changes_so_far(SETTLE_WAIT).await;
        if !matches!(heard, Ok(true)) {
            let error = heard.err().map(|e| e.to_string()).unwrap_or_default();
            tracing::warn!(%error, "changes to sessions not heard in time: every kept one forgotten");
            self.kept_sessions.forget("");
        }
    }

    /// Whether this instance has heard, within `wait`, every change to sessions committed
    /// before the call (false if it keeps none: SQLite, or not listening). For tests and
    /// checks that must not race an announcement still on its way.
    pub async fn heard_session_changes_so_far(&self, wait: std::time::Duration) -> Result<bool> {
        Ok(self
            .kept_sessions
            .hear_so_far(&self.pool, self.instance(), wait)
            .await?)
    }

    /// Whether sessions are kept in memory now, and how many (for tests and checks).
    pub fn kept_sessions(&self) -> (bool, usize) {
        (self.kept_sessions.listening(), self.kept_sessions.len())
    }

    /// Replaces a session by a new one with a new id and a new lifetime, at every change
    /// of privilege (the second step done, a password changed).
    pub async fn renew_session(
        &self,
        old: &Session,
        complete: bool,
        limits: SessionLimits,
    ) -> Result<NewSession> {
        let mut tx = begin(self).await?;
        let removed = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(&old.id_hash)
            .execute(&mut *tx)
            .await?;
        // Ended meanwhile (logged out everywhere, deactivated): it does not come back.
        if removed.rows_affected() != 1 {
            return Err(crate::StoreError::SessionEnded);
        }
        let new = insert_session(
            &mut tx,
            &old.account_id,
            &old.tenant_id,
            complete,
            &old.method,
            &old.user_agent,
            limits,
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Ends one session, and audits it.
    pub async fn end_session(&self, session: &Session, ctx: &AuditContext) -> Result<()> {
        let mut tx = begin(self).await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(&session.id_hash)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::Logout,
            &crate::people::account_target(&session.account_id),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of an account; returns how many there were.
    pub async fn end_all_sessions(&self, account_id: &str, ctx: &AuditContext) -> Result<u64> {
        let mut tx = begin(self).await?;
        let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &self.secrets,
            ctx,
            AuditAction::LogoutEverywhere,
            &crate::people::account_target(account_id),
            Outcome::Success,
            &done.rows_affected().to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// The account's live sessions, newest first.
    pub async fn sessions_of(&self, account_id: &str) -> Result<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT id_hash, account_id, tenant_id, complete, method, csrf_token, created_at, \
             last_seen_at, user_agent FROM sessions WHERE account_id = $1 AND expires_at > $2 \
             ORDER BY created_at DESC",
        )
        .bind(account_id)
        .bind(clock::to_text(clock::now()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(session_of).collect()
    }
}

/// Whether a session last used at `last_seen` and ending at `expires_at` is live `now`.
fn is_live(
    last_seen: Option<OffsetDateTime>,
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    limits: SessionLimits,
) -> bool {
    last_seen.is_some_and(|t| now < t + limits.idle) && expires_at.is_some_and(|t| now < t)
}

/// Whether a session's last use is to be written now (at most once a minute).
fn needs_touch(last_seen: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    last_seen.is_none_or(|t| now - t > Duration::minutes(1))
}

async fn insert_session(
    tx: &mut sqlx::AnyConnection,
    account_id: &str,
    tenant_id: &str,
    complete: bool,
    method: &str,
    user_agent: &str,
    limits: SessionLimits,
) -> Result<NewSession> {
    let token = new_token();
    let now: OffsetDateTime = clock::now();
    let session = Session {
        id_hash: token_hash(&token),
        account_id: account_id.to_string(),
        tenant_id: tenant_id.to_string(),
        complete,
        method: method.to_string(),
        csrf_token: new_token(),
        created_at: clock::to_text(now),
        last_seen_at: clock::to_text(now),
        // Only the browser's name, cut short: enough to tell sessions apart.
        user_agent: user_agent.chars().take(120).collect(),
    };
    sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, tenant_id, complete, method, csrf_token, \
         created_at, last_seen_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)",
    )
    .bind(&session.id_hash)
    .bind(account_id)
    .bind(tenant_id)
    .bind(i64::from(complete))
    .bind(method)
    .bind(&session.csrf_token)
    .bind(&session.created_at)
    .bind(clock::to_text(now + limits.absolute))
    .bind(&session.user_agent)
    .execute(&mut *tx)
    .await?;
    Ok(NewSession { token, session })
}

/// A session from its row (the columns of `sessions`, as named there).
fn session_of(row: &impl Columns) -> Result<Session> {
    Ok(Session {
        id_hash: row.value("id_hash")?,
        account_id: row.value("account_id")?,
        tenant_id: row.value("tenant_id")?,
        complete: row.value::<i64>("complete")? == 1,
        method: row.value("method")?,
        csrf_token: row.value("csrf_token")?,
        created_at: row.value("created_at")?,
        last_seen_at: row.value("last_seen_at")?,
        user_agent: row.value("user_agent")?,
    })
}
